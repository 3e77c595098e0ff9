//! Spend: projected spend of each year, and published spend reconciled against
//! published counts times unit costs.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use super::measure::{Measure, Subject};
use super::place::ByType;
use super::{MarketInputs, MarketRow, MixObservation, PublishedSpend, UnitCost};
use super::{check_inflation, cost_by_band};
use crate::{BandScheme, Date, FinancialYear, Result};

/// Pushes each projected year's spend rows by type and in all; returns the codes of types
/// with placements but no unit cost. Spend in a year is the children at its two 31
/// Marches, averaged, times the annual unit cost of their band, times inflation from the
/// price year.
pub(super) fn spend_rows(
    years: &[FinancialYear],
    placements_by_year: &[ByType],
    costs: &[UnitCost],
    inflation: f64,
    fine: &BandScheme,
    rows: &mut Vec<MarketRow>,
) -> BTreeSet<&'static str> {
    let mut uncosted = BTreeSet::new();
    let pairs = placements_by_year.windows(2).zip(years.iter().skip(1));
    for (w, fy) in pairs {
        let [before_year, now_year] = w else {
            continue;
        };
        let label = fy.to_string();
        let mut total = 0.0;
        let mut any = false;
        for (ty, now) in now_year {
            if !rows.iter().any(|r| {
                r.year == label
                    && r.placement == ty.code()
                    && r.measure == Measure::Placements.code()
            }) {
                continue; // a pool type with no placements row (never in the data)
            }
            let Some(per_band) = cost_by_band(costs, *ty, fine) else {
                if now.iter().sum::<f64>() > 0.0 {
                    uncosted.insert(ty.code());
                }
                continue;
            };
            let zeros = vec![0.0; now.len()];
            let before = before_year.get(ty).unwrap_or(&zeros);
            let mut spend = 0.0;
            for ((n, b), (annual, price_year)) in now.iter().zip(before).zip(&per_band) {
                let factor = (1.0 + inflation / 100.0).powi(fy.end_year() - price_year);
                spend += 0.5 * (n + b) * annual * factor;
            }
            total += spend;
            any = true;
            rows.push(MarketRow {
                year: label.clone(),
                placement: ty.code().into(),
                measure: Measure::Spend.code().into(),
                value: spend,
            });
        }
        if any {
            rows.push(MarketRow {
                year: label,
                placement: Subject::All.code().into(),
                measure: Measure::Spend.code().into(),
                value: total,
            });
        }
    }
    uncosted
}

/// Children of each type of a published spend in its year, from the published counts at
/// the year's 31 Marches (averaged when both are published), and how.
fn counts_for(p: &PublishedSpend, all: &[&MixObservation]) -> Option<(Vec<f64>, String)> {
    let at = |d: Date| all.iter().find(|o| o.date == d);
    let get = |o: &MixObservation, t| o.counts.get(t).copied().unwrap_or(0.0);
    match (at(p.year.start()), at(p.year.end())) {
        (Some(a), Some(b)) => Some((
            p.types
                .iter()
                .map(|t| 0.5 * (get(a, t) + get(b, t)))
                .collect(),
            format!("children at {} and {} averaged", a.date, b.date),
        )),
        (Some(o), None) | (None, Some(o)) => Some((
            p.types.iter().map(|t| get(o, t)).collect(),
            format!(
                "children at {} only (no count at the year's other 31 March)",
                o.date
            ),
        )),
        (None, None) => None,
    }
}

/// Counts times unit costs (all ages: the mean of the type's band costs), or `None` with
/// the types that have children but no unit cost.
fn cost_of(
    p: &PublishedSpend,
    counts: &[f64],
    costs: &[UnitCost],
    inflation: f64,
) -> (Option<f64>, Vec<&'static str>) {
    let mut computed = Some(0.0);
    let mut missing = Vec::new();
    for (t, c) in p.types.iter().zip(counts) {
        let cs: Vec<&UnitCost> = costs.iter().filter(|u| u.placement == *t).collect();
        let Some(first) = cs.first() else {
            if *c > 0.0 {
                missing.push(t.code());
                computed = None;
            }
            continue;
        };
        let annual = cs.iter().map(|u| u.annual).sum::<f64>() / cs.len() as f64;
        let factor = (1.0 + inflation / 100.0).powi(p.year.end_year() - first.price_year);
        computed = computed.map(|x| x + c * annual * factor);
    }
    (computed, missing)
}

