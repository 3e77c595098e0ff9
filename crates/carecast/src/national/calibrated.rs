//! Calibrated intervals of the default method and the small helpers of the error scale.

use super::*;

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

/// Log-error quantiles (at [`CALIBRATION_PROBS`]) of the regional default's forecasts
/// of the total ([`REGIONAL_METHOD`], the default of a council of the DfE panel), by
/// horizon 1 to 5, from the same national backtest. Produced by `cargo run --release -p
/// carecast --example national_backtest -- --paths-method anchored_revert_reg
/// --calibration FILE`.
pub const REGIONAL_TOTAL_QUANTILES: [[f64; 5]; 5] = [
    [-0.1331, -0.0819, 0.0052, 0.1054, 0.1590],
    [-0.1882, -0.1130, 0.0179, 0.1565, 0.2521],
    [-0.2011, -0.1119, 0.0324, 0.2203, 0.3234],
    [-0.2341, -0.1269, 0.0541, 0.2620, 0.4006],
    [-0.2422, -0.1365, 0.0578, 0.2813, 0.4606],
];

/// The same for the age bands (pooled over bands).
pub const REGIONAL_BAND_QUANTILES: [[f64; 5]; 5] = [
    [-0.3919, -0.2056, 0.0124, 0.2103, 0.3661],
    [-0.5522, -0.3063, 0.0183, 0.2964, 0.4469],
    [-0.5469, -0.3057, 0.0352, 0.3402, 0.5090],
    [-0.5812, -0.3094, 0.0429, 0.3701, 0.5442],
    [-0.5778, -0.3386, 0.0396, 0.3861, 0.5946],
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
/// [`DEFAULT_BAND_QUANTILES`] for bands; for a projection anchored with a reversion
/// towards the region's rate, the regional default's [`REGIONAL_TOTAL_QUANTILES`] and
/// [`REGIONAL_BAND_QUANTILES`]). Levels must be among 80 and 95 (the stored
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
    // Anchored with a reversion towards the region's rate: the regional default.
    let regional = matches!(
        p.assumptions.admissions,
        Admissions::Anchored { reversion, .. } if reversion != 0.0
    );
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
        let q = match (r.band == "all", regional) {
            (true, false) => DEFAULT_TOTAL_QUANTILES[hi],
            (false, false) => DEFAULT_BAND_QUANTILES[hi],
            (true, true) => REGIONAL_TOTAL_QUANTILES[hi],
            (false, true) => REGIONAL_BAND_QUANTILES[hi],
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

pub(super) fn log_error(forecast: f64, actual: f64) -> f64 {
    ((actual + LOG_OFFSET) / (forecast.max(0.0) + LOG_OFFSET)).ln()
}

/// Applies log-error quantiles to a point: `(forecast + 0.5) exp(q) - 0.5`, at least 0.
pub fn apply_quantile(forecast: f64, q: f64) -> f64 {
    ((forecast.max(0.0) + LOG_OFFSET) * q.exp() - LOG_OFFSET).max(0.0)
}

/// The year `k` years after `origin` (horizons are at most 10, checked by [`backtest`]).
pub(super) fn ahead(origin: i32, k: usize) -> i32 {
    origin.saturating_add(i32::try_from(k).unwrap_or(i32::MAX))
}

/// Linear-interpolation quantile of sorted values.
pub(super) fn quantile(sorted: &[f64], p: f64) -> f64 {
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
pub(super) fn bound_probs(levels: &[f64]) -> Vec<(f64, f64)> {
    levels
        .iter()
        .map(|l| ((1.0 - l / 100.0) / 2.0, (1.0 + l / 100.0) / 2.0))
        .collect()
}
