//! Reading [`MarketInputs`] from a dataset.

mod mix;

use std::collections::BTreeMap;

use super::*;
use crate::model::History;
use crate::{
    Band, Dataset, Date, Error, FinancialYear, Period, PlacementType, Result, Table, Unit,
};
use mix::*;

/// Published costs found per (type, band): (pounds, price year, source).
type CostsFound = BTreeMap<(PlacementType, Option<String>), Vec<(f64, Option<i32>, String)>>;

pub(super) fn citation(t: &Table) -> String {
    format!("{} (`{}`)", t.meta.citation(), t.meta.id)
}

pub(super) fn values<'a>(
    ds: &'a Dataset,
    id: &str,
    pick: impl Fn(&crate::table::Record) -> bool + 'a,
) -> Vec<(&'a crate::table::Record, f64)> {
    ds.table(id)
        .map(|t| {
            t.records
                .iter()
                .filter(|r| pick(r))
                .filter_map(|r| r.cell.value().map(|v| (r, v)))
                .collect()
        })
        .unwrap_or_default()
}

pub(super) fn source_of(ds: &Dataset, id: &str) -> String {
    ds.table(id).map(citation).unwrap_or_default()
}

pub(super) fn fy_of(p: &Option<Period>) -> Option<FinancialYear> {
    match p {
        Some(Period::Year(fy)) => Some(*fy),
        Some(Period::Date(d)) => Some(d.financial_year()),
        _ => None,
    }
}

impl MarketInputs {
    /// Reads the mix, capacity, unit costs, targets and published spend of a dataset,
    /// calibrated at the last 31 March of the model's history.
    ///
    /// Tables read (all optional except a placement table): `cic_by_placement` or
    /// `placements_by_type`; `cic_16_17_by_placement`; `fostering_households`;
    /// `in_house_residential_beds` or `internal_residential_places`; rows with measure
    /// `annual_cost` in pounds per year with a placement code (any table); targets from
    /// `fostering_service_targets` and `locality`; spend from `ifa_spend`,
    /// `agency_residential` and `expenditure_annual`.
    pub fn from_dataset(ds: &Dataset, history: &History) -> Result<MarketInputs> {
        let base = history
            .flows
            .last()
            .map(|f| f.year.end())
            .ok_or_else(|| Error::model("the model's history has no years"))?;
        Self::from_dataset_at(ds, history, base)
    }

