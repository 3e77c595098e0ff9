//! The bounds of a Monte Carlo call (paths, stored numbers, overdispersion, interval
//! levels) and the checks of what a caller asks for.

use crate::{Error, Result};

/// The most Monte Carlo paths one call may ask for.
pub const MAX_SAMPLES: usize = 100_000;
/// The most numbers one set of samples may hold (paths x projected values): 128 MB of
/// `f64`, so that a call, with its per-thread working memory, the quantile summary and
/// one derived set of the same size (placements and spend, through
/// [`Samples::map_paths`](super::Samples::map_paths)), stays within the 300 MB memory
/// target (measured in `benchmarks/RESULTS.md`). Beyond it, ask for fewer paths, fewer
/// years or a coarser grain: a ten-year yearly Derbyshire projection (450 values a path)
/// allows 35,555 paths.
pub const MAX_VALUES: usize = 16_000_000;
/// The largest admissions overdispersion `alpha` one may set
/// ([`StochasticOptions::admissions_alpha`](super::StochasticOptions::admissions_alpha)):
/// at 10, a band expecting 10 admissions a year has a standard deviation of 32.
pub const MAX_ALPHA: f64 = 10.0;
/// The most interval levels one call may ask for. Each level adds two quantiles to every
/// projected value, so the quantile summary grows with the number of levels; 20 allows a
/// fan chart in steps of 5 percent (5, 10, ..., 95) with one to spare, and keeps the
/// summary within the memory target of [`MAX_VALUES`].
pub const MAX_LEVELS: usize = 20;
/// Default interval levels (percent): with the median, the quantiles 5, 10, 50, 90, 95.
pub const DEFAULT_LEVELS: [f64; 2] = [80.0, 90.0];

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

/// Checks a number of paths: 1 to [`MAX_SAMPLES`].
///
/// # Errors
///
/// [`Error::InvalidArgument`] naming `samples` when it is 0 or above [`MAX_SAMPLES`].
///
/// ```
/// use carecast::stochastic::{MAX_SAMPLES, check_samples};
/// assert!(check_samples(1_000).is_ok());
/// assert!(check_samples(0).unwrap_err().to_string().contains("`samples`"));
/// assert!(check_samples(MAX_SAMPLES + 1).is_err());
/// ```
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

/// `paths` x `per_path` values must stay within [`MAX_VALUES`].
pub(super) fn check_values(paths: usize, per_path: usize) -> Result<()> {
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
