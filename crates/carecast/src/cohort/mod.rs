//! The cohort model: history read from a dataset, the monthly grid, fitted rates,
//! assumptions, the projection and care leavers.

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
pub mod model;
