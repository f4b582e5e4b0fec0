//! `contract diff OLD NEW`: two contracts compared as the loader sees them (endpoint, auth,
//! request schema, each status's schema, gap policy, examples), each change graded by whom it
//! breaks. The request is what clients send and the backend accepts; a response is what the
//! backend sends and clients read. So tightening the request breaks clients and loosening it
//! breaks the backend, and the other way round for responses.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;
use serde_json::Value;

use super::Contract;

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
    /// A file and a JSON pointer into it, e.g. `request.schema.json#/properties/mfaType/enum`.
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
    let mut push = |breaks, pointer: &str, what: String, why: &str| {
        out.push(Change {
            breaks,
            pointer: pointer.to_owned(),
            what,
            why: why.to_owned(),
        });
    };
    let endpoint_why = "every request goes elsewhere: clients and the backend must both move";
    if old.method() != new.method() {
        push(
            Breaks::Both,
            "contract.json#/method",
            format!("method {} -> {}", old.method(), new.method()),
            endpoint_why,
        );
    }
    if old.path() != new.path() {
        push(
            Breaks::Both,
            "contract.json#/path",
            format!("path {} -> {}", old.path(), new.path()),
            endpoint_why,
        );
    }
    if old.auth().header != new.auth().header || old.auth().scheme != new.auth().scheme {
        push(
            Breaks::Both,
            "contract.json#/auth",
            format!(
                "auth {} {} -> {} {}",
                old.auth().header,
                old.auth().scheme,
                new.auth().header,
                new.auth().scheme
            ),
            "credentials are sent and read another way",
        );
    }
    let (old_req, new_req) = (old.request_spec(), new.request_spec());
    if old_req.content_type != new_req.content_type {
        push(
            Breaks::Both,
            "contract.json#/request/contentType",
            format!(
                "request content type {} -> {}",
                old_req.content_type, new_req.content_type
            ),
            "bodies are sent and read another way",
        );
    }
    if old_req.max_body_bytes != new_req.max_body_bytes {
        let side = if new_req.max_body_bytes < old_req.max_body_bytes {
            Side::Request.tightened()
        } else {
            Side::Request.loosened()
        };
        push(
            side.0,
            "contract.json#/request/maxBodyBytes",
            format!(
                "largest request body {} -> {} bytes",
                old_req.max_body_bytes, new_req.max_body_bytes
            ),
            side.1,
        );
    }

    let mut schemas = SchemaDiff { out: Vec::new() };
    schemas.compare(
        &flatten(old, &old.request_schema().document),
        &flatten(new, &new.request_schema().document),
        Side::Request,
        &format!("{}#", new.request_schema().file),
    );

    let old_statuses: BTreeSet<u16> = old.documented_statuses().collect();
    let new_statuses: BTreeSet<u16> = new.documented_statuses().collect();
    for status in old_statuses.difference(&new_statuses) {
        schemas.out.push(Change {
            breaks: Breaks::Client,
            pointer: format!("contract.json#/responses/{status}"),
            what: format!("documented status {status} removed"),
            why: "clients that handle it lose what they rely on".into(),
        });
    }
    for status in new_statuses.difference(&old_statuses) {
        schemas.out.push(Change {
            breaks: Breaks::Compatible,
            pointer: format!("contract.json#/responses/{status}"),
            what: format!("documented status {status} added"),
            why: "a new documented answer; clients should handle it".into(),
        });
    }
    for status in old_statuses.intersection(&new_statuses) {
        schemas.compare(
            &flatten(old, &old.schema_for_status(*status).document),
            &flatten(new, &new.schema_for_status(*status).document),
            Side::Response,
            &format!("{}#", new.schema_for_status(*status).file),
        );
    }
    schemas.compare(
        &flatten(old, &old.error_schema().document),
        &flatten(new, &new.error_schema().document),
        Side::Response,
        &format!("{}#", new.error_schema().file),
    );
    out.extend(schemas.out);

    let old_policy = &old.manifest().gap_policy.rejections;
    let new_policy = &new.manifest().gap_policy.rejections;
    for (kind, old_rule) in old_policy {
        let Some(new_rule) = new_policy.get(kind) else {
            continue;
        };
        let pointer = format!("contract.json#/gapPolicy/rejections/{kind}");
        if old_rule.status != new_rule.status {
            out.push(Change {
                breaks: Breaks::Client,
                pointer: format!("{pointer}/status"),
                what: format!(
                    "the mock answers {kind} with {} -> {}",
                    old_rule.status, new_rule.status
                ),
                why: "frontends developed against the mock see another status".into(),
            });
        }
        let old_accept: BTreeSet<u16> = old_rule.accept.iter().copied().collect();
        let new_accept: BTreeSet<u16> = new_rule.accept.iter().copied().collect();
        for status in old_accept.difference(&new_accept) {
            out.push(Change {
                breaks: Breaks::Server,
                pointer: format!("{pointer}/accept"),
                what: format!("{status} no longer accepted for {kind}"),
                why: "a backend that answers it now fails the checker".into(),
            });
        }
        for status in new_accept.difference(&old_accept) {
            out.push(Change {
                breaks: Breaks::Client,
                pointer: format!("{pointer}/accept"),
                what: format!("{status} now accepted for {kind}"),
                why: "clients must handle another status for it".into(),
            });
        }
    }

    let names = |c: &Contract| -> BTreeMap<String, Value> {
        c.examples()
            .iter()
            .map(|e| (format!("responses/{}/{}", e.status, e.name), e.body.clone()))
            .chain(
                c.valid_requests()
                    .iter()
                    .map(|f| (format!("requests/valid/{}", f.name), f.body.clone())),
            )
            .chain(
                c.invalid_requests()
                    .iter()
                    .map(|f| (format!("requests/invalid/{}", f.name), f.body.clone())),
            )
            .collect()
    };
    let (old_fixtures, new_fixtures) = (names(old), names(new));
    for (name, body) in &new_fixtures {
        let what = match old_fixtures.get(name) {
            None => format!("fixture {name} added"),
            Some(before) if before != body => format!("fixture {name} changed"),
            Some(_) => continue,
        };
        out.push(Change {
            breaks: Breaks::Compatible,
            pointer: format!("fixtures/{name}.json"),
            what,
            why: "examples and test data; the rules are unchanged".into(),
        });
    }
    for name in old_fixtures
        .keys()
        .filter(|n| !new_fixtures.contains_key(*n))
    {
        out.push(Change {
            breaks: Breaks::Compatible,
            pointer: format!("fixtures/{name}.json"),
            what: format!("fixture {name} removed"),
            why: "examples and test data; the rules are unchanged".into(),
        });
    }
    out.sort();
    out.dedup();
    out
}

