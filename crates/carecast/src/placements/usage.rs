//! "Placement usage at N children" tables, recomputed.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::MixObservation;
use crate::{Error, PlacementType, Result, Table};

/// The largest total of children [`usage_estimates`] applies shares to: one million,
/// about twelve times the children in care in all of England (83,630 on 31 March 2024,
/// DfE, "Children looked after in England including adoptions", 2024). Larger totals are
/// refused, so that shares times the total can neither overflow nor print as noise.
pub const MAX_TOTAL_CHILDREN: f64 = 1_000_000.0;

/// Applies a total to a published mix at one date: children by type if `total` children
/// were in care, on the shares of `obs` (the "placement usage at N" tables).
pub fn usage_at(obs: &MixObservation, total: f64) -> BTreeMap<PlacementType, f64> {
    obs.shares()
        .into_iter()
        .map(|(t, s)| (t, s * total))
        .collect()
}

/// One row of a "placement usage at N children" table, recomputed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UsageEstimate {
    /// The printed row label.
    pub category: String,
    /// Placement type code, if the row maps to one.
    pub placement: Option<String>,
    /// The printed share, percent.
    pub share: f64,
    /// The printed estimate, if printed.
    pub published: Option<f64>,
    /// `total` times the printed share.
    pub computed: f64,
}

/// Recomputes a "placement usage at N children in care" table: each row's printed share
/// of the current mix (measure `share`, percent) times `total`. The `Total` row is the sum
/// of the other rows' shares times `total`. Rows are matched on their category.
///
/// # Errors
///
/// [`Error::InvalidArgument`] for a negative or non-finite total, or one over
/// [`MAX_TOTAL_CHILDREN`]; [`Error::Data`] at the line of a
/// share that holds no number; [`Error::Model`] when the table has no `share` rows.
///
/// ```
/// use carecast::Dataset;
/// use carecast::placements::usage_estimates;
/// let ds = Dataset::bundled("derbyshire").unwrap();
/// let rows = usage_estimates(ds.table("placement_usage_700").unwrap(), 700.0).unwrap();
/// let ifa = rows.iter().find(|r| r.category == "IFAs").unwrap();
/// assert_eq!((ifa.computed, ifa.published), (168.0, Some(170.0)));
/// ```
pub fn usage_estimates(t: &Table, total: f64) -> Result<Vec<UsageEstimate>> {
    if !total.is_finite() || !(0.0..=MAX_TOTAL_CHILDREN).contains(&total) {
        return Err(Error::argument(
            "total",
            total,
            format!(
                "must be a number of children from 0 to {MAX_TOTAL_CHILDREN} (MAX_TOTAL_CHILDREN)"
            ),
        ));
    }
    let mut out: Vec<UsageEstimate> = Vec::new();
    for r in t.records.iter().filter(|r| r.measure == "share") {
        let category = r.category.as_deref().unwrap_or_default().to_string();
        let share = r.cell.value().ok_or_else(|| {
            Error::data(
                crate::error::Location::file(&t.meta.file).at_line(r.line),
                format!("share of {category:?} is {}, not a number", r.cell.status()),
            )
        })?;
        let published = t
            .records
            .iter()
            .find(|x| x.measure != "share" && x.category.as_deref() == Some(category.as_str()))
            .and_then(|x| x.cell.value());
        out.push(UsageEstimate {
            placement: r.placement.map(|p| p.code().to_string()),
            category,
            share,
            published,
            computed: total * share / 100.0,
        });
    }
    if out.is_empty() {
        return Err(Error::model(format!(
            "table `{}` has no `share` rows to apply to a total",
            t.meta.id
        )));
    }
    let parts: f64 = out
        .iter()
        .filter(|u| u.category != "Total")
        .map(|u| u.share)
        .sum();
    if let Some(tot) = out.iter_mut().find(|u| u.category == "Total") {
        tot.computed = total * parts / 100.0;
    }
    Ok(out)
}
