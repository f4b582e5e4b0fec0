//! The contract: `schemas/` and `fixtures/`, loaded once, validators compiled once, every
//! fixture and documented example checked against its schema before anything else runs.
//! The mock, the checker, the drift snapshots and the OpenAPI export all read this and nothing
//! else, so editing the files is enough to change what they serve and expect.

pub mod diff;
mod error;
mod files;
mod gap_policy;
mod identity;
pub mod import;
mod load;
mod manifest;
pub mod openapi;
mod operation;
mod project;
mod responses;
pub mod rules;
mod schema;
mod security;
mod selects;
pub mod status_key;
mod summary;
mod users;

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::Value;

pub use error::ContractError;
pub(crate) use files::strip_position;
pub use files::{ContractFiles, Origin};
pub use identity::Identity;
pub use load::BREAKS_CONTRACT;
pub use manifest::{
    AccountsSpec, Auth, BodySpec, ChaosSpec, ChaosWeights, ErrorShape, FixtureDirs, GapPolicy,
    GapPolicyOverride, Manifest, OperationSpec, ParameterLocation, ParameterSpec, RejectionKind,
    RejectionOverride, RejectionPolicy, RequestSpec, ResponseSpec, Security, Server, StateName,
};
pub use operation::{
    Operation, Parameter, ResponseHeaders, Route, Target, sample_parameters_with, sample_text,
};
pub use schema::{Schema, Violation, json_type, required_names, type_shape, types_of};
pub use security::Credentials;
pub(crate) use selects::selector_schema;
pub use summary::summary;
pub(crate) use users::broken_invariants;
pub use users::{User, Users};

/// A named body from `fixtures/<responses>/<status>/<name>.json`.
#[derive(Debug, Clone)]
pub struct Example {
    pub name: String,
    pub status: u16,
    pub body: Value,
    /// The file it came from, as errors name it.
    pub file: String,
    /// For a body kept although it breaks the contract (`<name>.breaks-contract.json`, e.g. a
    /// recording): why. Served by name, never a default.
    pub breaks: Option<String>,
    /// The answer of a status documented without a body: sent empty, `body` is null.
    pub no_body: bool,
}

impl Example {
    /// What a status documented without a body answers, named `no-body-<key>`.
    pub(crate) fn no_body(key: &str, status: u16, file: String) -> Self {
        Self {
            name: format!("no-body-{}", key.to_ascii_lowercase()),
            status,
            body: Value::Null,
            file,
            breaks: None,
            no_body: true,
        }
    }
}

/// A named request body from the valid or invalid requests folder.
#[derive(Debug, Clone)]
pub struct RequestFixture {
    pub name: String,
    pub body: Value,
}

/// The loaded, checked contract.
#[derive(Debug)]
pub struct Contract {
    /// Whether requests carry a body (false for a view of an operation without one).
    takes_body: bool,
    body_required: bool,
    /// For a view: the query string of its required query parameters.
    query: Option<String>,
    /// For a view: its required header parameters, with sample values.
    headers: Vec<(String, String)>,
    /// For a view: the methods other operations have on its path.
    siblings: Vec<String>,
    /// For a view: its path template and parameters.
    template: String,
    /// The path with a sample value for each path parameter (the template when it has none).
    sample_path: String,
    /// The seed's operation compiled as the others are, when it has parameters, no body or
    /// its own security (the mock then serves it as it serves them).
    seed_operation: Option<std::sync::Arc<Operation>>,
    parameters: std::sync::Arc<Vec<Parameter>>,
    credentials: Credentials,
    /// For a view: its operation's own `security` (absent: the manifest's `auth`).
    security: Option<Vec<Security>>,
    /// The scheme requests present (see [`Contract::preferring`]).
    scheme: Option<Security>,
    /// The seed operation's id, which a view keeps.
    seed_id: String,
    origin: Origin,
    identity: Identity,
    manifest: Manifest,
    /// Every schema file, by its name under `schemas/`.
    schemas: std::sync::Arc<BTreeMap<String, Schema>>,
    /// What a seed operation without a body takes: anything (none is sent).
    no_body: std::sync::Arc<Schema>,
    /// Documented status -> name of its default example.
    default_examples: BTreeMap<u16, String>,
    examples: Vec<Example>,
    valid_requests: Vec<RequestFixture>,
    invalid_requests: Vec<RequestFixture>,
    users: Users,
    /// `request.selects`, parsed once at load.
    selects: jsonptr::PointerBuf,
    /// This operation's documented response headers, by response key.
    response_headers: ResponseHeaders,
    /// The operations beyond the seed's, in manifest order.
    operations: Vec<Operation>,
    router: operation::Router,
}

