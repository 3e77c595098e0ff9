//! # carecast
//!
//! Forecast demand for children-in-care placements in English local authorities from
//! the tables councils publish.
//!
//! The core crate has no Python in it. Its modules follow the data flow:
//!
//! | module | what it holds |
//! |---|---|
//! | [`units`] | checked value types: age bands, periods and dates, cells, placement types |
//! | [`data`] | tables, datasets, and the table ids and measures the model reads |
//! | [`sources`] | where datasets come from: the bundled ones, a user's folder |
//! | [`reconcile`] | checks within and across the tables of a dataset |
//! | [`cohort`] | the cohort model: history, fit, assumptions, projection, care leavers |
//! | [`uncertainty`] | Monte Carlo paths and interval summaries |
//! | [`placements`] | placement mix, in-house capacity, the external market, spend |
//! | [`scenario`] | levers on flows and capacity, scenario runs and attribution |
//! | [`evaluate`] | backtests and checks of quoted figures |
//! | [`methodology`] | the equations and assumptions (documentation only) |
//!
//! ```
//! use carecast::{Dataset, Status};
//! let d = Dataset::bundled("derbyshire").unwrap();
//! let rec = d.reconcile();
//! assert!(rec.findings.iter().any(|f| f.kind == "stock_identity" && f.status == Status::Fail));
//! ```
#![warn(missing_docs)]
#![warn(clippy::too_many_lines, clippy::missing_errors_doc)]
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        clippy::cast_possible_wrap
    )
)]

pub mod cohort;
pub mod data;
pub mod dfe;
pub mod error;
pub mod evaluate;
pub mod methodology;
pub mod national;
pub mod placements;
pub mod reconcile;
pub mod scenario;
pub mod sources;
pub mod ssda903;
pub mod uncertainty;
pub mod units;
pub mod views;

// The module paths of the flat layout, kept so that code written against them still
// compiles; new code uses the crate-root names or the folders above.
#[doc(hidden)]
pub use cohort::model;
#[doc(hidden)]
pub use data::{dataset, table};
#[doc(hidden)]
pub use evaluate::{backtest, figures};
#[doc(hidden)]
pub use placements as market;
#[doc(hidden)]
pub use uncertainty::stochastic;
#[doc(hidden)]
pub use units::{age, cell, period, placement};

pub use age::{AgeBand, Band, BandScheme};
pub use backtest::{Backtest, BacktestOptions};
pub use cell::{Cell, Interval, Unit};
pub use data::checks::{CheckSpec, Selector};
pub use dataset::Dataset;
pub use error::{Error, Location, Result};
pub use model::{CohortModel, Projection, ProjectionColumns, ProjectionOptions};
pub use period::{Date, FinancialYear, Period};
pub use placement::{PlacementGroup, PlacementType, Provider};
pub use placements::{
    MarketInputs, MarketLevers, MarketOptions, MarketProjection, MarketRow, MixMethod, UnitCost,
};
pub use reconcile::{Finding, Reconciliation, Status};
pub use scenario::{Comparison, Lever, Scenario};
pub use stochastic::{IntervalProjection, Samples, StochasticOptions};
pub use table::{Key, Record, Table, TableMeta};

/// The names most programs need: `use carecast::prelude::*;`.
///
/// ```
/// use carecast::prelude::*;
/// let ds = Dataset::bundled("derbyshire").unwrap();
/// let model = CohortModel::fit(&ds).unwrap();
/// let p = model.project(&ProjectionOptions::new(2017, 3)).unwrap();
/// assert!(!p.rows.is_empty());
/// ```
pub mod prelude {
    pub use crate::{
        AgeBand, Band, Cell, CohortModel, Dataset, Error, FinancialYear, MarketInputs,
        MarketOptions, MarketProjection, Period, PlacementType, Projection, ProjectionOptions,
        Reconciliation, Result, Scenario, Status, Table,
    };
}
