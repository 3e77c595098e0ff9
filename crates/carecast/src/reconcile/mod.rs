//! Reconciliation: every check the published tables allow on themselves.
//!
//! Each check compares a figure the tables **state** (`expected`, e.g. a printed total or
//! closing stock) with the same figure **computed** from other cells (`found`, e.g. the
//! sum of the parts, or opening + admissions - discharges). The sign convention is
//! always `difference = found - expected`. Suppressed cells make `found` an interval; a
//! check passes when every value of the difference is within tolerance, fails when none
//! is, and is `indeterminate` otherwise. Inconsistencies are reported, never fixed.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::age::Band;
use crate::cell::{Cell, Interval};
use crate::dataset::Dataset;
use crate::error::{Error, Location, Result};
use crate::period::Period;
use crate::table::{Key, Record, Table};

/// Chooses cells of one table. Each given field must match; `"!X"` means "not X".
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Selector {
    /// Table id.
    pub table: String,
    /// Period filter.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub period: Option<String>,
    /// Area filter.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub area: Option<String>,
    /// Band filter (labels are compared in canonical form, so `16+` = `16-17`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub band: Option<String>,
    /// Category filter.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    /// Placement filter.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub placement: Option<String>,
    /// Measure filter.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub measure: Option<String>,
    /// Unit filter.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
}

impl Selector {
    fn filters(&self) -> impl Iterator<Item = (Key, &String)> {
        [
            (Key::Period, &self.period),
            (Key::Area, &self.area),
            (Key::Band, &self.band),
            (Key::Category, &self.category),
            (Key::Placement, &self.placement),
            (Key::Measure, &self.measure),
            (Key::Unit, &self.unit),
        ]
        .into_iter()
        .filter_map(|(k, v)| v.as_ref().map(|v| (k, v)))
    }

    /// Whether a record of the selected table matches.
    pub fn matches(&self, r: &Record) -> bool {
        self.filters().all(|(k, want)| {
            let (neg, want) = match want.strip_prefix('!') {
                Some(w) => (true, w),
                None => (false, want.as_str()),
            };
            let want = canonical(k, want);
            let eq = r.key(k).as_deref() == Some(want.as_str());
            eq != neg
        })
    }

    fn validate(&self, ids: &BTreeSet<&str>, file: &str, check: &str) -> Result<()> {
        let at = || Location::file(file);
        if !ids.contains(self.table.as_str()) {
            let e = Error::unknown("table", &self.table, ids.iter().copied());
            return Err(Error::data(at(), format!("check {check:?}: {e}")));
        }
        if let Some(b) = &self.band {
            Band::parse(b.trim_start_matches('!'))
                .map_err(|e| Error::data(at(), format!("check {check:?}: {e}")))?;
        }
        Ok(())
    }
}

fn canonical(k: Key, v: &str) -> String {
    match k {
        Key::Band => Band::parse(v)
            .map(|b| b.label())
            .unwrap_or_else(|_| v.to_string()),
        Key::Period => Period::parse(v)
            .map(|p| p.to_string())
            .unwrap_or_else(|_| v.to_string()),
        _ => v.to_string(),
    }
}

