//! A fuzz target for the mock's request-handling core: arbitrary methods, paths, headers and
//! bodies into the in-process app. The mock must never panic and must answer every request in
//! the contract's shapes. Runs MFA_CONTRACT_FUZZ_CASES cases (default 256); for a long run:
//!
//!     MFA_CONTRACT_FUZZ_CASES=200000 cargo test --release --test integration fuzz -- --nocapture
//!
//! A failure is shrunk (proptest's value tree, driven here because the app is async) and
//! printed as the minimal request.

use std::sync::Arc;

use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::test::{self, TestRequest};
use actix_web::web;
use mfa_contract::Contract;
use mfa_contract::mock::{self, MockConfig, MockState};
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::TestRunner;

#[derive(Debug, Clone)]
struct Input {
    method: String,
    path: String,
    headers: Vec<(String, Vec<u8>)>,
    body: Vec<u8>,
}

fn input() -> impl Strategy<Value = Input> {
    let method = prop_oneof![
        4 => Just("POST".to_owned()),
        1 => prop::sample::select(vec!["GET", "PUT", "DELETE", "OPTIONS", "HEAD", "PATCH", "TRACE"]).prop_map(str::to_owned),
        1 => "[A-Z]{1,8}",
    ];
    let path = prop_oneof![
        6 => Just("/mfa/primary".to_owned()),
        1 => Just("/__admin/scenarios".to_owned()),
        1 => Just("/__admin/state".to_owned()),
        1 => "/[a-z_/%?=&.]{0,24}",
    ];
    let name = prop::sample::select(vec![
        "authorization",
        "content-type",
        "prefer",
        "origin",
        "access-control-request-method",
        "x-other",
    ]);
    let value = prop_oneof![
        Just(b"Bearer fuzz-token-0001".to_vec()),
        Just(b"application/json".to_vec()),
        Just(b"code=500, delay=1".to_vec()),
        Just(b"http://localhost:5173".to_vec()),
        prop::collection::vec(any::<u8>(), 0..40),
    ];
    let body = prop_oneof![
        Just(br#"{"mfaType":"PASSKEY"}"#.to_vec()),
        "\\{\"mfaType\": ?\"[A-Z_a-z ]{0,12}\"(, ?\"[a-z]{1,5}\": ?[0-9tfn\\[\\]{}\",]{0,10})?\\}"
            .prop_map(String::into_bytes),
        prop::collection::vec(any::<u8>(), 0..256),
    ];
    (
        method,
        path,
        prop::collection::vec((name, value), 0..6),
        body,
    )
        .prop_map(|(method, path, headers, body)| Input {
            method,
            path,
            headers: headers
                .into_iter()
                .map(|(n, v)| (n.to_owned(), v))
                .collect(),
            body,
        })
}

/// Sends one input; `Err` says what was wrong with the answer.
async fn probe<S, B>(app: &S, contract: &Contract, input: &Input) -> Result<(), String>
where
    S: actix_web::dev::Service<
            actix_http::Request,
            Response = actix_web::dev::ServiceResponse<B>,
            Error = actix_web::Error,
        >,
    B: actix_web::body::MessageBody,
{
    let Ok(method) = actix_web::http::Method::from_bytes(input.method.as_bytes()) else {
        return Ok(());
    };
    let mut request = TestRequest::default()
        .method(method)
        .uri(&input.path)
        .set_payload(input.body.clone());
    for (name, value) in &input.headers {
        let (Ok(name), Ok(value)) = (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_bytes(value),
        ) else {
            continue;
        };
        request = request.append_header((name, value));
    }
    let response = match app.call(request.to_request()).await {
        Ok(response) => response,
        Err(e) => {
            return Err(format!(
                "the app returned an error instead of a response: {e}"
            ));
        }
    };
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let body = actix_web::body::to_bytes(response.into_body())
        .await
        .map_err(|_| "the body failed".to_owned());
    let prefer = input
        .headers
        .iter()
        .any(|(n, v)| n == "prefer" && v.windows(6).any(|w| w == b"fault="));
    let body = match body {
        Ok(body) => body,
        // fault=reset and fault=timeout end in a broken body on purpose.
        Err(_) if prefer => return Ok(()),
        Err(e) => return Err(e),
    };
    if status == 204 && body.is_empty() || input.path.starts_with("/__admin") && status < 300 {
        return Ok(());
    }
    if prefer && status == 200 {
        return Ok(());
    }
    if !content_type
        .as_deref()
        .is_some_and(|c| mfa_contract::internals::media_type::same(c, "application/json"))
    {
        return Err(format!(
            "status {status} with content type {content_type:?}"
        ));
    }
    let value: serde_json::Value =
        serde_json::from_slice(&body).map_err(|e| format!("status {status}: not JSON: {e}"))?;
    let violations = contract.schema_for_status(status).violations(&value);
    if !violations.is_empty() {
        return Err(format!(
            "status {status}: {value} breaks the schema: {violations:?}"
        ));
    }
    Ok(())
}

#[actix_web::test]
async fn fuzz_the_request_pipeline_never_panics_and_always_answers_in_the_contracts_shapes() {
    let cases: u32 = std::env::var("MFA_CONTRACT_FUZZ_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(256);
    let contract = Arc::new(Contract::embedded().expect("contract"));
    let config = MockConfig {
        max_delay: std::time::Duration::from_millis(5),
        ..MockConfig::default()
    };
    let app = test::init_service(mock::app(web::Data::new(MockState::new(
        contract.clone(),
        &config,
    ))))
    .await;
    let mut runner = TestRunner::default();
    let strategy = input();
    for _ in 0..cases {
        let mut tree = strategy.new_tree(&mut runner).expect("a value");
        let Err(first) = probe(&app, &contract, &tree.current()).await else {
            continue;
        };
        // Shrink: simplify while it still fails, complicate when it stops failing.
        let (mut minimal, mut reason) = (tree.current(), first);
        let mut failing = true;
        for _ in 0..512 {
            let moved = if failing {
                tree.simplify()
            } else {
                tree.complicate()
            };
            if !moved {
                break;
            }
            match probe(&app, &contract, &tree.current()).await {
                Err(why) => {
                    minimal = tree.current();
                    reason = why;
                    failing = true;
                }
                Ok(()) => failing = false,
            }
        }
        panic!("{reason}\nminimal input: {minimal:#?}");
    }
}
