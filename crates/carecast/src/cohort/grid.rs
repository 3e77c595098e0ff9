//! The monthly age grid: spreading band totals over months of age and stepping the
//! stock one month at a time.

use serde::{Deserialize, Serialize};

use crate::BandScheme;
use crate::age::CHILD_AGES;

/// Months of age on the grid (0 to 215).
pub const MONTHS: usize = CHILD_AGES * 12;
/// The monthly grid's per-age vectors for a band scheme.
#[derive(Debug, Clone)]
pub(crate) struct Grid {
    pub(crate) band_of: Vec<usize>,
    pub(crate) months_in: Vec<f64>,
    /// The bands as runs of months of age (see [`runs`]).
    pub(crate) runs: Vec<Run>,
}

/// A band as a run of months of age: months `lo..hi` belong to band `band`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Run {
    pub(crate) lo: usize,
    pub(crate) hi: usize,
    pub(crate) band: usize,
}

/// The runs of equal bands in `band_of`, in age order (each band a contiguous run of
/// months in the schemes the crate makes; a band split in two would give two runs).
pub(crate) fn runs(band_of: &[usize]) -> Vec<Run> {
    let mut out = Vec::new();
    let mut lo = 0;
    for run in band_of.chunk_by(|a, b| a == b) {
        if let Some(&band) = run.first() {
            out.push(Run {
                lo,
                hi: lo + run.len(),
                band,
            });
        }
        lo += run.len();
    }
    out
}

