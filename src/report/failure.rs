//! A failure as the reports show it: the request with the token as a variable reference and
//! `--header` values hidden, the response with every secret replaced, the curl command that
//! sends it again, and whether rechecks reproduced it.

use super::{
    EXCERPT_BYTES, FailureReport, RequestReport, ResponseReport, SchemaLocation, curl_command,
};
use crate::cases::{Auth, Case};
use crate::contract::{Contract, Credentials, Origin};
use crate::redact::redact;
use crate::remote::{Received, TargetConfig};
use crate::text::excerpt;
use crate::verdict::Finding;

pub fn failure_report(
    finding: &Finding,
    url: &str,
    contract: &Contract,
    target: &TargetConfig,
    secrets: &[&str],
) -> FailureReport {
    let case = &finding.exchange.case;
    let request = request_report(url, case, contract, target);
    let var = target
        .credential_for(contract)
        .map_or(target.token.var.as_str(), |c| c.var.as_str());
    let reproduce = curl_command(&request, &case.request.body, var);
    let response = match &finding.exchange.outcome {
        Received::Response(r) => ResponseReport {
            status: Some(r.status),
            content_type: r.content_type().map(str::to_owned),
            body_excerpt: redact(&excerpt(&r.body, EXCERPT_BYTES), secrets.iter().copied()),
            transport_error: None,
        },
        Received::Transport(e) => ResponseReport {
            status: None,
            content_type: None,
            body_excerpt: String::new(),
            transport_error: Some(redact(&e.to_string(), secrets.iter().copied())),
        },
    };
    FailureReport {
        operation: None,
        check: finding.check.to_owned(),
        class: case.class.clone(),
        occurrences: finding.occurrences,
        message: redact(&finding.failure.message, secrets.iter().copied()),
        violations: finding.failure.violations.clone(),
        request,
        response: Some(response),
        shrunk: finding.shrunk.clone(),
        rechecks: finding.rechecks,
        rechecks_passed: finding.rechecks_passed,
        flaky: finding.rechecks_passed > 0,
        reproduce,
        latency: finding.latency.clone(),
        schema_location: schema_location(finding, contract),
    }
}

/// The line of the keyword the first violation broke, in the schema of the answer's status.
fn schema_location(finding: &Finding, contract: &Contract) -> Option<SchemaLocation> {
    let violation = finding.failure.violations.first()?;
    let status = finding.exchange.response()?.status;
    let schema = contract.schema_for_status(status);
    let file = format!("schemas/{}", schema.file);
    let path = match contract.origin() {
        Origin::Dir(dir) => Some(repository_path(&dir.join(&file))),
        Origin::Embedded | Origin::OpenApi(_) => None,
    };
    Some(SchemaLocation {
        line: schema.line_of(&violation.schema_path)?,
        file,
        path,
    })
}

/// A path as GitHub names files in annotations: relative, without a leading `./`.
pub(super) fn repository_path(path: &std::path::Path) -> String {
    let text = path.display().to_string();
    text.strip_prefix("./").map(str::to_owned).unwrap_or(text)
}

/// The request as reports show it: the token as `$VAR`, `--header` values hidden.
fn request_report(
    url: &str,
    case: &Case,
    contract: &Contract,
    target: &TargetConfig,
) -> RequestReport {
    let auth = contract.auth();
    let mut headers = Vec::new();
    let var = target
        .credential_for(contract)
        .map_or(&target.token.var, |c| &c.var);
    let credential = match &case.request.auth {
        // An API key (no scheme) goes as it is.
        Auth::Token => Some(format!("{} ${var}", auth.scheme).trim_start().to_owned()),
        Auth::SecondToken => Some(
            format!("{} ${}", auth.scheme, target.second_token.var)
                .trim_start()
                .to_owned(),
        ),
        Auth::Missing => None,
        Auth::Raw(value) => Some(value.clone()),
    };
    let mut url = case.request.url(url, contract.path());
    match credential {
        Some(key) if contract.credentials() == Credentials::ApiKeyQuery => {
            let joiner = if url.contains('?') { '&' } else { '?' };
            url = format!("{url}{joiner}{}={key}", auth.header);
        }
        Some(credential) => headers.push((auth.header.clone(), credential)),
        None => {}
    }
    if let Some(content_type) = &case.request.content_type {
        headers.push(("Content-Type".to_owned(), content_type.clone()));
    }
    for (name, _) in &target.headers {
        headers.push((name.clone(), "<value of --header>".to_owned()));
    }
    headers.extend(case.request.headers.iter().cloned());
    RequestReport {
        method: case.request.method.clone(),
        url,
        headers,
        body: excerpt(&case.request.body, EXCERPT_BYTES),
        body_bytes: case.request.body.len(),
    }
}
