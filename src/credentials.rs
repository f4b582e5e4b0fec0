//! The credentials header (`Authorization: Bearer <token>`), read one way everywhere it is
//! read: the mock's auth step and its journal, the proxy, the proxy's request check; and what
//! a message may show of a value that is wrong.

/// An `Authorization` value split as RFC 9110 writes it: a scheme, a space, a credential.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Credentials<'a> {
    /// `None` when the value has no space: it may be the credential itself.
    pub scheme: Option<&'a str>,
    /// The credential, trimmed; the whole value when there is no scheme; may be empty.
    pub token: &'a str,
}

impl<'a> Credentials<'a> {
    pub fn parse(value: &'a str) -> Self {
        let value = value.trim();
        match value.split_once(' ') {
            Some((scheme, token)) => Self {
                scheme: Some(scheme),
                token: token.trim(),
            },
            None => Self {
                scheme: None,
                token: value,
            },
        }
    }

    /// The token of `Scheme token` as clients send it (the scheme `expected`, one space, a
    /// token of visible ASCII), read from the bytes with no text made: what `parse` and
    /// `token_for` give for such a value; `None` for any other spelling, which `parse` reads.
    pub fn plain_token(value: &'a [u8], expected: &str) -> Option<&'a str> {
        let (scheme, rest) = value.split_at_checked(expected.len())?;
        let token = rest.strip_prefix(b" ")?;
        let plain = scheme.eq_ignore_ascii_case(expected.as_bytes())
            && !token.is_empty()
            && token.iter().all(u8::is_ascii_graphic);
        plain.then(|| std::str::from_utf8(token).ok()).flatten()
    }

    /// Whether the scheme is `expected` (compared case-insensitively, as RFC 9110 says). A
    /// value that is only a scheme (`Bearer`) has it, with an empty token.
    pub fn has_scheme(&self, expected: &str) -> bool {
        let scheme = self.scheme.unwrap_or(self.token);
        scheme.eq_ignore_ascii_case(expected)
    }

    /// The credential after a scheme, whatever the scheme, when there is one.
    pub fn credential(&self) -> Option<&'a str> {
        self.scheme.and(Some(self.token)).filter(|t| !t.is_empty())
    }

    /// The token of a value with the `expected` scheme, when one is there.
    pub fn token_for(&self, expected: &str) -> Option<&'a str> {
        (self.scheme.is_some() && self.has_scheme(expected) && !self.token.is_empty())
            .then_some(self.token)
    }
}

/// The scheme of an `Authorization` value, when it is safe to show: a word a credential
/// follows, short and made of the characters schemes are made of. A value without a space may
/// be the credential itself (a client that forgot the scheme), so it is never shown.
pub fn shown_scheme(value: &str) -> Option<&str> {
    let credentials = Credentials::parse(value);
    let scheme = credentials
        .scheme
        .filter(|_| !credentials.token.is_empty())?;
    let looks_like_a_scheme = scheme.len() <= 20
        && scheme
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-._~+".contains(&b));
    looks_like_a_scheme.then_some(scheme)
}

/// How to say that `value` does not use `expected`, naming the scheme given only when it is
/// safe to show ([`shown_scheme`]).
pub fn wrong_scheme(value: &str, expected: &str) -> String {
    match shown_scheme(value) {
        Some(scheme) => format!("the scheme is {scheme:?}, not {expected}"),
        None => format!("the value is not `{expected} <token>` (no scheme before the credential)"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Where the byte reading gives a token, it is the token `parse` gives; and it gives
        /// one for every `Scheme token` spelled the usual way.
        #[test]
        fn the_plain_reading_agrees_with_parse(
            scheme in prop::sample::select(vec!["Bearer", "bearer", "BEARER", "Basic", "Bear", " Bearer"]),
            gap in prop::sample::select(vec![" ", "  ", "\t", ""]),
            token in "[a-zA-Z0-9 \u{e9}!~.-]{0,10}",
            end in prop::sample::select(vec!["", " "]),
        ) {
            let value = format!("{scheme}{gap}{token}{end}");
            let parsed = Credentials::parse(&value).token_for("Bearer");
            let plain = Credentials::plain_token(value.as_bytes(), "Bearer");
            if plain.is_some() {
                prop_assert_eq!(plain, parsed);
            }
            // The usual spelling: `Bearer` in any case, one space, a token of visible ASCII.
            let usual = value.split_once(' ').is_some_and(|(scheme, token)| {
                scheme.eq_ignore_ascii_case("Bearer")
                    && !token.is_empty()
                    && token.bytes().all(|b| b.is_ascii_graphic())
            });
            prop_assert_eq!(plain.is_some(), usual, "{:?}", value);
        }
    }

    #[test]
    fn the_plain_reading_takes_the_usual_spelling_only() {
        fn plain(value: &str) -> Option<&str> {
            Credentials::plain_token(value.as_bytes(), "Bearer")
        }
        assert_eq!(plain("Bearer tok-1"), Some("tok-1"));
        assert_eq!(plain("bearer tok-1"), Some("tok-1"));
        for other in [
            "Bearer  tok-1",
            " Bearer tok-1",
            "Bearer tok-1 ",
            "Bearer ",
            "Bearer",
            "Basic tok-1",
            "Bearer t\u{e9}",
        ] {
            assert_eq!(plain(other), None, "{other:?}");
        }
    }

    #[test]
    fn a_scheme_is_shown_only_when_a_credential_follows_it_and_it_looks_like_one() {
        assert_eq!(shown_scheme("Basic dXNlcjpwYXNz"), Some("Basic"));
        assert_eq!(shown_scheme("  Token abc "), Some("Token"));
        assert_eq!(shown_scheme("tok-Zq81xVv0-distinctive-7c1e"), None);
        assert_eq!(
            shown_scheme("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig x"),
            None
        );
        assert_eq!(shown_scheme("a/b c"), None);
        assert!(!wrong_scheme("tok-Zq81xVv0-distinctive-7c1e", "Bearer").contains("tok-"));
    }

    #[test]
    fn a_value_is_split_into_scheme_and_token_the_same_way_everywhere() {
        let bearer = Credentials::parse("  bearer  tok-1 ");
        assert_eq!((bearer.scheme, bearer.token), (Some("bearer"), "tok-1"));
        assert!(bearer.has_scheme("Bearer"));
        assert_eq!(bearer.token_for("Bearer"), Some("tok-1"));
        let bare = Credentials::parse("tok-1");
        assert_eq!((bare.scheme, bare.token), (None, "tok-1"));
        assert_eq!(bare.token_for("Bearer"), None);
        let empty = Credentials::parse("Bearer ");
        assert!(empty.has_scheme("Bearer"));
        assert_eq!(empty.token_for("Bearer"), None);
        assert!(!Credentials::parse("Basic dXNlcg==").has_scheme("Bearer"));
    }
}
