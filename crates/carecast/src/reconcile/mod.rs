//! Reconciliation: every check the published tables allow on themselves.
//!
//! Each check compares a figure the tables **state** (`expected`, e.g. a printed total or
//! closing stock) with the same figure **computed** from other cells (`found`, e.g. the
//! sum of the parts, or opening + admissions - discharges). The sign convention is
//! always `difference = found - expected`. Suppressed cells make `found` an interval; a
//! check passes when every value of the difference is within tolerance, fails when none
//! is, and is `indeterminate` otherwise. Inconsistencies are reported, never fixed.

mod acc;
mod flows;

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::{Dataset, Interval, Key, Record, Table};

// The declared checks moved to `data::checks`; their old path is kept for code that
// named it.
#[doc(hidden)]
pub use crate::data::checks::{CheckSpec, Selector};
use acc::{Acc, Comparison, acc, dedup, finding, group_label, period_of, tolerance};

/// The outcome of one check on one group.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Every possible difference is within tolerance.
    Pass,
    /// No possible difference is within tolerance.
    Fail,
    /// Suppressed cells allow both.
    Indeterminate,
    /// A cell needed is not applicable, not yet published or blank.
    Unavailable,
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Status::Pass => "pass",
            Status::Fail => "fail",
            Status::Indeterminate => "indeterminate",
            Status::Unavailable => "unavailable",
        })
    }
}

/// One check on one group of cells.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    /// The check's name.
    pub check: String,
    /// Its kind: `total`, `sum`, `share`, `ratio`, `stock_identity`, `continuity`.
    pub kind: String,
    /// The group, as `key=value` pairs.
    pub group: String,
    /// The period of the group, if it has one.
    pub period: Option<String>,
    /// The stated figure.
    pub expected: Option<Interval>,
    /// The computed figure.
    pub found: Option<Interval>,
    /// `found - expected`.
    pub difference: Option<Interval>,
    /// Allowed absolute difference (from printed rounding; 0 for whole counts).
    pub tolerance: f64,
    /// The outcome.
    pub status: Status,
    /// Citations of the tables involved.
    pub sources: Vec<String>,
    /// Details: cells that were suppressed, missing or not applicable.
    pub detail: String,
}

/// All findings for a dataset.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Reconciliation {
    /// The dataset's name.
    pub dataset: String,
    /// The findings, checks in order.
    pub findings: Vec<Finding>,
}

impl Reconciliation {
    /// Findings with a given status.
    pub fn with_status(&self, status: Status) -> impl Iterator<Item = &Finding> {
        self.findings.iter().filter(move |f| f.status == status)
    }

    /// Findings of one check, by name.
    pub fn check(&self, name: &str) -> impl Iterator<Item = &Finding> {
        self.findings.iter().filter(move |f| f.check == name)
    }

    /// Number of findings per status: pass, fail, indeterminate, unavailable.
    pub fn counts(&self) -> [usize; 4] {
        let mut c = [0; 4];
        for f in &self.findings {
            c[f.status as usize] += 1;
        }
        c
    }
}
/// The total cells and the part cells of one group.
type TotalAndParts<'a> = (Vec<&'a Record>, Vec<&'a Record>);

type Groups<'a> = BTreeMap<Vec<Option<String>>, Vec<&'a Record>>;

/// The cells a selector chooses, grouped by `by`, with the table's citation; `None` when
/// the dataset has no such table (a dataset built by hand or edited after loading).
fn select<'a>(ds: &'a Dataset, s: &Selector, by: &[Key]) -> Option<(Groups<'a>, String)> {
    let mut g: Groups = BTreeMap::new();
    let table = ds.table(&s.table).ok()?;
    for r in table.records.iter().filter(|r| s.matches(r)) {
        g.entry(by.iter().map(|k| r.key(*k)).collect())
            .or_default()
            .push(r);
    }
    Some((g, table.meta.citation()))
}

impl Dataset {
    /// Runs every check the tables allow on themselves: the totals each table declares,
    /// then the dataset's checks across tables. Never fails: a check whose table is
    /// missing gives an `unavailable` finding.
    ///
    /// ```
    /// use carecast::{Dataset, Status};
    /// let rec = Dataset::bundled("derbyshire").unwrap().reconcile();
    /// let [pass, fail, _, _] = rec.counts();
    /// assert!(pass > 100 && fail > 0);
    /// assert_eq!(rec.dataset, "derbyshire");
    /// ```
    pub fn reconcile(&self) -> Reconciliation {
        reconcile(self)
    }
}

