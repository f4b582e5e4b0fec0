//! The contract's operations beyond the seed's, compiled: path templates, typed parameters,
//! examples by status, and the router that finds an operation for a method and a path with a
//! cost that does not grow with the number of literal paths.

use std::collections::{BTreeMap, HashMap};

use serde_json::{Map, Value};

use super::{Example, OperationSpec, ParameterLocation, ParameterSpec, Schema};

/// One operation, ready to serve.
#[derive(Debug)]
pub struct Operation {
    pub spec: OperationSpec,
    pub parameters: Vec<Parameter>,
    pub examples: Vec<Example>,
    /// Documented status -> the name of its default example.
    pub(crate) default_examples: BTreeMap<u16, String>,
}

#[derive(Debug)]
pub struct Parameter {
    pub spec: ParameterSpec,
    pub schema: Schema,
}

impl Operation {
    pub fn id(&self) -> &str {
        &self.spec.operation_id
    }

    /// `GET /mfa/status`.
    pub fn label(&self) -> String {
        format!("{} {}", self.spec.method, self.spec.path)
    }

    pub fn documented_statuses(&self) -> impl Iterator<Item = u16> + '_ {
        self.default_examples.keys().copied()
    }

    pub fn example(&self, name: &str) -> Option<&Example> {
        self.examples.iter().find(|e| e.name == name)
    }

    pub fn default_example(&self, status: u16) -> Option<&Example> {
        self.example(self.default_examples.get(&status)?)
    }

    /// The operation's first documented success, what it answers when no rule applies.
    pub fn success_status(&self) -> Option<u16> {
        self.documented_statuses()
            .find(|s| (200..300).contains(s))
            .or_else(|| self.documented_statuses().next())
    }
}

impl Parameter {
    /// The parameter's text as its schema types it: `"3"` is 3 for an integer, `"true"` true
    /// for a boolean, `"a,b"` a list for an array; text that does not parse stays text, for the
    /// schema to refuse.
    pub fn typed(&self, text: &str) -> Value {
        let kind = self.schema.document.get("type").and_then(Value::as_str);
        match kind {
            Some("integer") => text.parse::<i64>().map(Value::from).ok(),
            Some("number") => text
                .parse::<f64>()
                .ok()
                .and_then(|n| serde_json::Number::from_f64(n).map(Value::Number)),
            Some("boolean") => text.parse::<bool>().map(Value::Bool).ok(),
            Some("array") => Some(Value::Array(
                text.split(',')
                    .map(|s| Value::String(s.to_owned()))
                    .collect(),
            )),
            _ => None,
        }
        .unwrap_or_else(|| Value::String(text.to_owned()))
    }

    pub fn location(&self) -> ParameterLocation {
        self.spec.location
    }
}

/// One segment of a path template.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment {
    Literal(String),
    Param(String),
}

/// What a route leads to: the seed's operation or one of the others, by index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    Seed,
    Other(usize),
}

/// What the router found for a method and a path.
#[derive(Debug, PartialEq)]
pub enum Route {
    Found {
        target: Target,
        /// Path parameters by name, as text.
        path: Map<String, Value>,
    },
    /// The path exists, not with this method; the methods it has.
    MethodNotAllowed(Vec<String>),
    NotFound,
}

/// Every operation's method and path template. Templates without parameters sit in a map by
/// path; the others are tried in order, a literal segment beating a parameter.
#[derive(Debug, Default)]
pub struct Router {
    literal: HashMap<String, Vec<(String, Target)>>,
    templated: Vec<(Vec<Segment>, String, Target)>,
}

impl Router {
    pub fn add(&mut self, method: &str, template: &str, target: Target) {
        let segments = segments(template);
        if segments.iter().all(|s| matches!(s, Segment::Literal(_))) {
            self.literal
                .entry(template.to_owned())
                .or_default()
                .push((method.to_owned(), target));
        } else {
            self.templated.push((segments, method.to_owned(), target));
            // More literal segments first: `/pets/mine` before `/pets/{id}`.
            self.templated.sort_by_key(|(s, _, _)| {
                s.iter().filter(|s| matches!(s, Segment::Param(_))).count()
            });
        }
    }

