//! Readers for the DfE's published files: the SFR underlying-data CSVs (wide, 2013-2017),
//! the 2018/2019 underlying data (wide, five years of totals), the EES tidy CSVs
//! (2022 onwards), the dashboard tables of the 2024 release and the ONS 0-17 estimates.
//!
//! A file is recognised by its header row, never by its name (see [`Layout::detect`]).
//! Wide column names drift between releases; [`WIDE_ALIASES`] is the documented table of
//! every column name read and what it holds. Unused columns (ethnicity, legal status, ...)
//! are skipped. A cell in a used column that is neither a number nor a known symbol is a
//! located error (file, line, column).

use std::collections::BTreeMap;

use crate::{Error, Location, Result};

/// What a cell held.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// A number printed in the source.
    Number(f64),
    /// Withheld for confidentiality (`c`, or `x` in SFR/ULD 2018 files); never zero.
    Suppressed,
    /// Not available (`x` in EES/ONS files, `.`, `..`, `:`).
    NotAvailable,
}

/// The geographic level of a row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    /// England.
    National,
    /// A region (also Inner and Outer London).
    Regional,
    /// A local authority (council).
    LocalAuthority,
}

impl Level {
    /// The label used in the panel (`National`, `Regional`, `Local authority`).
    pub fn label(&self) -> &'static str {
        match self {
            Level::National => "National",
            Level::Regional => "Regional",
            Level::LocalAuthority => "Local authority",
        }
    }

    /// Parses a panel label.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] for any other text.
    pub fn parse(s: &str) -> Result<Level> {
        match s {
            "National" => Ok(Level::National),
            "Regional" => Ok(Level::Regional),
            "Local authority" => Ok(Level::LocalAuthority),
            _ => Err(Error::argument(
                "geographic_level",
                s,
                "expected National, Regional or Local authority",
            )),
        }
    }
}

/// One value read from a file, before area codes are made canonical.
#[derive(Debug, Clone, PartialEq)]
pub struct Obs {
    /// Year ending 31 March.
    pub year: i32,
    /// Geographic level.
    pub level: Level,
    /// The area code as printed (ONS code; empty where the file prints none).
    pub code: String,
    /// The DfE three-digit number as printed (LAs only).
    pub old_la_code: String,
    /// The area name as printed.
    pub name: String,
    /// Measure (`stock`, `starts`, `ceases`, `uasc_stock`, `placement_stock`,
    /// `population_0_17`, `rate_per_10000`, `starts_rate_per_10000`, `ceases_rate_per_10000`).
    pub measure: &'static str,
    /// Breakdown (`total`, an age band, a placement type).
    pub breakdown: String,
    /// The value.
    pub value: Value,
    /// The symbol as printed for a non-number (`x`, `c`, `.`).
    pub printed: String,
    /// 1-based line in the file.
    pub line: usize,
    /// The column the value was read from.
    pub column: String,
}

/// The layouts the readers know.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// SFR / ULD wide file of children looked after at 31 March (`CLA_Mar{year}`).
    WideStock,
    /// SFR / ULD wide file of children who started (`CLA_started{year}`).
    WideStarts,
    /// SFR / ULD wide file of children who ceased (`CLA_cease`, `CLA_cease{year}`).
    WideCeases,
    /// EES `cla_number_and_rate_per_10k_children` (three row types per area and year).
    EesRates,
    /// EES LA characteristics file (`cla_group`, `characteristic`, `number`): starts,
    /// ceases or 31 March stock, told apart by the groups it holds.
    EesCharacteristics,
    /// Dashboard table of the 31 March characteristics (`cla_31_march_number`).
    Dashboard31March,
    /// Dashboard table of starts (`placements_number`).
    DashboardStarts,
    /// Dashboard table of ceases (`Number ceased`).
    DashboardCeases,
    /// ONS mid-year estimates of children aged 0-17 (`age_group`, `population_estimate`).
    OnsPopulation,
}

