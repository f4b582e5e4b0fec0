//! Evaluating rules against a request and an account. Pure functions over JSON values; the
//! caller holds whatever lock guards the account.

use std::borrow::Cow;

use jsonptr::Pointer;
use serde_json::{Map, Value};

use super::{Change, Condition, Fill, Rule, Source};

/// What a request offers the rules: its body (when it has one) and its parameters, already
/// typed as their schemas say.
#[derive(Debug, Default, Clone, Copy)]
pub struct RequestValues<'a> {
    pub body: Option<&'a Value>,
    pub path: Option<&'a Map<String, Value>>,
    pub query: Option<&'a Map<String, Value>>,
    /// Lower-case names.
    pub headers: Option<&'a Map<String, Value>>,
}

/// The rule that applied, by index, after its changes were made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Applied {
    pub rule: usize,
    pub status: u16,
}

/// Everything a source may read.
struct Scope<'a> {
    request: RequestValues<'a>,
    account: &'a Value,
    item: Option<&'a Value>,
}

/// The value of `pointer` in `value`; a pointer that does not parse resolves to nothing (the
/// loader rejects such pointers before any request).
pub fn resolve<'v>(value: &'v Value, pointer: &str) -> Option<&'v Value> {
    Pointer::parse(pointer)
        .ok()
        .and_then(|p| p.resolve(value).ok())
}

fn read<'a>(source: &'a Source, scope: &Scope<'a>) -> Option<Cow<'a, Value>> {
    let named = |map: Option<&'a Map<String, Value>>, name: &str| {
        map.and_then(|m| m.get(name)).map(Cow::Borrowed)
    };
    match source {
        Source::Request(p) => scope
            .request
            .body
            .and_then(|b| resolve(b, p))
            .map(Cow::Borrowed),
        Source::Path(name) => named(scope.request.path, name),
        Source::Query(name) => named(scope.request.query, name),
        Source::Header(name) => named(scope.request.headers, &name.to_ascii_lowercase()),
        Source::Account(p) => resolve(scope.account, p).map(Cow::Borrowed),
        Source::Item(p) => scope.item.and_then(|i| resolve(i, p)).map(Cow::Borrowed),
        Source::Value(v) => Some(Cow::Borrowed(v)),
        Source::Holds(condition) => Some(Cow::Owned(Value::Bool(test(condition, scope)))),
    }
}

fn contains(set: Option<&Value>, value: Option<&Value>) -> bool {
    match (set.and_then(Value::as_array), value) {
        (Some(set), Some(value)) => set.contains(value),
        _ => false,
    }
}

fn test(condition: &Condition, scope: &Scope<'_>) -> bool {
    match condition {
        Condition::Equals { left, right } => read(left, scope) == read(right, scope),
        Condition::NotEquals { left, right } => read(left, scope) != read(right, scope),
        Condition::In { left, right } => {
            contains(read(right, scope).as_deref(), read(left, scope).as_deref())
        }
        Condition::NotIn { left, right } => {
            !contains(read(right, scope).as_deref(), read(left, scope).as_deref())
        }
        Condition::Present { value } => read(value, scope).is_some(),
        Condition::Absent { value } => read(value, scope).is_none(),
        Condition::AnyOf { conditions } => conditions.iter().any(|c| test(c, scope)),
    }
}

/// Whether `condition` holds for this request and account (no element in scope).
pub fn holds(condition: &Condition, request: RequestValues<'_>, account: &Value) -> bool {
    test(
        condition,
        &Scope {
            request,
            account,
            item: None,
        },
    )
}

fn all_hold(conditions: &[Condition], scope: &Scope<'_>) -> bool {
    conditions.iter().all(|c| test(c, scope))
}

