//! The gap policy is defined once, in the manifest, and one operation may change it: the mock
//! refuses that operation's requests as its own policy says, the checker accepts what it says,
//! and the other operations keep the manifest's.

use serde_json::{Value, json};

use crate::support::{Process, assert_only_operation_fails, check_report, mfa_contract, stderr};

const PETS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/openapi/pets.yaml");

/// The pets document imported into `dir`, getPet refusing bad parameters with 422 alone.
fn import_with_override(dir: &std::path::Path, change: Value) -> String {
    let contract = dir.join("pets");
    let path = contract.to_str().expect("utf-8").to_owned();
    let imported = mfa_contract(&["contract", "import", PETS, &path]);
    assert_eq!(imported.status.code(), Some(0), "{}", stderr(&imported));
    let manifest_file = contract.join("schemas/contract.json");
    let mut manifest: Value =
        serde_json::from_str(&std::fs::read_to_string(&manifest_file).expect("read"))
            .expect("JSON");
    let operations = manifest["operations"].as_array_mut().expect("operations");
    let get_pet = operations
        .iter_mut()
        .find(|o| o["operationId"] == "getPet")
        .expect("getPet");
    get_pet["gapPolicy"] = change;
    std::fs::write(&manifest_file, manifest.to_string()).expect("write");
    path
}

fn strict_check(url: &str, contract: &str) -> (Value, Option<i32>) {
    let flags = [
        "--token",
        "t",
        "--seed",
        "5",
        "--cases",
        "6",
        "--strict-gaps",
    ];
    check_report(contract, url, &flags)
}

#[tokio::test]
async fn one_operation_refuses_parameters_its_own_way_and_the_others_keep_the_default() {
    let dir = tempfile::tempdir().expect("temp dir");
    let contract = import_with_override(
        dir.path(),
        json!({"rejections": {"parameter_violation": {
            "status": 422, "accept": [422], "error": "Unprocessable: a parameter is wrong"}}}),
    );
    let mock = Process::mock(&["--contract", &contract]);
    let client = crate::support::http_client(std::time::Duration::from_secs(5));
    let refused = client
        .get(format!("{}/pets/0", mock.url))
        .bearer_auth("t")
        .header("X-Request-Id", "abcd")
        .send()
        .await
        .expect("answer");
    assert_eq!(refused.status().as_u16(), 422);
    let body: Value = refused.json().await.expect("JSON");
    assert_eq!(body["error"], "Unprocessable: a parameter is wrong");
    let other = client
        .get(format!("{}/pets?limit=0", mock.url))
        .bearer_auth("t")
        .send()
        .await
        .expect("answer");
    assert_eq!(
        other.status().as_u16(),
        400,
        "listPets keeps the manifest's policy"
    );
    // Its own mock satisfies it, even with --strict-gaps.
    let (report, code) = strict_check(&mock.url, &contract);
    assert_eq!(code, Some(0), "{:#}", report["failures"]);
    // A backend refusing with the default's 400 breaks getPet's own policy, and only that.
    let plain = Process::mock(&["--contract", PETS]);
    let (report, code) = strict_check(&plain.url, &contract);
    assert_eq!(code, Some(1));
    assert_only_operation_fails(&report, "getPet");
}

#[test]
fn a_change_that_breaks_the_policy_or_concerns_a_path_names_its_pointer() {
    for (change, pointer) in [
        (
            json!({"rejections": {"parameter_violation": {"status": 409}}}),
            "/gapPolicy/rejections/parameter_violation/accept",
        ),
        (
            json!({"rejections": {"not_found": {"status": 410, "accept": [410]}}}),
            "/gapPolicy/rejections/not_found",
        ),
    ] {
        let dir = tempfile::tempdir().expect("temp dir");
        let contract = import_with_override(dir.path(), change);
        let output = mfa_contract(&["contract", "validate", &contract]);
        assert_eq!(output.status.code(), Some(2));
        let message = stderr(&output);
        assert!(message.contains(pointer), "{pointer}: {message}");
    }
}
