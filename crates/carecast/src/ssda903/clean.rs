//! Cleaning the episodes of several returns into one history per child, with an audit.
//!
//! The rules, in the order they run (each is a row of the audit, with the rows and
//! children it touched):
//!
//! | rule | action | what |
//! |---|---|---|
//! | `file_not_recognised` | noted | a CSV whose columns match none of header, episodes, UASC (e.g. OC3) is not read |
//! | `blank_row` | removed | a row with every cell empty |
//! | `duplicate_row` | removed | the same episode (child, `DECOM` and every other field) twice in one return |
//! | `same_start_in_one_return` | removed | two different rows with one child and `DECOM` in one return: the one with a `DEC` is kept, then the later line |
//! | `open_episode_repeated` | removed | an episode open at the end of one return and repeated (same child and `DECOM`) in a later one: the later row is kept |
//! | `restated_by_later_return` | removed | a closed episode given again, possibly corrected, in a later return: the later row is kept |
//! | `short_break` | removed | legal status V3 or V4 (short breaks), left out as the DfE leaves them out of its counts |
//! | `header_corrected_by_later_return` | fixed | a child whose date of birth differs between returns: the latest return's is used |
//! | `header_missing_in_year` | fixed | episodes in a return without the child's header row, dated by another return's header |
//! | `dob_from_uasc` | fixed | a child with no header row in any return whose UASC row gives the date of birth |
//! | `no_header` | removed | episodes of a child with no header row and no UASC date of birth: no age can be known |
//! | `header_without_episodes` | noted | children in a header with no episode (e.g. care leavers only) |
//! | `open_episode_closed_by_next` | fixed | an episode without `DEC` followed by a later episode: closed at the next `DECOM` |
//! | `overlap_cut` | fixed | an episode ceasing after the next one starts: its `DEC` is cut to the next `DECOM` |
//! | `open_episode_missing_from_later_returns` | noted | a child's last episode is open at the end of a return but the child is in no later return: kept open |
//! | `continuation_merged` | merged | an episode with `RNE` L, T or U starting the day the previous one ceased, with the same `PLACE` and `PLACE_PROVIDER`: merged into the previous |
//! | `unknown_code` | noted | a row with an `RNE`, `LS`, `PLACE`, `PLACE_PROVIDER` or `REC` outside the lists: kept, the code passed through |
//! | `dec_after_year_end` | noted | a `DEC` after 31 March of its return (rule 354): kept |
//! | `born_after_episode_start` | noted | an episode starting before the child's date of birth: kept, ages before birth counted as 0 |

use rayon::prelude::*;

use super::codes;
use super::day::{Day, march31};
use super::read::{Code, EpisodeRow, HeaderRow, Returns, UascRow};

/// One row of the audit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditRow {
    /// The rule's id (see the module documentation).
    pub rule: &'static str,
    /// `removed`, `fixed`, `merged` or `noted`.
    pub action: &'static str,
    /// Rows it touched.
    pub rows: usize,
    /// Distinct children it touched.
    pub children: usize,
    /// Our description of the rule (for files: their names).
    pub detail: String,
}

/// A clean episode.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Episode {
    /// Child index (never shown).
    pub child: u32,
    /// Start.
    pub decom: Day,
    /// End (None: open at the end of the data).
    pub dec: Option<Day>,
    /// Reason for new episode.
    pub rne: Code,
    /// Placement type code.
    pub place: Code,
    /// Provider code.
    pub provider: Code,
    /// Reason ceased.
    pub rec: Code,
}

/// The cleaned history.
#[derive(Debug, Clone)]
pub struct Clean {
    /// Episodes sorted by child then start; no two of a child overlap.
    pub episodes: Vec<Episode>,
    /// Date of birth by child index (None for children left out).
    pub dob: Vec<Option<Day>>,
    /// Closing year of the first return.
    pub first_year: i32,
    /// Closing year of the last return.
    pub last_year: i32,
    /// The audit, one row per rule.
    pub audit: Vec<AuditRow>,
}

struct Tally {
    rows: Vec<(usize, u32)>,
}