/// Documented column aliases of the wide SFR/ULD files: (layout, column name or pattern,
/// measure, breakdown, note). `{Y}` stands for a four-digit year. A file is read through
/// this table only; anything else in it is skipped.
pub const WIDE_ALIASES: &[(&str, &str, &str, &str, &str)] = &[
    (
        "stock",
        "CLA_Mar{Y}",
        "stock",
        "total",
        "stock at 31 March of year Y",
    ),
    ("stock", "CLA_U1", "stock", "under 1", "own year"),
    ("stock", "CLA_1to4", "stock", "1-4", "own year"),
    ("stock", "CLA_5to9", "stock", "5-9", "own year"),
    ("stock", "CLA_10to15", "stock", "10-15", "own year"),
    ("stock", "CLA_16over", "stock", "16+", "own year"),
    (
        "stock",
        "CLA_UASC",
        "uasc_stock",
        "total",
        "2013-2017: own year",
    ),
    (
        "stock",
        "CLA_UASC{Y}",
        "uasc_stock",
        "total",
        "2018-2019: year Y",
    ),
    (
        "stock",
        "CLA_Pop{Y}",
        "population_0_17",
        "total",
        "year Y when the Pop years equal the Mar years (ULD 2018); Y+1 when they are one behind (ULD 2019, labelled by ONS mid-year)",
    ),
    ("stock", "CLA_Rate{Y}", "rate_per_10000", "total", "year Y"),
    (
        "stock",
        "CLA_Fost",
        "placement_stock",
        "foster placements",
        "own year",
    ),
    (
        "stock",
        "CLA_Adopt",
        "placement_stock",
        "placed for adoption",
        "own year",
    ),
    (
        "stock",
        "CLA_Parent",
        "placement_stock",
        "placed with parents",
        "own year",
    ),
    (
        "stock",
        "CLA_Ocom",
        "placement_stock",
        "other placements in the community (to 2019)",
        "own year",
    ),
    (
        "stock",
        "CLA_Secure",
        "placement_stock",
        "secure units, children's homes and semi-independent living (to 2019)",
        "own year",
    ),
    (
        "stock",
        "CLA_Ores",
        "placement_stock",
        "other residential settings",
        "own year",
    ),
    (
        "stock",
        "CLA_RSch",
        "placement_stock",
        "residential schools",
        "own year",
    ),
    (
        "stock",
        "CLA_OthPl",
        "placement_stock",
        "other placements",
        "own year",
    ),
    (
        "stock",
        "CLA_Miss",
        "placement_stock",
        "missing from placement",
        "own year; in a file with no CLA_OthPl column (SFR 2016) it heads the other-placements column and is read as `other placements`",
    ),
    (
        "starts",
        "CLA_started{Y}",
        "starts",
        "total",
        "year Y; in a file with one such column (SFR) the file's own year, whatever Y is printed (SFR 2015 prints 2014)",
    ),
    ("starts", "SCLA_U1", "starts", "under 1", "own year"),
    ("starts", "SCLA_1to4", "starts", "1-4", "own year"),
    ("starts", "SCLA_5to9", "starts", "5-9", "own year"),
    ("starts", "SCLA_10to15", "starts", "10-15", "own year"),
    ("starts", "SCLA_16over", "starts", "16+", "own year"),
    (
        "starts",
        "Started_CLA_Rate{Y}",
        "starts_rate_per_10000",
        "total",
        "year Y",
    ),
    (
        "ceases",
        "CLA_cease",
        "ceases",
        "total",
        "2013-2016: own year",
    ),
    ("ceases", "CLA_cease{Y}", "ceases", "total", "year Y"),
    ("ceases", "CLA_cea1", "ceases", "under 1", "own year"),
    ("ceases", "CLA_cea14", "ceases", "1-4", "own year"),
    ("ceases", "CLA_cea59", "ceases", "5-9", "own year"),
    ("ceases", "CLA_cea1015", "ceases", "10-15", "own year"),
    (
        "ceases",
        "CLA_cea16",
        "ceases",
        "16+",
        "own year; age 16 only (`16`) in a file that also has CLA_cea17 (SFR 2016)",
    ),
    ("ceases", "CLA_cea17", "ceases", "17", "own year"),
    ("ceases", "CLA_cea18", "ceases", "18+", "own year"),
    ("ceases", "CEA_U1", "ceases", "under 1", "own year"),
    ("ceases", "CEA_1to4", "ceases", "1-4", "own year"),
    ("ceases", "CEA_5to9", "ceases", "5-9", "own year"),
    ("ceases", "CEA_10to15", "ceases", "10-15", "own year"),
    ("ceases", "CEA_16", "ceases", "16", "own year"),
    ("ceases", "CEA_17", "ceases", "17", "own year"),
    ("ceases", "CEA_16over", "ceases", "16+", "own year"),
    ("ceases", "CEA_18over", "ceases", "18+", "own year"),
    (
        "ceases",
        "Ceased_CLA_Rate{Y}",
        "ceases_rate_per_10000",
        "total",
        "year Y",
    ),
];