/// A check across tables, as written in a dataset's `*.toml` files.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
#[non_exhaustive]
#[allow(clippy::large_enum_variant)] // a handful per dataset; boxing would only obscure the TOML shape
pub enum CheckSpec {
    /// The sum of `parts` equals the sum of `total`, per group of `by` keys.
    Sum {
        /// Name shown in reports.
        #[serde(default)]
        name: Option<String>,
        /// The parts.
        parts: Selector,
        /// The stated total.
        total: Selector,
        /// Keys that form groups.
        #[serde(default)]
        by: Vec<Key>,
        /// File the check was read from.
        #[serde(skip)]
        file: String,
    },
    /// Printed percentages against 100 x count / denominator.
    Share {
        /// Name shown in reports.
        #[serde(default)]
        name: Option<String>,
        /// The printed percentages.
        percent: Selector,
        /// The counts.
        count: Selector,
        /// The denominators.
        denominator: Selector,
        /// Keys matching a percentage to its count.
        #[serde(default)]
        by: Vec<Key>,
        /// Keys matching a count to its denominator.
        #[serde(default)]
        per: Vec<Key>,
        /// File the check was read from.
        #[serde(skip)]
        file: String,
    },
    /// `result` against `factor` x `input` (e.g. weekly x 52 against annual).
    Ratio {
        /// Name shown in reports.
        #[serde(default)]
        name: Option<String>,
        /// The stated result.
        result: Selector,
        /// The input.
        input: Selector,
        /// The factor.
        factor: f64,
        /// Keys matching a result to its input.
        #[serde(default)]
        by: Vec<Key>,
        /// File the check was read from.
        #[serde(skip)]
        file: String,
    },
    /// Opening + admissions - discharges against closing, per period.
    StockIdentity {
        /// Name shown in reports.
        #[serde(default)]
        name: Option<String>,
        /// The flows table.
        table: String,
        /// File the check was read from.
        #[serde(skip)]
        file: String,
    },
    /// Closing of one period against opening of the next.
    Continuity {
        /// Name shown in reports.
        #[serde(default)]
        name: Option<String>,
        /// The table with closings.
        table: String,
        /// The table with the openings, if another (e.g. annual closing against the first quarter).
        #[serde(default)]
        next_table: Option<String>,
        /// File the check was read from.
        #[serde(skip)]
        file: String,
    },
}

impl CheckSpec {
    pub(crate) fn with_file(mut self, f: &str) -> Self {
        match &mut self {
            CheckSpec::Sum { file, .. }
            | CheckSpec::Share { file, .. }
            | CheckSpec::Ratio { file, .. }
            | CheckSpec::StockIdentity { file, .. }
            | CheckSpec::Continuity { file, .. } => *file = f.to_string(),
        }
        self
    }

    /// The kind's name (`sum`, `share`, ...).
    pub fn kind(&self) -> &'static str {
        match self {
            CheckSpec::Sum { .. } => "sum",
            CheckSpec::Share { .. } => "share",
            CheckSpec::Ratio { .. } => "ratio",
            CheckSpec::StockIdentity { .. } => "stock_identity",
            CheckSpec::Continuity { .. } => "continuity",
        }
    }

    /// The check's name, or a default one.
    pub fn name(&self) -> String {
        let (name, default) = match self {
            CheckSpec::Sum {
                name, parts, total, ..
            } => (name, format!("{} sums to {}", parts.table, total.table)),
            CheckSpec::Share { name, percent, .. } => {
                (name, format!("percentages in {}", percent.table))
            }
            CheckSpec::Ratio { name, result, .. } => (name, format!("ratio in {}", result.table)),
            CheckSpec::StockIdentity { name, table, .. } => {
                (name, format!("stock identity in {table}"))
            }
            CheckSpec::Continuity { name, table, .. } => (name, format!("continuity in {table}")),
        };
        name.clone().unwrap_or(default)
    }

    fn file(&self) -> &str {
        match self {
            CheckSpec::Sum { file, .. }
            | CheckSpec::Share { file, .. }
            | CheckSpec::Ratio { file, .. }
            | CheckSpec::StockIdentity { file, .. }
            | CheckSpec::Continuity { file, .. } => file,
        }
    }

    fn selectors(&self) -> Vec<Selector> {
        let t = |s: &String| Selector {
            table: s.clone(),
            ..Selector::default()
        };
        match self {
            CheckSpec::Sum { parts, total, .. } => vec![parts.clone(), total.clone()],
            CheckSpec::Share {
                percent,
                count,
                denominator,
                ..
            } => {
                vec![percent.clone(), count.clone(), denominator.clone()]
            }
            CheckSpec::Ratio { result, input, .. } => vec![result.clone(), input.clone()],
            CheckSpec::StockIdentity { table, .. } => vec![t(table)],
            CheckSpec::Continuity {
                table, next_table, ..
            } => {
                let mut v = vec![t(table)];
                v.extend(next_table.iter().map(t));
                v
            }
        }
    }

    pub(crate) fn validate(&self, ids: &BTreeSet<&str>) -> Result<()> {
        let name = self.name();
        for s in self.selectors() {
            s.validate(ids, self.file(), &name)?;
        }
        if let CheckSpec::Ratio { factor, .. } = self
            && !(factor.is_finite() && *factor > 0.0)
        {
            return Err(Error::data(
                Location::file(self.file()),
                format!("check {name:?}: factor must be a positive number"),
            ));
        }
        Ok(())
    }
}

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

