//! Synthetic SSDA903 returns: a seeded generator that writes header, episodes and UASC
//! files the way councils export them, with the data-quality traps real returns carry, and
//! that knows the true answer (stock, starts and ceases) so a reader can be checked.
//!
//! The population is open: children are admitted throughout the simulated years (from 18
//! years before the first return, so the stock at the start is mature), move between
//! placements, change legal status, leave for a reason that fits their age, and may come
//! back. The rates are plausible, not calibrated to any council.
//!
//! ```
//! use carecast::ssda903::synth::{generate, SynthOptions};
//! let s = generate(&SynthOptions { admissions_per_year: 60.0, ..SynthOptions::default() }).unwrap();
//! assert!(s.files.iter().any(|(name, _)| name.ends_with("episodes.csv")));
//! assert!(s.truth.stock_total(2020).unwrap() > 0);
//! ```

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use rand::{RngExt, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;

use super::codes;
use super::day::{Day, age, birthday, day, dmy, fy_of, iso, march31, month_end};
use crate::{Error, Result};

/// How the files of several years are laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// One folder per collection year, named `2019-20` (the year ending 31 March 2020).
    Folders,
    /// One file per table with `LA` and `YEAR` columns (YEAR = the closing year).
    YearColumn,
}

/// How dates are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateStyle {
    /// `dd/mm/YYYY`, as in the DfE's CSVs.
    Dmy,
    /// `YYYY-MM-DD`.
    Iso,
    /// Alternating by collection year (dd/mm/YYYY first).
    Mixed,
}

/// What to generate.
#[derive(Debug, Clone, PartialEq)]
pub struct SynthOptions {
    /// Seed of the random stream: the same options give the same files.
    pub seed: u64,
    /// Closing year of the first return (2020 = the year ending 31 March 2020).
    pub first_year: i32,
    /// Number of yearly returns.
    pub years: u32,
    /// Mean number of admissions to care per year.
    pub admissions_per_year: f64,
    /// Mean number of children looked after only under short breaks (V3/V4) per year.
    pub short_breaks_per_year: f64,
    /// File layout.
    pub layout: Layout,
    /// Date format.
    pub dates: DateStyle,
    /// Whether to put the data-quality traps in (duplicates, overlaps, missing headers,
    /// corrected rows, lower-case codes, a byte-order mark, an unrelated file).
    pub traps: bool,
}

impl Default for SynthOptions {
    fn default() -> Self {
        SynthOptions {
            seed: 1,
            first_year: 2020,
            years: 5,
            admissions_per_year: 300.0,
            short_breaks_per_year: 15.0,
            layout: Layout::Folders,
            dates: DateStyle::Mixed,
            traps: true,
        }
    }
}

impl SynthOptions {
    /// A county-sized return: about 10,000 children and 45,000 episode rows over five
    /// years.
    pub fn county() -> Self {
        SynthOptions {
            admissions_per_year: 1_300.0,
            short_breaks_per_year: 60.0,
            ..SynthOptions::default()
        }
    }

    /// An England-sized return: about 84,000 children in care at each 31 March (England
    /// has about 86,000), over 15 yearly returns (2006 to 2020), which gives about 3.7
    /// million episode rows (about 340 MB of CSV with the generator's columns).
    pub fn england() -> Self {
        SynthOptions {
            admissions_per_year: 44_000.0,
            short_breaks_per_year: 500.0,
            first_year: 2006,
            years: 15,
            ..SynthOptions::default()
        }
    }
}

/// The true figures behind a synthetic return, counted on the generator's own clean
/// episodes with the conventions carecast documents: children looked after only under short
/// breaks and children with no header row in any return are left out; a child is in the
/// stock on day `d` when an episode started on or before `d` and ceased after it; a child
/// is counted once per year among starts (first start) and ceases (last cease).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Truth {
    /// Stock at 31 March of each year (keyed by year), by single year of age 0-17.
    pub stock_by_age: BTreeMap<i32, [u32; 18]>,
    /// Children starting to be looked after in each financial year (keyed by closing year),
    /// by single year of age at the start.
    pub starts_by_age: BTreeMap<i32, [u32; 18]>,
    /// Children ceasing in each financial year, by reason (`REC`) of the last cease.
    pub ceases_by_reason: BTreeMap<i32, BTreeMap<String, u32>>,
    /// Stock at every month end of the data window, all ages.
    pub stock_month_end: BTreeMap<(i32, u32), u32>,
    /// Children looked after only under short breaks.
    pub short_break_children: u32,
    /// Children whose header row was left out of every return and who are not in the
    /// UASC table (so no date of birth can be known).
    pub no_header_children: u32,
    /// Episode rows written (all files).
    pub episode_rows: usize,
    /// Distinct children in the files.
    pub children: usize,
}

