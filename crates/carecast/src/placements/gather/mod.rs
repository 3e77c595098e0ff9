//! Reading [`MarketInputs`] from a dataset: each part of the inputs from the tables that
//! hold it (ids in [`crate::data::ids`]).

mod capacity;
mod costs;
mod mix;
mod plans;

use super::MarketInputs;
use super::inputs::MixObservation;
use crate::data::ids::table;
use crate::model::History;
use crate::{Dataset, Date, Error, FinancialYear, Period, Record, Result, Table};

/// A table's citation with its id, as the notes and sources print it.
pub(super) fn citation(t: &Table) -> String {
    format!("{} (`{}`)", t.meta.citation(), t.meta.id)
}

/// The rows of a table (none if the dataset has no such table) that `pick` chooses and
/// that hold a number, with the number.
pub(super) fn values<'a>(
    ds: &'a Dataset,
    id: &str,
    pick: impl Fn(&Record) -> bool + 'a,
) -> Vec<(&'a Record, f64)> {
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

/// The citation of a table, or nothing if the dataset has no such table.
pub(super) fn source_of(ds: &Dataset, id: &str) -> String {
    ds.table(id).map(citation).unwrap_or_default()
}

/// The financial year of a period: the year itself, or the year a date falls in.
pub(super) fn fy_of(p: &Option<Period>) -> Option<FinancialYear> {
    match p {
        Some(Period::Year(fy)) => Some(*fy),
        Some(Period::Date(d)) => Some(d.financial_year()),
        _ => None,
    }
}

/// The latest published value of a measure of a table up to the base year.
pub(super) fn latest(
    ds: &Dataset,
    id: &str,
    measure: &str,
    base: FinancialYear,
) -> Option<(FinancialYear, f64)> {
    values(ds, id, |r| r.measure == measure)
        .into_iter()
        .filter_map(|(r, v)| fy_of(&r.period).map(|y| (y, v)))
        .filter(|(y, _)| *y <= base)
        .max_by_key(|(y, _)| *y)
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
    ///
    /// # Errors
    ///
    /// [`Error::Model`] when the history is empty or the dataset has no table of children
    /// by placement type with a matching total; [`Error::Data`] located at the table (and
    /// line) when printed types add to more than the children in care, places filled
    /// exceed approved places or children in council homes exceed the beds.
    ///
    /// ```
    /// use carecast::{CohortModel, Dataset};
    /// use carecast::placements::MarketInputs;
    /// let ds = Dataset::bundled("derbyshire").unwrap();
    /// let model = CohortModel::fit(&ds).unwrap();
    /// let inputs = MarketInputs::from_dataset(&ds, &model.history).unwrap();
    /// assert_eq!(inputs.base.to_string(), "2017-03-31");
    /// assert!(inputs.fostering.households.is_some());
    /// ```
    pub fn from_dataset(ds: &Dataset, history: &History) -> Result<MarketInputs> {
        let base = history
            .flows
            .last()
            .map(|f| f.year.end())
            .ok_or_else(|| Error::model("the model's history has no years"))?;
        Self::from_dataset_at(ds, history, base)
    }

    /// As [`MarketInputs::from_dataset`], calibrated at a given 31 March.
    ///
    /// # Errors
    ///
    /// As [`MarketInputs::from_dataset`].
    pub fn from_dataset_at(ds: &Dataset, history: &History, base: Date) -> Result<MarketInputs> {
        let mut notes = Vec::new();
        let (observations, at_base, mix_table) = read_mix(ds, history, base, &mut notes)?;
        let fostering = capacity::fostering(ds, base, &at_base, &mut notes)?;
        let residential = capacity::residential(ds, base, &at_base, mix_table, &mut notes)?;
        let unit_costs = costs::unit_costs(ds, base, &mut notes);
        notes.dedup();
        Ok(MarketInputs {
            dataset: ds.name.clone(),
            observations,
            fostering,
            residential,
            unit_costs,
            within_20_miles: plans::within_20_miles(ds),
            targets: plans::targets(ds),
            published_spend: plans::published_spend(ds),
            base,
            notes,
        })
    }
}

/// The mix observations of a dataset, the all-ages one the capacity is calibrated on
/// (the latest at or before the base, else the earliest) and the id of the table read.
fn read_mix<'a>(
    ds: &'a Dataset,
    history: &History,
    base: Date,
    notes: &mut Vec<String>,
) -> Result<(Vec<MixObservation>, MixObservation, &'a str)> {
    let placement_table = table::PLACEMENT_TABLES
        .iter()
        .find_map(|id| ds.table(id).ok())
        .ok_or_else(|| {
            Error::model(format!(
                "dataset {:?} has no table of children by placement type (one of {:?})",
                ds.name,
                table::PLACEMENT_TABLES
            ))
        })?;
    let quarter_ends = mix::quarter_end_stocks(ds);
    let mut observations = mix::observations_from(placement_table, history, &quarter_ends, notes)?;
    if let Ok(t) = ds.table(table::CIC_16_17_BY_PLACEMENT) {
        observations.extend(mix::observations_from(t, history, &quarter_ends, notes)?);
    }
    if observations.iter().all(|o| (o.lo, o.hi) != (0, 18)) {
        return Err(Error::model(format!(
            "dataset {:?}: no date of `{}` has a matching total of children in care",
            ds.name,
            placement_table.id()
        )));
    }
    let all_ages = || observations.iter().filter(|o| (o.lo, o.hi) == (0, 18));
    let at_base = all_ages()
        .filter(|o| o.date <= base)
        .max_by_key(|o| o.date)
        .or_else(|| all_ages().min_by_key(|o| o.date))
        .cloned()
        .ok_or_else(|| Error::model("no placement mix at or before the base date"))?;
    if at_base.date != base {
        notes.push(format!(
            "capacity calibrated on the placement counts at {}, the nearest date to the base {base}",
            at_base.date
        ));
    }
    Ok((observations, at_base, placement_table.id()))
}
