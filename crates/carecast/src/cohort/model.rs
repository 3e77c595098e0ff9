//! The cohort-component stock-flow model: calibration and projection on a monthly grid.
//! See [`crate::methodology`] for the equations.

use serde::{Deserialize, Serialize};

use crate::age::{AgeBand, Band, BandScheme, CHILD_AGES};
use crate::dataset::Dataset;
use crate::error::{Error, Result};
use crate::period::{FinancialYear, Period};
use crate::table::Table;

/// Months of age on the grid (0 to 215).
pub const MONTHS: usize = CHILD_AGES * 12;
/// The longest projection horizon, in years.
pub const MAX_HORIZON: usize = 25;
/// The largest within-band tilt calibration may use.
pub const MAX_TILT: f64 = 40.0;
/// The default admissions assumption, chosen by the national backtest
/// ([`crate::national`], the rule in [`crate::national::DEFAULT_RULE`]): admissions that
/// carry the council's stock forward at England's damped growth
/// ([`Admissions::Anchored`], the reference empty = England's series
/// [`crate::national::ENGLAND_STOCK`]). It runs from every base year.
pub const DEFAULT_ADMISSIONS: Admissions = Admissions::Anchored {
    phi: DEFAULT_PHI,
    reference: Vec::new(),
};
/// The default discharge-rate assumption, chosen with [`DEFAULT_ADMISSIONS`].
pub const DEFAULT_DISCHARGES: Discharges = Discharges::Regularised {
    k: DEFAULT_REGULARISED_YEARS,
    strength: DEFAULT_STRENGTH,
};
/// A projection whose total stock moves by more than this factor from the base year's
/// (up or down) carries a warning in its notes.
pub const WARN_FACTOR: f64 = 1.5;
/// Default damping factor of [`Admissions::Damped`] and [`Admissions::Pooled`].
pub const DEFAULT_PHI: f64 = 0.8;
/// Default years pooled by [`Discharges::Regularised`].
pub const DEFAULT_REGULARISED_YEARS: usize = 5;
/// Default prior strength of [`Discharges::Regularised`], in child-months (ten children
/// in care for a year).
pub const DEFAULT_STRENGTH: f64 = 120.0;
/// Monte Carlo paths stop a scenario's annual discharge rate just below one.
const MAX_ANNUAL_RATE: f64 = 1.0 - 1e-9;

/// Observed flows of one financial year, by band of the history's scheme.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct YearFlows {
    /// The financial year.
    pub year: FinancialYear,
    /// Stock at its start, by band.
    pub opening: Vec<f64>,
    /// Admissions in the year, by band.
    pub admissions: Vec<f64>,
    /// Stock at its end, by band.
    pub closing: Vec<f64>,
    /// Published discharges (all ages), if published.
    pub discharges: Option<f64>,
}

/// The observed history a model is fitted to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct History {
    /// The dataset's name.
    pub dataset: String,
    /// Band scheme of the published tables.
    pub scheme: BandScheme,
    /// Observed years, in order.
    pub years: Vec<FinancialYear>,
    /// Flows of each year.
    pub flows: Vec<YearFlows>,
    /// Where the figures came from and what was assumed.
    pub notes: Vec<String>,
}

fn exact(
    t: &Table,
    pick: impl Fn(&crate::table::Record) -> bool,
) -> Vec<(&crate::table::Record, f64)> {
    t.records
        .iter()
        .filter(|r| pick(r))
        .filter_map(|r| r.cell.value().map(|v| (r, v)))
        .collect()
}

/// A table, a measure, a calendar year and how to read a record's calendar year.
type Wanted<'a> = (
    &'a Table,
    &'a str,
    i32,
    &'a dyn Fn(&crate::table::Record) -> Option<i32>,
);

/// The years after `last` (the last complete year of the band tables) that `stock` or
/// `adm` print, each with the cells that keep it from being complete: a cell that is not
/// a count (`<10`, `x`), a band outside the DfE bands, a DfE band with no row. Each cell
/// is named by its table, file, line, period and band.
fn band_gaps(stock: &Table, adm: &Table, last: Option<FinancialYear>) -> Vec<(i32, Vec<String>)> {
    let scheme = BandScheme::dfe();
    let after = last.map_or(i32::MIN, |fy| fy.end_year());
    let stock_year = |r: &crate::table::Record| match r.period {
        Some(Period::Date(d)) if d.is_year_end() => Some(d.year),
        _ => None,
    };
    let adm_year = |r: &crate::table::Record| match r.period {
        Some(Period::Year(fy)) => Some(fy.end_year()),
        _ => None,
    };
    let years: std::collections::BTreeSet<i32> = stock
        .records
        .iter()
        .filter(|r| r.measure == "stock")
        .filter_map(stock_year)
        .chain(
            adm.records
                .iter()
                .filter(|r| r.measure == "admissions")
                .filter_map(adm_year),
        )
        .filter(|&y| y > after)
        .collect();
    let mut out = Vec::new();
    for y in years {
        let mut cells = Vec::new();
        // Stock at the year's opening (31 March y-1) and closing (31 March y); admissions in it.
        let wanted: [Wanted<'_>; 3] = [
            (stock, "stock", y - 1, &stock_year),
            (stock, "stock", y, &stock_year),
            (adm, "admissions", y, &adm_year),
        ];
        for (t, measure, at, year_of) in wanted {
            let rows: Vec<&crate::table::Record> = t
                .records
                .iter()
                .filter(|r| r.measure == measure && year_of(r) == Some(at))
                .collect();
            let place = |r: &crate::table::Record| {
                format!(
                    "`{}` ({}) line {}, {} band `{}`",
                    t.meta.id,
                    t.meta.file,
                    r.line,
                    r.period.map_or_else(String::new, |p| p.to_string()),
                    r.band.map_or_else(String::new, |b| b.to_string())
                )
            };
            let mut seen = vec![false; scheme.bands().len()];
            for r in &rows {
                if let Some(Band::Ages(a)) = r.band {
                    match scheme.position(&a) {
                        Some(i) => {
                            if r.cell.value().is_some() {
                                seen[i] = true;
                            } else {
                                cells.push(format!(
                                    "{} is `{}`, not a count",
                                    place(r),
                                    r.cell.text()
                                ));
                            }
                        }
                        None => cells.push(format!(
                            "{} is not one of the DfE bands ({})",
                            place(r),
                            scheme
                                .bands()
                                .iter()
                                .map(ToString::to_string)
                                .collect::<Vec<_>>()
                                .join(", ")
                        )),
                    }
                }
            }
            for (i, b) in scheme.bands().iter().enumerate() {
                let printed = rows
                    .iter()
                    .any(|r| matches!(r.band, Some(Band::Ages(a)) if a == *b));
                if !seen[i] && !printed {
                    cells.push(format!(
                        "`{}` ({}) has no {measure} row for band `{b}` in {}",
                        t.meta.id,
                        t.meta.file,
                        if measure == "stock" {
                            format!("31 March {at}")
                        } else {
                            FinancialYear::ending(at).to_string()
                        }
                    ));
                }
            }
        }
        if !cells.is_empty() {
            out.push((y, cells));
        }
    }
    out
}

impl History {
    /// Extracts the history from a dataset: stock by age band at 31 March and admissions
    /// by band (`cic_by_age`, `admissions_by_age`), or, where only totals are published,
    /// annual flows on one all-ages band (`flows_annual`).
    ///
    /// Where both are published and the totals run to a later year than the complete
    /// band tables (a release that prints totals only for its latest years), the totals
    /// are used, so that the history ends at the latest published year; a note says so.
    ///
    /// A year the band tables print but cannot complete (a suppressed `<10` cell, a band
    /// outside the DfE bands, a missing row) is never dropped without a word: without
    /// `flows_annual` the all-ages `all` rows of the same tables serve as the totals, and
    /// the notes name the year, the table, the line and the cell that kept the band
    /// tables from it, whether the model runs on the totals or, when they are incomplete
    /// too, without that year.
    pub fn from_dataset(ds: &Dataset) -> Result<History> {
        let tables = match (ds.table("cic_by_age"), ds.table("admissions_by_age")) {
            (Ok(stock), Ok(adm)) => Some((stock, adm)),
            _ => None,
        };
        let bands = tables.map(|(stock, adm)| Self::from_bands(ds, stock, adm));
        // The years the band tables print but do not complete, after their last complete one.
        let unfinished = match (tables, &bands) {
            (Some((stock, adm)), Some(Ok(b))) => band_gaps(stock, adm, b.years.last().copied()),
            _ => Vec::new(),
        };
        let totals = match ds.table("flows_annual") {
            Ok(flows) => Some(Self::from_totals(ds, flows)),
            Err(_) if !unfinished.is_empty() => Some(Self::totals_from_dataset(ds)),
            Err(_) => None,
        };
        let why = if unfinished.is_empty() {
            String::new()
        } else {
            format!(
                " ({})",
                unfinished
                    .iter()
                    .map(|(y, cells)| format!(
                        "{} is incomplete in the age-band tables: {}",
                        FinancialYear::ending(*y),
                        cells.join("; ")
                    ))
                    .collect::<Vec<_>>()
                    .join("; ")
            )
        };
        match (bands, totals) {
            (Some(Ok(b)), Some(Ok(t))) if t.years.last() > b.years.last() => {
                let mut t = t;
                t.notes.push(format!(
                    "the complete age-band tables end in {}, the totals in {}: the model runs on the totals{why}",
                    b.years.last().map_or_else(String::new, ToString::to_string),
                    t.years.last().map_or_else(String::new, ToString::to_string),
                ));
                Ok(t)
            }
            (Some(Ok(mut b)), _) if !unfinished.is_empty() => {
                b.notes.push(format!(
                    "the fit leaves out the years after {}, which the tables print but neither the age bands nor the totals complete{why}",
                    b.years.last().map_or_else(String::new, ToString::to_string),
                ));
                Ok(b)
            }
            (Some(Err(_)), Some(Ok(t))) => Ok(t),
            (Some(b), _) => b,
            (None, Some(t)) => t,
            (None, None) => Err(Error::model(format!(
                "dataset {:?} has neither `cic_by_age` + `admissions_by_age` nor `flows_annual`",
                ds.name
            ))),
        }
    }

