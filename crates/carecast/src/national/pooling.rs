//! The backtest's pass over councils and origins: loading, the between-council spreads,
//! then pooling of every cell's forecasts into calibrations and scores.

use super::*;

/// Runs the national backtest.
///
/// # Errors
/// When the options are invalid (no horizon, bad levels). A council or origin whose data
/// cannot be read or fitted, or a method that cannot run there, is reported in
/// [`NationalBacktest::failures`], not an error.
pub fn backtest(panel: &dyn Panel, o: &NationalOptions) -> Result<NationalBacktest> {
    if o.max_horizon == 0 || o.max_horizon > 10 {
        return Err(Error::argument(
            "max_horizon",
            o.max_horizon,
            "must be 1 to 10",
        ));
    }
    let levels = crate::stochastic::check_levels(&o.levels)?;
    let mut methods = o.methods.clone();
    if !methods.contains(&Method::Naive) {
        methods.insert(0, Method::Naive);
    }
    let councils = panel.councils();
    let origins: Vec<i32> = panel
        .origins()
        .into_iter()
        .filter(|y| o.max_origin.is_none_or(|m| *y <= m))
        .collect();
    let loaded = load(panel, &councils, &origins);
    let tau = Taus {
        admissions: admissions_spread(&loaded),
        stock: stock_spread(&loaded),
        region: region_spread(&loaded),
        reversion: reversion_fits(&loaded),
    };
    let cx = Context {
        panel,
        methods: &methods,
        o,
        tau: &tau,
        levels: &levels,
    };
    let cells: Vec<Cell> = loaded
        .par_iter()
        .map(|(c, y, r)| run_cell(&cx, c, *y, r))
        .collect();
    let mut forecasts = Vec::new();
    let mut failures = Vec::new();
    let mut fallbacks = std::collections::BTreeSet::new();
    for c in cells {
        forecasts.extend(c.forecasts);
        failures.extend(c.failures);
        fallbacks.extend(c.notes);
    }
    let calibration = calibrate(&forecasts, None);
    cross_validate(&mut forecasts, &levels);
    let scores = score(&forecasts, &levels, o.bootstrap, o.seed);
    let per_council = council_scores(&forecasts, &levels);
    let mut notes = run_notes(&origins, o, councils.len(), &tau);
    notes.extend(fallbacks);
    Ok(NationalBacktest {
        levels,
        forecasts,
        failures,
        scores,
        councils: per_council,
        calibration,
        notes,
    })
}

/// Each council's vintages and histories, once.
fn load(panel: &dyn Panel, councils: &[String], origins: &[i32]) -> Vec<Loaded> {
    councils
        .par_iter()
        .flat_map_iter(|c| {
            origins.iter().map(move |&y| {
                let r = panel.known_at(c, y).and_then(|v| match v {
                    None => Ok(None),
                    Some(v) => history_of(&v).map(|h| Some((v, h))),
                });
                (c.clone(), y, r)
            })
        })
        .collect()
}

/// The spread of admissions-rate slopes between councils, per origin.
fn admissions_spread(loaded: &[Loaded]) -> BTreeMap<i32, f64> {
    let mut slopes: BTreeMap<i32, Vec<(f64, f64)>> = BTreeMap::new();
    for (_, y, r) in loaded {
        if let Ok(Some((v, h))) = r
            && h.years.last().map(|fy| fy.end_year()) == Some(*y)
            && let Some(s) = total_slope(h, &v.population)
        {
            slopes.entry(*y).or_default().push(s);
        }
    }
    slopes.iter().map(|(y, s)| (*y, between_sd(s))).collect()
}

/// The spread of stock growth between councils, per origin.
fn stock_spread(loaded: &[Loaded]) -> BTreeMap<i32, f64> {
    let mut stock_slopes: BTreeMap<i32, Vec<(f64, f64)>> = BTreeMap::new();
    for (_, y, r) in loaded {
        if let Ok(Some((vintage, h))) = r
            && h.years.last().map(|fy| fy.end_year()) == Some(*y)
            && let Some((b, v, _)) = stock_slope(h, &headline_stock(&vintage.dataset))
        {
            stock_slopes.entry(*y).or_default().push((b, v));
        }
    }
    stock_slopes
        .iter()
        .map(|(y, s)| (*y, between_sd(s)))
        .collect()
}

/// The spread of the regions' stock growth, per origin (each region once).
pub(super) fn region_spread(loaded: &[Loaded]) -> BTreeMap<i32, f64> {
    let mut region_slopes: BTreeMap<i32, Vec<Vec<(i32, f64)>>> = BTreeMap::new();
    for (_, y, r) in loaded {
        if let Ok(Some((v, _))) = r {
            let w = in_window(&v.region_stock, *y);
            let seen = region_slopes.entry(*y).or_default();
            if w.len() >= 2 && !seen.contains(&w) {
                seen.push(w);
            }
        }
    }
    region_slopes
        .iter()
        .map(|(y, rs)| {
            let s: Vec<(f64, f64)> = rs.iter().filter_map(|w| log_growth(w)).collect();
            (*y, between_sd(&s))
        })
        .collect()
}

/// The notes saying what was run: origins, horizons, councils, the pooled prior's spread
/// and any Monte Carlo paths.
fn run_notes(origins: &[i32], o: &NationalOptions, councils: usize, tau: &Taus) -> Vec<String> {
    let mut notes = vec![
        format!(
            "origins {:?}; horizons 1-{}; {} councils; point forecasts scored; calibrated intervals cross-validated leaving each origin out",
            origins, o.max_horizon, councils
        ),
        format!(
            "between-council spread of admissions-rate slopes by origin (pooled method's prior): {}",
            tau.admissions
                .iter()
                .map(|(y, t)| format!("{y}: {t:.3}"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    ];
    if tau.reversion.values().any(|f| f.beta.is_some()) {
        notes.push(format!(
            "reversion towards the region's rate of children in care, yearly coefficient by origin (council-year pairs): {}",
            tau.reversion
                .iter()
                .map(|(y, f)| match f.beta {
                    Some(b) => format!("{y}: {b:.4} ({})", f.pairs),
                    None => format!("{y}: none ({})", f.pairs),
                })
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    if o.paths > 0 {
        notes.push(format!(
            "{} Monte Carlo paths per forecast of {} (seed {})",
            o.paths, o.paths_method, o.seed
        ));
    }
    notes
}
