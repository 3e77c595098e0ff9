//! Stochastic projection: Monte Carlo paths of the cohort model with process noise and
//! parameter uncertainty, summarised as quantiles of every projected quantity.
//! See [`crate::methodology`] ("Uncertainty") for the equations and assumptions.
//!
//! ```
//! use carecast::{CohortModel, Dataset, ProjectionOptions};
//! use carecast::stochastic::StochasticOptions;
//! let m = CohortModel::fit(&Dataset::bundled("derbyshire").unwrap()).unwrap();
//! let s = m.simulate(&ProjectionOptions::new(2017, 5), &StochasticOptions::new(200, 1)).unwrap();
//! let iv = s.summary(&[80.0, 95.0]).unwrap();
//! let total: Vec<_> = iv.rows.iter()
//!     .filter(|r| r.band == "all" && r.measure == "stock").collect();
//! assert_eq!(total.len(), 5);
//! // Intervals are ordered, never negative, and wider five years out than one.
//! for r in &total {
//!     assert!(0.0 <= r.lower[1] && r.lower[1] <= r.lower[0] && r.lower[0] <= r.median);
//!     assert!(r.median <= r.upper[0] && r.upper[0] <= r.upper[1]);
//! }
//! assert!(total[4].upper[1] - total[4].lower[1] > total[0].upper[1] - total[0].lower[1]);
//! ```

use ndarray::Array2;
use rand::{RngExt, SeedableRng};
use rand_distr::{Beta, Distribution, Exp1, Gamma, Poisson};
use rand_xoshiro::Xoshiro256PlusPlus;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::model::{
    Admissions, Assumptions, BandKey, CohortModel, Discharges, Flows, Grid, MONTHS, PeriodKey,
    ProjectionOptions, Row, Sink, Stepper, YearByBand, YearFlows, apply_changes,
    assumed_admissions, drive, last_k, poisson_trend,
};
use crate::period::FinancialYear;

/// The most Monte Carlo paths one call may ask for.
pub const MAX_SAMPLES: usize = 100_000;
/// The most numbers one set of samples may hold (paths x projected values): 128 MB of
/// `f64`, so that a call, with its per-thread working memory, the quantile summary and
/// one derived set of the same size (placements and spend, through
/// [`Samples::map_paths`]), stays within the 300 MB memory target (measured in
/// `benchmarks/RESULTS.md`). Beyond it, ask for fewer paths, fewer years or a coarser
/// grain: a ten-year yearly Derbyshire projection (450 values a path) allows 35,555 paths.
pub const MAX_VALUES: usize = 16_000_000;
/// The largest admissions overdispersion `alpha` one may set
/// ([`StochasticOptions::admissions_alpha`]): at 10, a band expecting 10 admissions a year
/// has a standard deviation of 32.
pub const MAX_ALPHA: f64 = 10.0;
/// The most interval levels one call may ask for. Each level adds two quantiles to every
/// projected value, so the quantile summary grows with the number of levels; 20 allows a
/// fan chart in steps of 5 percent (5, 10, ..., 95) with one to spare, and keeps the
/// summary within the memory target of [`MAX_VALUES`].
pub const MAX_LEVELS: usize = 20;
/// Default interval levels (percent): with the median, the quantiles 5, 10, 50, 90, 95.
pub const DEFAULT_LEVELS: [f64; 2] = [80.0, 90.0];

/// How the Monte Carlo paths are drawn.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StochasticOptions {
    /// Number of paths, 1 to [`MAX_SAMPLES`].
    pub samples: usize,
    /// Seed: the same seed gives the same paths on any machine and thread count.
    pub seed: u64,
    /// Draw who comes and goes (negative-binomial or Poisson admissions, binomial
    /// discharges). Off: each path is the deterministic projection under its drawn rates.
    pub process_noise: bool,
    /// Draw the rates themselves from their sampling distributions (a parametric bootstrap
    /// of the admissions assumption, Beta posteriors of the discharge rates).
    pub parameter_uncertainty: bool,
    /// Use overdispersion estimated from the data (negative-binomial admissions, inflated
    /// discharge-rate uncertainty); off: Poisson admissions and binomial-only rates.
    pub overdispersion: bool,
    /// The negative-binomial `alpha` of admissions (`var = mu + alpha mu^2`, 0 = Poisson)
    /// to use instead of the estimate, whatever `overdispersion` says (it still governs
    /// the discharge rates): for sensitivity analysis. `None`: estimated (or Poisson with
    /// `overdispersion` off). At most [`MAX_ALPHA`].
    #[serde(default)]
    pub admissions_alpha: Option<f64>,
}

