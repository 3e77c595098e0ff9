//! The cohort model: history read from a dataset, the monthly grid, fitted rates,
//! assumptions, the projection and care leavers.

// split and cleaned in a follow-up
pub mod model;
