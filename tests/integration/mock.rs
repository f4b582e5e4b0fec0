use std::sync::Arc;
use std::time::{Duration, Instant};

use actix_web::body::MessageBody;
use actix_web::dev::{Service, ServiceResponse};
use actix_web::http::header::HeaderMap;
use actix_web::test::{self, TestRequest};
use actix_web::web::{self, Bytes};
use mfa_contract::Contract;
use mfa_contract::mock::{self, MockConfig, MockState};
use mfa_contract::server::ServerOptions;
use serde_json::{Value, json};

use crate::mock_cases::{TOKEN, cases};
use crate::support::{DISTINCTIVE_TOKEN, assert_conforms, assert_no_token};

fn contract() -> Arc<Contract> {
    Arc::new(Contract::embedded().expect("contract loads"))
}

struct Answer {
    status: u16,
    headers: HeaderMap,
    body: Bytes,
}

impl Answer {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).expect("JSON body")
    }

    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// An in-process mock; every answer passes through the shared conformance assertion unless
/// the request asked for a fault.
struct InProcess<S> {
    contract: Arc<Contract>,
    service: S,
}

async fn in_process(
    config: MockConfig,
) -> InProcess<
    impl Service<
        actix_http::Request,
        Response = ServiceResponse<impl MessageBody>,
        Error = actix_web::Error,
    >,
> {
    let contract = contract();
    let state = web::Data::new(MockState::new(contract.clone(), &config));
    let service = test::init_service(mock::app(state)).await;
    InProcess { contract, service }
}

impl<S, B> InProcess<S>
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    /// Sends and checks the answer against the contract (a preflight's empty answer aside).
    async fn send(&self, request: TestRequest) -> Answer {
        let answer = self.send_unchecked(request).await;
        let empty_preflight = matches!(answer.status, 200 | 204)
            && answer.body.is_empty()
            && answer.header("access-control-allow-origin").is_some();
        if !empty_preflight {
            assert_conforms(
                &self.contract,
                answer.status,
                answer.header("content-type"),
                &answer.body,
            );
        }
        answer
    }

    /// Sends without the conformance check: only for faults, which break the contract on purpose.
    async fn send_unchecked(&self, request: TestRequest) -> Answer {
        let response = test::call_service(&self.service, request.to_request()).await;
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let body = test::read_body(response).await;
        Answer {
            status,
            headers,
            body,
        }
    }

    async fn set(&self, token: &str, method: &str) -> Answer {
        self.send(post(token).set_payload(json!({"mfaType": method}).to_string()))
            .await
    }

    async fn admin(&self, request: TestRequest) -> Value {
        let response = test::call_service(&self.service, request.to_request()).await;
        assert!(
            response.status().is_success(),
            "admin answered {}",
            response.status()
        );
        serde_json::from_slice(&test::read_body(response).await).expect("admin JSON")
    }
}

fn post(token: &str) -> TestRequest {
    TestRequest::post()
        .uri("/mfa/primary")
        .insert_header(("Authorization", format!("Bearer {token}")))
        .insert_header(("Content-Type", "application/json"))
}

fn fast_config() -> MockConfig {
    MockConfig {
        max_delay: Duration::from_millis(300),
        ..MockConfig::default()
    }
}

#[actix_web::test]
async fn every_pipeline_step_answers_as_documented_in_process() {
    let mock = in_process(MockConfig::default()).await;
    for case in cases() {
        let mut request = TestRequest::default()
            .method(case.method.parse().expect("method"))
            .uri(case.path)
            .set_payload(case.body.clone());
        for (name, value) in &case.headers {
            request = request.insert_header((*name, value.as_str()));
        }
        let answer = mock.send(request).await;
        assert_eq!(
            answer.status,
            case.status,
            "{} {}: {}",
            case.name,
            case.method,
            String::from_utf8_lossy(&answer.body)
        );
        if let Some((name, value)) = case.header {
            assert_eq!(answer.header(name), Some(value), "{}", case.name);
        }
        if let Some(text) = case.detail {
            let detail = answer.json()["detail"]
                .as_str()
                .unwrap_or_default()
                .to_owned();
            assert!(
                detail.contains(text),
                "{}: detail {detail:?} lacks {text:?}",
                case.name
            );
        }
    }
}

