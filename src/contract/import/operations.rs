//! The document's operations: each path item's methods with their parameters (the path
//! item's and their own), JSON body, responses by status and security, in document order.

use std::collections::BTreeMap;

use serde_json::Value;

use super::schema::translate;
use super::source::{ImportError, Refs};
use super::{Body, Location, Operation, Parameter, Skipped, Version};

const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

fn token(key: &str) -> String {
    jsonptr::Token::new(key).encoded().to_string()
}

/// Whether a media type carries JSON (`application/json`, `application/problem+json`, ...).
fn is_json(media_type: &str) -> bool {
    let essence = crate::media_type::essence(media_type).to_ascii_lowercase();
    essence == "application/json" || essence.ends_with("+json")
}

pub(super) fn all(
    refs: &Refs<'_>,
    version: Version,
) -> Result<(Vec<Operation>, Vec<Skipped>), ImportError> {
    let (mut operations, mut skipped) = (Vec::new(), Vec::new());
    // operationId -> where it was first given: OpenAPI wants each unique.
    let mut ids: BTreeMap<String, String> = BTreeMap::new();
    let Some(paths) = refs.at("/paths").and_then(Value::as_object) else {
        return Ok((operations, skipped));
    };
    for (path, item) in paths {
        let at = format!("/paths/{}", token(path));
        let Some(item) = refs.follow(item, &at)? else {
            skipped.push(Skipped {
                operation: path.clone(),
                why: "the path item is in another document".into(),
            });
            continue;
        };
        for method in METHODS {
            let Some(node) = item.get(method) else {
                continue;
            };
            let here = format!("{at}/{method}");
            if let Some(id) = node.get("operationId").and_then(Value::as_str)
                && let Some(first) = ids.insert(id.to_owned(), here.clone())
            {
                return Err(ImportError::NotOpenApi {
                    file: refs.file.to_owned(),
                    pointer: format!("{here}/operationId"),
                    message: format!("operationId {id} is given at {first} already"),
                });
            }
            let ctx = Ctx {
                refs,
                version,
                at: here,
                notes: Vec::new(),
            };
            match ctx.operation(path, method, node, item.get("parameters"))? {
                Ok(operation) => operations.push(operation),
                Err(why) => skipped.push(Skipped {
                    operation: format!("{} {path}", method.to_ascii_uppercase()),
                    why,
                }),
            }
        }
    }
    Ok((operations, skipped))
}

struct Ctx<'r, 'd> {
    refs: &'r Refs<'d>,
    version: Version,
    /// The operation's JSON pointer.
    at: String,
    /// What the operation says that a contract cannot carry.
    notes: Vec<String>,
}