    /// The all-ages history of a dataset (one band of ages 0-17): from `flows_annual`
    /// where published, otherwise from the `all` rows of `cic_by_age` and
    /// `admissions_by_age` (and the discharges of `flows_summary`).
    ///
    /// # Errors
    /// When the dataset has neither, or no year is complete.
    pub fn totals_from_dataset(ds: &Dataset) -> Result<History> {
        if let Ok(flows) = ds.table("flows_annual") {
            return Self::from_totals(ds, flows);
        }
        let (stock, adm) = (ds.table("cic_by_age")?, ds.table("admissions_by_age")?);
        let all = |r: &crate::table::Record| matches!(r.band, Some(Band::All));
        let stocks: std::collections::BTreeMap<i32, f64> =
            exact(stock, |r| r.measure == "stock" && all(r))
                .into_iter()
                .filter_map(|(r, v)| match r.period {
                    Some(Period::Date(d)) if d.is_year_end() => Some((d.year, v)),
                    _ => None,
                })
                .collect();
        let discharges: std::collections::BTreeMap<i32, f64> = ds
            .table("flows_summary")
            .map(|t| {
                exact(t, |r| r.measure == "discharges")
                    .into_iter()
                    .filter_map(|(r, v)| match r.period {
                        Some(Period::Year(fy)) => Some((fy.end_year(), v)),
                        _ => None,
                    })
                    .collect()
            })
            .unwrap_or_default();
        let flows = exact(adm, |r| r.measure == "admissions" && all(r))
            .into_iter()
            .filter_map(|(r, a)| {
                let Some(Period::Year(fy)) = r.period else {
                    return None;
                };
                let y = fy.end_year();
                Some(YearFlows {
                    year: fy,
                    opening: vec![*stocks.get(&(y - 1))?],
                    admissions: vec![a],
                    closing: vec![*stocks.get(&y)?],
                    discharges: discharges.get(&y).copied(),
                })
            })
            .collect::<Vec<_>>();
        let mut flows = flows;
        flows.sort_by_key(|f| f.year);
        Self::finish(
            ds,
            BandScheme::all_ages(),
            flows,
            vec![format!(
                "all-ages totals (the `all` rows of `{}` and `{}`): the model runs on one band of ages 0-17 with stock and admissions spread uniformly over ages",
                stock.meta.id, adm.meta.id
            )],
        )
    }

    fn from_bands(ds: &Dataset, stock: &Table, adm: &Table) -> Result<History> {
        let scheme = BandScheme::dfe();
        let nb = scheme.bands().len();
        let band_idx = |b: Option<Band>| match b {
            Some(Band::Ages(a)) => scheme.position(&a),
            _ => None,
        };
        let mut stocks: std::collections::BTreeMap<i32, Vec<Option<f64>>> = Default::default();
        for (r, v) in exact(stock, |r| r.measure == "stock") {
            if let (Some(Period::Date(d)), Some(i)) = (r.period, band_idx(r.band))
                && d.is_year_end()
            {
                stocks.entry(d.year).or_insert_with(|| vec![None; nb])[i] = Some(v);
            }
        }
        let mut adms: std::collections::BTreeMap<i32, Vec<Option<f64>>> = Default::default();
        for (r, v) in exact(adm, |r| r.measure == "admissions") {
            if let (Some(Period::Year(fy)), Some(i)) = (r.period, band_idx(r.band)) {
                adms.entry(fy.end_year()).or_insert_with(|| vec![None; nb])[i] = Some(v);
            }
        }
        let discharges = ds.table("flows_summary").ok().map(|t| {
            exact(t, |r| r.measure == "discharges")
                .into_iter()
                .filter_map(|(r, v)| match r.period {
                    Some(Period::Year(fy)) => Some((fy.end_year(), v)),
                    _ => None,
                })
                .collect::<std::collections::BTreeMap<i32, f64>>()
        });
        let full = |v: &Vec<Option<f64>>| v.iter().copied().collect::<Option<Vec<f64>>>();
        let mut flows = Vec::new();
        for (&y, a) in &adms {
            let (Some(open), Some(close), Some(a)) = (
                stocks.get(&(y - 1)).and_then(full),
                stocks.get(&y).and_then(full),
                full(a),
            ) else {
                continue;
            };
            flows.push(YearFlows {
                year: FinancialYear::ending(y),
                opening: open,
                admissions: a,
                closing: close,
                discharges: discharges.as_ref().and_then(|d| d.get(&y).copied()),
            });
        }
        Self::finish(
            ds,
            scheme,
            flows,
            vec![format!(
                "stock by band at 31 March from `{}` ({}); admissions by band from `{}` ({}); the `16 and over` band is ages 16-17",
                stock.meta.id,
                stock.meta.citation(),
                adm.meta.id,
                adm.meta.citation()
            )],
        )
    }

    fn from_totals(ds: &Dataset, t: &Table) -> Result<History> {
        let scheme = BandScheme::all_ages();
        let mut by_year: std::collections::BTreeMap<i32, [Option<f64>; 4]> = Default::default();
        for (r, v) in exact(t, |_| true) {
            let Some(Period::Year(fy)) = r.period else {
                continue;
            };
            let i = match r.measure.as_str() {
                "opening" => 0,
                "admissions" => 1,
                "discharges" => 2,
                "closing" => 3,
                _ => continue,
            };
            by_year.entry(fy.end_year()).or_default()[i] = Some(v);
        }
        let flows = by_year
            .into_iter()
            .filter_map(|(y, v)| match v {
                [Some(o), Some(a), d, Some(c)] => Some(YearFlows {
                    year: FinancialYear::ending(y),
                    opening: vec![o],
                    admissions: vec![a],
                    closing: vec![c],
                    discharges: d,
                }),
                _ => None,
            })
            .collect();
        Self::finish(
            ds,
            scheme,
            flows,
            vec![format!(
                "only all-ages totals are published: the model runs on one band of ages 0-17 with stock and admissions spread uniformly over ages (from `{}`, {}); each year starts from its printed opening figure",
                t.meta.id,
                t.meta.citation()
            )],
        )
    }

    /// The history truncated to the years ending on or before 31 March `end_year` (for
    /// fitting on the data available at a backtest origin).
    ///
    /// ```
    /// use carecast::{Dataset, model::History};
    /// let h = History::from_dataset(&Dataset::bundled("derbyshire").unwrap()).unwrap();
    /// assert_eq!(h.up_to(2015).unwrap().years.len(), 2);
    /// assert!(h.up_to(2013).is_err());
    /// ```
    pub fn up_to(&self, end_year: i32) -> Result<History> {
        let flows: Vec<YearFlows> = self
            .flows
            .iter()
            .filter(|f| f.year.end_year() <= end_year)
            .cloned()
            .collect();
        if flows.is_empty() {
            return Err(Error::argument(
                "end_year",
                end_year,
                format!(
                    "{} has no observed year ending on or before 31 March {end_year}",
                    self.dataset
                ),
            ));
        }
        Ok(History {
            dataset: self.dataset.clone(),
            scheme: self.scheme.clone(),
            years: flows.iter().map(|f| f.year).collect(),
            flows,
            notes: self.notes.clone(),
        })
    }

    fn finish(
        ds: &Dataset,
        scheme: BandScheme,
        flows: Vec<YearFlows>,
        notes: Vec<String>,
    ) -> Result<History> {
        if flows.is_empty() {
            return Err(Error::model(format!(
                "dataset {:?}: no year has complete, unsuppressed opening, admissions and closing figures",
                ds.name
            )));
        }
        Ok(History {
            dataset: ds.name.clone(),
            scheme,
            years: flows.iter().map(|f| f.year).collect(),
            flows,
            notes,
        })
    }
}

/// The monthly grid's per-age vectors for a band scheme.
#[derive(Debug, Clone)]
pub(crate) struct Grid {
    pub(crate) band_of: Vec<usize>,
    pub(crate) months_in: Vec<f64>,
}

impl Grid {
    pub(crate) fn new(scheme: &BandScheme) -> Self {
        let band_of: Vec<usize> = (0..MONTHS)
            .map(|a| scheme.index_of((a / 12) as u8).unwrap_or(0))
            .collect();
        let months_in = scheme
            .bands()
            .iter()
            .map(|b| (b.width() * 12) as f64)
            .collect();
        Grid { band_of, months_in }
    }

    /// Spread band totals over the months of each band with weights proportional to
    /// `exp(tilt_b * x)`, `x` the position in the band from 0 to 1 (tilt 0: uniform).
    fn spread(&self, totals: &[f64], tilts: &[f64]) -> Vec<f64> {
        self.spread_with(&self.weights(tilts), totals)
    }

    /// Each month's share of its band under the tilts (sums to 1 within each band).
    pub(crate) fn weights(&self, tilts: &[f64]) -> Vec<f64> {
        let nb = self.months_in.len();
        let mut first = vec![usize::MAX; nb];
        for (a, &b) in self.band_of.iter().enumerate() {
            first[b] = first[b].min(a);
        }
        let raw: Vec<f64> = (0..MONTHS)
            .map(|a| {
                let b = self.band_of[a];
                let x = ((a - first[b]) as f64 + 0.5) / self.months_in[b];
                (tilts.get(b).copied().unwrap_or(0.0) * x).exp()
            })
            .collect();
        let mut norm = vec![0.0; nb];
        for (a, w) in raw.iter().enumerate() {
            norm[self.band_of[a]] += w;
        }
        raw.iter()
            .enumerate()
            .map(|(a, w)| w / norm[self.band_of[a]])
            .collect()
    }

    /// Spread band totals with precomputed [`Grid::weights`].
    pub(crate) fn spread_with(&self, weights: &[f64], totals: &[f64]) -> Vec<f64> {
        self.band_of
            .iter()
            .zip(weights)
            .map(|(&b, w)| totals[b] * w)
            .collect()
    }
}

/// Flows of one simulated month or year, by band.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub(crate) struct Flows {
    pub(crate) admissions: Vec<f64>,
    pub(crate) discharges: Vec<f64>,
    pub(crate) ageing_out: Vec<f64>,
    pub(crate) ageing_in: Vec<f64>,
    pub(crate) leavers_18: f64,
}

impl Flows {
    pub(crate) fn zero(nb: usize) -> Self {
        Flows {
            admissions: vec![0.0; nb],
            discharges: vec![0.0; nb],
            ageing_out: vec![0.0; nb],
            ageing_in: vec![0.0; nb],
            leavers_18: 0.0,
        }
    }
}