const RULES: [(&str, &str, &str); 19] = [
    (
        "file_not_recognised",
        "noted",
        "CSV files whose columns match no table",
    ),
    ("blank_row", "removed", "rows with every cell empty"),
    (
        "duplicate_row",
        "removed",
        "the same episode twice in one return",
    ),
    (
        "same_start_in_one_return",
        "removed",
        "two different rows with one child and start in one return; kept the one with an end date, then the later line",
    ),
    (
        "open_episode_repeated",
        "removed",
        "an episode open at the end of a return, repeated in a later one; kept the later row",
    ),
    (
        "restated_by_later_return",
        "removed",
        "a closed episode given again in a later return; kept the later row",
    ),
    (
        "short_break",
        "removed",
        "legal status V3/V4 (short breaks), outside the DfE's counts",
    ),
    (
        "header_corrected_by_later_return",
        "fixed",
        "date of birth differs between returns; used the latest",
    ),
    (
        "header_missing_in_year",
        "fixed",
        "episodes in a return without the child's header row; used another return's header",
    ),
    (
        "dob_from_uasc",
        "fixed",
        "no header row in any return; date of birth from the UASC table",
    ),
    (
        "no_header",
        "removed",
        "no header row in any return and no UASC date of birth: age unknown",
    ),
    (
        "header_without_episodes",
        "noted",
        "children in a header with no episode",
    ),
    (
        "open_episode_closed_by_next",
        "fixed",
        "an open episode followed by a later one; closed at the next start",
    ),
    (
        "overlap_cut",
        "fixed",
        "an episode ending after the next one starts; end cut to the next start",
    ),
    (
        "open_episode_missing_from_later_returns",
        "noted",
        "last episode open at a return's end but the child is in no later return; kept open",
    ),
    (
        "continuation_merged",
        "merged",
        "RNE L/T/U episode contiguous with the previous one and in the same placement; merged into it",
    ),
    (
        "unknown_code",
        "noted",
        "RNE, LS, PLACE, PLACE_PROVIDER or REC outside the code lists; kept as given",
    ),
    (
        "dec_after_year_end",
        "noted",
        "end date after 31 March of its return; kept",
    ),
    (
        "born_after_episode_start",
        "noted",
        "episode starting before the date of birth; kept, age counted as 0",
    ),
];

fn rule(id: &str) -> usize {
    RULES.iter().position(|r| r.0 == id).unwrap_or(0)
}

impl Tally {
    fn add(&mut self, id: &str, child: u32) {
        self.rows.push((rule(id), child));
    }
}

fn same_content(a: &EpisodeRow, b: &EpisodeRow) -> bool {
    (a.dec, a.rne, a.ls, a.place, a.provider, a.rec, a.reason)
        == (b.dec, b.rne, b.ls, b.place, b.provider, b.rec, b.reason)
}

/// What the audit says about the files: rows of files not recognised, their names, and
/// blank rows skipped.
struct FileNotes {
    file_rows: usize,
    odd_files: Vec<String>,
    blank: usize,
}

/// Cleans read returns (see the module documentation for the rules).
pub fn clean(r: Returns) -> Clean {
    let mut t = Tally { rows: Vec::new() };
    let mut notes = FileNotes {
        file_rows: 0,
        odd_files: Vec::new(),
        blank: 0,
    };
    for f in &r.files {
        notes.blank += f.blank_rows;
        if f.kind.is_none() {
            notes.odd_files.push(f.path.clone());
            notes.file_rows += f.rows;
        }
    }
    let n = r.children;
    let years = r.episodes.iter().map(|e| e.year);
    let first_year = years.clone().min().unwrap_or(0);
    let last_year = years.max().unwrap_or(0);

    // Latest year each child appears in (any table).
    let mut last_seen = vec![i32::MIN; n];
    for e in &r.episodes {
        last_seen[e.child as usize] = last_seen[e.child as usize].max(e.year);
    }
    let mut kept = same_starts(r.episodes, &mut t);
    let mut has_episode = vec![false; n];
    for e in &kept {
        has_episode[e.child as usize] = true;
    }
    note_codes(&kept, &mut t);
    // Short breaks.
    kept.retain(|e| {
        let sb = codes::is_short_break(e.ls.as_str());
        if sb {
            t.add("short_break", e.child);
        }
        !sb
    });
    let dob = attach_headers(&mut kept, r.headers, &r.uasc, &has_episode, &mut t);
    let out = close_and_merge(&kept, last_year, &last_seen, &mut t);
    Clean {
        episodes: out,
        dob,
        first_year,
        last_year,
        audit: audit_rows(t, notes),
    }
}

