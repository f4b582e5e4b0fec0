//! `contract diff`: one small edit of the contract per rule, each graded by whom it breaks;
//! the command line's formats and exit codes; `git:REV` in a repository made for the test.

use mfa_contract::Contract;
use mfa_contract::contract::diff::{Breaks, Change, diff};
use serde_json::{Value, json};

use crate::support::{ContractCopy, mfa_contract, stderr, stdout};

/// The changes from the built-in contract to a copy edited by `edit`.
fn changes(edit: impl FnOnce(&ContractCopy)) -> Vec<Change> {
    let copy = ContractCopy::new();
    edit(&copy);
    let new = Contract::from_dir(copy.path()).expect("the edited copy loads");
    diff(&Contract::embedded().expect("contract"), &new)
}

fn edit_json(copy: &ContractCopy, rel: &str, change: impl FnOnce(&mut Value)) {
    let mut value = copy.read_json(rel);
    change(&mut value);
    copy.write_json(rel, &value);
}

/// Asserts that exactly one non-compatible change was found, at `pointer`, graded `breaks`.
fn assert_graded(changes: &[Change], breaks: Breaks, pointer: &str) {
    let breaking: Vec<&Change> = changes
        .iter()
        .filter(|c| c.breaks != Breaks::Compatible)
        .collect();
    assert!(
        breaking.len() == 1 && breaking[0].breaks == breaks && breaking[0].pointer == pointer,
        "expected {breaks:?} at {pointer}, got {changes:#?}"
    );
}

#[test]
fn the_same_contract_has_no_change() {
    assert!(changes(|_| {}).is_empty());
}

#[test]
fn tightening_the_request_breaks_clients() {
    let request = "schemas/request.schema.json";
    // An enum value removed: the contract with SMS, then without.
    let with_sms = ContractCopy::new();
    add_sms(&with_sms);
    let c = diff(
        &Contract::from_dir(with_sms.path()).expect("loads"),
        &Contract::embedded().expect("contract"),
    );
    assert_graded(
        &c,
        Breaks::Client,
        "request.schema.json#/properties/mfaType/enum",
    );
    assert!(
        c.iter().any(|x| x.what == "enum value \"SMS\" removed"),
        "{c:#?}"
    );

    let c = changes(|copy| {
        edit_json(copy, request, |s| {
            s["properties"]["deviceName"] = json!({"type": "string"});
            s["required"] = json!(["mfaType", "deviceName"]);
        });
        for f in [
            "google_auth",
            "magic_link",
            "passkey",
            "unicode_escape_decodes_to_enum_value",
        ] {
            std::fs::remove_file(copy.file(&format!("fixtures/requests/valid/{f}.json")))
                .expect("rm");
        }
        edit_json(copy, "schemas/request.schema.json", |s| {
            s["examples"] = json!([{"mfaType": "PASSKEY", "deviceName": "key"}]);
        });
    });
    assert_graded(&c, Breaks::Client, "request.schema.json#/required");

    let c = changes(|copy| {
        edit_json(copy, request, |s| s["additionalProperties"] = json!(false));
        std::fs::remove_file(copy.file("fixtures/requests/valid/extra_properties_allowed.json"))
            .expect("rm");
    });
    assert_graded(
        &c,
        Breaks::Client,
        "request.schema.json#/additionalProperties",
    );

    let c = changes(|copy| {
        edit_json(copy, request, |s| {
            s["properties"]["mfaType"]["maxLength"] = json!(11)
        })
    });
    assert_graded(
        &c,
        Breaks::Client,
        "request.schema.json#/properties/mfaType/maxLength",
    );
}

/// The request enum gains SMS (and the invalid fixture that used it goes).
fn add_sms(copy: &ContractCopy) {
    edit_json(copy, "schemas/request.schema.json", |s| {
        let mfa = &mut s["properties"]["mfaType"];
        mfa["enum"] = json!(["GOOGLE_AUTH", "MAGIC_LINK", "PASSKEY", "SMS"]);
        mfa["x-enumDescriptions"]["SMS"] = json!("Text message");
    });
    std::fs::remove_file(copy.file("fixtures/requests/invalid/mfa_type_not_in_enum.json"))
        .expect("rm");
}

#[test]
fn loosening_the_request_breaks_the_backend() {
    let c = changes(add_sms);
    assert_graded(
        &c,
        Breaks::Server,
        "request.schema.json#/properties/mfaType/enum",
    );
    assert!(
        c.iter().any(|x| x.what == "enum value \"SMS\" added"),
        "{c:#?}"
    );

    let c = changes(|copy| {
        edit_json(copy, "schemas/request.schema.json", |s| {
            s["properties"]["mfaType"]["type"] = json!(["string", "null"]);
        });
        std::fs::remove_file(copy.file("fixtures/requests/invalid/mfa_type_null.json"))
            .expect("rm");
    });
    // `null` is still outside the enum, so only the type widens.
    assert_graded(
        &c,
        Breaks::Server,
        "request.schema.json#/properties/mfaType/type",
    );
}