/// One monthly step (see the methodology). `adm` is admissions per age this month,
/// `m` the monthly discharge fraction per age. Adds the flows to `f`.
fn step(s: &mut [f64], adm: &[f64], m: &[f64], band_of: &[usize], f: &mut Flows) {
    for a in 0..MONTHS {
        let b = band_of[a];
        let exposed = s[a] + adm[a];
        let d = exposed * m[a];
        f.admissions[b] += adm[a];
        f.discharges[b] += d;
        s[a] = exposed - d;
    }
    f.leavers_18 += s[MONTHS - 1];
    for a in 0..MONTHS - 1 {
        let (b, nb) = (band_of[a], band_of[a + 1]);
        if b != nb {
            f.ageing_out[b] += s[a];
            f.ageing_in[nb] += s[a];
        }
    }
    let top = band_of[MONTHS - 1];
    f.ageing_out[top] += s[MONTHS - 1];
    s.copy_within(0..MONTHS - 1, 1);
    s[0] = 0.0;
}

fn band_totals(s: &[f64], band_of: &[usize], nb: usize) -> Vec<f64> {
    let mut t = vec![0.0; nb];
    for (a, v) in s.iter().enumerate() {
        t[band_of[a]] += v;
    }
    t
}

/// Annual discharge rate from a monthly fraction.
pub fn annual_rate(monthly: f64) -> f64 {
    1.0 - (1.0 - monthly).powi(12)
}

/// Monthly fraction from an annual discharge rate in [0, 1).
pub fn monthly_fraction(annual: f64) -> f64 {
    1.0 - (1.0 - annual).powf(1.0 / 12.0)
}

/// The calibration of one band in one year.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BandFit {
    /// The financial year.
    pub year: FinancialYear,
    /// The band's label.
    pub band: String,
    /// Published stock at the start of the year.
    pub opening: f64,
    /// Published admissions in the year.
    pub admissions: f64,
    /// Published stock at the end of the year.
    pub published_closing: f64,
    /// The model's closing stock with the fitted rate.
    pub fitted_closing: f64,
    /// The fitted monthly discharge fraction.
    pub monthly_rate: f64,
    /// The same as an annual rate, `1 - (1 - m)^12`.
    pub annual_rate: f64,
    /// Discharges implied in the band (excluding 18th birthdays).
    pub implied_discharges: f64,
    /// Children ageing into the band.
    pub ageing_in: f64,
    /// Children ageing out of the band (for the top band: their 18th birthday).
    pub ageing_out: f64,
    /// Whether the published closing could be reached.
    pub fitted: bool,
}

/// Implied and published discharges of one year (all ages).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct YearDischarges {
    /// The financial year.
    pub year: FinancialYear,
    /// Discharges the model implies before age 18.
    pub implied_before_18: f64,
    /// Young people leaving care on their 18th birthday.
    pub leavers_18: f64,
    /// Their sum: the model's counterpart of the published discharges.
    pub implied_total: f64,
    /// Published discharges, if published.
    pub published: Option<f64>,
    /// `implied_total - published`.
    pub difference: Option<f64>,
    /// Published opening + admissions - discharges - closing (the table's own identity gap).
    pub identity_gap: Option<f64>,
}

/// A fitted model: the history and the calibrated rates.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CohortModel {
    /// What it was fitted to.
    pub history: History,
    /// Calibration per year and band.
    pub bands: Vec<BandFit>,
    /// Implied against published discharges per year.
    pub discharges: Vec<YearDischarges>,
    /// Within-band age tilt per band (0 = uniform; negative = younger ages weigh more).
    pub tilts: Vec<f64>,
}

fn simulate_year(
    open: &[f64],
    adm_year: &[f64],
    m_band: &[f64],
    tilts: &[f64],
    grid: &Grid,
) -> (Vec<f64>, Flows) {
    let s = grid.spread(open, tilts);
    let adm: Vec<f64> = grid
        .spread(adm_year, tilts)
        .iter()
        .map(|v| v / 12.0)
        .collect();
    simulate_spread(s, &adm, m_band, grid)
}

/// The closing stock of band `b` after one year, stepping only the ages up to the band's
/// last month `hi` (ageing only flows upward, so older ages cannot affect it): the same
/// arithmetic as [`step`] on the lower part of the grid.
fn band_closing(s0: &[f64], adm: &[f64], m_band: &[f64], grid: &Grid, lo: usize, hi: usize) -> f64 {
    let mut s = s0[..=hi].to_vec();
    let m: Vec<f64> = grid.band_of[..=hi].iter().map(|&k| m_band[k]).collect();
    for _ in 0..12 {
        for a in 0..=hi {
            let exposed = s[a] + adm[a];
            s[a] = exposed - exposed * m[a];
        }
        s.copy_within(0..hi, 1);
        s[0] = 0.0;
    }
    s[lo..=hi].iter().sum()
}

/// One year from stock and monthly admissions already spread over the grid.
fn simulate_spread(mut s: Vec<f64>, adm: &[f64], m_band: &[f64], grid: &Grid) -> (Vec<f64>, Flows) {
    let nb = grid.months_in.len();
    let m: Vec<f64> = grid.band_of.iter().map(|&b| m_band[b]).collect();
    let mut f = Flows::zero(nb);
    for _ in 0..12 {
        step(&mut s, adm, &m, &grid.band_of, &mut f);
    }
    (s, f)
}

impl CohortModel {
    /// Fits the model to a dataset's history.
    ///
    /// ```
    /// use carecast::{CohortModel, Dataset};
    /// let m = CohortModel::fit(&Dataset::bundled("derbyshire").unwrap()).unwrap();
    /// for b in &m.bands {
    ///     assert!((b.fitted_closing - b.published_closing).abs() < 1.0);
    /// }
    /// ```
    pub fn fit(ds: &Dataset) -> Result<CohortModel> {
        Self::fit_history(History::from_dataset(ds)?)
    }

    /// Fits the model to a history.
    pub fn fit_history(history: History) -> Result<CohortModel> {
        let scheme = history.scheme.clone();
        let grid = Grid::new(&scheme);
        let nb = scheme.bands().len();
        for fl in &history.flows {
            for (what, v) in [
                ("opening", &fl.opening),
                ("admissions", &fl.admissions),
                ("closing", &fl.closing),
            ] {
                if v.iter().any(|x| !x.is_finite() || *x < 0.0) {
                    return Err(Error::model(format!(
                        "{} {what} in {} is negative or not a number",
                        history.dataset, fl.year
                    )));
                }
            }
        }
        let mut first = vec![usize::MAX; nb];
        let mut last = vec![0; nb];
        for (a, &b) in grid.band_of.iter().enumerate() {
            first[b] = first[b].min(a);
            last[b] = last[b].max(a);
        }
        let mut ms = vec![vec![0.0; nb]; history.flows.len()];
        // Closing of band `b` with its monthly fraction `mb` (lower bands already set).
        let closing_at = |fl: &YearFlows, m: &mut [f64], tilts: &[f64], b: usize, mb: f64| {
            m[b] = mb;
            let s0 = grid.spread(&fl.opening, tilts);
            let adm: Vec<f64> = grid
                .spread(&fl.admissions, tilts)
                .iter()
                .map(|v| v / 12.0)
                .collect();
            band_closing(&s0, &adm, m, &grid, first[b], last[b])
        };
        let mut ok = vec![vec![true; nb]; history.flows.len()];
        let mut tilts = vec![0.0; nb];
        for b in 0..nb {
            // The least tilt towards younger ages that lets every year be reached with a
            // non-negative discharge rate.
            let reachable = |t: f64, ms: &mut Vec<Vec<f64>>, tilts: &mut Vec<f64>| {
                tilts[b] = t;
                history
                    .flows
                    .iter()
                    .zip(ms.iter_mut())
                    .all(|(fl, m)| closing_at(fl, m, tilts, b, 0.0) >= fl.closing[b] - 1e-9)
            };
            if !reachable(0.0, &mut ms, &mut tilts) {
                let (mut lo, mut hi) = (-MAX_TILT, 0.0);
                if reachable(lo, &mut ms, &mut tilts) {
                    for _ in 0..50 {
                        let mid = 0.5 * (lo + hi);
                        if reachable(mid, &mut ms, &mut tilts) {
                            lo = mid
                        } else {
                            hi = mid
                        }
                    }
                }
                tilts[b] = lo;
            }
            for (y, fl) in history.flows.iter().enumerate() {
                let target = fl.closing[b];
                // The spread does not depend on the rate: compute it once per year.
                let s0 = grid.spread(&fl.opening, &tilts);
                let adm: Vec<f64> = grid
                    .spread(&fl.admissions, &tilts)
                    .iter()
                    .map(|v| v / 12.0)
                    .collect();
                let mut at = |mb: f64| {
                    ms[y][b] = mb;
                    band_closing(&s0, &adm, &ms[y], &grid, first[b], last[b])
                };
                let f0 = at(0.0) - target;
                if f0 < -1e-6 {
                    ms[y][b] = 0.0;
                    ok[y][b] = false;
                    continue;
                }
                let f1 = at(1.0) - target;
                ms[y][b] = if f0 <= 0.0 {
                    0.0
                } else if f1 >= 0.0 {
                    1.0
                } else {
                    // The closing stock falls smoothly as the rate rises: regula falsi
                    // (Illinois) from the bracket [0, 1], to far below a thousandth of
                    // a child.
                    let (mut a, mut fa, mut c, mut fc) = (0.0, f0, 1.0, f1);
                    let mut x = 0.5;
                    for _ in 0..200 {
                        x = c - fc * (c - a) / (fc - fa);
                        let fx = at(x) - target;
                        if fx == 0.0 || (x - c).abs() <= 1e-17 {
                            break;
                        }
                        if (fx < 0.0) == (fc < 0.0) {
                            fa *= 0.5;
                        } else {
                            a = c;
                            fa = fc;
                        }
                        c = x;
                        fc = fx;
                    }
                    x
                };
            }
        }
        let mut bands = Vec::new();
        let mut discharges = Vec::new();
        for (y, fl) in history.flows.iter().enumerate() {
            let (m, ok) = (&ms[y], &ok[y]);
            let (s, f) = simulate_year(&fl.opening, &fl.admissions, m, &tilts, &grid);
            let closing = band_totals(&s, &grid.band_of, nb);
            for (b, band) in scheme.bands().iter().enumerate() {
                bands.push(BandFit {
                    year: fl.year,
                    band: band.label(),
                    opening: fl.opening[b],
                    admissions: fl.admissions[b],
                    published_closing: fl.closing[b],
                    fitted_closing: closing[b],
                    monthly_rate: m[b],
                    annual_rate: annual_rate(m[b]),
                    implied_discharges: f.discharges[b],
                    ageing_in: f.ageing_in[b],
                    ageing_out: f.ageing_out[b],
                    fitted: ok[b],
                });
            }
            let before: f64 = f.discharges.iter().sum();
            let total = before + f.leavers_18;
            let sum = |v: &Vec<f64>| v.iter().sum::<f64>();
            discharges.push(YearDischarges {
                year: fl.year,
                implied_before_18: before,
                leavers_18: f.leavers_18,
                implied_total: total,
                published: fl.discharges,
                difference: fl.discharges.map(|p| total - p),
                identity_gap: fl
                    .discharges
                    .map(|p| sum(&fl.opening) + sum(&fl.admissions) - p - sum(&fl.closing)),
            });
        }
        Ok(CohortModel {
            history,
            bands,
            discharges,
            tilts,
        })
    }