#[actix_web::test]
async fn schema_errors_list_every_violation_with_its_pointer() {
    let mock = in_process(MockConfig::default()).await;
    for fixture in mock.contract.invalid_requests() {
        let answer = mock
            .send(post(TOKEN).set_payload(fixture.body.to_string()))
            .await;
        assert_eq!(answer.status, 400, "{}", fixture.name);
        let body = answer.json();
        let expected = mock.contract.request_schema().violations(&fixture.body);
        let listed = body["violations"].as_array().expect("violations listed");
        assert_eq!(listed.len(), expected.len(), "{}: {body}", fixture.name);
        for (listed, expected) in listed.iter().zip(&expected) {
            assert_eq!(
                listed["pointer"],
                expected.instance_path.as_str(),
                "{}",
                fixture.name
            );
        }
    }
}

#[actix_web::test]
async fn every_valid_fixture_is_accepted_for_a_fresh_token() {
    let mock = in_process(MockConfig::default()).await;
    for fixture in mock.contract.valid_requests() {
        let answer = mock
            .send(post("a-fresh-token").set_payload(fixture.body.to_string()))
            .await;
        assert_eq!(answer.status, 200, "{}", fixture.name);
        assert_eq!(
            answer.json(),
            mock.contract.default_example(200).expect("200").body
        );
    }
}

#[actix_web::test]
async fn a_method_the_user_has_not_enrolled_answers_the_documented_500_and_keeps_the_primary() {
    let mock = in_process(MockConfig::default()).await;
    let documented_500 = mock
        .contract
        .default_example(500)
        .expect("500")
        .body
        .clone();
    for method in ["MAGIC_LINK", "PASSKEY"] {
        let answer = mock.set("demo-totp-only", method).await;
        assert_eq!(
            (answer.status, answer.json()),
            (500, documented_500.clone()),
            "{method}"
        );
    }
    assert_eq!(mock.set("demo-totp-only", "GOOGLE_AUTH").await.status, 200);
    for method in ["GOOGLE_AUTH", "MAGIC_LINK", "PASSKEY"] {
        assert_eq!(
            mock.set("demo-no-mfa", method).await.status,
            500,
            "{method}"
        );
    }
    assert_eq!(mock.set("demo-no-passkey", "PASSKEY").await.status, 500);
    assert_eq!(mock.set("demo-no-passkey", "GOOGLE_AUTH").await.status, 200);

    let state = mock.admin(TestRequest::get().uri("/__admin/state")).await;
    let user = |name: &str| {
        state["users"]
            .as_array()
            .expect("users")
            .iter()
            .find(|u| u["name"] == name)
            .cloned()
            .expect("listed")
    };
    let primary = |name: &str| user(name)["account"]["primaryMethod"].clone();
    assert_eq!(primary("totp-only"), "GOOGLE_AUTH");
    assert_eq!(primary("no-passkey"), "GOOGLE_AUTH");
    assert_eq!(primary("no-mfa"), Value::Null, "absent: no primary");
}

#[actix_web::test]
async fn strict_tokens_refuse_tokens_outside_the_users_file() {
    let mock = in_process(MockConfig {
        strict_tokens: true,
        ..MockConfig::default()
    })
    .await;
    let refused = mock.set("not-in-the-file", "PASSKEY").await;
    assert_eq!(refused.status, 401);
    assert_eq!(
        refused.header("www-authenticate"),
        Some("Bearer error=\"invalid_token\"")
    );
    assert_eq!(mock.set("demo-all-methods", "PASSKEY").await.status, 200);
    // Auth comes before the body: a strict refusal wins over a broken body.
    let broken = mock.send(post("not-in-the-file").set_payload("{")).await;
    assert_eq!(broken.status, 401);
}

