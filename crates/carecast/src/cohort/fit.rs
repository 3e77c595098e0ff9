//! Calibration: the monthly discharge rate of each band in each observed year that
//! carries the published opening stock and admissions to the published closing stock.

use serde::{Deserialize, Serialize};

use super::grid::{Grid, MONTHS, annual_rate, band_totals, simulate_spread};
use super::history::{History, YearFlows};
use crate::{Dataset, Error, FinancialYear, Result};

/// The largest within-band tilt calibration may use.
pub const MAX_TILT: f64 = 40.0;
/// The calibration of one band in one year.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BandFit {
    /// The financial year.
    pub year: FinancialYear,
    /// The band's label.
    pub band: String,
    /// Published stock at the start of the year.
    pub opening: f64,
    /// Published admissions in the year.
    pub admissions: f64,
    /// Published stock at the end of the year.
    pub published_closing: f64,
    /// The model's closing stock with the fitted rate.
    pub fitted_closing: f64,
    /// The fitted monthly discharge fraction.
    pub monthly_rate: f64,
    /// The same as an annual rate, `1 - (1 - m)^12`.
    pub annual_rate: f64,
    /// Discharges implied in the band (excluding 18th birthdays).
    pub implied_discharges: f64,
    /// Children ageing into the band.
    pub ageing_in: f64,
    /// Children ageing out of the band (for the top band: their 18th birthday).
    pub ageing_out: f64,
    /// Whether the published closing could be reached.
    pub fitted: bool,
}

/// Implied and published discharges of one year (all ages).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct YearDischarges {
    /// The financial year.
    pub year: FinancialYear,
    /// Discharges the model implies before age 18.
    pub implied_before_18: f64,
    /// Young people leaving care on their 18th birthday.
    pub leavers_18: f64,
    /// Their sum: the model's counterpart of the published discharges.
    pub implied_total: f64,
    /// Published discharges, if published.
    pub published: Option<f64>,
    /// `implied_total - published`.
    pub difference: Option<f64>,
    /// Published opening + admissions - discharges - closing (the table's own identity gap).
    pub identity_gap: Option<f64>,
}

/// A fitted model: the history and the calibrated rates.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CohortModel {
    /// What it was fitted to.
    pub history: History,
    /// Calibration per year and band.
    pub bands: Vec<BandFit>,
    /// Implied against published discharges per year.
    pub discharges: Vec<YearDischarges>,
    /// Within-band age tilt per band (0 = uniform; negative = younger ages weigh more).
    pub tilts: Vec<f64>,
}
impl CohortModel {
    /// Fits the model to a dataset's history.
    ///
    /// # Errors
    /// When the dataset has none of the tables a history is read from, no complete year,
    /// or a negative figure (see [`History::from_dataset`]).
    ///
    /// ```
    /// use carecast::{CohortModel, Dataset};
    /// let m = CohortModel::fit(&Dataset::bundled("derbyshire").unwrap()).unwrap();
    /// for b in &m.bands {
    ///     assert!((b.fitted_closing - b.published_closing).abs() < 1.0);
    /// }
    /// ```
    pub fn fit(ds: &Dataset) -> Result<CohortModel> {
        Self::fit_history(History::from_dataset(ds)?)
    }

    /// Fits the model to a history.
    ///
    /// # Errors
    /// When an opening, admissions or closing figure is negative or not a number.
    pub fn fit_history(history: History) -> Result<CohortModel> {
        check_flows(&history)?;
        let grid = Grid::new(&history.scheme);
        let cal = calibrate(&history, &grid);
        let (bands, discharges) = summarise(&history, &grid, &cal);
        Ok(CohortModel {
            history,
            bands,
            discharges,
            tilts: cal.tilts,
        })
    }

    /// Base years a projection may start from: the 31 Marches ending an observed year.
    pub fn base_years(&self) -> Vec<i32> {
        self.history.years.iter().map(|y| y.end_year()).collect()
    }

    pub(crate) fn rates_of(&self, year: FinancialYear) -> Vec<f64> {
        self.bands
            .iter()
            .filter(|b| b.year == year)
            .map(|b| b.monthly_rate)
            .collect()
    }
}

