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
    /// The council's region: admissions per 10,000 children by year ending 31 March, as
    /// known at the origin (empty when the source has no region).
    #[serde(default)]
    pub region_reference: Vec<(i32, f64)>,
    /// The council's region: stock at 31 March by year, as known at the origin.
    #[serde(default)]
    pub region_stock: Vec<(i32, f64)>,
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
            region_reference: Vec::new(),
            region_stock: Vec::new(),
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
    /// As [`AdmissionsRule::Anchored`], with a reference of the given kind.
    AnchoredTo(f64, Reference),
    /// As [`AdmissionsRule::Pooled`], with a reference of the given kind.
    PooledTo(f64, Reference),
}

/// The series a method borrows its growth from.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Reference {
    /// England ([`Vintage::reference_stock`], [`Vintage::reference`]).
    #[default]
    England,
    /// The council's region ([`Vintage::region_stock`], [`Vintage::region_reference`]).
    Region,
    /// The region's stock growth shrunk towards England's by how noisy the region's is
    /// (empirical Bayes: weight `tau^2 / (tau^2 + v)` on the region, `v` the sampling
    /// variance of its log-linear growth, `tau` the spread of the regions' true growth
    /// at the origin); see the methodology. Stock methods only.
    Blend,
}

/// One method of the national backtest (more may be added: a match needs a wildcard arm).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
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
        /// The reference whose growth is borrowed.
        #[serde(default)]
        reference: Reference,
    },
    /// The stock at the origin carried forward at the council's own log-linear growth over
    /// the last [`TREND_WINDOW`] years, damped (a damped trend on the stock itself, with no
    /// shrinkage); see the methodology.
    StockDamped {
        /// The method's name in the results.
        name: String,
        /// Damping factor in [0, 1].
        phi: f64,
    },
    /// An equal-weight combination of other methods' point forecasts (their mean, or
    /// their median), for each horizon and band that every member forecasts; see the
    /// methodology. The members must come earlier in the list of methods.
    Combination {
        /// The method's name in the results.
        name: String,
        /// Names of the combined methods.
        members: Vec<String>,
        /// The median of the members (else their mean).
        median: bool,
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
            Method::PooledDrift { name, .. }
            | Method::StockDamped { name, .. }
            | Method::Combination { name, .. }
            | Method::Engine { name, .. } => name,
        }
    }

    fn engine(name: &str, admissions: AdmissionsRule, discharges: Discharges) -> Method {
        Method::Engine {
            name: name.into(),
            admissions,
            discharges,
        }
    }

    fn combination(name: &str, members: &[&str], median: bool) -> Method {
        Method::Combination {
            name: name.into(),
            members: members.iter().map(|m| (*m).to_string()).collect(),
            median,
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
                reference: Reference::England,
            },
            Method::PooledDrift {
                name: "reference_drift".into(),
                phi: DEFAULT_PHI,
                own: false,
                reference: Reference::England,
            },
            Method::PooledDrift {
                name: "region_drift".into(),
                phi: DEFAULT_PHI,
                own: false,
                reference: Reference::Region,
            },
            Method::PooledDrift {
                name: "blend_drift".into(),
                phi: DEFAULT_PHI,
                own: false,
                reference: Reference::Blend,
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
            Method::engine(
                "pooled_region_reg",
                AdmissionsRule::PooledTo(DEFAULT_PHI, Reference::Region),
                reg.clone(),
            ),
            Method::engine(
                "anchored_region_reg",
                AdmissionsRule::AnchoredTo(DEFAULT_PHI, Reference::Region),
                reg.clone(),
            ),
            Method::engine(
                "anchored_blend_reg",
                AdmissionsRule::AnchoredTo(DEFAULT_PHI, Reference::Blend),
                reg.clone(),
            ),
            Method::engine("anchored_reg", AdmissionsRule::Anchored(DEFAULT_PHI), reg),
            Method::StockDamped {
                name: "damped_stock".into(),
                phi: DEFAULT_PHI,
            },
            // England's growth damped less (0.9) and not at all (1): the damping factor
            // as a candidate, chosen on the origins up to 2019 only (methodology).
            Method::PooledDrift {
                name: "reference_drift_09".into(),
                phi: 0.9,
                own: false,
                reference: Reference::England,
            },
            Method::PooledDrift {
                name: "reference_drift_1".into(),
                phi: 1.0,
                own: false,
                reference: Reference::England,
            },
            Method::combination(
                "combo_default_drift",
                &[DEFAULT_METHOD, "pooled_drift"],
                false,
            ),
            Method::combination("combo_mean", &COMBINED, false),
            Method::combination("combo_median", &COMBINED, true),
        ]
    }
}

/// The members of the combinations `combo_mean` and `combo_median`: four methods that
/// each carry growth from a different source (the cohort model anchored to England, the
/// stock's own growth shrunk towards England's, the stock's own damped growth, and the
/// region's growth shrunk towards England's).
pub const COMBINED: [&str; 4] = [
    DEFAULT_METHOD,
    "pooled_drift",
    "damped_stock",
    "blend_drift",
];

