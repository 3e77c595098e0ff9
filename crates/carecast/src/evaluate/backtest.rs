//! Rolling-origin backtests: for each origin year of a dataset, fit on the data up to that
//! year, forecast the stock 1 to `h` years ahead, and compare with the published figures.
//! See [`crate::methodology`] ("Backtesting") for the metrics and the rule that picks the
//! default method.
//!
//! ```
//! use carecast::{Dataset, backtest::{BacktestOptions, backtest}};
//! let mut o = BacktestOptions::new();
//! o.samples = 100;
//! let b = backtest(&Dataset::bundled("derbyshire").unwrap(), &o).unwrap();
//! assert_eq!(b.origins, vec![2014, 2015, 2016]);
//! // The relative MAE is against naive, which scores exactly 1 by construction; its
//! // MASE (errors scaled by the in-sample one-year change) is not 1.
//! for m in b.summary.iter().filter(|m| m.method == "naive") {
//!     assert_eq!(m.rel_mae, Some(1.0));
//!     assert!(m.mase > 0.0);
//! }
//! assert!(["held", "mean", "trend"].contains(&b.default_method.as_str()));
//! // The verdict says plainly whether anything beats naive on this dataset.
//! assert!(b.selection.verdicts[0].starts_with("derbyshire: "));
//! ```

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde::{Deserialize, Serialize};
use statrs::distribution::{ContinuousCDF, StudentsT};

use crate::age::{AgeBand, Band};
use crate::dataset::Dataset;
use crate::error::{Error, Result};
use crate::model::{Admissions, CohortModel, History, MAX_HORIZON, ProjectionOptions};
use crate::period::{FinancialYear, Period};
use crate::stochastic::{DEFAULT_LEVELS, StochasticOptions, check_levels, check_samples};

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

/// Published stock figures: by band, annual at 31 March, and quarter ends.
struct Actuals {
    /// Band label -> year -> stock at 31 March.
    annual: BTreeMap<String, BTreeMap<i32, f64>>,
    /// (financial year, quarter 1-3) -> stock (all ages).
    quarters: Vec<(FinancialYear, u8, f64)>,
    notes: Vec<String>,
}

fn actuals(ds: &Dataset, h: &History) -> Actuals {
    let labels: Vec<String> = h.scheme.bands().iter().map(AgeBand::label).collect();
    let single = labels.len() == 1;
    let mut annual: BTreeMap<String, BTreeMap<i32, f64>> = BTreeMap::new();
    let mut notes = Vec::new();
    for f in &h.flows {
        let y = f.year.end_year();
        let sum = |v: &[f64]| v.iter().sum::<f64>();
        let all = annual.entry("all".into()).or_default();
        all.entry(y - 1).or_insert(sum(&f.opening));
        all.insert(y, sum(&f.closing));
        if !single {
            for (b, l) in labels.iter().enumerate() {
                let s = annual.entry(l.clone()).or_default();
                s.entry(y - 1).or_insert(f.opening[b]);
                s.insert(y, f.closing[b]);
            }
        }
    }
    notes.push("the published stock at 31 March is the closing figure of the year ending then (or, where none, the opening figure of the year starting)".into());
    let mut quarters = Vec::new();
    if single {
        // Totals-only datasets: other tables may print the stock at earlier 31 Marches.
        let mut extra = Vec::new();
        for t in &ds.tables {
            for r in &t.records {
                let (Some(Period::Date(d)), Some(v)) = (r.period, r.cell.value()) else {
                    continue;
                };
                if r.measure == "stock"
                    && d.is_year_end()
                    && matches!(r.band, None | Some(Band::All))
                    && r.category.is_none()
                    && r.area.is_none()
                    && r.placement.is_none()
                {
                    let all = annual.entry("all".into()).or_default();
                    if let std::collections::btree_map::Entry::Vacant(e) = all.entry(d.year) {
                        e.insert(v);
                        extra.push(format!("{} = {v} (`{}`)", d.year, t.meta.id));
                    }
                }
            }
        }
        if !extra.is_empty() {
            notes.push(format!(
                "stock at 31 March also from other tables: {}",
                extra.join(", ")
            ));
        }
        if let Ok(t) = ds.table("flows_quarterly") {
            let mut by_q: BTreeMap<(i32, u8), [Option<f64>; 4]> = BTreeMap::new();
            for r in &t.records {
                let (Some(Period::Quarter(fy, q)), Some(v)) = (r.period, r.cell.value()) else {
                    continue;
                };
                let i = match r.measure.as_str() {
                    "opening" => 0,
                    "admissions" => 1,
                    "discharges" => 2,
                    "closing" => 3,
                    _ => continue,
                };
                by_q.entry((fy.end_year(), q)).or_default()[i] = Some(v);
            }
            let mut gaps = Vec::new();
            for (&(y, q), v) in &by_q {
                if let Some(c) = v[3]
                    && q < 4
                {
                    quarters.push((FinancialYear::ending(y), q, c));
                }
                if let [Some(o), Some(a), Some(d), Some(c)] = v {
                    gaps.push(format!(
                        "{} Q{q}: {}",
                        FinancialYear::ending(y),
                        o + a - d - c
                    ));
                }
            }
            if !quarters.is_empty() {
                notes.push(format!(
                    "quarter-end stocks from `flows_quarterly` are forecast with the engine's quarterly output; only their closing stocks are used: the quarterly flows do not satisfy the stock identity (opening + admissions - discharges - closing = {}; see `carecast reconcile {}`)",
                    gaps.join(", "),
                    ds.name
                ));
            }
        }
    }
    Actuals {
        annual,
        quarters,
        notes,
    }
}

