//! Evaluating rules against a request and an account. Pure functions over JSON values; the
//! caller holds whatever lock guards the account.

use std::borrow::Cow;

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

/// The value of `pointer` (text) in `value`; one that does not parse resolves to nothing.
pub fn resolve<'v>(value: &'v Value, pointer: &str) -> Option<&'v Value> {
    super::Pointer::parse(pointer).ok()?.get(value)
}

fn read<'a>(source: &'a Source, scope: &Scope<'a>) -> Option<Cow<'a, Value>> {
    let named = |map: Option<&'a Map<String, Value>>, name: &str| {
        map.and_then(|m| m.get(name)).map(Cow::Borrowed)
    };
    match source {
        Source::Request(p) => scope.request.body.and_then(|b| p.get(b)).map(Cow::Borrowed),
        Source::Path(name) => named(scope.request.path, name),
        Source::Query(name) => named(scope.request.query, name),
        Source::Header(name) => named(scope.request.headers, &name.to_ascii_lowercase()),
        Source::Account(p) => p.get(scope.account).map(Cow::Borrowed),
        Source::Item(p) => scope.item.and_then(|i| p.get(i)).map(Cow::Borrowed),
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
    let mut shared = std::sync::Arc::new(std::mem::take(account));
    let applied = apply_shared(rules, request, &mut shared);
    *account = std::sync::Arc::try_unwrap(shared).unwrap_or_else(|a| (*a).clone());
    applied
}

/// [`apply`] on a shared account: it is copied only when a change would alter it and someone
/// else (the journal) still holds it, so a request that changes nothing copies nothing.
pub fn apply_shared(
    rules: &[Rule],
    request: RequestValues<'_>,
    account: &mut std::sync::Arc<Value>,
) -> Option<Applied> {
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
        if alters(change, request, account) {
            make(change, request, std::sync::Arc::make_mut(account));
        }
    }
    Some(Applied {
        rule: index,
        status: rules[index].respond,
    })
}

/// Whether `change` would leave `account` otherwise than it is.
fn alters(change: &Change, request: RequestValues<'_>, account: &Value) -> bool {
    let scope = Scope {
        request,
        account,
        item: None,
    };
    if !all_hold(change.when(), &scope) {
        return false;
    }
    let path = change.path();
    let current = path.get(account);
    match change {
        Change::Set { value, .. } => read(value, &scope).as_deref() != current,
        Change::Unset { .. } => current.is_some(),
        Change::Add { value, .. } => read(value, &scope).is_some_and(|v| {
            !current
                .and_then(Value::as_array)
                .is_some_and(|set| set.contains(&v))
        }),
        Change::Remove { value, .. } => read(value, &scope).is_some_and(|v| {
            current
                .and_then(Value::as_array)
                .is_some_and(|set| set.contains(&v))
        }),
    }
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
            read(value, &scope)
        }
        Change::Unset { .. } => None,
    };
    let path = change.path();
    // Unchanged values are not written again: no allocation for a request that changes nothing.
    if matches!(change, Change::Set { .. })
        && value.is_some()
        && path.get(scope.account) == value.as_deref()
    {
        return;
    }
    let value = value.map(Cow::into_owned);
    match (change, value) {
        (Change::Add { .. }, Some(value)) => {
            let set = path.slot(account);
            if !set.is_array() {
                *set = Value::Array(Vec::new());
            }
            let set = set.as_array_mut().expect("made an array above");
            if !set.contains(&value) {
                set.push(value);
            }
        }
        (Change::Remove { .. }, Some(value)) => {
            if let Some(Value::Array(set)) = path.get_mut(account) {
                set.retain(|v| v != &value);
            }
        }
        (Change::Set { .. }, Some(value)) => *path.slot(account) = value,
        (Change::Set { .. }, None) | (Change::Unset { .. }, _) => path.remove(account),
        (Change::Add { .. } | Change::Remove { .. }, None) => {}
    }
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
    let Some(Value::Array(items)) = each.get_mut(body) else {
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

fn put(body: &mut Value, at: &super::Pointer, value: Option<Value>) {
    match value {
        Some(value) => *at.slot(body) = value,
        None => at.remove(body),
    }
}
