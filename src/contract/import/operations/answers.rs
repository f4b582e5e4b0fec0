//! An operation's documented responses, by exact status, range or `default`, and its security
//! as the credentials that satisfy it.

use std::collections::BTreeMap;

use serde_json::Value;

use super::{Ctx, is_json, token};
use crate::contract::import::source::ImportError;
use crate::contract::import::{Credential, Response, Status};

fn status(key: &str) -> Option<Status> {
    if key.eq_ignore_ascii_case("default") {
        return Some(Status::Default);
    }
    if let [digit @ b'1'..=b'5', x, y] = key.as_bytes()
        && x.eq_ignore_ascii_case(&b'x')
        && y.eq_ignore_ascii_case(&b'x')
    {
        return Some(Status::Range(digit - b'0'));
    }
    key.parse()
        .ok()
        .filter(|s| (100..600).contains(s))
        .map(Status::Exact)
}

impl<'d> Ctx<'_, 'd> {
    pub(super) fn responses(
        &mut self,
        node: Option<&'d Value>,
    ) -> Result<Vec<Response>, ImportError> {
        let mut responses = Vec::new();
        for (key, node) in node.and_then(Value::as_object).into_iter().flatten() {
            let at = format!("{}/responses/{}", self.at, token(key));
            let Some(status) = status(key) else {
                self.notes.push(format!(
                    "the response {key} is not a status, a range or default"
                ));
                continue;
            };
            let Some(node) = self.refs.follow(node, &at)? else {
                self.notes
                    .push(format!("the {key} response is in another document"));
                continue;
            };
            // Our own export marks the gap policy's statuses: they are the policy, not the
            // documentation, and the imported contract has the policy already.
            if node.get("x-documentation-gap") == Some(&Value::Bool(true)) {
                continue;
            }
            responses.push(self.response(status, node, &at)?);
        }
        responses.sort_by_key(|r| r.status);
        Ok(responses)
    }

    fn response(
        &mut self,
        status: Status,
        node: &'d Value,
        at: &str,
    ) -> Result<Response, ImportError> {
        let content = node.get("content").and_then(Value::as_object);
        let json = content.into_iter().flatten().find(|(m, _)| is_json(m));
        for (media, _) in content.into_iter().flatten().filter(|(m, _)| !is_json(m)) {
            self.notes.push(format!(
                "a response body as {media} is not carried (JSON only)"
            ));
        }
        if node.get("links").is_some() {
            self.notes.push("links are not carried".into());
        }
        let (media_type, schema, examples) = match json {
            None => (None, None, BTreeMap::new()),
            Some((media, media_node)) => {
                let here = format!("{at}/content/{}", token(media));
                // JSON without a schema is any JSON (its examples say what it looks like).
                let schema = match media_node.get("schema") {
                    Some(schema) => self.schema(schema, &format!("{here}/schema"))?,
                    None => Value::Object(serde_json::Map::new()),
                };
                (
                    Some(media.clone()),
                    Some(schema),
                    self.examples(media_node, &here)?,
                )
            }
        };
        let mut headers = BTreeMap::new();
        for (name, header) in node
            .get("headers")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            let here = format!("{at}/headers/{}", token(name));
            if let Some(header) = self.refs.follow(header, &here)? {
                let schema = header.get("schema").unwrap_or(&Value::Bool(true));
                let schema = self.schema(schema, &format!("{here}/schema"))?;
                headers.insert(
                    name.clone(),
                    super::super::Header {
                        schema,
                        required: header.get("required") == Some(&Value::Bool(true)),
                        example: header.get("example").cloned().or_else(|| {
                            let examples = header.get("examples")?.as_object()?;
                            examples.values().find_map(|e| e.get("value").cloned())
                        }),
                    },
                );
            }
        }
        Ok(Response {
            status,
            description: node
                .get("description")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned(),
            media_type,
            schema,
            examples,
            headers,
            no_body: content.is_none_or(serde_json::Map::is_empty),
        })
    }

    /// The operation's `security`, else the document's: one credential per requirement that a
    /// contract can carry. A requirement of several schemes at once keeps the first.
    pub(super) fn security(
        &mut self,
        own: Option<&'d Value>,
    ) -> Result<Vec<Credential>, ImportError> {
        let requirements = own.or_else(|| self.refs.at("/security"));
        let mut credentials = Vec::new();
        for requirement in requirements.and_then(Value::as_array).into_iter().flatten() {
            let Some(names) = requirement.as_object() else {
                continue;
            };
            if names.len() > 1 {
                self.notes.push(
                    "a requirement of several schemes at once: only the first is carried".into(),
                );
            }
            let Some(name) = names.keys().next() else {
                // `{}`: anonymous access is one of the options.
                return Ok(Vec::new());
            };
            let at = format!("/components/securitySchemes/{}", token(name));
            let Some(scheme) = self.refs.at(&at) else {
                return Err(self.refs.broken(&format!("{}/security", self.at), name));
            };
            let Some(scheme) = self.refs.follow(scheme, &at)? else {
                continue;
            };
            if let Some(credential) = self.credential(name, scheme) {
                credentials.push(credential);
            }
        }
        Ok(credentials)
    }

    fn credential(&mut self, name: &str, scheme: &Value) -> Option<Credential> {
        let text = |key: &str| scheme.get(key).and_then(Value::as_str).unwrap_or_default();
        let scheme_name = name.to_owned();
        match (text("type"), text("in")) {
            ("http", _) if text("scheme").eq_ignore_ascii_case("bearer") => {
                Some(Credential::Bearer {
                    scheme: scheme_name,
                })
            }
            ("oauth2" | "openIdConnect", _) => {
                self.notes.push(format!(
                    "{name}: only sending a bearer token is carried, not the {} flows",
                    text("type")
                ));
                Some(Credential::Bearer {
                    scheme: scheme_name,
                })
            }
            ("apiKey", "header") => Some(Credential::Header {
                scheme: scheme_name,
                name: text("name").to_owned(),
            }),
            ("apiKey", "query") => Some(Credential::Query {
                scheme: scheme_name,
                name: text("name").to_owned(),
            }),
            (kind, place) => {
                self.notes.push(format!(
                    "{name}: {kind} {place} credentials are not carried"
                ));
                None
            }
        }
    }
}
