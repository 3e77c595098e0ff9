//! The admissions and discharge-rate methods a projection may assume, their defaults
//! and how they are read from a file.

use serde::{Deserialize, Serialize};

/// The default admissions assumption of a dataset without a region (a user's own
/// tables), chosen by the national backtest ([`crate::national`], its name
/// [`crate::national::DEFAULT_METHOD`]): admissions that carry the council's stock
/// forward at England's damped growth ([`Admissions::Anchored`], the reference empty =
/// England's series [`crate::national::ENGLAND_STOCK`]). It runs from every base year. A
/// council of the DfE panel has its own default
/// ([`crate::evaluate::national_dfe::default_admissions`]).
pub const DEFAULT_ADMISSIONS: Admissions = Admissions::Anchored {
    phi: DEFAULT_PHI,
    reference: Vec::new(),
    reversion: 0.0,
};
/// The largest reversion (extra log growth a year, either sign) that
/// [`Admissions::Anchored`] accepts: 0.2 a year is far beyond any fitted value (about
/// 0.01 a year in the national backtest).
pub const MAX_REVERSION: f64 = 0.2;
/// The default discharge-rate assumption, chosen with [`DEFAULT_ADMISSIONS`].
pub const DEFAULT_DISCHARGES: Discharges = Discharges::Regularised {
    k: DEFAULT_REGULARISED_YEARS,
    strength: DEFAULT_STRENGTH,
};
/// Default damping factor of [`Admissions::Damped`] and [`Admissions::Pooled`].
pub const DEFAULT_PHI: f64 = 0.8;
/// Default years pooled by [`Discharges::Regularised`].
pub const DEFAULT_REGULARISED_YEARS: usize = 5;
/// Default prior strength of [`Discharges::Regularised`], in child-months (ten children
/// in care for a year).
pub const DEFAULT_STRENGTH: f64 = 120.0;
/// How admissions move forward.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "method", rename_all = "snake_case", try_from = "MethodSpec")]
pub enum Admissions {
    /// The base year's admissions by band, held.
    Held,
    /// The mean of the last `k` observed years up to the base year.
    Mean {
        /// Years averaged.
        k: usize,
    },
    /// A log-linear Poisson trend of each band's admissions on the year.
    Trend,
    /// A rate per 10,000 children (base year) times a population projection.
    Rate {
        /// Child population (0-17) by financial-year end, covering the base year and every projected year.
        population: Vec<(i32, f64)>,
    },
    /// A damped log-linear trend: each band's Poisson trend over the last
    /// [`TREND_WINDOW`] observed years, from its fitted level at the base year, with the
    /// slope of year `j` ahead multiplied by `phi^j` (see the methodology). One observed
    /// year: the base year's admissions held (said in the notes).
    ///
    /// [`TREND_WINDOW`]: crate::cohort::TREND_WINDOW
    Damped {
        /// Damping factor in [0, 1]: 0 holds the fitted level, 1 is the undamped trend.
        phi: f64,
    },
    /// Admissions per child of the population, with each band's log-linear slope shrunk
    /// towards the slope of a reference series (region or England) by empirical Bayes,
    /// then damped as in [`Admissions::Damped`] (see the methodology).
    Pooled {
        /// Damping factor in [0, 1].
        phi: f64,
        /// The reference series' admissions rate (per 10,000 children) by year ending
        /// 31 March, as known at the base year: at least two of the window's years.
        reference: Vec<(i32, f64)>,
        /// Standard deviation between councils of the true yearly slope of log
        /// admissions (the prior's spread); 0 takes the reference slope.
        between_sd: f64,
        /// Child population (0-17) by year ending 31 March: every observed year of the
        /// window; projected years where given (otherwise held at the base year's).
        population: Vec<(i32, f64)>,
    },
    /// Admissions that carry the council's stock at 31 March of the base year forward at
    /// the damped growth of a reference series (England or the region): each projected
    /// year's admissions keep the mix of bands of the last three observed years, scaled
    /// so that the total stock at its 31 March is
    /// `S_T exp(g (phi + ... + phi^h) + reversion * h)`, `g` the log-linear growth of the
    /// reference stock over the last [`TREND_WINDOW`] years up to the base year and
    /// `reversion` an extra yearly log growth that is not damped (0 by default; see the
    /// methodology). Runs from any base year.
    ///
    /// [`TREND_WINDOW`]: crate::cohort::TREND_WINDOW
    Anchored {
        /// Damping factor in [0, 1].
        phi: f64,
        /// The reference's children looked after at 31 March, by year; empty: England
        /// ([`crate::national::ENGLAND_STOCK`]).
        reference: Vec<(i32, f64)>,
        /// Extra log growth of the stock a year, not damped: the target `h` years ahead
        /// is multiplied by `exp(reversion * h)`. Finite and within
        /// [`MAX_REVERSION`] either side of 0; 0 (the default) is the plain anchor and
        /// is not written out (so that outputs without a reversion stay as they were).
        #[serde(default, skip_serializing_if = "is_zero")]
        reversion: f64,
    },
}

