//! A council, region or England from the national panel as a [`Dataset`] in the bundled
//! datasets' table format, so the cohort model, projections and backtests read it
//! unchanged.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::areas::{Area, Areas};
use super::panel::{MEASURES, Panel, Status, Vintage};
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
}

fn fmt_num(v: f64) -> String {
    if v.fract() == 0.0 {
        format!("{}", v as i64)
    } else {
        format!("{v}")
    }
}

fn chosen(panel: &Panel, v: &Vintage) -> Chosen {
    let rel = &panel.releases[v.release as usize].label;
    match (v.status, v.value) {
        (Status::Published, Some(x)) => Chosen {
            text: fmt_num(x),
            note: rel.clone(),
            number: Some(x),
        },
        (Status::Derived, Some(x)) => Chosen {
            text: fmt_num(x),
            note: format!("{rel}; derived as the sum of ages 16, 17 and 18+"),
            number: Some(x),
        },
        (Status::Suppressed, _) => Chosen {
            text: "x".into(),
            note: format!("{rel}; suppressed by DfE (printed {:?})", v.printed),
            number: None,
        },
        _ => Chosen {
            text: String::new(),
            note: format!("{rel}; not available (printed {:?})", v.printed),
            number: None,
        },
    }
}

/// The cells of one area: measure -> year -> breakdown -> vintages.
type AreaCells<'a> = BTreeMap<&'static str, BTreeMap<i32, BTreeMap<&'a str, &'a [Vintage]>>>;

fn area_cells<'a>(panel: &'a Panel, area: usize) -> AreaCells<'a> {
    let mut out: AreaCells<'a> = BTreeMap::new();
    for (k, vs) in &panel.cells {
        if k.area as usize == area {
            out.entry(MEASURES[k.measure as usize])
                .or_default()
                .entry(i32::from(k.year))
                .or_default()
                .insert(
                    panel.breakdowns[k.breakdown as usize].as_str(),
                    vs.as_slice(),
                );
        }
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
                Chosen {
                    text: fmt_num(total - others),
                    note: format!(
                        "{note}; filled as the total less the other bands of the same release"
                    ),
                    number: Some(total - others),
                },
            );
        }
    }
    let complete = bands
        .iter()
        .all(|(_, l)| out.get(*l).is_some_and(|c| c.number.is_some()));
    (out, complete)
}

struct TableText {
    id: &'static str,
    text: String,
}

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

fn csv_rows(cols: &[&str], rows: &[Vec<String>]) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    let _ = w.write_record(cols);
    for r in rows {
        let _ = w.write_record(r);
    }
    String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
}

