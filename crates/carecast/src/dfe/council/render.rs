//! The last step of a council's dataset: the gathered values written as the bundled
//! datasets' tables (header lines and CSV rows), then read back as a [`Dataset`].

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::{BANDS, CEASE_BANDS, Chosen, Gathered, Nested};
use crate::{Dataset, Result};

const SOURCE: &str = "DfE Children looked after in England including adoptions (SFR 2013-2017, underlying data 2018-2019, EES 2022-2024)";

struct TableText {
    id: &'static str,
    text: String,
    /// Rows written (a table without rows is left out of the dataset).
    rows: usize,
    /// (line, lower, upper) of suppressed cells with known bounds.
    bounds: Vec<Bound>,
}

/// (line, lower, upper) of a suppressed cell with known bounds.
type Bound = (usize, f64, Option<f64>);

fn header(
    id: &str,
    title: &str,
    source_table: &str,
    measure: Option<&str>,
    unit: &str,
    total: bool,
    notes: &str,
) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "# id: {id}");
    let _ = writeln!(s, "# title: {title}");
    let _ = writeln!(s, "# source: {SOURCE}");
    let _ = writeln!(s, "# source_table: {source_table}");
    if let Some(m) = measure {
        let _ = writeln!(s, "# measure: {m}");
    }
    let _ = writeln!(s, "# unit: {unit}");
    if total {
        let _ = writeln!(s, "# total: band=all");
    }
    if !notes.is_empty() {
        let _ = writeln!(s, "# notes: {}", notes.replace('\n', " "));
    }
    s
}

/// A table from its header and rows of (key columns..., chosen value).
fn table(
    id: &'static str,
    head: String,
    cols: &[&str],
    rows: Vec<(Vec<String>, &Chosen)>,
) -> TableText {
    let first = head.lines().count() + 2;
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut all_cols: Vec<&str> = cols.to_vec();
    all_cols.extend(["value", "note"]);
    let _ = w.write_record(&all_cols);
    let mut bounds = Vec::new();
    let n = rows.len();
    for (i, (mut keys, c)) in rows.into_iter().enumerate() {
        if c.text == "x" && (c.lower > 0.0 || c.upper.is_some()) {
            bounds.push((first + i, c.lower, c.upper));
        }
        keys.push(c.text.clone());
        keys.push(c.note.clone());
        let _ = w.write_record(&keys);
    }
    let body = String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default();
    TableText {
        id,
        text: head + &body,
        rows: n,
        bounds,
    }
}

fn fy(y: i32) -> String {
    format!("{}/{:02}", y - 1, y.rem_euclid(100))
}

fn date(y: i32) -> String {
    format!("{y}-03-31")
}

fn band_rows<'a>(
    m: &'a Nested,
    period: &dyn Fn(i32) -> String,
    labels: &[(&str, &str)],
) -> Vec<(Vec<String>, &'a Chosen)> {
    let mut rows = Vec::new();
    for (y, by) in m {
        for l in labels.iter().map(|(_, l)| *l).chain(["all"]) {
            if let Some(c) = by.get(l) {
                rows.push((vec![period(*y), l.to_string()], c));
            }
        }
    }
    rows
}

fn simple_rows(m: &BTreeMap<i32, Chosen>) -> Vec<(Vec<String>, &Chosen)> {
    m.iter().map(|(y, c)| (vec![date(*y)], c)).collect()
}

