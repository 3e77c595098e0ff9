//! Placement demand by type, in-house capacity and the external market, and spend.
//!
//! The cohort model projects how many children are in care, by age. This module turns
//! that into what a market position statement needs:
//!
//! 1. **Mix.** The shares of children by placement type at each published 31 March
//!    ([`MarketInputs::from_dataset`] reads them), by age group where the data allow
//!    (Derbyshire publishes its 16-17 year olds by type for 2017). Held, averaged or
//!    trended ([`MixMethod`]), the mix gives *demand* by type.
//! 2. **Pools.** Types are pooled by the kind of placement a child needs: fostering
//!    (in-house and contract care in-house; independent fostering agencies external) and
//!    residential (council homes in-house; agency and block-contract homes external).
//!    Each pool's demand is met in-house up to the council's capacity; the rest goes to
//!    the external market. The capacity is calibrated so that the base year reproduces the
//!    published split, so the baseline does not move children between providers.
//! 3. **Capacity.** Fostering: mainstream carer households (moved each year by the mean
//!    approvals minus resignations) times the children placed per household in the base
//!    year, plus contract carer households at one child each (where published; their
//!    children are split from the published in-house foster placements and costed at
//!    contract-care rates). Utilisation of approved places moves with the children placed
//!    in-house, from the published base-year figure. Residential: beds times the base
//!    year's occupancy. Published occupancy or utilisation over 100% is a data error.
//!    The base year (the first row of every projection) holds the published counts,
//!    whatever the mix method.
//! 4. **Spend.** Children in each type, averaged over the year's two 31 Marches, times the
//!    annual unit cost (by cost age band for in-house fostering and contract care), times
//!    inflation from the unit costs' price year. Types without a unit cost are left out of
//!    spend and named in the notes, never costed at zero.
//!
//! ```
//! use carecast::{CohortModel, Dataset, ProjectionOptions};
//! use carecast::market::{MarketInputs, MarketOptions};
//! let ds = Dataset::bundled("derbyshire").unwrap();
//! let model = CohortModel::fit(&ds).unwrap();
//! let inputs = MarketInputs::from_dataset(&ds, &model.history).unwrap();
//! let m = inputs.project(&model, &ProjectionOptions::new(2017, 5), &MarketOptions::default()).unwrap();
//! let ifa_2017 = m.value("2016/17", "ifa", "placements").unwrap();
//! assert!((ifa_2017 - 134.0).abs() < 1e-9); // the published count at 31 March 2017
//! ```

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::age::{AgeBand, Band, BandScheme};
use crate::cell::{Cell, Unit};
use crate::dataset::Dataset;
use crate::error::{Error, Result};
use crate::model::{CohortModel, History, Projection, ProjectionOptions};
use crate::period::{Date, FinancialYear, Period};
use crate::placement::PlacementType;
use crate::table::Table;

/// Tables that may hold children by placement type at dates, in order of preference.
pub const PLACEMENT_TABLES: [&str; 2] = ["cic_by_placement", "placements_by_type"];

/// The fine age bands placements are computed on: they refine both the DfE bands and the
/// cost bands (0-1, 2-4, 5-10, 11-15, 16+), so both can be summed from them.
pub const FINE_BANDS: [&str; 7] = ["under 1", "1", "2-4", "5-9", "10", "11-15", "16-17"];

/// A pool of placement types that meet the same need, split by provider.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Pool {
    /// Name: `fostering` or `residential`.
    pub name: String,
    /// Types the council provides itself, in order of preference.
    pub in_house: Vec<PlacementType>,
    /// Types bought from the external market.
    pub external: Vec<PlacementType>,
}

/// The two pools: fostering and residential.
pub fn pools() -> Vec<Pool> {
    use PlacementType::*;
    vec![
        Pool {
            name: "fostering".into(),
            in_house: vec![InHouseFostering, ContractCare],
            external: vec![Ifa],
        },
        Pool {
            name: "residential".into(),
            in_house: vec![InHouseHome],
            external: vec![AgencyHome, BlockHome],
        },
    ]
}

/// Children by placement type at one date, for one age group.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MixObservation {
    /// The date (usually 31 March).
    pub date: Date,
    /// Youngest age of the group.
    pub lo: u8,
    /// One past the oldest age of the group (18 = all children).
    pub hi: u8,
    /// Children by type (suppressed cells estimated as described in `notes`).
    pub counts: BTreeMap<PlacementType, f64>,
    /// All children in care in the group at the date.
    pub total: f64,
    /// The table it came from, with its source.
    pub source: String,
    /// How suppressed cells and missing types were filled.
    pub notes: Vec<String>,
}

impl MixObservation {
    /// The share of each type (the counts divided by the total).
    pub fn shares(&self) -> BTreeMap<PlacementType, f64> {
        self.counts
            .iter()
            .map(|(t, c)| {
                (
                    *t,
                    if self.total > 0.0 {
                        c / self.total
                    } else {
                        0.0
                    },
                )
            })
            .collect()
    }
}

/// In-house fostering capacity.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FosteringCapacity {
    /// Carer households in the base year, if published.
    pub households: Option<f64>,
    /// The financial year the households figure is for.
    pub households_year: Option<String>,
    /// Children placed in-house per household in the base year.
    pub children_per_household: Option<f64>,
    /// Households approved per year (mean of the published years).
    pub approvals: f64,
    /// Households resigning per year (mean of the published years).
    pub resignations: f64,
    /// Children placed in-house (fostering pool) at the base date.
    pub base_children: f64,
    /// Approved places per household (approved places over households), if published.
    pub places_per_household: Option<f64>,
    /// Approved places filled in the base year (published), if published: with the
    /// approved places it gives the published utilisation.
    #[serde(default)]
    pub filled_places: Option<f64>,
    /// Contract carer households at the base date, if published. They are taken to be
    /// among the carer households and to look after one child in care each (the source
    /// describes contract care as one-to-one); their children are `contract_care`
    /// placements, split from the published in-house foster placements.
    #[serde(default)]
    pub contract_carers: Option<f64>,
    /// Where the figures came from.
    pub source: String,
}

impl FosteringCapacity {
    /// Children in contract care at the base date: one per contract carer household, at
    /// most the in-house fostered children.
    pub fn contract_children(&self) -> f64 {
        self.contract_carers.unwrap_or(0.0).min(self.base_children)
    }

    /// Approved places filled as a share of approved places in the base year, percent.
    pub fn utilisation(&self) -> Option<f64> {
        match (
            self.filled_places,
            self.places_per_household,
            self.households,
        ) {
            (Some(f), Some(pph), Some(h)) if pph * h > 0.0 => Some(100.0 * f / (pph * h)),
            _ => None,
        }
    }
}

/// In-house residential capacity.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResidentialCapacity {
    /// Beds at the base date, if published.
    pub beds: Option<f64>,
    /// Beds planned later (applied from the first projected year), if published.
    pub planned_beds: Option<f64>,
    /// Children in council homes at the base date divided by beds (at most 1).
    pub occupancy: Option<f64>,
    /// Children placed in-house (residential pool) at the base date.
    pub base_children: f64,
    /// Where the figures came from.
    pub source: String,
}

