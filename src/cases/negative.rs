//! Negative cases: each breaks exactly one thing about a valid request, and says which.

use serde_json::{Value, json};

use super::planner::Planner;
use super::{Auth, Case, Expect, Family, Request, WRONG_TYPES, representative};
use crate::contract::RejectionKind;

impl Planner<'_, '_> {
    pub(super) fn negatives(&self, cases: &mut Vec<Case>) {
        let base = self.base();
        let schema_violation = Expect::Reject(RejectionKind::SchemaViolation);
        for property in self.model.required_properties() {
            let mut body = base.clone();
            body.remove(&property.name);
            self.push(
                cases,
                format!("negative.missing_required.{}", property.name),
                Family::Negative,
                schema_violation,
                &Value::Object(body),
            );
        }
        for property in &self.model.properties {
            let inner = base.get(&property.name).cloned().unwrap_or(Value::Null);
            for ty in WRONG_TYPES {
                if property.allows_type(ty) {
                    continue;
                }
                let mut body = base.clone();
                body.insert(property.name.clone(), representative(ty, &inner));
                self.push(
                    cases,
                    format!("negative.wrong_type.{}.{ty}", property.name),
                    Family::Negative,
                    schema_violation,
                    &Value::Object(body),
                );
            }
        }
        if let Some(values) = &self.selected.values {
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
                body.insert(self.selected.name.clone(), Value::String(text));
                self.push(
                    cases,
                    format!("negative.not_in_enum.{}.{variant}", self.selected.name),
                    Family::Negative,
                    schema_violation,
                    &Value::Object(body),
                );
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
            self.push(
                cases,
                format!("negative.body_not_object.{ty}"),
                Family::Negative,
                schema_violation,
                &value,
            );
        }
        let text = whole.to_string();
        self.push_bytes(
            cases,
            "negative.malformed_json.truncated",
            RejectionKind::MalformedJson,
            text.as_bytes()[..text.len() - 1].to_vec(),
        );
        self.push_bytes(
            cases,
            "negative.malformed_json.trailing_garbage",
            RejectionKind::MalformedJson,
            format!("{text} x").into_bytes(),
        );
        let mut invalid_utf8 = text.clone().into_bytes();
        if let Some(quote) = invalid_utf8.iter().rposition(|b| *b == b'"') {
            invalid_utf8.insert(quote, 0xFF);
        }
        self.push_bytes(
            cases,
            "negative.malformed_json.invalid_utf8",
            RejectionKind::MalformedJson,
            invalid_utf8,
        );
        self.push_bytes(
            cases,
            "negative.empty_body",
            RejectionKind::MalformedJson,
            Vec::new(),
        );
        for (variant, content_type) in [
            ("text_plain", Some("text/plain")),
            ("form_urlencoded", Some("application/x-www-form-urlencoded")),
            ("missing", None),
        ] {
            cases.push(Case {
                class: format!("negative.wrong_content_type.{variant}"),
                family: Family::Negative,
                expect: Expect::Reject(RejectionKind::UnsupportedMediaType),
                request: Request {
                    content_type: content_type.map(str::to_owned),
                    ..self.request(Auth::Token, text.clone().into_bytes())
                },
                generated: None,
            });
        }
        // Valid JSON whose only fault is its size: twice the contract's limit, in whitespace.
        let padding = " ".repeat(self.options.max_body_bytes * 2);
        let oversize = format!("{}{padding}}}", &text[..text.len() - 1]);
        self.push_bytes(
            cases,
            "negative.oversize",
            RejectionKind::PayloadTooLarge,
            oversize.into_bytes(),
        );
    }
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
