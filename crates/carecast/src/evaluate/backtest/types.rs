//! What a backtest is asked for and what it gives: its options, constants, forecasts,
//! metrics, scores and the default-method selection.

use serde::{Deserialize, Serialize};

use crate::stochastic::DEFAULT_LEVELS;

/// The baselines, computed from the published series alone.
pub const BASELINES: [&str; 2] = ["naive", "drift"];
/// The engine's admissions assumptions that are backtested, simplest first (discharge
/// rates `last`). `rate` needs a child-population series the bundled data lack.
pub const ENGINE_METHODS: [&str; 3] = ["held", "mean", "trend"];
/// Years averaged by `mean` (fewer when fewer are observed at an origin).
pub const MEAN_YEARS: usize = 3;
/// Monte Carlo paths per engine forecast, by default.
pub const DEFAULT_BACKTEST_SAMPLES: usize = 1_000;
/// Scores closer than this count as a tie, which the simpler method wins.
pub const TIE: f64 = 0.01;
/// The floor of the MASE scale (children): one child per year.
pub const MIN_SCALE: f64 = 1.0;

/// Options of a backtest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BacktestOptions {
    /// Longest horizon in years (`None`: every published figure after each origin).
    pub horizon: Option<usize>,
    /// Monte Carlo paths per engine forecast (for its intervals).
    pub samples: usize,
    /// Seed of the paths.
    pub seed: u64,
    /// Interval levels, percent.
    pub levels: Vec<f64>,
}

impl BacktestOptions {
    /// Every horizon, 1,000 paths, seed 0, levels 80 and 90.
    pub fn new() -> Self {
        BacktestOptions {
            horizon: None,
            samples: DEFAULT_BACKTEST_SAMPLES,
            seed: 0,
            levels: DEFAULT_LEVELS.to_vec(),
        }
    }
}

impl Default for BacktestOptions {
    fn default() -> Self {
        Self::new()
    }
}

/// One forecast of one published figure.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Forecast {
    /// `naive`, `drift`, `held`, `mean` or `trend`.
    pub method: String,
    /// The 31 March forecast from (calendar year).
    pub origin: i32,
    /// Years ahead (quarter ends: 0.25, 0.5, 0.75 past a year).
    pub horizon: f64,
    /// The period whose closing stock is forecast (`2015/16`, `2024/25 Q1`).
    pub period: String,
    /// Band label, or `all`.
    pub band: String,
    /// The point forecast, the one scored: the engine's deterministic projection (its
    /// `value`, the projection at the estimated rates), or the baseline's value.
    pub forecast: f64,
    /// The median of the method's predictive distribution: of the Monte Carlo paths for
    /// engine methods; the point itself for the baselines, whose intervals are symmetric.
    pub median: f64,
    /// The published figure.
    pub actual: f64,
    /// Lower bounds at each level (empty: no interval).
    pub lower: Vec<f64>,
    /// Upper bounds at each level (empty: no interval).
    pub upper: Vec<f64>,
    /// MASE scale: the in-sample mean absolute one-step naive error, i.e. the mean
    /// absolute one-year change of the published series (band or total) up to and
    /// including the origin, at least [`MIN_SCALE`].
    pub scale: f64,
}

/// Accuracy of one method at one horizon.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Metrics {
    /// Method.
    pub method: String,
    /// Band, when summarised by band.
    pub band: Option<String>,
    /// Years ahead.
    pub horizon: f64,
    /// Forecasts.
    pub n: usize,
    /// Mean absolute error (children).
    pub mae: f64,
    /// Mean absolute percentage error (of published figures above zero).
    pub mape: Option<f64>,
    /// Mean of forecast minus actual.
    pub bias: f64,
    /// Mean absolute scaled error: the mean over the figures of `|forecast - actual| /
    /// scale` (see [`Forecast::scale`]). Below 1: errors smaller than a typical one-year
    /// change of the series; naive's own MASE grows with the horizon.
    pub mase: f64,
    /// Relative MAE against naive on the same figures: the sum of this method's scaled
    /// absolute errors over the sum of naive's (the ratio of their MASEs; within one
    /// series, the plain ratio of MAEs). Naive = 1, below 1 beats naive. `None` when a
    /// figure has no naive forecast or naive is exact on every figure.
    pub rel_mae: Option<f64>,
    /// Share of published figures inside the interval, per level.
    pub coverage: Vec<Option<f64>>,
    /// Mean interval width, per level.
    pub width: Vec<Option<f64>>,
}

