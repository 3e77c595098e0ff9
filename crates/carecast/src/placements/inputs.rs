//! What the placement model reads from a dataset: the mix, in-house capacity, unit
//! costs, targets and published spend.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::check_cost;
use crate::{Date, Error, FinancialYear, PlacementType, Result};

/// Children by placement type at one date, for one age group.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MixObservation {
    /// The date (usually 31 March).
    pub date: Date,
    /// Youngest age of the group.
    pub lo: u8,
    /// One past the oldest age of the group (18 = all children).
    pub hi: u8,
    /// Children by type (suppressed cells estimated as described in `notes`).
    pub counts: BTreeMap<PlacementType, f64>,
    /// All children in care in the group at the date.
    pub total: f64,
    /// The table it came from, with its source.
    pub source: String,
    /// How suppressed cells and missing types were filled.
    pub notes: Vec<String>,
}

impl MixObservation {
    /// The share of each type (the counts divided by the total).
    pub fn shares(&self) -> BTreeMap<PlacementType, f64> {
        self.counts
            .iter()
            .map(|(t, c)| {
                (
                    *t,
                    if self.total > 0.0 {
                        c / self.total
                    } else {
                        0.0
                    },
                )
            })
            .collect()
    }
}

/// In-house fostering capacity.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FosteringCapacity {
    /// Carer households in the base year, if published.
    pub households: Option<f64>,
    /// The financial year the households figure is for.
    pub households_year: Option<String>,
    /// Children placed in-house per household in the base year.
    pub children_per_household: Option<f64>,
    /// Households approved per year (mean of the published years).
    pub approvals: f64,
    /// Households resigning per year (mean of the published years).
    pub resignations: f64,
    /// Children placed in-house (fostering pool) at the base date.
    pub base_children: f64,
    /// Approved places per household (approved places over households), if published.
    pub places_per_household: Option<f64>,
    /// Approved places filled in the base year (published), if published: with the
    /// approved places it gives the published utilisation.
    #[serde(default)]
    pub filled_places: Option<f64>,
    /// Contract carer households at the base date, if published. They are taken to be
    /// among the carer households and to look after one child in care each (the source
    /// describes contract care as one-to-one); their children are `contract_care`
    /// placements, split from the published in-house foster placements.
    #[serde(default)]
    pub contract_carers: Option<f64>,
    /// Where the figures came from.
    pub source: String,
}

impl FosteringCapacity {
    /// Children in contract care at the base date: one per contract carer household, at
    /// most the in-house fostered children.
    pub fn contract_children(&self) -> f64 {
        self.contract_carers.unwrap_or(0.0).min(self.base_children)
    }

    /// Approved places filled as a share of approved places in the base year, percent.
    pub fn utilisation(&self) -> Option<f64> {
        match (
            self.filled_places,
            self.places_per_household,
            self.households,
        ) {
            (Some(f), Some(pph), Some(h)) if pph * h > 0.0 => Some(100.0 * f / (pph * h)),
            _ => None,
        }
    }
}

/// In-house residential capacity.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResidentialCapacity {
    /// Beds at the base date, if published.
    pub beds: Option<f64>,
    /// Beds planned later (applied from the first projected year), if published.
    pub planned_beds: Option<f64>,
    /// Children in council homes at the base date divided by beds (at most 1).
    pub occupancy: Option<f64>,
    /// Children placed in-house (residential pool) at the base date.
    pub base_children: f64,
    /// Where the figures came from.
    pub source: String,
}

/// An annual unit cost.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UnitCost {
    /// Placement type.
    pub placement: PlacementType,
    /// Cost age band (`0-1`, `2-4`, `5-10`, `11-15`, `16+`), or `None` for every age.
    #[serde(default)]
    pub band: Option<String>,
    /// Pounds per child per year.
    pub annual: f64,
    /// Price year: the calendar year of the 31 March ending the financial year of the prices.
    pub price_year: i32,
    /// Where it came from.
    #[serde(default)]
    pub source: String,
}