/// An annual unit cost.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UnitCost {
    /// Placement type.
    pub placement: PlacementType,
    /// Cost age band (`0-1`, `2-4`, `5-10`, `11-15`, `16+`), or `None` for every age.
    #[serde(default)]
    pub band: Option<String>,
    /// Pounds per child per year.
    pub annual: f64,
    /// Price year: the calendar year of the 31 March ending the financial year of the prices.
    pub price_year: i32,
    /// Where it came from.
    #[serde(default)]
    pub source: String,
}

/// A target the council has set itself.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Target {
    /// The measure it applies to: `in_house_share`, `utilisation` (percents),
    /// `households` or `contract_carers` (counts) of the fostering pool, or
    /// `within_20_miles_share` (percent) of `all`.
    pub measure: String,
    /// The pool or `all`.
    pub placement: String,
    /// Financial year (`None` = every year).
    pub year: Option<String>,
    /// The target: a percent for share and utilisation measures, else a count (the
    /// field keeps its name for compatibility of saved inputs).
    pub percent: f64,
    /// Source.
    pub source: String,
}

/// Spend a council has published, to reconcile against.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PublishedSpend {
    /// Financial year.
    pub year: FinancialYear,
    /// What it covers: a pool name or a placement type code.
    pub what: String,
    /// The types it covers.
    pub types: Vec<PlacementType>,
    /// Pounds.
    pub value: f64,
    /// Placements at the year's start and end printed beside the spend, if any.
    #[serde(default)]
    pub own_counts: Option<(f64, f64)>,
    /// Source.
    pub source: String,
}

/// Everything the placement model reads from a dataset. Serialisable, so users can edit
/// or supply it themselves.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MarketInputs {
    /// Dataset name.
    pub dataset: String,
    /// Children by type at published dates.
    pub observations: Vec<MixObservation>,
    /// In-house fostering capacity.
    pub fostering: FosteringCapacity,
    /// In-house residential capacity.
    pub residential: ResidentialCapacity,
    /// Unit costs.
    pub unit_costs: Vec<UnitCost>,
    /// Share of in-house and of external placements within 20 miles, percent, if published.
    pub within_20_miles: Option<(f64, f64)>,
    /// Targets.
    pub targets: Vec<Target>,
    /// Published spend.
    pub published_spend: Vec<PublishedSpend>,
    /// The base date the capacity was calibrated at.
    pub base: Date,
    /// Notes on what was read and assumed.
    pub notes: Vec<String>,
}

/// How the placement mix moves forward.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(
    tag = "method",
    rename_all = "snake_case",
    try_from = "crate::model::MethodSpec"
)]
pub enum MixMethod {
    /// The mix at the base date, held.
    #[default]
    Held,
    /// The mean of the shares at the last `k` dates up to the base date.
    Mean {
        /// Dates averaged.
        k: usize,
    },
    /// A straight line through the shares at the dates up to the base date, cut at zero
    /// and rescaled to add to one.
    Trend,
}

impl TryFrom<crate::model::MethodSpec> for MixMethod {
    type Error = String;
    fn try_from(s: crate::model::MethodSpec) -> std::result::Result<Self, String> {
        const METHODS: [&str; 3] = ["held", "mean", "trend"];
        match s.method.as_str() {
            "mean" => {
                s.only(&METHODS, &["k"])?;
                Ok(MixMethod::Mean { k: s.k()? })
            }
            "trend" => s.only(&METHODS, &[]).map(|_| MixMethod::Trend),
            _ => s.only(&METHODS, &[]).map(|_| MixMethod::Held),
        }
    }
}

/// A change in effect from a year on: a scenario's capacity and cost levers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FromYear<T> {
    /// First financial year it applies to (calendar year of its 31 March).
    pub from_year: i32,
    /// The value.
    pub value: T,
}

/// Levers on the placement side (the flow levers are [`crate::model::FlowChange`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct MarketLevers {
    /// Extra in-house fostering households (one-off additions, kept afterwards).
    pub extra_households: Vec<FromYear<f64>>,
    /// Change in households approved per year (added each year from then on).
    pub approvals_per_year: Vec<FromYear<f64>>,
    /// Change in households resigning per year (added each year from then on).
    pub resignations_per_year: Vec<FromYear<f64>>,
    /// In-house children's home beds from a year on.
    pub beds: Vec<FromYear<f64>>,
    /// In-house fostering occupancy: children per household from a year on.
    pub children_per_household: Vec<FromYear<f64>>,
    /// Extra contract carer households (one-off additions, kept afterwards).
    #[serde(default)]
    pub extra_contract_carers: Vec<FromYear<f64>>,
    /// Children stepped down from residential to fostering (a level, from a year on).
    pub step_down: Vec<FromYear<f64>>,
    /// Replacement unit costs.
    pub unit_costs: Vec<UnitCost>,
    /// Inflation of unit costs, percent a year (overrides the options').
    pub inflation: Option<f64>,
}

/// Options of a placement projection.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MarketOptions {
    /// How the mix moves forward.
    pub mix: MixMethod,
    /// Inflation of unit costs, percent a year, from their price year (0 = real terms).
    pub inflation: f64,
    /// Levers.
    pub levers: MarketLevers,
}

impl Default for MarketOptions {
    fn default() -> Self {
        MarketOptions {
            mix: MixMethod::Held,
            inflation: 0.0,
            levers: MarketLevers::default(),
        }
    }
}

/// One number of a placement projection (long form).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MarketRow {
    /// Financial year (the base year first, holding its 31 March counts).
    pub year: String,
    /// Placement type code, pool name (`fostering`, `residential`) or `all`.
    pub placement: String,
    /// Measure: `placements` (children at 31 March) and `spend` (pounds in the year) by
    /// type; `demand`, `capacity` (children the council can place in-house at the base
    /// year's occupancy), `places` (approved foster places or beds, where published),
    /// `in_house`, `external`, `in_house_share` (percent) by pool; for fostering also
    /// `households` (in-house carer households, contract carers included),
    /// `contract_carers` and `utilisation` (approved places filled, percent, on the
    /// published basis) where published; `target_<measure>` for each target the council
    /// set itself; `children`, `spend`, `within_20_miles_share` and
    /// `target_within_20_miles_share` for `all`.
    pub measure: String,
    /// Value: children, pounds or percent; not rounded.
    pub value: f64,
}

/// What a placement projection assumed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MarketAssumptions {
    /// Mix method.
    pub mix: MixMethod,
    /// Dates of the mix observations used.
    pub mix_dates: Vec<String>,
    /// Age groups of the mix.
    pub mix_groups: Vec<String>,
    /// Unit costs used.
    pub unit_costs: Vec<UnitCost>,
    /// Inflation, percent a year.
    pub inflation: f64,
    /// Levers applied.
    pub levers: MarketLevers,
    /// Notes.
    pub notes: Vec<String>,
}

/// A placement projection: rows and assumptions (and the stock projection beneath).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MarketProjection {
    /// The rows.
    pub rows: Vec<MarketRow>,
    /// What was assumed.
    pub assumptions: MarketAssumptions,
    /// The projection of children in care it was computed from (fine bands).
    pub projection: Projection,
}

