//! The fitted cohort model and its projections as native objects.
//!
//! A `Model` carries the dataset it was fitted to, so everything made from it (market
//! inputs, placements) reads that dataset and never looks a name up again.

use std::sync::Arc;

use numpy::IntoPyArray;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyType};
use serde::{Deserialize, Serialize};

use crate::convert::{self, Columns, Strings};
use crate::data::Dataset;
use crate::errors::run;

/// A cohort model fitted to a dataset, with the dataset itself.
#[pyclass(frozen, module = "carecast._carecast")]
pub struct Model {
    pub(crate) model: Arc<carecast::CohortModel>,
    pub(crate) dataset: Arc<carecast::Dataset>,
}

/// What a pickled model holds: the fit and its dataset.
#[derive(Serialize)]
struct ModelStateRef<'a> {
    model: &'a carecast::CohortModel,
    dataset: &'a carecast::Dataset,
}

/// A pickled model read back.
#[derive(Deserialize)]
struct ModelState {
    model: carecast::CohortModel,
    dataset: carecast::Dataset,
}

/// The projection arguments `project` and `simulate` share, read from a mapping with
/// these keys: `admissions` and `discharges` are mappings with a `method` key, `bands` a
/// scheme name or band labels, `retention` `(age, fraction)` pairs, `changes` a list of
/// flow-change mappings (optional).
#[derive(FromPyObject)]
#[pyo3(from_item_all)]
pub(crate) struct ProjectionArgs<'py> {
    base_year: i32,
    years: usize,
    admissions: Bound<'py, PyAny>,
    discharges: Bound<'py, PyAny>,
    bands: Vec<String>,
    leaver_share: f64,
    retention: Vec<(u8, f64)>,
    grain: String,
    #[pyo3(default)]
    changes: Option<Bound<'py, PyAny>>,
}

/// The core's projection options from the shared arguments.
pub(crate) fn projection_options(
    args: ProjectionArgs<'_>,
) -> carecast::Result<carecast::ProjectionOptions> {
    let ProjectionArgs {
        base_year,
        years,
        admissions,
        discharges,
        bands,
        leaver_share,
        retention,
        grain,
        changes,
    } = args;
    let output_bands = match bands.as_slice() {
        [one] if !one.contains('-') && one != "under 1" => carecast::BandScheme::named(one)?,
        labels => {
            let labels: Vec<&str> = labels.iter().map(String::as_str).collect();
            carecast::BandScheme::custom("custom", &labels)?
        }
    };
    let mut o = carecast::ProjectionOptions::new(base_year, years);
    o.admissions = convert::arg("admissions", &admissions)?;
    o.discharges = convert::arg("discharges", &discharges)?;
    o.output_bands = output_bands;
    o.leaver_share_16_17 = leaver_share;
    o.retention = retention;
    o.grain = grain.parse()?;
    if let Some(c) = changes {
        o.changes = convert::arg("changes", &c)?;
    }
    Ok(o)
}

#[pymethods]
impl Model {
    /// Fits the cohort model to a dataset's stock and admissions.
    #[staticmethod]
    fn fit(py: Python<'_>, dataset: &Dataset) -> PyResult<Self> {
        let d = Arc::clone(&dataset.inner);
        let model = run(py, || carecast::CohortModel::fit(&d))?;
        Ok(Self {
            model: Arc::new(model),
            dataset: Arc::clone(&dataset.inner),
        })
    }

    /// The dataset the model was fitted to.
    #[getter]
    fn dataset(&self) -> Dataset {
        Dataset {
            inner: Arc::clone(&self.dataset),
        }
    }

    /// Name of the dataset the model was fitted to.
    #[getter]
    fn dataset_name(&self) -> &str {
        &self.model.history.dataset
    }

    /// The default admissions of a projection from `base_year`, as the national backtest
    /// chose them for this dataset (`carecast::evaluate::national_dfe::default_admissions`):
    /// a mapping with `method` (the backtest's name), `admissions` (the assumption as a
    /// projection reads it) and `note` (why the England-anchored default stands in, or
    /// None).
    fn default_admissions(&self, py: Python<'_>, base_year: i32) -> PyResult<Py<PyDict>> {
        crate::national::default_admissions(py, self.model.history.dataset.clone(), base_year)
    }

    /// Where the data came from and what was assumed.
    fn notes(&self) -> Vec<String> {
        self.model.history.notes.clone()
    }

