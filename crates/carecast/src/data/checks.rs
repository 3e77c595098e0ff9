//! The checks a dataset declares across its tables (`[[check]]` sections of its `*.toml`
//! files) and the selectors that choose their cells. Running them is
//! [`crate::reconcile`]'s work; here they are only read and validated against the
//! dataset's table ids.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::{Band, Error, Key, Location, Period, Record, Result};

/// Chooses cells of one table. Each given field must match; `"!X"` means "not X".
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Selector {
    /// Table id.
    pub table: String,
    /// Period filter.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub period: Option<String>,
    /// Area filter.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub area: Option<String>,
    /// Band filter (labels are compared in canonical form, so `16+` = `16-17`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub band: Option<String>,
    /// Category filter.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    /// Placement filter.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub placement: Option<String>,
    /// Measure filter.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub measure: Option<String>,
    /// Unit filter.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
}

impl Selector {
    fn filters(&self) -> impl Iterator<Item = (Key, &String)> {
        [
            (Key::Period, &self.period),
            (Key::Area, &self.area),
            (Key::Band, &self.band),
            (Key::Category, &self.category),
            (Key::Placement, &self.placement),
            (Key::Measure, &self.measure),
            (Key::Unit, &self.unit),
        ]
        .into_iter()
        .filter_map(|(k, v)| v.as_ref().map(|v| (k, v)))
    }

    /// Whether a record of the selected table matches.
    pub fn matches(&self, r: &Record) -> bool {
        self.filters().all(|(k, want)| {
            let (neg, want) = match want.strip_prefix('!') {
                Some(w) => (true, w),
                None => (false, want.as_str()),
            };
            let want = canonical(k, want);
            let eq = r.key(k).as_deref() == Some(want.as_str());
            eq != neg
        })
    }

    fn validate(&self, ids: &BTreeSet<&str>, file: &str, check: &str) -> Result<()> {
        let at = || Location::file(file);
        if !ids.contains(self.table.as_str()) {
            let e = Error::unknown("table", &self.table, ids.iter().copied());
            return Err(Error::data(at(), format!("check {check:?}: {e}")));
        }
        if let Some(b) = &self.band {
            Band::parse(b.trim_start_matches('!'))
                .map_err(|e| Error::data(at(), format!("check {check:?}: {e}")))?;
        }
        Ok(())
    }
}

fn canonical(k: Key, v: &str) -> String {
    match k {
        Key::Band => Band::parse(v)
            .map(|b| b.label())
            .unwrap_or_else(|_| v.to_string()),
        Key::Period => Period::parse(v)
            .map(|p| p.to_string())
            .unwrap_or_else(|_| v.to_string()),
        _ => v.to_string(),
    }
}

/// A check across tables, as written in a dataset's `*.toml` files.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
#[non_exhaustive]
#[allow(clippy::large_enum_variant)] // a handful per dataset; boxing would only obscure the TOML shape
pub enum CheckSpec {
    /// The sum of `parts` equals the sum of `total`, per group of `by` keys.
    Sum {
        /// Name shown in reports.
        #[serde(default)]
        name: Option<String>,
        /// The parts.
        parts: Selector,
        /// The stated total.
        total: Selector,
        /// Keys that form groups.
        #[serde(default)]
        by: Vec<Key>,
        /// File the check was read from.
        #[serde(skip)]
        file: String,
    },
    /// Printed percentages against 100 x count / denominator.
    Share {
        /// Name shown in reports.
        #[serde(default)]
        name: Option<String>,
        /// The printed percentages.
        percent: Selector,
        /// The counts.
        count: Selector,
        /// The denominators.
        denominator: Selector,
        /// Keys matching a percentage to its count.
        #[serde(default)]
        by: Vec<Key>,
        /// Keys matching a count to its denominator.
        #[serde(default)]
        per: Vec<Key>,
        /// File the check was read from.
        #[serde(skip)]
        file: String,
    },
    /// `result` against `factor` x `input` (e.g. weekly x 52 against annual).
    Ratio {
        /// Name shown in reports.
        #[serde(default)]
        name: Option<String>,
        /// The stated result.
        result: Selector,
        /// The input.
        input: Selector,
        /// The factor.
        factor: f64,
        /// Keys matching a result to its input.
        #[serde(default)]
        by: Vec<Key>,
        /// File the check was read from.
        #[serde(skip)]
        file: String,
    },
    /// Opening + admissions - discharges against closing, per period.
    StockIdentity {
        /// Name shown in reports.
        #[serde(default)]
        name: Option<String>,
        /// The flows table.
        table: String,
        /// File the check was read from.
        #[serde(skip)]
        file: String,
    },
    /// Closing of one period against opening of the next.
    Continuity {
        /// Name shown in reports.
        #[serde(default)]
        name: Option<String>,
        /// The table with closings.
        table: String,
        /// The table with the openings, if another (e.g. annual closing against the first quarter).
        #[serde(default)]
        next_table: Option<String>,
        /// File the check was read from.
        #[serde(skip)]
        file: String,
    },
}

