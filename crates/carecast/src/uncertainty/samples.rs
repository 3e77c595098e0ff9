//! The paths' values and their summaries: keys, [`Samples`], quantiles and the interval
//! projection ([`IntervalProjection`]).

use ndarray::Array2;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::limits::{check_levels, check_values};
use super::options::Uncertainty;
use super::sampling::whole;
use crate::model::{Assumptions, Row};
use crate::{Error, Result};

/// The key of one projected value (a [`Row`] without its value).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct RowKey {
    /// Financial year.
    pub year: String,
    /// Period within it.
    pub period: String,
    /// Band label.
    pub band: String,
    /// Measure.
    pub measure: String,
}

impl RowKey {
    pub(super) fn of(r: &Row) -> Self {
        RowKey {
            year: r.year.clone(),
            period: r.period.clone(),
            band: r.band.clone(),
            measure: r.measure.clone(),
        }
    }

    fn row(&self, value: f64) -> Row {
        Row {
            year: self.year.clone(),
            period: self.period.clone(),
            band: self.band.clone(),
            measure: self.measure.clone(),
            value,
        }
    }
}

/// Monte Carlo paths of a projection: one row per path, one column per projected value,
/// in the order of the deterministic projection's rows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Samples {
    /// The projected values' keys.
    pub keys: Vec<RowKey>,
    /// Paths x keys.
    pub values: Array2<f64>,
    /// The deterministic projection's value of each key.
    pub deterministic: Vec<f64>,
    /// The assumptions of the deterministic projection.
    pub assumptions: Assumptions,
    /// What the paths drew from.
    pub uncertainty: Uncertainty,
}

/// One projected value with its Monte Carlo summary.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IntervalRow {
    /// Financial year.
    pub year: String,
    /// Period within it.
    pub period: String,
    /// Band label.
    pub band: String,
    /// Measure.
    pub measure: String,
    /// The deterministic projection's value.
    pub value: f64,
    /// Mean over paths.
    pub mean: f64,
    /// Median over paths.
    pub median: f64,
    /// Lower bound of each level's central interval (quantile `(1 - L/100) / 2`).
    pub lower: Vec<f64>,
    /// Upper bound of each level's central interval (quantile `(1 + L/100) / 2`).
    pub upper: Vec<f64>,
}

/// A projection with prediction intervals.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IntervalProjection {
    /// Interval levels in percent, ascending.
    pub levels: Vec<f64>,
    /// The rows.
    pub rows: Vec<IntervalRow>,
    /// The assumptions of the deterministic projection.
    pub assumptions: Assumptions,
    /// What the paths drew from.
    pub uncertainty: Uncertainty,
}

/// Linear interpolation between order statistics (type 7, the default of R and numpy) of
/// sorted `v` (not empty) at `p` in [0, 1]. The reference [`quantiles_of`] is checked
/// against.
#[cfg(test)]
fn quantile_sorted(v: &[f64], p: f64) -> f64 {
    let h = (v.len() - 1) as f64 * p;
    let lo = whole(h);
    let hi = (lo + 1).min(v.len() - 1);
    v[lo] + (h - lo as f64) * (v[hi] - v[lo])
}

