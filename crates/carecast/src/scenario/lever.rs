//! The levers a scenario pulls.

use serde::{Deserialize, Serialize};

use crate::PlacementType;

pub(super) fn all_bands() -> String {
    "all".into()
}

pub(super) fn default_years() -> usize {
    5
}

/// One lever of a scenario.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
#[non_exhaustive]
pub enum Lever {
    /// Change admissions by a percent and/or a number a year.
    Admissions {
        /// Label used in the attribution (default: the kind and its position).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        name: Option<String>,
        /// A band of the model (`under 1`, ..., `16-17`) or `all`.
        #[serde(default = "all_bands")]
        band: String,
        /// Percent change (`-10` = ten percent fewer).
        #[serde(default)]
        percent: f64,
        /// Children a year added (negative: removed).
        #[serde(default)]
        absolute: f64,
        /// First financial year (calendar year of its 31 March); default the first projected.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        from_year: Option<i32>,
    },
    /// Change discharge (including reunification) rates by a percent.
    Discharges {
        /// Label used in the attribution.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        name: Option<String>,
        /// A band of the model or `all`.
        #[serde(default = "all_bands")]
        band: String,
        /// Percent change in the rate (`+10` = ten percent more children leave a year).
        percent: f64,
        /// First financial year; default the first projected.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        from_year: Option<i32>,
    },
    /// Change the rate at which children return home to their families (reunification),
    /// by a percent. Reaches the projection as a change in all discharges of
    /// `percent` times the share of the base year's discharges that were returns home
    /// (from the dataset's `discharges_by_reason` table; an error where there is none).
    Reunification {
        /// Label used in the attribution.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        name: Option<String>,
        /// A band of the model or `all`.
        #[serde(default = "all_bands")]
        band: String,
        /// Percent change in the rate of returns home (`+10` = ten percent more).
        percent: f64,
        /// First financial year; default the first projected.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        from_year: Option<i32>,
    },
    /// Children stepped down from residential care to fostering (a number in care at
    /// each 31 March from the year on).
    StepDown {
        /// Label used in the attribution.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        name: Option<String>,
        /// Children.
        children: f64,
        /// First financial year; default the first projected.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        from_year: Option<i32>,
    },
    /// Recruit in-house foster carer households: a one-off number and/or more a year.
    FosterRecruitment {
        /// Label used in the attribution.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        name: Option<String>,
        /// Households added once, from `from_year` on.
        #[serde(default)]
        households: f64,
        /// Extra households approved every year from `from_year`.
        #[serde(default)]
        per_year: f64,
        /// First financial year; default the first projected.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        from_year: Option<i32>,
    },
    /// Recruit contract carer households (one-to-one placements, costed at contract-care
    /// rates): a one-off number from a year on.
    ContractCarers {
        /// Label used in the attribution.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        name: Option<String>,
        /// Households added (negative: fewer).
        households: f64,
        /// First financial year; default the first projected.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        from_year: Option<i32>,
    },
    /// Change the households resigning each year.
    FosterResignations {
        /// Label used in the attribution.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        name: Option<String>,
        /// Extra households resigning a year (negative: fewer resign).
        per_year: f64,
        /// First financial year; default the first projected.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        from_year: Option<i32>,
    },
    /// In-house children's home beds from a year on.
    Beds {
        /// Label used in the attribution.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        name: Option<String>,
        /// Beds.
        beds: f64,
        /// First financial year; default the first projected.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        from_year: Option<i32>,
    },
    /// A different annual unit cost for a placement type (optionally one cost band).
    UnitCost {
        /// Label used in the attribution.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        name: Option<String>,
        /// Placement type code.
        placement: PlacementType,
        /// Cost band (`0-1`, `2-4`, `5-10`, `11-15`, `16+`); default every age.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        band: Option<String>,
        /// Pounds per child per year.
        annual: f64,
        /// Price year (calendar year of the 31 March); default the base year.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        price_year: Option<i32>,
    },
    /// Inflation of unit costs, percent a year.
    Inflation {
        /// Label used in the attribution.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        name: Option<String>,
        /// Percent a year.
        percent: f64,
    },
}

