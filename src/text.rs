//! Cutting text to a readable length, once for the journal, the reports and the proxy: on a
//! character boundary, saying that it was cut.

/// `text` cut to at most `max` bytes on a character boundary, and whether it was cut.
pub fn cut(text: &str, max: usize) -> (&str, bool) {
    if text.len() <= max {
        return (text, false);
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    (&text[..end], true)
}

/// `bytes` as text (invalid UTF-8 replaced), cut to `max` bytes with a note of the full size.
pub fn excerpt(bytes: &[u8], max: usize) -> String {
    let text = String::from_utf8_lossy(bytes);
    match cut(&text, max) {
        (all, false) => all.to_owned(),
        (part, true) => format!("{part}… ({} bytes in all)", bytes.len()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cut_respects_character_boundaries() {
        assert_eq!(cut("héllo", 2), ("h", true));
        assert_eq!(cut("abc", 3), ("abc", false));
    }

    #[test]
    fn an_excerpt_says_how_long_the_whole_was() {
        assert_eq!(excerpt(b"abcdef", 3), "abc… (6 bytes in all)");
        assert_eq!(excerpt(b"abc", 3), "abc");
    }
}
