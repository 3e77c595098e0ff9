//! One Monte Carlo path: the children it admits and discharges, month by month, and the
//! replay of its flows into the projection's rows.

use rand::RngExt;
use rand_distr::{Distribution, Exp1};
use rand_xoshiro::Xoshiro256PlusPlus;

use super::options::StochasticOptions;
use super::sampling::{Alias, RateDraw, draw_count, path_rng, whole};
use crate::model::{
    Admissions, BandKey, CohortModel, Flows, Grid, MONTHS, PeriodKey, ProjectionOptions, Sink,
    Stepper, YearByBand, YearFlows, apply_changes, assumed_admissions, drive,
};
use crate::{Error, FinancialYear, Result};

/// Everything the paths share.
pub(super) struct Setup<'a> {
    pub(super) model: &'a CohortModel,
    pub(super) o: &'a ProjectionOptions,
    pub(super) s: &'a StochasticOptions,
    pub(super) observed: &'a [YearFlows],
    /// Admissions means of the observed years the bootstrap draws around.
    pub(super) fitted_obs: Vec<Vec<f64>>,
    pub(super) adm_point: YearByBand,
    pub(super) m_point: Vec<f64>,
    /// Per band: the distribution of the monthly rate of each year the discharge
    /// assumption averages.
    pub(super) rate_years: Vec<Vec<RateDraw>>,
    pub(super) alpha: f64,
    pub(super) opening: Vec<usize>,
    pub(super) model_grid: Grid,
    pub(super) weights: Vec<f64>,
    /// Last month of age of each model band.
    pub(super) band_last: Vec<usize>,
    pub(super) alias: Vec<Alias>,
    pub(super) out_band_of: Vec<usize>,
    /// Last month of age of the segment holding each month of age: the end of its model
    /// band or of its output band, whichever comes first.
    pub(super) seg_last: Vec<usize>,
    pub(super) no: usize,
    pub(super) months: usize,
}

/// Per-thread working memory of a path: flows by projected month and output band.
pub(super) struct Scratch {
    adm: Vec<f64>,
    dis: Vec<f64>,
    ain: Vec<f64>,
    aout: Vec<f64>,
    l18: Vec<f64>,
    /// Stock at month ends: index 0 = the base 31 March, `j` = end of month `j - 1`.
    stock: Vec<f64>,
    hazard: Vec<f64>,
    /// `1 / hazard`, so that finding the month of discharge multiplies instead of dividing
    /// (a division was the costliest instruction of a child's walk; unused where the
    /// hazard is 0, since no budget is then spent).
    inv_hazard: Vec<f64>,
    /// Whether every projected year has the same discharge rates (then a child's stay
    /// need not be broken at year ends).
    same_rates: bool,
}

impl Scratch {
    pub(super) fn new(months: usize, no: usize, nb: usize, years: usize) -> Self {
        Scratch {
            adm: vec![0.0; months * no],
            dis: vec![0.0; months * no],
            ain: vec![0.0; months * no],
            aout: vec![0.0; months * no],
            l18: vec![0.0; months],
            stock: vec![0.0; (months + 1) * no],
            hazard: vec![0.0; years * nb],
            inv_hazard: vec![0.0; years * nb],
            same_rates: false,
        }
    }

    fn clear(&mut self) {
        for v in [
            &mut self.adm,
            &mut self.dis,
            &mut self.ain,
            &mut self.aout,
            &mut self.l18,
            &mut self.stock,
        ] {
            v.fill(0.0);
        }
    }

    /// Fills the month-end stock from the opening stock (index 0, counted as the opening
    /// children are placed) and the month's flows: every child enters and leaves a band
    /// only through an admission, a discharge, ageing or an 18th birthday.
    fn stock_from_flows(&mut self, months: usize, no: usize) {
        for j in 0..months {
            for b in 0..no {
                let k = j * no + b;
                self.stock[k + no] =
                    self.stock[k] + self.adm[k] + self.ain[k] - self.dis[k] - self.aout[k];
            }
        }
    }
}

