//! Calibration: the monthly discharge rate of each band in each observed year that
//! carries the published opening stock and admissions to the published closing stock.

use serde::{Deserialize, Serialize};

use super::grid::{Grid, annual_rate, band_closing, band_totals, simulate_year};
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
/// depends only on the rates of the bands below it, already set).
fn calibrate(history: &History, grid: &Grid) -> Calibration {
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
            let (m, ok) = solve_rate(fl, grid, &cal.tilts, &mut cal.ms[y], b, (first[b], last[b]));
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
    for (y, fl) in history.flows.iter().enumerate() {
        let (m, ok) = (&cal.ms[y], &cal.ok[y]);
        let (s, f) = simulate_year(&fl.opening, &fl.admissions, m, &cal.tilts, grid);
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
