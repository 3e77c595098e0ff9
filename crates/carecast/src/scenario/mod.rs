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

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::dataset::Dataset;
use crate::error::{Error, Result};
use crate::market::{
    FromYear, MarketInputs, MarketLevers, MarketOptions, MarketProjection, MixMethod, UnitCost,
    cost_band,
};
use crate::model::{Admissions, CohortModel, Discharges, FlowChange, ProjectionOptions};
use crate::placement::PlacementType;

fn all_bands() -> String {
    "all".into()
}

fn default_years() -> usize {
    5
}

/// One lever of a scenario.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
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
    fn describe(&self, index: usize) -> String {
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

/// The path a scenario was read from. Not part of the scenario's value: it is not written
/// out and two scenarios read from different files compare equal.
#[derive(Debug, Clone, Default)]
pub struct SourceFile(pub Option<String>);

impl PartialEq for SourceFile {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

/// A scenario: the baseline's assumptions and the levers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// Name.
    pub name: String,
    /// What it is about.
    #[serde(default)]
    pub description: String,
    /// A bundled dataset name or a folder of tables.
    pub dataset: String,
    /// 31 March to start from (default: the last observed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base_year: Option<i32>,
    /// Years ahead.
    #[serde(default = "default_years")]
    pub years: usize,
    /// Admissions assumption of the baseline (default: the engine default, `trend`, chosen by the backtests).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub admissions: Option<Admissions>,
    /// Discharge-rate assumption of the baseline (default last).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub discharges: Option<Discharges>,
    /// Placement-mix assumption (default held).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mix: Option<MixMethod>,
    /// Inflation of unit costs in the baseline, percent a year.
    #[serde(default)]
    pub inflation: f64,
    /// Unit costs replacing or adding to the dataset's, in the baseline too (e.g. for a
    /// dataset that publishes none).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unit_costs: Vec<UnitCost>,
    /// The levers, in the order their effects are attributed.
    #[serde(default)]
    pub levers: Vec<Lever>,
    /// The file it was read from, for error messages (not serialised).
    #[serde(skip)]
    pub file: SourceFile,
}

impl Scenario {
    /// Reads a scenario from TOML text; `file` names it in errors.
    pub fn from_toml(file: &str, text: &str) -> Result<Scenario> {
        let mut s: Scenario = toml::from_str(text).map_err(|e| {
            let line = e
                .span()
                .map(|sp| text[..sp.start.min(text.len())].lines().count().max(1));
            Error::Scenario {
                file: file.into(),
                message: match line {
                    Some(l) => format!("line {l}: {}", e.message()),
                    None => e.message().to_string(),
                },
            }
        })?;
        s.file = SourceFile(Some(file.to_string()));
        s.validate(file)?;
        Ok(s)
    }

    /// Reads a scenario from JSON text; `file` names it in errors.
    pub fn from_json(file: &str, text: &str) -> Result<Scenario> {
        let mut s: Scenario = serde_json::from_str(text).map_err(|e| Error::Scenario {
            file: file.into(),
            message: e.to_string(),
        })?;
        s.file = SourceFile(Some(file.to_string()));
        s.validate(file)?;
        Ok(s)
    }

    /// Reads a `.toml` or `.json` file.
    pub fn from_path(path: &str) -> Result<Scenario> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::Io {
            path: path.into(),
            message: e.to_string(),
        })?;
        if path.ends_with(".json") {
            Self::from_json(path, &text)
        } else {
            Self::from_toml(path, &text)
        }
    }

    /// The file it was read from, or (made in code) its name: what errors cite.
    pub fn origin(&self) -> String {
        self.file
            .0
            .clone()
            .unwrap_or_else(|| format!("scenario {:?}", self.name))
    }

    /// The scenario as TOML.
    pub fn to_toml(&self) -> Result<String> {
        toml::to_string(self).map_err(|e| Error::Scenario {
            file: self.origin(),
            message: format!("cannot write as TOML: {e}"),
        })
    }

    /// The scenario as JSON.
    pub fn to_json(&self) -> Result<String> {
        serde_json::to_string_pretty(self).map_err(|e| Error::Scenario {
            file: self.origin(),
            message: format!("cannot write as JSON: {e}"),
        })
    }

    /// Checks the numbers of every lever (finite, in range); bands and types are checked
    /// when the scenario runs against its dataset.
    pub fn validate(&self, file: &str) -> Result<()> {
        let err = |i: usize, l: &Lever, key: &str, v: f64, why: &str| Error::Scenario {
            file: file.into(),
            message: format!(
                "lever {} ({:?}, kind `{}`), key `{key}` = {v}: {why}",
                i + 1,
                l.label(i),
                l.kind()
            ),
        };
        if self.years == 0 || self.years > 25 {
            return Err(Error::Scenario {
                file: file.into(),
                message: format!("key `years` = {}: must be 1 to 25", self.years),
            });
        }
        let top = |key: &str, v: String, why: &str| Error::Scenario {
            file: file.into(),
            message: format!("key `{key}` = {v}: {why}"),
        };
        if !self.inflation.is_finite() || !(-50.0..=100.0).contains(&self.inflation) {
            return Err(top(
                "inflation",
                self.inflation.to_string(),
                "must be a percent a year between -50 and 100",
            ));
        }
        for (i, c) in self.unit_costs.iter().enumerate() {
            if !c.annual.is_finite() || c.annual < 0.0 {
                return Err(top(
                    &format!("unit_costs[{}].annual", i + 1),
                    c.annual.to_string(),
                    "a unit cost must be pounds per year >= 0",
                ));
            }
            if let Some(b) = &c.band {
                cost_band(b).map_err(|e| {
                    top(
                        &format!("unit_costs[{}].band", i + 1),
                        format!("{b:?}"),
                        &e.to_string(),
                    )
                })?;
            }
        }
        for (i, l) in self.levers.iter().enumerate() {
            if let Lever::UnitCost { band: Some(b), .. } = l {
                cost_band(b).map_err(|e| Error::Scenario {
                    file: file.into(),
                    message: format!("{}, key `band` = {b:?}: {e}", l.describe(i)),
                })?;
            }
            if let Lever::Inflation { percent, .. } = l
                && !(-50.0..=100.0).contains(percent)
            {
                return Err(err(
                    i,
                    l,
                    "percent",
                    *percent,
                    "inflation must be a percent a year between -50 and 100",
                ));
            }
            for (k, v) in l.numbers() {
                if !v.is_finite() {
                    return Err(err(i, l, k, v, "must be a finite number"));
                }
                let negative_ok = matches!(
                    (l, k),
                    (Lever::Admissions { .. }, _)
                        | (Lever::Discharges { .. }, _)
                        | (Lever::Reunification { .. }, _)
                        | (Lever::FosterResignations { .. }, _)
                        | (Lever::FosterRecruitment { .. }, _)
                        | (Lever::ContractCarers { .. }, _)
                        | (Lever::Inflation { .. }, _)
                );
                if v < 0.0 && !negative_ok {
                    return Err(err(i, l, k, v, "cannot be negative"));
                }
                if k == "percent" && v < -100.0 {
                    return Err(err(i, l, k, v, "a rate cannot fall by more than 100%"));
                }
            }
        }
        Ok(())
    }

    fn load(&self) -> Result<Dataset> {
        if Dataset::names().contains(&self.dataset.as_str()) {
            Dataset::bundled(&self.dataset)
        } else if std::path::Path::new(&self.dataset).is_dir() {
            Dataset::from_dir(&self.dataset)
        } else {
            Dataset::bundled(&self.dataset).map_err(|e| Error::Scenario {
                file: self.origin(),
                message: format!("key `dataset`: {e}"),
            })
        }
    }

    /// Loads the dataset, fits the model and runs the scenario against its baseline.
    pub fn run(&self) -> Result<Comparison> {
        let ds = self.load()?;
        let model = CohortModel::fit(&ds)?;
        self.run_with(&ds, &model)
    }

    /// Runs the scenario with a dataset and a model fitted to it.
    pub fn run_with(&self, ds: &Dataset, model: &CohortModel) -> Result<Comparison> {
        let bases = model.base_years();
        let base = self
            .base_year
            .or_else(|| bases.last().copied())
            .ok_or_else(|| Error::model("the model has no base year"))?;
        let file = self.origin();
        if !bases.contains(&base) {
            return Err(Error::Scenario {
                file,
                message: format!(
                    "key `base_year` = {base}: the data allow base years {}",
                    bases
                        .iter()
                        .map(i32::to_string)
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            });
        }
        let base_date = crate::period::FinancialYear::ending(base).end();
        let inputs = MarketInputs::from_dataset_at(ds, &model.history, base_date)?;
        let reunification = self.check_levers(ds, model, base)?;
        let returned_home = reunification.as_ref().map(|r| r.0);
        let run = |levers: &[Lever]| -> Result<MarketProjection> {
            let (po, mo) = self.options(base, levers, returned_home)?;
            inputs.project(model, &po, &mo)
        };
        let baseline = run(&[]).map_err(|e| Error::Scenario {
            file: file.clone(),
            message: format!("the baseline (no levers): {e}"),
        })?;
        let mut steps = vec![baseline.clone()];
        for i in 0..self.levers.len() {
            let p = run(&self.levers[..=i]).map_err(|e| Error::Scenario {
                file: file.clone(),
                message: format!("{}: {e}", self.levers[i].describe(i)),
            })?;
            steps.push(p);
        }
        let mut scenario = steps.last().cloned().unwrap_or_else(|| baseline.clone());
        if let Some((share, src)) = &reunification {
            scenario.assumptions.notes.push(format!(
                "reunification levers change all discharges by their percent times {share:.3}, the share of discharges that were returns home: {src}; returns home are taken to be spread over ages like all discharges (the source gives no age split)"
            ));
        }
        let key =
            |r: &crate::market::MarketRow| (r.year.clone(), r.placement.clone(), r.measure.clone());
        let index = |p: &MarketProjection| -> BTreeMap<(String, String, String), f64> {
            p.rows.iter().map(|r| (key(r), r.value)).collect()
        };
        let comparable = |m: &str| {
            matches!(
                m,
                "children"
                    | "placements"
                    | "spend"
                    | "demand"
                    | "capacity"
                    | "in_house"
                    | "external"
            )
        };
        let b = index(&baseline);
        let s = index(&scenario);
        let mut rows = Vec::new();
        for r in &baseline.rows {
            if !comparable(&r.measure) {
                continue;
            }
            let k = key(r);
            let sv = s.get(&k).copied().unwrap_or(0.0);
            rows.push(ComparisonRow {
                year: k.0.clone(),
                placement: k.1.clone(),
                measure: k.2.clone(),
                baseline: r.value,
                scenario: sv,
                difference: sv - r.value,
            });
        }
        for r in &scenario.rows {
            if comparable(&r.measure) && !b.contains_key(&key(r)) {
                rows.push(ComparisonRow {
                    year: r.year.clone(),
                    placement: r.placement.clone(),
                    measure: r.measure.clone(),
                    baseline: 0.0,
                    scenario: r.value,
                    difference: r.value,
                });
            }
        }
        let mut attribution = Vec::new();
        let idx: Vec<_> = steps.iter().map(index).collect();
        for (i, lever) in self.levers.iter().enumerate() {
            for row in &rows {
                let k = (row.year.clone(), row.placement.clone(), row.measure.clone());
                let before = idx[i].get(&k).copied().unwrap_or(0.0);
                let after = idx[i + 1].get(&k).copied().unwrap_or(0.0);
                attribution.push(Attribution {
                    year: row.year.clone(),
                    placement: row.placement.clone(),
                    measure: row.measure.clone(),
                    lever: lever.label(i),
                    effect: after - before,
                });
            }
        }
        Ok(Comparison {
            scenario: self.clone(),
            rows,
            attribution,
            baseline,
            result: scenario,
        })
    }

    /// Checks what only the dataset and model can tell: each lever's `from_year` lies in
    /// the projected years, its band is a band of the model, and a reunification lever has
    /// discharges by reason to work on. Returns the base year's share of discharges that
    /// were returns home, with its source, when a reunification lever needs it.
    fn check_levers(
        &self,
        ds: &Dataset,
        model: &CohortModel,
        base: i32,
    ) -> Result<Option<(f64, String)>> {
        let file = self.origin();
        let (first, last) = (base + 1, base + self.years as i32);
        let mut labels: Vec<String> = model
            .history
            .scheme
            .bands()
            .iter()
            .map(crate::age::AgeBand::label)
            .collect();
        labels.push("all".into());
        let mut reunification = None;
        for (i, l) in self.levers.iter().enumerate() {
            if let Some(y) = l.from_year()
                && !(first..=last).contains(&y)
            {
                return Err(Error::Scenario {
                    file,
                    message: format!(
                        "{}, key `from_year` = {y}: must be a projected year, {first} to {last} (the calendar year of its 31 March; the base year {base} is observed, not projected)",
                        l.describe(i)
                    ),
                });
            }
            if let Some(b) = l.band()
                && !labels.iter().any(|x| x == b)
            {
                let e = Error::unknown(
                    format!("band (bands of this model: {})", labels.join(", ")),
                    b,
                    labels.iter().map(String::as_str),
                );
                return Err(Error::Scenario {
                    file,
                    message: format!("{}, key `band` = {b:?}: {e}", l.describe(i)),
                });
            }
            if matches!(l, Lever::Reunification { .. }) && reunification.is_none() {
                reunification =
                    Some(returned_home_share(ds, base).map_err(|e| Error::Scenario {
                        file: file.clone(),
                        message: format!("{}: {e}", l.describe(i)),
                    })?);
            }
        }
        Ok(reunification)
    }

    /// The projection and market options of the baseline plus `levers`. `returned_home`:
    /// the share of discharges that were returns home (for reunification levers).
    fn options(
        &self,
        base: i32,
        levers: &[Lever],
        returned_home: Option<f64>,
    ) -> Result<(ProjectionOptions, MarketOptions)> {
        let first = base + 1;
        let mut po = ProjectionOptions::new(base, self.years);
        if let Some(a) = &self.admissions {
            po.admissions = a.clone();
        }
        if let Some(d) = &self.discharges {
            po.discharges = d.clone();
        }
        let mut mo = MarketOptions {
            mix: self.mix.clone().unwrap_or_default(),
            inflation: self.inflation,
            levers: MarketLevers {
                unit_costs: self.unit_costs.clone(),
                ..MarketLevers::default()
            },
        };
        let at = |v: Option<i32>| v.unwrap_or(first);
        for l in levers {
            match l {
                Lever::Admissions {
                    band,
                    percent,
                    absolute,
                    from_year,
                    ..
                } => po.changes.push(FlowChange {
                    admissions_percent: *percent,
                    admissions_absolute: *absolute,
                    from_year: Some(at(*from_year)),
                    ..FlowChange::new(band.clone())
                }),
                Lever::Discharges {
                    band,
                    percent,
                    from_year,
                    ..
                } => po.changes.push(FlowChange {
                    discharge_percent: *percent,
                    from_year: Some(at(*from_year)),
                    ..FlowChange::new(band.clone())
                }),
                Lever::Reunification {
                    band,
                    percent,
                    from_year,
                    ..
                } => {
                    let share = returned_home.ok_or_else(|| {
                        Error::model("a reunification lever needs the share of discharges that were returns home")
                    })?;
                    po.changes.push(FlowChange {
                        discharge_percent: percent * share,
                        from_year: Some(at(*from_year)),
                        ..FlowChange::new(band.clone())
                    })
                }
                Lever::StepDown {
                    children,
                    from_year,
                    ..
                } => mo.levers.step_down.push(FromYear {
                    from_year: at(*from_year),
                    value: *children,
                }),
                Lever::FosterRecruitment {
                    households,
                    per_year,
                    from_year,
                    ..
                } => {
                    if *households != 0.0 {
                        mo.levers.extra_households.push(FromYear {
                            from_year: at(*from_year),
                            value: *households,
                        });
                    }
                    if *per_year != 0.0 {
                        mo.levers.approvals_per_year.push(FromYear {
                            from_year: at(*from_year),
                            value: *per_year,
                        });
                    }
                }
                Lever::ContractCarers {
                    households,
                    from_year,
                    ..
                } => mo.levers.extra_contract_carers.push(FromYear {
                    from_year: at(*from_year),
                    value: *households,
                }),
                Lever::FosterResignations {
                    per_year,
                    from_year,
                    ..
                } => mo.levers.resignations_per_year.push(FromYear {
                    from_year: at(*from_year),
                    value: *per_year,
                }),
                Lever::Beds {
                    beds, from_year, ..
                } => mo.levers.beds.push(FromYear {
                    from_year: at(*from_year),
                    value: *beds,
                }),
                Lever::UnitCost {
                    placement,
                    band,
                    annual,
                    price_year,
                    ..
                } => mo.levers.unit_costs.push(UnitCost {
                    placement: *placement,
                    band: band.as_deref().map(cost_band).transpose()?,
                    annual: *annual,
                    price_year: price_year.unwrap_or(base),
                    source: format!("scenario {:?}", self.name),
                }),
                Lever::Inflation { percent, .. } => mo.levers.inflation = Some(*percent),
            }
        }
        Ok((po, mo))
    }
}

