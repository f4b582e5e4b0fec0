//! Any OpenAPI document as the contract: `contract import` writes it as a contract folder,
//! `--contract FILE` loads it in memory, and the mock serves it and the checker checks it like
//! the built-in one. The documents are our own (tests/data/openapi/pets.yaml, and a 3.1 one
//! here), written to exercise parameters, `$ref` chains, both security kinds and both example
//! forms.

use serde_json::{Value, json};

use crate::support::{
    Process, assert_only_operation_fails, check_report, mfa_contract, stderr, stdout,
};

const PETS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/openapi/pets.yaml");

const NOTES_3_1: &str = r##"{
  "openapi": "3.1.0",
  "info": {"title": "Notes", "version": "0.1.0"},
  "security": [{"key": []}],
  "paths": {
    "/notes": {
      "post": {
        "operationId": "addNote",
        "requestBody": {"required": true, "content": {"application/json": {
          "schema": {"$ref": "#/components/schemas/Note"},
          "example": {"text": "hello", "tags": ["a"]}}}},
        "responses": {"201": {"description": "Added", "content": {"application/json": {
          "schema": {"$ref": "#/components/schemas/Stored"},
          "examples": {"one": {"value": {"id": "n1", "text": "hello", "tags": ["a"]}}}}}}}
      }
    }
  },
  "components": {
    "securitySchemes": {"key": {"type": "apiKey", "in": "header", "name": "X-Key"}},
    "schemas": {
      "Note": {"type": "object", "required": ["text"], "properties": {
        "text": {"type": "string"}, "tags": {"type": ["array", "null"], "items": {"type": "string"}}}},
      "Stored": {"allOf": [{"$ref": "#/components/schemas/Note"}, {"type": "object", "required": ["id"], "properties": {"id": {"type": "string"}}}]}
    }
  }
}"##;

#[test]
fn import_writes_a_contract_that_validates_and_lists_what_it_could_not_carry() {
    let dir = tempfile::tempdir().expect("temp dir");
    let target = dir.path().join("pets");
    let target_text = target.to_str().expect("utf-8");
    let output = mfa_contract(&["contract", "import", PETS, target_text]);
    let text = stdout(&output);
    assert_eq!(output.status.code(), Some(0), "{text}{}", stderr(&output));
    assert!(text.starts_with("imported 5 operations from "), "{text}");
    for note in [
        "listPets: the cookie parameter session is not carried",
        "listPets: a response body as application/xml is not carried",
        "getPet: links are not carried",
    ] {
        assert!(text.contains(note), "{note}: {text}");
    }
    let valid = mfa_contract(&["contract", "validate", target_text]);
    assert_eq!(valid.status.code(), Some(0), "{}", stderr(&valid));
    assert!(
        stdout(&valid).contains("operations 4 more"),
        "{}",
        stdout(&valid)
    );
    // Nothing a user has is overwritten.
    let again = mfa_contract(&["contract", "import", PETS, target_text]);
    assert_eq!(again.status.code(), Some(2));
    assert!(stderr(&again).contains("not empty"), "{}", stderr(&again));
    // A 3.1 document in JSON, with an API key and examples in both forms.
    let notes = dir.path().join("notes.json");
    std::fs::write(&notes, NOTES_3_1).expect("write");
    let summary = mfa_contract(&[
        "--contract",
        notes.to_str().expect("utf-8"),
        "contract",
        "summary",
    ]);
    assert_eq!(summary.status.code(), Some(0), "{}", stderr(&summary));
    assert!(
        stdout(&summary).starts_with("Notes (version 0.1.0)"),
        "{}",
        stdout(&summary)
    );
}

#[test]
fn a_file_that_is_not_openapi_exits_2_naming_the_file_and_the_place() {
    let dir = tempfile::tempdir().expect("temp dir");
    for (name, text, says) in [
        (
            "broken.yaml",
            "openapi: 3.0.0\npaths: [unclosed\n",
            "broken.yaml:",
        ),
        (
            "swagger.json",
            r#"{"swagger": "2.0", "paths": {}}"#,
            "Swagger",
        ),
        (
            "dangling.yaml",
            "openapi: 3.1.0\ninfo: {title: t, version: '1'}\npaths:\n  /a:\n    post:\n      requestBody: {$ref: '#/components/requestBodies/Nope'}\n      responses: {'200': {description: ok}}\n",
            "#/components/requestBodies/Nope",
        ),
        (
            // No operation answers anything a mock can send: said, not a panic at the first
            // request.
            "bodiless.yaml",
            "openapi: 3.0.0\ninfo: {title: t, version: '1'}\npaths:\n  /pets:\n    post:\n      requestBody: {content: {application/json: {schema: {type: object}}}}\n      responses: {'201': {description: Created}}\n",
            "no operation has an exact status with a JSON answer",
        ),
    ] {
        let path = dir.path().join(name);
        std::fs::write(&path, text).expect("write");
        let output = mfa_contract(&[
            "--contract",
            path.to_str().expect("utf-8"),
            "contract",
            "validate",
        ]);
        assert_eq!(output.status.code(), Some(2), "{name}: {}", stdout(&output));
        let err = stderr(&output);
        assert!(err.contains(name) && err.contains(says), "{name}: {err}");
    }
}