impl StochasticOptions {
    /// Both sources of uncertainty, with overdispersion estimated from the data.
    pub fn new(samples: usize, seed: u64) -> Self {
        StochasticOptions {
            samples,
            seed,
            process_noise: true,
            parameter_uncertainty: true,
            overdispersion: true,
            admissions_alpha: None,
        }
    }
}

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
    fn of(r: &Row) -> Self {
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

/// What the Monte Carlo drew from, as estimated from the data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Uncertainty {
    /// Paths drawn.
    pub samples: usize,
    /// The seed.
    pub seed: u64,
    /// Process noise on.
    pub process_noise: bool,
    /// Parameter uncertainty on.
    pub parameter_uncertainty: bool,
    /// Negative-binomial overdispersion of admissions, `alpha` in `var = mu + alpha mu^2`
    /// (0 = Poisson).
    pub admissions_alpha: f64,
    /// Dispersion of discharge rates between years relative to binomial noise (>= 1).
    pub discharge_phi: f64,
    /// What was assumed, in words.
    pub notes: Vec<String>,
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

/// Checks interval levels (percent, each in (0, 100), none twice, at least one and at
/// most [`MAX_LEVELS`]); returns them ascending.
///
/// # Errors
///
/// [`Error::InvalidArgument`] naming `levels` if there are none, more than
/// [`MAX_LEVELS`], one outside (0, 100) or one given twice.
///
/// ```
/// use carecast::stochastic::check_levels;
/// assert_eq!(check_levels(&[95.0, 80.0]).unwrap(), [80.0, 95.0]);
/// assert!(check_levels(&[]).unwrap_err().to_string().contains("at least one level"));
/// assert!(check_levels(&[100.0]).is_err());
/// let many: Vec<f64> = (1..=21).map(f64::from).collect();
/// assert!(check_levels(&many).unwrap_err().to_string().contains("MAX_LEVELS"));
/// ```
pub fn check_levels(levels: &[f64]) -> Result<Vec<f64>> {
    if levels.is_empty() {
        return Err(Error::argument(
            "levels",
            "[]",
            "give at least one level (percent, e.g. 80 and 95); the median is always reported",
        ));
    }
    if levels.len() > MAX_LEVELS {
        return Err(Error::argument(
            "levels",
            format!("{} levels", levels.len()),
            format!("at most MAX_LEVELS = {MAX_LEVELS} levels may be asked for at once"),
        ));
    }
    let mut out = levels.to_vec();
    for &l in levels {
        if !l.is_finite() || l <= 0.0 || l >= 100.0 {
            return Err(Error::argument(
                "levels",
                l,
                "each level is a percentage strictly between 0 and 100",
            ));
        }
    }
    out.sort_by(f64::total_cmp);
    if out.windows(2).any(|w| w[0] == w[1]) {
        return Err(Error::argument(
            "levels",
            format!("{levels:?}"),
            "a level is given twice",
        ));
    }
    Ok(out)
}

/// Checks a number of paths.
pub fn check_samples(samples: usize) -> Result<()> {
    if samples == 0 || samples > MAX_SAMPLES {
        return Err(Error::argument(
            "samples",
            samples,
            format!("must be 1 to {MAX_SAMPLES}"),
        ));
    }
    Ok(())
}

/// Linear interpolation between order statistics (type 7) of sorted `v` at `p` in [0, 1].
fn quantile_sorted(v: &[f64], p: f64) -> f64 {
    let h = (v.len() - 1) as f64 * p;
    let lo = h.floor() as usize;
    let hi = (lo + 1).min(v.len() - 1);
    v[lo] + (h - lo as f64) * (v[hi] - v[lo])
}

impl Samples {
    /// Number of paths.
    pub fn paths(&self) -> usize {
        self.values.nrows()
    }

    /// Quantiles (probabilities in [0, 1]) of every key: probabilities x keys.
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
        let mut out = Array2::zeros((probs.len(), self.keys.len()));
        let mut col = Vec::with_capacity(self.paths());
        for (j, c) in self.values.columns().into_iter().enumerate() {
            col.clear();
            col.extend(c.iter().copied());
            col.sort_by(f64::total_cmp);
            for (i, &p) in probs.iter().enumerate() {
                out[[i, j]] = quantile_sorted(&col, p);
            }
        }
        Ok(out)
    }

    /// Mean, median and central intervals at `levels` (percent) of every key.
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

/// SplitMix64's output function: a bijective mix of 64 bits.
fn mix64(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The generator of path `path` under `seed`: its own stream, whatever the thread count.
///
/// The 256-bit state is two words from the seed and two from the path, each passed
/// through SplitMix64's bijective mix: distinct `(seed, path)` pairs get distinct states
/// (so `(a, b)` and `(b, a)` are different streams), and the state is never all zero.
///
/// ```
/// use carecast::stochastic::path_rng;
/// use rand::Rng;
/// let x = |seed, path| path_rng(seed, path).next_u64();
/// assert_eq!(x(3, 7), x(3, 7));
/// assert_ne!(x(3, 7), x(7, 3));
/// assert_ne!(x(3, 7), x(3, 8));
/// ```
pub fn path_rng(seed: u64, path: usize) -> Xoshiro256PlusPlus {
    let s0 = mix64(seed);
    let p0 = mix64(path as u64 ^ 0xD1B5_4A32_D192_ED03);
    let words = [s0, mix64(s0), p0, mix64(p0)];
    let mut bytes = [0u8; 32];
    for (chunk, w) in bytes.chunks_exact_mut(8).zip(words) {
        chunk.copy_from_slice(&w.to_le_bytes());
    }
    Xoshiro256PlusPlus::from_seed(bytes)
}

/// Walker's alias table over the months of one band.
#[derive(Debug, Clone)]
struct Alias {
    first: usize,
    prob: Vec<f64>,
    alias: Vec<usize>,
}

impl Alias {
    fn new(first: usize, weights: &[f64]) -> Self {
        let n = weights.len();
        let total: f64 = weights.iter().sum();
        let mut scaled: Vec<f64> = weights.iter().map(|w| w * n as f64 / total).collect();
        let mut prob = vec![1.0; n];
        let mut alias: Vec<usize> = (0..n).collect();
        let (mut small, mut large): (Vec<usize>, Vec<usize>) =
            (0..n).partition(|&i| scaled[i] < 1.0);
        while let (Some(s), Some(&l)) = (small.pop(), large.last()) {
            prob[s] = scaled[s];
            alias[s] = l;
            scaled[l] -= 1.0 - scaled[s];
            if scaled[l] < 1.0 {
                large.pop();
                small.push(l);
            }
        }
        Alias { first, prob, alias }
    }

    fn draw(&self, rng: &mut Xoshiro256PlusPlus) -> usize {
        let n = self.prob.len();
        let x = rng.random::<f64>() * n as f64;
        let i = (x as usize).min(n - 1);
        let i = if x - (i as f64) < self.prob[i] {
            i
        } else {
            self.alias[i]
        };
        self.first + i
    }
}

/// A count with mean `mu`: Poisson, or negative binomial (a gamma-Poisson mixture) with
/// `var = mu + alpha mu^2`.
fn draw_count(rng: &mut Xoshiro256PlusPlus, mu: f64, alpha: f64) -> Result<f64> {
    if mu <= 0.0 {
        return Ok(0.0);
    }
    let lambda = if alpha > 0.0 {
        let g = Gamma::new(1.0 / alpha, mu * alpha)
            .map_err(|e| Error::model(format!("admissions draw (mean {mu}): {e}")))?;
        g.sample(rng)
    } else {
        mu
    };
    if lambda <= 0.0 {
        return Ok(0.0);
    }
    let p = Poisson::new(lambda)
        .map_err(|e| Error::model(format!("admissions draw (mean {lambda}): {e}")))?;
    Ok(p.sample(rng))
}

/// The distribution a path draws one year's monthly discharge rate of a band from.
#[derive(Debug, Clone, Copy)]
enum RateDraw {
    /// Not drawn: a band whose rate is 0 (not fitted) or 1, or without exposure.
    Fixed(f64),
    /// See [`RateDraw::posterior`].
    Beta(Beta<f64>),
}

impl RateDraw {
    /// The sampling distribution of a fitted monthly rate `m` over `E` child-months,
    /// moment-matched: `Beta(m E / phi, (1 - m) E / phi)`, with mean `m` and variance
    /// `m (1 - m) / (E / phi + 1)`, about `phi` times the binomial variance of `m`.
    fn posterior(rate: f64, exposure: f64, phi: f64) -> Result<Self> {
        let kappa = exposure / phi;
        if !(rate > 0.0 && rate < 1.0 && kappa > 0.0) {
            return Ok(RateDraw::Fixed(rate));
        }
        Beta::new(rate * kappa, (1.0 - rate) * kappa)
            .map(RateDraw::Beta)
            .map_err(|e| Error::model(format!("discharge-rate distribution (rate {rate}): {e}")))
    }

    fn sample(&self, rng: &mut Xoshiro256PlusPlus) -> f64 {
        match self {
            RateDraw::Fixed(rate) => *rate,
            RateDraw::Beta(beta) => beta.sample(rng),
        }
    }
}

/// Everything the paths share.
struct Setup<'a> {
    model: &'a CohortModel,
    o: &'a ProjectionOptions,
    s: &'a StochasticOptions,
    observed: &'a [YearFlows],
    /// Admissions means of the observed years the bootstrap draws around.
    fitted_obs: Vec<Vec<f64>>,
    adm_point: YearByBand,
    m_point: Vec<f64>,
    /// Per band: the distribution of the monthly rate of each year the discharge
    /// assumption averages.
    rate_years: Vec<Vec<RateDraw>>,
    alpha: f64,
    opening: Vec<usize>,
    model_grid: Grid,
    weights: Vec<f64>,
    /// Last month of age of each model band.
    band_last: Vec<usize>,
    alias: Vec<Alias>,
    out_band_of: Vec<usize>,
    /// Last month of age of the segment holding each month of age: the end of its model
    /// band or of its output band, whichever comes first.
    seg_last: Vec<usize>,
    no: usize,
    months: usize,
}

/// Per-thread working memory of a path: flows by projected month and output band.
struct Scratch {
    adm: Vec<f64>,
    dis: Vec<f64>,
    ain: Vec<f64>,
    aout: Vec<f64>,
    l18: Vec<f64>,
    /// Stock at month ends: index 0 = the base 31 March, `j` = end of month `j - 1`.
    stock: Vec<f64>,
    hazard: Vec<f64>,
    /// Whether every projected year has the same discharge rates (then a child's stay
    /// need not be broken at year ends).
    same_rates: bool,
}

impl Scratch {
    fn new(months: usize, no: usize, nb: usize, years: usize) -> Self {
        Scratch {
            adm: vec![0.0; months * no],
            dis: vec![0.0; months * no],
            ain: vec![0.0; months * no],
            aout: vec![0.0; months * no],
            l18: vec![0.0; months],
            stock: vec![0.0; (months + 1) * no],
            hazard: vec![0.0; years * nb],
            same_rates: false,
        }
    }

    fn clear(&mut self) {
        for v in [
            &mut self.adm,
            &mut self.dis,
            &mut self.ain,
            &mut self.aout,
            &mut self.l18,
            &mut self.stock,
        ] {
            v.fill(0.0);
        }
    }

    /// Fills the month-end stock from the opening stock (index 0, counted as the opening
    /// children are placed) and the month's flows: every child enters and leaves a band
    /// only through an admission, a discharge, ageing or an 18th birthday.
    fn stock_from_flows(&mut self, months: usize, no: usize) {
        for j in 0..months {
            for b in 0..no {
                let k = j * no + b;
                self.stock[k + no] =
                    self.stock[k] + self.adm[k] + self.ain[k] - self.dis[k] - self.aout[k];
            }
        }
    }
}

impl Setup<'_> {
    /// One child's stay, from month `t0` at age `a0` (its first month of exposure), added
    /// to the path's flows by output band. `admitted`: an admission in month `t0` (else in
    /// the opening stock, `t0` = 0). The stock is not written here: it follows from the
    /// opening stock and the flows (see [`Scratch::stock_from_flows`]).
    ///
    /// The stay is walked in segments of constant hazard and output band (a model band's
    /// months of age, cut at output-band boundaries and, unless every year has the same
    /// rates, at year ends); the child is discharged in the first month at which its
    /// cumulative hazard exceeds an exponential budget.
    fn child(
        &self,
        sc: &mut Scratch,
        rng: &mut Xoshiro256PlusPlus,
        t0: usize,
        a0: usize,
        admitted: bool,
    ) {
        let nb = self.band_last.len();
        let (no, months) = (self.no, self.months);
        let mut budget: f64 = Exp1.sample(rng);
        let (mut t, mut a) = (t0, a0);
        let mut ob = self.out_band_of[a0];
        if admitted {
            sc.adm[t0 * no + ob] += 1.0;
        } else {
            sc.stock[ob] += 1.0;
        }
        loop {
            let b = self.model_grid.band_of[a];
            let y = if sc.same_rates { 0 } else { t / 12 };
            let mut len = (self.seg_last[a] + 1 - a).min(months - t);
            if !sc.same_rates {
                len = len.min((y + 1) * 12 - t);
            }
            let h = sc.hazard[y * nb + b];
            let span = h * len as f64;
            if budget < span {
                // Discharged in month t + k, at age a + k (same output band).
                let k = ((budget / h) as usize).min(len - 1);
                sc.dis[(t + k) * no + ob] += 1.0;
                return;
            }
            budget -= span;
            t += len;
            a += len;
            // The child completed month t - 1 in care, at age a - 1.
            if a == MONTHS {
                // The 18th birthday, at the end of month t - 1.
                sc.l18[t - 1] += 1.0;
                sc.aout[(t - 1) * no + ob] += 1.0;
                return;
            }
            let next = self.out_band_of[a];
            if next != ob {
                sc.aout[(t - 1) * no + ob] += 1.0;
                sc.ain[(t - 1) * no + next] += 1.0;
                ob = next;
            }
            if t == months {
                return;
            }
        }
    }

    /// Rates of this path: admissions means per projected year and band, and monthly
    /// discharge fractions by band (before flow changes).
    fn draw_rates(&self, rng: &mut Xoshiro256PlusPlus) -> Result<(YearByBand, Vec<f64>)> {
        if !self.s.parameter_uncertainty {
            return Ok((self.adm_point.clone(), self.m_point.clone()));
        }
        let anchored = matches!(self.o.admissions, Admissions::Anchored { .. });
        let mut boot: Vec<YearFlows> = self.observed.to_vec();
        for (y, fit) in boot.iter_mut().zip(&self.fitted_obs) {
            for (v, &mu) in y.admissions.iter_mut().zip(fit) {
                *v = draw_count(rng, mu, self.alpha)?;
            }
        }
        // Anchored admissions follow the reference's growth: not re-estimated per path.
        let adm = if anchored {
            self.adm_point.clone()
        } else {
            assumed_admissions(&boot, self.o, self.model_grid.months_in.len())?
        };
        let mut m = Vec::with_capacity(self.rate_years.len());
        for years in &self.rate_years {
            let mut sum = 0.0;
            for d in years {
                sum += d.sample(rng);
            }
            m.push(sum / years.len() as f64);
        }
        Ok((adm, m))
    }

    fn path(&self, i: usize, sc: &mut Scratch, out: &mut [f64]) -> Result<()> {
        let mut rng = path_rng(self.s.seed, i);
        let (adm_means, m_band) = self.draw_rates(&mut rng)?;
        let (adm, rates) = apply_changes(
            &self.model.history.scheme,
            self.o,
            adm_means,
            &m_band,
            false,
        )?;
        let base = FinancialYear::ending(self.o.base_year);
        let mut sink = ValueSink { out, at: 0 };
        if !self.s.process_noise {
            let grid = &self.model_grid;
            let mut st = crate::model::GridStepper {
                s: grid.spread_with(
                    &self.weights,
                    &self.observed[self.observed.len() - 1].closing,
                ),
                adm: adm
                    .iter()
                    .map(|a| {
                        grid.spread_with(&self.weights, a)
                            .iter()
                            .map(|v| v / 12.0)
                            .collect()
                    })
                    .collect(),
                m: rates
                    .iter()
                    .map(|r| grid.band_of.iter().map(|&b| r[b]).collect())
                    .collect(),
                out_band_of: self.out_band_of.clone(),
                no: self.no,
            };
            drive(self.o, base, self.no, &mut st, &mut sink);
        } else {
            sc.clear();
            sc.same_rates = rates.windows(2).all(|w| w[0] == w[1]);
            let nb = self.band_last.len();
            for (y, r) in rates.iter().enumerate() {
                for (b, &m) in r.iter().enumerate() {
                    sc.hazard[y * nb + b] = -(1.0 - m).ln();
                }
            }
            for (b, &n) in self.opening.iter().enumerate() {
                for _ in 0..n {
                    let a = self.alias[b].draw(&mut rng);
                    self.child(sc, &mut rng, 0, a, false);
                }
            }
            for (y, year) in adm.iter().enumerate() {
                for (b, &mu) in year.iter().enumerate() {
                    let n = draw_count(&mut rng, mu, self.alpha)? as usize;
                    for _ in 0..n {
                        let t0 = 12 * y + rng.random_range(0..12usize);
                        let a = self.alias[b].draw(&mut rng);
                        self.child(sc, &mut rng, t0, a, true);
                    }
                }
            }
            let no = self.no;
            sc.stock_from_flows(self.months, no);
            let mut st = PathStepper { sc, no, j: 0 };
            drive(self.o, base, self.no, &mut st, &mut sink);
        }
        if sink.at != sink.out.len() {
            return Err(Error::model(format!(
                "internal: a path produced {} values for {} keys",
                sink.at,
                sink.out.len()
            )));
        }
        Ok(())
    }
}