    /// Base years a projection may start from: the 31 Marches ending an observed year.
    pub fn base_years(&self) -> Vec<i32> {
        self.history.years.iter().map(|y| y.end_year()).collect()
    }

    pub(crate) fn rates_of(&self, year: FinancialYear) -> Vec<f64> {
        self.bands
            .iter()
            .filter(|b| b.year == year)
            .map(|b| b.monthly_rate)
            .collect()
    }
}

/// How admissions move forward.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "method", rename_all = "snake_case", try_from = "MethodSpec")]
pub enum Admissions {
    /// The base year's admissions by band, held.
    Held,
    /// The mean of the last `k` observed years up to the base year.
    Mean {
        /// Years averaged.
        k: usize,
    },
    /// A log-linear Poisson trend of each band's admissions on the year.
    Trend,
    /// A rate per 10,000 children (base year) times a population projection.
    Rate {
        /// Child population (0-17) by financial-year end, covering the base year and every projected year.
        population: Vec<(i32, f64)>,
    },
    /// A damped log-linear trend: each band's Poisson trend over the last
    /// [`TREND_WINDOW`] observed years, from its fitted level at the base year, with the
    /// slope of year `j` ahead multiplied by `phi^j` (see the methodology). One observed
    /// year: the base year's admissions held (said in the notes).
    Damped {
        /// Damping factor in [0, 1]: 0 holds the fitted level, 1 is the undamped trend.
        phi: f64,
    },
    /// Admissions per child of the population, with each band's log-linear slope shrunk
    /// towards the slope of a reference series (region or England) by empirical Bayes,
    /// then damped as in [`Admissions::Damped`] (see the methodology).
    Pooled {
        /// Damping factor in [0, 1].
        phi: f64,
        /// The reference series' admissions rate (per 10,000 children) by year ending
        /// 31 March, as known at the base year: at least two of the window's years.
        reference: Vec<(i32, f64)>,
        /// Standard deviation between councils of the true yearly slope of log
        /// admissions (the prior's spread); 0 takes the reference slope.
        between_sd: f64,
        /// Child population (0-17) by year ending 31 March: every observed year of the
        /// window; projected years where given (otherwise held at the base year's).
        population: Vec<(i32, f64)>,
    },
    /// Admissions that carry the council's stock at 31 March of the base year forward at
    /// the damped growth of a reference series (England or the region): each projected
    /// year's admissions keep the mix of bands of the last three observed years, scaled
    /// so that the total stock at its 31 March is `S_T exp(g (phi + ... + phi^h))`, `g`
    /// the log-linear growth of the reference stock over the last [`TREND_WINDOW`] years
    /// up to the base year (see the methodology). Runs from any base year.
    Anchored {
        /// Damping factor in [0, 1].
        phi: f64,
        /// The reference's children looked after at 31 March, by year; empty: England
        /// ([`crate::national::ENGLAND_STOCK`]).
        reference: Vec<(i32, f64)>,
    },
}

/// The admissions method names an assumption may give (`method = "..."`).
pub const ADMISSIONS_METHODS: [&str; 7] = [
    "held", "mean", "trend", "rate", "damped", "pooled", "anchored",
];

/// The discharge-rate method names an assumption may give (`method = "..."`).
pub const DISCHARGE_METHODS: [&str; 3] = ["last", "mean", "regularised"];

/// Observed years (at most) a damped or pooled trend, or a reference growth, is fitted on.
pub const TREND_WINDOW: usize = 5;

/// How discharge rates move forward.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "method", rename_all = "snake_case", try_from = "MethodSpec")]
pub enum Discharges {
    /// The base year's fitted rates.
    Last,
    /// The mean of the last `k` years' fitted rates.
    Mean {
        /// Years averaged.
        k: usize,
    },
    /// Each band's discharges over its child-months in care, pooled over the last `k`
    /// years and shrunk towards the rate of all bands together (see the methodology):
    /// a year whose band could not be fitted, or one noisy year, cannot drive the rate.
    Regularised {
        /// Years pooled (at most the years observed; fewer are used when fewer exist).
        k: usize,
        /// Prior weight of the all-bands rate, in child-months of exposure.
        strength: f64,
    },
}

/// An assumption as written in a file (`{ method = "mean", k = 3 }`): every key of every
/// method, so that a key the method does not take is an error rather than ignored (serde
/// ignores extra keys of the unit variants of an internally tagged enum).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MethodSpec {
    /// The method's name.
    pub method: String,
    /// Years (or dates) averaged, for `mean`.
    #[serde(default)]
    pub k: Option<usize>,
    /// Child population by year, for admissions `rate` and `pooled`.
    #[serde(default)]
    pub population: Option<Vec<(i32, f64)>>,
    /// Damping factor, for admissions `damped` and `pooled`.
    #[serde(default)]
    pub phi: Option<f64>,
    /// Reference admissions rate by year, for admissions `pooled`.
    #[serde(default)]
    pub reference: Option<Vec<(i32, f64)>>,
    /// Between-council slope spread, for admissions `pooled`.
    #[serde(default)]
    pub between_sd: Option<f64>,
    /// Prior strength in child-months, for discharges `regularised`.
    #[serde(default)]
    pub strength: Option<f64>,
}

impl MethodSpec {
    /// Checks that only the keys in `allowed` are given (besides `method`).
    pub fn only(&self, methods: &[&str], allowed: &[&str]) -> std::result::Result<(), String> {
        if !methods.contains(&self.method.as_str()) {
            return Err(format!(
                "unknown method `{}`, expected one of {}",
                self.method,
                methods.join(", ")
            ));
        }
        for (key, given) in [
            ("k", self.k.is_some()),
            ("population", self.population.is_some()),
            ("phi", self.phi.is_some()),
            ("reference", self.reference.is_some()),
            ("between_sd", self.between_sd.is_some()),
            ("strength", self.strength.is_some()),
        ] {
            if given && !allowed.contains(&key) {
                return Err(format!(
                    "unknown field `{key}`: method `{}` takes {}",
                    self.method,
                    if allowed.is_empty() {
                        "no other keys".to_string()
                    } else {
                        allowed
                            .iter()
                            .map(|k| format!("`{k}`"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    }
                ));
            }
        }
        Ok(())
    }

    /// `k`, required.
    pub fn k(&self) -> std::result::Result<usize, String> {
        self.k
            .ok_or_else(|| format!("method `{}` needs `k` (how many to average)", self.method))
    }
}

impl TryFrom<MethodSpec> for Admissions {
    type Error = String;
    fn try_from(s: MethodSpec) -> std::result::Result<Self, String> {
        const METHODS: [&str; 7] = ADMISSIONS_METHODS;
        match s.method.as_str() {
            "held" => s.only(&METHODS, &[]).map(|_| Admissions::Held),
            "damped" => {
                s.only(&METHODS, &["phi"])?;
                Ok(Admissions::Damped {
                    phi: s.phi.unwrap_or(DEFAULT_PHI),
                })
            }
            "anchored" => {
                s.only(&METHODS, &["phi", "reference"])?;
                Ok(Admissions::Anchored {
                    phi: s.phi.unwrap_or(DEFAULT_PHI),
                    reference: s.reference.unwrap_or_default(),
                })
            }
            "pooled" => {
                s.only(&METHODS, &["phi", "reference", "between_sd", "population"])?;
                Ok(Admissions::Pooled {
                    phi: s.phi.unwrap_or(DEFAULT_PHI),
                    reference: s
                        .reference
                        .ok_or("method `pooled` needs `reference` (year, rate per 10,000) pairs")?,
                    between_sd: s.between_sd.ok_or(
                        "method `pooled` needs `between_sd` (spread of slopes between councils)",
                    )?,
                    population: s
                        .population
                        .ok_or("method `pooled` needs `population` (year, children) pairs")?,
                })
            }
            "trend" => s.only(&METHODS, &[]).map(|_| Admissions::Trend),
            "mean" => {
                s.only(&METHODS, &["k"])?;
                Ok(Admissions::Mean { k: s.k()? })
            }
            "rate" => {
                s.only(&METHODS, &["population"])?;
                Ok(Admissions::Rate {
                    population: s
                        .population
                        .ok_or("method `rate` needs `population` (year, children) pairs")?,
                })
            }
            _ => s.only(&METHODS, &[]).map(|_| Admissions::Held),
        }
    }
}

impl TryFrom<MethodSpec> for Discharges {
    type Error = String;
    fn try_from(s: MethodSpec) -> std::result::Result<Self, String> {
        const METHODS: [&str; 3] = DISCHARGE_METHODS;
        match s.method.as_str() {
            "regularised" => {
                s.only(&METHODS, &["k", "strength"])?;
                Ok(Discharges::Regularised {
                    k: s.k.unwrap_or(DEFAULT_REGULARISED_YEARS),
                    strength: s.strength.unwrap_or(DEFAULT_STRENGTH),
                })
            }
            "mean" => {
                s.only(&METHODS, &["k"])?;
                Ok(Discharges::Mean { k: s.k()? })
            }
            _ => s.only(&METHODS, &[]).map(|_| Discharges::Last),
        }
    }
}

/// A change to one band's flows: how a scenario's admissions and discharge levers reach
/// the projection. Applied after the admissions and discharge assumptions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FlowChange {
    /// A band label of the model's scheme (`under 1`, `1-4`, ...), or `all` for every band.
    pub band: String,
    /// Percent change in admissions (`-10` = ten percent fewer).
    #[serde(default)]
    pub admissions_percent: f64,
    /// Admissions added per year (negative removes); with `all`, shared in proportion to
    /// each band's assumed admissions.
    #[serde(default)]
    pub admissions_absolute: f64,
    /// Percent change in the discharge rate (reunification, adoption, ... all together).
    #[serde(default)]
    pub discharge_percent: f64,
    /// First financial year the change applies to, by the calendar year of its 31 March;
    /// `None` = every projected year.
    #[serde(default)]
    pub from_year: Option<i32>,
}

impl FlowChange {
    /// A change for one band that does nothing yet.
    pub fn new(band: impl Into<String>) -> Self {
        FlowChange {
            band: band.into(),
            admissions_percent: 0.0,
            admissions_absolute: 0.0,
            discharge_percent: 0.0,
            from_year: None,
        }
    }
}

/// Options of a projection.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProjectionOptions {
    /// The 31 March the projection starts from (calendar year).
    pub base_year: i32,
    /// Years ahead, 1 to 25.
    pub years: usize,
    /// Admissions assumption.
    pub admissions: Admissions,
    /// Discharge-rate assumption.
    pub discharges: Discharges,
    /// Band scheme of the output.
    pub output_bands: BandScheme,
    /// Share of discharges at 16-17 who become care leavers, in [0, 1].
    pub leaver_share_16_17: f64,
    /// Retention of care leavers by age (18-25), in [0, 1]; missing ages keep 1.
    pub retention: Vec<(u8, f64)>,
    /// Output grain: `year`, `quarter` or `month`.
    pub grain: String,
    /// Changes to admissions and discharge rates (scenario levers); empty = none.
    #[serde(default)]
    pub changes: Vec<FlowChange>,
}

