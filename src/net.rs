//! Is an address loopback? The mock warns when it is not; the checker makes up a token only
//! for loopback targets (a local mock accepts any token; a real backend needs a real one).

use std::net::IpAddr;

use url::{Host, Url};

/// `localhost`, or an IP address in 127.0.0.0/8 or `::1` (brackets allowed, as in URLs).
pub fn is_loopback_host(host: &str) -> bool {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// Whether the host of a URL is loopback.
pub fn is_loopback_url(url: &Url) -> bool {
    match url.host() {
        Some(Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
        Some(Host::Ipv4(ip)) => ip.is_loopback(),
        Some(Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_hosts_and_urls() {
        for host in [
            "localhost",
            "127.0.0.1",
            "127.1.2.3",
            "::1",
            "[::1]",
            "LOCALHOST",
        ] {
            assert!(is_loopback_host(host), "{host}");
        }
        for host in [
            "0.0.0.0",
            "10.0.0.1",
            "::",
            "example.com",
            "localhost.example.com",
        ] {
            assert!(!is_loopback_host(host), "{host}");
        }
        let url = |s: &str| Url::parse(s).expect("a URL");
        assert!(is_loopback_url(&url("http://127.0.0.1:4010/mfa/primary")));
        assert!(is_loopback_url(&url("http://[::1]:4010")));
        assert!(is_loopback_url(&url("https://localhost")));
        assert!(!is_loopback_url(&url(
            "https://backend.flashback.tech/mfa/primary"
        )));
        assert!(!is_loopback_url(&url("http://127.0.0.1.evil.example:80")));
        assert!(!is_loopback_url(&url("http://localhost@evil.example")));
    }
}
