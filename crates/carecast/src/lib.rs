//! # carecast
//!
//! Forecast demand for children-in-care placements in English local authorities from
//! the tables councils publish.
//!
//! The core crate has no Python in it. It reads published tables (keeping suppressed
//! cells honest), reconciles them, and checks figures for CI.
//!
//! ```
//! use carecast::{Dataset, Status};
//! let d = Dataset::bundled("derbyshire").unwrap();
//! let rec = d.reconcile();
//! assert!(rec.findings.iter().any(|f| f.kind == "stock_identity" && f.status == Status::Fail));
//! ```
#![warn(missing_docs)]

pub mod age;
pub mod backtest;
pub mod cell;
pub mod dataset;
pub mod error;
pub mod figures;
pub mod market;
pub mod methodology;
pub mod model;
pub mod period;
pub mod placement;
pub mod reconcile;
pub mod scenario;
pub mod stochastic;
pub mod table;
pub mod views;

pub use age::{AgeBand, Band, BandScheme};
pub use backtest::{Backtest, BacktestOptions};
pub use cell::{Cell, Interval, Unit};
pub use dataset::Dataset;
pub use error::{Error, Location, Result};
pub use model::{CohortModel, Projection, ProjectionOptions};
pub use period::{Date, FinancialYear, Period};
pub use placement::{PlacementGroup, PlacementType, Provider};
pub use reconcile::{CheckSpec, Finding, Reconciliation, Selector, Status};
pub use stochastic::{IntervalProjection, Samples, StochasticOptions};
pub use table::{Key, Record, Table, TableMeta};
