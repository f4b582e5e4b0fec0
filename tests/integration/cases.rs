//! Properties of case generation, with the request validator as the oracle.

use mfa_contract::Contract;
use mfa_contract::internals::cases::{self, Expect, Family, GenOptions};
use proptest::prelude::*;
use serde_json::Value;

fn options(seed: u64) -> GenOptions {
    GenOptions {
        seed,
        generated: 60,
        random_token: true,
        second_token: true,
        max_body_bytes: 65_536,
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn every_planned_json_case_gets_the_verdict_it_claims(seed in any::<u64>()) {
        let contract = Contract::embedded().expect("contract");
        let schema = contract.request_schema();
        let plan = cases::plan(&contract, &options(seed));
        for case in &plan.cases {
            let Ok(value) = serde_json::from_slice::<Value>(&case.request.body) else { continue };
            match (case.family, case.expect) {
                (Family::Positive, _) => prop_assert!(schema.is_valid(&value), "{} {value}", case.class),
                (Family::Negative, Expect::Reject(mfa_contract::contract::RejectionKind::SchemaViolation)) => {
                    prop_assert!(!schema.is_valid(&value), "{} {value}", case.class)
                }
                // Auth, method, content type and size cases carry a valid payload: they break one other thing.
                _ => prop_assert!(schema.is_valid(&value), "{} {value}", case.class),
            }
        }
    }

    #[test]
    fn the_same_seed_plans_the_same_cases(seed in any::<u64>()) {
        let contract = Contract::embedded().expect("contract");
        let a = cases::plan(&contract, &options(seed));
        let b = cases::plan(&contract, &options(seed));
        prop_assert_eq!(&a.cases, &b.cases);
    }
}

#[test]
fn the_finite_valid_space_is_enumerated_exhaustively() {
    let contract = Contract::embedded().expect("contract");
    let plan = cases::plan(&contract, &options(1));
    let enumerated: Vec<&str> = plan
        .cases
        .iter()
        .filter(|c| c.class.starts_with("positive.enum."))
        .map(|c| c.class.as_str())
        .collect();
    assert_eq!(
        enumerated,
        vec![
            "positive.enum.GOOGLE_AUTH",
            "positive.enum.MAGIC_LINK",
            "positive.enum.PASSKEY"
        ]
    );
    assert_eq!(
        (
            plan.coverage.enum_values_covered,
            plan.coverage.enum_values_total
        ),
        (3, 3)
    );
}

#[test]
fn every_negative_class_the_issue_names_is_planned() {
    let contract = Contract::embedded().expect("contract");
    let plan = cases::plan(&contract, &options(1));
    let classes: Vec<&str> = plan.cases.iter().map(|c| c.class.as_str()).collect();
    for expected in [
        "negative.missing_required.mfaType",
        "negative.wrong_type.mfaType.number",
        "negative.wrong_type.mfaType.boolean",
        "negative.wrong_type.mfaType.null",
        "negative.wrong_type.mfaType.array",
        "negative.wrong_type.mfaType.object",
        "negative.not_in_enum.random",
        "negative.not_in_enum.mfaType.case_variant",
        "negative.not_in_enum.mfaType.padded_with_whitespace",
        "negative.not_in_enum.mfaType.empty",
        "negative.not_in_enum.mfaType.very_long",
        "negative.not_in_enum.mfaType.unicode_lookalike",
        "negative.not_in_enum.mfaType.nul",
        "negative.body_not_object.array",
        "negative.body_not_object.string",
        "negative.malformed_json.truncated",
        "negative.malformed_json.trailing_garbage",
        "negative.malformed_json.invalid_utf8",
        "negative.empty_body",
        "negative.wrong_content_type.text_plain",
        "negative.oversize",
        "auth.missing",
        "auth.other_scheme",
        "auth.empty_token",
        "auth.unknown_token",
        "method.GET",
    ] {
        assert!(classes.contains(&expected), "{expected} not planned");
    }
    let oversize = plan
        .cases
        .iter()
        .find(|c| c.class == "negative.oversize")
        .expect("planned");
    assert!(oversize.request.body.len() > 65_536);
    assert!(
        serde_json::from_slice::<Value>(&oversize.request.body).is_ok(),
        "oversize is valid JSON, only too large"
    );
}

#[test]
fn a_contract_with_another_enum_plans_other_cases() {
    let copy = crate::support::ContractCopy::new();
    let rel = "schemas/request.schema.json";
    let mut schema = copy.read_json(rel);
    schema["properties"]["mfaType"]["enum"] = serde_json::json!(["GOOGLE_AUTH", "SMS"]);
    schema["properties"]["mfaType"]["x-enumDescriptions"] =
        serde_json::json!({"GOOGLE_AUTH": "TOTP", "SMS": "Text message"});
    copy.write_json(rel, &schema);
    // Fixtures and users that mention the dropped values must go too.
    for file in [
        "fixtures/requests/valid/magic_link.json",
        "fixtures/requests/valid/passkey.json",
        "fixtures/requests/valid/extra_properties_allowed.json",
        "fixtures/requests/valid/unicode_escape_decodes_to_enum_value.json",
        "fixtures/requests/invalid/mfa_type_not_in_enum.json",
    ] {
        std::fs::remove_file(copy.file(file)).expect("remove");
    }
    // The MFA area's other operations document the dropped values; this contract has only the seed's.
    let mut manifest = copy.read_json("schemas/contract.json");
    manifest["operations"] = serde_json::json!([]);
    copy.write_json("schemas/contract.json", &manifest);
    let users = serde_json::json!({"defaultUser": crate::support::account(&["GOOGLE_AUTH", "SMS"], Some("SMS")), "users": []});
    copy.write_json("fixtures/users.json", &users);
    let mut users_schema = copy.read_json("schemas/users.schema.json");
    users_schema["examples"] = serde_json::json!([users]);
    copy.write_json("schemas/users.schema.json", &users_schema);
    let contract = Contract::from_dir(copy.path()).expect("edited contract loads");
    let plan = cases::plan(&contract, &options(3));
    assert!(plan.cases.iter().any(|c| c.class == "positive.enum.SMS"));
    assert!(
        !plan
            .cases
            .iter()
            .any(|c| c.class == "positive.enum.PASSKEY")
    );
    assert_eq!(plan.coverage.enum_values_total, 2);
}
