//! Overdispersion estimated from the data: the negative-binomial `alpha` of admissions
//! and the dispersion `phi` of discharge rates between years.

use crate::FinancialYear;
use crate::model::{Admissions, CohortModel, YearFlows, poisson_trend};

/// Moment estimate of the negative-binomial `alpha` (`var = mu + alpha mu^2`) of counts
/// `y[b][t]` around fitted means `mu[b][t]`, pooled over series `b`, each series having
/// used `params` fitted parameters:
/// `alpha = max(0, (N / df * sum (y - mu)^2 - sum mu) / sum mu^2)`, `N` counts,
/// `df = N - params x series`. `None` without a degree of freedom or a positive mean.
pub(super) fn nb_alpha(y: &[Vec<f64>], mu: &[Vec<f64>], params: usize) -> Option<f64> {
    let (mut ss, mut smu, mut smu2, mut nobs) = (0.0, 0.0, 0.0, 0usize);
    for (ys, ms) in y.iter().zip(mu) {
        for (yi, mi) in ys.iter().zip(ms) {
            ss += (yi - mi).powi(2);
            smu += mi;
            smu2 += mi * mi;
            nobs += 1;
        }
    }
    let df = nobs.checked_sub(params * y.len()).filter(|&d| d > 0)? as f64;
    (smu2 > 0.0).then(|| ((ss * nobs as f64 / df - smu) / smu2).max(0.0))
}

/// The overdispersion `alpha` of admissions around the admissions assumption's own fit,
/// with the fit described in words: `trend` around each band's log-linear Poisson trend
/// over the observed years (two parameters a band, at least three years); `mean` around
/// each band's mean of the `k` years it averages (one parameter, `k` at least two);
/// `held` and `rate`, which carry one year forward as a constant level, around each
/// band's mean over the observed years (at least two). `None`: too few years.
pub(super) fn admissions_alpha(
    observed: &[YearFlows],
    admissions: &Admissions,
) -> Option<(f64, String)> {
    let nb = observed.first()?.admissions.len();
    let series = |ys: &[YearFlows]| -> Vec<Vec<f64>> {
        (0..nb)
            .map(|b| ys.iter().map(|y| y.admissions[b]).collect())
            .collect()
    };
    let constant = |ys: &[YearFlows], what: String| {
        let y = series(ys);
        let mu: Vec<Vec<f64>> = y
            .iter()
            .map(|v| vec![v.iter().sum::<f64>() / v.len() as f64; v.len()])
            .collect();
        nb_alpha(&y, &mu, 1).map(|a| (a, what))
    };
    match admissions {
        Admissions::Trend | Admissions::Damped { .. } | Admissions::Pooled { .. } => {
            if observed.len() < 3 {
                return None;
            }
            let x: Vec<f64> = observed
                .iter()
                .map(|y| f64::from(y.year.end_year()))
                .collect();
            let y = series(observed);
            let mu: Vec<Vec<f64>> = y
                .iter()
                .map(|v| {
                    let (a, s) = poisson_trend(&x, v);
                    x.iter().map(|xi| (a + s * xi).exp()).collect()
                })
                .collect();
            nb_alpha(&y, &mu, 2).map(|a| {
                (
                    a,
                    format!(
                        "each band's log-linear trend over the {} observed years",
                        observed.len()
                    ),
                )
            })
        }
        Admissions::Mean { k } => {
            let ys = observed.get(observed.len().checked_sub(*k)?..)?;
            if ys.len() < 2 {
                return None;
            }
            constant(ys, format!("each band's mean of the last {k} years"))
        }
        Admissions::Held | Admissions::Rate { .. } | Admissions::Anchored { .. } => {
            if observed.len() < 2 {
                return None;
            }
            constant(
                observed,
                format!(
                    "each band's mean over the {} observed years (the constant level the assumption carries forward)",
                    observed.len()
                ),
            )
        }
    }
}

/// Pearson dispersion of rates between years relative to binomial noise, pooled over
/// bands: `bands[b]` holds each year's (rate, exposure) of band `b`; each band's years
/// are compared with its exposure-weighted mean rate `m`,
/// `phi = sum (D_y - E_y m)^2 / (E_y m (1 - m)) / df` (`D_y = rate x E_y`, `df` the
/// number of years less one, summed over bands), at least 1. Bands with fewer than two
/// years or a mean rate of 0 or 1 are left out; `None` when none is left.
pub(super) fn pearson_phi(bands: &[Vec<(f64, f64)>]) -> Option<f64> {
    let (mut p, mut df) = (0.0, 0.0);
    for de in bands {
        if de.len() < 2 {
            continue;
        }
        let (sd, se): (f64, f64) = de
            .iter()
            .fold((0.0, 0.0), |(a, c), (r, e)| (a + r * e, c + e));
        let mbar = sd / se;
        if !(mbar > 0.0 && mbar < 1.0) {
            continue;
        }
        for (r, e) in de {
            p += (r * e - e * mbar).powi(2) / (e * mbar * (1.0 - mbar));
        }
        df += (de.len() - 1) as f64;
    }
    (df > 0.0).then(|| (p / df).max(1.0))
}

