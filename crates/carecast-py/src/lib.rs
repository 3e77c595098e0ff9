//! `carecast._carecast`: the thin PyO3 layer over the `carecast` core crate.
//!
//! It converts inputs, runs the core with the GIL released, and maps each error kind to
//! its own Python exception class. Results cross as JSON text produced by serde; the
//! Python package turns them into pandas objects. No model logic lives here.

use std::panic::{AssertUnwindSafe, catch_unwind};

use carecast::Error;
use pyo3::create_exception;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

mod dfe;
mod market;
mod stochastic;

// The exception classes live at `carecast._carecast.<Name>`: that is where pickle looks
// them up, so an error raised in a worker process can be sent back to the parent.

create_exception!(
    carecast._carecast,
    CarecastError,
    PyValueError,
    "Base class of every carecast error (a ValueError)."
);
create_exception!(
    carecast._carecast,
    DataError,
    CarecastError,
    "A data file or table is malformed (names file, table, line, column)."
);
create_exception!(
    carecast._carecast,
    UnknownNameError,
    CarecastError,
    "A dataset, table, measure, band or placement name is not known."
);
create_exception!(
    carecast._carecast,
    ArgumentError,
    CarecastError,
    "An argument is out of range or inconsistent."
);
create_exception!(
    carecast._carecast,
    FigureError,
    CarecastError,
    "A published-figures file is malformed."
);
create_exception!(
    carecast._carecast,
    ModelError,
    CarecastError,
    "The model cannot be fitted or projected with these data."
);
create_exception!(
    carecast._carecast,
    ScenarioError,
    CarecastError,
    "A scenario or lever is invalid."
);
create_exception!(
    carecast._carecast,
    InternalError,
    CarecastError,
    "A bug in carecast (please report it)."
);

fn to_py(e: Error) -> PyErr {
    let msg = e.to_string();
    match e {
        Error::Data { .. } | Error::Io { .. } => DataError::new_err(msg),
        Error::UnknownName { .. } => UnknownNameError::new_err(msg),
        Error::InvalidArgument { .. } | Error::BandScheme { .. } => ArgumentError::new_err(msg),
        Error::Figure { .. } => FigureError::new_err(msg),
        Error::Model { .. } => ModelError::new_err(msg),
        Error::Scenario { .. } => ScenarioError::new_err(msg),
        _ => CarecastError::new_err(msg),
    }
}

/// Runs `f` without the GIL, turning errors into Python exceptions and any panic into
/// `InternalError` (so no `PanicException` reaches Python).
pub(crate) fn run<T: Send>(
    py: Python<'_>,
    f: impl FnOnce() -> carecast::Result<T> + Send,
) -> PyResult<T> {
    let out = py.detach(|| catch_unwind(AssertUnwindSafe(f)));
    match out {
        Ok(r) => r.map_err(to_py),
        Err(p) => {
            let what = p
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| p.downcast_ref::<String>().cloned())
                .unwrap_or_default();
            Err(InternalError::new_err(format!("internal error: {what}")))
        }
    }
}

pub(crate) fn json<T: serde::Serialize>(v: &T) -> carecast::Result<String> {
    serde_json::to_string(v).map_err(|e| Error::model(format!("cannot serialise result: {e}")))
}

/// Names of the bundled datasets.
#[pyfunction]
fn dataset_names() -> Vec<String> {
    carecast::Dataset::names()
        .into_iter()
        .map(String::from)
        .collect()
}

/// A bundled dataset as JSON.
#[pyfunction]
fn load_bundled(py: Python<'_>, name: String) -> PyResult<String> {
    run(py, || json(&carecast::Dataset::bundled(&name)?))
}

/// A dataset read from a folder of table files, as JSON.
#[pyfunction]
fn load_dir(py: Python<'_>, path: String) -> PyResult<String> {
    run(py, || json(&carecast::Dataset::from_dir(&path)?))
}

