//! The national backtest: every council, every origin the data allow, horizons 1 to 5,
//! each method's forecasts against the published outturn, fitted only on what was
//! published by the origin (real-time vintages). See [`crate::methodology`].
//!
//! The data come through the [`Panel`] trait ("the dataset of council C as known at
//! origin Y" and "the outturn for year T as finally published"), so any source of
//! vintages can be plugged in.
//!
//! ```
//! use carecast::national::{backtest, NationalOptions, Outturn, Panel, Vintage};
//! use carecast::{Dataset, Result};
//! // One council whose published figures never change: Derbyshire's bundled tables.
//! struct One(Dataset);
//! impl Panel for One {
//!     fn councils(&self) -> Vec<String> { vec!["derbyshire".into()] }
//!     fn origins(&self) -> Vec<i32> { (2014..=2016).collect() }
//!     fn known_at(&self, _c: &str, origin: i32) -> Result<Option<Vintage>> {
//!         Ok(Some(Vintage::new(self.0.clone()).up_to(origin)))
//!     }
//!     fn outturn(&self, _c: &str, year: i32) -> Option<Outturn> {
//!         let stock = [(2015, 603.0), (2016, 585.0), (2017, 630.0)];
//!         stock.iter().find(|(y, _)| *y == year)
//!             .map(|(_, v)| Outturn { stock: vec![("all".into(), *v)] })
//!     }
//! }
//! let d = Dataset::bundled("derbyshire").unwrap();
//! let b = backtest(&One(d), &NationalOptions::default()).unwrap();
//! // Naive at origin 2015 one year ahead: 603 against 585.
//! let f = b.forecasts.iter().find(|f| f.method == "naive" && f.origin == 2015
//!     && f.horizon == 1 && f.band == "all").unwrap();
//! assert_eq!((f.forecast, f.actual), (603.0, 585.0));
//! ```

use std::collections::{BTreeMap, BTreeSet};

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::model::{
    Admissions, DEFAULT_PHI, DEFAULT_REGULARISED_YEARS, DEFAULT_STRENGTH, Discharges, History,
    TREND_WINDOW, rate_slope,
};
use crate::{CohortModel, Dataset, Error, ProjectionOptions, Result, StochasticOptions};

/// Children looked after in England at 31 March, 2013 to 2024, as last published (DfE,
/// *Children looked after in England including adoptions*: 2013 from SFR36/2013, 2014
/// from the 2018 underlying data, 2015-2017 from the 2019 underlying data, 2018 from the
/// EES 2022 release, 2019 from EES 2023, 2020-2024 from EES 2024; national figures are
/// rounded to the nearest 10). The reference series of the default admissions
/// assumption ([`crate::model::Admissions::Anchored`]); a test checks it against the DfE
/// panel where that is present.
pub const ENGLAND_STOCK: [(i32, f64); 12] = [
    (2013, 68_110.0),
    (2014, 68_810.0),
    (2015, 69_470.0),
    (2016, 70_410.0),
    (2017, 72_610.0),
    (2018, 75_360.0),
    (2019, 78_140.0),
    (2020, 80_000.0),
    (2021, 80_780.0),
    (2022, 82_090.0),
    (2023, 83_760.0),
    (2024, 83_630.0),
];

/// [`ENGLAND_STOCK`] as a list.
///
/// ```
/// let e = carecast::national::england_stock();
/// assert_eq!(e.last(), Some(&(2024, 83_630.0)));
/// ```
pub fn england_stock() -> Vec<(i32, f64)> {
    ENGLAND_STOCK.to_vec()
}

/// The published figures of one council as known at an origin.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Vintage {
    /// The council's tables as published by the origin (the cohort model reads
    /// `cic_by_age` + `admissions_by_age`, or `flows_annual`; see `data/FORMAT.md`).
    pub dataset: Dataset,
    /// Child population (0-17) by year ending 31 March, as known at the origin.
    pub population: Vec<(i32, f64)>,
    /// The reference series (England or the region): admissions per 10,000 children by
    /// year ending 31 March, as known at the origin.
    pub reference: Vec<(i32, f64)>,
    /// The reference series' stock at 31 March by year, as known at the origin.
    #[serde(default)]
    pub reference_stock: Vec<(i32, f64)>,
    /// Only figures of years ending on or before 31 March of this year are used
    /// (`None`: all of them).
    pub last_year: Option<i32>,
}

impl Vintage {
    /// A vintage holding a dataset only (no population or reference series).
    pub fn new(dataset: Dataset) -> Self {
        Vintage {
            dataset,
            population: Vec::new(),
            reference: Vec::new(),
            reference_stock: Vec::new(),
            last_year: None,
        }
    }

    /// The same vintage, restricted to years ending on or before 31 March `year`.
    pub fn up_to(mut self, year: i32) -> Self {
        self.last_year = Some(year);
        self
    }
}

/// The stock at 31 March of a year as finally published: `(band label, children)`, with
/// band `all` for the total. Bands are the DfE ones (`under 1`, `1-4`, `5-9`, `10-15`,
/// `16-17`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Outturn {
    /// Published stock by band.
    pub stock: Vec<(String, f64)>,
}

/// A source of vintages and outturns for the national backtest.
pub trait Panel: Sync {
    /// The councils (any identifiers).
    fn councils(&self) -> Vec<String>;
    /// The origins (years ending 31 March) to forecast from.
    fn origins(&self) -> Vec<i32>;
    /// The council's figures as published by the end of the origin year's release;
    /// `None` when nothing was published for it.
    ///
    /// # Errors
    /// When the source cannot be read.
    fn known_at(&self, council: &str, origin: i32) -> Result<Option<Vintage>>;
    /// The stock at 31 March `year` as finally published, if it was.
    fn outturn(&self, council: &str, year: i32) -> Option<Outturn>;
}

