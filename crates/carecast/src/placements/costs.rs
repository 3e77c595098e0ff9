//! Unit costs, spend, and published spend reconciled against counts and unit costs.

use serde::{Deserialize, Serialize};

use super::*;
use crate::{AgeBand, BandScheme, Date, Error, PlacementType, Result};

impl MarketInputs {
    /// The unit costs with replacements applied.
    pub(super) fn costs_with(&self, replace: &[UnitCost]) -> Result<Vec<UnitCost>> {
        let mut costs = self.unit_costs.clone();
        for (i, c) in replace.iter().enumerate() {
            check_cost(&format!("unit_costs[{i}]"), c)?;
            let mut c = c.clone();
            if let Some(b) = &c.band {
                c.band = Some(cost_band(b).map_err(|e| {
                    Error::argument(
                        format!("unit_costs[{i}].band"),
                        format!("{b:?}"),
                        e.to_string(),
                    )
                })?);
            }
            costs.retain(|x| {
                !(x.placement == c.placement && (c.band.is_none() || x.band == c.band))
            });
            costs.push(c);
        }
        Ok(costs)
    }
}

impl MarketInputs {
    /// Spend computed from the published counts at the 31 Marches around each year with
    /// published spend, against that spend.
    pub fn reconcile_spend(
        &self,
        unit_costs: &[UnitCost],
        inflation: f64,
    ) -> Result<Vec<SpendCheck>> {
        check_inflation(inflation)?;
        let costs = self.costs_with(unit_costs)?;
        let all: Vec<&MixObservation> = self
            .observations
            .iter()
            .filter(|o| (o.lo, o.hi) == (0, 18))
            .collect();
        let mut out = Vec::new();
        for p in &self.published_spend {
            let at = |d: Date| all.iter().find(|o| o.date == d);
            let (start, end) = (at(p.year.start()), at(p.year.end()));
            let (counts, method): (Vec<f64>, String) = match (start, end) {
                (Some(a), Some(b)) => (
                    p.types
                        .iter()
                        .map(|t| {
                            0.5 * (a.counts.get(t).copied().unwrap_or(0.0)
                                + b.counts.get(t).copied().unwrap_or(0.0))
                        })
                        .collect(),
                    format!("children at {} and {} averaged", a.date, b.date),
                ),
                (Some(o), None) | (None, Some(o)) => (
                    p.types
                        .iter()
                        .map(|t| o.counts.get(t).copied().unwrap_or(0.0))
                        .collect(),
                    format!(
                        "children at {} only (no count at the year's other 31 March)",
                        o.date
                    ),
                ),
                (None, None) => {
                    out.push(SpendCheck {
                        year: p.year.to_string(),
                        what: p.what.clone(),
                        published: p.value,
                        computed: None,
                        difference: None,
                        percent: None,
                        children: None,
                        method: "no placement counts at either 31 March of the year".into(),
                        source: p.source.clone(),
                    });
                    continue;
                }
            };
            let mut computed = Some(0.0);
            let mut missing = Vec::new();
            for (t, c) in p.types.iter().zip(&counts) {
                let cs: Vec<&UnitCost> = costs.iter().filter(|u| u.placement == *t).collect();
                if cs.is_empty() {
                    if *c > 0.0 {
                        missing.push(t.code());
                        computed = None;
                    }
                    continue;
                }
                // All ages: the mean of the type's band costs (no age split in the counts).
                let annual = cs.iter().map(|u| u.annual).sum::<f64>() / cs.len() as f64;
                let factor = (1.0 + inflation / 100.0).powi(p.year.end_year() - cs[0].price_year);
                computed = computed.map(|x| x + c * annual * factor);
            }
            let method = if missing.is_empty() {
                format!("{method}, times unit costs at {inflation}% a year inflation")
            } else {
                format!("{method}; no unit cost for {}", missing.join(", "))
            };
            if let Some((open, close)) = p.own_counts
                && let Some(c) = costs.iter().find(|u| p.types.first() == Some(&u.placement))
            {
                let n = 0.5 * (open + close);
                let v =
                    n * c.annual * (1.0 + inflation / 100.0).powi(p.year.end_year() - c.price_year);
                out.push(SpendCheck {
                    year: p.year.to_string(),
                    what: p.what.clone(),
                    published: p.value,
                    computed: Some(v),
                    difference: Some(v - p.value),
                    percent: Some(100.0 * (v - p.value) / p.value),
                    children: Some(n),
                    method: format!(
                        "the placements printed beside the spend ({open} at the start, {close} at the end) averaged, times the unit cost at {inflation}% a year inflation"
                    ),
                    source: p.source.clone(),
                });
            }
            out.push(SpendCheck {
                year: p.year.to_string(),
                what: p.what.clone(),
                published: p.value,
                computed,
                difference: computed.map(|c| c - p.value),
                percent: computed.map(|c| 100.0 * (c - p.value) / p.value),
                children: Some(counts.iter().sum()),
                method,
                source: p.source.clone(),
            });
        }
        Ok(out)
    }
}

