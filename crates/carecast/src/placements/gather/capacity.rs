//! In-house capacity at the base date: fostering households and places, contract carers,
//! council home beds.

use super::{fy_of, latest, source_of, values};
use crate::data::ids::{measure, table};
use crate::placements::inputs::{FosteringCapacity, MixObservation, ResidentialCapacity};
use crate::placements::pools;
use crate::{Dataset, Date, Error, Location, Period, PlacementType, Result};

/// Children at the base date in the given types.
fn count(at_base: &MixObservation, types: &[PlacementType]) -> f64 {
    types
        .iter()
        .map(|t| at_base.counts.get(t).copied().unwrap_or(0.0))
        .sum()
}

/// The mean of a measure of the carer-household table over its published years (0 if none).
fn household_mean(ds: &Dataset, m: &str) -> f64 {
    let v = values(ds, table::FOSTERING_HOUSEHOLDS, |r| r.measure == m);
    if v.is_empty() {
        0.0
    } else {
        v.iter().map(|(_, x)| x).sum::<f64>() / v.len() as f64
    }
}

/// Places filled must not exceed approved places in any published year.
fn check_filled_places(ds: &Dataset) -> Result<()> {
    let id = table::FOSTER_PLACEMENT_UTILISATION;
    for (y, v, line) in values(ds, id, |r| r.measure == measure::FILLED)
        .into_iter()
        .filter_map(|(r, v)| fy_of(&r.period).map(|y| (y, v, r.line)))
    {
        let cap = values(ds, id, |r| {
            r.measure == measure::CAPACITY && fy_of(&r.period) == Some(y)
        });
        if let Some((_, c)) = cap.first()
            && v > *c
        {
            let t = ds.table(id)?;
            return Err(Error::data(
                Location {
                    table: Some(t.meta.id.clone()),
                    ..Location::file(&t.meta.file)
                }
                .at_line(line),
                format!("{y}: {v} approved foster places filled out of {c}: utilisation over 100%"),
            ));
        }
    }
    Ok(())
}

/// In-house fostering capacity at the base date.
pub(super) fn fostering(
    ds: &Dataset,
    base: Date,
    at_base: &MixObservation,
    notes: &mut Vec<String>,
) -> Result<FosteringCapacity> {
    let ps = pools();
    let base_fy = base.financial_year();
    let latest_hh = latest(
        ds,
        table::FOSTERING_HOUSEHOLDS,
        measure::CARER_HOUSEHOLDS,
        base_fy,
    );
    let fost_children = count(at_base, &ps[0].in_house);
    let approved = latest(
        ds,
        table::FOSTER_PLACEMENT_UTILISATION,
        measure::CAPACITY,
        base_fy,
    );
    let filled = latest(
        ds,
        table::FOSTER_PLACEMENT_UTILISATION,
        measure::FILLED,
        base_fy,
    );
    check_filled_places(ds)?;
    let contract = values(ds, table::CONTRACT_CARE_HOUSEHOLDS, |r| {
        r.measure == measure::CAPACITY
    })
    .into_iter()
    .filter_map(|(r, v)| match r.period {
        Some(Period::Date(d)) if d <= base => Some((d, v)),
        _ => None,
    })
    .max_by_key(|(d, _)| *d);
    let contract_carers = contract.map(|(_, v)| v.min(fost_children));
    let mainstream_hh = latest_hh.map(|(_, v)| (v - contract_carers.unwrap_or(0.0)).max(0.0));
    let mainstream_children = fost_children - contract_carers.unwrap_or(0.0);
    let fostering = FosteringCapacity {
        places_per_household: match (approved, latest_hh) {
            (Some((_, places)), Some((_, hh))) if hh > 0.0 => Some(places / hh),
            _ => None,
        },
        filled_places: filled.map(|(_, v)| v),
        households: latest_hh.map(|(_, v)| v),
        households_year: latest_hh.map(|(y, _)| y.to_string()),
        children_per_household: mainstream_hh.map(|h| {
            if h > 0.0 {
                mainstream_children / h
            } else {
                0.0
            }
        }),
        approvals: household_mean(ds, measure::APPROVALS),
        resignations: household_mean(ds, measure::RESIGNATIONS),
        base_children: fost_children,
        contract_carers,
        source: source_of(ds, table::FOSTERING_HOUSEHOLDS),
    };
    if let Some((d, v)) = contract {
        notes.push(format!(
            "contract care: {v} contract carer households at {d} ({}), taken to be among the {} carer households and to look after one child in care each; so {} of the {fost_children} in-house foster placements are contract care, costed at contract-care rates, and children per mainstream household = {:.3}",
            source_of(ds, table::CONTRACT_CARE_HOUSEHOLDS),
            latest_hh.map_or("published".to_string(), |(_, h)| h.to_string()),
            fostering.contract_children(),
            fostering.children_per_household.unwrap_or(0.0)
        ));
    }
    if fostering.households.is_none() {
        notes.push("no carer-household table: in-house fostering capacity is held at the base year's in-house placements".into());
    }
    Ok(fostering)
}

/// Beds (at the base date, else the first dated) and planned beds, with the table read.
struct Beds<'a> {
    beds: Option<f64>,
    planned: Option<f64>,
    source: String,
    table: &'a str,
    file: String,
}

fn read_beds(ds: &Dataset, base: Date) -> Beds<'static> {
    let mut out = Beds {
        beds: None,
        planned: None,
        source: String::new(),
        table: "",
        file: String::new(),
    };
    for id in table::RESIDENTIAL_CAPACITY_TABLES {
        for (r, v) in values(ds, id, |_| true) {
            let dated = matches!(r.period, Some(Period::Date(d)) if d <= base)
                || matches!(r.period, Some(Period::Date(_)) if out.beds.is_none());
            match r.measure.as_str() {
                measure::CAPACITY if dated && (r.category.is_none() || r.placement.is_none()) => {
                    out.beds = Some(v);
                    out.source = source_of(ds, id);
                    out.table = id;
                    out.file = ds
                        .table(id)
                        .map(|t| t.meta.file.clone())
                        .unwrap_or_default();
                }
                measure::PLANNED_CAPACITY => out.planned = Some(v),
                _ => {}
            }
        }
        if out.beds.is_some() {
            break;
        }
    }
    out
}

/// In-house residential capacity at the base date. `mix_table` names the table the
/// children in council homes were read from, for the error on occupancy over 100%.
pub(super) fn residential(
    ds: &Dataset,
    base: Date,
    at_base: &MixObservation,
    mix_table: &str,
    notes: &mut Vec<String>,
) -> Result<ResidentialCapacity> {
    let beds = read_beds(ds, base);
    let res_children = count(at_base, &pools()[1].in_house);
    let occupancy = beds
        .beds
        .map(|b| if b > 0.0 { res_children / b } else { 0.0 });
    if let (Some(o), Some(b)) = (occupancy, beds.beds)
        && o > 1.0 + 1e-9
    {
        return Err(Error::data(
            Location {
                table: Some(beds.table.to_string()),
                ..Location::file(beds.file)
            },
            format!(
                "{res_children} children in council homes at {} (`{mix_table}`) against {b} beds: occupancy would be {:.0}%, over 100%",
                at_base.date,
                100.0 * o
            ),
        ));
    }
    if let Some(p) = beds.planned {
        notes.push(format!(
            "planned in-house beds ({p}) have no date in the source: applied from the first projected year"
        ));
    }
    Ok(ResidentialCapacity {
        beds: beds.beds,
        planned_beds: beds.planned,
        occupancy,
        base_children: res_children,
        source: beds.source,
    })
}