#[test]
fn response_changes_clients_must_follow_break_clients() {
    let c = changes(|copy| {
        edit_json(copy, "schemas/response-200.schema.json", |s| {
            s["properties"]
                .as_object_mut()
                .expect("object")
                .remove("message");
        });
    });
    assert_graded(
        &c,
        Breaks::Client,
        "response-200.schema.json#/properties/message",
    );

    let c = changes(|copy| {
        edit_json(copy, "schemas/response-200.schema.json", |s| {
            s["properties"]["message"]["type"] = json!(["string", "null"]);
        });
    });
    assert_graded(
        &c,
        Breaks::Client,
        "response-200.schema.json#/properties/message/type",
    );

    let c = changes(|copy| {
        edit_json(copy, "schemas/contract.json", |m| {
            m["responses"]
                .as_object_mut()
                .expect("object")
                .remove("500");
            // The rule that answered it goes with it.
            m["rules"].as_array_mut().expect("rules").remove(0);
        });
        for f in ["failed", "flag_only"] {
            let _ = std::fs::remove_file(copy.file(&format!("fixtures/responses/500/{f}.json")));
        }
    });
    assert!(
        c.iter()
            .any(|x| x.breaks == Breaks::Client && x.what == "documented status 500 removed"),
        "{c:#?}"
    );
}

#[test]
fn a_new_value_clients_must_handle_breaks_clients_and_a_narrower_answer_breaks_the_backend() {
    let with_enum = |values: Value| {
        move |copy: &ContractCopy| {
            edit_json(copy, "schemas/response-200.schema.json", |s| {
                s["properties"]["success"]["enum"] = values;
            });
        }
    };
    let before = {
        let copy = ContractCopy::new();
        with_enum(json!([true]))(&copy);
        Contract::from_dir(copy.path()).expect("loads")
    };
    let after = {
        let copy = ContractCopy::new();
        with_enum(json!([true, false]))(&copy);
        Contract::from_dir(copy.path()).expect("loads")
    };
    assert_graded(
        &diff(&before, &after),
        Breaks::Client,
        "response-200.schema.json#/properties/success/enum",
    );
    assert_graded(
        &diff(&after, &before),
        Breaks::Server,
        "response-200.schema.json#/properties/success/enum",
    );

    let c = changes(|copy| {
        edit_json(copy, "schemas/response-200.schema.json", |s| {
            s["required"] = json!(["success"])
        });
    });
    assert_graded(&c, Breaks::Server, "response-200.schema.json#/required");
}

#[test]
fn descriptions_examples_and_optional_response_fields_are_compatible() {
    let c = changes(|copy| {
        edit_json(copy, "schemas/response-200.schema.json", |s| {
            s["description"] = json!("Reworded.");
            s["properties"]["requestId"] = json!({"type": "string"});
        });
        copy.write_json(
            "fixtures/responses/200/with_request_id.json",
            &json!({"success": true, "message": "Primary MFA method updated", "requestId": "r-1"}),
        );
    });
    assert!(!c.is_empty());
    assert!(c.iter().all(|x| x.breaks == Breaks::Compatible), "{c:#?}");
}

#[test]
fn the_gap_policy_and_the_body_limit_are_graded_too() {
    let c = changes(|copy| {
        edit_json(copy, "schemas/contract.json", |m| {
            m["gapPolicy"]["rejections"]["unauthorized"]["accept"] = json!([401]);
        });
    });
    assert_graded(
        &c,
        Breaks::Server,
        "contract.json#/gapPolicy/rejections/unauthorized/accept",
    );

    let c = changes(|copy| {
        edit_json(copy, "schemas/contract.json", |m| {
            m["gapPolicy"]["rejections"]["unauthorized"]["accept"] = json!([401, 403, 404]);
        });
    });
    assert_graded(
        &c,
        Breaks::Client,
        "contract.json#/gapPolicy/rejections/unauthorized/accept",
    );

    let c = changes(|copy| {
        edit_json(copy, "schemas/contract.json", |m| {
            m["request"]["maxBodyBytes"] = json!(1024)
        });
    });
    assert_graded(&c, Breaks::Client, "contract.json#/request/maxBodyBytes");

    let c = changes(|copy| {
        edit_json(copy, "schemas/contract.json", |m| {
            m["path"] = json!("/v2/mfa/primary")
        });
    });
    assert_graded(&c, Breaks::Both, "contract.json#/path");
}