/// The admissions method names an assumption may give (`method = "..."`).
pub const ADMISSIONS_METHODS: [&str; 7] = [
    "held", "mean", "trend", "rate", "damped", "pooled", "anchored",
];

/// The discharge-rate method names an assumption may give (`method = "..."`).
pub const DISCHARGE_METHODS: [&str; 3] = ["last", "mean", "regularised"];

/// How discharge rates move forward.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "method", rename_all = "snake_case", try_from = "MethodSpec")]
pub enum Discharges {
    /// The base year's fitted rates.
    Last,
    /// The mean of the last `k` years' fitted rates.
    Mean {
        /// Years averaged.
        k: usize,
    },
    /// Each band's discharges over its child-months in care, pooled over the last `k`
    /// years and shrunk towards the rate of all bands together (see the methodology):
    /// a year whose band could not be fitted, or one noisy year, cannot drive the rate.
    Regularised {
        /// Years pooled (at most the years observed; fewer are used when fewer exist).
        k: usize,
        /// Prior weight of the all-bands rate, in child-months of exposure.
        strength: f64,
    },
}

/// An assumption as written in a file (`{ method = "mean", k = 3 }`): every key of every
/// method, so that a key the method does not take is an error rather than ignored (serde
/// ignores extra keys of the unit variants of an internally tagged enum).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MethodSpec {
    /// The method's name.
    pub method: String,
    /// Years (or dates) averaged, for `mean`.
    #[serde(default)]
    pub k: Option<usize>,
    /// Child population by year, for admissions `rate` and `pooled`.
    #[serde(default)]
    pub population: Option<Vec<(i32, f64)>>,
    /// Damping factor, for admissions `damped` and `pooled`.
    #[serde(default)]
    pub phi: Option<f64>,
    /// Reference admissions rate by year, for admissions `pooled`.
    #[serde(default)]
    pub reference: Option<Vec<(i32, f64)>>,
    /// Between-council slope spread, for admissions `pooled`.
    #[serde(default)]
    pub between_sd: Option<f64>,
    /// Extra undamped log growth a year, for admissions `anchored` (default 0).
    #[serde(default)]
    pub reversion: Option<f64>,
    /// Prior strength in child-months, for discharges `regularised`.
    #[serde(default)]
    pub strength: Option<f64>,
}