impl MarketProjection {
    /// The value of one row, if present.
    pub fn value(&self, year: &str, placement: &str, measure: &str) -> Option<f64> {
        self.rows
            .iter()
            .find(|r| r.year == year && r.placement == placement && r.measure == measure)
            .map(|r| r.value)
    }
}

/// How far the printed placement types may add up beyond the children in care at a date
/// before the mix is rejected: 2 children or 1% of the total, whichever is more. Published
/// tables drawn from different extracts disagree by a child or two (Derby City's types at
/// 31 March 2024 add to 488 against 487 children, `002_805fcef86a92c88e.txt`); more than
/// that is a transcription error or a table of something else.
fn mix_excess_allowed(total: f64) -> f64 {
    (0.01 * total).max(2.0)
}

/// Published costs found per (type, band): (pounds, price year, source).
type CostsFound = BTreeMap<(PlacementType, Option<String>), Vec<(f64, Option<i32>, String)>>;

fn citation(t: &Table) -> String {
    format!("{} (`{}`)", t.meta.citation(), t.meta.id)
}

/// Children in care at a 31 March from the model's history.
fn total_at(h: &History, date: Date) -> Option<f64> {
    if !date.is_year_end() {
        return None;
    }
    h.flows.iter().find_map(|f| {
        if f.year.end() == date {
            Some(f.closing.iter().sum())
        } else if f.year.start() == date {
            Some(f.opening.iter().sum())
        } else {
            None
        }
    })
}

/// Band stock in `[lo, hi)` at a 31 March from the history, when the bands line up.
fn group_total_at(h: &History, date: Date, lo: u8, hi: u8) -> Option<f64> {
    let f = h
        .flows
        .iter()
        .find(|f| f.year.end() == date || f.year.start() == date)?;
    let v = if f.year.end() == date {
        &f.closing
    } else {
        &f.opening
    };
    let mut sum = 0.0;
    let mut covered = 0u8;
    for (b, x) in h.scheme.bands().iter().zip(v) {
        if b.lo() >= lo && b.hi() <= hi {
            sum += x;
            covered += b.hi() - b.lo();
        }
    }
    (covered == hi - lo).then_some(sum)
}

/// Reads counts by type at each date from a table; fills suppressed cells from the total.
fn observations_from(
    t: &Table,
    h: &History,
    quarter_ends: &BTreeMap<Date, (f64, String)>,
    notes: &mut Vec<String>,
) -> Result<Vec<MixObservation>> {
    struct Raw {
        exact: BTreeMap<PlacementType, f64>,
        unknown: Vec<(PlacementType, Option<f64>, String)>,
        printed_total: Option<f64>,
    }
    let mut by: BTreeMap<(Date, u8, u8), Raw> = BTreeMap::new();
    for r in &t.records {
        let Some(Period::Date(d)) = r.period else {
            continue;
        };
        let (lo, hi) = match &r.band {
            Some(Band::Ages(b)) => (b.lo(), b.hi()),
            _ => (0, 18),
        };
        let raw = by.entry((d, lo, hi)).or_insert_with(|| Raw {
            exact: BTreeMap::new(),
            unknown: Vec::new(),
            printed_total: None,
        });
        match (r.placement, &r.cell) {
            (None, c) if r.category.as_deref() == Some("Total") => raw.printed_total = c.value(),
            (None, _) => {}
            (Some(p), Cell::Exact { value, .. }) => *raw.exact.entry(p).or_default() += value,
            // Not applicable: the type did not exist at that date (e.g. a block contract
            // not yet started); it takes no share rather than an estimate.
            (Some(_), Cell::NotApplicable) => {}
            (Some(p), c) => {
                let hi = c.interval().and_then(|i| i.hi);
                raw.unknown.push((p, hi, c.text()));
            }
        }
    }
    let mut out = Vec::new();
    for ((date, lo, hi), raw) in by {
        let mut obs_notes = Vec::new();
        let total = if (lo, hi) == (0, 18) {
            total_at(h, date).or_else(|| {
                quarter_ends.get(&date).map(|(v, src)| {
                    obs_notes.push(format!(
                        "{date}: children in care taken from the quarter-end closing stock of {src}"
                    ));
                    *v
                })
            })
        } else {
            group_total_at(h, date, lo, hi).or(raw.printed_total)
        };
        let Some(total) = total else {
            notes.push(format!(
                "`{}` at {date}: no total of children in care for that date in the model's history, so this date is not used for the mix",
                t.meta.id
            ));
            continue;
        };
        let mut counts = raw.exact.clone();
        let known: f64 = raw.exact.values().sum();
        let mut residual = total - known;
        if -residual > mix_excess_allowed(total) {
            return Err(Error::data(
                crate::error::Location {
                    table: Some(t.meta.id.clone()),
                    ..crate::error::Location::file(&t.meta.file)
                },
                format!(
                    "at {date}, ages {}: the placement types add to {known}, more than the {total} children in care (by more than {:.1}); the shares cannot add to one",
                    group_label(lo, hi),
                    mix_excess_allowed(total)
                ),
            ));
        }
        if residual < -1e-9 {
            obs_notes.push(format!(
                "{date}: the printed types add to {known}, more than the {total} children in care; shares are of the printed types"
            ));
        }
        residual = residual.max(0.0);
        if !raw.unknown.is_empty() {
            // Suppressed cells: the children the published total leaves for them, shared
            // equally, each at most its interval's upper bound; never read as zero.
            let n = raw.unknown.len() as f64;
            let mut left = residual;
            for (p, cap, text) in &raw.unknown {
                let v = (residual / n).min(cap.unwrap_or(f64::INFINITY));
                *counts.entry(*p).or_default() += v;
                left -= v;
                obs_notes.push(format!(
                    "{date}: `{}` printed {text:?}, estimated at {v:.2} from what the total of {total} leaves for the {} suppressed cells",
                    p.code(),
                    raw.unknown.len()
                ));
            }
            residual = left.max(0.0);
        }
        let total = if residual > 1e-9 {
            *counts.entry(PlacementType::Other).or_default() += residual;
            obs_notes.push(format!(
                "{date}: {residual:.0} children in care are in no printed type; counted as `other`"
            ));
            total
        } else {
            counts.values().sum::<f64>().max(total)
        };
        out.push(MixObservation {
            date,
            lo,
            hi,
            counts,
            total,
            source: citation(t),
            notes: obs_notes,
        });
    }
    Ok(out)
}

/// Closing stocks at quarter ends other than 31 March, from a `flows_quarterly` table
/// (measure `closing`, periods `YYYY/YY Qn`), with the table's citation.
fn quarter_end_stocks(ds: &Dataset) -> BTreeMap<Date, (f64, String)> {
    let Ok(t) = ds.table("flows_quarterly") else {
        return BTreeMap::new();
    };
    t.records
        .iter()
        .filter(|r| r.measure == "closing")
        .filter_map(|r| match (r.period, r.cell.value()) {
            (Some(Period::Quarter(fy, q)), Some(v)) if (1..=3).contains(&q) => {
                let (year, month, day) = match q {
                    1 => (fy.end_year() - 1, 6, 30),
                    2 => (fy.end_year() - 1, 9, 30),
                    _ => (fy.end_year() - 1, 12, 31),
                };
                Some((Date { year, month, day }, (v, citation(t))))
            }
            _ => None,
        })
        .collect()
}