/// Breakdown labels of the EES characteristics (age bands and placement types).
pub const EES_LABELS: &[(&str, &str)] = &[
    ("Total", "total"),
    ("Under 1 year", "under 1"),
    ("1 to 4 years", "1-4"),
    ("5 to 9 years", "5-9"),
    ("10 to 15 years", "10-15"),
    ("16 years and over", "16+"),
    ("16 years", "16"),
    ("17 years", "17"),
    ("18 years and over", "18+"),
    ("Foster placements", "foster placements"),
    ("Placed for adoption", "placed for adoption"),
    (
        "Placed with parents or other person with parental responsibility",
        "placed with parents",
    ),
    ("Other residential settings", "other residential settings"),
    ("Residential schools", "residential schools"),
    ("Other placements", "other placements"),
    (
        "Secure homes and children's homes",
        "secure homes and children's homes (from 2020)",
    ),
    (
        "Independent and semi-independent living arrangements/supported accommodation",
        "independent and semi-independent living/supported accommodation (from 2020)",
    ),
];

/// The CSV rows of a text (BOM and CRLF tolerated), with 1-based line numbers.
/// A header and the rows with their line numbers.
type Rows = (Vec<String>, Vec<(usize, csv::StringRecord)>);

fn rows(file: &str, text: &str) -> Result<Rows> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .from_reader(text.as_bytes());
    let header: Vec<String> = rdr
        .headers()
        .map_err(|e| Error::data(Location::file(file).at_line(1), e.to_string()))?
        .iter()
        .map(|h| h.trim().to_string())
        .collect();
    let mut out = Vec::new();
    for rec in rdr.records() {
        let rec = rec.map_err(|e| {
            let line = e
                .position()
                .and_then(|p| usize::try_from(p.line()).ok())
                .unwrap_or(0);
            Error::data(Location::file(file).at_line(line), e.to_string())
        })?;
        let line = rec
            .position()
            .and_then(|p| usize::try_from(p.line()).ok())
            .unwrap_or(0);
        if rec.iter().all(|f| f.trim().is_empty()) {
            continue;
        }
        out.push((line, rec));
    }
    Ok((header, out))
}

fn year_suffix(col: &str, prefix: &str) -> Option<i32> {
    let rest = col.strip_prefix(prefix)?;
    (rest.len() == 4 && rest.bytes().all(|b| b.is_ascii_digit()))
        .then(|| rest.parse().ok())
        .flatten()
}

impl Layout {
    /// Recognises a file by its header row.
    ///
    /// ```
    /// use carecast::dfe::read::Layout;
    /// let h: Vec<String> = "New_geog_code,geog_l,geog_c,geog_n,CLA_cease,CLA_cea1"
    ///     .split(',').map(String::from).collect();
    /// assert_eq!(Layout::detect(&h), Some(Layout::WideCeases));
    /// ```
    pub fn detect(header: &[String]) -> Option<Layout> {
        let has = |c: &str| header.iter().any(|h| h == c);
        let any = |f: &dyn Fn(&str) -> bool| header.iter().any(|h| f(h));
        if has("geog_l") && has("geog_c") && has("geog_n") && has("New_geog_code") {
            if any(&|h| year_suffix(h, "CLA_Mar").is_some()) {
                return Some(Layout::WideStock);
            }
            if any(&|h| year_suffix(h, "CLA_started").is_some()) {
                return Some(Layout::WideStarts);
            }
            if has("CLA_cease") || any(&|h| year_suffix(h, "CLA_cease").is_some()) {
                return Some(Layout::WideCeases);
            }
            return None;
        }
        if has("cla_31_march_number") && has("geo_breakdown") {
            return Some(Layout::Dashboard31March);
        }
        if has("placements_number") && has("geo_breakdown") {
            return Some(Layout::DashboardStarts);
        }
        if has("Number ceased") && has("geo_breakdown") && has("number") {
            return Some(Layout::DashboardCeases);
        }
        let ees_geo = has("time_period")
            && has("geographic_level")
            && has("new_la_code")
            && has("old_la_code")
            && has("la_name");
        if ees_geo && has("population_count") && has("number") && has("rate_per_10000") {
            return Some(Layout::EesRates);
        }
        if ees_geo && has("cla_group") && has("characteristic") && has("number") {
            return Some(Layout::EesCharacteristics);
        }
        if ees_geo && has("age_group") && has("population_estimate") && !has("number") {
            return Some(Layout::OnsPopulation);
        }
        None
    }