impl Grid {
    pub(crate) fn new(scheme: &BandScheme) -> Self {
        // The band of each year of age, repeated for its twelve months.
        let mut band_of = Vec::with_capacity(MONTHS);
        for age in 0..CHILD_AGES {
            let b = scheme.index_of(small_u8(age)).unwrap_or(0);
            band_of.extend(std::iter::repeat_n(b, 12));
        }
        let months_in = scheme
            .bands()
            .iter()
            .map(|b| (b.width() * 12) as f64)
            .collect();
        Grid {
            runs: runs(&band_of),
            band_of,
            months_in,
        }
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

/// Each run's admissions in a month of `adm`: the run's ages summed in four
/// interleaved partial sums, `(p0 + p1) + (p2 + p3)`, the order [`step`] has always
/// added them in. The same every month of a year, so made once per year's admissions.
pub(super) fn run_sums(adm: &[f64], runs: &[Run]) -> Vec<f64> {
    runs.iter()
        .map(|r| {
            let Some(ages) = adm.get(r.lo..r.hi.min(adm.len())) else {
                return 0.0;
            };
            let mut p = [0.0f64; 4];
            let chunks = ages.chunks_exact(4);
            let rest = chunks.remainder();
            for c in chunks {
                for l in 0..4 {
                    p[l] += c[l];
                }
            }
            for a in rest {
                p[0] += a;
            }
            (p[0] + p[1]) + (p[2] + p[3])
        })
        .collect()
}

/// One monthly step (see the methodology) from stock `s` into `next`. `adm` is
/// admissions per age this month, `m` the monthly discharge fraction per age, `runs` the
/// output bands as runs of ages (from [`runs`], covering the grid) and `adm_sums` each
/// run's admissions this month ([`run_sums`]). Adds the flows to `f`.
///
/// Everyone is a month older after the step: the stock at age `a` lands in `next[a + 1]`
/// (`next` is one longer than `s`; its last cell receives the children leaving the grid
/// and is not stock) and `next[0]` is 0. Writing into a second buffer rather than
/// shifting `s` in place saves a copy of the grid each month.
///
/// Each band's discharges are summed in four interleaved partial sums (so the
/// additions do not wait on each other), as its admissions are in [`run_sums`].
pub(super) fn step(
    s: &[f64],
    next: &mut [f64],
    adm: &[f64],
    m: &[f64],
    runs: &[Run],
    adm_sums: &[f64],
    f: &mut Flows,
) {
    let n = s
        .len()
        .min(adm.len())
        .min(m.len())
        .min(next.len().saturating_sub(1));
    if n == 0 {
        return;
    }
    for (i, r) in runs.iter().enumerate() {
        let (lo, hi, b) = (r.lo, r.hi.min(n), r.band);
        if lo >= hi {
            break;
        }
        let mut sd = [0.0f64; 4];
        let mid = lo + (hi - lo) / 4 * 4;
        let chunks = s[lo..mid]
            .chunks_exact(4)
            .zip(next[lo + 1..=mid].chunks_exact_mut(4))
            .zip(adm[lo..mid].chunks_exact(4))
            .zip(m[lo..mid].chunks_exact(4));
        for (((sv, nv), av), mv) in chunks {
            for l in 0..4 {
                let exposed = sv[l] + av[l];
                let d = exposed * mv[l];
                sd[l] += d;
                nv[l] = exposed - d;
            }
        }
        let rest = s[mid..hi]
            .iter()
            .zip(&mut next[mid + 1..=hi])
            .zip(&adm[mid..hi])
            .zip(&m[mid..hi]);
        for (((sv, nv), av), mv) in rest {
            let exposed = sv + av;
            let d = exposed * mv;
            sd[0] += d;
            *nv = exposed - d;
        }
        if let (Some(a), Some(d), Some(o)) = (
            f.admissions.get_mut(b),
            f.discharges.get_mut(b),
            f.ageing_out.get_mut(b),
        ) {
            *a += adm_sums.get(i).copied().unwrap_or(0.0);
            *d += (sd[0] + sd[1]) + (sd[2] + sd[3]);
            *o += next[hi];
        }
        match runs.get(i + 1) {
            Some(up) if hi < n => {
                if let Some(x) = f.ageing_in.get_mut(up.band) {
                    *x += next[hi];
                }
            }
            _ => f.leavers_18 += next[hi],
        }
    }
    next[0] = 0.0;
}

/// One monthly step of the stock alone (no flows kept), from `s` into `next` (the same
/// length): the same arithmetic as [`step`]; the oldest age leaves the grid.
pub(super) fn step_stock(s: &[f64], next: &mut [f64], adm: &[f64], m: &[f64]) {
    let n = s.len().min(next.len());
    if n == 0 {
        return;
    }
    for (((v, nv), a), mm) in s[..n - 1].iter().zip(&mut next[1..n]).zip(adm).zip(m) {
        let exposed = v + a;
        *nv = exposed - exposed * mm;
    }
    next[0] = 0.0;
}

/// One monthly step of the stock with no admissions: [`step_stock`] with `adm` all
/// zero, to the bit (`v + 0.0` is `v` except for `-0.0`, and both give `+0.0` here).
pub(super) fn step_stock_no_admissions(s: &[f64], next: &mut [f64], m: &[f64]) {
    let n = s.len().min(next.len());
    if n == 0 {
        return;
    }
    for ((v, nv), mm) in s[..n - 1].iter().zip(&mut next[1..n]).zip(m) {
        *nv = v - v * mm;
    }
    next[0] = 0.0;
}

/// The stock after twelve [`step_stock`]s from `start` (admissions `adm` each month,
/// `None` for none), left in `out`; `tmp` is scratch. All four are the grid's length.
pub(super) fn year_stock<'a>(
    start: &[f64],
    adm: Option<&[f64]>,
    m: &[f64],
    tmp: &'a mut [f64],
    out: &'a mut [f64],
) -> &'a [f64] {
    let one = |from: &[f64], to: &mut [f64]| match adm {
        Some(a) => step_stock(from, to, a, m),
        None => step_stock_no_admissions(from, to, m),
    };
    one(start, tmp);
    for _ in 0..5 {
        one(tmp, out);
        one(out, tmp);
    }
    one(tmp, out);
    out
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
    let n = s.len();
    s.push(0.0);
    let mut next = vec![0.0; n + 1];
    let adm_sums = run_sums(adm, &grid.runs);
    for _ in 0..12 {
        step(&s[..n], &mut next, adm, &m, &grid.runs, &adm_sums, &mut f);
        std::mem::swap(&mut s, &mut next);
    }
    s.truncate(n);
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
    /// Stock by month of age, and one cell more (scratch for the children leaving the
    /// grid, see [`step`]).
    s: Vec<f64>,
    /// The next month's stock (the same length; the two swap each month).
    next: Vec<f64>,
    /// Months of age on the grid.
    n: usize,
    /// Distinct vectors of admissions per month by month of age.
    adm: Vec<Vec<f64>>,
    /// Each vector of `adm` summed by output band ([`run_sums`]).
    adm_sums: Vec<Vec<f64>>,
    /// Distinct vectors of monthly discharge fractions by month of age.
    m: Vec<Vec<f64>>,
    /// For each projected year, its vector in `adm` and in `m`.
    year: Vec<(usize, usize)>,
    /// The output bands as runs of months of age.
    runs: Vec<Run>,
    /// Output bands.
    no: usize,
}

