//! What a Monte Carlo call is asked for ([`StochasticOptions`]) and what it drew from
//! ([`Uncertainty`]).

use serde::{Deserialize, Serialize};

/// How the Monte Carlo paths are drawn.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StochasticOptions {
    /// Number of paths, 1 to [`MAX_SAMPLES`](super::MAX_SAMPLES).
    pub samples: usize,
    /// Seed: the same seed gives the same paths on any machine and thread count.
    pub seed: u64,
    /// Draw who comes and goes (negative-binomial or Poisson admissions, binomial
    /// discharges). Off: each path is the deterministic projection under its drawn rates.
    pub process_noise: bool,
    /// Draw the rates themselves from their sampling distributions (a parametric bootstrap
    /// of the admissions assumption, Beta posteriors of the discharge rates).
    pub parameter_uncertainty: bool,
    /// Use overdispersion estimated from the data (negative-binomial admissions, inflated
    /// discharge-rate uncertainty); off: Poisson admissions and binomial-only rates.
    pub overdispersion: bool,
    /// The negative-binomial `alpha` of admissions (`var = mu + alpha mu^2`, 0 = Poisson)
    /// to use instead of the estimate, whatever `overdispersion` says (it still governs
    /// the discharge rates): for sensitivity analysis. `None`: estimated (or Poisson with
    /// `overdispersion` off). At most [`MAX_ALPHA`](super::MAX_ALPHA).
    #[serde(default)]
    pub admissions_alpha: Option<f64>,
}

impl StochasticOptions {
    /// Both sources of uncertainty, with overdispersion estimated from the data.
    ///
    /// ```
    /// use carecast::StochasticOptions;
    /// let s = StochasticOptions::new(1_000, 7);
    /// assert_eq!((s.samples, s.seed), (1_000, 7));
    /// assert!(s.process_noise && s.parameter_uncertainty && s.overdispersion);
    /// assert_eq!(s.admissions_alpha, None);
    /// ```
    #[must_use]
    pub fn new(samples: usize, seed: u64) -> Self {
        StochasticOptions {
            samples,
            seed,
            process_noise: true,
            parameter_uncertainty: true,
            overdispersion: true,
            admissions_alpha: None,
        }
    }
}

/// What the Monte Carlo drew from, as estimated from the data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Uncertainty {
    /// Paths drawn.
    pub samples: usize,
    /// The seed.
    pub seed: u64,
    /// Process noise on.
    pub process_noise: bool,
    /// Parameter uncertainty on.
    pub parameter_uncertainty: bool,
    /// Negative-binomial overdispersion of admissions, `alpha` in `var = mu + alpha mu^2`
    /// (0 = Poisson).
    pub admissions_alpha: f64,
    /// Dispersion of discharge rates between years relative to binomial noise (>= 1).
    pub discharge_phi: f64,
    /// What was assumed, in words.
    pub notes: Vec<String>,
}
