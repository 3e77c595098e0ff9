//! A council, region or England from the national panel as a [`Dataset`] in the bundled
//! datasets' table format, so the cohort model, projections and backtests read it
//! unchanged.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::areas::{Area, Areas};
use super::panel::{Key, MEASURES, Panel, Status, Vintage};
use super::read::Level;
use crate::{Dataset, Result};

/// Age bands of stock and starts, with the table format's labels.
const BANDS: &[(&str, &str)] = &[
    ("under 1", "under 1"),
    ("1-4", "1-4"),
    ("5-9", "5-9"),
    ("10-15", "10-15"),
    ("16+", "16+"),
];
/// Bands of ceases (16+ = 16 and over, including 18+ for ceases).
const CEASE_BANDS: &[(&str, &str)] = &[
    ("under 1", "under 1"),
    ("1-4", "1-4"),
    ("5-9", "5-9"),
    ("10-15", "10-15"),
    ("16", "16"),
    ("17", "17"),
    ("18+", "18"),
];

const SOURCE: &str = "DfE Children looked after in England including adoptions (SFR 2013-2017, underlying data 2018-2019, EES 2022-2024)";

/// One value chosen for a dataset cell.
#[derive(Debug, Clone)]
struct Chosen {
    text: String,
    note: String,
    number: Option<f64>,
    /// Bounds of the value (the number when exact; for a suppressed cell 0 and, where the
    /// year's total is printed, the total less the printed bands).
    lower: f64,
    upper: Option<f64>,
}

impl Chosen {
    fn exact(x: f64, note: String) -> Chosen {
        Chosen {
            text: fmt_num(x),
            note,
            number: Some(x),
            lower: x,
            upper: Some(x),
        }
    }
}

/// A whole number without a decimal point (`-0` shows as `0`), any other as Rust prints it.
fn fmt_num(v: f64) -> String {
    if v == 0.0 {
        "0".to_string()
    } else if v.fract() == 0.0 {
        format!("{v:.0}")
    } else {
        format!("{v}")
    }
}

fn chosen(panel: &Panel, v: &Vintage) -> Chosen {
    let rel = &panel.releases[v.release as usize].label;
    match (v.status, v.value) {
        (Status::Published, Some(x)) => Chosen::exact(x, rel.clone()),
        (Status::Derived, Some(x)) => Chosen::exact(
            x,
            format!("{rel}; derived as the sum of ages 16, 17 and 18+"),
        ),
        (Status::Suppressed, _) => Chosen {
            text: "x".into(),
            note: format!("{rel}; suppressed by DfE (printed {:?})", v.printed),
            number: None,
            lower: 0.0,
            upper: None,
        },
        _ => Chosen {
            text: String::new(),
            note: format!("{rel}; not available (printed {:?})", v.printed),
            number: None,
            lower: 0.0,
            upper: None,
        },
    }
}

/// The cells of one area: measure -> year -> breakdown -> vintages.
type AreaCells<'a> = BTreeMap<&'static str, BTreeMap<i32, BTreeMap<&'a str, &'a [Vintage]>>>;

fn area_cells<'a>(panel: &'a Panel, area: usize) -> AreaCells<'a> {
    let mut out: AreaCells<'a> = BTreeMap::new();
    let Ok(area) = u16::try_from(area) else {
        return out;
    };
    // Cells are ordered by area first: only this area's range is read.
    let first = Key {
        area,
        measure: 0,
        breakdown: 0,
        year: i16::MIN,
    };
    for (k, vs) in panel.cells.range(first..) {
        if k.area != area {
            break;
        }
        out.entry(MEASURES[k.measure as usize])
            .or_default()
            .entry(i32::from(k.year))
            .or_default()
            .insert(
                panel.breakdowns[k.breakdown as usize].as_str(),
                vs.as_slice(),
            );
    }
    out
}