impl Truth {
    /// Stock of all ages at 31 March `year`, if in the window.
    pub fn stock_total(&self, year: i32) -> Option<u32> {
        self.stock_by_age.get(&year).map(|a| a.iter().sum())
    }

    /// Starts of all ages in the financial year ending in `year`.
    pub fn starts_total(&self, year: i32) -> Option<u32> {
        self.starts_by_age.get(&year).map(|a| a.iter().sum())
    }

    /// Ceases (all reasons) in the financial year ending in `year`.
    pub fn ceases_total(&self, year: i32) -> Option<u32> {
        self.ceases_by_reason.get(&year).map(|m| m.values().sum())
    }
}

/// A generated return: files as `(relative path, contents)` and the truth.
#[derive(Debug, Clone)]
pub struct Synthetic {
    /// The files, with paths relative to the return's root folder.
    pub files: Vec<(String, String)>,
    /// The true figures.
    pub truth: Truth,
}

impl Synthetic {
    /// Writes the files under `dir` (creating folders).
    ///
    /// # Errors
    /// [`Error::Io`] when a folder or file cannot be written.
    pub fn write(&self, dir: impl AsRef<Path>) -> Result<()> {
        let dir = dir.as_ref();
        for (name, text) in &self.files {
            let p = dir.join(name);
            let io = |e: std::io::Error| Error::Io {
                path: p.display().to_string(),
                message: e.to_string(),
            };
            if let Some(parent) = p.parent() {
                std::fs::create_dir_all(parent).map_err(io)?;
            }
            std::fs::write(&p, text).map_err(io)?;
        }
        Ok(())
    }
}

#[derive(Debug, Clone)]
struct Ep {
    decom: Day,
    dec: Option<Day>,
    rne: &'static str,
    ls: &'static str,
    cin: &'static str,
    place: &'static str,
    provider: &'static str,
    rec: &'static str,
    reason: &'static str,
    /// Whether the next episode continues the same spell.
    contiguous: bool,
}

impl Ep {
    /// An episode starting on `decom`, open, in a spell that goes on.
    fn open(decom: Day, rne: &'static str, state: [&'static str; 4], reason: &'static str) -> Ep {
        let [ls, cin, place, provider] = state;
        Ep {
            decom,
            dec: None,
            rne,
            ls,
            cin,
            place,
            provider,
            rec: "",
            reason,
            contiguous: true,
        }
    }
}

#[derive(Debug, Clone)]
struct Child {
    id: String,
    sex: u8,
    dob: Day,
    ethnic: &'static str,
    upn: String,
    uasc: Option<Day>,
    eps: Vec<Ep>,
    short_break: bool,
    no_header: bool,
    /// Years whose header row is left out.
    header_gaps: Vec<i32>,
    /// A wrong DOB shown in every return but the latest.
    wrong_dob: Option<Day>,
}

fn pick<T: Copy>(rng: &mut Xoshiro256PlusPlus, items: &[(T, f64)]) -> T {
    let total: f64 = items.iter().map(|i| i.1).sum();
    let mut x = rng.random::<f64>() * total;
    for &(v, w) in items {
        if x < w {
            return v;
        }
        x -= w;
    }
    items[items.len() - 1].0
}

/// A whole number of days from a generated real number, clamped into `i32` (the generator's
/// draws are at most a few thousand days; the clamp makes the conversion exact, and a NaN
/// becomes 0).
#[allow(clippy::cast_possible_truncation)]
fn whole_days(x: f64) -> i32 {
    x.round().clamp(f64::from(i32::MIN), f64::from(i32::MAX)) as i32
}

/// A count from a generated non-negative real number, rounded (negative or NaN gives 0,
/// beyond `u32` saturates).
#[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
fn count(x: f64) -> usize {
    let n = x.round().clamp(0.0, f64::from(u32::MAX)) as u32;
    usize::try_from(n).unwrap_or(usize::MAX)
}

/// The count for age `a` (0 to 17) in a year's ages, none for an age outside them.
fn slot(ages: &mut [u32; 18], a: i32) -> Option<&mut u32> {
    usize::try_from(a).ok().and_then(|i| ages.get_mut(i))
}

fn exp_days(rng: &mut Xoshiro256PlusPlus, mean: f64) -> i32 {
    let u: f64 = rng.random::<f64>();
    whole_days((-(1.0 - u).ln() * mean).ceil().max(1.0))
}

