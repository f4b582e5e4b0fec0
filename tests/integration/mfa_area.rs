//! Flashback's MFA area on the mock: the calls a settings page makes, in its order, each
//! answer judged against the operation's documented schema, state carried across endpoints by
//! the contract's rules and kept apart per account.

use std::time::Duration;

use mfa_contract::Contract;
use serde_json::{Value, json};

use crate::support::{Process, http_client};

/// A client of the mock that calls operations as Flashback's client does, for one token.
struct Page<'a> {
    client: reqwest::Client,
    url: &'a str,
    token: &'a str,
    contract: Contract,
}

impl Page<'_> {
    /// Calls `method path` (with a JSON body when given); asserts the answer matches the
    /// operation's schema for its status and returns status and body.
    async fn call(&self, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
        let mut request = self
            .client
            .request(
                method.parse().expect("method"),
                format!("{}{path}", self.url),
            )
            .header("Authorization", format!("Bearer {}", self.token));
        if let Some(body) = body {
            request = request.json(&body);
        }
        let answer = request.send().await.expect("answered");
        let status = answer.status().as_u16();
        let body: Value = answer.json().await.expect("JSON");
        let crate_route = self.contract.route(method, path);
        let schema = match crate_route {
            mfa_contract::contract::Route::Found {
                target: mfa_contract::contract::Target::Other(i),
                ..
            } => self
                .contract
                .operation_schema(&self.contract.operations()[i], status),
            _ => self.contract.schema_for_status(status),
        };
        assert!(
            schema.is_valid(&body),
            "{method} {path} -> {status} breaks {}: {body}",
            schema.file
        );
        (status, body)
    }

    async fn status(&self) -> Value {
        let (status, body) = self.call("GET", "/mfa/status", None).await;
        assert_eq!(status, 200, "{body}");
        body["data"].clone()
    }

    async fn primary(&self, method: &str) -> u16 {
        self.call("POST", "/mfa/primary", Some(json!({ "mfaType": method })))
            .await
            .0
    }
}

fn page<'a>(mock: &'a Process, token: &'a str) -> Page<'a> {
    Page {
        client: http_client(Duration::from_secs(10)),
        url: &mock.url,
        token,
        contract: Contract::embedded().expect("contract"),
    }
}

#[tokio::test]
async fn a_settings_page_flow_carries_state_across_endpoints_and_accounts() {
    let mock = Process::mock(&[]);
    let me = page(&mock, "demo-no-passkey");
    let other = page(&mock, "demo-totp-only");
    let others_before = other.status().await;

    // 1. What the page shows first, and a primary the account cannot have yet.
    let status = me.status().await;
    assert_eq!(
        status["enabledMethods"],
        json!(["GOOGLE_AUTH", "MAGIC_LINK"])
    );
    let (code, methods) = me.call("GET", "/mfa/methods", None).await;
    assert_eq!(code, 200);
    let passkey = methods["data"]
        .as_array()
        .expect("methods")
        .iter()
        .find(|m| m["type"] == "PASSKEY")
        .expect("passkey listed");
    assert_eq!(
        (&passkey["isConfigured"], &passkey["isEnabled"]),
        (&json!(false), &json!(false))
    );
    assert_eq!(me.primary("PASSKEY").await, 500, "the documented 500");

    // 2. Set up a passkey and verify it with its credential.
    let (code, _) = me
        .call("POST", "/mfa/setup", Some(json!({"mfaType": "PASSKEY"})))
        .await;
    assert_eq!(code, 200);
    let (code, body) = me
        .call(
            "POST",
            "/mfa/verify-setup",
            Some(json!({"mfaType": "PASSKEY", "credential": {"id": "credential-id"}})),
        )
        .await;
    assert_eq!(
        (code, body["message"].as_str()),
        (200, Some("MFA setup verified and enabled"))
    );

    // 3. Status shows it.
    let status = me.status().await;
    assert_eq!(
        status["enabledMethods"],
        json!(["GOOGLE_AUTH", "MAGIC_LINK", "PASSKEY"])
    );

    // 4. Now it can be the primary, and status says so.
    assert_eq!(me.primary("PASSKEY").await, 200);
    assert_eq!(me.status().await["primaryMethod"], "PASSKEY");

    // 5. Turn another method off: it can no longer be the primary.
    let (code, _) = me
        .call(
            "POST",
            "/mfa/disable",
            Some(json!({"mfaType": "GOOGLE_AUTH"})),
        )
        .await;
    assert_eq!(code, 200);
    assert_eq!(
        me.status().await["enabledMethods"],
        json!(["MAGIC_LINK", "PASSKEY"])
    );
    assert_eq!(me.primary("GOOGLE_AUTH").await, 500, "the documented 500");

    // 6. Another account saw none of it.
    assert_eq!(other.status().await, others_before);
}