/// Refuses a history with a negative or non-finite figure.
fn check_flows(history: &History) -> Result<()> {
    for fl in &history.flows {
        for (what, v) in [
            ("opening", &fl.opening),
            ("admissions", &fl.admissions),
            ("closing", &fl.closing),
        ] {
            if v.iter().any(|x| !x.is_finite() || *x < 0.0) {
                return Err(Error::model(format!(
                    "{} {what} in {} is negative or not a number",
                    history.dataset, fl.year
                )));
            }
        }
    }
    Ok(())
}

/// Calibrated monthly rates per year and band, whether each was reached, and the tilts.
struct Calibration {
    ms: Vec<Vec<f64>>,
    ok: Vec<Vec<bool>>,
    tilts: Vec<f64>,
}

/// The first and last month of age of each band on the grid.
fn band_months(grid: &Grid) -> (Vec<usize>, Vec<usize>) {
    let nb = grid.months_in.len();
    let mut first = vec![usize::MAX; nb];
    let mut last = vec![0; nb];
    for (a, &b) in grid.band_of.iter().enumerate() {
        first[b] = first[b].min(a);
        last[b] = last[b].max(a);
    }
    (first, last)
}

/// Calibrates band by band, youngest first (ageing flows upward, so a band's closing
/// depends only on the rates and tilts of the bands below it, already set).
///
/// For band `b` the lower bands are simulated once per year, giving the children who
/// age into the band each month; the band's closing stock is then a polynomial of
/// degree 12 in `1 - m_b` (see [`BandPoly`]), whose root is found by Newton's method.
fn calibrate(history: &History, grid: &Grid) -> Calibration {
    let nb = history.scheme.bands().len();
    let (first, last) = band_months(grid);
    let mut cal = Calibration {
        ms: vec![vec![0.0; nb]; history.flows.len()],
        ok: vec![vec![true; nb]; history.flows.len()],
        tilts: vec![0.0; nb],
    };
    let mut scratch = vec![0.0; MONTHS];
    for b in 0..nb {
        let (lo, hi) = (first[b], last[b]);
        let lower = grid.weights(&cal.tilts);
        let inflows: Vec<[f64; 12]> = history
            .flows
            .iter()
            .zip(&cal.ms)
            .map(|(fl, m)| lower_inflow(fl, grid, &lower, m, lo, &mut scratch))
            .collect();
        let band = |t: f64| BandShape::new(t, lo, hi, grid.months_in[b]);
        let reachable = |shape: &BandShape| {
            history.flows.iter().zip(&inflows).all(|(fl, inflow)| {
                let p = BandPoly::new(shape, fl.opening[b], fl.admissions[b], inflow);
                p.at_zero() >= fl.closing[b] - 1e-9
            })
        };
        let mut tilt = 0.0;
        if !reachable(&band(0.0)) {
            let (mut tlo, mut thi) = (-MAX_TILT, 0.0);
            if reachable(&band(tlo)) {
                for _ in 0..50 {
                    let mid = 0.5 * (tlo + thi);
                    if reachable(&band(mid)) {
                        tlo = mid
                    } else {
                        thi = mid
                    }
                }
            }
            tilt = tlo;
        }
        cal.tilts[b] = tilt;
        let shape = band(tilt);
        for (y, (fl, inflow)) in history.flows.iter().zip(&inflows).enumerate() {
            let p = BandPoly::new(&shape, fl.opening[b], fl.admissions[b], inflow);
            let (m, ok) = p.solve(fl.closing[b]);
            cal.ms[y][b] = m;
            cal.ok[y][b] = ok;
        }
    }
    cal
}

/// The children who reach the first month of age `lo` at the end of each month of one
/// year, from the opening stock and admissions of the ages below it (spread with
/// `weights`) under the rates `m_band`: the same arithmetic as the grid's step.
fn lower_inflow(
    fl: &YearFlows,
    grid: &Grid,
    weights: &[f64],
    m_band: &[f64],
    lo: usize,
    s: &mut [f64],
) -> [f64; 12] {
    let mut inflow = [0.0; 12];
    if lo == 0 {
        return inflow;
    }
    let s = &mut s[..lo];
    let band_of = &grid.band_of[..lo];
    for ((v, &b), w) in s.iter_mut().zip(band_of).zip(weights) {
        *v = fl.opening[b] * w;
    }
    for slot in &mut inflow {
        for ((v, &b), w) in s.iter_mut().zip(band_of).zip(weights) {
            let exposed = *v + fl.admissions[b] * w / 12.0;
            *v = exposed - exposed * m_band[b];
        }
        *slot = s[lo - 1];
        s.copy_within(0..lo - 1, 1);
        s[0] = 0.0;
    }
    inflow
}