/// Runs every check of a dataset: declared totals in each table, then the dataset's checks.
pub fn reconcile(ds: &Dataset) -> Reconciliation {
    let mut findings = Vec::new();
    for spec in &ds.checks {
        run_check(ds, spec, &mut findings);
    }
    for t in &ds.tables {
        table_totals(t, &mut findings);
    }
    Reconciliation {
        dataset: ds.name.clone(),
        findings,
    }
}

fn table_totals(t: &Table, out: &mut Vec<Finding>) {
    for spec in &t.meta.totals {
        // `placement` is the canonical code of a `category`: a total over one is a total
        // over the other, so neither may split the groups of the other.
        let summed = |k: Key| match spec.key {
            Key::Category | Key::Placement => matches!(k, Key::Category | Key::Placement),
            other => k == other,
        };
        let keys: Vec<Key> = Key::ALL.into_iter().filter(|k| !summed(*k)).collect();
        let mut groups: BTreeMap<Vec<Option<String>>, TotalAndParts> = BTreeMap::new();
        for r in &t.records {
            let Some(v) = r.key(spec.key) else { continue };
            let e = groups
                .entry(keys.iter().map(|k| r.key(*k)).collect())
                .or_default();
            if v == spec.label {
                e.0.push(r)
            } else {
                e.1.push(r)
            }
        }
        let name = format!(
            "{}: parts add up to {}={}",
            t.meta.id,
            spec.key.name(),
            spec.label
        );
        for (vals, (totals, parts)) in groups {
            if totals.is_empty() || parts.is_empty() {
                continue;
            }
            let e = acc(totals, &t.meta.id, false);
            let f = acc(parts, &t.meta.id, true);
            let tol = tolerance(&e, &f);
            out.push(finding(
                &name,
                "total",
                group_label(&keys, &vals),
                period_of(&keys, &vals),
                Comparison {
                    expected: &e,
                    found: &f,
                    tolerance: tol,
                },
                vec![t.meta.citation()],
            ));
        }
    }
}

/// A finding for a check whose table is not in the dataset.
fn missing_table(name: &str, kind: &str, table: &str) -> Finding {
    Finding {
        check: name.to_string(),
        kind: kind.to_string(),
        group: String::new(),
        period: None,
        expected: None,
        found: None,
        difference: None,
        tolerance: 0.0,
        status: Status::Unavailable,
        sources: Vec::new(),
        detail: format!("table `{table}` is not in the dataset"),
    }
}

fn run_check(ds: &Dataset, spec: &CheckSpec, out: &mut Vec<Finding>) {
    let name = spec.name();
    let kind = spec.kind();
    let missing = spec.tables().into_iter().find(|t| ds.table(t).is_err());
    if let Some(t) = missing {
        out.push(missing_table(&name, kind, t));
        return;
    }
    let found = match spec {
        CheckSpec::Sum {
            parts, total, by, ..
        } => sum_check(ds, &name, parts, total, by, out),
        CheckSpec::Share {
            percent,
            count,
            denominator,
            by,
            per,
            ..
        } => share_check(ds, &name, [percent, count, denominator], by, per, out),
        CheckSpec::Ratio {
            result,
            input,
            factor,
            by,
            ..
        } => ratio_check(ds, &name, result, input, *factor, by, out),
        CheckSpec::StockIdentity { table, .. } => ds
            .table(table)
            .ok()
            .map(|t| flows::stock_identity(t, &name, out)),
        CheckSpec::Continuity {
            table, next_table, ..
        } => ds.table(table).ok().and_then(|a| {
            let b = match next_table {
                Some(n) => ds.table(n).ok()?,
                None => a,
            };
            flows::continuity(a, b, &name, out);
            Some(())
        }),
    };
    if found.is_none() {
        out.push(missing_table(&name, kind, &spec.tables().join(", ")));
    }
}

fn sum_check(
    ds: &Dataset,
    name: &str,
    parts: &Selector,
    total: &Selector,
    by: &[Key],
    out: &mut Vec<Finding>,
) -> Option<()> {
    let (pg, pc) = select(ds, parts, by)?;
    let (tg, tc) = select(ds, total, by)?;
    for (vals, trs) in &tg {
        let Some(prs) = pg.get(vals) else { continue };
        let e = acc(trs.iter().copied(), &total.table, false);
        let f = acc(prs.iter().copied(), &parts.table, true);
        let tol = tolerance(&e, &f);
        out.push(finding(
            name,
            "sum",
            group_label(by, vals),
            period_of(by, vals),
            Comparison {
                expected: &e,
                found: &f,
                tolerance: tol,
            },
            dedup(vec![pc.clone(), tc.clone()]),
        ));
    }
    Some(())
}

