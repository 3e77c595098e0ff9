//! Native functions for `carecast.ssda903`: SSDA903 returns read, cleaned and derived, and
//! synthetic returns written.

use numpy::IntoPyArray;
use pyo3::prelude::*;
use pyo3::types::PyDict;

use carecast::ssda903::moves::MovesModel;
use carecast::ssda903::{self, simulate, synth};

use crate::convert::{Columns, count};
use crate::data::{Dataset, Reconciliation};
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
        Ok((r.dataset, r.audit))
    })?;
    let cols = Columns::new(py, &audit)
        .text("rule", |a| a.rule)?
        .text("action", |a| a.action)?
        .int("rows", |a| count(a.rows))?
        .int("children", |a| count(a.children))?
        .text("detail", |a| a.detail.as_str())?
        .finish();
    Ok((Dataset::new(dataset), cols))
}

/// Writes a synthetic return under `dir`; returns its true figures as a dict: `stock`
/// (31 March year -> children), `starts` and `ceases` (closing year -> children), each a
/// dict keyed by the year as text, then `short_break_children`, `no_header_children`,
/// `episode_rows` and `children` (ints).
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
) -> PyResult<Py<PyDict>> {
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
        Ok(s.truth)
    })?;
    let t = &truth;
    let out = PyDict::new(py);
    let stock = t
        .stock_by_age
        .keys()
        .filter_map(|&y| Some((y, t.stock_total(y)?)));
    out.set_item("stock", year_totals(py, stock)?)?;
    let starts = t
        .starts_by_age
        .keys()
        .filter_map(|&y| Some((y, t.starts_total(y)?)));
    out.set_item("starts", year_totals(py, starts)?)?;
    let ceases = t
        .ceases_by_reason
        .keys()
        .filter_map(|&y| Some((y, t.ceases_total(y)?)));
    out.set_item("ceases", year_totals(py, ceases)?)?;
    out.set_item("short_break_children", t.short_break_children)?;
    out.set_item("no_header_children", t.no_header_children)?;
    out.set_item("episode_rows", t.episode_rows)?;
    out.set_item("children", t.children)?;
    Ok(out.unbind())
}

/// `{year as text: total}` for the synthetic truth's yearly totals.
fn year_totals<'py>(
    py: Python<'py>,
    totals: impl Iterator<Item = (i32, u32)>,
) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    for (year, n) in totals {
        d.set_item(year.to_string(), n)?;
    }
    Ok(d)
}

/// Reads SSDA903 returns under `paths`, fits the moves model on the last `fit_years`
/// collection years (default: up to three) and draws `samples` paths of `years` years.
/// `moves` are `(from, to, factor)` changes to monthly transition rates (type or group
/// names). Returns columns `period, placement_type, provider, value, median,
/// lower_<L>, upper_<L>...` (stock at each month end), and one warning for each band and
/// placement type whose drawn probabilities of leaving were scaled down to one
/// ([`simulate::MovesIntervals::capped`]).
#[pyfunction]
#[pyo3(signature = (paths, years=5, samples=1000, levels=vec![80.0, 95.0], seed=0, moves=vec![], fit_years=None, parameter_uncertainty=true))]
#[allow(clippy::too_many_arguments)]
fn ssda903_project(
    py: Python<'_>,
    paths: Vec<String>,
    years: u32,
    samples: usize,
    levels: Vec<f64>,
    seed: u64,
    moves: Vec<(String, String, f64)>,
    fit_years: Option<u32>,
    parameter_uncertainty: bool,
) -> PyResult<(Py<PyDict>, Vec<String>)> {
    let p = run(py, || {
        // Levels are checked before the returns are read (`simulate` checks them again).
        carecast::stochastic::check_levels(&levels)?;
        let r = ssda903::load(&paths)?;
        let held = u32::try_from(r.clean.last_year - r.clean.first_year + 1).unwrap_or(1);
        let m = MovesModel::fit(&r.clean, fit_years.unwrap_or(held.min(3)))?;
        let mut changes = Vec::new();
        for (from, to, factor) in &moves {
            changes.extend(simulate::transition_changes(from, to, *factor)?);
        }
        let o = simulate::SimulateOptions {
            years,
            samples,
            levels,
            seed,
            changes,
            parameter_uncertainty,
        };
        simulate::simulate(&m, &o)
    })?;
    let out = PyDict::new(py);
    let rows = &p.rows;
    let text =
        |f: &dyn Fn(&simulate::MovesRow) -> String| -> Vec<String> { rows.iter().map(f).collect() };
    out.set_item("period", text(&|r| r.period_label()))?;
    out.set_item("placement_type", text(&|r| r.type_code().to_string()))?;
    out.set_item("provider", text(&|r| r.provider_code().to_string()))?;
    let col = |f: &dyn Fn(&simulate::MovesRow) -> f64| -> Vec<f64> { rows.iter().map(f).collect() };
    out.set_item("value", col(&|r| r.value).into_pyarray(py))?;
    out.set_item("median", col(&|r| r.median).into_pyarray(py))?;
    for (i, l) in p.levels.iter().enumerate() {
        // The core's label, so columns match `CohortModel.project` (`lower_97.5`); the
        // core's `check_levels` (in `simulate`) refused levels whose labels collide.
        let label = carecast::stochastic::level_label(*l);
        out.set_item(
            format!("lower_{label}"),
            col(&|r| r.lower[i]).into_pyarray(py),
        )?;
        out.set_item(
            format!("upper_{label}"),
            col(&|r| r.upper[i]).into_pyarray(py),
        )?;
    }
    let capped = p
        .capped
        .iter()
        .map(|c| {
            format!(
                "{} {}: the drawn monthly probabilities of leaving (moves and exits) added up \
                 to more than one in {} of {} paths (largest {:.3}) and were scaled down to one \
                 there; few child-months were counted for this state",
                c.band,
                c.placement_type.code(),
                c.paths,
                p.samples,
                c.max_total
            )
        })
        .collect();
    Ok((out.unbind(), capped))
}

/// Reads SSDA903 returns under `paths` and reconciles the derived stock, starts and ceases
/// against `dfe:<council>` of the bundled DfE panel (`council`: default the returns' `LA`).
#[pyfunction]
#[pyo3(signature = (paths, council=None))]
fn ssda903_reconcile(
    py: Python<'_>,
    paths: Vec<String>,
    council: Option<String>,
) -> PyResult<Reconciliation> {
    run(py, || {
        let r = ssda903::load(&paths)?;
        let panel = carecast::dfe::Panel::bundled()?;
        ssda903::reconcile::reconcile(&r, panel, council.as_deref())
    })
    .map(|r| Reconciliation {
        inner: std::sync::Arc::new(r),
    })
}

/// Registers this module's functions.
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(ssda903_load, m)?)?;
    m.add_function(wrap_pyfunction!(ssda903_project, m)?)?;
    m.add_function(wrap_pyfunction!(ssda903_reconcile, m)?)?;
    m.add_function(wrap_pyfunction!(ssda903_synthesize, m)?)?;
    Ok(())
}
