//! A scenario as read from TOML or JSON, checked.

use serde::{Deserialize, Serialize};

use super::{Lever, default_years};
use crate::model::{Admissions, Discharges};
use crate::placements::{MixMethod, UnitCost, cost_band};
use crate::{Dataset, Error, Result};

/// The path a scenario was read from. Not part of the scenario's value: it is not written
/// out and two scenarios read from different files compare equal.
#[derive(Debug, Clone, Default)]
pub struct SourceFile(pub Option<String>);

impl PartialEq for SourceFile {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

/// The most levers a scenario may have (and the most unit costs): 100. Each lever is one
/// more run of the model for its attribution, so the cost grows with the count; a market
/// position statement's scenarios have a handful. [`Scenario::validate`] refuses more,
/// naming this limit.
pub const MAX_LEVERS: usize = 100;

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
    /// Admissions assumption of the baseline (default: the dataset's, as a projection takes
    /// it: [`crate::evaluate::national_dfe::default_admissions`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub admissions: Option<Admissions>,
    /// Discharge-rate assumption of the baseline (default
    /// [`crate::model::DEFAULT_DISCHARGES`]).
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
    ///
    /// # Errors
    ///
    /// [`Error::Scenario`] naming the file and key for TOML that does not parse, unknown keys,
    /// or values out of range (see [`Scenario::validate`]).
    pub fn from_toml(file: &str, text: &str) -> Result<Scenario> {
        let mut s: Scenario = toml::from_str(text).map_err(|e| {
            let line = e.span().map(|sp| {
                text.get(..sp.start.min(text.len()))
                    .unwrap_or(text)
                    .lines()
                    .count()
                    .max(1)
            });
            // The line itself names the key (`years = "five"`), which serde's message may not.
            let quoted = |l: usize| -> String {
                let t: String = text
                    .lines()
                    .nth(l.saturating_sub(1))
                    .unwrap_or_default()
                    .trim()
                    .chars()
                    .take(80)
                    .collect();
                if t.is_empty() {
                    String::new()
                } else {
                    format!(" (`{t}`)")
                }
            };
            Error::Scenario {
                file: file.into(),
                message: match line {
                    Some(l) => format!("line {l}{}: {}", quoted(l), e.message()),
                    None => e.message().to_string(),
                },
            }
        })?;
        s.file = SourceFile(Some(file.to_string()));
        s.validate(file)?;
        Ok(s)
    }

    /// Reads a scenario from JSON text; `file` names it in errors.
    ///
    /// # Errors
    ///
    /// As [`Scenario::from_toml`], for JSON.
    pub fn from_json(file: &str, text: &str) -> Result<Scenario> {
        Self::checked(file, serde_json::from_str(text))
    }

    /// Builds a scenario from an already-parsed value with the file format's keys (what a
    /// binding has after reading a mapping); `file` names it in errors.
    ///
    /// # Errors
    ///
    /// As [`Scenario::from_json`].
    ///
    /// ```
    /// use carecast::scenario::Scenario;
    /// let v = serde_json::json!({"name": "steady", "dataset": "derbyshire"});
    /// let s = Scenario::from_value("<mapping>", v).unwrap();
    /// assert_eq!(s.name, "steady");
    /// assert!(Scenario::from_value("<mapping>", serde_json::json!({"name": 3})).is_err());
    /// ```
    pub fn from_value(file: &str, value: serde_json::Value) -> Result<Scenario> {
        Self::checked(file, serde_json::from_value(value))
    }

    /// A scenario parsed from JSON text or a value, named after `file` and validated.
    fn checked(
        file: &str,
        parsed: std::result::Result<Scenario, serde_json::Error>,
    ) -> Result<Scenario> {
        let mut s = parsed.map_err(|e| Error::Scenario {
            file: file.into(),
            message: e.to_string(),
        })?;
        s.file = SourceFile(Some(file.to_string()));
        s.validate(file)?;
        Ok(s)
    }

    /// Reads a `.toml` or `.json` file.
    ///
    /// # Errors
    ///
    /// [`Error::Io`] when the file cannot be read; otherwise as [`Scenario::from_toml`].
    pub fn from_path(path: &str) -> Result<Scenario> {
        let text = crate::sources::read_text_file(path)?;
        if path.ends_with(".json") {
            Self::from_json(path, &text)
        } else {
            Self::from_toml(path, &text)
        }
    }

    /// Refuses more than [`MAX_LEVERS`] levers or unit costs, naming the limit.
    fn check_sizes(&self, file: &str) -> Result<()> {
        let top = |key: &str, v: String, why: &str| Error::Scenario {
            file: file.into(),
            message: format!("key `{key}` = {v}: {why}"),
        };
        if self.levers.len() > MAX_LEVERS {
            return Err(top(
                "levers",
                format!("{} levers", self.levers.len()),
                &format!(
                    "a scenario has at most {MAX_LEVERS} levers (MAX_LEVERS): each lever is a run of the model, attributed in turn"
                ),
            ));
        }
        if self.unit_costs.len() > MAX_LEVERS {
            return Err(top(
                "unit_costs",
                format!("{} unit costs", self.unit_costs.len()),
                &format!("a scenario has at most {MAX_LEVERS} unit costs (MAX_LEVERS)"),
            ));
        }
        Ok(())
    }

    /// The file it was read from, or (made in code) its name: what errors cite.
    pub fn origin(&self) -> String {
        self.file
            .0
            .clone()
            .unwrap_or_else(|| format!("scenario {:?}", self.name))
    }

    /// The scenario as TOML.
    ///
    /// # Errors
    ///
    /// [`Error::Scenario`] if the scenario cannot be written as TOML.
    pub fn to_toml(&self) -> Result<String> {
        toml::to_string(self).map_err(|e| Error::Scenario {
            file: self.origin(),
            message: format!("cannot write as TOML: {e}"),
        })
    }

    /// The scenario as JSON.
    ///
    /// # Errors
    ///
    /// [`Error::Scenario`] if the scenario cannot be written as JSON.
    pub fn to_json(&self) -> Result<String> {
        serde_json::to_string_pretty(self).map_err(|e| Error::Scenario {
            file: self.origin(),
            message: format!("cannot write as JSON: {e}"),
        })
    }

    /// Checks the numbers of every lever (finite, in range); bands and types are checked
    /// when the scenario runs against its dataset.
    ///
    /// # Errors
    ///
    /// [`Error::Scenario`] naming the file, lever and key of a value out of range.
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
        self.check_sizes(file)?;
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

    /// The scenario's dataset: a bundled one by name, else a folder.
    pub(super) fn load(&self) -> Result<Dataset> {
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
}
