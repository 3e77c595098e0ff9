//! Evaluation: backtests of the cohort model and checks of figures quoted from a
//! dataset.

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
pub mod backtest;
pub mod figures;
pub mod national_dfe;