#[test]
fn the_command_grades_formats_and_exits_by_fail_on() {
    let copy = ContractCopy::new();
    edit_json(&copy, "schemas/response-200.schema.json", |s| {
        s["properties"]["requestId"] = json!({"type": "string"});
    });
    let dir = copy.path().to_str().expect("utf-8");
    let compatible = mfa_contract(&["contract", "diff", "embedded", dir]);
    assert_eq!(compatible.status.code(), Some(0), "{}", stderr(&compatible));
    assert!(
        stdout(&compatible)
            .contains("compatible         response-200.schema.json#/properties/requestId"),
        "{}",
        stdout(&compatible)
    );
    let any = mfa_contract(&["contract", "diff", "embedded", dir, "--fail-on", "any"]);
    assert_eq!(any.status.code(), Some(1));

    edit_json(&copy, "schemas/response-200.schema.json", |s| {
        s["required"] = json!(["success"])
    });
    let server = mfa_contract(&["contract", "diff", "embedded", dir, "--format", "json"]);
    assert_eq!(server.status.code(), Some(1));
    let json: Value = serde_json::from_slice(&server.stdout).expect("JSON");
    assert_eq!(json["breakingForServer"], 1);
    assert_eq!(json["breakingForClients"], 0);
    let clients_only = mfa_contract(&["contract", "diff", "embedded", dir, "--fail-on", "client"]);
    assert_eq!(clients_only.status.code(), Some(0));
    let markdown = mfa_contract(&["contract", "diff", "embedded", dir, "--format", "markdown"]);
    assert!(
        stdout(&markdown).contains("| breaking (server) | `response-200.schema.json#/required` |"),
        "{}",
        stdout(&markdown)
    );

    let broken = ContractCopy::new();
    broken.write("schemas/request.schema.json", "{ not json");
    let output = mfa_contract(&[
        "contract",
        "diff",
        "embedded",
        broken.path().to_str().expect("utf-8"),
    ]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("request.schema.json"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn git_rev_compares_with_the_contract_at_a_revision() {
    let repo = tempfile::tempdir().expect("dir");
    let git = |args: &[&str]| {
        let status = std::process::Command::new("git")
            .args(["-c", "user.name=t", "-c", "user.email=t@example.invalid"])
            .args(args)
            .current_dir(repo.path())
            .output()
            .expect("git");
        assert!(
            status.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&status.stderr)
        );
    };
    git(&["init", "-q"]);
    let export = mfa_contract(&[
        "contract",
        "export",
        repo.path().join("api").to_str().expect("utf-8"),
    ]);
    assert_eq!(export.status.code(), Some(0));
    git(&["add", "."]);
    git(&["commit", "-q", "-m", "contract"]);
    let schema = repo.path().join("api/schemas/response-200.schema.json");
    let mut value: Value =
        serde_json::from_str(&std::fs::read_to_string(&schema).expect("read")).expect("json");
    value["properties"]
        .as_object_mut()
        .expect("object")
        .remove("message");
    std::fs::write(&schema, value.to_string()).expect("write");

    let output = std::process::Command::new(env!("CARGO_BIN_EXE_mfa-contract"))
        .args(["contract", "diff", "git:HEAD", "."])
        .current_dir(repo.path().join("api"))
        .output()
        .expect("run");
    let text = String::from_utf8_lossy(&output.stdout);
    assert_eq!(
        output.status.code(),
        Some(1),
        "{text}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        text.contains("breaking (client)  response-200.schema.json#/properties/message"),
        "{text}"
    );

    let unknown = std::process::Command::new(env!("CARGO_BIN_EXE_mfa-contract"))
        .args(["contract", "diff", "git:no-such-rev", "."])
        .current_dir(repo.path().join("api"))
        .output()
        .expect("run");
    assert_eq!(unknown.status.code(), Some(2));
}

#[test]
fn operations_are_compared_one_by_one_removed_ones_break_clients_and_added_ones_nobody() {
    let c = changes(|copy| {
        edit_json(copy, "schemas/contract.json", |m| {
            let operations = m["operations"].as_array_mut().expect("operations");
            operations.retain(|o| o["operationId"] != "sendMagicLink");
            operations.push(json!({
                "operationId": "listDevices", "method": "GET", "path": "/mfa/devices",
                "responses": {"200": {"description": "Devices", "schema": "done.schema.json",
                    "fixture": "operations/enableMfaMethod/200/enabled.json"}}
            }));
            let status = operations
                .iter_mut()
                .find(|o| o["operationId"] == "getMfaStatus")
                .expect("status");
            status["method"] = json!("POST");
        });
        edit_json(copy, "schemas/mfa-status.schema.json", |s| {
            s["properties"]["data"]["properties"]
                .as_object_mut()
                .expect("object")
                .remove("primaryMethod");
        });
    });
    let find = |pointer: &str| {
        c.iter()
            .find(|x| x.pointer == pointer)
            .unwrap_or_else(|| panic!("{pointer}: {c:#?}"))
    };
    assert_eq!(
        find("contract.json#/operations/sendMagicLink").breaks,
        Breaks::Client
    );
    assert_eq!(
        find("contract.json#/operations/listDevices").breaks,
        Breaks::Compatible
    );
    assert_eq!(
        find("contract.json#/operations/getMfaStatus/method").breaks,
        Breaks::Both
    );
    assert_eq!(
        find("mfa-status.schema.json#/properties/data/properties/primaryMethod").breaks,
        Breaks::Client
    );
    // The seed's operation is unchanged: nothing about it is reported.
    assert!(
        c.iter()
            .all(|x| !x.pointer.starts_with("contract.json#/request")),
        "{c:#?}"
    );
}
