//! Published-figure checks for CI: a small TOML format and a runner.
//!
//! A figures file lists figures a council published, each with the value carecast must
//! **compute** (never read back from the same cell) and a tolerance:
//!
//! ```toml
//! [[figure]]
//! name = "Derbyshire stock identity 2014/15"
//! dataset = "derbyshire"
//! measure = "stock_identity_difference"
//! period = "2014/15"
//! expected = 2
//! tolerance = 0
//! source = "004_85328cd596b7bfe6.txt, flows summary (admissions, discharges, number in care)"
//! ```
//!
//! Measures ([`MEASURES`]):
//! - `stock_identity_difference`: opening + admissions - discharges - published closing,
//!   from the reconciliation (`period`; optional `table`).
//! - `check_difference`: the difference of a named reconciliation check (`check`, `period`).
//! - `sum`: the sum of the cells of `table` chosen by `where` (a selector without `table`);
//!   fails when any chosen cell is suppressed or unavailable and the tolerance cannot
//!   cover it.
//! - `count_findings`: the number of reconciliation findings with `status` (e.g. `fail`).
//! - `fitted_stock`: the cohort model's closing stock for a financial year `period` and
//!   `band` (default: all bands), simulated from the fitted rates.
//! - `implied_discharges`: the model's discharges (including 18th birthdays) in `period`.
//! - `usage_estimate`: children in the row of a "placement usage at N" `table` whose
//!   category is `where.category`, recomputed as `total` times the row's printed share
//!   (see [`crate::placements::usage_estimates`]).
//! - `spend_difference`: computed minus published spend of a financial year `period` for
//!   `placement` (a type code or a pool), from the dataset's own unit costs without
//!   inflation (see [`crate::placements::MarketInputs::reconcile_spend`]); `counted = "own"`
//!   uses the placements printed beside the spend instead of the placement-type table.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::{
    Band, CohortModel, Dataset, Error, FinancialYear, Interval, Reconciliation, Result, Selector,
    Status,
};

/// The measures a figure may name.
pub const MEASURES: [&str; 8] = [
    "stock_identity_difference",
    "check_difference",
    "sum",
    "count_findings",
    "fitted_stock",
    "implied_discharges",
    "usage_estimate",
    "spend_difference",
];

/// Cell filters of a `sum` figure (a [`Selector`] without its table).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Where {
    /// Period filter.
    pub period: Option<String>,
    /// Area filter.
    pub area: Option<String>,
    /// Band filter.
    pub band: Option<String>,
    /// Category filter.
    pub category: Option<String>,
    /// Placement filter.
    pub placement: Option<String>,
    /// Measure filter (of the table's cells).
    pub measure: Option<String>,
    /// Unit filter.
    pub unit: Option<String>,
}

/// One published figure to check.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Figure {
    /// A readable name.
    #[serde(default)]
    pub name: Option<String>,
    /// Bundled dataset name.
    pub dataset: String,
    /// What carecast computes (see [`MEASURES`]).
    pub measure: String,
    /// Period, where the measure needs one.
    #[serde(default)]
    pub period: Option<String>,
    /// Age band, where the measure takes one.
    #[serde(default)]
    pub band: Option<String>,
    /// Placement type, where the measure takes one.
    #[serde(default)]
    pub placement: Option<String>,
    /// Table id, where the measure takes one.
    #[serde(default)]
    pub table: Option<String>,
    /// Reconciliation check name, for `check_difference`.
    #[serde(default)]
    pub check: Option<String>,
    /// Finding status, for `count_findings`.
    #[serde(default)]
    pub status: Option<Status>,
    /// Cell filters, for `sum`.
    #[serde(default, rename = "where")]
    pub filter: Option<Where>,
    /// Children in care the estimate is for, for `usage_estimate`.
    #[serde(default)]
    pub total: Option<f64>,
    /// For `spend_difference`: `own` (the placements printed beside the spend) or
    /// `placement_table` (default).
    #[serde(default)]
    pub counted: Option<String>,
    /// The published value.
    pub expected: f64,
    /// Allowed absolute difference.
    #[serde(default)]
    pub tolerance: f64,
    /// Where the published value comes from: `file, table title`.
    pub source: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FiguresFile {
    figure: Vec<Figure>,
}