/// Type-7 quantiles of `v` (not empty) at each of `probs` (in [0, 1]), in their order:
/// linear interpolation between the order statistics around `(n - 1) p`. The same
/// figures, to the bit, as sorting `v` and interpolating, but each order statistic is
/// found by selection (`select_nth_unstable_by`) in the part of `v` above the last one
/// found, so `v` is never sorted whole. `v` is reordered.
///
/// Hand-written rather than `statrs`: its `quantile` is type 8 (other intervals than
/// numpy's), and type 7 from its `order_statistic` (an in-place selection per order
/// statistic, over the whole sample each time) was slower than one sort of each key's
/// paths: about 100 ms against 70 ms per summary of the criterion bench "derbyshire
/// summary of 10000 paths x 10 years (80, 95)" (450 keys, five quantiles) on one thread at
/// a load of about 12 on 2 cores. Selecting upward from the last order statistic is
/// quicker than the sort (figures in `benches/stochastic.rs`).
fn quantiles_of(v: &mut [f64], probs: &[f64]) -> Vec<f64> {
    let n = v.len();
    let mut order: Vec<usize> = (0..probs.len()).collect();
    order.sort_by(|&a, &b| probs[a].total_cmp(&probs[b]));
    let mut out = vec![0.0; probs.len()];
    // `v[..start]` holds the `start` smallest values; the last rank selected is
    // `start - 1` and stays in place (later selections only reorder `v[start..]`).
    let mut start = 0;
    let mut rank = |v: &mut [f64], r: usize| -> f64 {
        if r >= start {
            v[start..].select_nth_unstable_by(r - start, f64::total_cmp);
            start = r + 1;
        }
        v[r]
    };
    for i in order {
        let h = (n - 1) as f64 * probs[i];
        let lo = whole(h).min(n - 1);
        let hi = (lo + 1).min(n - 1);
        let (a, b) = (rank(v, lo), rank(v, hi));
        out[i] = a + (h - lo as f64) * (b - a);
    }
    out
}

/// Keys whose paths are gathered together for their quantiles: eight values of a path
/// row share a cache line.
const KEY_BLOCK: usize = 8;

impl Samples {
    /// Number of paths.
    #[must_use]
    pub fn paths(&self) -> usize {
        self.values.nrows()
    }

    /// Quantiles (probabilities in [0, 1]) of every key: probabilities x keys. A quantile
    /// interpolates linearly between the order statistics around `(n - 1) p` (Hyndman and
    /// Fan's type 7, the default of R and numpy), so 0 gives the smallest path and 1 the
    /// largest.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] naming `probs` for a probability outside [0, 1], or
    /// naming `samples` when there are no paths (a deserialised value).
    ///
    /// ```
    /// use approx::assert_relative_eq;
    /// use carecast::{CohortModel, Dataset, ProjectionOptions, StochasticOptions};
    /// let m = CohortModel::fit(&Dataset::bundled("derbyshire").unwrap()).unwrap();
    /// let s = m.simulate(&ProjectionOptions::new(2017, 2), &StochasticOptions::new(20, 3)).unwrap();
    /// let q = s.quantiles(&[0.0, 0.5, 1.0]).unwrap();
    /// let mut col = s.values.column(0).to_vec();
    /// col.sort_by(f64::total_cmp);
    /// assert_eq!((q[[0, 0]], q[[2, 0]]), (col[0], col[19]));
    /// // 20 paths: the median is halfway between the 10th and 11th.
    /// assert_relative_eq!(q[[1, 0]], (col[9] + col[10]) / 2.0);
    /// assert!(s.quantiles(&[1.5]).is_err());
    /// ```
    pub fn quantiles(&self, probs: &[f64]) -> Result<Array2<f64>> {
        for &p in probs {
            if !(0.0..=1.0).contains(&p) {
                return Err(Error::argument(
                    "probs",
                    p,
                    "a probability must be in [0, 1]",
                ));
            }
        }
        let nk = self.keys.len();
        let mut out = Array2::zeros((probs.len(), nk));
        if self.paths() == 0 {
            return Err(Error::argument(
                "samples",
                0,
                "there are no paths to take quantiles of",
            ));
        }
        // Blocks of keys in parallel: each block's columns gathered in one pass over the
        // paths (a path's values of the block are adjacent), then one column of
        // quantiles per key.
        let blocks: Vec<Vec<Vec<f64>>> = (0..nk.div_ceil(KEY_BLOCK))
            .into_par_iter()
            .map(|blk| {
                let keys = blk * KEY_BLOCK..((blk + 1) * KEY_BLOCK).min(nk);
                let mut cols = vec![Vec::with_capacity(self.paths()); keys.len()];
                for row in self.values.rows() {
                    for (col, j) in cols.iter_mut().zip(keys.clone()) {
                        col.push(row[j]);
                    }
                }
                cols.iter_mut()
                    .map(|col| quantiles_of(col, probs))
                    .collect()
            })
            .collect();
        for (j, col) in blocks.iter().flatten().enumerate() {
            for (i, &q) in col.iter().enumerate() {
                out[[i, j]] = q;
            }
        }
        Ok(out)
    }

