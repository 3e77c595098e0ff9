//! A projection with placement moves, calibrated from the records.
//!
//! The state of a child in care is (age in months, placement type). Each month, a child in
//! placement type `s` at age band `b` moves to type `s'` with probability `P_b[s][s']`, leaves
//! care for reason group `r` with probability `E_b[s][r]`, or stays; then everyone ages one
//! month, and a child reaching 18 leaves (`reached_18`). New children arrive each month by
//! single year of age and placement type at the mean monthly rate of the calibration years.
//! All rates are counted on month-end snapshots of the clean episodes (a child's type at
//! one month end against the next), so stays shorter than a month between two month ends are
//! not seen; children aged 18 and over are outside the model. [`MovesModel::project`] gives
//! expected values; [`super::simulate`] draws Monte Carlo paths around them for intervals.
//!
//! ```
//! use carecast::ssda903::{load_bytes, moves, synth};
//! let s = synth::generate(&synth::SynthOptions { admissions_per_year: 150.0, ..Default::default() }).unwrap();
//! let files: Vec<(String, Vec<u8>)> = s.files.iter().map(|(n, t)| (n.clone(), t.clone().into_bytes())).collect();
//! let r = load_bytes("s", &files).unwrap();
//! let m = moves::MovesModel::fit(&r.clean, 2).unwrap();
//! let p = m.project(5, &[]).unwrap();
//! assert_eq!(p.months.len(), 60);
//! let total: f64 = p.stock_by_type[59].iter().sum();
//! assert!(total > 0.0);
//! ```

use super::clean::Clean;
use super::codes;
use super::day::{Day, month_end, ymd};
use crate::{Error, PlacementType, Result};

/// Number of placement states ([`PlacementType::ALL`]).
pub const STATES: usize = 11;
/// How far a state's monthly moves and exits together may exceed one before a model is
/// refused: rates counted as events over the same exposure can add to one plus rounding.
pub const LEAVE_TOLERANCE: f64 = 1e-9;

/// The label of band `b` of [`BANDS`] (`under 1`, `1-4`, `5-9`, `10-15`, `16-17`).
pub fn band_label(b: usize) -> String {
    match BANDS.get(b) {
        Some((0, 1)) => "under 1".to_string(),
        Some((lo, hi)) => format!("{lo}-{}", hi - 1),
        None => format!("band {b}"),
    }
}

/// Age bands the rates are counted by (DfE bands).
pub const BANDS: [(u32, u32); 5] = [(0, 1), (1, 5), (5, 10), (10, 16), (16, 18)];
/// Reason groups of exits.
pub const EXITS: [&str; 7] = [
    "returned_home",
    "adopted",
    "special_guardianship_or_cao",
    "independent_living",
    "other",
    "not_given",
    "reached_18",
];
pub(crate) const MONTHS: usize = 216;

fn exit_group(rec: &str) -> usize {
    match rec {
        "E4A" | "E4B" | "E13" => 0,
        "E11" | "E12" => 1,
        "E41" | "E43" | "E44" | "E45" | "E46" | "E47" | "E48" => 2,
        "E5" | "E6" | "E17" => 3,
        "" => 5,
        _ => 4,
    }
}

/// The month ends from 31 March `years` before `last_year` to 31 March `last_year`.
fn month_ends(last_year: i32, years: u32) -> Vec<Day> {
    // `years` is at most the years held, itself a difference of two `i32` years.
    let (mut y, mut m) = (last_year - i32::try_from(years).unwrap_or(0), 3u32);
    let mut out = Vec::new();
    while (y, m) <= (last_year, 3) {
        out.push(month_end(y, m));
        (y, m) = if m == 12 { (y + 1, 1) } else { (y, m + 1) };
    }
    out
}

/// Whole months of age on day `on` of a child born on `born` (year, month, day), if under 18.
fn months_old(born: (i32, u32, u32), on: Day) -> Option<usize> {
    let (by, bm, bd) = born;
    let (y, m, d) = ymd(on);
    // Months are 1 to 12, so both fit `i32`.
    let month = |m: u32| i32::try_from(m).unwrap_or(0);
    let mut age = (y - by) * 12 + month(m) - month(bm);
    if d < bd {
        age -= 1;
    }
    usize::try_from(age).ok().filter(|&a| a < MONTHS)
}

pub(crate) fn band_of(age_months: usize) -> usize {
    let y = u32::try_from(age_months / 12).unwrap_or(u32::MAX);
    BANDS
        .iter()
        .position(|&(lo, hi)| y >= lo && y < hi)
        .unwrap_or(4)
}