    /// Whether `x` means suppressed (SFR and ULD files) rather than not available (EES, ONS).
    pub fn x_is_suppressed(&self) -> bool {
        matches!(
            self,
            Layout::WideStock | Layout::WideStarts | Layout::WideCeases
        )
    }
}

/// Reads one cell. `None` for `z` (the area did not exist: the row is left out).
fn cell(text: &str, layout: Layout, at: impl Fn() -> Location) -> Result<Option<(Value, String)>> {
    let t = text.trim();
    Ok(Some(match t {
        "c" => (Value::Suppressed, "c".into()),
        "x" | "X" if layout.x_is_suppressed() => (Value::Suppressed, "x".into()),
        "x" | "X" => (Value::NotAvailable, "x".into()),
        "." | ".." | ":" => (Value::NotAvailable, t.into()),
        "z" => return Ok(None),
        "" | "NA" => {
            return Err(Error::data(
                at(),
                "an empty cell where a number or a symbol (c, x, z, :, .) is expected",
            ));
        }
        _ => match t.parse::<f64>() {
            Ok(v) if v.is_finite() && v >= 0.0 => (Value::Number(v), String::new()),
            _ => {
                return Err(Error::data(
                    at(),
                    format!(
                        "{t:?} is neither a non-negative number nor a known symbol (c, x, z, :, .)"
                    ),
                ));
            }
        },
    }))
}

/// What a wide column holds once the file's own year is known.
fn wide_rule(
    layout: Layout,
    col: &str,
    own: i32,
    single_total: bool,
    pop_offset: i32,
    has_othpl: bool,
    has_cea17: bool,
) -> Option<(&'static str, String, i32)> {
    let kind = match layout {
        Layout::WideStock => "stock",
        Layout::WideStarts => "starts",
        _ => "ceases",
    };
    for &(k, pat, measure, breakdown, _) in WIDE_ALIASES {
        if k != kind {
            continue;
        }
        let year = if let Some(prefix) = pat.strip_suffix("{Y}") {
            match year_suffix(col, prefix) {
                Some(y) => y,
                None => continue,
            }
        } else if col == pat {
            own
        } else {
            continue;
        };
        let (year, breakdown) = match pat {
            "CLA_started{Y}" if single_total => (own, breakdown),
            "CLA_Pop{Y}" => (year + pop_offset, breakdown),
            "CLA_Miss" if !has_othpl => (year, "other placements"),
            "CLA_cea16" if has_cea17 => (year, "16"),
            _ => (year, breakdown),
        };
        return Some((measure, breakdown.to_string(), year));
    }
    None
}