/// A published figure to forecast from an origin.
struct Target {
    horizon: f64,
    period: String,
    /// Label of the engine row holding it (quarter grain).
    quarter_period: String,
    band: String,
    actual: f64,
    quarterly: bool,
}

fn targets_of(a: &Actuals, origin: i32, max_h: Option<usize>) -> Vec<Target> {
    let mut out = Vec::new();
    for (band, series) in &a.annual {
        for (&y, &v) in series.range(origin + 1..) {
            let fy = FinancialYear::ending(y);
            out.push(Target {
                horizon: f64::from(y - origin),
                period: fy.to_string(),
                quarter_period: Period::Quarter(fy, 4).to_string(),
                band: band.clone(),
                actual: v,
                quarterly: false,
            });
        }
    }
    for &(fy, q, v) in &a.quarters {
        let h = f64::from(fy.end_year() - 1 - origin) + f64::from(q) / 4.0;
        if h > 0.0 {
            let p = Period::Quarter(fy, q).to_string();
            out.push(Target {
                horizon: h,
                period: p.clone(),
                quarter_period: p,
                band: "all".into(),
                actual: v,
                quarterly: true,
            });
        }
    }
    out.retain(|t| max_h.is_none_or(|h| t.horizon <= h as f64));
    out
}

/// Student-t quantile with `df` degrees of freedom.
fn t_quantile(df: f64, p: f64) -> Option<f64> {
    StudentsT::new(0.0, 1.0, df)
        .ok()
        .map(|t| t.inverse_cdf(p))
        .filter(|q| q.is_finite())
}

fn interval(center: f64, sd: f64, df: f64, levels: &[f64]) -> Option<(Vec<f64>, Vec<f64>)> {
    let mut lo = Vec::new();
    let mut hi = Vec::new();
    for l in levels {
        let q = t_quantile(df, (1.0 + l / 100.0) / 2.0)?;
        lo.push((center - q * sd).max(0.0));
        hi.push((center + q * sd).max(0.0));
    }
    Some((lo, hi))
}