    /// The 31 Marches (calendar years) a projection may start from: the ends of the
    /// observed years.
    fn base_years(&self) -> Vec<i32> {
        self.model.base_years()
    }

    /// New care leavers at age `youngest` at each 31 March after `base_year` (at most
    /// `years`), from the fitted history and then `leavers_18`, the projection's 18th
    /// birthdays by projected year: `(year, count)` pairs (see
    /// `carecast::views::engine_inflow`).
    fn engine_inflow(
        &self,
        base_year: i32,
        leavers_18: Vec<f64>,
        youngest: u8,
        years: usize,
    ) -> Vec<(i32, f64)> {
        carecast::views::engine_inflow(&self.model, base_year, &leavers_18, youngest, years)
    }

    /// Name of the band scheme of the published tables the model was fitted to.
    fn scheme(&self) -> &str {
        self.model.history.scheme.name()
    }

    /// Within-band age tilt per band, as `(band, tilt)` pairs.
    fn tilts(&self) -> Vec<(String, f64)> {
        self.model
            .bands
            .iter()
            .zip(&self.model.tilts)
            .map(|(b, t)| (b.band.clone(), *t))
            .collect()
    }

    /// The fit by year and band, as columns: `year`, `band` (object arrays of `str`),
    /// `opening`, `admissions`, `published_closing`, `fitted_closing`, `monthly_rate`,
    /// `annual_rate`, `implied_discharges`, `ageing_in`, `ageing_out` (float64) and
    /// `fitted` (bool).
    fn calibration(&self, py: Python<'_>) -> PyResult<Py<PyDict>> {
        Ok(Columns::new(py, &self.model.bands)
            .label("year", |r| r.year)?
            .text("band", |r| r.band.as_str())?
            .float("opening", |r| r.opening)?
            .float("admissions", |r| r.admissions)?
            .float("published_closing", |r| r.published_closing)?
            .float("fitted_closing", |r| r.fitted_closing)?
            .float("monthly_rate", |r| r.monthly_rate)?
            .float("annual_rate", |r| r.annual_rate)?
            .float("implied_discharges", |r| r.implied_discharges)?
            .float("ageing_in", |r| r.ageing_in)?
            .float("ageing_out", |r| r.ageing_out)?
            .flag("fitted", |r| r.fitted)?
            .finish())
    }

    /// Implied against published discharges by year, as columns: `year`,
    /// `implied_before_18`, `leavers_18`, `implied_total`, then `published`, `difference`
    /// and `identity_gap` (NaN where not published).
    fn discharges(&self, py: Python<'_>) -> PyResult<Py<PyDict>> {
        Ok(Columns::new(py, &self.model.discharges)
            .label("year", |r| r.year)?
            .float("implied_before_18", |r| r.implied_before_18)?
            .float("leavers_18", |r| r.leavers_18)?
            .float("implied_total", |r| r.implied_total)?
            .opt_float("published", |r| r.published)?
            .opt_float("difference", |r| r.difference)?
            .opt_float("identity_gap", |r| r.identity_gap)?
            .finish())
    }

    /// Projects the model (deterministic) with `options` (see [`ProjectionArgs`]).
    fn project(&self, py: Python<'_>, options: ProjectionArgs<'_>) -> PyResult<Projection> {
        let o = projection_options(options).map_err(|e| crate::errors::to_py(py, e))?;
        let m = Arc::clone(&self.model);
        let p = run(py, move || m.project_columns(&o))?;
        Ok(Projection { inner: Arc::new(p) })
    }

    /// Projects the model with `options` (see [`ProjectionArgs`]) and `samples` Monte
    /// Carlo paths, and summarises them at `levels` (percent).
    fn simulate(
        &self,
        py: Python<'_>,
        options: ProjectionArgs<'_>,
        samples: usize,
        seed: u64,
        levels: Vec<f64>,
    ) -> PyResult<IntervalProjection> {
        let o = projection_options(options).map_err(|e| crate::errors::to_py(py, e))?;
        let m = Arc::clone(&self.model);
        let p = run(py, move || {
            carecast::stochastic::check_levels(&levels)?;
            let s = m.simulate(&o, &carecast::StochasticOptions::new(samples, seed))?;
            s.summary(&levels)
        })?;
        Ok(IntervalProjection { inner: Arc::new(p) })
    }

