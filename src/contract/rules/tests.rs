use serde_json::{Value, json};

use super::*;

fn rules(value: Value) -> Vec<Rule> {
    serde_json::from_value(value).expect("rules parse")
}

fn body(value: &Value) -> RequestValues<'_> {
    RequestValues {
        body: Some(value),
        ..RequestValues::default()
    }
}

#[test]
fn the_first_rule_that_holds_answers_and_only_its_changes_are_made() {
    let rules = rules(json!([
        {"when": [{"op": "notIn", "left": {"request": "/pick"}, "right": {"account": "/have"}}], "respond": 500},
        {"respond": 200, "change": [{"op": "set", "path": "/chosen", "value": {"request": "/pick"}}]}
    ]));
    let mut account = json!({"have": ["a", "b"]});
    let refused = apply(&rules, body(&json!({"pick": "c"})), &mut account);
    assert_eq!(refused.map(|a| a.status), Some(500));
    assert_eq!(
        account,
        json!({"have": ["a", "b"]}),
        "a refusal changes nothing"
    );
    let done = apply(&rules, body(&json!({"pick": "b"})), &mut account);
    assert_eq!(
        done,
        Some(Applied {
            rule: 1,
            status: 200
        })
    );
    assert_eq!(account["chosen"], "b");
}

#[test]
fn add_and_remove_treat_an_array_as_a_set_and_set_of_nothing_removes() {
    let rules = rules(json!([{"respond": 200, "change": [
        {"op": "add", "path": "/set", "value": {"request": "/v"}},
        {"op": "add", "path": "/set", "value": {"request": "/v"}},
        {"op": "add", "path": "/deep/new", "value": {"value": 1}},
        {"op": "remove", "path": "/old", "value": {"value": "x"}},
        {"op": "set", "path": "/gone", "value": {"request": "/missing"}},
        {"op": "unset", "path": "/flag", "when": [{"op": "equals", "left": {"account": "/flag"}, "right": {"value": true}}]}
    ]}]));
    let mut account = json!({"old": ["x", "y"], "gone": 3, "flag": true});
    apply(&rules, body(&json!({"v": "n"})), &mut account);
    assert_eq!(
        account,
        json!({"set": ["n"], "deep": {"new": [1]}, "old": ["y"]})
    );
}

#[test]
fn conditions_compose_and_absent_values_are_neither_equal_nor_in() {
    let account = json!({"list": [1, 2], "none": null});
    let request = json!({"n": 2});
    let check = |c: Value| {
        holds(
            &serde_json::from_value(c).expect("condition"),
            body(&request),
            &account,
        )
    };
    assert!(check(
        json!({"op": "in", "left": {"request": "/n"}, "right": {"account": "/list"}})
    ));
    assert!(!check(
        json!({"op": "in", "left": {"request": "/x"}, "right": {"account": "/list"}})
    ));
    assert!(check(
        json!({"op": "notIn", "left": {"request": "/x"}, "right": {"account": "/list"}})
    ));
    assert!(
        check(json!({"op": "present", "value": {"account": "/none"}})),
        "null is a value"
    );
    assert!(check(
        json!({"op": "absent", "value": {"account": "/list/2"}})
    ));
    assert!(!check(
        json!({"op": "equals", "left": {"account": "/x"}, "right": {"value": null}})
    ));
    assert!(check(json!({"op": "anyOf", "conditions": [
        {"op": "absent", "value": {"request": "/n"}},
        {"op": "equals", "left": {"holds": {"op": "present", "value": {"account": "/list/0"}}}, "right": {"value": true}}
    ]})));
}

#[test]
fn fills_write_the_account_into_the_answer_and_remove_what_it_lacks() {
    let rule: Rule = serde_json::from_value(json!({"respond": 200, "fill": [
        {"at": "/data/list", "value": {"account": "/list"}},
        {"at": "/data/first", "value": {"account": "/first"}},
        {"each": "/items", "at": "/on", "value": {"holds": {"op": "in", "left": {"item": "/id"}, "right": {"account": "/list"}}}}
    ]}))
    .expect("rule");
    let mut answer = json!({"data": {"list": [], "first": "stale"}, "items": [{"id": 1, "on": false}, {"id": 3, "on": true}]});
    rule.fill_answer(
        RequestValues::default(),
        &json!({"list": [1, 2]}),
        &mut answer,
    );
    assert_eq!(
        answer,
        json!({"data": {"list": [1, 2]}, "items": [{"id": 1, "on": true}, {"id": 3, "on": false}]})
    );
}

#[test]
fn a_pointer_that_does_not_parse_does_not_load_and_is_named() {
    let error = serde_json::from_value::<Rule>(json!({"respond": 200,
        "change": [{"op": "set", "path": "no-slash", "value": {"value": 1}}]}))
    .expect_err("a bad pointer");
    assert!(
        error
            .to_string()
            .contains("\"no-slash\" is not a JSON pointer"),
        "{error}"
    );
    let pointer = Pointer::parse("/a~1b/0").expect("parses");
    assert_eq!(pointer.get(&json!({"a/b": ["x"]})), Some(&json!("x")));
    let mut value = json!({"list": [1, 2, 3]});
    Pointer::parse("/list/1")
        .expect("parses")
        .remove(&mut value);
    assert_eq!(value, json!({"list": [1, 3]}));
}

#[test]
fn an_unknown_operator_does_not_load() {
    let error = serde_json::from_value::<Rule>(json!({"respond": 200, "when": [{"op": "like", "left": {"value": 1}, "right": {"value": 1}}]}))
        .expect_err("unknown op");
    assert!(error.to_string().contains("like"), "{error}");
}
