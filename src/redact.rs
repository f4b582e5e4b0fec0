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

/// Whether `haystack` holds `token` (searched only when it is long enough to be searched for).
/// Runs on every request, over bodies and header values: a haystack of a few hundred bytes is
/// scanned for the token's first byte, since building a `memmem` searcher costs more than
/// that scan (about 500 instructions a call, measured under callgrind).
#[inline]
pub fn holds_token(haystack: &[u8], token: &str) -> bool {
    // Inlined, so the usual answer (a header value shorter than the token) costs no call.
    token.len() >= MIN_SEARCHABLE_TOKEN
        && haystack.len() >= token.len()
        && searched_for(haystack, token.as_bytes())
}

fn searched_for(haystack: &[u8], needle: &[u8]) -> bool {
    if haystack.len() > SHORT_HAYSTACK {
        return memchr::memmem::find(haystack, needle).is_some();
    }
    let starts = &haystack[..=haystack.len() - needle.len()];
    memchr::memchr_iter(needle[0], starts).any(|at| &haystack[at..at + needle.len()] == needle)
}

/// Up to this many bytes, `holds_token` scans instead of building a searcher.
const SHORT_HAYSTACK: usize = 512;

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
    use proptest::prelude::*;

    proptest! {
        /// The short scan and the searcher agree, on either side of the length where one
        /// hands over to the other.
        #[test]
        fn holds_token_agrees_with_memmem(
            token in "[ab]{6,9}",
            filler in "[ab ]{0,40}",
            repeat in 1usize..30,
            planted in any::<bool>(),
        ) {
            let mut haystack = filler.repeat(repeat);
            if planted {
                haystack.insert_str(haystack.len() / 2, &token);
            }
            let expected = memchr::memmem::find(haystack.as_bytes(), token.as_bytes()).is_some();
            prop_assert_eq!(holds_token(haystack.as_bytes(), &token), expected);
        }
    }

    #[test]
    fn holds_token_ignores_short_tokens_and_finds_one_at_either_end() {
        assert!(!holds_token(b"a b a", "a"));
        assert!(holds_token(b"tok3n-xyz and more", "tok3n-xyz"));
        assert!(holds_token(b"more and tok3n-xyz", "tok3n-xyz"));
        assert!(!holds_token(b"tok3n-xy", "tok3n-xyz"));
        let long = format!("{}tok3n-xyz", "x".repeat(SHORT_HAYSTACK));
        assert!(holds_token(long.as_bytes(), "tok3n-xyz"));
    }

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