/// Writes values in order into a path's row.
struct ValueSink<'a> {
    out: &'a mut [f64],
    at: usize,
}

impl Sink for ValueSink<'_> {
    fn add(&mut self, _: FinancialYear, _: PeriodKey, _: BandKey, _: &'static str, value: f64) {
        if let Some(v) = self.out.get_mut(self.at) {
            *v = value;
        }
        self.at += 1;
    }
}

/// Replays a path's monthly flows to [`drive`].
struct PathStepper<'a> {
    sc: &'a Scratch,
    no: usize,
    j: usize,
}

impl Stepper for PathStepper<'_> {
    fn month(&mut self, t: usize, month: usize, f: &mut Flows) {
        let idx = 12 * t + month;
        let r = idx * self.no..(idx + 1) * self.no;
        for (b, k) in r.enumerate() {
            f.admissions[b] += self.sc.adm[k];
            f.discharges[b] += self.sc.dis[k];
            f.ageing_in[b] += self.sc.ain[k];
            f.ageing_out[b] += self.sc.aout[k];
        }
        f.leavers_18 += self.sc.l18[idx];
        self.j = idx + 1;
    }

    fn stock(&self, out: &mut [f64]) {
        out.copy_from_slice(&self.sc.stock[self.j * self.no..(self.j + 1) * self.no]);
    }
}

