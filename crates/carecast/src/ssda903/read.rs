//! Reading the CSV files of one or more returns into compact rows.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::io::{BufRead, Read};
use std::path::Path;

use rayon::prelude::*;

use super::day::{self, Day, fy_of};
use crate::{Error, Location, Result};

/// A short code (`RNE`, `LS`, `PLACE`, ...), upper-cased, at most 6 bytes (the longest
/// code in the lists, `CARPL`, has 5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Code([u8; 6]);

impl Code {
    pub(crate) fn new(b: &[u8]) -> Option<Code> {
        if b.len() > 6 {
            return None;
        }
        let mut c = [0u8; 6];
        for (o, i) in c.iter_mut().zip(b) {
            *o = i.to_ascii_uppercase();
        }
        Some(Code(c))
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

/// A child identifier as a hash key: stored inline up to 23 bytes (no allocation), on the
/// heap beyond.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum IdKey {
    Short(u8, [u8; 23]),
    Long(Box<[u8]>),
}

impl IdKey {
    fn new(b: &[u8]) -> IdKey {
        if b.len() <= 23 {
            let mut a = [0u8; 23];
            a[..b.len()].copy_from_slice(b);
            // At most 23 bytes here, so the length fits a byte.
            IdKey::Short(u8::try_from(b.len()).unwrap_or(23), a)
        } else {
            IdKey::Long(b.into())
        }
    }
}

/// A fast non-cryptographic hasher for identifiers (the map is not exposed to untrusted
/// lookups beyond one file's own identifiers).
#[derive(Default)]
struct IdHasher(u64);

impl Hasher for IdHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut h = self.0;
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let w = u64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]);
            h = (h.rotate_left(5) ^ w).wrapping_mul(0x517c_c1b7_2722_0a95);
        }
        for &b in chunks.remainder() {
            h = (h.rotate_left(5) ^ u64::from(b)).wrapping_mul(0x517c_c1b7_2722_0a95);
        }
        self.0 = h;
    }

    fn write_u8(&mut self, i: u8) {
        self.0 = (self.0.rotate_left(5) ^ u64::from(i)).wrapping_mul(0x517c_c1b7_2722_0a95);
    }

    fn write_usize(&mut self, i: usize) {
        self.0 = (self.0.rotate_left(5) ^ i as u64).wrapping_mul(0x517c_c1b7_2722_0a95);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

type IdMap = HashMap<IdKey, u32, BuildHasherDefault<IdHasher>>;

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

struct Parsed {
    info: FileInfo,
    ids: Vec<IdKey>,
    episodes: Vec<EpisodeRow>,
    headers: Vec<HeaderRow>,
    uasc: Vec<UascRow>,
    /// Year still to be inferred (no YEAR column, no year in the folder name).
    infer: bool,
}

const EPISODE_COLS: [&str; 6] = ["CHILD", "DECOM", "RNE", "LS", "PLACE", "DEC"];
const HEADER_COLS: [&str; 3] = ["CHILD", "SEX", "DOB"];
const UASC_COLS: [&str; 2] = ["CHILD", "DUC"];

/// The closing year in a folder or file name: `2019-20`, `2019_20`, `201920`, `2019-2020`,
/// `2019/20` give 2020. A bare `2020` is ambiguous (councils and tools label a return by
/// either end) and gives nothing: the year then comes from the dates.
///
/// The innermost path component holding such a year wins (`old-2015-16/2019-20/x.csv`
/// gives 2020).
///
/// ```
/// use carecast::ssda903::read::year_from_name;
/// assert_eq!(year_from_name("returns/2019-20/episodes.csv"), Some(2020));
/// assert_eq!(year_from_name("old-2015-16/2019_2020/episodes.csv"), Some(2020));
/// assert_eq!(year_from_name("returns/2020/episodes.csv"), None);
/// ```
pub fn year_from_name(name: &str) -> Option<i32> {
    name.rsplit(['/', '\\']).find_map(year_in)
}

fn year_in(name: &str) -> Option<i32> {
    let b = name.as_bytes();
    let num = |s: &[u8]| -> Option<i32> {
        (!s.is_empty() && s.iter().all(u8::is_ascii_digit))
            .then(|| s.iter().fold(0i32, |a, c| a * 10 + i32::from(c - b'0')))
    };
    for i in 0..b.len().saturating_sub(5) {
        let Some(y1) = b.get(i..i + 4).and_then(num) else {
            continue;
        };
        if i > 0 && b[i - 1].is_ascii_digit() || !(1990..=2100).contains(&y1) {
            continue;
        }
        let rest = &b[i + 4..];
        let rest = match rest.first() {
            Some(b'-' | b'_' | b'/') => &rest[1..],
            _ => rest,
        };
        let end = rest.iter().take_while(|c| c.is_ascii_digit()).count();
        match end {
            2 if num(&rest[..2]) == Some((y1 + 1) % 100) => return Some(y1 + 1),
            4 if num(&rest[..4]) == Some(y1 + 1) => return Some(y1 + 1),
            _ => {}
        }
    }
    None
}

fn year_cell(s: &[u8]) -> Option<i32> {
    let t = std::str::from_utf8(s).ok()?.trim();
    if let Ok(y) = t.parse::<i32>() {
        return (1990..=2100).contains(&y).then_some(y);
    }
    year_in(t)
}

#[allow(clippy::too_many_lines)] // one pass over the rows; to be split in a follow-up
fn parse_file<R: Read>(idx: u32, path: &str, input: R, size: usize) -> Result<Parsed> {
    let mut input = std::io::BufReader::with_capacity(1 << 16, input);
    let io = |e: std::io::Error| Error::Io {
        path: path.to_string(),
        message: e.to_string(),
    };
    if input.fill_buf().map_err(io)?.starts_with(b"\xEF\xBB\xBF") {
        input.consume(3);
    }
    let loc = Location::file(path);
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .from_reader(input);
    let head: Vec<String> = rdr
        .byte_headers()
        .map_err(|e| Error::data(loc.at_line(1), format!("bad CSV header: {e}")))?
        .iter()
        .map(|h| String::from_utf8_lossy(h).trim().to_ascii_uppercase())
        .collect();
    let col = |name: &str| head.iter().position(|h| h == name);
    let has = |cols: &[&str]| cols.iter().all(|c| col(c).is_some());
    let kind = if has(&EPISODE_COLS) {
        Some(Kind::Episodes)
    } else if has(&UASC_COLS) {
        Some(Kind::Uasc)
    } else if has(&HEADER_COLS) && col("DECOM").is_none() {
        Some(Kind::Header)
    } else {
        None
    };
    let year_col = col("YEAR");
    let name_year = year_from_name(path);
    let mut p = Parsed {
        info: FileInfo {
            path: path.to_string(),
            kind,
            rows: 0,
            blank_rows: 0,
            year_from: if year_col.is_some() {
                "YEAR column"
            } else if name_year.is_some() {
                "folder name"
            } else {
                "dates"
            },
            la: Vec::new(),
        },
        ids: Vec::new(),
        episodes: Vec::new(),
        headers: Vec::new(),
        uasc: Vec::new(),
        infer: year_col.is_none() && name_year.is_none(),
    };
    let Some(kind) = kind else {
        return Ok(p);
    };
    // Rows are about 60-100 bytes: reserve once rather than grow by doubling.
    match kind {
        Kind::Episodes => p.episodes.reserve(size / 64),
        Kind::Header => p.headers.reserve(size / 32),
        Kind::Uasc => {}
    }
    let loc = Location {
        table: Some(kind.name().to_string()),
        ..loc
    };
    let mut ids = IdMap::default();
    let c = |n: &str| col(n);
    let child_i = c("CHILD").unwrap_or(0);
    let (decom_i, dec_i, rne_i, ls_i, place_i) =
        (c("DECOM"), c("DEC"), c("RNE"), c("LS"), c("PLACE"));
    let (prov_i, rec_i, reason_i) = (c("PLACE_PROVIDER"), c("REC"), c("REASON_PLACE_CHANGE"));
    let (sex_i, dob_i, duc_i) = (c("SEX"), c("DOB"), c("DUC"));
    let la_i = c("LA");
    let mut rec = csv::ByteRecord::new();
    let mut line = 1u32;
    loop {
        match rdr.read_byte_record(&mut rec) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                let l = e
                    .position()
                    .map_or(u64::from(line) + 1, csv::Position::line);
                let l = usize::try_from(l).unwrap_or(usize::MAX);
                return Err(Error::data(loc.at_line(l), format!("bad CSV row: {e}")));
            }
        }
        line = match rec.position() {
            None => line.saturating_add(1),
            Some(p) => u32::try_from(p.line()).map_err(|_| {
                Error::data(loc.clone(), "more than 4 294 967 295 lines in one file")
            })?,
        };
        if rec.iter().all(|f| f.iter().all(u8::is_ascii_whitespace)) {
            p.info.blank_rows += 1;
            continue;
        }
        p.info.rows += 1;
        if rec.len() < head.len() {
            // A short row would read its missing columns as blank codes and dates.
            return Err(Error::data(
                loc.at_line(usize::try_from(line).unwrap_or(usize::MAX)),
                format!(
                    "bad CSV row: {} fields, the header has {} ({})",
                    rec.len(),
                    head.len(),
                    head.join(",")
                ),
            ));
        }
        let at = |col: &str| {
            loc.at_line(usize::try_from(line).unwrap_or(usize::MAX))
                .at_column(col)
        };
        let get = |i: Option<usize>| -> &[u8] {
            i.and_then(|i| rec.get(i))
                .map(|f| f.trim_ascii())
                .unwrap_or(b"")
        };
        let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
        if la_i.is_some() {
            let la = get(la_i);
            if !la.is_empty() && !p.info.la.iter().any(|x| x.as_bytes() == la) {
                p.info.la.push(text(la));
            }
        }
        let date = |i: Option<usize>, name: &str, required: bool| -> Result<Option<Day>> {
            let v = get(i);
            if v.is_empty() {
                return if required {
                    Err(Error::data(at(name), "empty (a date is required)"))
                } else {
                    Ok(None)
                };
            }
            day::parse(v)
                .map(Some)
                .map_err(|m| Error::data(at(name), format!("{:?}: {m}", text(v))))
        };
        let code = |i: Option<usize>, name: &str| -> Result<Code> {
            let v = get(i);
            Code::new(v)
                .ok_or_else(|| Error::data(at(name), format!("{:?} is not a code", text(v))))
        };
        let year = match year_col {
            Some(yi) => {
                let v = get(Some(yi));
                year_cell(v).ok_or_else(|| {
                    Error::data(
                        at("YEAR"),
                        format!(
                            "{:?} is not a collection year (e.g. 2020 or 2019-20)",
                            text(v)
                        ),
                    )
                })?
            }
            None => name_year.unwrap_or(0),
        };
        let id = get(Some(child_i));
        if id.is_empty() {
            return Err(Error::data(at("CHILD"), "empty child identifier"));
        }
        let next = ids.len();
        let child = match ids.entry(IdKey::new(id)) {
            std::collections::hash_map::Entry::Occupied(o) => *o.get(),
            std::collections::hash_map::Entry::Vacant(v) => {
                let next = u32::try_from(next).map_err(|_| {
                    Error::data(at("CHILD"), "more than 4 294 967 295 children in one file")
                })?;
                p.ids.push(v.key().clone());
                v.insert(next);
                next
            }
        };
        match kind {
            Kind::Episodes => {
                let decom = date(decom_i, "DECOM", true)?.unwrap_or_default();
                let dec = date(dec_i, "DEC", false)?;
                if let Some(d) = dec
                    && d < decom
                {
                    return Err(Error::data(
                        at("DEC"),
                        format!(
                            "{:?} is before the episode's start DECOM {:?}",
                            text(get(dec_i)),
                            text(get(decom_i))
                        ),
                    ));
                }
                p.episodes.push(EpisodeRow {
                    child,
                    decom,
                    dec,
                    rne: code(rne_i, "RNE")?,
                    ls: code(ls_i, "LS")?,
                    place: code(place_i, "PLACE")?,
                    provider: code(prov_i, "PLACE_PROVIDER")?,
                    rec: code(rec_i, "REC")?,
                    reason: code(reason_i, "REASON_PLACE_CHANGE")?,
                    year,
                    file: idx,
                    line,
                });
            }
            Kind::Header => {
                let dob = date(dob_i, "DOB", true)?.unwrap_or_default();
                p.headers.push(HeaderRow {
                    child,
                    sex: code(sex_i, "SEX")?,
                    dob,
                    year,
                    file: idx,
                    line,
                });
            }
            Kind::Uasc => {
                p.uasc.push(UascRow {
                    child,
                    dob: date(dob_i, "DOB", false)?,
                    duc: date(duc_i, "DUC", false)?,
                    year,
                });
            }
        }
    }
    Ok(p)
}

