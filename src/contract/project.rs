//! One operation of the contract as a contract of its own: the view the checker, drift and the
//! proxy's judge take, so every check, case family and report works per operation with the
//! same code the seed's operation has always used. A view shares the compiled schemas.

use std::sync::Arc;

use serde_json::Value;

use super::operation::{Router, Target};
use super::{Contract, Manifest, RequestFixture, RequestSpec};

impl Contract {
    /// The seed's operation and then every other, each as a contract of its own.
    pub fn views(&self) -> impl Iterator<Item = Contract> + '_ {
        std::iter::once(self.view_of_seed())
            .chain((0..self.operations.len()).map(|i| self.project(i)))
    }

    /// Which of [`Contract::views`] a request is for: by method and path, or, for a method the
    /// path lacks, the view of one of the methods it has (so that request is judged too).
    /// `None`: no operation has the path.
    pub fn view_index(&self, method: &str, path: &str) -> Option<usize> {
        let index = |target| match target {
            Target::Seed => 0,
            Target::Other(i) => i + 1,
        };
        match self.route(method, path) {
            super::Route::Found { target, .. } => Some(index(target)),
            super::Route::MethodNotAllowed(allowed) => match self.route(allowed.first()?, path) {
                super::Route::Found { target, .. } => Some(index(target)),
                _ => None,
            },
            super::Route::NotFound => None,
        }
    }

    /// The views `selectors` name (an operationId, or `METHOD /path` with the path template),
    /// in the contract's order; every one when there is no selector. An error names the
    /// selectors that matched nothing.
    pub fn select_views(&self, selectors: &[String]) -> Result<Vec<Contract>, String> {
        if self.operations.is_empty() && selectors.is_empty() {
            return Ok(vec![self.view_of_seed()]);
        }
        let named = |view: &Contract| {
            let label = format!("{} {}", view.method(), view.template);
            selectors.is_empty()
                || selectors
                    .iter()
                    .any(|s| *s == view.manifest.operation_id || s.eq_ignore_ascii_case(&label))
        };
        let views: Vec<Contract> = self.views().filter(|v| named(v)).collect();
        if views.is_empty() {
            return Err(format!(
                "--operation {}: no operation has that operationId or METHOD /path (mfa-contract contract summary lists them)",
                selectors.join(", ")
            ));
        }
        Ok(views)
    }

    /// The seed's operation alone (the other operations left out).
    pub fn view_of_seed(&self) -> Contract {
        let mut manifest = self.manifest.clone();
        manifest.operations = Vec::new();
        let siblings = self.methods_beside(&manifest.method, &manifest.path);
        let mut router = Router::default();
        router.add(&manifest.method, &manifest.path, Target::Seed);
        // Requests go to a path its parameters accept, as every view's do.
        manifest.path.clone_from(&self.sample_path);
        Contract {
            manifest,
            seed_operation: self.seed_operation.clone(),
            operations: Vec::new(),
            router,
            siblings,
            ..self.shared()
        }
    }

    /// The methods other operations of this contract have on `path` (a template).
    fn methods_beside(&self, method: &str, path: &str) -> Vec<String> {
        std::iter::once((&self.manifest.method, &self.manifest.path))
            .chain(
                self.operations
                    .iter()
                    .map(|o| (&o.spec.method, &o.spec.path)),
            )
            .filter(|(m, p)| *p == path && *m != method)
            .map(|(m, _)| m.clone())
            .collect()
    }

    /// Operation `index` of [`Contract::operations`] as a contract of its own.
    pub fn project(&self, index: usize) -> Contract {
        let operation = &self.operations[index];
        let spec = &operation.spec;
        let mut manifest: Manifest = self.manifest.clone();
        manifest.operation_id = spec.operation_id.clone();
        manifest.description = spec.description.clone().unwrap_or_default();
        manifest.method = spec.method.clone();
        let (path, query, headers) = operation.sample_parameters();
        manifest.path = path;
        manifest.responses = spec.responses.clone();
        manifest.rules = spec.rules.clone();
        manifest.chaos = spec.chaos.clone();
        manifest.operations = Vec::new();
        if let Some(policy) = &operation.gap_policy {
            manifest.gap_policy = policy.clone();
        }
        let (credentials, auth, scheme) =
            super::security::credentials(spec.security.as_deref(), &self.manifest.auth, &|_| false);
        manifest.auth = auth;
        let body = spec.request.as_ref();
        if let Some(body) = body {
            manifest.request = RequestSpec {
                content_type: body.content_type.clone(),
                schema: Some(body.schema.clone()),
                selects: String::new(),
                max_body_bytes: self.manifest.request.max_body_bytes,
            };
        }
        let request_schema = (manifest.request.schema.as_ref()).and_then(|f| self.schemas.get(f));
        // A body selects; an operation without one selects nothing.
        let selects = request_schema
            .filter(|_| body.is_some())
            .and_then(|s| first_enum_property(&self.resolve_properties(&s.document)))
            .unwrap_or_default();
        manifest.request.selects = selects.clone();
        let valid_requests = request_schema
            .map(|s| {
                s.examples()
                    .iter()
                    .enumerate()
                    .map(|(i, body)| RequestFixture {
                        name: format!("example-{i}"),
                        body: body.clone(),
                    })
                    .collect()
            })
            .unwrap_or_default();
        let mut router = Router::default();
        router.add(&spec.method, &spec.path, Target::Seed);
        Contract {
            siblings: self.methods_beside(&spec.method, &spec.path),
            template: spec.path.clone(),
            sample_path: manifest.path.clone(),
            response_headers: Arc::clone(&operation.response_headers),
            parameters: std::sync::Arc::clone(&operation.parameters),
            selects: jsonptr::PointerBuf::parse(&selects).unwrap_or_default(),
            manifest,
            default_examples: operation.default_examples.clone(),
            examples: operation.examples.clone(),
            valid_requests,
            invalid_requests: Vec::new(),
            query,
            headers,
            takes_body: body.is_some(),
            body_required: body.is_some_and(|b| b.required),
            credentials,
            security: spec.security.clone(),
            scheme,
            operations: Vec::new(),
            router,
            ..self.shared()
        }
    }

    /// What every view shares with the whole contract.
    fn shared(&self) -> Contract {
        Contract {
            origin: self.origin.clone(),
            identity: self.identity.clone(),
            manifest: self.manifest.clone(),
            schemas: Arc::clone(&self.schemas),
            no_body: Arc::clone(&self.no_body),
            default_examples: self.default_examples.clone(),
            examples: self.examples.clone(),
            valid_requests: self.valid_requests.clone(),
            invalid_requests: self.invalid_requests.clone(),
            users: self.users.clone(),
            selects: self.selects.clone(),
            query: self.query.clone(),
            headers: self.headers.clone(),
            siblings: self.siblings.clone(),
            template: self.template.clone(),
            sample_path: self.sample_path.clone(),
            seed_operation: None,
            response_headers: Arc::clone(&self.response_headers),
            parameters: std::sync::Arc::clone(&self.parameters),
            takes_body: self.takes_body,
            body_required: self.body_required,
            credentials: self.credentials,
            security: self.security.clone(),
            scheme: self.scheme.clone(),
            seed_id: self.seed_id.clone(),
            operations: Vec::new(),
            router: Router::default(),
        }
    }

    /// Whether this is the seed's operation (the whole contract is its view too).
    pub fn is_seed_view(&self) -> bool {
        self.manifest.operation_id == self.seed_id.as_str()
    }

    /// `schema` as case generation reads it: a root `$ref` followed, an `allOf`'s parts merged
    /// (properties and required), and each top-level property's `$ref` replaced by what it
    /// points at, so its type and enum show.
    pub fn resolve_properties(&self, schema: &Value) -> Value {
        let (root, home) = self.follow(schema, schema);
        if root.get("allOf").is_none() && root.get("type").is_some_and(|t| t != "object") {
            return root.clone();
        }
        let mut properties = serde_json::Map::new();
        let mut required: Vec<Value> = Vec::new();
        let mut gather = |part: &Value, home: &Value| {
            for (name, sub) in part
                .get("properties")
                .and_then(Value::as_object)
                .into_iter()
                .flatten()
            {
                properties.insert(name.clone(), self.follow(sub, home).0.clone());
            }
            for name in part
                .get("required")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                if !required.contains(name) {
                    required.push(name.clone());
                }
            }
        };
        for part in root
            .get("allOf")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let (part, part_home) = self.follow(part, home);
            gather(part, part_home);
        }
        gather(root, home);
        let mut resolved = root.clone();
        if let Some(object) = resolved.as_object_mut() {
            object.remove("$ref");
            object.remove("allOf");
            object.insert("type".into(), Value::String("object".into()));
            object.insert("properties".into(), Value::Object(properties));
            object.insert("required".into(), Value::Array(required));
        }
        resolved
    }

    /// `value`, or what its `$ref` chain points at, with the document that holds it (for the
    /// `#/...` references inside).
    fn follow<'a>(&'a self, mut value: &'a Value, mut home: &'a Value) -> (&'a Value, &'a Value) {
        for _ in 0..8 {
            let Some(target) = value.get("$ref").and_then(Value::as_str) else {
                break;
            };
            let (file, pointer) = target.split_once('#').unwrap_or((target, ""));
            if !file.is_empty() {
                match self.schemas.get(file.rsplit('/').next().unwrap_or(file)) {
                    Some(other) => home = &other.document,
                    None => break,
                }
            }
            match super::rules::resolve(home, pointer) {
                Some(found) => value = found,
                None => break,
            }
        }
        (value, home)
    }

    /// Whether requests carry a body (an operation without one is sent none).
    pub fn takes_body(&self) -> bool {
        self.takes_body
    }

    /// The query string every request carries (the required query parameters), if any.
    pub fn query(&self) -> Option<&str> {
        self.query.as_deref()
    }

    /// The operation's path template (`/pets/{petId}`) and its parameters, compiled.
    pub fn parameters(&self) -> (&str, &[super::Parameter]) {
        (&self.template, &self.parameters)
    }

    /// The methods other operations have on this operation's path: not "another method".
    pub fn sibling_methods(&self) -> &[String] {
        &self.siblings
    }

    /// Headers every request carries (the required header parameters).
    pub fn parameter_headers(&self) -> &[(String, String)] {
        &self.headers
    }

    /// Whether a request without a body is refused.
    pub fn body_required(&self) -> bool {
        self.body_required
    }
}

/// `/name` of the first top-level property with an `enum` (a `$ref`'s target not followed).
fn first_enum_property(schema: &Value) -> Option<String> {
    let properties = schema.get("properties")?.as_object()?;
    let required: Vec<&str> = super::required_names(schema).collect();
    let mut names: Vec<(&String, &Value)> = properties.iter().collect();
    // A required property first: it is in every valid body.
    names.sort_by_key(|(name, _)| !required.contains(&name.as_str()));
    names
        .into_iter()
        .find(|(_, sub)| sub.get("enum").is_some())
        .map(|(name, _)| format!("/{}", name.replace('~', "~0").replace('/', "~1")))
}
