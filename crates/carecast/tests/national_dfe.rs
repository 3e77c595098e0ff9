//! The national backtest fed by the bundled DfE panel: the same figures as the vintages
//! file it was built from (`../shared/dfe/panel/cla_panel_vintages.csv`, read here as the
//! development loader read it, when that folder exists). The backtests run on a handful
//! of councils from the bundled panel alone are in `national_dfe_methods.rs`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::collections::HashMap;
use std::path::PathBuf;

use carecast::evaluate::national_dfe::DfeVintages;
use carecast::national::{Outturn, Panel, Vintage};
use carecast::{Dataset, Result};
use common::national_dfe::SOME;

/// `../shared/dfe/panel/cla_panel_vintages.csv` beside the project (or under
/// `$CARECAST_SHARED_DIR`).
fn shared_vintages() -> Option<PathBuf> {
    let root = std::env::var_os("CARECAST_SHARED_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared"));
    let p = root.join("dfe/panel/cla_panel_vintages.csv");
    if p.exists() {
        Some(p)
    } else {
        eprintln!("{}: not found, comparison skipped", p.display());
        None
    }
}

/// Year of the 31 March a release's latest figures end on (when it was known).
fn release_year(release: &str) -> Option<i32> {
    if release.starts_with("ONS MYE") {
        // Dated as the bundled panel dates them (`dfe::build`: published 2024). The old
        // development loader took them as known from 2023, which changed the
        // populations of 2014-2018 at origin 2023 only.
        return Some(2024);
    }
    release
        .split(|c: char| !c.is_ascii_digit())
        .filter(|t| t.len() == 4)
        .filter_map(|t| t.parse().ok())
        .next()
}

#[derive(Clone)]
struct Value {
    release_year: i32,
    value: Option<f64>,
}

/// A yearly series: (year, value).
type Series = Vec<(i32, f64)>;

/// (area, measure, breakdown, year) -> every vintage, oldest release first.
type Cells = HashMap<(String, String, String, i32), Vec<Value>>;

struct DfePanel {
    cells: Cells,
    councils: Vec<String>,
    names: HashMap<String, String>,
    /// Region name -> code.
    regions: HashMap<String, String>,
}

const BANDS: [(&str, &str); 5] = [
    ("under 1", "under 1"),
    ("1-4", "1-4"),
    ("5-9", "5-9"),
    ("10-15", "10-15"),
    ("16+", "16-17"),
];

impl DfePanel {
    fn load(path: &str) -> std::result::Result<Self, Box<dyn std::error::Error>> {
        let mut rdr = csv::Reader::from_path(path)?;
        let mut cells: Cells = HashMap::new();
        let mut councils = Vec::new();
        let mut names = HashMap::new();
        let mut regions = HashMap::new();
        for (i, rec) in rdr.records().enumerate() {
            let r = rec?;
            let get = |k: usize| r.get(k).unwrap_or("");
            let level = get(1);
            let area = match level {
                "National" => "England".to_string(),
                "Local authority" | "Regional" => get(2).to_string(),
                _ => continue,
            };
            if level == "Regional" {
                regions
                    .entry(get(4).to_string())
                    .or_insert_with(|| area.clone());
            }
            let measure = get(5);
            if !matches!(measure, "stock" | "starts" | "ceases" | "population_0_17") {
                continue;
            }
            let year: i32 = get(0)
                .parse()
                .map_err(|e| format!("{path}: line {}: year {:?}: {e}", i + 2, get(0)))?;
            let release = get(10);
            let Some(ry) = release_year(release) else {
                return Err(format!("{path}: line {}: unknown release {release:?}", i + 2).into());
            };
            let value = match get(8) {
                "published" | "derived" => Some(
                    get(7)
                        .parse::<f64>()
                        .map_err(|e| format!("{path}: line {}: value {:?}: {e}", i + 2, get(7)))?,
                ),
                "suppressed" => None,
                _ => continue, // not available: never replaces a number
            };
            if level == "Local authority" && !names.contains_key(&area) {
                names.insert(area.clone(), get(4).to_string());
                councils.push(area.clone());
            }
            cells
                .entry((area, measure.to_string(), get(6).to_string(), year))
                .or_default()
                .push(Value {
                    release_year: ry,
                    value,
                });
        }
        for v in cells.values_mut() {
            v.sort_by_key(|x| x.release_year);
        }
        councils.sort();
        Ok(DfePanel {
            cells,
            councils,
            names,
            regions,
        })
    }