#[tokio::test]
async fn the_mock_of_a_document_routes_types_and_guards_every_operation() {
    let mock = Process::mock(&["--contract", PETS]);
    let client = crate::support::http_client(std::time::Duration::from_secs(10));
    let get = |path: &str, headers: &[(&str, &str)]| {
        let mut request = client.get(format!("{}{path}", mock.url)).bearer_auth("t");
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        request.send()
    };
    let pointer = |body: &Value| body["violations"][0]["pointer"].as_str().map(str::to_owned);
    let answer = get("/pets/abc", &[("X-Request-Id", "abcd")])
        .await
        .expect("sent");
    assert_eq!(answer.status().as_u16(), 400);
    assert_eq!(
        pointer(&answer.json().await.expect("JSON")).as_deref(),
        Some("/path/petId")
    );
    // getPet documents 4XX with a schema that wants `title`: the refusal carries the
    // documented example's fields and the mock's pointers both.
    let problem: Value = get("/pets/abc", &[("X-Request-Id", "abcd")])
        .await
        .expect("sent")
        .json()
        .await
        .expect("JSON");
    assert!(problem["title"].is_string(), "{problem}");
    // myPets's `default` covers any other status: a server error on purpose is its example.
    let failed = get("/pets/mine", &[("Prefer", "code=500")])
        .await
        .expect("sent");
    assert_eq!(failed.status().as_u16(), 500);
    assert_eq!(
        failed.json::<Value>().await.expect("JSON"),
        json!({"title": "Something went wrong"})
    );
    let answer = get("/pets?limit=0", &[]).await.expect("sent");
    assert_eq!(answer.status().as_u16(), 400, "below the minimum");
    assert_eq!(
        pointer(&answer.json().await.expect("JSON")).as_deref(),
        Some("/query/limit")
    );
    let answer = get("/pets/7", &[]).await.expect("sent");
    assert_eq!(
        pointer(&answer.json().await.expect("JSON")).as_deref(),
        Some("/header/X-Request-Id")
    );
    let answer = get("/pets/7", &[("X-Request-Id", "abcd")])
        .await
        .expect("sent");
    assert_eq!(answer.status().as_u16(), 200);
    let pet: Value = answer.json().await.expect("JSON");
    assert!(pet["id"].is_i64() && pet["species"].is_string(), "{pet}");
    // A literal segment beats a parameter.
    let mine = get("/pets/mine", &[]).await.expect("sent");
    assert_eq!(
        (
            mine.status().as_u16(),
            mine.json::<Value>().await.expect("JSON")
        ),
        (200, json!([]))
    );
    let put = client
        .put(format!("{}/pets/7", mock.url))
        .bearer_auth("t")
        .send()
        .await
        .expect("sent");
    assert_eq!(put.status().as_u16(), 405);
    assert_eq!(put.headers()["allow"], "GET, DELETE");
    // DELETE takes the API key, not a bearer token.
    let delete = client.delete(format!("{}/pets/7", mock.url));
    let without = delete
        .try_clone()
        .expect("clone")
        .bearer_auth("t")
        .send()
        .await
        .expect("sent");
    assert_eq!(without.status().as_u16(), 401);
    // Said in the document's terms: the built-in wording asks for a bearer token.
    let refusal: Value = without.json().await.expect("JSON");
    assert_eq!(
        refusal["error"],
        "Unauthorized: send the credential this operation's security asks for"
    );
    assert!(
        refusal["detail"]
            .as_str()
            .is_some_and(|d| d.contains("X-Api-Key")),
        "{refusal}"
    );
    let with = delete.header("X-Api-Key", "k").send().await.expect("sent");
    assert_eq!(
        (
            with.status().as_u16(),
            with.json::<Value>().await.expect("JSON")
        ),
        (200, json!({"deleted": true}))
    );
}

/// `check --format json` against `url` with the pets contract.
fn check(url: &str, contract: &str) -> (Value, Option<i32>) {
    check_report(
        contract,
        url,
        &["--token", "t", "--seed", "2", "--cases", "10"],
    )
}