fn share_check(
    ds: &Dataset,
    name: &str,
    [percent, count, denominator]: [&Selector; 3],
    by: &[Key],
    per: &[Key],
    out: &mut Vec<Finding>,
) -> Option<()> {
    let (pg, pc) = select(ds, percent, by)?;
    let (cg, cc) = select(ds, count, by)?;
    let (dg, dc) = select(ds, denominator, per)?;
    let per_idx: Vec<Option<usize>> = per.iter().map(|k| by.iter().position(|b| b == k)).collect();
    for (vals, prs) in &pg {
        let Some(crs) = cg.get(vals) else { continue };
        let dkey: Vec<Option<String>> = per_idx
            .iter()
            .map(|i| i.and_then(|i| vals.get(i).cloned().flatten()))
            .collect();
        let Some(drs) = dg.get(&dkey) else { continue };
        let e = acc(prs.iter().copied(), &percent.table, false);
        let c = acc(crs.iter().copied(), &count.table, false);
        let d = acc(drs.iter().copied(), &denominator.table, false);
        let mut f = Acc::new();
        f.unavailable = [c.unavailable.clone(), d.unavailable.clone()].concat();
        f.notes = [c.notes.clone(), d.notes.clone()].concat();
        f.sum = match (c.sum, d.sum) {
            (c, d) if d.lo > 0.0 => Interval::new(
                100.0 * c.lo / d.hi.unwrap_or(f64::INFINITY),
                c.hi.map(|h| 100.0 * h / d.lo),
            ),
            _ => {
                f.unavailable.push("denominator may be zero".into());
                Interval::ZERO
            }
        };
        let tol = e.rounding;
        out.push(finding(
            name,
            "share",
            group_label(by, vals),
            period_of(by, vals),
            Comparison {
                expected: &e,
                found: &f,
                tolerance: tol,
            },
            dedup(vec![pc.clone(), cc.clone(), dc.clone()]),
        ));
    }
    Some(())
}

fn ratio_check(
    ds: &Dataset,
    name: &str,
    result: &Selector,
    input: &Selector,
    factor: f64,
    by: &[Key],
    out: &mut Vec<Finding>,
) -> Option<()> {
    let (rg, rc) = select(ds, result, by)?;
    let (ig, ic) = select(ds, input, by)?;
    for (vals, rrs) in &rg {
        let Some(irs) = ig.get(vals) else { continue };
        let e = acc(rrs.iter().copied(), &result.table, false);
        let mut f = acc(irs.iter().copied(), &input.table, false);
        f.sum = f.sum * factor;
        let tol = e.rounding + factor * f.rounding;
        out.push(finding(
            name,
            "ratio",
            group_label(by, vals),
            period_of(by, vals),
            Comparison {
                expected: &e,
                found: &f,
                tolerance: tol,
            },
            dedup(vec![rc.clone(), ic.clone()]),
        ));
    }
    Some(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEAD: &str = "# id: t\n# title: T\n# source: s.txt\n# source_table: T\n# measure: stock\n# unit: children\n";

    fn rec(body: &str) -> Reconciliation {
        let files = vec![("t.csv".to_string(), format!("{HEAD}{body}"))];
        Dataset::from_files("x", "test", files).unwrap().reconcile()
    }

    #[test]
    fn a_check_on_a_missing_table_is_unavailable_not_a_panic() {
        let files = vec![("t.csv".to_string(), format!("{HEAD}band,value\n1-4,3\n"))];
        let mut ds = Dataset::from_files("x", "test", files).unwrap();
        ds.checks.push(CheckSpec::StockIdentity {
            name: None,
            table: "gone".into(),
            file: String::new(),
        });
        let r = ds.reconcile();
        assert_eq!(r.findings.len(), 1);
        assert_eq!(r.findings[0].status, Status::Unavailable);
        assert!(r.findings[0].detail.contains("`gone`"));
    }

    #[test]
    fn category_total_meets_parts_with_placement_codes() {
        let r = rec(
            "# total: category=Total\ncategory,placement,value\nIFA,ifa,3\nHome,agency_home,4\nTotal,,8\n",
        );
        assert_eq!(r.findings.len(), 1);
        let f = &r.findings[0];
        assert_eq!(f.status, Status::Fail);
        assert_eq!(f.difference, Some(Interval::exact(-1.0)));
    }

    #[test]
    fn suppressed_parts_give_interval_checks() {
        let r = rec("# total: band=all\nband,value\n1-4,<10\n5-9,20\nall,25\n");
        let f = &r.findings[0];
        assert_eq!(f.found, Some(Interval::new(20.0, Some(29.0))));
        assert_eq!(f.status, Status::Indeterminate);
        let r = rec("# total: band=all\nband,value\n1-4,<10\n5-9,20\nall,35\n");
        assert_eq!(
            r.findings[0].status,
            Status::Fail,
            "20..29 can never make 35"
        );
    }
}
