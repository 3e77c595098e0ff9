//! [`CohortModel::simulate`]: the Monte Carlo projection, from the fitted model to its
//! [`Samples`].

use ndarray::Array2;
use rayon::prelude::*;

use super::dispersion::{admissions_alpha, discharge_phi, exposure};
use super::limits::{MAX_ALPHA, check_samples, check_values};
use super::options::{StochasticOptions, Uncertainty};
use super::paths::{Scratch, Setup};
use super::samples::{RowKey, Samples};
use super::sampling::{Alias, RateDraw, whole};
use crate::model::{
    Admissions, CohortModel, Discharges, Grid, MONTHS, ProjectionOptions, YearFlows, last_k,
    poisson_trend,
};
use crate::{Error, Result};

impl CohortModel {
    /// Monte Carlo projection: `s.samples` paths of the model under the options `o` (the
    /// same options as [`CohortModel::project`], including flow changes), run in parallel.
    /// The same seed gives the same paths whatever the number of threads.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] when `s.samples` is 0 or above
    /// [`MAX_SAMPLES`](super::MAX_SAMPLES), when the paths would hold more than
    /// [`MAX_VALUES`](super::MAX_VALUES) numbers, or when `s.admissions_alpha` is outside
    /// 0 to [`MAX_ALPHA`]; any error of [`CohortModel::project`] under `o`; and
    /// [`Error::Model`] when a sampling distribution cannot be formed from the fitted
    /// rates.
    ///
    /// ```
    /// use carecast::{CohortModel, Dataset, ProjectionOptions, StochasticOptions};
    /// let m = CohortModel::fit(&Dataset::bundled("derbyshire").unwrap()).unwrap();
    /// let o = ProjectionOptions::new(2017, 3);
    /// let s = m.simulate(&o, &StochasticOptions::new(20, 1)).unwrap();
    /// assert_eq!(s.paths(), 20);
    /// assert_eq!(s.keys.len(), m.project(&o).unwrap().rows.len());
    /// assert!(s.values.iter().all(|v| v.is_finite() && *v >= 0.0));
    /// ```
    pub fn simulate(&self, o: &ProjectionOptions, s: &StochasticOptions) -> Result<Samples> {
        check_samples(s.samples)?;
        let det = self.project(o)?;
        let nk = det.rows.len();
        check_values(s.samples, nk)?;
        let bi = self.check_options(o)?;
        let observed = &self.history.flows[..=bi];
        let mut notes = Vec::new();
        let fitted_obs = self.fitted_admissions(observed, &o.admissions)?;
        let alpha = alpha_of(s, observed, &o.admissions, &mut notes)?;
        let phi = self.phi_of(s, observed, &mut notes);
        let rate_years = self.rate_draws(observed, &o.discharges, phi)?;
        if s.parameter_uncertainty {
            notes.push("parameter uncertainty: admissions re-estimated per path from counts redrawn around the assumption's fit (parametric bootstrap); monthly discharge rates drawn once per path, and held over the horizon, from Beta distributions with the fitted rate as mean and the exposure (child-months) / phi as concentration; the paths' mean and median drift above the deterministic value at long horizons, mostly because a trend re-estimated on redrawn counts and carried forward is right-skewed, and also because the stock is convex in the discharge rates (see the methodology)".into());
        }
        if s.process_noise {
            notes.push("process noise: admissions counts per band and year drawn, each child given a month and an age within the band; each child's discharge month drawn from the monthly rates (binomial per month of age); integer opening stock spread over ages at random by the calibrated within-band weights".into());
        }
        let ages = self.ages(o)?;
        let closing = &observed[bi].closing;
        if closing.iter().any(|c| c.fract() != 0.0) {
            notes.push(
                "the opening stock is not whole: paths start from it rounded to whole children"
                    .into(),
            );
        }
        let m_point = self.assumed_rates(observed, o)?;
        let setup = Setup {
            model: self,
            o,
            s,
            observed,
            fitted_obs,
            adm_point: self
                .point_admissions(observed, o, &m_point, &ages.model_grid, &ages.weights)?
                .0,
            m_point,
            rate_years,
            alpha,
            opening: closing.iter().map(|c| whole(c.round())).collect(),
            model_grid: ages.model_grid,
            weights: ages.weights,
            band_last: ages.band_last,
            alias: ages.alias,
            out_band_of: ages.out_band_of,
            seg_last: ages.seg_last,
            no: ages.no,
            months: 12 * o.years,
        };
        let values = setup.run(nk)?;
        Ok(Samples {
            keys: det.rows.iter().map(RowKey::of).collect(),
            deterministic: det.rows.iter().map(|r| r.value).collect(),
            values,
            assumptions: det.assumptions,
            uncertainty: Uncertainty {
                samples: s.samples,
                seed: s.seed,
                process_noise: s.process_noise,
                parameter_uncertainty: s.parameter_uncertainty,
                admissions_alpha: alpha,
                discharge_phi: phi,
                notes,
            },
        })
    }