fn place_for(rng: &mut Xoshiro256PlusPlus, age: i32) -> (&'static str, &'static str) {
    let place = if age < 5 {
        pick(
            rng,
            &[
                ("U4", 0.4),
                ("U5", 0.15),
                ("U6", 0.1),
                ("U1", 0.15),
                ("U3", 0.05),
                ("P1", 0.1),
                ("R3", 0.05),
            ],
        )
    } else if age < 10 {
        pick(
            rng,
            &[
                ("U4", 0.35),
                ("U5", 0.2),
                ("U6", 0.15),
                ("U1", 0.12),
                ("P1", 0.1),
                ("K2", 0.05),
                ("Z1", 0.03),
            ],
        )
    } else if age < 16 {
        pick(
            rng,
            &[
                ("U4", 0.3),
                ("U5", 0.15),
                ("U6", 0.12),
                ("U1", 0.08),
                ("K2", 0.18),
                ("P1", 0.06),
                ("S1", 0.03),
                ("K1", 0.02),
                ("R1", 0.03),
                ("T1", 0.03),
            ],
        )
    } else {
        pick(
            rng,
            &[
                ("U4", 0.2),
                ("U5", 0.1),
                ("U1", 0.05),
                ("K2", 0.15),
                ("H5", 0.2),
                ("K3", 0.1),
                ("P2", 0.1),
                ("R5", 0.03),
                ("P1", 0.04),
                ("Z1", 0.03),
            ],
        )
    };
    let provider = match codes::place_group(place) {
        "fostering" if matches!(place, "U1" | "U2" | "U3") => "PR1",
        "fostering" => pick(
            rng,
            &[("PR1", 0.55), ("PR4", 0.3), ("PR5", 0.1), ("PR2", 0.05)],
        ),
        "residential" | "secure" => pick(
            rng,
            &[("PR1", 0.2), ("PR4", 0.65), ("PR5", 0.1), ("PR3", 0.05)],
        ),
        "supported" => pick(rng, &[("PR1", 0.2), ("PR4", 0.6), ("PR5", 0.2)]),
        "with_parents" => "PR0",
        "temporary" => "",
        _ if place == "Z1" => "",
        _ => pick(rng, &[("PR1", 0.5), ("PR3", 0.5)]),
    };
    (place, provider)
}

fn exit_reason(rng: &mut Xoshiro256PlusPlus, age: i32) -> &'static str {
    if age < 5 {
        pick(
            rng,
            &[
                ("E4A", 0.35),
                ("E13", 0.1),
                ("E11", 0.25),
                ("E12", 0.05),
                ("E45", 0.1),
                ("E46", 0.05),
                ("E41", 0.1),
            ],
        )
    } else if age < 16 {
        pick(
            rng,
            &[
                ("E4A", 0.4),
                ("E4B", 0.08),
                ("E13", 0.15),
                ("E41", 0.08),
                ("E45", 0.1),
                ("E8", 0.1),
                ("E3", 0.04),
                ("E9", 0.05),
            ],
        )
    } else {
        pick(
            rng,
            &[
                ("E4A", 0.25),
                ("E13", 0.1),
                ("E5", 0.2),
                ("E6", 0.1),
                ("E8", 0.2),
                ("E9", 0.05),
                ("E14", 0.05),
                ("E15", 0.05),
            ],
        )
    }
}

/// How a spell ends: its end day, whether at 18, the reason, and the day adoption starts
/// (the end itself when not adopted).
struct SpellEnd {
    end: Day,
    at18: bool,
    rec: &'static str,
    adoption: bool,
    adopt_from: Day,
}

/// Draws how a spell starting on `t0` at age `a0` ends.
fn spell_end(rng: &mut Xoshiro256PlusPlus, dob: Day, t0: Day, a0: i32) -> SpellEnd {
    let adult = birthday(dob, 18);
    let long = rng.random::<f64>() < if a0 >= 16 { 0.5 } else { 0.65 };
    let len = exp_days(rng, if long { 1_100.0 } else { 110.0 });
    let mut end = t0 + len;
    let mut at18 = false;
    if end >= adult {
        end = adult;
        at18 = true;
    }
    let end = end.max(t0 + 1);
    let mut rec_final = if at18 {
        pick(
            rng,
            &[("E17", 0.25), ("E5", 0.3), ("E6", 0.15), ("E8", 0.3)],
        )
    } else {
        exit_reason(rng, age(dob, end))
    };
    let adoption = matches!(rec_final, "E11" | "E12") && end - t0 > 200;
    if matches!(rec_final, "E11" | "E12") && !adoption {
        rec_final = "E4A";
    }
    let adopt_from = if adoption {
        (end - 60 - exp_days(rng, 150.0).min(end - t0 - 30)).max(t0 + 1)
    } else {
        end
    };
    SpellEnd {
        end,
        at18,
        rec: rec_final,
        adoption,
        adopt_from,
    }
}