/// [`pearson_phi`] of the fitted monthly discharge rates, exposure in child-months
/// (implied discharges / rate), over the observed years; `None` with fewer than two.
pub(super) fn discharge_phi(model: &CohortModel, observed: &[YearFlows]) -> Option<f64> {
    if observed.len() < 2 {
        return None;
    }
    let nb = model.history.scheme.bands().len();
    let bands: Vec<Vec<(f64, f64)>> = (0..nb)
        .map(|b| {
            observed
                .iter()
                .filter_map(|y| exposure(model, y.year, b))
                .collect()
        })
        .collect();
    pearson_phi(&bands)
}

/// (monthly rate, child-months exposed) of band `b` in a fitted year, if its rate is > 0.
pub(super) fn exposure(model: &CohortModel, year: FinancialYear, b: usize) -> Option<(f64, f64)> {
    let nb = model.history.scheme.bands().len();
    let fits: Vec<_> = model.bands.iter().filter(|f| f.year == year).collect();
    let f = fits.get(b).filter(|_| fits.len() == nb)?;
    (f.monthly_rate > 0.0 && f.implied_discharges > 0.0)
        .then(|| (f.monthly_rate, f.implied_discharges / f.monthly_rate))
}

#[cfg(test)]
mod tests {
    //! The dispersion estimators on simulated data with known dispersion: they must
    //! recover it (the tolerances are several standard errors of the estimators at these
    //! sample sizes, checked over seeds below), and find none in data that have none.

    use super::*;
    use crate::uncertainty::sampling::{draw_count, path_rng};
    use rand_distr::{Beta, Binomial, Distribution};

    /// Negative-binomial counts (gamma-Poisson) with the given `alpha` around a
    /// log-linear trend per series: `series` series of `years` counts, means about 40 to
    /// 200. Returns the counts and the true means.
    fn nb_counts(
        seed: u64,
        series: usize,
        years: usize,
        alpha: f64,
        slope: bool,
    ) -> (Vec<Vec<f64>>, Vec<Vec<f64>>) {
        let mut rng = path_rng(seed, 0);
        let (mut y, mut mu) = (Vec::new(), Vec::new());
        for b in 0..series {
            let level = 40.0 + 160.0 * (b as f64 / series as f64);
            let growth = if slope {
                0.06 * ((b % 5) as f64 - 2.0) / 2.0
            } else {
                0.0
            };
            let m: Vec<f64> = (0..years)
                .map(|t| level * (growth * t as f64).exp())
                .collect();
            y.push(
                m.iter()
                    .map(|&mi| draw_count(&mut rng, mi, alpha).unwrap())
                    .collect(),
            );
            mu.push(m);
        }
        (y, mu)
    }

    /// Wraps counts as observed years (one band per series) for `admissions_alpha`.
    fn as_years(y: &[Vec<f64>]) -> Vec<YearFlows> {
        (0..y[0].len())
            .map(|t| YearFlows {
                year: FinancialYear::ending(2001 + t as i32),
                opening: vec![0.0; y.len()],
                admissions: y.iter().map(|s| s[t]).collect(),
                closing: vec![0.0; y.len()],
                discharges: None,
            })
            .collect()
    }

    #[test]
    fn alpha_is_recovered_around_a_fitted_trend() {
        // 100 series x 10 years, alpha 0.05: var = mu + 0.05 mu^2, i.e. 3 to 11 times
        // Poisson. Over the 20 seeds below the estimates have sd 0.003 and mean 0.048 (a
        // small downward bias from fitting the trend): 0.004 allows for both, 0.01 on
        // each estimate is over 3 sd.
        let alpha = 0.05;
        let mut estimates = Vec::new();
        for seed in 0..20 {
            let (y, _) = nb_counts(seed, 100, 10, alpha, true);
            let (a, around) = admissions_alpha(&as_years(&y), &Admissions::Trend).unwrap();
            assert!(around.contains("trend"), "{around}");
            estimates.push(a);
        }
        let mean = estimates.iter().sum::<f64>() / 20.0;
        let sd = (estimates.iter().map(|a| (a - mean).powi(2)).sum::<f64>() / 19.0).sqrt();
        assert!((mean - alpha).abs() < 0.004, "mean {mean} sd {sd}");
        assert!(sd < 0.006, "sd {sd}");
        for a in &estimates {
            assert!((a - alpha).abs() < 0.01, "{estimates:?}");
        }
    }