/// Runs a rolling-origin backtest of a dataset (see the module documentation).
pub fn backtest(ds: &Dataset, o: &BacktestOptions) -> Result<Backtest> {
    check_samples(o.samples)?;
    let levels = check_levels(&o.levels)?;
    if o.horizon == Some(0) {
        return Err(Error::argument("horizon", 0, "must be at least 1 year"));
    }
    let history = History::from_dataset(ds)?;
    let act = actuals(ds, &history);
    let mut notes = history.notes.clone();
    notes.extend(act.notes.iter().cloned());
    let origins: Vec<i32> = history
        .years
        .iter()
        .map(FinancialYear::end_year)
        .filter(|&y| !targets_of(&act, y, None).is_empty())
        .collect();
    if origins.is_empty() {
        return Err(Error::model(format!(
            "{}: no published figure after any observed year to backtest against",
            ds.name
        )));
    }
    let longest = origins
        .iter()
        .flat_map(|&y| targets_of(&act, y, None))
        .map(|t| t.horizon)
        .fold(0.0, f64::max);
    if let Some(h) = o.horizon
        && h as f64 > longest
    {
        return Err(Error::argument(
            "horizon",
            h,
            format!(
                "beyond the data: the furthest published figure of {} is {longest} years after an origin, so the horizon is at most {} (leave it out to compare every published figure)",
                ds.name,
                longest.floor()
            ),
        ));
    }
    notes.push(format!(
        "origins: every observed year after which a published figure exists ({}); each origin fits the model on the years up to it only",
        origins.iter().map(i32::to_string).collect::<Vec<_>>().join(", ")
    ));
    notes.push("`rate` admissions (per 10,000 children x a population projection) are not backtested: the bundled data have no child-population series by year".into());
    notes.push(format!("engine methods use discharge rates `last`; `mean` averages the last {MEAN_YEARS} years (fewer when fewer are observed); engine intervals from {} Monte Carlo paths (seed {}); naive intervals: a random walk with the standard deviation of the one-year changes up to the origin and Student-t quantiles; drift intervals: the same around the drift with sd * sqrt(h (1 + h / n)), needing two changes", o.samples, o.seed));
    notes.push("the point forecast scored (`forecast`) is each engine method's deterministic projection, the projection at the estimated rates; its interval is the central interval of that method's Monte Carlo paths, whose median is reported beside it (`median`) but not scored".into());
    notes.push(format!("mase: mean of |forecast - actual| / scale, scale = the mean absolute one-year change of the published series up to the origin (at least {MIN_SCALE} child); rel_mae: a method's scaled errors summed over naive's on the same figures (naive = 1)"));
    let mut forecasts = Vec::new();
    let mut skipped = BTreeSet::new();
    for &origin in &origins {
        let targets = targets_of(&act, origin, o.horizon);
        if targets.is_empty() {
            continue;
        }
        // Baselines from the published series up to the origin.
        for t in &targets {
            let Some(series) = act.annual.get(&t.band) else {
                continue;
            };
            let past: Vec<(i32, f64)> = series.range(..=origin).map(|(&y, &v)| (y, v)).collect();
            let Some(&(_, last)) = past.last().filter(|(y, _)| *y == origin) else {
                continue;
            };
            let changes: Vec<f64> = past
                .windows(2)
                .filter(|w| w[1].0 == w[0].0 + 1)
                .map(|w| w[1].1 - w[0].1)
                .collect();
            let n = changes.len() as f64;
            let scale = if changes.is_empty() {
                MIN_SCALE
            } else {
                (changes.iter().map(|d| d.abs()).sum::<f64>() / n).max(MIN_SCALE)
            };
            let h = t.horizon;
            let naive_iv = (n >= 1.0)
                .then(|| {
                    let sd = (changes.iter().map(|d| d * d).sum::<f64>() / n).sqrt();
                    interval(last, sd * h.sqrt(), n, &levels)
                })
                .flatten();
            let mk = |method: &str, f: f64, iv: Option<(Vec<f64>, Vec<f64>)>| {
                let (lower, upper) = iv.unwrap_or_default();
                Forecast {
                    method: method.into(),
                    origin,
                    horizon: h,
                    period: t.period.clone(),
                    band: t.band.clone(),
                    forecast: f,
                    actual: t.actual,
                    lower,
                    upper,
                    scale,
                    median: f,
                }
            };
            forecasts.push(mk("naive", last, naive_iv));
            if let Some(&(y0, v0)) = past.first().filter(|(y, _)| *y < origin) {
                let slope = (last - v0) / f64::from(origin - y0);
                let f = (last + slope * h).max(0.0);
                let iv = (n >= 2.0)
                    .then(|| {
                        let mean = changes.iter().sum::<f64>() / n;
                        let var =
                            changes.iter().map(|d| (d - mean).powi(2)).sum::<f64>() / (n - 1.0);
                        interval(f, (var * h * (1.0 + h / n)).sqrt(), n - 1.0, &levels)
                    })
                    .flatten();
                forecasts.push(mk("drift", f, iv));
            }
        }
        // The engine, fitted on the years up to the origin.
        let model = CohortModel::fit_history(history.up_to(origin)?)?;
        let n_obs = model.history.flows.len();
        let years = (targets.iter().map(|t| t.horizon).fold(0.0, f64::max).ceil() as usize)
            .clamp(1, MAX_HORIZON);
        let quarterly = targets.iter().any(|t| t.quarterly);
        for method in ENGINE_METHODS {
            let admissions = match method {
                "held" => Admissions::Held,
                "mean" => Admissions::Mean {
                    k: MEAN_YEARS.min(n_obs),
                },
                _ if n_obs < 2 => {
                    skipped.insert(format!("trend at origin {origin} (one observed year)"));
                    continue;
                }
                _ => Admissions::Trend,
            };
            let mut po = ProjectionOptions::new(origin, years);
            po.admissions = admissions;
            po.discharges = crate::model::Discharges::Last;
            po.output_bands = history.scheme.clone();
            po.grain = if quarterly {
                crate::model::Grain::Quarter
            } else {
                crate::model::Grain::Year
            };
            let samples = model.simulate(&po, &StochasticOptions::new(o.samples, o.seed))?;
            let summary = samples.summary(&levels)?;
            let index: HashMap<(&str, &str), usize> = summary
                .rows
                .iter()
                .enumerate()
                .filter(|(_, r)| r.measure == "stock")
                .map(|(i, r)| ((r.period.as_str(), r.band.as_str()), i))
                .collect();
            for t in &targets {
                let period = if quarterly {
                    t.quarter_period.as_str()
                } else {
                    t.period.as_str()
                };
                let Some(&i) = index.get(&(period, t.band.as_str())) else {
                    continue;
                };
                let r = &summary.rows[i];
                let scale = forecasts
                    .iter()
                    .rev()
                    .find(|f| f.origin == origin && f.period == t.period && f.band == t.band)
                    .map_or(MIN_SCALE, |f| f.scale);
                forecasts.push(Forecast {
                    method: method.into(),
                    origin,
                    horizon: t.horizon,
                    period: t.period.clone(),
                    band: t.band.clone(),
                    forecast: r.value,
                    median: r.median,
                    actual: t.actual,
                    lower: r.lower.clone(),
                    upper: r.upper.clone(),
                    scale,
                });
            }
        }
    }
    if !skipped.is_empty() {
        notes.push(format!(
            "not forecast: {}",
            skipped.into_iter().collect::<Vec<_>>().join("; ")
        ));
    }
    if let Some(g) = forecasts
        .iter()
        .filter(|f| ENGINE_METHODS.contains(&f.method.as_str()) && f.forecast > 0.0)
        .max_by(|a, b| {
            let gap = |f: &Forecast| (f.median / f.forecast - 1.0).abs();
            gap(a).total_cmp(&gap(b))
        })
    {
        notes.push(format!(
            "the engine's Monte Carlo medians lie within {:.1}% of its point forecasts (largest gap: {} from {}, {} {}: point {:.1}, median {:.1})",
            100.0 * (g.median / g.forecast - 1.0).abs(),
            g.method,
            g.origin,
            g.period,
            g.band,
            g.forecast,
            g.median
        ));
    }
    let summary = summarize(&forecasts, &levels, false);
    let summary_by_band = summarize(&forecasts, &levels, true);
    let mut b = Backtest {
        dataset: ds.name.clone(),
        options: o.clone(),
        levels: levels.clone(),
        origins,
        forecasts,
        summary,
        summary_by_band,
        selection: Selection {
            datasets: vec![],
            levels: levels.clone(),
            ranking: vec![],
            by_dataset: vec![],
            default_method: String::new(),
            beats_naive: false,
            verdicts: vec![],
            rule: RULE.into(),
        },
        default_method: String::new(),
        notes,
    };
    b.selection = select(std::slice::from_ref(&b))?;
    b.default_method = b.selection.default_method.clone();
    Ok(b)
}

