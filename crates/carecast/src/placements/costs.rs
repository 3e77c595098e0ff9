//! Unit costs, spend, and published spend reconciled against counts and unit costs.

use super::{MarketInputs, UnitCost};
use crate::{AgeBand, BandScheme, Error, PlacementType, Result};

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
///
/// # Errors
///
/// [`Error::UnknownName`] for a label that names no cost band, with the nearest.
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
