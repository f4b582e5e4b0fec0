//! The OpenAPI reader (`contract::import`) on the MFA area's own document
//! (`tests/data/openapi/flashback-mfa.yaml`): every documented operation carried, with its
//! statuses and credentials, and every documented example valid against its schema.

use std::path::Path;

use mfa_contract::contract::import::{self, Credential, Status};
use serde_json::{Value, json};

fn mfa_area() -> import::Imported {
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/openapi/flashback-mfa.yaml");
    import::read(&file).expect("the MFA area's document imports")
}

#[test]
fn every_operation_of_the_mfa_area_is_carried_with_its_statuses() {
    let area = mfa_area();
    assert!(area.skipped.is_empty(), "{:?}", area.skipped);
    let found: Vec<(String, String, Vec<Status>)> = area
        .operations
        .iter()
        .map(|o| {
            let statuses = o.responses.iter().map(|r| r.status).collect();
            (o.method.clone(), o.path.clone(), statuses)
        })
        .collect();
    let exact = |codes: &[u16]| codes.iter().map(|c| Status::Exact(*c)).collect::<Vec<_>>();
    let expected = [
        ("GET", "/mfa/status", exact(&[200, 500])),
        ("GET", "/mfa/methods", exact(&[200, 500])),
        ("POST", "/mfa/setup", exact(&[200, 400, 500])),
        ("POST", "/mfa/verify-setup", exact(&[200, 400, 500])),
        ("POST", "/mfa/enable", exact(&[200, 500])),
        ("POST", "/mfa/disable", exact(&[200, 403, 500])),
        ("POST", "/mfa/primary", exact(&[200, 500])),
        ("POST", "/mfa/reset", exact(&[200, 403, 404, 500])),
        ("POST", "/mfa/organization/enforce", exact(&[200, 400, 500])),
        ("POST", "/mfa/magic-link/send", exact(&[200, 404, 500])),
        (
            "POST",
            "/mfa/magic-link/activate",
            exact(&[200, 400, 404, 500]),
        ),
        ("POST", "/mfa/passkey/auth-options", exact(&[200, 500])),
        (
            "POST",
            "/mfa/passkey/complete-registration",
            exact(&[200, 400, 500]),
        ),
        (
            "POST",
            "/mfa/passkey/complete-registration-1",
            exact(&[200, 400, 500]),
        ),
    ];
    let expected: Vec<(String, String, Vec<Status>)> = expected
        .into_iter()
        .map(|(m, p, s)| (m.to_owned(), p.to_owned(), s))
        .collect();
    assert_eq!(found, expected);
    let primary = area
        .operations
        .iter()
        .find(|o| o.path == "/mfa/primary")
        .expect("primary");
    assert_eq!(primary.id, "setPrimaryMfaMethod", "the seed's operationId");
    for operation in &area.operations {
        let bearer = [Credential::Bearer {
            scheme: "bearer".into(),
        }];
        let expected: &[Credential] = if operation.path == "/mfa/magic-link/activate" {
            &[]
        } else {
            &bearer
        };
        assert_eq!(operation.security, expected, "{}", operation.path);
        assert!(
            operation.not_carried.is_empty(),
            "{}: {:?}",
            operation.path,
            operation.not_carried
        );
    }
}

#[test]
fn every_documented_example_validates_against_its_schema() {
    let area = mfa_area();
    let validator = |schema: &Value| {
        area.validator(schema)
            .expect("compiles beside the components")
    };
    let mut checked = 0;
    for operation in &area.operations {
        let bodies = operation.body.iter().map(|b| (&b.schema, &b.examples));
        let answers = operation
            .responses
            .iter()
            .filter_map(|r| r.schema.as_ref().map(|s| (s, &r.examples)));
        for (schema, examples) in bodies.chain(answers) {
            let valid = validator(schema);
            for (name, example) in examples {
                assert!(
                    valid.is_valid(example),
                    "{} {name}: {example}",
                    operation.path
                );
                checked += 1;
            }
        }
    }
    assert!(checked >= 30, "{checked} examples checked");
    // The enum travels: a request naming another method is refused by the schema.
    let primary = area
        .operations
        .iter()
        .find(|o| o.path == "/mfa/primary")
        .expect("primary");
    let body = validator(&primary.body.as_ref().expect("a body").schema);
    assert!(body.is_valid(&json!({"mfaType": "PASSKEY"})));
    assert!(!body.is_valid(&json!({"mfaType": "SMS"})));
}