/// Moment estimate of the negative-binomial `alpha` (`var = mu + alpha mu^2`) of counts
/// `y[b][t]` around fitted means `mu[b][t]`, pooled over series `b`, each series having
/// used `params` fitted parameters:
/// `alpha = max(0, (N / df * sum (y - mu)^2 - sum mu) / sum mu^2)`, `N` counts,
/// `df = N - params x series`. `None` without a degree of freedom or a positive mean.
pub(crate) fn nb_alpha(y: &[Vec<f64>], mu: &[Vec<f64>], params: usize) -> Option<f64> {
    let (mut ss, mut smu, mut smu2, mut nobs) = (0.0, 0.0, 0.0, 0usize);
    for (ys, ms) in y.iter().zip(mu) {
        for (yi, mi) in ys.iter().zip(ms) {
            ss += (yi - mi).powi(2);
            smu += mi;
            smu2 += mi * mi;
            nobs += 1;
        }
    }
    let df = nobs.checked_sub(params * y.len()).filter(|&d| d > 0)? as f64;
    (smu2 > 0.0).then(|| ((ss * nobs as f64 / df - smu) / smu2).max(0.0))
}

/// The overdispersion `alpha` of admissions around the admissions assumption's own fit,
/// with the fit described in words: `trend` around each band's log-linear Poisson trend
/// over the observed years (two parameters a band, at least three years); `mean` around
/// each band's mean of the `k` years it averages (one parameter, `k` at least two);
/// `held` and `rate`, which carry one year forward as a constant level, around each
/// band's mean over the observed years (at least two). `None`: too few years.
pub(crate) fn admissions_alpha(
    observed: &[YearFlows],
    admissions: &Admissions,
) -> Option<(f64, String)> {
    let nb = observed.first()?.admissions.len();
    let series = |ys: &[YearFlows]| -> Vec<Vec<f64>> {
        (0..nb)
            .map(|b| ys.iter().map(|y| y.admissions[b]).collect())
            .collect()
    };
    let constant = |ys: &[YearFlows], what: String| {
        let y = series(ys);
        let mu: Vec<Vec<f64>> = y
            .iter()
            .map(|v| vec![v.iter().sum::<f64>() / v.len() as f64; v.len()])
            .collect();
        nb_alpha(&y, &mu, 1).map(|a| (a, what))
    };
    match admissions {
        Admissions::Trend | Admissions::Damped { .. } | Admissions::Pooled { .. } => {
            if observed.len() < 3 {
                return None;
            }
            let x: Vec<f64> = observed
                .iter()
                .map(|y| f64::from(y.year.end_year()))
                .collect();
            let y = series(observed);
            let mu: Vec<Vec<f64>> = y
                .iter()
                .map(|v| {
                    let (a, s) = poisson_trend(&x, v);
                    x.iter().map(|xi| (a + s * xi).exp()).collect()
                })
                .collect();
            nb_alpha(&y, &mu, 2).map(|a| {
                (
                    a,
                    format!(
                        "each band's log-linear trend over the {} observed years",
                        observed.len()
                    ),
                )
            })
        }
        Admissions::Mean { k } => {
            let ys = observed.get(observed.len().checked_sub(*k)?..)?;
            if ys.len() < 2 {
                return None;
            }
            constant(ys, format!("each band's mean of the last {k} years"))
        }
        Admissions::Held | Admissions::Rate { .. } | Admissions::Anchored { .. } => {
            if observed.len() < 2 {
                return None;
            }
            constant(
                observed,
                format!(
                    "each band's mean over the {} observed years (the constant level the assumption carries forward)",
                    observed.len()
                ),
            )
        }
    }
}

