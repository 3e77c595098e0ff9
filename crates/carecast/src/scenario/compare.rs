//! Running a scenario against its baseline, and attributing the difference to levers.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{Lever, Scenario};
use crate::model::CohortModel;
use crate::placements::{MarketInputs, MarketProjection, MarketRow};
use crate::{Dataset, Error, Result};

impl Scenario {
    /// Loads the dataset, fits the model and runs the scenario against its baseline.
    ///
    /// # Errors
    ///
    /// [`Error::Scenario`] naming the file for an unknown dataset; the errors of
    /// [`Scenario::run_with`].
    pub fn run(&self) -> Result<Comparison> {
        let ds = self.load()?;
        let model = CohortModel::fit(&ds)?;
        self.run_with(&ds, &model)
    }

    /// Runs the scenario with a dataset and a model fitted to it.
    ///
    /// # Errors
    ///
    /// [`Error::Scenario`] naming the file and the lever (by position and key) when the base
    /// year, a lever's year or band does not fit the model, or a projection with the levers fails.
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
        // The dataset's default admissions (the regional default for a `dfe:` council),
        // as a projection of it takes them, unless the scenario names its own.
        let (default, note) = match &self.admissions {
            Some(a) => (a.clone(), None),
            None => {
                let d =
                    crate::evaluate::national_dfe::default_admissions(&model.history.dataset, base);
                (d.admissions, d.note)
            }
        };
        let run = |levers: &[Lever]| -> Result<MarketProjection> {
            let (po, mo) = self.options(base, levers, returned_home, &default)?;
            let mut p = inputs.project(model, &po, &mo)?;
            if let Some(n) = &note {
                p.assumptions.notes.push(n.clone());
                p.projection.assumptions.notes.push(n.clone());
            }
            Ok(p)
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
        let rows = compare_rows(&baseline, &scenario);
        let attribution = attribute(&self.levers, &rows, &steps);
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
        let years = i32::try_from(self.years).unwrap_or(i32::MAX);
        let (first, last) = (base + 1, base.saturating_add(years));
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
}

/// The key of a row: year, placement, measure.
type RowKey = (String, String, String);

fn key(r: &MarketRow) -> RowKey {
    (r.year.clone(), r.placement.clone(), r.measure.clone())
}

fn index(p: &MarketProjection) -> BTreeMap<RowKey, f64> {
    p.rows.iter().map(|r| (key(r), r.value)).collect()
}

/// Measures compared between a scenario and its baseline.
fn comparable(m: &str) -> bool {
    matches!(
        m,
        "children" | "placements" | "spend" | "demand" | "capacity" | "in_house" | "external"
    )
}

/// Baseline, scenario and difference of every comparable row of either projection (a row
/// one of them lacks counts as 0 there).
fn compare_rows(baseline: &MarketProjection, scenario: &MarketProjection) -> Vec<ComparisonRow> {
    let b = index(baseline);
    let s = index(scenario);
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
    rows
}

/// Each lever's effect on each row: the step with it minus the step before (`steps[0]`
/// is the baseline, `steps[i + 1]` has the first `i + 1` levers).
fn attribute(
    levers: &[Lever],
    rows: &[ComparisonRow],
    steps: &[MarketProjection],
) -> Vec<Attribution> {
    let mut attribution = Vec::new();
    let idx: Vec<_> = steps.iter().map(index).collect();
    for ((i, lever), pair) in levers.iter().enumerate().zip(idx.windows(2)) {
        let [before_idx, after_idx] = pair else {
            continue;
        };
        for row in rows {
            let k = (row.year.clone(), row.placement.clone(), row.measure.clone());
            let before = before_idx.get(&k).copied().unwrap_or(0.0);
            let after = after_idx.get(&k).copied().unwrap_or(0.0);
            attribution.push(Attribution {
                year: row.year.clone(),
                placement: row.placement.clone(),
                measure: row.measure.clone(),
                lever: lever.label(i),
                effect: after - before,
            });
        }
    }
    attribution
}

/// The share of a year's discharges that were returns home to parents, relatives or
/// others with parental responsibility, from the dataset's `discharges_by_reason` table
/// (rows whose category starts `Returned home`, against the `Total` row), in the base year
/// or the latest year before it. Returns the share and where it came from.
///
/// # Errors
///
/// [`Error::Model`] when the dataset has no `discharges_by_reason` table with a total and
/// returns home for the base year or a year before it.
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
