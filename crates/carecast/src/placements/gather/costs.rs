//! Unit costs: every annual cost in pounds per year with a placement code, in any table.

use std::collections::BTreeMap;

use super::{citation, fy_of};
use crate::data::ids::measure;
use crate::placements::inputs::UnitCost;
use crate::{Band, Dataset, Date, FinancialYear, PlacementType, Unit};

/// Published costs found per (type, band): (pounds, price year, source).
type CostsFound = BTreeMap<(PlacementType, Option<String>), Vec<(f64, Option<i32>, String)>>;

fn costs_found(ds: &Dataset) -> CostsFound {
    let mut grouped: CostsFound = BTreeMap::new();
    for t in &ds.tables {
        for r in &t.records {
            if r.measure != measure::ANNUAL_COST || r.unit != Unit::GbpPerYear {
                continue;
            }
            let (Some(p), Some(v)) = (r.placement, r.cell.value()) else {
                continue;
            };
            let band = match &r.band {
                Some(Band::Ages(b)) => Some(b.label()),
                _ => None,
            };
            grouped.entry((p, band)).or_default().push((
                v,
                fy_of(&r.period).map(|y| y.end_year()),
                citation(t),
            ));
        }
    }
    grouped
}

/// Costs printed without a placement type (complex cases, Staying Put, short breaks,
/// allowances after orders): read, named, and not applied to placements.
fn note_unplaced(ds: &Dataset, notes: &mut Vec<String>) {
    let unplaced: Vec<String> = ds
        .tables
        .iter()
        .flat_map(|t| t.records.iter())
        .filter(|r| {
            r.placement.is_none()
                && matches!(r.unit, Unit::GbpPerYear | Unit::GbpPerWeek)
                && r.measure.contains("cost")
                && r.cell.value().is_some()
        })
        .filter_map(|r| {
            r.category.as_ref().map(|c| {
                format!(
                    "{c} (£{}{})",
                    r.cell.value().unwrap_or_default(),
                    if r.unit == Unit::GbpPerWeek {
                        " a week"
                    } else {
                        " a year"
                    }
                )
            })
        })
        .collect();
    if !unplaced.is_empty() {
        notes.push(format!(
            "unit costs with no placement type are not applied to placements: {} (complex cases cut across types; Staying Put and after-care housing are for young people over 18; short breaks are services, not placements)",
            unplaced.join("; ")
        ));
    }
}

/// The unit costs of a dataset: the mean of the costs published for each type and band,
/// at the latest price year printed with them (else the dataset's latest, else the base).
pub(super) fn unit_costs(ds: &Dataset, base: Date, notes: &mut Vec<String>) -> Vec<UnitCost> {
    let grouped = costs_found(ds);
    note_unplaced(ds, notes);
    let latest_price = grouped.values().flatten().filter_map(|(_, y, _)| *y).max();
    let mut unit_costs: Vec<UnitCost> = Vec::new();
    for ((p, band), vs) in grouped {
        let Some((_, _, source)) = vs.first() else {
            continue;
        };
        let n = vs.len() as f64;
        let annual = vs.iter().map(|(v, _, _)| v).sum::<f64>() / n;
        let price_year = vs
            .iter()
            .filter_map(|(_, y, _)| *y)
            .max()
            .or(latest_price)
            .unwrap_or(base.year);
        if vs.len() > 1 {
            notes.push(format!(
                "unit cost of `{}`: the mean of {} published costs ({})",
                p.code(),
                vs.len(),
                vs.iter()
                    .map(|(v, _, _)| format!("{v:.0}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        if vs.iter().all(|(_, y, _)| y.is_none()) {
            notes.push(format!(
                "unit costs of `{}` print no year: taken at {} prices, the latest year of the dataset's other costs",
                p.code(),
                FinancialYear::ending(price_year)
            ));
        }
        unit_costs.push(UnitCost {
            placement: p,
            band,
            annual,
            price_year,
            source: source.clone(),
        });
    }
    unit_costs.dedup();
    unit_costs
}