/// Pearson dispersion of rates between years relative to binomial noise, pooled over
/// bands: `bands[b]` holds each year's (rate, exposure) of band `b`; each band's years
/// are compared with its exposure-weighted mean rate `m`,
/// `phi = sum (D_y - E_y m)^2 / (E_y m (1 - m)) / df` (`D_y = rate x E_y`, `df` the
/// number of years less one, summed over bands), at least 1. Bands with fewer than two
/// years or a mean rate of 0 or 1 are left out; `None` when none is left.
pub(crate) fn pearson_phi(bands: &[Vec<(f64, f64)>]) -> Option<f64> {
    let (mut p, mut df) = (0.0, 0.0);
    for de in bands {
        if de.len() < 2 {
            continue;
        }
        let (sd, se): (f64, f64) = de
            .iter()
            .fold((0.0, 0.0), |(a, c), (r, e)| (a + r * e, c + e));
        let mbar = sd / se;
        if !(mbar > 0.0 && mbar < 1.0) {
            continue;
        }
        for (r, e) in de {
            p += (r * e - e * mbar).powi(2) / (e * mbar * (1.0 - mbar));
        }
        df += (de.len() - 1) as f64;
    }
    (df > 0.0).then(|| (p / df).max(1.0))
}

/// [`pearson_phi`] of the fitted monthly discharge rates, exposure in child-months
/// (implied discharges / rate), over the observed years; `None` with fewer than two.
pub(crate) fn discharge_phi(model: &CohortModel, observed: &[YearFlows]) -> Option<f64> {
    if observed.len() < 2 {
        return None;
    }
    let nb = model.history.scheme.bands().len();
    let bands: Vec<Vec<(f64, f64)>> = (0..nb)
        .map(|b| {
            observed
                .iter()
                .filter_map(|y| exposure(model, y.year, b))
                .collect()
        })
        .collect();
    pearson_phi(&bands)
}