    /// The value as known at `origin` (latest release up to it): `Some(None)` suppressed.
    fn at(
        &self,
        area: &str,
        measure: &str,
        breakdown: &str,
        year: i32,
        origin: i32,
    ) -> Option<Option<f64>> {
        let v = self
            .cells
            .get(&(area.into(), measure.into(), breakdown.into(), year))?;
        v.iter()
            .rev()
            .find(|x| x.release_year <= origin)
            .map(|x| x.value)
    }

    /// A region's admissions per 10,000 children and stock at 31 March, as known at the
    /// origin (as the bundled vintages carry them: admissions from 2013, stock from 2012).
    fn region(&self, name: &str, origin: i32) -> (Series, Series) {
        let r = self
            .regions
            .get(name)
            .unwrap_or_else(|| panic!("region {name}"));
        let reference = (2013..=origin)
            .filter_map(|y| {
                let s = self.at(r, "starts", "total", y, origin)??;
                let p = self.population(r, y, origin)?;
                Some((y, s / p * 10_000.0))
            })
            .collect();
        let stock = (2012..=origin)
            .filter_map(|y| self.at(r, "stock", "total", y, origin)?.map(|s| (y, s)))
            .collect();
        (reference, stock)
    }

    fn latest(&self, area: &str, measure: &str, breakdown: &str, year: i32) -> Option<f64> {
        self.cells
            .get(&(area.into(), measure.into(), breakdown.into(), year))?
            .last()?
            .value
    }

    /// Population as known at the origin; before the releases printed it, the ONS
    /// estimate (published each summer) stands in.
    fn population(&self, area: &str, year: i32, origin: i32) -> Option<f64> {
        self.at(area, "population_0_17", "total", year, origin)
            .flatten()
            .or_else(|| self.latest(area, "population_0_17", "total", year))
    }
}

fn cell(v: Option<Option<f64>>) -> Option<String> {
    match v? {
        Some(x) => Some(format!("{x}")),
        None => Some("x".into()),
    }
}

impl Panel for DfePanel {
    fn councils(&self) -> Vec<String> {
        self.councils.clone()
    }

    fn origins(&self) -> Vec<i32> {
        vec![2014, 2015, 2016, 2017, 2018, 2019, 2022, 2023]
    }

    fn known_at(&self, c: &str, origin: i32) -> Result<Option<Vintage>> {
        let years = 2013..=origin;
        let mut stock = String::from(
            "# id: cic_by_age\n# title: Children looked after at 31 March by age\n# source: DfE panel\n# source_table: stock\n# measure: stock\n# unit: children\nperiod,band,value\n",
        );
        let mut adm = String::from(
            "# id: admissions_by_age\n# title: Children who started to be looked after by age\n# source: DfE panel\n# source_table: starts\n# measure: admissions\n# unit: children\nperiod,band,value\n",
        );
        let mut flows = String::from(
            "# id: flows_annual\n# title: Children looked after: totals\n# source: DfE panel\n# source_table: stock, starts, ceases\n# unit: children\nperiod,measure,value\n",
        );
        let mut any = false;
        for y in years.clone() {
            let fy = carecast::FinancialYear::ending(y).to_string();
            for (dfe, label) in BANDS.iter().chain([("total", "all")].iter()) {
                if let Some(v) = cell(self.at(c, "stock", dfe, y, origin)) {
                    stock.push_str(&format!("{y}-03-31,{label},{v}\n"));
                    any = true;
                }
                if let Some(v) = cell(self.at(c, "starts", dfe, y, origin)) {
                    adm.push_str(&format!("{fy},{label},{v}\n"));
                }
            }
            let open = cell(self.at(c, "stock", "total", y - 1, origin));
            let close = cell(self.at(c, "stock", "total", y, origin));
            let starts = cell(self.at(c, "starts", "total", y, origin));
            let ceases = cell(self.at(c, "ceases", "total", y, origin));
            if let (Some(o), Some(cl), Some(s)) = (open, close, starts) {
                flows.push_str(&format!(
                    "{fy},opening,{o}\n{fy},admissions,{s}\n{fy},closing,{cl}\n"
                ));
                if let Some(d) = ceases {
                    flows.push_str(&format!("{fy},discharges,{d}\n"));
                }
            }
        }
        if !any {
            return Ok(None);
        }
        let name = self.names.get(c).cloned().unwrap_or_else(|| c.to_string());
        let ds = Dataset::from_files(
            &name,
            "DfE panel",
            vec![
                ("cic_by_age.csv".into(), stock),
                ("admissions_by_age.csv".into(), adm),
                ("flows_annual.csv".into(), flows),
            ],
        )?;
        let population = years
            .clone()
            .filter_map(|y| self.population(c, y, origin).map(|p| (y, p)))
            .collect();
        let reference = years
            .filter_map(|y| {
                let s = self.at("England", "starts", "total", y, origin)??;
                let p = self.population("England", y, origin)?;
                Some((y, s / p * 10_000.0))
            })
            .collect();
        let reference_stock = (2012..=origin)
            .filter_map(|y| {
                self.at("England", "stock", "total", y, origin)?
                    .map(|s| (y, s))
            })
            .collect();
        Ok(Some(Vintage {
            dataset: ds,
            population,
            reference,
            reference_stock,
            region_reference: Vec::new(),
            region_stock: Vec::new(),
            region_population: Vec::new(),
            last_year: Some(origin),
        }))
    }

