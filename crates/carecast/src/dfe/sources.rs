//! Reconciliation across sources: the councils' own documents (the bundled `derbyshire`,
//! `derby` and `d2n2` datasets) against the DfE figures for the same years and ages.

use std::collections::BTreeMap;

use super::panel::Panel;
use crate::{Dataset, Finding, Interval, Period, Reconciliation, Result, Table};

/// (measure, year, band) of a comparable figure: `stock` at 31 March of the year,
/// `admissions`/`discharges` in the year ending 31 March.
type Key = (&'static str, i32, String);

fn keyed(t: &Table, out: &mut BTreeMap<Key, (Interval, String)>) {
    for r in &t.records {
        let band = r.band.map_or_else(|| "all".to_string(), |b| b.label());
        let key = match (r.measure.as_str(), r.period) {
            ("stock" | "closing", Some(Period::Date(d))) if d.is_year_end() => {
                ("stock", d.year, band)
            }
            ("closing", Some(Period::Year(fy))) => ("stock", fy.end_year(), band),
            ("opening", Some(Period::Year(fy))) => ("stock", fy.end_year() - 1, band),
            ("admissions", Some(Period::Year(fy))) => ("admissions", fy.end_year(), band),
            ("discharges", Some(Period::Year(fy))) => ("discharges", fy.end_year(), band),
            _ => continue,
        };
        if let Some(iv) = r.cell.interval() {
            out.entry(key)
                .or_insert((iv, format!("{}, line {}", t.meta.citation(), r.line)));
        }
    }
}

fn figures(ds: &Dataset, tables: &[&str]) -> BTreeMap<Key, (Interval, String)> {
    let mut out = BTreeMap::new();
    for id in tables {
        if let Ok(t) = ds.table(id) {
            keyed(t, &mut out);
        }
    }
    out
}

pub(crate) fn compare(
    check: &str,
    doc: &Dataset,
    doc_tables: &[&str],
    dfe: &Dataset,
    out: &mut Vec<Finding>,
) {
    let theirs = figures(
        dfe,
        &[
            "cic_by_age",
            "stock_by_age",
            "admissions_by_age",
            "starts_by_age",
            "flows_summary",
            "flows_annual",
        ],
    );
    for ((measure, year, band), (expected, cite)) in figures(doc, doc_tables) {
        let key = (measure, year, band.clone());
        let Some((found, dcite)) = theirs.get(&key) else {
            continue;
        };
        let difference = *found - expected;
        let status = match difference {
            Some(d) if d.within(0.0) => crate::Status::Pass,
            Some(d) if !d.may_be_within(0.0) => crate::Status::Fail,
            _ => crate::Status::Indeterminate,
        };
        let period = if measure == "stock" {
            format!("{year}-03-31")
        } else {
            format!("{}/{:02}", year - 1, year.rem_euclid(100))
        };
        out.push(Finding {
            check: check.to_string(),
            kind: "cross_source".into(),
            group: format!("measure={measure}, band={band}"),
            period: Some(period),
            expected: Some(expected),
            found: Some(*found),
            difference,
            tolerance: 0.0,
            status,
            sources: vec![cite, format!("{} ({dcite})", dfe.name)],
            detail: format!("expected: {}; found: {}", doc.name, dfe.name),
        });
    }
}

/// The council documents against the DfE figures: Derbyshire's and Derby City's tables
/// against `dfe:Derbyshire` and `dfe:Derby`, and the D2N2 document's totals against the
/// sum of the four councils. `expected` is the document's figure, `found` the DfE one.
///
/// ```
/// let p = carecast::dfe::Panel::bundled().unwrap();
/// let r = carecast::dfe::sources::reconcile_sources(p).unwrap();
/// let adm: Vec<_> = r.findings.iter()
///     .filter(|f| f.check.starts_with("Derbyshire") && f.group == "measure=admissions, band=all")
///     .collect();
/// // Derbyshire's own admissions table counts more children than DfE's starts.
/// assert!(adm.iter().all(|f| f.difference.unwrap().hi.unwrap() < 0.0));
/// ```
///
/// # Errors
/// Only if a bundled dataset fails to load (a build error).
pub fn reconcile_sources(panel: &Panel) -> Result<Reconciliation> {
    let mut findings = Vec::new();
    let dfe = |q: &str| super::council::dataset_in(panel, q);
    compare(
        "Derbyshire document against DfE",
        &Dataset::bundled("derbyshire")?,
        &["cic_by_age", "admissions_by_age", "flows_summary"],
        &dfe("Derbyshire")?,
        &mut findings,
    );
    compare(
        "Derby City document against DfE",
        &Dataset::bundled("derby")?,
        &["flows_annual"],
        &dfe("Derby")?,
        &mut findings,
    );
    let d2n2 = super::council::combine(
        panel,
        &["Derby", "Derbyshire", "Nottingham", "Nottinghamshire"],
        "dfe:D2N2 (sum of Derby, Derbyshire, Nottingham, Nottinghamshire)",
    )?;
    compare(
        "D2N2 document against the sum of its four councils (DfE)",
        &Dataset::bundled("d2n2")?,
        &["d2n2_cla"],
        &d2n2,
        &mut findings,
    );
    Ok(Reconciliation {
        dataset: "dfe:cross-source".into(),
        findings,
    })
}