/// Admissions assumptions of the national backtest's engine methods.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AdmissionsRule {
    /// The base year's, held.
    Held,
    /// The mean of the last three years (fewer when fewer are known).
    Mean3,
    /// The log-linear trend over every known year.
    Trend,
    /// The damped trend, with this damping factor.
    Damped(f64),
    /// The rate per child with the slope shrunk towards the reference, damped.
    Pooled(f64),
    /// The stock anchored to the reference stock's damped growth (known at the origin).
    Anchored(f64),
}

/// One method of the national backtest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Method {
    /// The stock at the origin, held.
    Naive,
    /// A straight line through the first known stock and the origin's.
    Drift,
    /// The stock at the origin carried forward at a damped growth rate: the council's
    /// own log-linear growth over the last [`TREND_WINDOW`] years shrunk towards the
    /// reference series' growth over the same years (empirical Bayes, the spread between
    /// councils estimated at the origin); see the methodology.
    PooledDrift {
        /// The method's name in the results.
        name: String,
        /// Damping factor in [0, 1].
        phi: f64,
        /// Whether the council's own growth counts (false: the reference's growth only).
        own: bool,
    },
    /// The cohort model.
    Engine {
        /// The method's name in the results.
        name: String,
        /// Admissions assumption.
        admissions: AdmissionsRule,
        /// Discharge-rate assumption.
        discharges: Discharges,
    },
}

impl Method {
    /// The method's name.
    pub fn name(&self) -> &str {
        match self {
            Method::Naive => "naive",
            Method::Drift => "drift",
            Method::PooledDrift { name, .. } | Method::Engine { name, .. } => name,
        }
    }

    fn engine(name: &str, admissions: AdmissionsRule, discharges: Discharges) -> Method {
        Method::Engine {
            name: name.into(),
            admissions,
            discharges,
        }
    }

    /// The methods compared by default: the baselines, the engine methods of the
    /// two-council backtest (`held`, `mean`, `trend`, discharges `last`), and the
    /// methods that borrow strength.
    pub fn defaults() -> Vec<Method> {
        let reg = Discharges::Regularised {
            k: DEFAULT_REGULARISED_YEARS,
            strength: DEFAULT_STRENGTH,
        };
        vec![
            Method::Naive,
            Method::Drift,
            Method::PooledDrift {
                name: "pooled_drift".into(),
                phi: DEFAULT_PHI,
                own: true,
            },
            Method::PooledDrift {
                name: "reference_drift".into(),
                phi: DEFAULT_PHI,
                own: false,
            },
            Method::engine("held", AdmissionsRule::Held, Discharges::Last),
            Method::engine("mean", AdmissionsRule::Mean3, Discharges::Last),
            Method::engine("trend", AdmissionsRule::Trend, Discharges::Last),
            Method::engine("held_reg", AdmissionsRule::Held, reg.clone()),
            Method::engine("mean_reg", AdmissionsRule::Mean3, reg.clone()),
            Method::engine(
                "damped_reg",
                AdmissionsRule::Damped(DEFAULT_PHI),
                reg.clone(),
            ),
            Method::engine(
                "pooled_reg",
                AdmissionsRule::Pooled(DEFAULT_PHI),
                reg.clone(),
            ),
            Method::engine("anchored_reg", AdmissionsRule::Anchored(DEFAULT_PHI), reg),
        ]
    }
}

/// Options of the national backtest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NationalOptions {
    /// Methods compared (naive is always added if missing: every score is set beside it).
    pub methods: Vec<Method>,
    /// Horizons (years) 1 to this.
    pub max_horizon: usize,
    /// Origins after this year are left out (`None`: all).
    pub max_origin: Option<i32>,
    /// Monte Carlo paths per forecast of `paths_method` (0: none).
    pub paths: usize,
    /// The method whose paths are drawn.
    pub paths_method: String,
    /// Seed of the paths.
    pub seed: u64,
    /// Interval levels (percent).
    pub levels: Vec<f64>,
    /// Bootstrap resamples of councils for the pooled scores' uncertainty.
    pub bootstrap: usize,
}

impl Default for NationalOptions {
    fn default() -> Self {
        NationalOptions {
            methods: Method::defaults(),
            max_horizon: 5,
            max_origin: None,
            paths: 0,
            paths_method: DEFAULT_METHOD.into(),
            seed: 0,
            levels: vec![80.0, 95.0],
            bootstrap: 500,
        }
    }
}

/// One forecast of one published figure.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Forecast {
    /// Council.
    pub council: String,
    /// Method.
    pub method: String,
    /// Origin (31 March of this year).
    pub origin: i32,
    /// Years ahead.
    pub horizon: usize,
    /// Band label (`all` for the total).
    pub band: String,
    /// The point forecast (the deterministic projection for engine methods).
    pub forecast: f64,
    /// The published outturn.
    pub actual: f64,
    /// MASE scale: mean absolute one-year change of the series up to the origin (at
    /// least one child).
    pub scale: f64,
    /// Calibrated interval bounds per level (filled by the calibration; cross-validated
    /// leaving the forecast's origin out).
    pub lower: Vec<f64>,
    /// Upper bounds per level.
    pub upper: Vec<f64>,
    /// Monte Carlo interval bounds per level, where paths were drawn.
    pub mc_lower: Vec<f64>,
    /// Monte Carlo upper bounds per level.
    pub mc_upper: Vec<f64>,
}

/// A method that could not run for a council and origin.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Failure {
    /// Council.
    pub council: String,
    /// Origin.
    pub origin: i32,
    /// Method (`*` for all: the data at the origin could not be read or fitted).
    pub method: String,
    /// Why.
    pub reason: String,
}

