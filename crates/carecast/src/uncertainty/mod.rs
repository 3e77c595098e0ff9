//! Uncertainty: Monte Carlo paths of the cohort model, overdispersion, parameter
//! uncertainty and interval summaries.

// split and cleaned in a follow-up
#[allow(
    clippy::too_many_lines,
    clippy::missing_errors_doc,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss,
    clippy::cast_possible_wrap
)]
pub mod stochastic;
