//! Readers for the DfE's published files: the SFR underlying-data CSVs (wide, 2013-2017),
//! the 2018/2019 underlying data (wide, five years of totals), the EES tidy CSVs
//! (2022 onwards), the dashboard tables of the 2024 release and the ONS 0-17 estimates.
//!
//! A file is recognised by its header row, never by its name (see [`Layout::detect`]).
//! Wide column names drift between releases; [`WIDE_ALIASES`] is the documented table of
//! every column name read and what it holds. Unused columns (ethnicity, legal status, ...)
//! are skipped. A cell in a used column that is neither a number nor a known symbol is a
//! located error (file, line, column).

use crate::{Error, Location, Result};

mod aliases;
mod tidy;
mod wide;

pub use aliases::{EES_LABELS, WIDE_ALIASES};

use tidy::{read_characteristics, read_ees_rates, read_ons};
use wide::read_wide;

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

pub(super) fn year_suffix(col: &str, prefix: &str) -> Option<i32> {
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
pub(super) fn cell(
    text: &str,
    layout: Layout,
    at: impl Fn() -> Location,
) -> Result<Option<(Value, String)>> {
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
pub(super) fn report_year(file: &str, own_year: Option<i32>, years: [&Vec<i32>; 3]) -> Result<i32> {
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
