//! Scenarios: levers on admissions, discharges, placements, capacity and costs, compared
//! with a baseline year by year, with the difference attributed to each lever.
//!
//! A scenario is a plain serde value, read from TOML or JSON; unknown keys are errors.
//!
//! ```
//! use carecast::scenario::Scenario;
//! let s = Scenario::from_toml("recruit.toml", r#"
//! name = "Recruit 60 foster carer households"
//! dataset = "derbyshire"
//! years = 4
//!
//! [[levers]]
//! kind = "foster_recruitment"
//! households = 60
//! from_year = 2018
//! "#).unwrap();
//! let c = s.run().unwrap();
//! let saved = c.difference("2018/19", "all", "spend").unwrap();
//! assert!(saved < 0.0); // in-house carers cost less than agency ones
//! assert_eq!(Scenario::from_json("x.json", &s.to_json().unwrap()).unwrap(), s);
//! ```
//!
//! **Attribution.** Levers are added one at a time in the order of the file; each lever's
//! effect is the change it makes on top of the levers before it. The effects add up to the
//! whole difference exactly; where levers interact (for example recruitment and
//! step-down), the order decides which lever the interaction is credited to.

mod compare;
mod lever;
mod options;
mod spec;

pub use compare::{Attribution, Comparison, ComparisonRow, returned_home_share};
pub use lever::Lever;
use lever::default_years;
pub use spec::{MAX_LEVERS, Scenario, SourceFile};