/// The legal status a spell starts under, by age at the start.
fn first_legal_status(rng: &mut Xoshiro256PlusPlus, a0: i32) -> &'static str {
    if a0 >= 10 {
        pick(
            rng,
            &[
                ("C1", 0.3),
                ("V2", 0.5),
                ("L2", 0.05),
                ("J1", 0.1),
                ("L1", 0.05),
            ],
        )
    } else {
        pick(rng, &[("C1", 0.45), ("V2", 0.4), ("L2", 0.1), ("L1", 0.05)])
    }
}

/// Simulates one spell starting on `t0`; returns its episodes and its end (None if open at
/// `horizon`).
fn spell(
    rng: &mut Xoshiro256PlusPlus,
    dob: Day,
    t0: Day,
    horizon: Day,
    first_rne: &'static str,
) -> (Vec<Ep>, Option<Day>, bool) {
    let a0 = age(dob, t0);
    let SpellEnd {
        end,
        at18,
        rec: rec_final,
        adoption,
        adopt_from,
    } = spell_end(rng, dob, t0, a0);
    let mut ls = first_legal_status(rng, a0);
    let cin = pick(
        rng,
        &[
            ("N1", 0.6),
            ("N2", 0.05),
            ("N3", 0.05),
            ("N4", 0.15),
            ("N5", 0.05),
            ("N6", 0.03),
            ("N7", 0.02),
            ("N8", 0.05),
        ],
    );
    let (mut place, mut provider) = place_for(rng, a0);
    let mut eps = vec![Ep::open(t0, first_rne, [ls, cin, place, provider], "")];
    let mut t = t0;
    loop {
        let move_at = t + exp_days(rng, 420.0);
        let legal_at = if matches!(ls, "C1" | "L1" | "L2" | "V2" | "J1") {
            t + exp_days(rng, 260.0)
        } else {
            i32::MAX
        };
        let mut next = move_at.min(legal_at);
        let to_adoption =
            adoption && next >= adopt_from && eps.last().is_some_and(|e| e.ls != "E1");
        if to_adoption {
            next = adopt_from;
        }
        if next >= end || next > horizon || eps.last().is_some_and(|e| e.ls == "E1") {
            break;
        }
        let (rne, reason) = if to_adoption {
            ls = "E1";
            place = pick(rng, &[("A4", 0.4), ("A5", 0.3), ("A6", 0.2), ("A3", 0.1)]);
            provider = "PR1";
            ("B", "APPRR")
        } else if next == legal_at {
            ls = match ls {
                "C1" => "C2",
                "V2" => pick(rng, &[("C1", 0.6), ("C2", 0.4)]),
                _ => pick(rng, &[("C1", 0.5), ("V2", 0.5)]),
            };
            ("L", "")
        } else {
            let r = rng.random::<f64>();
            let reason = move_reason(rng);
            if r < 0.12 {
                ("T", reason)
            } else {
                let (p, pr) = place_for(rng, age(dob, next));
                place = p;
                provider = pr;
                if r < 0.22 {
                    ls = if ls == "V2" { "C1" } else { ls };
                    ("B", reason)
                } else {
                    ("P", reason)
                }
            }
        };
        if let Some(last) = eps.last_mut() {
            last.dec = Some(next);
            last.rec = "X1";
        }
        eps.push(Ep::open(next, rne, [ls, cin, place, provider], reason));
        t = next;
    }
    if let Some(last) = eps.last_mut() {
        last.contiguous = false;
        if end <= horizon {
            last.dec = Some(end);
            last.rec = rec_final;
        }
    }
    let closed = end <= horizon;
    (eps, closed.then_some(end), at18)
}

/// The reason a placement changes (`REASON_PLACE_CHANGE`).
fn move_reason(rng: &mut Xoshiro256PlusPlus) -> &'static str {
    pick(
        rng,
        &[
            ("CARPL", 0.3),
            ("CHILD", 0.15),
            ("STAND", 0.1),
            ("ALLEG", 0.05),
            ("CLOSE", 0.05),
            ("CREQB", 0.1),
            ("LAREQ", 0.1),
            ("OTHER", 0.15),
        ],
    )
}

/// Generates a synthetic return.
///
/// # Errors
/// [`Error::InvalidArgument`] for no years, a first year outside 1990-2100, or a
/// negative or non-finite admissions rate.
pub fn generate(o: &SynthOptions) -> Result<Synthetic> {
    check(o)?;
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(o.seed);
    // `years` is 1 to 30 (checked above).
    let last_year = o.first_year + i32::try_from(o.years).unwrap_or(30) - 1;
    let mut ids = Serial(0);
    let mut children = admitted_children(&mut rng, o, last_year, &mut ids);
    short_break_children(&mut rng, o, last_year, &mut ids, &mut children);
    if o.traps {
        header_traps(&mut rng, o, last_year, &mut children);
    }
    let mut truth = truth(&children, o.first_year, last_year);
    let (files, episode_rows) = write_files(o, last_year, &children);
    truth.episode_rows = episode_rows;
    truth.children = children.len();
    Ok(Synthetic { files, truth })
}