/// Reads one file. `own_year` is the year the file reports on (the release's year): it is
/// needed for wide files whose columns carry no year (`CLA_cease`, `CLA_U1`); when `None`,
/// the latest year among the file's `{Y}` columns is used. EES, dashboard and ONS files
/// carry their years in their rows.
///
/// ```
/// use carecast::dfe::read::{read_text, Layout, Value};
/// let text = "New_geog_code,geog_l,geog_c,geog_n,CLA_cease,CLA_cea1\n\
///             E06000015,LA,831,Derby,180,x\n";
/// let (layout, obs) = read_text("CEA.csv", text, Some(2015)).unwrap();
/// assert_eq!(layout, Layout::WideCeases);
/// assert_eq!(obs[0].value, Value::Number(180.0));
/// assert_eq!(obs[1].value, Value::Suppressed);
/// assert_eq!((obs[1].year, obs[1].line), (2015, 2));
/// ```
///
/// # Errors
/// [`Error::Data`] with the file, line and column for an unknown layout, a cell that is
/// not a number or a known symbol, an unknown geographic level, or a year that cannot be
/// told.
pub fn read_text(file: &str, text: &str, own_year: Option<i32>) -> Result<(Layout, Vec<Obs>)> {
    read_file(file, text, own_year).map(|r| (r.layout, r.obs))
}

/// What [`read_file`] read.
#[derive(Debug, Clone)]
pub struct FileRead {
    /// The layout recognised.
    pub layout: Layout,
    /// The values.
    pub obs: Vec<Obs>,
    /// Rows left out on purpose, with the reason (line, reason).
    pub skipped: Vec<(usize, String)>,
}