    fn outturn(&self, c: &str, year: i32) -> Option<Outturn> {
        let stock: Vec<(String, f64)> = BANDS
            .iter()
            .chain([("total", "all")].iter())
            .filter_map(|(dfe, label)| {
                self.latest(c, "stock", dfe, year)
                    .map(|v| (label.to_string(), v))
            })
            .collect();
        (!stock.is_empty()).then_some(Outturn { stock })
    }
}

/// The closing stock of each year of a dataset's `flows_annual` (published numbers only).
fn closings(d: &Dataset) -> std::collections::BTreeMap<String, f64> {
    d.table("flows_annual")
        .unwrap()
        .records
        .iter()
        .filter(|r| r.measure == "closing")
        .filter_map(|r| Some((r.period?.to_string(), r.cell.value()?)))
        .collect()
}

/// The years of a dataset's `flows_annual` with a published opening stock.
fn openings(d: &Dataset) -> std::collections::BTreeSet<String> {
    d.table("flows_annual")
        .unwrap()
        .records
        .iter()
        .filter(|r| r.measure == "opening" && r.cell.value().is_some())
        .filter_map(|r| Some(r.period?.to_string()))
        .collect()
}

/// Band cells of a by-age table (stock or starts, whichever id the dataset uses):
/// (period, band) -> (number, or `None` when suppressed; the cell note).
fn band_cells(d: &Dataset, ids: [&str; 2]) -> BandCells {
    let t = ids
        .iter()
        .find_map(|id| d.table(id).ok())
        .unwrap_or_else(|| panic!("{}: none of {ids:?}", d.name));
    t.records
        .iter()
        .filter_map(|r| {
            let band = r.band?.label();
            Some((
                (r.period?.to_string(), band),
                (r.cell.value(), r.note.as_deref().unwrap_or("").to_string()),
            ))
        })
        .collect()
}

type BandCells = std::collections::BTreeMap<(String, String), (Option<f64>, String)>;

/// The note `dfe::council_dataset` gives a lone suppressed band it fills as the year's
/// total less the other bands of the same release (documented in `dfe/council/gather.rs`).
const FILLED: &str = "filled as the total less the other bands of the same release";

/// Compares the bundled by-age cells with the shared file's as known at the origin. Every
/// band agrees, except a lone suppressed band that the builder fills (documented): it
/// must then be suppressed in the shared file and equal the total less the other bands.
/// The `all` row of a by-age table is the total of the bands' release, so it is checked
/// to equal the sum of the bands instead (the headline total is `flows_annual`'s).
fn compare_bands(what: &str, a: &BandCells, b: &BandCells, filled: &mut Vec<String>) {
    let keys: std::collections::BTreeSet<&(String, String)> =
        a.keys().chain(b.keys()).filter(|k| k.1 != "all").collect();
    for k in keys {
        let (got, note) = a
            .get(k)
            .unwrap_or_else(|| panic!("{what} {k:?}: missing in the bundled tables"));
        let (want, _) = b
            .get(k)
            .unwrap_or_else(|| panic!("{what} {k:?}: missing in the shared file"));
        if got == want {
            continue;
        }
        assert!(
            note.contains(FILLED) && want.is_none(),
            "{what} {k:?}: bundled {got:?}, shared {want:?} ({note})"
        );
        let total = a
            .get(&(k.0.clone(), "all".into()))
            .and_then(|c| c.0)
            .unwrap();
        let others: f64 = a
            .iter()
            .filter(|(o, _)| o.0 == k.0 && o.1 != "all" && o.1 != k.1)
            .map(|(_, c)| c.0.unwrap())
            .sum();
        assert_eq!(*got, Some(total - others), "{what} {k:?}");
        filled.push(format!("{what} {} {}", k.0, k.1));
    }
    for ((period, band), (all, _)) in a {
        if band != "all" {
            continue;
        }
        let parts: Vec<Option<f64>> = a
            .iter()
            .filter(|(o, _)| &o.0 == period && o.1 != "all")
            .map(|(_, c)| c.0)
            .collect();
        let sum: Option<f64> = parts.iter().copied().sum();
        if let (5, Some(all), Some(parts)) = (parts.len(), all, sum) {
            assert_eq!(*all, parts, "{what} {period}: bands add up to the total");
        }
    }
}