impl MarketInputs {
    /// Spend computed from the published counts at the 31 Marches around each year with
    /// published spend, against that spend.
    ///
    /// # Errors
    ///
    /// [`crate::Error::InvalidArgument`] for inflation out of range or a replacement unit cost
    /// that is negative, not finite or names an unknown cost band.
    ///
    /// ```
    /// use carecast::{CohortModel, Dataset};
    /// use carecast::placements::MarketInputs;
    /// let ds = Dataset::bundled("derbyshire").unwrap();
    /// let m = CohortModel::fit(&ds).unwrap();
    /// let checks = MarketInputs::from_dataset(&ds, &m.history).unwrap().reconcile_spend(&[], 0.0).unwrap();
    /// let c = checks.iter().find(|c| c.what == "ifa" && c.computed.is_some()).unwrap();
    /// assert_eq!(c.difference, c.computed.map(|x| x - c.published));
    /// ```
    pub fn reconcile_spend(
        &self,
        unit_costs: &[UnitCost],
        inflation: f64,
    ) -> Result<Vec<SpendCheck>> {
        check_inflation(inflation)?;
        let costs = self.costs_with(unit_costs)?;
        let all: Vec<&MixObservation> = self
            .observations
            .iter()
            .filter(|o| (o.lo, o.hi) == (0, 18))
            .collect();
        let mut out = Vec::new();
        for p in &self.published_spend {
            let check = |computed: Option<f64>, children: Option<f64>, method: String| SpendCheck {
                year: p.year.to_string(),
                what: p.what.clone(),
                published: p.value,
                computed,
                difference: computed.map(|c| c - p.value),
                percent: computed.map(|c| 100.0 * (c - p.value) / p.value),
                children,
                method,
                source: p.source.clone(),
            };
            let Some((counts, method)) = counts_for(p, &all) else {
                out.push(check(
                    None,
                    None,
                    "no placement counts at either 31 March of the year".into(),
                ));
                continue;
            };
            let (computed, missing) = cost_of(p, &counts, &costs, inflation);
            let method = if missing.is_empty() {
                format!("{method}, times unit costs at {inflation}% a year inflation")
            } else {
                format!("{method}; no unit cost for {}", missing.join(", "))
            };
            if let Some((open, close)) = p.own_counts
                && let Some(c) = costs.iter().find(|u| p.types.first() == Some(&u.placement))
            {
                let n = 0.5 * (open + close);
                let v =
                    n * c.annual * (1.0 + inflation / 100.0).powi(p.year.end_year() - c.price_year);
                out.push(check(
                    Some(v),
                    Some(n),
                    format!(
                        "the placements printed beside the spend ({open} at the start, {close} at the end) averaged, times the unit cost at {inflation}% a year inflation"
                    ),
                ));
            }
            out.push(check(computed, Some(counts.iter().sum()), method));
        }
        Ok(out)
    }
}

/// Published spend against spend computed from counts and unit costs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SpendCheck {
    /// Financial year.
    pub year: String,
    /// What the spend covers (a pool or a type code).
    pub what: String,
    /// Published pounds.
    pub published: f64,
    /// Computed pounds, if every type has a unit cost.
    pub computed: Option<f64>,
    /// computed - published.
    pub difference: Option<f64>,
    /// difference as a percent of published.
    pub percent: Option<f64>,
    /// Children (average over the year) the computation used.
    pub children: Option<f64>,
    /// How it was computed.
    pub method: String,
    /// Source of the published figure.
    pub source: String,
}