/// The spread of one band over its months under a tilt, as the sums the closing stock
/// needs: `kept[0]` is the share of the opening stock still in the band at the year's
/// end (not aged out), `kept[j]` the share of month `j`'s admissions (j = 1..=12).
struct BandShape {
    kept: [f64; 13],
    width: usize,
}

impl BandShape {
    fn new(tilt: f64, lo: usize, hi: usize, months_in: f64) -> Self {
        let width = hi + 1 - lo;
        // The weights of [`Grid::weights`] for this band.
        let raw: Vec<f64> = (0..width)
            .map(|i| (tilt * ((i as f64 + 0.5) / months_in)).exp())
            .collect();
        let norm: f64 = raw.iter().sum();
        let mut kept = [0.0; 13];
        // Opening stock at month `i` of the band ages twelve months: it stays if
        // i + 12 < width. A child admitted at month `i` in month j (1..=12) ages 13 - j
        // months: it stays if i + 13 - j < width.
        for (j, k) in kept.iter_mut().enumerate() {
            let stay = if j == 0 {
                width.saturating_sub(12)
            } else {
                (width + j).saturating_sub(13)
            };
            *k = raw[..stay].iter().map(|r| r / norm).sum();
        }
        BandShape { kept, width }
    }
}

/// A band's closing stock in one year as a polynomial in `q = 1 - m` (the monthly
/// fraction kept): `coef[k]` is the stock that spends `k` months in the band.
struct BandPoly {
    coef: [f64; 13],
}

impl BandPoly {
    fn new(shape: &BandShape, opening: f64, admissions: f64, inflow: &[f64; 12]) -> Self {
        let mut coef = [0.0; 13];
        // Opening stock: discharged in all twelve months.
        coef[12] += opening * shape.kept[0];
        // Admissions in month j (1..=12): discharged in months j..=12.
        for j in 1..=12 {
            coef[13 - j] += admissions / 12.0 * shape.kept[j];
        }
        // Children ageing in at the end of month j: discharged in months j+1..=12.
        for (j, v) in inflow.iter().enumerate() {
            let months = 11 - j;
            if months < shape.width {
                coef[months] += v;
            }
        }
        BandPoly { coef }
    }

    /// The closing stock with no discharges.
    fn at_zero(&self) -> f64 {
        self.coef.iter().sum()
    }

    /// The closing stock at monthly rate `m` and its derivative in `m`.
    fn at(&self, m: f64) -> (f64, f64) {
        let q = 1.0 - m;
        let (mut v, mut d) = (0.0, 0.0);
        for &c in self.coef.iter().rev() {
            d = d * q + v;
            v = v * q + c;
        }
        (v, -d)
    }

    /// The monthly rate that reaches `target`, and whether it could be reached (rate 0
    /// when even no discharges leave too few children; 1 when even discharging everyone
    /// each month leaves too many).
    fn solve(&self, target: f64) -> (f64, bool) {
        let f0 = self.at_zero() - target;
        if f0 < -1e-6 {
            return (0.0, false);
        }
        if f0 <= 0.0 {
            return (0.0, true);
        }
        if self.coef[0] - target >= 0.0 {
            return (1.0, true);
        }
        // The closing falls and is convex in m: Newton from m = 0 rises monotonically to
        // the root, so it stops when a step no longer moves it.
        let mut m = 0.0;
        for _ in 0..100 {
            let (v, d) = self.at(m);
            if d >= 0.0 {
                break;
            }
            let next = m - (v - target) / d;
            if next.is_nan() || next <= m || next >= 1.0 {
                break;
            }
            m = next;
        }
        (m, true)
    }
}

