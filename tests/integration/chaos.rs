//! Seeded chaos over a real socket (issue 27): the rate over 1,000 requests, replay by seed,
//! only documented answers and named faults, the journal's marks, `Prefer: chaos=off`, the
//! contract's and the admin's weights, and nothing at all with chaos off.

use std::sync::Arc;
use std::time::Duration;

use mfa_contract::Contract;
use mfa_contract::mock::{ChaosConfig, ChaosWeights, MockConfig, MockServer};
use mfa_contract::server::ServerOptions;
use serde_json::{Value, json};

use crate::support::{ContractCopy, Process, assert_conforms, http_client, mfa_contract, stderr};

fn contract() -> Arc<Contract> {
    Arc::new(Contract::embedded().expect("contract loads"))
}

fn config(rate: f64, seed: u64, weights: Option<&str>) -> MockConfig {
    MockConfig {
        server: ServerOptions {
            port: 0,
            ..ServerOptions::default()
        },
        chaos: ChaosConfig {
            rate,
            seed: Some(seed),
            weights: weights.map(|w| ChaosWeights::parse(w).expect("weights parse")),
            delay_ms: 20,
        },
        max_delay: Duration::from_millis(300),
        ..MockConfig::default()
    }
}

/// What a client saw: a status and body, or a connection closed without an answer.
#[derive(Debug, Clone, PartialEq)]
enum Seen {
    Answer(u16, Vec<u8>),
    Closed,
}

