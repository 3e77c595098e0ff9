//! The first step of reading a return: one CSV file recognised by its columns and parsed
//! into compact rows, with its collection year and its child identifiers as runs.

use std::io::{BufRead, Read};

use super::ids::IdKey;
use super::{Code, EpisodeRow, FileInfo, HeaderRow, Kind, UascRow};
use crate::ssda903::day::{self, Day};
use crate::{Error, Location, Result};

pub(super) struct Parsed {
    pub(super) info: FileInfo,
    /// Child identifier of each run of rows (see [`Ids`]).
    pub(super) ids: Vec<IdKey>,
    pub(super) episodes: Vec<EpisodeRow>,
    pub(super) headers: Vec<HeaderRow>,
    pub(super) uasc: Vec<UascRow>,
    /// Year still to be inferred (no YEAR column, no year in the folder name).
    pub(super) infer: bool,
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
/// new run. Rows carry their run's number;
/// [`number_children`](super::ids::number_children) gives every run the number of its child
/// across all files (a child with several runs gets one number).
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
pub(super) fn parse_file<R: Read>(idx: u32, path: &str, input: R, size: usize) -> Result<Parsed> {
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

pub(super) fn folder_of(path: &str) -> &str {
    path.rsplit_once(['/', '\\']).map_or("", |(d, _)| d)
}
