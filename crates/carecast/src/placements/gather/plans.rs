//! What a council planned and spent: its targets, the share of placements within 20
//! miles, and published spend.

use super::{fy_of, source_of, values};
use crate::Dataset;
use crate::data::ids::{measure, table};
use crate::placements::inputs::{PublishedSpend, Target};
use crate::placements::pools;

/// Targets: the fostering service plan's rows, by the measure of the placement model each
/// one is a target for, and the target share within 20 miles.
pub(super) fn targets(ds: &Dataset) -> Vec<Target> {
    let mut targets = Vec::new();
    for (r, v) in values(ds, table::FOSTERING_SERVICE_TARGETS, |r| {
        r.measure == measure::TARGET
    }) {
        let c = r.category.as_deref().unwrap_or("");
        let measure = if c.contains("DCC and IFA") {
            "in_house_share"
        } else if c.contains("foster homes") {
            "households"
        } else if c.contains("utilisation") {
            "utilisation"
        } else if c.contains("Contract Carers") {
            "contract_carers"
        } else {
            continue;
        };
        targets.push(Target {
            measure: measure.into(),
            placement: "fostering".into(),
            year: fy_of(&r.period).map(|y| y.to_string()),
            percent: v,
            source: source_of(ds, table::FOSTERING_SERVICE_TARGETS),
        });
    }
    for (_, v) in values(ds, table::LOCALITY, |r| r.measure == measure::TARGET_SHARE) {
        targets.push(Target {
            measure: "within_20_miles_share".into(),
            placement: "all".into(),
            year: None,
            percent: v,
            source: source_of(ds, table::LOCALITY),
        });
    }
    targets
}

/// The published shares of in-house and of external placements within 20 miles of home.
pub(super) fn within_20_miles(ds: &Dataset) -> Option<(f64, f64)> {
    let share_of = |label: &str| {
        values(ds, table::LOCALITY, |r| {
            r.measure == measure::SHARE && r.category.as_deref() == Some(label)
        })
        .first()
        .map(|(_, v)| *v)
    };
    share_of("Internal placements within 20 miles of home address").zip(share_of(
        "External placements within 20 miles of home address",
    ))
}

/// Published spend by type (with the placements printed beside it) and by pool.
pub(super) fn published_spend(ds: &Dataset) -> Vec<PublishedSpend> {
    let mut out = Vec::new();
    for id in [table::IFA_SPEND, table::AGENCY_RESIDENTIAL] {
        for (r, v) in values(ds, id, |r| r.measure == measure::SPEND) {
            if let (Some(y), Some(p)) = (fy_of(&r.period), r.placement) {
                let own = |m: &str| {
                    values(ds, id, |x| {
                        x.measure == m && x.placement == Some(p) && fy_of(&x.period) == Some(y)
                    })
                    .first()
                    .map(|(_, v)| *v)
                };
                out.push(PublishedSpend {
                    year: y,
                    what: p.code().into(),
                    types: vec![p],
                    value: v,
                    own_counts: own(measure::OPENING).zip(own(measure::CLOSING)),
                    source: source_of(ds, id),
                });
            }
        }
    }
    let ps = pools();
    for (r, v) in values(ds, table::EXPENDITURE_ANNUAL, |_| true) {
        let (Some(y), Some(c)) = (fy_of(&r.period), r.category.as_deref()) else {
            continue;
        };
        if let Some(pool) = ps.iter().find(|p| p.name.eq_ignore_ascii_case(c)) {
            out.push(PublishedSpend {
                year: y,
                what: pool.name.clone(),
                types: pool
                    .in_house
                    .iter()
                    .chain(&pool.external)
                    .copied()
                    .collect(),
                value: v,
                own_counts: None,
                source: source_of(ds, table::EXPENDITURE_ANNUAL),
            });
        }
    }
    out
}
