//! Negative cases: each breaks exactly one thing about a valid request, and says which.

use serde_json::{Value, json};

use super::space::Space;
use super::{Auth, Case, Expect, Family, Request, WRONG_TYPES, representative};
use crate::contract::RejectionKind;

/// One case per way of breaking a valid request; `max_body_bytes` sizes the oversize body.
pub(super) fn negatives(space: &Space<'_>, max_body_bytes: usize) -> Vec<Case> {
    let mut cases = schema_breakers(space);
    cases.extend(not_in_enum(space));
    cases.extend(not_an_object(space));
    cases.extend(transport_breakers(space, max_body_bytes));
    cases
}

/// A case whose body is `value`, which the request schema refuses.
fn schema_case(space: &Space<'_>, class: String, value: &Value) -> Case {
    Case::new(
        class,
        Family::Negative,
        Expect::Reject(RejectionKind::SchemaViolation),
        space.request(Auth::Token, value.to_string().into_bytes()),
    )
}

/// A case whose body is `body`, refused for `kind` before the schema is read.
fn bytes_case(space: &Space<'_>, class: &str, kind: RejectionKind, body: Vec<u8>) -> Case {
    Case::new(
        class,
        Family::Negative,
        Expect::Reject(kind),
        space.request(Auth::Token, body),
    )
}

/// Each required property left out, and each property with each type it does not allow.
fn schema_breakers(space: &Space<'_>) -> Vec<Case> {
    let mut cases = Vec::new();
    let base = space.base();
    for property in space.model.required_properties() {
        let mut body = base.clone();
        body.remove(&property.name);
        let class = format!("negative.missing_required.{}", property.name);
        cases.push(schema_case(space, class, &Value::Object(body)));
    }
    for property in &space.model.properties {
        let inner = base.get(&property.name).cloned().unwrap_or(Value::Null);
        for ty in WRONG_TYPES {
            if property.allows_type(ty) {
                continue;
            }
            let mut body = base.clone();
            body.insert(property.name.clone(), representative(ty, &inner));
            let class = format!("negative.wrong_type.{}.{ty}", property.name);
            cases.push(schema_case(space, class, &Value::Object(body)));
        }
    }
    cases
}

/// Near misses of the selected property's enum: case, whitespace, empty, long, lookalike, NUL.
fn not_in_enum(space: &Space<'_>) -> Vec<Case> {
    let Some(values) = &space.selected.values else {
        return Vec::new();
    };
    let first = values.iter().find_map(Value::as_str).unwrap_or("VALUE");
    let variants = [
        ("case_variant", swap_case(first)),
        ("padded_with_whitespace", format!(" {first} ")),
        ("empty", String::new()),
        ("very_long", first.repeat(10_000 / first.len().max(1) + 1)),
        ("unicode_lookalike", lookalike(first)),
        ("nul", format!("{first}\u{0}")),
    ];
    let base = space.base();
    variants
        .into_iter()
        .map(|(variant, text)| {
            let mut body = base.clone();
            body.insert(space.selected.name.clone(), Value::String(text));
            let class = format!("negative.not_in_enum.{}.{variant}", space.selected.name);
            schema_case(space, class, &Value::Object(body))
        })
        .collect()
}

/// A body that is JSON but not an object: an array, a string, a number, a boolean, null.
fn not_an_object(space: &Space<'_>) -> Vec<Case> {
    let base = space.base();
    let whole = Value::Object(base.clone());
    let first_value = base.values().next().cloned().unwrap_or(Value::Null);
    [
        ("array", json!([whole])),
        ("string", first_value.clone()),
        ("number", json!(1)),
        ("boolean", json!(true)),
        ("null", Value::Null),
    ]
    .into_iter()
    .filter(|(ty, _)| *ty != "string" || first_value.is_string())
    .map(|(ty, value)| schema_case(space, format!("negative.body_not_object.{ty}"), &value))
    .collect()
}

/// What fails before the schema: malformed JSON, an empty body, other content types, size.
fn transport_breakers(space: &Space<'_>, max_body_bytes: usize) -> Vec<Case> {
    let text = Value::Object(space.base()).to_string();
    let malformed = RejectionKind::MalformedJson;
    let mut invalid_utf8 = text.clone().into_bytes();
    // Inside the last string, or (a body without one) right after the opening brace.
    let at = invalid_utf8.iter().rposition(|b| *b == b'"').unwrap_or(1);
    invalid_utf8.insert(at.min(invalid_utf8.len()), 0xFF);
    let mut cases = vec![
        bytes_case(
            space,
            "negative.malformed_json.truncated",
            malformed,
            text.as_bytes()[..text.len() - 1].to_vec(),
        ),
        bytes_case(
            space,
            "negative.malformed_json.trailing_garbage",
            malformed,
            format!("{text} x").into_bytes(),
        ),
        bytes_case(
            space,
            "negative.malformed_json.invalid_utf8",
            malformed,
            invalid_utf8,
        ),
    ];
    if space.body_required {
        cases.push(bytes_case(
            space,
            "negative.empty_body",
            malformed,
            Vec::new(),
        ));
    }
    for (variant, content_type) in [
        ("text_plain", Some("text/plain")),
        ("form_urlencoded", Some("application/x-www-form-urlencoded")),
        ("missing", None),
    ] {
        cases.push(Case::new(
            format!("negative.wrong_content_type.{variant}"),
            Family::Negative,
            Expect::Reject(RejectionKind::UnsupportedMediaType),
            Request {
                content_type: content_type.map(str::to_owned),
                ..space.request(Auth::Token, text.clone().into_bytes())
            },
        ));
    }
    // Valid JSON whose only fault is its size: twice the contract's limit, in whitespace.
    let padding = " ".repeat(max_body_bytes * 2);
    let oversize = format!("{}{padding}}}", &text[..text.len() - 1]);
    let too_large = RejectionKind::PayloadTooLarge;
    cases.push(bytes_case(
        space,
        "negative.oversize",
        too_large,
        oversize.into_bytes(),
    ));
    cases
}

fn swap_case(text: &str) -> String {
    let lower = text.to_lowercase();
    if lower != text {
        lower
    } else {
        text.to_uppercase()
    }
}

/// The text with its first Latin letter replaced by a look-alike from another script.
fn lookalike(text: &str) -> String {
    const PAIRS: [(char, char); 6] = [
        ('A', 'А'),
        ('E', 'Е'),
        ('O', 'О'),
        ('P', 'Р'),
        ('a', 'а'),
        ('o', 'о'),
    ];
    for (i, c) in text.char_indices() {
        if let Some((_, twin)) = PAIRS.iter().find(|(latin, _)| *latin == c) {
            return format!("{}{twin}{}", &text[..i], &text[i + c.len_utf8()..]);
        }
    }
    format!("{text}\u{301}")
}
