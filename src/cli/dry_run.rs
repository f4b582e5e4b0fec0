//! `check --dry-run`: the cases each operation would be sent, and nothing sent.

use mfa_contract::check::Auth;
use mfa_contract::check::{self, CheckConfig};
use mfa_contract::{Contract, Error};

use mfa_contract::exit;

/// `json`: the plan as JSON (`--format json`), else as lines.
pub(super) fn dry_run(contract: &Contract, config: &CheckConfig, json: bool) -> Result<u8, Error> {
    let views = check::views_to_check(contract, config)?;
    let several = !contract.operations().is_empty();
    let base = config.target.url.base(contract);
    let mut operations = Vec::new();
    for view in &views {
        let plan = check::plan(view, config);
        let url = if several {
            format!("{base}{}", view.path())
        } else {
            config.target.endpoint_url(view)
        };
        if json {
            operations.push(serde_json::json!({"operation": view.manifest().operation_id, "target": url, "coverage": plan.coverage, "cases": plan.cases, "sequences": plan.sequences}));
            continue;
        }
        outln!("mfa-contract check --dry-run: {url} (seed {})", config.seed);
        outln!("{}", mfa_contract::report::coverage_line(&plan.coverage));
        print_cases(&plan);
    }
    if json {
        let json = match operations.as_slice() {
            [one] if !several => {
                let mut one = one.clone();
                one["seed"] = config.seed.into();
                one
            }
            _ => {
                serde_json::json!({"target": base.to_string(), "seed": config.seed, "operations": operations})
            }
        };
        outln!(
            "{}",
            serde_json::to_string_pretty(&json).expect("a plan always serializes")
        );
    }
    Ok(exit::CLEAN)
}

fn print_cases(plan: &check::Plan<'_>) {
    let width = plan.cases.iter().map(|c| c.class.len()).max().unwrap_or(0);
    for case in plan
        .cases
        .iter()
        .chain(plan.sequences.iter().flat_map(|s| &s.steps))
    {
        let auth = match &case.request.auth {
            Auth::Token => "token".to_owned(),
            Auth::SecondToken => "second token".to_owned(),
            Auth::Missing => "no auth".to_owned(),
            Auth::Raw(v) => v.clone(),
        };
        let path = case
            .request
            .path
            .as_deref()
            .map(|p| format!(" {p}"))
            .unwrap_or_default();
        outln!(
            "  {:<width$}  {}{path} [{auth}] [{}] {}",
            case.class,
            case.request.method,
            case.request
                .content_type
                .as_deref()
                .unwrap_or("no content type"),
            check::excerpt(&case.request.body, 80)
        );
    }
    outln!(
        "{} cases, {} sequences; nothing sent",
        plan.cases.len(),
        plan.sequences.len()
    );
}
