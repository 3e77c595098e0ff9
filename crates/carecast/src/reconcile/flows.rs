//! Checks on flows tables: opening + admissions - discharges against closing, and the
//! closing of one period against the opening of the next.

use std::collections::{BTreeMap, BTreeSet};

use super::acc::{Comparison, acc, dedup, finding, group_label, tolerance};
use crate::{Finding, Interval, Key, Period, Record, Table};

const OTHER_KEYS: [Key; 4] = [Key::Area, Key::Band, Key::Category, Key::Placement];

type Cells<'a> = BTreeMap<(Vec<Option<String>>, String, Option<Period>), Vec<&'a Record>>;

fn by_measure(t: &Table) -> Cells<'_> {
    let mut m: Cells = BTreeMap::new();
    for r in &t.records {
        let others: Vec<Option<String>> = OTHER_KEYS.iter().map(|k| r.key(*k)).collect();
        m.entry((others, r.measure.to_string(), r.period))
            .or_default()
            .push(r);
    }
    m
}

pub(super) fn stock_identity(t: &Table, name: &str, out: &mut Vec<Finding>) {
    let cells = by_measure(t);
    let id = &t.meta.id;
    let get = |o: &Vec<Option<String>>, m: &str, p: Option<Period>| {
        cells.get(&(o.clone(), m.to_string(), p))
    };
    let flows: BTreeSet<(Vec<Option<String>>, Period)> = cells
        .keys()
        .filter_map(|(o, m, p)| match p {
            Some(p @ (Period::Year(_) | Period::Quarter(..))) if m == "admissions" => {
                Some((o.clone(), *p))
            }
            _ => None,
        })
        .collect();
    for (o, p) in flows {
        let stock_at = |d| get(&o, "stock", Some(Period::Date(d)));
        let (opening, closing) = match p {
            Period::Year(fy) => (
                get(&o, "opening", Some(p)).or_else(|| stock_at(fy.start())),
                get(&o, "closing", Some(p)).or_else(|| stock_at(fy.end())),
            ),
            _ => (get(&o, "opening", Some(p)), get(&o, "closing", Some(p))),
        };
        let (Some(opening), Some(adm), Some(dis), Some(closing)) = (
            opening,
            get(&o, "admissions", Some(p)),
            get(&o, "discharges", Some(p)),
            closing,
        ) else {
            continue;
        };
        let e = acc(closing.iter().copied(), id, false);
        let mut f = acc(
            opening.iter().copied().chain(adm.iter().copied()),
            id,
            false,
        );
        let d = acc(dis.iter().copied(), id, false);
        f.unavailable.extend(d.unavailable.clone());
        f.notes.extend(d.notes.clone());
        f.sum = (f.sum - d.sum).unwrap_or(Interval::new(f64::NEG_INFINITY, f.sum.hi));
        let mut keys = vec![Key::Period];
        keys.extend(OTHER_KEYS);
        let mut vals = vec![Some(p.to_string())];
        vals.extend(o.iter().cloned());
        let tol = tolerance(&e, &f);
        out.push(finding(
            name,
            "stock_identity",
            group_label(&keys, &vals),
            Some(p.to_string()),
            Comparison {
                expected: &e,
                found: &f,
                tolerance: tol,
            },
            vec![t.meta.citation()],
        ));
    }
}

fn follows(prev: Period, next: Period) -> bool {
    prev.next() == Some(next)
        || matches!((prev, next), (Period::Year(a), Period::Quarter(b, 1)) if b == a.next())
        || matches!((prev, next), (Period::Quarter(a, 4), Period::Year(b)) if b == a.next())
}

pub(super) fn continuity(a: &Table, b: &Table, name: &str, out: &mut Vec<Finding>) {
    let ca = by_measure(a);
    let cb = by_measure(b);
    for ((o, m, p), closing) in &ca {
        let Some(p) = p else { continue };
        if m != "closing" {
            continue;
        }
        for ((o2, m2, q), opening) in &cb {
            let Some(q) = q else { continue };
            if m2 != "opening" || o2 != o || !follows(*p, *q) {
                continue;
            }
            let e = acc(closing.iter().copied(), &a.meta.id, false);
            let f = acc(opening.iter().copied(), &b.meta.id, false);
            let tol = tolerance(&e, &f);
            let mut keys = vec![Key::Period];
            keys.extend(OTHER_KEYS);
            let mut vals = vec![Some(format!("{p} -> {q}"))];
            vals.extend(o.iter().cloned());
            out.push(finding(
                name,
                "continuity",
                group_label(&keys, &vals),
                Some(q.to_string()),
                Comparison {
                    expected: &e,
                    found: &f,
                    tolerance: tol,
                },
                dedup(vec![a.meta.citation(), b.meta.citation()]),
            ));
        }
    }
}