/// Pooled scores of one method at one horizon, for the total or the bands.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Score {
    /// Method.
    pub method: String,
    /// Years ahead.
    pub horizon: usize,
    /// `total` or `bands`.
    pub series: String,
    /// Figures scored.
    pub n: usize,
    /// Councils with at least one figure.
    pub councils: usize,
    /// Mean absolute percentage error (percent; figures with an outturn of zero left out).
    pub mape: f64,
    /// Bootstrap interval (5%, 95%) of `mape` over councils.
    pub mape_ci: (f64, f64),
    /// `mape` over naive's on the same figures.
    pub rel_naive: f64,
    /// Bootstrap interval (5%, 95%) of `rel_naive` over councils.
    pub rel_naive_ci: (f64, f64),
    /// Mean absolute scaled error.
    pub mase: f64,
    /// Mean percentage error (forecast - actual), percent: positive = too high.
    pub bias: f64,
    /// Share of councils whose MAPE is below naive's on the same figures.
    pub beats_naive: f64,
    /// Coverage of the calibrated intervals, per level.
    pub coverage: Vec<f64>,
    /// Mean width of the calibrated intervals as a percentage of the outturn, per level.
    pub width: Vec<f64>,
    /// Coverage of the Monte Carlo intervals, where drawn.
    pub mc_coverage: Vec<f64>,
    /// Mean width of the Monte Carlo intervals, percent of the outturn.
    pub mc_width: Vec<f64>,
}

/// Per-council scores (the total).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CouncilScore {
    /// Council.
    pub council: String,
    /// Method.
    pub method: String,
    /// Years ahead.
    pub horizon: usize,
    /// Figures.
    pub n: usize,
    /// MAPE (percent).
    pub mape: f64,
    /// MASE.
    pub mase: f64,
    /// Mean percentage error.
    pub bias: f64,
    /// Coverage per level.
    pub coverage: Vec<f64>,
}

/// Empirical quantiles of the log errors `ln((actual + 0.5) / (forecast + 0.5))` of a
/// method's forecasts at one horizon.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Calibration {
    /// Method.
    pub method: String,
    /// `total` or `bands`.
    pub series: String,
    /// Years ahead.
    pub horizon: usize,
    /// Figures it was estimated from.
    pub n: usize,
    /// Probabilities.
    pub probs: Vec<f64>,
    /// Quantiles of the log error at each probability.
    pub quantiles: Vec<f64>,
}

/// The national backtest's result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NationalBacktest {
    /// Interval levels (percent).
    pub levels: Vec<f64>,
    /// Every forecast.
    pub forecasts: Vec<Forecast>,
    /// Methods that could not run, per council and origin.
    pub failures: Vec<Failure>,
    /// Pooled scores by method, horizon and series.
    pub scores: Vec<Score>,
    /// Scores of the total per council.
    pub councils: Vec<CouncilScore>,
    /// Log-error quantiles from every origin (what a user's interval would be calibrated
    /// with).
    pub calibration: Vec<Calibration>,
    /// What was done, in words.
    pub notes: Vec<String>,
}

/// The national backtest's name of the default method (admissions
/// [`Admissions::Anchored`] to England, discharges [`Discharges::Regularised`]).
pub const DEFAULT_METHOD: &str = "anchored_reg";

/// Log-error quantiles (at [`CALIBRATION_PROBS`]) of the default method's forecasts of
/// the total, by horizon 1 to 5, from the national backtest on the DfE panel (every
/// council, origins 2014-2019, 2022 and 2023, real-time vintages). Produced by
/// `cargo run --release -p carecast --example national_backtest -- --calibration FILE`.
pub const DEFAULT_TOTAL_QUANTILES: [[f64; 5]; 5] = [
    [-0.1334, -0.0840, 0.0031, 0.1035, 0.1620],
    [-0.1970, -0.1189, 0.0192, 0.1585, 0.2542],
    [-0.2254, -0.1302, 0.0380, 0.2227, 0.3330],
    [-0.2427, -0.1460, 0.0510, 0.2628, 0.3951],
    [-0.2613, -0.1662, 0.0568, 0.2886, 0.4347],
];

/// The same for the age bands (pooled over bands).
pub const DEFAULT_BAND_QUANTILES: [[f64; 5]; 5] = [
    [-0.4138, -0.2122, 0.0090, 0.2138, 0.3697],
    [-0.5776, -0.3246, 0.0089, 0.2870, 0.4520],
    [-0.5899, -0.3365, 0.0308, 0.3398, 0.5140],
    [-0.6001, -0.3393, 0.0422, 0.3718, 0.5679],
    [-0.6168, -0.3678, 0.0473, 0.3970, 0.5984],
];

/// One projected stock with its interval calibrated on the national backtest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CalibratedRow {
    /// Financial year.
    pub year: String,
    /// Years after the base year.
    pub horizon: usize,
    /// Band label (`all` for the total).
    pub band: String,
    /// The projection's value.
    pub value: f64,
    /// The calibrated median, `(value + 0.5) exp(q50) - 0.5`.
    pub median: f64,
    /// Lower bound per level.
    pub lower: Vec<f64>,
    /// Upper bound per level.
    pub upper: Vec<f64>,
}

