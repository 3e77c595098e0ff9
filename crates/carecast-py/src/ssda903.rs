//! Native functions for `carecast.ssda903`: SSDA903 returns read, cleaned and derived, and
//! synthetic returns written.

use pyo3::prelude::*;

use carecast::ssda903::{self, synth};

use crate::convert::{columns, value_to_py};
use crate::data::Dataset;
use crate::errors::run;

/// Reads SSDA903 returns under `paths`; returns `(dataset, audit columns)`. The audit has
/// the columns `rule, action, rows, children, detail`.
#[pyfunction]
fn ssda903_load(
    py: Python<'_>,
    paths: Vec<String>,
) -> PyResult<(Dataset, Py<pyo3::types::PyDict>)> {
    let (dataset, audit) = run(py, || {
        let r = ssda903::load(&paths)?;
        let audit: Vec<serde_json::Value> = r
            .audit
            .iter()
            .map(|a| {
                serde_json::json!({
                    "rule": a.rule, "action": a.action, "rows": a.rows,
                    "children": a.children, "detail": a.detail,
                })
            })
            .collect();
        Ok((r.dataset, audit))
    })?;
    Ok((Dataset::new(dataset), columns(py, &audit)?))
}

/// Writes a synthetic return under `dir`; returns its true figures as JSON
/// (`stock`: 31 March year -> children; `starts`, `ceases`: closing year -> children).
#[pyfunction]
#[pyo3(signature = (dir, seed=1, first_year=2020, years=5, admissions_per_year=300.0, short_breaks_per_year=15.0, year_column=false, dates="mixed", traps=true))]
#[allow(clippy::too_many_arguments)]
fn ssda903_synthesize(
    py: Python<'_>,
    dir: String,
    seed: u64,
    first_year: i32,
    years: u32,
    admissions_per_year: f64,
    short_breaks_per_year: f64,
    year_column: bool,
    dates: &str,
    traps: bool,
) -> PyResult<Py<PyAny>> {
    let truth = run(py, || {
        let dates = match dates {
            "dmy" => synth::DateStyle::Dmy,
            "iso" => synth::DateStyle::Iso,
            "mixed" => synth::DateStyle::Mixed,
            other => {
                return Err(carecast::Error::argument(
                    "dates",
                    other,
                    "expected dmy, iso or mixed",
                ));
            }
        };
        let o = synth::SynthOptions {
            seed,
            first_year,
            years,
            admissions_per_year,
            short_breaks_per_year,
            layout: if year_column {
                synth::Layout::YearColumn
            } else {
                synth::Layout::Folders
            },
            dates,
            traps,
        };
        let s = synth::generate(&o)?;
        s.write(&dir)?;
        let t = &s.truth;
        let stock: std::collections::BTreeMap<String, u32> = t
            .stock_by_age
            .keys()
            .map(|y| (y.to_string(), t.stock_total(*y).unwrap_or(0)))
            .collect();
        let starts: std::collections::BTreeMap<String, u32> = t
            .starts_by_age
            .keys()
            .map(|y| (y.to_string(), t.starts_total(*y).unwrap_or(0)))
            .collect();
        let ceases: std::collections::BTreeMap<String, u32> = t
            .ceases_by_reason
            .keys()
            .map(|y| (y.to_string(), t.ceases_total(*y).unwrap_or(0)))
            .collect();
        Ok(serde_json::json!({
            "stock": stock, "starts": starts, "ceases": ceases,
            "short_break_children": t.short_break_children,
            "no_header_children": t.no_header_children,
            "episode_rows": t.episode_rows, "children": t.children,
        }))
    })?;
    value_to_py(py, &truth)
}

/// Registers this module's functions.
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(ssda903_load, m)?)?;
    m.add_function(wrap_pyfunction!(ssda903_synthesize, m)?)?;
    Ok(())
}
