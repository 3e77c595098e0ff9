//! Derived views of a fitted model that front ends (the Python package, the CLI) need,
//! kept in the core so that no front end re-derives model logic from labels.

use std::collections::BTreeMap;

use crate::{CohortModel, Period, Result};

/// The bounds the core enforces on its arguments, for front ends that check arguments
/// before calling it (and name them in their documentation).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Limits {
    /// The longest projection, in years.
    pub max_years: usize,
    /// The most Monte Carlo paths one call may ask for.
    pub max_samples: usize,
    /// The age at which children leave care (and become care leavers).
    pub adult_age: u8,
    /// The oldest age a care leaver is followed to.
    pub max_age: u8,
    /// The most interval levels one call may ask for.
    pub max_levels: usize,
    /// The most rows a table may have ([`crate::table::MAX_TABLE_ROWS`]).
    pub max_table_rows: usize,
    /// The largest file read as a table, scenario or metadata file, in bytes
    /// ([`crate::sources::MAX_FILE_BYTES`]).
    pub max_file_bytes: u64,
    /// The most levers a scenario may have ([`crate::scenario::MAX_LEVERS`]).
    pub max_levers: usize,
}

/// The core's limits.
///
/// ```
/// assert_eq!(carecast::views::LIMITS.max_years, 25);
/// assert_eq!(carecast::views::LIMITS.max_samples, 100_000);
/// assert_eq!(carecast::views::LIMITS.max_levels, 20);
/// assert_eq!(carecast::views::LIMITS.max_table_rows, 4_000_000);
/// assert_eq!(carecast::views::LIMITS.max_file_bytes, 64 * 1024 * 1024);
/// assert_eq!(carecast::views::LIMITS.max_levers, 100);
/// ```
pub const LIMITS: Limits = Limits {
    max_years: crate::model::MAX_HORIZON,
    max_samples: crate::stochastic::MAX_SAMPLES,
    adult_age: crate::age::ADULT_AGE,
    max_age: crate::age::MAX_AGE,
    max_levels: crate::stochastic::MAX_LEVELS,
    max_table_rows: crate::table::MAX_TABLE_ROWS,
    max_file_bytes: crate::sources::MAX_FILE_BYTES,
    max_levers: crate::scenario::MAX_LEVERS,
};

/// Where a period ends on a time axis in years, with 31 March of year Y at Y: a
/// financial year at its 31 March, a quarter a quarter-year apart (`2017/18 Q1` at
/// 2017.25), a date or a month at its month (`2017-09` at 2017.5; the day is not used).
///
/// ```
/// use carecast::Period;
/// use carecast::views::period_position;
/// let at = |s: &str| period_position(&Period::parse(s).unwrap());
/// assert_eq!(at("2016/17"), 2017.0);
/// assert_eq!(at("2017/18 Q1"), 2017.25);
/// assert_eq!(at("2017-03-31"), 2017.0);
/// assert_eq!(at("2017-09"), 2017.5);
/// ```
pub fn period_position(p: &Period) -> f64 {
    let month = |year: i32, month: u8| f64::from(year) + (f64::from(month) - 3.0) / 12.0;
    match *p {
        Period::Date(d) => month(d.year, d.month),
        Period::Year(fy) => f64::from(fy.end_year()),
        Period::Quarter(fy, q) => f64::from(fy.end_year() - 1) + 0.25 * f64::from(q),
        Period::Month(y, m) => month(y, m),
    }
}

/// The calendar year of the 31 March that ends the financial year a period label falls
/// in (`2017-03-31` and `2016/17` give 2017, `2017/18 Q1` gives 2018).
///
/// # Errors
///
/// [`crate::Error::InvalidArgument`] if `label` is not a period.
///
/// ```
/// use carecast::views::period_year;
/// assert_eq!(period_year("2017-03-31").unwrap(), 2017);
/// assert_eq!(period_year("2017/18 Q1").unwrap(), 2018);
/// assert!(period_year("March 2017").is_err());
/// ```
pub fn period_year(label: &str) -> Result<i32> {
    Ok(Period::parse(label)?.financial_year().end_year())
}

/// New care leavers at age `youngest` at each 31 March after `base_year`, for at most
/// `years` years, as `(calendar year, count)` pairs.
///
/// A young person who reaches 18 in care during the year to 31 March t is 18 at that
/// 31 March, and `youngest` at 31 March t + (`youngest` - 18). The cohorts of the first
/// years therefore come from the fitted history (the children ageing out of the oldest
/// band in each observed year up to `base_year`), the later ones from `leavers_18`, the
/// projection's 18th birthdays by projected year. Empty when `youngest` is below 18 or
/// the history is shorter than the lag.
///
/// ```
/// use carecast::{CohortModel, Dataset};
/// use carecast::views::engine_inflow;
/// let m = CohortModel::fit(&Dataset::bundled("derbyshire").unwrap()).unwrap();
/// // At 18 there is no lag: the projection's own leavers, year by year.
/// assert_eq!(engine_inflow(&m, 2017, &[50.0, 60.0], 18, 5), vec![(2018, 50.0), (2019, 60.0)]);
/// // At 19 the first year comes from the base year's fitted history.
/// let at_19 = engine_inflow(&m, 2017, &[50.0, 60.0], 19, 2);
/// assert_eq!(at_19.len(), 2);
/// assert_eq!(at_19[1], (2019, 50.0));
/// ```
pub fn engine_inflow(
    model: &CohortModel,
    base_year: i32,
    leavers_18: &[f64],
    youngest: u8,
    years: usize,
) -> Vec<(i32, f64)> {
    let Some(lag) = youngest.checked_sub(18).map(usize::from) else {
        return Vec::new();
    };
    // The oldest band comes last within each year: keep the last value of each year.
    let mut oldest: BTreeMap<i32, f64> = BTreeMap::new();
    for b in &model.bands {
        oldest.insert(b.year.end_year(), b.ageing_out);
    }
    let history: Vec<f64> = oldest
        .into_iter()
        .filter(|(y, _)| *y <= base_year)
        .map(|(_, v)| v)
        .collect();
    if history.len() < lag {
        return Vec::new();
    }
    let values = history[history.len() - lag..].iter().chain(leavers_18);
    (base_year + 1..).zip(values.copied()).take(years).collect()
}
