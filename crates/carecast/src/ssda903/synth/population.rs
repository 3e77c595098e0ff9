//! The population step of the synthetic return: children admitted through the simulated
//! years, their spells (placements, legal status, moves, the reason they leave), the
//! short-break children, and the header traps put on a few of them.

use rand::RngExt;
use rand_xoshiro::Xoshiro256PlusPlus;

use super::SynthOptions;
use crate::ssda903::codes;
use crate::ssda903::day::{Day, age, birthday, day, march31};

#[derive(Debug, Clone)]
pub(super) struct Ep {
    pub(super) decom: Day,
    pub(super) dec: Option<Day>,
    pub(super) rne: &'static str,
    pub(super) ls: &'static str,
    pub(super) cin: &'static str,
    pub(super) place: &'static str,
    pub(super) provider: &'static str,
    pub(super) rec: &'static str,
    pub(super) reason: &'static str,
    /// Whether the next episode continues the same spell.
    pub(super) contiguous: bool,
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
pub(super) struct Child {
    pub(super) id: String,
    pub(super) sex: u8,
    pub(super) dob: Day,
    pub(super) ethnic: &'static str,
    pub(super) upn: String,
    pub(super) uasc: Option<Day>,
    pub(super) eps: Vec<Ep>,
    pub(super) short_break: bool,
    pub(super) no_header: bool,
    /// Years whose header row is left out.
    pub(super) header_gaps: Vec<i32>,
    /// A wrong DOB shown in every return but the latest.
    pub(super) wrong_dob: Option<Day>,
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
pub(super) fn slot(ages: &mut [u32; 18], a: i32) -> Option<&mut u32> {
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

/// Child identifiers: a serial number, spread and written in one of the two styles
/// councils use (`0001234` or `C1234`).
pub(super) struct Serial(pub(super) u32);

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
pub(super) fn year_span(y: i32) -> (Day, Day) {
    (day(y - 1, 4, 1), march31(y))
}

/// Whether an episode is open at some time in collection year `y`.
pub(super) fn in_year(e: &Ep, y: i32) -> bool {
    let (s, t) = year_span(y);
    e.decom <= t && e.dec.is_none_or(|d| d >= s)
}

/// The admitted population: admissions through the simulated years (from 18 years before
/// the first return), each child's spells, and who they are; only children with an episode
/// in the returns' window are kept.
pub(super) fn admitted_children(
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
pub(super) fn short_break_children(
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
pub(super) fn header_traps(
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
