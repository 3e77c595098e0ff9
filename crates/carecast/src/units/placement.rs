//! Placement types as councils' tables use them, with their groupings and providers.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// Where a child in care lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum PlacementType {
    /// Fostering with the council's own carers.
    InHouseFostering,
    /// Fostering through an independent fostering agency.
    Ifa,
    /// Contract care: specialist carers paid a fee under contract with the council.
    ContractCare,
    /// A children's home run by the council.
    InHouseHome,
    /// An external children's home bought on a block contract.
    BlockHome,
    /// A private or voluntary (agency) children's home bought placement by placement.
    AgencyHome,
    /// Placed for adoption.
    Adoption,
    /// Placed with parents or others with parental responsibility.
    WithParents,
    /// Supported or independent accommodation (semi-independent living).
    SupportedAccommodation,
    /// A secure unit.
    Secure,
    /// Anything else.
    Other,
}

/// A grouping of placement types.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PlacementGroup {
    /// Foster care of any kind.
    Fostering,
    /// Children's homes of any kind.
    Residential,
    /// Placed for adoption.
    Adoption,
    /// Placed with parents.
    WithParents,
    /// Supported or independent accommodation.
    Independent,
    /// Secure units.
    Secure,
    /// Other placements.
    Other,
}

/// Who provides a placement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Provider {
    /// The council itself.
    InHouse,
    /// The external market (agencies, private and voluntary providers).
    External,
    /// Neither (e.g. placed with parents, adoption).
    NotApplicable,
}

impl PlacementType {
    /// Every placement type, in display order.
    pub const ALL: [PlacementType; 11] = [
        PlacementType::InHouseFostering,
        PlacementType::Ifa,
        PlacementType::ContractCare,
        PlacementType::InHouseHome,
        PlacementType::BlockHome,
        PlacementType::AgencyHome,
        PlacementType::Adoption,
        PlacementType::WithParents,
        PlacementType::SupportedAccommodation,
        PlacementType::Secure,
        PlacementType::Other,
    ];

    /// The code used in data files and outputs, e.g. `in_house_fostering`.
    pub fn code(&self) -> &'static str {
        match self {
            PlacementType::InHouseFostering => "in_house_fostering",
            PlacementType::Ifa => "ifa",
            PlacementType::ContractCare => "contract_care",
            PlacementType::InHouseHome => "in_house_home",
            PlacementType::BlockHome => "block_home",
            PlacementType::AgencyHome => "agency_home",
            PlacementType::Adoption => "adoption",
            PlacementType::WithParents => "with_parents",
            PlacementType::SupportedAccommodation => "supported_accommodation",
            PlacementType::Secure => "secure",
            PlacementType::Other => "other",
        }
    }

    /// A readable name.
    pub fn label(&self) -> &'static str {
        match self {
            PlacementType::InHouseFostering => "In-house fostering",
            PlacementType::Ifa => "Independent fostering agency",
            PlacementType::ContractCare => "Contract care",
            PlacementType::InHouseHome => "In-house children's home",
            PlacementType::BlockHome => "Block-contract children's home",
            PlacementType::AgencyHome => "Private/agency children's home",
            PlacementType::Adoption => "Placed for adoption",
            PlacementType::WithParents => "Placed with parents",
            PlacementType::SupportedAccommodation => "Supported/independent accommodation",
            PlacementType::Secure => "Secure unit",
            PlacementType::Other => "Other",
        }
    }

    /// The group it belongs to.
    pub fn group(&self) -> PlacementGroup {
        match self {
            PlacementType::InHouseFostering | PlacementType::Ifa | PlacementType::ContractCare => {
                PlacementGroup::Fostering
            }
            PlacementType::InHouseHome | PlacementType::BlockHome | PlacementType::AgencyHome => {
                PlacementGroup::Residential
            }
            PlacementType::Adoption => PlacementGroup::Adoption,
            PlacementType::WithParents => PlacementGroup::WithParents,
            PlacementType::SupportedAccommodation => PlacementGroup::Independent,
            PlacementType::Secure => PlacementGroup::Secure,
            PlacementType::Other => PlacementGroup::Other,
        }
    }

    /// Who provides it. Contract care is the council's own (carers under contract to it).
    pub fn provider(&self) -> Provider {
        match self {
            PlacementType::InHouseFostering
            | PlacementType::ContractCare
            | PlacementType::InHouseHome => Provider::InHouse,
            PlacementType::Ifa
            | PlacementType::BlockHome
            | PlacementType::AgencyHome
            | PlacementType::SupportedAccommodation
            | PlacementType::Secure => Provider::External,
            PlacementType::Adoption | PlacementType::WithParents | PlacementType::Other => {
                Provider::NotApplicable
            }
        }
    }
}

impl fmt::Display for PlacementType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl FromStr for PlacementType {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        let t = s.trim();
        PlacementType::ALL
            .into_iter()
            .find(|p| p.code() == t)
            .ok_or_else(|| {
                Error::unknown(
                    "placement type",
                    t,
                    PlacementType::ALL.iter().map(|p| p.code()),
                )
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip() {
        for p in PlacementType::ALL {
            assert_eq!(p.code().parse::<PlacementType>().unwrap(), p);
        }
        let e = "ifaa".parse::<PlacementType>().unwrap_err();
        assert!(e.to_string().contains("did you mean \"ifa\""), "{e}");
        assert_eq!(PlacementType::Ifa.group(), PlacementGroup::Fostering);
        assert_eq!(PlacementType::AgencyHome.provider(), Provider::External);
    }
}
