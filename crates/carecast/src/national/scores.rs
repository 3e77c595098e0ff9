//! Calibration, cross-validated intervals and pooled scores of the forecasts.

use super::*;

/// Probabilities stored in a calibration: the bounds of 80% and 95% intervals and the
/// median.
pub const CALIBRATION_PROBS: [f64; 5] = [0.025, 0.1, 0.5, 0.9, 0.975];

/// The forecasts' indices grouped by method, series and horizon (groups in that order).
pub(super) fn groups_of(forecasts: &[Forecast]) -> Vec<Vec<usize>> {
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
pub(super) fn calibrate(forecasts: &[Forecast], leave_out: Option<i32>) -> Vec<Calibration> {
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
pub(super) type LeftOut = (Vec<usize>, Vec<(f64, f64)>);

/// Fills each forecast's calibrated interval from the log errors of the other origins
/// (same method, series and horizon).
pub(super) fn cross_validate(forecasts: &mut [Forecast], levels: &[f64]) {
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

pub(super) fn ape(f: &Forecast) -> Option<f64> {
    (f.actual > 0.0).then(|| 100.0 * (f.forecast - f.actual).abs() / f.actual)
}

pub(super) fn pe(f: &Forecast) -> Option<f64> {
    (f.actual > 0.0).then(|| 100.0 * (f.forecast - f.actual) / f.actual)
}

pub(super) fn mean(v: impl Iterator<Item = f64>) -> f64 {
    let (s, n) = v.fold((0.0, 0usize), |(s, n), x| (s + x, n + 1));
    if n == 0 { f64::NAN } else { s / n as f64 }
}

pub(super) fn cover(fs: &[&Forecast], i: usize, mc: bool) -> (f64, f64) {
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
pub(super) fn splitmix(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

pub(super) type Key<'a> = (&'a str, usize, &'static str);

pub(super) fn score(forecasts: &[Forecast], levels: &[f64], boots: usize, seed: u64) -> Vec<Score> {
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

pub(super) fn council_scores(forecasts: &[Forecast], levels: &[f64]) -> Vec<CouncilScore> {
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