/// Calibrated intervals for the stock of a projection, one to five years ahead: the
/// projection's value times the empirical quantiles of the log errors of the default
/// method in the national backtest ([`DEFAULT_TOTAL_QUANTILES`] for the total,
/// [`DEFAULT_BAND_QUANTILES`] for bands). Levels must be among 80 and 95 (the stored
/// quantiles). They describe the default method's errors; another assumption's
/// projection gets the default's intervals only as an approximation (see the
/// methodology).
///
/// # Errors
/// A level other than 80 or 95.
///
/// ```
/// use carecast::{CohortModel, Dataset, ProjectionOptions};
/// use carecast::national::calibrated_intervals;
/// let m = CohortModel::fit(&Dataset::bundled("derbyshire").unwrap()).unwrap();
/// let p = m.project(&ProjectionOptions::new(2017, 3)).unwrap();
/// let rows = calibrated_intervals(&p, &[80.0, 95.0]).unwrap();
/// let r = rows.iter().find(|r| r.horizon == 1 && r.band == "all").unwrap();
/// assert!(r.lower[1] < r.lower[0] && r.lower[0] < r.value && r.value < r.upper[0]);
/// assert_eq!(rows.iter().filter(|r| r.band == "all").count(), 3);
/// ```
pub fn calibrated_intervals(p: &crate::Projection, levels: &[f64]) -> Result<Vec<CalibratedRow>> {
    let idx: Vec<(usize, usize)> = levels
        .iter()
        .map(|l| match *l {
            80.0 => Ok((1, 3)),
            95.0 => Ok((0, 4)),
            _ => Err(Error::argument(
                "levels",
                l,
                "calibrated intervals are stored for 80 and 95 only",
            )),
        })
        .collect::<Result<_>>()?;
    let base = p.assumptions.base_year;
    let mut out = Vec::new();
    for r in p
        .rows
        .iter()
        .filter(|r| r.measure == "stock" && r.period == r.year)
    {
        let Some(end) = r
            .year
            .split('/')
            .next()
            .and_then(|y| y.parse::<i32>().ok())
            .map(|y| y + 1)
        else {
            continue;
        };
        let h = end - base;
        if !(1..=5).contains(&h) {
            continue;
        }
        let hi = usize::try_from(h - 1).unwrap_or(0);
        let q = if r.band == "all" {
            DEFAULT_TOTAL_QUANTILES[hi]
        } else {
            DEFAULT_BAND_QUANTILES[hi]
        };
        out.push(CalibratedRow {
            year: r.year.clone(),
            horizon: hi + 1,
            band: r.band.clone(),
            value: r.value,
            median: apply_quantile(r.value, q[2]),
            lower: idx
                .iter()
                .map(|(lo, _)| apply_quantile(r.value, q[*lo]))
                .collect(),
            upper: idx
                .iter()
                .map(|(_, up)| apply_quantile(r.value, q[*up]))
                .collect(),
        });
    }
    Ok(out)
}

/// Offset that keeps log errors finite where a band's forecast or outturn is zero.
pub const LOG_OFFSET: f64 = 0.5;

fn log_error(forecast: f64, actual: f64) -> f64 {
    ((actual + LOG_OFFSET) / (forecast.max(0.0) + LOG_OFFSET)).ln()
}

/// Applies log-error quantiles to a point: `(forecast + 0.5) exp(q) - 0.5`, at least 0.
pub fn apply_quantile(forecast: f64, q: f64) -> f64 {
    ((forecast.max(0.0) + LOG_OFFSET) * q.exp() - LOG_OFFSET).max(0.0)
}

/// The year `k` years after `origin` (horizons are at most 10, checked by [`backtest`]).
fn ahead(origin: i32, k: usize) -> i32 {
    origin.saturating_add(i32::try_from(k).unwrap_or(i32::MAX))
}

/// Linear-interpolation quantile of sorted values.
fn quantile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let pos = p.clamp(0.0, 1.0) * (sorted.len() - 1) as f64;
    // The largest index at or below `pos` (no float-to-integer cast).
    let i = (0..sorted.len())
        .take_while(|j| *j as f64 <= pos)
        .last()
        .unwrap_or(0);
    let frac = pos - i as f64;
    let lo = sorted.get(i).copied().unwrap_or(f64::NAN);
    let hi = sorted.get(i + 1).copied().unwrap_or(lo);
    lo + frac * (hi - lo)
}

/// The probabilities of the interval bounds of `levels`, lower then upper per level.
fn bound_probs(levels: &[f64]) -> Vec<(f64, f64)> {
    levels
        .iter()
        .map(|l| ((1.0 - l / 100.0) / 2.0, (1.0 + l / 100.0) / 2.0))
        .collect()
}

/// What one council and origin yields.
struct Cell {
    forecasts: Vec<Forecast>,
    failures: Vec<Failure>,
}

/// A council's vintage and history at an origin, as loaded.
type Loaded = (String, i32, Result<Option<(Vintage, History)>>);

/// Between-council spreads of slopes per origin.
struct Taus {
    admissions: BTreeMap<i32, f64>,
    stock: BTreeMap<i32, f64>,
}

/// Data of one origin shared by every council: the between-council spread of the
/// admissions-rate slopes (`tau`) for the pooled method.
fn between_sd(slopes: &[(f64, f64)]) -> f64 {
    let n = slopes.len() as f64;
    if slopes.len() < 3 {
        return 0.0;
    }
    let mean = slopes.iter().map(|s| s.0).sum::<f64>() / n;
    let var = slopes.iter().map(|s| (s.0 - mean).powi(2)).sum::<f64>() / (n - 1.0);
    let noise = slopes.iter().map(|s| s.1).sum::<f64>() / n;
    (var - noise).max(0.0).sqrt()
}

/// The all-ages admissions slope and its variance of a history (for `tau`).
fn total_slope(h: &History, population: &[(i32, f64)]) -> Option<(f64, f64)> {
    let w = &h.flows[h.flows.len().saturating_sub(TREND_WINDOW)..];
    if w.len() < 2 {
        return None;
    }
    let x: Vec<f64> = w.iter().map(|f| f64::from(f.year.end_year())).collect();
    let y: Vec<f64> = w.iter().map(|f| f.admissions.iter().sum()).collect();
    let p: Vec<f64> = w
        .iter()
        .map(|f| {
            population
                .iter()
                .find(|(py, _)| *py == f.year.end_year())
                .map(|(_, v)| *v)
        })
        .collect::<Option<_>>()?;
    let (b, v) = rate_slope(&x, &y, &p);
    (b.is_finite() && v.is_finite()).then_some((b, v))
}