/// Refuses options the generator cannot honour, naming the option.
fn check(o: &SynthOptions) -> Result<()> {
    if o.years == 0 || o.years > 30 {
        return Err(Error::argument("years", o.years, "must be 1 to 30"));
    }
    if !(1990..=2100).contains(&o.first_year) {
        return Err(Error::argument(
            "first_year",
            o.first_year,
            "must be 1990 to 2100",
        ));
    }
    for (name, v) in [
        ("admissions_per_year", o.admissions_per_year),
        ("short_breaks_per_year", o.short_breaks_per_year),
    ] {
        if !v.is_finite() || v < 0.0 {
            return Err(Error::argument(
                name,
                v,
                "must be a finite number, 0 or more",
            ));
        }
    }
    Ok(())
}

/// Child identifiers: a serial number, spread and written in one of the two styles
/// councils use (`0001234` or `C1234`).
struct Serial(u32);

impl Serial {
    fn next(&mut self, rng: &mut Xoshiro256PlusPlus) -> String {
        self.0 += 1;
        let n = self.0 * 7 + rng.random_range(0..7u32);
        if rng.random::<f64>() < 0.5 {
            format!("{n:07}")
        } else {
            format!("C{n}")
        }
    }
}

/// The collection year's first and last day.
fn year_span(y: i32) -> (Day, Day) {
    (day(y - 1, 4, 1), march31(y))
}

/// Whether an episode is open at some time in collection year `y`.
fn in_year(e: &Ep, y: i32) -> bool {
    let (s, t) = year_span(y);
    e.decom <= t && e.dec.is_none_or(|d| d >= s)
}

/// The admitted population: admissions through the simulated years (from 18 years before
/// the first return), each child's spells, and who they are; only children with an episode
/// in the returns' window are kept.
fn admitted_children(
    rng: &mut Xoshiro256PlusPlus,
    o: &SynthOptions,
    last_year: i32,
    ids: &mut Serial,
) -> Vec<Child> {
    let data_start = day(o.first_year - 1, 4, 1);
    let horizon = march31(last_year);
    let sim_start = day(o.first_year - 19, 4, 1);
    let window = (horizon - sim_start + 1) as f64;
    let n_adm = count(o.admissions_per_year * window / 365.25);
    let mut admits: Vec<Day> = (0..n_adm)
        .map(|_| sim_start + whole_days((rng.random::<f64>() * window).floor()))
        .collect();
    admits.sort_unstable();
    let mut children: Vec<Child> = Vec::new();
    for t0 in admits {
        let dob = t0 - age_at_admission(rng);
        let eps = spells(rng, dob, t0, horizon);
        // Keep only children with an episode in the window.
        if eps.iter().all(|e| e.dec.is_some_and(|d| d < data_start)) {
            continue;
        }
        let sex = if rng.random::<f64>() < 0.55 { 1 } else { 2 };
        let uasc = (age(dob, t0) >= 13 && rng.random::<f64>() < 0.12).then(|| birthday(dob, 18));
        children.push(Child {
            id: ids.next(rng),
            sex,
            dob,
            ethnic: if uasc.is_some() {
                "OOTH"
            } else {
                codes::ETHNIC[pick(rng, &[(0usize, 0.7), (1, 0.3)]) * rng.random_range(0..20usize)]
            },
            upn: if rng.random::<f64>() < 0.8 {
                format!("A{:012}", rng.random_range(0..1_000_000_000_000u64))
            } else {
                format!("UN{}", rng.random_range(1..6u8))
            },
            uasc,
            eps,
            short_break: false,
            no_header: false,
            header_gaps: Vec::new(),
            wrong_dob: None,
        });
    }
    children
}

/// A child's age in days on admission, drawn by age band.
fn age_at_admission(rng: &mut Xoshiro256PlusPlus) -> i32 {
    let age_band = pick(
        rng,
        &[(0, 0.2), (1, 0.17), (5, 0.17), (10, 0.36), (16, 0.1)],
    );
    let width = match age_band {
        0 => 365,
        1 | 5 => 4 * 365 + 365,
        10 => 6 * 365,
        _ => 2 * 365 - 20,
    };
    match age_band {
        0 => rng.random_range(0..width),
        1 => 365 + rng.random_range(0..4 * 365),
        5 => 5 * 365 + rng.random_range(0..5 * 365),
        10 => 10 * 365 + 3 + rng.random_range(0..width),
        _ => 16 * 365 + 5 + rng.random_range(0..width),
    }
}

