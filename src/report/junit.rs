//! JUnit XML for CI systems: one test suite per check, one test case per case class, a
//! `<failure>` with the message and the reproduction where the check failed.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::Report;

pub fn junit(report: &Report) -> String {
    let mut by_check: BTreeMap<&str, Vec<&super::FailureReport>> = BTreeMap::new();
    for failure in &report.failures {
        by_check
            .entry(failure.check.as_str())
            .or_default()
            .push(failure);
    }
    let total_failures: usize = report.failures.len();
    let seconds = report.duration_ms as f64 / 1000.0;
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<testsuites name=\"mfa-contract check\" tests=\"{}\" failures=\"{total_failures}\" time=\"{seconds:.3}\">",
        report.checks.len()
    );
    // Which contract ran, and the environment (rate limits waited out, tokens refreshed): not
    // tests, but CI people read them here too, as properties of the first suite (where the
    // JUnit schema has them).
    let mut environment = String::from("    <properties>\n");
    let _ = writeln!(
        environment,
        "      <property name=\"contract\" value=\"{}\"/>",
        escape(&report.contract_identity)
    );
    for line in super::environment_lines(&report.environment) {
        let _ = writeln!(
            environment,
            "      <property name=\"environment\" value=\"{}\"/>",
            escape(&line)
        );
    }
    environment.push_str("    </properties>\n");
    for check in &report.checks {
        let failures = by_check
            .get(check.name.as_str())
            .cloned()
            .unwrap_or_default();
        let tests = failures.len().max(1);
        let _ = writeln!(
            out,
            "  <testsuite name=\"{}\" tests=\"{tests}\" failures=\"{}\" skipped=\"{}\">",
            escape(&check.name),
            failures.len(),
            usize::from(check.passed == 0 && check.failed == 0)
        );
        out.push_str(&std::mem::take(&mut environment));
        if failures.is_empty() {
            let _ = write!(
                out,
                "    <testcase classname=\"mfa-contract.{0}\" name=\"{0}\"",
                escape(&check.name)
            );
            if check.passed == 0 {
                let _ = writeln!(
                    out,
                    "><skipped message=\"not applicable to any case\"/></testcase>"
                );
            } else {
                let _ = writeln!(out, "/>");
            }
        }
        for failure in failures {
            let _ = writeln!(
                out,
                "    <testcase classname=\"mfa-contract.{}\" name=\"{}\">",
                escape(&check.name),
                escape(&failure.class)
            );
            let mut details = format!("{} [{}]\n", failure.message, failure.stability());
            for v in &failure.violations {
                let _ = writeln!(
                    details,
                    "at {}: {} (schema {})",
                    v.instance_path, v.message, v.schema_path
                );
            }
            let _ = write!(details, "Reproduce with:\n{}", failure.reproduce);
            let _ = writeln!(
                out,
                "      <failure message=\"{}\" type=\"{}\">{}</failure>",
                escape(&failure.message),
                escape(&format!("{} ({})", check.name, failure.stability())),
                escape(&details)
            );
            let _ = writeln!(out, "    </testcase>");
        }
        let _ = writeln!(out, "  </testsuite>");
    }
    out.push_str("</testsuites>\n");
    out
}

/// Text as XML character data or attribute value; characters XML 1.0 cannot hold are dropped.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::escape;

    #[test]
    fn escape_makes_any_text_safe_in_xml() {
        assert_eq!(
            escape("a<b>&\"c'\u{0}"),
            "a&lt;b&gt;&amp;&quot;c&apos;\u{FFFD}"
        );
    }
}
