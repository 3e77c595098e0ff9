//! The writing step of the synthetic return: each collection year's header, episodes and
//! UASC rows in the chosen layout and date format, with the episode traps.

use std::fmt::Write as _;

use super::population::{Child, Ep, in_year, year_span};
use super::{DateStyle, Layout, SynthOptions};
use crate::ssda903::codes;
use crate::ssda903::day::{Day, age, dmy, fy_of, iso};

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
pub(super) fn write_files(
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