impl<'d> Ctx<'_, 'd> {
    fn schema(&mut self, schema: &Value, at: &str) -> Result<Value, ImportError> {
        translate(self.refs, self.version, schema, at, &mut self.notes)
    }

    /// The operation, or why it is skipped.
    fn operation(
        mut self,
        path: &str,
        method: &str,
        node: &'d Value,
        shared: Option<&'d Value>,
    ) -> Result<Result<Operation, String>, ImportError> {
        let mut parameters = self.parameters(shared, node.get("parameters"))?;
        self.template_parameters(path, &mut parameters);
        let body = match node.get("requestBody") {
            None => None,
            Some(body) => match self.body(body)? {
                Ok(body) => body,
                Err(why) => return Ok(Err(why)),
            },
        };
        let responses = self.responses(node.get("responses"))?;
        let security = self.security(node.get("security"))?;
        for (key, what) in [
            ("callbacks", "callbacks"),
            ("servers", "servers of its own"),
        ] {
            if node.get(key).is_some() {
                self.notes.push(format!("{what} are not carried"));
            }
        }
        Ok(Ok(Operation {
            id: node.get("operationId").and_then(Value::as_str).map_or_else(
                || format!("{} {path}", method.to_ascii_uppercase()),
                str::to_owned,
            ),
            method: method.to_ascii_uppercase(),
            path: path.to_owned(),
            parameters,
            body,
            responses,
            security,
            not_carried: self.notes,
            gap_policy: node.get(super::GAP_POLICY_EXTENSION).cloned(),
        }))
    }

    /// Every `{name}` of the path template as a path parameter: one the document forgot is
    /// taken as any string, and said; a path parameter the template lacks is said too.
    fn template_parameters(&mut self, path: &str, parameters: &mut Vec<Parameter>) {
        let names: Vec<&str> = path
            .split('{')
            .skip(1)
            .filter_map(|rest| rest.split_once('}').map(|(name, _)| name))
            .collect();
        for name in &names {
            let described = parameters
                .iter()
                .any(|p| p.location == Location::Path && p.name == *name);
            if !described {
                self.notes.push(format!(
                    "the path parameter {name} is not described: taken as any string"
                ));
                parameters.push(Parameter {
                    name: (*name).to_owned(),
                    location: Location::Path,
                    required: true,
                    schema: serde_json::json!({ "type": "string" }),
                    example: None,
                });
            }
        }
        let stray: Vec<String> = parameters
            .iter()
            .filter(|p| p.location == Location::Path && !names.contains(&p.name.as_str()))
            .map(|p| p.name.clone())
            .collect();
        for name in stray {
            self.notes.push(format!(
                "the path parameter {name} is not in the path: dropped"
            ));
            parameters.retain(|p| !(p.location == Location::Path && p.name == name));
        }
    }

    /// The path item's parameters, then the operation's (which win for the same name and place).
    fn parameters(
        &mut self,
        shared: Option<&'d Value>,
        own: Option<&'d Value>,
    ) -> Result<Vec<Parameter>, ImportError> {
        let mut parameters: Vec<Parameter> = Vec::new();
        let lists = [(shared, "/../parameters"), (own, "/parameters")];
        for (list, suffix) in lists {
            for (i, node) in list
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .enumerate()
            {
                let at = format!("{}{suffix}/{i}", self.at);
                let Some(node) = self.refs.follow(node, &at)? else {
                    self.notes
                        .push(format!("{at}: a parameter in another document"));
                    continue;
                };
                if let Some(parameter) = self.parameter(node, &at)? {
                    parameters.retain(|p| {
                        !(p.name == parameter.name && p.location == parameter.location)
                    });
                    parameters.push(parameter);
                }
            }
        }
        Ok(parameters)
    }

    fn parameter(&mut self, node: &'d Value, at: &str) -> Result<Option<Parameter>, ImportError> {
        let name = node
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        let location = match node.get("in").and_then(Value::as_str) {
            Some("path") => Location::Path,
            Some("query") => Location::Query,
            Some("header") => Location::Header,
            other => {
                self.notes.push(format!(
                    "the {} parameter {name} is not carried",
                    other.unwrap_or("unplaced")
                ));
                return Ok(None);
            }
        };
        let schema = match (
            node.get("schema"),
            node.get("content").and_then(Value::as_object),
        ) {
            (Some(schema), _) => self.schema(schema, &format!("{at}/schema"))?,
            (None, Some(content)) => match content.iter().find(|(m, _)| is_json(m)) {
                Some((media, media_node)) => {
                    let at = format!("{at}/content/{}/schema", token(media));
                    self.schema(media_node.get("schema").unwrap_or(&Value::Bool(true)), &at)?
                }
                None => Value::Bool(true),
            },
            (None, None) => Value::Bool(true),
        };
        Ok(Some(Parameter {
            name,
            location,
            required: location == Location::Path
                || node.get("required") == Some(&Value::Bool(true)),
            schema,
            example: node.get("example").cloned().or_else(|| {
                let examples = node.get("examples")?.as_object()?;
                examples.values().find_map(|e| e.get("value").cloned())
            }),
        }))
    }

    /// The JSON body, `Ok(None)` when it is in another document; `Err` (skip the operation)
    /// when a required body comes in no JSON media type.
    fn body(&mut self, node: &'d Value) -> Result<Result<Option<Body>, String>, ImportError> {
        let at = format!("{}/requestBody", self.at);
        let Some(node) = self.refs.follow(node, &at)? else {
            self.notes
                .push("the request body is in another document".into());
            return Ok(Ok(None));
        };
        let required = node.get("required") == Some(&Value::Bool(true));
        let content = node.get("content").and_then(Value::as_object);
        let (json, other): (Vec<_>, Vec<_>) =
            content.into_iter().flatten().partition(|(m, _)| is_json(m));
        for (media, _) in &other {
            self.notes.push(format!(
                "a request body as {media} is not carried (JSON only)"
            ));
        }
        let Some((media, media_node)) = json.first() else {
            if required && !other.is_empty() {
                let types: Vec<&str> = other.iter().map(|(m, _)| m.as_str()).collect();
                return Ok(Err(format!("its body comes only as {}", types.join(", "))));
            }
            return Ok(Ok(None));
        };
        let schema_at = format!("{at}/content/{}/schema", token(media));
        let schema = self.schema(
            media_node.get("schema").unwrap_or(&Value::Bool(true)),
            &schema_at,
        )?;
        let examples = self.examples(media_node, &format!("{at}/content/{}", token(media)))?;
        Ok(Ok(Some(Body {
            required,
            media_types: json.iter().map(|(m, _)| (*m).clone()).collect(),
            schema,
            examples,
        })))
    }

    /// `example` (named `example`) and `examples` (each by name, its `value`).
    fn examples(
        &mut self,
        media: &'d Value,
        at: &str,
    ) -> Result<BTreeMap<String, Value>, ImportError> {
        let mut examples = BTreeMap::new();
        if let Some(example) = media.get("example") {
            examples.insert("example".to_owned(), example.clone());
        }
        for (name, node) in media
            .get("examples")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            let here = format!("{at}/examples/{}", token(name));
            match self.refs.follow(node, &here)? {
                Some(example) if example.get("value").is_some() => {
                    examples.insert(name.clone(), example["value"].clone());
                }
                _ => self.notes.push(format!(
                    "the example {name} (external or in another document) is not carried"
                )),
            }
        }
        Ok(examples)
    }
}

mod answers;
