//! The national backtest: every council, every origin the data allow, horizons 1 to 5,
//! each method's forecasts against the published outturn, fitted only on what was
//! published by the origin (real-time vintages). See [`crate::methodology`].
//!
//! The data come through the [`Panel`] trait ("the dataset of council C as known at
//! origin Y" and "the outturn for year T as finally published"), so any source of
//! vintages can be plugged in.
//!
//! ```
//! use carecast::national::{backtest, NationalOptions, Outturn, Panel, Vintage};
//! use carecast::{Dataset, Result};
//! // One council whose published figures never change: Derbyshire's bundled tables.
//! struct One(Dataset);
//! impl Panel for One {
//!     fn councils(&self) -> Vec<String> { vec!["derbyshire".into()] }
//!     fn origins(&self) -> Vec<i32> { (2014..=2016).collect() }
//!     fn known_at(&self, _c: &str, origin: i32) -> Result<Option<Vintage>> {
//!         Ok(Some(Vintage::new(self.0.clone()).up_to(origin)))
//!     }
//!     fn outturn(&self, _c: &str, year: i32) -> Option<Outturn> {
//!         let stock = [(2015, 603.0), (2016, 585.0), (2017, 630.0)];
//!         stock.iter().find(|(y, _)| *y == year)
//!             .map(|(_, v)| Outturn { stock: vec![("all".into(), *v)] })
//!     }
//! }
//! let d = Dataset::bundled("derbyshire").unwrap();
//! let b = backtest(&One(d), &NationalOptions::default()).unwrap();
//! // Naive at origin 2015 one year ahead: 603 against 585.
//! let f = b.forecasts.iter().find(|f| f.method == "naive" && f.origin == 2015
//!     && f.horizon == 1 && f.band == "all").unwrap();
//! assert_eq!((f.forecast, f.actual), (603.0, 585.0));
//! ```

use std::collections::{BTreeMap, BTreeSet};

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::model::{
    Admissions, DEFAULT_PHI, DEFAULT_REGULARISED_YEARS, DEFAULT_STRENGTH, Discharges, History,
    TREND_WINDOW, rate_slope,
};
use crate::{CohortModel, Dataset, Error, ProjectionOptions, Result, StochasticOptions};

mod calibrated;
mod inputs;
mod methods;
mod notes;
mod own;
mod pooling;
mod regional;
mod reversion;
mod run;
mod scores;
mod types;

pub use calibrated::{
    CalibratedRow, DEFAULT_BAND_QUANTILES, DEFAULT_METHOD, DEFAULT_TOTAL_QUANTILES, LOG_OFFSET,
    REGIONAL_BAND_QUANTILES, REGIONAL_TOTAL_QUANTILES, apply_quantile, calibrated_intervals,
};
pub use methods::{COMBINED, Method, REJECTED_CANDIDATES};
pub use notes::{
    DISAGREEMENT_MARGIN, Disagreement, MIN_DISAGREEMENT_FIGURES, MIN_DISAGREEMENT_ORIGINS,
    StreamRow, UASC_METHOD, disagreement, uasc_streams,
};
pub use own::own_backtest;
pub use pooling::backtest;
pub use regional::{REGIONAL_METHOD, RegionalFit, regional_admissions};
pub use reversion::MIN_REVERSION_PAIRS;
pub use scores::CALIBRATION_PROBS;
pub use types::{
    AdmissionsRule, Calibration, CouncilScore, ENGLAND_STOCK, Failure, Forecast, NationalBacktest,
    NationalOptions, Outturn, Panel, Reference, Score, Vintage, england_stock,
};

use calibrated::*;
use inputs::*;
use pooling::region_spread;
use reversion::*;
use run::*;
use scores::*;
