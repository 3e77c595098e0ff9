//! The cohort model, in the order the data flows through it:
//!
//! | file | stage |
//! |---|---|
//! | `history` | the dataset's tables read into yearly flows by band ([`History`]) |
//! | `grid` | the monthly age grid and one month's step |
//! | `fit` | calibration of discharge rates to the published stocks ([`CohortModel::fit`]) |
//! | `methods` | the admissions and discharge methods a projection may assume ([`Admissions`], [`Discharges`]) |
//! | `assumptions` | assumed admissions and rates for the projected years |
//! | `options` | a projection's options ([`ProjectionOptions`], [`Grain`], the builder) |
//! | `projection` | rows and the projection itself ([`CohortModel::project`]) |
//! | `columns` | the projection in columns, labels made once ([`ProjectionColumns`], [`CohortModel::project_columns`]) |
//! | `warnings` | the warnings a projection's notes carry (zero rates, band views of totals) |
//! | `leavers` | care leavers carried forward from a published opening ([`project_care_leavers`]) |
//!
//! See [`crate::methodology`] for the equations.

mod assumptions;
mod columns;
mod fit;
mod grid;
mod history;
mod leavers;
mod methods;
mod options;
mod projection;
mod warnings;

pub use assumptions::{TREND_WINDOW, rate_slope, reference_growth, shrink};
pub(crate) use assumptions::{assumed_admissions, damped_path, last_k, ols_slope, poisson_trend};
pub use columns::{MEASURES, ProjectionColumns};
pub use fit::{BandFit, CohortModel, MAX_TILT, YearDischarges};
pub(crate) use grid::{Flows, Grid, GridStepper, Stepper};
pub use grid::{MONTHS, annual_rate, monthly_fraction};
pub use history::{History, YearFlows};
pub use leavers::project_care_leavers;
pub use methods::{
    ADMISSIONS_METHODS, Admissions, DEFAULT_ADMISSIONS, DEFAULT_DISCHARGES, DEFAULT_PHI,
    DEFAULT_REGULARISED_YEARS, DEFAULT_STRENGTH, DISCHARGE_METHODS, Discharges, MAX_REVERSION,
    MethodSpec, check_reversion,
};
pub use options::{FlowChange, Grain, ProjectionOptions, ProjectionOptionsBuilder};
pub use projection::{Assumptions, MAX_HORIZON, Projection, Row, WARN_FACTOR};
pub(crate) use projection::{BandKey, PeriodKey, Sink, YearByBand, apply_changes, drive};

/// The cohort model under its earlier single-module path (`carecast::model::...`): every
/// name above, kept so that code written against that path still compiles.
pub mod model {
    pub use super::{
        ADMISSIONS_METHODS, Admissions, Assumptions, BandFit, CohortModel, DEFAULT_ADMISSIONS,
        DEFAULT_DISCHARGES, DEFAULT_PHI, DEFAULT_REGULARISED_YEARS, DEFAULT_STRENGTH,
        DISCHARGE_METHODS, Discharges, FlowChange, Grain, History, MAX_HORIZON, MAX_REVERSION,
        MAX_TILT, MEASURES, MONTHS, MethodSpec, Projection, ProjectionColumns, ProjectionOptions,
        ProjectionOptionsBuilder, Row, TREND_WINDOW, WARN_FACTOR, YearDischarges, YearFlows,
        annual_rate, check_reversion, monthly_fraction, project_care_leavers, rate_slope,
        reference_growth, shrink,
    };
    pub(crate) use super::{
        BandKey, Flows, Grid, GridStepper, PeriodKey, Sink, Stepper, YearByBand, apply_changes,
        assumed_admissions, damped_path, drive, last_k, ols_slope, poisson_trend,
    };
}