/// (monthly rate, child-months exposed) of band `b` in a fitted year, if its rate is > 0.
fn exposure(model: &CohortModel, year: FinancialYear, b: usize) -> Option<(f64, f64)> {
    let nb = model.history.scheme.bands().len();
    let fits: Vec<_> = model.bands.iter().filter(|f| f.year == year).collect();
    let f = fits.get(b).filter(|_| fits.len() == nb)?;
    (f.monthly_rate > 0.0 && f.implied_discharges > 0.0)
        .then(|| (f.monthly_rate, f.implied_discharges / f.monthly_rate))
}

/// `paths` x `per_path` values must stay within [`MAX_VALUES`].
fn check_values(paths: usize, per_path: usize) -> Result<()> {
    if per_path.saturating_mul(paths) > MAX_VALUES {
        return Err(Error::argument(
            "samples",
            paths,
            format!(
                "{paths} paths x {per_path} projected values exceed the limit of {MAX_VALUES} numbers: ask for fewer paths, fewer years or a coarser grain"
            ),
        ));
    }
    Ok(())
}

impl CohortModel {
    /// Monte Carlo projection: `s.samples` paths of the model under the options `o` (the
    /// same options as [`CohortModel::project`], including flow changes), run in parallel.
    /// The same seed gives the same paths whatever the number of threads.
    pub fn simulate(&self, o: &ProjectionOptions, s: &StochasticOptions) -> Result<Samples> {
        check_samples(s.samples)?;
        let det = self.project(o)?;
        let nk = det.rows.len();
        check_values(s.samples, nk)?;
        let bi = self.check_options(o)?;
        let h = &self.history;
        let observed = &h.flows[..=bi];
        let nb = h.scheme.bands().len();
        let mut notes = Vec::new();
        // Admissions: the means the bootstrap draws the observed years around.
        let mut fitted_obs: Vec<Vec<f64>> = observed.iter().map(|y| y.admissions.clone()).collect();
        match &o.admissions {
            Admissions::Mean { k } => {
                let n = observed.len();
                let ys = last_k(observed, *k, "k")?;
                for b in 0..nb {
                    let mean = ys.iter().map(|y| y.admissions[b]).sum::<f64>() / ys.len() as f64;
                    for f in &mut fitted_obs[n - k..] {
                        f[b] = mean;
                    }
                }
            }
            Admissions::Trend | Admissions::Damped { .. } | Admissions::Pooled { .. } => {
                let x: Vec<f64> = observed
                    .iter()
                    .map(|y| f64::from(y.year.end_year()))
                    .collect();
                for b in 0..nb {
                    let y: Vec<f64> = observed.iter().map(|f| f.admissions[b]).collect();
                    let (a, sl) = poisson_trend(&x, &y);
                    for (f, xi) in fitted_obs.iter_mut().zip(&x) {
                        f[b] = (a + sl * xi).exp();
                    }
                }
            }
            Admissions::Held | Admissions::Rate { .. } | Admissions::Anchored { .. } => {}
        }
        let alpha = match (s.admissions_alpha, s.overdispersion) {
            (Some(a), _) => {
                if !a.is_finite() || !(0.0..=MAX_ALPHA).contains(&a) {
                    return Err(Error::argument(
                        "admissions_alpha",
                        a,
                        format!("must be 0 (Poisson) to {MAX_ALPHA}"),
                    ));
                }
                notes.push(format!("admissions: {} with alpha = {a} as given (var = mu + alpha mu^2), not estimated", if a > 0.0 { "negative binomial" } else { "Poisson" }));
                a
            }
            (None, true) => match admissions_alpha(observed, &o.admissions) {
                Some((a, around)) => {
                    let kind = if a > 0.0 {
                        "negative binomial"
                    } else {
                        "Poisson (no overdispersion found)"
                    };
                    notes.push(format!("admissions: {kind} with alpha = {a:.4} (var = mu + alpha mu^2), estimated by moments around {around}"));
                    a
                }
                None => {
                    notes.push(format!("admissions: Poisson; {} observed years are too few to estimate overdispersion around this assumption (trend: 3, others: 2)", observed.len()));
                    0.0
                }
            },
            (None, false) => {
                notes.push("admissions: Poisson (overdispersion off)".into());
                0.0
            }
        };
        let phi = if s.overdispersion {
            match discharge_phi(self, observed) {
                Some(p) => {
                    notes.push(format!("discharge rates: dispersion between years phi = {p:.3} times binomial, widening their uncertainty"));
                    p
                }
                None => {
                    notes.push("discharge rates: binomial uncertainty only; one observed year cannot show variation between years".into());
                    1.0
                }
            }
        } else {
            1.0
        };
        let rate_years_of: Vec<&YearFlows> = match &o.discharges {
            Discharges::Last => vec![&observed[bi]],
            Discharges::Mean { k } => last_k(observed, *k, "k")?.iter().collect(),
            Discharges::Regularised { .. } => Vec::new(),
        };
        let rate_years: Vec<Vec<RateDraw>> =
            if let Discharges::Regularised { k, strength } = &o.discharges {
                // One draw per band around the regularised rate, its concentration the pooled
                // exposure plus the prior's weight.
                let (rates, exposure) = self.regularised_rates(observed, *k, *strength)?;
                rates
                    .iter()
                    .zip(&exposure)
                    .map(|(&r, &e)| RateDraw::posterior(r, e + strength, phi).map(|d| vec![d]))
                    .collect::<Result<_>>()?
            } else {
                (0..nb)
                    .map(|b| {
                        rate_years_of
                            .iter()
                            .map(|y| match exposure(self, y.year, b) {
                                Some((rate, e)) => RateDraw::posterior(rate, e, phi),
                                None => Ok(RateDraw::Fixed(
                                    self.rates_of(y.year).get(b).copied().unwrap_or(0.0),
                                )),
                            })
                            .collect::<Result<Vec<_>>>()
                    })
                    .collect::<Result<_>>()?
            };
        if s.parameter_uncertainty {
            notes.push("parameter uncertainty: admissions re-estimated per path from counts redrawn around the assumption's fit (parametric bootstrap); monthly discharge rates drawn once per path, and held over the horizon, from Beta distributions with the fitted rate as mean and the exposure (child-months) / phi as concentration; the paths' mean and median drift above the deterministic value at long horizons, mostly because a trend re-estimated on redrawn counts and carried forward is right-skewed, and also because the stock is convex in the discharge rates (see the methodology)".into());
        }
        if s.process_noise {
            notes.push("process noise: admissions counts per band and year drawn, each child given a month and an age within the band; each child's discharge month drawn from the monthly rates (binomial per month of age); integer opening stock spread over ages at random by the calibrated within-band weights".into());
        }
        let model_grid = Grid::new(&h.scheme);
        let weights = model_grid.weights(&self.tilts);
        let mut band_first = vec![usize::MAX; nb];
        let mut band_last = vec![0; nb];
        for (a, &b) in model_grid.band_of.iter().enumerate() {
            band_first[b] = band_first[b].min(a);
            band_last[b] = band_last[b].max(a);
        }
        let alias = (0..nb)
            .map(|b| Alias::new(band_first[b], &weights[band_first[b]..=band_last[b]]))
            .collect();
        let out_grid = Grid::new(&o.output_bands);
        let no = o.output_bands.bands().len();
        let mut out_last = vec![0; no];
        for (a, &b) in out_grid.band_of.iter().enumerate() {
            out_last[b] = out_last[b].max(a);
        }
        let seg_last = (0..MONTHS)
            .map(|a| band_last[model_grid.band_of[a]].min(out_last[out_grid.band_of[a]]))
            .collect();
        let closing = &observed[bi].closing;
        if closing.iter().any(|c| c.fract() != 0.0) {
            notes.push(
                "the opening stock is not whole: paths start from it rounded to whole children"
                    .into(),
            );
        }
        let setup = Setup {
            model: self,
            o,
            s,
            observed,
            fitted_obs,
            adm_point: {
                let m = self.assumed_rates(observed, o)?;
                self.point_admissions(observed, o, &m)?.0
            },
            m_point: self.assumed_rates(observed, o)?,
            rate_years,
            alpha,
            opening: closing
                .iter()
                .map(|c| c.round().max(0.0) as usize)
                .collect(),
            model_grid,
            weights,
            band_last,
            alias,
            out_band_of: out_grid.band_of,
            seg_last,
            no,
            months: 12 * o.years,
        };
        let mut buf = vec![0.0; s.samples * nk];
        buf.par_chunks_mut(nk).enumerate().try_for_each_init(
            || Scratch::new(setup.months, no, nb, o.years),
            |sc, (i, out)| setup.path(i, sc, out),
        )?;
        if buf.iter().any(|v| !v.is_finite() || *v < 0.0) {
            return Err(Error::model(
                "internal: a path produced a negative or non-finite value",
            ));
        }
        let values = Array2::from_shape_vec((s.samples, nk), buf)
            .map_err(|e| Error::model(format!("samples: {e}")))?;
        Ok(Samples {
            keys: det.rows.iter().map(RowKey::of).collect(),
            deterministic: det.rows.iter().map(|r| r.value).collect(),
            values,
            assumptions: det.assumptions,
            uncertainty: Uncertainty {
                samples: s.samples,
                seed: s.seed,
                process_noise: s.process_noise,
                parameter_uncertainty: s.parameter_uncertainty,
                admissions_alpha: alpha,
                discharge_phi: phi,
                notes,
            },
        })
    }
}

