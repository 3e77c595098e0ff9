//! The national panel: every value of every release, per year, area, measure and
//! breakdown, with its release and source file (the vintages), and the latest value.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::sync::OnceLock;

use super::areas::Areas;
use super::read::{Level, Obs, Value, read_file};
use crate::{Error, Location, Result};

/// The bundled panel: gzip-compressed binary written by `Panel::encode`, built by
/// `scripts/build_dfe_panel.sh` from the published files.
pub const BUNDLED_PANEL_GZ: &[u8] = include_bytes!("../../dfe/panel.bin.gz");

/// Measures of the panel, in storage order.
pub const MEASURES: &[&str] = &[
    "stock",
    "starts",
    "ceases",
    "uasc_stock",
    "placement_stock",
    "population_0_17",
    "rate_per_10000",
    "starts_rate_per_10000",
    "ceases_rate_per_10000",
];

/// A release of the statistics.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Release {
    /// Label (`SFR36/2013`, `ULD 2019 (CLA2019)`, `EES 2024`).
    pub label: String,
    /// The latest year ending 31 March it reports on (its vintage year: a backtest at
    /// origin `Y` may use releases with `year <= Y`).
    pub year: i32,
}

/// What a panel cell holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Status {
    /// A number printed in the source.
    Published,
    /// Computed from printed numbers (`ceases 16+` = 16 + 17 + 18+ for councils).
    Derived,
    /// Withheld by DfE for confidentiality: a small count, never zero.
    Suppressed,
    /// Not available.
    NotAvailable,
}

impl Status {
    /// The panel label (`published`, `derived`, `suppressed`, `not_available`).
    pub fn label(&self) -> &'static str {
        match self {
            Status::Published => "published",
            Status::Derived => "derived",
            Status::Suppressed => "suppressed",
            Status::NotAvailable => "not_available",
        }
    }
    fn code(&self) -> char {
        match self {
            Status::Published => 'p',
            Status::Derived => 'd',
            Status::Suppressed => 's',
            Status::NotAvailable => 'n',
        }
    }
    fn from_code(c: &str) -> Option<Status> {
        Some(match c {
            "p" => Status::Published,
            "d" => Status::Derived,
            "s" => Status::Suppressed,
            "n" => Status::NotAvailable,
            _ => return None,
        })
    }
}

/// The key of a panel cell.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Key {
    /// Area index in [`Areas::bundled`].
    pub area: u16,
    /// Index in [`MEASURES`].
    pub measure: u8,
    /// Index in the panel's breakdown list.
    pub breakdown: u16,
    /// Year ending 31 March.
    pub year: i16,
}

/// One value of one release.
#[derive(Debug, Clone, PartialEq)]
pub struct Vintage {
    /// Index in [`Panel::releases`].
    pub release: u16,
    /// Index in [`Panel::sources`].
    pub source: u16,
    /// Status.
    pub status: Status,
    /// The number (published or derived only).
    pub value: Option<f64>,
    /// The symbol as printed for a non-number.
    pub printed: String,
}

/// One row of the long panel (the columns of `cla_panel.csv`).
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// Year ending 31 March.
    pub year: i32,
    /// `National`, `Regional` or `Local authority`.
    pub geographic_level: &'static str,
    /// Canonical ONS code.
    pub area_code: String,
    /// DfE number (councils only).
    pub old_la_code: String,
    /// Area name.
    pub area_name: String,
    /// Measure.
    pub measure: &'static str,
    /// Breakdown.
    pub breakdown: String,
    /// The number, if published or derived.
    pub value: Option<f64>,
    /// `published`, `derived`, `suppressed` or `not_available`.
    pub status: &'static str,
    /// Symbol as printed.
    pub printed: String,
    /// Release label.
    pub release: String,
    /// Source file (`owner/repo@commit:path`), or `derived: ...; source`.
    pub source: String,
}

/// Cells read from one release's files, each with its file, line and column.
type Got = BTreeMap<Key, (Vintage, String, usize, String)>;