impl ProjectionOptions {
    /// Defaults: admissions [`DEFAULT_ADMISSIONS`] (anchored to England's damped growth)
    /// and discharges [`DEFAULT_DISCHARGES`] (regularised over five years and the bands),
    /// the methods the national backtest favours (see [`crate::national`] and the
    /// methodology; both run from every base year), DfE bands, yearly.
    pub fn new(base_year: i32, years: usize) -> Self {
        ProjectionOptions {
            base_year,
            years,
            admissions: DEFAULT_ADMISSIONS,
            discharges: DEFAULT_DISCHARGES,
            output_bands: BandScheme::dfe(),
            leaver_share_16_17: 0.0,
            retention: Vec::new(),
            grain: "year".into(),
            changes: Vec::new(),
        }
    }
}

/// One number of a projection (long form).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Row {
    /// Financial year.
    pub year: String,
    /// Period within it (`2017/18`, `2017/18 Q1` or `2017-04`).
    pub period: String,
    /// Band label (`all` for totals; single ages `18`..`25` for care leavers).
    pub band: String,
    /// Measure: `opening`, `admissions`, `discharges`, `ageing_in`, `ageing_out`,
    /// `leavers_18`, `stock` (closing) or `care_leavers`.
    pub measure: String,
    /// Value (an expected count; not rounded).
    pub value: f64,
}

/// The assumptions that made a projection.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Assumptions {
    /// Dataset.
    pub dataset: String,
    /// Base year (31 March).
    pub base_year: i32,
    /// Years ahead.
    pub years: usize,
    /// Admissions assumption.
    pub admissions: Admissions,
    /// Discharge-rate assumption.
    pub discharges: Discharges,
    /// Band scheme of the model (the published tables').
    pub model_bands: String,
    /// Band scheme of the output.
    pub output_bands: String,
    /// How bands were spread over single ages.
    pub spread: String,
    /// Admissions per band per projected year used.
    pub admissions_used: Vec<Vec<f64>>,
    /// Annual discharge rates per band used.
    pub discharge_rates: Vec<f64>,
    /// Flow changes applied (scenario levers).
    #[serde(default)]
    pub changes: Vec<FlowChange>,
    /// Notes on the data.
    pub notes: Vec<String>,
}

/// A projection: long rows and the assumptions that made them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Projection {
    /// The rows.
    pub rows: Vec<Row>,
    /// The assumptions.
    pub assumptions: Assumptions,
}

fn check_rate(name: &str, v: f64) -> Result<()> {
    if !(0.0..=1.0).contains(&v) || !v.is_finite() {
        return Err(Error::argument(name, v, "must be a fraction in [0, 1]"));
    }
    Ok(())
}

/// Log-linear Poisson regression of counts on x (IRLS); returns (intercept, slope).
pub(crate) fn poisson_trend(x: &[f64], y: &[f64]) -> (f64, f64) {
    let n = x.len() as f64;
    let xm = x.iter().sum::<f64>() / n;
    let mean = (y.iter().sum::<f64>() / n).max(1e-9);
    let (mut a, mut b) = (mean.ln(), 0.0);
    for _ in 0..50 {
        let (mut s0, mut s1, mut s2, mut r0, mut r1) = (0.0, 0.0, 0.0, 0.0, 0.0);
        for (xi, yi) in x.iter().zip(y) {
            let xc = xi - xm;
            let mu = (a + b * xc).exp();
            let z = a + b * xc + (yi - mu) / mu.max(1e-12);
            s0 += mu;
            s1 += mu * xc;
            s2 += mu * xc * xc;
            r0 += mu * z;
            r1 += mu * xc * z;
        }
        let det = s0 * s2 - s1 * s1;
        if det.abs() < 1e-12 {
            break;
        }
        let na = (s2 * r0 - s1 * r1) / det;
        let nb = (s0 * r1 - s1 * r0) / det;
        let done = (na - a).abs() < 1e-12 && (nb - b).abs() < 1e-12;
        a = na;
        b = nb;
        if done {
            break;
        }
    }
    (a - b * xm, b)
}

impl CohortModel {
    /// Projects forward from a base year.
    ///
    /// ```
    /// use carecast::{CohortModel, Dataset, model::ProjectionOptions};
    /// let m = CohortModel::fit(&Dataset::bundled("derbyshire").unwrap()).unwrap();
    /// let p = m.project(&ProjectionOptions::new(2017, 10)).unwrap();
    /// let stock_2027: f64 = p.rows.iter()
    ///     .filter(|r| r.year == "2026/27" && r.measure == "stock" && r.band == "all")
    ///     .map(|r| r.value).sum();
    /// assert!(stock_2027 > 0.0);
    /// assert!(CohortModel::fit(&Dataset::bundled("derbyshire").unwrap()).unwrap()
    ///     .project(&ProjectionOptions::new(2013, 10)).is_err());
    /// ```
    pub fn project(&self, o: &ProjectionOptions) -> Result<Projection> {
        let bi = self.check_options(o)?;
        let h = &self.history;
        let observed = &h.flows[..=bi];
        let m_band = self.assumed_rates(observed, o)?;
        let (admissions, anchor_note) = self.point_admissions(observed, o, &m_band)?;
        let (admissions, rates_by_year) = apply_changes(&h.scheme, o, admissions, &m_band, true)?;
        let grid = Grid::new(&h.scheme);
        let out_grid = Grid::new(&o.output_bands);
        let no = o.output_bands.bands().len();
        let weights = grid.weights(&self.tilts);
        let mut stepper = GridStepper {
            s: grid.spread_with(&weights, &observed[bi].closing),
            adm: admissions
                .iter()
                .map(|a| {
                    grid.spread_with(&weights, a)
                        .iter()
                        .map(|v| v / 12.0)
                        .collect()
                })
                .collect(),
            m: rates_by_year
                .iter()
                .map(|r| grid.band_of.iter().map(|&b| r[b]).collect())
                .collect(),
            out_band_of: out_grid.band_of.clone(),
            no,
        };
        let mut sink = RowSink {
            labels: o.output_bands.bands().iter().map(AgeBand::label).collect(),
            rows: Vec::new(),
        };
        drive(
            o,
            FinancialYear::ending(o.base_year),
            no,
            &mut stepper,
            &mut sink,
        );
        let mut notes = h.notes.clone();
        notes.extend(anchor_note);
        let base_total: f64 = observed[bi].closing.iter().sum();
        if base_total > 0.0 {
            for r in sink
                .rows
                .iter()
                .filter(|r| r.measure == "stock" && r.band == "all" && r.period == r.year)
            {
                let ratio = r.value / base_total;
                if !(1.0 / WARN_FACTOR..=WARN_FACTOR).contains(&ratio) {
                    notes.push(format!(
                        "warning: the projected stock moves more than a factor {WARN_FACTOR} from the base year's {base_total:.0} (first in {}: {:.0}, {:.2} times); in the national backtest the default's 95% interval five years ahead spans {:.2} to {:.2} times its value",
                        r.year,
                        r.value,
                        ratio,
                        crate::national::DEFAULT_TOTAL_QUANTILES[4][0].exp(),
                        crate::national::DEFAULT_TOTAL_QUANTILES[4][4].exp(),
                    ));
                    break;
                }
            }
        }
        notes.push("care_leavers counts only young people who left care after the base year (cohorts of earlier leavers are not in the tables this model reads); use project_care_leavers to carry a published opening forward".into());
        Ok(Projection {
            rows: sink.rows,
            assumptions: Assumptions {
                dataset: h.dataset.clone(),
                base_year: o.base_year,
                years: o.years,
                admissions: o.admissions.clone(),
                discharges: o.discharges.clone(),
                model_bands: h.scheme.name().into(),
                output_bands: o.output_bands.name().into(),
                spread: "uniform over the months of each band".into(),
                admissions_used: admissions,
                discharge_rates: m_band.iter().map(|&x| annual_rate(x)).collect(),
                changes: o.changes.clone(),
                notes,
            },
        })
    }

    /// Admissions per projected year and band at the estimated parameters (before flow
    /// changes): [`Admissions::Anchored`] solved on the grid under the monthly rates
    /// `m_band`, the others as their assumption says. The note describes the anchor.
    pub(crate) fn point_admissions(
        &self,
        observed: &[YearFlows],
        o: &ProjectionOptions,
        m_band: &[f64],
    ) -> Result<(YearByBand, Option<String>)> {
        let nb = self.history.scheme.bands().len();
        let pattern = assumed_admissions(observed, o, nb)?;
        let Admissions::Anchored { phi, reference } = &o.admissions else {
            return Ok((pattern, None));
        };
        let Some(base) = observed.last() else {
            return Err(Error::model("no observed year up to the base year"));
        };
        let england;
        let reference = if reference.is_empty() {
            england = crate::national::england_stock();
            &england
        } else {
            reference
        };
        let (growth, years) = reference_growth(reference, o.base_year)?;
        let grid = Grid::new(&self.history.scheme);
        let weights = grid.weights(&self.tilts);
        let m: Vec<f64> = grid.band_of.iter().map(|&b| m_band[b]).collect();
        let s_base: f64 = base.closing.iter().sum();
        let targets = damped_path(s_base, growth, *phi, o.years);
        let mut s = grid.spread_with(&weights, &base.closing);
        let mut out = Vec::with_capacity(o.years);
        let mut clamped = 0;
        for (t, target) in targets.iter().enumerate() {
            let unit: Vec<f64> = grid
                .spread_with(&weights, &pattern[t])
                .iter()
                .map(|v| v / 12.0)
                .collect();
            let zero = vec![0.0; MONTHS];
            let run = |start: &[f64], adm: &[f64]| {
                let mut st = start.to_vec();
                let mut f = Flows::zero(nb);
                for _ in 0..12 {
                    step(&mut st, adm, &m, &grid.band_of, &mut f);
                }
                st
            };
            let without: f64 = run(&s, &zero).iter().sum();
            let per_unit: f64 = run(&zero, &unit).iter().sum();
            let mut k = if per_unit > 0.0 {
                (target - without) / per_unit
            } else {
                1.0
            };
            if k < 0.0 {
                k = 0.0;
                clamped += 1;
            }
            let adm_t: Vec<f64> = pattern[t].iter().map(|a| a * k).collect();
            let scaled: Vec<f64> = unit.iter().map(|a| a * k).collect();
            s = run(&s, &scaled);
            out.push(adm_t);
        }
        let mut note = format!(
            "admissions anchored: the total stock follows the base year's {s_base:.0} at the reference's growth of {:+.2}% a year (log-linear over {}), damped by {phi} a year; admissions keep the band mix of the last {} observed years",
            100.0 * growth,
            match (years.first(), years.last()) {
                (Some(a), Some(b)) if a != b => format!("{a}-{b}"),
                _ => "no two years: growth 0".into(),
            },
            observed.len().min(3)
        );
        if clamped > 0 {
            note.push_str(&format!(
                "; in {clamped} year(s) even no admissions leave more children than the anchor (admissions 0)"
            ));
        }
        Ok((out, Some(note)))
    }

