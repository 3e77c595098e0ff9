//! A placement projection: long-form rows and what was assumed.

use serde::{Deserialize, Serialize};

use super::{MarketLevers, Measure, MixMethod, Subject, UnitCost};
use crate::FinancialYear;
use crate::model::Projection;

/// One number of a placement projection (long form).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MarketRow {
    /// Financial year (the base year first, holding its 31 March counts).
    pub year: String,
    /// Placement type code, pool name (`fostering`, `residential`) or `all`.
    pub placement: String,
    /// Measure: `placements` (children at 31 March) and `spend` (pounds in the year) by
    /// type; `demand`, `capacity` (children the council can place in-house at the base
    /// year's occupancy), `places` (approved foster places or beds, where published),
    /// `in_house`, `external`, `in_house_share` (percent) by pool; for fostering also
    /// `households` (in-house carer households, contract carers included),
    /// `contract_carers` and `utilisation` (approved places filled, percent, on the
    /// published basis) where published; `target_<measure>` for each target the council
    /// set itself; `children`, `spend`, `within_20_miles_share` and
    /// `target_within_20_miles_share` for `all`.
    pub measure: String,
    /// Value: children, pounds or percent; not rounded.
    pub value: f64,
}

/// What a placement projection assumed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MarketAssumptions {
    /// Mix method.
    pub mix: MixMethod,
    /// Dates of the mix observations used.
    pub mix_dates: Vec<String>,
    /// Age groups of the mix.
    pub mix_groups: Vec<String>,
    /// Unit costs used.
    pub unit_costs: Vec<UnitCost>,
    /// Inflation, percent a year.
    pub inflation: f64,
    /// Levers applied.
    pub levers: MarketLevers,
    /// Notes.
    pub notes: Vec<String>,
}

/// A placement projection: rows and assumptions (and the stock projection beneath).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MarketProjection {
    /// The rows.
    pub rows: Vec<MarketRow>,
    /// What was assumed.
    pub assumptions: MarketAssumptions,
    /// The projection of children in care it was computed from (fine bands).
    pub projection: Projection,
}

impl MarketRow {
    /// The row's measure, typed (`None` for a target row, `target_<measure>`).
    pub fn measure_kind(&self) -> Option<Measure> {
        self.measure.parse().ok()
    }

    /// What the row is about, typed.
    pub fn subject(&self) -> Option<Subject> {
        self.placement.parse().ok()
    }
}

impl MarketProjection {
    /// The value of one row by typed names, if present.
    ///
    /// ```
    /// use carecast::{CohortModel, Dataset, FinancialYear, PlacementType, ProjectionOptions};
    /// use carecast::placements::{MarketInputs, MarketOptions, Measure, Subject};
    /// let ds = Dataset::bundled("derbyshire").unwrap();
    /// let model = CohortModel::fit(&ds).unwrap();
    /// let inputs = MarketInputs::from_dataset(&ds, &model.history).unwrap();
    /// let m = inputs.project(&model, &ProjectionOptions::new(2017, 2), &MarketOptions::default()).unwrap();
    /// let ifa = m.get(FinancialYear::ending(2017), Subject::Type(PlacementType::Ifa), Measure::Placements);
    /// approx::assert_abs_diff_eq!(ifa.unwrap(), 134.0, epsilon = 1e-9);
    /// ```
    pub fn get(&self, year: FinancialYear, subject: Subject, measure: Measure) -> Option<f64> {
        self.value(&year.to_string(), subject.code(), measure.code())
    }

    /// The value of one row, if present.
    pub fn value(&self, year: &str, placement: &str, measure: &str) -> Option<f64> {
        self.rows
            .iter()
            .find(|r| r.year == year && r.placement == placement && r.measure == measure)
            .map(|r| r.value)
    }
}