/// The panel of every release's values.
#[derive(Debug, Clone)]
pub struct Panel {
    /// Releases, oldest first (later releases win).
    pub releases: Vec<Release>,
    /// Source files.
    pub sources: Vec<String>,
    /// Breakdown labels.
    pub breakdowns: Vec<String>,
    /// Every cell's vintages in release order.
    pub cells: BTreeMap<Key, Vec<Vintage>>,
    /// Rows of the input files left out on purpose, with the reason (not stored in the
    /// bundled file; reported by the build).
    pub skipped: Vec<String>,
}

/// One input file of a build: its text with the release and source it belongs to.
#[derive(Debug, Clone)]
pub struct Input {
    /// Name used in errors (a path).
    pub file: String,
    /// Release label.
    pub release: String,
    /// The year the release reports on (needed by wide files with undated columns).
    pub year: i32,
    /// Source (`owner/repo@commit:path` or a path).
    pub source: String,
    /// The file's text.
    pub text: String,
}

fn gz_error(e: std::io::Error) -> Error {
    Error::data(Location::file("dfe/panel.bin.gz"), e.to_string())
}

/// The index of a measure in [`MEASURES`].
fn measure_index(measure: &str) -> Option<u8> {
    MEASURES
        .iter()
        .position(|m| *m == measure)
        .and_then(|i| u8::try_from(i).ok())
}

/// A whole number without a decimal point (`-0` shows as `0`), any other as Rust prints it.
fn fmt_value(v: f64) -> String {
    if v == 0.0 {
        "0".to_string()
    } else if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{v:.0}")
    } else {
        format!("{v}")
    }
}

impl Panel {
    /// An empty panel.
    pub fn new() -> Panel {
        Panel {
            releases: Vec::new(),
            sources: Vec::new(),
            breakdowns: Vec::new(),
            cells: BTreeMap::new(),
            skipped: Vec::new(),
        }
    }