impl Setup<'_> {
    /// One child's stay, from month `t0` at age `a0` (its first month of exposure), added
    /// to the path's flows by output band. `admitted`: an admission in month `t0` (else in
    /// the opening stock, `t0` = 0). The stock is not written here: it follows from the
    /// opening stock and the flows (see [`Scratch::stock_from_flows`]).
    ///
    /// The stay is walked in segments of constant hazard and output band (a model band's
    /// months of age, cut at output-band boundaries and, unless every year has the same
    /// rates, at year ends); the child is discharged in the first month at which its
    /// cumulative hazard exceeds an exponential budget.
    fn child(
        &self,
        sc: &mut Scratch,
        rng: &mut Xoshiro256PlusPlus,
        t0: usize,
        a0: usize,
        admitted: bool,
    ) {
        let nb = self.band_last.len();
        let (no, months) = (self.no, self.months);
        let mut budget: f64 = Exp1.sample(rng);
        let (mut t, mut a) = (t0, a0);
        let mut ob = self.out_band_of[a0];
        if admitted {
            sc.adm[t0 * no + ob] += 1.0;
        } else {
            sc.stock[ob] += 1.0;
        }
        loop {
            let b = self.model_grid.band_of[a];
            let y = if sc.same_rates { 0 } else { t / 12 };
            let mut len = (self.seg_last[a] + 1 - a).min(months - t);
            if !sc.same_rates {
                len = len.min((y + 1) * 12 - t);
            }
            let (h, inv_h) = (sc.hazard[y * nb + b], sc.inv_hazard[y * nb + b]);
            let span = h * len as f64;
            if budget < span {
                // Discharged in month t + k, at age a + k (same output band).
                let k = whole(budget * inv_h).min(len - 1);
                sc.dis[(t + k) * no + ob] += 1.0;
                return;
            }
            budget -= span;
            t += len;
            a += len;
            // The child completed month t - 1 in care, at age a - 1.
            if a == MONTHS {
                // The 18th birthday, at the end of month t - 1.
                sc.l18[t - 1] += 1.0;
                sc.aout[(t - 1) * no + ob] += 1.0;
                return;
            }
            let next = self.out_band_of[a];
            if next != ob {
                sc.aout[(t - 1) * no + ob] += 1.0;
                sc.ain[(t - 1) * no + next] += 1.0;
                ob = next;
            }
            if t == months {
                return;
            }
        }
    }

    /// Rates of this path: admissions means per projected year and band, and monthly
    /// discharge fractions by band (before flow changes).
    fn draw_rates(&self, rng: &mut Xoshiro256PlusPlus) -> Result<(YearByBand, Vec<f64>)> {
        if !self.s.parameter_uncertainty {
            return Ok((self.adm_point.clone(), self.m_point.clone()));
        }
        // Anchored admissions follow the reference's growth: not re-estimated per path, so
        // no counts are redrawn for them (they were drawn and left unused until the speed
        // work of issue 11: skipping them moved the default's seeded paths).
        let adm = if matches!(self.o.admissions, Admissions::Anchored { .. }) {
            self.adm_point.clone()
        } else {
            let mut boot: Vec<YearFlows> = self.observed.to_vec();
            for (y, fit) in boot.iter_mut().zip(&self.fitted_obs) {
                for (v, &mu) in y.admissions.iter_mut().zip(fit) {
                    *v = draw_count(rng, mu, self.alpha)?;
                }
            }
            assumed_admissions(&boot, self.o, self.model_grid.months_in.len())?
        };
        let mut m = Vec::with_capacity(self.rate_years.len());
        for years in &self.rate_years {
            let mut sum = 0.0;
            for d in years {
                sum += d.sample(rng);
            }
            m.push(sum / years.len() as f64);
        }
        Ok((adm, m))
    }

    pub(super) fn path(&self, i: usize, sc: &mut Scratch, out: &mut [f64]) -> Result<()> {
        let mut rng = path_rng(self.s.seed, i);
        let (adm_means, m_band) = self.draw_rates(&mut rng)?;
        let (adm, rates) = apply_changes(
            &self.model.history.scheme,
            self.o,
            adm_means,
            &m_band,
            false,
        )?;
        let base = FinancialYear::ending(self.o.base_year);
        let mut sink = ValueSink { out, at: 0 };
        if !self.s.process_noise {
            let mut st = crate::model::GridStepper::new(
                &self.model_grid,
                &self.weights,
                &self.observed[self.observed.len() - 1].closing,
                &adm,
                &rates,
                &self.out_band_of,
                self.no,
            );
            drive(self.o, base, self.no, &mut st, &mut sink);
        } else {
            sc.clear();
            sc.same_rates = rates.windows(2).all(|w| w[0] == w[1]);
            let nb = self.band_last.len();
            for (y, r) in rates.iter().enumerate() {
                for (b, &m) in r.iter().enumerate() {
                    let h = -(1.0 - m).ln();
                    sc.hazard[y * nb + b] = h;
                    sc.inv_hazard[y * nb + b] = 1.0 / h;
                }
            }
            for (b, &n) in self.opening.iter().enumerate() {
                for _ in 0..n {
                    let a = self.alias[b].draw(&mut rng);
                    self.child(sc, &mut rng, 0, a, false);
                }
            }
            for (y, year) in adm.iter().enumerate() {
                for (b, &mu) in year.iter().enumerate() {
                    let n = whole(draw_count(&mut rng, mu, self.alpha)?);
                    for _ in 0..n {
                        let t0 = 12 * y + rng.random_range(0..12usize);
                        let a = self.alias[b].draw(&mut rng);
                        self.child(sc, &mut rng, t0, a, true);
                    }
                }
            }
            let no = self.no;
            sc.stock_from_flows(self.months, no);
            let mut st = PathStepper { sc, no, j: 0 };
            drive(self.o, base, self.no, &mut st, &mut sink);
        }
        if sink.at != sink.out.len() {
            return Err(Error::model(format!(
                "internal: a path produced {} values for {} keys",
                sink.at,
                sink.out.len()
            )));
        }
        Ok(())
    }
}

/// Writes values in order into a path's row.
struct ValueSink<'a> {
    out: &'a mut [f64],
    at: usize,
}

impl Sink for ValueSink<'_> {
    fn add(&mut self, _: FinancialYear, _: PeriodKey, _: BandKey, _: u32, value: f64) {
        if let Some(v) = self.out.get_mut(self.at) {
            *v = value;
        }
        self.at += 1;
    }
}

/// Replays a path's monthly flows to [`drive`].
struct PathStepper<'a> {
    sc: &'a Scratch,
    no: usize,
    j: usize,
}

impl Stepper for PathStepper<'_> {
    fn month(&mut self, t: usize, month: usize, f: &mut Flows) {
        let idx = 12 * t + month;
        let r = idx * self.no..(idx + 1) * self.no;
        for (b, k) in r.enumerate() {
            f.admissions[b] += self.sc.adm[k];
            f.discharges[b] += self.sc.dis[k];
            f.ageing_in[b] += self.sc.ain[k];
            f.ageing_out[b] += self.sc.aout[k];
        }
        f.leavers_18 += self.sc.l18[idx];
        self.j = idx + 1;
    }

    fn stock(&self, out: &mut [f64]) {
        out.copy_from_slice(&self.sc.stock[self.j * self.no..(self.j + 1) * self.no]);
    }
}