fn values<'a>(
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

fn source_of(ds: &Dataset, id: &str) -> String {
    ds.table(id).map(citation).unwrap_or_default()
}

fn fy_of(p: &Option<Period>) -> Option<FinancialYear> {
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

    /// Checks the inputs a user may have edited: counts, capacities and costs must be
    /// finite and not negative, occupancy at most 100%.
    pub fn validate(&self) -> Result<()> {
        let bad = |what: String, v: f64, msg: &str| Err(Error::argument(what, v, msg));
        for o in &self.observations {
            for (t, c) in &o.counts {
                if !c.is_finite() || *c < 0.0 {
                    return bad(
                        format!("observations[{}].counts.{}", o.date, t.code()),
                        *c,
                        "must be a count >= 0",
                    );
                }
            }
            let sum: f64 = o.counts.values().sum();
            if o.total <= 0.0 || (sum - o.total).abs() > 0.5 + 1e-9 * o.total {
                return bad(
                    format!("observations[{}].total", o.date),
                    o.total,
                    &format!("the shares must add to one: the counts add to {sum}"),
                );
            }
        }
        let f = &self.fostering;
        for (name, v) in [
            ("fostering.households", f.households.unwrap_or(0.0)),
            (
                "fostering.children_per_household",
                f.children_per_household.unwrap_or(0.0),
            ),
            ("fostering.approvals", f.approvals),
            ("fostering.resignations", f.resignations),
            ("fostering.base_children", f.base_children),
            ("residential.beds", self.residential.beds.unwrap_or(0.0)),
            (
                "residential.planned_beds",
                self.residential.planned_beds.unwrap_or(0.0),
            ),
            ("residential.base_children", self.residential.base_children),
        ] {
            if !v.is_finite() || v < 0.0 {
                return bad(name.into(), v, "capacities cannot be negative");
            }
        }
        if let Some(o) = self.residential.occupancy
            && (!(0.0..=1.0).contains(&o) || !o.is_finite())
        {
            return bad(
                "residential.occupancy".into(),
                o,
                "utilisation must be within 0 to 100%",
            );
        }
        for (i, c) in self.unit_costs.iter().enumerate() {
            check_cost(&format!("unit_costs[{i}]"), c)?;
        }
        Ok(())
    }

    /// Projects children in care with `options` and turns the projection into placements,
    /// capacity, the external market and spend.
    pub fn project(
        &self,
        model: &CohortModel,
        options: &ProjectionOptions,
        market: &MarketOptions,
    ) -> Result<MarketProjection> {
        self.validate()?;
        let mut o = options.clone();
        o.output_bands = fine_scheme();
        o.grain = "year".into();
        let projection = model.project(&o)?;
        self.place(projection, market)
    }

    /// Turns a projection made on [`FINE_BANDS`] (yearly grain) into placements and spend.
    pub fn place(
        &self,
        projection: Projection,
        market: &MarketOptions,
    ) -> Result<MarketProjection> {
        let fine = fine_scheme();
        let labels: Vec<String> = fine.bands().iter().map(AgeBand::label).collect();
        let inflation = market.levers.inflation.unwrap_or(market.inflation);
        check_inflation(inflation)?;
        let base_year = projection.assumptions.base_year;
        let l = &market.levers;
        for (name, v) in [
            ("extra_households", &l.extra_households),
            ("approvals_per_year", &l.approvals_per_year),
            ("resignations_per_year", &l.resignations_per_year),
            ("beds", &l.beds),
            ("children_per_household", &l.children_per_household),
            ("extra_contract_carers", &l.extra_contract_carers),
            ("step_down", &l.step_down),
        ] {
            for (i, c) in v.iter().enumerate() {
                if c.from_year <= base_year {
                    return Err(Error::argument(
                        format!("levers.{name}[{i}].from_year"),
                        c.from_year,
                        format!(
                            "must be a projected year, after the base year {base_year} (whose counts are published)"
                        ),
                    ));
                }
                if !c.value.is_finite() {
                    return Err(Error::argument(
                        format!("levers.{name}[{i}].value"),
                        c.value,
                        "must be a finite number",
                    ));
                }
            }
        }
        // Stock by fine band at each 31 March: the base year, then each projected year.
        let mut years: Vec<String> = Vec::new();
        let mut stock: Vec<Vec<f64>> = Vec::new();
        let base_fy = FinancialYear::ending(projection.assumptions.base_year);
        let find = |year: &str, band: &str, measure: &str| {
            projection
                .rows
                .iter()
                .find(|r| {
                    r.year == year && r.period == year && r.band == band && r.measure == measure
                })
                .map(|r| r.value)
        };
        let missing = |what: &str| {
            Error::argument(
                "projection",
                what,
                format!(
                    "must be a yearly projection on the bands {}",
                    FINE_BANDS.join(", ")
                ),
            )
        };
        let first = base_fy.next().to_string();
        years.push(base_fy.to_string());
        stock.push(
            labels
                .iter()
                .map(|l| find(&first, l, "opening").ok_or_else(|| missing(l)))
                .collect::<Result<_>>()?,
        );
        let mut fy = base_fy;
        for _ in 0..projection.assumptions.years {
            fy = fy.next();
            let y = fy.to_string();
            stock.push(
                labels
                    .iter()
                    .map(|l| find(&y, l, "stock").ok_or_else(|| missing(l)))
                    .collect::<Result<_>>()?,
            );
            years.push(y);
        }
        let mix = self.mix_by_year(&market.mix, base_fy, years.len(), &fine)?;
        let mut rows = Vec::new();
        let mut notes = self.notes.clone();
        let ps = pools();
        let mut placements_by_year: Vec<BTreeMap<PlacementType, Vec<f64>>> = Vec::new();
        let (mut in_house_total, mut external_total) = (Vec::new(), Vec::new());
        for (t, (year, s)) in years.iter().zip(&stock).enumerate() {
            let calendar = base_fy.end_year() + t as i32;
            let lever_at = |v: &[FromYear<f64>]| -> Option<f64> {
                v.iter()
                    .filter(|c| c.from_year <= calendar)
                    .max_by_key(|c| c.from_year)
                    .map(|c| c.value)
            };
            let cumulative = |v: &[FromYear<f64>]| -> f64 {
                v.iter()
                    .map(|c| c.value * f64::from((calendar - c.from_year + 1).max(0)))
                    .sum()
            };
            // Demand by type and fine band.
            let mut demand: BTreeMap<PlacementType, Vec<f64>> = BTreeMap::new();
            for (b, sb) in s.iter().enumerate() {
                for (ty, share) in &mix[t][b] {
                    demand.entry(*ty).or_insert_with(|| vec![0.0; s.len()])[b] += sb * share;
                }
            }
            let pool_demand = |d: &BTreeMap<PlacementType, Vec<f64>>, p: &Pool| -> Vec<f64> {
                let mut v = vec![0.0; s.len()];
                for ty in p.in_house.iter().chain(&p.external) {
                    if let Some(x) = d.get(ty) {
                        for (a, b) in v.iter_mut().zip(x) {
                            *a += b;
                        }
                    }
                }
                v
            };
            // Step-down: residential demand met by fostering instead.
            let step = if t == 0 {
                0.0
            } else {
                lever_at(&market.levers.step_down).unwrap_or(0.0)
            };
            if step != 0.0 {
                let res = pool_demand(&demand, &ps[1]);
                let res_total: f64 = res.iter().sum();
                if step > res_total + 1e-9 || !step.is_finite() {
                    return Err(Error::argument(
                        "step_down",
                        step,
                        format!(
                            "would drive residential placements negative in {year}: only {res_total:.1} children are in residential care"
                        ),
                    ));
                }
                let fost = pool_demand(&demand, &ps[0]);
                let fost_total: f64 = fost.iter().sum();
                let k = step / res_total.max(1e-12);
                for ty in ps[1].in_house.iter().chain(&ps[1].external) {
                    if let Some(v) = demand.get_mut(ty) {
                        v.iter_mut().for_each(|x| *x *= 1.0 - k);
                    }
                }
                // The stepped-down children take the age profile of residential care and
                // join the fostering types in proportion to their demand.
                for ty in ps[0].in_house.iter().chain(&ps[0].external) {
                    let w = demand
                        .get(ty)
                        .map_or(0.0, |v| v.iter().sum::<f64>() / fost_total.max(1e-12));
                    let w = if fost_total > 0.0 {
                        w
                    } else if *ty == ps[0].external[0] {
                        1.0
                    } else {
                        0.0
                    };
                    let e = demand.entry(*ty).or_insert_with(|| vec![0.0; s.len()]);
                    for (b, r) in res.iter().enumerate() {
                        e[b] += r * k * w;
                    }
                }
            }
            // Routing: in-house up to capacity, the rest external.
            let mut placed: BTreeMap<PlacementType, Vec<f64>> = BTreeMap::new();
            let (mut ih_all, mut ex_all) = (0.0, 0.0);
            for (pi, p) in ps.iter().enumerate() {
                let d = pool_demand(&demand, p);
                let dt: f64 = d.iter().sum();
                let mut places = None;
                // Fostering extras: (total households, contract-care capacity).
                let mut fostering_extra = (None, 0.0);
                let capacity = if pi == 0 {
                    let f = &self.fostering;
                    let contract = f.contract_children()
                        + market
                            .levers
                            .extra_contract_carers
                            .iter()
                            .filter(|c| c.from_year <= calendar)
                            .map(|c| c.value)
                            .sum::<f64>();
                    if contract < 0.0 {
                        return Err(Error::argument(
                            "contract carer households",
                            format!("{contract:.1}"),
                            format!("would be negative in {year}"),
                        ));
                    }
                    fostering_extra.1 = contract;
                    match (f.households, f.children_per_household) {
                        (Some(h0), Some(cph0)) => {
                            let years_on = t as f64;
                            let hh = h0 - f.contract_children()
                                + years_on * (f.approvals - f.resignations)
                                + cumulative(&market.levers.approvals_per_year)
                                - cumulative(&market.levers.resignations_per_year)
                                + market
                                    .levers
                                    .extra_households
                                    .iter()
                                    .filter(|c| c.from_year <= calendar)
                                    .map(|c| c.value)
                                    .sum::<f64>();
                            let cph =
                                lever_at(&market.levers.children_per_household).unwrap_or(cph0);
                            if hh < 0.0 {
                                return Err(Error::argument(
                                    "carer households",
                                    format!("{hh:.1}"),
                                    format!(
                                        "would be negative in {year}: the levers remove more in-house foster carer households than the {h0} of {} and those approved since",
                                        f.households_year.as_deref().unwrap_or("the base year")
                                    ),
                                ));
                            }
                            fostering_extra.0 = Some(hh + contract);
                            places = f.places_per_household.map(|p| (hh + contract) * p);
                            hh * cph + contract
                        }
                        _ => {
                            // No household figures: each extra household is taken to give
                            // one in-house placement (said in the notes when used).
                            let extra = cumulative(&market.levers.approvals_per_year)
                                - cumulative(&market.levers.resignations_per_year)
                                + market
                                    .levers
                                    .extra_households
                                    .iter()
                                    .filter(|c| c.from_year <= calendar)
                                    .map(|c| c.value)
                                    .sum::<f64>();
                            if f.base_children + extra < 0.0 {
                                return Err(Error::argument(
                                    "in-house fostering capacity",
                                    format!("{:.1}", f.base_children + extra),
                                    format!(
                                        "would be negative in {year}: the levers remove more households than the {} in-house placements of the base year",
                                        f.base_children
                                    ),
                                ));
                            }
                            f.base_children - f.contract_children() + extra + contract
                        }
                    }
                } else {
                    let r = &self.residential;
                    match (r.beds, r.occupancy) {
                        (Some(b0), Some(occ)) => {
                            let beds = lever_at(&market.levers.beds).unwrap_or(if t == 0 {
                                b0
                            } else {
                                r.planned_beds.unwrap_or(b0)
                            });
                            places = Some(beds);
                            beds * occ
                        }
                        _ => r.base_children,
                    }
                };
                let in_house = dt.min(capacity);
                let external = dt - in_house;
                ih_all += in_house;
                ex_all += external;
                // Ages: each side keeps the age profile of its own types' demand; children
                // the in-house side takes beyond its own types' demand (or leaves to the
                // market) move with the other side's profile.
                let side = |types: &[PlacementType]| -> Vec<f64> {
                    let mut v = vec![0.0; s.len()];
                    for x in types.iter().filter_map(|ty| demand.get(ty)) {
                        v.iter_mut().zip(x).for_each(|(a, b)| *a += b);
                    }
                    v
                };
                let (d_ih, d_ex) = (side(&p.in_house), side(&p.external));
                let (t_ih, t_ex): (f64, f64) = (d_ih.iter().sum(), d_ex.iter().sum());
                let ih_by_band: Vec<f64> = if in_house <= t_ih {
                    d_ih.iter()
                        .map(|x| if t_ih > 0.0 { x * in_house / t_ih } else { 0.0 })
                        .collect()
                } else {
                    let k = if t_ex > 0.0 {
                        (in_house - t_ih) / t_ex
                    } else {
                        0.0
                    };
                    d_ih.iter().zip(&d_ex).map(|(a, b)| a + b * k).collect()
                };
                let ex_by_band: Vec<f64> = d
                    .iter()
                    .zip(&ih_by_band)
                    .map(|(a, b)| (a - b).max(0.0))
                    .collect();
                // Within a side, types share its placements by their demand (contract care,
                // which the mix does not name, by its capacity).
                let split =
                    |types: &[PlacementType],
                     by_band: &[f64],
                     placed: &mut BTreeMap<PlacementType, Vec<f64>>| {
                        let tot: f64 = types
                            .iter()
                            .filter_map(|ty| demand.get(ty))
                            .map(|v| v.iter().sum::<f64>())
                            .sum();
                        for (i, ty) in types.iter().enumerate() {
                            let w = if tot > 0.0 {
                                demand.get(ty).map_or(0.0, |v| v.iter().sum::<f64>()) / tot
                            } else if i == 0 {
                                1.0
                            } else {
                                0.0
                            };
                            placed.insert(*ty, by_band.iter().map(|x| x * w).collect());
                        }
                    };
                if pi == 0 && fostering_extra.1 > 0.0 && capacity > 0.0 {
                    // In-house fostering: mainstream carers and contract carers share the
                    // placements in proportion to their capacity (at the base date this
                    // is the published in-house count split as the notes say).
                    // Contract care keeps the age profile of in-house demand, so that
                    // children moved in from the market by other levers do not age it.
                    let cc = (in_house * fostering_extra.1 / capacity).min(t_ih.max(0.0));
                    let contract: Vec<f64> = d_ih
                        .iter()
                        .map(|x| if t_ih > 0.0 { cc * x / t_ih } else { 0.0 })
                        .collect();
                    let main: Vec<f64> = ih_by_band
                        .iter()
                        .zip(&contract)
                        .map(|(a, b)| (a - b).max(0.0))
                        .collect();
                    split(&[PlacementType::InHouseFostering], &main, &mut placed);
                    split(&[PlacementType::ContractCare], &contract, &mut placed);
                } else {
                    split(&p.in_house, &ih_by_band, &mut placed);
                }
                split(&p.external, &ex_by_band, &mut placed);
                if pi == 0 {
                    let f = &self.fostering;
                    if let Some(hh) = fostering_extra.0 {
                        rows.push(MarketRow {
                            year: year.clone(),
                            placement: p.name.clone(),
                            measure: "households".into(),
                            value: hh,
                        });
                    }
                    if f.contract_carers.is_some() {
                        rows.push(MarketRow {
                            year: year.clone(),
                            placement: p.name.clone(),
                            measure: "contract_carers".into(),
                            value: fostering_extra.1,
                        });
                    }
                    if let (Some(u0), Some(pl)) = (f.utilisation(), places)
                        && f.base_children > 0.0
                        && pl > 0.0
                    {
                        // Filled places move with the children placed in-house.
                        let u = u0
                            * (in_house / f.base_children)
                            * (f.places_per_household.unwrap_or(0.0) * f.households.unwrap_or(0.0))
                            / pl;
                        if u > 100.0 + 1e-9 {
                            return Err(Error::argument(
                                "children_per_household",
                                format!("{:.3}", in_house / fostering_extra.0.unwrap_or(1.0)),
                                format!(
                                    "would fill {u:.1}% of the approved foster places in {year}: utilisation over 100%"
                                ),
                            ));
                        }
                        rows.push(MarketRow {
                            year: year.clone(),
                            placement: p.name.clone(),
                            measure: "utilisation".into(),
                            value: u,
                        });
                    }
                }
                let share = if dt > 0.0 { 100.0 * in_house / dt } else { 0.0 };
                if let Some(pl) = places {
                    rows.push(MarketRow {
                        year: year.clone(),
                        placement: p.name.clone(),
                        measure: "places".into(),
                        value: pl,
                    });
                }
                for (m, v) in [
                    ("demand", dt),
                    ("capacity", capacity),
                    ("in_house", in_house),
                    ("external", external),
                    ("in_house_share", share),
                ] {
                    rows.push(MarketRow {
                        year: year.clone(),
                        placement: p.name.clone(),
                        measure: m.into(),
                        value: v,
                    });
                }
                for tg in self.targets.iter().filter(|tg| {
                    tg.placement == p.name && tg.year.as_deref() == Some(year.as_str())
                }) {
                    rows.push(MarketRow {
                        year: year.clone(),
                        placement: p.name.clone(),
                        measure: format!("target_{}", tg.measure),
                        value: tg.percent,
                    });
                }
            }
            for (ty, v) in &demand {
                if !placed.contains_key(ty) {
                    placed.insert(*ty, v.clone());
                }
            }
            for (ty, v) in &placed {
                if !demand.contains_key(ty) && v.iter().sum::<f64>() == 0.0 {
                    continue; // a pool type the data never name (e.g. contract care)
                }
                rows.push(MarketRow {
                    year: year.clone(),
                    placement: ty.code().into(),
                    measure: "placements".into(),
                    value: v.iter().sum(),
                });
            }
            rows.push(MarketRow {
                year: year.clone(),
                placement: "all".into(),
                measure: "children".into(),
                value: s.iter().sum(),
            });
            if let Some((pin, pex)) = self.within_20_miles
                && ih_all + ex_all > 0.0
            {
                rows.push(MarketRow {
                    year: year.clone(),
                    placement: "all".into(),
                    measure: "within_20_miles_share".into(),
                    value: (ih_all * pin + ex_all * pex) / (ih_all + ex_all),
                });
            }
            for tg in self
                .targets
                .iter()
                .filter(|tg| tg.measure == "within_20_miles_share" && tg.year.is_none())
            {
                rows.push(MarketRow {
                    year: year.clone(),
                    placement: "all".into(),
                    measure: "target_within_20_miles_share".into(),
                    value: tg.percent,
                });
            }
            in_house_total.push(ih_all);
            external_total.push(ex_all);
            placements_by_year.push(placed);
        }
        let l = &market.levers;
        if self.fostering.households.is_none()
            && !(l.extra_households.is_empty()
                && l.approvals_per_year.is_empty()
                && l.resignations_per_year.is_empty())
        {
            notes.push("the dataset publishes no carer households: each household a lever adds or removes is taken to give one in-house foster placement".into());
        }
        if self.within_20_miles.is_some() {
            notes.push("within_20_miles_share = in-house and external placements (fostering and residential) weighted by the published shares of each within 20 miles; a projection of the published measure, not the measure itself".into());
        }
        // Spend.
        let costs = self.costs_with(&market.levers.unit_costs)?;
        let mut uncosted = std::collections::BTreeSet::new();
        for t in 1..years.len() {
            let mut total = 0.0;
            let mut any = false;
            for (ty, now) in &placements_by_year[t] {
                if !rows.iter().any(|r| {
                    r.year == years[t] && r.placement == ty.code() && r.measure == "placements"
                }) {
                    continue; // a pool type with no placements row (never in the data)
                }
                let before = placements_by_year[t - 1]
                    .get(ty)
                    .cloned()
                    .unwrap_or_else(|| vec![0.0; now.len()]);
                let Some(per_band) = cost_by_band(&costs, *ty, &fine) else {
                    if now.iter().sum::<f64>() > 0.0 {
                        uncosted.insert(ty.code());
                    }
                    continue;
                };
                let calendar = base_fy.end_year() + t as i32;
                let mut spend = 0.0;
                for b in 0..now.len() {
                    let (annual, price_year) = per_band[b];
                    let factor = (1.0 + inflation / 100.0).powi(calendar - price_year);
                    spend += 0.5 * (now[b] + before[b]) * annual * factor;
                }
                total += spend;
                any = true;
                rows.push(MarketRow {
                    year: years[t].clone(),
                    placement: ty.code().into(),
                    measure: "spend".into(),
                    value: spend,
                });
            }
            if any {
                rows.push(MarketRow {
                    year: years[t].clone(),
                    placement: "all".into(),
                    measure: "spend".into(),
                    value: total,
                });
            }
        }
        if !uncosted.is_empty() {
            notes.push(format!(
                "no unit cost for {}: spend leaves them out (it is not costed at zero)",
                uncosted.into_iter().collect::<Vec<_>>().join(", ")
            ));
        }
        notes.push("spend in a year = children at its two 31 Marches, averaged, times the annual unit cost, times inflation from the costs' price year".into());
        let _ = (in_house_total, external_total);
        if rows.iter().any(|r| !r.value.is_finite()) {
            return Err(Error::model("a placement figure is not a finite number"));
        }
        let mix_dates = self
            .mix_sources(&market.mix, base_fy)?
            .iter()
            .map(|o| o.date.to_string())
            .collect();
        Ok(MarketProjection {
            rows,
            assumptions: MarketAssumptions {
                mix: market.mix.clone(),
                mix_dates,
                mix_groups: self
                    .groups(base_fy)
                    .iter()
                    .map(|(lo, hi)| group_label(*lo, *hi))
                    .collect(),
                unit_costs: costs,
                inflation,
                levers: market.levers.clone(),
                notes,
            },
            projection,
        })
    }

    /// The unit costs with replacements applied.
    fn costs_with(&self, replace: &[UnitCost]) -> Result<Vec<UnitCost>> {
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

    /// Age groups of the mix at the base: all ages, or under 16 and 16-17 where the data
    /// give the 16-17 year olds by type at the base date.
    fn groups(&self, base: FinancialYear) -> Vec<(u8, u8)> {
        if self.group_obs(base).is_some() {
            vec![(0, 16), (16, 18)]
        } else {
            vec![(0, 18)]
        }
    }

    fn group_obs(&self, base: FinancialYear) -> Option<&MixObservation> {
        self.observations
            .iter()
            .find(|o| (o.lo, o.hi) == (16, 18) && o.date == base.end())
    }

    /// The all-ages mixes a method uses, oldest first, the base date's last. `held` uses
    /// the mix at the base date; `mean` and `trend` use the dates up to it and also later
    /// dates inside the first projected year (a quarter-end mix published after the base,
    /// such as Derby City's 31 December 2024), which are data, not projection.
    fn mix_sources(&self, method: &MixMethod, base: FinancialYear) -> Result<Vec<&MixObservation>> {
        let limit = if matches!(method, MixMethod::Held) {
            base.end()
        } else {
            Date {
                day: 30,
                month: 3,
                year: base.end_year() + 1,
            }
        };
        let mut all: Vec<&MixObservation> = self
            .observations
            .iter()
            .filter(|o| (o.lo, o.hi) == (0, 18) && o.date <= limit)
            .collect();
        all.sort_by_key(|o| o.date);
        if all.is_empty() {
            return Err(Error::model(format!(
                "no placement mix on or before {} in dataset {:?}",
                base.end(),
                self.dataset
            )));
        }
        Ok(match method {
            MixMethod::Held => vec![all[all.len() - 1]],
            MixMethod::Mean { k } => {
                if *k == 0 || *k > all.len() {
                    return Err(Error::argument(
                        "mix k",
                        k,
                        format!(
                            "must be 1 to {} (dates with a placement mix up to the base)",
                            all.len()
                        ),
                    ));
                }
                all[all.len() - k..].to_vec()
            }
            MixMethod::Trend => {
                if all.len() < 2 {
                    return Err(Error::argument(
                        "mix",
                        "trend",
                        "a trend needs placement mixes at two dates or more up to the base",
                    ));
                }
                all
            }
        })
    }

    /// Shares by type for each year (0 = base) and fine band.
    #[allow(clippy::type_complexity)]
    fn mix_by_year(
        &self,
        method: &MixMethod,
        base: FinancialYear,
        n: usize,
        fine: &BandScheme,
    ) -> Result<Vec<Vec<Vec<(PlacementType, f64)>>>> {
        let obs = self.mix_sources(method, base)?;
        let types: std::collections::BTreeSet<PlacementType> =
            obs.iter().flat_map(|o| o.counts.keys().copied()).collect();
        let year_of = |d: Date| f64::from(d.year) + (f64::from(d.month) - 3.0) / 12.0;
        // The base year (t = 0) always holds the published counts at the base date, whatever
        // the method; the method moves the mix from the first projected year on.
        let base_obs = obs
            .iter()
            .rfind(|o| o.date <= base.end())
            .ok_or_else(|| Error::model("no placement mix up to the base"))?;
        let all_ages: Vec<BTreeMap<PlacementType, f64>> = (0..n)
            .map(|t| {
                if t == 0 {
                    let shares = base_obs.shares();
                    return types
                        .iter()
                        .map(|ty| (*ty, shares.get(ty).copied().unwrap_or(0.0)))
                        .collect();
                }
                let target = f64::from(base.end_year() + t as i32);
                let mut m: BTreeMap<PlacementType, f64> = types
                    .iter()
                    .map(|ty| {
                        let ys: Vec<(f64, f64)> = obs
                            .iter()
                            .map(|o| (year_of(o.date), o.shares().get(ty).copied().unwrap_or(0.0)))
                            .collect();
                        let v = match method {
                            MixMethod::Trend => {
                                let (xm, ym) = (
                                    ys.iter().map(|p| p.0).sum::<f64>() / ys.len() as f64,
                                    ys.iter().map(|p| p.1).sum::<f64>() / ys.len() as f64,
                                );
                                let sxx: f64 = ys.iter().map(|p| (p.0 - xm).powi(2)).sum();
                                let sxy: f64 = ys.iter().map(|p| (p.0 - xm) * (p.1 - ym)).sum();
                                let slope = if sxx > 0.0 { sxy / sxx } else { 0.0 };
                                (ym + slope * (target - xm)).max(0.0)
                            }
                            _ => ys.iter().map(|p| p.1).sum::<f64>() / ys.len() as f64,
                        };
                        (*ty, v)
                    })
                    .collect();
                let sum: f64 = m.values().sum();
                if sum > 0.0 {
                    m.values_mut().for_each(|v| *v /= sum);
                }
                m
            })
            .collect();
        // Age groups: adjust the all-ages shares by each group's ratio at the base date.
        let groups = self.groups(base);
        let adjust: Vec<BTreeMap<PlacementType, f64>> = if groups.len() == 1 {
            vec![types.iter().map(|t| (*t, 1.0)).collect()]
        } else {
            let base_all = self
                .observations
                .iter()
                .find(|o| (o.lo, o.hi) == (0, 18) && o.date == base.end())
                .ok_or_else(|| Error::model("no all-ages mix at the base date"))?;
            let older_obs = self
                .group_obs(base)
                .ok_or_else(|| Error::model("no 16-17 mix"))?;
            let [younger, older] = rake(base_all, older_obs, &types);
            let all = base_all.shares();
            [younger, older]
                .iter()
                .map(|g| {
                    types
                        .iter()
                        .map(|t| {
                            let a = all.get(t).copied().unwrap_or(0.0);
                            (
                                *t,
                                if a > 0.0 {
                                    g.get(t).copied().unwrap_or(0.0) / a
                                } else {
                                    0.0
                                },
                            )
                        })
                        .collect()
                })
                .collect()
        };
        let group_of = |b: &AgeBand| {
            groups
                .iter()
                .position(|(lo, hi)| b.lo() >= *lo && b.hi() <= *hi)
                .unwrap_or(0)
        };
        Ok(all_ages
            .iter()
            .map(|m| {
                fine.bands()
                    .iter()
                    .map(|b| {
                        let g = group_of(b);
                        let mut v: Vec<(PlacementType, f64)> = m
                            .iter()
                            .map(|(t, s)| (*t, s * adjust[g].get(t).copied().unwrap_or(1.0)))
                            .collect();
                        let sum: f64 = v.iter().map(|x| x.1).sum();
                        if sum > 0.0 {
                            v.iter_mut().for_each(|x| x.1 /= sum);
                        }
                        v
                    })
                    .collect()
            })
            .collect())
    }

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

/// Children by type in the two age groups (under 16, 16-17) at the base date, raked
/// (iterative proportional fitting) so that the groups add to their totals and the types
/// to the all-ages counts: the 16-17 table and the all-ages table need not agree (in
/// Derbyshire's 2017 tables 31 young people of 16-17 live independently, but only 28
/// children of all ages). Returns each group's shares.
fn rake(
    all: &MixObservation,
    older: &MixObservation,
    types: &std::collections::BTreeSet<PlacementType>,
) -> [BTreeMap<PlacementType, f64>; 2] {
    let get = |o: &MixObservation, t: &PlacementType| o.counts.get(t).copied().unwrap_or(0.0);
    let rows = [all.total - older.total, older.total];
    let mut cells: Vec<[f64; 2]> = types
        .iter()
        .map(|t| {
            let o = get(older, t);
            [(get(all, t) - o).max(1e-6), o.max(1e-6)]
        })
        .collect();
    let cols: Vec<f64> = types.iter().map(|t| get(all, t)).collect();
    for _ in 0..500 {
        for (c, target) in cells.iter_mut().zip(&cols) {
            let sum = c[0] + c[1];
            if sum > 0.0 {
                c[0] *= target / sum;
                c[1] *= target / sum;
            }
        }
        for (g, target) in rows.iter().enumerate() {
            let sum: f64 = cells.iter().map(|c| c[g]).sum();
            if sum > 0.0 {
                cells.iter_mut().for_each(|c| c[g] *= target / sum);
            }
        }
    }
    let share = |g: usize| -> BTreeMap<PlacementType, f64> {
        let sum: f64 = cells.iter().map(|c| c[g]).sum();
        types
            .iter()
            .zip(&cells)
            .map(|(t, c)| (*t, if sum > 0.0 { c[g] / sum } else { 0.0 }))
            .collect()
    };
    [share(0), share(1)]
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
fn check_inflation(inflation: f64) -> Result<()> {
    if !inflation.is_finite() || !(-50.0..=100.0).contains(&inflation) {
        return Err(Error::argument(
            "inflation",
            inflation,
            "must be a percent a year between -50 and 100",
        ));
    }
    Ok(())
}

fn check_cost(what: &str, c: &UnitCost) -> Result<()> {
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

/// The scheme of [`FINE_BANDS`].
pub fn fine_scheme() -> BandScheme {
    BandScheme::custom("fine", &FINE_BANDS).unwrap_or_else(|_| BandScheme::dfe())
}

fn group_label(lo: u8, hi: u8) -> String {
    AgeBand::new(lo, hi)
        .map(|b| b.label())
        .unwrap_or_else(|_| format!("{lo}-{}", hi - 1))
}

/// Annual cost and price year of a type for each fine band, if the type has costs.
fn cost_by_band(
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
/// ```
/// use carecast::Dataset;
/// use carecast::market::usage_estimates;
/// let ds = Dataset::bundled("derbyshire").unwrap();
/// let rows = usage_estimates(ds.table("placement_usage_700").unwrap(), 700.0).unwrap();
/// let ifa = rows.iter().find(|r| r.category == "IFAs").unwrap();
/// assert_eq!((ifa.computed, ifa.published), (168.0, Some(170.0)));
/// ```
pub fn usage_estimates(t: &Table, total: f64) -> Result<Vec<UsageEstimate>> {
    if !total.is_finite() || total < 0.0 {
        return Err(Error::argument(
            "total",
            total,
            "must be a number of children >= 0",
        ));
    }
    let mut out: Vec<UsageEstimate> = Vec::new();
    for r in t.records.iter().filter(|r| r.measure == "share") {
        let category = r.category.clone().unwrap_or_default();
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

impl MarketInputs {
    /// Monte Carlo placements and spend: the model's paths (see
    /// [`CohortModel::simulate`]) each turned into placements, so every placement, pool
    /// and spend row gets a distribution. In the returned samples a row's `band` holds the
    /// placement type, pool or `all`, and `period` repeats the year.
    ///
    /// ```
    /// use carecast::{CohortModel, Dataset, ProjectionOptions};
    /// use carecast::market::{MarketInputs, MarketOptions};
    /// use carecast::stochastic::StochasticOptions;
    /// let ds = Dataset::bundled("derbyshire").unwrap();
    /// let m = CohortModel::fit(&ds).unwrap();
    /// let i = MarketInputs::from_dataset(&ds, &m.history).unwrap();
    /// let o = ProjectionOptions::new(2017, 3);
    /// let s = i.simulate(&m, &o, &MarketOptions::default(), &StochasticOptions::new(100, 1)).unwrap();
    /// let iv = s.summary(&[90.0]).unwrap();
    /// let ifa = iv.rows.iter().find(|r| r.year == "2019/20" && r.band == "ifa" && r.measure == "placements").unwrap();
    /// assert!(ifa.lower[0] <= ifa.median && ifa.median <= ifa.upper[0] && ifa.lower[0] >= 0.0);
    /// ```
    pub fn simulate(
        &self,
        model: &CohortModel,
        options: &ProjectionOptions,
        market: &MarketOptions,
        stochastic: &crate::stochastic::StochasticOptions,
    ) -> Result<crate::stochastic::Samples> {
        self.validate()?;
        let mut o = options.clone();
        o.output_bands = fine_scheme();
        o.grain = "year".into();
        let samples = model.simulate(&o, stochastic)?;
        let assumptions = samples.assumptions.clone();
        samples.map_paths(|rows| {
            let p = Projection {
                rows: rows.to_vec(),
                assumptions: assumptions.clone(),
            };
            Ok(self
                .place(p, market)?
                .rows
                .into_iter()
                .map(|r| crate::model::Row {
                    period: r.year.clone(),
                    year: r.year,
                    band: r.placement,
                    measure: r.measure,
                    value: r.value,
                })
                .collect())
        })
    }
}
