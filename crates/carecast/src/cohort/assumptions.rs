//! Assumed admissions and discharge rates for the projected years: trends, reference
//! growth, shrinkage and the anchored level.

use super::fit::CohortModel;
use super::grid::{Grid, MONTHS, small_i32, year_stock};
use super::history::YearFlows;
use super::methods::{Admissions, Discharges};
use super::options::ProjectionOptions;
use super::projection::YearByBand;
use crate::{Error, FinancialYear, Result};

/// Observed years (at most) a damped or pooled trend, or a reference growth, is fitted on.
pub const TREND_WINDOW: usize = 5;
pub(crate) fn check_rate(name: &str, v: f64) -> Result<()> {
    if !(0.0..=1.0).contains(&v) || !v.is_finite() {
        return Err(Error::argument(name, v, "must be a fraction in [0, 1]"));
    }
    Ok(())
}

/// Log-linear Poisson regression of counts on x (IRLS); returns (intercept, slope).
pub(crate) fn poisson_trend(x: &[f64], y: &[f64]) -> (f64, f64) {
    let n = x.len() as f64;
    let xm = x.iter().sum::<f64>() / n;
    let mean = (y.iter().sum::<f64>() / n).max(1e-9);
    let (mut a, mut b) = (mean.ln(), 0.0);
    for _ in 0..50 {
        let (mut s0, mut s1, mut s2, mut r0, mut r1) = (0.0, 0.0, 0.0, 0.0, 0.0);
        for (xi, yi) in x.iter().zip(y) {
            let xc = xi - xm;
            let mu = (a + b * xc).exp();
            let z = a + b * xc + (yi - mu) / mu.max(1e-12);
            s0 += mu;
            s1 += mu * xc;
            s2 += mu * xc * xc;
            r0 += mu * z;
            r1 += mu * xc * z;
        }
        let det = s0 * s2 - s1 * s1;
        if det.abs() < 1e-12 {
            break;
        }
        let na = (s2 * r0 - s1 * r1) / det;
        let nb = (s0 * r1 - s1 * r0) / det;
        let done = (na - a).abs() < 1e-12 && (nb - b).abs() < 1e-12;
        a = na;
        b = nb;
        if done {
            break;
        }
    }
    (a - b * xm, b)
}

impl CohortModel {
    /// Admissions per projected year and band at the estimated parameters (before flow
    /// changes): [`Admissions::Anchored`] solved on the grid under the monthly rates
    /// `m_band`, the others as their assumption says. The note describes the anchor.
    ///
    /// `grid` is the model's grid and `weights` its within-band weights
    /// ([`Grid::weights`] of the model's tilts).
    pub(crate) fn point_admissions(
        &self,
        observed: &[YearFlows],
        o: &ProjectionOptions,
        m_band: &[f64],
        grid: &Grid,
        weights: &[f64],
    ) -> Result<(YearByBand, Option<String>)> {
        let nb = self.history.scheme.bands().len();
        let pattern = assumed_admissions(observed, o, nb)?;
        let Admissions::Anchored {
            phi,
            reference,
            reversion,
        } = &o.admissions
        else {
            return Ok((pattern, None));
        };
        let Some(base) = observed.last() else {
            return Err(Error::model("no observed year up to the base year"));
        };
        let england;
        let reference = if reference.is_empty() {
            england = crate::national::england_stock();
            &england
        } else {
            reference
        };
        let (growth, years) = reference_growth(reference, o.base_year)?;
        let m: Vec<f64> = grid.band_of.iter().map(|&b| m_band[b]).collect();
        let s_base: f64 = base.closing.iter().sum();
        let targets: Vec<f64> = damped_path(s_base, growth, *phi, o.years)
            .iter()
            .enumerate()
            .map(|(t, v)| v * (reversion * (t + 1) as f64).exp())
            .collect();
        let mut s = grid.spread_with(weights, &base.closing);
        let mut out = Vec::with_capacity(o.years);
        let mut clamped = 0;
        // Scratch for the years stepped (no allocation per year).
        let (mut tmp, mut end, mut scaled) =
            (vec![0.0; MONTHS], vec![0.0; MONTHS], vec![0.0; MONTHS]);
        // The stock a unit of the pattern's admissions leaves: the same every year the
        // pattern is (it is, for the anchored mix).
        let mut unit_of: Option<(&Vec<f64>, Vec<f64>, f64)> = None;
        for (t, target) in targets.iter().enumerate() {
            if unit_of.as_ref().is_none_or(|(p, _, _)| *p != &pattern[t]) {
                let unit: Vec<f64> = grid
                    .spread_with(weights, &pattern[t])
                    .iter()
                    .map(|v| v / 12.0)
                    .collect();
                scaled.fill(0.0);
                let per_unit: f64 = year_stock(&scaled, Some(&unit), &m, &mut tmp, &mut end)
                    .iter()
                    .sum();
                unit_of = Some((&pattern[t], unit, per_unit));
            }
            let Some((_, unit, per_unit)) = &unit_of else {
                return Err(Error::model("anchored admissions: no unit pattern"));
            };
            let per_unit = *per_unit;
            let without: f64 = year_stock(&s, None, &m, &mut tmp, &mut end).iter().sum();
            let mut k = if per_unit > 0.0 {
                (target - without) / per_unit
            } else {
                1.0
            };
            if k < 0.0 {
                k = 0.0;
                clamped += 1;
            }
            let adm_t: Vec<f64> = pattern[t].iter().map(|a| a * k).collect();
            for (x, a) in scaled.iter_mut().zip(unit) {
                *x = a * k;
            }
            year_stock(&s, Some(&scaled), &m, &mut tmp, &mut end);
            std::mem::swap(&mut s, &mut end);
            out.push(adm_t);
        }
        let mut note = format!(
            "admissions anchored: the total stock follows the base year's {s_base:.0} at the reference's growth of {:+.2}% a year (log-linear over {}), damped by {phi} a year; admissions keep the band mix of the last {} observed years",
            100.0 * growth,
            match (years.first(), years.last()) {
                (Some(a), Some(b)) if a != b => format!("{a}-{b}"),
                _ => "no two years: growth 0".into(),
            },
            observed.len().min(3)
        );
        if *reversion != 0.0 {
            note.push_str(&format!(
                "; plus a reversion of {:+.3}% a year, not damped",
                100.0 * reversion
            ));
        }
        if clamped > 0 {
            note.push_str(&format!(
                "; in {clamped} year(s) even no admissions leave more children than the anchor (admissions 0)"
            ));
        }
        Ok((out, Some(note)))
    }

