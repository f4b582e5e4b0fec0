//! The target's URL, checked once where the flag is read: every use after that is infallible.

use std::fmt;
use std::str::FromStr;

use url::Url;

use crate::Error;
use crate::contract::Contract;

/// An `http://` or `https://` URL with a host: what `--target` was checked to be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TargetUrl(Url);

const EXPECTED: &str = "expected an http:// or https:// URL";

impl TargetUrl {
    /// `text` as a target URL, or a usage error naming `flag`.
    pub fn parse(flag: &str, text: &str) -> Result<Self, Error> {
        checked(text)
            .map(Self)
            .ok_or_else(|| Error::Usage(format!("{flag} {text:?}: {EXPECTED}")))
    }

    /// The endpoint of `contract`'s operation: this URL with its path, unless it already ends
    /// with it, and its query.
    pub fn endpoint(&self, contract: &Contract) -> String {
        let mut endpoint = self.0.clone();
        let mut path = endpoint.path().trim_end_matches('/').to_owned();
        if !path.ends_with(contract.path()) {
            path.push_str(contract.path());
        }
        endpoint.set_path(&path);
        if let Some(query) = contract.query() {
            endpoint.set_query(Some(query));
        }
        endpoint.to_string()
    }

    /// This URL without the seed operation's path, when it ends with it: the base every
    /// operation's path is appended to.
    pub fn base(&self, contract: &Contract) -> Self {
        let mut base = self.0.clone();
        let path = base.path().trim_end_matches('/');
        let path = path
            .strip_suffix(contract.path())
            .unwrap_or(path)
            .to_owned();
        base.set_path(&path);
        Self(base)
    }

    pub fn url(&self) -> &Url {
        &self.0
    }

    /// Whether the target is on this machine (a made-up token is fine there).
    pub fn is_loopback(&self) -> bool {
        crate::net::is_loopback_url(&self.0)
    }
}

/// As reports show it: without a trailing slash.
impl fmt::Display for TargetUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0.as_str().trim_end_matches('/'))
    }
}

/// For clap: the flag's name is added by clap to the message.
impl FromStr for TargetUrl {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        checked(text).map(Self).ok_or_else(|| EXPECTED.to_owned())
    }
}

fn checked(text: &str) -> Option<Url> {
    let url = Url::parse(text.trim()).ok()?;
    let http = matches!(url.scheme(), "http" | "https");
    (http && url.host_str().is_some_and(|h| !h.is_empty())).then_some(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(text: &str) -> TargetUrl {
        TargetUrl::parse("--target", text).expect("valid")
    }

    #[test]
    fn the_endpoint_appends_the_contract_path_once() {
        let contract = Contract::embedded().expect("contract");
        for (base, endpoint) in [
            ("http://127.0.0.1:4010", "http://127.0.0.1:4010/mfa/primary"),
            (
                "http://127.0.0.1:4010/",
                "http://127.0.0.1:4010/mfa/primary",
            ),
            (
                "https://staging.example/api/",
                "https://staging.example/api/mfa/primary",
            ),
            (
                "http://127.0.0.1:4010/mfa/primary",
                "http://127.0.0.1:4010/mfa/primary",
            ),
        ] {
            assert_eq!(url(base).endpoint(&contract), endpoint);
        }
    }

    #[test]
    fn the_base_drops_the_seed_path_and_shows_without_a_slash() {
        let contract = Contract::embedded().expect("contract");
        let base = url("https://staging.example/api/mfa/primary").base(&contract);
        assert_eq!(base.to_string(), "https://staging.example/api");
        assert_eq!(
            url("http://127.0.0.1:4010/").base(&contract).to_string(),
            "http://127.0.0.1:4010"
        );
    }

    #[test]
    fn what_is_not_an_http_url_is_refused_naming_the_flag() {
        for bad in ["ftp://x", "localhost:4010", "http://", ""] {
            let error = TargetUrl::parse("--target", bad)
                .expect_err(bad)
                .to_string();
            assert!(
                error.contains("--target") && error.contains("http://"),
                "{error}"
            );
            assert!(bad.parse::<TargetUrl>().is_err(), "{bad}");
        }
    }
}