/// As [`read_text`], also returning the rows left out on purpose: a wide row with an
/// empty level (SFR 2017 appends an Isles of Scilly row of zeros with no `geog_l`; the
/// DfE publications do not list it as a published council row that year).
///
/// # Errors
/// As [`read_text`].
pub fn read_file(file: &str, text: &str, own_year: Option<i32>) -> Result<FileRead> {
    let (header, records) = rows(file, text)?;
    let Some(layout) = Layout::detect(&header) else {
        return Err(Error::data(
            Location::file(file).at_line(1),
            format!(
                "unknown file layout: the header ({}) matches none of the SFR/ULD wide files (geog_l, geog_c, geog_n, New_geog_code with CLA_Mar<year>, CLA_started<year> or CLA_cease), the EES files (time_period, geographic_level, new_la_code, old_la_code, la_name with population_count/number/rate_per_10000 or cla_group/characteristic/number), the 2024 dashboard tables or the ONS 0-17 estimates",
                header
                    .iter()
                    .take(8)
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        ));
    };
    let col = |name: &str| header.iter().position(|h| h == name);
    let mut skipped = Vec::new();
    let obs = match layout {
        Layout::WideStock | Layout::WideStarts | Layout::WideCeases => {
            read_wide(file, layout, &header, &records, own_year, &mut skipped)?
        }
        Layout::EesRates => read_ees_rates(file, layout, &header, &records, &col)?,
        Layout::EesCharacteristics
        | Layout::Dashboard31March
        | Layout::DashboardStarts
        | Layout::DashboardCeases => read_characteristics(file, layout, &header, &records, &col)?,
        Layout::OnsPopulation => read_ons(file, layout, &records, &col)?,
    };
    Ok(FileRead {
        layout,
        obs,
        skipped,
    })
}

/// The year a wide file reports on: the one given, else the latest year in its column
/// names.
fn report_year(file: &str, own_year: Option<i32>, years: [&Vec<i32>; 3]) -> Result<i32> {
    if let Some(y) = own_year {
        return Ok(y);
    }
    years.into_iter().flatten().copied().max().ok_or_else(|| {
        Error::data(
            Location::file(file).at_line(1),
            "no column names the year this file reports on (e.g. CLA_cease without a year): give the release year",
        )
    })
}

fn read_wide(
    file: &str,
    layout: Layout,
    header: &[String],
    records: &[(usize, csv::StringRecord)],
    own_year: Option<i32>,
    skipped: &mut Vec<(usize, String)>,
) -> Result<Vec<Obs>> {
    let yrs = |p: &str| -> Vec<i32> { header.iter().filter_map(|h| year_suffix(h, p)).collect() };
    let (mar, pop, started, cease) = (
        yrs("CLA_Mar"),
        yrs("CLA_Pop"),
        yrs("CLA_started"),
        yrs("CLA_cease"),
    );
    let own = report_year(file, own_year, [&mar, &started, &cease])?;
    let pop_offset = match (mar.iter().min(), pop.iter().min()) {
        (Some(m), Some(p)) if p + 1 == *m => 1,
        _ => 0,
    };
    let has = |c: &str| header.iter().any(|h| h == c);
    let (has_othpl, has_cea17) = (has("CLA_OthPl"), has("CLA_cea17"));
    let single_total = started.len() == 1;
    let cols: Vec<(usize, &'static str, String, i32)> = header
        .iter()
        .enumerate()
        .filter_map(|(i, h)| {
            wide_rule(
                layout,
                h,
                own,
                single_total,
                pop_offset,
                has_othpl,
                has_cea17,
            )
            .map(|(m, b, y)| (i, m, b, y))
        })
        .collect();
    let gi = |c: &str| header.iter().position(|h| h == c).unwrap_or(0);
    let (gl, gc, gn, code) = (
        gi("geog_l"),
        gi("geog_c"),
        gi("geog_n"),
        gi("New_geog_code"),
    );
    let mut out = Vec::new();
    for (line, rec) in records {
        let f = |i: usize| rec.get(i).unwrap_or("").trim();
        let level = match f(gl) {
            "NATIONAL" => Level::National,
            "REGION" => Level::Regional,
            "LA" => Level::LocalAuthority,
            "" => {
                skipped.push((
                    *line,
                    format!(
                        "{} ({}): no geographic level (geog_l empty)",
                        f(gn),
                        f(code)
                    ),
                ));
                continue;
            }
            other => {
                return Err(Error::data(
                    Location::file(file).at_line(*line).at_column("geog_l"),
                    format!("unknown geographic level {other:?} (expected NATIONAL, REGION or LA)"),
                ));
            }
        };
        for (i, measure, breakdown, year) in &cols {
            let at = || Location::file(file).at_line(*line).at_column(&header[*i]);
            let Some((value, printed)) = cell(f(*i), layout, at)? else {
                continue;
            };
            out.push(Obs {
                year: *year,
                level,
                code: f(code).to_string(),
                old_la_code: if level == Level::LocalAuthority {
                    f(gc).to_string()
                } else {
                    String::new()
                },
                name: f(gn).to_string(),
                measure,
                breakdown: breakdown.clone(),
                value,
                printed,
                line: *line,
                column: header[*i].clone(),
            });
        }
    }
    Ok(out)
}

struct Geo {
    level: Level,
    code: String,
    old: String,
    name: String,
}

/// Geography of an EES-style row. `None` for rows that are not national, regional or LA
/// (e.g. the dashboard's statistical-neighbour medians).
fn ees_geo(
    file: &str,
    line: usize,
    rec: &csv::StringRecord,
    col: &dyn Fn(&str) -> Option<usize>,
) -> Result<Option<Geo>> {
    let f = |c: &str| col(c).and_then(|i| rec.get(i)).unwrap_or("").trim();
    let clean = |s: &str| {
        if s == "NA" {
            String::new()
        } else {
            s.to_string()
        }
    };
    let level = match f("geographic_level") {
        "National" => Level::National,
        "Regional" => Level::Regional,
        "Local authority" => Level::LocalAuthority,
        l if l.starts_with("Statistical neighbours") => return Ok(None),
        other => {
            return Err(Error::data(
                Location::file(file)
                    .at_line(line)
                    .at_column("geographic_level"),
                format!("unknown geographic level {other:?}"),
            ));
        }
    };
    let name_of = |primary: &str| {
        let n = clean(f(primary));
        if n.is_empty() {
            clean(f("geo_breakdown"))
        } else {
            n
        }
    };
    Ok(Some(match level {
        Level::National => Geo {
            level,
            code: clean(f("country_code")),
            old: String::new(),
            name: {
                let n = name_of("country_name");
                if n == "National" { "England".into() } else { n }
            },
        },
        Level::Regional => Geo {
            level,
            code: clean(f("region_code")),
            old: String::new(),
            name: name_of("region_name"),
        },
        Level::LocalAuthority => Geo {
            level,
            code: clean(f("new_la_code")),
            old: clean(f("old_la_code")),
            name: name_of("la_name"),
        },
    }))
}

fn year_of(file: &str, line: usize, text: &str) -> Result<i32> {
    let t = text.trim();
    t.parse::<i32>()
        .ok()
        .filter(|y| (1990..=2100).contains(y))
        .ok_or_else(|| {
            Error::data(
                Location::file(file).at_line(line).at_column("time_period"),
                format!("{t:?} is not a year (years ending 31 March are printed as 2024)"),
            )
        })
}

fn read_ees_rates(
    file: &str,
    layout: Layout,
    header: &[String],
    records: &[(usize, csv::StringRecord)],
    col: &dyn Fn(&str) -> Option<usize>,
) -> Result<Vec<Obs>> {
    let _ = header;
    let (tp, pc, pe, num, rate) = (
        col("time_period").unwrap_or(0),
        col("population_count").unwrap_or(0),
        col("population_estimate"),
        col("number").unwrap_or(0),
        col("rate_per_10000").unwrap_or(0),
    );
    let mut out = Vec::new();
    for (line, rec) in records {
        let Some(g) = ees_geo(file, *line, rec, col)? else {
            continue;
        };
        let f = |i: usize| rec.get(i).unwrap_or("");
        let year = year_of(file, *line, f(tp))?;
        let row = f(pc).trim();
        let (measure, rate_measure) = if row.starts_with("Children looked after at 31 March") {
            ("stock", "rate_per_10000")
        } else if row.starts_with("Children starting") {
            ("starts", "starts_rate_per_10000")
        } else if row.starts_with("Children ceasing") {
            ("ceases", "ceases_rate_per_10000")
        } else {
            return Err(Error::data(
                Location::file(file)
                    .at_line(*line)
                    .at_column("population_count"),
                format!(
                    "unknown row type {row:?} (expected children looked after at 31 March, starting or ceasing)"
                ),
            ));
        };
        // `z` in `number`: the council did not exist that year; its population (printed
        // `x` in EES 2024) is left out with it.
        if f(num).trim() == "z" {
            continue;
        }
        let mut push = |i: usize, m: &'static str| -> Result<()> {
            let at = || Location::file(file).at_line(*line).at_column(&header[i]);
            if let Some((value, printed)) = cell(f(i), layout, at)? {
                out.push(Obs {
                    year,
                    level: g.level,
                    code: g.code.clone(),
                    old_la_code: g.old.clone(),
                    name: g.name.clone(),
                    measure: m,
                    breakdown: "total".into(),
                    value,
                    printed,
                    line: *line,
                    column: header[i].clone(),
                });
            }
            Ok(())
        };
        push(num, measure)?;
        push(rate, rate_measure)?;
        if let Some(pe) = pe {
            push(pe, "population_0_17")?;
        }
    }
    Ok(out)
}

/// The measure the age rows of a characteristics file count: fixed by a dashboard's
/// layout, else told apart by the groups an EES file holds.
fn age_measure(
    file: &str,
    layout: Layout,
    records: &[(usize, csv::StringRecord)],
    grp: usize,
) -> Result<&'static str> {
    let groups: std::collections::BTreeSet<&str> =
        records.iter().filter_map(|(_, r)| r.get(grp)).collect();
    Ok(match layout {
        Layout::Dashboard31March => "stock",
        Layout::DashboardStarts => "starts",
        Layout::DashboardCeases => "ceases",
        _ if groups.contains("Age on ceasing") => "ceases",
        _ if groups.contains("Taken into care") => "starts",
        _ if groups.contains("Placement") || groups.contains("Locality of placement") => "stock",
        _ => {
            return Err(Error::data(
                Location::file(file).at_line(1),
                "an EES characteristics file whose groups show neither starts (`Taken into care`), ceases (`Age on ceasing`) nor 31 March stock (`Placement`)",
            ));
        }
    })
}

