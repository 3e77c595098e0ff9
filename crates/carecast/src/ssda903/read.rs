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

/// A child identifier as a hash key: packed into a `u128` up to 15 bytes (no allocation;
/// the last byte holds the length), on the heap beyond (the synthetic returns' identifiers
/// have 8 characters at most, so the heap form is for unusually long ones).
#[derive(Debug, Clone, PartialEq, Eq)]
enum IdKey {
    Short(u128),
    Long(Box<[u8]>),
}

impl IdKey {
    fn new(b: &[u8]) -> IdKey {
        if b.len() <= 15 {
            let mut a = [0u8; 16];
            a[..b.len()].copy_from_slice(b);
            // At most 15 bytes here, so the length fits a byte.
            a[15] = u8::try_from(b.len()).unwrap_or(15);
            IdKey::Short(u128::from_le_bytes(a))
        } else {
            IdKey::Long(b.into())
        }
    }

    /// A well-mixed 64-bit hash (every input bit reaches the low bits, which pick the
    /// bucket, and the high bits, which the table compares first). Fixed constants, so the
    /// numbering that depends on it is the same on every run.
    fn mixed(&self) -> u64 {
        const K1: u64 = 0x9e37_79b9_7f4a_7c15;
        const K2: u64 = 0xd6e8_feb8_6659_fd93;
        let fold = |a: u64, b: u64| {
            let m = u128::from(a ^ K1) * u128::from(b ^ K2);
            // The two halves of the product, folded: truncation is the point here.
            #[allow(clippy::cast_possible_truncation)]
            let lo = m as u64;
            lo ^ (m >> 64) as u64
        };
        match self {
            #[allow(clippy::cast_possible_truncation)]
            IdKey::Short(x) => fold(*x as u64, (*x >> 64) as u64),
            IdKey::Long(b) => {
                let mut h = 0u64;
                for c in b.chunks(8) {
                    let mut w = [0u8; 8];
                    w[..c.len()].copy_from_slice(c);
                    h = fold(h, u64::from_le_bytes(w));
                }
                fold(h, b.len() as u64)
            }
        }
    }
}

impl std::hash::Hash for IdKey {
    fn hash<H: Hasher>(&self, state: &mut H) {
        state.write_u64(self.mixed());
    }
}

/// The hasher of the identifier map: [`IdKey`] hashes itself ([`IdKey::mixed`]), so this
/// only passes the value on.
#[derive(Default)]
struct IdHasher(u64);

impl Hasher for IdHasher {
    fn write(&mut self, bytes: &[u8]) {
        // Not reached for `IdKey` (which writes one `u64`); mixes anything else.
        for &b in bytes {
            self.0 = (self.0.rotate_left(5) ^ u64::from(b)).wrapping_mul(0x517c_c1b7_2722_0a95);
        }
    }

    fn write_u64(&mut self, i: u64) {
        self.0 ^= i;
    }

