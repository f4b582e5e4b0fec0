//! The coverage section as text, markdown and JUnit test cases: every item marked reached or
//! not, with how each was answered and, for those not reached, how to reach them. The check
//! report and drift print the same section.

use std::fmt::Write as _;

use quick_junit::{NonSuccessKind, TestCase, TestCaseStatus, TestSuite};

use crate::coverage::{Area, Coverage, Item};

/// `200 ×151, 500 ×2`; `never answered` for a status, `not sent` for the rest.
pub fn answers(item: &Item) -> String {
    if item.answers.is_empty() {
        let none = match item.area {
            Area::Status => "never answered",
            _ => "not sent",
        };
        return none.to_owned();
    }
    let seen: Vec<String> = item
        .answers
        .iter()
        .map(|(answer, n)| format!("{answer} ×{n}"))
        .collect();
    seen.join(", ")
}

/// The areas in order, each with its items.
fn by_area(coverage: &Coverage) -> Vec<(Area, Vec<&Item>)> {
    let mut areas: Vec<(Area, Vec<&Item>)> = Vec::new();
    for item in &coverage.items {
        match areas.last_mut() {
            Some((area, items)) if *area == item.area => items.push(item),
            _ => areas.push((item.area, vec![item])),
        }
    }
    areas
}

/// `Coverage: ... below --min-coverage 90%`, when the minimum is not met.
pub fn minimum_line(coverage: &Coverage) -> Option<String> {
    let min = coverage.min_percent?;
    (!coverage.meets_minimum()).then(|| {
        format!(
            "coverage {:.1}% is below --min-coverage {min}%: {} not reached",
            coverage.percent,
            coverage
                .missing()
                .map(|i| i.name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )
    })
}

/// The section for the human report and drift: one line per item, grouped by area.
pub fn coverage_text(coverage: &Coverage) -> String {
    let mut out = format!("\nCoverage: {}\n", coverage.headline());
    let width = coverage
        .items
        .iter()
        .map(|i| i.name.len())
        .max()
        .unwrap_or(0);
    for (area, items) in by_area(coverage) {
        let reached = items.iter().filter(|i| i.reached).count();
        let _ = writeln!(out, "  {} ({reached}/{})", area.label(), items.len());
        for item in items {
            let mark = if item.reached { "ok" } else { "no" };
            let _ = write!(out, "    {mark}  {:<width$}  {}", item.name, answers(item));
            match &item.how_to_reach {
                Some(how) => {
                    let _ = writeln!(out, "\n        to reach it: {how}");
                }
                None => out.push('\n'),
            }
        }
    }
    if let Some(line) = minimum_line(coverage) {
        let _ = writeln!(out, "  {line}");
    }
    out
}

/// The section in a few lines, for drift: counts per area, then each item not reached.
pub fn coverage_brief(coverage: &Coverage) -> String {
    let mut out = format!("\nCoverage: {}\n", coverage.headline());
    let areas: Vec<String> = by_area(coverage)
        .into_iter()
        .map(|(area, items)| {
            let reached = items.iter().filter(|i| i.reached).count();
            format!("{} {reached}/{}", area.label(), items.len())
        })
        .collect();
    let _ = writeln!(out, "  {}", areas.join(", "));
    for item in coverage.missing() {
        let how = item.how_to_reach.as_deref().unwrap_or_default();
        let _ = writeln!(
            out,
            "  not reached: {} ({}): {how}",
            item.name,
            answers(item)
        );
    }
    out
}

/// The section for `$GITHUB_STEP_SUMMARY`: one row per area, then what was not reached.
pub fn coverage_markdown(coverage: &Coverage) -> String {
    let mark = if coverage.meets_minimum() { "" } else { "❌ " };
    let mut out = format!(
        "\n### {mark}Coverage: {}\n\n| area | reached | how each was answered |\n|---|---:|---|\n",
        coverage.headline()
    );
    for (area, items) in by_area(coverage) {
        let reached = items.iter().filter(|i| i.reached).count();
        let answered: Vec<String> = items
            .iter()
            .map(|i| {
                let name = if i.reached {
                    format!("`{}`", i.name)
                } else {
                    format!("❌ `{}`", i.name)
                };
                format!("{name} {}", answers(i))
            })
            .collect();
        let _ = writeln!(
            out,
            "| {} | {reached} of {} | {} |",
            area.label(),
            items.len(),
            answered.join("; ")
        );
    }
    let missing: Vec<&Item> = coverage.missing().collect();
    if !missing.is_empty() {
        let _ = writeln!(out, "\nNot reached, and how to reach it:\n");
        for item in missing {
            let how = item.how_to_reach.as_deref().unwrap_or_default();
            let _ = writeln!(out, "- `{}` ({}): {how}", item.name, item.area.singular());
        }
    }
    if let Some(line) = minimum_line(coverage) {
        let _ = writeln!(out, "\n**{line}**");
    }
    out
}

/// A `coverage` suite: a passed case per item reached; one not reached is skipped with how to
/// reach it, or a failure when `--min-coverage` is not met.
pub fn coverage_suite(coverage: &Coverage) -> TestSuite {
    let mut suite = TestSuite::new("coverage");
    let below = !coverage.meets_minimum();
    for item in &coverage.items {
        let status = match (item.reached, below) {
            (true, _) => TestCaseStatus::success(),
            (false, false) => {
                let mut skipped = TestCaseStatus::skipped();
                skipped.set_message(not_reached(item));
                skipped
            }
            (false, true) => {
                let mut failed = TestCaseStatus::non_success(NonSuccessKind::Failure);
                failed
                    .set_message(not_reached(item))
                    .set_type("coverage (--min-coverage)");
                failed
            }
        };
        let mut case = TestCase::new(item.name.as_str(), status);
        case.set_classname(format!("mfa-contract.coverage.{}", item.area.singular()));
        suite.add_test_case(case);
    }
    suite
}

fn not_reached(item: &Item) -> String {
    format!(
        "not reached ({}); to reach it: {}",
        answers(item),
        item.how_to_reach.as_deref().unwrap_or_default()
    )
}
