//! In-house capacity in a projected year: fostering households, contract carers and
//! places; council home beds.

use super::levers::{added_by, cumulative, level_at};
use super::{MarketInputs, MarketLevers};
use crate::{Error, Result};

/// A year of a placement projection: its index (0 = base), the calendar year of its
/// 31 March and its label (`2017/18`).
pub(super) struct Year {
    pub(super) t: usize,
    pub(super) calendar: i32,
    pub(super) label: String,
    /// Number of fine bands.
    pub(super) bands: usize,
}

/// What a pool can take in-house in a year.
#[derive(Debug, Default)]
pub(super) struct PoolCapacity {
    /// Children the council can place in-house.
    pub(super) capacity: f64,
    /// Approved foster places or beds, where published.
    pub(super) places: Option<f64>,
    /// Fostering: carer households, contract carers included, where published.
    pub(super) households: Option<f64>,
    /// Fostering: contract carer households (one child each).
    pub(super) contract: f64,
}

impl MarketInputs {
    /// In-house fostering capacity in a year, with the levers applied.
    pub(super) fn fostering_capacity(&self, l: &MarketLevers, y: &Year) -> Result<PoolCapacity> {
        let f = &self.fostering;
        let contract = f.contract_children() + added_by(&l.extra_contract_carers, y.calendar);
        if contract < 0.0 {
            return Err(Error::argument(
                "contract carer households",
                format!("{contract:.1}"),
                format!("would be negative in {}", y.label),
            ));
        }
        let moved = cumulative(&l.approvals_per_year, y.calendar)
            - cumulative(&l.resignations_per_year, y.calendar)
            + added_by(&l.extra_households, y.calendar);
        let mut out = PoolCapacity {
            contract,
            ..PoolCapacity::default()
        };
        match (f.households, f.children_per_household) {
            (Some(h0), Some(cph0)) => {
                let years_on = y.t as f64;
                // Summed in this order so that figures match earlier releases to the bit.
                let hh = h0 - f.contract_children()
                    + years_on * (f.approvals - f.resignations)
                    + cumulative(&l.approvals_per_year, y.calendar)
                    - cumulative(&l.resignations_per_year, y.calendar)
                    + added_by(&l.extra_households, y.calendar);
                let cph = level_at(&l.children_per_household, y.calendar).unwrap_or(cph0);
                if hh < 0.0 {
                    return Err(Error::argument(
                        "carer households",
                        format!("{hh:.1}"),
                        format!(
                            "would be negative in {}: the levers remove more in-house foster carer households than the {h0} of {} and those approved since",
                            y.label,
                            f.households_year.as_deref().unwrap_or("the base year")
                        ),
                    ));
                }
                out.households = Some(hh + contract);
                out.places = f.places_per_household.map(|p| (hh + contract) * p);
                out.capacity = hh * cph + contract;
            }
            _ => {
                // No household figures: each extra household is taken to give one
                // in-house placement (said in the notes when used).
                if f.base_children + moved < 0.0 {
                    return Err(Error::argument(
                        "in-house fostering capacity",
                        format!("{:.1}", f.base_children + moved),
                        format!(
                            "would be negative in {}: the levers remove more households than the {} in-house placements of the base year",
                            y.label, f.base_children
                        ),
                    ));
                }
                out.capacity = f.base_children - f.contract_children() + moved + contract;
            }
        }
        Ok(out)
    }

    /// In-house residential capacity in a year: beds (the lever's, else the planned beds
    /// after the base year, else the base) at the base year's occupancy.
    pub(super) fn residential_capacity(&self, l: &MarketLevers, y: &Year) -> PoolCapacity {
        let r = &self.residential;
        match (r.beds, r.occupancy) {
            (Some(b0), Some(occ)) => {
                let default = if y.t == 0 {
                    b0
                } else {
                    r.planned_beds.unwrap_or(b0)
                };
                let beds = level_at(&l.beds, y.calendar).unwrap_or(default);
                PoolCapacity {
                    capacity: beds * occ,
                    places: Some(beds),
                    ..PoolCapacity::default()
                }
            }
            _ => PoolCapacity {
                capacity: r.base_children,
                ..PoolCapacity::default()
            },
        }
    }
}