/// The fitted bands and the implied discharges of each year, simulated at the
/// calibrated rates.
fn summarise(
    history: &History,
    grid: &Grid,
    cal: &Calibration,
) -> (Vec<BandFit>, Vec<YearDischarges>) {
    let nb = history.scheme.bands().len();
    let mut bands = Vec::new();
    let mut discharges = Vec::new();
    let weights = grid.weights(&cal.tilts);
    for (y, fl) in history.flows.iter().enumerate() {
        let (m, ok) = (&cal.ms[y], &cal.ok[y]);
        let s0 = grid.spread_with(&weights, &fl.opening);
        let adm: Vec<f64> = grid
            .spread_with(&weights, &fl.admissions)
            .iter()
            .map(|v| v / 12.0)
            .collect();
        let (s, f) = simulate_spread(s0, &adm, m, grid);
        let closing = band_totals(&s, &grid.band_of, nb);
        for (b, band) in history.scheme.bands().iter().enumerate() {
            bands.push(BandFit {
                year: fl.year,
                band: band.label(),
                opening: fl.opening[b],
                admissions: fl.admissions[b],
                published_closing: fl.closing[b],
                fitted_closing: closing[b],
                monthly_rate: m[b],
                annual_rate: annual_rate(m[b]),
                implied_discharges: f.discharges[b],
                ageing_in: f.ageing_in[b],
                ageing_out: f.ageing_out[b],
                fitted: ok[b],
            });
        }
        let before: f64 = f.discharges.iter().sum();
        let total = before + f.leavers_18;
        let sum = |v: &Vec<f64>| v.iter().sum::<f64>();
        discharges.push(YearDischarges {
            year: fl.year,
            implied_before_18: before,
            leavers_18: f.leavers_18,
            implied_total: total,
            published: fl.discharges,
            difference: fl.discharges.map(|p| total - p),
            identity_gap: fl
                .discharges
                .map(|p| sum(&fl.opening) + sum(&fl.admissions) - p - sum(&fl.closing)),
        });
    }
    (bands, discharges)
}

/// The calibration as it was before the polynomial solve: each band's closing simulated on
/// the grid for every trial rate, solved by regula falsi. Kept to check that the fast
/// solve gives the same rates.
#[cfg(test)]
mod reference {
    use super::{Calibration, Grid, History, MAX_TILT, YearFlows, band_months};
    use crate::cohort::grid::band_closing;

    /// Calibrates band by band, youngest first (ageing flows upward, so a band's closing
    /// depends only on the rates of the bands below it, already set).
    pub(super) fn calibrate(history: &History, grid: &Grid) -> Calibration {
        let nb = history.scheme.bands().len();
        let (first, last) = band_months(grid);
        let mut cal = Calibration {
            ms: vec![vec![0.0; nb]; history.flows.len()],
            ok: vec![vec![true; nb]; history.flows.len()],
            tilts: vec![0.0; nb],
        };
        for b in 0..nb {
            cal.tilts[b] = band_tilt(history, grid, &mut cal, b, (first[b], last[b]));
            for (y, fl) in history.flows.iter().enumerate() {
                let (m, ok) =
                    solve_rate(fl, grid, &cal.tilts, &mut cal.ms[y], b, (first[b], last[b]));
                cal.ms[y][b] = m;
                cal.ok[y][b] = ok;
            }
        }
        cal
    }

    /// The least tilt towards younger ages that lets every year of band `b` be reached with
    /// a non-negative discharge rate (0 when the uniform spread reaches them all).
    fn band_tilt(
        history: &History,
        grid: &Grid,
        cal: &mut Calibration,
        b: usize,
        (lo_month, hi_month): (usize, usize),
    ) -> f64 {
        // Closing of band `b` with its monthly fraction `mb` (lower bands already set).
        let closing_at = |fl: &YearFlows, m: &mut [f64], tilts: &[f64], mb: f64| {
            m[b] = mb;
            let s0 = grid.spread(&fl.opening, tilts);
            let adm: Vec<f64> = grid
                .spread(&fl.admissions, tilts)
                .iter()
                .map(|v| v / 12.0)
                .collect();
            band_closing(&s0, &adm, m, grid, lo_month, hi_month)
        };
        let reachable = |t: f64, cal: &mut Calibration| {
            cal.tilts[b] = t;
            history
                .flows
                .iter()
                .zip(cal.ms.iter_mut())
                .all(|(fl, m)| closing_at(fl, m, &cal.tilts, 0.0) >= fl.closing[b] - 1e-9)
        };
        if reachable(0.0, cal) {
            return 0.0;
        }
        let (mut lo, mut hi) = (-MAX_TILT, 0.0);
        if reachable(lo, cal) {
            for _ in 0..50 {
                let mid = 0.5 * (lo + hi);
                if reachable(mid, cal) {
                    lo = mid
                } else {
                    hi = mid
                }
            }
        }
        lo
    }

