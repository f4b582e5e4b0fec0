//! The one Content-Type parser: the media type without its parameters (`charset` and the like
//! may vary and are not part of the contract).

/// `application/json` for `application/json; charset=utf-8`; case is kept, compare with
/// [`same`] or lower-case it.
pub fn essence(content_type: &str) -> &str {
    content_type.split(';').next().unwrap_or("").trim()
}

/// Whether a Content-Type value names `expected`, parameters and case aside.
pub fn same(content_type: &str, expected: &str) -> bool {
    essence(content_type).eq_ignore_ascii_case(expected)
}

/// Whether an `Accept` value lets `media_type` through: a range that matches it (`*/*`,
/// `type/*` or the type itself, case aside) with a q-value above 0.
pub fn accepts(accept: &str, media_type: &str) -> bool {
    let (kind, _) = media_type.split_once('/').unwrap_or((media_type, ""));
    accept.split(',').any(|range| {
        let mut parts = range.split(';');
        let name = parts.next().unwrap_or("").trim();
        let refused = parts.any(|p| {
            p.trim()
                .strip_prefix("q=")
                .and_then(|q| q.trim().parse::<f64>().ok())
                .is_some_and(|q| q <= 0.0)
        });
        let matches = name == "*/*"
            || name.eq_ignore_ascii_case(media_type)
            || name
                .strip_suffix("/*")
                .is_some_and(|k| k.eq_ignore_ascii_case(kind));
        matches && !refused
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameters_and_case_do_not_count() {
        assert_eq!(
            essence(" application/json ; charset=utf-8"),
            "application/json"
        );
        assert!(same("Application/JSON;charset=UTF-8", "application/json"));
        assert!(!same("application/jsonx", "application/json"));
        assert_eq!(essence(""), "");
    }

    #[test]
    fn accept_ranges_and_q_values() {
        let json = "application/json";
        for accept in [
            "*/*",
            "application/*",
            "Application/JSON",
            "text/html, application/json;q=0.5",
        ] {
            assert!(accepts(accept, json), "{accept}");
        }
        for accept in [
            "text/html",
            "text/*",
            "application/json;q=0",
            "application/xml, text/plain",
        ] {
            assert!(!accepts(accept, json), "{accept}");
        }
    }
}
