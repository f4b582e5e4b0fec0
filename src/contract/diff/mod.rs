//! `contract diff OLD NEW`: two contracts compared as the loader sees them (endpoint, auth,
//! request schema, each status's schema, gap policy, examples), each change graded by whom it
//! breaks. The request is what clients send and the backend accepts; a response is what the
//! backend sends and clients read. So tightening the request breaks clients and loosening it
//! breaks the backend, and the other way round for responses.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;
use serde_json::Value;

use super::Contract;
use schema::{SchemaDiff, flatten};

mod schema;

/// Whom a change breaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Breaks {
    /// Clients and the backend must both change.
    Both,
    /// Frontends must change.
    Client,
    /// The backend must change.
    Server,
    /// Nobody: descriptions, examples, optional additions.
    Compatible,
}

impl Breaks {
    pub fn as_str(self) -> &'static str {
        match self {
            Breaks::Both => "breaking (both)",
            Breaks::Client => "breaking (client)",
            Breaks::Server => "breaking (server)",
            Breaks::Compatible => "compatible",
        }
    }

    pub fn breaks_clients(self) -> bool {
        matches!(self, Breaks::Both | Breaks::Client)
    }

    pub fn breaks_server(self) -> bool {
        matches!(self, Breaks::Both | Breaks::Server)
    }
}

/// One change: where, what, and why it breaks whom.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Change {
    pub breaks: Breaks,
    /// A file and a JSON pointer into it, e.g. `request.schema.json#/properties/kind/enum`.
    pub pointer: String,
    pub what: String,
    pub why: String,
}

/// Which way a schema is read: the request is sent by clients and accepted by the backend; a
/// response is sent by the backend and read by clients.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Side {
    Request,
    Response,
}

impl Side {
    /// Whom a tightened constraint breaks, and why.
    fn tightened(self) -> (Breaks, &'static str) {
        match self {
            Side::Request => (
                Breaks::Client,
                "clients that send what was allowed are now refused",
            ),
            Side::Response => (Breaks::Server, "the backend must now send less than before"),
        }
    }

    /// Whom a loosened constraint breaks, and why.
    fn loosened(self) -> (Breaks, &'static str) {
        match self {
            Side::Request => (
                Breaks::Server,
                "the backend must now accept more than before",
            ),
            Side::Response => (Breaks::Client, "clients must now handle more than before"),
        }
    }
}

/// Every change from `old` to `new`, most breaking first.
pub fn diff(old: &Contract, new: &Contract) -> Vec<Change> {
    let mut out = Vec::new();
    endpoint(old, new, &mut out);
    request_limits(old, new, &mut out);
    schemas(old, new, &mut out);
    gap_policy(old, new, &mut out);
    fixtures(old, new, &mut out);
    operations(old, new, &mut out);
    out.sort();
    out.dedup();
    out
}

fn push(out: &mut Vec<Change>, (breaks, why): (Breaks, &str), pointer: &str, what: String) {
    out.push(Change {
        breaks,
        pointer: pointer.to_owned(),
        what,
        why: why.to_owned(),
    });
}

/// Method, path, auth and content type: every request goes elsewhere or another way.
fn endpoint(old: &Contract, new: &Contract, out: &mut Vec<Change>) {
    let moved = (
        Breaks::Both,
        "every request goes elsewhere: clients and the backend must both move",
    );
    if old.method() != new.method() {
        let what = format!("method {} -> {}", old.method(), new.method());
        push(out, moved, "contract.json#/method", what);
    }
    // The template, not a view's path with sample values in it.
    let (old_path, new_path) = (old.parameters().0, new.parameters().0);
    if old_path != new_path {
        let what = format!("path {old_path} -> {new_path}");
        push(out, moved, "contract.json#/path", what);
    }
    let (a, b) = (old.auth(), new.auth());
    if a.header != b.header || a.scheme != b.scheme {
        let what = format!(
            "auth {} {} -> {} {}",
            a.header, a.scheme, b.header, b.scheme
        );
        let why = (Breaks::Both, "credentials are sent and read another way");
        push(out, why, "contract.json#/auth", what);
    }
    let (a, b) = (old.request_spec(), new.request_spec());
    if a.content_type != b.content_type {
        let what = format!(
            "request content type {} -> {}",
            a.content_type, b.content_type
        );
        let why = (Breaks::Both, "bodies are sent and read another way");
        push(out, why, "contract.json#/request/contentType", what);
    }
}

fn request_limits(old: &Contract, new: &Contract, out: &mut Vec<Change>) {
    let (a, b) = (
        old.request_spec().max_body_bytes,
        new.request_spec().max_body_bytes,
    );
    if a != b {
        let grade = if b < a {
            Side::Request.tightened()
        } else {
            Side::Request.loosened()
        };
        let what = format!("largest request body {a} -> {b} bytes");
        push(out, grade, "contract.json#/request/maxBodyBytes", what);
    }
}

