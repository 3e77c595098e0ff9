//! Monte Carlo intervals for the projection with placement moves ([`MovesModel`]).
//!
//! Each path follows whole children month by month. A child aged `a` months in placement
//! type `s` (band `b`) draws one fate from the monthly probabilities of the model: move to
//! type `t` (`moves[b][s][t]`), leave care for reason `r` (`exits[b][s][r]`), or stay (a
//! multinomial draw per child, so a cell of `n` children is split as a multinomial of
//! size `n`). Everyone then ages one month, and a child reaching 18 leaves. New children
//! arrive each month as a Poisson count around the mean monthly rate of the calibration
//! years, each given an age in months and a type in the proportions seen.
//!
//! With `parameter_uncertainty` (the default) each path first draws its own rates: a rate
//! counted as `k` events in `n` child-months becomes `Gamma(k, 1) / n` (the posterior of a
//! Poisson rate under a flat prior on the log scale, mean `k / n`), and the admissions
//! rate is scaled by `Gamma(K, 1/K)` with `K` the entries seen. A rate counted as zero
//! stays zero. Scenario factors ([`TransitionChange`]) apply to the drawn rates.
//!
//! A state's probabilities of leaving (moves and exits together) must not add up to more
//! than one. For the model's own rates and a scenario's changes to them this is checked
//! before any path is drawn, and refused as by the deterministic projection
//! ([`MovesModel::check`], [`MovesModel::project`]). A path's drawn rates can still exceed
//! one by chance where few child-months were counted: such a path's rates for that state
//! are scaled down to add up to one, and the result says so in
//! [`MovesIntervals::capped`] (band, placement type, how many paths, the largest total
//! drawn), so the cap is never silent.
//!
//! Counts are whole children, so no interval goes below zero. Quantiles are the linear
//! interpolation between order statistics (type 7).
//!
//! ```
//! use carecast::ssda903::{load_bytes, moves::MovesModel, simulate, synth};
//! let s = synth::generate(&synth::SynthOptions { admissions_per_year: 150.0, ..Default::default() }).unwrap();
//! let files: Vec<(String, Vec<u8>)> = s.files.iter().map(|(n, t)| (n.clone(), t.clone().into_bytes())).collect();
//! let r = load_bytes("s", &files).unwrap();
//! let m = MovesModel::fit(&r.clean, 2).unwrap();
//! let o = simulate::SimulateOptions { years: 2, samples: 200, seed: 7, ..Default::default() };
//! let p = simulate::simulate(&m, &o).unwrap();
//! assert_eq!(p.rows.len(), 24 * 12); // 24 month ends, 11 types and `all`
//! let last = p.rows.iter().rfind(|x| x.placement_type.is_none()).unwrap();
//! assert_eq!(last.period_label(), "2026-03-31");
//! assert!(last.lower[0] >= 0.0 && last.lower[0] <= last.median && last.median <= last.upper[0]);
//! assert!(last.lower[1] <= last.lower[0] && last.upper[1] >= last.upper[0]);
//! assert_eq!(simulate::simulate(&m, &o).unwrap(), p); // seeded
//! ```

use rand::{RngExt, SeedableRng};
use rand_distr::{Distribution, Gamma, Poisson};
use rand_xoshiro::Xoshiro256PlusPlus;

use super::day::month_end;
use super::moves::{BANDS, MONTHS, MovesModel, STATES, TransitionChange, band_label, band_of};
use crate::stochastic::check_levels;
use crate::{Error, PlacementGroup, PlacementType, Result};

/// The largest number of paths [`simulate`] draws.
pub const MAX_PATHS: usize = 20_000;

/// Fates a child can draw in a month besides staying: a move to each type, or an exit for
/// each reason group except reaching 18.
const FATES: usize = STATES + 6;

/// How to draw the paths.
#[derive(Debug, Clone, PartialEq)]
pub struct SimulateOptions {
    /// Years to project (1-25), month by month.
    pub years: u32,
    /// Number of paths (1 to [`MAX_PATHS`]).
    pub samples: usize,
    /// Interval levels in percent (each in (0, 100)).
    pub levels: Vec<f64>,
    /// Seed: the same seed gives the same paths.
    pub seed: u64,
    /// Changes to the monthly transition rates (the scenario).
    pub changes: Vec<TransitionChange>,
    /// Draw each path's rates from their sampling uncertainty (see the module notes).
    pub parameter_uncertainty: bool,
}