    /// Pickle support: the model and its dataset as serde bytes.
    fn __reduce__<'py>(slf: &Bound<'py, Self>) -> PyResult<convert::Reduced<'py>> {
        let this = slf.get();
        let state = ModelStateRef {
            model: &this.model,
            dataset: &this.dataset,
        };
        convert::reduce(slf, &state)
    }

    /// Rebuilds a pickled model.
    #[classmethod]
    fn _from_bytes(cls: &Bound<'_, PyType>, data: &[u8]) -> PyResult<Self> {
        let s: ModelState = convert::from_bytes(cls.py(), "model", data)?;
        Ok(Self {
            model: Arc::new(s.model),
            dataset: Arc::new(s.dataset),
        })
    }

    fn __repr__(&self) -> String {
        format!("<native Model of {:?}>", self.model.history.dataset)
    }
}

/// A deterministic projection, held as the core's `ProjectionColumns` (labels made once,
/// rows coded by index); it pickles as the core's `Projection` (its rows).
#[pyclass(frozen, module = "carecast._carecast")]
pub struct Projection {
    pub(crate) inner: Arc<carecast::ProjectionColumns>,
}

impl From<&carecast::Projection> for Projection {
    fn from(p: &carecast::Projection) -> Self {
        Self {
            inner: Arc::new(carecast::ProjectionColumns::from(p)),
        }
    }
}

#[pymethods]
impl Projection {
    /// The rows as columns `year`, `period`, `band`, `measure` (numpy object arrays of `str`) and
    /// `value` (a float64 array).
    fn columns(&self, py: Python<'_>) -> PyResult<Py<PyDict>> {
        convert::projection_columns(py, &self.inner)
    }

    /// The assumptions that made the projection, as a dict.
    fn assumptions(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        convert::value_to_py(py, self.inner.assumptions())
    }

    /// Intervals of the stock one to five years ahead calibrated on the national backtest
    /// (`carecast::national::calibrated_intervals`), as columns `year`, `band`
    /// (numpy object arrays of `str`), `horizon` (int64), `value`, `median`, then
    /// `lower_<i>` and `upper_<i>` per level index `i` (float64 arrays).
    fn calibrated(&self, py: Python<'_>, levels: Vec<f64>) -> PyResult<Py<PyDict>> {
        let p = Arc::clone(&self.inner);
        let rows = run(py, move || {
            // The same checks as every other interval (the columns keep the order given).
            carecast::stochastic::check_levels(&levels)?;
            let p = carecast::Projection::from(&*p);
            carecast::national::calibrated_intervals(&p, &levels).map(|r| (r, levels.len()))
        })?;
        let (rows, n) = rows;
        let mut s = Strings::default();
        let out = PyDict::new(py);
        out.set_item("year", s.column(py, &rows, |r| r.year.as_str()))?;
        out.set_item("band", s.column(py, &rows, |r| r.band.as_str()))?;
        let horizon: Vec<i64> = rows
            .iter()
            .map(|r| i64::try_from(r.horizon).unwrap_or(i64::MAX))
            .collect();
        out.set_item("horizon", horizon.into_pyarray(py))?;
        let col = |f: &dyn Fn(&carecast::national::CalibratedRow) -> f64| -> Vec<f64> {
            rows.iter().map(f).collect()
        };
        out.set_item("value", col(&|r| r.value).into_pyarray(py))?;
        out.set_item("median", col(&|r| r.median).into_pyarray(py))?;
        for i in 0..n {
            out.set_item(format!("lower_{i}"), col(&|r| r.lower[i]).into_pyarray(py))?;
            out.set_item(format!("upper_{i}"), col(&|r| r.upper[i]).into_pyarray(py))?;
        }
        Ok(out.unbind())
    }

    /// Pickle support: the serde bytes of the projection's rows (the core's `Projection`).
    fn __reduce__<'py>(slf: &Bound<'py, Self>) -> PyResult<convert::Reduced<'py>> {
        convert::reduce(slf, &carecast::Projection::from(&*slf.get().inner))
    }

    /// Rebuilds a pickled projection.
    #[classmethod]
    fn _from_bytes(cls: &Bound<'_, PyType>, data: &[u8]) -> PyResult<Self> {
        convert::from_bytes::<carecast::Projection>(cls.py(), "projection", data)
            .map(|p| Self::from(&p))
    }

    fn __len__(&self) -> usize {
        self.inner.len()
    }
}

