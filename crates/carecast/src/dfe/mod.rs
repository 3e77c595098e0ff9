//! Every council in England from the Department for Education's published statistics
//! *Children looked after in England including adoptions*.
//!
//! * [`read`]: readers for the published files (SFR and ULD wide CSVs, EES tidy CSVs, the
//!   2024 dashboard tables, ONS 0-17 estimates), recognised by their columns;
//! * [`Panel`]: the national panel, every release's value per year, area, measure and
//!   breakdown (vintages), bundled in the crate and built by `scripts/build_dfe_panel.sh`;
//! * [`dataset`]: any council, region or England as a [`crate::Dataset`] (`dfe:<name>`).
//!
//! Contains public sector information licensed under the Open Government Licence v3.0
//! (DfE official statistics and ONS population estimates; see `dfe/LICENCE.md`).

pub mod areas;
pub mod build;
pub mod council;
pub mod panel;
pub mod read;
pub mod sources;

pub use areas::{Area, Areas, BoundaryChange};
pub use council::{combine, council_dataset, dataset, dataset_in};
pub use panel::{Input, Panel, Release, Row, Status};

/// The prefix of DfE dataset names (`dfe:Nottinghamshire`).
pub const PREFIX: &str = "dfe:";

/// The attribution the data's licence asks for.
pub const ATTRIBUTION: &str = "Contains public sector information licensed under the Open Government Licence v3.0 (Department for Education, Children looked after in England including adoptions; ONS mid-year population estimates).";
