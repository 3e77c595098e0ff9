//! Bindings of Monte Carlo projection and backtesting (`carecast::stochastic`,
//! `carecast::backtest`). Results cross as JSON, like the rest of the module.

use carecast::Error;
use carecast::backtest::{Backtest, BacktestOptions};
use carecast::stochastic::StochasticOptions;
use pyo3::prelude::*;

use crate::{dataset_from_json, json, model_from_json, projection_options, run};

/// Projects a fitted model (JSON) with `samples` Monte Carlo paths; the arguments before
/// `samples` are those of `project`. Returns the projection with mean, median and the
/// central intervals at `levels` (percent) as JSON.
#[pyfunction]
#[pyo3(signature = (model_json, base_year, years, admissions, discharges, bands, leaver_share, retention, grain, changes, samples, seed, levels))]
#[allow(clippy::too_many_arguments)]
pub fn simulate(
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
    changes: String,
    samples: usize,
    seed: u64,
    levels: Vec<f64>,
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
            &changes,
        )?;
        carecast::stochastic::check_levels(&levels)?;
        let s = m.simulate(&o, &StochasticOptions::new(samples, seed))?;
        json(&s.summary(&levels)?)
    })
}

/// Rolling-origin backtest of a dataset (JSON); returns the backtest as JSON.
#[pyfunction]
#[pyo3(signature = (dataset_json, horizon, samples, seed, levels))]
pub fn backtest(
    py: Python<'_>,
    dataset_json: String,
    horizon: Option<usize>,
    samples: usize,
    seed: u64,
    levels: Vec<f64>,
) -> PyResult<String> {
    run(py, || {
        let d = dataset_from_json(&dataset_json)?;
        let o = BacktestOptions {
            horizon,
            samples,
            seed,
            levels,
        };
        json(&carecast::backtest::backtest(&d, &o)?)
    })
}

/// Applies the default-method rule to backtests (each JSON); returns the selection as JSON.
#[pyfunction]
pub fn select_default(py: Python<'_>, backtests_json: Vec<String>) -> PyResult<String> {
    run(py, || {
        let bs = backtests_json
            .iter()
            .map(|t| {
                serde_json::from_str::<Backtest>(t)
                    .map_err(|e| Error::model(format!("not a carecast backtest: {e}")))
            })
            .collect::<carecast::Result<Vec<_>>>()?;
        json(&carecast::backtest::select(&bs)?)
    })
}