type TargetKey = (i32, String, String);

fn key(f: &Forecast) -> TargetKey {
    (f.origin, f.period.clone(), f.band.clone())
}

fn scaled_error(f: &Forecast) -> f64 {
    (f.forecast - f.actual).abs() / f.scale
}

/// Coverage and mean width at each level of the forecasts that have intervals.
fn coverage_width(fs: &[&Forecast], levels: &[f64]) -> (Vec<Option<f64>>, Vec<Option<f64>>) {
    let with: Vec<&&Forecast> = fs
        .iter()
        .filter(|f| f.lower.len() == levels.len() && !levels.is_empty())
        .collect();
    (0..levels.len())
        .map(|i| {
            if with.is_empty() {
                return (None, None);
            }
            let m = with.len() as f64;
            let inside = with
                .iter()
                .filter(|f| f.lower[i] <= f.actual && f.actual <= f.upper[i])
                .count() as f64;
            let w = with.iter().map(|f| f.upper[i] - f.lower[i]).sum::<f64>() / m;
            (Some(inside / m), Some(w))
        })
        .unzip()
}

/// Metrics of a group of forecasts; `naive`: the naive forecast of each figure.
fn metrics(
    method: &str,
    band: Option<String>,
    horizon: f64,
    fs: &[&Forecast],
    naive: &HashMap<TargetKey, &Forecast>,
    levels: &[f64],
) -> Metrics {
    let n = fs.len() as f64;
    let mae = fs
        .iter()
        .map(|f| (f.forecast - f.actual).abs())
        .sum::<f64>()
        / n;
    let bias = fs.iter().map(|f| f.forecast - f.actual).sum::<f64>() / n;
    let pos: Vec<f64> = fs
        .iter()
        .filter(|f| f.actual > 0.0)
        .map(|f| (f.forecast - f.actual).abs() / f.actual * 100.0)
        .collect();
    let mape = (!pos.is_empty()).then(|| pos.iter().sum::<f64>() / pos.len() as f64);
    let mase = fs.iter().map(|f| scaled_error(f)).sum::<f64>() / n;
    let mut own = 0.0;
    let mut base = 0.0;
    let mut complete = true;
    for f in fs {
        match naive.get(&key(f)) {
            Some(nv) => {
                own += scaled_error(f);
                base += scaled_error(nv);
            }
            None => complete = false,
        }
    }
    let rel_mae = (complete && base > 0.0).then(|| own / base);
    let (coverage, width) = coverage_width(fs, levels);
    Metrics {
        method: method.into(),
        band,
        horizon,
        n: fs.len(),
        mae,
        mape,
        bias,
        mase,
        rel_mae,
        coverage,
        width,
    }
}

