//! Answers documented without a body (OpenAPI's response without `content`: a 204, a 202):
//! imported, served empty with their headers, checked by their headers alone, exported back.

use serde_json::{Value, json};

use crate::support::{
    Answer, ContractCopy, Process, TestServer, assert_only_operation_fails, check_report,
    mfa_contract, stderr, stdout,
};

const NOTES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/openapi/notes.yaml");

fn check(url: &str, contract: &str) -> (Value, Option<i32>) {
    check_report(contract, url, &["--seed", "3", "--cases", "10"])
}

#[test]
fn an_answer_without_a_body_is_carried_and_summarized() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("notes");
    let output = mfa_contract(&["contract", "import", NOTES, out.to_str().expect("utf-8")]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let said = format!("{}{}", stdout(&output), stderr(&output));
    assert!(!said.contains("no JSON body"), "{said}");
    let manifest: Value = serde_json::from_str(
        &std::fs::read_to_string(out.join("schemas/contract.json")).expect("manifest"),
    )
    .expect("JSON");
    // The document describes no error shape: the mock's refusal body is the mock's own.
    assert_eq!(manifest["gapPolicy"]["errorShape"], "mock");
    let delete = manifest["operations"]
        .as_array()
        .expect("operations")
        .iter()
        .find(|o| o["operationId"] == "deleteNote")
        .expect("deleteNote");
    assert_eq!(delete["responses"]["204"]["description"], "Deleted");
    assert!(
        delete["responses"]["204"].get("schema").is_none(),
        "{delete}"
    );
    let summary = mfa_contract(&["--contract", NOTES, "contract", "summary"]);
    assert!(
        stdout(&summary).contains("204 Deleted (no body), example no-body-204"),
        "{}",
        stdout(&summary)
    );
}

#[tokio::test]
async fn the_mock_answers_it_empty_with_its_documented_header() {
    let mock = Process::mock(&["--contract", NOTES]);
    let client = reqwest::Client::new();
    let deleted = client
        .delete(format!("{}/notes/3", mock.url))
        .send()
        .await
        .expect("sent");
    assert_eq!(deleted.status().as_u16(), 204);
    assert!(deleted.headers().get("content-type").is_none());
    assert_eq!(deleted.headers()["x-deleted-at"], "2026-12-07");
    assert!(deleted.bytes().await.expect("body").is_empty());
    let touched = client
        .put(format!("{}/notes/3", mock.url))
        .send()
        .await
        .expect("sent");
    assert_eq!(touched.status().as_u16(), 202);
    assert!(touched.headers().get("content-type").is_none());
    assert!(touched.bytes().await.expect("body").is_empty());
    // `default` still answers with its JSON when asked for another status.
    let failed = client
        .put(format!("{}/notes/3", mock.url))
        .header("Prefer", "code=500")
        .send()
        .await
        .expect("sent");
    assert_eq!(failed.status().as_u16(), 500);
    let body: Value = failed.json().await.expect("JSON");
    assert!(body["message"].is_string(), "{body}");
}

#[test]
fn check_judges_its_headers_and_nothing_else_of_it() {
    let mock = Process::mock(&["--contract", NOTES]);
    let (report, code) = check(&mock.url, NOTES);
    assert_eq!(code, Some(0), "{:#}", report["failures"]);
    let delete = report["operations"]
        .as_array()
        .expect("operations")
        .iter()
        .find(|o| o["operation"] == "deleteNote")
        .expect("deleteNote")
        .clone();
    assert!(delete["statuses"]["204"].as_u64() > Some(0), "{delete}");
    // A backend whose 204 carries the header too short: the mock of an edited import.
    let dir = tempfile::tempdir().expect("temp dir");
    let edited = dir.path().join("notes");
    let imported = mfa_contract(&["contract", "import", NOTES, edited.to_str().expect("utf-8")]);
    assert_eq!(imported.status.code(), Some(0));
    let manifest_file = edited.join("schemas/contract.json");
    let mut manifest: Value =
        serde_json::from_str(&std::fs::read_to_string(&manifest_file).expect("read"))
            .expect("JSON");
    for operation in manifest["operations"].as_array_mut().expect("operations") {
        if operation["operationId"] == "deleteNote" {
            let header = &mut operation["responses"]["204"]["headers"][0];
            header["schema"] = json!({"type": "string"});
            header["example"] = json!("x");
        }
    }
    std::fs::write(&manifest_file, manifest.to_string()).expect("write");
    let broken = Process::mock(&["--contract", edited.to_str().expect("utf-8")]);
    let (report, code) = check(&broken.url, NOTES);
    assert_eq!(code, Some(1));
    assert_only_operation_fails(&report, "deleteNote");
    assert!(
        report["failures"]
            .to_string()
            .contains("/headers/X-Deleted-At"),
        "{:#}",
        report["failures"]
    );
}

