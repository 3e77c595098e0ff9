//! Sums over cells that keep track of what could not be read, and the finding a
//! comparison of two sums gives.

use std::collections::BTreeSet;

use crate::{Cell, Finding, Interval, Key, Record, Status};

/// A sum over cells that keeps track of what could not be read.
#[derive(Debug, Clone)]
pub(super) struct Acc {
    pub(super) sum: Interval,
    pub(super) rounding: f64,
    whole: bool,
    n: usize,
    pub(super) unavailable: Vec<String>,
    pub(super) notes: Vec<String>,
}

impl Acc {
    pub(super) fn new() -> Self {
        Acc {
            sum: Interval::ZERO,
            rounding: 0.0,
            whole: true,
            n: 0,
            unavailable: Vec::new(),
            notes: Vec::new(),
        }
    }

    fn add(&mut self, r: &Record, table: &str, as_part: bool) {
        self.n += 1;
        let at = || format!("{table} line {}", r.line);
        if !(r.unit.is_count()
            && matches!(
                r.cell,
                Cell::Exact { decimals: 0, .. } | Cell::Suppressed { .. }
            ))
        {
            self.whole = false;
        }
        self.rounding += r.cell.rounding();
        match &r.cell {
            Cell::Exact { value, .. } => self.sum = self.sum + Interval::exact(*value),
            Cell::Suppressed { text, lower, upper } => {
                self.sum = self.sum + Interval::new(*lower, *upper);
                self.notes.push(format!("{} suppressed ({text})", at()));
            }
            Cell::NotApplicable if as_part => self.notes.push(format!("{} N/A, left out", at())),
            Cell::Missing | Cell::Pending if as_part && r.unit.is_count() => {
                self.sum = self.sum + Interval::new(0.0, None);
                self.notes
                    .push(format!("{} {}: unknown, at least 0", at(), r.cell.status()));
            }
            other => self
                .unavailable
                .push(format!("{} {}", at(), other.status())),
        }
    }
}

pub(super) fn group_label(keys: &[Key], vals: &[Option<String>]) -> String {
    keys.iter()
        .zip(vals)
        .filter_map(|(k, v)| v.as_ref().map(|v| format!("{}={v}", k.name())))
        .collect::<Vec<_>>()
        .join(", ")
}

pub(super) fn period_of(keys: &[Key], vals: &[Option<String>]) -> Option<String> {
    keys.iter()
        .position(|k| *k == Key::Period)
        .and_then(|i| vals[i].clone())
}

/// The two sums a check compares and how far apart they may be.
pub(super) struct Comparison<'a> {
    pub(super) expected: &'a Acc,
    pub(super) found: &'a Acc,
    pub(super) tolerance: f64,
}

pub(super) fn finding(
    check: &str,
    kind: &str,
    group: String,
    period: Option<String>,
    compared: Comparison<'_>,
    sources: Vec<String>,
) -> Finding {
    let Comparison {
        expected,
        found,
        tolerance,
    } = compared;
    let mut detail: Vec<String> = Vec::new();
    detail.extend(expected.notes.iter().cloned());
    detail.extend(found.notes.iter().cloned());
    let unavailable: Vec<String> = expected
        .unavailable
        .iter()
        .chain(&found.unavailable)
        .cloned()
        .collect();
    let (exp, fnd) = (Some(expected.sum), Some(found.sum));
    if !unavailable.is_empty() {
        detail.extend(unavailable);
        return Finding {
            check: check.to_string(),
            kind: kind.to_string(),
            group,
            period,
            expected: None,
            found: None,
            difference: None,
            tolerance,
            status: Status::Unavailable,
            sources,
            detail: detail.join("; "),
        };
    }
    let difference = found.sum - expected.sum;
    let tol = tolerance + 1e-9;
    let status = match difference {
        Some(d) if d.within(tol) => Status::Pass,
        Some(d) if !d.may_be_within(tol) => Status::Fail,
        _ => Status::Indeterminate,
    };
    Finding {
        check: check.to_string(),
        kind: kind.to_string(),
        group,
        period,
        expected: exp,
        found: fnd,
        difference,
        tolerance,
        status,
        sources,
        detail: detail.join("; "),
    }
}

pub(super) fn tolerance(a: &Acc, b: &Acc) -> f64 {
    if a.whole && b.whole {
        0.0
    } else {
        a.rounding + b.rounding
    }
}

pub(super) fn acc<'a>(
    records: impl IntoIterator<Item = &'a Record>,
    table: &str,
    as_part: bool,
) -> Acc {
    let mut a = Acc::new();
    for r in records {
        a.add(r, table, as_part);
    }
    a
}

pub(super) fn dedup(mut v: Vec<String>) -> Vec<String> {
    let mut seen = BTreeSet::new();
    v.retain(|s| seen.insert(s.clone()));
    v
}
