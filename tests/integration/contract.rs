use mfa_contract::contract::{Contract, ContractError};
use serde_json::json;

use crate::support::ContractCopy;

fn embedded() -> Contract {
    Contract::embedded().expect("the built-in contract loads")
}

fn load_err(copy: &ContractCopy) -> ContractError {
    Contract::from_dir(copy.path()).expect_err("the corrupted copy must not load")
}

#[test]
fn every_documented_example_validates_against_its_schema() {
    let contract = embedded();
    let mut checked = 0;
    for schema in contract.schemas() {
        for example in schema.examples() {
            assert!(schema.is_valid(example), "{}: {example}", schema.file);
            checked += 1;
        }
    }
    for example in contract.examples() {
        let schema = contract.schema_for_status(example.status);
        assert!(
            schema.is_valid(&example.body),
            "{}: {}",
            example.name,
            example.body
        );
        checked += 1;
    }
    assert!(checked >= 8, "only {checked} examples found");
    assert_eq!(
        contract.default_example(200).map(|e| e.body.clone()),
        Some(json!({"success": true, "message": "Primary MFA method updated"}))
    );
    assert_eq!(
        contract.default_example(500).map(|e| e.body.clone()),
        Some(json!({"success": false, "error": "Failed to set primary MFA"}))
    );
}

#[test]
fn every_valid_fixture_validates_and_every_invalid_fixture_does_not() {
    let contract = embedded();
    let request = contract.request_schema();
    assert!(contract.valid_requests().len() >= 3);
    assert!(contract.invalid_requests().len() >= 5);
    for fixture in contract.valid_requests() {
        assert!(request.is_valid(&fixture.body), "valid/{}", fixture.name);
    }
    for fixture in contract.invalid_requests() {
        assert!(
            !request.violations(&fixture.body).is_empty(),
            "invalid/{}",
            fixture.name
        );
    }
}

#[test]
fn the_schemas_say_what_the_documentation_says() {
    let contract = embedded();
    let methods = contract.selectable();
    assert_eq!(
        methods,
        vec![
            (
                "GOOGLE_AUTH".to_owned(),
                Some("Google Authenticator TOTP".to_owned())
            ),
            (
                "MAGIC_LINK".to_owned(),
                Some("Magic link email verification".to_owned())
            ),
            (
                "PASSKEY".to_owned(),
                Some("WebAuthn passkey authentication".to_owned())
            ),
        ]
    );
    let request = contract.request_schema();
    assert!(!request.is_valid(&json!({})), "mfaType is required");
    assert!(
        request.is_valid(&json!({"mfaType": "PASSKEY", "extra": true})),
        "extra properties are allowed"
    );
    for status in [200, 500] {
        let schema = contract.schema_for_status(status);
        assert!(
            schema.is_valid(&json!({})),
            "{status}: no field is required"
        );
        assert!(
            schema.is_valid(&json!({"success": true, "traceId": "x"})),
            "{status}: extra fields allowed"
        );
        assert!(
            !schema.is_valid(&json!({"success": "yes"})),
            "{status}: success is a boolean"
        );
    }
    assert_eq!(
        contract.documented_statuses().collect::<Vec<_>>(),
        vec![200, 500]
    );
    assert_eq!(contract.method(), "POST");
    assert_eq!(contract.path(), "/mfa/primary");
    assert_eq!(contract.auth().scheme, "Bearer");
}

#[test]
fn an_edited_copy_changes_what_the_contract_says() {
    let copy = ContractCopy::new();
    copy.write_json(
        "fixtures/responses/200/updated.json",
        &json!({"success": true, "message": "Done"}),
    );
    let contract = Contract::from_dir(copy.path()).expect("edited copy loads");
    assert_eq!(
        contract.default_example(200).expect("200").body["message"],
        "Done"
    );
}