fn fy(y: i32) -> String {
    format!("{}/{:02}", y - 1, y.rem_euclid(100))
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
    let cells = area_cells(panel, idx);
    if cells.is_empty() {
        return Err(crate::Error::model(format!(
            "{} ({}) has no values in the DfE panel",
            area.name, area.code
        )));
    }
    let empty = BTreeMap::new();
    let years_of = |m: &str| cells.get(m).unwrap_or(&empty);
    let stock_y = years_of("stock");
    let starts_y = years_of("starts");
    let ceases_y = years_of("ceases");
    let mut stock = BTreeMap::new();
    let mut starts = BTreeMap::new();
    let mut ceases = BTreeMap::new();
    let mut stock_ok = BTreeMap::new();
    let mut starts_ok = BTreeMap::new();
    for (y, b) in stock_y {
        let (c, ok) = coherent(panel, b, BANDS);
        stock.insert(*y, c);
        stock_ok.insert(*y, ok);
    }
    for (y, b) in starts_y {
        let (c, ok) = coherent(panel, b, BANDS);
        starts.insert(*y, c);
        starts_ok.insert(*y, ok);
    }
    for (y, b) in ceases_y {
        ceases.insert(*y, coherent(panel, b, CEASE_BANDS).0);
    }
    let num = |m: &BTreeMap<i32, BTreeMap<String, Chosen>>, y: i32, b: &str| {
        m.get(&y).and_then(|x| x.get(b)).and_then(|c| c.number)
    };
    // Years a flow can be fitted on: by totals, and by bands.
    let total_years: Vec<i32> = starts
        .keys()
        .copied()
        .filter(|&y| {
            num(&stock, y - 1, "all").is_some()
                && num(&stock, y, "all").is_some()
                && num(&starts, y, "all").is_some()
        })
        .collect();
    let band_years: Vec<i32> = total_years
        .iter()
        .copied()
        .filter(|y| {
            stock_ok.get(&(y - 1)) == Some(&true)
                && stock_ok.get(y) == Some(&true)
                && starts_ok.get(y) == Some(&true)
        })
        .collect();
    let latest = total_years.last().copied();
    let use_bands =
        latest.is_some() && band_years.last().copied() == latest && band_years.len() >= 2;
    let first = stock.keys().next().copied().unwrap_or(0);
    let last = stock.keys().last().copied().unwrap_or(0);
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
    let dropped: Vec<String> = total_years
        .iter()
        .filter(|y| !band_years.contains(y))
        .map(|y| fy(*y))
        .collect();
    if use_bands && !dropped.is_empty() {
        notes.push(format!(
            "fitted on age bands; years {} have a suppressed age band (two or more, or no printed total) and are left out of the fit",
            dropped.join(", ")
        ));
    } else if !use_bands && latest.is_some() {
        notes.push(format!(
            "age bands are suppressed in the latest year or too few years have every band: the model runs on all-ages totals (flows_annual, years {}); the by-age tables are kept as stock_by_age and starts_by_age",
            total_years.iter().map(|y| fy(*y)).collect::<Vec<_>>().join(", ")
        ));
    }
    for c in areas.changes_of(&area.code) {
        notes.push(format!(
            "boundary change {}: {} -> {} ({}): {}",
            c.effective_date, c.predecessor_name, c.successor_name, c.change, c.treatment
        ));
    }
    let note_text = notes.join("; ");

    let mut tables: Vec<TableText> = Vec::new();
    let band_rows = |m: &BTreeMap<i32, BTreeMap<String, Chosen>>,
                     period: &dyn Fn(i32) -> String,
                     labels: &[(&str, &str)]| {
        let mut rows = Vec::new();
        for (y, by) in m {
            for l in labels.iter().map(|(_, l)| *l).chain(["all"]) {
                if let Some(c) = by.get(l) {
                    rows.push(vec![
                        period(*y),
                        l.to_string(),
                        c.text.clone(),
                        c.note.clone(),
                    ]);
                }
            }
        }
        rows
    };
    let date = |y: i32| format!("{y}-03-31");
    let (stock_id, starts_id) = if use_bands {
        ("cic_by_age", "admissions_by_age")
    } else {
        ("stock_by_age", "starts_by_age")
    };
    tables.push(TableText {
        id: stock_id,
        text: header(
            stock_id,
            "Children looked after at 31 March by age band",
            "children looked after at 31 March by age (SFR/ULD CLA files, EES 2024 dashboard table)",
            Some("stock"),
            "children",
            true,
            &format!("{note_text}; bands and total of a year come from one release"),
        ) + &csv_rows(&["period", "band", "value", "note"], &band_rows(&stock, &date, BANDS)),
    });
    tables.push(TableText {
        id: starts_id,
        text: header(
            starts_id,
            "Children who started to be looked after in the year by age band",
            "children who started to be looked after by age on starting (SFR/ULD ADM files, EES started files)",
            Some("admissions"),
            "children",
            true,
            "bands and total of a year come from one release",
        ) + &csv_rows(&["period", "band", "value", "note"], &band_rows(&starts, &fy, BANDS)),
    });
    tables.push(TableText {
        id: "discharges_by_age",
        text: header(
            "discharges_by_age",
            "Children who ceased to be looked after in the year by age on ceasing",
            "children who ceased to be looked after by age on ceasing (SFR/ULD CEA files, EES ceased files)",
            Some("discharges"),
            "children",
            false,
            "single ages 16, 17 and 18 and over from 2016; before 2016 and for 2019 the band 16+ (16 and over, including 18+) is printed instead",
        ) + &csv_rows(&["period", "band", "value", "note"], &{
            let mut rows = band_rows(&ceases, &fy, CEASE_BANDS);
            for (y, b) in ceases_y {
                if !b.contains_key("16") && let Some(vs) = b.get("16+") && let Some(v) = panel.latest(vs) {
                    let c = chosen(panel, v);
                    rows.push(vec![fy(*y), "16+".into(), c.text, format!("{}; 16 and over, including 18+", c.note)]);
                }
            }
            rows
        }),
    });
    let mut flows = Vec::new();
    let mut annual = Vec::new();
    for y in starts
        .keys()
        .chain(ceases.keys())
        .copied()
        .collect::<std::collections::BTreeSet<_>>()
    {
        let get = |m: &BTreeMap<i32, BTreeMap<String, Chosen>>, yy: i32| {
            m.get(&yy).and_then(|x| x.get("all")).cloned()
        };
        for (measure, c) in [
            ("admissions", get(&starts, y)),
            ("discharges", get(&ceases, y)),
        ] {
            if let Some(c) = c {
                flows.push(vec![
                    fy(y),
                    measure.to_string(),
                    c.text.clone(),
                    c.note.clone(),
                ]);
                annual.push(vec![fy(y), measure.to_string(), c.text, c.note]);
            }
        }
        for (measure, c) in [("opening", get(&stock, y - 1)), ("closing", get(&stock, y))] {
            if let Some(c) = c {
                annual.push(vec![fy(y), measure.to_string(), c.text, c.note]);
            }
        }
    }
    tables.push(TableText {
        id: "flows_summary",
        text: header(
            "flows_summary",
            "Children who started and ceased to be looked after in the year",
            "totals of children who started and ceased (SFR/ULD, EES rates files)",
            None,
            "children",
            false,
            "",
        ) + &csv_rows(&["period", "measure", "value", "note"], &flows),
    });
    tables.push(TableText {
        id: "flows_annual",
        text: header(
            "flows_annual",
            "Children looked after at the start and end of the year, starts and ceases",
            "stock at 31 March of the year before (opening) and of the year (closing), starts and ceases",
            None,
            "children",
            false,
            "opening is the stock at 31 March of the previous year as published",
        ) + &csv_rows(&["period", "measure", "value", "note"], &annual),
    });
    let simple = |measure: &str| -> Vec<Vec<String>> {
        cells
            .get(measure)
            .map(|ys| {
                ys.iter()
                    .filter_map(|(y, b)| {
                        let v = panel.latest(b.get("total")?)?;
                        let c = chosen(panel, v);
                        Some(vec![date(*y), c.text, c.note])
                    })
                    .collect()
            })
            .unwrap_or_default()
    };
    tables.push(TableText {
        id: "uasc_stock",
        text: header(
            "uasc_stock",
            "Unaccompanied asylum-seeking children looked after at 31 March",
            "UASC looked after at 31 March (SFR/ULD CLA files, EES 2024 dashboard table)",
            Some("stock"),
            "children",
            false,
            "part of the children looked after at 31 March (cic_by_age)",
        ) + &csv_rows(&["period", "value", "note"], &simple("uasc_stock")),
    });
    tables.push(TableText {
        id: "population",
        text: header(
            "population",
            "Children aged 0-17, the denominator of the rates",
            "population aged 0-17 (ONS mid-year estimates as DfE uses them: mid-year before 31 March)",
            Some("population"),
            "children",
            false,
            "the figure for 31 March of year t is the ONS estimate for mid-(t-1)",
        ) + &csv_rows(&["period", "value", "note"], &simple("population_0_17")),
    });
    let placement_rows: Vec<Vec<String>> = cells
        .get("placement_stock")
        .map(|ys| {
            ys.iter()
                .flat_map(|(y, b)| {
                    b.iter().filter_map(move |(cat, vs)| {
                        let c = chosen(panel, panel.latest(vs)?);
                        let cat = if *cat == "total" { "Total" } else { cat };
                        Some(vec![date(*y), cat.to_string(), c.text, c.note])
                    })
                })
                .collect()
        })
        .unwrap_or_default();
    tables.push(TableText {
        id: "placements_by_type",
        text: header(
            "placements_by_type",
            "Children looked after at 31 March by placement type",
            "children looked after at 31 March by placement (SFR/ULD CLA files, EES 2024 dashboard table)",
            Some("stock"),
            "children",
            false,
            "categories changed in the year ending March 2020; the DfE labels are kept",
        ) + &csv_rows(&["period", "category", "value", "note"], &placement_rows),
    });
    let files: Vec<(String, String)> = tables
        .into_iter()
        .map(|t| (format!("{}.csv", t.id), t.text))
        .collect();
    let mut ds = Dataset::from_files(&format!("dfe:{}", area.name), "dfe", files)?;
    ds.title = format!("{} (DfE statistics)", area.name);
    ds.description = note_text;
    Ok(ds)
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
    let area = Areas::bundled().find(query)?;
    council_dataset(Panel::bundled()?, area)
}