async fn post(client: &reqwest::Client, url: &str, prefer: Option<&str>) -> Seen {
    let mut request = client
        .post(format!("{url}/mfa/primary"))
        .bearer_auth("demo-all-methods")
        .header("Content-Type", "application/json")
        .body(r#"{"mfaType":"GOOGLE_AUTH"}"#);
    if let Some(prefer) = prefer {
        request = request.header("Prefer", prefer);
    }
    match request.send().await {
        Ok(answer) => {
            let status = answer.status().as_u16();
            match answer.bytes().await {
                Ok(body) => Seen::Answer(status, body.to_vec()),
                Err(_) => Seen::Closed,
            }
        }
        Err(_) => Seen::Closed,
    }
}

async fn admin(client: &reqwest::Client, url: &str, path: &str) -> Value {
    client
        .get(format!("{url}/__admin{path}"))
        .send()
        .await
        .expect("admin answers")
        .json()
        .await
        .expect("JSON")
}

/// The chaos marks of the journal, oldest first (`None` for an undisturbed request).
async fn marks(client: &reqwest::Client, url: &str) -> Vec<Option<String>> {
    admin(client, url, "/requests").await["requests"]
        .as_array()
        .expect("requests")
        .iter()
        .map(|r| r["chaos"].as_str().map(str::to_owned))
        .collect()
}

async fn run(config: MockConfig, requests: usize) -> Vec<Option<String>> {
    let mock = MockServer::start(contract(), config).expect("mock starts");
    let client = http_client(Duration::from_secs(5));
    for _ in 0..requests {
        post(&client, &mock.url(), None).await;
    }
    let marks = marks(&client, &mock.url()).await;
    mock.stop();
    marks
}

#[tokio::test]
async fn over_1000_requests_the_rate_stays_within_five_points() {
    // Answers that come at once, so the run is quick; the rate does not depend on the kinds.
    let marks = run(
        config(0.2, 20261207, Some("documented,empty,malformed")),
        1000,
    )
    .await;
    assert_eq!(marks.len(), 1000);
    let disturbed = marks.iter().filter(|m| m.is_some()).count();
    // Binomial(1000, 0.2) has a standard deviation of 12.6: 50 is four of them.
    assert!(
        (150..=250).contains(&disturbed),
        "{disturbed} of 1000 at rate 0.2"
    );
}

#[tokio::test]
async fn the_same_seed_gives_the_same_disturbances_and_another_seed_others() {
    let kinds = Some("documented,empty,malformed,delay,reset");
    let first = run(config(0.3, 7, kinds), 120).await;
    let again = run(config(0.3, 7, kinds), 120).await;
    let other = run(config(0.3, 8, kinds), 120).await;
    assert!(
        first.iter().any(Option::is_some),
        "some disturbance in 120 requests"
    );
    assert_eq!(first, again, "seed 7 replays");
    assert_ne!(first, other, "seed 8 differs");
}

#[tokio::test]
async fn every_disturbance_is_a_documented_answer_or_a_named_fault_and_is_marked() {
    let contract = contract();
    let mock = MockServer::start(
        contract.clone(),
        config(1.0, 3, Some("documented,empty,malformed,delay,reset")),
    )
    .expect("mock starts");
    let client = http_client(Duration::from_secs(5));
    let mut seen = Vec::new();
    for _ in 0..60 {
        seen.push(post(&client, &mock.url(), None).await);
    }
    let marks = marks(&client, &mock.url()).await;
    assert_eq!(marks.len(), seen.len());
    for (seen, mark) in seen.iter().zip(&marks) {
        let mark = mark.as_deref().expect("rate 1 marks every request");
        match (mark.split_once('=').expect("key=value"), seen) {
            (("example", name), Seen::Answer(status, body)) => {
                let example = contract.example(name).expect("a named example");
                assert_eq!(example.status, *status, "{mark}");
                assert!(*status >= 400, "an error answer: {mark}");
                assert_conforms(&contract, *status, Some("application/json"), body);
            }
            (("fault", "empty"), Seen::Answer(200, body)) => assert!(body.is_empty()),
            (("fault", "malformed"), Seen::Answer(200, body)) => {
                assert!(serde_json::from_slice::<Value>(body).is_err(), "{mark}");
            }
            (("fault", "reset"), Seen::Closed) => {}
            (("delay", _), Seen::Answer(status, body)) => {
                assert_conforms(&contract, *status, Some("application/json"), body);
            }
            _ => panic!("{mark} and {seen:?} do not go together"),
        }
    }
    let kinds: std::collections::BTreeSet<&str> = marks
        .iter()
        .flatten()
        .map(|m| m.split('=').next().unwrap_or_default())
        .collect();
    assert_eq!(
        kinds.len(),
        3,
        "examples, faults and delays all drawn: {kinds:?}"
    );
    mock.stop();
}

#[tokio::test]
async fn prefer_chaos_off_is_honoured_and_not_counted() {
    let mock =
        MockServer::start(contract(), config(1.0, 5, Some("documented"))).expect("mock starts");
    let client = http_client(Duration::from_secs(5));
    for _ in 0..20 {
        let seen = post(&client, &mock.url(), Some("chaos=off")).await;
        assert!(matches!(seen, Seen::Answer(200, _)), "{seen:?}");
    }
    let chaos = admin(&client, &mock.url(), "/chaos").await;
    assert_eq!(
        chaos["requests"],
        json!({}),
        "exempt requests are not counted"
    );
    assert!(matches!(
        post(&client, &mock.url(), None).await,
        Seen::Answer(500, _)
    ));
    // A scenario asked for wins over chaos too.
    let asked = post(&client, &mock.url(), Some("code=200")).await;
    assert!(matches!(asked, Seen::Answer(200, _)), "{asked:?}");
    mock.stop();
}

#[tokio::test]
async fn with_chaos_off_nothing_changes() {
    let mock = MockServer::start(contract(), config(0.0, 9, None)).expect("mock starts");
    let client = http_client(Duration::from_secs(5));
    for _ in 0..200 {
        assert!(matches!(
            post(&client, &mock.url(), None).await,
            Seen::Answer(200, _)
        ));
    }
    assert!(
        marks(&client, &mock.url())
            .await
            .iter()
            .all(Option::is_none)
    );
    let chaos = admin(&client, &mock.url(), "/chaos").await;
    assert_eq!(
        (chaos["requests"].clone(), chaos["disturbed"].clone()),
        (json!({}), json!(0))
    );
    mock.stop();
}

#[tokio::test]
async fn a_reset_restarts_the_sequence() {
    let mock = MockServer::start(contract(), config(0.5, 13, Some("documented,empty")))
        .expect("mock starts");
    let client = http_client(Duration::from_secs(5));
    let mut runs = Vec::new();
    for _ in 0..2 {
        for _ in 0..40 {
            post(&client, &mock.url(), None).await;
        }
        runs.push(marks(&client, &mock.url()).await);
        let reset = client
            .post(format!("{}/__admin/reset", mock.url()))
            .send()
            .await
            .expect("reset");
        assert!(reset.status().is_success());
    }
    assert_eq!(runs[0], runs[1]);
    assert!(runs[0].iter().any(Option::is_some));
    mock.stop();
}

#[tokio::test]
async fn exports_mark_chaos_in_har_and_leave_it_out_of_the_pact() {
    let mock =
        MockServer::start(contract(), config(0.5, 21, Some("documented"))).expect("mock starts");
    let client = http_client(Duration::from_secs(5));
    for _ in 0..30 {
        post(&client, &mock.url(), None).await;
    }
    let disturbed = marks(&client, &mock.url())
        .await
        .iter()
        .filter(|m| m.is_some())
        .count();
    assert!(disturbed > 0);
    let har = admin(&client, &mock.url(), "/requests?format=har").await;
    let comments = har["log"]["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .filter(|e| {
            e["comment"]
                .as_str()
                .is_some_and(|c| c.starts_with("chaos: example="))
        })
        .count();
    assert_eq!(
        comments, disturbed,
        "every disturbed entry says so in the HAR"
    );
    let pact = admin(&client, &mock.url(), "/requests?format=pact").await;
    let statuses: Vec<&Value> = pact["interactions"]
        .as_array()
        .expect("interactions")
        .iter()
        .map(|i| &i["response"]["status"])
        .collect();
    assert_eq!(
        statuses,
        vec![&json!(200)],
        "the chaos 500s are not consumer expectations"
    );
    mock.stop();
}