/// Whether the model runs on age bands (else on all-ages totals); notes why years are
/// left out or the bands are not used.
fn fit_on_bands(g: &Gathered, notes: &mut Vec<String>) -> bool {
    let num = |m: &BTreeMap<i32, BTreeMap<String, Chosen>>, y: i32, b: &str| {
        m.get(&y).and_then(|x| x.get(b)).and_then(|c| c.number)
    };
    let complete = |m: &BTreeMap<i32, BTreeMap<String, Chosen>>, y: i32| {
        BANDS.iter().all(|(_, l)| num(m, y, l).is_some())
    };
    // Years a flow can be fitted on: by totals, and by bands.
    let total_years: Vec<i32> = g
        .starts_total
        .keys()
        .copied()
        .filter(|&y| {
            let total = |m: &BTreeMap<i32, Chosen>, y: i32| m.get(&y).and_then(|c| c.number);
            total(&g.stock_total, y - 1).is_some()
                && total(&g.stock_total, y).is_some()
                && total(&g.starts_total, y).is_some()
        })
        .collect();
    let band_years: Vec<i32> = total_years
        .iter()
        .copied()
        .filter(|&y| complete(&g.stock, y - 1) && complete(&g.stock, y) && complete(&g.starts, y))
        .collect();
    let latest = total_years.last().copied();
    let use_bands =
        latest.is_some() && band_years.last().copied() == latest && band_years.len() >= 2;
    let dropped: Vec<String> = total_years
        .iter()
        .filter(|y| !band_years.contains(y))
        .map(|y| fy(*y))
        .collect();
    if use_bands && !dropped.is_empty() {
        notes.push(format!(
            "fitted on age bands; years {} have two or more suppressed age bands (or no printed total) and are left out of the fit",
            dropped.join(", ")
        ));
    } else if !use_bands && latest.is_some() {
        notes.push(format!(
            "age bands are suppressed in the latest year or too few years have every band: the model runs on all-ages totals (flows_annual, years {}); the by-age tables are kept as stock_by_age and starts_by_age",
            total_years.iter().map(|y| fy(*y)).collect::<Vec<_>>().join(", ")
        ));
    } else if latest.is_none() {
        notes.push(
            "no year has published stock at both ends and starts: the model cannot be fitted"
                .into(),
        );
    }
    use_bands
}

/// The stock, starts and ceases by age tables.
fn band_tables(g: &Gathered, use_bands: bool, note_text: &str) -> Vec<TableText> {
    let (stock_id, starts_id) = if use_bands {
        ("cic_by_age", "admissions_by_age")
    } else {
        ("stock_by_age", "starts_by_age")
    };
    vec![
        table(
            stock_id,
            header(
                stock_id,
                "Children looked after at 31 March by age band",
                "children looked after at 31 March by age (SFR/ULD CLA files, EES 2024 dashboard table)",
                Some("stock"),
                "children",
                true,
                &format!("{note_text}; bands and total of a year come from one release"),
            ),
            &["period", "band"],
            band_rows(&g.stock, &date, BANDS),
        ),
        table(
            starts_id,
            header(
                starts_id,
                "Children who started to be looked after in the year by age band",
                "children who started to be looked after by age on starting (SFR/ULD ADM files, EES started files)",
                Some("admissions"),
                "children",
                true,
                "bands and total of a year come from one release",
            ),
            &["period", "band"],
            band_rows(&g.starts, &fy, BANDS),
        ),
        table(
            "discharges_by_age",
            header(
                "discharges_by_age",
                "Children who ceased to be looked after in the year by age on ceasing",
                "children who ceased to be looked after by age on ceasing (SFR/ULD CEA files, EES ceased files)",
                Some("discharges"),
                "children",
                false,
                "single ages 16, 17 and 18 (18 and over) from 2016; before 2016 and for 2019 the band 16+ (16 and over, including 18 and over) is printed instead",
            ),
            &["period", "band"],
            {
                let mut rows = band_rows(&g.ceases, &fy, CEASE_BANDS);
                rows.extend(
                    g.ceases_16p
                        .iter()
                        .map(|(y, c)| (vec![fy(*y), "16+".into()], c)),
                );
                rows
            },
        ),
    ]
}