    /// Mean, median and central intervals at `levels` (percent) of every key: the level
    /// `L` interval runs from the quantile `(1 - L/100) / 2` to `(1 + L/100) / 2` (see
    /// [`Samples::quantiles`]).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] naming `levels` for levels refused by
    /// [`check_levels`](super::check_levels).
    ///
    /// ```
    /// use approx::assert_relative_eq;
    /// use carecast::{CohortModel, Dataset, ProjectionOptions, StochasticOptions};
    /// let m = CohortModel::fit(&Dataset::bundled("derbyshire").unwrap()).unwrap();
    /// let s = m.simulate(&ProjectionOptions::new(2017, 2), &StochasticOptions::new(20, 3)).unwrap();
    /// let iv = s.summary(&[90.0]).unwrap();
    /// let q = s.quantiles(&[0.05, 0.5, 0.95]).unwrap();
    /// let r = &iv.rows[0];
    /// assert_eq!((r.lower[0], r.median, r.upper[0]), (q[[0, 0]], q[[1, 0]], q[[2, 0]]));
    /// assert_relative_eq!(r.mean, s.values.column(0).sum() / 20.0, max_relative = 1e-12);
    /// assert!(s.summary(&[]).is_err());
    /// ```
    pub fn summary(&self, levels: &[f64]) -> Result<IntervalProjection> {
        let levels = check_levels(levels)?;
        let mut probs = vec![0.5];
        for l in &levels {
            probs.push((1.0 - l / 100.0) / 2.0);
            probs.push((1.0 + l / 100.0) / 2.0);
        }
        let q = self.quantiles(&probs)?;
        let n = self.paths() as f64;
        // Each key's mean, keys in parallel (each sum in path order, as before).
        let means: Vec<f64> = (0..self.keys.len())
            .into_par_iter()
            .map(|j| self.values.column(j).sum() / n)
            .collect();
        let rows = self
            .keys
            .iter()
            .enumerate()
            .map(|(j, k)| IntervalRow {
                year: k.year.clone(),
                period: k.period.clone(),
                band: k.band.clone(),
                measure: k.measure.clone(),
                value: self.deterministic[j],
                mean: means[j],
                median: q[[0, j]],
                lower: (0..levels.len()).map(|i| q[[1 + 2 * i, j]]).collect(),
                upper: (0..levels.len()).map(|i| q[[2 + 2 * i, j]]).collect(),
            })
            .collect();
        Ok(IntervalProjection {
            levels,
            rows,
            assumptions: self.assumptions.clone(),
            uncertainty: self.uncertainty.clone(),
        })
    }

    /// The rows of path `i` (none if out of range).
    pub fn path_rows(&self, i: usize) -> Option<Vec<Row>> {
        (i < self.paths()).then(|| {
            self.keys
                .iter()
                .zip(self.values.row(i))
                .map(|(k, &v)| k.row(v))
                .collect()
        })
    }