impl Default for SimulateOptions {
    fn default() -> Self {
        SimulateOptions {
            years: 5,
            samples: 1000,
            levels: vec![80.0, 95.0],
            seed: 0,
            changes: Vec::new(),
            parameter_uncertainty: true,
        }
    }
}

/// One projected stock: a month end and a placement type (or all types).
#[derive(Debug, Clone, PartialEq)]
pub struct MovesRow {
    /// The month end (year, month).
    pub period: (i32, u32),
    /// The placement type, or `None` for all types together.
    pub placement_type: Option<PlacementType>,
    /// Expected children (the deterministic projection, [`MovesModel::project`]).
    pub value: f64,
    /// Median of the paths.
    pub median: f64,
    /// Lower bound per level (ascending levels), never below zero.
    pub lower: Vec<f64>,
    /// Upper bound per level.
    pub upper: Vec<f64>,
}

impl MovesRow {
    /// The month end as an ISO date, e.g. `2025-04-30`.
    pub fn period_label(&self) -> String {
        month_end_label(self.period)
    }

    /// The placement type's code, or `all`.
    pub fn type_code(&self) -> &'static str {
        self.placement_type.map_or("all", |t| t.code())
    }

    /// Who provides the placement type (`in_house`, `external`, `not_applicable`), or
    /// `all`.
    pub fn provider_code(&self) -> &'static str {
        self.placement_type.map_or("all", |t| match t.provider() {
            crate::Provider::InHouse => "in_house",
            crate::Provider::External => "external",
            crate::Provider::NotApplicable => "not_applicable",
        })
    }
}

/// Stock by placement type at each month end, with Monte Carlo intervals.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct MovesIntervals {
    /// Interval levels, ascending (the order of [`MovesRow::lower`] and `upper`).
    pub levels: Vec<f64>,
    /// Paths drawn.
    pub samples: usize,
    /// Seed used.
    pub seed: u64,
    /// Rows by month end, then type in [`PlacementType::ALL`] order, then `all`.
    pub rows: Vec<MovesRow>,
    /// States whose drawn probabilities of leaving added up to more than one in some paths
    /// and were scaled down to one (see the module notes); empty when none did.
    pub capped: Vec<CappedRates>,
}

/// A band and placement type whose drawn monthly probabilities of leaving (moves and
/// exits) added up to more than one in some paths, and were scaled down to one there.
#[derive(Debug, Clone, PartialEq)]
pub struct CappedRates {
    /// The age band (`under 1`, `1-4`, `5-9`, `10-15`, `16-17`).
    pub band: String,
    /// The placement type left.
    pub placement_type: PlacementType,
    /// Paths in which the rates were scaled.
    pub paths: usize,
    /// The largest total drawn (above one).
    pub max_total: f64,
}

fn month_end_label((y, m): (i32, u32)) -> String {
    let (_, _, d) = super::day::ymd(month_end(y, m));
    format!("{y:04}-{m:02}-{d:02}")
}

fn group_code(g: PlacementGroup) -> &'static str {
    match g {
        PlacementGroup::Fostering => "fostering",
        PlacementGroup::Residential => "residential",
        PlacementGroup::Adoption => "adoption",
        PlacementGroup::WithParents => "with_parents",
        PlacementGroup::Independent => "independent",
        PlacementGroup::Secure => "secure",
        PlacementGroup::Other => "other",
    }
}

/// The placement types a name stands for: a type code (`agency_home`) or a group
/// (`fostering`, `residential`, `adoption`, `with_parents`, `independent`, `secure`,
/// `other`).
fn types_named(what: &str, name: &str) -> Result<Vec<PlacementType>> {
    let n = name.trim();
    if let Some(t) = PlacementType::ALL.iter().find(|t| t.code() == n) {
        return Ok(vec![*t]);
    }
    let group: Vec<PlacementType> = PlacementType::ALL
        .into_iter()
        .filter(|t| group_code(t.group()) == n)
        .collect();
    if group.is_empty() {
        let mut known: Vec<&str> = PlacementType::ALL.iter().map(|t| t.code()).collect();
        for g in [
            "fostering",
            "residential",
            "with_parents",
            "independent",
            "secure",
        ] {
            if !known.contains(&g) {
                known.push(g);
            }
        }
        return Err(Error::unknown(
            format!("placement type or group ({what})"),
            n,
            known,
        ));
    }
    Ok(group)
}

