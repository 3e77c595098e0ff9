//! How a placement projection runs: the mix method, inflation and the levers.

use serde::{Deserialize, Serialize};

use super::{UnitCost, check_inflation};
use crate::{Error, Result};

/// How the placement mix moves forward.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[non_exhaustive]
#[serde(
    tag = "method",
    rename_all = "snake_case",
    try_from = "crate::model::MethodSpec"
)]
pub enum MixMethod {
    /// The mix at the base date, held.
    #[default]
    Held,
    /// The mean of the shares at the last `k` dates up to the base date.
    Mean {
        /// Dates averaged.
        k: usize,
    },
    /// A straight line through the shares at the dates up to the base date, cut at zero
    /// and rescaled to add to one.
    Trend,
}

impl TryFrom<crate::model::MethodSpec> for MixMethod {
    type Error = String;
    fn try_from(s: crate::model::MethodSpec) -> std::result::Result<Self, String> {
        const METHODS: [&str; 3] = ["held", "mean", "trend"];
        match s.method.as_str() {
            "mean" => {
                s.only(&METHODS, &["k"])?;
                Ok(MixMethod::Mean { k: s.k()? })
            }
            "trend" => s.only(&METHODS, &[]).map(|_| MixMethod::Trend),
            _ => s.only(&METHODS, &[]).map(|_| MixMethod::Held),
        }
    }
}

/// A change in effect from a year on: a scenario's capacity and cost levers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FromYear<T> {
    /// First financial year it applies to (calendar year of its 31 March).
    pub from_year: i32,
    /// The value.
    pub value: T,
}

/// Levers on the placement side (the flow levers are [`crate::model::FlowChange`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct MarketLevers {
    /// Extra in-house fostering households (one-off additions, kept afterwards).
    pub extra_households: Vec<FromYear<f64>>,
    /// Change in households approved per year (added each year from then on).
    pub approvals_per_year: Vec<FromYear<f64>>,
    /// Change in households resigning per year (added each year from then on).
    pub resignations_per_year: Vec<FromYear<f64>>,
    /// In-house children's home beds from a year on.
    pub beds: Vec<FromYear<f64>>,
    /// In-house fostering occupancy: children per household from a year on.
    pub children_per_household: Vec<FromYear<f64>>,
    /// Extra contract carer households (one-off additions, kept afterwards).
    #[serde(default)]
    pub extra_contract_carers: Vec<FromYear<f64>>,
    /// Children stepped down from residential to fostering (a level, from a year on).
    pub step_down: Vec<FromYear<f64>>,
    /// Replacement unit costs.
    pub unit_costs: Vec<UnitCost>,
    /// Inflation of unit costs, percent a year (overrides the options').
    pub inflation: Option<f64>,
}

/// Options of a placement projection.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MarketOptions {
    /// How the mix moves forward.
    pub mix: MixMethod,
    /// Inflation of unit costs, percent a year, from their price year (0 = real terms).
    pub inflation: f64,
    /// Levers.
    pub levers: MarketLevers,
}

impl MarketOptions {
    /// Options with a mix method and inflation (percent a year), checked; no levers.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] for inflation outside -50 to 100 or not finite, or a
    /// `mean` mix over no dates.
    ///
    /// ```
    /// use carecast::placements::{MarketOptions, MixMethod};
    /// let o = MarketOptions::new(MixMethod::Trend, 2.0).unwrap();
    /// assert_eq!(o.inflation, 2.0);
    /// assert!(MarketOptions::new(MixMethod::Held, f64::NAN).is_err());
    /// assert!(MarketOptions::new(MixMethod::Mean { k: 0 }, 0.0).is_err());
    /// ```
    pub fn new(mix: MixMethod, inflation: f64) -> Result<Self> {
        check_inflation(inflation)?;
        if let MixMethod::Mean { k: 0 } = mix {
            return Err(Error::argument("mix k", 0, "must be at least 1"));
        }
        Ok(MarketOptions {
            mix,
            inflation,
            levers: MarketLevers::default(),
        })
    }

    /// The same options with levers, each value checked finite (their years are checked
    /// against the projection's base year when it runs).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] naming the lever of a value that is not finite.
    ///
    /// ```
    /// use carecast::placements::{FromYear, MarketLevers, MarketOptions, MixMethod};
    /// let mut l = MarketLevers::default();
    /// l.beds.push(FromYear { from_year: 2019, value: f64::INFINITY });
    /// let e = MarketOptions::new(MixMethod::Held, 0.0).unwrap().with_levers(l).unwrap_err();
    /// assert!(e.to_string().contains("levers.beds[0].value"));
    /// ```
    pub fn with_levers(mut self, levers: MarketLevers) -> Result<Self> {
        levers.check(i32::MIN)?;
        self.levers = levers;
        Ok(self)
    }
}

impl Default for MarketOptions {
    fn default() -> Self {
        MarketOptions {
            mix: MixMethod::Held,
            inflation: 0.0,
            levers: MarketLevers::default(),
        }
    }
}
