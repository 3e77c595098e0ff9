//! DfE statistics for every council: the national panel, councils, groups and the
//! cross-source reconciliation, as native objects and columns.

use std::path::PathBuf;
use std::sync::Arc;

use carecast::dfe::{self, Areas, Input, Panel};
use carecast::{Error, Location};
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::convert::Columns;
use crate::data::{Dataset, Reconciliation};
use crate::errors::run;

/// The bundled panel with the files of a newer release added on top (latest wins).
fn panel_with(files: &[String], release: Option<&str>) -> carecast::Result<Panel> {
    let base = Panel::bundled()?;
    if files.is_empty() {
        return Ok(base.clone());
    }
    let mut inputs = Vec::new();
    let mut year: Option<i32> = None;
    for f in files {
        let path = PathBuf::from(f);
        let text = dfe::build::read_path(&path)?;
        let read = dfe::read::read_file(f, &text, None)?;
        let y = read
            .obs
            .iter()
            .map(|o| o.year)
            .max()
            .ok_or_else(|| Error::data(Location::file(f), "the file holds no values"))?;
        year = Some(year.map_or(y, |x| x.max(y)));
        inputs.push((f.clone(), text));
    }
    let year = year.ok_or_else(|| Error::argument("files", "[]", "no file given"))?;
    let label = release.map_or_else(|| format!("added {year}"), String::from);
    let inputs: Vec<Input> = inputs
        .into_iter()
        .map(|(file, text)| Input {
            source: file.clone(),
            file,
            release: label.clone(),
            year,
            text,
        })
        .collect();
    let mut p = base.clone();
    p.add_release(&inputs)?;
    Ok(p)
}

/// Panel rows as columns named and ordered by `Panel::COLUMNS`: `year` an int64 array,
/// `value` a float64 array (NaN where the status is neither `published` nor `derived`),
/// the rest numpy object arrays of `str`.
fn panel_columns(py: Python<'_>, rows: &[dfe::panel::Row]) -> PyResult<Py<PyDict>> {
    let [
        year,
        level,
        code,
        old_code,
        name,
        measure,
        breakdown,
        value,
        status,
        printed,
        release,
        source,
    ] = dfe::Panel::COLUMNS;
    Ok(Columns::new(py, rows)
        .int(year, |r| i64::from(r.year))?
        .text(level, |r| r.geographic_level)?
        .text(code, |r| r.area_code.as_str())?
        .text(old_code, |r| r.old_la_code.as_str())?
        .text(name, |r| r.area_name.as_str())?
        .text(measure, |r| r.measure)?
        .text(breakdown, |r| r.breakdown.as_str())?
        .opt_float(value, |r| r.value)?
        .text(status, |r| r.status)?
        .text(printed, |r| r.printed.as_str())?
        .text(release, |r| r.release.as_str())?
        .text(source, |r| r.source.as_str())?
        .finish())
}

/// The names of the panel's columns, in order (those of `cla_panel.csv`).
#[pyfunction]
pub(crate) fn dfe_panel_columns() -> Vec<&'static str> {
    dfe::Panel::COLUMNS.to_vec()
}

/// The national panel as columns (those of `cla_panel.csv`): the latest release per
/// cell, or every vintage.
#[pyfunction]
#[pyo3(signature = (files=Vec::new(), release=None, vintages=false))]
pub(crate) fn dfe_panel(
    py: Python<'_>,
    files: Vec<String>,
    release: Option<String>,
    vintages: bool,
) -> PyResult<Py<PyDict>> {
    let rows = run(py, || {
        let p = panel_with(&files, release.as_deref())?;
        Ok(if vintages {
            p.vintage_rows()
        } else {
            p.latest_rows()
        })
    })?;
    panel_columns(py, &rows)
}

/// A `dfe:` dataset from the bundled panel with the files of a newer release added.
#[pyfunction]
#[pyo3(signature = (name, files=Vec::new()))]
pub(crate) fn dfe_load(py: Python<'_>, name: String, files: Vec<String>) -> PyResult<Dataset> {
    run(py, || {
        let p = panel_with(&files, None)?;
        dfe::dataset_in(&p, &name)
    })
    .map(Dataset::new)
}

/// A named group of councils as one dataset.
#[pyfunction]
#[pyo3(signature = (members, name, files=Vec::new()))]
pub(crate) fn dfe_combine(
    py: Python<'_>,
    members: Vec<String>,
    name: String,
    files: Vec<String>,
) -> PyResult<Dataset> {
    run(py, || {
        let p = panel_with(&files, None)?;
        let m: Vec<&str> = members.iter().map(String::as_str).collect();
        dfe::combine(&p, &m, &name)
    })
    .map(Dataset::new)
}

/// Councils (and regions, England) as columns: level, codes, name, region, years, dataset.
#[pyfunction]
#[pyo3(signature = (region=None))]
pub(crate) fn dfe_councils(py: Python<'_>, region: Option<String>) -> PyResult<Py<PyDict>> {
    let rows = run(py, || {
        let areas = Areas::bundled();
        let want = match &region {
            Some(r) => {
                let a = areas.find(r)?;
                if a.level != dfe::read::Level::Regional {
                    return Err(Error::argument(
                        "region",
                        r,
                        format!("{} is not a region", a.name),
                    ));
                }
                Some(a.name.clone())
            }
            None => None,
        };
        Ok(areas
            .areas
            .iter()
            .filter(|a| match &want {
                None => true,
                Some(w) => {
                    a.level == dfe::read::Level::LocalAuthority
                        && (a.region == *w || (w == "London" && a.region.ends_with("London")))
                }
            })
            .cloned()
            .collect::<Vec<_>>())
    })?;
    Ok(Columns::new(py, &rows)
        .text("geographic_level", |a| a.level.label())?
        .text("area_code", |a| a.code.as_str())?
        .text("old_la_code", |a| a.old_la_code.as_str())?
        .text("area_name", |a| a.name.as_str())?
        .text("region", |a| a.region.as_str())?
        .int("first_year", |a| i64::from(a.first_year))?
        .int("last_year", |a| i64::from(a.last_year))?
        .label("dataset", |a| format!("dfe:{}", a.name))?
        .finish())
}

/// The council documents checked against the DfE figures for the same years.
#[pyfunction]
pub(crate) fn dfe_reconcile_sources(py: Python<'_>) -> PyResult<Reconciliation> {
    run(py, || dfe::sources::reconcile_sources(Panel::bundled()?))
        .map(|r| Reconciliation { inner: Arc::new(r) })
}

/// Registers the functions of this file.
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(dfe_panel, m)?)?;
    m.add_function(wrap_pyfunction!(dfe_panel_columns, m)?)?;
    m.add_function(wrap_pyfunction!(dfe_load, m)?)?;
    m.add_function(wrap_pyfunction!(dfe_combine, m)?)?;
    m.add_function(wrap_pyfunction!(dfe_councils, m)?)?;
    m.add_function(wrap_pyfunction!(dfe_reconcile_sources, m)?)?;
    Ok(())
}