    /// Monthly discharge fractions by band under the discharge assumption (before flow
    /// changes). `observed`: the history's years up to the base year.
    pub(crate) fn assumed_rates(
        &self,
        observed: &[YearFlows],
        o: &ProjectionOptions,
    ) -> Result<Vec<f64>> {
        let nb = self.history.scheme.bands().len();
        let base_year = FinancialYear::ending(o.base_year);
        Ok(match &o.discharges {
            Discharges::Last => self.rates_of(base_year),
            Discharges::Mean { k } => {
                let ys = last_k(observed, *k, "k")?;
                let rs: Vec<Vec<f64>> = ys.iter().map(|y| self.rates_of(y.year)).collect();
                (0..nb)
                    .map(|b| rs.iter().map(|r| r[b]).sum::<f64>() / rs.len() as f64)
                    .collect()
            }
            Discharges::Regularised { k, strength } => {
                self.regularised_rates(observed, *k, *strength)?.0
            }
        })
    }

    /// Monthly rates under [`Discharges::Regularised`], with each band's pooled exposure
    /// (child-months): `m_b = (D_b + s m_all) / (E_b + s)` over the last `k` years
    /// (fewer when fewer are observed), `D`, `E` summed over the years the band was fitted
    /// in, `m_all = sum D / sum E` over every band.
    pub(crate) fn regularised_rates(
        &self,
        observed: &[YearFlows],
        k: usize,
        strength: f64,
    ) -> Result<(Vec<f64>, Vec<f64>)> {
        if k == 0 {
            return Err(Error::argument("k", k, "must be at least 1"));
        }
        if !strength.is_finite() || strength < 0.0 {
            return Err(Error::argument(
                "strength",
                strength,
                "must be a number >= 0",
            ));
        }
        let nb = self.history.scheme.bands().len();
        let ys = &observed[observed.len().saturating_sub(k)..];
        let (mut d, mut e) = (vec![0.0; nb], vec![0.0; nb]);
        for y in ys {
            for (b, fit) in self.bands.iter().filter(|f| f.year == y.year).enumerate() {
                if b >= nb || !fit.fitted {
                    continue;
                }
                let exposure = if fit.monthly_rate > 0.0 {
                    fit.implied_discharges / fit.monthly_rate
                } else {
                    6.0 * (fit.opening + fit.published_closing)
                };
                d[b] += fit.implied_discharges;
                e[b] += exposure;
            }
        }
        let (sd, se): (f64, f64) = (d.iter().sum(), e.iter().sum());
        let all = if se > 0.0 { sd / se } else { 0.0 };
        let rates = (0..nb)
            .map(|b| {
                let den = e[b] + strength;
                if den > 0.0 {
                    ((d[b] + strength * all) / den).clamp(0.0, 1.0 - 1e-12)
                } else {
                    all
                }
            })
            .collect();
        Ok((rates, e))
    }
}