/// A child's spells from admission on `t0`: some come back after a spell ends (not after
/// leaving at 18 or too close to it).
fn spells(rng: &mut Xoshiro256PlusPlus, dob: Day, t0: Day, horizon: Day) -> Vec<Ep> {
    let mut eps = Vec::new();
    let mut t = t0;
    let rne = "S";
    loop {
        let (mut e, end, at18) = spell(rng, dob, t, horizon, rne);
        eps.append(&mut e);
        let Some(end) = end else { break };
        if at18 || rng.random::<f64>() > 0.12 {
            break;
        }
        t = end + exp_days(rng, 400.0);
        if t > horizon || t >= birthday(dob, 18) - 30 {
            break;
        }
    }
    eps
}

/// Children looked after only under short breaks (V3 runs of a few days, or one V4 stay),
/// appended to `children`.
fn short_break_children(
    rng: &mut Xoshiro256PlusPlus,
    o: &SynthOptions,
    last_year: i32,
    ids: &mut Serial,
    children: &mut Vec<Child>,
) {
    for y in o.first_year..=last_year {
        let n = count(o.short_breaks_per_year * (0.8 + 0.4 * rng.random::<f64>()));
        let ys = day(y - 1, 4, 1);
        for _ in 0..n {
            let dob = ys - rng.random_range(5 * 365..16 * 365);
            let eps = short_breaks(rng, y);
            if eps.is_empty() {
                continue;
            }
            children.push(Child {
                id: ids.next(rng),
                sex: if rng.random::<f64>() < 0.6 { 1 } else { 2 },
                dob,
                ethnic: "WBRI",
                upn: "UN1".into(),
                uasc: None,
                eps,
                short_break: true,
                no_header: false,
                header_gaps: Vec::new(),
                wrong_dob: None,
            });
        }
    }
}

/// One short-break child's episodes in collection year `y`.
fn short_breaks(rng: &mut Xoshiro256PlusPlus, y: i32) -> Vec<Ep> {
    let ys = day(y - 1, 4, 1);
    let short = |decom: Day, dec: Day, ls: &'static str, place: &'static str| Ep {
        decom,
        dec: Some(dec),
        rne: "S",
        ls,
        cin: "N1",
        place,
        provider: "PR1",
        rec: "E13",
        reason: "",
        contiguous: false,
    };
    let mut eps = Vec::new();
    if rng.random::<f64>() < 0.7 {
        let mut t = ys + rng.random_range(0..60);
        for _ in 0..rng.random_range(2..7) {
            let len = rng.random_range(1..4);
            if t + len > march31(y) {
                break;
            }
            eps.push(short(t, t + len, "V3", "U4"));
            t += len + rng.random_range(20..60);
        }
    } else {
        let t = ys + rng.random_range(0..120);
        let end = (t + rng.random_range(60..200)).min(march31(y));
        eps.push(short(t, end, "V4", "K2"));
    }
    eps
}

/// The header traps: a few children with no header row in any return, a header row left
/// out of one return, or a wrong date of birth corrected by the latest return.
fn header_traps(
    rng: &mut Xoshiro256PlusPlus,
    o: &SynthOptions,
    last_year: i32,
    children: &mut [Child],
) {
    for c in children {
        let years: Vec<i32> = (o.first_year..=last_year)
            .filter(|&y| c.eps.iter().any(|e| in_year(e, y)))
            .collect();
        if !c.short_break && rng.random::<f64>() < 0.003 {
            c.no_header = true;
        } else if years.len() >= 2 {
            if rng.random::<f64>() < 0.01 {
                c.header_gaps
                    .push(years[rng.random_range(0..years.len() - 1)]);
            }
            if rng.random::<f64>() < 0.01 {
                c.wrong_dob = Some(c.dob + rng.random_range(20..200));
            }
        }
    }
}

const COLS_E: &str =
    "CHILD,DECOM,RNE,LS,CIN,PLACE,PLACE_PROVIDER,DEC,REC,REASON_PLACE_CHANGE,HOME_POST,PL_POST,URN";
const COLS_H: &str = "CHILD,SEX,DOB,ETHNIC,UPN,MOTHER,MC_DOB";
const COLS_U: &str = "CHILD,SEX,DOB,DUC";

/// One collection year's rows of the three tables.
#[derive(Default)]
struct YearText {
    episodes: String,
    header: String,
    uasc: String,
    episode_rows: usize,
}

/// How one collection year is written.
struct YearStyle {
    y: i32,
    last_year: i32,
    first_year: i32,
    iso_dates: bool,
    traps: bool,
    /// `,LA,YEAR` values for the one-file layout (empty for folders).
    tail: String,
}

impl YearStyle {
    fn date(&self, d: Day) -> String {
        if self.iso_dates { iso(d) } else { dmy(d) }
    }
}