#[test]
fn every_contract_file_with_broken_json_is_named_with_line_and_column() {
    let probe = ContractCopy::new();
    let files = probe.files();
    assert!(files.len() >= 15, "{files:?}");
    for rel in files {
        let copy = ContractCopy::new();
        copy.write(&rel, "{\n  ,\n}");
        match load_err(&copy) {
            ContractError::Json {
                file, line, column, ..
            } => {
                assert!(file.ends_with(&rel), "{rel}: error names {file}");
                assert_eq!((line, column), (2, 3), "{rel}");
            }
            other => panic!("{rel}: expected a JSON error, got {other}"),
        }
    }
}

#[test]
fn a_schema_that_is_not_json_schema_is_named_with_a_pointer() {
    for rel in [
        "schemas/request.schema.json",
        "schemas/response-200.schema.json",
        "schemas/response-500.schema.json",
        "schemas/error.schema.json",
        "schemas/users.schema.json",
    ] {
        let copy = ContractCopy::new();
        let mut schema = copy.read_json(rel);
        schema["type"] = json!(12);
        copy.write_json(rel, &schema);
        match load_err(&copy) {
            ContractError::InvalidSchema { file, pointer, .. } => {
                assert!(file.ends_with(rel), "{rel}: names {file}");
                assert_eq!(pointer, "/type", "{rel}");
            }
            other => panic!("{rel}: expected an invalid-schema error, got {other}"),
        }
    }
}

#[test]
fn a_ref_that_does_not_resolve_is_an_invalid_schema() {
    let copy = ContractCopy::new();
    let rel = "schemas/error.schema.json";
    let mut schema = copy.read_json(rel);
    schema["allOf"][0]["$ref"] = json!("missing.schema.json");
    copy.write_json(rel, &schema);
    match load_err(&copy) {
        ContractError::InvalidSchema {
            file,
            pointer,
            message,
        } => {
            assert!(file.ends_with(rel), "{file}");
            assert_eq!(pointer, "/allOf/0/$ref");
            assert!(message.contains("missing.schema.json"), "{message}");
        }
        other => panic!("expected an invalid-schema error, got {other}"),
    }
}

#[test]
fn a_response_fixture_that_breaks_its_schema_is_named_with_the_json_pointer() {
    let copy = ContractCopy::new();
    let rel = "fixtures/responses/200/updated.json";
    copy.write_json(rel, &json!({"success": "yes"}));
    match load_err(&copy) {
        ContractError::DoesNotMatch {
            file,
            schema,
            violations,
        } => {
            assert!(file.ends_with(rel), "{file}");
            assert_eq!(schema, "response-200.schema.json");
            assert_eq!(violations[0].instance_path, "/success");
            assert_eq!(violations[0].schema_path, "/properties/success/type");
        }
        other => panic!("expected a mismatch, got {other}"),
    }
}

#[test]
fn a_schema_example_that_breaks_its_schema_is_named_with_the_json_pointer() {
    let copy = ContractCopy::new();
    let rel = "schemas/response-500.schema.json";
    let mut schema = copy.read_json(rel);
    schema["examples"][0]["error"] = json!(42);
    copy.write_json(rel, &schema);
    match load_err(&copy) {
        ContractError::DoesNotMatch {
            file, violations, ..
        } => {
            assert!(file.ends_with(rel), "{file}");
            assert_eq!(violations[0].instance_path, "/examples/0/error");
        }
        other => panic!("expected a mismatch, got {other}"),
    }
}

#[test]
fn a_request_fixture_in_the_wrong_folder_is_named() {
    let copy = ContractCopy::new();
    let invalid = "fixtures/requests/invalid/mfa_type_not_in_enum.json";
    copy.write_json(invalid, &json!({"mfaType": "PASSKEY"}));
    assert!(
        matches!(load_err(&copy), ContractError::UnexpectedlyValid { file, .. } if file.ends_with(invalid))
    );

    let copy = ContractCopy::new();
    let valid = "fixtures/requests/valid/passkey.json";
    copy.write_json(valid, &json!({"mfaType": "passkey"}));
    match load_err(&copy) {
        ContractError::DoesNotMatch {
            file, violations, ..
        } => {
            assert!(file.ends_with(valid));
            assert_eq!(violations[0].instance_path, "/mfaType");
            assert!(
                violations[0]
                    .message
                    .contains("GOOGLE_AUTH, MAGIC_LINK, PASSKEY"),
                "{}",
                violations[0].message
            );
        }
        other => panic!("expected a mismatch, got {other}"),
    }
}

