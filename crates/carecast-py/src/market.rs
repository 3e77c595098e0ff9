//! Placements, costs, scenarios and backtests as native objects.
//!
//! Each class holds the core's value; `to_dict()` hands its descriptive parts to Python as
//! dicts and lists (no JSON text), and the row tables come as columns.

use std::sync::Arc;

use carecast::Error;
use carecast::market::{MarketInputs, MarketOptions, MarketProjection};
use numpy::IntoPyArray;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyType};

use crate::convert::{self, Columns};
use crate::data::Dataset;
use crate::errors::{run, to_py};
use crate::model::{Model, Projection, interval_columns};

/// Declares a frozen pyclass holding `Arc<$ty>` with `to_dict`, pickling and the given
/// extra methods.
macro_rules! value_class {
    ($name:ident, $ty:ty, $what:literal, $doc:literal, { $($extra:tt)* }) => {
        #[doc = $doc]
        #[pyclass(frozen, module = "carecast._carecast")]
        pub struct $name {
            pub(crate) inner: Arc<$ty>,
        }

        impl $name {
            pub(crate) fn new(v: $ty) -> Self {
                Self { inner: Arc::new(v) }
            }
        }

        #[pymethods]
        impl $name {
            /// The whole value as dicts and lists (the core's serde form).
            fn to_dict(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
                convert::value_to_py(py, &*self.inner)
            }

            /// Pickle support: the value's serde bytes.
            fn __reduce__<'py>(
                slf: &Bound<'py, Self>,
            ) -> PyResult<convert::Reduced<'py>> {
                convert::reduce(slf, &*slf.get().inner)
            }

            /// Rebuilds a pickled value.
            #[classmethod]
            fn _from_bytes(cls: &Bound<'_, PyType>, data: &[u8]) -> PyResult<Self> {
                convert::from_bytes(cls.py(), $what, data).map(Self::new)
            }

            $($extra)*
        }
    };
}

/// Placements with their optional Monte Carlo summary.
#[derive(serde::Serialize, serde::Deserialize)]
pub struct PlacementsValue {
    /// The deterministic placements.
    #[serde(flatten)]
    pub projection: MarketProjection,
    /// Intervals of every figure, if paths were drawn.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub intervals: Option<carecast::IntervalProjection>,
}