/// Parses a figures file; `file` names it in errors. Unknown datasets, measures, tables
/// and keys are errors naming the figure.
///
/// # Errors
///
/// [`Error::Data`] located at the file when the TOML does not parse or a figure has unknown
/// keys.
pub fn parse(file: &str, text: &str) -> Result<Vec<Figure>> {
    let f: FiguresFile = toml::from_str(text).map_err(|e| Error::Figure {
        file: file.to_string(),
        index: 0,
        name: None,
        message: e.message().to_string(),
    })?;
    if f.figure.is_empty() {
        // A check that checks nothing must not pass.
        return Err(Error::Figure {
            file: file.to_string(),
            index: 0,
            name: None,
            message: "no figures: a figures file needs at least one `[[figure]]`".into(),
        });
    }
    for (i, fig) in f.figure.iter().enumerate() {
        let err = |message: String| Error::Figure {
            file: file.to_string(),
            index: i + 1,
            name: fig.name.clone(),
            message,
        };
        let ds = Dataset::bundled(&fig.dataset).map_err(|e| err(e.to_string()))?;
        if !MEASURES.contains(&fig.measure.as_str()) {
            return Err(err(
                Error::unknown("measure", &fig.measure, MEASURES).to_string()
            ));
        }
        if let Some(t) = &fig.table {
            ds.table(t).map_err(|e| err(e.to_string()))?;
        }
        if !(fig.expected.is_finite() && fig.tolerance.is_finite() && fig.tolerance >= 0.0) {
            return Err(err(
                "expected must be a number and tolerance a number >= 0".into()
            ));
        }
        let need = |what: &str, v: &Option<String>| -> Result<()> {
            if v.is_none() {
                return Err(err(format!("measure `{}` needs `{what}`", fig.measure)));
            }
            Ok(())
        };
        match fig.measure.as_str() {
            "stock_identity_difference" => need("period", &fig.period)?,
            "check_difference" => {
                need("check", &fig.check)?;
                need("period", &fig.period)?;
            }
            "sum" => need("table", &fig.table)?,
            "usage_estimate" => {
                need("table", &fig.table)?;
                if fig.total.is_none()
                    || fig
                        .filter
                        .as_ref()
                        .and_then(|w| w.category.as_ref())
                        .is_none()
                {
                    return Err(err(
                        "measure `usage_estimate` needs `total` and `where.category`".into(),
                    ));
                }
            }
            "fitted_stock" | "implied_discharges" => need("period", &fig.period)?,
            "spend_difference" => {
                need("period", &fig.period)?;
                need("placement", &fig.placement)?;
                if let Some(c) = &fig.counted
                    && c != "own"
                    && c != "placement_table"
                {
                    return Err(err(format!(
                        "`counted` = {c:?}: one of \"own\", \"placement_table\""
                    )));
                }
            }
            "count_findings" if fig.status.is_none() => {
                return Err(err("measure `count_findings` needs `status`".into()));
            }
            _ => {}
        }
        if fig.source.trim().is_empty() {
            return Err(err("every figure needs its `source`".into()));
        }
    }
    Ok(f.figure)
}

/// Outcome of one figure.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FigureResult {
    /// The figures file.
    pub file: String,
    /// 1-based position in the file.
    pub index: usize,
    /// The figure's name (or a generated one).
    pub name: String,
    /// Dataset.
    pub dataset: String,
    /// Measure.
    pub measure: String,
    /// Period, if any.
    pub period: Option<String>,
    /// The published value.
    pub expected: f64,
    /// What carecast computed (an interval when suppressed cells are involved).
    pub found: Option<Interval>,
    /// `found - expected`.
    pub difference: Option<Interval>,
    /// Allowed absolute difference.
    pub tolerance: f64,
    /// `pass`, `fail` or `error`.
    pub status: String,
    /// Why it failed, when it did.
    pub message: String,
    /// Where the published figure comes from.
    pub source: String,
}

/// Computes figures, caching datasets and reconciliations.
#[derive(Debug, Default)]
pub struct Verifier {
    recs: BTreeMap<String, (Dataset, Reconciliation)>,
    fits: BTreeMap<String, CohortModel>,
}

