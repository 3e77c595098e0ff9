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
/// sorted `v` (not empty) at `p` in [0, 1].
///
/// Hand-written rather than `statrs`: its `quantile` is type 8 (other intervals than
/// numpy's), and type 7 from its `order_statistic` (an in-place selection per order
/// statistic) was slower than one sort of each key's paths. Measured with the criterion
/// bench "derbyshire summary of 10000 paths x 10 years (80, 95)" (450 keys, five
/// quantiles), one thread (`RAYON_NUM_THREADS=1`), CPU time (task-clock) of 56
/// iterations at a load of about 12 on 2 cores: about 100 ms an iteration through
/// `statrs` against about 70 ms sorting.
fn quantile_sorted(v: &[f64], p: f64) -> f64 {
    let h = (v.len() - 1) as f64 * p;
    let lo = whole(h);
    let hi = (lo + 1).min(v.len() - 1);
    v[lo] + (h - lo as f64) * (v[hi] - v[lo])
}

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
        // Key by key, in parallel: one column of quantiles per key.
        let cols: Vec<Vec<f64>> = (0..nk)
            .into_par_iter()
            .map(|j| {
                let mut col = self.values.column(j).to_vec();
                col.sort_unstable_by(f64::total_cmp);
                probs.iter().map(|&p| quantile_sorted(&col, p)).collect()
            })
            .collect();
        for (j, col) in cols.iter().enumerate() {
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
                mean: self.values.column(j).sum() / n,
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