/// A projection with Monte Carlo intervals (the core's `IntervalProjection`).
#[pyclass(frozen, module = "carecast._carecast")]
pub struct IntervalProjection {
    pub(crate) inner: Arc<carecast::IntervalProjection>,
}

/// Columns of interval rows: the keys, `value`, `mean`, `median`, then `lower_<i>` and
/// `upper_<i>` per level index `i`.
pub(crate) fn interval_columns(
    py: Python<'_>,
    rows: &[carecast::stochastic::IntervalRow],
    levels: usize,
) -> PyResult<Py<PyDict>> {
    let mut s = Strings::default();
    let out = PyDict::new(py);
    out.set_item("year", s.column(py, rows, |r| r.year.as_str()))?;
    out.set_item("period", s.column(py, rows, |r| r.period.as_str()))?;
    out.set_item("band", s.column(py, rows, |r| r.band.as_str()))?;
    out.set_item("measure", s.column(py, rows, |r| r.measure.as_str()))?;
    let col = |f: &dyn Fn(&carecast::stochastic::IntervalRow) -> f64| -> Vec<f64> {
        rows.iter().map(f).collect()
    };
    out.set_item("value", col(&|r| r.value).into_pyarray(py))?;
    out.set_item("mean", col(&|r| r.mean).into_pyarray(py))?;
    out.set_item("median", col(&|r| r.median).into_pyarray(py))?;
    for i in 0..levels {
        let lo = col(&|r| r.lower.get(i).copied().unwrap_or(f64::NAN));
        let hi = col(&|r| r.upper.get(i).copied().unwrap_or(f64::NAN));
        out.set_item(format!("lower_{i}"), lo.into_pyarray(py))?;
        out.set_item(format!("upper_{i}"), hi.into_pyarray(py))?;
    }
    Ok(out.unbind())
}

#[pymethods]
impl IntervalProjection {
    /// Interval levels in percent, ascending.
    #[getter]
    fn levels(&self) -> Vec<f64> {
        self.inner.levels.clone()
    }

    /// The rows as columns: `year`, `period`, `band`, `measure`, `value`, `mean`,
    /// `median`, then `lower_<i>` and `upper_<i>` for the `i`-th level.
    fn columns(&self, py: Python<'_>) -> PyResult<Py<PyDict>> {
        interval_columns(py, &self.inner.rows, self.inner.levels.len())
    }

    /// The assumptions of the deterministic projection, as a dict.
    fn assumptions(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        convert::value_to_py(py, &self.inner.assumptions)
    }

    /// What the paths drew from, as a dict.
    fn uncertainty(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        convert::value_to_py(py, &self.inner.uncertainty)
    }

    /// Pickle support: the projection's serde bytes.
    fn __reduce__<'py>(slf: &Bound<'py, Self>) -> PyResult<convert::Reduced<'py>> {
        convert::reduce(slf, &*slf.get().inner)
    }

    /// Rebuilds a pickled interval projection.
    #[classmethod]
    fn _from_bytes(cls: &Bound<'_, PyType>, data: &[u8]) -> PyResult<Self> {
        convert::from_bytes(cls.py(), "interval projection", data)
            .map(|p| Self { inner: Arc::new(p) })
    }

    fn __len__(&self) -> usize {
        self.inner.rows.len()
    }
}

/// Carries care-leaver cohorts forward; returns columns `year`, `age`, `value`.
#[pyfunction]
pub fn project_care_leavers(
    py: Python<'_>,
    base_year: i32,
    opening: Vec<(u8, f64)>,
    inflow: Vec<(i32, f64)>,
    retention: Vec<(u8, f64)>,
) -> PyResult<Py<PyDict>> {
    let rows = run(py, || {
        carecast::model::project_care_leavers(base_year, &opening, &inflow, &retention)
    })?;
    let out = PyDict::new(py);
    let years: Vec<i64> = rows.iter().map(|r| i64::from(r.0)).collect();
    let ages: Vec<i64> = rows.iter().map(|r| i64::from(r.1)).collect();
    let values: Vec<f64> = rows.iter().map(|r| r.2).collect();
    out.set_item("year", years.into_pyarray(py))?;
    out.set_item("age", ages.into_pyarray(py))?;
    out.set_item("value", values.into_pyarray(py))?;
    Ok(out.unbind())
}
