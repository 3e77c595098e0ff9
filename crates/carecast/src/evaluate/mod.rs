//! Evaluation: backtests of the cohort model and checks of figures quoted from a
//! dataset.

// split and cleaned in a follow-up
pub mod backtest;
pub mod figures;