fn folder_of(path: &str) -> &str {
    path.rsplit_once(['/', '\\']).map_or("", |(d, _)| d)
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

fn merge(parsed: Vec<Parsed>) -> Result<Returns> {
    // Years inferred from dates, per folder.
    let mut folder_year: HashMap<String, i32> = HashMap::new();
    for p in &parsed {
        if p.infer
            && let Some(max) = p.episodes.iter().map(|e| e.decom).max()
        {
            let y = fy_of(max);
            let e = folder_year
                .entry(folder_of(&p.info.path).to_string())
                .or_insert(y);
            *e = (*e).max(y);
        }
    }
    let mut out = Returns {
        episodes: Vec::with_capacity(parsed.iter().map(|p| p.episodes.len()).sum()),
        headers: Vec::with_capacity(parsed.iter().map(|p| p.headers.len()).sum()),
        ..Returns::default()
    };
    let mut global = IdMap::default();
    for p in parsed {
        let year = if p.infer && p.info.kind.is_some() {
            let f = folder_of(&p.info.path);
            Some(*folder_year.get(f).ok_or_else(|| {
                Error::data(
                    Location::file(&p.info.path),
                    "cannot tell the collection year: no YEAR column, no year such as 2019-20 in the folder or file name, and no episodes file beside it",
                )
            })?)
        } else {
            None
        };
        let map: Vec<u32> = p
            .ids
            .into_iter()
            .map(|id| {
                let n = u32::try_from(global.len()).map_err(|_| {
                    Error::data(
                        Location::file(&p.info.path),
                        "more than 4 294 967 295 children in the return",
                    )
                })?;
                Ok(*global.entry(id).or_insert(n))
            })
            .collect::<Result<_>>()?;
        let fix_year = |y: i32| year.unwrap_or(y);
        out.episodes.extend(p.episodes.into_iter().map(|mut e| {
            e.child = map[e.child as usize];
            e.year = fix_year(e.year);
            e
        }));
        out.headers.extend(p.headers.into_iter().map(|mut h| {
            h.child = map[h.child as usize];
            h.year = fix_year(h.year);
            h
        }));
        out.uasc.extend(p.uasc.into_iter().map(|mut u| {
            u.child = map[u.child as usize];
            u.year = fix_year(u.year);
            u
        }));
        out.files.push(p.info);
    }
    out.children = global.len();
    Ok(out)
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
