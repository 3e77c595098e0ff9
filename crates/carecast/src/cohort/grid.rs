//! The monthly age grid: spreading band totals over months of age and stepping the
//! stock one month at a time.

use serde::{Deserialize, Serialize};

use super::projection::YearByBand;
use crate::BandScheme;
use crate::age::CHILD_AGES;

/// Months of age on the grid (0 to 215).
pub const MONTHS: usize = CHILD_AGES * 12;
/// The monthly grid's per-age vectors for a band scheme.
#[derive(Debug, Clone)]
pub(crate) struct Grid {
    pub(crate) band_of: Vec<usize>,
    pub(crate) months_in: Vec<f64>,
}

impl Grid {
    pub(crate) fn new(scheme: &BandScheme) -> Self {
        let band_of: Vec<usize> = (0..MONTHS)
            .map(|a| scheme.index_of(small_u8(a / 12)).unwrap_or(0))
            .collect();
        let months_in = scheme
            .bands()
            .iter()
            .map(|b| (b.width() * 12) as f64)
            .collect();
        Grid { band_of, months_in }
    }

    /// Spread band totals over the months of each band with weights proportional to
    /// `exp(tilt_b * x)`, `x` the position in the band from 0 to 1 (tilt 0: uniform).
    #[cfg(test)]
    pub(super) fn spread(&self, totals: &[f64], tilts: &[f64]) -> Vec<f64> {
        self.spread_with(&self.weights(tilts), totals)
    }

    /// Each month's share of its band under the tilts (sums to 1 within each band).
    pub(crate) fn weights(&self, tilts: &[f64]) -> Vec<f64> {
        let nb = self.months_in.len();
        let mut first = vec![usize::MAX; nb];
        for (a, &b) in self.band_of.iter().enumerate() {
            first[b] = first[b].min(a);
        }
        let raw: Vec<f64> = (0..MONTHS)
            .map(|a| {
                let b = self.band_of[a];
                let x = ((a - first[b]) as f64 + 0.5) / self.months_in[b];
                (tilts.get(b).copied().unwrap_or(0.0) * x).exp()
            })
            .collect();
        let mut norm = vec![0.0; nb];
        for (a, w) in raw.iter().enumerate() {
            norm[self.band_of[a]] += w;
        }
        raw.iter()
            .enumerate()
            .map(|(a, w)| w / norm[self.band_of[a]])
            .collect()
    }

    /// Spread band totals with precomputed [`Grid::weights`].
    pub(crate) fn spread_with(&self, weights: &[f64], totals: &[f64]) -> Vec<f64> {
        self.band_of
            .iter()
            .zip(weights)
            .map(|(&b, w)| totals[b] * w)
            .collect()
    }
}

/// Flows of one simulated month or year, by band.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub(crate) struct Flows {
    pub(crate) admissions: Vec<f64>,
    pub(crate) discharges: Vec<f64>,
    pub(crate) ageing_out: Vec<f64>,
    pub(crate) ageing_in: Vec<f64>,
    pub(crate) leavers_18: f64,
}

impl Flows {
    pub(crate) fn zero(nb: usize) -> Self {
        Flows {
            admissions: vec![0.0; nb],
            discharges: vec![0.0; nb],
            ageing_out: vec![0.0; nb],
            ageing_in: vec![0.0; nb],
            leavers_18: 0.0,
        }
    }

    /// Sets every flow back to zero, keeping the vectors.
    pub(crate) fn clear(&mut self) {
        for v in [
            &mut self.admissions,
            &mut self.discharges,
            &mut self.ageing_out,
            &mut self.ageing_in,
        ] {
            v.fill(0.0);
        }
        self.leavers_18 = 0.0;
    }
}

/// One monthly step (see the methodology). `adm` is admissions per age this month,
/// `m` the monthly discharge fraction per age. Adds the flows to `f`.
///
/// Bands are contiguous runs of `band_of`; each band's admissions and discharges are
/// summed in four interleaved partial sums (so the additions do not wait on each other).
pub(super) fn step(s: &mut [f64], adm: &[f64], m: &[f64], band_of: &[usize], f: &mut Flows) {
    let n = s.len().min(adm.len()).min(m.len()).min(band_of.len());
    let mut lo = 0;
    while lo < n {
        let b = band_of[lo];
        let hi = band_of[lo..n]
            .iter()
            .position(|&x| x != b)
            .map_or(n, |i| lo + i);
        let (mut sa, mut sd) = ([0.0f64; 4], [0.0f64; 4]);
        let (sc, ac, mc) = (
            s[lo..hi].chunks_exact_mut(4),
            adm[lo..hi].chunks_exact(4),
            m[lo..hi].chunks_exact(4),
        );
        let (sr, ar, mr) = (
            lo + (hi - lo) / 4 * 4,
            adm[lo + (hi - lo) / 4 * 4..hi].iter(),
            m[lo + (hi - lo) / 4 * 4..hi].iter(),
        );
        for ((sv, av), mv) in sc.zip(ac).zip(mc) {
            for l in 0..4 {
                let exposed = sv[l] + av[l];
                let d = exposed * mv[l];
                sa[l] += av[l];
                sd[l] += d;
                sv[l] = exposed - d;
            }
        }
        for ((sv, av), mv) in s[sr..hi].iter_mut().zip(ar).zip(mr) {
            let exposed = *sv + av;
            let d = exposed * mv;
            sa[0] += av;
            sd[0] += d;
            *sv = exposed - d;
        }
        f.admissions[b] += (sa[0] + sa[1]) + (sa[2] + sa[3]);
        f.discharges[b] += (sd[0] + sd[1]) + (sd[2] + sd[3]);
        let out = s[hi - 1];
        f.ageing_out[b] += out;
        if hi < n {
            f.ageing_in[band_of[hi]] += out;
        } else {
            f.leavers_18 += out;
        }
        lo = hi;
    }
    s.copy_within(0..n - 1, 1);
    s[0] = 0.0;
}