/// Bands and total of one year and measure from one release (the latest release that
/// prints the bands), so that they add up; one suppressed band with a published total is
/// the total less the other bands.
fn coherent(
    panel: &Panel,
    year: &BTreeMap<&str, &[Vintage]>,
    bands: &[(&str, &str)],
) -> (BTreeMap<String, Chosen>, bool) {
    let rel = bands
        .iter()
        .filter_map(|(b, _)| year.get(b))
        .flat_map(|vs| vs.iter())
        .filter(|v| v.status != Status::NotAvailable)
        .map(|v| v.release)
        .max();
    let pick = |b: &str| -> Option<Chosen> {
        let vs = year.get(b)?;
        let v = rel
            .and_then(|r| vs.iter().find(|v| v.release == r))
            .or_else(|| panel.latest(vs))?;
        Some(chosen(panel, v))
    };
    let mut out = BTreeMap::new();
    for (b, label) in bands {
        if let Some(c) = pick(b) {
            out.insert(label.to_string(), c);
        }
    }
    if let Some(c) = pick("total") {
        out.insert("all".to_string(), c);
    }
    // One suppressed band and a printed total: the band is exactly the difference.
    let missing: Vec<String> = bands
        .iter()
        .map(|(_, l)| l.to_string())
        .filter(|l| out.get(l).is_none_or(|c| c.number.is_none()))
        .collect();
    if let ([m], Some(total)) = (missing.as_slice(), out.get("all").and_then(|c| c.number)) {
        let others: f64 = bands
            .iter()
            .filter(|(_, l)| l != m)
            .filter_map(|(_, l)| out.get(*l).and_then(|c| c.number))
            .sum();
        if others <= total && out.contains_key(m) {
            let note = out.get(m).map(|c| c.note.clone()).unwrap_or_default();
            out.insert(
                m.clone(),
                Chosen::exact(
                    total - others,
                    format!("{note}; filled as the total less the other bands of the same release"),
                ),
            );
        }
    }
    if missing.len() > 1
        && let Some(total) = out.get("all").and_then(|c| c.number)
    {
        // Several suppressed bands: each is at most the total less the printed bands.
        let known: f64 = bands
            .iter()
            .filter_map(|(_, l)| out.get(*l).and_then(|c| c.number))
            .sum();
        for m in &missing {
            if let Some(c) = out.get_mut(m)
                && c.text == "x"
            {
                c.upper = Some((total - known).max(0.0));
            }
        }
    }
    let complete = bands
        .iter()
        .all(|(_, l)| out.get(*l).is_some_and(|c| c.number.is_some()));
    (out, complete)
}

/// Everything a dataset is made of, per measure: year -> band or category -> value.
#[derive(Debug, Clone, Default)]
struct Gathered {
    stock: BTreeMap<i32, BTreeMap<String, Chosen>>,
    starts: BTreeMap<i32, BTreeMap<String, Chosen>>,
    ceases: BTreeMap<i32, BTreeMap<String, Chosen>>,
    ceases_16p: BTreeMap<i32, Chosen>,
    /// Headline totals of stock, starts and ceases: the latest release that prints the
    /// total, which may be later than the release of the bands (`flows_annual`).
    stock_total: BTreeMap<i32, Chosen>,
    starts_total: BTreeMap<i32, Chosen>,
    ceases_total: BTreeMap<i32, Chosen>,
    uasc: BTreeMap<i32, Chosen>,
    population: BTreeMap<i32, Chosen>,
    placements: BTreeMap<i32, BTreeMap<String, Chosen>>,
}

fn gather(panel: &Panel, area: usize) -> Gathered {
    let cells = area_cells(panel, area);
    let mut g = Gathered::default();
    let each = |m: &str| cells.get(m).into_iter().flat_map(|ys| ys.iter());
    for (y, b) in each("stock") {
        g.stock.insert(*y, coherent(panel, b, BANDS).0);
    }
    for (y, b) in each("starts") {
        g.starts.insert(*y, coherent(panel, b, BANDS).0);
    }
    for (y, b) in each("ceases") {
        g.ceases.insert(*y, coherent(panel, b, CEASE_BANDS).0);
        if !b.contains_key("16")
            && let Some(v) = b.get("16+").and_then(|vs| panel.latest(vs))
        {
            g.ceases_16p.insert(*y, chosen(panel, v));
        }
    }
    let total = |m: &str, out: &mut BTreeMap<i32, Chosen>| {
        for (y, b) in each(m) {
            if let Some(v) = b.get("total").and_then(|vs| panel.latest(vs)) {
                out.insert(*y, chosen(panel, v));
            }
        }
    };
    total("stock", &mut g.stock_total);
    total("starts", &mut g.starts_total);
    total("ceases", &mut g.ceases_total);
    total("uasc_stock", &mut g.uasc);
    total("population_0_17", &mut g.population);
    for (y, b) in each("placement_stock") {
        let row = g.placements.entry(*y).or_default();
        for (cat, vs) in b {
            if let Some(v) = panel.latest(vs) {
                let cat = if *cat == "total" { "Total" } else { cat };
                row.insert(cat.to_string(), chosen(panel, v));
            }
        }
    }
    g
}