/// Metrics per method and horizon (and band, with `by_band`): MAE, MAPE, bias, MASE,
/// the relative MAE against the naive forecasts among `forecasts`, and interval coverage
/// and width at each level. Methods come out in the order baselines, then engine
/// methods.
///
/// ```
/// use carecast::backtest::{Forecast, summarize};
/// let f = |method: &str, forecast: f64, actual: f64| Forecast {
///     method: method.into(), origin: 2020, horizon: 1.0, period: "2020/21".into(),
///     band: "all".into(), forecast, median: forecast, actual, lower: vec![], upper: vec![],
///     scale: 10.0,
/// };
/// let s = summarize(&[f("naive", 100.0, 110.0), f("held", 105.0, 110.0)], &[], false);
/// assert_eq!(s[1].method, "held");
/// assert_eq!((s[0].mase, s[1].mase), (1.0, 0.5));
/// assert_eq!(s[1].rel_mae, Some(0.5));
/// ```
pub fn summarize(forecasts: &[Forecast], levels: &[f64], by_band: bool) -> Vec<Metrics> {
    let naive: HashMap<TargetKey, &Forecast> = forecasts
        .iter()
        .filter(|f| f.method == "naive")
        .map(|f| (key(f), f))
        .collect();
    let mut groups: BTreeMap<(usize, String, Option<String>, u64), Vec<&Forecast>> =
        BTreeMap::new();
    for f in forecasts {
        let band = by_band.then(|| f.band.clone());
        groups
            .entry((
                method_rank(&f.method),
                f.method.clone(),
                band,
                f.horizon.to_bits(),
            ))
            .or_default()
            .push(f);
    }
    let mut out: Vec<Metrics> = groups
        .into_iter()
        .map(|((_, m, band, h), fs)| metrics(&m, band, f64::from_bits(h), &fs, &naive, levels))
        .collect();
    out.sort_by(|a, b| {
        (method_rank(&a.method), &a.band)
            .cmp(&(method_rank(&b.method), &b.band))
            .then(a.horizon.total_cmp(&b.horizon))
    });
    out
}

fn method_rank(m: &str) -> usize {
    BASELINES
        .iter()
        .chain(ENGINE_METHODS.iter())
        .position(|x| *x == m)
        .unwrap_or(usize::MAX)
}

/// The horizon year a figure `h` years ahead counts in: `ceil(h)` (0.25 to 1 is year 1).
fn horizon_year(h: f64) -> usize {
    h.ceil().max(1.0) as usize
}