/// The request schema, each documented status (added, removed, or its schema), and the error
/// shape of the undocumented rejections.
fn schemas(old: &Contract, new: &Contract, out: &mut Vec<Change>) {
    let mut schemas = SchemaDiff { out: Vec::new() };
    let mut compare = |old_schema: &super::Schema, new_schema: &super::Schema, side| {
        schemas.compare(
            &flatten(old, &old_schema.document),
            &flatten(new, &new_schema.document),
            side,
            &format!("{}#", new_schema.file),
        );
    };
    compare(old.request_schema(), new.request_schema(), Side::Request);
    let old_statuses: BTreeSet<u16> = old.documented_statuses().collect();
    let new_statuses: BTreeSet<u16> = new.documented_statuses().collect();
    for status in old_statuses.intersection(&new_statuses) {
        compare(
            old.schema_for_status(*status),
            new.schema_for_status(*status),
            Side::Response,
        );
    }
    compare(old.error_schema(), new.error_schema(), Side::Response);
    out.extend(schemas.out);
    for status in old_statuses.difference(&new_statuses) {
        let why = (
            Breaks::Client,
            "clients that handle it lose what they rely on",
        );
        let what = format!("documented status {status} removed");
        push(
            out,
            why,
            &format!("contract.json#/responses/{status}"),
            what,
        );
    }
    for status in new_statuses.difference(&old_statuses) {
        let why = (
            Breaks::Compatible,
            "a new documented answer; clients should handle it",
        );
        let what = format!("documented status {status} added");
        push(
            out,
            why,
            &format!("contract.json#/responses/{status}"),
            what,
        );
    }
}

/// What the mock answers and the checker accepts where the documentation is silent.
fn gap_policy(old: &Contract, new: &Contract, out: &mut Vec<Change>) {
    let new_policy = &new.manifest().gap_policy.rejections;
    for (kind, old_rule) in &old.manifest().gap_policy.rejections {
        let Some(new_rule) = new_policy.get(kind) else {
            continue;
        };
        let pointer = format!("contract.json#/gapPolicy/rejections/{kind}");
        if old_rule.status != new_rule.status {
            let why = (
                Breaks::Client,
                "frontends developed against the mock see another status",
            );
            let what = format!(
                "the mock answers {kind} with {} -> {}",
                old_rule.status, new_rule.status
            );
            push(out, why, &format!("{pointer}/status"), what);
        }
        let old_accept: BTreeSet<u16> = old_rule.accept.iter().copied().collect();
        let new_accept: BTreeSet<u16> = new_rule.accept.iter().copied().collect();
        let accept = format!("{pointer}/accept");
        for status in old_accept.difference(&new_accept) {
            let why = (
                Breaks::Server,
                "a backend that answers it now fails the checker",
            );
            let what = format!("{status} no longer accepted for {kind}");
            push(out, why, &accept, what);
        }
        for status in new_accept.difference(&old_accept) {
            let why = (Breaks::Client, "clients must handle another status for it");
            push(
                out,
                why,
                &accept,
                format!("{status} now accepted for {kind}"),
            );
        }
    }
}

/// Named bodies: response examples and request fixtures, compatible whatever happens to them.
fn fixtures(old: &Contract, new: &Contract, out: &mut Vec<Change>) {
    let names = |c: &Contract| -> BTreeMap<String, Value> {
        let responses = c
            .examples()
            .iter()
            .map(|e| (format!("responses/{}/{}", e.status, e.name), e.body.clone()));
        let valid = c
            .valid_requests()
            .iter()
            .map(|f| (format!("requests/valid/{}", f.name), f.body.clone()));
        let invalid = c
            .invalid_requests()
            .iter()
            .map(|f| (format!("requests/invalid/{}", f.name), f.body.clone()));
        responses.chain(valid).chain(invalid).collect()
    };
    let (old_fixtures, new_fixtures) = (names(old), names(new));
    let why = (
        Breaks::Compatible,
        "examples and test data; the rules are unchanged",
    );
    for (name, body) in &new_fixtures {
        let what = match old_fixtures.get(name) {
            None => format!("fixture {name} added"),
            Some(before) if before != body => format!("fixture {name} changed"),
            Some(_) => continue,
        };
        push(out, why, &format!("fixtures/{name}.json"), what);
    }
    for name in old_fixtures
        .keys()
        .filter(|n| !new_fixtures.contains_key(*n))
    {
        let what = format!("fixture {name} removed");
        push(out, why, &format!("fixtures/{name}.json"), what);
    }
}

/// The other operations, matched by operationId: one removed breaks clients, one added breaks
/// nobody, and each kept is compared as the seed's is (its route, credentials, body and
/// answers), its manifest pointers under `operations/<operationId>`.
fn operations(old: &Contract, new: &Contract, out: &mut Vec<Change>) {
    let id = |c: &Contract, i: usize| c.operations()[i].id().to_owned();
    let old_ids: Vec<String> = (0..old.operations().len()).map(|i| id(old, i)).collect();
    let new_ids: Vec<String> = (0..new.operations().len()).map(|i| id(new, i)).collect();
    for (i, operation) in old_ids.iter().enumerate() {
        let pointer = format!("contract.json#/operations/{operation}");
        let Some(j) = new_ids.iter().position(|n| n == operation) else {
            let why = (
                Breaks::Client,
                "clients that call it get nothing documented",
            );
            let what = format!(
                "operation {operation} ({}) removed",
                old.operations()[i].label()
            );
            push(out, why, &pointer, what);
            continue;
        };
        let (before, after) = (old.project(i), new.project(j));
        let mut changes = Vec::new();
        endpoint(&before, &after, &mut changes);
        schemas(&before, &after, &mut changes);
        // An operation's own policy; the manifest's changes are reported once, above.
        if old.operations()[i].gap_policy.is_some() || new.operations()[j].gap_policy.is_some() {
            gap_policy(&before, &after, &mut changes);
        }
        for mut change in changes {
            if let Some(rest) = change.pointer.strip_prefix("contract.json#/") {
                change.pointer = format!("{pointer}/{rest}");
            }
            out.push(change);
        }
    }
    for (j, operation) in new_ids.iter().enumerate() {
        if !old_ids.contains(operation) {
            let why = (Breaks::Compatible, "a new operation; clients may call it");
            let what = format!(
                "operation {operation} ({}) added",
                new.operations()[j].label()
            );
            push(
                out,
                why,
                &format!("contract.json#/operations/{operation}"),
                what,
            );
        }
    }
}
