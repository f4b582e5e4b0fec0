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
}