    fn finish(&self) -> u64 {
        self.0
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

struct Parsed {
    info: FileInfo,
    /// Child identifier of each run of rows (see [`Ids`]).
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

/// Where each column of interest sits in a file's header (None: absent).
struct Columns {
    child: usize,
    decom: Option<usize>,
    dec: Option<usize>,
    rne: Option<usize>,
    ls: Option<usize>,
    place: Option<usize>,
    provider: Option<usize>,
    rec: Option<usize>,
    reason: Option<usize>,
    sex: Option<usize>,
    dob: Option<usize>,
    duc: Option<usize>,
    la: Option<usize>,
    year: Option<usize>,
}

impl Columns {
    fn new(head: &[String]) -> Columns {
        let c = |name: &str| head.iter().position(|h| h == name);
        Columns {
            child: c("CHILD").unwrap_or(0),
            decom: c("DECOM"),
            dec: c("DEC"),
            rne: c("RNE"),
            ls: c("LS"),
            place: c("PLACE"),
            provider: c("PLACE_PROVIDER"),
            rec: c("REC"),
            reason: c("REASON_PLACE_CHANGE"),
            sex: c("SEX"),
            dob: c("DOB"),
            duc: c("DUC"),
            la: c("LA"),
            year: c("YEAR"),
        }
    }
}

/// The table a header's columns make (None: not a table carecast reads).
fn kind_of(head: &[String]) -> Option<Kind> {
    let has = |cols: &[&str]| cols.iter().all(|c| head.iter().any(|h| h == c));
    if has(&EPISODE_COLS) {
        Some(Kind::Episodes)
    } else if has(&UASC_COLS) {
        Some(Kind::Uasc)
    } else if has(&HEADER_COLS) && !head.iter().any(|h| h == "DECOM") {
        Some(Kind::Header)
    } else {
        None
    }
}

/// A CSV reader over `input` (a UTF-8 byte-order mark skipped) and its header, trimmed and
/// upper-cased.
fn open_csv<R: Read>(
    path: &str,
    input: R,
) -> Result<(csv::Reader<std::io::BufReader<R>>, Vec<String>)> {
    let mut input = std::io::BufReader::with_capacity(1 << 16, input);
    let io = |e: std::io::Error| Error::Io {
        path: path.to_string(),
        message: e.to_string(),
    };
    if input.fill_buf().map_err(io)?.starts_with(b"\xEF\xBB\xBF") {
        input.consume(3);
    }
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .from_reader(input);
    let head = rdr
        .byte_headers()
        .map_err(|e| {
            Error::data(
                Location::file(path).at_line(1),
                format!("bad CSV header: {e}"),
            )
        })?
        .iter()
        .map(|h| String::from_utf8_lossy(h).trim().to_ascii_uppercase())
        .collect();
    Ok((rdr, head))
}

/// One data row being read: its cells, where it is, and the located errors of its cells.
struct Row<'a> {
    rec: &'a csv::ByteRecord,
    loc: &'a Location,
    line: u32,
}

impl Row<'_> {
    fn at(&self, col: &str) -> Location {
        self.loc
            .at_line(usize::try_from(self.line).unwrap_or(usize::MAX))
            .at_column(col)
    }

    /// A cell, trimmed (empty for an absent column).
    fn get(&self, i: Option<usize>) -> &[u8] {
        i.and_then(|i| self.rec.get(i))
            .map(<[u8]>::trim_ascii)
            .unwrap_or(b"")
    }

    fn date(&self, i: Option<usize>, name: &str, required: bool) -> Result<Option<Day>> {
        let v = self.get(i);
        if v.is_empty() {
            return if required {
                Err(Error::data(self.at(name), "empty (a date is required)"))
            } else {
                Ok(None)
            };
        }
        day::parse(v)
            .map(Some)
            .map_err(|m| Error::data(self.at(name), format!("{:?}: {m}", text(v))))
    }

    fn code(&self, i: Option<usize>, name: &str) -> Result<Code> {
        let v = self.get(i);
        Code::new(v)
            .ok_or_else(|| Error::data(self.at(name), format!("{:?} is not a code", text(v))))
    }

    /// The row's collection year: its `YEAR` cell, else the year in the path (0: to infer).
    fn year(&self, cols: &Columns, name_year: Option<i32>) -> Result<i32> {
        let Some(yi) = cols.year else {
            return Ok(name_year.unwrap_or(0));
        };
        let v = self.get(Some(yi));
        year_cell(v).ok_or_else(|| {
            Error::data(
                self.at("YEAR"),
                format!(
                    "{:?} is not a collection year (e.g. 2020 or 2019-20)",
                    text(v)
                ),
            )
        })
    }
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// The file's child identifiers as runs: rows of one child usually come together, so a
/// row whose identifier is the previous row's joins its run, and any other row starts a
/// new run. Rows carry their run's number; [`number_children`] gives every run the number
/// of its child across all files (a child with several runs gets one number).
#[derive(Default)]
struct Ids {
    runs: Vec<IdKey>,
    last: Vec<u8>,
}

impl Ids {
    fn child(&mut self, row: &Row<'_>, id: &[u8]) -> Result<u32> {
        if id.is_empty() {
            return Err(Error::data(row.at("CHILD"), "empty child identifier"));
        }
        if self.runs.is_empty() || self.last != id {
            self.runs.push(IdKey::new(id));
            self.last.clear();
            self.last.extend_from_slice(id);
        }
        // One run per row at most, and rows are counted in `u32` lines.
        u32::try_from(self.runs.len() - 1)
            .map_err(|_| Error::data(row.at("CHILD"), "more than 4 294 967 295 rows in one file"))
    }
}

/// Reads the next record; `Ok(false)` at the end. `line` becomes the record's line.
fn next_record<R: Read>(
    rdr: &mut csv::Reader<R>,
    rec: &mut csv::ByteRecord,
    line: &mut u32,
    loc: &Location,
) -> Result<bool> {
    match rdr.read_byte_record(rec) {
        Ok(false) => return Ok(false),
        Ok(true) => {}
        Err(e) => {
            let l = e
                .position()
                .map_or(u64::from(*line) + 1, csv::Position::line);
            let l = usize::try_from(l).unwrap_or(usize::MAX);
            return Err(Error::data(loc.at_line(l), format!("bad CSV row: {e}")));
        }
    }
    *line = match rec.position() {
        None => line.saturating_add(1),
        Some(p) => u32::try_from(p.line())
            .map_err(|_| Error::data(loc.clone(), "more than 4 294 967 295 lines in one file"))?,
    };
    Ok(true)
}

/// Adds one row's record to the parsed file, by table.
fn push_row(
    p: &mut Parsed,
    kind: Kind,
    row: &Row<'_>,
    cols: &Columns,
    child: u32,
    year: i32,
    file: u32,
) -> Result<()> {
    match kind {
        Kind::Episodes => {
            let decom = row.date(cols.decom, "DECOM", true)?.unwrap_or_default();
            let dec = row.date(cols.dec, "DEC", false)?;
            if let Some(d) = dec
                && d < decom
            {
                return Err(Error::data(
                    row.at("DEC"),
                    format!(
                        "{:?} is before the episode's start DECOM {:?}",
                        text(row.get(cols.dec)),
                        text(row.get(cols.decom))
                    ),
                ));
            }
            p.episodes.push(EpisodeRow {
                child,
                decom,
                dec,
                rne: row.code(cols.rne, "RNE")?,
                ls: row.code(cols.ls, "LS")?,
                place: row.code(cols.place, "PLACE")?,
                provider: row.code(cols.provider, "PLACE_PROVIDER")?,
                rec: row.code(cols.rec, "REC")?,
                reason: row.code(cols.reason, "REASON_PLACE_CHANGE")?,
                year,
                file,
                line: row.line,
            });
        }
        Kind::Header => {
            let dob = row.date(cols.dob, "DOB", true)?.unwrap_or_default();
            p.headers.push(HeaderRow {
                child,
                sex: row.code(cols.sex, "SEX")?,
                dob,
                year,
                file,
                line: row.line,
            });
        }
        Kind::Uasc => {
            p.uasc.push(UascRow {
                child,
                dob: row.date(cols.dob, "DOB", false)?,
                duc: row.date(cols.duc, "DUC", false)?,
                year,
            });
        }
    }
    Ok(())
}

/// Reads one file: its table (from the header), then every row, located errors naming
/// file, table, line and column.
fn parse_file<R: Read>(idx: u32, path: &str, input: R, size: usize) -> Result<Parsed> {
    let (mut rdr, head) = open_csv(path, input)?;
    let kind = kind_of(&head);
    let cols = Columns::new(&head);
    let name_year = year_from_name(path);
    let mut p = Parsed {
        info: FileInfo {
            path: path.to_string(),
            kind,
            rows: 0,
            blank_rows: 0,
            year_from: if cols.year.is_some() {
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
        infer: cols.year.is_none() && name_year.is_none(),
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
        ..Location::file(path)
    };
    let mut ids = Ids::default();
    let mut rec = csv::ByteRecord::new();
    let mut line = 1u32;
    while next_record(&mut rdr, &mut rec, &mut line, &loc)? {
        if rec.iter().all(|f| f.iter().all(u8::is_ascii_whitespace)) {
            p.info.blank_rows += 1;
            continue;
        }
        p.info.rows += 1;
        let row = Row {
            rec: &rec,
            loc: &loc,
            line,
        };
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
        if cols.la.is_some() {
            let la = row.get(cols.la);
            if !la.is_empty() && !p.info.la.iter().any(|x| x.as_bytes() == la) {
                p.info.la.push(text(la));
            }
        }
        let year = row.year(&cols, name_year)?;
        let child = ids.child(&row, row.get(Some(cols.child)))?;
        push_row(&mut p, kind, &row, &cols, child, year, idx)?;
    }
    p.ids = ids.runs;
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

/// Shards of the identifier merge: each holds the identifiers whose hash falls in it, so
/// shards are numbered in parallel and each shard's map is small enough to stay in cache.
const SHARDS: usize = 64;

fn shard_of(k: &IdKey) -> usize {
    // Middle bits: the maps use the low bits for buckets and the top bits for tags.
    usize::try_from((k.mixed() >> 32) % SHARDS as u64).unwrap_or(0)
}

/// The collection year of each file whose year comes from its folder's episodes (the
/// financial year of the latest `DECOM` there); None for files with their own year.
fn inferred_years(parsed: &[Parsed]) -> Result<Vec<Option<i32>>> {
    let mut folder_year: HashMap<&str, i32> = HashMap::new();
    for p in parsed {
        if p.infer
            && let Some(max) = p.episodes.iter().map(|e| e.decom).max()
        {
            let y = fy_of(max);
            let e = folder_year.entry(folder_of(&p.info.path)).or_insert(y);
            *e = (*e).max(y);
        }
    }
    parsed
        .iter()
        .map(|p| {
            if !(p.infer && p.info.kind.is_some()) {
                return Ok(None);
            }
            folder_year
                .get(folder_of(&p.info.path))
                .copied()
                .map(Some)
                .ok_or_else(|| {
                    Error::data(
                        Location::file(&p.info.path),
                        "cannot tell the collection year: no YEAR column, no year such as 2019-20 in the folder or file name, and no episodes file beside it",
                    )
                })
        })
        .collect()
}

/// One number per distinct identifier across all files: for each file, the number of each
/// of its own children. Identifiers are split into [`SHARDS`] by hash and numbered per
/// shard in parallel (files in order within a shard), then shard by shard, so the numbers
/// are the same on every run whatever the threads do.
fn number_children(parsed: &[Parsed]) -> Result<(Vec<Vec<u32>>, usize)> {
    // Each file's local indices, by shard.
    let buckets: Vec<Vec<Vec<u32>>> = parsed
        .par_iter()
        .map(|p| {
            let mut b = vec![Vec::new(); SHARDS];
            // Local indices are `u32` (checked when read).
            for (li, id) in (0u32..).zip(&p.ids) {
                b[shard_of(id)].push(li);
            }
            b
        })
        .collect();
    // Per shard: the shard-local number of each (file, local index) in bucket order.
    let shards: Vec<(Vec<u32>, usize)> = (0..SHARDS)
        .into_par_iter()
        .map(|s| {
            let cap = buckets.iter().map(|b| b[s].len()).max().unwrap_or(0);
            let mut map: HashMap<&IdKey, u32, BuildHasherDefault<IdHasher>> =
                HashMap::with_capacity_and_hasher(cap, BuildHasherDefault::default());
            let mut numbers = Vec::with_capacity(buckets.iter().map(|b| b[s].len()).sum());
            for (p, b) in parsed.iter().zip(&buckets) {
                for &li in &b[s] {
                    // A shard holds at most all of the children, whose count is checked below.
                    let next = u32::try_from(map.len()).unwrap_or(u32::MAX);
                    numbers.push(*map.entry(&p.ids[li as usize]).or_insert(next));
                }
            }
            (numbers, map.len())
        })
        .collect();
    let mut offset = Vec::with_capacity(SHARDS);
    let mut total = 0usize;
    for (_, n) in &shards {
        offset.push(total);
        total += n;
    }
    if u32::try_from(total).is_err() {
        let path = parsed.last().map_or("", |p| p.info.path.as_str());
        return Err(Error::data(
            Location::file(path),
            "more than 4 294 967 295 children in the return",
        ));
    }
    // Where each file's run starts in each shard's numbers.
    let mut start = Vec::with_capacity(parsed.len());
    let mut run = vec![0usize; SHARDS];
    for b in &buckets {
        start.push(run.clone());
        for (r, bs) in run.iter_mut().zip(b) {
            *r += bs.len();
        }
    }
    let maps = buckets
        .par_iter()
        .zip(&start)
        .zip(parsed)
        .map(|((b, st), p)| {
            let mut m = vec![0u32; p.ids.len()];
            for s in 0..SHARDS {
                let numbers = &shards[s].0[st[s]..st[s] + b[s].len()];
                for (&li, &n) in b[s].iter().zip(numbers) {
                    // Below `total`, which fits `u32` (checked above).
                    m[li as usize] = u32::try_from(offset[s] + n as usize).unwrap_or(u32::MAX);
                }
            }
            m
        })
        .collect();
    Ok((maps, total))
}

fn merge(mut parsed: Vec<Parsed>) -> Result<Returns> {
    let years = inferred_years(&parsed)?;
    let (maps, children) = number_children(&parsed)?;
    // Global child numbers and inferred years, in place and in parallel.
    parsed
        .par_iter_mut()
        .zip(&maps)
        .zip(&years)
        .for_each(|((p, map), year)| {
            let fix_year = |y: i32| year.unwrap_or(y);
            for e in &mut p.episodes {
                e.child = map[e.child as usize];
                e.year = fix_year(e.year);
            }
            for h in &mut p.headers {
                h.child = map[h.child as usize];
                h.year = fix_year(h.year);
            }
            for u in &mut p.uasc {
                u.child = map[u.child as usize];
                u.year = fix_year(u.year);
            }
            p.ids = Vec::new();
        });
    drop(maps);
    let mut out = Returns {
        episodes: Vec::with_capacity(parsed.iter().map(|p| p.episodes.len()).sum()),
        headers: Vec::with_capacity(parsed.iter().map(|p| p.headers.len()).sum()),
        children,
        ..Returns::default()
    };
    for p in parsed {
        out.episodes.extend_from_slice(&p.episodes);
        out.headers.extend_from_slice(&p.headers);
        out.uasc.extend_from_slice(&p.uasc);
        out.files.push(p.info);
    }
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