#[cfg(test)]
mod tests {
    //! The dispersion estimators on simulated data with known dispersion: they must
    //! recover it (the tolerances are several standard errors of the estimators at these
    //! sample sizes, checked over seeds below), and find none in data that have none.

    use super::*;
    use rand_distr::Binomial;

    /// Negative-binomial counts (gamma-Poisson) with the given `alpha` around a
    /// log-linear trend per series: `series` series of `years` counts, means about 40 to
    /// 200. Returns the counts and the true means.
    fn nb_counts(
        seed: u64,
        series: usize,
        years: usize,
        alpha: f64,
        slope: bool,
    ) -> (Vec<Vec<f64>>, Vec<Vec<f64>>) {
        let mut rng = path_rng(seed, 0);
        let (mut y, mut mu) = (Vec::new(), Vec::new());
        for b in 0..series {
            let level = 40.0 + 160.0 * (b as f64 / series as f64);
            let growth = if slope {
                0.06 * ((b % 5) as f64 - 2.0) / 2.0
            } else {
                0.0
            };
            let m: Vec<f64> = (0..years)
                .map(|t| level * (growth * t as f64).exp())
                .collect();
            y.push(
                m.iter()
                    .map(|&mi| draw_count(&mut rng, mi, alpha).unwrap())
                    .collect(),
            );
            mu.push(m);
        }
        (y, mu)
    }

    /// Wraps counts as observed years (one band per series) for `admissions_alpha`.
    fn as_years(y: &[Vec<f64>]) -> Vec<YearFlows> {
        (0..y[0].len())
            .map(|t| YearFlows {
                year: FinancialYear::ending(2001 + t as i32),
                opening: vec![0.0; y.len()],
                admissions: y.iter().map(|s| s[t]).collect(),
                closing: vec![0.0; y.len()],
                discharges: None,
            })
            .collect()
    }