    pub fn route(&self, method: &str, path: &str) -> Route {
        let mut allowed = Vec::new();
        if let Some(entries) = self.literal.get(path) {
            if let Some((_, target)) = entries.iter().find(|(m, _)| m == method) {
                return Route::Found {
                    target: *target,
                    path: Map::new(),
                };
            }
            allowed.extend(entries.iter().map(|(m, _)| m.clone()));
        }
        for (segments, template_method, target) in &self.templated {
            let Some(params) = matches(segments, path) else {
                continue;
            };
            if template_method == method && allowed.is_empty() {
                return Route::Found {
                    target: *target,
                    path: params,
                };
            }
            if !allowed.contains(template_method) {
                allowed.push(template_method.clone());
            }
        }
        if allowed.is_empty() {
            Route::NotFound
        } else {
            Route::MethodNotAllowed(allowed)
        }
    }
}

fn segments(template: &str) -> Vec<Segment> {
    template
        .split('/')
        .skip(1)
        .map(
            |s| match s.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                Some(name) => Segment::Param(name.to_owned()),
                None => Segment::Literal(s.to_owned()),
            },
        )
        .collect()
}

/// The path parameters when `path` fits the template (percent-decoded), else `None`.
fn matches(template: &[Segment], path: &str) -> Option<Map<String, Value>> {
    let parts: Vec<&str> = path.split('/').skip(1).collect();
    if parts.len() != template.len() {
        return None;
    }
    let mut params = Map::new();
    for (segment, part) in template.iter().zip(parts) {
        match segment {
            Segment::Literal(literal) if literal == part => {}
            Segment::Literal(_) => return None,
            Segment::Param(_) if part.is_empty() => return None,
            Segment::Param(name) => {
                let decoded = percent_encoding::percent_decode_str(part).decode_utf8_lossy();
                params.insert(name.clone(), Value::String(decoded.into_owned()));
            }
        }
    }
    Some(params)
}

/// The names of the parameters in a path template, in order.
pub fn template_params(template: &str) -> Vec<String> {
    segments(template)
        .into_iter()
        .filter_map(|s| match s {
            Segment::Param(name) => Some(name),
            Segment::Literal(_) => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn router() -> Router {
        let mut router = Router::default();
        router.add("POST", "/mfa/primary", Target::Seed);
        router.add("GET", "/pets/{id}", Target::Other(0));
        router.add("GET", "/pets/mine", Target::Other(1));
        router.add("DELETE", "/pets/{id}", Target::Other(2));
        router
    }

    #[test]
    fn a_literal_segment_beats_a_parameter_and_parameters_are_decoded() {
        let router = router();
        assert_eq!(
            router.route("GET", "/pets/mine"),
            Route::Found {
                target: Target::Other(1),
                path: Map::new()
            }
        );
        let Route::Found { target, path } = router.route("GET", "/pets/a%20b") else {
            panic!("routed");
        };
        assert_eq!(target, Target::Other(0));
        assert_eq!(path["id"], "a b");
    }

    #[test]
    fn a_known_path_with_another_method_lists_the_methods_it_has() {
        let router = router();
        assert_eq!(
            router.route("GET", "/mfa/primary"),
            Route::MethodNotAllowed(vec!["POST".into()])
        );
        assert_eq!(
            router.route("PUT", "/pets/7"),
            Route::MethodNotAllowed(vec!["GET".into(), "DELETE".into()])
        );
        assert_eq!(router.route("GET", "/pets"), Route::NotFound);
        assert_eq!(router.route("GET", "/pets//"), Route::NotFound);
    }
}
