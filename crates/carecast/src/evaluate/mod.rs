//! Evaluation: backtests of the cohort model and checks of figures quoted from a
//! dataset.

pub mod backtest;
pub mod figures;
pub mod national_dfe;
