//! Reading the CSV files of one or more returns into compact rows.

use std::path::Path;

use rayon::prelude::*;

use crate::ssda903::day::Day;
use crate::{Error, Location, Result};

mod ids;
mod merge;
mod parse;

pub use parse::year_from_name;

use merge::merge;
use parse::{Parsed, parse_file};

/// A short code (`RNE`, `LS`, `PLACE`, ...), upper-cased, at most 6 bytes (the longest
/// code in the lists, `CARPL`, has 5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Code([u8; 6]);

impl Code {
    pub(crate) fn new(b: &[u8]) -> Option<Code> {
        if b.len() > 6 {
            return None;
        }
        // Built in a register and stored whole: byte-by-byte stores into the array, read
        // back wider, stalled the reader (a sixth of its time on an England-sized return).
        let mut w = 0u64;
        for (k, &x) in b.iter().enumerate() {
            w |= u64::from(x.to_ascii_uppercase()) << (8 * k);
        }
        let a = w.to_le_bytes();
        Some(Code([a[0], a[1], a[2], a[3], a[4], a[5]]))
    }

    /// The code as text (empty when blank).
    pub fn as_str(&self) -> &str {
        let n = self.0.iter().position(|&b| b == 0).unwrap_or(6);
        std::str::from_utf8(&self.0[..n]).unwrap_or("")
    }

    /// Whether the code is blank.
    pub fn is_empty(&self) -> bool {
        self.0[0] == 0
    }
}

/// Which table of the return a file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    /// One row per child per return.
    Header,
    /// One row per episode.
    Episodes,
    /// Unaccompanied asylum-seeking children.
    Uasc,
}

impl Kind {
    /// The table's name in messages.
    pub fn name(&self) -> &'static str {
        match self {
            Kind::Header => "header",
            Kind::Episodes => "episodes",
            Kind::Uasc => "uasc",
        }
    }
}

/// One episode row as read.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EpisodeRow {
    /// Child (index into the reader's own list; never shown).
    pub child: u32,
    /// Start.
    pub decom: Day,
    /// End, if the episode ceased within the return.
    pub dec: Option<Day>,
    /// Reason for new episode.
    pub rne: Code,
    /// Legal status.
    pub ls: Code,
    /// Placement type.
    pub place: Code,
    /// Placement provider.
    pub provider: Code,
    /// Reason the episode ceased.
    pub rec: Code,
    /// Reason for a placement change.
    pub reason: Code,
    /// Collection year (closing year).
    pub year: i32,
    /// File index.
    pub file: u32,
    /// 1-based line in the file.
    pub line: u32,
}

/// One header row as read.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HeaderRow {
    /// Child.
    pub child: u32,
    /// Sex code as written (1/2 or M/F/U).
    pub sex: Code,
    /// Date of birth.
    pub dob: Day,
    /// Collection year.
    pub year: i32,
    /// File index.
    pub file: u32,
    /// Line.
    pub line: u32,
}

/// One UASC row as read.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct UascRow {
    /// Child.
    pub child: u32,
    /// Date of birth, if given.
    pub dob: Option<Day>,
    /// Date UASC status ceased, if given.
    pub duc: Option<Day>,
    /// Collection year.
    pub year: i32,
}

/// A file that was read, or set aside because its columns match none of the tables.
#[derive(Debug, Clone, PartialEq)]
pub struct FileInfo {
    /// Path as given.
    pub path: String,
    /// The table it holds (None: not a table carecast reads; listed in the audit).
    pub kind: Option<Kind>,
    /// Data rows read.
    pub rows: usize,
    /// Blank rows skipped (every cell empty).
    pub blank_rows: usize,
    /// How its collection year was found: `YEAR column`, `folder name`, `dates`.
    pub year_from: &'static str,
    /// The distinct values of its `LA` column (the council's code), if it has one.
    pub la: Vec<String>,
}