impl Lever {
    /// The kind, as written in files.
    pub fn kind(&self) -> &'static str {
        match self {
            Lever::Admissions { .. } => "admissions",
            Lever::Discharges { .. } => "discharges",
            Lever::Reunification { .. } => "reunification",
            Lever::StepDown { .. } => "step_down",
            Lever::FosterRecruitment { .. } => "foster_recruitment",
            Lever::ContractCarers { .. } => "contract_carers",
            Lever::FosterResignations { .. } => "foster_resignations",
            Lever::Beds { .. } => "beds",
            Lever::UnitCost { .. } => "unit_cost",
            Lever::Inflation { .. } => "inflation",
        }
    }

    /// The label used in the attribution: its name, or `N: kind`.
    pub fn label(&self, index: usize) -> String {
        let name = match self {
            Lever::Admissions { name, .. }
            | Lever::Discharges { name, .. }
            | Lever::Reunification { name, .. }
            | Lever::StepDown { name, .. }
            | Lever::FosterRecruitment { name, .. }
            | Lever::ContractCarers { name, .. }
            | Lever::FosterResignations { name, .. }
            | Lever::Beds { name, .. }
            | Lever::UnitCost { name, .. }
            | Lever::Inflation { name, .. } => name.clone(),
        };
        name.unwrap_or_else(|| format!("{}: {}", index + 1, self.kind()))
    }

    /// The numbers the lever was given, as `(key, value)`, in file order.
    pub fn numbers(&self) -> Vec<(&'static str, f64)> {
        match self {
            Lever::Admissions {
                percent, absolute, ..
            } => vec![("percent", *percent), ("absolute", *absolute)],
            Lever::Discharges { percent, .. } | Lever::Reunification { percent, .. } => {
                vec![("percent", *percent)]
            }
            Lever::StepDown { children, .. } => vec![("children", *children)],
            Lever::FosterRecruitment {
                households,
                per_year,
                ..
            } => vec![("households", *households), ("per_year", *per_year)],
            Lever::ContractCarers { households, .. } => vec![("households", *households)],
            Lever::FosterResignations { per_year, .. } => vec![("per_year", *per_year)],
            Lever::Beds { beds, .. } => vec![("beds", *beds)],
            Lever::UnitCost { annual, .. } => vec![("annual", *annual)],
            Lever::Inflation { percent, .. } => vec![("percent", *percent)],
        }
    }

    /// The lever's `from_year`, if it has one and it is set.
    pub fn from_year(&self) -> Option<i32> {
        match self {
            Lever::Admissions { from_year, .. }
            | Lever::Discharges { from_year, .. }
            | Lever::Reunification { from_year, .. }
            | Lever::StepDown { from_year, .. }
            | Lever::FosterRecruitment { from_year, .. }
            | Lever::ContractCarers { from_year, .. }
            | Lever::FosterResignations { from_year, .. }
            | Lever::Beds { from_year, .. } => *from_year,
            Lever::UnitCost { .. } | Lever::Inflation { .. } => None,
        }
    }

    /// The lever's age band, for the levers that take one.
    pub fn band(&self) -> Option<&str> {
        match self {
            Lever::Admissions { band, .. }
            | Lever::Discharges { band, .. }
            | Lever::Reunification { band, .. } => Some(band),
            _ => None,
        }
    }

    /// `N ("label", kind k: key = value, ...)`: how errors name a lever.
    pub(super) fn describe(&self, index: usize) -> String {
        let mut keys: Vec<String> = self
            .numbers()
            .iter()
            .map(|(k, v)| format!("{k} = {v}"))
            .collect();
        if let Some(y) = self.from_year() {
            keys.push(format!("from_year = {y}"));
        }
        format!(
            "lever {} ({:?}, kind `{}`: {})",
            index + 1,
            self.label(index),
            self.kind(),
            keys.join(", ")
        )
    }
}