/// The all-ages flows: `flows_summary` and `flows_annual`.
fn flow_tables(g: &Gathered) -> [TableText; 2] {
    let mut flows = Vec::new();
    let mut annual = Vec::new();
    let years: std::collections::BTreeSet<i32> = g
        .starts_total
        .keys()
        .chain(g.ceases_total.keys())
        .copied()
        .collect();
    for y in years {
        for (measure, c) in [
            ("admissions", g.starts_total.get(&y)),
            ("discharges", g.ceases_total.get(&y)),
        ] {
            if let Some(c) = c {
                flows.push((vec![fy(y), measure.to_string()], c));
                annual.push((vec![fy(y), measure.to_string()], c));
            }
        }
        for (measure, c) in [
            ("opening", g.stock_total.get(&(y - 1))),
            ("closing", g.stock_total.get(&y)),
        ] {
            if let Some(c) = c {
                annual.push((vec![fy(y), measure.to_string()], c));
            }
        }
    }
    [
        table(
            "flows_summary",
            header(
                "flows_summary",
                "Children who started and ceased to be looked after in the year",
                "totals of children who started and ceased (SFR/ULD, EES rates files)",
                None,
                "children",
                false,
                "",
            ),
            &["period", "measure"],
            flows,
        ),
        table(
            "flows_annual",
            header(
                "flows_annual",
                "Children looked after at the start and end of the year, starts and ceases",
                "stock at 31 March of the year before (opening) and of the year (closing), starts and ceases",
                None,
                "children",
                false,
                "each total is the latest release's (a later release may revise a total whose age bands it does not reprint, so a total here can differ from the by-age tables' all row, which comes from the release of the bands); opening is the stock at 31 March of the previous year as published",
            ),
            &["period", "measure"],
            annual,
        ),
    ]
}

/// The UASC, population and placement tables.
fn other_tables(g: &Gathered) -> [TableText; 3] {
    [
        table(
            "uasc_stock",
            header(
                "uasc_stock",
                "Unaccompanied asylum-seeking children looked after at 31 March",
                "UASC looked after at 31 March (SFR/ULD CLA files, EES 2024 dashboard table)",
                Some("stock"),
                "children",
                false,
                "part of the children looked after at 31 March (cic_by_age)",
            ),
            &["period"],
            simple_rows(&g.uasc),
        ),
        table(
            "population",
            header(
                "population",
                "Children aged 0-17, the denominator of the rates",
                "population aged 0-17 (ONS mid-year estimates as DfE uses them: mid-year before 31 March)",
                Some("population"),
                "children",
                false,
                "the figure for 31 March of year t is the ONS estimate for mid-(t-1)",
            ),
            &["period"],
            simple_rows(&g.population),
        ),
        table(
            "placements_by_type",
            header(
                "placements_by_type",
                "Children looked after at 31 March by placement type",
                "children looked after at 31 March by placement (SFR/ULD CLA files, EES 2024 dashboard table)",
                Some("stock"),
                "children",
                false,
                "categories changed in the year ending March 2020; the DfE labels are kept",
            ),
            &["period", "category"],
            g.placements
                .iter()
                .flat_map(|(y, b)| {
                    b.iter()
                        .map(move |(cat, c)| (vec![date(*y), cat.clone()], c))
                })
                .collect(),
        ),
    ]
}

pub(super) fn render(
    name: &str,
    title: &str,
    g: &Gathered,
    mut notes: Vec<String>,
) -> Result<Dataset> {
    let use_bands = fit_on_bands(g, &mut notes);
    let note_text = notes.join("; ");
    let mut tables = band_tables(g, use_bands, &note_text);
    tables.extend(flow_tables(g));
    tables.extend(other_tables(g));
    // A measure with no figure yet (e.g. the population before DfE printed it, in a
    // panel as known at an early year) is no table rather than an empty one.
    tables.retain(|t| t.rows > 0);
    let bounds: Vec<(&'static str, Vec<Bound>)> =
        tables.iter().map(|t| (t.id, t.bounds.clone())).collect();
    let files: Vec<(String, String)> = tables
        .into_iter()
        .map(|t| (format!("{}.csv", t.id), t.text))
        .collect();
    let mut ds = Dataset::from_files(name, "dfe", files)?;
    // Suppressed cells with known bounds carry them (the text form has no interval).
    for (id, bs) in bounds {
        if let Some(t) = ds.tables.iter_mut().find(|t| t.meta.id == id) {
            for (line, lo, hi) in bs {
                if let Some(r) = t.records.iter_mut().find(|r| r.line == line)
                    && let crate::Cell::Suppressed { lower, upper, .. } = &mut r.cell
                {
                    *lower = lo;
                    *upper = hi;
                }
            }
        }
    }
    ds.title = title.to_string();
    ds.description = note_text;
    Ok(ds)
}