/// Same start: keeps the latest return, then a row with DEC, then the later line.
fn same_starts(episodes: Vec<EpisodeRow>, t: &mut Tally) -> Vec<EpisodeRow> {
    let mut kept = episodes;
    kept.par_sort_unstable_by_key(|e| {
        (
            e.child,
            e.decom,
            std::cmp::Reverse(e.year),
            std::cmp::Reverse(e.dec.is_some()),
            std::cmp::Reverse(e.file),
            std::cmp::Reverse(e.line),
        )
    });
    kept.dedup_by(|e, k| {
        if k.child != e.child || k.decom != e.decom {
            return false;
        }
        let id = if k.year == e.year {
            if same_content(k, e) {
                "duplicate_row"
            } else {
                "same_start_in_one_return"
            }
        } else if e.dec.is_none() {
            "open_episode_repeated"
        } else {
            "restated_by_later_return"
        };
        t.add(id, e.child);
        true
    });
    kept
}

/// Notes codes outside the lists and end dates after their return's year end, on the
/// rows kept (code lists encoded and sorted once; rows checked in parallel chunks whose
/// notes are joined in order).
fn note_codes(kept: &[EpisodeRow], t: &mut Tally) {
    let list = |l: &[&str]| -> Vec<Code> {
        let mut v: Vec<Code> = l.iter().filter_map(|c| Code::new(c.as_bytes())).collect();
        v.sort_unstable();
        v
    };
    let (rne, ls, place, provider, rec) = (
        list(&codes::RNE),
        list(&codes::LS),
        list(&codes::PLACE),
        list(&codes::PLACE_PROVIDER),
        list(&codes::REC),
    );
    let (unknown_code, after_year_end) = (rule("unknown_code"), rule("dec_after_year_end"));
    let known = |l: &[Code], c: &Code| l.binary_search(c).is_ok();
    // 31 March of each year present, computed once rather than per row.
    let y0 = kept.iter().map(|e| e.year).min().unwrap_or(0);
    let y1 = kept.iter().map(|e| e.year).max().unwrap_or(0);
    let year_end: Vec<Day> = (y0..=y1).map(march31).collect();
    let notes: Vec<Vec<(usize, u32)>> = kept
        .par_chunks(1 << 16)
        .map(|chunk| {
            let mut out = Vec::new();
            for e in chunk {
                let unknown = !known(&rne, &e.rne)
                    || !known(&ls, &e.ls)
                    || !known(&place, &e.place)
                    || !(e.provider.is_empty() || known(&provider, &e.provider))
                    || !(e.rec.is_empty() || known(&rec, &e.rec));
                if unknown {
                    out.push((unknown_code, e.child));
                }
                let end = usize::try_from(e.year - y0)
                    .ok()
                    .and_then(|i| year_end.get(i).copied())
                    .unwrap_or_else(|| march31(e.year));
                if e.dec.is_some_and(|d| d > end) {
                    out.push((after_year_end, e.child));
                }
            }
            out
        })
        .collect();
    for n in notes {
        t.rows.extend(n);
    }
}

/// Dates of birth from the headers (the latest return wins) or, failing that, the UASC
/// table; drops episodes of children with neither, noting each rule.
fn attach_headers(
    kept: &mut Vec<EpisodeRow>,
    headers: Vec<HeaderRow>,
    uasc: &[UascRow],
    has_episode: &[bool],
    t: &mut Tally,
) -> Vec<Option<Day>> {
    let n = has_episode.len();
    let mut hs = headers;
    hs.par_sort_unstable_by_key(|h| (h.child, h.year, h.file, h.line));
    let mut dob: Vec<Option<Day>> = vec![None; n];
    let mut header_years: Vec<Vec<i32>> = vec![Vec::new(); n];
    let mut corrected = vec![false; n];
    for h in &hs {
        let c = h.child as usize;
        if let Some(d) = dob[c]
            && d != h.dob
        {
            corrected[c] = true;
        }
        dob[c] = Some(h.dob);
        header_years[c].push(h.year);
    }
    // Child numbers are `u32` (see `read`), so counting them in `u32` covers them all.
    for (c, &x) in (0u32..).zip(corrected.iter()) {
        if x {
            t.add("header_corrected_by_later_return", c);
        }
    }
    for h in &hs {
        if !has_episode[h.child as usize] && header_years[h.child as usize].first() == Some(&h.year)
        {
            t.add("header_without_episodes", h.child);
        }
    }
    let mut uasc_dob: Vec<Option<Day>> = vec![None; n];
    for u in uasc {
        if u.dob.is_some() {
            uasc_dob[u.child as usize] = u.dob;
        }
    }
    let mut from_uasc = vec![false; n];
    kept.retain(|e| {
        let c = e.child as usize;
        if dob[c].is_none() {
            if let Some(d) = uasc_dob[c] {
                dob[c] = Some(d);
                from_uasc[c] = true;
            }
        }
        if from_uasc[c] {
            t.add("dob_from_uasc", e.child);
            if dob[c].is_some_and(|d| d > e.decom) {
                t.add("born_after_episode_start", e.child);
            }
            return true;
        }
        if dob[c].is_none() {
            t.add("no_header", e.child);
            return false;
        }
        if !header_years[c].contains(&e.year) {
            t.add("header_missing_in_year", e.child);
        }
        if dob[c].is_some_and(|d| d > e.decom) {
            t.add("born_after_episode_start", e.child);
        }
        true
    });
    dob
}

