//! Native function for `carecast.backtest("dfe:all")`: the national backtest of every
//! council in the bundled DfE panel, returned as columns.

use numpy::IntoPyArray;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};

use carecast::evaluate::national_dfe::DfeVintages;
use carecast::national::{self, NationalOptions, Panel as _};

use crate::convert::{Columns, Strings, count};
use crate::errors::run;

/// `lower_<L>` / `upper_<L>` column names of a level (`80`, `97.5`).
fn level_label(level: f64) -> String {
    if level.fract() == 0.0 {
        format!("{level:.0}")
    } else {
        format!("{level}")
    }
}

/// One value per level of a row, NaN where the row has none.
fn nth(values: &[f64], i: usize) -> f64 {
    values.get(i).copied().unwrap_or(f64::NAN)
}

/// Runs the national backtest on the bundled DfE panel.
///
/// Returns a dict: `forecasts` (columns `council`, `method`, `origin`, `horizon`, `band`,
/// `forecast`, `actual`, `scale`, then `lower_<L>`, `upper_<L>` per level for the
/// calibrated intervals and `mc_lower_<L>`, `mc_upper_<L>` for the Monte Carlo ones),
/// `scores` (pooled by method, horizon and series), `councils` (per council, total),
/// `failures`, `notes`, `levels`, `names` (council code -> name), `default_method`.
#[pyfunction]
#[pyo3(signature = (paths=0, seed=0, bootstrap=500, max_origin=None, methods=None, max_horizon=5))]
pub(crate) fn national_backtest(
    py: Python<'_>,
    paths: usize,
    seed: u64,
    bootstrap: usize,
    max_origin: Option<i32>,
    methods: Option<Vec<String>>,
    max_horizon: usize,
) -> PyResult<Py<PyDict>> {
    let (b, names) = run(py, || {
        let panel = DfeVintages::bundled()?;
        let mut o = NationalOptions {
            paths,
            seed,
            bootstrap,
            max_origin,
            max_horizon,
            ..NationalOptions::default()
        };
        if let Some(keep) = &methods {
            let known: Vec<String> = o.methods.iter().map(|m| m.name().to_string()).collect();
            for k in keep {
                if !known.contains(k) {
                    return Err(carecast::Error::argument(
                        "methods",
                        k,
                        format!("unknown method; expected one of {}", known.join(", ")),
                    ));
                }
            }
            o.methods.retain(|m| keep.iter().any(|k| k == m.name()));
        }
        let b = national::backtest(&panel, &o)?;
        let names: Vec<(String, String)> = panel
            .councils()
            .into_iter()
            .map(|c| {
                let n = panel.name(&c).to_string();
                (c, n)
            })
            .collect();
        Ok((b, names))
    })?;
    let out = PyDict::new(py);
    let f = &b.forecasts;
    let fc = PyDict::new(py);
    let mut strings = Strings::default();
    fc.set_item("council", strings.column(py, f, |r| r.council.as_str()))?;
    fc.set_item("method", strings.column(py, f, |r| r.method.as_str()))?;
    let origins: Vec<i64> = f.iter().map(|r| i64::from(r.origin)).collect();
    fc.set_item("origin", origins.into_pyarray(py))?;
    let horizons: Vec<i64> = f
        .iter()
        .map(|r| i64::try_from(r.horizon).unwrap_or(i64::MAX))
        .collect();
    fc.set_item("horizon", horizons.into_pyarray(py))?;
    fc.set_item("band", strings.column(py, f, |r| r.band.as_str()))?;
    for (name, get) in [
        (
            "forecast",
            (|r: &national::Forecast| r.forecast) as fn(&national::Forecast) -> f64,
        ),
        ("actual", |r| r.actual),
        ("scale", |r| r.scale),
    ] {
        let v: Vec<f64> = f.iter().map(get).collect();
        fc.set_item(name, v.into_pyarray(py))?;
    }
    for (i, lv) in b.levels.iter().enumerate() {
        let lab = level_label(*lv);
        for (prefix, get) in [
            (
                "lower",
                (|r: &national::Forecast| &r.lower) as fn(&national::Forecast) -> &Vec<f64>,
            ),
            ("upper", |r| &r.upper),
            ("mc_lower", |r| &r.mc_lower),
            ("mc_upper", |r| &r.mc_upper),
        ] {
            let v: Vec<f64> = f.iter().map(|r| nth(get(r), i)).collect();
            fc.set_item(format!("{prefix}_{lab}"), v.into_pyarray(py))?;
        }
    }
    out.set_item("forecasts", fc)?;
    let mut scores = Columns::new(py, &b.scores)
        .text("method", |s| s.method.as_str())?
        .int("horizon", |s| count(s.horizon))?
        .text("series", |s| s.series.as_str())?
        .int("n", |s| count(s.n))?
        .int("councils", |s| count(s.councils))?
        .float("mape", |s| s.mape)?
        .float("mape_lo", |s| s.mape_ci.0)?
        .float("mape_hi", |s| s.mape_ci.1)?
        .float("rel_naive", |s| s.rel_naive)?
        .float("rel_naive_lo", |s| s.rel_naive_ci.0)?
        .float("rel_naive_hi", |s| s.rel_naive_ci.1)?
        .float("mase", |s| s.mase)?
        .float("bias", |s| s.bias)?
        .float("beats_naive", |s| s.beats_naive)?;
    for (i, lv) in b.levels.iter().enumerate() {
        let lab = level_label(*lv);
        scores = scores
            .float(&format!("coverage_{lab}"), |s| nth(&s.coverage, i))?
            .float(&format!("width_{lab}"), |s| nth(&s.width, i))?
            .float(&format!("mc_coverage_{lab}"), |s| nth(&s.mc_coverage, i))?
            .float(&format!("mc_width_{lab}"), |s| nth(&s.mc_width, i))?;
    }
    out.set_item("scores", scores.finish())?;
    let mut councils = Columns::new(py, &b.councils)
        .text("council", |c| c.council.as_str())?
        .text("method", |c| c.method.as_str())?
        .int("horizon", |c| count(c.horizon))?
        .int("n", |c| count(c.n))?
        .float("mape", |c| c.mape)?
        .float("mase", |c| c.mase)?
        .float("bias", |c| c.bias)?;
    for (i, lv) in b.levels.iter().enumerate() {
        let lab = level_label(*lv);
        councils = councils.float(&format!("coverage_{lab}"), |c| nth(&c.coverage, i))?;
    }
    out.set_item("councils", councils.finish())?;
    let failures = Columns::new(py, &b.failures)
        .text("council", |f| f.council.as_str())?
        .int("origin", |f| i64::from(f.origin))?
        .text("method", |f| f.method.as_str())?
        .text("reason", |f| f.reason.as_str())?
        .finish();
    out.set_item("failures", failures)?;
    out.set_item("notes", PyList::new(py, &b.notes)?)?;
    out.set_item("levels", PyList::new(py, &b.levels)?)?;
    let names_dict = PyDict::new(py);
    for (c, n) in names {
        names_dict.set_item(c, n)?;
    }
    out.set_item("names", names_dict)?;
    out.set_item("default_method", national::DEFAULT_METHOD)?;
    Ok(out.unbind())
}

