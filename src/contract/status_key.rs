//! The keys of a `responses` map as OpenAPI writes them: an exact status (`201`), a range
//! (`2XX`) or `default`. The checker asks which key documents a status it got; the mock asks
//! which status to send for a key, and sends, for a range or `default`, one no other key
//! documents.

use std::collections::BTreeMap;

/// What a response key documents.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusKey {
    Exact(u16),
    /// The first digit: 2 for `2XX`.
    Range(u8),
    Default,
}

impl StatusKey {
    pub fn parse(key: &str) -> Option<Self> {
        if key == "default" {
            return Some(Self::Default);
        }
        match key.as_bytes() {
            [digit @ b'1'..=b'5', b'X', b'X'] => Some(Self::Range(digit - b'0')),
            _ => match key.parse::<u16>() {
                Ok(status @ 100..=599) if key.len() == 3 => Some(Self::Exact(status)),
                _ => None,
            },
        }
    }
}

/// The key of `responses` that documents `status`: the status itself, else its range, else
/// `default`.
pub fn documenting<V>(responses: &BTreeMap<String, V>, status: u16) -> Option<&str> {
    let exact = status.to_string();
    let range = format!("{}XX", status / 100);
    [exact.as_str(), range.as_str(), "default"]
        .into_iter()
        .find_map(|key| responses.get_key_value(key).map(|(k, _)| k.as_str()))
}

/// The status the mock sends for `key`: the status itself; for a range, its first status no
/// exact key documents; for `default`, a success when no key documents one, else a server
/// error, each one no other key documents.
pub fn representative<V>(responses: &BTreeMap<String, V>, key: &str) -> Option<u16> {
    let free = |status: &u16| documenting(responses, *status) == Some(key);
    match StatusKey::parse(key)? {
        StatusKey::Exact(status) => Some(status),
        StatusKey::Range(digit) => {
            let first = u16::from(digit) * 100;
            (first..first + 100).find(free)
        }
        StatusKey::Default => {
            let no_success = (200..300).all(|s| documenting(responses, s) == Some(key));
            let order: [std::ops::Range<u16>; 2] = if no_success {
                [200..300, 500..600]
            } else {
                [500..600, 400..500]
            };
            order.into_iter().flatten().find(free)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(keys: &[&str]) -> BTreeMap<String, ()> {
        keys.iter().map(|k| ((*k).to_owned(), ())).collect()
    }

    #[test]
    fn a_status_is_documented_by_itself_then_its_range_then_default() {
        let responses = keys(&["200", "2XX", "404", "default"]);
        assert_eq!(documenting(&responses, 200), Some("200"));
        assert_eq!(documenting(&responses, 201), Some("2XX"));
        assert_eq!(documenting(&responses, 404), Some("404"));
        assert_eq!(documenting(&responses, 503), Some("default"));
        assert_eq!(documenting(&keys(&["200"]), 201), None);
    }

    #[test]
    fn the_mock_sends_a_status_no_other_key_documents() {
        let responses = keys(&["200", "2XX", "500", "default"]);
        assert_eq!(representative(&responses, "2XX"), Some(201));
        assert_eq!(representative(&responses, "default"), Some(501));
        assert_eq!(representative(&keys(&["default"]), "default"), Some(200));
        assert_eq!(representative(&keys(&["4XX"]), "4XX"), Some(400));
        assert_eq!(representative(&responses, "2xx"), None);
    }

    #[test]
    fn keys_are_statuses_ranges_or_default() {
        assert_eq!(StatusKey::parse("201"), Some(StatusKey::Exact(201)));
        assert_eq!(StatusKey::parse("4XX"), Some(StatusKey::Range(4)));
        assert_eq!(StatusKey::parse("default"), Some(StatusKey::Default));
        for bad in ["6XX", "20", "2xx", "0200", "600", "Default"] {
            assert_eq!(StatusKey::parse(bad), None, "{bad}");
        }
    }
}