value_class!(
    Inputs,
    MarketInputs,
    "market inputs",
    "Placement inputs of a dataset (mix, capacity, costs, targets, spend).",
    {
        /// The unit costs the dataset publishes, as dicts.
        fn unit_costs(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
            convert::value_to_py(py, &self.inner.unit_costs)
        }

        /// Published spend against spend computed from counts and `unit_costs` (a list of
        /// mappings), as columns: `year`, `what` (object arrays of `str`), `published`
        /// (float64), `computed`, `difference`, `percent`, `children` (lists of `float`
        /// and `None` where not computed), `method` and `source`.
        fn reconcile_spend(
            &self,
            py: Python<'_>,
            unit_costs: &Bound<'_, PyAny>,
            inflation: f64,
        ) -> PyResult<Py<PyDict>> {
            let costs: Vec<carecast::market::UnitCost> =
                convert::arg("unit_costs", unit_costs).map_err(|e| to_py(py, e))?;
            let inputs = Arc::clone(&self.inner);
            let rows = run(py, move || inputs.reconcile_spend(&costs, inflation))?;
            Ok(Columns::new(py, &rows)
                .text("year", |r| r.year.as_str())?
                .text("what", |r| r.what.as_str())?
                .float("published", |r| r.published)?
                .nullable("computed", |r| r.computed)?
                .nullable("difference", |r| r.difference)?
                .nullable("percent", |r| r.percent)?
                .nullable("children", |r| r.children)?
                .text("method", |r| r.method.as_str())?
                .text("source", |r| r.source.as_str())?
                .finish())
        }

        /// Placements, capacity and spend from `model` with these inputs, the placement
        /// mix assumption `mix` (a mapping with a `method` key), cost inflation (percent a
        /// year) and `unit_costs` (a list of mappings) added to the dataset's; with
        /// `samples`, also their Monte Carlo intervals at `levels` (percent).
        #[pyo3(signature = (model, base_year, years, admissions, discharges, mix, inflation, unit_costs, samples = None, seed = 0, levels = None))]
        #[allow(clippy::too_many_arguments)]
        fn placements(
            &self,
            py: Python<'_>,
            model: &Model,
            base_year: i32,
            years: usize,
            admissions: &Bound<'_, PyAny>,
            discharges: &Bound<'_, PyAny>,
            mix: &Bound<'_, PyAny>,
            inflation: f64,
            unit_costs: &Bound<'_, PyAny>,
            samples: Option<usize>,
            seed: u64,
            levels: Option<Vec<f64>>,
        ) -> PyResult<Placements> {
            let args = || -> carecast::Result<(carecast::ProjectionOptions, MarketOptions)> {
                let mut o = carecast::ProjectionOptions::new(base_year, years);
                o.admissions = convert::arg("admissions", admissions)?;
                o.discharges = convert::arg("discharges", discharges)?;
                let levers = carecast::market::MarketLevers {
                    unit_costs: convert::arg("unit_costs", unit_costs)?,
                    ..Default::default()
                };
                let mo = MarketOptions {
                    mix: convert::arg("mix", mix)?,
                    inflation,
                    levers,
                };
                Ok((o, mo))
            };
            let (o, mo) = args().map_err(|e| to_py(py, e))?;
            let (inputs, m) = (Arc::clone(&self.inner), Arc::clone(&model.model));
            let value = run(py, move || {
                let projection = inputs.project(&m, &o, &mo)?;
                let intervals = match samples {
                    None => None,
                    Some(n) => {
                        let levels = levels.unwrap_or_else(|| vec![80.0, 90.0]);
                        carecast::stochastic::check_levels(&levels)?;
                        let s = inputs.simulate(
                            &m,
                            &o,
                            &mo,
                            &carecast::StochasticOptions::new(n, seed),
                        )?;
                        Some(s.summary(&levels)?)
                    }
                };
                Ok(PlacementsValue {
                    projection,
                    intervals,
                })
            })?;
            Ok(Placements::new(value))
        }
    }
);

value_class!(
    Placements,
    PlacementsValue,
    "placements",
    "Placements by type, capacity, the external market and spend.",
    {
        /// The rows as columns `year`, `placement`, `measure` (object arrays of `str`) and
        /// `value` (float64).
        fn columns(&self, py: Python<'_>) -> PyResult<Py<PyDict>> {
            Ok(Columns::new(py, &self.inner.projection.rows)
                .text("year", |r| r.year.as_str())?
                .text("placement", |r| r.placement.as_str())?
                .text("measure", |r| r.measure.as_str())?
                .float("value", |r| r.value)?
                .finish())
        }

        /// The interval rows as columns (see `IntervalProjection.columns`; the placement type
        /// or pool is in `band`), or `None` without paths.
        fn interval_columns(&self, py: Python<'_>) -> PyResult<Option<Py<PyDict>>> {
            self.inner
                .intervals
                .as_ref()
                .map(|iv| interval_columns(py, &iv.rows, iv.levels.len()))
                .transpose()
        }

        /// Interval levels (percent), empty without paths.
        #[getter]
        fn levels(&self) -> Vec<f64> {
            self.inner
                .intervals
                .as_ref()
                .map(|iv| iv.levels.clone())
                .unwrap_or_default()
        }

        /// What was assumed, as a dict.
        fn assumptions(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
            convert::value_to_py(py, &self.inner.projection.assumptions)
        }

        /// The projection of children in care beneath.
        fn projection(&self) -> Projection {
            Projection::from(&self.inner.projection.projection)
        }

        /// One figure, or `None` if there is no such row.
        fn value(&self, year: &str, placement: &str, measure: &str) -> Option<f64> {
            self.inner.projection.value(year, placement, measure)
        }
    }
);

