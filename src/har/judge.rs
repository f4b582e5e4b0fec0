//! `check --har`: every entry for the contract's endpoint judged on both sides by
//! [`judge_observed`], the proxy's own path. What a capture cannot tell is never judged: a
//! body the export omitted is "not captured", a blocked or aborted request is the environment,
//! a preflight is the browser's, and a browser's timing includes its network.

use std::collections::BTreeMap;
use std::time::Duration;

use serde::Serialize;

use super::model::{Entry, header, header_pairs};
use crate::check::observed::{self, Captured, Violation, judge_observed};
use crate::check::{CHECKS, ObservedRequest};
use crate::contract::Contract;
use crate::credentials::Credentials;
use crate::remote::{Received, Response};

/// Largest a captured answer may decode to (from raw compressed bytes in the capture) to be
/// judged; past it, the body is cut and reported.
const MAX_DECODED_BODY: usize = 16 << 20;

/// Findings and lists kept in full; past this, counted only, so memory stays bounded.
pub const KEPT: usize = 1000;

/// Which entry of the file.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EntryRef {
    /// Position in `log.entries`, from 0.
    pub index: usize,
    pub started_date_time: String,
    /// The page's title (or id) the entry belongs to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub page: Option<String>,
}

/// One violation found in one entry.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HarFinding {
    pub entry: EntryRef,
    pub method: String,
    /// The status captured, when there was one.
    pub status: u16,
    /// The class the request amounts to, as the checker names it.
    pub class: String,
    #[serde(flatten)]
    pub violation: Violation,
}

/// An entry not judged, and why.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Skipped {
    pub entry: EntryRef,
    pub why: String,
}

/// What `check --har` found in one file.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HarReport {
    pub file: String,
    pub contract_identity: String,
    pub entries: usize,
    /// Entries for the endpoint judged on both sides (or the request side alone, see
    /// `bodiesNotCaptured`).
    pub judged: usize,
    /// Entries for other paths: counted, not judged.
    pub other_paths: usize,
    /// CORS preflights for the endpoint: the browser's, not judged.
    pub preflights: usize,
    /// Blocked, aborted and rate-limited requests: the environment, not judged.
    pub environment: Vec<Skipped>,
    pub environment_count: usize,
    /// Bodies the export left out: a response's is judged without the checks that read it;
    /// a request's, where it would decide what the request is, leaves the answer unjudged.
    pub not_captured: Vec<Skipped>,
    pub not_captured_count: usize,
    /// Per check that judged anything: how many violations it found.
    pub checks: BTreeMap<&'static str, usize>,
    pub findings: Vec<HarFinding>,
    /// Every violation, kept or not.
    pub finding_count: usize,
}

impl HarReport {
    pub fn new(file: String, contract: &Contract) -> Self {
        Self {
            file,
            contract_identity: contract.identity().short(),
            checks: CHECKS
                .iter()
                .filter(|c| c.judges_clients() || c.judges_answers())
                .map(|c| (c.name, 0))
                .collect(),
            ..Self::default()
        }
    }

    pub fn is_clean(&self) -> bool {
        self.finding_count == 0
    }

    /// Judges one entry, or counts why not.
    pub fn add(
        &mut self,
        contract: &Contract,
        views: &[Contract],
        index: usize,
        entry: Entry,
        pages: &BTreeMap<String, String>,
    ) {
        let path = url::Url::parse(&entry.request.url)
            .map(|u| u.path().to_owned())
            .unwrap_or_default();
        let Some(contract) = contract
            .view_index(&entry.request.method, &path)
            .and_then(|i| views.get(i))
        else {
            self.other_paths += 1;
            return;
        };
        let at = EntryRef {
            index,
            started_date_time: entry.started_date_time.clone(),
            page: entry.pageref.as_ref().map(|id| {
                pages
                    .get(id)
                    .filter(|t| !t.is_empty())
                    .unwrap_or(id)
                    .clone()
            }),
        };
        let request = &entry.request;
        if request.method == "OPTIONS"
            && header(&request.headers, "access-control-request-method").is_some()
        {
            self.preflights += 1;
            return;
        }
        let response = entry.response.as_ref();
        let failed = entry
            .error
            .clone()
            .or_else(|| response.and_then(|r| r.error.clone()));
        let status = response.map_or(0, |r| r.status);
        if failed.is_some() || !(100..=599).contains(&status) {
            let why = failed.unwrap_or_else(|| format!("no response captured (status {status})"));
            return self.environment(at, format!("{why}: blocked or aborted, not judged"));
        }
        self.judge(contract, at, &entry, status as u16);
    }

    fn environment(&mut self, at: EntryRef, why: String) {
        self.environment_count += 1;
        if self.environment.len() < KEPT {
            self.environment.push(Skipped { entry: at, why });
        }
    }

    fn not_captured(&mut self, at: &EntryRef, what: &str) {
        self.not_captured_count += 1;
        if self.not_captured.len() < KEPT {
            self.not_captured.push(Skipped {
                entry: at.clone(),
                why: format!("not captured: {what}"),
            });
        }
    }

    fn judge(&mut self, contract: &Contract, at: EntryRef, entry: &Entry, status: u16) {
        let request = &entry.request;
        let response = entry.response.as_ref().expect("a status means a response");
        let sent = request.body();
        let request_body_seen = sent.is_some();
        let body = sent.unwrap_or_default();
        let authorization = header(&request.headers, &contract.auth().header);
        let token = authorization.and_then(|v| Credentials::parse(v).credential());
        let ctx = observed::ctx(contract, token);
        let json = ObservedRequest::parse(&body);
        let observed = ObservedRequest {
            method: &request.method,
            content_type: header(&request.headers, "content-type"),
            authorization,
            body: &body,
            json: &json,
            accept: header(&request.headers, "accept"),
        };
        let captured = response.content.as_ref().and_then(|c| c.bytes());
        let body_seen = captured.is_some();
        if !body_seen {
            self.not_captured(&at, "the response body: its checks were not run");
        }
        let answer = Response::captured(
            status,
            header_pairs(&response.headers),
            captured.unwrap_or_default(),
            Duration::try_from_secs_f64(entry.time.unwrap_or(0.0) / 1000.0).unwrap_or_default(),
            MAX_DECODED_BODY,
        );
        let seen = Captured {
            request_body: request_body_seen,
            body: body_seen,
            timing: false,
        };
        let judged = judge_observed(
            &ctx,
            &observed,
            token.is_some(),
            Received::Response(answer),
            seen,
        );
        if judged.environment {
            return self.environment(at, format!("{status}: rate limited, not judged"));
        }
        if !judged.answer_judged {
            self.not_captured(&at, "the request body, which decides what the answer must be: the answer was not judged");
        }
        self.judged += 1;
        for violation in judged.violations {
            *self.checks.entry(violation.check).or_default() += 1;
            self.finding_count += 1;
            if self.findings.len() < KEPT {
                self.findings.push(HarFinding {
                    entry: at.clone(),
                    method: request.method.clone(),
                    status,
                    class: judged.exchange.case.class.clone(),
                    violation,
                });
            }
        }
    }
}