/// Everything read from the returns, before cleaning.
#[derive(Debug, Clone, Default)]
pub struct Returns {
    /// The files.
    pub files: Vec<FileInfo>,
    /// Episode rows of every file.
    pub episodes: Vec<EpisodeRow>,
    /// Header rows of every file.
    pub headers: Vec<HeaderRow>,
    /// UASC rows of every file.
    pub uasc: Vec<UascRow>,
    /// Number of distinct children (the identifiers themselves are not kept).
    pub children: usize,
}

/// Reads returns from `(path, bytes)` pairs. Tables are recognised by their columns
/// (extra columns such as `LA` and `YEAR` are allowed); a file whose columns match no table
/// is listed with `kind: None`. The collection year of a row comes from a `YEAR` column,
/// else from a `2019-20`-style name in the path, else from the episodes in the same folder
/// (the financial year of the latest `DECOM`).
///
/// # Errors
/// [`Error::Data`] naming file, table, line and column for a row that cannot be read (an
/// empty `CHILD`, a date that is neither `dd/mm/YYYY` nor ISO, a `DEC` before its `DECOM`,
/// a malformed CSV row), or a folder whose year cannot be found.
pub fn read_bytes(files: &[(String, Vec<u8>)]) -> Result<Returns> {
    let parsed: Vec<Parsed> = files
        .par_iter()
        .enumerate()
        .map(|(i, (path, bytes))| {
            parse_file(file_index(i, path)?, path, bytes.as_slice(), bytes.len())
        })
        .collect::<Result<_>>()?;
    merge(parsed)
}

/// A file's number in a return, or an error naming it when there are more than `u32` holds.
fn file_index(i: usize, path: &str) -> Result<u32> {
    u32::try_from(i).map_err(|_| {
        Error::data(
            Location::file(path),
            "more than 4 294 967 295 files in one return",
        )
    })
}

/// Reads returns from paths: each path is a CSV file or a folder searched (recursively) for
/// `*.csv` files, e.g. a folder of yearly folders.
///
/// # Errors
/// [`Error::Io`] when a path cannot be read, [`Error::Data`] as in [`read_bytes`], and
/// [`Error::Data`] when no CSV file is found.
pub fn read_paths<P: AsRef<Path>>(paths: &[P]) -> Result<Returns> {
    let mut found = Vec::new();
    for p in paths {
        collect(p.as_ref(), &mut found)?;
    }
    if found.is_empty() {
        let names: Vec<String> = paths
            .iter()
            .map(|p| p.as_ref().display().to_string())
            .collect();
        return Err(Error::data(
            Location::file(names.join(", ")),
            "no CSV files found (expected header, episodes and UASC tables)",
        ));
    }
    found.sort();
    // Files are streamed, never held whole in memory; they are parsed in parallel.
    let parsed = found
        .par_iter()
        .enumerate()
        .map(|(i, p)| {
            let name = p.display().to_string();
            let f = std::fs::File::open(p).map_err(|e| Error::Io {
                path: name.clone(),
                message: e.to_string(),
            })?;
            // The size only sizes the first allocation: a file beyond `usize` reserves nothing.
            let size = f
                .metadata()
                .map_or(0, |m| usize::try_from(m.len()).unwrap_or(0));
            parse_file(file_index(i, &name)?, &name, f, size)
        })
        .collect::<Result<Vec<_>>>()?;
    merge(parsed)
}

fn collect(p: &Path, out: &mut Vec<std::path::PathBuf>) -> Result<()> {
    let io = |e: std::io::Error| Error::Io {
        path: p.display().to_string(),
        message: e.to_string(),
    };
    let meta = std::fs::metadata(p).map_err(io)?;
    if meta.is_dir() {
        for entry in std::fs::read_dir(p).map_err(io)? {
            collect(&entry.map_err(io)?.path(), out)?;
        }
    } else if p
        .extension()
        .and_then(|x| x.to_str())
        .is_some_and(|x| x.eq_ignore_ascii_case("csv"))
    {
        out.push(p.to_path_buf());
    }
    Ok(())
}
