//! Valid requests the way real clients send them: what the contract allows beyond the bare
//! minimum, one variation per case (`positive.variation.NAME`), each a coverage item. axios
//! sends `application/json; charset=utf-8`, browsers ask for compressed answers and send `Accept`
//! with q-values, HTTP/1 clients write header names in any case, and a client may add
//! properties the schema leaves open. A target that refuses one of them refuses a valid request.

use serde_json::{Map, Value, json};

use super::space::Space;
use super::{Auth, Case, Expect, Family};

/// An extra property of each JSON type (and a non-ASCII string), where the schema allows
/// properties it does not name.
fn extra_values() -> [(&'static str, Value); 7] {
    [
        ("string", json!("text")),
        ("number", json!(12.5)),
        ("boolean", json!(true)),
        ("null", Value::Null),
        ("object", json!({"nested": [1, "two"]})),
        ("array", json!(["one", 2, null])),
        ("unicode", json!("Grüße, 世界 🔐 ñandú")),
    ]
}

/// `application/json` -> `Application/JSON`: the type capitalised, the subtype upper case.
fn other_case(media_type: &str) -> String {
    let (kind, subtype) = media_type.split_once('/').unwrap_or((media_type, ""));
    let mut kind = kind.to_ascii_lowercase();
    if let Some(first) = kind.get_mut(..1) {
        first.make_ascii_uppercase();
    }
    format!("{kind}/{}", subtype.to_ascii_uppercase())
}

/// A name for an extra property that the schema does not use.
fn extra_name(base: &Map<String, Value>) -> String {
    (0..)
        .map(|n| {
            if n == 0 {
                "clientExtra".to_owned()
            } else {
                format!("clientExtra{n}")
            }
        })
        .find(|name| !base.contains_key(name))
        .expect("an unused name exists")
}

pub(super) fn variations(space: &Space<'_>) -> Vec<Case> {
    let base = space.base();
    let body = Value::Object(base.clone()).to_string().into_bytes();
    let content_type = &space.content_type;
    let case = |name: &str, body: Vec<u8>| {
        Case::new(
            format!("positive.variation.{name}"),
            Family::Positive,
            Expect::Accept,
            space.request(Auth::Token, body),
        )
    };
    let with_content_type = |name: &str, value: String| {
        let mut case = case(name, body.clone());
        case.request.content_type = Some(value);
        case
    };
    let with_header = |name: &str, header: &str, value: &str| {
        let mut case = case(name, body.clone());
        case.request
            .headers
            .push((header.to_owned(), value.to_owned()));
        case
    };
    let mut cases = vec![
        with_content_type(
            "content_type_charset",
            format!("{content_type}; charset=utf-8"),
        ),
        with_content_type("content_type_case", other_case(content_type)),
        with_header("accept_json", "Accept", content_type),
        with_header("accept_any", "Accept", "*/*"),
        with_header(
            "accept_q_values",
            "Accept",
            &format!("text/html;q=0.9, {content_type};q=0.8, */*;q=0.1"),
        ),
        with_header(
            "accept_encoding_browser",
            "Accept-Encoding",
            crate::coding::BROWSER_ACCEPT_ENCODING,
        ),
    ];
    // Not a variation the contract allows but content negotiation: an `Accept` that leaves out
    // the operation's media type. A 406 is right, and so is an answer that ignores it.
    let mut negotiation = with_header("accept_html_only", "Accept", "text/html");
    negotiation.class = "positive.negotiation.accept_html_only".to_owned();
    cases.push(negotiation);
    let mut title_case = case("header_names_title_case", body.clone());
    title_case.request.title_case = true;
    cases.push(title_case);
    if space.model.additional_allowed {
        let name = extra_name(&base);
        for (kind, value) in extra_values() {
            let mut extended = base.clone();
            extended.insert(name.clone(), value);
            let body = Value::Object(extended).to_string().into_bytes();
            cases.push(case(&format!("extra_property_{kind}"), body));
        }
    }
    cases
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn media_types_change_case_and_extra_names_avoid_the_schema() {
        assert_eq!(other_case("application/json"), "Application/JSON");
        let mut base = Map::new();
        base.insert("clientExtra".into(), json!(1));
        assert_eq!(extra_name(&base), "clientExtra1");
    }
}