/// The schema with the properties and required names of the schemas it pulls in through
/// `allOf` + `$ref` merged in: the shape the loader validates against.
fn flatten(contract: &Contract, document: &Value) -> Value {
    let mut flat = document.clone();
    let parts: Vec<Value> = document
        .get("allOf")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    for part in parts {
        let referenced = part
            .get("$ref")
            .and_then(Value::as_str)
            .and_then(|r| r.split('#').next())
            .and_then(|file| contract.schemas().find(|s| s.file == file))
            .map(|s| flatten(contract, &s.document));
        let Some(other) = referenced.or(Some(part)) else {
            continue;
        };
        if let Some(props) = other.get("properties").and_then(Value::as_object) {
            let target = flat.as_object_mut().map(|o| {
                o.entry("properties")
                    .or_insert_with(|| Value::Object(Default::default()))
            });
            if let Some(Value::Object(target)) = target {
                for (k, v) in props {
                    target.entry(k.clone()).or_insert_with(|| v.clone());
                }
            }
        }
        if let Some(required) = other.get("required").and_then(Value::as_array) {
            let target = flat.as_object_mut().map(|o| {
                o.entry("required")
                    .or_insert_with(|| Value::Array(Vec::new()))
            });
            if let Some(Value::Array(target)) = target {
                for name in required {
                    if !target.contains(name) {
                        target.push(name.clone());
                    }
                }
            }
        }
        if flat.get("type").is_none()
            && let Some(ty) = other.get("type")
            && let Some(o) = flat.as_object_mut()
        {
            o.insert("type".into(), ty.clone());
        }
    }
    if let Some(o) = flat.as_object_mut() {
        o.remove("allOf");
    }
    flat
}