/// The log-linear growth of the total stock over the last [`TREND_WINDOW`] years and its
/// sampling variance (residual variance, at least Poisson's `1 / mean`, over `Sxx`).
fn stock_slope(h: &History) -> Option<(f64, f64, Vec<i32>)> {
    let w = &h.flows[h.flows.len().saturating_sub(TREND_WINDOW)..];
    let mut years: Vec<i32> = Vec::new();
    let mut y: Vec<f64> = Vec::new();
    if let Some(first) = w.first() {
        years.push(first.year.end_year() - 1);
        y.push(first.opening.iter().sum());
    }
    for f in w {
        years.push(f.year.end_year());
        y.push(f.closing.iter().sum());
    }
    let keep = years.len().min(TREND_WINDOW);
    let (years, y) = (
        years[years.len() - keep..].to_vec(),
        y[y.len() - keep..].to_vec(),
    );
    if years.len() < 2 || y.iter().any(|v| *v <= 0.0) {
        return None;
    }
    let x: Vec<f64> = years.iter().map(|v| f64::from(*v)).collect();
    let ly: Vec<f64> = y.iter().map(|v| v.ln()).collect();
    let b = crate::model::ols_slope(&x, &ly);
    let n = x.len() as f64;
    let (xm, ym) = (x.iter().sum::<f64>() / n, ly.iter().sum::<f64>() / n);
    let sxx: f64 = x.iter().map(|v| (v - xm).powi(2)).sum();
    let resid: f64 = x
        .iter()
        .zip(&ly)
        .map(|(xi, yi)| (yi - ym - b * (xi - xm)).powi(2))
        .sum();
    let mean_stock = y.iter().sum::<f64>() / n;
    let rv = if x.len() > 2 { resid / (n - 2.0) } else { 0.0 };
    let var = rv.max(1.0 / mean_stock) / sxx;
    Some((b, var, years))
}

fn history_of(v: &Vintage) -> Result<History> {
    let h = History::from_dataset(&v.dataset)?;
    match v.last_year {
        Some(y) => h.up_to(y),
        None => Ok(h),
    }
}

