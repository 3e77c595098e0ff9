//! The methods of the national backtest and the default set.

use super::*;

/// One method of the national backtest (more may be added: a match needs a wildcard arm).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub enum Method {
    /// The stock at the origin, held.
    Naive,
    /// A straight line through the first known stock and the origin's.
    Drift,
    /// The stock at the origin carried forward at a damped growth rate: the council's
    /// own log-linear growth over the last [`TREND_WINDOW`] years shrunk towards the
    /// reference series' growth over the same years (empirical Bayes, the spread between
    /// councils estimated at the origin); see the methodology.
    PooledDrift {
        /// The method's name in the results.
        name: String,
        /// Damping factor in [0, 1].
        phi: f64,
        /// Whether the council's own growth counts (false: the reference's growth only).
        own: bool,
        /// The reference whose growth is borrowed.
        #[serde(default)]
        reference: Reference,
        /// Whether the council's rate of children in care reverts towards its region's
        /// (an undamped yearly adjustment fitted across councils at the origin; see the
        /// methodology).
        #[serde(default)]
        reversion: bool,
    },
    /// The stock at the origin carried forward at the council's own log-linear growth over
    /// the last [`TREND_WINDOW`] years, damped (a damped trend on the stock itself, with no
    /// shrinkage); see the methodology.
    StockDamped {
        /// The method's name in the results.
        name: String,
        /// Damping factor in [0, 1].
        phi: f64,
    },
    /// An equal-weight combination of other methods' point forecasts (their mean, or
    /// their median), for each horizon and band that every member forecasts; see the
    /// methodology. The members must come earlier in the list of methods.
    Combination {
        /// The method's name in the results.
        name: String,
        /// Names of the combined methods.
        members: Vec<String>,
        /// The median of the members (else their mean).
        median: bool,
    },
    /// The cohort model.
    Engine {
        /// The method's name in the results.
        name: String,
        /// Admissions assumption.
        admissions: AdmissionsRule,
        /// Discharge-rate assumption.
        discharges: Discharges,
    },
}

impl Method {
    /// The method's name.
    pub fn name(&self) -> &str {
        match self {
            Method::Naive => "naive",
            Method::Drift => "drift",
            Method::PooledDrift { name, .. }
            | Method::StockDamped { name, .. }
            | Method::Combination { name, .. }
            | Method::Engine { name, .. } => name,
        }
    }

    fn engine(name: &str, admissions: AdmissionsRule, discharges: Discharges) -> Method {
        Method::Engine {
            name: name.into(),
            admissions,
            discharges,
        }
    }

    fn drift(name: &str, phi: f64, own: bool, reference: Reference, reversion: bool) -> Method {
        Method::PooledDrift {
            name: name.into(),
            phi,
            own,
            reference,
            reversion,
        }
    }

    fn combination(name: &str, members: &[&str], median: bool) -> Method {
        Method::Combination {
            name: name.into(),
            members: members.iter().map(|m| (*m).to_string()).collect(),
            median,
        }
    }

    /// The methods compared by default: the baselines, the engine methods of the
    /// two-council backtest (`held`, `mean`, `trend`, discharges `last`), and the
    /// methods that borrow strength.
    pub fn defaults() -> Vec<Method> {
        let reg = Discharges::Regularised {
            k: DEFAULT_REGULARISED_YEARS,
            strength: DEFAULT_STRENGTH,
        };
        vec![
            Method::Naive,
            Method::Drift,
            Method::drift("pooled_drift", DEFAULT_PHI, true, Reference::England, false),
            Method::drift(
                "reference_drift",
                DEFAULT_PHI,
                false,
                Reference::England,
                false,
            ),
            Method::drift("region_drift", DEFAULT_PHI, false, Reference::Region, false),
            Method::drift("blend_drift", DEFAULT_PHI, false, Reference::Blend, false),
            Method::engine("held", AdmissionsRule::Held, Discharges::Last),
            Method::engine("mean", AdmissionsRule::Mean3, Discharges::Last),
            Method::engine("trend", AdmissionsRule::Trend, Discharges::Last),
            Method::engine("held_reg", AdmissionsRule::Held, reg.clone()),
            Method::engine("mean_reg", AdmissionsRule::Mean3, reg.clone()),
            Method::engine(
                "damped_reg",
                AdmissionsRule::Damped(DEFAULT_PHI),
                reg.clone(),
            ),
            Method::engine(
                "pooled_reg",
                AdmissionsRule::Pooled(DEFAULT_PHI),
                reg.clone(),
            ),
            Method::engine(
                "pooled_region_reg",
                AdmissionsRule::PooledTo(DEFAULT_PHI, Reference::Region),
                reg.clone(),
            ),
            Method::engine(
                "anchored_region_reg",
                AdmissionsRule::AnchoredTo(DEFAULT_PHI, Reference::Region),
                reg.clone(),
            ),
            Method::engine(
                "anchored_blend_reg",
                AdmissionsRule::AnchoredTo(DEFAULT_PHI, Reference::Blend),
                reg.clone(),
            ),
            Method::engine(
                "anchored_reg",
                AdmissionsRule::Anchored(DEFAULT_PHI),
                reg.clone(),
            ),
            Method::StockDamped {
                name: "damped_stock".into(),
                phi: DEFAULT_PHI,
            },
            // England's growth damped less (0.9) and not at all (1): the damping factor
            // as a candidate, chosen on the origins up to 2019 only (methodology).
            Method::drift("reference_drift_09", 0.9, false, Reference::England, false),
            Method::drift("reference_drift_1", 1.0, false, Reference::England, false),
            Method::combination(
                "combo_default_drift",
                &[DEFAULT_METHOD, "pooled_drift"],
                false,
            ),
            Method::combination("combo_mean", &COMBINED, false),
            Method::combination("combo_median", &COMBINED, true),
            // The blend's growth plus the reversion of the council's rate of children in
            // care towards its region's (found by an exploratory analysis; methodology).
            Method::drift(
                "reverting_drift",
                DEFAULT_PHI,
                false,
                Reference::Blend,
                true,
            ),
            Method::engine(
                "anchored_revert_reg",
                AdmissionsRule::AnchoredReverting(DEFAULT_PHI, Reference::Blend),
                reg,
            ),
        ]
    }
}

/// The members of the combinations `combo_mean` and `combo_median`: four methods that
/// each carry growth from a different source (the cohort model anchored to England, the
/// stock's own growth shrunk towards England's, the stock's own damped growth, and the
/// region's growth shrunk towards England's).
pub const COMBINED: [&str; 4] = [
    DEFAULT_METHOD,
    "pooled_drift",
    "damped_stock",
    "blend_drift",
];

/// Methods added to the national backtest as candidates for the default and rejected by
/// its evidence (see the methodology): kept in [`Method::defaults`] so that the tables
/// show them, left out of a user's own backtest ([`own_backtest`]) so that they add no
/// comparisons to its disagreement warning.
pub const REJECTED_CANDIDATES: [&str; 6] = [
    "damped_stock",
    "reference_drift_09",
    "reference_drift_1",
    "combo_default_drift",
    "combo_mean",
    "combo_median",
];