/// The sum of several areas' values: exact when every part is, else an interval.
fn sum(parts: &[&Chosen], n: usize) -> Chosen {
    let lower = parts.iter().map(|c| c.lower).sum();
    let upper = parts.iter().map(|c| c.upper).sum::<Option<f64>>();
    if parts.iter().all(|c| c.number.is_some()) {
        return Chosen::exact(lower, format!("sum of {n} areas"));
    }
    let sup = parts.iter().filter(|c| c.number.is_none()).count();
    Chosen {
        text: "x".into(),
        note: format!(
            "sum of {n} areas with {sup} suppressed part(s): between {} and {}",
            fmt_num(lower),
            upper.map_or("an unknown bound".into(), fmt_num)
        ),
        number: None,
        lower,
        upper,
    }
}

fn sum_maps<K: Ord + Clone>(
    maps: &[&BTreeMap<K, Chosen>],
    missing: &mut Vec<String>,
    what: &str,
    show: impl Fn(&K) -> String,
) -> BTreeMap<K, Chosen> {
    let mut out = BTreeMap::new();
    let Some(first) = maps.first() else {
        return out;
    };
    let keys: std::collections::BTreeSet<K> = maps.iter().flat_map(|m| m.keys().cloned()).collect();
    for k in keys {
        let parts: Vec<&Chosen> = maps.iter().filter_map(|m| m.get(&k)).collect();
        if parts.len() == maps.len() {
            out.insert(k, sum(&parts, maps.len()));
        } else {
            missing.push(format!("{what} {}", show(&k)));
        }
    }
    let _ = first;
    out
}

fn sum_nested(
    maps: &[&BTreeMap<i32, BTreeMap<String, Chosen>>],
    missing: &mut Vec<String>,
    what: &str,
) -> BTreeMap<i32, BTreeMap<String, Chosen>> {
    let years: std::collections::BTreeSet<i32> =
        maps.iter().flat_map(|m| m.keys().copied()).collect();
    let mut out = BTreeMap::new();
    for y in years {
        let inner: Vec<&BTreeMap<String, Chosen>> = maps.iter().filter_map(|m| m.get(&y)).collect();
        if inner.len() < maps.len() {
            missing.push(format!("{what} {y}"));
            continue;
        }
        let mut sub = Vec::new();
        out.insert(
            y,
            sum_maps(&inner, &mut sub, what, |k: &String| format!("{y} {k}")),
        );
        missing.extend(sub);
    }
    out
}

fn combine_gathered(parts: &[Gathered], missing: &mut Vec<String>) -> Gathered {
    let refs = |f: &dyn Fn(&Gathered) -> &Nested| parts.iter().map(f).collect::<Vec<_>>();
    let flat =
        |f: &dyn Fn(&Gathered) -> &BTreeMap<i32, Chosen>| parts.iter().map(f).collect::<Vec<_>>();
    let mut m = Vec::new();
    let g = Gathered {
        stock: sum_nested(&refs(&|g| &g.stock), &mut m, "stock"),
        starts: sum_nested(&refs(&|g| &g.starts), &mut m, "starts"),
        ceases: sum_nested(&refs(&|g| &g.ceases), &mut m, "ceases"),
        ceases_16p: sum_maps(&flat(&|g| &g.ceases_16p), &mut m, "ceases 16+", |y| {
            y.to_string()
        }),
        stock_total: sum_maps(&flat(&|g| &g.stock_total), &mut m, "stock total", |y| {
            y.to_string()
        }),
        starts_total: sum_maps(&flat(&|g| &g.starts_total), &mut m, "starts total", |y| {
            y.to_string()
        }),
        ceases_total: sum_maps(&flat(&|g| &g.ceases_total), &mut m, "ceases total", |y| {
            y.to_string()
        }),
        uasc: sum_maps(&flat(&|g| &g.uasc), &mut m, "uasc", |y| y.to_string()),
        population: sum_maps(&flat(&|g| &g.population), &mut m, "population", |y| {
            y.to_string()
        }),
        placements: sum_nested(&refs(&|g| &g.placements), &mut m, "placements"),
    };
    missing.extend(m);
    g
}

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

type Nested = BTreeMap<i32, BTreeMap<String, Chosen>>;

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