/// The share of a year's discharges that were returns home to parents, relatives or
/// others with parental responsibility, from the dataset's `discharges_by_reason` table
/// (rows whose category starts `Returned home`, against the `Total` row), in the base year
/// or the latest year before it. Returns the share and where it came from.
pub fn returned_home_share(ds: &Dataset, base: i32) -> Result<(f64, String)> {
    let t = ds.table("discharges_by_reason").map_err(|_| {
        Error::model(format!(
            "dataset {:?} has no table of discharges by reason (`discharges_by_reason`), so a reunification lever has nothing to act on; use a `discharges` lever instead",
            ds.name
        ))
    })?;
    let year_of = |r: &crate::table::Record| match r.period {
        Some(crate::period::Period::Year(fy)) => Some(fy.end_year()),
        _ => None,
    };
    let pick = |total: bool, y: i32| -> Option<f64> {
        let rows: Vec<f64> = t
            .records
            .iter()
            .filter(|r| year_of(r) == Some(y))
            .filter(|r| {
                let c = r.category.as_deref().unwrap_or("");
                if total {
                    c == "Total"
                } else {
                    c.starts_with("Returned home")
                }
            })
            .map(|r| r.cell.value())
            .collect::<Option<Vec<f64>>>()?;
        (!rows.is_empty()).then(|| rows.iter().sum())
    };
    let years: std::collections::BTreeSet<i32> = t.records.iter().filter_map(year_of).collect();
    for y in years.into_iter().rev().filter(|y| *y <= base) {
        if let (Some(home), Some(total)) = (pick(false, y), pick(true, y))
            && total > 0.0
        {
            return Ok((
                home / total,
                format!(
                    "{home} of {total} discharges in {} were returns home ({})",
                    crate::period::FinancialYear::ending(y),
                    t.meta.citation()
                ),
            ));
        }
    }
    Err(Error::model(format!(
        "`discharges_by_reason` of dataset {:?} has no year up to {base} with an exact count of returns home and a total",
        ds.name
    )))
}