    #[test]
    fn alpha_is_recovered_around_a_fitted_trend() {
        // 100 series x 10 years, alpha 0.05: var = mu + 0.05 mu^2, i.e. 3 to 11 times
        // Poisson. Over the 20 seeds below the estimates have sd 0.003 and mean 0.048 (a
        // small downward bias from fitting the trend): 0.004 allows for both, 0.01 on
        // each estimate is over 3 sd.
        let alpha = 0.05;
        let mut estimates = Vec::new();
        for seed in 0..20 {
            let (y, _) = nb_counts(seed, 100, 10, alpha, true);
            let (a, around) = admissions_alpha(&as_years(&y), &Admissions::Trend).unwrap();
            assert!(around.contains("trend"), "{around}");
            estimates.push(a);
        }
        let mean = estimates.iter().sum::<f64>() / 20.0;
        let sd = (estimates.iter().map(|a| (a - mean).powi(2)).sum::<f64>() / 19.0).sqrt();
        assert!((mean - alpha).abs() < 0.004, "mean {mean} sd {sd}");
        assert!(sd < 0.006, "sd {sd}");
        for a in &estimates {
            assert!((a - alpha).abs() < 0.01, "{estimates:?}");
        }
    }

    #[test]
    fn alpha_is_recovered_around_a_constant_level_and_is_zero_for_poisson() {
        let (y, _) = nb_counts(7, 100, 10, 0.1, false);
        for adm in [Admissions::Held, Admissions::Mean { k: 10 }] {
            let (a, around) = admissions_alpha(&as_years(&y), &adm).unwrap();
            assert!((a - 0.1).abs() < 0.03, "{adm:?}: {a}");
            assert!(around.contains("mean"), "{around}");
        }
        // Poisson counts: the estimate is 0 or tiny (at most 0.0004 over these seeds),
        // against 0.05 for the overdispersed counts above.
        for seed in 0..5 {
            let (y, _) = nb_counts(seed, 100, 10, 0.0, true);
            let (a, _) = admissions_alpha(&as_years(&y), &Admissions::Trend).unwrap();
            assert!(a < 0.002, "seed {seed}: {a}");
        }
        // The moment formula itself, on the true means: no fitted parameter.
        let (y, mu) = nb_counts(3, 200, 10, 0.2, true);
        let a = nb_alpha(&y, &mu, 0).unwrap();
        assert!((a - 0.2).abs() < 0.03, "{a}");
    }

    #[test]
    fn alpha_needs_enough_years() {
        let (y, _) = nb_counts(1, 5, 2, 0.1, true);
        let years = as_years(&y);
        assert!(admissions_alpha(&years, &Admissions::Trend).is_none());
        assert!(admissions_alpha(&years, &Admissions::Held).is_some());
        assert!(admissions_alpha(&years[..1], &Admissions::Held).is_none());
        assert!(admissions_alpha(&years, &Admissions::Mean { k: 1 }).is_none());
    }

    /// Discharges over `exposure` child-months whose rate varies between years: each
    /// year's rate ~ Beta with mean `m` and concentration `kappa`, then binomial. The
    /// variance of the count is `E m (1 - m) (1 + (E - 1) / (kappa + 1))`, so the true
    /// `phi = 1 + (E - 1) / (kappa + 1)`; `kappa` infinite: plain binomial, `phi = 1`.
    fn overdispersed_rates(
        seed: u64,
        bands: usize,
        years: usize,
        exposure: u64,
        kappa: Option<f64>,
    ) -> Vec<Vec<(f64, f64)>> {
        let mut rng = path_rng(seed, 1);
        (0..bands)
            .map(|b| {
                let m = 0.01 + 0.08 * (b as f64 / bands as f64);
                (0..years)
                    .map(|_| {
                        let p = kappa.map_or(m, |k| {
                            Beta::new(m * k, (1.0 - m) * k).unwrap().sample(&mut rng)
                        });
                        let d = Binomial::new(exposure, p).unwrap().sample(&mut rng) as f64;
                        (d / exposure as f64, exposure as f64)
                    })
                    .collect()
            })
            .collect()
    }

    #[test]
    fn phi_is_recovered_from_overdispersed_discharges() {
        // E = 1,500 child-months, kappa = 299: phi = 1 + 1499 / 300 = 5.997. Over the 20
        // seeds the estimates have sd 0.43: 0.3 on their mean and 1.3 on each is 3 sd.
        let truth = 1.0 + 1499.0 / 300.0;
        let mut estimates = Vec::new();
        for seed in 0..20 {
            let bands = overdispersed_rates(seed, 60, 8, 1500, Some(299.0));
            estimates.push(pearson_phi(&bands).unwrap());
        }
        let mean = estimates.iter().sum::<f64>() / 20.0;
        assert!((mean - truth).abs() < 0.3, "mean {mean} truth {truth}");
        for p in &estimates {
            assert!((p - truth).abs() < 1.3, "{estimates:?}");
        }
        // Binomial only: phi is 1 (the estimate is floored there; unfloored it is close).
        for seed in 0..5 {
            let p = pearson_phi(&overdispersed_rates(seed, 60, 8, 1500, None)).unwrap();
            assert!(p < 1.25, "seed {seed}: {p}");
        }
    }

    #[test]
    fn phi_leaves_out_what_it_cannot_use() {
        assert_eq!(pearson_phi(&[]), None);
        // One year per band: no degree of freedom.
        assert_eq!(
            pearson_phi(&[vec![(0.05, 1000.0)], vec![(0.02, 900.0)]]),
            None
        );
        // A band with a zero rate is left out; the other is exactly binomial-free: 1.
        let p = pearson_phi(&[
            vec![(0.0, 1000.0), (0.0, 1000.0)],
            vec![(0.05, 1000.0), (0.05, 1000.0)],
        ]);
        assert_eq!(p, Some(1.0));
    }
}