/// One monthly step of the stock alone (no flows kept): the same arithmetic as [`step`].
pub(super) fn step_stock(s: &mut [f64], adm: &[f64], m: &[f64]) {
    for ((v, a), mm) in s.iter_mut().zip(adm).zip(m) {
        let exposed = *v + a;
        *v = exposed - exposed * mm;
    }
    s.copy_within(0..s.len() - 1, 1);
    s[0] = 0.0;
}

pub(super) fn band_totals(s: &[f64], band_of: &[usize], nb: usize) -> Vec<f64> {
    let mut t = vec![0.0; nb];
    for (a, v) in s.iter().enumerate() {
        t[band_of[a]] += v;
    }
    t
}

/// Annual discharge rate from a monthly fraction.
pub fn annual_rate(monthly: f64) -> f64 {
    1.0 - (1.0 - monthly).powi(12)
}

/// Monthly fraction from an annual discharge rate in [0, 1).
pub fn monthly_fraction(annual: f64) -> f64 {
    1.0 - (1.0 - annual).powf(1.0 / 12.0)
}
/// The closing stock of band `b` after one year, stepping only the ages up to the band's
/// last month `hi` (ageing only flows upward, so older ages cannot affect it): the same
/// arithmetic as [`step`] on the lower part of the grid.
#[cfg(test)]
pub(super) fn band_closing(
    s0: &[f64],
    adm: &[f64],
    m_band: &[f64],
    grid: &Grid,
    lo: usize,
    hi: usize,
) -> f64 {
    let mut s = s0[..=hi].to_vec();
    let m: Vec<f64> = grid.band_of[..=hi].iter().map(|&k| m_band[k]).collect();
    for _ in 0..12 {
        for a in 0..=hi {
            let exposed = s[a] + adm[a];
            s[a] = exposed - exposed * m[a];
        }
        s.copy_within(0..hi, 1);
        s[0] = 0.0;
    }
    s[lo..=hi].iter().sum()
}

/// One year from stock and monthly admissions already spread over the grid.
pub(super) fn simulate_spread(
    mut s: Vec<f64>,
    adm: &[f64],
    m_band: &[f64],
    grid: &Grid,
) -> (Vec<f64>, Flows) {
    let nb = grid.months_in.len();
    let m: Vec<f64> = grid.band_of.iter().map(|&b| m_band[b]).collect();
    let mut f = Flows::zero(nb);
    for _ in 0..12 {
        step(&mut s, adm, &m, &grid.band_of, &mut f);
    }
    (s, f)
}
/// Something that steps the stock forward one month at a time (the deterministic grid,
/// or one Monte Carlo path), reporting flows and stock by output band.
pub(crate) trait Stepper {
    /// Runs month `month` (0 = April) of projected year `t` (0-based), adding its flows,
    /// by output band, to `f`.
    fn month(&mut self, t: usize, month: usize, f: &mut Flows);
    /// Writes the current stock by output band into `out`.
    fn stock(&self, out: &mut [f64]);
}
/// The deterministic grid as a [`Stepper`].
pub(crate) struct GridStepper {
    /// Stock by month of age.
    pub(crate) s: Vec<f64>,
    /// Admissions per month by month of age, per projected year.
    pub(crate) adm: YearByBand,
    /// Monthly discharge fraction by month of age, per projected year.
    pub(crate) m: YearByBand,
    /// Output band of each month of age.
    pub(crate) out_band_of: Vec<usize>,
    /// Output bands.
    pub(crate) no: usize,
}

impl Stepper for GridStepper {
    fn month(&mut self, t: usize, _month: usize, f: &mut Flows) {
        step(&mut self.s, &self.adm[t], &self.m[t], &self.out_band_of, f);
    }

    fn stock(&self, out: &mut [f64]) {
        // Bands are contiguous runs of ages: each total is its run's sum, added in age
        // order (the same sum, to the bit, as adding age by age into the totals).
        let n = self.no.min(out.len());
        let out = &mut out[..n];
        out.fill(0.0);
        let mut lo = 0;
        for run in self.out_band_of.chunk_by(|a, b| a == b) {
            let hi = (lo + run.len()).min(self.s.len());
            if let (Some(&b), Some(ages)) = (run.first(), self.s.get(lo..hi)) {
                if let Some(t) = out.get_mut(b) {
                    *t += ages.iter().sum::<f64>();
                }
            }
            lo = hi;
        }
    }
}

/// A year offset or an index (at most [`super::MAX_HORIZON`] years, 216 months) as an
/// `i32`, saturating rather than wrapping.
pub(crate) fn small_i32(n: usize) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

/// A month, quarter or age index as a `u8`, saturating rather than wrapping.
pub(crate) fn small_u8(n: usize) -> u8 {
    u8::try_from(n).unwrap_or(u8::MAX)
}