impl GridStepper {
    /// A stepper on the model's `grid` (spread with `weights`) from the closing stock
    /// `closing` by band, with `admissions` by band and monthly discharge fractions
    /// `rates` by band for each projected year, reporting by the output bands
    /// `out_band_of` (of each month of age; `no` bands). A year whose admissions or rates
    /// equal the year before's shares its vector.
    pub(crate) fn new(
        grid: &Grid,
        weights: &[f64],
        closing: &[f64],
        admissions: &[Vec<f64>],
        rates: &[Vec<f64>],
        out_band_of: &[usize],
        no: usize,
    ) -> Self {
        let mut s = grid.spread_with(weights, closing);
        let n = s.len();
        s.push(0.0);
        let (mut adm, mut m): (Vec<Vec<f64>>, Vec<Vec<f64>>) = (Vec::new(), Vec::new());
        let mut year = Vec::with_capacity(admissions.len());
        for (t, (a, r)) in admissions.iter().zip(rates).enumerate() {
            let ia = if t > 0 && admissions[t - 1] == *a {
                adm.len() - 1
            } else {
                adm.push(
                    grid.band_of
                        .iter()
                        .zip(weights)
                        .map(|(&b, w)| a[b] * w / 12.0)
                        .collect(),
                );
                adm.len() - 1
            };
            let im = if t > 0 && rates[t - 1] == *r {
                m.len() - 1
            } else {
                m.push(grid.band_of.iter().map(|&b| r[b]).collect());
                m.len() - 1
            };
            year.push((ia, im));
        }
        let out_runs = runs(out_band_of);
        GridStepper {
            adm_sums: adm.iter().map(|a| run_sums(a, &out_runs)).collect(),
            next: vec![0.0; n + 1],
            s,
            n,
            adm,
            m,
            year,
            runs: out_runs,
            no,
        }
    }
}

impl Stepper for GridStepper {
    fn month(&mut self, t: usize, _month: usize, f: &mut Flows) {
        let Some(&(ia, im)) = self.year.get(t) else {
            return;
        };
        step(
            &self.s[..self.n],
            &mut self.next,
            &self.adm[ia],
            &self.m[im],
            &self.runs,
            &self.adm_sums[ia],
            f,
        );
        std::mem::swap(&mut self.s, &mut self.next);
    }

    fn stock(&self, out: &mut [f64]) {
        // Bands are contiguous runs of ages: each total is its run's sum, added in age
        // order (the same sum, to the bit, as adding age by age into the totals).
        let n = self.no.min(out.len());
        let out = &mut out[..n];
        out.fill(0.0);
        for r in &self.runs {
            if let (Some(t), Some(ages)) = (out.get_mut(r.band), self.s.get(r.lo..r.hi.min(self.n)))
            {
                *t += ages.iter().sum::<f64>();
            }
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
