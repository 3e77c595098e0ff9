//! Uncertainty: Monte Carlo paths of the cohort model, overdispersion, parameter
//! uncertainty and interval summaries.
//!
//! Every public item is re-exported here and, as before, from [`stochastic`].

mod dispersion;
mod limits;
mod options;
mod paths;
mod samples;
mod sampling;
mod simulate;
pub mod stochastic;

pub use stochastic::{
    DEFAULT_LEVELS, IntervalProjection, IntervalRow, MAX_ALPHA, MAX_LEVELS, MAX_SAMPLES,
    MAX_VALUES, RowKey, Samples, StochasticOptions, Uncertainty, check_levels, check_samples,
    level_label, path_rng,
};