fn render(name: &str, title: &str, g: &Gathered, mut notes: Vec<String>) -> Result<Dataset> {
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

/// The dataset of one area of a panel.
///
/// ```
/// let p = carecast::dfe::Panel::bundled().unwrap();
/// let a = carecast::dfe::Areas::bundled().find("Derby").unwrap();
/// let d = carecast::dfe::council_dataset(p, a).unwrap();
/// assert_eq!(d.name, "dfe:Derby");
/// let m = carecast::CohortModel::fit(&d).unwrap();
/// assert_eq!(*m.base_years().last().unwrap(), 2024);
/// ```
///
/// # Errors
/// [`crate::Error::Data`] if the generated tables do not parse (a bug), or
/// [`crate::Error::Model`] if the area has no data at all.
pub fn council_dataset(panel: &Panel, area: &Area) -> Result<Dataset> {
    let areas = Areas::bundled();
    let idx = areas.index_of(&area.code).unwrap_or(usize::MAX);
    let g = gather(panel, idx);
    if g.stock.is_empty() && g.starts.is_empty() {
        return Err(crate::Error::model(format!(
            "{} ({}) has no values in the DfE panel",
            area.name, area.code
        )));
    }
    let first = g.stock.keys().next().copied().unwrap_or(0);
    let last = g.stock.keys().last().copied().unwrap_or(0);
    let mut notes: Vec<String> = vec![format!(
        "DfE figures for {} ({}{}), years ending 31 March {first}-{last}; each value is the latest release's (release in the cell note)",
        area.name,
        area.code,
        if area.old_la_code.is_empty() {
            String::new()
        } else {
            format!(", DfE {}", area.old_la_code)
        }
    )];
    if area.level != Level::LocalAuthority {
        notes.push("national and regional counts are rounded by DfE to the nearest 10".into());
    }
    for c in areas.changes_of(&area.code) {
        notes.push(format!(
            "boundary change {}: {} -> {} ({}): {}",
            c.effective_date, c.predecessor_name, c.successor_name, c.change, c.treatment
        ));
    }
    render(
        &format!("dfe:{}", area.name),
        &format!("{} (DfE statistics)", area.name),
        &g,
        notes,
    )
}

/// A `dfe:` dataset by name (the part after `dfe:`): council or region name, ONS code or
/// DfE number, case-insensitive.
///
/// ```
/// let d = carecast::dfe::dataset("891").unwrap();
/// assert_eq!(d.name, "dfe:Nottinghamshire");
/// let e = carecast::dfe::dataset("Nottinghamshre").unwrap_err().to_string();
/// assert!(e.contains("did you mean \"Nottinghamshire\""), "{e}");
/// ```
///
/// # Errors
/// [`crate::Error::UnknownName`] for an unknown area, with the closest name.
pub fn dataset(query: &str) -> Result<Dataset> {
    dataset_in(Panel::bundled()?, query)
}

/// As [`dataset`], from a given panel (e.g. the bundled one with a newer release added).
///
/// # Errors
/// As [`dataset`].
pub fn dataset_in(panel: &Panel, query: &str) -> Result<Dataset> {
    council_dataset(panel, Areas::try_bundled()?.find(query)?)
}

/// A named group of councils (or regions) as one dataset: counts summed, a sum with
/// suppressed parts kept as a suppressed cell with its bounds (never zero). A cell exists
/// only where every member has it (the notes list what is left out).
///
/// ```
/// let p = carecast::dfe::Panel::bundled().unwrap();
/// let d = carecast::dfe::combine(p, &["Derby", "Derbyshire", "Nottingham", "Nottinghamshire"], "D2N2").unwrap();
/// assert_eq!(d.name, "D2N2");
/// assert!(carecast::CohortModel::fit(&d).is_ok());
/// ```
///
/// # Errors
/// [`crate::Error::UnknownName`] for an unknown member; [`crate::Error::InvalidArgument`]
/// for an empty or repeated list.
pub fn combine(panel: &Panel, members: &[&str], name: &str) -> Result<Dataset> {
    let areas = Areas::try_bundled()?;
    if members.is_empty() {
        return Err(crate::Error::argument(
            "members",
            "[]",
            "name at least one council",
        ));
    }
    let mut found: Vec<&Area> = Vec::new();
    for m in members {
        let a = areas.find(m)?;
        if found.iter().any(|f| f.code == a.code) {
            return Err(crate::Error::argument(
                "members",
                m,
                format!("{} is named twice", a.name),
            ));
        }
        found.push(a);
    }
    let parts: Vec<Gathered> = found
        .iter()
        .map(|a| gather(panel, areas.index_of(&a.code).unwrap_or(usize::MAX)))
        .collect();
    let mut missing = Vec::new();
    let g = combine_gathered(&parts, &mut missing);
    let mut notes = vec![format!(
        "sum of the DfE figures of {}; a sum with a suppressed part is a suppressed cell with bounds (0 for each suppressed part, and at most its council's total less the printed bands where the total is printed)",
        found
            .iter()
            .map(|a| a.name.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    )];
    if !missing.is_empty() {
        let shown: Vec<&str> = missing.iter().take(8).map(String::as_str).collect();
        notes.push(format!(
            "{} cells are left out because not every member has them (e.g. {})",
            missing.len(),
            shown.join("; ")
        ));
    }
    for a in &found {
        for c in areas.changes_of(&a.code) {
            notes.push(format!(
                "{}: boundary change {}: {}",
                a.name, c.effective_date, c.treatment
            ));
        }
    }
    render(name, name, &g, notes)
}
