//! Bindings of the placement, cost and scenario parts of the core (`carecast::market`,
//! `carecast::scenario`). JSON in, JSON out, as the rest of the layer.

use carecast::Error;
use carecast::market::{MarketInputs, MarketOptions};
use carecast::scenario::Scenario;
use pyo3::prelude::*;

use crate::{dataset_from_json, json, model_from_json, run};

fn parse<T: serde::de::DeserializeOwned>(what: &str, text: &str) -> carecast::Result<T> {
    serde_json::from_str(text).map_err(|e| {
        Error::argument(
            what,
            text.chars().take(80).collect::<String>(),
            format!("not valid: {e}"),
        )
    })
}

/// The model, inputs and options `placements` and `placement_intervals` share.
fn market_args(
    model_json: &str,
    inputs_json: &str,
    base_year: i32,
    years: usize,
    admissions: &str,
    discharges: &str,
    market_json: &str,
) -> carecast::Result<(
    carecast::CohortModel,
    MarketInputs,
    carecast::ProjectionOptions,
    MarketOptions,
)> {
    let m = model_from_json(model_json)?;
    let inputs: MarketInputs = parse("inputs", inputs_json)?;
    let mut o = carecast::ProjectionOptions::new(base_year, years);
    o.admissions = parse("admissions", admissions)?;
    o.discharges = parse("discharges", discharges)?;
    let mo: MarketOptions = parse("market options", market_json)?;
    Ok((m, inputs, o, mo))
}

/// The placement inputs (mix, capacity, costs, targets, published spend) of a dataset,
/// calibrated at 31 March of `base_year`, as JSON.
#[pyfunction]
pub fn market_inputs(
    py: Python<'_>,
    dataset_json: String,
    model_json: String,
    base_year: i32,
) -> PyResult<String> {
    run(py, || {
        let (d, m) = (
            dataset_from_json(&dataset_json)?,
            model_from_json(&model_json)?,
        );
        let base = carecast::FinancialYear::ending(base_year).end();
        json(&MarketInputs::from_dataset_at(&d, &m.history, base)?)
    })
}

/// Placements, capacity and spend (JSON) from a fitted model, market inputs, projection
/// assumptions (`admissions`, `discharges` JSON) and market options (JSON).
#[pyfunction]
#[pyo3(signature = (model_json, inputs_json, base_year, years, admissions, discharges, market_json))]
#[allow(clippy::too_many_arguments)]
pub fn placements(
    py: Python<'_>,
    model_json: String,
    inputs_json: String,
    base_year: i32,
    years: usize,
    admissions: String,
    discharges: String,
    market_json: String,
) -> PyResult<String> {
    run(py, || {
        let (m, inputs, o, mo) = market_args(
            &model_json,
            &inputs_json,
            base_year,
            years,
            &admissions,
            &discharges,
            &market_json,
        )?;
        json(&inputs.project(&m, &o, &mo)?)
    })
}

/// Published spend against spend computed from counts and unit costs, as JSON.
#[pyfunction]
pub fn reconcile_spend(
    py: Python<'_>,
    inputs_json: String,
    unit_costs_json: String,
    inflation: f64,
) -> PyResult<String> {
    run(py, || {
        let inputs: MarketInputs = parse("inputs", &inputs_json)?;
        let costs: Vec<carecast::market::UnitCost> = parse("unit_costs", &unit_costs_json)?;
        json(&inputs.reconcile_spend(&costs, inflation)?)
    })
}

/// A "placement usage at N children" table recomputed from its printed shares, as JSON.
#[pyfunction]
pub fn usage_estimates(
    py: Python<'_>,
    dataset_json: String,
    table: String,
    total: f64,
) -> PyResult<String> {
    run(py, || {
        let d = dataset_from_json(&dataset_json)?;
        json(&carecast::market::usage_estimates(d.table(&table)?, total)?)
    })
}

/// The placement type codes (`in_house_fostering`, `ifa`, ...), in canonical order.
#[pyfunction]
pub fn placement_types() -> Vec<&'static str> {
    carecast::PlacementType::ALL
        .iter()
        .map(|t| t.code())
        .collect()
}

/// Parses a scenario (`fmt` = `toml` or `json`); returns it as JSON.
#[pyfunction]
pub fn scenario_parse(py: Python<'_>, file: String, text: String, fmt: String) -> PyResult<String> {
    run(py, || {
        let s = match fmt.as_str() {
            "toml" => Scenario::from_toml(&file, &text)?,
            "json" => Scenario::from_json(&file, &text)?,
            other => return Err(Error::argument("format", other, "must be toml or json")),
        };
        json(&s)
    })
}

/// A scenario (JSON) written as TOML.
#[pyfunction]
#[pyo3(signature = (scenario_json, file = None))]
pub fn scenario_to_toml(
    py: Python<'_>,
    scenario_json: String,
    file: Option<String>,
) -> PyResult<String> {
    run(py, || {
        Scenario::from_json(file.as_deref().unwrap_or("<scenario>"), &scenario_json)?.to_toml()
    })
}

/// Runs a scenario (JSON) against its baseline; with `dataset_json`, on that dataset
/// instead of the one the scenario names. Returns the comparison as JSON.
#[pyfunction]
#[pyo3(signature = (scenario_json, dataset_json = None, file = None))]
pub fn scenario_run(
    py: Python<'_>,
    scenario_json: String,
    dataset_json: Option<String>,
    file: Option<String>,
) -> PyResult<String> {
    run(py, || {
        let s = Scenario::from_json(file.as_deref().unwrap_or("<scenario>"), &scenario_json)?;
        match dataset_json {
            None => json(&s.run()?),
            Some(dj) => {
                let d = dataset_from_json(&dj)?;
                let m = carecast::CohortModel::fit(&d)?;
                json(&s.run_with(&d, &m)?)
            }
        }
    })
}

/// Monte Carlo intervals of placements and spend (arguments as `placements`, then
/// `samples`, `seed` and `levels` in percent). Returns the interval rows as JSON, with
/// the placement type, pool or `all` in `band`.
#[pyfunction]
#[pyo3(signature = (model_json, inputs_json, base_year, years, admissions, discharges, market_json, samples, seed, levels))]
#[allow(clippy::too_many_arguments)]
pub fn placement_intervals(
    py: Python<'_>,
    model_json: String,
    inputs_json: String,
    base_year: i32,
    years: usize,
    admissions: String,
    discharges: String,
    market_json: String,
    samples: usize,
    seed: u64,
    levels: Vec<f64>,
) -> PyResult<String> {
    run(py, || {
        let (m, inputs, o, mo) = market_args(
            &model_json,
            &inputs_json,
            base_year,
            years,
            &admissions,
            &discharges,
            &market_json,
        )?;
        carecast::stochastic::check_levels(&levels)?;
        let s = inputs.simulate(
            &m,
            &o,
            &mo,
            &carecast::stochastic::StochasticOptions::new(samples, seed),
        )?;
        json(&s.summary(&levels)?)
    })
}
