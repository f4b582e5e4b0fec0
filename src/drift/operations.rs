//! Drift over a contract of several operations: each operation probed as a contract of its
//! own (its view), its classes named with its operationId (the seed's keep their plain names,
//! so a snapshot recorded before the area was added still matches them), and every difference
//! graded and every finding made against the operation it belongs to.

use crate::Error;
use crate::contract::Contract;
use crate::remote::{Budget, Client, TargetConfig};

use super::{Observation, Row};

/// `operationId: ` for a class of an operation other than the seed's.
fn prefix(view: &Contract) -> Option<String> {
    (!view.is_seed_view()).then(|| format!("{}: ", view.manifest().operation_id))
}

/// The views `--operation` selects (every one by default), each presenting the credential
/// `config` holds for it; `[contract]` for a contract of one.
pub fn views(
    contract: &Contract,
    selected: &[String],
    config: &TargetConfig,
) -> Result<Vec<Contract>, Error> {
    let views = contract.select_views(selected).map_err(Error::Usage)?;
    Ok(views
        .into_iter()
        .map(|view| view.preferring(&|scheme| config.holds(scheme)))
        .collect())
}

/// Every selected operation observed, one after another (the target may be stateful), its rows
/// named by operation; the primary restored once at the end.
pub async fn observe(
    contract: &Contract,
    views: &[Contract],
    config: &TargetConfig,
    restore: Option<&str>,
) -> Result<Observation, Error> {
    if let [only] = views
        && contract.operations().is_empty()
    {
        return super::observe_one(only, config, restore).await;
    }
    let mut base = config.clone();
    base.url = config.url.base(contract);
    let mut merged: Option<Observation> = None;
    for view in views {
        let mut observed = super::observe_one(view, &base, None).await?;
        if let Some(prefix) = prefix(view) {
            for row in &mut observed.rows {
                row.class = format!("{prefix}{}", row.class);
            }
        }
        match &mut merged {
            None => merged = Some(observed),
            Some(merged) => merged.rows.extend(observed.rows),
        }
    }
    let mut merged = merged.expect("views is never empty");
    merged.target = base.url.to_string();
    merged.rows.sort_by(|a, b| a.class.cmp(&b.class));
    if let Some(method) = restore {
        let seed = contract.view_of_seed();
        let client = Client::new(&seed, &base)?;
        merged.restore_primary =
            Some(crate::restore::restore(&seed, &client, &Budget::new(None), method).await?);
    }
    Ok(merged)
}

/// The view a class belongs to, and the class as that view names it.
pub fn owner<'v>(views: &'v [Contract], class: &'v str) -> (&'v Contract, &'v str) {
    for view in views {
        if let Some(prefix) = prefix(view)
            && let Some(rest) = class.strip_prefix(&prefix)
        {
            return (view, rest);
        }
    }
    let seed = views.iter().find(|v| v.is_seed_view()).unwrap_or(&views[0]);
    (seed, class)
}

/// Each view's rows, named as the view names them.
pub fn rows_by_view<'v>(views: &'v [Contract], rows: &[Row]) -> Vec<(&'v Contract, Vec<Row>)> {
    views
        .iter()
        .map(|view| {
            let own = rows
                .iter()
                .filter_map(|row| {
                    let (owner, class) = owner(views, &row.class);
                    std::ptr::eq(owner, view).then(|| Row {
                        class: class.to_owned(),
                        ..row.clone()
                    })
                })
                .collect();
            (view, own)
        })
        .collect()
}