impl Contract {
    /// The contract compiled into this binary.
    pub fn embedded() -> Result<Self, ContractError> {
        Self::load(&ContractFiles::embedded())
    }

    /// An edited copy: a directory holding `schemas/` and `fixtures/`.
    pub fn from_dir(dir: &Path) -> Result<Self, ContractError> {
        Self::load(&ContractFiles::from_dir(dir)?)
    }

    /// `path`: a contract directory, or an OpenAPI document (YAML or JSON) imported in memory.
    pub fn from_path(path: &Path) -> Result<Self, ContractError> {
        if path.is_dir() {
            return Self::from_dir(path);
        }
        if !path.exists() {
            return Err(ContractError::NoSuchContract {
                path: path.to_path_buf(),
            });
        }
        Self::load(&import::layout_of(path)?.files)
    }

    /// `from_dir` when a directory is given, else the embedded contract.
    pub fn from_optional_dir(dir: Option<&Path>) -> Result<Self, ContractError> {
        match dir {
            Some(dir) => Self::from_dir(dir),
            None => Self::embedded(),
        }
    }

    /// Reads, compiles and cross-checks every file; the first problem found is the error.
    pub fn load(files: &ContractFiles) -> Result<Self, ContractError> {
        load::load(files)
    }

    pub fn origin(&self) -> &Origin {
        &self.origin
    }

    /// Title, version, endpoint and digest of the files: which contract this is.
    pub fn identity(&self) -> &Identity {
        &self.identity
    }

    /// The embedded contract's identity, without compiling its schemas (for `--version`).
    pub fn embedded_identity() -> Result<Identity, ContractError> {
        let files = ContractFiles::embedded();
        let manifest: Manifest = files.parse(load::MANIFEST)?;
        Ok(Identity::new(&files, &manifest))
    }

    pub fn manifest(&self) -> &Manifest {
        &self.manifest
    }

    pub fn method(&self) -> &str {
        &self.manifest.method
    }

    pub fn path(&self) -> &str {
        &self.manifest.path
    }

    pub fn auth(&self) -> &Auth {
        &self.manifest.auth
    }

    pub fn request_spec(&self) -> &RequestSpec {
        &self.manifest.request
    }

    /// The schema of the body the seed's operation takes (for one without a body: anything).
    pub fn request_schema(&self) -> &Schema {
        match &self.manifest.request.schema {
            Some(file) => self.schema(file),
            None => &self.no_body,
        }
    }

    /// The shape of every rejection the documentation does not describe.
    pub fn error_schema(&self) -> &Schema {
        self.schema(&self.manifest.gap_policy.error_schema)
    }

    pub fn users_schema(&self) -> &Schema {
        self.schema(&self.manifest.fixtures.users_schema)
    }