fn state_of(place: &str, provider: &str) -> usize {
    let t = codes::placement_type(place, provider);
    PlacementType::ALL
        .iter()
        .position(|x| *x == t)
        .unwrap_or(STATES - 1)
}

/// A change to a monthly transition rate (a scenario lever): the probability of moving from
/// `from` to `to` is multiplied by `factor` (from the first projected month on); the
/// probability of staying takes up the difference.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TransitionChange {
    /// Placement type moved from.
    pub from: PlacementType,
    /// Placement type moved to.
    pub to: PlacementType,
    /// Multiplier of the monthly probability (0 or more).
    pub factor: f64,
}

/// Monthly rates calibrated from the records, and the stock to project from.
#[derive(Debug, Clone, PartialEq)]
pub struct MovesModel {
    /// Last month end observed (the projection's base).
    pub base: (i32, u32),
    /// Monthly move probabilities by band: `moves[b][from][to]` (diagonal zero).
    pub moves: Vec<[[f64; STATES]; STATES]>,
    /// Monthly exit probabilities by band: `exits[b][from][reason]` (reasons of [`EXITS`]
    /// except `reached_18`).
    pub exits: Vec<[[f64; 6]; STATES]>,
    /// Mean monthly entries by single month of age and state.
    pub entries: Vec<[f64; STATES]>,
    /// Stock at the base by month of age and state.
    pub stock: Vec<[f64; STATES]>,
    /// Month-end pairs counted per band (exposure).
    pub exposure: Vec<[f64; STATES]>,
    /// Month-end pairs the rates were counted on (months of calibration): the entries seen
    /// are `entries` times this.
    pub months_observed: usize,
}

/// A projection: per month, stock by type and by band, and exits by reason.
#[derive(Debug, Clone, PartialEq)]
pub struct MovesProjection {
    /// Month ends projected.
    pub months: Vec<(i32, u32)>,
    /// Expected stock by placement type ([`PlacementType::ALL`] order) at each month end.
    pub stock_by_type: Vec<[f64; STATES]>,
    /// Expected stock by DfE band at each month end.
    pub stock_by_band: Vec<[f64; 5]>,
    /// Expected exits in each month by reason group ([`EXITS`]).
    pub exits: Vec<[f64; 7]>,
    /// Expected moves in each month.
    pub moves: Vec<f64>,
    /// Expected entries in each month.
    pub entries: Vec<f64>,
}