#[test]
fn its_export_imports_back_with_no_difference() {
    let dir = tempfile::tempdir().expect("temp dir");
    let export = dir.path().join("notes.json");
    let output = mfa_contract(&[
        "--contract",
        NOTES,
        "openapi",
        "--output",
        export.to_str().expect("utf-8"),
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let document: Value =
        serde_json::from_str(&std::fs::read_to_string(&export).expect("read")).expect("JSON");
    let deleted = &document["paths"]["/notes/{id}"]["delete"]["responses"]["204"];
    assert!(deleted.get("content").is_none(), "{deleted}");
    assert_eq!(deleted["headers"]["X-Deleted-At"]["required"], true);
    let diff = mfa_contract(&["contract", "diff", NOTES, export.to_str().expect("utf-8")]);
    assert_eq!(diff.status.code(), Some(0), "{}", stdout(&diff));
    assert!(stdout(&diff).contains("0 changes"), "{}", stdout(&diff));
}

#[test]
fn a_schema_without_its_fixture_or_the_reverse_is_refused_at_its_pointer() {
    let copy = ContractCopy::new();
    let mut manifest = copy.read_json("schemas/contract.json");
    let fixture = manifest["responses"]["200"]["fixture"].take();
    manifest["responses"]["200"]
        .as_object_mut()
        .expect("response")
        .remove("fixture");
    copy.write_json("schemas/contract.json", &manifest);
    let dir = copy.path().to_str().expect("utf-8");
    let output = mfa_contract(&["contract", "validate", dir]);
    assert_eq!(output.status.code(), Some(2));
    let err = stderr(&output);
    assert!(
        err.contains("/responses/200") && err.contains("needs a fixture"),
        "{err}"
    );
    manifest["responses"]["200"]["fixture"] = fixture;
    manifest["responses"]["200"]
        .as_object_mut()
        .expect("response")
        .remove("schema");
    copy.write_json("schemas/contract.json", &manifest);
    let output = mfa_contract(&["contract", "validate", dir]);
    assert_eq!(output.status.code(), Some(2));
    let err = stderr(&output);
    assert!(
        err.contains("/responses/200") && err.contains("needs its schema"),
        "{err}"
    );
}

/// A target that does not serve the operation (a framework's HTML 404 for every DELETE; other
/// methods refused in the error shape), which documents a 404 without a body: nothing the
/// documentation says is broken, so no failure (that body's type is not judged), but a note says
/// why nothing else was reached.
#[test]
fn every_answer_a_documented_404_without_a_body_is_a_note_not_a_failure() {
    let target = TestServer::start(|req, _| {
        Answer::Now(match req.method().as_str() {
            "DELETE" => actix_web::HttpResponse::NotFound()
                .content_type("text/html")
                .body("<h1>Not Found</h1>"),
            _ => actix_web::HttpResponse::MethodNotAllowed()
                .insert_header(("Allow", "DELETE"))
                .json(json!({"success": false, "error": "Method not allowed"})),
        })
    });
    let (report, code) = check_report(
        NOTES,
        &target.url,
        &["--seed", "3", "--cases", "10", "--operation", "deleteNote"],
    );
    assert_eq!(code, Some(0), "{:#}", report["failures"]);
    assert!(
        report["notes"]
            .to_string()
            .contains("every valid request to DELETE /notes/3 was answered 404"),
        "{:#}",
        report["notes"]
    );
}

/// The notes API as a typical web framework serves it: what the document describes, right; what
/// it leaves open (the bodies of refusals, which it does not describe, and other methods) in the
/// framework's own way: errors as `{"error": {"message": ...}}`, a wrong content type refused in
/// plain text, an unknown method with an HTML 404.
fn framework_backend(put_errors_as_documented: bool) -> TestServer {
    TestServer::start(move |req, body| {
        let error = |status: u16, message: &str| {
            actix_web::HttpResponse::build(
                actix_web::http::StatusCode::from_u16(status).expect("status"),
            )
            .json(json!({"error": {"message": message, "status": status}}))
        };
        let json_body = req
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.to_ascii_lowercase().starts_with("application/json"));
        let note_id = req
            .path()
            .strip_prefix("/notes/")
            .map(|id| id.parse::<u64>().is_ok_and(|id| id >= 1));
        Answer::Now(match (req.method().as_str(), req.path()) {
            // PUT documents its errors (`default`: a `message`); DELETE does not.
            ("PUT", _) if note_id == Some(false) && put_errors_as_documented => {
                actix_web::HttpResponse::BadRequest()
                    .json(json!({"message": "id must be a number"}))
            }
            ("PUT" | "DELETE", _) if note_id == Some(false) => error(400, "id must be a number"),
            ("POST", "/notes") if !json_body => actix_web::HttpResponse::UnsupportedMediaType()
                .content_type("text/plain")
                .body("Unsupported Media Type"),
            ("POST", "/notes") => match serde_json::from_slice::<Value>(body) {
                Ok(note) if note["text"].as_str().is_some_and(|t| !t.is_empty()) => {
                    actix_web::HttpResponse::Created().json(json!({"id": 1}))
                }
                Ok(_) => error(400, "text is required"),
                Err(_) => error(400, "the body is not JSON"),
            },
            ("DELETE", path) if path.starts_with("/notes/") => actix_web::HttpResponse::NoContent()
                .insert_header(("X-Deleted-At", "2026-12-07"))
                .finish(),
            ("PUT", path) if path.starts_with("/notes/") => {
                actix_web::HttpResponse::Accepted().finish()
            }
            (method, path) => actix_web::HttpResponse::NotFound()
                .content_type("text/html; charset=utf-8")
                .body(format!("<pre>Cannot {method} {path}</pre>")),
        })
    })
}

/// What the document describes is judged; the shape of refusals it does not describe is not:
/// the imported contract's error shape is the mock's, so a backend's own error bodies, plain
/// text and HTML are gaps (failures under `--strict-gaps`), never false alarms.
#[test]
fn a_backend_s_own_error_bodies_are_gaps_where_the_document_describes_none() {
    let backend = framework_backend(true);
    let (report, code) = check(&backend.url, NOTES);
    assert_eq!(code, Some(0), "{:#}", report["failures"]);
    let gaps = report["gaps"].to_string();
    assert!(gaps.contains("undocumented_body"), "{gaps}");
    let (strict, code) = check_report(
        NOTES,
        &backend.url,
        &["--seed", "3", "--cases", "10", "--strict-gaps"],
    );
    assert_eq!(code, Some(1), "{:#}", strict["failures"]);
    // Drift against the mock: the mock's error fields are not the document's, so the backend's
    // own error object differs from them cosmetically, not as a documented field.
    let mock = Process::mock(&["--contract", NOTES]);
    let output = mfa_contract(&[
        "--contract",
        NOTES,
        "drift",
        "--target",
        &backend.url,
        "--against",
        &mock.url,
    ]);
    let drift = stdout(&output);
    assert!(drift.contains("/error"), "{drift}");
    assert!(
        !drift.contains("(documented)") && !drift.contains("! /error"),
        "{drift}"
    );
    // An error the document does describe (touchNote's `default` wants a `message`) is judged.
    let backend = framework_backend(false);
    let (report, code) = check(&backend.url, NOTES);
    assert_eq!(code, Some(1), "{:#}", report["failures"]);
    assert_only_operation_fails(&report, "touchNote");
}

/// A pact recorded against the mock of an imported document pins what the document describes:
/// a refusal's status, but not the mock's body or media type for it, which a backend written
/// elsewhere has its own way (here a plain-text 415 and its own error objects).
#[tokio::test]
async fn a_pact_from_an_imported_document_holds_a_backend_to_statuses_not_to_the_mock_s_refusals() {
    let mock = Process::mock(&["--contract", NOTES, "--pact-consumer", "notes-app"]);
    let client = crate::support::http_client(std::time::Duration::from_secs(10));
    for (content_type, body) in [
        ("application/json", r#"{"text":"hello"}"#),
        ("application/json", r#"{"text":""}"#),
        ("text/plain", "hello"),
    ] {
        client
            .post(format!("{}/notes", mock.url))
            .header("Content-Type", content_type)
            .body(body)
            .send()
            .await
            .expect("an answer");
    }
    let text = client
        .get(format!("{}/__admin/requests?format=pact", mock.url))
        .send()
        .await
        .expect("exported")
        .text()
        .await
        .expect("text");
    let pact: Value = serde_json::from_str(&text).expect("JSON");
    let responses: Vec<&Value> = pact["interactions"]
        .as_array()
        .expect("interactions")
        .iter()
        .map(|i| &i["response"])
        .collect();
    assert_eq!(responses.len(), 3, "{pact:#}");
    for response in &responses {
        let documented = response["status"] == 201;
        assert_eq!(response.get("body").is_some(), documented, "{response:#}");
    }
    let Some(pact_cli) = crate::pact::pact_cli("a_pact_from_an_imported_document_holds") else {
        return;
    };
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("notes-app.json");
    std::fs::write(&file, &text).expect("write");
    let backend = framework_backend(true);
    let (passed, log) = crate::pact::verify(&pact_cli, &file, &backend.url, false);
    assert!(passed, "the verifier failed:\n{log}");
    assert!(
        log.contains("a request with Content-Type text/plain"),
        "{log}"
    );
}
