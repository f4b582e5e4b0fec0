//! A JSON pointer parsed once, when the contract loads: its tokens decoded, so reading a value
//! at it on every request is a walk of map lookups, not a parse.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pointer {
    text: String,
    tokens: Vec<String>,
}

impl Pointer {
    pub fn parse(text: &str) -> Result<Self, String> {
        let parsed = jsonptr::Pointer::parse(text)
            .map_err(|e| format!("{text:?} is not a JSON pointer: {e}"))?;
        Ok(Self {
            text: text.to_owned(),
            tokens: parsed.tokens().map(|t| t.decoded().into_owned()).collect(),
        })
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The value at this pointer in `value`, if there is one.
    pub fn get<'v>(&self, value: &'v Value) -> Option<&'v Value> {
        self.tokens.iter().try_fold(value, |at, token| match at {
            Value::Object(map) => field(map, token),
            Value::Array(items) => items.get(index(token)?),
            _ => None,
        })
    }

    pub fn get_mut<'v>(&self, value: &'v mut Value) -> Option<&'v mut Value> {
        self.tokens.iter().try_fold(value, |at, token| match at {
            Value::Object(map) => map.get_mut(token),
            Value::Array(items) => items.get_mut(index(token)?),
            _ => None,
        })
    }

    /// The value at this pointer, made (with objects on the way, `-` or the length appending to
    /// an array) if it is not there.
    pub fn slot<'v>(&self, value: &'v mut Value) -> &'v mut Value {
        self.tokens.iter().fold(value, |at, token| {
            if !at.is_object() && !at.is_array() {
                *at = Value::Object(Map::new());
            }
            match at {
                Value::Array(items) => {
                    let i = index(token)
                        .filter(|i| *i < items.len())
                        .unwrap_or_else(|| {
                            items.push(Value::Null);
                            items.len() - 1
                        });
                    &mut items[i]
                }
                Value::Object(map) => map.entry(token.clone()).or_insert(Value::Null),
                _ => unreachable!("made an object above"),
            }
        })
    }

    /// Removes the value at this pointer, if there is one.
    pub fn remove(&self, value: &mut Value) {
        let Some((last, parents)) = self.tokens.split_last() else {
            return;
        };
        let parent = parents.iter().try_fold(&mut *value, |at, token| match at {
            Value::Object(map) => map.get_mut(token),
            Value::Array(items) => items.get_mut(index(token)?),
            _ => None,
        });
        match parent {
            Some(Value::Object(map)) => {
                map.shift_remove(last);
            }
            Some(Value::Array(items)) => {
                if let Some(i) = index(last).filter(|i| *i < items.len()) {
                    items.remove(i);
                }
            }
            _ => {}
        }
    }
}

/// A member of `map`: a scan of a small object (an account, a request body) costs less than
/// hashing the name.
fn field<'v>(map: &'v Map<String, Value>, name: &str) -> Option<&'v Value> {
    if map.len() <= 16 {
        map.iter()
            .find(|(key, _)| key.as_str() == name)
            .map(|(_, v)| v)
    } else {
        map.get(name)
    }
}

fn index(token: &str) -> Option<usize> {
    if token.len() > 1 && token.starts_with('0') {
        return None;
    }
    token.parse().ok()
}

impl<'de> Deserialize<'de> for Pointer {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Pointer::parse(&text).map_err(serde::de::Error::custom)
    }
}

impl Serialize for Pointer {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.text)
    }
}