#[test]
fn check_finds_nothing_in_its_mock_and_names_the_operation_a_backend_breaks() {
    let mock = Process::mock(&["--contract", PETS]);
    let (report, code) = check(&mock.url, PETS);
    assert_eq!(code, Some(0), "{:#}", report["failures"]);
    let operations = report["operations"].as_array().expect("operations");
    assert_eq!(operations.len(), 5);
    // Each parameter broken alone, refused as the gap policy says.
    let get_pet = operations
        .iter()
        .find(|o| o["operation"] == "getPet")
        .expect("getPet");
    assert_eq!(get_pet["statuses"]["400"], 3, "{get_pet}");
    // By the method and the path template, as the document writes it.
    let plan = mfa_contract(&[
        "--contract",
        PETS,
        "check",
        "--target",
        &mock.url,
        "--dry-run",
        "--operation",
        "GET /pets/{petId}",
    ]);
    let plan = stdout(&plan);
    for (class, sent) in [
        (
            "negative.parameter.path.petId.refused ",
            "GET /pets/not-a-valid-value ",
        ),
        (
            "negative.parameter.header.X-Request-Id.missing ",
            // The value the document gives as the parameter's example.
            "GET /pets/7 ",
        ),
    ] {
        assert!(
            plan.lines().any(|l| l.contains(class) && l.contains(sent)),
            "{class}: {plan}"
        );
    }
    assert!(
        operations.iter().all(|o| o["requests"].as_u64() > Some(0)),
        "{operations:#?}"
    );
    // A backend whose GET /pets/{petId} answers the id as text: the mock of an edited import.
    let dir = tempfile::tempdir().expect("temp dir");
    let edited = dir.path().join("pets");
    let imported = mfa_contract(&["contract", "import", PETS, edited.to_str().expect("utf-8")]);
    assert_eq!(imported.status.code(), Some(0));
    let schema_file = edited.join("schemas/getPet.200.schema.json");
    let mut schema: Value =
        serde_json::from_str(&std::fs::read_to_string(&schema_file).expect("read")).expect("JSON");
    schema = json!({"$schema": schema["$schema"], "$id": schema["$id"], "type": "object"});
    std::fs::write(&schema_file, schema.to_string()).expect("write");
    let fixtures = edited.join("fixtures/operations/getPet/200");
    for entry in std::fs::read_dir(&fixtures).expect("fixtures") {
        std::fs::write(
            entry.expect("entry").path(),
            r#"{"id": "seven", "name": "Rex", "species": "dog"}"#,
        )
        .expect("write");
    }
    let broken = Process::mock(&["--contract", edited.to_str().expect("utf-8")]);
    let (report, code) = check(&broken.url, PETS);
    assert_eq!(code, Some(1));
    assert_only_operation_fails(&report, "getPet");
    assert!(
        report["failures"].to_string().contains("/id"),
        "{:#}",
        report["failures"]
    );
}

#[test]
fn the_openapi_export_of_every_operation_imports_back_to_the_same_operations() {
    let dir = tempfile::tempdir().expect("temp dir");
    let export = dir.path().join("flashback.json");
    let output = mfa_contract(&["openapi", "--output", export.to_str().expect("utf-8")]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let document: Value =
        serde_json::from_str(&std::fs::read_to_string(&export).expect("read")).expect("JSON");
    let contract = mfa_contract::Contract::embedded().expect("contract");
    let exported: usize = document["paths"]
        .as_object()
        .expect("paths")
        .values()
        .map(|item| item.as_object().expect("item").len())
        .sum();
    assert_eq!(exported, contract.operations().len() + 1);
    let back = mfa_contract::Contract::from_path(&export).expect("the export imports");
    let label = |c: &mfa_contract::Contract| -> Vec<String> {
        std::iter::once(format!("{} {}", c.method(), c.path()))
            .chain(c.operations().iter().map(|o| o.label()))
            .collect()
    };
    assert_eq!(label(&back), label(&contract));
    // The gap policy's statuses were marked in the export and are not documented on import.
    assert!(!back.is_documented(400) && back.is_documented(500));
    // What OpenAPI cannot say (named invalid requests) is all that differs, and breaks nobody.
    let changes = mfa_contract::contract::diff::diff(&contract, &back);
    assert!(
        changes.iter().all(
            |c| c.breaks == mfa_contract::contract::diff::Breaks::Compatible
                && c.pointer.starts_with("fixtures/requests/invalid/")
        ),
        "{changes:#?}"
    );
}

/// Drift against the mock of an imported document finds nothing: fields documented through
/// `$ref`s into the components and `allOf` parts written in place (the imported error shape's)
/// count as documented.
#[test]
fn drift_against_its_mock_finds_no_undocumented_field() {
    let mock = Process::mock(&["--contract", PETS]);
    let output = mfa_contract(&[
        "--contract",
        PETS,
        "drift",
        "--target",
        &mock.url,
        "--token",
        "t",
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let text = stdout(&output);
    assert!(text.contains("Coverage:"), "{text}");
    assert!(!text.contains("is not documented"), "{text}");
}