impl Verifier {
    /// A new verifier.
    pub fn new() -> Self {
        Self::default()
    }

    fn ctx(&mut self, name: &str) -> Result<&(Dataset, Reconciliation)> {
        if !self.recs.contains_key(name) {
            let d = Dataset::bundled(name)?;
            let r = d.reconcile();
            self.recs.insert(name.to_string(), (d, r));
        }
        Ok(&self.recs[name])
    }

    /// The fitted model of a dataset, fitted once per verifier.
    fn model(&mut self, name: &str) -> Result<&CohortModel> {
        if !self.fits.contains_key(name) {
            let m = CohortModel::fit(&self.ctx(name)?.0)?;
            self.fits.insert(name.to_string(), m);
        }
        Ok(&self.fits[name])
    }

    /// Computes the value a figure checks.
    ///
    /// # Errors
    ///
    /// [`Error::UnknownName`] for an unknown measure or dataset; [`Error::Model`] when the
    /// dataset has no cell, finding or row the figure names, or it holds no number.
    pub fn compute(&mut self, fig: &Figure) -> Result<Interval> {
        if matches!(
            fig.measure.as_str(),
            "fitted_stock" | "implied_discharges" | "spend_difference"
        ) {
            self.model(&fig.dataset)?;
        }
        self.ctx(&fig.dataset)?;
        let (ds, rec) = self
            .recs
            .get(&fig.dataset)
            .ok_or_else(|| Error::model("the dataset was not loaded"))?;
        let model = || {
            self.fits
                .get(&fig.dataset)
                .ok_or_else(|| Error::model("the model was not fitted"))
        };
        match fig.measure.as_str() {
            "stock_identity_difference" | "check_difference" => check_difference(fig, rec),
            "spend_difference" => spend_difference(fig, ds, model()?),
            "usage_estimate" => usage_estimate(fig, ds),
            "sum" => sum_cells(fig, ds),
            "fitted_stock" | "implied_discharges" => fitted(fig, model()?),
            "count_findings" => {
                let s = fig.status.unwrap_or(Status::Fail);
                Ok(Interval::exact(rec.with_status(s).count() as f64))
            }
            other => Err(Error::unknown("measure", other, MEASURES)),
        }
    }

    /// Checks every figure of a file.
    pub fn run(&mut self, file: &str, figures: &[Figure]) -> Vec<FigureResult> {
        figures
            .iter()
            .enumerate()
            .map(|(i, fig)| {
                let name = fig.name.clone().unwrap_or_else(|| {
                    format!(
                        "{} {} {}",
                        fig.dataset,
                        fig.measure,
                        fig.period.clone().unwrap_or_default()
                    )
                });
                let (found, difference, status, message) = match self.compute(fig) {
                    Ok(v) => {
                        let d = v - Interval::exact(fig.expected);
                        let ok = d.is_some_and(|d| d.within(fig.tolerance + 1e-9));
                        let msg = if ok {
                            String::new()
                        } else {
                            format!(
                                "computed {v}, published {}, tolerance {}",
                                crate::cell::fmt_num(fig.expected),
                                fig.tolerance
                            )
                        };
                        (Some(v), d, if ok { "pass" } else { "fail" }, msg)
                    }
                    Err(e) => (None, None, "error", e.to_string()),
                };
                FigureResult {
                    file: file.to_string(),
                    index: i + 1,
                    name,
                    dataset: fig.dataset.clone(),
                    measure: fig.measure.clone(),
                    period: fig.period.clone(),
                    expected: fig.expected,
                    found,
                    difference,
                    tolerance: fig.tolerance,
                    status: status.to_string(),
                    message,
                    source: fig.source.clone(),
                }
            })
            .collect()
    }
}