struct SchemaDiff {
    out: Vec<Change>,
}

impl SchemaDiff {
    fn change(&mut self, (breaks, why): (Breaks, &str), pointer: String, what: String) {
        self.out.push(Change {
            breaks,
            pointer,
            what,
            why: why.to_owned(),
        });
    }

    fn compare(&mut self, old: &Value, new: &Value, side: Side, at: &str) {
        let (old_types, new_types) = (types(old), types(new));
        if old_types != new_types {
            let grade = if is_subset(&new_types, &old_types) {
                side.tightened()
            } else if is_subset(&old_types, &new_types) {
                side.loosened()
            } else {
                (
                    Breaks::Both,
                    "values of the old type are refused and values of the new one are new",
                )
            };
            self.change(
                grade,
                format!("{at}/type"),
                format!("type {} -> {}", show(&old_types), show(&new_types)),
            );
        }

        let (old_enum, new_enum) = (
            old.get("enum").and_then(Value::as_array),
            new.get("enum").and_then(Value::as_array),
        );
        match (old_enum, new_enum) {
            (Some(a), Some(b)) => {
                for value in a.iter().filter(|v| !b.contains(v)) {
                    self.change(
                        side.tightened(),
                        format!("{at}/enum"),
                        format!("enum value {value} removed"),
                    );
                }
                for value in b.iter().filter(|v| !a.contains(v)) {
                    let grade = match side {
                        Side::Request => (Breaks::Server, "the backend must now accept it"),
                        Side::Response => (Breaks::Client, "clients must now handle it"),
                    };
                    self.change(
                        grade,
                        format!("{at}/enum"),
                        format!("enum value {value} added"),
                    );
                }
            }
            (None, Some(_)) => self.change(
                side.tightened(),
                format!("{at}/enum"),
                "values now limited to an enum".into(),
            ),
            (Some(_), None) => self.change(
                side.loosened(),
                format!("{at}/enum"),
                "enum removed: any value".into(),
            ),
            (None, None) => {}
        }

        for (keyword, narrower_when_smaller) in [
            ("maxLength", true),
            ("maximum", true),
            ("exclusiveMaximum", true),
            ("maxItems", true),
            ("minLength", false),
            ("minimum", false),
            ("exclusiveMinimum", false),
            ("minItems", false),
        ] {
            let (a, b) = (
                old.get(keyword).and_then(Value::as_f64),
                new.get(keyword).and_then(Value::as_f64),
            );
            let narrower = match (a, b) {
                (Some(a), Some(b)) if a == b => continue,
                (Some(a), Some(b)) => (b < a) == narrower_when_smaller,
                (None, Some(_)) => true,
                (Some(_), None) => false,
                (None, None) => continue,
            };
            let grade = if narrower {
                side.tightened()
            } else {
                side.loosened()
            };
            self.change(
                grade,
                format!("{at}/{keyword}"),
                format!("{keyword} {} -> {}", num(a), num(b)),
            );
        }
        for keyword in ["pattern", "format", "const"] {
            if old.get(keyword) != new.get(keyword) {
                self.change(
                    (
                        Breaks::Both,
                        "values allowed before may be refused, and new ones allowed",
                    ),
                    format!("{at}/{keyword}"),
                    format!(
                        "{keyword} {} -> {}",
                        opt(old.get(keyword)),
                        opt(new.get(keyword))
                    ),
                );
            }
        }

        let required = |v: &Value| -> BTreeSet<String> {
            super::required_names(v).map(str::to_owned).collect()
        };
        let (old_required, new_required) = (required(old), required(new));
        for name in new_required.difference(&old_required) {
            let grade = match side {
                Side::Request => (Breaks::Client, "clients that leave it out are now refused"),
                Side::Response => (Breaks::Server, "the backend must now always send it"),
            };
            self.change(
                grade,
                format!("{at}/required"),
                format!("property {name} now required"),
            );
        }
        for name in old_required.difference(&new_required) {
            let grade = match side {
                Side::Request => (Breaks::Server, "the backend must now cope without it"),
                Side::Response => (Breaks::Client, "clients can no longer rely on it"),
            };
            self.change(
                grade,
                format!("{at}/required"),
                format!("property {name} no longer required"),
            );
        }

        let (old_extra, new_extra) = (additional(old), additional(new));
        if old_extra != new_extra {
            let grade = if new_extra {
                side.loosened()
            } else {
                side.tightened()
            };
            self.change(
                grade,
                format!("{at}/additionalProperties"),
                format!(
                    "other properties {}",
                    if new_extra {
                        "now allowed"
                    } else {
                        "now forbidden"
                    }
                ),
            );
        }

        let props = |v: &Value| {
            v.get("properties")
                .and_then(Value::as_object)
                .cloned()
                .unwrap_or_default()
        };
        let (old_props, new_props) = (props(old), props(new));
        for (name, old_sub) in &old_props {
            let pointer = format!("{at}/properties/{}", jsonptr::Token::new(name).encoded());
            match new_props.get(name) {
                Some(new_sub) => self.compare(old_sub, new_sub, side, &pointer),
                None => {
                    let grade = match (side, new_extra) {
                        (Side::Response, _) => (Breaks::Client, "clients that read it lose it"),
                        (Side::Request, true) => (
                            Breaks::Server,
                            "the backend must accept any value there now",
                        ),
                        (Side::Request, false) => {
                            (Breaks::Client, "clients that send it are now refused")
                        }
                    };
                    self.change(grade, pointer, format!("property {name} removed"));
                }
            }
        }
        for name in new_props.keys().filter(|n| !old_props.contains_key(*n)) {
            let pointer = format!("{at}/properties/{}", jsonptr::Token::new(name).encoded());
            let grade = match (side, new_required.contains(name)) {
                // Its requirement is reported with `required`.
                (_, true) => continue,
                (Side::Request, false) => (Breaks::Server, "the backend must accept it"),
                (Side::Response, false) => {
                    (Breaks::Compatible, "an optional field clients may ignore")
                }
            };
            self.change(grade, pointer, format!("optional property {name} added"));
        }
        if let (Some(a), Some(b)) = (old.get("items"), new.get("items")) {
            self.compare(a, b, side, &format!("{at}/items"));
        }
        for keyword in ["description", "title", "examples", "x-enumDescriptions"] {
            if old.get(keyword) != new.get(keyword) {
                self.change(
                    (Breaks::Compatible, "documentation only"),
                    format!("{at}/{keyword}"),
                    format!("{keyword} changed"),
                );
            }
        }
    }
}

/// JSON types a schema allows; empty means any.
fn types(schema: &Value) -> BTreeSet<String> {
    crate::cases::types_of(schema).into_iter().collect()
}

/// Whether every value of `a` is a value of `b` (`integer` counts as a `number`; empty is any).
fn is_subset(a: &BTreeSet<String>, b: &BTreeSet<String>) -> bool {
    if b.is_empty() {
        return true;
    }
    if a.is_empty() {
        return false;
    }
    a.iter()
        .all(|t| b.contains(t) || (t == "integer" && b.contains("number")))
}

fn additional(schema: &Value) -> bool {
    !matches!(
        schema
            .get("additionalProperties")
            .or_else(|| schema.get("unevaluatedProperties")),
        Some(Value::Bool(false))
    )
}

fn show(types: &BTreeSet<String>) -> String {
    if types.is_empty() {
        "any".to_owned()
    } else {
        types.iter().cloned().collect::<Vec<_>>().join(" | ")
    }
}

fn num(value: Option<f64>) -> String {
    value.map_or_else(|| "none".to_owned(), |v| v.to_string())
}

fn opt(value: Option<&Value>) -> String {
    value.map_or_else(|| "none".to_owned(), Value::to_string)
}
