//! Stochastic projection: Monte Carlo paths of the cohort model with process noise and
//! parameter uncertainty, summarised as quantiles of every projected quantity.
//! See [`crate::methodology`] ("Uncertainty") for the equations and assumptions.
//!
//! ```
//! use carecast::{CohortModel, Dataset, ProjectionOptions};
//! use carecast::stochastic::StochasticOptions;
//! let m = CohortModel::fit(&Dataset::bundled("derbyshire").unwrap()).unwrap();
//! let s = m.simulate(&ProjectionOptions::new(2017, 5), &StochasticOptions::new(200, 1)).unwrap();
//! let iv = s.summary(&[80.0, 95.0]).unwrap();
//! let total: Vec<_> = iv.rows.iter()
//!     .filter(|r| r.band == "all" && r.measure == "stock").collect();
//! assert_eq!(total.len(), 5);
//! // Intervals are ordered, never negative, and wider five years out than one.
//! for r in &total {
//!     assert!(0.0 <= r.lower[1] && r.lower[1] <= r.lower[0] && r.lower[0] <= r.median);
//!     assert!(r.median <= r.upper[0] && r.upper[0] <= r.upper[1]);
//! }
//! assert!(total[4].upper[1] - total[4].lower[1] > total[0].upper[1] - total[0].lower[1]);
//! ```

//!
//! The work is split by stage, in the files beside this one: the bounds and checks of a
//! call (`limits.rs`), its options (`options.rs`), the random streams and samplers
//! (`sampling.rs`), the overdispersion estimated from the data (`dispersion.rs`), one
//! path (`paths.rs`), the whole simulation (`simulate.rs`) and the paths' summaries
//! (`samples.rs`). Every public item is here, under `carecast::stochastic`.

pub use super::limits::{
    DEFAULT_LEVELS, MAX_ALPHA, MAX_LEVELS, MAX_SAMPLES, MAX_VALUES, check_levels, check_samples,
    level_label,
};
pub use super::options::{StochasticOptions, Uncertainty};
pub use super::samples::{IntervalProjection, IntervalRow, RowKey, Samples};
pub use super::sampling::path_rng;
