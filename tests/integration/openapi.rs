use mfa_contract::contract::{Contract, openapi};
use serde_json::Value;

/// The official OpenAPI 3.1 schema (https://spec.openapis.org/oas/3.1/schema/2022-10-07), as
/// shipped by the openapi-spec-validator package on PyPI; kept in the repo so the test runs offline.
const OPENAPI_31_SCHEMA: &str = include_str!("../data/openapi-3.1-schema-2022-10-07.json");

fn export() -> Value {
    openapi::document(&Contract::embedded().expect("contract loads"))
}

#[test]
fn the_openapi_export_validates_against_the_openapi_3_1_schema() {
    let schema: Value = serde_json::from_str(OPENAPI_31_SCHEMA).expect("schema is JSON");
    let validator = jsonschema::validator_for(&schema).expect("the OpenAPI schema compiles");
    let document = export();
    let errors: Vec<String> = validator
        .iter_errors(&document)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");

    // The validator must be able to say no, or the check above proves nothing.
    let mut broken = document.clone();
    broken["paths"]["/mfa/primary"]["post"]["responses"]["200"]
        .as_object_mut()
        .expect("response object")
        .remove("description");
    assert!(!validator.is_valid(&broken));
}

#[test]
fn the_openapi_export_marks_documentation_gaps_and_keeps_documented_responses_plain() {
    let document = export();
    let responses = &document["paths"]["/mfa/primary"]["post"]["responses"];
    for status in ["200", "500"] {
        assert!(
            responses[status].get("x-documentation-gap").is_none(),
            "{status}"
        );
    }
    for status in ["400", "401", "413", "415", "422"] {
        assert_eq!(responses[status]["x-documentation-gap"], true, "{status}");
    }
    assert_eq!(
        document["components"]["securitySchemes"]["bearerAuth"]["scheme"],
        "bearer"
    );
    assert!(document["x-mfa-contract-gap-policy"]["rejections"]["not_found"].is_object());
    // Refs between files point into components, so the document stands alone.
    let text = document.to_string();
    assert!(
        !text.contains(".schema.json"),
        "a file reference was left in the export"
    );
}

#[test]
fn the_openapi_export_matches_its_snapshot() {
    let text = serde_json::to_string_pretty(&export()).expect("serialize");
    insta::assert_snapshot!("openapi", text);
}