/// A unit of the rule: (horizon year, origin, band).
type Unit = (usize, i32, String);
/// The scaled errors of a unit's figures: the method's and naive's.
type UnitErrors = (Vec<f64>, Vec<f64>);

/// One method's scores on one dataset, with the figures they rest on.
struct Scored<'a> {
    score: MethodScore,
    figures: Vec<&'a Forecast>,
    /// Naive's scaled errors summed over the same figures.
    naive_sum: f64,
}

/// The rule's scores of every method on one backtest: per horizon year, each
/// (origin, band) contributes the mean scaled error of its figures in that year; the
/// method's relative MAE in the year is the sum of these over naive's on the same
/// (origin, band)s; the score is the mean over the years. Only figures that naive and
/// every engine method forecast are used.
fn dataset_scores<'a>(
    b: &'a Backtest,
    methods: &[&str],
    levels: &[f64],
) -> (Vec<Scored<'a>>, Vec<usize>) {
    let mut by_target: HashMap<TargetKey, HashMap<&str, &Forecast>> = HashMap::new();
    for f in &b.forecasts {
        by_target
            .entry(key(f))
            .or_default()
            .insert(f.method.as_str(), f);
    }
    let mut targets: Vec<&HashMap<&str, &Forecast>> = by_target
        .values()
        .filter(|fs| fs.contains_key("naive") && ENGINE_METHODS.iter().all(|m| fs.contains_key(m)))
        .collect();
    targets.sort_by_key(|fs| key(fs["naive"]));
    let years: Vec<usize> = targets
        .iter()
        .map(|fs| horizon_year(fs["naive"].horizon))
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
    let mut out = Vec::new();
    for &m in methods {
        // (horizon year, origin, band) -> scaled errors of its figures, and naive's.
        let mut units: BTreeMap<Unit, UnitErrors> = BTreeMap::new();
        let mut figures = Vec::new();
        let (mut own, mut base, mut abs_own, mut abs_naive) = (0.0, 0.0, 0.0, 0.0);
        for fs in &targets {
            let (Some(f), nv) = (fs.get(m), fs["naive"]) else {
                continue;
            };
            let u = units
                .entry((horizon_year(nv.horizon), nv.origin, nv.band.clone()))
                .or_default();
            u.0.push(scaled_error(f));
            u.1.push(scaled_error(nv));
            own += scaled_error(f);
            base += scaled_error(nv);
            abs_own += (f.forecast - f.actual).abs();
            abs_naive += (nv.forecast - nv.actual).abs();
            figures.push(*f);
        }
        if figures.is_empty() {
            continue;
        }
        let mut per_year: BTreeMap<usize, (f64, f64)> = BTreeMap::new();
        for ((year, _, _), (o, n)) in &units {
            let y = per_year.entry(*year).or_default();
            y.0 += mean(o);
            y.1 += mean(n);
        }
        let by_year: Vec<Option<f64>> = years
            .iter()
            .map(|y| {
                per_year
                    .get(y)
                    .filter(|(_, n)| *n > 0.0)
                    .map(|(o, n)| o / n)
            })
            .collect();
        let given: Vec<f64> = by_year.iter().flatten().copied().collect();
        let n = figures.len() as f64;
        out.push(Scored {
            score: MethodScore {
                method: m.into(),
                n: figures.len(),
                score: (!given.is_empty()).then(|| mean(&given)),
                by_year,
                rel_mae: (base > 0.0).then(|| own / base),
                mae_ratio: (abs_naive > 0.0).then(|| abs_own / abs_naive),
                mase: own / n,
                mae: figures
                    .iter()
                    .map(|f| (f.forecast - f.actual).abs())
                    .sum::<f64>()
                    / n,
                coverage: coverage_width(&figures, levels).0,
            },
            figures,
            naive_sum: base,
        });
    }
    (out, years)
}

fn fmt_score(s: Option<f64>) -> String {
    s.map_or("none".into(), |v| format!("{v:.3}"))
}