    #[test]
    fn alpha_is_recovered_around_a_constant_level_and_is_zero_for_poisson() {
        let (y, _) = nb_counts(7, 100, 10, 0.1, false);
        for adm in [Admissions::Held, Admissions::Mean { k: 10 }] {
            let (a, around) = admissions_alpha(&as_years(&y), &adm).unwrap();
            assert!((a - 0.1).abs() < 0.03, "{adm:?}: {a}");
            assert!(around.contains("mean"), "{around}");
        }
        // Poisson counts: the estimate is 0 or tiny (at most 0.0004 over these seeds),
        // against 0.05 for the overdispersed counts above.
        for seed in 0..5 {
            let (y, _) = nb_counts(seed, 100, 10, 0.0, true);
            let (a, _) = admissions_alpha(&as_years(&y), &Admissions::Trend).unwrap();
            assert!(a < 0.002, "seed {seed}: {a}");
        }
        // The moment formula itself, on the true means: no fitted parameter.
        let (y, mu) = nb_counts(3, 200, 10, 0.2, true);
        let a = nb_alpha(&y, &mu, 0).unwrap();
        assert!((a - 0.2).abs() < 0.03, "{a}");
    }

    #[test]
    fn alpha_needs_enough_years() {
        let (y, _) = nb_counts(1, 5, 2, 0.1, true);
        let years = as_years(&y);
        assert!(admissions_alpha(&years, &Admissions::Trend).is_none());
        assert!(admissions_alpha(&years, &Admissions::Held).is_some());
        assert!(admissions_alpha(&years[..1], &Admissions::Held).is_none());
        assert!(admissions_alpha(&years, &Admissions::Mean { k: 1 }).is_none());
    }

    /// Discharges over `exposure` child-months whose rate varies between years: each
    /// year's rate ~ Beta with mean `m` and concentration `kappa`, then binomial. The
    /// variance of the count is `E m (1 - m) (1 + (E - 1) / (kappa + 1))`, so the true
    /// `phi = 1 + (E - 1) / (kappa + 1)`; `kappa` infinite: plain binomial, `phi = 1`.
    fn overdispersed_rates(
        seed: u64,
        bands: usize,
        years: usize,
        exposure: u64,
        kappa: Option<f64>,
    ) -> Vec<Vec<(f64, f64)>> {
        let mut rng = path_rng(seed, 1);
        (0..bands)
            .map(|b| {
                let m = 0.01 + 0.08 * (b as f64 / bands as f64);
                (0..years)
                    .map(|_| {
                        let p = kappa.map_or(m, |k| {
                            Beta::new(m * k, (1.0 - m) * k).unwrap().sample(&mut rng)
                        });
                        let d = Binomial::new(exposure, p).unwrap().sample(&mut rng) as f64;
                        (d / exposure as f64, exposure as f64)
                    })
                    .collect()
            })
            .collect()
    }

    #[test]
    fn phi_is_recovered_from_overdispersed_discharges() {
        // E = 1,500 child-months, kappa = 299: phi = 1 + 1499 / 300 = 5.997. Over the 20
        // seeds the estimates have sd 0.43: 0.3 on their mean and 1.3 on each is 3 sd.
        let truth = 1.0 + 1499.0 / 300.0;
        let mut estimates = Vec::new();
        for seed in 0..20 {
            let bands = overdispersed_rates(seed, 60, 8, 1500, Some(299.0));
            estimates.push(pearson_phi(&bands).unwrap());
        }
        let mean = estimates.iter().sum::<f64>() / 20.0;
        assert!((mean - truth).abs() < 0.3, "mean {mean} truth {truth}");
        for p in &estimates {
            assert!((p - truth).abs() < 1.3, "{estimates:?}");
        }
        // Binomial only: phi is 1 (the estimate is floored there; unfloored it is close).
        for seed in 0..5 {
            let p = pearson_phi(&overdispersed_rates(seed, 60, 8, 1500, None)).unwrap();
            assert!(p < 1.25, "seed {seed}: {p}");
        }
    }

    #[test]
    fn phi_leaves_out_what_it_cannot_use() {
        assert_eq!(pearson_phi(&[]), None);
        // One year per band: no degree of freedom.
        assert_eq!(
            pearson_phi(&[vec![(0.05, 1000.0)], vec![(0.02, 900.0)]]),
            None
        );
        // A band with a zero rate is left out; the other is exactly binomial-free: 1.
        let p = pearson_phi(&[
            vec![(0.0, 1000.0), (0.0, 1000.0)],
            vec![(0.05, 1000.0), (0.05, 1000.0)],
        ]);
        assert_eq!(p, Some(1.0));
    }
}
