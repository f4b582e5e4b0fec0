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
    /// Shared with the operation's view.
    pub parameters: std::sync::Arc<Vec<Parameter>>,
    pub examples: Vec<Example>,
    /// Documented status -> the name of its default example.
    pub(crate) default_examples: BTreeMap<u16, String>,
    /// The manifest's gap policy with this operation's changes, when it has any.
    pub gap_policy: Option<super::GapPolicy>,
    /// Documented response headers by response key, compiled (shared with the view).
    pub response_headers: ResponseHeaders,
}

/// Response key (`200`, `4XX`, `default`) -> its documented headers, compiled.
pub type ResponseHeaders = std::sync::Arc<BTreeMap<String, Vec<Parameter>>>;

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

    /// The path with a sample value for each path parameter, the query string of the required
    /// query parameters, and the required headers: a request the parameters accept.
    pub fn sample_parameters(&self) -> (String, Option<String>, Vec<(String, String)>) {
        sample_parameters(&self.spec.path, &self.parameters)
    }

    /// The headers documented for an answer of `status` (its key's), compiled.
    pub fn documented_headers(&self, status: u16) -> &[Parameter] {
        documented_headers(&self.response_headers, &self.spec.responses, status)
    }

    /// The operation's first documented success, what it answers when no rule applies.
    pub fn success_status(&self) -> Option<u16> {
        first_success(|| self.documented_statuses())
    }
}

/// The headers `headers` documents for `status`, by the response key that documents it; no
/// lookup at all where none are documented (the mock's fast path asks on every request).
pub(crate) fn documented_headers<'h, V>(
    headers: &'h ResponseHeaders,
    responses: &BTreeMap<String, V>,
    status: u16,
) -> &'h [Parameter] {
    if headers.is_empty() {
        return &[];
    }
    super::status_key::documenting(responses, status)
        .and_then(|key| headers.get(key))
        .map_or(&[], Vec::as_slice)
}

/// The first success among `statuses` (ascending), else the first of them.
pub(crate) fn first_success<I: Iterator<Item = u16>>(statuses: impl Fn() -> I) -> Option<u16> {
    statuses()
        .find(|s| (200..300).contains(s))
        .or_else(|| statuses().next())
}

/// A value for `parameter` as text: its example, or one made from its schema.
pub fn sample_text(parameter: &Parameter) -> String {
    let value = parameter
        .spec
        .example
        .clone()
        .unwrap_or_else(|| crate::contract::import::example_value(&parameter.schema.document));
    match &value {
        Value::String(text) => text.clone(),
        Value::Array(items) => items
            .iter()
            .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_owned))
            .collect::<Vec<_>>()
            .join(","),
        other => other.to_string(),
    }
}

/// `template` with `overrides` (name -> text, `None`: left out) and sample values for the rest.
pub fn sample_parameters_with(
    template: &str,
    parameters: &[Parameter],
    overrides: &[(&str, Option<String>)],
) -> (String, Option<String>, Vec<(String, String)>) {
    let mut path = template.to_owned();
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    let mut any_query = false;
    let mut headers = Vec::new();
    for parameter in parameters {
        let name = &parameter.spec.name;
        let text = match overrides.iter().find(|(n, _)| n == name) {
            Some((_, Some(text))) => text.clone(),
            Some((_, None)) => continue,
            None if parameter.spec.required || parameter.location() == ParameterLocation::Path => {
                sample_text(parameter)
            }
            None => continue,
        };
        match parameter.location() {
            ParameterLocation::Path => {
                let encoded: String =
                    url::form_urlencoded::byte_serialize(text.as_bytes()).collect();
                path = path.replace(&format!("{{{name}}}"), &encoded);
            }
            ParameterLocation::Query => {
                query.append_pair(name, &text);
                any_query = true;
            }
            ParameterLocation::Header => headers.push((name.clone(), text)),
        }
    }
    (path, any_query.then(|| query.finish()), headers)
}

fn sample_parameters(
    template: &str,
    parameters: &[Parameter],
) -> (String, Option<String>, Vec<(String, String)>) {
    sample_parameters_with(template, parameters, &[])
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
    /// One entry per template, its methods together.
    templated: Vec<(Vec<Segment>, Methods)>,
}

/// The operations one path has, by method.
type Methods = Vec<(String, Target)>;

impl Router {
    pub fn add(&mut self, method: &str, template: &str, target: Target) {
        let segments = segments(template);
        if segments.iter().all(|s| matches!(s, Segment::Literal(_))) {
            self.literal
                .entry(template.to_owned())
                .or_default()
                .push((method.to_owned(), target));
        } else {
            match self.templated.iter_mut().find(|(s, _)| *s == segments) {
                Some((_, methods)) => methods.push((method.to_owned(), target)),
                None => self
                    .templated
                    .push((segments, vec![(method.to_owned(), target)])),
            }
            // More literal segments first: `/pets/mine` before `/pets/{id}`.
            self.templated
                .sort_by_key(|(s, _)| s.iter().filter(|s| matches!(s, Segment::Param(_))).count());
        }
    }

    /// The most specific path that matches decides: a literal one, else the template with the
    /// most literal segments; its methods are the only ones the path has.
    pub fn route(&self, method: &str, path: &str) -> Route {
        let (entries, params) = match self.literal.get(path) {
            Some(entries) => (entries, Map::new()),
            None => {
                let Some((entries, params)) = self
                    .templated
                    .iter()
                    .find_map(|(segments, entries)| Some((entries, matches(segments, path)?)))
                else {
                    return Route::NotFound;
                };
                (entries, params)
            }
        };
        match entries.iter().find(|(m, _)| m == method) {
            Some((_, target)) => Route::Found {
                target: *target,
                path: params,
            },
            None => Route::MethodNotAllowed(entries.iter().map(|(m, _)| m.clone()).collect()),
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
        let Route::Found { target, .. } = router.route("DELETE", "/pets/7") else {
            panic!("a second method of a template is found");
        };
        assert_eq!(target, Target::Other(2));
        assert_eq!(router.route("GET", "/pets"), Route::NotFound);
        assert_eq!(router.route("GET", "/pets//"), Route::NotFound);
    }
}