/// The transition changes that multiply the monthly probability of moving from `from` to
/// `to` by `factor`; each name is a placement type code or a group (`residential` stands
/// for its three types), and every pair of distinct types is changed.
///
/// # Errors
/// [`Error::InvalidArgument`] for an unknown name (naming `from` or `to`), a factor that is
/// negative or not finite, or names that leave no pair of distinct types.
///
/// ```
/// use carecast::ssda903::simulate::transition_changes;
/// let c = transition_changes("residential", "fostering", 1.5).unwrap();
/// assert_eq!(c.len(), 9);
/// assert!(transition_changes("homes", "ifa", 1.5).unwrap_err().to_string().contains("homes"));
/// assert!(transition_changes("ifa", "ifa", 1.5).is_err());
/// ```
pub fn transition_changes(from: &str, to: &str, factor: f64) -> Result<Vec<TransitionChange>> {
    if !factor.is_finite() || factor < 0.0 {
        return Err(Error::argument(
            "factor",
            factor,
            "must be a finite number, 0 or more",
        ));
    }
    let froms = types_named("from", from)?;
    let tos = types_named("to", to)?;
    let out: Vec<TransitionChange> = froms
        .iter()
        .flat_map(|f| tos.iter().map(move |t| (*f, *t)))
        .filter(|(f, t)| f != t)
        .map(|(from, to)| TransitionChange { from, to, factor })
        .collect();
    if out.is_empty() {
        return Err(Error::argument(
            "to",
            to,
            format!("a move from {from} to {to} changes no pair of distinct placement types"),
        ));
    }
    Ok(out)
}

/// Where each fate leads: a cumulative probability and a destination (a type index, or
/// `STATES + r` for exit reason `r`).
#[derive(Debug, Clone, Copy)]
struct Fates {
    cum: [f64; FATES],
    dest: [u8; FATES],
    n: usize,
}

impl Fates {
    fn new(moves: &[f64; STATES], exits: &[f64; 6]) -> Fates {
        let mut f = Fates {
            cum: [0.0; FATES],
            dest: [0; FATES],
            n: 0,
        };
        let mut acc = 0.0;
        let all = moves.iter().chain(exits.iter()).enumerate();
        for (i, &q) in all {
            if q > 0.0 {
                acc += q;
                f.cum[f.n] = acc;
                // `i` is below FATES (17).
                f.dest[f.n] = u8::try_from(i).unwrap_or(u8::MAX);
                f.n += 1;
            }
        }
        f
    }

    fn out(&self) -> f64 {
        if self.n == 0 {
            0.0
        } else {
            self.cum[self.n - 1]
        }
    }

    /// The fate of a uniform draw `u` below [`Fates::out`].
    fn pick(&self, u: f64) -> usize {
        let k = self.cum[..self.n].partition_point(|&c| c <= u);
        usize::from(self.dest[k.min(self.n - 1)])
    }
}

/// A rate counted as `k` events in `n` child-months, drawn from `Gamma(k, 1) / n`.
///
/// # Errors
/// [`Error::InvalidArgument`] naming `exposure` if `k` is not a valid Gamma shape (not
/// finite), so a rate is never silently left at its point value.
fn draw_rate(rng: &mut Xoshiro256PlusPlus, rate: f64, n: f64) -> Result<f64> {
    let k = (rate * n).round();
    if k <= 0.0 || n <= 0.0 {
        return Ok(rate);
    }
    match Gamma::new(k, 1.0) {
        Ok(g) => Ok(g.sample(rng) / n),
        Err(e) => Err(Error::argument(
            "exposure",
            n,
            format!("rate {rate} times exposure gives no valid Gamma shape ({e})"),
        )),
    }
}

/// Per band and state: paths whose drawn rates were scaled to one, and the largest total.
type Caps = Vec<[(usize, f64); STATES]>;