/// Picks the first rule whose conditions hold and makes its changes to `account`; `None` when
/// no rule applies (the account is untouched).
pub fn apply(rules: &[Rule], request: RequestValues<'_>, account: &mut Value) -> Option<Applied> {
    let index = rules.iter().position(|rule| {
        all_hold(
            &rule.when,
            &Scope {
                request,
                account,
                item: None,
            },
        )
    })?;
    for change in &rules[index].change {
        make(change, request, account);
    }
    Some(Applied {
        rule: index,
        status: rules[index].respond,
    })
}

fn make(change: &Change, request: RequestValues<'_>, account: &mut Value) {
    let scope = Scope {
        request,
        account,
        item: None,
    };
    if !all_hold(change.when(), &scope) {
        return;
    }
    let value = match change {
        Change::Add { value, .. } | Change::Remove { value, .. } | Change::Set { value, .. } => {
            read(value, &scope).map(Cow::into_owned)
        }
        Change::Unset { .. } => None,
    };
    let path = change.path();
    match (change, value) {
        (Change::Add { .. }, Some(value)) => {
            let set = slot(account, path);
            if !set.is_array() {
                *set = Value::Array(Vec::new());
            }
            let set = set.as_array_mut().expect("made an array above");
            if !set.contains(&value) {
                set.push(value);
            }
        }
        (Change::Remove { .. }, Some(value)) => {
            if let Some(Value::Array(set)) = Pointer::parse(path)
                .ok()
                .and_then(|p| p.resolve_mut(account).ok())
            {
                set.retain(|v| v != &value);
            }
        }
        (Change::Set { .. }, Some(value)) => *slot(account, path) = value,
        (Change::Set { .. }, None) | (Change::Unset { .. }, _) => {
            if let Ok(pointer) = Pointer::parse(path) {
                pointer.delete(account);
            }
        }
        (Change::Add { .. } | Change::Remove { .. }, None) => {}
    }
}

/// The value at `path` in `document`, made (with objects on the way) if it is not there.
fn slot<'v>(document: &'v mut Value, path: &str) -> &'v mut Value {
    let Ok(pointer) = Pointer::parse(path) else {
        return document;
    };
    pointer.tokens().fold(document, |at, token| {
        if !at.is_object() && !at.is_array() {
            *at = Value::Object(Map::new());
        }
        match at {
            Value::Array(items) => match token
                .to_index()
                .ok()
                .and_then(|i| i.for_len_incl(items.len()).ok())
            {
                Some(i) if i == items.len() => {
                    items.push(Value::Null);
                    &mut items[i]
                }
                Some(i) => &mut items[i],
                None => {
                    items.push(Value::Null);
                    items.last_mut().expect("just pushed")
                }
            },
            Value::Object(map) => map
                .entry(token.decoded().into_owned())
                .or_insert(Value::Null),
            _ => unreachable!("made an object above"),
        }
    })
}

impl Rule {
    /// Writes this rule's fills into `body`: what the account (after the changes) says.
    pub fn fill_answer(&self, request: RequestValues<'_>, account: &Value, body: &mut Value) {
        for fill in &self.fill {
            fill_one(fill, request, account, body);
        }
    }
}

fn fill_one(fill: &Fill, request: RequestValues<'_>, account: &Value, body: &mut Value) {
    let Some(each) = &fill.each else {
        let scope = Scope {
            request,
            account,
            item: None,
        };
        let value = read(&fill.value, &scope).map(Cow::into_owned);
        put(body, &fill.at, value);
        return;
    };
    let Some(Value::Array(items)) = Pointer::parse(each)
        .ok()
        .and_then(|p| p.resolve_mut(body).ok())
    else {
        return;
    };
    for item in items.iter_mut() {
        let value = {
            let scope = Scope {
                request,
                account,
                item: Some(item),
            };
            read(&fill.value, &scope).map(Cow::into_owned)
        };
        put(item, &fill.at, value);
    }
}

fn put(body: &mut Value, at: &str, value: Option<Value>) {
    match value {
        Some(value) => *slot(body, at) = value,
        None => {
            if let Ok(pointer) = Pointer::parse(at) {
                pointer.delete(body);
            }
        }
    }
}