impl CheckSpec {
    pub(crate) fn with_file(mut self, f: &str) -> Self {
        match &mut self {
            CheckSpec::Sum { file, .. }
            | CheckSpec::Share { file, .. }
            | CheckSpec::Ratio { file, .. }
            | CheckSpec::StockIdentity { file, .. }
            | CheckSpec::Continuity { file, .. } => *file = f.to_string(),
        }
        self
    }

    /// The kind's name (`sum`, `share`, ...).
    pub fn kind(&self) -> &'static str {
        match self {
            CheckSpec::Sum { .. } => "sum",
            CheckSpec::Share { .. } => "share",
            CheckSpec::Ratio { .. } => "ratio",
            CheckSpec::StockIdentity { .. } => "stock_identity",
            CheckSpec::Continuity { .. } => "continuity",
        }
    }

    /// The check's name, or a default one.
    pub fn name(&self) -> String {
        let (name, default) = match self {
            CheckSpec::Sum {
                name, parts, total, ..
            } => (name, format!("{} sums to {}", parts.table, total.table)),
            CheckSpec::Share { name, percent, .. } => {
                (name, format!("percentages in {}", percent.table))
            }
            CheckSpec::Ratio { name, result, .. } => (name, format!("ratio in {}", result.table)),
            CheckSpec::StockIdentity { name, table, .. } => {
                (name, format!("stock identity in {table}"))
            }
            CheckSpec::Continuity { name, table, .. } => (name, format!("continuity in {table}")),
        };
        name.clone().unwrap_or(default)
    }

    /// The ids of the tables the check reads.
    ///
    /// ```
    /// use carecast::CheckSpec;
    /// let c: CheckSpec = toml::from_str("kind = \"continuity\"\ntable = \"a\"\nnext_table = \"b\"").unwrap();
    /// assert_eq!(c.tables(), ["a", "b"]);
    /// ```
    pub fn tables(&self) -> Vec<&str> {
        match self {
            CheckSpec::Sum { parts, total, .. } => vec![&parts.table, &total.table],
            CheckSpec::Share {
                percent,
                count,
                denominator,
                ..
            } => vec![&percent.table, &count.table, &denominator.table],
            CheckSpec::Ratio { result, input, .. } => vec![&result.table, &input.table],
            CheckSpec::StockIdentity { table, .. } => vec![table],
            CheckSpec::Continuity {
                table, next_table, ..
            } => std::iter::once(table).chain(next_table).collect(),
        }
        .into_iter()
        .map(String::as_str)
        .collect()
    }

    fn file(&self) -> &str {
        match self {
            CheckSpec::Sum { file, .. }
            | CheckSpec::Share { file, .. }
            | CheckSpec::Ratio { file, .. }
            | CheckSpec::StockIdentity { file, .. }
            | CheckSpec::Continuity { file, .. } => file,
        }
    }

    fn selectors(&self) -> Vec<Selector> {
        let t = |s: &String| Selector {
            table: s.clone(),
            ..Selector::default()
        };
        match self {
            CheckSpec::Sum { parts, total, .. } => vec![parts.clone(), total.clone()],
            CheckSpec::Share {
                percent,
                count,
                denominator,
                ..
            } => {
                vec![percent.clone(), count.clone(), denominator.clone()]
            }
            CheckSpec::Ratio { result, input, .. } => vec![result.clone(), input.clone()],
            CheckSpec::StockIdentity { table, .. } => vec![t(table)],
            CheckSpec::Continuity {
                table, next_table, ..
            } => {
                let mut v = vec![t(table)];
                v.extend(next_table.iter().map(t));
                v
            }
        }
    }

    pub(crate) fn validate(&self, ids: &BTreeSet<&str>) -> Result<()> {
        let name = self.name();
        for s in self.selectors() {
            s.validate(ids, self.file(), &name)?;
        }
        if let CheckSpec::Ratio { factor, .. } = self
            && !(factor.is_finite() && *factor > 0.0)
        {
            return Err(Error::data(
                Location::file(self.file()),
                format!("check {name:?}: factor must be a positive number"),
            ));
        }
        Ok(())
    }
}
