//! Writing a JSON value as bytes in the many ways that mean the same thing: key order,
//! whitespace, and `\u` escapes. A correct target must treat all of them alike.

use serde_json::Value;

/// How to lay out the text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Spacing {
    Compact,
    /// A space after `:` and `,`.
    Spaced,
    /// Newlines and two-space indentation.
    Pretty,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Style {
    pub spacing: Spacing,
    /// Escape every ASCII letter of every string as `\u00XX`.
    pub escape_letters: bool,
}

impl Default for Style {
    fn default() -> Self {
        Self {
            spacing: Spacing::Compact,
            escape_letters: false,
        }
    }
}

/// `value` as text in `style`, keeping object keys in the order the map holds them.
pub fn encode(value: &Value, style: &Style) -> String {
    let mut out = String::new();
    write_value(&mut out, value, style, 0);
    out
}

fn write_value(out: &mut String, value: &Value, style: &Style, depth: usize) {
    match value {
        Value::String(s) => write_string(out, s, style.escape_letters),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                separator(out, style, depth + 1, i > 0);
                write_value(out, item, style, depth + 1);
            }
            close(out, style, depth, items.is_empty());
            out.push(']');
        }
        Value::Object(map) => {
            out.push('{');
            for (i, (key, item)) in map.iter().enumerate() {
                separator(out, style, depth + 1, i > 0);
                write_string(out, key, style.escape_letters);
                out.push(':');
                if style.spacing != Spacing::Compact {
                    out.push(' ');
                }
                write_value(out, item, style, depth + 1);
            }
            close(out, style, depth, map.is_empty());
            out.push('}');
        }
        other => out.push_str(&other.to_string()),
    }
}

fn separator(out: &mut String, style: &Style, depth: usize, comma: bool) {
    if comma {
        out.push(',');
    }
    match style.spacing {
        Spacing::Compact => {}
        Spacing::Spaced if comma => out.push(' '),
        Spacing::Spaced => {}
        Spacing::Pretty => {
            out.push('\n');
            out.push_str(&"  ".repeat(depth));
        }
    }
}

fn close(out: &mut String, style: &Style, depth: usize, empty: bool) {
    if style.spacing == Spacing::Pretty && !empty {
        out.push('\n');
        out.push_str(&"  ".repeat(depth));
    }
}

fn write_string(out: &mut String, s: &str, escape_letters: bool) {
    if !escape_letters {
        out.push_str(&Value::String(s.to_owned()).to_string());
        return;
    }
    out.push('"');
    for c in s.chars() {
        if c.is_ascii_alphabetic() {
            out.push_str(&format!("\\u{:04X}", c as u32));
        } else {
            let escaped = Value::String(c.to_string()).to_string();
            out.push_str(&escaped[1..escaped.len() - 1]);
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn every_style_decodes_to_the_same_value() {
        let value = json!({"kind": "second", "x": [1, {"q\"": null}], "e": {}});
        for spacing in [Spacing::Compact, Spacing::Spaced, Spacing::Pretty] {
            for escape_letters in [false, true] {
                let text = encode(
                    &value,
                    &Style {
                        spacing,
                        escape_letters,
                    },
                );
                let back: Value = serde_json::from_str(&text).expect("valid JSON");
                assert_eq!(back, value, "{text}");
            }
        }
        let escaped = encode(
            &json!({"a": "Ab"}),
            &Style {
                spacing: Spacing::Compact,
                escape_letters: true,
            },
        );
        assert_eq!(escaped, r#"{"\u0061":"\u0041\u0062"}"#);
    }
}
