//! Placement demand by type, in-house capacity and the external market, and spend.
//!
//! The cohort model projects how many children are in care, by age. This module turns
//! that into what a market position statement needs:
//!
//! 1. **Mix.** The shares of children by placement type at each published 31 March
//!    ([`MarketInputs::from_dataset`] reads them), by age group where the data allow
//!    (Derbyshire publishes its 16-17 year olds by type for 2017). Held, averaged or
//!    trended ([`MixMethod`]), the mix gives *demand* by type.
//! 2. **Pools.** Types are pooled by the kind of placement a child needs: fostering
//!    (in-house and contract care in-house; independent fostering agencies external) and
//!    residential (council homes in-house; agency and block-contract homes external).
//!    Each pool's demand is met in-house up to the council's capacity; the rest goes to
//!    the external market. The capacity is calibrated so that the base year reproduces the
//!    published split, so the baseline does not move children between providers.
//! 3. **Capacity.** Fostering: mainstream carer households (moved each year by the mean
//!    approvals minus resignations) times the children placed per household in the base
//!    year, plus contract carer households at one child each (where published; their
//!    children are split from the published in-house foster placements and costed at
//!    contract-care rates). Utilisation of approved places moves with the children placed
//!    in-house, from the published base-year figure. Residential: beds times the base
//!    year's occupancy. Published occupancy or utilisation over 100% is a data error.
//!    The base year (the first row of every projection) holds the published counts,
//!    whatever the mix method.
//! 4. **Spend.** Children in each type, averaged over the year's two 31 Marches, times the
//!    annual unit cost (by cost age band for in-house fostering and contract care), times
//!    inflation from the unit costs' price year. Types without a unit cost are left out of
//!    spend and named in the notes, never costed at zero.
//!
//! ```
//! use carecast::{CohortModel, Dataset, ProjectionOptions};
//! use carecast::placements::{MarketInputs, MarketOptions};
//! let ds = Dataset::bundled("derbyshire").unwrap();
//! let model = CohortModel::fit(&ds).unwrap();
//! let inputs = MarketInputs::from_dataset(&ds, &model.history).unwrap();
//! let m = inputs.project(&model, &ProjectionOptions::new(2017, 5), &MarketOptions::default()).unwrap();
//! let ifa_2017 = m.value("2016/17", "ifa", "placements").unwrap();
//! assert!((ifa_2017 - 134.0).abs() < 1e-9); // the published count at 31 March 2017
//! ```

mod capacity;
mod costs;
mod gather;
mod inputs;
mod levers;
mod measure;
mod mix;
mod options;
mod place;
mod result;
mod simulate;
mod spend;
mod usage;

use serde::{Deserialize, Serialize};

use crate::data::ids;
use crate::{AgeBand, BandScheme, PlacementType};

pub use costs::cost_band;
use costs::{check_cost, check_inflation, cost_by_band};
pub use inputs::{
    FosteringCapacity, MarketInputs, MixObservation, PublishedSpend, ResidentialCapacity, Target,
    UnitCost,
};
pub use measure::{Measure, Subject};
pub use options::{FromYear, MarketLevers, MarketOptions, MixMethod};
pub use result::{MarketAssumptions, MarketProjection, MarketRow};
pub use spend::SpendCheck;
pub use usage::{MAX_TOTAL_CHILDREN, UsageEstimate, usage_at, usage_estimates};

/// Tables that may hold children by placement type at dates, in order of preference.
pub const PLACEMENT_TABLES: [&str; 2] = ids::table::PLACEMENT_TABLES;

/// The fine age bands placements are computed on: they refine both the DfE bands and the
/// cost bands (0-1, 2-4, 5-10, 11-15, 16+), so both can be summed from them.
pub const FINE_BANDS: [&str; 7] = ["under 1", "1", "2-4", "5-9", "10", "11-15", "16-17"];

/// A pool of placement types that meet the same need, split by provider.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Pool {
    /// Name: `fostering` or `residential`.
    pub name: String,
    /// Types the council provides itself, in order of preference.
    pub in_house: Vec<PlacementType>,
    /// Types bought from the external market.
    pub external: Vec<PlacementType>,
}

/// The two pools: fostering and residential.
pub fn pools() -> Vec<Pool> {
    use PlacementType::*;
    vec![
        Pool {
            name: "fostering".into(),
            in_house: vec![InHouseFostering, ContractCare],
            external: vec![Ifa],
        },
        Pool {
            name: "residential".into(),
            in_house: vec![InHouseHome],
            external: vec![AgencyHome, BlockHome],
        },
    ]
}

/// The scheme of [`FINE_BANDS`].
pub fn fine_scheme() -> BandScheme {
    BandScheme::custom("fine", &FINE_BANDS).unwrap_or_else(|_| BandScheme::dfe())
}

pub(super) fn group_label(lo: u8, hi: u8) -> String {
    AgeBand::new(lo, hi)
        .map(|b| b.label())
        .unwrap_or_else(|_| format!("{lo}-{}", hi - 1))
}
