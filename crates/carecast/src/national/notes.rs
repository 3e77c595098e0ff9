//! Notes drawn from a backtest and a projection: a user's backtest disagreeing with the
//! default, and the UASC streams of a projection.

use super::*;

/// A user's own backtest finding another method more accurate than the default, by
/// more than a margin.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Disagreement {
    /// The default method's name in the backtest ([`DEFAULT_METHOD`]).
    pub default_method: String,
    /// The default's MAPE of the total (percent) on the figures both methods forecast.
    pub default_mape: f64,
    /// The more accurate method.
    pub method: String,
    /// Its MAPE on the same figures.
    pub mape: f64,
    /// `mape / default_mape`.
    pub ratio: f64,
    /// Figures (origin and horizon pairs of the total) compared.
    pub figures: usize,
}

impl Disagreement {
    /// The warning in words: both methods, their scores, and that the default was chosen
    /// on the national evidence.
    pub fn message(&self, dataset: &str) -> String {
        format!(
            "on {dataset}'s own backtest {} is more accurate than the default {} (MAPE of the total {:.1}% against {:.1}% over {} figures, ratio {:.2}, beyond the margin of {:.0}%); the default was chosen on the national backtest of every council, which one council's few origins cannot overturn, but consider {} for {dataset}",
            self.method,
            self.default_method,
            self.mape,
            self.default_mape,
            self.figures,
            self.ratio,
            100.0 * DISAGREEMENT_MARGIN,
            self.method
        )
    }

    /// The warning for a dataset whose projections take another default than the one
    /// its own backtest scores (a `dfe:` council, whose default
    /// [`crate::national::REGIONAL_METHOD`] needs every council's figures and is not in
    /// its own backtest): the finding is then against England's anchoring, named as such.
    pub fn message_beside(&self, dataset: &str, default_in_use: &str) -> String {
        format!(
            "on {dataset}'s own backtest {} is more accurate than England's anchoring {} (MAPE of the total {:.1}% against {:.1}% over {} figures, ratio {:.2}, beyond the margin of {:.0}%); {dataset}'s projections take the default {default_in_use}, chosen by the national backtest for councils of the DfE panel, which needs every council's figures and is not part of its own backtest; consider {} for {dataset}",
            self.method,
            self.default_method,
            self.mape,
            self.default_mape,
            self.figures,
            self.ratio,
            100.0 * DISAGREEMENT_MARGIN,
            self.method
        )
    }
}

/// How much lower another method's MAPE must be than the default's (as a share of the
/// default's) for a user's backtest to warn: 10%, about the gap the national backtest
/// measures between the default and naive at three to five years (0.94-0.95), so a
/// smaller difference on one council's few origins is within noise.
pub const DISAGREEMENT_MARGIN: f64 = 0.10;

/// The fewest origins a method and the default must both be scored from before
/// [`disagreement`] compares them: with fewer, one unusual year decides.
pub const MIN_DISAGREEMENT_ORIGINS: usize = 3;

/// The fewest figures (council, origin and horizon pairs of the total) a method and the
/// default must both be scored on before [`disagreement`] compares them.
pub const MIN_DISAGREEMENT_FIGURES: usize = 6;

/// The method of a backtest most more accurate than the default on the total, if its
/// MAPE is below `(1 - margin)` times the default's on the same figures (the council,
/// origin and horizon pairs both forecast). Only methods scored alongside the default on
/// at least [`MIN_DISAGREEMENT_FIGURES`] figures from at least
/// [`MIN_DISAGREEMENT_ORIGINS`] origins are compared. `None` when no method is, or the
/// default did not run.
///
/// ```
/// use carecast::national::{disagreement, NationalBacktest, Forecast, DEFAULT_METHOD};
/// let f = |method: &str, origin: i32, horizon: usize, forecast: f64| Forecast {
///     council: "c".into(), method: method.into(), origin, horizon,
///     band: "all".into(), forecast, actual: 100.0, scale: 1.0,
///     lower: vec![], upper: vec![], mc_lower: vec![], mc_upper: vec![],
/// };
/// let mut forecasts = Vec::new();
/// for origin in [2018, 2019, 2020] {
///     for horizon in [1, 2] {
///         forecasts.push(f("naive", origin, horizon, 95.0));
///         forecasts.push(f(DEFAULT_METHOD, origin, horizon, 80.0));
///     }
/// }
/// let mut b = NationalBacktest {
///     levels: vec![80.0], forecasts,
///     failures: vec![], scores: vec![], councils: vec![], calibration: vec![], notes: vec![],
/// };
/// let d = disagreement(&b, 0.1).unwrap();
/// assert_eq!((d.method.as_str(), d.mape, d.default_mape, d.figures), ("naive", 5.0, 20.0, 6));
/// assert!(disagreement(&b, 0.8).is_none());
/// // Two origins (four figures) are too few to warn on.
/// b.forecasts.retain(|f| f.origin != 2020);
/// assert!(disagreement(&b, 0.1).is_none());
/// ```
pub fn disagreement(b: &NationalBacktest, margin: f64) -> Option<Disagreement> {
    let key = |f: &Forecast| (f.council.clone(), f.origin, f.horizon);
    let default: BTreeMap<(String, i32, usize), f64> = b
        .forecasts
        .iter()
        .filter(|f| f.method == DEFAULT_METHOD && f.band == "all")
        .filter_map(|f| ape(f).map(|a| (key(f), a)))
        .collect();
    if default.is_empty() {
        return None;
    }
    type Tally = (f64, f64, usize, BTreeSet<i32>);
    let mut per: BTreeMap<&str, Tally> = BTreeMap::new();
    for f in b
        .forecasts
        .iter()
        .filter(|f| f.method != DEFAULT_METHOD && f.band == "all")
    {
        if let (Some(a), Some(d)) = (ape(f), default.get(&key(f))) {
            let e = per.entry(f.method.as_str()).or_default();
            e.0 += a;
            e.1 += d;
            e.2 += 1;
            e.3.insert(f.origin);
        }
    }
    per.into_iter()
        .filter(|(_, (_, d, n, origins))| {
            *n >= MIN_DISAGREEMENT_FIGURES && origins.len() >= MIN_DISAGREEMENT_ORIGINS && *d > 0.0
        })
        .map(|(m, (a, d, n, _))| Disagreement {
            default_method: DEFAULT_METHOD.into(),
            default_mape: d / n as f64,
            method: m.into(),
            mape: a / n as f64,
            ratio: a / d,
            figures: n,
        })
        .filter(|x| x.ratio < 1.0 - margin)
        .min_by(|x, y| x.ratio.total_cmp(&y.ratio))
}

