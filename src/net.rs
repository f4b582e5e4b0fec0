//! Is an address loopback? The mock warns when it is not; the checker makes up a token only
//! for loopback targets (a local mock accepts any token; a real backend needs a real one).

use std::net::IpAddr;

/// `localhost`, or an IP address in 127.0.0.0/8 or `::1`.
pub fn is_loopback_host(host: &str) -> bool {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// Whether the host of an `http(s)://host[:port]/...` URL is loopback.
pub fn is_loopback_url(url: &str) -> bool {
    let authority = url
        .split("://")
        .nth(1)
        .unwrap_or("")
        .split(['/', '?', '#'])
        .next()
        .unwrap_or("");
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host = match host_port.rsplit_once(':') {
        // `[::1]:4010` and `127.0.0.1:4010`, but not the colons inside a bare IPv6 address.
        Some((host, port)) if port.bytes().all(|b| b.is_ascii_digit()) && !host.ends_with(':') => {
            host
        }
        _ => host_port,
    };
    is_loopback_host(host)
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
        assert!(is_loopback_url("http://127.0.0.1:4010/mfa/primary"));
        assert!(is_loopback_url("http://[::1]:4010"));
        assert!(is_loopback_url("https://localhost"));
        assert!(!is_loopback_url(
            "https://backend.flashback.tech/mfa/primary"
        ));
        assert!(!is_loopback_url("http://127.0.0.1.evil.example:80"));
        assert!(!is_loopback_url("http://localhost@evil.example"));
    }
}