/// A dataset built from `(file name, text)` pairs, as JSON.
#[pyfunction]
fn load_files(py: Python<'_>, name: String, files: Vec<(String, String)>) -> PyResult<String> {
    run(py, || {
        json(&carecast::Dataset::from_files(&name, "files", files)?)
    })
}

/// One table file parsed, as JSON.
#[pyfunction]
fn parse_table(py: Python<'_>, file: String, text: String) -> PyResult<String> {
    run(py, || json(&carecast::Table::parse(&file, &text)?))
}

/// The reconciliation of a dataset given as JSON, as JSON.
#[pyfunction]
fn reconcile(py: Python<'_>, dataset_json: String) -> PyResult<String> {
    run(py, || {
        let d = dataset_from_json(&dataset_json)?;
        json(&d.reconcile())
    })
}

/// Checks a figures file (TOML text); returns the results as JSON.
#[pyfunction]
fn verify(py: Python<'_>, file: String, text: String) -> PyResult<String> {
    run(py, || json(&carecast::figures::verify(&file, &text)?))
}

/// Parses a band label to `(lo, hi)` years, `hi` exclusive; `all` gives `(0, 18)`.
#[pyfunction]
fn parse_band(py: Python<'_>, label: String) -> PyResult<(u8, u8)> {
    run(py, || match carecast::Band::parse(&label)? {
        carecast::Band::All => Ok((0, 18)),
        carecast::Band::Ages(b) => Ok((b.lo(), b.hi())),
    })
}

/// Fits the cohort model to a dataset given as JSON; returns the fitted model as JSON.
#[pyfunction]
fn fit(py: Python<'_>, dataset_json: String) -> PyResult<String> {
    run(py, || {
        let d = dataset_from_json(&dataset_json)?;
        json(&carecast::CohortModel::fit(&d)?)
    })
}

/// A fitted model from its JSON.
pub(crate) fn model_from_json(model_json: &str) -> carecast::Result<carecast::CohortModel> {
    serde_json::from_str(model_json)
        .map_err(|e| Error::model(format!("not a fitted carecast model: {e}")))
}

/// A dataset from its JSON.
pub(crate) fn dataset_from_json(dataset_json: &str) -> carecast::Result<carecast::Dataset> {
    serde_json::from_str(dataset_json)
        .map_err(|e| Error::model(format!("not a carecast dataset: {e}")))
}

/// Projection options from the arguments `project` and `simulate` share: `admissions`
/// and `discharges` are JSON objects with a `method` key, `bands` a scheme name or band
/// labels, `changes` a JSON list of flow changes.
#[allow(clippy::too_many_arguments)]
pub(crate) fn projection_options(
    base_year: i32,
    years: usize,
    admissions: &str,
    discharges: &str,
    bands: &[String],
    leaver_share: f64,
    retention: Vec<(u8, f64)>,
    grain: String,
    changes: &str,
) -> carecast::Result<carecast::ProjectionOptions> {
    let method = |name: &str, text: &str, e: serde_json::Error| {
        Error::argument(
            name,
            text,
            format!("expected {{\"method\": ...}} with a known method: {e}"),
        )
    };
    let output_bands = match bands {
        [one] if !one.contains('-') && one != "under 1" => carecast::BandScheme::named(one)?,
        labels => {
            let labels: Vec<&str> = labels.iter().map(String::as_str).collect();
            carecast::BandScheme::custom("custom", &labels)?
        }
    };
    Ok(carecast::ProjectionOptions {
        base_year,
        years,
        admissions: serde_json::from_str(admissions)
            .map_err(|e| method("admissions", admissions, e))?,
        discharges: serde_json::from_str(discharges)
            .map_err(|e| method("discharges", discharges, e))?,
        output_bands,
        leaver_share_16_17: leaver_share,
        retention,
        grain,
        changes: serde_json::from_str(changes).map_err(|e| {
            Error::argument(
                "changes",
                changes,
                format!("not a list of flow changes: {e}"),
            )
        })?,
    })
}