    /// Validates the options that do not depend on the assumptions; returns the index of
    /// the base year in the history.
    pub(crate) fn check_options(&self, o: &ProjectionOptions) -> Result<usize> {
        let bases = self.base_years();
        let Some(bi) = bases.iter().position(|&y| y == o.base_year) else {
            return Err(Error::argument(
                "base_year",
                o.base_year,
                format!(
                    "must end an observed year of {}: one of {:?}",
                    self.history.dataset, bases
                ),
            ));
        };
        if o.years == 0 || o.years > MAX_HORIZON {
            return Err(Error::argument(
                "years",
                o.years,
                format!("must be 1 to {MAX_HORIZON}"),
            ));
        }
        check_rate("leaver_share_16_17", o.leaver_share_16_17)?;
        for (age, r) in &o.retention {
            if !(18..=25).contains(age) {
                return Err(Error::argument("retention", age, "ages must be 18 to 25"));
            }
            check_rate(&format!("retention[{age}]"), *r)?;
        }
        if !matches!(o.grain.as_str(), "year" | "quarter" | "month") {
            return Err(Error::argument(
                "grain",
                &o.grain,
                "must be year, quarter or month",
            ));
        }
        Ok(bi)
    }

    /// Monthly discharge fractions by band under the discharge assumption (before flow
    /// changes). `observed`: the history's years up to the base year.
    pub(crate) fn assumed_rates(
        &self,
        observed: &[YearFlows],
        o: &ProjectionOptions,
    ) -> Result<Vec<f64>> {
        let nb = self.history.scheme.bands().len();
        let base_year = FinancialYear::ending(o.base_year);
        Ok(match &o.discharges {
            Discharges::Last => self.rates_of(base_year),
            Discharges::Mean { k } => {
                let ys = last_k(observed, *k, "k")?;
                let rs: Vec<Vec<f64>> = ys.iter().map(|y| self.rates_of(y.year)).collect();
                (0..nb)
                    .map(|b| rs.iter().map(|r| r[b]).sum::<f64>() / rs.len() as f64)
                    .collect()
            }
            Discharges::Regularised { k, strength } => {
                self.regularised_rates(observed, *k, *strength)?.0
            }
        })
    }

    /// Monthly rates under [`Discharges::Regularised`], with each band's pooled exposure
    /// (child-months): `m_b = (D_b + s m_all) / (E_b + s)` over the last `k` years
    /// (fewer when fewer are observed), `D`, `E` summed over the years the band was fitted
    /// in, `m_all = sum D / sum E` over every band.
    pub(crate) fn regularised_rates(
        &self,
        observed: &[YearFlows],
        k: usize,
        strength: f64,
    ) -> Result<(Vec<f64>, Vec<f64>)> {
        if k == 0 {
            return Err(Error::argument("k", k, "must be at least 1"));
        }
        if !strength.is_finite() || strength < 0.0 {
            return Err(Error::argument(
                "strength",
                strength,
                "must be a number >= 0",
            ));
        }
        let nb = self.history.scheme.bands().len();
        let ys = &observed[observed.len().saturating_sub(k)..];
        let (mut d, mut e) = (vec![0.0; nb], vec![0.0; nb]);
        for y in ys {
            for (b, fit) in self.bands.iter().filter(|f| f.year == y.year).enumerate() {
                if b >= nb || !fit.fitted {
                    continue;
                }
                let exposure = if fit.monthly_rate > 0.0 {
                    fit.implied_discharges / fit.monthly_rate
                } else {
                    6.0 * (fit.opening + fit.published_closing)
                };
                d[b] += fit.implied_discharges;
                e[b] += exposure;
            }
        }
        let (sd, se): (f64, f64) = (d.iter().sum(), e.iter().sum());
        let all = if se > 0.0 { sd / se } else { 0.0 };
        let rates = (0..nb)
            .map(|b| {
                let den = e[b] + strength;
                if den > 0.0 {
                    ((d[b] + strength * all) / den).clamp(0.0, 1.0 - 1e-12)
                } else {
                    all
                }
            })
            .collect();
        Ok((rates, e))
    }
}

/// The last `k` observed years, or an error naming `what`.
pub(crate) fn last_k<'a>(
    observed: &'a [YearFlows],
    k: usize,
    what: &str,
) -> Result<&'a [YearFlows]> {
    if k == 0 || k > observed.len() {
        return Err(Error::argument(
            what,
            k,
            format!(
                "must be 1 to {} (years observed up to the base year)",
                observed.len()
            ),
        ));
    }
    Ok(&observed[observed.len() - k..])
}

/// The log-linear growth a year of a reference stock series over the years of the last
/// [`TREND_WINDOW`] up to `base_year` that it has, and those years (growth 0 with fewer
/// than two).
///
/// # Errors
/// A value that is not a positive number.
pub fn reference_growth(reference: &[(i32, f64)], base_year: i32) -> Result<(f64, Vec<i32>)> {
    let mut pts: Vec<(i32, f64)> = Vec::new();
    for (y, v) in reference {
        if !v.is_finite() || *v <= 0.0 {
            return Err(Error::argument(
                "reference",
                format!("{y}: {v}"),
                "must be a positive number of children",
            ));
        }
        if *y <= base_year && *y > base_year - TREND_WINDOW as i32 {
            pts.push((*y, v.ln()));
        }
    }
    pts.sort_by_key(|p| p.0);
    pts.dedup_by_key(|p| p.0);
    let years: Vec<i32> = pts.iter().map(|p| p.0).collect();
    if pts.len() < 2 {
        return Ok((0.0, years));
    }
    let x: Vec<f64> = pts.iter().map(|p| f64::from(p.0)).collect();
    let y: Vec<f64> = pts.iter().map(|p| p.1).collect();
    Ok((ols_slope(&x, &y), years))
}

/// The last [`TREND_WINDOW`] observed years (all when fewer).
fn window(observed: &[YearFlows]) -> &[YearFlows] {
    &observed[observed.len().saturating_sub(TREND_WINDOW)..]
}

fn years_x(w: &[YearFlows]) -> Vec<f64> {
    w.iter().map(|f| f64::from(f.year.end_year())).collect()
}

/// `level * exp(slope * (phi + phi^2 + ... + phi^h))` for `h = 1 ..= years`.
pub(crate) fn damped_path(level: f64, slope: f64, phi: f64, years: usize) -> Vec<f64> {
    let mut cum = 0.0;
    let mut d = 1.0;
    (0..years)
        .map(|_| {
            d *= phi;
            cum += d;
            level * (slope * cum).exp()
        })
        .collect()
}

/// Band-major values to year-major.
fn transpose(by_band: &[Vec<f64>], years: usize) -> YearByBand {
    (0..years)
        .map(|t| by_band.iter().map(|v| v[t]).collect())
        .collect()
}

/// Least-squares slope of `y` on `x` (0 with fewer than two distinct `x`).
pub(crate) fn ols_slope(x: &[f64], y: &[f64]) -> f64 {
    let n = x.len() as f64;
    if x.len() < 2 {
        return 0.0;
    }
    let (xm, ym) = (x.iter().sum::<f64>() / n, y.iter().sum::<f64>() / n);
    let sxx: f64 = x.iter().map(|v| (v - xm).powi(2)).sum();
    if sxx <= 0.0 {
        return 0.0;
    }
    x.iter()
        .zip(y)
        .map(|(a, b)| (a - xm) * (b - ym))
        .sum::<f64>()
        / sxx
}

/// The yearly slope of log admissions per child, `counts[t] ~ Poisson(pop[t] exp(a + b
/// x[t]))`, and its sampling variance: `phi / sum mu (x - xbar)^2`, `phi` the Pearson
/// dispersion of the counts around the fit (at least 1; 1 with two years).
pub fn rate_slope(x: &[f64], counts: &[f64], pop: &[f64]) -> (f64, f64) {
    // The Poisson fit on rates with weights pop: IRLS of counts with offset ln(pop).
    let n = x.len() as f64;
    let xm = x.iter().sum::<f64>() / n;
    let total: f64 = counts.iter().sum();
    let exposure: f64 = pop.iter().sum();
    let (mut a, mut b) = ((total / exposure).max(1e-12).ln(), 0.0);
    for _ in 0..50 {
        let (mut s0, mut s1, mut s2, mut g0, mut g1) = (0.0, 0.0, 0.0, 0.0, 0.0);
        for ((xi, yi), p) in x.iter().zip(counts).zip(pop) {
            let xc = xi - xm;
            let mu = p * (a + b * xc).exp();
            s0 += mu;
            s1 += mu * xc;
            s2 += mu * xc * xc;
            g0 += yi - mu;
            g1 += (yi - mu) * xc;
        }
        let det = s0 * s2 - s1 * s1;
        if det.abs() < 1e-12 {
            break;
        }
        let da = (s2 * g0 - s1 * g1) / det;
        let db = (s0 * g1 - s1 * g0) / det;
        a += da;
        b += db;
        if da.abs() < 1e-12 && db.abs() < 1e-12 {
            break;
        }
    }
    let (mut info, mut pearson) = (0.0, 0.0);
    for ((xi, yi), p) in x.iter().zip(counts).zip(pop) {
        let xc = xi - xm;
        let mu = p * (a + b * xc).exp();
        info += mu * xc * xc;
        if mu > 0.0 {
            pearson += (yi - mu).powi(2) / mu;
        }
    }
    let phi = if x.len() > 2 {
        (pearson / (n - 2.0)).max(1.0)
    } else {
        1.0
    };
    let var = if info > 0.0 {
        phi / info
    } else {
        f64::INFINITY
    };
    (b, var)
}

