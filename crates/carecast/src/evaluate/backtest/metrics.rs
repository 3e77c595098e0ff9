//! Accuracy of forecasts: errors, scaled errors, interval coverage and width, and the
//! metrics per method and horizon ([`summarize`]).

use std::collections::{BTreeMap, HashMap};

use super::types::{BASELINES, ENGINE_METHODS, Forecast, Metrics};

pub(super) type TargetKey = (i32, String, String);

pub(super) fn key(f: &Forecast) -> TargetKey {
    (f.origin, f.period.clone(), f.band.clone())
}

pub(super) fn scaled_error(f: &Forecast) -> f64 {
    (f.forecast - f.actual).abs() / f.scale
}

/// Coverage and mean width at each level of the forecasts that have intervals.
pub(super) fn coverage_width(
    fs: &[&Forecast],
    levels: &[f64],
) -> (Vec<Option<f64>>, Vec<Option<f64>>) {
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