    /// The admissions means the bootstrap draws the observed years around: the
    /// assumption's own fit (each band's mean of the `k` years for `mean`, its log-linear
    /// trend for the trend methods), the counts themselves otherwise.
    fn fitted_admissions(
        &self,
        observed: &[YearFlows],
        admissions: &Admissions,
    ) -> Result<Vec<Vec<f64>>> {
        let nb = self.history.scheme.bands().len();
        let mut fitted_obs: Vec<Vec<f64>> = observed.iter().map(|y| y.admissions.clone()).collect();
        match admissions {
            Admissions::Mean { k } => {
                let n = observed.len();
                let ys = last_k(observed, *k, "k")?;
                for b in 0..nb {
                    let mean = ys.iter().map(|y| y.admissions[b]).sum::<f64>() / ys.len() as f64;
                    for f in &mut fitted_obs[n - k..] {
                        f[b] = mean;
                    }
                }
            }
            Admissions::Trend | Admissions::Damped { .. } | Admissions::Pooled { .. } => {
                let x: Vec<f64> = observed
                    .iter()
                    .map(|y| f64::from(y.year.end_year()))
                    .collect();
                for b in 0..nb {
                    let y: Vec<f64> = observed.iter().map(|f| f.admissions[b]).collect();
                    let (a, sl) = poisson_trend(&x, &y);
                    for (f, xi) in fitted_obs.iter_mut().zip(&x) {
                        f[b] = (a + sl * xi).exp();
                    }
                }
            }
            Admissions::Held | Admissions::Rate { .. } | Admissions::Anchored { .. } => {}
        }
        Ok(fitted_obs)
    }

    /// The dispersion of discharge rates between years (1: binomial only), with its note.
    fn phi_of(
        &self,
        s: &StochasticOptions,
        observed: &[YearFlows],
        notes: &mut Vec<String>,
    ) -> f64 {
        if !s.overdispersion {
            return 1.0;
        }
        if let Some(p) = discharge_phi(self, observed) {
            notes.push(format!("discharge rates: dispersion between years phi = {p:.3} times binomial, widening their uncertainty"));
            p
        } else {
            notes.push("discharge rates: binomial uncertainty only; one observed year cannot show variation between years".into());
            1.0
        }
    }

    /// Per band: the distribution of the monthly discharge rate of each year the
    /// discharge assumption averages (one around the regularised rate for `regularised`).
    fn rate_draws(
        &self,
        observed: &[YearFlows],
        discharges: &Discharges,
        phi: f64,
    ) -> Result<Vec<Vec<RateDraw>>> {
        let nb = self.history.scheme.bands().len();
        let rate_years_of: Vec<&YearFlows> = match discharges {
            Discharges::Last => vec![&observed[observed.len() - 1]],
            Discharges::Mean { k } => last_k(observed, *k, "k")?.iter().collect(),
            Discharges::Regularised { k, strength } => {
                // One draw per band around the regularised rate, its concentration the
                // pooled exposure plus the prior's weight.
                let (rates, exposure) = self.regularised_rates(observed, *k, *strength)?;
                return rates
                    .iter()
                    .zip(&exposure)
                    .map(|(&r, &e)| RateDraw::posterior(r, e + strength, phi).map(|d| vec![d]))
                    .collect();
            }
        };
        (0..nb)
            .map(|b| {
                rate_years_of
                    .iter()
                    .map(|y| match exposure(self, y.year, b) {
                        Some((rate, e)) => RateDraw::posterior(rate, e, phi),
                        None => Ok(RateDraw::Fixed(
                            self.rates_of(y.year).get(b).copied().unwrap_or(0.0),
                        )),
                    })
                    .collect::<Result<Vec<_>>>()
            })
            .collect()
    }