/// One stream of a projection's total stock at 31 March: unaccompanied asylum-seeking
/// children (`uasc`), the other children (`other`) and all of them (`all`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StreamRow {
    /// Financial year (the stock is at its 31 March).
    pub year: String,
    /// Years after the base year.
    pub horizon: usize,
    /// `uasc`, `other` or `all`.
    pub stream: String,
    /// Children looked after at 31 March.
    pub value: f64,
}

/// How the UASC stream of [`uasc_streams`] moves: held at the base year's stock.
pub const UASC_METHOD: &str = "UASC held at the base year's stock at 31 March (their numbers follow arrivals and the National Transfer Scheme, not the council's own trends); the other children are the projected total less UASC";

/// Splits a projection's total stock into unaccompanied asylum-seeking children and the
/// rest ([`UASC_METHOD`]). This is a subtraction, not a second model: `uasc` is the
/// dataset's `uasc_stock` at 31 March of the base year, held unchanged in every year;
/// `other` is the projected total minus that held figure; `all` the projected total (the
/// projection's own value, unchanged). Neither stream is projected from its own history.
/// Only the central value is split: the projection's interval columns (`lower_80`,
/// `upper_80`, ...) are not carried. The dataset must have a `uasc_stock` table with a
/// published figure for the base year (every `dfe:` council does).
///
/// ```
/// use carecast::{CohortModel, ProjectionOptions};
/// let d = carecast::dfe::dataset("Kent").unwrap();
/// let p = CohortModel::fit(&d).unwrap().project(&ProjectionOptions::new(2024, 3)).unwrap();
/// let rows = carecast::national::uasc_streams(&p, &d).unwrap();
/// assert_eq!(rows.len(), 9);
/// let get = |y: &str, s: &str| rows.iter().find(|r| r.year == y && r.stream == s).unwrap().value;
/// // Kent looked after 498 UASC at 31 March 2024 (DfE, EES 2024).
/// assert_eq!(get("2026/27", "uasc"), 498.0);
/// assert_eq!(get("2025/26", "uasc") + get("2025/26", "other"), get("2025/26", "all"));
/// ```
///
/// # Errors
/// [`Error::Model`] naming the dataset, table and year when the dataset has no
/// `uasc_stock` table, its base-year figure is absent or suppressed, the projection has
/// no yearly total stock, or a projected total is below the held UASC stock.
pub fn uasc_streams(p: &crate::Projection, dataset: &Dataset) -> Result<Vec<StreamRow>> {
    let base = p.assumptions.base_year;
    let t = dataset.table("uasc_stock").map_err(|_| {
        Error::model(format!(
            "{}: no table uasc_stock (unaccompanied asylum-seeking children at 31 March): the UASC stream needs it (every dfe: council has it)",
            dataset.name
        ))
    })?;
    let at_base = |r: &&crate::Record| matches!(r.period, Some(crate::Period::Date(d)) if d.is_year_end() && d.financial_year().end_year() == base);
    let rec = t.records.iter().find(at_base).ok_or_else(|| {
        Error::model(format!(
            "{}: table uasc_stock has no figure for 31 March {base} (the base year)",
            dataset.name
        ))
    })?;
    let uasc = rec.cell.value().ok_or_else(|| {
        Error::model(format!(
            "{}: table uasc_stock, line {}: the figure for 31 March {base} is suppressed or not available; the UASC stream needs a number",
            dataset.name, rec.line
        ))
    })?;
    let mut out = Vec::new();
    for r in p
        .rows
        .iter()
        .filter(|r| r.measure == "stock" && r.band == "all" && r.period == r.year)
    {
        let Ok(fy) = crate::FinancialYear::parse(&r.year) else {
            continue;
        };
        let Ok(h) = usize::try_from(fy.end_year() - base) else {
            continue;
        };
        if h == 0 {
            continue;
        }
        if r.value < uasc {
            return Err(Error::model(format!(
                "{}: the projected total at 31 March {} ({:.0}) is below the UASC held at {base}'s {uasc:.0}: the streams cannot be separated",
                dataset.name,
                fy.end_year(),
                r.value
            )));
        }
        for (stream, value) in [("uasc", uasc), ("other", r.value - uasc), ("all", r.value)] {
            out.push(StreamRow {
                year: r.year.clone(),
                horizon: h,
                stream: stream.into(),
                value,
            });
        }
    }
    if out.is_empty() {
        return Err(Error::model(format!(
            "{}: the projection has no yearly total stock to split",
            dataset.name
        )));
    }
    Ok(out)
}