/// The empirical-Bayes slope: `w own + (1 - w) reference`, `w = tau^2 / (tau^2 + var)`.
pub fn shrink(own: f64, var: f64, reference: f64, tau: f64) -> f64 {
    let t2 = tau * tau;
    if !var.is_finite() || t2 + var <= 0.0 {
        return reference;
    }
    let w = t2 / (t2 + var);
    w * own + (1.0 - w) * reference
}

/// Admissions per projected year and band under the admissions assumption (before flow
/// changes). `observed`: the history's years up to the base year, the last one being the
/// base year; `nb`: bands of the model.
pub(crate) fn assumed_admissions(
    observed: &[YearFlows],
    o: &ProjectionOptions,
    nb: usize,
) -> Result<YearByBand> {
    let Some(base) = observed.last() else {
        return Err(Error::model("no observed year up to the base year"));
    };
    Ok(match &o.admissions {
        Admissions::Held => vec![base.admissions.clone(); o.years],
        Admissions::Mean { k } => {
            let ys = last_k(observed, *k, "k")?;
            let mean: Vec<f64> = (0..nb)
                .map(|b| ys.iter().map(|y| y.admissions[b]).sum::<f64>() / ys.len() as f64)
                .collect();
            vec![mean; o.years]
        }
        Admissions::Trend => {
            if observed.len() < 2 {
                return Err(Error::argument(
                    "admissions",
                    "trend",
                    "a trend needs at least two observed years up to the base year (use held or mean)",
                ));
            }
            let x: Vec<f64> = observed
                .iter()
                .map(|y| f64::from(y.year.end_year()))
                .collect();
            let coefs: Vec<(f64, f64)> = (0..nb)
                .map(|b| {
                    poisson_trend(
                        &x,
                        &observed.iter().map(|y| y.admissions[b]).collect::<Vec<_>>(),
                    )
                })
                .collect();
            (1..=o.years)
                .map(|t| {
                    let yr = f64::from(o.base_year) + t as f64;
                    coefs.iter().map(|(a, b)| (a + b * yr).exp()).collect()
                })
                .collect()
        }
        Admissions::Anchored { phi, .. } => {
            // The mix of bands; the level is solved year by year in the projection.
            check_rate("phi", *phi)?;
            let ys = &observed[observed.len().saturating_sub(3)..];
            let mean: Vec<f64> = (0..nb)
                .map(|b| ys.iter().map(|y| y.admissions[b]).sum::<f64>() / ys.len().max(1) as f64)
                .collect();
            vec![mean; o.years]
        }
        Admissions::Damped { phi } => {
            check_rate("phi", *phi)?;
            let w = window(observed);
            (0..nb)
                .map(|b| {
                    let y: Vec<f64> = w.iter().map(|f| f.admissions[b]).collect();
                    let x = years_x(w);
                    let (level, slope) = if w.len() < 2 {
                        (y.last().copied().unwrap_or(0.0), 0.0)
                    } else {
                        let (a, s) = poisson_trend(&x, &y);
                        ((a + s * f64::from(o.base_year)).exp(), s)
                    };
                    Ok(damped_path(level, slope, *phi, o.years))
                })
                .collect::<Result<Vec<_>>>()
                .map(|by_band| transpose(&by_band, o.years))?
        }
        Admissions::Pooled {
            phi,
            reference,
            between_sd,
            population,
        } => {
            check_rate("phi", *phi)?;
            if !between_sd.is_finite() || *between_sd < 0.0 {
                return Err(Error::argument(
                    "between_sd",
                    between_sd,
                    "must be a number >= 0",
                ));
            }
            let w = window(observed);
            let x = years_x(w);
            let lookup = |series: &[(i32, f64)], what: &str, y: i32| -> Result<f64> {
                match series.iter().find(|(sy, _)| *sy == y) {
                    Some((_, v)) if v.is_finite() && *v > 0.0 => Ok(*v),
                    Some((_, v)) => Err(Error::argument(
                        what,
                        format!("{y}: {v}"),
                        "must be a positive number",
                    )),
                    None => Err(Error::argument(
                        what,
                        y,
                        "no value for this observed year (every year of the trend window is needed)",
                    )),
                }
            };
            let pop: Vec<f64> = w
                .iter()
                .map(|f| lookup(population, "population", f.year.end_year()))
                .collect::<Result<_>>()?;
            let reference_slope = if w.len() < 2 {
                0.0
            } else {
                let r: Vec<f64> = w
                    .iter()
                    .map(|f| lookup(reference, "reference", f.year.end_year()).map(f64::ln))
                    .collect::<Result<_>>()?;
                ols_slope(&x, &r)
            };
            let p_base = pop.last().copied().unwrap_or(1.0);
            let future_pop: Vec<f64> = (1..=o.years)
                .map(|t| {
                    let y = o.base_year + t as i32;
                    population
                        .iter()
                        .find(|(py, _)| *py == y)
                        .map_or(p_base, |(_, p)| *p)
                })
                .collect();
            let by_band: Vec<Vec<f64>> = (0..nb)
                .map(|b| {
                    let y: Vec<f64> = w.iter().map(|f| f.admissions[b]).collect();
                    let slope = if w.len() < 2 {
                        0.0
                    } else {
                        let (own, var) = rate_slope(&x, &y, &pop);
                        shrink(own, var, reference_slope, *between_sd)
                    };
                    // Level per child at the base year given the slope (Poisson MLE).
                    let base = f64::from(o.base_year);
                    let expo: f64 = x
                        .iter()
                        .zip(&pop)
                        .map(|(xi, p)| p * (slope * (xi - base)).exp())
                        .sum();
                    let rate = y.iter().sum::<f64>() / expo.max(1e-12);
                    damped_path(rate, slope, *phi, o.years)
                        .into_iter()
                        .zip(&future_pop)
                        .map(|(r, p)| r * p)
                        .collect()
                })
                .collect();
            transpose(&by_band, o.years)
        }
        Admissions::Rate { population } => {
            for (y, p) in population {
                if !p.is_finite() || *p <= 0.0 {
                    return Err(Error::argument(
                        "population",
                        format!("{y}: {p}"),
                        "must be a positive number of children",
                    ));
                }
            }
            let pop = |y: i32| -> Result<f64> {
                population.iter().find(|(py, _)| *py == y).map(|(_, p)| *p).ok_or_else(|| {
                    Error::argument("population", y, "no population given for this year (the base year and every projected year are needed)")
                })
            };
            let p0 = pop(o.base_year)?;
            let rate: Vec<f64> = base.admissions.iter().map(|a| a / p0).collect();
            (1..=o.years as i32)
                .map(|t| pop(o.base_year + t).map(|p| rate.iter().map(|r| r * p).collect()))
                .collect::<Result<_>>()?
        }
    })
}

/// Something that steps the stock forward one month at a time (the deterministic grid,
/// or one Monte Carlo path), reporting flows and stock by output band.
pub(crate) trait Stepper {
    /// Runs month `month` (0 = April) of projected year `t` (0-based), adding its flows,
    /// by output band, to `f`.
    fn month(&mut self, t: usize, month: usize, f: &mut Flows);
    /// Writes the current stock by output band into `out`.
    fn stock(&self, out: &mut [f64]);
}

/// A period of the output within a financial year.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum PeriodKey {
    /// The whole year.
    Year,
    /// Quarter 1 to 4.
    Quarter(u8),
    /// Month 0 (April) to 11 (March).
    Month(usize),
}

/// The band of an output value.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum BandKey {
    /// An output band by index.
    Out(usize),
    /// All ages.
    All,
    /// A single age of care leavers.
    Age(u8),
}

/// Receives the values of a projection in row order.
pub(crate) trait Sink {
    /// One value.
    fn add(
        &mut self,
        fy: FinancialYear,
        period: PeriodKey,
        band: BandKey,
        measure: &'static str,
        value: f64,
    );
}

/// Builds long rows.
struct RowSink {
    labels: Vec<String>,
    rows: Vec<Row>,
}

impl Sink for RowSink {
    fn add(
        &mut self,
        fy: FinancialYear,
        period: PeriodKey,
        band: BandKey,
        measure: &'static str,
        value: f64,
    ) {
        let period = match period {
            PeriodKey::Year => fy.to_string(),
            PeriodKey::Quarter(q) => Period::Quarter(fy, q).to_string(),
            PeriodKey::Month(month) => {
                let (y, mo) = if month < 9 {
                    (fy.end_year() - 1, month + 4)
                } else {
                    (fy.end_year(), month - 8)
                };
                Period::Month(y, mo as u8).to_string()
            }
        };
        let band = match band {
            BandKey::Out(b) => self.labels[b].clone(),
            BandKey::All => "all".into(),
            BandKey::Age(a) => a.to_string(),
        };
        self.rows.push(Row {
            year: fy.to_string(),
            period,
            band,
            measure: measure.into(),
            value,
        });
    }
}

/// The deterministic grid as a [`Stepper`].
pub(crate) struct GridStepper {
    /// Stock by month of age.
    pub(crate) s: Vec<f64>,
    /// Admissions per month by month of age, per projected year.
    pub(crate) adm: YearByBand,
    /// Monthly discharge fraction by month of age, per projected year.
    pub(crate) m: YearByBand,
    /// Output band of each month of age.
    pub(crate) out_band_of: Vec<usize>,
    /// Output bands.
    pub(crate) no: usize,
}

impl Stepper for GridStepper {
    fn month(&mut self, t: usize, _month: usize, f: &mut Flows) {
        step(&mut self.s, &self.adm[t], &self.m[t], &self.out_band_of, f);
    }

    fn stock(&self, out: &mut [f64]) {
        out.copy_from_slice(&band_totals(&self.s, &self.out_band_of, self.no));
    }
}

