//! The valid request space as case generation sees it: the request schema's object model, the
//! property `request.selects` points at, one valid body per enumerated combination, and the
//! method and content type every case starts from. Built once; planning, negatives and
//! sampling read it and never reach into each other.

use serde_json::{Map, Value};

use super::{Auth, ObjectModel, Property, Request};
use crate::contract::{Contract, Schema};

pub(super) struct Space<'c> {
    pub(super) model: ObjectModel,
    /// The property `request.selects` points at, and its enum.
    pub(super) selected: Property,
    /// One valid body per enumerated combination.
    pub(super) bases: Vec<Map<String, Value>>,
    pub(super) method: String,
    pub(super) content_type: String,
    /// The request validator: it decides whether a candidate body is valid.
    pub(super) oracle: &'c Schema,
    /// Whether requests carry a body; without one, every case is sent none.
    pub(super) takes_body: bool,
    /// Whether a request without a body is refused (a body may be optional).
    pub(super) body_required: bool,
    /// The operation's required header parameters, sent with every case.
    pub(super) headers: Vec<(String, String)>,
}

impl<'c> Space<'c> {
    pub(super) fn new(contract: &'c Contract) -> Self {
        let model = ObjectModel::from_schema(
            &contract.resolve_properties(&contract.request_schema().document),
        );
        let name = contract.selected_property().to_owned();
        let selected = model.property(&name).cloned().unwrap_or(Property {
            name,
            types: vec!["string".into()],
            values: None,
        });
        Self {
            bases: enumerate(&model),
            model,
            selected,
            method: contract.method().to_owned(),
            content_type: contract.request_spec().content_type.clone(),
            oracle: contract.request_schema(),
            takes_body: contract.takes_body(),
            body_required: contract.body_required(),
            headers: contract.parameter_headers().to_vec(),
        }
    }

    /// The endpoint's method and content type, with `auth` and `body`.
    pub(super) fn request(&self, auth: Auth, body: Vec<u8>) -> Request {
        let (content_type, body) = if self.takes_body {
            (Some(self.content_type.clone()), body)
        } else {
            (None, Vec::new())
        };
        Request {
            method: self.method.clone(),
            auth,
            content_type,
            headers: self.headers.clone(),
            title_case: false,
            body,
            path: None,
        }
    }

    /// The first enumerated valid body.
    pub(super) fn base(&self) -> Map<String, Value> {
        self.bases.first().cloned().unwrap_or_default()
    }
}

/// Every combination of the required properties' sample values (capped), as bodies.
pub(super) fn enumerate(model: &ObjectModel) -> Vec<Map<String, Value>> {
    const CAP: usize = 256;
    let mut bodies = vec![Map::new()];
    for property in model.required_properties() {
        let mut next = Vec::new();
        for body in &bodies {
            for value in property.sample_values() {
                let mut extended = body.clone();
                extended.insert(property.name.clone(), value);
                next.push(extended);
                if next.len() >= CAP {
                    break;
                }
            }
        }
        bodies = next;
    }
    bodies
}