fn read_characteristics(
    file: &str,
    layout: Layout,
    header: &[String],
    records: &[(usize, csv::StringRecord)],
    col: &dyn Fn(&str) -> Option<usize>,
) -> Result<Vec<Obs>> {
    let (tp, grp, ch) = (
        col("time_period").unwrap_or(0),
        col("cla_group").unwrap_or(0),
        col("characteristic").unwrap_or(0),
    );
    let num = match layout {
        Layout::Dashboard31March => col("cla_31_march_number"),
        Layout::DashboardStarts => col("placements_number"),
        _ => col("number"),
    }
    .unwrap_or(0);
    let age_measure = age_measure(file, layout, records, grp)?;
    let label = |s: &str| EES_LABELS.iter().find(|(k, _)| *k == s).map(|(_, v)| *v);
    let mut out = Vec::new();
    type CellKey = (i32, String, String, &'static str, String);
    let mut seen: BTreeMap<CellKey, (Value, usize)> = BTreeMap::new();
    for (line, rec) in records {
        let f = |i: usize| rec.get(i).unwrap_or("").trim();
        let (measure, breakdown): (&'static str, &str) = match f(grp) {
            "Age group" | "Age on ceasing" => match label(f(ch)) {
                Some(b) => (age_measure, b),
                None => {
                    return Err(Error::data(
                        Location::file(file)
                            .at_line(*line)
                            .at_column("characteristic"),
                        format!("unknown age band {:?}", f(ch)),
                    ));
                }
            },
            "Unaccompanied asylum-seeking children" if age_measure == "stock" => {
                if f(ch) != "UASC" {
                    continue;
                }
                ("uasc_stock", "total")
            }
            "Placement" if age_measure == "stock" => match label(f(ch)) {
                Some(b) => ("placement_stock", b),
                None => {
                    return Err(Error::data(
                        Location::file(file)
                            .at_line(*line)
                            .at_column("characteristic"),
                        format!("unknown placement type {:?}", f(ch)),
                    ));
                }
            },
            _ => continue,
        };
        let Some(g) = ees_geo(file, *line, rec, col)? else {
            continue;
        };
        let year = year_of(file, *line, f(tp))?;
        let at = || Location::file(file).at_line(*line).at_column(&header[num]);
        let Some((value, printed)) = cell(f(num), layout, at)? else {
            continue;
        };
        // Dashboard tables repeat each row (one per rate type, plus exact duplicates).
        let key = (
            year,
            g.code.clone(),
            g.name.clone(),
            measure,
            breakdown.to_string(),
        );
        if let Some((prev, prev_line)) = seen.get(&key) {
            if *prev != value {
                return Err(Error::data(
                    at(),
                    format!(
                        "{} {year} {measure} {breakdown}: {value:?} disagrees with {prev:?} on line {prev_line}",
                        g.name
                    ),
                ));
            }
            continue;
        }
        seen.insert(key, (value.clone(), *line));
        out.push(Obs {
            year,
            level: g.level,
            code: g.code,
            old_la_code: g.old,
            name: g.name,
            measure,
            breakdown: breakdown.to_string(),
            value,
            printed,
            line: *line,
            column: header[num].clone(),
        });
    }
    Ok(out)
}

fn read_ons(
    file: &str,
    layout: Layout,
    records: &[(usize, csv::StringRecord)],
    col: &dyn Fn(&str) -> Option<usize>,
) -> Result<Vec<Obs>> {
    let (tp, ag, pe) = (
        col("time_period").unwrap_or(0),
        col("age_group").unwrap_or(0),
        col("population_estimate").unwrap_or(0),
    );
    let mut out = Vec::new();
    for (line, rec) in records {
        let f = |i: usize| rec.get(i).unwrap_or("").trim();
        if !f(ag).contains("0 to 17") {
            return Err(Error::data(
                Location::file(file).at_line(*line).at_column("age_group"),
                format!("age group {:?}: only children aged 0 to 17 are read", f(ag)),
            ));
        }
        let Some(g) = ees_geo(file, *line, rec, col)? else {
            continue;
        };
        // The mid-year estimate for mid-(t-1) is the denominator of the year ending March t.
        let year = year_of(file, *line, f(tp))? + 1;
        let at = || {
            Location::file(file)
                .at_line(*line)
                .at_column("population_estimate")
        };
        let Some((value, printed)) = cell(f(pe), layout, at)? else {
            continue;
        };
        out.push(Obs {
            year,
            level: g.level,
            code: g.code,
            old_la_code: g.old,
            name: g.name,
            measure: "population_0_17",
            breakdown: "total".into(),
            value,
            printed,
            line: *line,
            column: "population_estimate".into(),
        });
    }
    Ok(out)
}