/// A sum over cells that keeps track of what could not be read.
#[derive(Debug, Clone)]
struct Acc {
    sum: Interval,
    rounding: f64,
    whole: bool,
    n: usize,
    unavailable: Vec<String>,
    notes: Vec<String>,
}

impl Acc {
    fn new() -> Self {
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

fn group_label(keys: &[Key], vals: &[Option<String>]) -> String {
    keys.iter()
        .zip(vals)
        .filter_map(|(k, v)| v.as_ref().map(|v| format!("{}={v}", k.name())))
        .collect::<Vec<_>>()
        .join(", ")
}

fn period_of(keys: &[Key], vals: &[Option<String>]) -> Option<String> {
    keys.iter()
        .position(|k| *k == Key::Period)
        .and_then(|i| vals[i].clone())
}

#[allow(clippy::too_many_arguments)]
fn finding(
    check: &str,
    kind: &str,
    group: String,
    period: Option<String>,
    expected: &Acc,
    found: &Acc,
    tolerance: f64,
    sources: Vec<String>,
) -> Finding {
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

fn tolerance(a: &Acc, b: &Acc) -> f64 {
    if a.whole && b.whole {
        0.0
    } else {
        a.rounding + b.rounding
    }
}

/// The total cells and the part cells of one group.
type TotalAndParts<'a> = (Vec<&'a Record>, Vec<&'a Record>);

type Groups<'a> = BTreeMap<Vec<Option<String>>, Vec<&'a Record>>;

fn select<'a>(ds: &'a Dataset, s: &Selector, by: &[Key]) -> (Groups<'a>, String) {
    let mut g: Groups = BTreeMap::new();
    let table = ds.table(&s.table).expect("validated at load");
    for r in table.records.iter().filter(|r| s.matches(r)) {
        g.entry(by.iter().map(|k| r.key(*k)).collect())
            .or_default()
            .push(r);
    }
    (g, table.meta.citation())
}

fn acc<'a>(records: impl IntoIterator<Item = &'a Record>, table: &str, as_part: bool) -> Acc {
    let mut a = Acc::new();
    for r in records {
        a.add(r, table, as_part);
    }
    a
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
                &e,
                &f,
                tol,
                vec![t.meta.citation()],
            ));
        }
    }
}