/// Each path's fates by band and type; a state whose drawn probabilities of leaving add up
/// to more than one is scaled to one and counted in `caps`.
fn path_fates(
    m: &MovesModel,
    factors: &[[f64; STATES]; STATES],
    rng: &mut Xoshiro256PlusPlus,
    draw: bool,
    caps: &mut Caps,
) -> Result<Vec<[Fates; STATES]>> {
    let mut out = Vec::with_capacity(BANDS.len());
    for (b, band_caps) in caps.iter_mut().enumerate() {
        let mut failed = None;
        let band: [Fates; STATES] = std::array::from_fn(|s| {
            let n = m.exposure[b][s];
            let mut mv = m.moves[b][s];
            let mut ex = m.exits[b][s];
            if draw {
                for q in mv.iter_mut().chain(ex.iter_mut()) {
                    match draw_rate(rng, *q, n) {
                        Ok(v) => *q = v,
                        Err(e) => {
                            failed.get_or_insert(e);
                        }
                    }
                }
            }
            for (q, f) in mv.iter_mut().zip(&factors[s]) {
                *q *= f;
            }
            let out: f64 = mv.iter().sum::<f64>() + ex.iter().sum::<f64>();
            if out > 1.0 {
                mv.iter_mut().for_each(|q| *q /= out);
                ex.iter_mut().for_each(|q| *q /= out);
                // Rounding of fractions of counted events (a total of 1 + 2e-16) is
                // accepted by `MovesModel::check` and is not worth a warning.
                if out > 1.0 + crate::ssda903::moves::LEAVE_TOLERANCE {
                    let c = &mut band_caps[s];
                    c.0 += 1;
                    c.1 = c.1.max(out);
                }
            }
            Fates::new(&mv, &ex)
        });
        if let Some(e) = failed {
            return Err(e);
        }
        out.push(band);
    }
    Ok(out)
}

/// Draws one path; writes the stock by type at each month end into `out` (months ×
/// `STATES`).
fn one_path(
    m: &MovesModel,
    fates: &[[Fates; STATES]],
    entry_cum: &[f64],
    entries: Option<Poisson<f64>>,
    rng: &mut Xoshiro256PlusPlus,
    out: &mut [u32],
) {
    // The base stock is a count of children, so each value is a whole number.
    let mut x: Vec<[u32; STATES]> = m.stock.iter().map(|r| r.map(whole)).collect();
    let mut next = vec![[0u32; STATES]; MONTHS];
    for month in out.chunks_mut(STATES) {
        next.iter_mut().for_each(|r| *r = [0; STATES]);
        for (a, row) in x.iter().enumerate() {
            let band = &fates[band_of(a)];
            for (s, &n) in row.iter().enumerate() {
                let f = &band[s];
                let p_out = f.out();
                for _ in 0..n {
                    let u: f64 = rng.random();
                    let to = if u < p_out { f.pick(u) } else { s };
                    if to < STATES && a + 1 < MONTHS {
                        next[a + 1][to] += 1;
                    }
                }
            }
        }
        if let Some(p) = entries {
            let total = entry_cum.last().copied().unwrap_or(0.0);
            // A Poisson draw is a whole number.
            let k = whole(p.sample(rng));
            for _ in 0..k {
                let u: f64 = rng.random::<f64>() * total;
                let i = entry_cum
                    .partition_point(|&c| c <= u)
                    .min(entry_cum.len() - 1);
                next[i / STATES][i % STATES] += 1;
            }
        }
        std::mem::swap(&mut x, &mut next);
        month.iter_mut().for_each(|v| *v = 0);
        for row in &x {
            for (v, n) in month.iter_mut().zip(row) {
                *v += n;
            }
        }
    }
}

/// A non-negative whole number held as `f64` (a count, a Poisson draw, an index), as an
/// integer; clamped into `0..=u32::MAX`, the range of the counts here.
#[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
fn whole(x: f64) -> u32 {
    x.round().clamp(0.0, f64::from(u32::MAX)) as u32
}

/// Quantile `p` of sorted values (type 7).
fn quantile(sorted: &[f64], p: f64) -> f64 {
    let h = (sorted.len() - 1) as f64 * p;
    // `h` is within the slice's index range.
    let lo = whole(h.floor()) as usize;
    let hi = (lo + 1).min(sorted.len() - 1);
    sorted[lo] + (h - lo as f64) * (sorted[hi] - sorted[lo])
}

/// Checks the options that are not checked by [`MovesModel::project`].
fn check(o: &SimulateOptions) -> Result<Vec<f64>> {
    if o.samples == 0 || o.samples > MAX_PATHS {
        return Err(Error::argument(
            "samples",
            o.samples,
            format!("must be 1 to {MAX_PATHS}"),
        ));
    }
    check_levels(&o.levels)
}