/// Runs the projection's months and emits every value, in row order, to `sink`: flows
/// and stock per period, then care-leaver cohorts per year (see the methodology).
pub(crate) fn drive(
    o: &ProjectionOptions,
    base_year: FinancialYear,
    no: usize,
    st: &mut impl Stepper,
    sink: &mut impl Sink,
) {
    let top = o.output_bands.index_of(17).unwrap_or(no - 1);
    let top_is_16_17 = o.output_bands.bands()[top].lo() >= 16;
    let retention = |age: u8| {
        o.retention
            .iter()
            .find(|(a, _)| *a == age)
            .map_or(1.0, |(_, r)| *r)
    };
    let mut cohorts = [0.0f64; 8];
    let mut fy = base_year;
    let mut chunk_open = vec![0.0; no];
    let mut close = vec![0.0; no];
    st.stock(&mut chunk_open);
    for t in 0..o.years {
        fy = fy.next();
        let mut year_disch_top = 0.0;
        let mut year_leavers = 0.0;
        let mut chunk = Flows::zero(no);
        for month in 0..12 {
            st.month(t, month, &mut chunk);
            let period = match o.grain.as_str() {
                "month" => Some(PeriodKey::Month(month)),
                "quarter" => (month % 3 == 2).then_some(PeriodKey::Quarter((month / 3 + 1) as u8)),
                _ => (month == 11).then_some(PeriodKey::Year),
            };
            if let Some(period) = period {
                st.stock(&mut close);
                emit_chunk(sink, fy, period, &chunk_open, &chunk, &close);
                year_disch_top += chunk.discharges[top];
                year_leavers += chunk.leavers_18;
                std::mem::swap(&mut chunk_open, &mut close);
                chunk = Flows::zero(no);
            }
        }
        // Care leavers at 31 March: everyone moves up an age; the new 18-year-olds are
        // this year's 18th-birthday leavers plus the chosen share of 16-17 discharges.
        let disch_16_17 = if top_is_16_17 { year_disch_top } else { 0.0 };
        let new = year_leavers + o.leaver_share_16_17 * disch_16_17;
        for age in (19..=25u8).rev() {
            let i = usize::from(age - 18);
            cohorts[i] = cohorts[i - 1] * retention(age);
        }
        cohorts[0] = new * retention(18);
        for (i, c) in cohorts.iter().enumerate() {
            sink.add(
                fy,
                PeriodKey::Year,
                BandKey::Age(18 + i as u8),
                "care_leavers",
                *c,
            );
        }
        sink.add(
            fy,
            PeriodKey::Year,
            BandKey::All,
            "care_leavers",
            cohorts.iter().sum(),
        );
    }
}

/// Values per projected year, per band.
pub(crate) type YearByBand = Vec<Vec<f64>>;

/// Applies flow changes; returns admissions and monthly discharge rates per projected year.
/// With `strict`, a change that would make admissions negative or a discharge rate reach
/// 100% is an error; otherwise (Monte Carlo paths, whose options were already checked
/// strictly) admissions stop at zero and annual rates just below one.
pub(crate) fn apply_changes(
    scheme: &BandScheme,
    o: &ProjectionOptions,
    mut admissions: Vec<Vec<f64>>,
    m_band: &[f64],
    strict: bool,
) -> Result<(YearByBand, YearByBand)> {
    let mut rates = vec![m_band.to_vec(); admissions.len()];
    let labels: Vec<String> = scheme.bands().iter().map(AgeBand::label).collect();
    for (i, c) in o.changes.iter().enumerate() {
        let what = |field: &str| format!("changes[{i}].{field}");
        let targets: Vec<usize> = if c.band == "all" {
            (0..labels.len()).collect()
        } else if let Some(b) = labels.iter().position(|l| *l == c.band) {
            vec![b]
        } else {
            let mut known = labels.clone();
            known.push("all".into());
            return Err(Error::unknown(
                format!(
                    "band (in {}; bands of this model: {})",
                    what("band"),
                    known.join(", ")
                ),
                &c.band,
                known.iter().map(String::as_str),
            ));
        };
        for (field, v) in [
            ("admissions_percent", c.admissions_percent),
            ("admissions_absolute", c.admissions_absolute),
            ("discharge_percent", c.discharge_percent),
        ] {
            if !v.is_finite() {
                return Err(Error::argument(what(field), v, "must be a finite number"));
            }
        }
        if c.admissions_percent < -100.0 || c.discharge_percent < -100.0 {
            return Err(Error::argument(
                what("percent"),
                c.admissions_percent.min(c.discharge_percent),
                "a rate cannot fall by more than 100%",
            ));
        }
        for (t, (adm, rate)) in admissions.iter_mut().zip(rates.iter_mut()).enumerate() {
            let year = o.base_year + 1 + t as i32;
            if c.from_year.is_some_and(|y| year < y) {
                continue;
            }
            let base: f64 = targets.iter().map(|&b| adm[b]).sum();
            for &b in &targets {
                let share = if base > 0.0 {
                    adm[b] / base
                } else {
                    1.0 / targets.len() as f64
                };
                adm[b] =
                    adm[b] * (1.0 + c.admissions_percent / 100.0) + c.admissions_absolute * share;
                if strict && adm[b] < -1e-9 {
                    return Err(Error::argument(
                        what("admissions_absolute"),
                        c.admissions_absolute,
                        format!(
                            "would make admissions of band {} negative ({:.1}) in {}",
                            labels[b],
                            adm[b],
                            FinancialYear::ending(year)
                        ),
                    ));
                }
                adm[b] = adm[b].max(0.0);
                let mut annual = annual_rate(rate[b]) * (1.0 + c.discharge_percent / 100.0);
                if !strict {
                    annual = annual.min(MAX_ANNUAL_RATE);
                }
                if annual >= 1.0 {
                    return Err(Error::argument(
                        what("discharge_percent"),
                        c.discharge_percent,
                        format!(
                            "would make the annual discharge rate of band {} reach 100%",
                            labels[b]
                        ),
                    ));
                }
                rate[b] = monthly_fraction(annual);
            }
        }
    }
    Ok((admissions, rates))
}

fn emit_chunk(
    sink: &mut impl Sink,
    fy: FinancialYear,
    period: PeriodKey,
    open: &[f64],
    f: &Flows,
    close: &[f64],
) {
    let mut add = |band: BandKey, measure: &'static str, value: f64| {
        sink.add(fy, period, band, measure, value);
    };
    let sum = |v: &[f64]| v.iter().sum::<f64>();
    for b in 0..open.len() {
        let band = BandKey::Out(b);
        add(band, "opening", open[b]);
        add(band, "admissions", f.admissions[b]);
        add(band, "discharges", f.discharges[b]);
        add(band, "ageing_in", f.ageing_in[b]);
        add(band, "ageing_out", f.ageing_out[b]);
        add(band, "stock", close[b]);
    }
    add(BandKey::All, "opening", sum(open));
    add(BandKey::All, "admissions", sum(&f.admissions));
    add(BandKey::All, "discharges", sum(&f.discharges));
    add(BandKey::All, "leavers_18", f.leavers_18);
    add(BandKey::All, "stock", sum(close));
    add(BandKey::Out(open.len() - 1), "leavers_18", f.leavers_18);
}

/// Carries care-leaver cohorts forward (see the methodology).
///
/// `opening`: count by age at 31 March of `base_year`; `inflow`: new care leavers at the
/// youngest age of `opening`, by calendar year of the 31 March, for each projected year in
/// order; `retention`: fraction kept on reaching each age (default 1). Returns rows
/// `(year, age, value)` for the base year and each projected year.
///
/// ```
/// use carecast::model::project_care_leavers;
/// let opening = [(19, 84.0), (20, 92.0), (21, 94.0), (22, 110.0), (23, 80.0), (24, 74.0), (25, 74.0)];
/// let rows = project_care_leavers(2017, &opening, &[(2018, 92.0)], &[]).unwrap();
/// let total_2018: f64 = rows.iter().filter(|r| r.0 == 2018).map(|r| r.2).sum();
/// assert_eq!(total_2018, 626.0);
/// ```
pub fn project_care_leavers(
    base_year: i32,
    opening: &[(u8, f64)],
    inflow: &[(i32, f64)],
    retention: &[(u8, f64)],
) -> Result<Vec<(i32, u8, f64)>> {
    if opening.is_empty() {
        return Err(Error::argument("opening", "{}", "needs at least one age"));
    }
    let mut ages: Vec<u8> = opening.iter().map(|(a, _)| *a).collect();
    ages.sort();
    ages.dedup();
    if ages.len() != opening.len() {
        return Err(Error::argument(
            "opening",
            format!("{ages:?}"),
            "an age is given twice",
        ));
    }
    let (lo, hi) = (ages[0], *ages.last().unwrap_or(&ages[0]));
    if lo < 16 || hi > 25 || usize::from(hi - lo) + 1 != ages.len() {
        return Err(Error::argument(
            "opening",
            format!("ages {lo}..{hi}"),
            "ages must be consecutive, within 16 to 25",
        ));
    }
    for (a, v) in opening {
        if !v.is_finite() || *v < 0.0 {
            return Err(Error::argument(
                format!("opening[{a}]"),
                v,
                "must be a count >= 0",
            ));
        }
    }
    for (a, r) in retention {
        check_rate(&format!("retention[{a}]"), *r)?;
    }
    if inflow.is_empty() || inflow.len() > MAX_HORIZON {
        return Err(Error::argument(
            "inflow",
            inflow.len(),
            format!("needs 1 to {MAX_HORIZON} years"),
        ));
    }
    for (i, (y, v)) in inflow.iter().enumerate() {
        if *y != base_year + 1 + i as i32 {
            return Err(Error::argument(
                "inflow",
                y,
                format!("years must run on from {} without gaps", base_year + 1),
            ));
        }
        if !v.is_finite() || *v < 0.0 {
            return Err(Error::argument(
                format!("inflow[{y}]"),
                v,
                "must be a count >= 0",
            ));
        }
    }
    let keep = |age: u8| {
        retention
            .iter()
            .find(|(a, _)| *a == age)
            .map_or(1.0, |(_, r)| *r)
    };
    let mut cur: Vec<f64> = (lo..=hi)
        .map(|a| {
            opening
                .iter()
                .find(|(x, _)| *x == a)
                .map_or(0.0, |(_, v)| *v)
        })
        .collect();
    let mut out: Vec<(i32, u8, f64)> = (lo..=hi)
        .zip(cur.iter())
        .map(|(a, v)| (base_year, a, *v))
        .collect();
    for (y, new) in inflow {
        for i in (1..cur.len()).rev() {
            cur[i] = cur[i - 1] * keep(lo + i as u8);
        }
        cur[0] = *new;
        out.extend((lo..=hi).zip(cur.iter()).map(|(a, v)| (*y, a, *v)));
    }
    Ok(out)
}