#[test]
fn a_users_file_that_breaks_its_schema_or_itself_is_named_with_the_json_pointer() {
    let copy = ContractCopy::new();
    let rel = "fixtures/users.json";
    let mut users = copy.read_json(rel);
    users["users"][1]["account"]["enabledMethods"] = json!(["SMS"]);
    copy.write_json(rel, &users);
    match load_err(&copy) {
        ContractError::DoesNotMatch {
            file, violations, ..
        } => {
            assert!(file.ends_with(rel));
            assert_eq!(
                violations[0].instance_path,
                "/users/1/account/enabledMethods/0"
            );
        }
        other => panic!("expected a mismatch, got {other}"),
    }

    let copy = ContractCopy::new();
    let mut users = copy.read_json(rel);
    users["users"][1]["account"]["primaryMethod"] = json!("PASSKEY");
    copy.write_json(rel, &users);
    match load_err(&copy) {
        ContractError::Inconsistent {
            file,
            pointer,
            message,
        } => {
            assert!(file.ends_with(rel));
            assert_eq!(pointer, "/users/1/account/primaryMethod");
            assert!(message.contains("one of the enabled methods"), "{message}");
        }
        other => panic!("expected an inconsistency, got {other}"),
    }
}

#[test]
fn a_manifest_with_a_missing_field_or_a_dangling_name_is_named() {
    let copy = ContractCopy::new();
    let rel = "schemas/contract.json";
    let mut manifest = copy.read_json(rel);
    manifest.as_object_mut().expect("object").remove("path");
    copy.write_json(rel, &manifest);
    match load_err(&copy) {
        ContractError::Json {
            file,
            message,
            line,
            ..
        } => {
            assert!(file.ends_with(rel));
            assert!(message.contains("missing field `path`"), "{message}");
            assert!(line > 0);
        }
        other => panic!("expected a JSON shape error, got {other}"),
    }

    let copy = ContractCopy::new();
    let mut manifest = copy.read_json(rel);
    manifest["responses"]["500"]["schema"] = json!("nope.schema.json");
    copy.write_json(rel, &manifest);
    match load_err(&copy) {
        ContractError::Inconsistent { file, pointer, .. } => {
            assert!(file.ends_with(rel));
            assert_eq!(pointer, "/responses/500/schema");
        }
        other => panic!("expected an inconsistency, got {other}"),
    }

    let copy = ContractCopy::new();
    let mut manifest = copy.read_json(rel);
    manifest["gapPolicy"]["rejections"]
        .as_object_mut()
        .expect("object")
        .remove("unauthorized");
    copy.write_json(rel, &manifest);
    assert!(
        matches!(load_err(&copy), ContractError::Inconsistent { pointer, .. } if pointer == "/gapPolicy/rejections/unauthorized")
    );
}

#[test]
fn an_enum_value_without_a_meaning_is_named() {
    let copy = ContractCopy::new();
    let rel = "schemas/request.schema.json";
    let mut schema = copy.read_json(rel);
    schema["properties"]["mfaType"]["enum"]
        .as_array_mut()
        .expect("array")
        .push(json!("SMS"));
    copy.write_json(rel, &schema);
    match load_err(&copy) {
        ContractError::Inconsistent {
            file,
            pointer,
            message,
        } => {
            assert!(file.ends_with(rel));
            assert_eq!(pointer, "/properties/mfaType");
            assert!(message.contains("SMS"), "{message}");
        }
        other => panic!("expected an inconsistency, got {other}"),
    }
}

#[test]
fn a_directory_without_schemas_is_not_a_contract() {
    let dir = tempfile::tempdir().expect("temp dir");
    let error = Contract::from_dir(dir.path()).expect_err("empty dir");
    assert!(error.to_string().contains("no schemas/ folder"), "{error}");
}