/// A scenario with the file it was read from.
#[derive(serde::Serialize, serde::Deserialize)]
#[serde(from = "ScenarioParts")]
pub struct ScenarioValue {
    /// The scenario.
    pub scenario: carecast::scenario::Scenario,
    /// The file (or label) it was read from.
    pub file: Option<String>,
}

/// A pickled scenario: the file is put back into the scenario (which does not serialise
/// it), so that its errors still name the file.
#[derive(serde::Deserialize)]
struct ScenarioParts {
    scenario: carecast::scenario::Scenario,
    file: Option<String>,
}

impl From<ScenarioParts> for ScenarioValue {
    fn from(p: ScenarioParts) -> Self {
        let mut scenario = p.scenario;
        scenario.file = carecast::scenario::SourceFile(p.file.clone());
        Self {
            scenario,
            file: p.file,
        }
    }
}

fn scenario_text(
    file: &str,
    text: &str,
    fmt: &str,
) -> carecast::Result<carecast::scenario::Scenario> {
    use carecast::scenario::Scenario;
    match fmt {
        "toml" => Scenario::from_toml(file, text),
        "json" => Scenario::from_json(file, text),
        other => Err(Error::argument("format", other, "must be toml or json")),
    }
}

value_class!(
    Scenario,
    ScenarioValue,
    "scenario",
    "A scenario: the baseline's assumptions and levers.",
    {
        /// Reads a scenario from text (`fmt` = `toml` or `json`); `file` names it in errors.
        #[staticmethod]
        fn parse(py: Python<'_>, file: String, text: String, fmt: String) -> PyResult<Self> {
            let s = run(py, || scenario_text(&file, &text, &fmt))?;
            Ok(Self::new(ScenarioValue {
                scenario: s,
                file: Some(file),
            }))
        }

        /// Builds a scenario from a mapping with the file format's keys.
        #[staticmethod]
        fn from_mapping(py: Python<'_>, data: &Bound<'_, PyAny>, file: String) -> PyResult<Self> {
            let value = convert::from_py("data", data).map_err(|e| to_py(py, e))?;
            let s = run(py, || {
                carecast::scenario::Scenario::from_value(&file, value)
            })?;
            Ok(Self::new(ScenarioValue {
                scenario: s,
                file: Some(file),
            }))
        }

        /// The scenario (without its file) as a dict of the file format's keys.
        fn scenario(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
            convert::value_to_py(py, &self.inner.scenario)
        }

        /// The file (or label) it was read from.
        #[getter]
        fn file(&self) -> Option<String> {
            self.inner.file.clone()
        }

        /// The scenario as TOML text.
        fn to_toml(&self, py: Python<'_>) -> PyResult<String> {
            let s = Arc::clone(&self.inner);
            run(py, move || s.scenario.to_toml())
        }

        /// Runs the scenario against its baseline; on `dataset` instead of the one it names,
        /// if given.
        #[pyo3(signature = (dataset = None))]
        fn run(&self, py: Python<'_>, dataset: Option<&Dataset>) -> PyResult<Comparison> {
            let s = Arc::clone(&self.inner);
            let d = dataset.map(|d| Arc::clone(&d.inner));
            let c = run(py, move || match d {
                None => s.scenario.run(),
                Some(d) => {
                    let m = carecast::CohortModel::fit(&d)?;
                    s.scenario.run_with(&d, &m)
                }
            })?;
            Ok(Comparison::new(c))
        }

        fn __eq__(&self, other: &Self) -> bool {
            self.inner.scenario == other.inner.scenario
        }
    }
);

