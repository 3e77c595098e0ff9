//! Reading the levers in a given year.

use super::{FromYear, MarketLevers};
use crate::{Error, Result};

impl MarketLevers {
    /// The capacity levers by name, as errors and the notes name them.
    fn named(&self) -> [(&'static str, &[FromYear<f64>]); 7] {
        [
            ("extra_households", &self.extra_households),
            ("approvals_per_year", &self.approvals_per_year),
            ("resignations_per_year", &self.resignations_per_year),
            ("beds", &self.beds),
            ("children_per_household", &self.children_per_household),
            ("extra_contract_carers", &self.extra_contract_carers),
            ("step_down", &self.step_down),
        ]
    }

    /// Checks that every lever starts in a projected year and has a finite value.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] naming the lever and its index (`levers.beds[0].from_year`).
    ///
    /// ```
    /// use carecast::placements::{FromYear, MarketLevers};
    /// let mut l = MarketLevers::default();
    /// l.beds.push(FromYear { from_year: 2017, value: 12.0 });
    /// assert!(l.check(2017).unwrap_err().to_string().contains("levers.beds[0].from_year"));
    /// assert!(l.check(2016).is_ok());
    /// ```
    pub fn check(&self, base_year: i32) -> Result<()> {
        for (name, v) in self.named() {
            for (i, c) in v.iter().enumerate() {
                if c.from_year <= base_year {
                    return Err(Error::argument(
                        format!("levers.{name}[{i}].from_year"),
                        c.from_year,
                        format!(
                            "must be a projected year, after the base year {base_year} (whose counts are published)"
                        ),
                    ));
                }
                if !c.value.is_finite() {
                    return Err(Error::argument(
                        format!("levers.{name}[{i}].value"),
                        c.value,
                        "must be a finite number",
                    ));
                }
            }
        }
        Ok(())
    }

    /// Whether any lever on carer households is set.
    pub(super) fn moves_households(&self) -> bool {
        !(self.extra_households.is_empty()
            && self.approvals_per_year.is_empty()
            && self.resignations_per_year.is_empty())
    }
}

/// The value of a level lever in `calendar`: the latest one in effect, if any.
pub(super) fn level_at(v: &[FromYear<f64>], calendar: i32) -> Option<f64> {
    v.iter()
        .filter(|c| c.from_year <= calendar)
        .max_by_key(|c| c.from_year)
        .map(|c| c.value)
}

/// The sum of one-off additions in effect in `calendar`.
pub(super) fn added_by(v: &[FromYear<f64>], calendar: i32) -> f64 {
    v.iter()
        .filter(|c| c.from_year <= calendar)
        .map(|c| c.value)
        .sum()
}

/// The sum of yearly changes in effect up to `calendar` (each counted once a year from
/// its first year on).
pub(super) fn cumulative(v: &[FromYear<f64>], calendar: i32) -> f64 {
    v.iter()
        .map(|c| c.value * f64::from((calendar - c.from_year + 1).max(0)))
        .sum()
}
