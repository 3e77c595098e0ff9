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
//!
//! The work is split by stage, in the folder beside this file: the published figures and
//! targets (`actuals.rs`), the metrics (`metrics.rs`), the default-method rule
//! (`selection.rs`), its verdicts in words (`verdict.rs`) and the types (`types.rs`).
//! This file runs the backtest; every public item is re-exported here, under
//! `carecast::backtest`.

mod actuals;
mod metrics;
mod selection;
mod types;
mod verdict;

use std::collections::{BTreeSet, HashMap};

pub use metrics::summarize;
pub use selection::select;
pub use types::{
    BASELINES, Backtest, BacktestOptions, DEFAULT_BACKTEST_SAMPLES, DatasetScores, ENGINE_METHODS,
    Forecast, MEAN_YEARS, MIN_SCALE, MethodScore, Metrics, RULE, Ranking, Selection, TIE,
};

use crate::model::{Admissions, CohortModel, History, MAX_HORIZON, ProjectionOptions};
use crate::stochastic::{StochasticOptions, check_levels, check_samples};
use crate::{Dataset, Error, FinancialYear, Result};
use actuals::{Actuals, Target, actuals, horizon_years, interval, targets_of};

/// Runs a rolling-origin backtest of a dataset (see the module documentation).
///
/// # Errors
///
/// [`Error::InvalidArgument`] for a number of paths outside 1 to
/// [`MAX_SAMPLES`](crate::stochastic::MAX_SAMPLES), bad interval levels (see
/// [`check_levels`]), or a horizon of 0 or beyond the furthest published figure;
/// [`Error::Model`] when the dataset has no published figure after any observed year;
/// and any error of reading the dataset's history, fitting or simulating at an origin.
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
    let origins = origins_of(ds, &history, &act, o.horizon)?;
    push_method_notes(&mut notes, &origins, o);
    let mut forecasts = Vec::new();
    let mut skipped = BTreeSet::new();
    for &origin in &origins {
        let run = OriginRun {
            origin,
            targets: targets_of(&act, origin, o.horizon),
            act: &act,
            history: &history,
            levels: &levels,
            o,
        };
        if run.targets.is_empty() {
            continue;
        }
        run.baselines(&mut forecasts);
        run.engine(&mut forecasts, &mut skipped)?;
    }
    if !skipped.is_empty() {
        notes.push(format!(
            "not forecast: {}",
            skipped.into_iter().collect::<Vec<_>>().join("; ")
        ));
    }
    if let Some(note) = median_note(&forecasts) {
        notes.push(note);
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

/// The origins: every observed year after which a published figure exists; checks that
/// there is one and that the horizon asked for reaches no further than the data.
fn origins_of(
    ds: &Dataset,
    history: &History,
    act: &Actuals,
    horizon: Option<usize>,
) -> Result<Vec<i32>> {
    let origins: Vec<i32> = history
        .years
        .iter()
        .map(FinancialYear::end_year)
        .filter(|&y| !targets_of(act, y, None).is_empty())
        .collect();
    if origins.is_empty() {
        return Err(Error::model(format!(
            "{}: no published figure after any observed year to backtest against",
            ds.name
        )));
    }
    let longest = origins
        .iter()
        .flat_map(|&y| targets_of(act, y, None))
        .map(|t| t.horizon)
        .fold(0.0, f64::max);
    if let Some(h) = horizon
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
    Ok(origins)
}

/// The notes on what was backtested and how.
fn push_method_notes(notes: &mut Vec<String>, origins: &[i32], o: &BacktestOptions) {
    notes.push(format!(
        "origins: every observed year after which a published figure exists ({}); each origin fits the model on the years up to it only",
        origins.iter().map(i32::to_string).collect::<Vec<_>>().join(", ")
    ));
    notes.push("`rate` admissions (per 10,000 children x a population projection) are not backtested: the bundled data have no child-population series by year".into());
    notes.push(format!("engine methods use discharge rates `last`; `mean` averages the last {MEAN_YEARS} years (fewer when fewer are observed); engine intervals from {} Monte Carlo paths (seed {}); naive intervals: a random walk with the standard deviation of the one-year changes up to the origin and Student-t quantiles; drift intervals: the same around the drift with sd * sqrt(h (1 + h / n)), needing two changes", o.samples, o.seed));
    notes.push("the point forecast scored (`forecast`) is each engine method's deterministic projection, the projection at the estimated rates; its interval is the central interval of that method's Monte Carlo paths, whose median is reported beside it (`median`) but not scored".into());
    notes.push(format!("mase: mean of |forecast - actual| / scale, scale = the mean absolute one-year change of the published series up to the origin (at least {MIN_SCALE} child); rel_mae: a method's scaled errors summed over naive's on the same figures (naive = 1)"));
}

/// The note on how far the engine's Monte Carlo medians lie from its point forecasts.
fn median_note(forecasts: &[Forecast]) -> Option<String> {
    let g = forecasts
        .iter()
        .filter(|f| ENGINE_METHODS.contains(&f.method.as_str()) && f.forecast > 0.0)
        .max_by(|a, b| {
            let gap = |f: &Forecast| (f.median / f.forecast - 1.0).abs();
            gap(a).total_cmp(&gap(b))
        })?;
    Some(format!(
        "the engine's Monte Carlo medians lie within {:.1}% of its point forecasts (largest gap: {} from {}, {} {}: point {:.1}, median {:.1})",
        100.0 * (g.median / g.forecast - 1.0).abs(),
        g.method,
        g.origin,
        g.period,
        g.band,
        g.forecast,
        g.median
    ))
}

/// What the forecasts from one origin share.
struct OriginRun<'a> {
    origin: i32,
    targets: Vec<Target>,
    act: &'a Actuals,
    history: &'a History,
    levels: &'a [f64],
    o: &'a BacktestOptions,
}

impl OriginRun<'_> {
    /// The baselines (naive and drift), from the published series up to the origin.
    fn baselines(&self, forecasts: &mut Vec<Forecast>) {
        let (origin, levels) = (self.origin, self.levels);
        let act = self.act;
        for t in &self.targets {
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
                    interval(last, sd * h.sqrt(), n, levels)
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
                        interval(f, (var * h * (1.0 + h / n)).sqrt(), n - 1.0, levels)
                    })
                    .flatten();
                forecasts.push(mk("drift", f, iv));
            }
        }
    }

    /// The engine's forecasts under each of [`ENGINE_METHODS`], fitted on the years up to
    /// the origin; a method that cannot run there is named in `skipped`.
    fn engine(&self, forecasts: &mut Vec<Forecast>, skipped: &mut BTreeSet<String>) -> Result<()> {
        let (origin, targets, history, o) = (self.origin, &self.targets, self.history, self.o);
        let levels = self.levels.to_vec();
        // The engine, fitted on the years up to the origin.
        let model = CohortModel::fit_history(history.up_to(origin)?)?;
        let n_obs = model.history.flows.len();
        let years = horizon_years(targets.iter().map(|t| t.horizon).fold(0.0, f64::max))
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
            for t in targets {
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
        Ok(())
    }
}