value_class!(
    Comparison,
    carecast::scenario::Comparison,
    "comparison",
    "A scenario run against its baseline, with the difference by lever.",
    {
        /// Baseline, scenario and difference by year, placement and measure, as columns
        /// `year`, `placement`, `measure` (object arrays of `str`), `baseline`, `scenario`
        /// and `difference` (float64).
        fn columns(&self, py: Python<'_>) -> PyResult<Py<PyDict>> {
            Ok(Columns::new(py, &self.inner.rows)
                .text("year", |r| r.year.as_str())?
                .text("placement", |r| r.placement.as_str())?
                .text("measure", |r| r.measure.as_str())?
                .float("baseline", |r| r.baseline)?
                .float("scenario", |r| r.scenario)?
                .float("difference", |r| r.difference)?
                .finish())
        }

        /// The difference by lever, as columns `year`, `placement`, `measure`, `lever`
        /// (object arrays of `str`) and `effect` (float64).
        fn attribution(&self, py: Python<'_>) -> PyResult<Py<PyDict>> {
            Ok(Columns::new(py, &self.inner.attribution)
                .text("year", |r| r.year.as_str())?
                .text("placement", |r| r.placement.as_str())?
                .text("measure", |r| r.measure.as_str())?
                .text("lever", |r| r.lever.as_str())?
                .float("effect", |r| r.effect)?
                .finish())
        }

        /// The scenario that was run.
        fn scenario(&self) -> Scenario {
            Scenario::new(ScenarioValue {
                scenario: self.inner.scenario.clone(),
                file: None,
            })
        }

        /// The baseline's placements.
        fn baseline(&self) -> Placements {
            Placements::new(PlacementsValue {
                projection: self.inner.baseline.clone(),
                intervals: None,
            })
        }

        /// The scenario's placements.
        fn result(&self) -> Placements {
            Placements::new(PlacementsValue {
                projection: self.inner.result.clone(),
                intervals: None,
            })
        }

        /// One difference, or `None` if there is no such row.
        fn difference(&self, year: &str, placement: &str, measure: &str) -> Option<f64> {
            self.inner.difference(year, placement, measure)
        }
    }
);

