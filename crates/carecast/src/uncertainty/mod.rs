//! Uncertainty: Monte Carlo paths of the cohort model, overdispersion, parameter
//! uncertainty and interval summaries.

// split and cleaned in a follow-up
pub mod stochastic;
