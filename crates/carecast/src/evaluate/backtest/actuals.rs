//! The published figures a backtest forecasts (the stock by band at 31 March and at
//! quarter ends), the targets from one origin, and the baselines' Student-t intervals.

use std::collections::BTreeMap;

use statrs::distribution::{ContinuousCDF, StudentsT};

use crate::model::History;
use crate::{AgeBand, Band, Dataset, FinancialYear, Period};

/// Published stock figures: by band, annual at 31 March, and quarter ends.
pub(super) struct Actuals {
    /// Band label -> year -> stock at 31 March.
    pub(super) annual: BTreeMap<String, BTreeMap<i32, f64>>,
    /// (financial year, quarter 1-3) -> stock (all ages).
    pub(super) quarters: Vec<(FinancialYear, u8, f64)>,
    pub(super) notes: Vec<String>,
}

pub(super) fn actuals(ds: &Dataset, h: &History) -> Actuals {
    let labels: Vec<String> = h.scheme.bands().iter().map(AgeBand::label).collect();
    let single = labels.len() == 1;
    let mut annual: BTreeMap<String, BTreeMap<i32, f64>> = BTreeMap::new();
    let mut notes = Vec::new();
    for f in &h.flows {
        let y = f.year.end_year();
        let sum = |v: &[f64]| v.iter().sum::<f64>();
        let all = annual.entry("all".into()).or_default();
        all.entry(y - 1).or_insert(sum(&f.opening));
        all.insert(y, sum(&f.closing));
        if !single {
            for (b, l) in labels.iter().enumerate() {
                let s = annual.entry(l.clone()).or_default();
                s.entry(y - 1).or_insert(f.opening[b]);
                s.insert(y, f.closing[b]);
            }
        }
    }
    notes.push("the published stock at 31 March is the closing figure of the year ending then (or, where none, the opening figure of the year starting)".into());
    let mut quarters = Vec::new();
    if single {
        // Totals-only datasets: other tables may print the stock at earlier 31 Marches.
        let mut extra = Vec::new();
        for t in &ds.tables {
            for r in &t.records {
                let (Some(Period::Date(d)), Some(v)) = (r.period, r.cell.value()) else {
                    continue;
                };
                if r.measure == "stock"
                    && d.is_year_end()
                    && matches!(r.band, None | Some(Band::All))
                    && r.category.is_none()
                    && r.area.is_none()
                    && r.placement.is_none()
                {
                    let all = annual.entry("all".into()).or_default();
                    if let std::collections::btree_map::Entry::Vacant(e) = all.entry(d.year) {
                        e.insert(v);
                        extra.push(format!("{} = {v} (`{}`)", d.year, t.meta.id));
                    }
                }
            }
        }
        if !extra.is_empty() {
            notes.push(format!(
                "stock at 31 March also from other tables: {}",
                extra.join(", ")
            ));
        }
        if let Ok(t) = ds.table("flows_quarterly") {
            let mut by_q: BTreeMap<(i32, u8), [Option<f64>; 4]> = BTreeMap::new();
            for r in &t.records {
                let (Some(Period::Quarter(fy, q)), Some(v)) = (r.period, r.cell.value()) else {
                    continue;
                };
                let i = match r.measure.as_str() {
                    "opening" => 0,
                    "admissions" => 1,
                    "discharges" => 2,
                    "closing" => 3,
                    _ => continue,
                };
                by_q.entry((fy.end_year(), q)).or_default()[i] = Some(v);
            }
            let mut gaps = Vec::new();
            for (&(y, q), v) in &by_q {
                if let Some(c) = v[3]
                    && q < 4
                {
                    quarters.push((FinancialYear::ending(y), q, c));
                }
                if let [Some(o), Some(a), Some(d), Some(c)] = v {
                    gaps.push(format!(
                        "{} Q{q}: {}",
                        FinancialYear::ending(y),
                        o + a - d - c
                    ));
                }
            }
            if !quarters.is_empty() {
                notes.push(format!(
                    "quarter-end stocks from `flows_quarterly` are forecast with the engine's quarterly output; only their closing stocks are used: the quarterly flows do not satisfy the stock identity (opening + admissions - discharges - closing = {}; see `carecast reconcile {}`)",
                    gaps.join(", "),
                    ds.name
                ));
            }
        }
    }
    Actuals {
        annual,
        quarters,
        notes,
    }
}

/// A published figure to forecast from an origin.
pub(super) struct Target {
    pub(super) horizon: f64,
    pub(super) period: String,
    /// Label of the engine row holding it (quarter grain).
    pub(super) quarter_period: String,
    pub(super) band: String,
    pub(super) actual: f64,
    pub(super) quarterly: bool,
}

pub(super) fn targets_of(a: &Actuals, origin: i32, max_h: Option<usize>) -> Vec<Target> {
    let mut out = Vec::new();
    for (band, series) in &a.annual {
        for (&y, &v) in series.range(origin + 1..) {
            let fy = FinancialYear::ending(y);
            out.push(Target {
                horizon: f64::from(y - origin),
                period: fy.to_string(),
                quarter_period: Period::Quarter(fy, 4).to_string(),
                band: band.clone(),
                actual: v,
                quarterly: false,
            });
        }
    }
    for &(fy, q, v) in &a.quarters {
        let h = f64::from(fy.end_year() - 1 - origin) + f64::from(q) / 4.0;
        if h > 0.0 {
            let p = Period::Quarter(fy, q).to_string();
            out.push(Target {
                horizon: h,
                period: p.clone(),
                quarter_period: p,
                band: "all".into(),
                actual: v,
                quarterly: true,
            });
        }
    }
    out.retain(|t| max_h.is_none_or(|h| t.horizon <= h as f64));
    out
}

/// Student-t quantile with `df` degrees of freedom.
fn t_quantile(df: f64, p: f64) -> Option<f64> {
    StudentsT::new(0.0, 1.0, df)
        .ok()
        .map(|t| t.inverse_cdf(p))
        .filter(|q| q.is_finite())
}

pub(super) fn interval(
    center: f64,
    sd: f64,
    df: f64,
    levels: &[f64],
) -> Option<(Vec<f64>, Vec<f64>)> {
    let mut lo = Vec::new();
    let mut hi = Vec::new();
    for l in levels {
        let q = t_quantile(df, (1.0 + l / 100.0) / 2.0)?;
        lo.push((center - q * sd).max(0.0));
        hi.push((center + q * sd).max(0.0));
    }
    Some((lo, hi))
}

/// The whole years that reach `h` years ahead: `ceil(h)`, at least 0 (a NaN gives 0; the
/// clamp to `u32` makes the conversion exact).
#[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
pub(super) fn horizon_years(h: f64) -> usize {
    let n = h.ceil().clamp(0.0, f64::from(u32::MAX)) as u32;
    usize::try_from(n).unwrap_or(usize::MAX)
}