#[actix_web::test]
async fn prefer_forces_documented_responses_and_named_examples_without_touching_state() {
    let mock = in_process(fast_config()).await;
    let forced_200 = mock
        .send(
            post("demo-no-mfa")
                .insert_header(("Prefer", "code=200"))
                .set_payload(r#"{"mfaType":"PASSKEY"}"#),
        )
        .await;
    assert_eq!(forced_200.status, 200);
    let forced_500 = mock
        .send(
            post(TOKEN)
                .insert_header(("Prefer", "code=500"))
                .set_payload(r#"{"mfaType":"PASSKEY"}"#),
        )
        .await;
    assert_eq!(
        forced_500.json(),
        json!({"success": false, "error": "Failed to set primary MFA"})
    );
    let named = mock
        .send(
            post(TOKEN)
                .insert_header(("Prefer", "example=flag_only"))
                .set_payload(r#"{"mfaType":"PASSKEY"}"#),
        )
        .await;
    assert_eq!(
        (named.status, named.json()),
        (500, json!({"success": false}))
    );
    let state = mock.admin(TestRequest::get().uri("/__admin/state")).await;
    let no_mfa = state["users"]
        .as_array()
        .expect("users")
        .iter()
        .find(|u| u["name"] == "no-mfa")
        .cloned()
        .expect("listed");
    assert_eq!(
        no_mfa["account"]["primaryMethod"],
        Value::Null,
        "a forced answer changes no state"
    );
}

#[actix_web::test]
async fn prefer_delays_and_faults_behave_as_named() {
    let mock = in_process(fast_config()).await;
    let body = r#"{"mfaType":"PASSKEY"}"#;
    let started = Instant::now();
    let delayed = mock
        .send(
            post(TOKEN)
                .insert_header(("Prefer", "delay=120"))
                .set_payload(body),
        )
        .await;
    assert_eq!(delayed.status, 200);
    assert!(started.elapsed() >= Duration::from_millis(120));

    let empty = mock
        .send_unchecked(
            post(TOKEN)
                .insert_header(("Prefer", "fault=empty"))
                .set_payload(body),
        )
        .await;
    assert_eq!((empty.status, empty.body.len()), (200, 0));
    assert_eq!(empty.header("content-type"), Some("application/json"));

    let malformed = mock
        .send_unchecked(
            post(TOKEN)
                .insert_header(("Prefer", "fault=malformed"))
                .set_payload(body),
        )
        .await;
    assert_eq!(malformed.status, 200);
    assert!(!malformed.body.is_empty());
    assert!(
        serde_json::from_slice::<Value>(&malformed.body).is_err(),
        "fault=malformed sent valid JSON"
    );

    let too_long = mock
        .send(
            post(TOKEN)
                .insert_header(("Prefer", "delay=301"))
                .set_payload(body),
        )
        .await;
    assert_eq!(too_long.status, 400);
    assert!(
        too_long.json()["detail"]
            .as_str()
            .expect("detail")
            .contains("maximum of 300 ms")
    );
    let accepted = too_long.json()["accepted"].clone();
    assert!(
        accepted
            .as_array()
            .expect("accepted")
            .contains(&json!("fault=timeout")),
        "{accepted}"
    );
}

#[actix_web::test]
async fn armed_scenarios_apply_in_order_per_token_and_for_as_long_as_asked() {
    let mock = in_process(fast_config()).await;
    let armed = mock
        .admin(
            TestRequest::post()
                .uri("/__admin/scenarios")
                .set_json(json!({"code": 500, "token": DISTINCTIVE_TOKEN, "times": 2})),
        )
        .await;
    assert_eq!(armed["armed"]["remaining"], 2);
    assert!(!armed.to_string().contains(DISTINCTIVE_TOKEN));
    mock.admin(
        TestRequest::post()
            .uri("/__admin/scenarios")
            .set_json(json!({"example": "success_only"})),
    )
    .await;

    // Another token skips the token-bound scenario and takes the next one.
    let other = mock.set("someone-else", "PASSKEY").await;
    assert_eq!(other.json(), json!({"success": true}));
    assert_eq!(mock.set(DISTINCTIVE_TOKEN, "PASSKEY").await.status, 500);
    assert_eq!(mock.set(DISTINCTIVE_TOKEN, "PASSKEY").await.status, 500);
    assert_eq!(
        mock.set(DISTINCTIVE_TOKEN, "PASSKEY").await.json(),
        mock.contract.default_example(200).expect("200").body
    );

    mock.admin(
        TestRequest::post()
            .uri("/__admin/scenarios")
            .set_json(json!({"fault": "empty", "times": "until_reset"})),
    )
    .await;
    for _ in 0..3 {
        let faulty = mock
            .send_unchecked(post(TOKEN).set_payload(r#"{"mfaType":"PASSKEY"}"#))
            .await;
        assert_eq!((faulty.status, faulty.body.len()), (200, 0));
    }
    let listed = mock
        .admin(TestRequest::get().uri("/__admin/scenarios"))
        .await;
    assert_eq!(listed["armed"][0]["used"], 3);
    assert_eq!(listed["armed"][0]["remaining"], Value::Null);
    mock.admin(TestRequest::delete().uri("/__admin/scenarios"))
        .await;
    assert_eq!(mock.set(TOKEN, "PASSKEY").await.status, 200);

    // The journal says which scenario shaped which answer.
    let journal = mock
        .admin(TestRequest::get().uri("/__admin/requests"))
        .await;
    let scenarios: Vec<&str> = journal["requests"]
        .as_array()
        .expect("requests")
        .iter()
        .filter_map(|r| r["scenario"].as_str())
        .collect();
    assert!(
        scenarios
            .iter()
            .any(|s| s.starts_with("armed #1: code=500")),
        "{scenarios:?}"
    );
}

#[actix_web::test]
async fn a_bad_scenario_is_refused_with_what_is_accepted() {
    let mock = in_process(fast_config()).await;
    for bad in [
        json!({"code": 404}),
        json!({"example": "nope"}),
        json!({"fault": "explode"}),
        json!({"times": 0, "code": 500}),
        json!({}),
        json!({"delay": 999_999}),
    ] {
        let request = TestRequest::post()
            .uri("/__admin/scenarios")
            .set_json(bad.clone())
            .to_request();
        let response = test::call_service(&mock.service, request).await;
        assert_eq!(response.status().as_u16(), 400, "{bad}");
        let body: Value = serde_json::from_slice(&test::read_body(response).await).expect("JSON");
        assert!(body["accepted"].is_array(), "{bad}: {body}");
    }
}

#[actix_web::test]
async fn cors_preflight_from_a_local_origin_is_allowed_and_others_are_refused() {
    let mock = in_process(MockConfig::default()).await;
    let preflight = |origin: &str| {
        TestRequest::default()
            .method(actix_web::http::Method::OPTIONS)
            .uri("/mfa/primary")
            .insert_header(("Origin", origin.to_owned()))
            .insert_header(("Access-Control-Request-Method", "POST"))
            .insert_header((
                "Access-Control-Request-Headers",
                "authorization, content-type, prefer",
            ))
    };
    // actix-cors (issue 13) answers an allowed preflight with an empty 200.
    let allowed = mock.send(preflight("http://localhost:5173")).await;
    assert_eq!(allowed.status, 200);
    assert_eq!(
        allowed.header("access-control-allow-origin"),
        Some("http://localhost:5173")
    );
    assert!(
        allowed
            .header("access-control-allow-methods")
            .is_some_and(|m| m.contains("POST")),
        "{:?}",
        allowed.header("access-control-allow-methods")
    );
    let headers = allowed
        .header("access-control-allow-headers")
        .expect("allowed headers")
        .to_ascii_lowercase();
    for name in ["authorization", "content-type", "prefer"] {
        assert!(headers.contains(name), "{headers}");
    }

    let refused = mock.send(preflight("https://evil.example")).await;
    assert_eq!(refused.status, 403);
    assert!(refused.header("access-control-allow-origin").is_none());
    assert!(
        refused.json()["detail"]
            .as_str()
            .expect("detail")
            .contains("--cors-origin https://evil.example")
    );

    let actual = mock
        .send(
            post(TOKEN)
                .insert_header(("Origin", "http://127.0.0.1:3000"))
                .set_payload(r#"{"mfaType":"PASSKEY"}"#),
        )
        .await;
    assert_eq!(
        actual.header("access-control-allow-origin"),
        Some("http://127.0.0.1:3000")
    );
    let rejected = mock
        .send(
            TestRequest::post()
                .uri("/mfa/primary")
                .insert_header(("Origin", "http://localhost:8080")),
        )
        .await;
    assert_eq!(rejected.status, 401);
    assert_eq!(
        rejected.header("access-control-allow-origin"),
        Some("http://localhost:8080"),
        "errors carry CORS headers too"
    );
    assert!(
        rejected
            .header("access-control-expose-headers")
            .is_some_and(|h| h.to_ascii_lowercase().contains("www-authenticate"))
    );

    let configured = in_process(MockConfig {
        server: ServerOptions {
            cors_origins: vec!["https://app.example.com".into()],
            ..ServerOptions::default()
        },
        ..MockConfig::default()
    })
    .await;
    assert_eq!(
        configured
            .send(preflight("https://app.example.com"))
            .await
            .status,
        200
    );
    assert_eq!(
        configured
            .send(preflight("http://localhost:5173"))
            .await
            .status,
        403
    );
}

#[actix_web::test]
async fn the_journal_records_requests_with_fingerprints_and_never_the_token() {
    let mock = in_process(MockConfig::default()).await;
    mock.set(DISTINCTIVE_TOKEN, "MAGIC_LINK").await;
    // A client that echoes its token into the body or the URL still does not leak it.
    let body = json!({"mfaType": "PASSKEY", "note": DISTINCTIVE_TOKEN}).to_string();
    mock.send(
        post(DISTINCTIVE_TOKEN)
            .uri(&format!("/mfa/primary?t={DISTINCTIVE_TOKEN}"))
            .set_payload(body),
    )
    .await;
    mock.send(
        TestRequest::post()
            .uri("/mfa/primary")
            .insert_header(("Authorization", format!("Basic {DISTINCTIVE_TOKEN}"))),
    )
    .await;

    let journal = mock
        .admin(TestRequest::get().uri("/__admin/requests"))
        .await;
    let requests = journal["requests"].as_array().expect("requests");
    assert_eq!(requests.len(), 3);
    assert_eq!(requests[0]["status"], 200);
    assert_eq!(requests[0]["method"], "POST");
    assert_eq!(requests[0]["body"], r#"{"mfaType":"MAGIC_LINK"}"#);
    let fingerprint = mfa_contract::internals::redact::fingerprint(DISTINCTIVE_TOKEN);
    let auth = requests[0]["headers"]
        .as_array()
        .expect("headers")
        .iter()
        .find(|h| h[0] == "authorization")
        .expect("recorded");
    assert_eq!(auth[1], format!("Bearer {fingerprint}"));
    assert_no_token("journal", &journal.to_string(), DISTINCTIVE_TOKEN);
    let state = mock.admin(TestRequest::get().uri("/__admin/state")).await;
    assert_no_token("state", &state.to_string(), DISTINCTIVE_TOKEN);

    mock.admin(TestRequest::delete().uri("/__admin/requests"))
        .await;
    let journal = mock
        .admin(TestRequest::get().uri("/__admin/requests"))
        .await;
    assert_eq!(journal["requests"].as_array().expect("requests").len(), 0);
}

#[actix_web::test]
async fn the_journal_is_bounded() {
    let mock = in_process(MockConfig {
        server: ServerOptions {
            journal_size: 5,
            ..ServerOptions::default()
        },
        ..MockConfig::default()
    })
    .await;
    for _ in 0..12 {
        mock.set(TOKEN, "PASSKEY").await;
    }
    let journal = mock
        .admin(TestRequest::get().uri("/__admin/requests"))
        .await;
    let ids: Vec<u64> = journal["requests"]
        .as_array()
        .expect("requests")
        .iter()
        .map(|r| r["id"].as_u64().expect("id"))
        .collect();
    assert_eq!(ids, vec![8, 9, 10, 11, 12]);
}

#[actix_web::test]
async fn admin_reset_restores_users_clears_scenarios_and_the_journal() {
    let mock = in_process(MockConfig::default()).await;
    mock.set("demo-all-methods", "PASSKEY").await;
    mock.admin(
        TestRequest::post()
            .uri("/__admin/scenarios")
            .set_json(json!({"code": 500})),
    )
    .await;
    mock.admin(TestRequest::post().uri("/__admin/reset")).await;
    let state = mock.admin(TestRequest::get().uri("/__admin/state")).await;
    let all = state["users"]
        .as_array()
        .expect("users")
        .iter()
        .find(|u| u["name"] == "all-methods")
        .cloned()
        .expect("listed");
    assert_eq!(all["account"]["primaryMethod"], "MAGIC_LINK");
    assert_eq!(state["armed"], json!([]));
    assert_eq!(mock.set(TOKEN, "PASSKEY").await.status, 200);
}

#[actix_web::test]
async fn the_admin_page_is_self_contained_html() {
    let mock = in_process(MockConfig::default()).await;
    let response = test::call_service(
        &mock.service,
        TestRequest::get().uri("/__admin/").to_request(),
    )
    .await;
    assert_eq!(response.status().as_u16(), 200);
    let html = String::from_utf8(test::read_body(response).await.to_vec()).expect("utf-8");
    assert!(html.contains("id=\"arm-code-500\""));
    // The journal downloads as HAR and as a pact from the page.
    assert!(html.contains("href=\"/__admin/requests?format=har\""));
    assert!(html.contains("href=\"/__admin/requests?format=pact\""));
    assert!(
        !html.contains("http://") && !html.contains("https://"),
        "the page loads nothing from elsewhere"
    );
}

#[actix_web::test]
async fn admin_errors_use_the_error_shape() {
    let mock = in_process(MockConfig::default()).await;
    assert_eq!(
        mock.send(TestRequest::get().uri("/__admin/nope"))
            .await
            .status,
        404
    );
    let wrong = mock.send(TestRequest::put().uri("/__admin/state")).await;
    assert_eq!((wrong.status, wrong.header("allow")), (405, Some("GET")));
    let not_json = mock
        .send(
            TestRequest::post()
                .uri("/__admin/scenarios")
                .set_payload("{"),
        )
        .await;
    assert_eq!(not_json.status, 400);
}

#[actix_web::test]
async fn without_admin_the_admin_paths_are_unknown_paths() {
    let mock = in_process(MockConfig {
        server: ServerOptions {
            admin: false,
            ..ServerOptions::default()
        },
        ..MockConfig::default()
    })
    .await;
    let answer = mock.send(TestRequest::get().uri("/__admin/state")).await;
    assert_eq!(answer.status, 404);
    assert_eq!(
        answer.json()["error"],
        mock.contract
            .rejection(mfa_contract::contract::RejectionKind::NotFound)
            .error
    );
}

#[actix_web::test]
async fn a_smaller_body_limit_refuses_with_413_and_names_the_limit() {
    let mock = in_process(MockConfig {
        max_body_bytes: Some(16),
        ..MockConfig::default()
    })
    .await;
    let answer = mock
        .send(post(TOKEN).set_payload(r#"{"mfaType":"GOOGLE_AUTH"}"#))
        .await;
    assert_eq!(answer.status, 413);
    assert!(
        answer.json()["detail"]
            .as_str()
            .expect("detail")
            .contains("limit of 16 bytes")
    );
}

#[actix_web::test]
async fn the_journal_names_a_refused_requests_user_and_says_why_it_was_refused() {
    let mock = in_process(fast_config()).await;
    mock.send(post("demo-totp-only").set_payload(r#"{"mfaType":"SMS"}"#))
        .await;
    mock.send(post("demo-totp-only").set_payload(r#"{"mfaType":"GOOGLE_AUTH"}"#))
        .await;
    let journal = mock
        .admin(TestRequest::get().uri("/__admin/requests"))
        .await;
    let requests = journal["requests"].as_array().expect("requests");
    let (refused, accepted) = (&requests[0], &requests[1]);
    assert_eq!(refused["status"], 400);
    assert_eq!(
        refused["user"], accepted["user"],
        "one name for both: {journal}"
    );
    assert_eq!(accepted["user"], "totp-only");
    assert!(
        refused["reason"]
            .as_str()
            .is_some_and(|r| r.contains("must be one of GOOGLE_AUTH, MAGIC_LINK, PASSKEY")),
        "{refused}"
    );
    assert!(accepted.get("reason").is_none(), "{accepted}");
}