/// The admissions draw of one path: Poisson around the mean monthly rate, scaled by the
/// path's drawn rate multiplier.
fn path_entries(
    m: &MovesModel,
    total: f64,
    rng: &mut Xoshiro256PlusPlus,
    draw: bool,
) -> Result<Option<Poisson<f64>>> {
    if total <= 0.0 {
        return Ok(None);
    }
    let seen = total * m.months_observed as f64;
    let scale = if draw && seen > 0.0 {
        match Gamma::new(seen, 1.0 / seen) {
            Ok(g) => g.sample(rng),
            Err(e) => {
                return Err(Error::argument(
                    "months_observed",
                    m.months_observed,
                    format!("entries seen {seen} give no valid Gamma shape ({e})"),
                ));
            }
        }
    } else {
        1.0
    };
    let lambda = total * scale;
    match Poisson::new(lambda) {
        Ok(p) => Ok(Some(p)),
        // A drawn rate that underflows to zero admits no one that month; anything else
        // (infinite, NaN) is an error rather than a silent absence of admissions.
        Err(_) if lambda == 0.0 => Ok(None),
        Err(e) => Err(Error::argument(
            "entries",
            total,
            format!("monthly admissions rate {lambda} is not a valid Poisson mean ({e})"),
        )),
    }
}

/// Draws `samples` paths and summarises the stock by placement type at each month end.
///
/// # Errors
/// [`Error::InvalidArgument`] for `samples` outside 1 to [`MAX_PATHS`], bad `levels`
/// (see [`crate::stochastic::check_levels`]), a malformed model (wrong shapes, NaN,
/// infinite, negative or above-one rates: [`MovesModel::check`], naming the field), a
/// drawn rate that gives no valid Gamma or Poisson distribution, and the errors of
/// [`MovesModel::project`] (years outside 1-25, a bad factor).
pub fn simulate(m: &MovesModel, o: &SimulateOptions) -> Result<MovesIntervals> {
    m.check()?;
    let levels = check(o)?;
    let expected = m.project(o.years, &o.changes)?;
    let mut factors = [[1.0; STATES]; STATES];
    for c in &o.changes {
        let f = PlacementType::ALL.iter().position(|x| *x == c.from);
        let t = PlacementType::ALL.iter().position(|x| *x == c.to);
        if let (Some(f), Some(t)) = (f, t) {
            factors[f][t] *= c.factor;
        }
    }
    let mut entry_cum = Vec::with_capacity(MONTHS * STATES);
    let mut acc = 0.0;
    for row in &m.entries {
        for &e in row {
            acc += e;
            entry_cum.push(acc);
        }
    }
    let months = expected.months.len();
    let mut paths = vec![0u32; o.samples * months * STATES];
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(o.seed);
    let mut caps: Caps = vec![[(0, 0.0); STATES]; BANDS.len()];
    for out in paths.chunks_mut(months * STATES) {
        let fates = path_fates(m, &factors, &mut rng, o.parameter_uncertainty, &mut caps)?;
        let entries = path_entries(m, acc, &mut rng, o.parameter_uncertainty)?;
        one_path(m, &fates, &entry_cum, entries, &mut rng, out);
    }
    let mut rows = Vec::with_capacity(months * (STATES + 1));
    let mut column = vec![0.0; o.samples];
    for (k, &period) in expected.months.iter().enumerate() {
        for s in 0..=STATES {
            for (v, path) in column.iter_mut().zip(paths.chunks(months * STATES)) {
                let month = &path[k * STATES..(k + 1) * STATES];
                *v = f64::from(if s < STATES {
                    month[s]
                } else {
                    month.iter().sum()
                });
            }
            column.sort_by(f64::total_cmp);
            let tail = |l: f64| (1.0 - l / 100.0) / 2.0;
            rows.push(MovesRow {
                period,
                placement_type: PlacementType::ALL.get(s).copied(),
                value: if s < STATES {
                    expected.stock_by_type[k][s]
                } else {
                    expected.stock_by_type[k].iter().sum()
                },
                median: quantile(&column, 0.5),
                lower: levels.iter().map(|&l| quantile(&column, tail(l))).collect(),
                upper: levels
                    .iter()
                    .map(|&l| quantile(&column, 1.0 - tail(l)))
                    .collect(),
            });
        }
    }
    let capped = caps
        .iter()
        .enumerate()
        .flat_map(|(b, band)| {
            band.iter()
                .zip(PlacementType::ALL)
                .filter(|((paths, _), _)| *paths > 0)
                .map(move |(&(paths, max_total), placement_type)| CappedRates {
                    band: band_label(b),
                    placement_type,
                    paths,
                    max_total,
                })
        })
        .collect();
    Ok(MovesIntervals {
        levels,
        samples: o.samples,
        seed: o.seed,
        rows,
        capped,
    })
}