#[tokio::test]
async fn the_contract_sets_weights_per_operation_and_the_admin_changes_them_while_running() {
    let copy = ContractCopy::new();
    let mut manifest = copy.read_json("schemas/contract.json");
    manifest["chaos"] =
        json!({"weights": {"documented": 0, "reset": 0, "malformed": 0, "delay": 0, "empty": 2}});
    copy.write_json("schemas/contract.json", &manifest);
    let contract = Arc::new(Contract::from_dir(copy.path()).expect("the edited contract loads"));
    let mock = MockServer::start(contract, config(1.0, 1, None)).expect("mock starts");
    let client = http_client(Duration::from_secs(5));
    for _ in 0..10 {
        post(&client, &mock.url(), None).await;
    }
    let marks_now = marks(&client, &mock.url()).await;
    assert!(
        marks_now
            .iter()
            .all(|m| m.as_deref() == Some("fault=empty")),
        "{marks_now:?}"
    );
    let changed = client
        .post(format!("{}/__admin/chaos", mock.url()))
        .json(&json!({"weights": {"malformed": 1}}))
        .send()
        .await
        .expect("an answer");
    assert_eq!(changed.status(), 200);
    post(&client, &mock.url(), None).await;
    let last = marks(&client, &mock.url()).await.pop().flatten();
    assert_eq!(last.as_deref(), Some("fault=malformed"));
    let refused = client
        .post(format!("{}/__admin/chaos", mock.url()))
        .json(&json!({"rate": 3}))
        .send()
        .await
        .expect("an answer");
    assert_eq!(refused.status(), 400);
    mock.stop();
}

#[tokio::test]
async fn the_banner_shows_rate_and_a_picked_seed_and_bad_flags_exit_2() {
    let mut mock = Process::mock(&["--chaos", "0.25"]);
    let line = crate::support::wait_for_line(&mock, "chaos: about 25%").await;
    let seed = line.rsplit(' ').next().expect("the seed").to_owned();
    assert!(seed.parse::<u64>().is_ok(), "{line}");
    assert!(
        line.contains(&format!("--chaos 0.25 --chaos-seed {seed}")),
        "{line}"
    );
    let client = http_client(Duration::from_secs(5));
    let chaos = admin(&client, &mock.url, "/chaos").await;
    assert_eq!(chaos["seed"].to_string(), seed);
    assert!(
        mock.signal_and_wait("INT", Duration::from_secs(10))
            .is_some()
    );
    for (args, says) in [
        (vec!["mock", "--chaos", "1.5"], "--chaos"),
        (
            vec!["mock", "--chaos", "0.1", "--chaos-weights", "sms:1"],
            "unknown kind",
        ),
        (vec!["mock", "--chaos-delay-ms", "60000"], "--max-delay-ms"),
    ] {
        let output = mfa_contract(&args);
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        assert!(
            stderr(&output).contains(says),
            "{args:?}: {}",
            stderr(&output)
        );
    }
}