/// The backtest's tables (built by `dfe::council_dataset`, as the `dfe:` datasets are)
/// hold the same figures as the shared vintages file as known at each origin: the
/// headline totals of `flows_annual` are the latest release's by the origin (e.g.
/// Derbyshire 2017/18 at origin 2019: 709, as revised by ULD 2019, not ULD 2018's 719),
/// every age band agrees except the documented derived cell, and so do the region's
/// admissions rate and stock as known at the origin.
#[test]
fn bundled_vintages_equal_the_shared_vintages_file() {
    let Some(path) = shared_vintages() else {
        return;
    };
    let csv = DfePanel::load(path.to_str().unwrap()).unwrap();
    let bundled = DfeVintages::bundled().unwrap();
    assert_eq!(bundled.origins(), csv.origins());
    assert_eq!(bundled.councils(), csv.councils);
    let mut filled = Vec::new();
    let areas = carecast::dfe::Areas::bundled();
    for c in SOME {
        for origin in [2014, 2016, 2019, 2022, 2023] {
            let a = bundled.known_at(c, origin).unwrap().unwrap();
            let b = csv.known_at(c, origin).unwrap().unwrap();
            assert_eq!(a.population, b.population, "{c} at {origin}: population");
            assert_eq!(a.reference, b.reference, "{c} at {origin}: reference");
            assert_eq!(
                a.reference_stock, b.reference_stock,
                "{c} at {origin}: reference stock"
            );
            assert_eq!(a.last_year, b.last_year);
            let region = &areas.find(c).unwrap().region;
            let (reference, stock) = csv.region(region, origin);
            assert!(!stock.is_empty(), "{c} at {origin}: {region}");
            assert_eq!(
                a.region_reference, reference,
                "{c} at {origin}: region reference"
            );
            assert_eq!(a.region_stock, stock, "{c} at {origin}: region stock");
            let (ta, tb) = (closings(&a.dataset), closings(&b.dataset));
            assert!(!tb.is_empty(), "{c} at {origin}");
            // Every closing total the shared loader writes (a year with an opening,
            // closing and starts) is the same number; the bundled tables also print a
            // first year without its opening stock, which the loader leaves out.
            for (period, v) in &tb {
                assert_eq!(
                    ta.get(period),
                    Some(v),
                    "{c} at {origin}, {period}: closing"
                );
            }
            let openings = openings(&a.dataset);
            for period in ta.keys().filter(|p| !tb.contains_key(*p)) {
                assert!(
                    !openings.contains(period),
                    "{c} at {origin}, {period}: closing not in the shared file"
                );
            }
            compare_bands(
                &format!("{c} at {origin}: stock"),
                &band_cells(&a.dataset, ["cic_by_age", "stock_by_age"]),
                &band_cells(&b.dataset, ["cic_by_age", "stock_by_age"]),
                &mut filled,
            );
            compare_bands(
                &format!("{c} at {origin}: starts"),
                &band_cells(&a.dataset, ["admissions_by_age", "starts_by_age"]),
                &band_cells(&b.dataset, ["admissions_by_age", "starts_by_age"]),
                &mut filled,
            );
        }
        for year in 2013..=2025 {
            assert_eq!(
                bundled.outturn(c, year),
                csv.outturn(c, year),
                "{c} in {year}"
            );
        }
    }
    // The one documented derivation among these councils: Hartlepool's starts aged 16
    // and over in 2012/13, suppressed by DfE and filled from its printed total.
    let expected: Vec<String> = [2014, 2016, 2019, 2022, 2023]
        .iter()
        .map(|o| format!("E06000001 at {o}: starts 2012/13 16-17"))
        .collect();
    assert_eq!(filled, expected);
}