/// One number of a scenario against its baseline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ComparisonRow {
    /// Financial year.
    pub year: String,
    /// Placement type code, pool or `all`.
    pub placement: String,
    /// Measure (`children`, `placements`, `spend`, `demand`, `capacity`, `in_house`,
    /// `external`).
    pub measure: String,
    /// Baseline value.
    pub baseline: f64,
    /// Scenario value.
    pub scenario: f64,
    /// scenario - baseline.
    pub difference: f64,
}

/// The part of a difference one lever made.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Attribution {
    /// Financial year.
    pub year: String,
    /// Placement type code, pool or `all`.
    pub placement: String,
    /// Measure.
    pub measure: String,
    /// The lever's label.
    pub lever: String,
    /// Its effect (added to the levers before it).
    pub effect: f64,
}

/// A scenario run against its baseline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Comparison {
    /// The scenario.
    pub scenario: Scenario,
    /// Baseline, scenario and difference by year, placement and measure.
    pub rows: Vec<ComparisonRow>,
    /// The difference by lever.
    pub attribution: Vec<Attribution>,
    /// The baseline projection.
    pub baseline: MarketProjection,
    /// The scenario projection.
    pub result: MarketProjection,
}

impl Comparison {
    /// The difference of one row, if present.
    pub fn difference(&self, year: &str, placement: &str, measure: &str) -> Option<f64> {
        self.rows
            .iter()
            .find(|r| r.year == year && r.placement == placement && r.measure == measure)
            .map(|r| r.difference)
    }
}
