//! `carecast._carecast`: the thin PyO3 layer over the `carecast` core crate.
//!
//! Native classes hold the core's values (dataset, table, reconciliation, fitted model,
//! projection, interval projection, market inputs, placements, scenario, comparison,
//! backtest). Inputs are converted once; the core runs with the GIL released and under
//! `catch_unwind`; results reach Python as columns (numpy arrays of numbers or `str`, lists)
//! or, for descriptive parts, as dicts and lists: no JSON text crosses for data. Each
//! error kind maps to its own Python exception class (see [`errors`]). Every class
//! pickles through `__reduce__` with the value's serde bytes inside. No model logic
//! lives here.

use pyo3::prelude::*;

mod convert;
mod data;
mod dfe;
pub mod errors;
mod market;
mod model;
mod national;
mod ssda903;

/// The Python module.
#[pymodule]
fn _carecast(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    errors::register(m)?;
    m.add_class::<data::Dataset>()?;
    m.add_class::<data::Table>()?;
    m.add_class::<data::Reconciliation>()?;
    m.add_class::<model::Model>()?;
    m.add_class::<model::Projection>()?;
    m.add_class::<model::IntervalProjection>()?;
    m.add_class::<market::Inputs>()?;
    m.add_class::<market::Placements>()?;
    m.add_class::<market::Scenario>()?;
    m.add_class::<market::Comparison>()?;
    m.add_class::<market::Backtest>()?;
    m.add_class::<market::Selection>()?;
    m.add_function(wrap_pyfunction!(data::dataset_names, m)?)?;
    m.add_function(wrap_pyfunction!(data::verify, m)?)?;
    m.add_function(wrap_pyfunction!(data::parse_band, m)?)?;
    m.add_function(wrap_pyfunction!(data::period_position, m)?)?;
    m.add_function(wrap_pyfunction!(data::period_year, m)?)?;
    m.add_function(wrap_pyfunction!(data::limits, m)?)?;
    m.add_function(wrap_pyfunction!(data::defaults, m)?)?;
    m.add_function(wrap_pyfunction!(model::project_care_leavers, m)?)?;
    dfe::register(m)?;
    m.add_function(wrap_pyfunction!(market::market_inputs, m)?)?;
    m.add_function(wrap_pyfunction!(market::placement_types, m)?)?;
    m.add_function(wrap_pyfunction!(market::select_default, m)?)?;
    ssda903::register(m)?;
    m.add_function(wrap_pyfunction!(national::national_backtest, m)?)?;
    m.add_function(wrap_pyfunction!(national::default_disagreement, m)?)?;
    m.add_function(wrap_pyfunction!(national::default_admissions, m)?)?;
    m.add_function(wrap_pyfunction!(national::uasc_streams, m)?)?;
    Ok(())
}