/// Projects a fitted model (JSON). `admissions` and `discharges` are JSON objects with a
/// `method` key; `bands` is a scheme name or a list of band labels. Returns JSON.
#[pyfunction]
#[pyo3(signature = (model_json, base_year, years, admissions, discharges, bands, leaver_share, retention, grain, changes = None))]
#[allow(clippy::too_many_arguments)]
fn project(
    py: Python<'_>,
    model_json: String,
    base_year: i32,
    years: usize,
    admissions: String,
    discharges: String,
    bands: Vec<String>,
    leaver_share: f64,
    retention: Vec<(u8, f64)>,
    grain: String,
    changes: Option<String>,
) -> PyResult<String> {
    run(py, || {
        let m = model_from_json(&model_json)?;
        let o = projection_options(
            base_year,
            years,
            &admissions,
            &discharges,
            &bands,
            leaver_share,
            retention,
            grain,
            changes.as_deref().unwrap_or("[]"),
        )?;
        json(&m.project(&o)?)
    })
}

/// Carries care-leaver cohorts forward; returns `(year, age, value)` rows.
#[pyfunction]
fn project_care_leavers(
    py: Python<'_>,
    base_year: i32,
    opening: Vec<(u8, f64)>,
    inflow: Vec<(i32, f64)>,
    retention: Vec<(u8, f64)>,
) -> PyResult<Vec<(i32, u8, f64)>> {
    run(py, || {
        carecast::model::project_care_leavers(base_year, &opening, &inflow, &retention)
    })
}

/// The Python module.
#[pymodule]
fn _carecast(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add("CarecastError", py.get_type::<CarecastError>())?;
    m.add("DataError", py.get_type::<DataError>())?;
    m.add("UnknownNameError", py.get_type::<UnknownNameError>())?;
    m.add("ArgumentError", py.get_type::<ArgumentError>())?;
    m.add("FigureError", py.get_type::<FigureError>())?;
    m.add("ModelError", py.get_type::<ModelError>())?;
    m.add("ScenarioError", py.get_type::<ScenarioError>())?;
    m.add("InternalError", py.get_type::<InternalError>())?;
    dfe::register(m)?;
    m.add_function(wrap_pyfunction!(dataset_names, m)?)?;
    m.add_function(wrap_pyfunction!(load_bundled, m)?)?;
    m.add_function(wrap_pyfunction!(load_dir, m)?)?;
    m.add_function(wrap_pyfunction!(load_files, m)?)?;
    m.add_function(wrap_pyfunction!(parse_table, m)?)?;
    m.add_function(wrap_pyfunction!(reconcile, m)?)?;
    m.add_function(wrap_pyfunction!(verify, m)?)?;
    m.add_function(wrap_pyfunction!(parse_band, m)?)?;
    m.add_function(wrap_pyfunction!(fit, m)?)?;
    m.add_function(wrap_pyfunction!(project, m)?)?;
    m.add_function(wrap_pyfunction!(project_care_leavers, m)?)?;
    m.add_function(wrap_pyfunction!(market::market_inputs, m)?)?;
    m.add_function(wrap_pyfunction!(market::placements, m)?)?;
    m.add_function(wrap_pyfunction!(market::placement_intervals, m)?)?;
    m.add_function(wrap_pyfunction!(market::reconcile_spend, m)?)?;
    m.add_function(wrap_pyfunction!(market::usage_estimates, m)?)?;
    m.add_function(wrap_pyfunction!(market::placement_types, m)?)?;
    m.add_function(wrap_pyfunction!(market::scenario_parse, m)?)?;
    m.add_function(wrap_pyfunction!(market::scenario_to_toml, m)?)?;
    m.add_function(wrap_pyfunction!(market::scenario_run, m)?)?;
    m.add_function(wrap_pyfunction!(stochastic::simulate, m)?)?;
    m.add_function(wrap_pyfunction!(stochastic::backtest, m)?)?;
    m.add_function(wrap_pyfunction!(stochastic::select_default, m)?)?;
    Ok(())
}