    /// Every schema file, by name.
    pub fn schemas(&self) -> impl Iterator<Item = &Schema> + '_ {
        self.schemas.values()
    }

    pub fn rejection(&self, kind: RejectionKind) -> &RejectionPolicy {
        self.manifest
            .gap_policy
            .rejections
            .get(&kind)
            .expect("load checks that every rejection kind has a policy")
    }

    /// Every status the gap policy lets a target send, with the kinds that allow it.
    pub fn gap_statuses(&self) -> BTreeMap<u16, Vec<RejectionKind>> {
        let mut statuses: BTreeMap<u16, Vec<RejectionKind>> = BTreeMap::new();
        for (kind, policy) in &self.manifest.gap_policy.rejections {
            for status in &policy.accept {
                statuses.entry(*status).or_default().push(*kind);
            }
        }
        statuses
    }

    pub fn examples(&self) -> &[Example] {
        &self.examples
    }

    pub fn example(&self, name: &str) -> Option<&Example> {
        self.examples.iter().find(|e| e.name == name)
    }

    /// The body the manifest names for a documented status.
    pub fn default_example(&self, status: u16) -> Option<&Example> {
        self.example(self.default_examples.get(&status)?)
    }

    pub fn valid_requests(&self) -> &[RequestFixture] {
        &self.valid_requests
    }

    pub fn invalid_requests(&self) -> &[RequestFixture] {
        &self.invalid_requests
    }

    pub fn users(&self) -> &Users {
        &self.users
    }

    /// Reads a users file given on the command line and checks it like the contract's own.
    pub fn load_users(&self, path: &Path) -> Result<Users, ContractError> {
        let file = path.display().to_string();
        let bytes = std::fs::read(path).map_err(|source| ContractError::Read {
            file: file.clone(),
            source,
        })?;
        load::users(
            &file,
            &bytes,
            self.users_schema(),
            &self.manifest.accounts.invariants,
        )
    }

    /// The operations beyond the seed's, in manifest order.
    pub fn operations(&self) -> &[Operation] {
        &self.operations
    }

    /// The seed's operation compiled as the others are, when it has parameters, no body or
    /// its own security; `None` for one with a JSON body alone (the mock's fast path).
    pub fn seed_operation(&self) -> Option<&Operation> {
        self.seed_operation.as_deref()
    }

    /// Which operation a method and a path reach.
    pub fn route(&self, method: &str, path: &str) -> Route {
        self.router.route(method, path)
    }

    /// The seed operation's rules: how it reads and changes the caller's account.
    pub fn rules(&self) -> &[rules::Rule] {
        &self.manifest.rules
    }

    /// The top-level properties a body of `status` may have, with their schemas: its schema's
    /// own and those of the schemas it pulls in with `allOf` + `$ref`. A property the mock alone
    /// sends is marked `x-mock-diagnostic: true` in its schema. None where the documentation
    /// leaves the body open (an undocumented status, the error shape the mock's own).
    pub fn body_properties(&self, status: u16) -> BTreeMap<String, Value> {
        if self.body_left_open(status, false) {
            return BTreeMap::new();
        }
        self.properties_of(self.schema_for_status(status))
    }

    /// The top-level properties `schema` allows, its own and those of the schemas it pulls in
    /// with `allOf` + `$ref`.
    pub fn properties_of(&self, schema: &Schema) -> BTreeMap<String, Value> {
        let mut properties = BTreeMap::new();
        self.gather_properties(&schema.document, &schema.document, 0, &mut properties);
        properties
    }

    /// `node`'s properties, with those of what it refers to (`$ref`, to a file of `schemas/`
    /// or within `root`, its file) and of its `allOf` parts; its own win. Deep chains stop at
    /// a depth no contract needs (a recursive schema would not end).
    fn gather_properties<'a>(
        &'a self,
        node: &'a Value,
        root: &'a Value,
        depth: usize,
        out: &mut BTreeMap<String, Value>,
    ) {
        if depth > 16 {
            return;
        }
        if let Some(reference) = node.get("$ref").and_then(Value::as_str) {
            let (file, pointer) = reference.split_once('#').unwrap_or((reference, ""));
            let target_root = match file {
                "" => Some(root),
                file => self.schemas.get(file).map(|s| &s.document),
            };
            if let Some(target_root) = target_root
                && let Some(target) = target_root.pointer(pointer)
            {
                self.gather_properties(target, target_root, depth + 1, out);
            }
        }
        for part in node
            .get("allOf")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            self.gather_properties(part, root, depth + 1, out);
        }
        if let Some(props) = node.get("properties").and_then(Value::as_object) {
            for (name, sub) in props {
                out.insert(name.clone(), sub.clone());
            }
        }
    }

    /// A schema by its file name under `schemas/`.
    pub fn schema_named(&self, file: &str) -> Option<&Schema> {
        self.schemas.get(file)
    }

    fn schema(&self, file: &str) -> &Schema {
        self.schemas
            .get(file)
            .expect("load checks that every schema the manifest names exists")
    }
}
