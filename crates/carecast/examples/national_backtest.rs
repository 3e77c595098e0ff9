//! The national backtest on the DfE panel of every council (a development loader, not
//! product API: it reads `../shared/dfe/panel/cla_panel_vintages.csv`).
//!
//! ```text
//! cargo run --release -p carecast --example national_backtest -- [PANEL_CSV] [--paths N]
//!     [--max-origin YEAR] [--markdown FILE] [--calibration FILE]
//! ```
//!
//! Prints the pooled scores of every method by horizon (total and bands), the time taken,
//! and, with `--markdown`, writes the tables (the file `docs/national_backtest.md` is made
//! so); with `--calibration`, writes the log-error quantiles of every method (from all
//! origins up to `--max-origin`) as Rust constants.

use std::collections::{BTreeMap, HashMap};
use std::time::Instant;

use carecast::national::{Method, NationalOptions, Outturn, Panel, Vintage, backtest};
use carecast::{Dataset, Result};

/// Year of the 31 March a release's latest figures end on (when it was known).
fn release_year(release: &str) -> Option<i32> {
    if release.starts_with("ONS MYE") {
        // The rebased estimates came out after Census 2021: known from the 2023 round.
        return Some(2023);
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

/// (area, measure, breakdown, year) -> every vintage, oldest release first.
type Cells = HashMap<(String, String, String, i32), Vec<Value>>;

struct DfePanel {
    cells: Cells,
    councils: Vec<String>,
    names: HashMap<String, String>,
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
        for (i, rec) in rdr.records().enumerate() {
            let r = rec?;
            let get = |k: usize| r.get(k).unwrap_or("");
            let level = get(1);
            let area = if level == "National" {
                "England".to_string()
            } else if level == "Local authority" {
                get(2).to_string()
            } else {
                continue;
            };
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
            "# id: cic_by_age\n# title: Children looked after at 31 March by age\n# source: cla_panel_vintages.csv\n# source_table: stock\n# measure: stock\n# unit: children\nperiod,band,value\n",
        );
        let mut adm = String::from(
            "# id: admissions_by_age\n# title: Children who started to be looked after by age\n# source: cla_panel_vintages.csv\n# source_table: starts\n# measure: admissions\n# unit: children\nperiod,band,value\n",
        );
        let mut flows = String::from(
            "# id: flows_annual\n# title: Children looked after: totals\n# source: cla_panel_vintages.csv\n# source_table: stock, starts, ceases\n# unit: children\nperiod,measure,value\n",
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
            "cla_panel_vintages.csv",
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

fn main() -> std::result::Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut path = "../../shared/dfe/panel/cla_panel_vintages.csv".to_string();
    let mut o = NationalOptions::default();
    let mut markdown: Option<String> = None;
    let mut calibration: Option<String> = None;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let mut next = || it.next().cloned().ok_or(format!("{a} needs a value"));
        match a.as_str() {
            "--paths" => o.paths = next()?.parse()?,
            "--paths-method" => o.paths_method = next()?,
            "--max-origin" => o.max_origin = Some(next()?.parse()?),
            "--markdown" => markdown = Some(next()?),
            "--calibration" => calibration = Some(next()?),
            "--methods" => {
                let keep: Vec<String> = next()?.split(',').map(str::to_string).collect();
                o.methods.retain(|m| keep.iter().any(|k| k == m.name()));
            }
            p if !p.starts_with("--") => path = p.to_string(),
            other => return Err(format!("unknown option {other}").into()),
        }
    }
    let t0 = Instant::now();
    let panel = DfePanel::load(&path)?;
    let t_load = t0.elapsed();
    let t1 = Instant::now();
    let b = backtest(&panel, &o)?;
    let t_run = t1.elapsed();
    eprintln!(
        "loaded {} councils in {:.2?}; backtest ({} forecasts, {} paths each for {}) in {:.2?}",
        panel.councils.len(),
        t_load,
        b.forecasts.len(),
        o.paths,
        o.paths_method,
        t_run
    );
    let mut fails: BTreeMap<(String, String), usize> = BTreeMap::new();
    for f in &b.failures {
        let reason: String = f.reason.chars().take(90).collect();
        *fails.entry((f.method.clone(), reason)).or_default() += 1;
    }
    for ((m, r), n) in &fails {
        eprintln!("cannot run: {m} x{n}: {r}");
    }
    for n in &b.notes {
        eprintln!("note: {n}");
    }
    println!(
        "## Total\n\n{}\n## Age bands\n\n{}",
        b.markdown("total"),
        b.markdown("bands")
    );
    if let Some(f) = markdown {
        std::fs::write(
            &f,
            format!(
                "## Total\n\n{}\n## Age bands\n\n{}",
                b.markdown("total"),
                b.markdown("bands")
            ),
        )?;
    }
    if let Some(f) = calibration {
        let mut s = String::new();
        for (series, name) in [
            ("total", "DEFAULT_TOTAL_QUANTILES"),
            ("bands", "DEFAULT_BAND_QUANTILES"),
        ] {
            s.push_str(&format!("pub const {name}: [[f64; 5]; 5] = [\n"));
            for h in 1..=5 {
                let c = b
                    .calibration
                    .iter()
                    .find(|c| c.method == o.paths_method && c.series == series && c.horizon == h)
                    .ok_or(format!("no calibration for {series} at horizon {h}"))?;
                let q: Vec<String> = c.quantiles.iter().map(|q| format!("{q:.4}")).collect();
                s.push_str(&format!("    [{}],\n", q.join(", ")));
            }
            s.push_str("];\n");
        }
        std::fs::write(&f, &s)?;
        let stored = [
            ("total", carecast::national::DEFAULT_TOTAL_QUANTILES),
            ("bands", carecast::national::DEFAULT_BAND_QUANTILES),
        ];
        for (series, table) in stored {
            for (h, row) in table.iter().enumerate() {
                let c = b.calibration.iter().find(|c| {
                    c.method == o.paths_method && c.series == series && c.horizon == h + 1
                });
                let same = c.is_some_and(|c| {
                    c.quantiles
                        .iter()
                        .zip(row)
                        .all(|(a, b)| (a - b).abs() < 1e-4)
                });
                if !same {
                    eprintln!(
                        "the library's {series} quantiles at horizon {} differ from this run",
                        h + 1
                    );
                }
            }
        }
        eprintln!("calibration of {} written to {f}", o.paths_method);
    }
    let _ = Method::Naive;
    Ok(())
}
