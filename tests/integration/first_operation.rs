//! A document none of whose operations takes a JSON body: the first operation (the seed) has a
//! path and a query parameter and an API key of its own, and is served, checked, exported and
//! imported back like any other (tests/data/openapi/library.yaml, written for this).

use serde_json::{Value, json};

use crate::support::{
    Process, assert_only_operation_fails, check_report, mfa_contract, report_of, stderr, stdout,
};

const LIBRARY: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/data/openapi/library.yaml"
);
const BOOK: &str = "/books/9780131103627";

/// The library document imported into `dir/library`: the folder, and its path as text.
fn imported(dir: &std::path::Path) -> (std::path::PathBuf, String) {
    let edited = dir.join("library");
    let path = edited.to_str().expect("utf-8").to_owned();
    let output = mfa_contract(&["contract", "import", LIBRARY, &path]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    (edited, path)
}

fn check(url: &str, contract: &str) -> (Value, Option<i32>) {
    check_report(
        contract,
        url,
        &["--token", "key", "--seed", "4", "--cases", "8"],
    )
}

#[tokio::test]
async fn a_first_operation_with_parameters_and_no_body_is_served_like_the_others() {
    let summary = stdout(&mfa_contract(&[
        "--contract",
        LIBRARY,
        "contract",
        "summary",
    ]));
    assert!(
        summary.contains("endpoint\n  GET /books/{isbn}\n  credentials: readerKey"),
        "{summary}"
    );
    assert!(summary.contains("request body: none"), "{summary}");
    let mock = Process::mock(&["--contract", LIBRARY]);
    let client = crate::support::http_client(std::time::Duration::from_secs(5));
    let get = |path: &str, key: Option<&str>| {
        let mut request = client.get(format!("{}{path}", mock.url));
        if let Some(key) = key {
            request = request.header("X-Reader-Key", key);
        }
        request.send()
    };
    let book = get(BOOK, Some("k")).await.expect("answer");
    assert_eq!(book.status().as_u16(), 200);
    assert_eq!(book.headers()["x-rate-limit-remaining"], "99");
    assert_eq!(
        book.json::<Value>().await.expect("JSON")["title"],
        "The C Programming Language"
    );
    // A refusal carries its pointer and what the documented 4XX promises.
    let refused = get("/books/123", Some("k")).await.expect("answer");
    assert_eq!(refused.status().as_u16(), 400);
    let body: Value = refused.json().await.expect("JSON");
    assert_eq!(body["violations"][0]["pointer"], "/path/isbn", "{body}");
    assert!(body["reason"].is_string(), "{body}");
    let keyless = get(BOOK, None).await.expect("answer");
    assert_eq!(keyless.status().as_u16(), 401);
    assert!(
        keyless.json::<Value>().await.expect("JSON")["detail"]
            .as_str()
            .is_some_and(|d| d.contains("X-Reader-Key"))
    );
    assert_eq!(
        get("/shelves", None)
            .await
            .expect("answer")
            .json::<Value>()
            .await
            .expect("JSON"),
        json!([{"name": "fiction"}, {"name": "poetry"}])
    );
    let (report, code) = check(&mock.url, LIBRARY);
    assert_eq!(code, Some(0), "{:#}", report["failures"]);
    let seed = &report["operations"][0];
    assert_eq!(seed["operation"], "getBook");
    assert!(seed["statuses"]["200"].as_u64() > Some(0), "{seed:#}");
}

#[test]
fn a_backend_that_breaks_the_first_operation_is_named_and_the_export_comes_back_whole() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (edited, path) = imported(dir.path());
    let path = path.as_str();
    // The OpenAPI export of the import imports back to the same contract.
    let export = dir.path().join("library.json");
    let exported = mfa_contract(&[
        "--contract",
        path,
        "openapi",
        "--output",
        export.to_str().expect("utf-8"),
    ]);
    assert_eq!(exported.status.code(), Some(0), "{}", stderr(&exported));
    let diff = mfa_contract(&["contract", "diff", path, export.to_str().expect("utf-8")]);
    assert_eq!(diff.status.code(), Some(0), "{}", stdout(&diff));
    // A backend whose book title is a number: the mock of an edited import.
    let schema_file = edited.join("schemas/getBook.200.schema.json");
    let mut schema: Value =
        serde_json::from_str(&std::fs::read_to_string(&schema_file).expect("read")).expect("JSON");
    schema["properties"]["title"] = json!({"type": "integer"});
    std::fs::write(&schema_file, schema.to_string()).expect("write");
    let fixture = edited.join("fixtures/responses/200/example.json");
    std::fs::write(&fixture, r#"{"isbn": "9780131103627", "title": 42}"#).expect("write");
    let broken = Process::mock(&["--contract", path]);
    let (report, code) = check(&broken.url, LIBRARY);
    assert_eq!(code, Some(1));
    assert_only_operation_fails(&report, "getBook");
    assert!(report["failures"].to_string().contains("/title"));
}

#[test]
fn a_document_of_one_operation_with_a_path_parameter_is_checked_at_a_path_it_accepts() {
    let dir = tempfile::tempdir().expect("temp dir");
    let document = dir.path().join("one.yaml");
    std::fs::write(
        &document,
        "openapi: 3.0.3\ninfo: {title: One, version: '1'}\npaths:\n  /items/{id}:\n    get:\n      operationId: getItem\n      parameters: [{name: id, in: path, required: true, schema: {type: integer, minimum: 1}, example: 3}]\n      responses:\n        '200': {description: ok, content: {application/json: {schema: {type: object, required: [id], properties: {id: {type: integer}}}, example: {id: 3}}}}\n",
    )
    .expect("write");
    let path = document.to_str().expect("utf-8");
    let output = mfa_contract(&[
        "--contract",
        path,
        "check",
        "--cases",
        "4",
        "--format",
        "json",
    ]);
    let report = report_of(&output);
    assert_eq!(output.status.code(), Some(0), "{:#}", report["failures"]);
    assert!(
        report["target"]
            .as_str()
            .is_some_and(|t| t.ends_with("/items/3")),
        "{}",
        report["target"]
    );
    let answered_200 = &report["coverage"]["items"][0];
    assert_eq!(answered_200["name"], "200");
    assert!(
        answered_200["answers"]["200"].as_u64() > Some(0),
        "{answered_200:#}"
    );
}

#[test]
fn a_backend_whose_response_header_is_missing_or_wrong_fails_on_that_header() {
    // The required header left out, then sent with a value below its minimum.
    for (example, says) in [(None, "required and missing"), (Some(json!(-1)), "minimum")] {
        let dir = tempfile::tempdir().expect("temp dir");
        let (edited, path) = imported(dir.path());
        let path = path.as_str();
        let manifest_file = edited.join("schemas/contract.json");
        let mut manifest: Value =
            serde_json::from_str(&std::fs::read_to_string(&manifest_file).expect("read"))
                .expect("JSON");
        let ok = &mut manifest["responses"]["200"];
        assert_eq!(ok["headers"][0]["name"], "X-Rate-Limit-Remaining");
        match &example {
            None => ok["headers"] = json!([]),
            Some(value) => {
                ok["headers"][0]["example"] = value.clone();
                ok["headers"][0]["schema"] = json!({"type": "integer"});
            }
        }
        std::fs::write(&manifest_file, manifest.to_string()).expect("write");
        let backend = Process::mock(&["--contract", path]);
        let (report, code) = check(&backend.url, LIBRARY);
        assert_eq!(code, Some(1), "{example:?}");
        assert_only_operation_fails(&report, "getBook");
        let failures = report["failures"].to_string();
        assert!(
            failures.contains("/headers/X-Rate-Limit-Remaining") && failures.contains(says),
            "{failures}"
        );
    }
}
