//! What each council and origin brings: histories, reference stocks, headline totals
//! and the slopes pooled between councils.

use super::*;

/// What one council and origin yields.
pub(super) struct Cell {
    pub(super) forecasts: Vec<Forecast>,
    pub(super) failures: Vec<Failure>,
    pub(super) notes: Vec<String>,
}

/// A council's vintage and history at an origin, as loaded.
pub(super) type Loaded = (String, i32, Result<Option<(Vintage, History)>>);

/// Between-council spreads of slopes per origin.
#[derive(Debug)]
pub(super) struct Taus {
    pub(super) admissions: BTreeMap<i32, f64>,
    pub(super) stock: BTreeMap<i32, f64>,
    /// Between-region spread of the regions' true stock growth, per origin.
    pub(super) region: BTreeMap<i32, f64>,
    /// The reversion towards the region's rate fitted across councils, per origin.
    pub(super) reversion: BTreeMap<i32, ReversionFit>,
}

/// The points of a yearly series in the [`TREND_WINDOW`] years up to `origin`, sorted.
pub(super) fn in_window(series: &[(i32, f64)], origin: i32) -> Vec<(i32, f64)> {
    let from = origin - i32::try_from(TREND_WINDOW).unwrap_or(i32::MAX) + 1;
    let mut w: Vec<(i32, f64)> = series
        .iter()
        .copied()
        .filter(|(y, _)| (from..=origin).contains(y))
        .collect();
    w.sort_by_key(|p| p.0);
    w.dedup_by_key(|p| p.0);
    w
}

/// Log-linear growth of positive yearly points and its sampling variance (residual
/// variance, at least Poisson's `1 / mean`, over `Sxx`).
pub(super) fn log_growth(points: &[(i32, f64)]) -> Option<(f64, f64)> {
    if points.len() < 2 || points.iter().any(|(_, v)| *v <= 0.0 || !v.is_finite()) {
        return None;
    }
    let x: Vec<f64> = points.iter().map(|(y, _)| f64::from(*y)).collect();
    let ly: Vec<f64> = points.iter().map(|(_, v)| v.ln()).collect();
    let b = crate::model::ols_slope(&x, &ly);
    let n = x.len() as f64;
    let (xm, ym) = (x.iter().sum::<f64>() / n, ly.iter().sum::<f64>() / n);
    let sxx: f64 = x.iter().map(|v| (v - xm).powi(2)).sum();
    let resid: f64 = x
        .iter()
        .zip(&ly)
        .map(|(xi, yi)| (yi - ym - b * (xi - xm)).powi(2))
        .sum();
    let mean_level = points.iter().map(|(_, v)| v).sum::<f64>() / n;
    let rv = if x.len() > 2 { resid / (n - 2.0) } else { 0.0 };
    Some((b, rv.max(1.0 / mean_level) / sxx))
}

/// The reference stock a method borrows growth from, as known at the origin: at least
/// two years of it in the [`TREND_WINDOW`] years up to the origin, else why not. There is
/// no fallback to [`ENGLAND_STOCK`] here: a vintage without England's stock is a failure
/// of that council and origin.
pub(super) fn reference_stock(
    v: &Vintage,
    kind: Reference,
    origin: i32,
    tau_region: Option<f64>,
) -> std::result::Result<Vec<(i32, f64)>, String> {
    // The series up to the origin, once at least two of its years fall in the window.
    let need = |series: &[(i32, f64)], what: &str| {
        if in_window(series, origin).len() < 2 {
            Err(format!(
                "the figures known at {origin} hold fewer than two years of {what}'s stock at 31 March in {}-{origin} (no fallback to a stored series in the backtest)",
                origin - i32::try_from(TREND_WINDOW).unwrap_or(0) + 1
            ))
        } else {
            let mut w: Vec<(i32, f64)> = series
                .iter()
                .copied()
                .filter(|(y, _)| *y <= origin)
                .collect();
            w.sort_by_key(|p| p.0);
            w.dedup_by_key(|p| p.0);
            Ok(w)
        }
    };
    match kind {
        Reference::England => need(&v.reference_stock, "England"),
        Reference::Region => need(&v.region_stock, "the region"),
        Reference::Blend => {
            let e = need(&v.reference_stock, "England")?;
            let r = need(&v.region_stock, "the region")?;
            let both: Vec<(i32, f64, f64)> = r
                .iter()
                .filter_map(|(y, rv)| {
                    e.iter()
                        .find(|(ey, _)| ey == y)
                        .map(|(_, ev)| (*y, *rv, *ev))
                })
                .collect();
            let (_, var) =
                log_growth(&in_window(&r, origin)).ok_or("the region's stock is not positive")?;
            let tau = tau_region.unwrap_or(0.0);
            let w = if tau > 0.0 {
                tau * tau / (tau * tau + var)
            } else {
                0.0
            };
            if both.len() < 2 {
                return Err(format!(
                    "England's and the region's stock share fewer than two years up to {origin}"
                ));
            }
            Ok(both
                .iter()
                .map(|(y, rv, ev)| (*y, (w * rv.ln() + (1.0 - w) * ev.ln()).exp()))
                .collect())
        }
    }
}

