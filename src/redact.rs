//! Bearer tokens never leave the process. Wherever a token would be shown (journal, logs,
//! reports, snapshots), a short fingerprint stands in for it: enough to tell two tokens apart,
//! not enough to use one.

use sha2::{Digest, Sha256};

/// `fp:` and the first 8 hex digits of the token's SHA-256.
pub fn fingerprint(token: &str) -> String {
    let digest = Sha256::digest(token.as_bytes());
    let hex: String = digest[..4].iter().map(|b| format!("{b:02x}")).collect();
    format!("fp:{hex}")
}

/// Tokens shorter than this are not searched for in free text: replacing every "a" in a body
/// would destroy the text and hide nothing worth hiding.
pub const MIN_SEARCHABLE_TOKEN: usize = 6;

/// The scheme of an `Authorization` value, when it is safe to show: a word a credential
/// follows, short and made of the characters schemes are made of. A value without a space may
/// be the credential itself (a client that forgot the scheme), so it is never shown.
pub fn shown_scheme(value: &str) -> Option<&str> {
    let (scheme, _) = value.trim().split_once(' ')?;
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

/// `text` with every occurrence of `token` replaced by `replacement`.
pub fn replace_token(text: &str, token: &str, replacement: &str) -> String {
    if token.len() < MIN_SEARCHABLE_TOKEN {
        return text.to_owned();
    }
    text.replace(token, replacement)
}

/// `text` with every secret in `secrets` replaced by `[token]`: the one redaction for free text.
pub fn redact<'a>(text: &str, secrets: impl IntoIterator<Item = &'a str>) -> String {
    secrets.into_iter().fold(text.to_owned(), |text, secret| {
        replace_token(&text, secret, "[token]")
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_scheme_is_shown_only_when_a_credential_follows_it_and_it_looks_like_one() {
        assert_eq!(super::shown_scheme("Basic dXNlcjpwYXNz"), Some("Basic"));
        assert_eq!(super::shown_scheme("  Token abc "), Some("Token"));
        assert_eq!(super::shown_scheme("tok-Zq81xVv0-distinctive-7c1e"), None);
        assert_eq!(
            super::shown_scheme("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig x"),
            None
        );
        assert_eq!(super::shown_scheme("a/b c"), None);
        assert!(!super::wrong_scheme("tok-Zq81xVv0-distinctive-7c1e", "Bearer").contains("tok-"));
    }

    use super::*;

    #[test]
    fn fingerprint_is_stable_and_hides_the_token() {
        let fp = fingerprint("secret-token-123");
        assert_eq!(fp, fingerprint("secret-token-123"));
        assert_ne!(fp, fingerprint("secret-token-124"));
        assert!(!fp.contains("secret"));
        assert_eq!(fp.len(), "fp:".len() + 8);
    }

    #[test]
    fn replace_token_replaces_every_occurrence_of_long_tokens_only() {
        assert_eq!(
            replace_token("a tok3n-xyz b tok3n-xyz", "tok3n-xyz", "$T"),
            "a $T b $T"
        );
        assert_eq!(replace_token("a b a", "a", "$T"), "a b a");
        assert_eq!(
            redact("x tok3n-one y tok3n-two", ["tok3n-one", "tok3n-two"]),
            "x [token] y [token]"
        );
    }
}