/// Published spend against spend computed from counts and unit costs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SpendCheck {
    /// Financial year.
    pub year: String,
    /// What the spend covers (a pool or a type code).
    pub what: String,
    /// Published pounds.
    pub published: f64,
    /// Computed pounds, if every type has a unit cost.
    pub computed: Option<f64>,
    /// computed - published.
    pub difference: Option<f64>,
    /// difference as a percent of published.
    pub percent: Option<f64>,
    /// Children (average over the year) the computation used.
    pub children: Option<f64>,
    /// How it was computed.
    pub method: String,
    /// Source of the published figure.
    pub source: String,
}

/// Inflation must be a finite percent a year between -50 and 100.
pub(super) fn check_inflation(inflation: f64) -> Result<()> {
    if !inflation.is_finite() || !(-50.0..=100.0).contains(&inflation) {
        return Err(Error::argument(
            "inflation",
            inflation,
            "must be a percent a year between -50 and 100",
        ));
    }
    Ok(())
}

pub(super) fn check_cost(what: &str, c: &UnitCost) -> Result<()> {
    if !c.annual.is_finite() || c.annual < 0.0 {
        return Err(Error::argument(
            format!("{what}.annual"),
            c.annual,
            "a unit cost must be pounds per year >= 0",
        ));
    }
    Ok(())
}

/// The cost band a label names: the cost scheme's labels (`0-1`, `2-4`, `5-10`, `11-15`,
/// `16-17`) and the way the cost tables print the oldest band (`16+`, `16 and over`).
pub fn cost_band(label: &str) -> Result<String> {
    let known: Vec<String> = BandScheme::cost()
        .bands()
        .iter()
        .map(AgeBand::label)
        .collect();
    let t = label.trim();
    let t = match t {
        "16+" | "16 and over" | "16 & over" | "16-18" => "16-17",
        "under 2" => "0-1",
        other => other,
    };
    if known.iter().any(|k| k == t) {
        return Ok(t.to_string());
    }
    let mut shown = known.clone();
    shown.push("16+".into());
    Err(Error::unknown(
        format!("cost band (one of {})", shown.join(", ")),
        label,
        shown.iter().map(String::as_str),
    ))
}

/// Annual cost and price year of a type for each fine band, if the type has costs.
pub(super) fn cost_by_band(
    costs: &[UnitCost],
    ty: PlacementType,
    fine: &BandScheme,
) -> Option<Vec<(f64, i32)>> {
    let cs: Vec<&UnitCost> = costs.iter().filter(|c| c.placement == ty).collect();
    if cs.is_empty() {
        return None;
    }
    let all = cs.iter().find(|c| c.band.is_none());
    fine.bands()
        .iter()
        .map(|b| {
            let banded = cs.iter().find(|c| {
                c.band
                    .as_deref()
                    .and_then(|l| AgeBand::parse(l).ok())
                    .is_some_and(|cb| cb.lo() <= b.lo() && b.hi() <= cb.hi())
            });
            banded
                .or(all)
                .map(|c| (c.annual, c.price_year))
                .or_else(|| {
                    // Banded costs that miss this band: the mean of the type's costs.
                    let n = cs.len() as f64;
                    Some((
                        cs.iter().map(|c| c.annual).sum::<f64>() / n,
                        cs[0].price_year,
                    ))
                })
        })
        .collect()
}
