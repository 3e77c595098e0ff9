//! A council's own SSDA903 returns (the children looked after return): read, cleaned with
//! an audit, and turned into the tables the cohort model reads.
//!
//! A return is a set of CSV files per collection year (1 April to 31 March): a header row
//! per child, an episode per change of placement or legal status, and the UASC table.
//! [`load`] reads any number of returns (folders of yearly folders, or files with a `YEAR`
//! column), merges them with later returns correcting earlier ones, applies the cleaning
//! rules of [`clean`] (each counted in the audit) and derives, in the published-table
//! format, `cic_by_age` (stock at each 31 March by band), `admissions_by_age`,
//! `flows_summary`, `discharges_by_reason` and finer tables (month-end stock by single age,
//! by placement type, by placement group and provider; moves; durations). No child
//! identifier is kept past reading, so none can reach an output.
//!
//! ```
//! use carecast::ssda903::{load_bytes, synth};
//! let s = synth::generate(&synth::SynthOptions { admissions_per_year: 80.0, ..Default::default() }).unwrap();
//! let files: Vec<(String, Vec<u8>)> = s.files.iter().map(|(n, t)| (n.clone(), t.clone().into_bytes())).collect();
//! let r = load_bytes("synthetic", &files).unwrap();
//! let stock = r.dataset.table("cic_by_age").unwrap();
//! let all_2020 = stock.records.iter()
//!     .find(|x| x.period.unwrap().to_string() == "2020-03-31" && x.band.unwrap().label() == "all")
//!     .unwrap();
//! assert_eq!(all_2020.cell.value(), Some(f64::from(s.truth.stock_total(2020).unwrap())));
//! assert!(carecast::CohortModel::fit(&r.dataset).is_ok());
//! ```

pub mod clean;
pub mod codes;
pub mod day;
pub mod derive;
pub mod moves;
pub mod read;
pub mod reconcile;
pub mod simulate;
pub mod synth;

use std::path::Path;

pub use clean::AuditRow;

use crate::{Dataset, Error, Location, Result};

/// Returns read, cleaned and derived.
#[derive(Debug, Clone)]
pub struct Ssda903 {
    /// The derived tables as a dataset the model accepts.
    pub dataset: Dataset,
    /// The cleaning audit: one row per rule.
    pub audit: Vec<AuditRow>,
    /// The counts behind the tables.
    pub derived: derive::Derived,
    /// Files read (or set aside), with how their year was found.
    pub files: Vec<read::FileInfo>,
    /// The clean history (child indices only, no identifiers), for [`moves::MovesModel`].
    pub clean: clean::Clean,
}

fn finish(name: &str, origin: &str, r: read::Returns) -> Result<Ssda903> {
    if r.episodes.is_empty() {
        return Err(Error::data(
            Location::file(origin),
            "no episodes table found (a CSV with columns CHILD, DECOM, RNE, LS, PLACE, DEC)",
        ));
    }
    let files_read = r.files.clone();
    let c = clean::clean(r);
    let d = derive::derive(&c);
    let mut files = d.table_files();
    files.push((
        "dataset.toml".into(),
        format!(
            "[dataset]\nname = {name:?}\ntitle = {:?}\ndescription = \"Tables derived from SSDA903 returns {}-{} (short breaks left out; see the audit).\"\n",
            format!("SSDA903 returns ({name})"),
            c.first_year,
            c.last_year
        ),
    ));
    let mut dataset = Dataset::from_files(name, origin, files)?;
    dataset.origin = origin.to_string();
    Ok(Ssda903 {
        dataset,
        audit: c.audit.clone(),
        derived: d,
        files: files_read,
        clean: c,
    })
}

/// Reads, cleans and derives from in-memory files `(path, bytes)`; `name` names the dataset.
///
/// # Errors
/// [`Error::Data`] for a row that cannot be read (file, table, line, column and value), a
/// collection year that cannot be found, or no episodes table.
pub fn load_bytes(name: &str, files: &[(String, Vec<u8>)]) -> Result<Ssda903> {
    let r = read::read_bytes(files)?;
    finish(name, name, r)
}

/// Reads, cleans and derives from paths (CSV files, or folders searched for CSV files).
///
/// # Errors
/// [`Error::Io`] when a path cannot be read, and the errors of [`load_bytes`].
pub fn load<P: AsRef<Path>>(paths: &[P]) -> Result<Ssda903> {
    let r = read::read_paths(paths)?;
    let origin: Vec<String> = paths
        .iter()
        .map(|p| p.as_ref().display().to_string())
        .collect();
    let name = paths
        .first()
        .and_then(|p| p.as_ref().file_name())
        .map_or_else(
            || "ssda903".to_string(),
            |n| n.to_string_lossy().into_owned(),
        );
    finish(&name, &origin.join(";"), r)
}