/// The files: one folder per year, or one file per table with `LA` and `YEAR`; and the
/// number of episode rows written.
fn write_files(
    o: &SynthOptions,
    last_year: i32,
    children: &[Child],
) -> (Vec<(String, String)>, usize) {
    let mut files = Vec::new();
    let mut episode_rows = 0usize;
    let extra = o.layout == Layout::YearColumn;
    let mut all = YearText::default();
    for (yi, y) in (o.first_year..=last_year).enumerate() {
        let style = YearStyle {
            y,
            last_year,
            first_year: o.first_year,
            iso_dates: match o.dates {
                DateStyle::Dmy => false,
                DateStyle::Iso => true,
                DateStyle::Mixed => yi % 2 == 1,
            },
            traps: o.traps,
            tail: if extra {
                format!(",E10000001,{y}")
            } else {
                String::new()
            },
        };
        let mut text = YearText::default();
        for c in children {
            child_rows(c, &style, &mut text);
        }
        episode_rows += text.episode_rows;
        if extra {
            all.episodes.push_str(&text.episodes);
            all.header.push_str(&text.header);
            all.uasc.push_str(&text.uasc);
        } else {
            let folder = format!("{}-{:02}", y - 1, y % 100);
            let bom = if o.traps && yi == 0 { "\u{feff}" } else { "" };
            files.push((
                format!("{folder}/header.csv"),
                format!("{bom}{COLS_H}\n{}", text.header),
            ));
            files.push((
                format!("{folder}/episodes.csv"),
                format!("{COLS_E}\n{}", text.episodes),
            ));
            files.push((
                format!("{folder}/uasc.csv"),
                format!("{COLS_U}\n{}", text.uasc),
            ));
            if o.traps && yi == 0 {
                files.push((
                    format!("{folder}/oc3.csv"),
                    "CHILD,DOB,IN_TOUCH,ACTIV,ACCOM\n".to_string(),
                ));
            }
        }
    }
    if extra {
        files.push((
            "header.csv".into(),
            format!("{COLS_H},LA,YEAR\n{}", all.header),
        ));
        files.push((
            "episodes.csv".into(),
            format!("{COLS_E},LA,YEAR\n{}", all.episodes),
        ));
        files.push(("uasc.csv".into(), format!("{COLS_U},LA,YEAR\n{}", all.uasc)));
    }
    (files, episode_rows)
}

/// One child's rows in one collection year: its episodes (with the episode traps), then
/// its header and UASC rows if it has any episode there.
fn child_rows(c: &Child, st: &YearStyle, out: &mut YearText) {
    let y = st.y;
    let ye = year_span(y).1;
    let mut any = false;
    for (i, e) in c.eps.iter().enumerate() {
        let next = c.eps.get(i + 1);
        let mut restated = false;
        if !in_year(e, y) {
            // A later return restating an episode closed in the year before.
            let Some(d) = e.dec else { continue };
            if !(st.traps && fy_of(d) == y - 1 && y > st.first_year && wrong_rec(c, i)) {
                continue;
            }
            restated = true;
        }
        any = true;
        let mut dec = e.dec.filter(|&d| d <= ye);
        let mut rec = if dec.is_some() { e.rec } else { "" };
        let mut place = e.place.to_string();
        if st.traps && !restated {
            episode_traps(c, i, st, next, &mut dec, &mut rec, &mut place);
        }
        let row = format!(
            "{},{},{},{},{},{},{},{},{},{},{},{},{}{}\n",
            c.id,
            st.date(e.decom),
            e.rne,
            e.ls,
            e.cin,
            place,
            e.provider,
            dec.map(|d| st.date(d)).unwrap_or_default(),
            rec,
            e.reason,
            "DE1 1AA",
            if e.place == "P1" { "" } else { "DE22 3XY" },
            if codes::place_group(e.place) == "residential" {
                "SC123456"
            } else {
                "XXXXXXX"
            },
            st.tail
        );
        out.episodes.push_str(&row);
        out.episode_rows += 1;
        if st.traps && trap_hash(&c.id, i + 1000, y) % 1000 < 4 {
            out.episodes.push_str(&row);
            out.episode_rows += 1;
        }
    }
    if !any {
        return;
    }
    if !c.no_header && !c.header_gaps.contains(&y) {
        let dob = if y < st.last_year && c.eps.iter().any(|e| in_year(e, st.last_year)) {
            c.wrong_dob.unwrap_or(c.dob)
        } else {
            c.dob
        };
        let sex = match (y >= 2025, c.sex) {
            (true, 1) => "M",
            (true, _) => "F",
            (false, 1) => "1",
            (false, _) => "2",
        };
        let mother = if c.sex == 2 && age(c.dob, ye) >= 13 {
            "0"
        } else {
            ""
        };
        let _ = write!(
            out.header,
            "{},{},{},{},{},{},",
            c.id,
            sex,
            st.date(dob),
            c.ethnic,
            c.upn,
            mother
        );
        out.header.push_str(&st.tail);
        out.header.push('\n');
    }
    if let Some(duc) = c.uasc {
        let _ = write!(
            out.uasc,
            "{},{},{},{}",
            c.id,
            c.sex,
            st.date(c.dob),
            st.date(duc)
        );
        out.uasc.push_str(&st.tail);
        out.uasc.push('\n');
    }
}

