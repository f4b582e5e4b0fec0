//! "Reproduce with:": a curl command for bash that sends the failing request again. The token
//! is a variable reference (`$MFA_CONTRACT_TOKEN`), never its value; long runs of one
//! character are written as `printf` expansions so an oversize body stays one readable line.

use super::RequestReport;

/// Runs shorter than this are written out.
const RUN_LIMIT: usize = 64;

pub fn curl_command(request: &RequestReport, body: &[u8], token_var: &str) -> String {
    let mut parts = vec!["curl -i".to_owned()];
    if request.method != "GET" {
        parts.push(format!("-X {}", request.method));
    }
    let variable = format!("${token_var}");
    if request.url.contains(&variable) {
        // An API key in the query: double quotes so the shell expands it.
        parts.push(double_quoted_with(&request.url, &variable));
    } else {
        parts.push(single_quoted(&request.url));
    }
    for (name, value) in &request.headers {
        let line = format!("{name}: {value}");
        if value.contains(&variable) {
            // Double quotes so the shell expands the variable; nothing else in it needs escaping.
            parts.push(format!("-H \"{}\"", line.replace('"', "\\\"")));
        } else {
            parts.push(format!("-H {}", single_quoted(&line)));
        }
    }
    if !body.is_empty() {
        parts.push(format!("--data-binary {}", bash_bytes(body)));
    }
    parts.join(" ")
}

/// `text` in double quotes with everything the shell would expand escaped, but `variable`.
fn double_quoted_with(text: &str, variable: &str) -> String {
    let mut escaped = String::new();
    for c in text.chars() {
        if matches!(c, '"' | '\\' | '`' | '$') {
            escaped.push('\\');
        }
        escaped.push(c);
    }
    format!(
        "\"{}\"",
        escaped.replace(&format!("\\{variable}"), variable)
    )
}

fn single_quoted(text: &str) -> String {
    format!("'{}'", text.replace('\'', "'\\''"))
}

/// Bytes as one bash word: ANSI-C quoted segments (`$'...'`) joined with `printf` expansions
/// for long runs of one printable byte.
fn bash_bytes(body: &[u8]) -> String {
    let mut word = String::new();
    let mut literal = Vec::new();
    let mut i = 0;
    while i < body.len() {
        let byte = body[i];
        let run = body[i..].iter().take_while(|b| **b == byte).count();
        if run >= RUN_LIMIT && (byte == b' ' || byte.is_ascii_alphanumeric()) {
            flush(&mut word, &mut literal);
            if byte == b' ' {
                word.push_str(&format!("\"$(printf '%{run}s' '')\""));
            } else {
                word.push_str(&format!(
                    "\"$(printf '%{run}s' '' | tr ' ' '{}')\"",
                    byte as char
                ));
            }
            i += run;
        } else {
            literal.push(byte);
            i += 1;
        }
    }
    flush(&mut word, &mut literal);
    word
}

fn flush(word: &mut String, literal: &mut Vec<u8>) {
    if literal.is_empty() {
        return;
    }
    word.push_str("$'");
    for &b in literal.iter() {
        match b {
            b'\\' => word.push_str("\\\\"),
            b'\'' => word.push_str("\\'"),
            b'\n' => word.push_str("\\n"),
            b'\r' => word.push_str("\\r"),
            b'\t' => word.push_str("\\t"),
            0x20..=0x7e => word.push(b as char),
            _ => word.push_str(&format!("\\x{b:02x}")),
        }
    }
    word.push('\'');
    literal.clear();
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(headers: Vec<(&str, &str)>) -> RequestReport {
        RequestReport {
            method: "POST".into(),
            url: "http://127.0.0.1:4010/mfa/primary".into(),
            headers: headers
                .into_iter()
                .map(|(n, v)| (n.to_owned(), v.to_owned()))
                .collect(),
            body: String::new(),
            body_bytes: 0,
        }
    }

    #[test]
    fn the_token_stays_a_variable_reference() {
        let r = request(vec![
            ("Authorization", "Bearer $MFA_CONTRACT_TOKEN"),
            ("Content-Type", "application/json"),
        ]);
        let cmd = curl_command(&r, br#"{"kind":"it's"}"#, "MFA_CONTRACT_TOKEN");
        assert_eq!(
            cmd,
            r#"curl -i -X POST 'http://127.0.0.1:4010/mfa/primary' -H "Authorization: Bearer $MFA_CONTRACT_TOKEN" -H 'Content-Type: application/json' --data-binary $'{"kind":"it\'s"}'"#
        );
    }

    #[test]
    fn a_key_in_the_query_is_expanded_and_nothing_else_in_the_url_is() {
        let mut r = request(vec![]);
        r.method = "GET".into();
        r.url =
            "http://127.0.0.1:4010/exports?q=$HOME`x`&api_key=$MFA_CONTRACT_CREDENTIAL_KEY".into();
        let cmd = curl_command(&r, b"", "MFA_CONTRACT_CREDENTIAL_KEY");
        assert_eq!(
            cmd,
            r#"curl -i "http://127.0.0.1:4010/exports?q=\$HOME\`x\`&api_key=$MFA_CONTRACT_CREDENTIAL_KEY""#
        );
    }

    #[test]
    fn long_runs_and_binary_bytes_are_written_compactly() {
        let mut body = b"{\"a\":\"".to_vec();
        body.extend(std::iter::repeat_n(b'A', 100));
        body.extend(b"\xff\"}");
        body.extend(std::iter::repeat_n(b' ', 70));
        let word = bash_bytes(&body);
        assert_eq!(
            word,
            "$'{\"a\":\"'\"$(printf '%100s' '' | tr ' ' 'A')\"$'\\xff\"}'\"$(printf '%70s' '')\""
        );
    }
}