/// Runs the national backtest.
///
/// # Errors
/// When the options are invalid (no horizon, bad levels). A council or origin whose data
/// cannot be read or fitted, or a method that cannot run there, is reported in
/// [`NationalBacktest::failures`], not an error.
#[allow(clippy::too_many_lines)] // one pass over councils and origins, then pooling; split pending
pub fn backtest(panel: &dyn Panel, o: &NationalOptions) -> Result<NationalBacktest> {
    if o.max_horizon == 0 || o.max_horizon > 10 {
        return Err(Error::argument(
            "max_horizon",
            o.max_horizon,
            "must be 1 to 10",
        ));
    }
    let levels = crate::stochastic::check_levels(&o.levels)?;
    let mut methods = o.methods.clone();
    if !methods.contains(&Method::Naive) {
        methods.insert(0, Method::Naive);
    }
    let councils = panel.councils();
    let origins: Vec<i32> = panel
        .origins()
        .into_iter()
        .filter(|y| o.max_origin.is_none_or(|m| *y <= m))
        .collect();
    // Each council's vintages and histories, once.
    let loaded: Vec<Loaded> = councils
        .par_iter()
        .flat_map_iter(|c| {
            origins.iter().map(move |&y| {
                let r = panel.known_at(c, y).and_then(|v| match v {
                    None => Ok(None),
                    Some(v) => history_of(&v).map(|h| Some((v, h))),
                });
                (c.clone(), y, r)
            })
        })
        .collect();
    // The spread of slopes between councils, per origin.
    let mut slopes: BTreeMap<i32, Vec<(f64, f64)>> = BTreeMap::new();
    for (_, y, r) in &loaded {
        if let Ok(Some((v, h))) = r
            && h.years.last().map(|fy| fy.end_year()) == Some(*y)
            && let Some(s) = total_slope(h, &v.population)
        {
            slopes.entry(*y).or_default().push(s);
        }
    }
    let tau: BTreeMap<i32, f64> = slopes.iter().map(|(y, s)| (*y, between_sd(s))).collect();
    let mut stock_slopes: BTreeMap<i32, Vec<(f64, f64)>> = BTreeMap::new();
    for (_, y, r) in &loaded {
        if let Ok(Some((_, h))) = r
            && h.years.last().map(|fy| fy.end_year()) == Some(*y)
            && let Some((b, v, _)) = stock_slope(h)
        {
            stock_slopes.entry(*y).or_default().push((b, v));
        }
    }
    let tau_stock: BTreeMap<i32, f64> = stock_slopes
        .iter()
        .map(|(y, s)| (*y, between_sd(s)))
        .collect();
    let tau = Taus {
        admissions: tau,
        stock: tau_stock,
    };
    let cells: Vec<Cell> = loaded
        .par_iter()
        .map(|(c, y, r)| run_cell(panel, c, *y, r, &methods, o, &tau, &levels))
        .collect();
    let mut forecasts = Vec::new();
    let mut failures = Vec::new();
    for c in cells {
        forecasts.extend(c.forecasts);
        failures.extend(c.failures);
    }
    let calibration = calibrate(&forecasts, None);
    cross_validate(&mut forecasts, &levels);
    let scores = score(&forecasts, &levels, o.bootstrap, o.seed);
    let per_council = council_scores(&forecasts, &levels);
    let mut notes = vec![
        format!(
            "origins {:?}; horizons 1-{}; {} councils; point forecasts scored; calibrated intervals cross-validated leaving each origin out",
            origins,
            o.max_horizon,
            councils.len()
        ),
        format!(
            "between-council spread of admissions-rate slopes by origin (pooled method's prior): {}",
            tau.admissions
                .iter()
                .map(|(y, t)| format!("{y}: {t:.3}"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    ];
    if o.paths > 0 {
        notes.push(format!(
            "{} Monte Carlo paths per forecast of {} (seed {})",
            o.paths, o.paths_method, o.seed
        ));
    }
    Ok(NationalBacktest {
        levels,
        forecasts,
        failures,
        scores,
        councils: per_council,
        calibration,
        notes,
    })
}

#[allow(clippy::too_many_arguments)]
#[allow(clippy::too_many_lines)] // every method of one council and origin; split pending
fn run_cell(
    panel: &dyn Panel,
    council: &str,
    origin: i32,
    loaded: &Result<Option<(Vintage, History)>>,
    methods: &[Method],
    o: &NationalOptions,
    tau: &Taus,
    levels: &[f64],
) -> Cell {
    let mut cell = Cell {
        forecasts: Vec::new(),
        failures: Vec::new(),
    };
    let fail = |method: &str, reason: String| Failure {
        council: council.into(),
        origin,
        method: method.into(),
        reason,
    };
    let (v, h) = match loaded {
        Ok(Some(x)) => x,
        Ok(None) => return cell,
        Err(e) => {
            cell.failures.push(fail("*", e.to_string()));
            return cell;
        }
    };
    if h.years.last().map(|fy| fy.end_year()) != Some(origin) {
        cell.failures.push(fail(
            "*",
            format!(
                "no complete year ending 31 March {origin} in the figures published by then (last: {})",
                h.years.last().map_or_else(|| "none".into(), ToString::to_string)
            ),
        ));
        return cell;
    }
    // Outturns within the horizon.
    let outturns: Vec<(usize, Outturn)> = (1..=o.max_horizon)
        .filter_map(|k| panel.outturn(council, ahead(origin, k)).map(|t| (k, t)))
        .collect();
    if outturns.is_empty() {
        return cell;
    }
    let labels: Vec<String> = h.scheme.bands().iter().map(|b| b.label()).collect();
    let by_bands = labels.len() > 1;
    // Known stock series (closing of each year), by band and total.
    let series: Vec<(String, Vec<f64>)> = {
        let mut s: Vec<(String, Vec<f64>)> = Vec::new();
        let total: Vec<f64> = std::iter::once(h.flows[0].opening.iter().sum())
            .chain(h.flows.iter().map(|f| f.closing.iter().sum()))
            .collect();
        s.push(("all".into(), total));
        if by_bands {
            for (b, l) in labels.iter().enumerate() {
                let v: Vec<f64> = std::iter::once(h.flows[0].opening[b])
                    .chain(h.flows.iter().map(|f| f.closing[b]))
                    .collect();
                s.push((l.clone(), v));
            }
        }
        s
    };
    let scale = |v: &[f64]| -> f64 {
        let d: Vec<f64> = v.windows(2).map(|w| (w[1] - w[0]).abs()).collect();
        if d.is_empty() {
            1.0
        } else {
            (d.iter().sum::<f64>() / d.len() as f64).max(1.0)
        }
    };
    let mut push =
        |method: &str, k: usize, band: &str, f: f64, mc: Option<(Vec<f64>, Vec<f64>)>| {
            let Some((_, out)) = outturns.iter().find(|(kk, _)| *kk == k) else {
                return;
            };
            let Some((_, actual)) = out.stock.iter().find(|(l, _)| l == band) else {
                return;
            };
            let Some((_, sv)) = series.iter().find(|(l, _)| l == band) else {
                return;
            };
            let (mc_lower, mc_upper) = mc.unwrap_or_default();
            cell.forecasts.push(Forecast {
                council: council.into(),
                method: method.into(),
                origin,
                horizon: k,
                band: band.into(),
                forecast: f,
                actual: *actual,
                scale: scale(sv),
                lower: Vec::new(),
                upper: Vec::new(),
                mc_lower,
                mc_upper,
            });
        };
    let mut model: Option<std::result::Result<CohortModel, String>> = None;
    for m in methods {
        match m {
            Method::Naive => {
                for (band, sv) in &series {
                    let last = sv.last().copied().unwrap_or(0.0);
                    for k in 1..=o.max_horizon {
                        push("naive", k, band, last, None);
                    }
                }
            }
            Method::Drift => {
                for (band, sv) in &series {
                    let last = sv.last().copied().unwrap_or(0.0);
                    let n = (sv.len() - 1).max(1) as f64;
                    let slope = (last - sv[0]) / n;
                    for k in 1..=o.max_horizon {
                        push("drift", k, band, (last + slope * k as f64).max(0.0), None);
                    }
                }
            }
            Method::PooledDrift { name, phi, own } => {
                let Some((sv_name, sv)) = series.first() else {
                    continue;
                };
                let Some((b, var, years)) = stock_slope(h) else {
                    cell.failures
                        .push(fail(name, "fewer than two known years of stock".into()));
                    continue;
                };
                let ry: Option<Vec<f64>> = years
                    .iter()
                    .map(|y| {
                        v.reference_stock
                            .iter()
                            .find(|(ry, _)| ry == y)
                            .map(|(_, s)| s.ln())
                    })
                    .collect();
                let Some(ry) = ry else {
                    cell.failures.push(fail(
                        name,
                        format!("the reference stock lacks one of the years {years:?}"),
                    ));
                    continue;
                };
                let x: Vec<f64> = years.iter().map(|y| f64::from(*y)).collect();
                let reference = crate::model::ols_slope(&x, &ry);
                let t = if *own {
                    tau.stock.get(&origin).copied().unwrap_or(0.0)
                } else {
                    0.0
                };
                let g = crate::model::shrink(b, var, reference, t);
                let last = sv.last().copied().unwrap_or(0.0);
                let path = crate::model::damped_path(last, g, *phi, o.max_horizon);
                let sv_name = sv_name.clone();
                for (k, f) in path.iter().enumerate() {
                    push(name, k + 1, &sv_name, *f, None);
                }
            }
            Method::Engine {
                name,
                admissions,
                discharges,
            } => {
                let fitted = model.get_or_insert_with(|| {
                    CohortModel::fit_history(h.clone()).map_err(|e| e.to_string())
                });
                let fitted = match fitted {
                    Ok(f) => f,
                    Err(e) => {
                        cell.failures.push(fail(name, format!("fit: {e}")));
                        continue;
                    }
                };
                let mut po = ProjectionOptions::new(origin, o.max_horizon);
                po.output_bands = h.scheme.clone();
                po.discharges = discharges.clone();
                po.admissions = match admissions {
                    AdmissionsRule::Held => Admissions::Held,
                    AdmissionsRule::Mean3 => Admissions::Mean {
                        k: h.flows.len().min(3),
                    },
                    AdmissionsRule::Trend => Admissions::Trend,
                    AdmissionsRule::Damped(phi) => Admissions::Damped { phi: *phi },
                    AdmissionsRule::Anchored(phi) => Admissions::Anchored {
                        phi: *phi,
                        reference: v.reference_stock.clone(),
                    },
                    AdmissionsRule::Pooled(phi) => Admissions::Pooled {
                        phi: *phi,
                        reference: v.reference.clone(),
                        between_sd: tau.admissions.get(&origin).copied().unwrap_or(0.0),
                        population: v.population.clone(),
                    },
                };
                let p = match fitted.project(&po) {
                    Ok(p) => p,
                    Err(e) => {
                        cell.failures.push(fail(name, e.to_string()));
                        continue;
                    }
                };
                let mc = if o.paths > 0 && *name == o.paths_method {
                    let s = StochasticOptions::new(o.paths, o.seed);
                    match fitted.simulate(&po, &s).and_then(|s| s.summary(levels)) {
                        Ok(ip) => Some(ip),
                        Err(e) => {
                            cell.failures.push(fail(name, format!("paths: {e}")));
                            None
                        }
                    }
                } else {
                    None
                };
                for k in 1..=o.max_horizon {
                    let year = crate::FinancialYear::ending(ahead(origin, k)).to_string();
                    for (band, _) in &series {
                        let value = p
                            .rows
                            .iter()
                            .find(|r| r.year == year && r.measure == "stock" && r.band == *band)
                            .map(|r| r.value);
                        let interval = mc.as_ref().and_then(|ip| {
                            ip.rows
                                .iter()
                                .find(|r| r.year == year && r.measure == "stock" && r.band == *band)
                                .map(|r| (r.lower.clone(), r.upper.clone()))
                        });
                        if let Some(v) = value {
                            push(name, k, band, v, interval);
                        }
                    }
                }
            }
        }
    }
    cell
}

fn series_of(band: &str) -> &'static str {
    if band == "all" { "total" } else { "bands" }
}

/// Probabilities stored in a calibration: the bounds of 80% and 95% intervals and the
/// median.
pub const CALIBRATION_PROBS: [f64; 5] = [0.025, 0.1, 0.5, 0.9, 0.975];

/// Log-error quantiles per method, series and horizon, from the forecasts whose origin
/// is not `leave_out`.
fn calibrate(forecasts: &[Forecast], leave_out: Option<i32>) -> Vec<Calibration> {
    let mut groups: BTreeMap<(String, &'static str, usize), Vec<f64>> = BTreeMap::new();
    for f in forecasts {
        if Some(f.origin) == leave_out {
            continue;
        }
        groups
            .entry((f.method.clone(), series_of(&f.band), f.horizon))
            .or_default()
            .push(log_error(f.forecast, f.actual));
    }
    groups
        .into_iter()
        .map(|((method, series, horizon), mut e)| {
            e.sort_by(f64::total_cmp);
            Calibration {
                method,
                series: series.into(),
                horizon,
                n: e.len(),
                probs: CALIBRATION_PROBS.to_vec(),
                quantiles: CALIBRATION_PROBS.iter().map(|p| quantile(&e, *p)).collect(),
            }
        })
        .collect()
}

/// Fills each forecast's calibrated interval from the log errors of the other origins
/// (same method, series and horizon).
fn cross_validate(forecasts: &mut [Forecast], levels: &[f64]) {
    let origins: BTreeSet<i32> = forecasts.iter().map(|f| f.origin).collect();
    let probs = bound_probs(levels);
    // Sorted errors per (left-out origin, method, series, horizon).
    let mut table: BTreeMap<(i32, String, &'static str, usize), Vec<f64>> = BTreeMap::new();
    for f in forecasts.iter() {
        let e = log_error(f.forecast, f.actual);
        for &y in &origins {
            if y != f.origin {
                table
                    .entry((y, f.method.clone(), series_of(&f.band), f.horizon))
                    .or_default()
                    .push(e);
            }
        }
    }
    for v in table.values_mut() {
        v.sort_by(f64::total_cmp);
    }
    for f in forecasts.iter_mut() {
        let key = (f.origin, f.method.clone(), series_of(&f.band), f.horizon);
        let Some(e) = table.get(&key) else {
            continue;
        };
        if e.len() < 20 {
            continue;
        }
        f.lower = probs
            .iter()
            .map(|(lo, _)| apply_quantile(f.forecast, quantile(e, *lo)))
            .collect();
        f.upper = probs
            .iter()
            .map(|(_, hi)| apply_quantile(f.forecast, quantile(e, *hi)))
            .collect();
    }
}

fn ape(f: &Forecast) -> Option<f64> {
    (f.actual > 0.0).then(|| 100.0 * (f.forecast - f.actual).abs() / f.actual)
}

fn pe(f: &Forecast) -> Option<f64> {
    (f.actual > 0.0).then(|| 100.0 * (f.forecast - f.actual) / f.actual)
}

fn mean(v: impl Iterator<Item = f64>) -> f64 {
    let (s, n) = v.fold((0.0, 0usize), |(s, n), x| (s + x, n + 1));
    if n == 0 { f64::NAN } else { s / n as f64 }
}

fn cover(fs: &[&Forecast], i: usize, mc: bool) -> (f64, f64) {
    let inside: Vec<(bool, f64)> = fs
        .iter()
        .filter_map(|f| {
            let (lo, hi) = if mc {
                (f.mc_lower.get(i)?, f.mc_upper.get(i)?)
            } else {
                (f.lower.get(i)?, f.upper.get(i)?)
            };
            (f.actual > 0.0).then(|| {
                (
                    *lo <= f.actual && f.actual <= *hi,
                    100.0 * (hi - lo) / f.actual,
                )
            })
        })
        .collect();
    (
        mean(inside.iter().map(|(c, _)| f64::from(u8::from(*c)))),
        mean(inside.iter().map(|(_, w)| *w)),
    )
}

/// SplitMix64: the bootstrap's resampling stream.
fn splitmix(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

type Key = (String, usize, &'static str);

fn score(forecasts: &[Forecast], levels: &[f64], boots: usize, seed: u64) -> Vec<Score> {
    // Naive's APE per figure.
    let naive: BTreeMap<(&str, i32, usize, &str), f64> = forecasts
        .iter()
        .filter(|f| f.method == "naive")
        .filter_map(|f| {
            ape(f).map(|a| {
                (
                    (f.council.as_str(), f.origin, f.horizon, f.band.as_str()),
                    a,
                )
            })
        })
        .collect();
    let mut groups: BTreeMap<Key, Vec<&Forecast>> = BTreeMap::new();
    for f in forecasts {
        groups
            .entry((f.method.clone(), f.horizon, series_of(&f.band)))
            .or_default()
            .push(f);
    }
    groups
        .into_par_iter()
        .map(|((method, horizon, series), fs)| {
            // Per council: (sum APE, sum naive APE on the same figures, n).
            let mut per: BTreeMap<&str, (f64, f64, usize)> = BTreeMap::new();
            for f in &fs {
                if let (Some(a), Some(n)) = (
                    ape(f),
                    naive.get(&(f.council.as_str(), f.origin, f.horizon, f.band.as_str())),
                ) {
                    let e = per.entry(f.council.as_str()).or_default();
                    e.0 += a;
                    e.1 += n;
                    e.2 += 1;
                }
            }
            let cs: Vec<(f64, f64, usize)> = per.values().copied().collect();
            let agg = |idx: &mut dyn Iterator<Item = usize>| {
                let (mut a, mut n, mut k) = (0.0, 0.0, 0usize);
                for i in idx {
                    a += cs[i].0;
                    n += cs[i].1;
                    k += cs[i].2;
                }
                (a / k.max(1) as f64, if n > 0.0 { a / n } else { f64::NAN })
            };
            let (mape, rel) = agg(&mut (0..cs.len()));
            let mut st = seed ^ (horizon as u64).wrapping_mul(0x1234_5678_9ABC_DEF1);
            let mut bm = Vec::with_capacity(boots);
            let mut br = Vec::with_capacity(boots);
            if !cs.is_empty() {
                for _ in 0..boots {
                    let idx: Vec<usize> = (0..cs.len())
                        .map(|_| usize::try_from(splitmix(&mut st) % cs.len() as u64).unwrap_or(0))
                        .collect();
                    let (m, r) = agg(&mut idx.into_iter());
                    bm.push(m);
                    br.push(r);
                }
            }
            bm.sort_by(f64::total_cmp);
            br.sort_by(f64::total_cmp);
            let ci = |v: &[f64]| (quantile(v, 0.05), quantile(v, 0.95));
            let beats = mean(per.values().map(|(a, n, _)| f64::from(u8::from(a < n))));
            let (coverage, width): (Vec<f64>, Vec<f64>) =
                (0..levels.len()).map(|i| cover(&fs, i, false)).unzip();
            let (mc_coverage, mc_width): (Vec<f64>, Vec<f64>) =
                (0..levels.len()).map(|i| cover(&fs, i, true)).unzip();
            Score {
                method,
                horizon,
                series: series.into(),
                n: fs.len(),
                councils: per.len(),
                mape,
                mape_ci: ci(&bm),
                rel_naive: rel,
                rel_naive_ci: ci(&br),
                mase: mean(fs.iter().map(|f| (f.forecast - f.actual).abs() / f.scale)),
                bias: mean(fs.iter().filter_map(|f| pe(f))),
                beats_naive: beats,
                coverage,
                width,
                mc_coverage,
                mc_width,
            }
        })
        .collect()
}

fn council_scores(forecasts: &[Forecast], levels: &[f64]) -> Vec<CouncilScore> {
    let mut groups: BTreeMap<(String, String, usize), Vec<&Forecast>> = BTreeMap::new();
    for f in forecasts.iter().filter(|f| f.band == "all") {
        groups
            .entry((f.council.clone(), f.method.clone(), f.horizon))
            .or_default()
            .push(f);
    }
    groups
        .into_iter()
        .map(|((council, method, horizon), fs)| CouncilScore {
            council,
            method,
            horizon,
            n: fs.len(),
            mape: mean(fs.iter().filter_map(|f| ape(f))),
            mase: mean(fs.iter().map(|f| (f.forecast - f.actual).abs() / f.scale)),
            bias: mean(fs.iter().filter_map(|f| pe(f))),
            coverage: (0..levels.len()).map(|i| cover(&fs, i, false).0).collect(),
        })
        .collect()
}

impl NationalBacktest {
    /// The pooled scores as a Markdown table: one row per method and horizon, for the
    /// `series` given (`total` or `bands`).
    pub fn markdown(&self, series: &str) -> String {
        let mut s = String::new();
        let lv: Vec<String> = self.levels.iter().map(|l| format!("{l:.0}%")).collect();
        s.push_str("| method | h | n | councils | MAPE % (90% CI) | vs naive (90% CI) | beats naive in | MASE | bias % |");
        for l in &lv {
            s.push_str(&format!(" cover {l} | width {l} |"));
        }
        s.push('\n');
        s.push_str("|---|---|---|---|---|---|---|---|---|");
        for _ in &lv {
            s.push_str("---|---|");
        }
        s.push('\n');
        let mut rows: Vec<&Score> = self.scores.iter().filter(|x| x.series == series).collect();
        rows.sort_by(|a, b| a.horizon.cmp(&b.horizon).then(a.method.cmp(&b.method)));
        for r in rows {
            s.push_str(&format!(
                "| {} | {} | {} | {} | {:.1} ({:.1}-{:.1}) | {:.2} ({:.2}-{:.2}) | {:.0}% | {:.2} | {:+.1} |",
                r.method,
                r.horizon,
                r.n,
                r.councils,
                r.mape,
                r.mape_ci.0,
                r.mape_ci.1,
                r.rel_naive,
                r.rel_naive_ci.0,
                r.rel_naive_ci.1,
                100.0 * r.beats_naive,
                r.mase,
                r.bias
            ));
            for i in 0..self.levels.len() {
                let c = r.coverage.get(i).copied().unwrap_or(f64::NAN);
                let w = r.width.get(i).copied().unwrap_or(f64::NAN);
                s.push_str(&format!(" {:.0}% | {:.0}% |", 100.0 * c, w));
            }
            s.push('\n');
        }
        s
    }
}
