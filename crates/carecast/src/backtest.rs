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
//! // The naive forecast's MASE is 1 by construction.
//! for m in b.summary.iter().filter(|m| m.method == "naive") {
//!     assert!((m.mase.unwrap() - 1.0).abs() < 1e-12);
//! }
//! assert!(["held", "mean", "trend"].contains(&b.default_method.as_str()));
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
    /// The point forecast (the engine's deterministic projection).
    pub forecast: f64,
    /// The published figure.
    pub actual: f64,
    /// Lower bounds at each level (empty: no interval).
    pub lower: Vec<f64>,
    /// Upper bounds at each level (empty: no interval).
    pub upper: Vec<f64>,
    /// MASE scale: the mean absolute one-year change of the series up to the origin
    /// (at least [`MIN_SCALE`]).
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
    /// Scaled absolute error relative to the naive forecast's on the same figures (naive
    /// = 1; below 1 beats naive).
    pub mase: Option<f64>,
    /// Share of published figures inside the interval, per level.
    pub coverage: Vec<Option<f64>>,
    /// Mean interval width, per level.
    pub width: Vec<Option<f64>>,
}

/// One method's score for choosing the default.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Ranking {
    /// Method.
    pub method: String,
    /// Figures compared (those every engine method and naive forecast).
    pub n: usize,
    /// Mean over (dataset, horizon) cells of the MASE.
    pub score: f64,
    /// Mean absolute error over the figures.
    pub mae: f64,
    /// Coverage per level over the figures (`None`: no intervals).
    pub coverage: Vec<Option<f64>>,
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
    /// The engine method with the lowest score (ties to the simpler).
    pub default_method: String,
    /// Whether its score is below naive's (1).
    pub beats_naive: bool,
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
pub const RULE: &str = "lowest score = mean over (dataset, horizon) cells of the MASE relative to naive, computed on the published figures that every engine method and naive forecast; scores within 0.01 are a tie, won by the simpler method (held, then mean, then trend); the default beats naive when its score is below 1";

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
        && (h as f64 - 1.0) >= longest
    {
        return Err(Error::argument(
            "horizon",
            h,
            format!(
                "beyond the data: the furthest published figure is {longest} years after an origin of {} (horizon at most {})",
                ds.name,
                longest.ceil()
            ),
        ));
    }
    notes.push(format!(
        "origins: every observed year after which a published figure exists ({}); each origin fits the model on the years up to it only",
        origins.iter().map(i32::to_string).collect::<Vec<_>>().join(", ")
    ));
    notes.push("`rate` admissions (per 10,000 children x a population projection) are not backtested: the bundled data have no child-population series by year".into());
    notes.push(format!("engine methods use discharge rates `last`; `mean` averages the last {MEAN_YEARS} years (fewer when fewer are observed); engine intervals from {} Monte Carlo paths (seed {}); naive intervals: a random walk with the standard deviation of the one-year changes up to the origin and Student-t quantiles; drift intervals: the same around the drift with sd * sqrt(h (1 + h / n)), needing two changes", o.samples, o.seed));
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
            po.output_bands = history.scheme.clone();
            po.grain = if quarterly { "quarter" } else { "year" }.into();
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
            default_method: String::new(),
            beats_naive: false,
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
/// A (dataset index, horizon bits) cell of the default rule.
type Cell = (usize, u64);

fn key(f: &Forecast) -> TargetKey {
    (f.origin, f.period.clone(), f.band.clone())
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
    let mut own = 0.0;
    let mut base = 0.0;
    let mut complete = true;
    for f in fs {
        match naive.get(&key(f)) {
            Some(nv) => {
                own += (f.forecast - f.actual).abs() / f.scale;
                base += (nv.forecast - nv.actual).abs() / nv.scale;
            }
            None => complete = false,
        }
    }
    let mase = if !complete {
        None
    } else if base > 0.0 {
        Some(own / base)
    } else if own == 0.0 {
        Some(1.0)
    } else {
        None
    };
    let with: Vec<&&Forecast> = fs
        .iter()
        .filter(|f| f.lower.len() == levels.len() && !levels.is_empty())
        .collect();
    let (coverage, width) = (0..levels.len())
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
        .unzip();
    Metrics {
        method: method.into(),
        band,
        horizon,
        n: fs.len(),
        mae,
        mape,
        bias,
        mase,
        coverage,
        width,
    }
}