/// Parses and checks a figures file in one call.
///
/// # Errors
///
/// The errors of [`parse`]; a figure that cannot be computed is reported in its result,
/// not as an error.
///
/// ```
/// let text = r#"
/// [[figure]]
/// dataset = "derbyshire"
/// measure = "stock_identity_difference"
/// period = "2015/16"
/// expected = -6
/// source = "004_85328cd596b7bfe6.txt, admissions, discharges and number in care"
/// "#;
/// let results = carecast::figures::verify("f.toml", text).unwrap();
/// assert_eq!(results[0].status, "pass");
/// ```
pub fn verify(file: &str, text: &str) -> Result<Vec<FigureResult>> {
    let figs = parse(file, text)?;
    Ok(Verifier::new().run(file, &figs))
}

/// The error for something a figure names that its dataset lacks.
fn missing(fig: &Figure, what: String) -> Error {
    Error::model(format!("no {what} in dataset {:?}", fig.dataset))
}

/// The difference of the reconciliation finding a figure names.
fn check_difference(fig: &Figure, rec: &Reconciliation) -> Result<Interval> {
    let missing = |what: String| missing(fig, what);

    let period = fig.period.clone().unwrap_or_default();
    let f = rec
        .findings
        .iter()
        .filter(|f| match &fig.check {
            Some(c) => &f.check == c,
            None => f.kind == "stock_identity",
        })
        .filter(|f| {
            fig.table
                .as_ref()
                .is_none_or(|t| f.sources.iter().any(|s| s.contains(t.as_str())))
        })
        .find(|f| f.period.as_deref() == Some(period.as_str()))
        .ok_or_else(|| missing(format!("finding for period {period}")))?;
    f.difference.ok_or_else(|| {
        Error::model(format!(
            "check {:?} for {period} is {}: {}",
            f.check, f.status, f.detail
        ))
    })
}

/// Computed minus published spend, from the placement inputs.
fn spend_difference(fig: &Figure, ds: &Dataset, model: &CohortModel) -> Result<Interval> {
    let missing = |what: String| missing(fig, what);

    let inputs = crate::placements::MarketInputs::from_dataset(ds, &model.history)?;
    let (year, what) = (
        fig.period.clone().unwrap_or_default(),
        fig.placement.clone().unwrap_or_default(),
    );
    let own = fig.counted.as_deref() == Some("own");
    let checks = inputs.reconcile_spend(&[], 0.0)?;
    let c = checks
        .iter()
        .filter(|c| c.year == year && c.what == what)
        .find(|c| own == c.method.starts_with("the placements printed beside"))
        .ok_or_else(|| missing(format!("published spend on {what} in {year}")))?;
    c.difference.map(Interval::exact).ok_or_else(|| {
        Error::model(format!(
            "spend on {what} in {year} is not computed: {}",
            c.method
        ))
    })
}

/// A row of a "placement usage at N" table, recomputed.
fn usage_estimate(fig: &Figure, ds: &Dataset) -> Result<Interval> {
    let missing = |what: String| missing(fig, what);

    let t = ds.table(fig.table.as_deref().unwrap_or_default())?;
    let cat = fig
        .filter
        .as_ref()
        .and_then(|w| w.category.clone())
        .unwrap_or_default();
    let rows = crate::placements::usage_estimates(t, fig.total.unwrap_or_default())?;
    rows.iter()
        .find(|u| u.category == cat)
        .map(|u| Interval::exact(u.computed))
        .ok_or_else(|| missing(format!("row {cat:?} of {}", t.meta.id)))
}

/// The sum of the cells a figure's filter chooses (an interval when some are suppressed).
fn sum_cells(fig: &Figure, ds: &Dataset) -> Result<Interval> {
    let missing = |what: String| missing(fig, what);

    let t = ds.table(fig.table.as_deref().unwrap_or_default())?;
    let w = fig.filter.clone().unwrap_or_default();
    let sel = Selector {
        table: t.meta.id.clone(),
        period: w.period.or(fig.period.clone()),
        area: w.area,
        band: w.band.or(fig.band.clone()),
        category: w.category,
        placement: w.placement.or(fig.placement.clone()),
        measure: w.measure,
        unit: w.unit,
    };
    let mut sum = Interval::ZERO;
    let mut n = 0;
    for r in t.records.iter().filter(|r| sel.matches(r)) {
        n += 1;
        sum = sum
            + r.cell.interval().ok_or_else(|| {
                Error::model(format!(
                    "{} line {} is {}",
                    t.meta.id,
                    r.line,
                    r.cell.status()
                ))
            })?;
    }
    if n == 0 {
        return Err(missing(format!(
            "cells of {} matching the filter",
            t.meta.id
        )));
    }
    Ok(sum)
}