/// The default admissions of a projection of the dataset named `dataset` from `base_year`
/// (`carecast::evaluate::national_dfe::default_admissions`): `method`, `admissions` and
/// `note`, as `Model.default_admissions` gives them.
#[pyfunction]
pub(crate) fn default_admissions(
    py: Python<'_>,
    dataset: String,
    base_year: i32,
) -> PyResult<Py<PyDict>> {
    let d = run(py, move || {
        Ok(carecast::evaluate::national_dfe::default_admissions(
            &dataset, base_year,
        ))
    })?;
    let out = PyDict::new(py);
    out.set_item("method", d.method)?;
    out.set_item(
        "admissions",
        crate::convert::value_to_py(py, &d.admissions)?,
    )?;
    out.set_item("note", d.note)?;
    Ok(out.unbind())
}

/// The national backtest's methods on a user's dataset
/// (`carecast::national::own_backtest`), compared with the default: a dict (`dataset`,
/// `default_method`, `default_mape`, `method`, `mape`, `ratio`, `figures`, `margin`,
/// `message`) when another method's MAPE of the total is below the default's by more
/// than `carecast::national::DISAGREEMENT_MARGIN`, else `None`.
#[pyfunction]
#[pyo3(signature = (dataset, max_horizon=5))]
pub(crate) fn default_disagreement(
    py: Python<'_>,
    dataset: &crate::data::Dataset,
    max_horizon: usize,
) -> PyResult<Option<Py<PyDict>>> {
    let d = std::sync::Arc::clone(&dataset.inner);
    let found = run(py, move || {
        let b = national::own_backtest(&d, max_horizon)?;
        // The last year the dataset observes: the latest outturn its backtest scored.
        let last = b
            .forecasts
            .iter()
            .filter_map(|f| i32::try_from(f.horizon).ok().map(|h| f.origin + h))
            .max();
        Ok(
            national::disagreement(&b, national::DISAGREEMENT_MARGIN).map(|x| {
                // The default a projection of the dataset takes from its last year.
                let in_use =
                    last.map(|y| carecast::evaluate::national_dfe::default_admissions(&d.name, y));
                let message = match in_use {
                    Some(u) if u.method != national::DEFAULT_METHOD => {
                        x.message_beside(&d.name, &u.method)
                    }
                    _ => x.message(&d.name),
                };
                (message, x, d.name.clone())
            }),
        )
    })?;
    let Some((message, x, name)) = found else {
        return Ok(None);
    };
    let out = PyDict::new(py);
    out.set_item("dataset", name)?;
    out.set_item("default_method", x.default_method)?;
    out.set_item("default_mape", x.default_mape)?;
    out.set_item("method", x.method)?;
    out.set_item("mape", x.mape)?;
    out.set_item("ratio", x.ratio)?;
    out.set_item("figures", x.figures)?;
    out.set_item("margin", national::DISAGREEMENT_MARGIN)?;
    out.set_item("message", message)?;
    Ok(Some(out.unbind()))
}

/// A projection's total stock split into UASC and the other children
/// (`carecast::national::uasc_streams`): columns `year`, `horizon`, `stream`, `value`,
/// and the method in words under `method`.
#[pyfunction]
pub(crate) fn uasc_streams(
    py: Python<'_>,
    projection: &crate::model::Projection,
    dataset: &crate::data::Dataset,
) -> PyResult<Py<PyDict>> {
    let p = std::sync::Arc::clone(&projection.inner);
    let d = std::sync::Arc::clone(&dataset.inner);
    let rows = run(py, move || {
        national::uasc_streams(&carecast::Projection::from(&*p), &d)
    })?;
    let out = PyDict::new(py);
    let cols = Columns::new(py, &rows)
        .text("year", |r| r.year.as_str())?
        .int("horizon", |r| count(r.horizon))?
        .text("stream", |r| r.stream.as_str())?
        .float("value", |r| r.value)?
        .finish();
    out.set_item("rows", cols)?;
    out.set_item("method", national::UASC_METHOD)?;
    Ok(out.unbind())
}
