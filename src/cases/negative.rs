//! Negative cases: each breaks exactly one thing about a valid request, and says which.

use serde_json::{Value, json};

use super::space::Space;
use super::{Auth, Case, Expect, Family, Request, WRONG_TYPES, representative};
use crate::contract::RejectionKind;

/// One case per way of breaking a valid request; `max_body_bytes` sizes the oversize body.
pub(super) fn negatives(space: &Space<'_>, max_body_bytes: usize) -> Vec<Case> {
    let mut cases = Vec::new();
    let json = |class: String, value: &Value| {
        Case::new(
            class,
            Family::Negative,
            Expect::Reject(RejectionKind::SchemaViolation),
            space.request(Auth::Token, value.to_string().into_bytes()),
        )
    };
    let bytes = |class: &str, kind: RejectionKind, body: Vec<u8>| {
        Case::new(
            class,
            Family::Negative,
            Expect::Reject(kind),
            space.request(Auth::Token, body),
        )
    };
    let base = space.base();
    for property in space.model.required_properties() {
        let mut body = base.clone();
        body.remove(&property.name);
        cases.push(json(
            format!("negative.missing_required.{}", property.name),
            &Value::Object(body),
        ));
    }
    for property in &space.model.properties {
        let inner = base.get(&property.name).cloned().unwrap_or(Value::Null);
        for ty in WRONG_TYPES {
            if property.allows_type(ty) {
                continue;
            }
            let mut body = base.clone();
            body.insert(property.name.clone(), representative(ty, &inner));
            cases.push(json(
                format!("negative.wrong_type.{}.{ty}", property.name),
                &Value::Object(body),
            ));
        }
    }
    if let Some(values) = &space.selected.values {
        let first = values.iter().find_map(Value::as_str).unwrap_or("VALUE");
        let variants = [
            ("case_variant", swap_case(first)),
            ("padded_with_whitespace", format!(" {first} ")),
            ("empty", String::new()),
            ("very_long", first.repeat(10_000 / first.len().max(1) + 1)),
            ("unicode_lookalike", lookalike(first)),
            ("nul", format!("{first}\u{0}")),
        ];
        for (variant, text) in variants {
            let mut body = base.clone();
            body.insert(space.selected.name.clone(), Value::String(text));
            cases.push(json(
                format!("negative.not_in_enum.{}.{variant}", space.selected.name),
                &Value::Object(body),
            ));
        }
    }
    let whole = Value::Object(base.clone());
    let first_value = base.values().next().cloned().unwrap_or(Value::Null);
    for (ty, value) in [
        ("array", json!([whole.clone()])),
        ("string", first_value.clone()),
        ("number", json!(1)),
        ("boolean", json!(true)),
        ("null", Value::Null),
    ] {
        if ty == "string" && !first_value.is_string() {
            continue;
        }
        cases.push(json(format!("negative.body_not_object.{ty}"), &value));
    }
    let text = whole.to_string();
    cases.push(bytes(
        "negative.malformed_json.truncated",
        RejectionKind::MalformedJson,
        text.as_bytes()[..text.len() - 1].to_vec(),
    ));
    cases.push(bytes(
        "negative.malformed_json.trailing_garbage",
        RejectionKind::MalformedJson,
        format!("{text} x").into_bytes(),
    ));
    let mut invalid_utf8 = text.clone().into_bytes();
    if let Some(quote) = invalid_utf8.iter().rposition(|b| *b == b'"') {
        invalid_utf8.insert(quote, 0xFF);
    }
    cases.push(bytes(
        "negative.malformed_json.invalid_utf8",
        RejectionKind::MalformedJson,
        invalid_utf8,
    ));
    cases.push(bytes(
        "negative.empty_body",
        RejectionKind::MalformedJson,
        Vec::new(),
    ));
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
    cases.push(bytes(
        "negative.oversize",
        RejectionKind::PayloadTooLarge,
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
