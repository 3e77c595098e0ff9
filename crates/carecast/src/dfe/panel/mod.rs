//! The national panel: every value of every release, per year, area, measure and
//! breakdown, with its release and source file (the vintages), and the latest value.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use crate::{Error, Location, Result};

mod codec;
mod query;
mod releases;

/// The bundled panel: gzip-compressed binary written by `Panel::encode`, built by
/// `scripts/build_dfe_panel.sh` from the published files.
pub const BUNDLED_PANEL_GZ: &[u8] = include_bytes!("../../../dfe/panel.bin.gz");

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
    /// Area index in [`Areas::bundled`](crate::dfe::Areas::bundled).
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
pub(super) type Got = BTreeMap<Key, (Vintage, String, usize, String)>;

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

pub(super) fn gz_error(e: std::io::Error) -> Error {
    Error::data(Location::file("dfe/panel.bin.gz"), e.to_string())
}

/// The index of a measure in [`MEASURES`].
pub(super) fn measure_index(measure: &str) -> Option<u8> {
    MEASURES
        .iter()
        .position(|m| *m == measure)
        .and_then(|i| u8::try_from(i).ok())
}

/// A whole number without a decimal point (`-0` shows as `0`), any other as Rust prints it.
pub(super) fn fmt_value(v: f64) -> String {
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
}

impl Default for Panel {
    fn default() -> Self {
        Panel::new()
    }
}
