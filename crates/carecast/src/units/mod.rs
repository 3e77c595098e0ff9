//! Checked value types every other module speaks: age bands and band schemes, periods
//! and dates, published cells (exact, suppressed, rounded) and placement types.

pub mod age;
pub mod cell;
pub mod period;
pub mod placement;