/// Methods added to the national backtest as candidates for the default and rejected by
/// its evidence (see the methodology): kept in [`Method::defaults`] so that the tables
/// show them, left out of a user's own backtest ([`own_backtest`]) so that they add no
/// comparisons to its disagreement warning.
pub const REJECTED_CANDIDATES: [&str; 6] = [
    "damped_stock",
    "reference_drift_09",
    "reference_drift_1",
    "combo_default_drift",
    "combo_mean",
    "combo_median",
];

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
    [-0.4015, -0.2036, 0.0115, 0.2104, 0.3633],
    [-0.5624, -0.3138, 0.0148, 0.2907, 0.4431],
    [-0.5594, -0.3168, 0.0314, 0.3378, 0.5148],
    [-0.5923, -0.3356, 0.0384, 0.3685, 0.5617],
    [-0.5884, -0.3610, 0.0391, 0.3839, 0.5848],
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
    notes: Vec<String>,
}

/// A council's vintage and history at an origin, as loaded.
type Loaded = (String, i32, Result<Option<(Vintage, History)>>);

/// Between-council spreads of slopes per origin.
struct Taus {
    admissions: BTreeMap<i32, f64>,
    stock: BTreeMap<i32, f64>,
    /// Between-region spread of the regions' true stock growth, per origin.
    region: BTreeMap<i32, f64>,
}

/// The points of a yearly series in the [`TREND_WINDOW`] years up to `origin`, sorted.
fn in_window(series: &[(i32, f64)], origin: i32) -> Vec<(i32, f64)> {
    let from = origin - i32::try_from(TREND_WINDOW).unwrap_or(i32::MAX) + 1;
    let mut w: Vec<(i32, f64)> = series
        .iter()
        .copied()
        .filter(|(y, _)| (from..=origin).contains(y))
        .collect();
    w.sort_by_key(|p| p.0);
    w.dedup_by_key(|p| p.0);
    w
}

/// Log-linear growth of positive yearly points and its sampling variance (residual
/// variance, at least Poisson's `1 / mean`, over `Sxx`).
fn log_growth(points: &[(i32, f64)]) -> Option<(f64, f64)> {
    if points.len() < 2 || points.iter().any(|(_, v)| *v <= 0.0 || !v.is_finite()) {
        return None;
    }
    let x: Vec<f64> = points.iter().map(|(y, _)| f64::from(*y)).collect();
    let ly: Vec<f64> = points.iter().map(|(_, v)| v.ln()).collect();
    let b = crate::model::ols_slope(&x, &ly);
    let n = x.len() as f64;
    let (xm, ym) = (x.iter().sum::<f64>() / n, ly.iter().sum::<f64>() / n);
    let sxx: f64 = x.iter().map(|v| (v - xm).powi(2)).sum();
    let resid: f64 = x
        .iter()
        .zip(&ly)
        .map(|(xi, yi)| (yi - ym - b * (xi - xm)).powi(2))
        .sum();
    let mean_level = points.iter().map(|(_, v)| v).sum::<f64>() / n;
    let rv = if x.len() > 2 { resid / (n - 2.0) } else { 0.0 };
    Some((b, rv.max(1.0 / mean_level) / sxx))
}

