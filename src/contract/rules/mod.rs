//! The rule language: how an operation reads and changes the account of the user who calls it.
//! An operation's rules are tried in order; the first whose conditions all hold picks the
//! documented status to answer, the changes it makes to the account, and the parts of the
//! answer that come from the account. Generic operators over JSON pointers: the engine knows
//! no field, value or endpoint (docs/contract.md, "Rules").

mod eval;
mod pointer;

use serde::{Deserialize, Serialize};
use serde_json::Value;

pub use eval::{Applied, RequestValues, apply, apply_shared, holds, resolve};
pub use pointer::Pointer;

/// One rule: when every condition holds, answer `respond`, after `change`, filled by `fill`.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Rule {
    /// Why this rule is there, for a reader and for the journal.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub says: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub when: Vec<Condition>,
    /// A documented status of the operation.
    pub respond: u16,
    /// A named example of that status; absent: the status's default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub example: Option<String>,
    /// Applied in order; each sees the account as the ones before it left it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub change: Vec<Change>,
    /// Applied to the answer after the changes.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fill: Vec<Fill>,
}

/// Where a value comes from. A pointer that resolves to nothing gives no value ("absent").
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub enum Source {
    /// A JSON pointer into the request body.
    Request(Pointer),
    /// A path parameter, by name, typed as its schema says.
    Path(String),
    /// A query parameter, by name, typed as its schema says.
    Query(String),
    /// A header, by name (case-insensitive), as text.
    Header(String),
    /// A JSON pointer into the caller's account.
    Account(Pointer),
    /// Inside `fill.each`: a JSON pointer into the element being filled.
    Item(Pointer),
    /// A constant.
    Value(Value),
    /// `true` or `false`: whether a condition holds.
    Holds(Box<Condition>),
}

/// A test over values. `in`/`notIn`: the left value is an element of the right array (absent
/// on the left: not in). `equals`/`notEquals`: JSON equality (absent equals only absent).
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(tag = "op", rename_all = "camelCase", deny_unknown_fields)]
pub enum Condition {
    Equals { left: Source, right: Source },
    NotEquals { left: Source, right: Source },
    In { left: Source, right: Source },
    NotIn { left: Source, right: Source },
    Present { value: Source },
    Absent { value: Source },
    AnyOf { conditions: Vec<Condition> },
}

/// A change to the account at `path` (a JSON pointer). `add`/`remove` treat the array there as
/// a set (an absent array is empty); `set` writes a value (an absent value removes it);
/// `unset` removes it. Each may carry its own conditions.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(tag = "op", rename_all = "camelCase", deny_unknown_fields)]
pub enum Change {
    Add {
        path: Pointer,
        value: Source,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        when: Vec<Condition>,
    },
    Remove {
        path: Pointer,
        value: Source,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        when: Vec<Condition>,
    },
    Set {
        path: Pointer,
        value: Source,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        when: Vec<Condition>,
    },
    Unset {
        path: Pointer,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        when: Vec<Condition>,
    },
}

/// A part of the answer taken from the account: the value of `value` written at `at` (a JSON
/// pointer into the body), or removed there when it is absent. With `each`, `at` is relative
/// to every element of the array `each` points at, and `{"item": ...}` reads that element.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Fill {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub each: Option<Pointer>,
    pub at: Pointer,
    pub value: Source,
}

/// A condition every account must meet, checked when the accounts are loaded.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Invariant {
    /// What it means, said when an account breaks it.
    pub says: String,
    /// The account pointer an error names.
    pub at: String,
    pub holds: Condition,
}

impl Change {
    pub fn path(&self) -> &Pointer {
        match self {
            Change::Add { path, .. }
            | Change::Remove { path, .. }
            | Change::Set { path, .. }
            | Change::Unset { path, .. } => path,
        }
    }

    fn when(&self) -> &[Condition] {
        match self {
            Change::Add { when, .. }
            | Change::Remove { when, .. }
            | Change::Set { when, .. }
            | Change::Unset { when, .. } => when,
        }
    }
}

#[cfg(test)]
mod tests;
