//! The truth step of the synthetic return: the true stock, starts and ceases counted on the
//! generator's own clean episodes, against which a reader is checked.

use std::collections::BTreeMap;

use super::population::{Child, slot};
use crate::ssda903::day::{age, day, march31, month_end};

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

pub(super) fn truth(children: &[Child], first: i32, last: i32) -> Truth {
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