/// The episode traps of one row: a wrong reason corrected by the next return, an overlap
/// with the next episode, an end date left out, a lower-case placement code.
fn episode_traps(
    c: &Child,
    i: usize,
    st: &YearStyle,
    next: Option<&Ep>,
    dec: &mut Option<Day>,
    rec: &mut &'static str,
    place: &mut String,
) {
    let (e, y) = (&c.eps[i], st.y);
    let ye = year_span(y).1;
    if dec.is_some() && *rec != "X1" && wrong_rec(c, i) && y < st.last_year {
        *rec = "E8";
        if e.rec == "E8" {
            *rec = "E13";
        }
    }
    let h = trap_hash(&c.id, i, y);
    if e.contiguous
        && dec.is_some()
        && let Some(n) = next
    {
        if h % 1000 < 10 {
            // Overlap: DEC runs past the next start (within the year and before the next
            // episode ends).
            let limit = n.dec.unwrap_or(ye).min(ye);
            let late = (n.decom + 1 + (h % 7) as i32).min(limit - 1);
            if late > n.decom {
                *dec = Some(late);
            }
        } else if h % 1000 < 15 && n.decom <= ye {
            *dec = None;
            *rec = "";
        }
    }
    if h % 1000 >= 995 {
        *place = place.to_lowercase();
    }
}

/// Whether episode `i` of a child is written with a wrong reason in its own return and
/// restated correctly in the next (only a spell's last, closed episode).
fn wrong_rec(c: &Child, i: usize) -> bool {
    let e = &c.eps[i];
    !e.contiguous && e.dec.is_some() && trap_hash(&c.id, i + 2000, 0) % 1000 < 8
}

fn trap_hash(id: &str, i: usize, y: i32) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in id
        .bytes()
        .chain((i as u64).to_le_bytes())
        .chain(y.to_le_bytes())
    {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h ^ (h >> 29)
}

fn truth(children: &[Child], first: i32, last: i32) -> Truth {
    let mut t = Truth::default();
    for c in children {
        if c.short_break {
            t.short_break_children += 1;
            continue;
        }
        // A child with no header row is left out unless the UASC table gives the DOB.
        if c.no_header && c.uasc.is_none() {
            t.no_header_children += 1;
            continue;
        }
        for y in (first - 1)..=last {
            let d = march31(y);
            if c.eps
                .iter()
                .any(|e| e.decom <= d && e.dec.is_none_or(|x| x > d))
            {
                let slots = t.stock_by_age.entry(y).or_insert([0; 18]);
                if let Some(n) = slot(slots, age(c.dob, d)) {
                    *n += 1;
                }
            } else {
                t.stock_by_age.entry(y).or_insert([0; 18]);
            }
        }
        for y in first..=last {
            let (s, e) = (day(y - 1, 4, 1), march31(y));
            t.starts_by_age.entry(y).or_insert([0; 18]);
            t.ceases_by_reason.entry(y).or_default();
            // spell starts: an "S" episode (the generator's own marker)
            if let Some(st) = c
                .eps
                .iter()
                .find(|x| x.rne == "S" && x.decom >= s && x.decom <= e)
            {
                if let Some(n) = t
                    .starts_by_age
                    .get_mut(&y)
                    .and_then(|a| slot(a, age(c.dob, st.decom)))
                {
                    *n += 1;
                }
            }
            if let Some(end) = c
                .eps
                .iter()
                .rev()
                .find(|x| !x.contiguous && x.dec.is_some_and(|d| d >= s && d <= e))
            {
                *t.ceases_by_reason
                    .entry(y)
                    .or_default()
                    .entry(end.rec.to_string())
                    .or_default() += 1;
            }
        }
        let (mut y, mut m) = (first - 1, 4u32);
        while (y, m) <= (last, 3) {
            let d = month_end(y, m);
            let n = u32::from(
                c.eps
                    .iter()
                    .any(|e| e.decom <= d && e.dec.is_none_or(|x| x > d)),
            );
            *t.stock_month_end.entry((y, m)).or_default() += n;
            (y, m) = if m == 12 { (y + 1, 1) } else { (y, m + 1) };
        }
    }
    t
}