    /// As [`MarketInputs::from_dataset`], calibrated at a given 31 March.
    pub fn from_dataset_at(ds: &Dataset, history: &History, base: Date) -> Result<MarketInputs> {
        let mut notes = Vec::new();
        let table = PLACEMENT_TABLES
            .iter()
            .find_map(|id| ds.table(id).ok())
            .ok_or_else(|| {
                Error::model(format!(
                    "dataset {:?} has no table of children by placement type (one of {:?})",
                    ds.name, PLACEMENT_TABLES
                ))
            })?;
        let quarter_ends = quarter_end_stocks(ds);
        let mut observations = observations_from(table, history, &quarter_ends, &mut notes)?;
        if let Ok(t) = ds.table("cic_16_17_by_placement") {
            observations.extend(observations_from(t, history, &quarter_ends, &mut notes)?);
        }
        if observations.iter().all(|o| (o.lo, o.hi) != (0, 18)) {
            return Err(Error::model(format!(
                "dataset {:?}: no date of `{}` has a matching total of children in care",
                ds.name,
                table.id()
            )));
        }
        let at_base = observations
            .iter()
            .filter(|o| (o.lo, o.hi) == (0, 18) && o.date <= base)
            .max_by_key(|o| o.date)
            .or_else(|| {
                observations
                    .iter()
                    .filter(|o| (o.lo, o.hi) == (0, 18))
                    .min_by_key(|o| o.date)
            })
            .cloned()
            .ok_or_else(|| Error::model("no placement mix at or before the base date"))?;
        if at_base.date != base {
            notes.push(format!(
                "capacity calibrated on the placement counts at {}, the nearest date to the base {base}",
                at_base.date
            ));
        }
        let count = |ts: &[PlacementType]| -> f64 {
            ts.iter()
                .map(|t| at_base.counts.get(t).copied().unwrap_or(0.0))
                .sum()
        };
        let ps = pools();
        // Fostering capacity.
        let base_fy = base.financial_year();
        // The latest year up to the base year of a measure of a table.
        let latest = |id: &str, measure: &str| -> Option<(FinancialYear, f64)> {
            values(ds, id, |r| r.measure == measure)
                .into_iter()
                .filter_map(|(r, v)| fy_of(&r.period).map(|y| (y, v)))
                .filter(|(y, _)| *y <= base_fy)
                .max_by_key(|(y, _)| *y)
        };
        let latest_hh = latest("fostering_households", "carer_households");
        let mean_of = |m: &str| -> f64 {
            let v = values(ds, "fostering_households", |r| r.measure == m);
            if v.is_empty() {
                0.0
            } else {
                v.iter().map(|(_, x)| x).sum::<f64>() / v.len() as f64
            }
        };
        let fost_children = count(&ps[0].in_house);
        let approved = latest("foster_placement_utilisation", "capacity");
        let filled = latest("foster_placement_utilisation", "filled");
        for (y, v, line) in values(ds, "foster_placement_utilisation", |r| {
            r.measure == "filled"
        })
        .into_iter()
        .filter_map(|(r, v)| fy_of(&r.period).map(|y| (y, v, r.line)))
        {
            let cap = values(ds, "foster_placement_utilisation", |r| {
                r.measure == "capacity" && fy_of(&r.period) == Some(y)
            });
            if let Some((_, c)) = cap.first()
                && v > *c
            {
                let t = ds.table("foster_placement_utilisation")?;
                return Err(Error::data(
                    crate::error::Location {
                        table: Some(t.meta.id.clone()),
                        ..crate::error::Location::file(&t.meta.file)
                    }
                    .at_line(line),
                    format!(
                        "{y}: {v} approved foster places filled out of {c}: utilisation over 100%"
                    ),
                ));
            }
        }
        let contract = values(ds, "contract_care_households", |r| r.measure == "capacity")
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
            approvals: mean_of("approvals"),
            resignations: mean_of("resignations"),
            base_children: fost_children,
            contract_carers,
            source: source_of(ds, "fostering_households"),
        };
        if let Some((d, v)) = contract {
            notes.push(format!(
                "contract care: {v} contract carer households at {d} ({}), taken to be among the {} carer households and to look after one child in care each; so {} of the {fost_children} in-house foster placements are contract care, costed at contract-care rates, and children per mainstream household = {:.3}",
                source_of(ds, "contract_care_households"),
                latest_hh.map_or("published".to_string(), |(_, h)| h.to_string()),
                fostering.contract_children(),
                fostering.children_per_household.unwrap_or(0.0)
            ));
        }
        if fostering.households.is_none() {
            notes.push("no carer-household table: in-house fostering capacity is held at the base year's in-house placements".into());
        }
        // Residential capacity.
        let mut beds = None;
        let mut planned = None;
        let mut beds_source = String::new();
        let (mut beds_table, mut beds_file) = ("", String::new());
        for id in ["in_house_residential_beds", "internal_residential_places"] {
            for (r, v) in values(ds, id, |_| true) {
                let dated = matches!(r.period, Some(Period::Date(d)) if d <= base)
                    || matches!(r.period, Some(Period::Date(_)) if beds.is_none());
                match r.measure.as_str() {
                    "capacity" if dated && (r.category.is_none() || r.placement.is_none()) => {
                        beds = Some(v);
                        beds_source = source_of(ds, id);
                        beds_table = id;
                        beds_file = ds
                            .table(id)
                            .map(|t| t.meta.file.clone())
                            .unwrap_or_default();
                    }
                    "planned_capacity" => planned = Some(v),
                    _ => {}
                }
            }
            if beds.is_some() {
                break;
            }
        }
        let res_children = count(&ps[1].in_house);
        let occupancy = beds.map(|b| if b > 0.0 { res_children / b } else { 0.0 });
        if let (Some(o), Some(b)) = (occupancy, beds)
            && o > 1.0 + 1e-9
        {
            return Err(Error::data(
                crate::error::Location {
                    table: Some(beds_table.to_string()),
                    ..crate::error::Location::file(beds_file)
                },
                format!(
                    "{res_children} children in council homes at {} (`{}`) against {b} beds: occupancy would be {:.0}%, over 100%",
                    at_base.date,
                    table.id(),
                    100.0 * o
                ),
            ));
        }
        if planned.is_some() {
            notes.push(format!(
                "planned in-house beds ({}) have no date in the source: applied from the first projected year",
                planned.unwrap_or_default()
            ));
        }
        let residential = ResidentialCapacity {
            beds,
            planned_beds: planned,
            occupancy,
            base_children: res_children,
            source: beds_source,
        };
        // Unit costs: every annual cost in pounds per year with a placement code.
        let mut unit_costs: Vec<UnitCost> = Vec::new();
        let mut grouped: CostsFound = BTreeMap::new();
        for t in &ds.tables {
            for r in &t.records {
                if r.measure != "annual_cost" || r.unit != Unit::GbpPerYear {
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
        // Costs printed without a placement type (complex cases, Staying Put, short
        // breaks, allowances after orders): read, named, and not applied to placements.
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
        let latest_price = grouped.values().flatten().filter_map(|(_, y, _)| *y).max();
        for ((p, band), vs) in grouped {
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
                source: vs[0].2.clone(),
            });
        }
        unit_costs.dedup();
        notes.dedup();
        // Targets.
        let mut targets = Vec::new();
        // The fostering service plan's rows, by the measure of the placement model each
        // one is a target for.
        for (r, v) in values(ds, "fostering_service_targets", |r| r.measure == "target") {
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
                source: source_of(ds, "fostering_service_targets"),
            });
        }
        for (_, v) in values(ds, "locality", |r| r.measure == "target_share") {
            targets.push(Target {
                measure: "within_20_miles_share".into(),
                placement: "all".into(),
                year: None,
                percent: v,
                source: source_of(ds, "locality"),
            });
        }
        let share_of = |label: &str| {
            values(ds, "locality", |r| {
                r.measure == "share" && r.category.as_deref() == Some(label)
            })
            .first()
            .map(|(_, v)| *v)
        };
        let within_20_miles = match (
            share_of("Internal placements within 20 miles of home address"),
            share_of("External placements within 20 miles of home address"),
        ) {
            (Some(a), Some(b)) => Some((a, b)),
            _ => None,
        };
        // Published spend.
        let mut published_spend = Vec::new();
        for (id, pick) in [("ifa_spend", "spend"), ("agency_residential", "spend")] {
            for (r, v) in values(ds, id, |r| r.measure == pick) {
                if let (Some(y), Some(p)) = (fy_of(&r.period), r.placement) {
                    let own = |m: &str| {
                        values(ds, id, |x| {
                            x.measure == m && x.placement == Some(p) && fy_of(&x.period) == Some(y)
                        })
                        .first()
                        .map(|(_, v)| *v)
                    };
                    published_spend.push(PublishedSpend {
                        year: y,
                        what: p.code().into(),
                        types: vec![p],
                        value: v,
                        own_counts: own("opening").zip(own("closing")),
                        source: source_of(ds, id),
                    });
                }
            }
        }
        for (r, v) in values(ds, "expenditure_annual", |_| true) {
            let (Some(y), Some(c)) = (fy_of(&r.period), r.category.as_deref()) else {
                continue;
            };
            if let Some(pool) = ps.iter().find(|p| p.name.eq_ignore_ascii_case(c)) {
                published_spend.push(PublishedSpend {
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
                    source: source_of(ds, "expenditure_annual"),
                });
            }
        }
        Ok(MarketInputs {
            dataset: ds.name.clone(),
            observations,
            fostering,
            residential,
            unit_costs,
            within_20_miles,
            targets,
            published_spend,
            base,
            notes,
        })
    }
}