/// The last `k` observed years, or an error naming `what`.
pub(crate) fn last_k<'a>(
    observed: &'a [YearFlows],
    k: usize,
    what: &str,
) -> Result<&'a [YearFlows]> {
    if k == 0 || k > observed.len() {
        return Err(Error::argument(
            what,
            k,
            format!(
                "must be 1 to {} (years observed up to the base year)",
                observed.len()
            ),
        ));
    }
    Ok(&observed[observed.len() - k..])
}

/// The log-linear growth a year of a reference stock series over the years of the last
/// [`TREND_WINDOW`] up to `base_year` that it has, and those years (growth 0 with fewer
/// than two).
///
/// # Errors
/// A value that is not a positive number.
pub fn reference_growth(reference: &[(i32, f64)], base_year: i32) -> Result<(f64, Vec<i32>)> {
    let mut pts: Vec<(i32, f64)> = Vec::new();
    for (y, v) in reference {
        if !v.is_finite() || *v <= 0.0 {
            return Err(Error::argument(
                "reference",
                format!("{y}: {v}"),
                "must be a positive number of children",
            ));
        }
        if *y <= base_year && *y > base_year - small_i32(TREND_WINDOW) {
            pts.push((*y, v.ln()));
        }
    }
    pts.sort_by_key(|p| p.0);
    pts.dedup_by_key(|p| p.0);
    let years: Vec<i32> = pts.iter().map(|p| p.0).collect();
    if pts.len() < 2 {
        return Ok((0.0, years));
    }
    let x: Vec<f64> = pts.iter().map(|p| f64::from(p.0)).collect();
    let y: Vec<f64> = pts.iter().map(|p| p.1).collect();
    Ok((ols_slope(&x, &y), years))
}

/// The last [`TREND_WINDOW`] observed years (all when fewer).
fn window(observed: &[YearFlows]) -> &[YearFlows] {
    &observed[observed.len().saturating_sub(TREND_WINDOW)..]
}

fn years_x(w: &[YearFlows]) -> Vec<f64> {
    w.iter().map(|f| f64::from(f.year.end_year())).collect()
}

/// `level * exp(slope * (phi + phi^2 + ... + phi^h))` for `h = 1 ..= years`.
pub(crate) fn damped_path(level: f64, slope: f64, phi: f64, years: usize) -> Vec<f64> {
    let mut cum = 0.0;
    let mut d = 1.0;
    (0..years)
        .map(|_| {
            d *= phi;
            cum += d;
            level * (slope * cum).exp()
        })
        .collect()
}

/// Band-major values to year-major.
fn transpose(by_band: &[Vec<f64>], years: usize) -> YearByBand {
    (0..years)
        .map(|t| by_band.iter().map(|v| v[t]).collect())
        .collect()
}

/// Least-squares slope of `y` on `x` (0 with fewer than two distinct `x`).
pub(crate) fn ols_slope(x: &[f64], y: &[f64]) -> f64 {
    let n = x.len() as f64;
    if x.len() < 2 {
        return 0.0;
    }
    let (xm, ym) = (x.iter().sum::<f64>() / n, y.iter().sum::<f64>() / n);
    let sxx: f64 = x.iter().map(|v| (v - xm).powi(2)).sum();
    if sxx <= 0.0 {
        return 0.0;
    }
    x.iter()
        .zip(y)
        .map(|(a, b)| (a - xm) * (b - ym))
        .sum::<f64>()
        / sxx
}

