//! The findings in words: one verdict per dataset and one for the choice of default.

use super::types::{DatasetScores, ENGINE_METHODS};

pub(super) fn fmt_score(s: Option<f64>) -> String {
    s.map_or("none".into(), |v| format!("{v:.3}"))
}

pub(super) fn fmt_coverage(levels: &[f64], c: &[Option<f64>]) -> String {
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

/// The verdict on one dataset, in words: what beats naive, and where the best engine
/// method does not (by horizon year, and pooled over the figures).
pub(super) fn dataset_verdict(d: &DatasetScores, levels: &[f64]) -> String {
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
