//! Chaos decisions: the rate, replay by seed, the kinds drawn, and the admin's changes.

use super::*;

fn contract() -> Contract {
    Contract::embedded().expect("the embedded contract loads")
}

fn chaos(rate: f64, seed: u64) -> Chaos {
    let config = ChaosConfig {
        rate,
        seed: Some(seed),
        ..ChaosConfig::default()
    };
    Chaos::new(&contract(), &config, seed, 30_000)
}

fn run(chaos: &Chaos, requests: usize) -> Vec<Option<String>> {
    (0..requests)
        .map(|_| chaos.decide("setPrimaryMfaMethod").map(|d| d.injected))
        .collect()
}

#[test]
fn weights_parse_with_defaults_of_one_and_refuse_unknown_kinds_and_all_zero() {
    let weights = Weights::parse("documented:3, reset").expect("parses");
    assert_eq!(weights.to_string(), "documented:3,reset:1");
    assert!(
        Weights::parse("sms:1")
            .expect_err("unknown")
            .contains("unknown kind")
    );
    assert!(
        Weights::parse("reset:0")
            .expect_err("nothing")
            .contains("no kind")
    );
    assert!(Weights::parse("reset:x").is_err());
    let defaults = Weights::parse(defaults::WEIGHTS).expect("the defaults parse");
    assert!(
        !defaults.to_string().contains("timeout"),
        "timeout only when asked for"
    );
}

#[test]
fn the_same_seed_replays_the_same_disturbances_and_another_seed_gives_others() {
    let first = run(&chaos(0.3, 7), 200);
    assert_eq!(first, run(&chaos(0.3, 7), 200));
    assert_ne!(first, run(&chaos(0.3, 8), 200));
}

#[test]
fn a_restart_replays_the_sequence_from_the_start() {
    let chaos = chaos(0.5, 11);
    let before = run(&chaos, 50);
    chaos.restart();
    assert_eq!(before, run(&chaos, 50));
}

#[test]
fn off_disturbs_nothing_and_counts_nothing() {
    let chaos = chaos(0.0, 1);
    assert!(run(&chaos, 100).iter().all(Option::is_none));
    assert_eq!(chaos.snapshot()["requests"], json!({}));
}

#[test]
fn every_disturbance_is_a_documented_error_example_or_a_named_fault() {
    let contract = contract();
    let chaos = chaos(1.0, 3);
    for drawn in (0..300).filter_map(|_| chaos.decide("setPrimaryMfaMethod")) {
        let s = &drawn.scenario;
        match (&s.example, s.fault, s.delay) {
            (Some(name), None, None) => {
                let example = contract.example(name).expect("an example");
                assert!(example.status >= 400 && example.breaks.is_none(), "{name}");
            }
            (None, Some(fault), None) => assert_ne!(fault, Fault::Timeout, "not asked for"),
            (None, None, Some(delay)) => assert!((750..=1500).contains(&delay), "{delay}"),
            other => panic!("not one disturbance: {other:?}"),
        }
    }
}

#[test]
fn the_admin_changes_the_rate_weights_and_seed_and_refuses_nonsense() {
    let chaos = chaos(0.0, 5);
    chaos
        .update(&json!({"rate": 1, "weights": {"timeout": 1}}))
        .expect("a valid change");
    let drawn = chaos.decide("op").expect("rate 1 disturbs every request");
    assert_eq!(drawn.injected, "fault=timeout");
    assert_eq!(chaos.snapshot()["requests"]["op"], 1);
    chaos.update(&json!({"seed": 6})).expect("a new seed");
    assert_eq!(
        chaos.snapshot()["requests"],
        json!({}),
        "a new seed starts over"
    );
    for (bad, says) in [
        (json!({"rate": 2}), "from 0"),
        (json!({"weights": {"sms": 1}}), "unknown kind"),
        (json!({"delayMs": 99_999}), "over the maximum"),
        (json!({"speed": 1}), "not a chaos setting"),
        (json!([1]), "JSON object"),
    ] {
        let error = chaos.update(&bad).expect_err("refused");
        assert!(error.contains(says), "{bad}: {error}");
    }
}