fn fmt_coverage(levels: &[f64], c: &[Option<f64>]) -> String {
    levels
        .iter()
        .zip(c)
        .map(|(l, c)| match c {
            Some(v) => format!("{l}%: {v:.2}"),
            None => format!("{l}%: none"),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn years_ahead(y: usize) -> String {
    if y == 1 {
        "1 year ahead".into()
    } else {
        format!("{y} years ahead")
    }
}

/// The engine method with the lowest score, ties within [`TIE`] going to the simpler.
fn lowest<'a>(scores: impl Iterator<Item = (&'a str, f64)>) -> Option<(&'a str, f64)> {
    let engine: Vec<(&str, f64)> = scores.filter(|(m, _)| ENGINE_METHODS.contains(m)).collect();
    let min = engine.iter().map(|e| e.1).fold(f64::INFINITY, f64::min);
    // ENGINE_METHODS order is simplest first: the first within the tie wins.
    ENGINE_METHODS
        .iter()
        .filter_map(|m| engine.iter().find(|e| e.0 == *m))
        .find(|e| e.1 <= min + TIE)
        .copied()
}

/// The verdict on one dataset, in words: what beats naive, and where the best engine
/// method does not (by horizon year, and pooled over the figures).
fn dataset_verdict(d: &DatasetScores, levels: &[f64]) -> String {
    let name = &d.dataset;
    let head = if d.beating_naive.is_empty() {
        format!("{name}: nothing beats naive on {name}")
    } else if !d
        .beating_naive
        .iter()
        .any(|m| ENGINE_METHODS.contains(&m.as_str()))
    {
        format!(
            "{name}: no engine method beats naive on {name} (only {} does)",
            d.beating_naive.join(", ")
        )
    } else {
        let n = d.beating_naive.len();
        format!(
            "{name}: {} beat{} naive on {name}",
            d.beating_naive.join(" and "),
            if n == 1 { "s" } else { "" }
        )
    };
    let scores = d
        .methods
        .iter()
        .filter(|m| m.method != "naive")
        .map(|m| format!("{} {}", m.method, fmt_score(m.score)))
        .collect::<Vec<_>>()
        .join(", ");
    let mut out = format!("{head} (scores, naive = 1: {scores})");
    if let Some(best) = d.methods.iter().find(|m| m.method == d.best_engine) {
        let years = d
            .horizon_years
            .iter()
            .zip(&best.by_year)
            .map(|(y, v)| format!("{} {}", years_ahead(*y), fmt_score(*v)))
            .collect::<Vec<_>>()
            .join(", ");
        out.push_str(&format!(
            "; the best engine method, {}, by horizon year: {years}",
            d.best_engine
        ));
        let not: Vec<String> = d
            .horizon_years
            .iter()
            .zip(&best.by_year)
            .filter(|(_, v)| v.is_some_and(|v| v >= 1.0))
            .map(|(y, _)| years_ahead(*y))
            .collect();
        if !not.is_empty() {
            out.push_str(&format!(
                "; {} does not beat naive {}",
                d.best_engine,
                not.join(" or ")
            ));
        }
        let verdict = |r: f64| {
            if r >= 1.0 {
                ": by that measure it does not beat naive"
            } else {
                ""
            }
        };
        if let Some(r) = best.rel_mae {
            out.push_str(&format!(
                "; pooled over its {} figures (every figure weighing the same) its relative MAE is {r:.3}{}",
                best.n,
                verdict(r)
            ));
        }
        if let Some(r) = best.mae_ratio {
            out.push_str(&format!(
                "; its plain MAE over naive's (unscaled, so the series with the largest errors weigh most) is {r:.3}{}",
                verdict(r)
            ));
        }
        out.push_str(&format!(
            "; its coverage {}",
            fmt_coverage(levels, &best.coverage)
        ));
    }
    out
}

/// Applies the default-method rule ([`RULE`]) to one or more backtests (which must share
/// their interval levels).
pub fn select(backtests: &[Backtest]) -> Result<Selection> {
    let Some(first) = backtests.first() else {
        return Err(Error::argument(
            "backtests",
            0,
            "needs at least one backtest",
        ));
    };
    let levels = first.levels.clone();
    if backtests.iter().any(|b| b.levels != levels) {
        return Err(Error::argument(
            "backtests",
            backtests.len(),
            "all backtests must use the same interval levels",
        ));
    }
    let methods: Vec<&str> = BASELINES
        .iter()
        .chain(ENGINE_METHODS.iter())
        .copied()
        .collect();
    let per: Vec<(Vec<Scored>, Vec<usize>)> = backtests
        .iter()
        .map(|b| dataset_scores(b, &methods, &levels))
        .collect();
    let mut ranking = Vec::new();
    for m in &methods {
        let found: Vec<Option<&Scored>> = per
            .iter()
            .map(|(d, _)| d.iter().find(|s| s.score.method == *m))
            .collect();
        let figs: Vec<&Forecast> = found
            .iter()
            .flatten()
            .flat_map(|s| s.figures.iter().copied())
            .collect();
        if figs.is_empty() {
            continue;
        }
        let scores: Vec<Option<f64>> = found
            .iter()
            .map(|s| s.and_then(|s| s.score.score))
            .collect();
        let given: Vec<f64> = scores.iter().flatten().copied().collect();
        let n = figs.len() as f64;
        let own: f64 = figs.iter().map(|f| scaled_error(f)).sum();
        let base: f64 = found.iter().flatten().map(|s| s.naive_sum).sum();
        ranking.push(Ranking {
            method: (*m).into(),
            n: figs.len(),
            score: (!given.is_empty()).then(|| given.iter().sum::<f64>() / given.len() as f64),
            dataset_scores: scores,
            rel_mae: (base > 0.0).then(|| own / base),
            mase: own / n,
            mae: figs
                .iter()
                .map(|f| (f.forecast - f.actual).abs())
                .sum::<f64>()
                / n,
            coverage: coverage_width(&figs, &levels).0,
        });
    }
    let Some((default, best_score)) = lowest(
        ranking
            .iter()
            .filter_map(|r| r.score.map(|s| (r.method.as_str(), s))),
    )
    .map(|(m, s)| (m.to_string(), s)) else {
        return Err(Error::model(
            "no published figure was forecast by naive and every engine method: cannot choose a default",
        ));
    };
    let mut verdicts = Vec::new();
    let mut by_dataset = Vec::new();
    for (b, (d, years)) in backtests.iter().zip(&per) {
        let scored = || {
            d.iter()
                .filter_map(|s| s.score.score.map(|v| (s.score.method.as_str(), v)))
        };
        let Some((best, best_score)) = lowest(scored()) else {
            verdicts.push(format!(
                "{}: no figure forecast by naive and every engine method; not scored",
                b.dataset
            ));
            continue;
        };
        let ds = DatasetScores {
            dataset: b.dataset.clone(),
            horizon_years: years.clone(),
            methods: d.iter().map(|s| s.score.clone()).collect(),
            best_engine: best.into(),
            best_score,
            beating_naive: scored()
                .filter(|(m, v)| *m != "naive" && *v < 1.0)
                .map(|(m, _)| m.to_string())
                .collect(),
        };
        verdicts.push(dataset_verdict(&ds, &levels));
        by_dataset.push(ds);
    }
    let beats_naive = best_score < 1.0;
    let chosen = ranking
        .iter()
        .find(|r| r.method == default)
        .map(|r| {
            format!(
                "(scores {}; coverage {})",
                backtests
                    .iter()
                    .zip(&r.dataset_scores)
                    .map(|(b, s)| format!("{} {}", b.dataset, fmt_score(*s)))
                    .collect::<Vec<_>>()
                    .join(", "),
                fmt_coverage(&levels, &r.coverage)
            )
        })
        .unwrap_or_default();
    let over = if backtests.len() > 1 {
        format!(
            "over {} (each weighing the same)",
            backtests
                .iter()
                .map(|b| b.dataset.as_str())
                .collect::<Vec<_>>()
                .join(" and ")
        )
    } else {
        format!("on {}", first.dataset)
    };
    let drift = ranking
        .iter()
        .find(|r| r.method == "drift")
        .and_then(|r| r.score)
        .filter(|&s| s < 1.0);
    verdicts.push(match (beats_naive, drift) {
        (true, _) => {
            format!("default {over}: {default}, score {best_score:.3}, beats naive {chosen}")
        }
        (false, None) => format!(
            "default {over}: {default}, score {best_score:.3}: nothing beats naive {over}; {default} is only the engine method closest to it {chosen}"
        ),
        (false, Some(d)) => format!(
            "default {over}: {default}, score {best_score:.3}: no engine method beats naive {over} (drift does, {d:.3}); {default} is only the engine method closest to it {chosen}"
        ),
    });
    Ok(Selection {
        datasets: backtests.iter().map(|b| b.dataset.clone()).collect(),
        levels,
        ranking,
        by_dataset,
        default_method: default,
        beats_naive,
        verdicts,
        rule: RULE.into(),
    })
}