#[tokio::test]
async fn verification_needs_a_started_setup_and_the_documented_code() {
    let mock = Process::mock(&[]);
    let me = page(&mock, "demo-totp-only");
    let verify = |body: Value| me.call("POST", "/mfa/verify-setup", Some(body));
    let (code, body) = verify(json!({"mfaType": "MAGIC_LINK", "code": "123456"})).await;
    assert_eq!(
        (code, &body["error"]),
        (400, &json!("MFA setup verification failed")),
        "no set-up started"
    );
    me.call("POST", "/mfa/setup", Some(json!({"mfaType": "MAGIC_LINK"})))
        .await;
    assert_eq!(
        verify(json!({"mfaType": "MAGIC_LINK", "code": "000000"}))
            .await
            .0,
        400,
        "a wrong code"
    );
    assert_eq!(
        verify(json!({"mfaType": "MAGIC_LINK", "code": "123456"}))
            .await
            .0,
        200
    );
    assert_eq!(me.primary("MAGIC_LINK").await, 200);
    // A reset of the mock restores every account.
    let client = http_client(Duration::from_secs(10));
    let reset = client
        .post(format!("{}/__admin/reset", mock.url))
        .send()
        .await
        .expect("reset");
    assert_eq!(reset.status().as_u16(), 200);
    assert_eq!(me.status().await["enabledMethods"], json!(["GOOGLE_AUTH"]));
}

#[tokio::test]
async fn every_other_operation_answers_documented_examples_and_refuses_as_the_gap_policy_says() {
    let mock = Process::mock(&[]);
    let me = page(&mock, "a-token-of-my-own");
    let (code, body) = me.call("POST", "/mfa/passkey/auth-options", None).await;
    assert_eq!(
        (code, &body["data"]["userVerification"]),
        (200, &json!("required"))
    );
    assert_eq!(me.call("POST", "/mfa/magic-link/send", None).await.0, 200);
    assert_eq!(
        me.call(
            "POST",
            "/mfa/organization/enforce",
            Some(json!({"enforced": true}))
        )
        .await
        .0,
        200
    );
    assert_eq!(me.status().await["isEnforced"], true);
    let (code, body) = me
        .call("POST", "/mfa/disable", Some(json!({"mfaType": "PASSKEY"})))
        .await;
    assert_eq!(
        (code, &body["error"]),
        (
            403,
            &json!("Cannot disable MFA when enforced by organization")
        )
    );
    let (code, _) = me
        .call(
            "POST",
            "/mfa/reset",
            Some(json!({"resetUserId": "someone"})),
        )
        .await;
    assert_eq!(
        code, 404,
        "an owner resetting a member the mock does not know"
    );
    assert_eq!(
        me.call("POST", "/mfa/reset", None).await.0,
        200,
        "the body is optional"
    );
    assert_eq!(me.status().await["enabledMethods"], json!([]));
    // The activation token is the credential: no Authorization header is needed.
    let client = http_client(Duration::from_secs(10));
    let activate = |token: &str| {
        client
            .post(format!("{}/mfa/magic-link/activate", mock.url))
            .json(&json!({ "token": token }))
            .send()
    };
    assert_eq!(
        activate("eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9...")
            .await
            .expect("sent")
            .status()
            .as_u16(),
        200
    );
    assert_eq!(
        activate("expired").await.expect("sent").status().as_u16(),
        400
    );
    // Refusals: a wrong method on a known path lists the methods it has; an unknown path 404s;
    // a body that breaks the schema is named by pointer.
    let put = client
        .put(format!("{}/mfa/status", mock.url))
        .bearer_auth("t")
        .send()
        .await
        .expect("sent");
    assert_eq!(put.status().as_u16(), 405);
    assert_eq!(put.headers()["allow"], "GET");
    let (code, body) = me
        .call("POST", "/mfa/setup", Some(json!({"mfaType": "SMS"})))
        .await;
    assert_eq!(
        (code, &body["violations"][0]["pointer"]),
        (400, &json!("/mfaType"))
    );
    let missing = client
        .get(format!("{}/mfa/status", mock.url))
        .send()
        .await
        .expect("sent");
    assert_eq!(missing.status().as_u16(), 401);
    let (code, body) = me.call("GET", "/mfa/status", None).await;
    assert_eq!(code, 200, "{body}");
    let prefer = client
        .get(format!("{}/mfa/methods", mock.url))
        .bearer_auth("t")
        .header("Prefer", "code=500")
        .send()
        .await
        .expect("sent");
    assert_eq!(
        prefer.status().as_u16(),
        500,
        "scenarios work per operation"
    );
    let journal: Value = client
        .get(format!("{}/__admin/requests", mock.url))
        .send()
        .await
        .expect("journal")
        .json()
        .await
        .expect("JSON");
    let operations: Vec<&str> = journal["requests"]
        .as_array()
        .expect("requests")
        .iter()
        .filter_map(|r| r["operation"].as_str())
        .collect();
    assert!(
        operations.contains(&"getPasskeyAuthOptions") && operations.contains(&"activateMagicLink"),
        "{operations:?}"
    );
}
