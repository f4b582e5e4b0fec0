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