/// Data of one origin shared by every council: the between-council spread of the
/// admissions-rate slopes (`tau`) for the pooled method.
pub(super) fn between_sd(slopes: &[(f64, f64)]) -> f64 {
    let n = slopes.len() as f64;
    if slopes.len() < 3 {
        return 0.0;
    }
    let mean = slopes.iter().map(|s| s.0).sum::<f64>() / n;
    let var = slopes.iter().map(|s| (s.0 - mean).powi(2)).sum::<f64>() / (n - 1.0);
    let noise = slopes.iter().map(|s| s.1).sum::<f64>() / n;
    (var - noise).max(0.0).sqrt()
}

/// The all-ages admissions slope and its variance of a history (for `tau`).
pub(super) fn total_slope(h: &History, population: &[(i32, f64)]) -> Option<(f64, f64)> {
    let w = &h.flows[h.flows.len().saturating_sub(TREND_WINDOW)..];
    if w.len() < 2 {
        return None;
    }
    let x: Vec<f64> = w.iter().map(|f| f64::from(f.year.end_year())).collect();
    let y: Vec<f64> = w.iter().map(|f| f.admissions.iter().sum()).collect();
    let p: Vec<f64> = w
        .iter()
        .map(|f| {
            population
                .iter()
                .find(|(py, _)| *py == f.year.end_year())
                .map(|(_, v)| *v)
        })
        .collect::<Option<_>>()?;
    let (b, v) = rate_slope(&x, &y, &p);
    (b.is_finite() && v.is_finite()).then_some((b, v))
}

/// The headline stock totals at 31 March a dataset prints in `flows_annual` (closing of
/// each year, opening of the next), by year. A release may revise a year's total without
/// reprinting its age bands (DfE's ULD 2019 revised 2017/18 totals printed with bands by
/// ULD 2018): the headline is then the figure known, while the bands' sum is the older
/// release's. A year the table lists without a printed total is left out (the bands'
/// sum is used there, and reported: [`unprinted_headlines`]).
pub(super) fn headline_stock(ds: &Dataset) -> BTreeMap<i32, f64> {
    let mut out = BTreeMap::new();
    let Ok(t) = ds.table("flows_annual") else {
        return out;
    };
    for r in &t.records {
        let (Some(crate::Period::Year(fy)), Some(v)) = (r.period, r.cell.value()) else {
            continue;
        };
        match r.measure.as_ref() {
            "closing" => {
                out.insert(fy.end_year(), v);
            }
            "opening" => {
                out.entry(fy.end_year() - 1).or_insert(v);
            }
            _ => {}
        }
    }
    out
}