value_class!(
    Backtest,
    carecast::Backtest,
    "backtest",
    "A rolling-origin backtest of one dataset.",
    {
        /// Runs a rolling-origin backtest of `dataset`.
        #[staticmethod]
        #[pyo3(signature = (dataset, horizon, samples, seed, levels))]
        fn run(
            py: Python<'_>,
            dataset: &Dataset,
            horizon: Option<usize>,
            samples: usize,
            seed: u64,
            levels: Vec<f64>,
        ) -> PyResult<Self> {
            let d = Arc::clone(&dataset.inner);
            let o = carecast::BacktestOptions {
                horizon,
                samples,
                seed,
                levels,
            };
            run(py, move || carecast::backtest::backtest(&d, &o)).map(Self::new)
        }

        /// The dataset's name.
        #[getter]
        fn dataset(&self) -> &str {
            &self.inner.dataset
        }

        /// Interval levels (percent).
        #[getter]
        fn levels(&self) -> Vec<f64> {
            self.inner.levels.clone()
        }

        /// Origins: the 31 Marches (calendar years) forecasts start from.
        #[getter]
        fn origins(&self) -> Vec<i32> {
            self.inner.origins.clone()
        }

        /// The engine method the default rule picks on this dataset.
        #[getter]
        fn default_method(&self) -> &str {
            &self.inner.default_method
        }

        /// What was done and what could not be.
        #[getter]
        fn notes(&self) -> Vec<String> {
            self.inner.notes.clone()
        }

        /// The default rule applied to this backtest alone.
        fn selection(&self) -> Selection {
            Selection::new(self.inner.selection.clone())
        }

        /// The metrics per method and horizon (and band, with `by_band`), as columns:
        /// `method`, `band` (with `by_band`), `horizon`, `n` (int64), `mae`, `mape`,
        /// `bias`, `mase`, `rel_mae`, then `coverage_<i>` and `width_<i>` for the `i`-th
        /// level (float64, NaN where there is no value).
        #[pyo3(signature = (by_band = false))]
        fn summary(&self, py: Python<'_>, by_band: bool) -> PyResult<Py<PyDict>> {
            let b = &self.inner;
            let rows = if by_band {
                &b.summary_by_band
            } else {
                &b.summary
            };
            let mut cols = Columns::new(py, rows).text("method", |r| r.method.as_str())?;
            if by_band {
                cols = cols.opt_text("band", |r| r.band.as_deref())?;
            }
            Ok(cols
                .float("horizon", |r| r.horizon)?
                .int("n", |r| convert::count(r.n))?
                .float("mae", |r| r.mae)?
                .opt_float("mape", |r| r.mape)?
                .float("bias", |r| r.bias)?
                .float("mase", |r| r.mase)?
                .opt_float("rel_mae", |r| r.rel_mae)?
                .per_level(
                    b.levels.len(),
                    &[("coverage", |r| &r.coverage), ("width", |r| &r.width)],
                )?
                .finish())
        }

        /// Every forecast with the figure it is compared with, as columns: `method`,
        /// `origin`, `horizon`, `period`, `band`, `forecast`, `median`, `actual`, `scale`,
        /// then `lower_<i>` and `upper_<i>` for the `i`-th level (NaN where a method has no
        /// interval).
        fn forecasts(&self, py: Python<'_>) -> PyResult<Py<PyDict>> {
            let rows = &self.inner.forecasts;
            let mut s = convert::Strings::default();
            let out = PyDict::new(py);
            let floats = |f: &dyn Fn(&carecast::backtest::Forecast) -> f64| -> Vec<f64> {
                rows.iter().map(f).collect()
            };
            out.set_item("method", s.column(py, rows, |r| r.method.as_str()))?;
            let origins: Vec<i64> = rows.iter().map(|r| i64::from(r.origin)).collect();
            out.set_item("origin", origins.into_pyarray(py))?;
            out.set_item("horizon", floats(&|r| r.horizon).into_pyarray(py))?;
            out.set_item("period", s.column(py, rows, |r| r.period.as_str()))?;
            out.set_item("band", s.column(py, rows, |r| r.band.as_str()))?;
            out.set_item("forecast", floats(&|r| r.forecast).into_pyarray(py))?;
            out.set_item("median", floats(&|r| r.median).into_pyarray(py))?;
            out.set_item("actual", floats(&|r| r.actual).into_pyarray(py))?;
            out.set_item("scale", floats(&|r| r.scale).into_pyarray(py))?;
            for i in 0..self.inner.levels.len() {
                let lo = floats(&|r| r.lower.get(i).copied().unwrap_or(f64::NAN));
                let hi = floats(&|r| r.upper.get(i).copied().unwrap_or(f64::NAN));
                out.set_item(format!("lower_{i}"), lo.into_pyarray(py))?;
                out.set_item(format!("upper_{i}"), hi.into_pyarray(py))?;
            }
            Ok(out.unbind())
        }
    }
);