/// A target the council has set itself.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Target {
    /// The measure it applies to: `in_house_share`, `utilisation` (percents),
    /// `households` or `contract_carers` (counts) of the fostering pool, or
    /// `within_20_miles_share` (percent) of `all`.
    pub measure: String,
    /// The pool or `all`.
    pub placement: String,
    /// Financial year (`None` = every year).
    pub year: Option<String>,
    /// The target: a percent for share and utilisation measures, else a count (the
    /// field keeps its name for compatibility of saved inputs).
    pub percent: f64,
    /// Source.
    pub source: String,
}

/// Spend a council has published, to reconcile against.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PublishedSpend {
    /// Financial year.
    pub year: FinancialYear,
    /// What it covers: a pool name or a placement type code.
    pub what: String,
    /// The types it covers.
    pub types: Vec<PlacementType>,
    /// Pounds.
    pub value: f64,
    /// Placements at the year's start and end printed beside the spend, if any.
    #[serde(default)]
    pub own_counts: Option<(f64, f64)>,
    /// Source.
    pub source: String,
}

/// Everything the placement model reads from a dataset. Serialisable, so users can edit
/// or supply it themselves.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MarketInputs {
    /// Dataset name.
    pub dataset: String,
    /// Children by type at published dates.
    pub observations: Vec<MixObservation>,
    /// In-house fostering capacity.
    pub fostering: FosteringCapacity,
    /// In-house residential capacity.
    pub residential: ResidentialCapacity,
    /// Unit costs.
    pub unit_costs: Vec<UnitCost>,
    /// Share of in-house and of external placements within 20 miles, percent, if published.
    pub within_20_miles: Option<(f64, f64)>,
    /// Targets.
    pub targets: Vec<Target>,
    /// Published spend.
    pub published_spend: Vec<PublishedSpend>,
    /// The base date the capacity was calibrated at.
    pub base: Date,
    /// Notes on what was read and assumed.
    pub notes: Vec<String>,
}

impl MarketInputs {
    /// Checks the inputs a user may have edited: counts, capacities and costs must be
    /// finite and not negative, occupancy at most 100%.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] naming the field (`observations[2017-03-31].counts.ifa`,
    /// `residential.occupancy`, `unit_costs[0].annual`) that is negative, not finite, or out of
    /// range.
    pub fn validate(&self) -> Result<()> {
        let bad = |what: String, v: f64, msg: &str| Err(Error::argument(what, v, msg));
        for o in &self.observations {
            for (t, c) in &o.counts {
                if !c.is_finite() || *c < 0.0 {
                    return bad(
                        format!("observations[{}].counts.{}", o.date, t.code()),
                        *c,
                        "must be a count >= 0",
                    );
                }
            }
            let sum: f64 = o.counts.values().sum();
            if o.total <= 0.0 || (sum - o.total).abs() > 0.5 + 1e-9 * o.total {
                return bad(
                    format!("observations[{}].total", o.date),
                    o.total,
                    &format!("the shares must add to one: the counts add to {sum}"),
                );
            }
        }
        let f = &self.fostering;
        for (name, v) in [
            ("fostering.households", f.households.unwrap_or(0.0)),
            (
                "fostering.children_per_household",
                f.children_per_household.unwrap_or(0.0),
            ),
            ("fostering.approvals", f.approvals),
            ("fostering.resignations", f.resignations),
            ("fostering.base_children", f.base_children),
            ("residential.beds", self.residential.beds.unwrap_or(0.0)),
            (
                "residential.planned_beds",
                self.residential.planned_beds.unwrap_or(0.0),
            ),
            ("residential.base_children", self.residential.base_children),
        ] {
            if !v.is_finite() || v < 0.0 {
                return bad(name.into(), v, "capacities cannot be negative");
            }
        }
        if let Some(o) = self.residential.occupancy
            && (!(0.0..=1.0).contains(&o) || !o.is_finite())
        {
            return bad(
                "residential.occupancy".into(),
                o,
                "utilisation must be within 0 to 100%",
            );
        }
        for (i, c) in self.unit_costs.iter().enumerate() {
            check_cost(&format!("unit_costs[{i}]"), c)?;
        }
        Ok(())
    }
}
