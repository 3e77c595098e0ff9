//! Care leavers carried forward from a published opening.

use super::assumptions::check_rate;
use super::grid::{small_i32, small_u8};
use super::projection::MAX_HORIZON;
use crate::{Error, Result};

/// Carries care-leaver cohorts forward (see the methodology).
///
/// `opening`: count by age at 31 March of `base_year`; `inflow`: new care leavers at the
/// youngest age of `opening`, by calendar year of the 31 March, for each projected year in
/// order; `retention`: fraction kept on reaching each age (default 1). Returns rows
/// `(year, age, value)` for the base year and each projected year.
///
/// # Errors
/// [`crate::Error::InvalidArgument`] naming the argument when the opening ages are not
/// consecutive within 16-25 or repeat one, a count is negative, a retention is outside
/// [0, 1], or the inflow's years do not run on from the base year (1 to
/// [`MAX_HORIZON`] of them).
///
/// ```
/// use carecast::model::project_care_leavers;
/// let opening = [(19, 84.0), (20, 92.0), (21, 94.0), (22, 110.0), (23, 80.0), (24, 74.0), (25, 74.0)];
/// let rows = project_care_leavers(2017, &opening, &[(2018, 92.0)], &[]).unwrap();
/// let total_2018: f64 = rows.iter().filter(|r| r.0 == 2018).map(|r| r.2).sum();
/// assert_eq!(total_2018, 626.0);
/// ```
pub fn project_care_leavers(
    base_year: i32,
    opening: &[(u8, f64)],
    inflow: &[(i32, f64)],
    retention: &[(u8, f64)],
) -> Result<Vec<(i32, u8, f64)>> {
    if opening.is_empty() {
        return Err(Error::argument("opening", "{}", "needs at least one age"));
    }
    let mut ages: Vec<u8> = opening.iter().map(|(a, _)| *a).collect();
    ages.sort();
    ages.dedup();
    if ages.len() != opening.len() {
        return Err(Error::argument(
            "opening",
            format!("{ages:?}"),
            "an age is given twice",
        ));
    }
    let (lo, hi) = (ages[0], *ages.last().unwrap_or(&ages[0]));
    if lo < 16 || hi > 25 || usize::from(hi - lo) + 1 != ages.len() {
        return Err(Error::argument(
            "opening",
            format!("ages {lo}..{hi}"),
            "ages must be consecutive, within 16 to 25",
        ));
    }
    for (a, v) in opening {
        if !v.is_finite() || *v < 0.0 {
            return Err(Error::argument(
                format!("opening[{a}]"),
                v,
                "must be a count >= 0",
            ));
        }
    }
    for (a, r) in retention {
        check_rate(&format!("retention[{a}]"), *r)?;
    }
    if inflow.is_empty() || inflow.len() > MAX_HORIZON {
        return Err(Error::argument(
            "inflow",
            inflow.len(),
            format!("needs 1 to {MAX_HORIZON} years"),
        ));
    }
    for (i, (y, v)) in inflow.iter().enumerate() {
        if *y != base_year + 1 + small_i32(i) {
            return Err(Error::argument(
                "inflow",
                y,
                format!("years must run on from {} without gaps", base_year + 1),
            ));
        }
        if !v.is_finite() || *v < 0.0 {
            return Err(Error::argument(
                format!("inflow[{y}]"),
                v,
                "must be a count >= 0",
            ));
        }
    }
    let keep = |age: u8| {
        retention
            .iter()
            .find(|(a, _)| *a == age)
            .map_or(1.0, |(_, r)| *r)
    };
    let mut cur: Vec<f64> = (lo..=hi)
        .map(|a| {
            opening
                .iter()
                .find(|(x, _)| *x == a)
                .map_or(0.0, |(_, v)| *v)
        })
        .collect();
    let mut out: Vec<(i32, u8, f64)> = (lo..=hi)
        .zip(cur.iter())
        .map(|(a, v)| (base_year, a, *v))
        .collect();
    for (y, new) in inflow {
        for i in (1..cur.len()).rev() {
            cur[i] = cur[i - 1] * keep(lo + small_u8(i));
        }
        cur[0] = *new;
        out.extend((lo..=hi).zip(cur.iter()).map(|(a, v)| (*y, a, *v)));
    }
    Ok(out)
}
