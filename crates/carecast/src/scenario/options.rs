//! The projection and placement options a scenario's levers give.

use super::{Lever, Scenario};
use crate::model::{Admissions, FlowChange, ProjectionOptions};
use crate::placements::{FromYear, MarketLevers, MarketOptions, UnitCost, cost_band};
use crate::{Error, Result};

impl Scenario {
    /// The projection and market options of the baseline plus `levers`. `returned_home`:
    /// the share of discharges that were returns home (for reunification levers);
    /// `default_admissions`: the dataset's default, used when the scenario names none.
    pub(super) fn options(
        &self,
        base: i32,
        levers: &[Lever],
        returned_home: Option<f64>,
        default_admissions: &Admissions,
    ) -> Result<(ProjectionOptions, MarketOptions)> {
        let first = base + 1;
        let mut po = ProjectionOptions::new(base, self.years);
        po.admissions = self
            .admissions
            .clone()
            .unwrap_or_else(|| default_admissions.clone());
        if let Some(d) = &self.discharges {
            po.discharges = d.clone();
        }
        let mut mo = MarketOptions {
            mix: self.mix.clone().unwrap_or_default(),
            inflation: self.inflation,
            levers: MarketLevers {
                unit_costs: self.unit_costs.clone(),
                ..MarketLevers::default()
            },
        };
        let at = |v: Option<i32>| v.unwrap_or(first);
        for l in levers {
            match flow_change(l, at, returned_home)? {
                Some(c) => po.changes.push(c),
                None => self.market_lever(l, at(l.from_year()), base, &mut mo.levers)?,
            }
        }
        Ok((po, mo))
    }

    /// Adds a placement-side lever (step-down, carers, beds, costs, inflation) to the
    /// market levers; `from` is its first year.
    fn market_lever(
        &self,
        l: &Lever,
        from: i32,
        base: i32,
        levers: &mut MarketLevers,
    ) -> Result<()> {
        let at = |value: f64| FromYear {
            from_year: from,
            value,
        };
        match l {
            Lever::StepDown { children, .. } => levers.step_down.push(at(*children)),
            Lever::FosterRecruitment {
                households,
                per_year,
                ..
            } => {
                if *households != 0.0 {
                    levers.extra_households.push(at(*households));
                }
                if *per_year != 0.0 {
                    levers.approvals_per_year.push(at(*per_year));
                }
            }
            Lever::ContractCarers { households, .. } => {
                levers.extra_contract_carers.push(at(*households));
            }
            Lever::FosterResignations { per_year, .. } => {
                levers.resignations_per_year.push(at(*per_year));
            }
            Lever::Beds { beds, .. } => levers.beds.push(at(*beds)),
            Lever::UnitCost {
                placement,
                band,
                annual,
                price_year,
                ..
            } => levers.unit_costs.push(UnitCost {
                placement: *placement,
                band: band.as_deref().map(cost_band).transpose()?,
                annual: *annual,
                price_year: price_year.unwrap_or(base),
                source: format!("scenario {:?}", self.name),
            }),
            Lever::Inflation { percent, .. } => levers.inflation = Some(*percent),
            Lever::Admissions { .. } | Lever::Discharges { .. } | Lever::Reunification { .. } => {}
        }
        Ok(())
    }
}

/// The flow change of an admissions, discharges or reunification lever (`None` for a
/// placement-side lever). `returned_home`: the share of discharges that were returns home.
fn flow_change(
    l: &Lever,
    at: impl Fn(Option<i32>) -> i32,
    returned_home: Option<f64>,
) -> Result<Option<FlowChange>> {
    Ok(Some(match l {
        Lever::Admissions {
            band,
            percent,
            absolute,
            from_year,
            ..
        } => FlowChange {
            admissions_percent: *percent,
            admissions_absolute: *absolute,
            from_year: Some(at(*from_year)),
            ..FlowChange::new(band.clone())
        },
        Lever::Discharges {
            band,
            percent,
            from_year,
            ..
        } => FlowChange {
            discharge_percent: *percent,
            from_year: Some(at(*from_year)),
            ..FlowChange::new(band.clone())
        },
        Lever::Reunification {
            band,
            percent,
            from_year,
            ..
        } => {
            let share = returned_home.ok_or_else(|| {
                Error::model(
                    "a reunification lever needs the share of discharges that were returns home",
                )
            })?;
            FlowChange {
                discharge_percent: percent * share,
                from_year: Some(at(*from_year)),
                ..FlowChange::new(band.clone())
            }
        }
        _ => return Ok(None),
    }))
}
