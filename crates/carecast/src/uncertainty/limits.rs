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

/// The label of an interval level in column names (`lower_80`, `upper_97.5`): the level
/// to six significant digits with trailing zeros dropped, as C's and Python's `%g` write
/// it (`80`, `97.5`, `99.99`; `80.0000001` is also `80`).
///
/// ```
/// use carecast::stochastic::level_label;
/// assert_eq!(level_label(80.0), "80");
/// assert_eq!(level_label(97.5), "97.5");
/// assert_eq!(level_label(80.0000001), "80");
/// assert_eq!(level_label(99.999_96), "100"); // rounds up, as Python writes it
/// assert_eq!(level_label(99.999_95), "99.9999"); // just below the tie in binary
/// assert_eq!(level_label(12.345_67), "12.3457");
/// assert_eq!(level_label(0.000_01), "1e-05");
/// ```
#[must_use]
pub fn level_label(level: f64) -> String {
    if !level.is_finite() || level == 0.0 {
        return format!("{level}");
    }
    // Six significant digits: the exponent is read after rounding, as `%g` does.
    let sci = format!("{level:.5e}");
    let (mantissa, exp) = sci.split_once('e').unwrap_or((sci.as_str(), "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    if (-4..6).contains(&exp) {
        let decimals = usize::try_from(5 - exp).unwrap_or(0);
        trim_zeros(&format!("{level:.decimals$}"))
    } else {
        let sign = if exp < 0 { '-' } else { '+' };
        format!("{}e{sign}{:02}", trim_zeros(mantissa), exp.unsigned_abs())
    }
}

/// Drops the trailing zeros of a decimal fraction, and its point when nothing is left.
fn trim_zeros(s: &str) -> String {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s.to_string()
    }
}

/// Checks interval levels (percent, each in (0, 100), none twice, at least one and at
/// most [`MAX_LEVELS`], no two with the same [`level_label`]); returns them ascending.
///
/// # Errors
///
/// [`Error::InvalidArgument`] naming `levels` if there are none, more than
/// [`MAX_LEVELS`], one outside (0, 100), one given twice, or two whose column labels
/// would be the same (80 and 80.0000001 both give `lower_80`: the message names both).
///
/// ```
/// use carecast::stochastic::check_levels;
/// assert_eq!(check_levels(&[95.0, 80.0]).unwrap(), [80.0, 95.0]);
/// assert!(check_levels(&[]).unwrap_err().to_string().contains("at least one level"));
/// assert!(check_levels(&[100.0]).is_err());
/// let many: Vec<f64> = (1..=21).map(f64::from).collect();
/// assert!(check_levels(&many).unwrap_err().to_string().contains("MAX_LEVELS"));
/// let e = check_levels(&[80.0, 80.000_000_1]).unwrap_err().to_string();
/// assert!(e.contains("80.0000001") && e.contains("lower_80"), "{e}");
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
    // Sorted, two levels with one label are neighbours (the label rounds the level).
    for w in out.windows(2) {
        let label = level_label(w[0]);
        if level_label(w[1]) == label {
            return Err(Error::argument(
                "levels",
                format!("{levels:?}"),
                format!(
                    "the levels {:?} and {:?} would both be labelled {label} (columns lower_{label}, upper_{label}); give levels that differ in their first six significant digits",
                    w[0], w[1]
                ),
            ));
        }
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