/// Metrics per method and horizon (and band, with `by_band`): MAE, MAPE, bias, MASE
/// relative to the naive forecasts among `forecasts`, and interval coverage and width at
/// each level. Methods come out in the order baselines, then engine methods.
///
/// ```
/// use carecast::backtest::{Forecast, summarize};
/// let f = |method: &str, forecast: f64, actual: f64| Forecast {
///     method: method.into(), origin: 2020, horizon: 1.0, period: "2020/21".into(),
///     band: "all".into(), forecast, actual, lower: vec![], upper: vec![], scale: 10.0,
/// };
/// let s = summarize(&[f("naive", 100.0, 110.0), f("held", 105.0, 110.0)], &[], false);
/// assert_eq!(s[1].method, "held");
/// assert_eq!(s[1].mase, Some(0.5));
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
    // Per method: per (dataset, horizon) cell: (own scaled error, naive scaled error).
    let mut cells: BTreeMap<&str, BTreeMap<Cell, (f64, f64)>> = BTreeMap::new();
    let mut pooled: BTreeMap<&str, Vec<&Forecast>> = BTreeMap::new();
    for (d, b) in backtests.iter().enumerate() {
        let mut by_target: HashMap<TargetKey, HashMap<&str, &Forecast>> = HashMap::new();
        for f in &b.forecasts {
            by_target
                .entry(key(f))
                .or_default()
                .insert(f.method.as_str(), f);
        }
        for fs in by_target.values() {
            let Some(nv) = fs.get("naive") else { continue };
            if !ENGINE_METHODS.iter().all(|m| fs.contains_key(m)) {
                continue;
            }
            for m in &methods {
                if let Some(f) = fs.get(m) {
                    let c = cells
                        .entry(m)
                        .or_default()
                        .entry((d, f.horizon.to_bits()))
                        .or_insert((0.0, 0.0));
                    c.0 += (f.forecast - f.actual).abs() / f.scale;
                    c.1 += (nv.forecast - nv.actual).abs() / nv.scale;
                    pooled.entry(m).or_default().push(f);
                }
            }
        }
    }
    let mut ranking = Vec::new();
    for m in &methods {
        let (Some(c), Some(fs)) = (cells.get(m), pooled.get(m)) else {
            continue;
        };
        let scores: Vec<f64> = c
            .values()
            .map(|&(own, base)| {
                if base > 0.0 {
                    own / base
                } else if own == 0.0 {
                    1.0
                } else {
                    f64::INFINITY
                }
            })
            .collect();
        let all = metrics(m, None, 0.0, fs, &HashMap::new(), &levels);
        ranking.push(Ranking {
            method: (*m).into(),
            n: fs.len(),
            score: scores.iter().sum::<f64>() / scores.len() as f64,
            mae: all.mae,
            coverage: all.coverage,
        });
    }
    let engine: Vec<&Ranking> = ranking
        .iter()
        .filter(|r| ENGINE_METHODS.contains(&r.method.as_str()))
        .collect();
    let lowest = engine.iter().map(|r| r.score).fold(f64::INFINITY, f64::min);
    // The ranking lists engine methods simplest first: the first within the tie wins.
    let Some(best) = engine.into_iter().find(|r| r.score <= lowest + TIE) else {
        return Err(Error::model(
            "no published figure was forecast by every engine method: cannot choose a default",
        ));
    };
    Ok(Selection {
        datasets: backtests.iter().map(|b| b.dataset.clone()).collect(),
        levels,
        default_method: best.method.clone(),
        beats_naive: best.score < 1.0,
        ranking: ranking.clone(),
        rule: RULE.into(),
    })
}