/// The yearly slope of log admissions per child, `counts[t] ~ Poisson(pop[t] exp(a + b
/// x[t]))`, and its sampling variance: `phi / sum mu (x - xbar)^2`, `phi` the Pearson
/// dispersion of the counts around the fit (at least 1; 1 with two years).
pub fn rate_slope(x: &[f64], counts: &[f64], pop: &[f64]) -> (f64, f64) {
    // The Poisson fit on rates with weights pop: IRLS of counts with offset ln(pop).
    let n = x.len() as f64;
    let xm = x.iter().sum::<f64>() / n;
    let total: f64 = counts.iter().sum();
    let exposure: f64 = pop.iter().sum();
    let (mut a, mut b) = ((total / exposure).max(1e-12).ln(), 0.0);
    for _ in 0..50 {
        let (mut s0, mut s1, mut s2, mut g0, mut g1) = (0.0, 0.0, 0.0, 0.0, 0.0);
        for ((xi, yi), p) in x.iter().zip(counts).zip(pop) {
            let xc = xi - xm;
            let mu = p * (a + b * xc).exp();
            s0 += mu;
            s1 += mu * xc;
            s2 += mu * xc * xc;
            g0 += yi - mu;
            g1 += (yi - mu) * xc;
        }
        let det = s0 * s2 - s1 * s1;
        if det.abs() < 1e-12 {
            break;
        }
        let da = (s2 * g0 - s1 * g1) / det;
        let db = (s0 * g1 - s1 * g0) / det;
        a += da;
        b += db;
        if da.abs() < 1e-12 && db.abs() < 1e-12 {
            break;
        }
    }
    let (mut info, mut pearson) = (0.0, 0.0);
    for ((xi, yi), p) in x.iter().zip(counts).zip(pop) {
        let xc = xi - xm;
        let mu = p * (a + b * xc).exp();
        info += mu * xc * xc;
        if mu > 0.0 {
            pearson += (yi - mu).powi(2) / mu;
        }
    }
    let phi = if x.len() > 2 {
        (pearson / (n - 2.0)).max(1.0)
    } else {
        1.0
    };
    let var = if info > 0.0 {
        phi / info
    } else {
        f64::INFINITY
    };
    (b, var)
}

/// The empirical-Bayes slope: `w own + (1 - w) reference`, `w = tau^2 / (tau^2 + var)`.
pub fn shrink(own: f64, var: f64, reference: f64, tau: f64) -> f64 {
    let t2 = tau * tau;
    if !var.is_finite() || t2 + var <= 0.0 {
        return reference;
    }
    let w = t2 / (t2 + var);
    w * own + (1.0 - w) * reference
}

/// Admissions per projected year and band under the admissions assumption (before flow
/// changes). `observed`: the history's years up to the base year, the last one being the
/// base year; `nb`: bands of the model.
pub(crate) fn assumed_admissions(
    observed: &[YearFlows],
    o: &ProjectionOptions,
    nb: usize,
) -> Result<YearByBand> {
    let Some(base) = observed.last() else {
        return Err(Error::model("no observed year up to the base year"));
    };
    Ok(match &o.admissions {
        Admissions::Held => vec![base.admissions.clone(); o.years],
        Admissions::Mean { k } => {
            let ys = last_k(observed, *k, "k")?;
            let mean: Vec<f64> = (0..nb)
                .map(|b| ys.iter().map(|y| y.admissions[b]).sum::<f64>() / ys.len() as f64)
                .collect();
            vec![mean; o.years]
        }
        Admissions::Trend => {
            if observed.len() < 2 {
                return Err(Error::argument(
                    "admissions",
                    "trend",
                    "a trend needs at least two observed years up to the base year (use held or mean)",
                ));
            }
            let x: Vec<f64> = observed
                .iter()
                .map(|y| f64::from(y.year.end_year()))
                .collect();
            let coefs: Vec<(f64, f64)> = (0..nb)
                .map(|b| {
                    poisson_trend(
                        &x,
                        &observed.iter().map(|y| y.admissions[b]).collect::<Vec<_>>(),
                    )
                })
                .collect();
            (1..=o.years)
                .map(|t| {
                    let yr = f64::from(o.base_year) + t as f64;
                    coefs.iter().map(|(a, b)| (a + b * yr).exp()).collect()
                })
                .collect()
        }
        Admissions::Anchored { phi, .. } => {
            // The mix of bands; the level is solved year by year in the projection.
            check_rate("phi", *phi)?;
            let ys = &observed[observed.len().saturating_sub(3)..];
            let mean: Vec<f64> = (0..nb)
                .map(|b| ys.iter().map(|y| y.admissions[b]).sum::<f64>() / ys.len().max(1) as f64)
                .collect();
            vec![mean; o.years]
        }
        Admissions::Damped { phi } => {
            check_rate("phi", *phi)?;
            let w = window(observed);
            (0..nb)
                .map(|b| {
                    let y: Vec<f64> = w.iter().map(|f| f.admissions[b]).collect();
                    let x = years_x(w);
                    let (level, slope) = if w.len() < 2 {
                        (y.last().copied().unwrap_or(0.0), 0.0)
                    } else {
                        let (a, s) = poisson_trend(&x, &y);
                        ((a + s * f64::from(o.base_year)).exp(), s)
                    };
                    Ok(damped_path(level, slope, *phi, o.years))
                })
                .collect::<Result<Vec<_>>>()
                .map(|by_band| transpose(&by_band, o.years))?
        }
        Admissions::Pooled {
            phi,
            reference,
            between_sd,
            population,
        } => pooled_admissions(observed, o, nb, phi, reference, between_sd, population)?,
        Admissions::Rate { population } => rate_admissions(base, o, population)?,
    })
}