/// The reference stock a method borrows growth from, as known at the origin: at least
/// two years of it in the [`TREND_WINDOW`] years up to the origin, else why not. There is
/// no fallback to [`ENGLAND_STOCK`] here: a vintage without England's stock is a failure
/// of that council and origin.
fn reference_stock(
    v: &Vintage,
    kind: Reference,
    origin: i32,
    tau_region: Option<f64>,
) -> std::result::Result<Vec<(i32, f64)>, String> {
    // The series up to the origin, once at least two of its years fall in the window.
    let need = |series: &[(i32, f64)], what: &str| {
        if in_window(series, origin).len() < 2 {
            Err(format!(
                "the figures known at {origin} hold fewer than two years of {what}'s stock at 31 March in {}-{origin} (no fallback to a stored series in the backtest)",
                origin - i32::try_from(TREND_WINDOW).unwrap_or(0) + 1
            ))
        } else {
            let mut w: Vec<(i32, f64)> = series
                .iter()
                .copied()
                .filter(|(y, _)| *y <= origin)
                .collect();
            w.sort_by_key(|p| p.0);
            w.dedup_by_key(|p| p.0);
            Ok(w)
        }
    };
    match kind {
        Reference::England => need(&v.reference_stock, "England"),
        Reference::Region => need(&v.region_stock, "the region"),
        Reference::Blend => {
            let e = need(&v.reference_stock, "England")?;
            let r = need(&v.region_stock, "the region")?;
            let both: Vec<(i32, f64, f64)> = r
                .iter()
                .filter_map(|(y, rv)| {
                    e.iter()
                        .find(|(ey, _)| ey == y)
                        .map(|(_, ev)| (*y, *rv, *ev))
                })
                .collect();
            let (_, var) =
                log_growth(&in_window(&r, origin)).ok_or("the region's stock is not positive")?;
            let tau = tau_region.unwrap_or(0.0);
            let w = if tau > 0.0 {
                tau * tau / (tau * tau + var)
            } else {
                0.0
            };
            if both.len() < 2 {
                return Err(format!(
                    "England's and the region's stock share fewer than two years up to {origin}"
                ));
            }
            Ok(both
                .iter()
                .map(|(y, rv, ev)| (*y, (w * rv.ln() + (1.0 - w) * ev.ln()).exp()))
                .collect())
        }
    }
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

/// The headline stock totals at 31 March a dataset prints in `flows_annual` (closing of
/// each year, opening of the next), by year. A release may revise a year's total without
/// reprinting its age bands (DfE's ULD 2019 revised 2017/18 totals printed with bands by
/// ULD 2018): the headline is then the figure known, while the bands' sum is the older
/// release's. A year the table lists without a printed total is left out (the bands'
/// sum is used there, and reported: [`unprinted_headlines`]).
fn headline_stock(ds: &Dataset) -> BTreeMap<i32, f64> {
    let mut out = BTreeMap::new();
    let Ok(t) = ds.table("flows_annual") else {
        return out;
    };
    for r in &t.records {
        let (Some(crate::Period::Year(fy)), Some(v)) = (r.period, r.cell.value()) else {
            continue;
        };
        match r.measure.as_ref() {
            "closing" => {
                out.insert(fy.end_year(), v);
            }
            "opening" => {
                out.entry(fy.end_year() - 1).or_insert(v);
            }
            _ => {}
        }
    }
    out
}

/// Years whose headline total at 31 March a dataset's `flows_annual` lists but does not
/// print as a number (suppressed, pending or blank, as closing of the year and as opening
/// of the next), each with the cell as printed: there [`total_at`] falls back to the sum
/// of the history's bands, which the backtest says in a note.
fn unprinted_headlines(ds: &Dataset) -> BTreeMap<i32, String> {
    let mut out = BTreeMap::new();
    let Ok(t) = ds.table("flows_annual") else {
        return out;
    };
    let printed = headline_stock(ds);
    for r in &t.records {
        let Some(crate::Period::Year(fy)) = r.period else {
            continue;
        };
        let y = match r.measure.as_ref() {
            "closing" => fy.end_year(),
            "opening" => fy.end_year() - 1,
            _ => continue,
        };
        if r.cell.value().is_none() && !printed.contains_key(&y) {
            let shown = match &r.cell {
                crate::Cell::Suppressed { text, .. } => format!("suppressed ({text})"),
                crate::Cell::Pending => "pending".into(),
                crate::Cell::NotApplicable => "N/A".into(),
                _ => "blank".into(),
            };
            out.entry(y).or_insert(shown);
        }
    }
    out
}

/// The note for a dataset's unprinted headline totals ([`unprinted_headlines`]) in the
/// years `from..=to`, if any.
fn headline_fallback_note(council: &str, ds: &Dataset, from: i32, to: i32) -> Option<String> {
    let years: Vec<String> = unprinted_headlines(ds)
        .into_iter()
        .filter(|(y, _)| (from..=to).contains(y))
        .map(|(y, c)| format!("31 March {y} ({c})"))
        .collect();
    (!years.is_empty()).then(|| {
        format!(
            "{council}: table flows_annual prints no total stock at {}; the total there is the sum of the age bands",
            years.join(", ")
        )
    })
}

/// The total stock at 31 March of year `y`: the dataset's headline total where it prints
/// one (see [`headline_stock`]), else the sum of the history's bands.
fn total_at(headline: &BTreeMap<i32, f64>, y: i32, bands: &[f64]) -> f64 {
    headline
        .get(&y)
        .copied()
        .unwrap_or_else(|| bands.iter().sum())
}

/// The total stock ([`total_at`]) at 31 March of the year before a history's first flow
/// and of each flow's year.
fn total_stock(h: &History, headline: &BTreeMap<i32, f64>) -> Vec<f64> {
    h.flows
        .first()
        .map(|f| total_at(headline, f.year.end_year() - 1, &f.opening))
        .into_iter()
        .chain(
            h.flows
                .iter()
                .map(|f| total_at(headline, f.year.end_year(), &f.closing)),
        )
        .collect()
}

/// The log-linear growth of the total stock over the last [`TREND_WINDOW`] years and its
/// sampling variance (residual variance, at least Poisson's `1 / mean`, over `Sxx`), from
/// the totals of [`total_stock`].
fn stock_slope(h: &History, headline: &BTreeMap<i32, f64>) -> Option<(f64, f64, Vec<i32>)> {
    let w = &h.flows[h.flows.len().saturating_sub(TREND_WINDOW)..];
    let total = |y: i32, bands: &[f64]| total_at(headline, y, bands);
    let mut years: Vec<i32> = Vec::new();
    let mut y: Vec<f64> = Vec::new();
    if let Some(first) = w.first() {
        years.push(first.year.end_year() - 1);
        y.push(total(first.year.end_year() - 1, &first.opening));
    }
    for f in w {
        years.push(f.year.end_year());
        y.push(total(f.year.end_year(), &f.closing));
    }
    let keep = years.len().min(TREND_WINDOW);
    let (years, y) = (
        years[years.len() - keep..].to_vec(),
        y[y.len() - keep..].to_vec(),
    );
    let points: Vec<(i32, f64)> = years.iter().copied().zip(y).collect();
    let (b, var) = log_growth(&points)?;
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
        if let Ok(Some((vintage, h))) = r
            && h.years.last().map(|fy| fy.end_year()) == Some(*y)
            && let Some((b, v, _)) = stock_slope(h, &headline_stock(&vintage.dataset))
        {
            stock_slopes.entry(*y).or_default().push((b, v));
        }
    }
    let tau_stock: BTreeMap<i32, f64> = stock_slopes
        .iter()
        .map(|(y, s)| (*y, between_sd(s)))
        .collect();
    // The spread of the regions' stock growth, per origin (each region once).
    let mut region_slopes: BTreeMap<i32, Vec<Vec<(i32, f64)>>> = BTreeMap::new();
    for (_, y, r) in &loaded {
        if let Ok(Some((v, _))) = r {
            let w = in_window(&v.region_stock, *y);
            let seen = region_slopes.entry(*y).or_default();
            if w.len() >= 2 && !seen.contains(&w) {
                seen.push(w);
            }
        }
    }
    let tau_region: BTreeMap<i32, f64> = region_slopes
        .iter()
        .map(|(y, rs)| {
            let s: Vec<(f64, f64)> = rs.iter().filter_map(|w| log_growth(w)).collect();
            (*y, between_sd(&s))
        })
        .collect();
    let tau = Taus {
        admissions: tau,
        stock: tau_stock,
        region: tau_region,
    };
    let cells: Vec<Cell> = loaded
        .par_iter()
        .map(|(c, y, r)| run_cell(panel, c, *y, r, &methods, o, &tau, &levels))
        .collect();
    let mut forecasts = Vec::new();
    let mut failures = Vec::new();
    let mut fallbacks = std::collections::BTreeSet::new();
    for c in cells {
        forecasts.extend(c.forecasts);
        failures.extend(c.failures);
        fallbacks.extend(c.notes);
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
    notes.extend(fallbacks);
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
        notes: Vec::new(),
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
    // Known stock series (closing of each year), by band and total (the headline total
    // where the dataset prints one).
    let headline = headline_stock(&v.dataset);
    if let Some(first) = h.flows.first() {
        cell.notes.extend(headline_fallback_note(
            council,
            &v.dataset,
            first.year.end_year() - 1,
            origin,
        ));
    }
    let series: Vec<(String, Vec<f64>)> = {
        let mut s: Vec<(String, Vec<f64>)> = Vec::new();
        let total = total_stock(h, &headline);
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
            Method::PooledDrift {
                name,
                phi,
                own,
                reference: kind,
            } => {
                let Some((sv_name, sv)) = series.first() else {
                    continue;
                };
                let Some((b, var, years)) = stock_slope(h, &headline) else {
                    cell.failures
                        .push(fail(name, "fewer than two known years of stock".into()));
                    continue;
                };
                let rs = match reference_stock(v, *kind, origin, tau.region.get(&origin).copied()) {
                    Ok(rs) => rs,
                    Err(e) => {
                        cell.failures.push(fail(name, e));
                        continue;
                    }
                };
                let ry: Option<Vec<f64>> = years
                    .iter()
                    .map(|y| rs.iter().find(|(ry, _)| ry == y).map(|(_, s)| s.ln()))
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
            Method::StockDamped { name, phi } => {
                let Some((sv_name, sv)) = series.first() else {
                    continue;
                };
                let Some((g, _, _)) = stock_slope(h, &headline) else {
                    cell.failures
                        .push(fail(name, "fewer than two known years of stock".into()));
                    continue;
                };
                let last = sv.last().copied().unwrap_or(0.0);
                let path = crate::model::damped_path(last, g, *phi, o.max_horizon);
                let sv_name = sv_name.clone();
                for (k, f) in path.iter().enumerate() {
                    push(name, k + 1, &sv_name, *f, None);
                }
            }
            // After every other method (below): it reads their forecasts.
            Method::Combination { .. } => {}
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
                    AdmissionsRule::Anchored(phi) | AdmissionsRule::AnchoredTo(phi, _) => {
                        let kind = match admissions {
                            AdmissionsRule::AnchoredTo(_, k) => *k,
                            _ => Reference::England,
                        };
                        match reference_stock(v, kind, origin, tau.region.get(&origin).copied()) {
                            Ok(reference) => Admissions::Anchored {
                                phi: *phi,
                                reference,
                            },
                            Err(e) => {
                                cell.failures.push(fail(name, e));
                                continue;
                            }
                        }
                    }
                    AdmissionsRule::Pooled(phi) | AdmissionsRule::PooledTo(phi, _) => {
                        let reference = match admissions {
                            AdmissionsRule::PooledTo(_, Reference::Region) => &v.region_reference,
                            AdmissionsRule::PooledTo(_, Reference::Blend) => {
                                cell.failures.push(fail(
                                    name,
                                    "a blended reference is for stock methods only".into(),
                                ));
                                continue;
                            }
                            _ => &v.reference,
                        };
                        Admissions::Pooled {
                            phi: *phi,
                            reference: reference.clone(),
                            between_sd: tau.admissions.get(&origin).copied().unwrap_or(0.0),
                            population: v.population.clone(),
                        }
                    }
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
                // The projection's yearly stock by (year, band), looked up once.
                let stock: std::collections::HashMap<(&str, &str), f64> = p
                    .rows
                    .iter()
                    .filter(|r| r.measure == "stock" && r.period == r.year)
                    .map(|r| ((r.year.as_str(), r.band.as_str()), r.value))
                    .collect();
                for k in 1..=o.max_horizon {
                    let year = crate::FinancialYear::ending(ahead(origin, k)).to_string();
                    for (band, _) in &series {
                        let value = stock.get(&(year.as_str(), band.as_str())).copied();
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
    for m in methods {
        if let Method::Combination {
            name,
            members,
            median,
        } = m
        {
            combine(&mut cell, council, origin, name, members, *median);
        }
    }
    cell
}

/// Adds a combination's forecasts to a cell: for each horizon and band every member
/// forecast, their mean (or median). A combination with no total forecast is a failure
/// naming the members that did not run.
fn combine(
    cell: &mut Cell,
    council: &str,
    origin: i32,
    name: &str,
    members: &[String],
    median: bool,
) {
    let Some(first) = members.first() else {
        cell.failures.push(Failure {
            council: council.into(),
            origin,
            method: name.into(),
            reason: "a combination with no members forecasts nothing".into(),
        });
        return;
    };
    let mut out = Vec::new();
    for f in cell.forecasts.iter().filter(|f| &f.method == first) {
        let mut values: Vec<f64> = Vec::with_capacity(members.len());
        for m in members {
            match cell
                .forecasts
                .iter()
                .find(|g| &g.method == m && g.horizon == f.horizon && g.band == f.band)
            {
                Some(g) => values.push(g.forecast),
                None => break,
            }
        }
        if values.len() < members.len() {
            continue;
        }
        let value = if median {
            values.sort_by(f64::total_cmp);
            let n = values.len();
            if n % 2 == 1 {
                values[n / 2]
            } else {
                (values[n / 2 - 1] + values[n / 2]) / 2.0
            }
        } else {
            values.iter().sum::<f64>() / values.len() as f64
        };
        out.push(Forecast {
            method: name.into(),
            forecast: value,
            lower: Vec::new(),
            upper: Vec::new(),
            mc_lower: Vec::new(),
            mc_upper: Vec::new(),
            ..f.clone()
        });
    }
    if !out.iter().any(|f| f.band == "all") {
        let missing: Vec<&str> = members
            .iter()
            .filter(|m| {
                !cell
                    .forecasts
                    .iter()
                    .any(|f| &f.method == *m && f.band == "all")
            })
            .map(String::as_str)
            .collect();
        if !missing.is_empty() {
            cell.failures.push(Failure {
                council: council.into(),
                origin,
                method: name.into(),
                reason: format!(
                    "a combination needs every member's forecast of the total; missing: {}",
                    missing.join(", ")
                ),
            });
        }
    }
    cell.forecasts.extend(out);
}

fn series_of(band: &str) -> &'static str {
    if band == "all" { "total" } else { "bands" }
}

/// Probabilities stored in a calibration: the bounds of 80% and 95% intervals and the
/// median.
pub const CALIBRATION_PROBS: [f64; 5] = [0.025, 0.1, 0.5, 0.9, 0.975];

/// The forecasts' indices grouped by method, series and horizon (groups in that order).
fn groups_of(forecasts: &[Forecast]) -> Vec<Vec<usize>> {
    fn key(f: &Forecast) -> (&str, &'static str, usize) {
        (f.method.as_str(), series_of(&f.band), f.horizon)
    }
    let mut idx: Vec<usize> = (0..forecasts.len()).collect();
    idx.sort_by(|&a, &b| key(&forecasts[a]).cmp(&key(&forecasts[b])));
    let mut out: Vec<Vec<usize>> = Vec::new();
    for i in idx {
        match out.last_mut() {
            Some(g)
                if g.first()
                    .is_some_and(|&j| key(&forecasts[j]) == key(&forecasts[i])) =>
            {
                g.push(i);
            }
            _ => out.push(vec![i]),
        }
    }
    out
}

/// Log-error quantiles per method, series and horizon, from the forecasts whose origin
/// is not `leave_out`.
fn calibrate(forecasts: &[Forecast], leave_out: Option<i32>) -> Vec<Calibration> {
    groups_of(forecasts)
        .into_par_iter()
        .filter_map(|g| {
            let first = &forecasts[*g.first()?];
            let mut e: Vec<f64> = g
                .iter()
                .map(|&i| &forecasts[i])
                .filter(|f| Some(f.origin) != leave_out)
                .map(|f| log_error(f.forecast, f.actual))
                .collect();
            if e.is_empty() {
                return None;
            }
            e.sort_by(f64::total_cmp);
            Some(Calibration {
                method: first.method.clone(),
                series: series_of(&first.band).into(),
                horizon: first.horizon,
                n: e.len(),
                probs: CALIBRATION_PROBS.to_vec(),
                quantiles: CALIBRATION_PROBS.iter().map(|p| quantile(&e, *p)).collect(),
            })
        })
        .collect()
}

/// The forecasts of one left-out origin in a group and their bounds' log-error quantiles
/// (lower, upper per level) from the group's other origins.
type LeftOut = (Vec<usize>, Vec<(f64, f64)>);

/// Fills each forecast's calibrated interval from the log errors of the other origins
/// (same method, series and horizon).
fn cross_validate(forecasts: &mut [Forecast], levels: &[f64]) {
    let probs = bound_probs(levels);
    // Per group, per left-out origin: the interval bounds' log-error quantiles.
    let bounds: Vec<LeftOut> = groups_of(forecasts)
        .into_par_iter()
        .flat_map_iter(|g| {
            // The group's errors sorted once, each with its origin.
            let mut e: Vec<(f64, i32, usize)> = g
                .iter()
                .map(|&i| {
                    let f = &forecasts[i];
                    (log_error(f.forecast, f.actual), f.origin, i)
                })
                .collect();
            e.sort_by(|a, b| a.0.total_cmp(&b.0));
            let origins: BTreeSet<i32> = e.iter().map(|x| x.1).collect();
            let mut out = Vec::new();
            for y in origins {
                let others: Vec<f64> = e.iter().filter(|x| x.1 != y).map(|x| x.0).collect();
                if others.len() < 20 {
                    continue;
                }
                let q: Vec<(f64, f64)> = probs
                    .iter()
                    .map(|(lo, hi)| (quantile(&others, *lo), quantile(&others, *hi)))
                    .collect();
                let members: Vec<usize> = e.iter().filter(|x| x.1 == y).map(|x| x.2).collect();
                out.push((members, q));
            }
            out
        })
        .collect();
    for (members, q) in bounds {
        for i in members {
            let f = &mut forecasts[i];
            f.lower = q
                .iter()
                .map(|(lo, _)| apply_quantile(f.forecast, *lo))
                .collect();
            f.upper = q
                .iter()
                .map(|(_, hi)| apply_quantile(f.forecast, *hi))
                .collect();
        }
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

type Key<'a> = (&'a str, usize, &'static str);

fn score(forecasts: &[Forecast], levels: &[f64], boots: usize, seed: u64) -> Vec<Score> {
    // Naive's APE per figure.
    let naive: std::collections::HashMap<(&str, i32, usize, &str), f64> = forecasts
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
    let mut groups: BTreeMap<Key<'_>, Vec<&Forecast>> = BTreeMap::new();
    for f in forecasts {
        groups
            .entry((f.method.as_str(), f.horizon, series_of(&f.band)))
            .or_default()
            .push(f);
    }
    groups
        .into_par_iter()
        .map(|((method, horizon, series), fs)| {
            let method = method.to_string();
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
    let mut groups: BTreeMap<(&str, &str, usize), Vec<&Forecast>> = BTreeMap::new();
    for f in forecasts.iter().filter(|f| f.band == "all") {
        groups
            .entry((f.council.as_str(), f.method.as_str(), f.horizon))
            .or_default()
            .push(f);
    }
    groups
        .into_iter()
        .map(|((council, method, horizon), fs)| CouncilScore {
            council: council.into(),
            method: method.into(),
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

/// A user's dataset as a panel of one council: vintages are the dataset up to each
/// origin (a user's tables carry no release history, so later revisions are not
/// separated), England's reference stock is [`ENGLAND_STOCK`] (what the default
/// projection of a dataset without a reference uses), and the outturns are the dataset's
/// own stock at 31 March (the total being the headline total where the dataset prints
/// one, the series the forecasts start from; see [`headline_stock`]).
struct OwnPanel {
    dataset: Dataset,
    history: History,
    headline: BTreeMap<i32, f64>,
}

impl Panel for OwnPanel {
    fn councils(&self) -> Vec<String> {
        vec![self.dataset.name.clone()]
    }

    fn origins(&self) -> Vec<i32> {
        // Every observed year end with a later one to score against (a method that
        // needs more years before it is reported as a failure there).
        let ends: Vec<i32> = self.history.years.iter().map(|y| y.end_year()).collect();
        ends.iter()
            .copied()
            .filter(|y| ends.iter().any(|e| e > y))
            .collect()
    }

    fn known_at(&self, _council: &str, origin: i32) -> Result<Option<Vintage>> {
        let mut v = Vintage::new(self.dataset.clone()).up_to(origin);
        v.reference_stock = england_stock();
        Ok(Some(v))
    }

    fn outturn(&self, _council: &str, year: i32) -> Option<Outturn> {
        let f = self
            .history
            .flows
            .iter()
            .find(|f| f.year.end_year() == year)?;
        let mut stock = vec![(
            "all".to_string(),
            total_at(&self.headline, year, &f.closing),
        )];
        let bands = self.history.scheme.bands();
        if bands.len() > 1 {
            stock.extend(
                bands
                    .iter()
                    .map(|b| b.label())
                    .zip(f.closing.iter().copied()),
            );
        }
        Some(Outturn { stock })
    }
}

/// The national backtest's methods run on a user's own dataset: every observed year end
/// with a later one, horizons 1 to `max_horizon`, the baselines and the methods
/// that need no region or population, England's growth taken from [`ENGLAND_STOCK`].
/// What [`disagreement`] reads.
///
/// ```
/// let d = carecast::Dataset::bundled("derbyshire").unwrap();
/// let b = carecast::national::own_backtest(&d, 3).unwrap();
/// let n = b.scores.iter().find(|s| s.method == "naive" && s.series == "total" && s.horizon == 1).unwrap();
/// assert_eq!(n.rel_naive, 1.0);
/// assert!(b.forecasts.iter().any(|f| f.method == carecast::national::DEFAULT_METHOD));
/// ```
///
/// # Errors
/// [`Error::Model`] (or a data error) if the dataset has no history the cohort model
/// reads; [`Error::InvalidArgument`] for a horizon outside 1 to 10.
pub fn own_backtest(dataset: &Dataset, max_horizon: usize) -> Result<NationalBacktest> {
    let history = History::from_dataset(dataset)?;
    let panel = OwnPanel {
        dataset: dataset.clone(),
        history,
        headline: headline_stock(dataset),
    };
    let methods = Method::defaults()
        .into_iter()
        .filter(|m| !REJECTED_CANDIDATES.contains(&m.name()))
        .filter(|m| match m {
            Method::PooledDrift { reference, .. } => *reference == Reference::England,
            Method::Engine { admissions, .. } => !matches!(
                admissions,
                AdmissionsRule::Pooled(_)
                    | AdmissionsRule::PooledTo(..)
                    | AdmissionsRule::AnchoredTo(..)
            ),
            _ => true,
        })
        .collect::<Vec<_>>();
    // Every default combination is a rejected candidate, so none is left here; one that
    // were kept with a member left out would be reported as a failure by `combine`.
    let o = NationalOptions {
        methods,
        max_horizon,
        bootstrap: 0,
        ..NationalOptions::default()
    };
    let mut b = backtest(&panel, &o)?;
    // The outturns' totals fall back to the bands' sum too (years after the last origin).
    if let (Some(first), Some(last)) = (panel.history.flows.first(), panel.history.flows.last())
        && let Some(n) = headline_fallback_note(
            &dataset.name,
            dataset,
            first.year.end_year() - 1,
            last.year.end_year(),
        )
    {
        b.notes
            .retain(|x| !x.starts_with(&format!("{}: table flows_annual", dataset.name)));
        b.notes.push(n);
    }
    Ok(b)
}

/// A user's own backtest finding another method more accurate than the default, by
/// more than a margin.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Disagreement {
    /// The default method's name in the backtest ([`DEFAULT_METHOD`]).
    pub default_method: String,
    /// The default's MAPE of the total (percent) on the figures both methods forecast.
    pub default_mape: f64,
    /// The more accurate method.
    pub method: String,
    /// Its MAPE on the same figures.
    pub mape: f64,
    /// `mape / default_mape`.
    pub ratio: f64,
    /// Figures (origin and horizon pairs of the total) compared.
    pub figures: usize,
}

impl Disagreement {
    /// The warning in words: both methods, their scores, and that the default was chosen
    /// on the national evidence.
    pub fn message(&self, dataset: &str) -> String {
        format!(
            "on {dataset}'s own backtest {} is more accurate than the default {} (MAPE of the total {:.1}% against {:.1}% over {} figures, ratio {:.2}, beyond the margin of {:.0}%); the default was chosen on the national backtest of every council, which one council's few origins cannot overturn, but consider {} for {dataset}",
            self.method,
            self.default_method,
            self.mape,
            self.default_mape,
            self.figures,
            self.ratio,
            100.0 * DISAGREEMENT_MARGIN,
            self.method
        )
    }
}

/// How much lower another method's MAPE must be than the default's (as a share of the
/// default's) for a user's backtest to warn: 10%, about the gap the national backtest
/// measures between the default and naive at three to five years (0.94-0.95), so a
/// smaller difference on one council's few origins is within noise.
pub const DISAGREEMENT_MARGIN: f64 = 0.10;

/// The fewest origins a method and the default must both be scored from before
/// [`disagreement`] compares them: with fewer, one unusual year decides.
pub const MIN_DISAGREEMENT_ORIGINS: usize = 3;

/// The fewest figures (council, origin and horizon pairs of the total) a method and the
/// default must both be scored on before [`disagreement`] compares them.
pub const MIN_DISAGREEMENT_FIGURES: usize = 6;

/// The method of a backtest most more accurate than the default on the total, if its
/// MAPE is below `(1 - margin)` times the default's on the same figures (the council,
/// origin and horizon pairs both forecast). Only methods scored alongside the default on
/// at least [`MIN_DISAGREEMENT_FIGURES`] figures from at least
/// [`MIN_DISAGREEMENT_ORIGINS`] origins are compared. `None` when no method is, or the
/// default did not run.
///
/// ```
/// use carecast::national::{disagreement, NationalBacktest, Forecast, DEFAULT_METHOD};
/// let f = |method: &str, origin: i32, horizon: usize, forecast: f64| Forecast {
///     council: "c".into(), method: method.into(), origin, horizon,
///     band: "all".into(), forecast, actual: 100.0, scale: 1.0,
///     lower: vec![], upper: vec![], mc_lower: vec![], mc_upper: vec![],
/// };
/// let mut forecasts = Vec::new();
/// for origin in [2018, 2019, 2020] {
///     for horizon in [1, 2] {
///         forecasts.push(f("naive", origin, horizon, 95.0));
///         forecasts.push(f(DEFAULT_METHOD, origin, horizon, 80.0));
///     }
/// }
/// let mut b = NationalBacktest {
///     levels: vec![80.0], forecasts,
///     failures: vec![], scores: vec![], councils: vec![], calibration: vec![], notes: vec![],
/// };
/// let d = disagreement(&b, 0.1).unwrap();
/// assert_eq!((d.method.as_str(), d.mape, d.default_mape, d.figures), ("naive", 5.0, 20.0, 6));
/// assert!(disagreement(&b, 0.8).is_none());
/// // Two origins (four figures) are too few to warn on.
/// b.forecasts.retain(|f| f.origin != 2020);
/// assert!(disagreement(&b, 0.1).is_none());
/// ```
pub fn disagreement(b: &NationalBacktest, margin: f64) -> Option<Disagreement> {
    let key = |f: &Forecast| (f.council.clone(), f.origin, f.horizon);
    let default: BTreeMap<(String, i32, usize), f64> = b
        .forecasts
        .iter()
        .filter(|f| f.method == DEFAULT_METHOD && f.band == "all")
        .filter_map(|f| ape(f).map(|a| (key(f), a)))
        .collect();
    if default.is_empty() {
        return None;
    }
    type Tally = (f64, f64, usize, BTreeSet<i32>);
    let mut per: BTreeMap<&str, Tally> = BTreeMap::new();
    for f in b
        .forecasts
        .iter()
        .filter(|f| f.method != DEFAULT_METHOD && f.band == "all")
    {
        if let (Some(a), Some(d)) = (ape(f), default.get(&key(f))) {
            let e = per.entry(f.method.as_str()).or_default();
            e.0 += a;
            e.1 += d;
            e.2 += 1;
            e.3.insert(f.origin);
        }
    }
    per.into_iter()
        .filter(|(_, (_, d, n, origins))| {
            *n >= MIN_DISAGREEMENT_FIGURES && origins.len() >= MIN_DISAGREEMENT_ORIGINS && *d > 0.0
        })
        .map(|(m, (a, d, n, _))| Disagreement {
            default_method: DEFAULT_METHOD.into(),
            default_mape: d / n as f64,
            method: m.into(),
            mape: a / n as f64,
            ratio: a / d,
            figures: n,
        })
        .filter(|x| x.ratio < 1.0 - margin)
        .min_by(|x, y| x.ratio.total_cmp(&y.ratio))
}

/// One stream of a projection's total stock at 31 March: unaccompanied asylum-seeking
/// children (`uasc`), the other children (`other`) and all of them (`all`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StreamRow {
    /// Financial year (the stock is at its 31 March).
    pub year: String,
    /// Years after the base year.
    pub horizon: usize,
    /// `uasc`, `other` or `all`.
    pub stream: String,
    /// Children looked after at 31 March.
    pub value: f64,
}

/// How the UASC stream of [`uasc_streams`] moves: held at the base year's stock.
pub const UASC_METHOD: &str = "UASC held at the base year's stock at 31 March (their numbers follow arrivals and the National Transfer Scheme, not the council's own trends); the other children are the projected total less UASC";

/// Splits a projection's total stock into unaccompanied asylum-seeking children and the
/// rest ([`UASC_METHOD`]). This is a subtraction, not a second model: `uasc` is the
/// dataset's `uasc_stock` at 31 March of the base year, held unchanged in every year;
/// `other` is the projected total minus that held figure; `all` the projected total (the
/// projection's own value, unchanged). Neither stream is projected from its own history.
/// Only the central value is split: the projection's interval columns (`lower_80`,
/// `upper_80`, ...) are not carried. The dataset must have a `uasc_stock` table with a
/// published figure for the base year (every `dfe:` council does).
///
/// ```
/// use carecast::{CohortModel, ProjectionOptions};
/// let d = carecast::dfe::dataset("Kent").unwrap();
/// let p = CohortModel::fit(&d).unwrap().project(&ProjectionOptions::new(2024, 3)).unwrap();
/// let rows = carecast::national::uasc_streams(&p, &d).unwrap();
/// assert_eq!(rows.len(), 9);
/// let get = |y: &str, s: &str| rows.iter().find(|r| r.year == y && r.stream == s).unwrap().value;
/// // Kent looked after 498 UASC at 31 March 2024 (DfE, EES 2024).
/// assert_eq!(get("2026/27", "uasc"), 498.0);
/// assert_eq!(get("2025/26", "uasc") + get("2025/26", "other"), get("2025/26", "all"));
/// ```
///
/// # Errors
/// [`Error::Model`] naming the dataset, table and year when the dataset has no
/// `uasc_stock` table, its base-year figure is absent or suppressed, the projection has
/// no yearly total stock, or a projected total is below the held UASC stock.
pub fn uasc_streams(p: &crate::Projection, dataset: &Dataset) -> Result<Vec<StreamRow>> {
    let base = p.assumptions.base_year;
    let t = dataset.table("uasc_stock").map_err(|_| {
        Error::model(format!(
            "{}: no table uasc_stock (unaccompanied asylum-seeking children at 31 March): the UASC stream needs it (every dfe: council has it)",
            dataset.name
        ))
    })?;
    let at_base = |r: &&crate::Record| matches!(r.period, Some(crate::Period::Date(d)) if d.is_year_end() && d.financial_year().end_year() == base);
    let rec = t.records.iter().find(at_base).ok_or_else(|| {
        Error::model(format!(
            "{}: table uasc_stock has no figure for 31 March {base} (the base year)",
            dataset.name
        ))
    })?;
    let uasc = rec.cell.value().ok_or_else(|| {
        Error::model(format!(
            "{}: table uasc_stock, line {}: the figure for 31 March {base} is suppressed or not available; the UASC stream needs a number",
            dataset.name, rec.line
        ))
    })?;
    let mut out = Vec::new();
    for r in p
        .rows
        .iter()
        .filter(|r| r.measure == "stock" && r.band == "all" && r.period == r.year)
    {
        let Ok(fy) = crate::FinancialYear::parse(&r.year) else {
            continue;
        };
        let Ok(h) = usize::try_from(fy.end_year() - base) else {
            continue;
        };
        if h == 0 {
            continue;
        }
        if r.value < uasc {
            return Err(Error::model(format!(
                "{}: the projected total at 31 March {} ({:.0}) is below the UASC held at {base}'s {uasc:.0}: the streams cannot be separated",
                dataset.name,
                fy.end_year(),
                r.value
            )));
        }
        for (stream, value) in [("uasc", uasc), ("other", r.value - uasc), ("all", r.value)] {
            out.push(StreamRow {
                year: r.year.clone(),
                horizon: h,
                stream: stream.into(),
                value,
            });
        }
    }
    if out.is_empty() {
        return Err(Error::model(format!(
            "{}: the projection has no yearly total stock to split",
            dataset.name
        )));
    }
    Ok(out)
}