impl MovesModel {
    /// Checks a model's shapes and values (its fields are public, so a caller may build
    /// one by hand): `moves`, `exits` and `exposure` hold one entry per band of [`BANDS`],
    /// `entries` and `stock` one per month of age (0 to 215); every value is finite and
    /// not negative, every probability (`moves`, `exits`) is at most one, and so is each
    /// state's total of moves and exits in a band (within [`LEAVE_TOLERANCE`]).
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] naming the field (and band or month of age, state) that
    /// is the wrong length or holds a NaN, infinite, negative or too large value.
    pub fn check(&self) -> Result<()> {
        fn len(field: &str, got: usize, want: usize, of: &str) -> Result<()> {
            if got == want {
                Ok(())
            } else {
                Err(Error::argument(
                    field,
                    format!("{got} rows"),
                    format!("must have {want} rows, one per {of}"),
                ))
            }
        }
        fn values<'a>(
            field: &str,
            rows: impl Iterator<Item = (String, &'a [f64])>,
            max: f64,
        ) -> Result<()> {
            for (at, row) in rows {
                for (j, &v) in row.iter().enumerate() {
                    if !(v.is_finite() && (0.0..=max).contains(&v)) {
                        return Err(Error::argument(
                            format!("{field}{at}[{j}]"),
                            v,
                            format!("must be a finite number from 0 to {max}"),
                        ));
                    }
                }
            }
            Ok(())
        }
        let bands = BANDS.len();
        len("moves", self.moves.len(), bands, "band")?;
        len("exits", self.exits.len(), bands, "band")?;
        len("exposure", self.exposure.len(), bands, "band")?;
        len("entries", self.entries.len(), MONTHS, "month of age")?;
        len("stock", self.stock.len(), MONTHS, "month of age")?;
        let moves = self.moves.iter().enumerate().flat_map(|(b, m)| {
            m.iter()
                .enumerate()
                .map(move |(s, r)| (format!("[{b}][{s}]"), &r[..]))
        });
        values("moves", moves, 1.0)?;
        let exits = self.exits.iter().enumerate().flat_map(|(b, m)| {
            m.iter()
                .enumerate()
                .map(move |(s, r)| (format!("[{b}][{s}]"), &r[..]))
        });
        values("exits", exits, 1.0)?;
        // A state's fates together: the projection keeps `1 - moves - exits` in place, so
        // more than one would leave a negative number of children there.
        for (b, (mv, ex)) in self.moves.iter().zip(&self.exits).enumerate() {
            for (s, (m, e)) in mv.iter().zip(ex).enumerate() {
                let out = m.iter().sum::<f64>() + e.iter().sum::<f64>();
                if out > 1.0 + LEAVE_TOLERANCE {
                    return Err(Error::argument(
                        format!("moves[{b}][{s}] + exits[{b}][{s}]"),
                        out,
                        format!(
                            "the monthly probabilities of leaving {} (band {}) add up to more than one",
                            PlacementType::ALL[s].code(),
                            band_label(b)
                        ),
                    ));
                }
            }
        }
        let rows = |v: &'_ Vec<[f64; STATES]>| -> Vec<(String, Vec<f64>)> {
            v.iter()
                .enumerate()
                .map(|(i, r)| (format!("[{i}]"), r.to_vec()))
                .collect()
        };
        for (field, v) in [
            ("exposure", &self.exposure),
            ("entries", &self.entries),
            ("stock", &self.stock),
        ] {
            let r = rows(v);
            values(field, r.iter().map(|(a, x)| (a.clone(), &x[..])), f64::MAX)?;
        }
        Ok(())
    }

    /// Calibrates the rates on the last `years` collection years of a clean history.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] if `years` is 0 or more than the years held;
    /// [`Error::Model`] if no child is in care at the base.
    pub fn fit(c: &Clean, years: u32) -> Result<MovesModel> {
        let held = u32::try_from(c.last_year - c.first_year + 1).unwrap_or(0);
        if years == 0 || years > held {
            return Err(Error::argument(
                "years",
                years,
                format!("must be 1 to {held} (the years held)"),
            ));
        }
        let me = month_ends(c.last_year, years);
        let nm = me.len();
        let mut moves = vec![[[0.0; STATES]; STATES]; 5];
        let mut exits = vec![[[0.0; 6]; STATES]; 5];
        let mut exposure = vec![[0.0; STATES]; 5];
        let mut entries = vec![[0.0; STATES]; MONTHS];
        let mut stock = vec![[0.0; STATES]; MONTHS];
        let eps = &c.episodes;
        let mut state: Vec<Option<(usize, usize)>> = vec![None; nm];
        for run in eps.chunk_by(|a, b| a.child == b.child) {
            let Some(dob) = c.dob.get(run[0].child as usize).copied().flatten() else {
                continue;
            };
            let born = ymd(dob);
            state.iter_mut().for_each(|s| *s = None);
            for e in run {
                let from = me.partition_point(|&x| x < e.decom);
                for mi in from..nm {
                    if e.dec.is_some_and(|x| x <= me[mi]) {
                        break;
                    }
                    if let Some(age) = months_old(born, me[mi]) {
                        state[mi] = Some((age, state_of(e.place.as_str(), e.provider.as_str())));
                    }
                }
            }
            for mi in 0..nm.saturating_sub(1) {
                match (state[mi], state[mi + 1]) {
                    (Some((a, s)), Some((_, s2))) => {
                        let b = band_of(a);
                        exposure[b][s] += 1.0;
                        if s2 != s {
                            moves[b][s][s2] += 1.0;
                        }
                    }
                    (Some((a, s)), None) => {
                        if a + 1 >= MONTHS {
                            continue; // reached 18: the model ages them out itself
                        }
                        let b = band_of(a);
                        exposure[b][s] += 1.0;
                        // The reason of the cease between the two month ends.
                        let rec = run
                            .iter()
                            .find(|e| e.dec.is_some_and(|d| d > me[mi] && d <= me[mi + 1]))
                            .map_or("", |e| e.rec.as_str());
                        exits[b][s][exit_group(rec)] += 1.0;
                    }
                    (None, Some((a, s))) => entries[a][s] += 1.0,
                    (None, None) => {}
                }
            }
            if let Some((a, s)) = state[nm - 1] {
                stock[a][s] += 1.0;
            }
        }
        if stock.iter().flatten().sum::<f64>() == 0.0 {
            return Err(Error::model(
                "no child is in care at the last month end of the returns",
            ));
        }
        for b in 0..5 {
            for s in 0..STATES {
                let n = exposure[b][s];
                if n > 0.0 {
                    moves[b][s].iter_mut().for_each(|x| *x /= n);
                    exits[b][s].iter_mut().for_each(|x| *x /= n);
                }
            }
        }
        let per_month = (nm - 1) as f64;
        for row in &mut entries {
            row.iter_mut().for_each(|x| *x /= per_month);
        }
        Ok(MovesModel {
            base: (c.last_year, 3),
            moves,
            exits,
            entries,
            stock,
            exposure,
            months_observed: nm - 1,
        })
    }

    /// The monthly move probabilities with `changes` applied.
    pub(crate) fn changed_moves(
        &self,
        changes: &[TransitionChange],
    ) -> Result<Vec<[[f64; STATES]; STATES]>> {
        let mut moves = self.moves.clone();
        for ch in changes {
            if !ch.factor.is_finite() || ch.factor < 0.0 {
                return Err(Error::argument(
                    "factor",
                    ch.factor,
                    "must be a finite number, 0 or more",
                ));
            }
            let f = PlacementType::ALL
                .iter()
                .position(|x| *x == ch.from)
                .unwrap_or(STATES - 1);
            let t = PlacementType::ALL
                .iter()
                .position(|x| *x == ch.to)
                .unwrap_or(STATES - 1);
            for (b, band) in moves.iter_mut().enumerate() {
                band[f][t] *= ch.factor;
                let out: f64 = band[f].iter().sum::<f64>() + self.exits[b][f].iter().sum::<f64>();
                if out > 1.0 + LEAVE_TOLERANCE {
                    return Err(Error::argument(
                        "factor",
                        ch.factor,
                        format!(
                            "moving from {} would exceed a monthly probability of one",
                            ch.from
                        ),
                    ));
                }
            }
        }
        Ok(moves)
    }

    /// Projects `years` years month by month, with optional changes to transition rates.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] for `years` outside 1-25 or a negative or non-finite
    /// factor, or a change that would make the monthly probabilities of leaving a state
    /// exceed one; and for a malformed model (see [`MovesModel::check`]).
    pub fn project(&self, years: u32, changes: &[TransitionChange]) -> Result<MovesProjection> {
        self.check()?;
        if !(1..=25).contains(&years) {
            return Err(Error::argument("years", years, "must be 1 to 25"));
        }
        let moves = self.changed_moves(changes)?;
        let n = years as usize * 12;
        let mut p = MovesProjection {
            months: Vec::with_capacity(n),
            stock_by_type: Vec::with_capacity(n),
            stock_by_band: Vec::with_capacity(n),
            exits: Vec::with_capacity(n),
            moves: Vec::with_capacity(n),
            entries: Vec::with_capacity(n),
        };
        let mut x = self.stock.clone();
        let mut next = vec![[0.0; STATES]; MONTHS];
        let entries_total: f64 = self.entries.iter().flatten().sum();
        let (mut y, mut m) = self.base;
        for _ in 0..n {
            (y, m) = if m == 12 { (y + 1, 1) } else { (y, m + 1) };
            next.iter_mut().for_each(|r| *r = [0.0; STATES]);
            let mut ex = [0.0; 7];
            let mut mv = 0.0;
            for a in 0..MONTHS {
                let b = band_of(a);
                for s in 0..STATES {
                    let v = x[a][s];
                    if v == 0.0 {
                        continue;
                    }
                    let mut stay = v;
                    for (t, &q) in moves[b][s].iter().enumerate() {
                        if q > 0.0 {
                            let d = v * q;
                            stay -= d;
                            mv += d;
                            if a + 1 < MONTHS {
                                next[a + 1][t] += d;
                            } else {
                                ex[6] += d;
                            }
                        }
                    }
                    for (r, &q) in self.exits[b][s].iter().enumerate() {
                        let d = v * q;
                        stay -= d;
                        ex[r] += d;
                    }
                    // `check` accepts totals up to 1 + LEAVE_TOLERANCE: no negative rounding.
                    let stay = stay.max(0.0);
                    if a + 1 < MONTHS {
                        next[a + 1][s] += stay;
                    } else {
                        ex[6] += stay;
                    }
                }
            }
            for (row, add) in next.iter_mut().zip(&self.entries) {
                for (v, e) in row.iter_mut().zip(add) {
                    *v += e;
                }
            }
            std::mem::swap(&mut x, &mut next);
            let mut by_type = [0.0; STATES];
            let mut by_band = [0.0; 5];
            for (a, row) in x.iter().enumerate() {
                for (s, &v) in row.iter().enumerate() {
                    by_type[s] += v;
                    by_band[band_of(a)] += v;
                }
            }
            p.months.push((y, m));
            p.stock_by_type.push(by_type);
            p.stock_by_band.push(by_band);
            p.exits.push(ex);
            p.moves.push(mv);
            p.entries.push(entries_total);
        }
        Ok(p)
    }
}
