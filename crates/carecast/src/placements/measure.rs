//! What a row of a placement projection counts, and of what: typed names for the
//! `measure` and `placement` strings of [`MarketRow`](super::MarketRow).

use std::fmt;
use std::str::FromStr;

use crate::{Error, PlacementType};

/// A measure of a placement projection (the targets a council set itself are rows
/// `target_<measure>`, read with [`Measure::target_of`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Measure {
    /// Children at 31 March by type.
    Placements,
    /// Pounds in the year, by type and for all.
    Spend,
    /// Children a pool needs.
    Demand,
    /// Children a pool can place in-house.
    Capacity,
    /// Approved foster places or beds.
    Places,
    /// Children a pool places in-house.
    InHouse,
    /// Children a pool places with the external market.
    External,
    /// Percent of a pool's demand placed in-house.
    InHouseShare,
    /// In-house foster carer households, contract carers included.
    Households,
    /// Contract carer households.
    ContractCarers,
    /// Approved foster places filled, percent.
    Utilisation,
    /// All children in care at 31 March.
    Children,
    /// Percent of placements within 20 miles of home.
    WithinTwentyMilesShare,
}

impl Measure {
    /// Every measure.
    pub const ALL: [Measure; 13] = [
        Measure::Placements,
        Measure::Spend,
        Measure::Demand,
        Measure::Capacity,
        Measure::Places,
        Measure::InHouse,
        Measure::External,
        Measure::InHouseShare,
        Measure::Households,
        Measure::ContractCarers,
        Measure::Utilisation,
        Measure::Children,
        Measure::WithinTwentyMilesShare,
    ];

    /// The name rows carry.
    ///
    /// ```
    /// use carecast::placements::Measure;
    /// assert_eq!(Measure::InHouseShare.code(), "in_house_share");
    /// assert_eq!("in_house_share".parse::<Measure>().unwrap(), Measure::InHouseShare);
    /// ```
    pub fn code(&self) -> &'static str {
        match self {
            Measure::Placements => "placements",
            Measure::Spend => "spend",
            Measure::Demand => "demand",
            Measure::Capacity => "capacity",
            Measure::Places => "places",
            Measure::InHouse => "in_house",
            Measure::External => "external",
            Measure::InHouseShare => "in_house_share",
            Measure::Households => "households",
            Measure::ContractCarers => "contract_carers",
            Measure::Utilisation => "utilisation",
            Measure::Children => "children",
            Measure::WithinTwentyMilesShare => "within_20_miles_share",
        }
    }

    /// The row name of the council's target for this measure (`target_households`).
    ///
    /// ```
    /// use carecast::placements::Measure;
    /// assert_eq!(Measure::Households.target_of(), "target_households");
    /// ```
    pub fn target_of(&self) -> String {
        format!("target_{}", self.code())
    }
}

impl fmt::Display for Measure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl FromStr for Measure {
    type Err = Error;
    fn from_str(s: &str) -> crate::Result<Self> {
        Measure::ALL
            .into_iter()
            .find(|m| m.code() == s)
            .ok_or_else(|| Error::unknown("measure", s, Measure::ALL.map(|m| m.code())))
    }
}

/// What a row of a placement projection is about: a placement type, a pool, or all
/// children.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Subject {
    /// One placement type.
    Type(PlacementType),
    /// The fostering pool (in-house fostering and contract care, and agencies).
    Fostering,
    /// The residential pool (council homes, and agency and block-contract homes).
    Residential,
    /// All children in care.
    All,
}

impl Subject {
    /// The name rows carry (`ifa`, `fostering`, `all`).
    ///
    /// ```
    /// use carecast::PlacementType;
    /// use carecast::placements::Subject;
    /// assert_eq!(Subject::Type(PlacementType::Ifa).code(), "ifa");
    /// assert_eq!("residential".parse::<Subject>().unwrap(), Subject::Residential);
    /// ```
    pub fn code(&self) -> &'static str {
        match self {
            Subject::Type(t) => t.code(),
            Subject::Fostering => "fostering",
            Subject::Residential => "residential",
            Subject::All => "all",
        }
    }
}

impl fmt::Display for Subject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl FromStr for Subject {
    type Err = Error;
    fn from_str(s: &str) -> crate::Result<Self> {
        match s {
            "fostering" => Ok(Subject::Fostering),
            "residential" => Ok(Subject::Residential),
            "all" => Ok(Subject::All),
            other => other.parse::<PlacementType>().map(Subject::Type),
        }
    }
}