/// Years whose headline total at 31 March a dataset's `flows_annual` lists but does not
/// print as a number (suppressed, pending or blank, as closing of the year and as opening
/// of the next), each with the cell as printed: there [`total_at`] falls back to the sum
/// of the history's bands, which the backtest says in a note.
pub(super) fn unprinted_headlines(ds: &Dataset) -> BTreeMap<i32, String> {
    let mut out = BTreeMap::new();
    let Ok(t) = ds.table("flows_annual") else {
        return out;
    };
    let printed = headline_stock(ds);
    for r in &t.records {
        let Some(crate::Period::Year(fy)) = r.period else {
            continue;
        };
        let y = match r.measure.as_ref() {
            "closing" => fy.end_year(),
            "opening" => fy.end_year() - 1,
            _ => continue,
        };
        if r.cell.value().is_none() && !printed.contains_key(&y) {
            let shown = match &r.cell {
                crate::Cell::Suppressed { text, .. } => format!("suppressed ({text})"),
                crate::Cell::Pending => "pending".into(),
                crate::Cell::NotApplicable => "N/A".into(),
                _ => "blank".into(),
            };
            out.entry(y).or_insert(shown);
        }
    }
    out
}

/// The note for a dataset's unprinted headline totals ([`unprinted_headlines`]) in the
/// years `from..=to`, if any.
pub(super) fn headline_fallback_note(
    council: &str,
    ds: &Dataset,
    from: i32,
    to: i32,
) -> Option<String> {
    let years: Vec<String> = unprinted_headlines(ds)
        .into_iter()
        .filter(|(y, _)| (from..=to).contains(y))
        .map(|(y, c)| format!("31 March {y} ({c})"))
        .collect();
    (!years.is_empty()).then(|| {
        format!(
            "{council}: table flows_annual prints no total stock at {}; the total there is the sum of the age bands",
            years.join(", ")
        )
    })
}

/// The total stock at 31 March of year `y`: the dataset's headline total where it prints
/// one (see [`headline_stock`]), else the sum of the history's bands.
pub(super) fn total_at(headline: &BTreeMap<i32, f64>, y: i32, bands: &[f64]) -> f64 {
    headline
        .get(&y)
        .copied()
        .unwrap_or_else(|| bands.iter().sum())
}

/// The total stock ([`total_at`]) at 31 March of the year before a history's first flow
/// and of each flow's year.
pub(super) fn total_stock(h: &History, headline: &BTreeMap<i32, f64>) -> Vec<f64> {
    h.flows
        .first()
        .map(|f| total_at(headline, f.year.end_year() - 1, &f.opening))
        .into_iter()
        .chain(
            h.flows
                .iter()
                .map(|f| total_at(headline, f.year.end_year(), &f.closing)),
        )
        .collect()
}

/// The log-linear growth of the total stock over the last [`TREND_WINDOW`] years and its
/// sampling variance (residual variance, at least Poisson's `1 / mean`, over `Sxx`), from
/// the totals of [`total_stock`].
pub(super) fn stock_slope(
    h: &History,
    headline: &BTreeMap<i32, f64>,
) -> Option<(f64, f64, Vec<i32>)> {
    let w = &h.flows[h.flows.len().saturating_sub(TREND_WINDOW)..];
    let total = |y: i32, bands: &[f64]| total_at(headline, y, bands);
    let mut years: Vec<i32> = Vec::new();
    let mut y: Vec<f64> = Vec::new();
    if let Some(first) = w.first() {
        years.push(first.year.end_year() - 1);
        y.push(total(first.year.end_year() - 1, &first.opening));
    }
    for f in w {
        years.push(f.year.end_year());
        y.push(total(f.year.end_year(), &f.closing));
    }
    let keep = years.len().min(TREND_WINDOW);
    let (years, y) = (
        years[years.len() - keep..].to_vec(),
        y[y.len() - keep..].to_vec(),
    );
    let points: Vec<(i32, f64)> = years.iter().copied().zip(y).collect();
    let (b, var) = log_growth(&points)?;
    Some((b, var, years))
}

pub(super) fn history_of(v: &Vintage) -> Result<History> {
    let h = History::from_dataset(&v.dataset)?;
    match v.last_year {
        Some(y) => h.up_to(y),
        None => Ok(h),
    }
}