/// A fitted closing stock or implied discharges of the model.
fn fitted(fig: &Figure, m: &CohortModel) -> Result<Interval> {
    let missing = |what: String| missing(fig, what);

    let period = fig.period.clone().unwrap_or_default();
    let year = FinancialYear::parse(&period)?;
    let v = if fig.measure == "fitted_stock" {
        let band = fig.band.as_deref().map(Band::parse).transpose()?;
        let chosen: Vec<f64> = m
            .bands
            .iter()
            .filter(|b| b.year == year)
            .filter(|b| match band {
                None | Some(Band::All) => true,
                Some(x) => b.band == x.label(),
            })
            .map(|b| b.fitted_closing)
            .collect();
        if chosen.is_empty() {
            return Err(missing(format!("fitted year {period} / band")));
        }
        chosen.iter().sum()
    } else {
        m.discharges
            .iter()
            .find(|d| d.year == year)
            .map(|d| d.implied_total)
            .ok_or_else(|| missing(format!("fitted year {period}")))?
    };
    Ok(Interval::exact(v))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fig(extra: &str) -> String {
        format!("[[figure]]\ndataset = \"derbyshire\"\nexpected = 2\nsource = \"s\"\n{extra}\n")
    }

    #[test]
    fn unknown_names_are_errors_naming_the_figure() {
        let e = parse(
            "f.toml",
            &fig("measure = \"stock_identiy_difference\"\nperiod = \"2014/15\""),
        )
        .unwrap_err();
        assert!(e.to_string().contains("f.toml, figure 1"), "{e}");
        assert!(e.to_string().contains("did you mean"), "{e}");
        let e = parse("f.toml", &fig("measure = \"sum\"\ntable = \"nope\"")).unwrap_err();
        assert!(e.to_string().contains("unknown table"), "{e}");
        let e = parse("f.toml", "[[figure]]\ndataset = \"derbyshir\"\nmeasure = \"sum\"\nexpected = 1\nsource = \"s\"\n").unwrap_err();
        assert!(e.to_string().contains("did you mean \"derbyshire\""), "{e}");
        let e = parse(
            "f.toml",
            &fig("measure = \"sum\"\ntable = \"cic_by_age\"\ncolour = 1"),
        )
        .unwrap_err();
        assert!(e.to_string().contains("colour"), "{e}");
        let e = parse(
            "f.toml",
            &fig("measure = \"spend_difference\"\nperiod = \"2016/17\"\nplacement = \"ifa\"\ncounted = \"mine\""),
        )
        .unwrap_err();
        assert!(e.to_string().contains("counted"), "{e}");
        let e = parse(
            "f.toml",
            &fig("measure = \"spend_difference\"\nperiod = \"2016/17\""),
        )
        .unwrap_err();
        assert!(e.to_string().contains("needs `placement`"), "{e}");
    }

    #[test]
    fn spend_differences_are_computed_not_read() {
        let r = verify(
            "f.toml",
            &fig("measure = \"spend_difference\"\nperiod = \"2016/17\"\nplacement = \"ifa\""),
        )
        .unwrap();
        // The fixture expects 2: the IFA difference is -39,726, so the figure fails.
        assert_eq!(r[0].status, "fail", "{r:?}");
        assert_eq!(r[0].found, Some(Interval::exact(-39_726.0)));
    }

    #[test]
    fn altered_expected_value_fails() {
        let ok = verify(
            "f.toml",
            &fig("measure = \"stock_identity_difference\"\nperiod = \"2014/15\""),
        )
        .unwrap();
        assert_eq!(ok[0].status, "pass");
        let bad = verify(
            "f.toml",
            &fig("measure = \"stock_identity_difference\"\nperiod = \"2013/14\""),
        )
        .unwrap();
        assert_eq!(
            bad[0].status, "fail",
            "2013/14 reconciles exactly, so 2 must fail"
        );
    }
}