/// Closes open episodes and cuts overlaps by the next start, and merges continuation
/// episodes, per child.
fn close_and_merge(
    kept: &[EpisodeRow],
    last_year: i32,
    last_seen: &[i32],
    t: &mut Tally,
) -> Vec<Episode> {
    let mut out: Vec<Episode> = Vec::with_capacity(kept.len());
    let mut i = 0;
    while i < kept.len() {
        let c = kept[i].child;
        let mut j = i;
        while j < kept.len() && kept[j].child == c {
            j += 1;
        }
        let start = out.len();
        for k in i..j {
            let e = &kept[k];
            let mut dec = e.dec;
            if let Some(next) = kept.get(k + 1).filter(|x| x.child == c) {
                match dec {
                    None => {
                        dec = Some(next.decom);
                        t.add("open_episode_closed_by_next", c);
                    }
                    Some(d) if d > next.decom => {
                        dec = Some(next.decom);
                        t.add("overlap_cut", c);
                    }
                    _ => {}
                }
            } else if dec.is_none() && e.year < last_year && last_seen[c as usize] < last_year {
                t.add("open_episode_missing_from_later_returns", c);
            }
            let ep = Episode {
                child: c,
                decom: e.decom,
                dec,
                rne: e.rne,
                place: e.place,
                provider: e.provider,
                rec: e.rec,
            };
            // Continuation merged into the previous episode.
            if out.len() > start
                && let Some(prev) = out.last_mut()
                && prev.dec == Some(ep.decom)
                && codes::is_continuation(ep.rne.as_str())
                && prev.place == ep.place
                && prev.provider == ep.provider
            {
                prev.dec = ep.dec;
                prev.rec = ep.rec;
                t.add("continuation_merged", c);
                continue;
            }
            out.push(ep);
        }
        i = j;
    }
    out
}

/// The audit: one row per rule.
fn audit_rows(t: Tally, notes: FileNotes) -> Vec<AuditRow> {
    let FileNotes {
        file_rows,
        odd_files,
        blank,
    } = notes;
    let mut counts: Vec<(usize, Vec<u32>)> = vec![(0, Vec::new()); RULES.len()];
    for (r, c) in t.rows {
        counts[r].0 += 1;
        counts[r].1.push(c);
    }
    let mut audit = Vec::new();
    for (i, (rows, mut kids)) in counts.into_iter().enumerate() {
        kids.sort_unstable();
        kids.dedup();
        let (id, action, desc) = RULES[i];
        let (rows, children, detail) = match id {
            "file_not_recognised" => (
                file_rows,
                0,
                if odd_files.is_empty() {
                    desc.to_string()
                } else {
                    format!("{desc}: {}", odd_files.join(", "))
                },
            ),
            "blank_row" => (blank, 0, desc.to_string()),
            _ => (rows, kids.len(), desc.to_string()),
        };
        audit.push(AuditRow {
            rule: id,
            action,
            rows,
            children,
            detail,
        });
    }
    audit
}

impl Clean {
    /// The audit row of a rule.
    pub fn audit_row(&self, rule: &str) -> Option<&AuditRow> {
        self.audit.iter().find(|a| a.rule == rule)
    }
}