impl MethodSpec {
    /// Checks that only the keys in `allowed` are given (besides `method`).
    ///
    /// # Errors
    /// A message naming the unknown method, or the first key the method does not take.
    pub fn only(&self, methods: &[&str], allowed: &[&str]) -> std::result::Result<(), String> {
        if !methods.contains(&self.method.as_str()) {
            return Err(format!(
                "unknown method `{}`, expected one of {}",
                self.method,
                methods.join(", ")
            ));
        }
        for (key, given) in [
            ("k", self.k.is_some()),
            ("population", self.population.is_some()),
            ("phi", self.phi.is_some()),
            ("reference", self.reference.is_some()),
            ("between_sd", self.between_sd.is_some()),
            ("reversion", self.reversion.is_some()),
            ("strength", self.strength.is_some()),
        ] {
            if given && !allowed.contains(&key) {
                return Err(format!(
                    "unknown field `{key}`: method `{}` takes {}",
                    self.method,
                    if allowed.is_empty() {
                        "no other keys".to_string()
                    } else {
                        allowed
                            .iter()
                            .map(|k| format!("`{k}`"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    }
                ));
            }
        }
        Ok(())
    }

    /// `k`, required.
    ///
    /// # Errors
    /// A message naming the method when `k` is missing.
    pub fn k(&self) -> std::result::Result<usize, String> {
        self.k
            .ok_or_else(|| format!("method `{}` needs `k` (how many to average)", self.method))
    }
}

impl TryFrom<MethodSpec> for Admissions {
    type Error = String;
    fn try_from(s: MethodSpec) -> std::result::Result<Self, String> {
        const METHODS: [&str; 7] = ADMISSIONS_METHODS;
        match s.method.as_str() {
            "held" => s.only(&METHODS, &[]).map(|_| Admissions::Held),
            "damped" => {
                s.only(&METHODS, &["phi"])?;
                Ok(Admissions::Damped {
                    phi: s.phi.unwrap_or(DEFAULT_PHI),
                })
            }
            "anchored" => {
                s.only(&METHODS, &["phi", "reference", "reversion"])?;
                let reversion = s.reversion.unwrap_or(0.0);
                check_reversion(reversion)?;
                Ok(Admissions::Anchored {
                    phi: s.phi.unwrap_or(DEFAULT_PHI),
                    reference: s.reference.unwrap_or_default(),
                    reversion,
                })
            }
            "pooled" => {
                s.only(&METHODS, &["phi", "reference", "between_sd", "population"])?;
                Ok(Admissions::Pooled {
                    phi: s.phi.unwrap_or(DEFAULT_PHI),
                    reference: s
                        .reference
                        .ok_or("method `pooled` needs `reference` (year, rate per 10,000) pairs")?,
                    between_sd: s.between_sd.ok_or(
                        "method `pooled` needs `between_sd` (spread of slopes between councils)",
                    )?,
                    population: s
                        .population
                        .ok_or("method `pooled` needs `population` (year, children) pairs")?,
                })
            }
            "trend" => s.only(&METHODS, &[]).map(|_| Admissions::Trend),
            "mean" => {
                s.only(&METHODS, &["k"])?;
                Ok(Admissions::Mean { k: s.k()? })
            }
            "rate" => {
                s.only(&METHODS, &["population"])?;
                Ok(Admissions::Rate {
                    population: s
                        .population
                        .ok_or("method `rate` needs `population` (year, children) pairs")?,
                })
            }
            _ => s.only(&METHODS, &[]).map(|_| Admissions::Held),
        }
    }
}

/// Whether a value is exactly zero (serde's `skip_serializing_if`).
fn is_zero(v: &f64) -> bool {
    *v == 0.0
}

/// Checks the `reversion` of [`Admissions::Anchored`]: finite and within
/// [`MAX_REVERSION`] either side of 0.
///
/// # Errors
/// A message naming `reversion` and the value otherwise.
pub fn check_reversion(reversion: f64) -> std::result::Result<(), String> {
    if reversion.is_finite() && reversion.abs() <= MAX_REVERSION {
        Ok(())
    } else {
        Err(format!(
            "`reversion` of admissions `anchored` must be a number within [-{MAX_REVERSION}, {MAX_REVERSION}] (extra log growth a year), got {reversion}"
        ))
    }
}

impl TryFrom<MethodSpec> for Discharges {
    type Error = String;
    fn try_from(s: MethodSpec) -> std::result::Result<Self, String> {
        const METHODS: [&str; 3] = DISCHARGE_METHODS;
        match s.method.as_str() {
            "regularised" => {
                s.only(&METHODS, &["k", "strength"])?;
                Ok(Discharges::Regularised {
                    k: s.k.unwrap_or(DEFAULT_REGULARISED_YEARS),
                    strength: s.strength.unwrap_or(DEFAULT_STRENGTH),
                })
            }
            "mean" => {
                s.only(&METHODS, &["k"])?;
                Ok(Discharges::Mean { k: s.k()? })
            }
            _ => s.only(&METHODS, &[]).map(|_| Discharges::Last),
        }
    }
}