value_class!(
    Selection,
    carecast::backtest::Selection,
    "selection",
    "The default method chosen by the documented rule over one or more backtests.",
    {
        /// The datasets, in order.
        #[getter]
        fn datasets(&self) -> Vec<String> {
            self.inner.datasets.clone()
        }

        /// Interval levels (percent) of the coverage columns.
        #[getter]
        fn levels(&self) -> Vec<f64> {
            self.inner.levels.clone()
        }

        /// The engine method the rule picks.
        #[getter]
        fn default_method(&self) -> &str {
            &self.inner.default_method
        }

        /// Whether the chosen method scores below naive's (1).
        #[getter]
        fn beats_naive(&self) -> bool {
            self.inner.beats_naive
        }

        /// The rule's findings in words.
        #[getter]
        fn verdicts(&self) -> Vec<String> {
            self.inner.verdicts.clone()
        }

        /// The rule, in words.
        #[getter]
        fn rule(&self) -> &str {
            &self.inner.rule
        }

        /// Every method's score under the rule, as columns: `method`, `n` (int64),
        /// `score`, `score_<j>` per dataset `j` (with more than one dataset), `rel_mae`,
        /// `mase`, `mae`, then `coverage_<i>` for the `i`-th level (float64, NaN where
        /// there is no value).
        fn ranking(&self, py: Python<'_>) -> PyResult<Py<PyDict>> {
            let s = &self.inner;
            let mut cols = Columns::new(py, &s.ranking)
                .text("method", |r| r.method.as_str())?
                .int("n", |r| convert::count(r.n))?
                .opt_float("score", |r| r.score)?;
            if s.datasets.len() > 1 {
                for j in 0..s.datasets.len() {
                    cols = cols.opt_float(&format!("score_{j}"), |r| {
                        r.dataset_scores.get(j).copied().flatten()
                    })?;
                }
            }
            Ok(cols
                .opt_float("rel_mae", |r| r.rel_mae)?
                .float("mase", |r| r.mase)?
                .float("mae", |r| r.mae)?
                .per_level(s.levels.len(), &[("coverage", |r| &r.coverage)])?
                .finish())
        }

        /// Every method's scores on the `index`-th dataset by horizon year, as columns:
        /// `method`, `n` (int64), `score`, `year_<k>` per horizon year `k`, `rel_mae`,
        /// `mae_ratio`, `mase`, `mae`, then `coverage_<i>` for the `i`-th level; `None`
        /// if there is no such dataset.
        fn scores(&self, py: Python<'_>, index: usize) -> PyResult<Option<Py<PyDict>>> {
            let Some(d) = self.inner.by_dataset.get(index) else {
                return Ok(None);
            };
            let mut cols = Columns::new(py, &d.methods)
                .text("method", |r| r.method.as_str())?
                .int("n", |r| convert::count(r.n))?
                .opt_float("score", |r| r.score)?;
            for (i, y) in d.horizon_years.iter().enumerate() {
                cols = cols.opt_float(&format!("year_{y}"), |r| {
                    r.by_year.get(i).copied().flatten()
                })?;
            }
            cols = cols
                .opt_float("rel_mae", |r| r.rel_mae)?
                .opt_float("mae_ratio", |r| r.mae_ratio)?
                .float("mase", |r| r.mase)?
                .float("mae", |r| r.mae)?
                .per_level(self.inner.levels.len(), &[("coverage", |r| &r.coverage)])?;
            Ok(Some(cols.finish()))
        }
    }
);

/// Applies the default-method rule to backtests.
#[pyfunction]
pub fn select_default(py: Python<'_>, backtests: Vec<PyRef<'_, Backtest>>) -> PyResult<Selection> {
    let bs: Vec<carecast::Backtest> = backtests.iter().map(|b| (*b.inner).clone()).collect();
    run(py, move || carecast::backtest::select(&bs)).map(Selection::new)
}

/// The placement inputs of the model's own dataset, calibrated at 31 March of
/// `base_year`.
#[pyfunction]
pub fn market_inputs(py: Python<'_>, model: &Model, base_year: i32) -> PyResult<Inputs> {
    let (d, m) = (Arc::clone(&model.dataset), Arc::clone(&model.model));
    let inputs = run(py, move || {
        let base = carecast::FinancialYear::ending(base_year).end();
        MarketInputs::from_dataset_at(&d, &m.history, base)
    })?;
    Ok(Inputs::new(inputs))
}

/// The placement type codes (`in_house_fostering`, `ifa`, ...), in canonical order.
#[pyfunction]
pub fn placement_types() -> Vec<&'static str> {
    carecast::PlacementType::ALL
        .iter()
        .map(|t| t.code())
        .collect()
}