/// Admissions under [`Admissions::Pooled`]: per projected year, per band.
fn pooled_admissions(
    observed: &[YearFlows],
    o: &ProjectionOptions,
    nb: usize,
    phi: &f64,
    reference: &[(i32, f64)],
    between_sd: &f64,
    population: &[(i32, f64)],
) -> Result<YearByBand> {
    check_rate("phi", *phi)?;
    if !between_sd.is_finite() || *between_sd < 0.0 {
        return Err(Error::argument(
            "between_sd",
            between_sd,
            "must be a number >= 0",
        ));
    }
    let w = window(observed);
    let x = years_x(w);
    let lookup = |series: &[(i32, f64)], what: &str, y: i32| -> Result<f64> {
        match series.iter().find(|(sy, _)| *sy == y) {
            Some((_, v)) if v.is_finite() && *v > 0.0 => Ok(*v),
            Some((_, v)) => Err(Error::argument(
                what,
                format!("{y}: {v}"),
                "must be a positive number",
            )),
            None => Err(Error::argument(
                what,
                y,
                "no value for this observed year (every year of the trend window is needed)",
            )),
        }
    };
    let pop: Vec<f64> = w
        .iter()
        .map(|f| lookup(population, "population", f.year.end_year()))
        .collect::<Result<_>>()?;
    let reference_slope = if w.len() < 2 {
        0.0
    } else {
        let r: Vec<f64> = w
            .iter()
            .map(|f| lookup(reference, "reference", f.year.end_year()).map(f64::ln))
            .collect::<Result<_>>()?;
        ols_slope(&x, &r)
    };
    let p_base = pop.last().copied().unwrap_or(1.0);
    let future_pop: Vec<f64> = (1..=o.years)
        .map(|t| {
            let y = o.base_year + small_i32(t);
            population
                .iter()
                .find(|(py, _)| *py == y)
                .map_or(p_base, |(_, p)| *p)
        })
        .collect();
    let by_band: Vec<Vec<f64>> = (0..nb)
        .map(|b| {
            let y: Vec<f64> = w.iter().map(|f| f.admissions[b]).collect();
            let slope = if w.len() < 2 {
                0.0
            } else {
                let (own, var) = rate_slope(&x, &y, &pop);
                shrink(own, var, reference_slope, *between_sd)
            };
            // Level per child at the base year given the slope (Poisson MLE).
            let base = f64::from(o.base_year);
            let expo: f64 = x
                .iter()
                .zip(&pop)
                .map(|(xi, p)| p * (slope * (xi - base)).exp())
                .sum();
            let rate = y.iter().sum::<f64>() / expo.max(1e-12);
            damped_path(rate, slope, *phi, o.years)
                .into_iter()
                .zip(&future_pop)
                .map(|(r, p)| r * p)
                .collect()
        })
        .collect();
    Ok(transpose(&by_band, o.years))
}

/// Admissions under [`Admissions::Rate`]: the base year's rate per child times the
/// population of each projected year.
fn rate_admissions(
    base: &YearFlows,
    o: &ProjectionOptions,
    population: &[(i32, f64)],
) -> Result<YearByBand> {
    for (y, p) in population {
        if !p.is_finite() || *p <= 0.0 {
            return Err(Error::argument(
                "population",
                format!("{y}: {p}"),
                "must be a positive number of children",
            ));
        }
    }
    let pop = |y: i32| -> Result<f64> {
        population.iter().find(|(py, _)| *py == y).map(|(_, p)| *p).ok_or_else(|| {
            Error::argument("population", y, "no population given for this year (the base year and every projected year are needed)")
        })
    };
    let p0 = pop(o.base_year)?;
    let rate: Vec<f64> = base.admissions.iter().map(|a| a / p0).collect();
    (1..=small_i32(o.years))
        .map(|t| pop(o.base_year + t).map(|p| rate.iter().map(|r| r * p).collect()))
        .collect::<Result<_>>()
}