    /// How a path places children in months of age: the model's grid and its
    /// within-band weights, an age sampler per model band, and the output bands.
    fn ages(&self, o: &ProjectionOptions) -> Result<Ages> {
        let nb = self.history.scheme.bands().len();
        let model_grid = Grid::new(&self.history.scheme);
        let weights = model_grid.weights(&self.tilts);
        let mut band_first = vec![usize::MAX; nb];
        let mut band_last = vec![0; nb];
        for (a, &b) in model_grid.band_of.iter().enumerate() {
            band_first[b] = band_first[b].min(a);
            band_last[b] = band_last[b].max(a);
        }
        let alias = (0..nb)
            .map(|b| Alias::new(band_first[b], &weights[band_first[b]..=band_last[b]]))
            .collect::<Result<_>>()?;
        let out_grid = Grid::new(&o.output_bands);
        let no = o.output_bands.bands().len();
        let mut out_last = vec![0; no];
        for (a, &b) in out_grid.band_of.iter().enumerate() {
            out_last[b] = out_last[b].max(a);
        }
        let seg_last = (0..MONTHS)
            .map(|a| band_last[model_grid.band_of[a]].min(out_last[out_grid.band_of[a]]))
            .collect();
        Ok(Ages {
            model_grid,
            weights,
            band_last,
            alias,
            out_band_of: out_grid.band_of,
            seg_last,
            no,
        })
    }
}

/// The parts of a path's [`Setup`] that place children in months of age.
struct Ages {
    model_grid: Grid,
    weights: Vec<f64>,
    band_last: Vec<usize>,
    alias: Vec<Alias>,
    out_band_of: Vec<usize>,
    seg_last: Vec<usize>,
    no: usize,
}

/// The negative-binomial `alpha` of admissions: as given, estimated, or 0 (Poisson),
/// with its note.
fn alpha_of(
    s: &StochasticOptions,
    observed: &[YearFlows],
    admissions: &Admissions,
    notes: &mut Vec<String>,
) -> Result<f64> {
    let alpha = match (s.admissions_alpha, s.overdispersion) {
        (Some(a), _) => {
            if !a.is_finite() || !(0.0..=MAX_ALPHA).contains(&a) {
                return Err(Error::argument(
                    "admissions_alpha",
                    a,
                    format!("must be 0 (Poisson) to {MAX_ALPHA}"),
                ));
            }
            notes.push(format!(
                "admissions: {} with alpha = {a} as given (var = mu + alpha mu^2), not estimated",
                if a > 0.0 {
                    "negative binomial"
                } else {
                    "Poisson"
                }
            ));
            a
        }
        (None, true) => match admissions_alpha(observed, admissions) {
            Some((a, around)) => {
                let kind = if a > 0.0 {
                    "negative binomial"
                } else {
                    "Poisson (no overdispersion found)"
                };
                notes.push(format!("admissions: {kind} with alpha = {a:.4} (var = mu + alpha mu^2), estimated by moments around {around}"));
                a
            }
            None => {
                notes.push(format!("admissions: Poisson; {} observed years are too few to estimate overdispersion around this assumption (trend: 3, others: 2)", observed.len()));
                0.0
            }
        },
        (None, false) => {
            notes.push("admissions: Poisson (overdispersion off)".into());
            0.0
        }
    };
    Ok(alpha)
}

impl Setup<'_> {
    /// Every path, in parallel, as a paths x `nk` array.
    fn run(&self, nk: usize) -> Result<Array2<f64>> {
        let s = self.s;
        let nb = self.band_last.len();
        let mut buf = vec![0.0; s.samples * nk];
        buf.par_chunks_mut(nk).enumerate().try_for_each_init(
            || Scratch::new(self.months, self.no, nb, self.o.years),
            |sc, (i, out)| self.path(i, sc, out),
        )?;
        if buf.iter().any(|v| !v.is_finite() || *v < 0.0) {
            return Err(Error::model(
                "internal: a path produced a negative or non-finite value",
            ));
        }
        Array2::from_shape_vec((s.samples, nk), buf)
            .map_err(|e| Error::model(format!("samples: {e}")))
    }
}
