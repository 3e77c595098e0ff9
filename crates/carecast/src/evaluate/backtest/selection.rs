//! The rule that picks the default method ([`RULE`](super::RULE)): per-dataset scores
//! against naive, the ranking over datasets and the choice ([`select`]).

use std::collections::{BTreeMap, BTreeSet, HashMap};

use super::actuals::horizon_years;
use super::metrics::{TargetKey, coverage_width, key, scaled_error};
use super::types::{
    BASELINES, Backtest, DatasetScores, ENGINE_METHODS, Forecast, MethodScore, RULE, Ranking,
    Selection, TIE,
};
use super::verdict::{dataset_verdict, fmt_coverage, fmt_score};
use crate::{Error, Result};

/// The horizon year a figure `h` years ahead counts in: `ceil(h)` (0.25 to 1 is year 1).
fn horizon_year(h: f64) -> usize {
    horizon_years(h).max(1)
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

/// Applies the default-method rule ([`RULE`]) to one or more backtests (which must share
/// their interval levels).
///
/// # Errors
///
/// [`Error::InvalidArgument`] naming `backtests` when there is none or their interval
/// levels differ; [`Error::Model`] when no published figure was forecast by naive and
/// every engine method, so that no default can be chosen.
///
/// ```
/// use carecast::backtest::{BacktestOptions, backtest, select};
/// use carecast::Dataset;
/// let mut o = BacktestOptions::new();
/// o.samples = 50;
/// let b = backtest(&Dataset::bundled("derbyshire").unwrap(), &o).unwrap();
/// let s = select(&[b.clone()]).unwrap();
/// assert_eq!(s.default_method, b.default_method);
/// let naive = s.ranking.iter().find(|r| r.method == "naive").unwrap();
/// assert_eq!(naive.score, Some(1.0));
/// assert!(select(&[]).is_err());
/// ```
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
    let ranking = ranking(&methods, &per, &levels);
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
    let (mut verdicts, by_dataset) = by_dataset(backtests, &per, &levels);
    let beats_naive = best_score < 1.0;
    verdicts.push(default_verdict(
        backtests, &ranking, &levels, &default, best_score,
    ));
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

/// Every method's score over the datasets, pooled as the rule says.
fn ranking(methods: &[&str], per: &[(Vec<Scored>, Vec<usize>)], levels: &[f64]) -> Vec<Ranking> {
    let mut ranking = Vec::new();
    for m in methods {
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
            coverage: coverage_width(&figs, levels).0,
        });
    }
    ranking
}

/// Per dataset: its scores, best engine method and what beats naive, with its verdict
/// (or a verdict saying it could not be scored).
fn by_dataset(
    backtests: &[Backtest],
    per: &[(Vec<Scored>, Vec<usize>)],
    levels: &[f64],
) -> (Vec<String>, Vec<DatasetScores>) {
    let mut verdicts = Vec::new();
    let mut by_dataset = Vec::new();
    for (b, (d, years)) in backtests.iter().zip(per) {
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
        verdicts.push(dataset_verdict(&ds, levels));
        by_dataset.push(ds);
    }
    (verdicts, by_dataset)
}

/// The verdict on the choice: the default, its score, and whether anything beats naive.
fn default_verdict(
    backtests: &[Backtest],
    ranking: &[Ranking],
    levels: &[f64],
    default: &str,
    best_score: f64,
) -> String {
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
                fmt_coverage(levels, &r.coverage)
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
        backtests
            .first()
            .map_or_else(String::new, |b| format!("on {}", b.dataset))
    };
    let drift = ranking
        .iter()
        .find(|r| r.method == "drift")
        .and_then(|r| r.score)
        .filter(|&s| s < 1.0);
    match (beats_naive, drift) {
        (true, _) => {
            format!("default {over}: {default}, score {best_score:.3}, beats naive {chosen}")
        }
        (false, None) => format!(
            "default {over}: {default}, score {best_score:.3}: nothing beats naive {over}; {default} is only the engine method closest to it {chosen}"
        ),
        (false, Some(d)) => format!(
            "default {over}: {default}, score {best_score:.3}: no engine method beats naive {over} (drift does, {d:.3}); {default} is only the engine method closest to it {chosen}"
        ),
    }
}
