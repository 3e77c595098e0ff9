//! DfE statistics for every council: the national panel, councils, groups and the
//! cross-source reconciliation.

use std::path::PathBuf;

use carecast::dfe::{self, Areas, Input, Panel};
use carecast::{Error, Location};
use pyo3::prelude::*;

use crate::{json, run};

/// The bundled panel with the files of a newer release added on top (latest wins).
fn panel_with(files: &[String], release: Option<&str>) -> carecast::Result<Panel> {
    let base = Panel::bundled()?;
    if files.is_empty() {
        return Ok(base.clone());
    }
    let mut inputs = Vec::new();
    let mut year = None;
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
        year = Some(year.map_or(y, |x: i32| x.max(y)));
        inputs.push((f.clone(), text));
    }
    let year = year.unwrap_or(0);
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

/// The national panel as CSV (the columns of `cla_panel.csv`): the latest release per
/// cell, or every vintage.
#[pyfunction]
#[pyo3(signature = (files=Vec::new(), release=None, vintages=false))]
pub(crate) fn dfe_panel(
    py: Python<'_>,
    files: Vec<String>,
    release: Option<String>,
    vintages: bool,
) -> PyResult<String> {
    run(py, || {
        let p = panel_with(&files, release.as_deref())?;
        Ok(Panel::rows_csv(&if vintages {
            p.vintage_rows()
        } else {
            p.latest_rows()
        }))
    })
}

/// A `dfe:` dataset as JSON, from the bundled panel with optional newer files.
#[pyfunction]
#[pyo3(signature = (name, files=Vec::new()))]
pub(crate) fn dfe_load(py: Python<'_>, name: String, files: Vec<String>) -> PyResult<String> {
    run(py, || {
        let p = panel_with(&files, None)?;
        json(&dfe::dataset_in(&p, &name)?)
    })
}

/// A named group of councils as one dataset (JSON).
#[pyfunction]
#[pyo3(signature = (members, name, files=Vec::new()))]
pub(crate) fn dfe_combine(
    py: Python<'_>,
    members: Vec<String>,
    name: String,
    files: Vec<String>,
) -> PyResult<String> {
    run(py, || {
        let p = panel_with(&files, None)?;
        let m: Vec<&str> = members.iter().map(String::as_str).collect();
        json(&dfe::combine(&p, &m, &name)?)
    })
}

/// Councils (and regions, England) as JSON records: level, codes, name, region, years.
#[pyfunction]
#[pyo3(signature = (region=None))]
pub(crate) fn dfe_councils(py: Python<'_>, region: Option<String>) -> PyResult<String> {
    run(py, || {
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
        let rows: Vec<serde_json::Value> = areas
            .areas
            .iter()
            .filter(|a| match &want {
                None => true,
                Some(w) => {
                    a.level == dfe::read::Level::LocalAuthority
                        && (a.region == *w || (w == "London" && a.region.ends_with("London")))
                }
            })
            .map(|a| {
                serde_json::json!({
                    "geographic_level": a.level.label(),
                    "area_code": a.code,
                    "old_la_code": a.old_la_code,
                    "area_name": a.name,
                    "region": a.region,
                    "first_year": a.first_year,
                    "last_year": a.last_year,
                    "dataset": format!("dfe:{}", a.name),
                })
            })
            .collect();
        json(&rows)
    })
}

/// The council documents against the DfE figures (reconciliation findings, JSON).
#[pyfunction]
pub(crate) fn dfe_reconcile_sources(py: Python<'_>) -> PyResult<String> {
    run(py, || {
        json(&dfe::sources::reconcile_sources(Panel::bundled()?)?)
    })
}

/// Registers the functions of this file.
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(dfe_panel, m)?)?;
    m.add_function(wrap_pyfunction!(dfe_load, m)?)?;
    m.add_function(wrap_pyfunction!(dfe_combine, m)?)?;
    m.add_function(wrap_pyfunction!(dfe_councils, m)?)?;
    m.add_function(wrap_pyfunction!(dfe_reconcile_sources, m)?)?;
    Ok(())
}