/// One method's score for choosing the default (see [`RULE`]), over every dataset.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Ranking {
    /// Method.
    pub method: String,
    /// Published figures compared, over all datasets (those forecast by naive and by
    /// every engine method).
    pub n: usize,
    /// The score: the mean of the datasets' scores (each dataset weighing the same).
    /// Naive = 1; below 1 beats naive. `None`: no dataset has a score.
    pub score: Option<f64>,
    /// The score on each dataset, in the order of [`Selection::datasets`].
    pub dataset_scores: Vec<Option<f64>>,
    /// Relative MAE against naive pooled over all the figures compared (every figure
    /// weighing the same, so long horizons, with larger errors, weigh most): shown
    /// beside the score, not used by the rule.
    pub rel_mae: Option<f64>,
    /// MASE over the figures compared.
    pub mase: f64,
    /// Mean absolute error over the figures compared (children).
    pub mae: f64,
    /// Coverage per level over the figures compared (`None`: no intervals).
    pub coverage: Vec<Option<f64>>,
}

/// One method's scores on one dataset.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MethodScore {
    /// Method.
    pub method: String,
    /// Published figures compared.
    pub n: usize,
    /// The dataset score: the mean of `by_year` (naive = 1, below 1 beats naive).
    pub score: Option<f64>,
    /// Relative MAE against naive in each horizon year of
    /// [`DatasetScores::horizon_years`] (`None`: no figure, or naive exact on all).
    pub by_year: Vec<Option<f64>>,
    /// Relative MAE against naive pooled over the figures (not used by the rule).
    pub rel_mae: Option<f64>,
    /// The plain ratio of MAEs against naive on the figures, unscaled, so the series
    /// with the largest errors (the total) weigh most (not used by the rule).
    pub mae_ratio: Option<f64>,
    /// MASE over the figures.
    pub mase: f64,
    /// Mean absolute error over the figures (children).
    pub mae: f64,
    /// Coverage per level over the figures (`None`: no intervals).
    pub coverage: Vec<Option<f64>>,
}

/// What the rule finds on one dataset.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DatasetScores {
    /// Dataset.
    pub dataset: String,
    /// Horizon years scored (a figure `h` years ahead counts in year `ceil(h)`).
    pub horizon_years: Vec<usize>,
    /// Every method's scores on this dataset, baselines first.
    pub methods: Vec<MethodScore>,
    /// The engine method with the lowest score on this dataset (ties to the simpler).
    pub best_engine: String,
    /// Its score.
    pub best_score: f64,
    /// Methods (engine or drift) whose score on this dataset is below naive's 1.
    pub beating_naive: Vec<String>,
}

/// The default method chosen by the documented rule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Selection {
    /// Datasets the choice is based on.
    pub datasets: Vec<String>,
    /// Interval levels of the coverage columns.
    pub levels: Vec<f64>,
    /// Scores of every method, baselines included.
    pub ranking: Vec<Ranking>,
    /// Per dataset: every method's scores, the best engine method and what beats naive.
    pub by_dataset: Vec<DatasetScores>,
    /// The engine method with the lowest score (ties to the simpler).
    pub default_method: String,
    /// Whether its score is below naive's (1). When no engine method beats naive, the
    /// default is the engine method closest to it, and the verdicts say so.
    pub beats_naive: bool,
    /// The findings in words: one line per dataset, then one for the choice. They say
    /// plainly where nothing beats naive.
    pub verdicts: Vec<String>,
    /// The rule, in words.
    pub rule: String,
}

/// A backtest of one dataset.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Backtest {
    /// Dataset.
    pub dataset: String,
    /// Options used.
    pub options: BacktestOptions,
    /// Interval levels (ascending).
    pub levels: Vec<f64>,
    /// Origins (31 March, calendar year).
    pub origins: Vec<i32>,
    /// Every forecast.
    pub forecasts: Vec<Forecast>,
    /// Metrics per method and horizon, pooled over bands.
    pub summary: Vec<Metrics>,
    /// Metrics per method, band and horizon.
    pub summary_by_band: Vec<Metrics>,
    /// The default-method rule applied to this dataset.
    pub selection: Selection,
    /// The engine method the rule picks on this dataset.
    pub default_method: String,
    /// What was done and what could not be.
    pub notes: Vec<String>,
}

/// The rule that picks the default, in words.
pub const RULE: &str = "on the published figures that naive and every engine method forecast: a figure h years ahead counts in horizon year ceil(h); per dataset and horizon year, each (origin, band) contributes the mean scaled error |forecast - actual| / scale of its figures in that year (so the quarter ends and the year end of one origin count once together), and the method's relative MAE is the sum of these over naive's; a dataset's score is the mean over its horizon years; the score is the mean over datasets, each weighing the same; the engine method with the lowest score is the default, scores within 0.01 being a tie won by the simpler method (held, then mean, then trend); it beats naive when its score is below 1, and where no method does, the verdicts say so";
