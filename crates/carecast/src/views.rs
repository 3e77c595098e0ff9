//! Derived views of a fitted model that front ends (the Python package, the CLI) need,
//! kept in the core so that no front end re-derives model logic from labels.

use std::collections::BTreeMap;

use crate::CohortModel;

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