    /// The bundled national panel (decoded once).
    ///
    /// ```
    /// let p = carecast::dfe::Panel::bundled().unwrap();
    /// // Derbyshire stock at 31 March 2014: 628 in SFR36/2014, 627 from ULD 2018 on.
    /// assert_eq!(p.latest_value("E10000007", "stock", "total", 2014), Some(627.0));
    /// assert_eq!(p.as_of(2014).latest_value("E10000007", "stock", "total", 2014), Some(628.0));
    /// ```
    ///
    /// # Errors
    /// [`Error::Data`] if the bundled file is corrupt (a build error, not a user's).
    pub fn bundled() -> Result<&'static Panel> {
        static P: OnceLock<Result<Panel>> = OnceLock::new();
        match P.get_or_init(|| Panel::decode(BUNDLED_PANEL_GZ)) {
            Ok(p) => Ok(p),
            Err(e) => Err(e.clone()),
        }
    }

    /// The index of a release, added if new; `file` is named if the index overflows.
    fn release_index(&mut self, label: &str, year: i32, file: &str) -> Result<u16> {
        let i = match self.releases.iter().position(|r| r.label == label) {
            Some(i) => i,
            None => {
                self.releases.push(Release {
                    label: label.to_string(),
                    year,
                });
                self.releases.len() - 1
            }
        };
        // Vintages store the release in one byte in the bundled layout.
        if i > usize::from(u8::MAX) {
            return Err(Error::data(
                Location::file(file),
                format!(
                    "release {label:?} would be release number {i}: the panel holds at most 256"
                ),
            ));
        }
        u16::try_from(i).map_err(|_| Error::data(Location::file(file), "too many releases"))
    }

    /// The index of `s` in `list` (sources or breakdowns), added if new; `file` is named
    /// if the index overflows.
    fn intern(list: &mut Vec<String>, s: &str, file: &str) -> Result<u16> {
        let i = match list.iter().position(|x| x == s) {
            Some(i) => i,
            None => {
                list.push(s.to_string());
                list.len() - 1
            }
        };
        u16::try_from(i).map_err(|_| {
            Error::data(
                Location::file(file),
                format!("{s:?} would be entry {i} of a list indexed by 16 bits"),
            )
        })
    }

    /// Builds a panel from files; releases are ordered as first met in `inputs` (oldest
    /// first). See [`Panel::add_release`].
    ///
    /// # Errors
    /// As [`Panel::add_release`].
    pub fn build(inputs: &[Input]) -> Result<Panel> {
        let mut p = Panel::new();
        let mut order: Vec<&str> = Vec::new();
        for i in inputs {
            if !order.contains(&i.release.as_str()) {
                order.push(&i.release);
            }
        }
        for rel in order {
            let files: Vec<Input> = inputs
                .iter()
                .filter(|i| i.release == rel)
                .cloned()
                .collect();
            p.add_release(&files)?;
        }
        Ok(p)
    }

    /// Adds the files of one release on top of the panel (it becomes the latest release;
    /// earlier values are kept as vintages). Every file must belong to the same release.
    ///
    /// # Errors
    /// [`Error::Data`] naming file, line and column for a file the readers do not
    /// understand, an area not in the lookup, or a cell read twice within the release with
    /// two different values (naming both lines, the area, year and measure).
    pub fn add_release(&mut self, files: &[Input]) -> Result<()> {
        let Some(first) = files.first() else {
            return Ok(());
        };
        if let Some(f) = files.iter().find(|f| f.release != first.release) {
            return Err(Error::data(
                Location::file(&f.file),
                format!(
                    "release {:?} given with files of release {:?}",
                    f.release, first.release
                ),
            ));
        }
        let rel = self.release_index(&first.release, first.year, &first.file)?;
        if self.cells.values().flatten().any(|v| v.release == rel) {
            return Err(Error::data(
                Location::file(&first.file),
                format!("release {:?} is already in the panel", first.release),
            ));
        }
        let mut got = self.read_release(files, rel)?;
        self.derive_ceases_16(&mut got, rel, first)?;
        for (k, (v, ..)) in got {
            self.cells.entry(k).or_default().push(v);
        }
        Ok(())
    }

    /// The cells of one release's files, each with the file, line and column it came
    /// from; a cell read twice with two different values is an error.
    fn read_release(&mut self, files: &[Input], rel: u16) -> Result<Got> {
        let areas = Areas::try_bundled()?;
        let mut got = Got::new();
        for f in files {
            let src = Self::intern(&mut self.sources, &f.source, &f.file)?;
            let read = read_file(&f.file, &f.text, Some(f.year))?;
            for (line, why) in read.skipped {
                self.skipped.push(format!("{} line {line}: {why}", f.file));
            }
            for o in read.obs {
                let key = self.key_of(areas, &f.file, &o)?;
                let v = Vintage {
                    release: rel,
                    source: src,
                    status: match o.value {
                        Value::Number(_) => Status::Published,
                        Value::Suppressed => Status::Suppressed,
                        Value::NotAvailable => Status::NotAvailable,
                    },
                    value: match o.value {
                        Value::Number(x) => Some(x),
                        _ => None,
                    },
                    printed: o.printed.clone(),
                };
                if let Some((prev, pf, pl, pc)) = got.get(&key) {
                    if prev.status == v.status && prev.value == v.value {
                        continue;
                    }
                    let a = areas.get(usize::from(key.area));
                    return Err(Error::data(
                        Location::file(&f.file).at_line(o.line).at_column(&o.column),
                        format!(
                            "{} ({}) {} {} {}: {} here but {} in {pf} line {pl} column {pc} of the same release {:?}",
                            a.name,
                            a.code,
                            o.year,
                            o.measure,
                            o.breakdown,
                            show(&v),
                            show(prev),
                            f.release
                        ),
                    ));
                }
                got.insert(key, (v, f.file.clone(), o.line, o.column.clone()));
            }
        }
        Ok(got)
    }

    /// Councils' ceases aged 16 and over, from 16, 17 and 18+ where not printed.
    fn derive_ceases_16(&mut self, got: &mut Got, rel: u16, first: &Input) -> Result<()> {
        let areas = Areas::try_bundled()?;
        let ceases = measure_index("ceases")
            .ok_or_else(|| Error::model("the measure \"ceases\" is not in MEASURES"))?;
        let file = first.file.as_str();
        let (b16p, b16, b17, b18) = (
            Self::intern(&mut self.breakdowns, "16+", file)?,
            Self::intern(&mut self.breakdowns, "16", file)?,
            Self::intern(&mut self.breakdowns, "17", file)?,
            Self::intern(&mut self.breakdowns, "18+", file)?,
        );
        let mut derived = Vec::new();
        for (k, (v16, ..)) in got.range(..) {
            if k.measure != ceases
                || k.breakdown != b16
                || areas.get(usize::from(k.area)).level != Level::LocalAuthority
            {
                continue;
            }
            let part = |bd: u16| {
                got.get(&Key {
                    breakdown: bd,
                    ..*k
                })
                .map(|x| &x.0)
            };
            if part(b16p).is_some() {
                continue;
            }
            let (Some(v17), Some(v18)) = (part(b17), part(b18)) else {
                continue;
            };
            let parts = [v16, v17, v18];
            let source = &self.sources[usize::from(v16.source)];
            let (status, value, text) = if parts.iter().all(|p| p.value.is_some()) {
                (
                    Status::Derived,
                    Some(parts.iter().filter_map(|p| p.value).sum()),
                    format!(
                        "derived: sum of ceases aged 16, 17, 18+ ({}); {source}",
                        first.release
                    ),
                )
            } else if parts.iter().any(|p| p.status == Status::Suppressed) {
                (
                    Status::Suppressed,
                    None,
                    format!(
                        "derived: ceases aged 16, 17, 18+ ({}), a part is suppressed; {source}",
                        first.release
                    ),
                )
            } else {
                continue;
            };
            derived.push((
                Key {
                    breakdown: b16p,
                    ..*k
                },
                status,
                value,
                text,
            ));
        }
        for (k, status, value, text) in derived {
            let src = Self::intern(&mut self.sources, &text, file)?;
            got.insert(
                k,
                (
                    Vintage {
                        release: rel,
                        source: src,
                        status,
                        value,
                        printed: String::new(),
                    },
                    String::new(),
                    0,
                    String::new(),
                ),
            );
        }
        Ok(())
    }

    fn key_of(&mut self, areas: &Areas, file: &str, o: &Obs) -> Result<Key> {
        let Some(area) = areas.resolve(o.level, &o.code, &o.name) else {
            return Err(Error::data(
                Location::file(file).at_line(o.line),
                format!(
                    "area {:?} ({}, code {:?}) is not in the area lookup",
                    o.name,
                    o.level.label(),
                    o.code
                ),
            ));
        };
        let here = || Location::file(file).at_line(o.line);
        let measure = measure_index(o.measure).ok_or_else(|| {
            Error::data(
                here(),
                format!("measure {:?} is not a panel measure", o.measure),
            )
        })?;
        Ok(Key {
            area: u16::try_from(area)
                .map_err(|_| Error::data(here(), format!("area index {area} out of range")))?,
            measure,
            breakdown: Self::intern(&mut self.breakdowns, &o.breakdown, file)?,
            year: i16::try_from(o.year)
                .map_err(|_| Error::data(here(), format!("year {} out of range", o.year)))?,
        })
    }

    /// The panel as published by the end of `year`'s release cycle: only releases whose
    /// year is `year` or earlier (what a forecaster at origin `year` could have known).
    pub fn as_of(&self, year: i32) -> Panel {
        let keep: Vec<bool> = self.releases.iter().map(|r| r.year <= year).collect();
        let cells = self
            .cells
            .iter()
            .filter_map(|(k, vs)| {
                let vs: Vec<Vintage> = vs
                    .iter()
                    .filter(|v| keep[v.release as usize])
                    .cloned()
                    .collect();
                (!vs.is_empty()).then_some((*k, vs))
            })
            .collect();
        Panel {
            releases: self.releases.clone(),
            sources: self.sources.clone(),
            breakdowns: self.breakdowns.clone(),
            cells,
            skipped: self.skipped.clone(),
        }
    }

    /// The latest vintage of a cell: the latest release's value, except that a later
    /// "not available" never replaces an earlier entry.
    pub fn latest<'a>(&self, vintages: &'a [Vintage]) -> Option<&'a Vintage> {
        vintages
            .iter()
            .rev()
            .find(|v| v.status != Status::NotAvailable)
            .or_else(|| vintages.last())
    }

    /// The key of a cell by canonical area code, measure, breakdown and year.
    pub fn key(&self, area_code: &str, measure: &str, breakdown: &str, year: i32) -> Option<Key> {
        Some(Key {
            area: u16::try_from(Areas::bundled().index_of(area_code)?).ok()?,
            measure: measure_index(measure)?,
            breakdown: u16::try_from(self.breakdowns.iter().position(|b| b == breakdown)?).ok()?,
            year: i16::try_from(year).ok()?,
        })
    }

    /// The latest vintage of a cell.
    pub fn cell(
        &self,
        area_code: &str,
        measure: &str,
        breakdown: &str,
        year: i32,
    ) -> Option<&Vintage> {
        let k = self.key(area_code, measure, breakdown, year)?;
        self.latest(self.cells.get(&k)?)
    }

    /// The latest number of a cell (`None` if absent, suppressed or not available).
    pub fn latest_value(
        &self,
        area_code: &str,
        measure: &str,
        breakdown: &str,
        year: i32,
    ) -> Option<f64> {
        self.cell(area_code, measure, breakdown, year)?.value
    }

    fn row(&self, k: &Key, v: &Vintage) -> Row {
        let a = Areas::bundled().get(k.area as usize);
        Row {
            year: i32::from(k.year),
            geographic_level: a.level.label(),
            area_code: a.code.clone(),
            old_la_code: a.old_la_code.clone(),
            area_name: a.name.clone(),
            measure: MEASURES[k.measure as usize],
            breakdown: self.breakdowns[k.breakdown as usize].clone(),
            value: v.value,
            status: v.status.label(),
            printed: v.printed.clone(),
            release: self.releases[v.release as usize].label.clone(),
            source: self.sources[v.source as usize].clone(),
        }
    }

    /// The long panel, latest release per cell (the rows of `cla_panel.csv`).
    pub fn latest_rows(&self) -> Vec<Row> {
        self.cells
            .iter()
            .filter_map(|(k, vs)| self.latest(vs).map(|v| self.row(k, v)))
            .collect()
    }

    /// Every vintage (the rows of `cla_panel_vintages.csv`).
    pub fn vintage_rows(&self) -> Vec<Row> {
        self.cells
            .iter()
            .flat_map(|(k, vs)| vs.iter().map(move |v| self.row(k, v)))
            .collect()
    }

    /// The vintages of cells whose value or status differs between releases.
    pub fn revision_rows(&self) -> Vec<Row> {
        self.cells
            .iter()
            .filter(|(_, vs)| {
                vs.windows(2)
                    .any(|w| w[0].value != w[1].value || w[0].status != w[1].status)
            })
            .flat_map(|(k, vs)| vs.iter().map(move |v| self.row(k, v)))
            .collect()
    }

    /// The panel's columns, in the order of `cla_panel.csv`'s header.
    ///
    /// ```
    /// assert_eq!(carecast::dfe::Panel::COLUMNS[7], "value");
    /// ```
    pub const COLUMNS: [&'static str; 12] = [
        "year",
        "geographic_level",
        "area_code",
        "old_la_code",
        "area_name",
        "measure",
        "breakdown",
        "value",
        "status",
        "printed",
        "release",
        "source",
    ];

    /// Rows as CSV with the header of `cla_panel.csv` ([`Panel::COLUMNS`]).
    pub fn rows_csv(rows: &[Row]) -> String {
        let mut w = csv::Writer::from_writer(Vec::new());
        let _ = w.write_record(Self::COLUMNS);
        for r in rows {
            let _ = w.write_record([
                r.year.to_string().as_str(),
                r.geographic_level,
                &r.area_code,
                &r.old_la_code,
                &r.area_name,
                r.measure,
                &r.breakdown,
                &r.value.map(fmt_value).unwrap_or_default(),
                r.status,
                &r.printed,
                &r.release,
                &r.source,
            ]);
        }
        String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
    }

    /// A readable text form (releases, sources, breakdowns, then one tab-separated line
    /// per vintage), for comparing panels and for inspection.
    pub fn encode_text(&self) -> String {
        let areas = Areas::bundled();
        let mut s = String::from("carecast-dfe-panel 1\n");
        for r in &self.releases {
            s.push_str(&format!("R\t{}\t{}\n", r.label, r.year));
        }
        for x in &self.sources {
            s.push_str(&format!("S\t{x}\n"));
        }
        for b in &self.breakdowns {
            s.push_str(&format!("B\t{b}\n"));
        }
        for (k, vs) in &self.cells {
            for v in vs {
                s.push_str(&format!(
                    "{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\n",
                    areas.get(k.area as usize).code,
                    k.measure,
                    k.breakdown,
                    k.year,
                    v.release,
                    v.source,
                    v.status.code(),
                    v.value.map(fmt_value).unwrap_or_default(),
                    v.printed
                ));
            }
        }
        s
    }

    /// The bundled form: a compact binary layout (header text of releases, sources,
    /// breakdowns and area codes, then fixed-width cells and vintages), gzip-compressed.
    ///
    /// # Errors
    /// [`Error::Data`] if compression fails.
    pub fn encode(&self) -> Result<Vec<u8>> {
        let areas = Areas::try_bundled()?;
        let mut used: Vec<u16> = self.cells.keys().map(|k| k.area).collect();
        used.dedup();
        let mut head = String::new();
        for r in &self.releases {
            head.push_str(&format!("R\t{}\t{}\n", r.label, r.year));
        }
        for x in &self.sources {
            head.push_str(&format!("S\t{x}\n"));
        }
        for b in &self.breakdowns {
            head.push_str(&format!("B\t{b}\n"));
        }
        for a in &used {
            head.push_str(&format!("A\t{}\n", areas.get(*a as usize).code));
        }
        let fit = |what: &str| {
            Error::data(
                Location::file("dfe/panel.bin.gz"),
                format!("{what} does not fit the binary layout"),
            )
        };
        let mut out: Vec<u8> = MAGIC.to_vec();
        out.extend(
            u32::try_from(head.len())
                .map_err(|_| fit("header length"))?
                .to_le_bytes(),
        );
        out.extend(head.as_bytes());
        out.extend(
            u32::try_from(self.cells.len())
                .map_err(|_| fit("number of cells"))?
                .to_le_bytes(),
        );
        for (k, vs) in &self.cells {
            let local = used
                .binary_search(&k.area)
                .ok()
                .and_then(|i| u16::try_from(i).ok())
                .ok_or_else(|| fit("area index"))?;
            out.extend(local.to_le_bytes());
            out.push(k.measure);
            out.extend(k.breakdown.to_le_bytes());
            out.extend(k.year.to_le_bytes());
            out.push(u8::try_from(vs.len()).map_err(|_| fit("number of vintages"))?);
            for v in vs {
                out.push(u8::try_from(v.release).map_err(|_| fit("release index"))?);
                out.extend(v.source.to_le_bytes());
                let code = match v.status {
                    Status::Published => 0u8,
                    Status::Derived => 1,
                    Status::Suppressed => 2,
                    Status::NotAvailable => 3,
                };
                out.push(code | if v.value.is_some() { 0x10 } else { 0 });
                if let Some(x) = v.value {
                    out.extend(x.to_le_bytes());
                }
                out.push(u8::try_from(v.printed.len()).map_err(|_| fit("printed symbol"))?);
                out.extend(v.printed.as_bytes());
            }
        }
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        e.write_all(&out).map_err(gz_error)?;
        e.finish().map_err(gz_error)
    }

    /// Decodes [`Panel::encode`]'s output.
    ///
    /// # Errors
    /// [`Error::Data`] for anything malformed.
    pub fn decode(gz: &[u8]) -> Result<Panel> {
        let mut bytes = Vec::with_capacity(gz.len() * 4);
        flate2::read::GzDecoder::new(gz)
            .read_to_end(&mut bytes)
            .map_err(gz_error)?;
        let bad = |why: &str| Error::data(Location::file("dfe/panel.bin.gz"), why.to_string());
        let mut r = Bytes { b: &bytes, at: 0 };
        if r.take(MAGIC.len()).ok_or_else(|| bad("truncated"))? != MAGIC {
            return Err(bad("not a carecast DfE panel (binary version 2)"));
        }
        let n = r.u32().ok_or_else(|| bad("truncated header"))? as usize;
        let head = std::str::from_utf8(r.take(n).ok_or_else(|| bad("truncated header"))?)
            .map_err(|_| bad("header is not UTF-8"))?;
        let areas = Areas::try_bundled()?;
        let mut p = Panel::new();
        let mut local: Vec<u16> = Vec::new();
        for line in head.lines() {
            let f: Vec<&str> = line.split('\t').collect();
            match (f[0], f.len()) {
                ("R", 3) => p.releases.push(Release {
                    label: f[1].to_string(),
                    year: f[2].parse().map_err(|_| bad("release year"))?,
                }),
                ("S", 2) => p.sources.push(f[1].to_string()),
                ("B", 2) => p.breakdowns.push(f[1].to_string()),
                ("A", 2) => local.push(
                    areas
                        .index_of(f[1])
                        .and_then(|i| u16::try_from(i).ok())
                        .ok_or_else(|| bad("unknown area code"))?,
                ),
                _ => return Err(bad("malformed header line")),
            }
        }
        let cells = r.u32().ok_or_else(|| bad("truncated"))? as usize;
        let mut list = Vec::with_capacity(cells);
        let t = || bad("truncated cell");
        for _ in 0..cells {
            let area = *local
                .get(r.u16().ok_or_else(t)? as usize)
                .ok_or_else(|| bad("area index"))?;
            let key = Key {
                area,
                measure: r.u8().ok_or_else(t)?,
                breakdown: r.u16().ok_or_else(t)?,
                year: i16::from_le_bytes(r.u16().ok_or_else(t)?.to_le_bytes()),
            };
            if key.measure as usize >= MEASURES.len()
                || key.breakdown as usize >= p.breakdowns.len()
            {
                return Err(bad("index out of range"));
            }
            let nv = r.u8().ok_or_else(t)?;
            let mut vs = Vec::with_capacity(nv as usize);
            for _ in 0..nv {
                let release = u16::from(r.u8().ok_or_else(t)?);
                let source = r.u16().ok_or_else(t)?;
                let code = r.u8().ok_or_else(t)?;
                let status = match code & 0x0f {
                    0 => Status::Published,
                    1 => Status::Derived,
                    2 => Status::Suppressed,
                    3 => Status::NotAvailable,
                    _ => return Err(bad("status")),
                };
                let value = if code & 0x10 != 0 {
                    Some(f64::from_le_bytes(
                        r.take(8).ok_or_else(t)?.try_into().map_err(|_| t())?,
                    ))
                } else {
                    None
                };
                let pl = r.u8().ok_or_else(t)? as usize;
                let printed = std::str::from_utf8(r.take(pl).ok_or_else(t)?)
                    .map_err(|_| bad("printed symbol is not UTF-8"))?
                    .to_string();
                if release as usize >= p.releases.len() || source as usize >= p.sources.len() {
                    return Err(bad("index out of range"));
                }
                vs.push(Vintage {
                    release,
                    source,
                    status,
                    value,
                    printed,
                });
            }
            list.push((key, vs));
        }
        if r.at != bytes.len() {
            return Err(bad("trailing bytes"));
        }
        p.cells = list.into_iter().collect();
        Ok(p)
    }

    /// Decodes [`Panel::encode_text`]'s output.
    ///
    /// # Errors
    /// [`Error::Data`] with the line for anything malformed.
    pub fn decode_text(text: &str) -> Result<Panel> {
        let areas = Areas::try_bundled()?;
        let mut p = Panel::new();
        let bad = |i: usize, why: &str| {
            Error::data(
                Location::file("dfe/panel.txt").at_line(i + 1),
                why.to_string(),
            )
        };
        let mut lines = text.lines().enumerate();
        match lines.next() {
            Some((_, "carecast-dfe-panel 1")) => {}
            _ => return Err(bad(0, "not a carecast DfE panel (version 1)")),
        }
        let mut last: Option<(Key, usize)> = None;
        let mut cells: Vec<(Key, Vec<Vintage>)> = Vec::new();
        let mut last_area: (&str, usize) = ("", 0);
        for (i, line) in lines {
            let mut f = [""; 9];
            let mut n = 0;
            for (j, part) in line.split('\t').enumerate() {
                if j >= 9 {
                    return Err(bad(i, "malformed line"));
                }
                f[j] = part;
                n = j + 1;
            }
            match (f[0], n) {
                ("R", 3) => p.releases.push(Release {
                    label: f[1].to_string(),
                    year: f[2].parse().map_err(|_| bad(i, "release year"))?,
                }),
                ("S", 2) => p.sources.push(f[1].to_string()),
                ("B", 2) => p.breakdowns.push(f[1].to_string()),
                (_, 9) => {
                    let small = |s: &str, what: &str| s.parse::<u16>().map_err(|_| bad(i, what));
                    let area = if f[0] == last_area.0 {
                        last_area.1
                    } else {
                        let a = areas
                            .index_of(f[0])
                            .ok_or_else(|| bad(i, "unknown area code"))?;
                        last_area = (f[0], a);
                        a
                    };
                    let key = Key {
                        area: u16::try_from(area).map_err(|_| bad(i, "area index"))?,
                        measure: f[1].parse::<u8>().map_err(|_| bad(i, "measure"))?,
                        breakdown: small(f[2], "breakdown")?,
                        year: f[3].parse::<i16>().map_err(|_| bad(i, "year"))?,
                    };
                    let v = Vintage {
                        release: small(f[4], "release")?,
                        source: small(f[5], "source")?,
                        status: Status::from_code(f[6]).ok_or_else(|| bad(i, "status"))?,
                        value: if f[7].is_empty() {
                            None
                        } else {
                            Some(f[7].parse().map_err(|_| bad(i, "value"))?)
                        },
                        printed: f[8].to_string(),
                    };
                    if v.release as usize >= p.releases.len()
                        || v.source as usize >= p.sources.len()
                        || key.breakdown as usize >= p.breakdowns.len()
                        || key.measure as usize >= MEASURES.len()
                    {
                        return Err(bad(i, "index out of range"));
                    }
                    match last {
                        Some((k, j)) if k == key => cells[j].1.push(v),
                        _ => {
                            cells.push((key, vec![v]));
                            last = Some((key, cells.len() - 1));
                        }
                    }
                }
                _ => return Err(bad(i, "malformed line")),
            }
        }
        p.cells = cells.into_iter().collect();
        Ok(p)
    }
}

impl Default for Panel {
    fn default() -> Self {
        Panel::new()
    }
}

const MAGIC: &[u8] = b"CCDFE2\n";

struct Bytes<'a> {
    b: &'a [u8],
    at: usize,
}

impl<'a> Bytes<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let s = self.b.get(self.at..self.at + n)?;
        self.at += n;
        Some(s)
    }
    fn u8(&mut self) -> Option<u8> {
        Some(self.take(1)?[0])
    }
    fn u16(&mut self) -> Option<u16> {
        Some(u16::from_le_bytes(self.take(2)?.try_into().ok()?))
    }
    fn u32(&mut self) -> Option<u32> {
        Some(u32::from_le_bytes(self.take(4)?.try_into().ok()?))
    }
}

fn show(v: &Vintage) -> String {
    match v.value {
        Some(x) => fmt_value(x),
        None => format!("{} ({:?})", v.status.label(), v.printed),
    }
}