    /// Applies a row-to-row function to every path (and to the deterministic rows), in
    /// parallel: how quantities derived from a projection (placements, spend) get
    /// intervals. `f` must return the same keys, in the same order, for every path.
    ///
    /// # Errors
    ///
    /// Any error of `f`; [`Error::Model`] naming the path when `f` returns other rows than
    /// for the deterministic projection or a non-finite value; and
    /// [`Error::InvalidArgument`] naming `samples` when the derived values would exceed
    /// [`MAX_VALUES`](super::MAX_VALUES).
    ///
    /// ```
    /// use carecast::{CohortModel, Dataset, ProjectionOptions};
    /// use carecast::model::Row;
    /// use carecast::stochastic::StochasticOptions;
    /// let m = CohortModel::fit(&Dataset::bundled("derbyshire").unwrap()).unwrap();
    /// let s = m.simulate(&ProjectionOptions::new(2017, 3), &StochasticOptions::new(50, 7)).unwrap();
    /// // A toy derived quantity: 40% of the children in care in foster care.
    /// let fostered = s.map_paths(|rows| Ok(rows.iter()
    ///     .filter(|r| r.measure == "stock" && r.band == "all")
    ///     .map(|r| Row { measure: "fostered".into(), value: 0.4 * r.value, ..r.clone() })
    ///     .collect())).unwrap();
    /// assert_eq!(fostered.keys.len(), 3);
    /// let stock_col = s.keys.iter().position(|k| k.measure == "stock" && k.band == "all").unwrap();
    /// assert!((fostered.values[[9, 0]] - 0.4 * s.values[[9, stock_col]]).abs() < 1e-9);
    /// ```
    pub fn map_paths<F>(&self, f: F) -> Result<Samples>
    where
        F: Fn(&[Row]) -> Result<Vec<Row>> + Sync,
    {
        let det_rows: Vec<Row> = self
            .keys
            .iter()
            .zip(&self.deterministic)
            .map(|(k, &v)| k.row(v))
            .collect();
        let det = f(&det_rows)?;
        let keys: Vec<RowKey> = det.iter().map(RowKey::of).collect();
        let nk = keys.len();
        // The mapped values are held beside the paths': they count against the limit too.
        check_values(self.paths(), nk)?;
        let mut buf = vec![0.0; self.paths() * nk];
        if nk > 0 {
            buf.par_chunks_mut(nk)
                .enumerate()
                .try_for_each(|(i, out)| -> Result<()> {
                    let rows: Vec<Row> = self
                        .keys
                        .iter()
                        .zip(self.values.row(i))
                        .map(|(k, &v)| k.row(v))
                        .collect();
                    let mapped = f(&rows)?;
                    if mapped.len() != nk
                        || mapped.iter().zip(&keys).any(|(r, k)| {
                            r.year != k.year
                                || r.period != k.period
                                || r.band != k.band
                                || r.measure != k.measure
                        })
                    {
                        return Err(Error::model(format!(
                            "map_paths: path {i} returned other rows than the deterministic projection ({} against {nk})",
                            mapped.len()
                        )));
                    }
                    for (o, r) in out.iter_mut().zip(&mapped) {
                        if !r.value.is_finite() {
                            return Err(Error::model(format!(
                                "map_paths: path {i} gave a non-finite {} for {} {}",
                                r.measure, r.band, r.period
                            )));
                        }
                        *o = r.value;
                    }
                    Ok(())
                })?;
        }
        let values = Array2::from_shape_vec((self.paths(), nk), buf)
            .map_err(|e| Error::model(format!("map_paths: {e}")))?;
        Ok(Samples {
            keys,
            values,
            deterministic: det.iter().map(|r| r.value).collect(),
            assumptions: self.assumptions.clone(),
            uncertainty: self.uncertainty.clone(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{RngExt, SeedableRng};
    use rand_xoshiro::Xoshiro256PlusPlus;

    /// Selection gives the sort's quantiles to the bit, with ties, few and many values,
    /// and probabilities in any order (0 and 1 included).
    #[test]
    fn selected_quantiles_equal_sorted_quantiles() {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(11);
        let probs = [0.5, 0.025, 0.975, 0.1, 0.9, 0.0, 1.0, 0.1, 0.333];
        for n in [1, 2, 3, 7, 20, 101, 1000, 10_000] {
            for ties in [false, true] {
                let v: Vec<f64> = (0..n)
                    .map(|_| {
                        let x: f64 = rng.random::<f64>() * 100.0;
                        if ties { x.floor() } else { x }
                    })
                    .collect();
                let mut sorted = v.clone();
                sorted.sort_unstable_by(f64::total_cmp);
                let want: Vec<u64> = probs
                    .iter()
                    .map(|&p| quantile_sorted(&sorted, p).to_bits())
                    .collect();
                let mut w = v.clone();
                let got: Vec<u64> = quantiles_of(&mut w, &probs)
                    .iter()
                    .map(|q| q.to_bits())
                    .collect();
                assert_eq!(got, want, "n = {n}, ties = {ties}");
            }
        }
    }
}