    /// The monthly rate of band `b` in one year that reaches its published closing, and
    /// whether it could be reached (rate 0 when even no discharges leave too few children).
    fn solve_rate(
        fl: &YearFlows,
        grid: &Grid,
        tilts: &[f64],
        m: &mut [f64],
        b: usize,
        (lo_month, hi_month): (usize, usize),
    ) -> (f64, bool) {
        let target = fl.closing[b];
        // The spread does not depend on the rate: compute it once per year.
        let s0 = grid.spread(&fl.opening, tilts);
        let adm: Vec<f64> = grid
            .spread(&fl.admissions, tilts)
            .iter()
            .map(|v| v / 12.0)
            .collect();
        let mut at = |mb: f64| {
            m[b] = mb;
            band_closing(&s0, &adm, m, grid, lo_month, hi_month)
        };
        let f0 = at(0.0) - target;
        if f0 < -1e-6 {
            return (0.0, false);
        }
        let f1 = at(1.0) - target;
        let rate = if f0 <= 0.0 {
            0.0
        } else if f1 >= 0.0 {
            1.0
        } else {
            // The closing stock falls smoothly as the rate rises: regula falsi
            // (Illinois) from the bracket [0, 1], to far below a thousandth of
            // a child.
            let (mut a, mut fa, mut c, mut fc) = (0.0, f0, 1.0, f1);
            let mut x = 0.5;
            for _ in 0..200 {
                x = c - fc * (c - a) / (fc - fa);
                let fx = at(x) - target;
                if fx == 0.0 || (x - c).abs() <= 1e-17 {
                    break;
                }
                if (fx < 0.0) == (fc < 0.0) {
                    fa *= 0.5;
                } else {
                    a = c;
                    fa = fc;
                }
                c = x;
                fc = fx;
            }
            x
        };
        (rate, true)
    }
}

#[cfg(test)]
mod tests {
    use super::{Grid, History, calibrate, reference};
    use crate::Dataset;

    /// The largest difference between the fast and the reference calibration, relative to
    /// the rate (absolute below 1e-12), over the rates of `ds`; and tilts.
    fn worst(ds: &Dataset) -> (f64, f64) {
        let h = History::from_dataset(ds).unwrap();
        let grid = Grid::new(&h.scheme);
        let (fast, slow) = (calibrate(&h, &grid), reference::calibrate(&h, &grid));
        assert_eq!(fast.ok, slow.ok);
        let mut worst = 0.0f64;
        for (a, b) in fast.ms.iter().flatten().zip(slow.ms.iter().flatten()) {
            assert_eq!(*a == 0.0, *b == 0.0, "{a} {b}");
            worst = worst.max((a - b).abs() / b.abs().max(1e-12));
        }
        let tilt = fast
            .tilts
            .iter()
            .zip(&slow.tilts)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0, f64::max);
        (worst, tilt)
    }

    #[test]
    fn the_fast_calibration_gives_the_reference_rates() {
        for name in ["derbyshire", "derby"] {
            let (rate, tilt) = worst(&Dataset::bundled(name).unwrap());
            println!("{name}: rates within {rate:.2e} (relative), tilts within {tilt:.2e}");
            assert!(rate < 1e-9 && tilt < 1e-9, "{name}: {rate} {tilt}");
        }
    }

    /// Every DfE council (slow in a debug build: run with `--release -- --ignored`).
    #[test]
    #[ignore = "fits every DfE council twice; run with --release -- --ignored --nocapture"]
    fn the_fast_calibration_gives_the_reference_rates_for_every_council() {
        let p = crate::dfe::Panel::bundled().unwrap();
        let (mut rate, mut tilt, mut n) = (0.0f64, 0.0f64, 0);
        for a in crate::dfe::Areas::bundled().areas.iter() {
            let Ok(ds) = crate::dfe::council_dataset(p, a) else {
                continue;
            };
            if History::from_dataset(&ds).is_err() {
                continue;
            }
            let (r, t) = worst(&ds);
            rate = rate.max(r);
            tilt = tilt.max(t);
            n += 1;
        }
        println!("{n} councils: rates within {rate:.2e} (relative), tilts within {tilt:.2e}");
        assert!(rate < 1e-9 && tilt < 1e-9, "{rate} {tilt}");
    }
}