fn run_check(ds: &Dataset, spec: &CheckSpec, out: &mut Vec<Finding>) {
    let name = spec.name();
    let kind = spec.kind();
    match spec {
        CheckSpec::Sum {
            parts, total, by, ..
        } => {
            let (pg, pc) = select(ds, parts, by);
            let (tg, tc) = select(ds, total, by);
            for (vals, trs) in &tg {
                let Some(prs) = pg.get(vals) else { continue };
                let e = acc(trs.iter().copied(), &total.table, false);
                let f = acc(prs.iter().copied(), &parts.table, true);
                let tol = tolerance(&e, &f);
                out.push(finding(
                    &name,
                    kind,
                    group_label(by, vals),
                    period_of(by, vals),
                    &e,
                    &f,
                    tol,
                    dedup(vec![pc.clone(), tc.clone()]),
                ));
            }
        }
        CheckSpec::Share {
            percent,
            count,
            denominator,
            by,
            per,
            ..
        } => {
            let (pg, pc) = select(ds, percent, by);
            let (cg, cc) = select(ds, count, by);
            let (dg, dc) = select(ds, denominator, per);
            let per_idx: Vec<Option<usize>> =
                per.iter().map(|k| by.iter().position(|b| b == k)).collect();
            for (vals, prs) in &pg {
                let Some(crs) = cg.get(vals) else { continue };
                let dkey: Vec<Option<String>> = per_idx
                    .iter()
                    .map(|i| i.and_then(|i| vals[i].clone()))
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
                    &name,
                    kind,
                    group_label(by, vals),
                    period_of(by, vals),
                    &e,
                    &f,
                    tol,
                    dedup(vec![pc.clone(), cc.clone(), dc.clone()]),
                ));
            }
        }
        CheckSpec::Ratio {
            result,
            input,
            factor,
            by,
            ..
        } => {
            let (rg, rc) = select(ds, result, by);
            let (ig, ic) = select(ds, input, by);
            for (vals, rrs) in &rg {
                let Some(irs) = ig.get(vals) else { continue };
                let e = acc(rrs.iter().copied(), &result.table, false);
                let mut f = acc(irs.iter().copied(), &input.table, false);
                f.sum = f.sum * *factor;
                let tol = e.rounding + factor * f.rounding;
                out.push(finding(
                    &name,
                    kind,
                    group_label(by, vals),
                    period_of(by, vals),
                    &e,
                    &f,
                    tol,
                    dedup(vec![rc.clone(), ic.clone()]),
                ));
            }
        }
        CheckSpec::StockIdentity { table, .. } => {
            let t = ds.table(table).expect("validated");
            stock_identity(t, &name, out);
        }
        CheckSpec::Continuity {
            table, next_table, ..
        } => {
            let a = ds.table(table).expect("validated");
            let b = next_table
                .as_ref()
                .map(|n| ds.table(n).expect("validated"))
                .unwrap_or(a);
            continuity(a, b, &name, out);
        }
    }
}

fn dedup(mut v: Vec<String>) -> Vec<String> {
    let mut seen = BTreeSet::new();
    v.retain(|s| seen.insert(s.clone()));
    v
}

const OTHER_KEYS: [Key; 4] = [Key::Area, Key::Band, Key::Category, Key::Placement];

type Cells<'a> = BTreeMap<(Vec<Option<String>>, String, Option<Period>), Vec<&'a Record>>;

fn by_measure(t: &Table) -> Cells<'_> {
    let mut m: Cells = BTreeMap::new();
    for r in &t.records {
        let others: Vec<Option<String>> = OTHER_KEYS.iter().map(|k| r.key(*k)).collect();
        m.entry((others, r.measure.clone(), r.period))
            .or_default()
            .push(r);
    }
    m
}

fn stock_identity(t: &Table, name: &str, out: &mut Vec<Finding>) {
    let cells = by_measure(t);
    let id = &t.meta.id;
    let get = |o: &Vec<Option<String>>, m: &str, p: Option<Period>| {
        cells.get(&(o.clone(), m.to_string(), p))
    };
    let flows: BTreeSet<(Vec<Option<String>>, Period)> = cells
        .keys()
        .filter(|(_, m, p)| {
            m == "admissions" && matches!(p, Some(Period::Year(_) | Period::Quarter(..)))
        })
        .map(|(o, _, p)| (o.clone(), p.unwrap()))
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
            &e,
            &f,
            tol,
            vec![t.meta.citation()],
        ));
    }
}

fn follows(prev: Period, next: Period) -> bool {
    prev.next() == Some(next)
        || matches!((prev, next), (Period::Year(a), Period::Quarter(b, 1)) if b == a.next())
        || matches!((prev, next), (Period::Quarter(a, 4), Period::Year(b)) if b == a.next())
}

fn continuity(a: &Table, b: &Table, name: &str, out: &mut Vec<Finding>) {
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
                &e,
                &f,
                tol,
                dedup(vec![a.meta.citation(), b.meta.citation()]),
            ));
        }
    }
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
