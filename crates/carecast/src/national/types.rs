//! What the national backtest reads and yields: England's reference stock, vintages,
//! outturns, the panel, its options and its results.

use super::*;

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
    /// The council's region: child population (0-17) by year ending 31 March, as known
    /// at the origin (empty when the source has no region). With [`Vintage::population`]
    /// and the stocks it gives the council's rate of children in care relative to its
    /// region's, which the reverting methods read.
    #[serde(default)]
    pub region_population: Vec<(i32, f64)>,
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
            region_population: Vec::new(),
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
    /// As [`AdmissionsRule::AnchoredTo`], plus the council's reversion towards its
    /// region's rate of children in care (an undamped yearly log growth, fitted across
    /// councils at each origin: see the methodology and
    /// [`crate::model::Admissions::Anchored`]'s `reversion`).
    AnchoredReverting(f64, Reference),
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
