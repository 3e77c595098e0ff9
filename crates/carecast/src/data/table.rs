//! Published tables: the file format of `data/FORMAT.md`, parsed and validated.

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::age::Band;
use crate::cell::{Cell, Unit};
use crate::error::{Error, Location, Result};
use crate::period::Period;
use crate::placement::PlacementType;

/// A dimension of a table row, used to group and select cells.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Key {
    /// The `period` column.
    Period,
    /// The `area` column.
    Area,
    /// The `band` column.
    Band,
    /// The `category` column.
    Category,
    /// The `placement` column.
    Placement,
    /// The `measure` column (or header).
    Measure,
    /// The `unit` column (or header).
    Unit,
}

impl Key {
    /// Every key.
    pub const ALL: [Key; 7] = [
        Key::Period,
        Key::Area,
        Key::Band,
        Key::Category,
        Key::Placement,
        Key::Measure,
        Key::Unit,
    ];

    /// The column name.
    pub fn name(&self) -> &'static str {
        match self {
            Key::Period => "period",
            Key::Area => "area",
            Key::Band => "band",
            Key::Category => "category",
            Key::Placement => "placement",
            Key::Measure => "measure",
            Key::Unit => "unit",
        }
    }

    /// Parses a column name.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] for a name that is not a column key.
    pub fn parse(s: &str) -> Result<Self> {
        Key::ALL
            .into_iter()
            .find(|k| k.name() == s.trim())
            .ok_or_else(|| Error::unknown("column", s, Key::ALL.iter().map(|k| k.name())))
    }
}

/// A declared total: the cell whose `key` is `label` is the total of the others in its
/// group.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TotalSpec {
    /// The dimension summed over.
    pub key: Key,
    /// The label of the total (`all`, `Total`, ...).
    pub label: String,
}

/// What a table is and where it came from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TableMeta {
    /// Identifier, unique in its dataset.
    pub id: String,
    /// Short title.
    pub title: String,
    /// Source document (file name).
    pub source: String,
    /// The table's title in the source document.
    pub source_table: String,
    /// Default measure.
    pub measure: Option<String>,
    /// Default unit.
    pub unit: Option<Unit>,
    /// Declared totals.
    pub totals: Vec<TotalSpec>,
    /// Lower bound of `<N` cells.
    pub suppressed_min: f64,
    /// Upper bound of `x` cells.
    pub x_max: Option<f64>,
    /// Notes on the table.
    pub notes: Option<String>,
    /// The file it was read from.
    pub file: String,
}

impl TableMeta {
    /// `source, "source_table"`: the citation of the table.
    pub fn citation(&self) -> String {
        format!("{}, \"{}\"", self.source, self.source_table)
    }
}

/// Text of a record (an area, category, measure or note), shared between the rows of a
/// table that carry the same text: one allocation per distinct value, not one per row, and
/// 16 bytes in the record (a `String` takes 24 and a heap block of at least 32). It reads as
/// a `str` (it dereferences to one and compares with `str` and `String`), prints and
/// serialises as its text.
///
/// ```
/// use carecast::table::Text;
/// let a = Text::from("foster care");
/// let b = a.clone(); // the same allocation
/// assert_eq!(a, "foster care");
/// assert_eq!(b.as_str(), "foster care");
/// assert_eq!(b.len(), 11); // a `str` method, through `Deref`
/// assert_eq!(String::from(b), "foster care");
/// ```
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Text(Arc<str>);

impl Text {
    /// The text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Default for Text {
    fn default() -> Self {
        Text::from("")
    }
}

impl std::ops::Deref for Text {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for Text {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl std::borrow::Borrow<str> for Text {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Text {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(&*self.0, f)
    }
}

impl std::fmt::Display for Text {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<&str> for Text {
    fn from(s: &str) -> Self {
        Text(Arc::from(s))
    }
}

impl From<String> for Text {
    fn from(s: String) -> Self {
        Text(Arc::from(s))
    }
}

impl From<&String> for Text {
    fn from(s: &String) -> Self {
        Text(Arc::from(s.as_str()))
    }
}

impl From<Text> for String {
    fn from(t: Text) -> Self {
        t.0.to_string()
    }
}

impl From<&Text> for String {
    fn from(t: &Text) -> Self {
        t.0.to_string()
    }
}

impl PartialEq<str> for Text {
    fn eq(&self, other: &str) -> bool {
        &*self.0 == other
    }
}

impl PartialEq<&str> for Text {
    fn eq(&self, other: &&str) -> bool {
        &*self.0 == *other
    }
}

impl PartialEq<String> for Text {
    fn eq(&self, other: &String) -> bool {
        &*self.0 == other.as_str()
    }
}

impl PartialEq<Text> for str {
    fn eq(&self, other: &Text) -> bool {
        self == &*other.0
    }
}

impl PartialEq<Text> for &str {
    fn eq(&self, other: &Text) -> bool {
        *self == &*other.0
    }
}

impl PartialEq<Text> for String {
    fn eq(&self, other: &Text) -> bool {
        self.as_str() == &*other.0
    }
}

impl Serialize for Text {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Text {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        String::deserialize(d).map(Text::from)
    }
}

/// One published cell with its coordinates.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Record {
    /// When.
    pub period: Option<Period>,
    /// Where.
    pub area: Option<Text>,
    /// Which ages.
    pub band: Option<Band>,
    /// The printed row or column label that is not a period, area or band.
    pub category: Option<Text>,
    /// Canonical placement type, when the category is one.
    pub placement: Option<PlacementType>,
    /// What is measured.
    pub measure: Text,
    /// In what unit.
    pub unit: Unit,
    /// The cell.
    pub cell: Cell,
    /// A note on this cell.
    pub note: Option<Text>,
    /// Line in the file (1-based).
    pub line: usize,
}

impl Record {
    /// The record's value of a key as text (`None` when empty).
    pub fn key(&self, key: Key) -> Option<String> {
        match key {
            Key::Period => self.period.map(|p| p.to_string()),
            Key::Area => self.area.as_deref().map(str::to_string),
            Key::Band => self.band.map(|b| b.label()),
            Key::Category => self.category.as_deref().map(str::to_string),
            Key::Placement => self.placement.map(|p| p.code().to_string()),
            Key::Measure => Some(self.measure.to_string()),
            Key::Unit => Some(self.unit.code().to_string()),
        }
    }
}

/// A published table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Table {
    /// What the table is.
    pub meta: TableMeta,
    /// Its cells, in file order.
    pub records: Vec<Record>,
}

const HEADER_KEYS: [&str; 10] = [
    "id",
    "title",
    "source",
    "source_table",
    "measure",
    "unit",
    "total",
    "suppressed_min",
    "x_max",
    "notes",
];

fn is_snake(s: &str) -> bool {
    !s.is_empty()
        && s.starts_with(|c: char| c.is_ascii_lowercase())
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

impl Table {
    /// Parses a table file. `file` names it in error messages.
    ///
    /// # Errors
    ///
    /// [`Error::Data`] located at the file, line and column of a bad header line, a missing or
    /// repeated key, an unknown column, a bad cell (period, band, placement, unit, value) or a
    /// table with no rows.
    ///
    /// ```
    /// use carecast::Table;
    /// let text = concat!(
    ///     "# id: t\n# title: T\n# source: s.txt\n# source_table: T\n",
    ///     "# measure: stock\n# unit: children\n# total: band=all\n",
    ///     "period,band,value\n2017-03-31,under 1,<10\n2017-03-31,1-4,20\n2017-03-31,all,25\n",
    /// );
    /// let t = Table::parse("t.csv", text).unwrap();
    /// assert_eq!(t.records.len(), 3);
    /// assert_eq!(t.records[0].cell.value(), None); // suppressed, not zero
    /// ```
    pub fn parse(file: &str, text: &str) -> Result<Self> {
        let loc = Location::file(file);
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let (header, body_offset, first_body_line) = split_header(&loc, text)?;
        let (meta, loc) = header.meta(file)?;
        let body = text.get(body_offset..).unwrap_or_default();
        let records = parse_body(&meta, &loc, body, first_body_line, MAX_TABLE_ROWS)?;
        if records.is_empty() {
            return Err(Error::data(loc, "the table has no rows"));
        }
        Ok(Table { meta, records })
    }

    /// The table's id.
    pub fn id(&self) -> &str {
        &self.meta.id
    }
}

/// The `# key: value` lines of a table file, with their line numbers.
struct Header {
    lines: Vec<(String, String, usize)>,
    loc: Location,
}

/// Splits a table file into its header lines and the byte offset and line index where the
/// CSV body starts.
fn split_header(loc: &Location, text: &str) -> Result<(Header, usize, usize)> {
    let mut lines: Vec<(String, String, usize)> = Vec::new();
    let mut body_start = None;
    let mut offset = 0usize;
    for (i, line) in text.split_inclusive('\n').enumerate() {
        let trimmed = line.trim();
        if let Some(rest) = trimmed.strip_prefix('#') {
            let (k, v) = rest.split_once(':').ok_or_else(|| {
                Error::data(loc.at_line(i + 1), "a header line must be `# key: value`")
            })?;
            lines.push((k.trim().to_string(), v.trim().to_string(), i + 1));
        } else if trimmed.is_empty() && body_start.is_none() {
            // blank lines in the header block are allowed
        } else {
            body_start = Some((offset, i));
            break;
        }
        offset += line.len();
    }
    let (body_offset, first_body_line) = body_start
        .ok_or_else(|| Error::data(loc.clone(), "no CSV header row after the `#` lines"))?;
    for (k, _, l) in &lines {
        if !HEADER_KEYS.contains(&k.as_str()) {
            return Err(Error::data(
                loc.at_line(*l),
                format!(
                    "unknown header key `{k}`{}",
                    crate::error::closest(k, HEADER_KEYS)
                        .map(|s| format!(" (did you mean `{s}`?)"))
                        .unwrap_or_default()
                ),
            ));
        }
    }
    let header = Header {
        lines,
        loc: loc.clone(),
    };
    Ok((header, body_offset, first_body_line))
}

impl Header {
    /// Every value of a key, with its line.
    fn get(&self, key: &str) -> Vec<(String, usize)> {
        self.lines
            .iter()
            .filter(|(k, _, _)| k == key)
            .map(|(_, v, l)| (v.clone(), *l))
            .collect()
    }

    /// The value of a key given at most once (and at least once if `required`).
    fn single(&self, key: &str, required: bool) -> Result<Option<(String, usize)>> {
        let v = self.get(key);
        if let Some((_, l)) = v.get(1) {
            return Err(Error::data(
                self.loc.at_line(*l),
                format!("header key `{key}` given twice"),
            ));
        }
        if required && v.is_empty() {
            return Err(Error::data(
                self.loc.clone(),
                format!("missing header `# {key}:`"),
            ));
        }
        Ok(v.into_iter().next())
    }

    /// A numeric key.
    fn num(&self, key: &str, loc: &Location) -> Result<Option<f64>> {
        match self.single(key, false)? {
            None => Ok(None),
            Some((s, l)) => {
                let bad = |why: &str| {
                    Error::data(loc.at_line(l), format!("`{key}` must be {why}, not {s:?}"))
                };
                let v = s.trim().parse::<f64>().map_err(|_| bad("a number"))?;
                // A suppression bound is a count of children or pounds: finite, not
                // negative and whole (NaN, 1e400, -5 and 0.5 are refused).
                if !v.is_finite() || v < 0.0 || v.fract() != 0.0 {
                    return Err(bad("a whole number, zero or more"));
                }
                Ok(Some(v))
            }
        }
    }

    /// The table's id, checked against the file name; and the location with the table.
    fn id(&self, file: &str) -> Result<(String, Location)> {
        let id = self.single("id", true)?.unwrap_or_default();
        if !is_snake(&id.0) {
            return Err(Error::data(
                self.loc.at_line(id.1),
                format!("table id {:?} is not snake_case", id.0),
            ));
        }
        let stem = file
            .rsplit('/')
            .next()
            .unwrap_or(file)
            .trim_end_matches(".csv");
        if stem != id.0 && file.ends_with(".csv") {
            return Err(Error::data(
                self.loc.at_line(id.1),
                format!("table id {:?} differs from the file name {stem:?}", id.0),
            ));
        }
        let loc = Location {
            table: Some(id.0.clone()),
            ..self.loc.clone()
        };
        Ok((id.0, loc))
    }

    /// The `# total: COLUMN=LABEL` lines.
    fn totals(&self, loc: &Location) -> Result<Vec<TotalSpec>> {
        let mut totals = Vec::new();
        for (t, l) in self.get("total") {
            let (k, label) = t.split_once('=').ok_or_else(|| {
                Error::data(
                    loc.at_line(l),
                    format!("`total` must be COLUMN=LABEL, not {t:?}"),
                )
            })?;
            let key = Key::parse(k).map_err(|e| Error::data(loc.at_line(l), e.to_string()))?;
            let label = if key == Key::Band {
                Band::parse(label)
                    .map_err(|e| Error::data(loc.at_line(l), e.to_string()))?
                    .label()
            } else {
                label.trim().to_string()
            };
            totals.push(TotalSpec { key, label });
        }
        Ok(totals)
    }

    /// The table's metadata, and the location with the table's id.
    fn meta(&self, file: &str) -> Result<(TableMeta, Location)> {
        let (id, loc) = self.id(file)?;
        let title = self.single("title", true)?.unwrap_or_default().0;
        let source = self.single("source", true)?.unwrap_or_default().0;
        let source_table = self.single("source_table", true)?.unwrap_or_default().0;
        let measure = self.single("measure", false)?;
        if let Some((m, l)) = &measure
            && !is_snake(m)
        {
            return Err(Error::data(
                loc.at_line(*l),
                format!("measure {m:?} is not snake_case"),
            ));
        }
        let unit = match self.single("unit", false)? {
            Some((u, l)) => {
                Some(Unit::parse(&u).map_err(|e| Error::data(loc.at_line(l), e.to_string()))?)
            }
            None => None,
        };
        let meta = TableMeta {
            id,
            title,
            source,
            source_table,
            measure: measure.map(|m| m.0),
            unit,
            totals: self.totals(&loc)?,
            suppressed_min: self.num("suppressed_min", &loc)?.unwrap_or(0.0),
            x_max: self.num("x_max", &loc)?,
            notes: self.single("notes", false)?.map(|v| v.0),
            file: file.to_string(),
        };
        if let Some(hi) = meta.x_max
            && hi < meta.suppressed_min
        {
            let l = self.single("x_max", false)?.map_or(1, |v| v.1);
            return Err(Error::data(
                loc.at_line(l),
                format!(
                    "`x_max` ({hi}) is below `suppressed_min` ({}): an `x` cell would be an empty interval",
                    meta.suppressed_min
                ),
            ));
        }
        Ok((meta, loc))
    }
}

/// The file lines of CSV records, from their byte offsets in the body. The csv crate's own
/// line count is one short in a file with CRLF line ends (a Windows export: its first row
/// is "line 1", and every error named the line above the bad one), so lines are counted
/// here from the `\n` bytes before each record.
struct Lines<'a> {
    body: &'a [u8],
    byte: usize,
    line: usize,
}

impl<'a> Lines<'a> {
    /// Lines of `body`, whose first line (the CSV header row) is line `header_line` of the file.
    fn new(body: &'a str, header_line: usize) -> Self {
        Lines {
            body: body.as_bytes(),
            byte: 0,
            line: header_line,
        }
    }

    /// The file line of the record starting at byte `byte` of the body (offsets only grow).
    fn at(&mut self, byte: u64) -> usize {
        let mut b = usize::try_from(byte).map_or(self.body.len(), |b| b.min(self.body.len()));
        // With CRLF ends the csv crate starts a record at the `\n` of the line before it
        // (the `\r` ended that line): the record itself starts after any line-end bytes.
        while matches!(self.body.get(b), Some(b'\r' | b'\n')) {
            b += 1;
        }
        if b > self.byte {
            let skipped = self.body.get(self.byte..b).unwrap_or_default();
            self.line = self
                .line
                .saturating_add(skipped.iter().filter(|&&c| c == b'\n').count());
            self.byte = b;
        }
        self.line
    }
}

/// The columns a table's CSV body may have.
const COLUMNS: [&str; 9] = [
    "period",
    "area",
    "band",
    "category",
    "placement",
    "measure",
    "unit",
    "value",
    "note",
];

/// The index of each of [`COLUMNS`] in the CSV header row, if present.
fn column_indices(
    headers: &csv::StringRecord,
    loc: &Location,
    first_line: usize,
) -> Result<[Option<usize>; 9]> {
    let mut idx = [None; 9];
    for (i, h) in headers.iter().enumerate() {
        let h = h.trim();
        match COLUMNS.iter().position(|c| *c == h) {
            Some(p) if idx.get(p).is_some_and(Option::is_none) => {
                if let Some(slot) = idx.get_mut(p) {
                    *slot = Some(i);
                }
            }
            Some(_) => {
                return Err(Error::data(
                    loc.at_line(first_line + 1).at_column(h),
                    "column given twice",
                ));
            }
            None => {
                return Err(Error::data(
                    loc.at_line(first_line + 1).at_column(h),
                    format!(
                        "unknown column{}",
                        crate::error::closest(h, COLUMNS)
                            .map(|s| format!(" (did you mean `{s}`?)"))
                            .unwrap_or_default()
                    ),
                ));
            }
        }
    }
    Ok(idx)
}

/// The most rows a table may have: 4,000,000. A record takes about 150 bytes in memory, so
/// a table at the limit holds about 600 MB beside its text; a council's tables have
/// hundreds of rows and the DfE's national panel some hundred thousand. The limit keeps a
/// file of very short rows (a 64 MiB file of `1` lines would be 33 million records) from
/// exhausting memory.
pub const MAX_TABLE_ROWS: usize = 4_000_000;

/// The most distinct texts per table that are shared between rows ([`Text`]); past it a
/// new text gets its own allocation, so a column of unique notes does not also grow the
/// lookup without bound.
const MAX_SHARED_TEXTS: usize = 1 << 16;

/// The texts met so far in a table, so rows with the same area, category, measure or note
/// share one allocation.
#[derive(Default)]
struct Texts(std::collections::HashSet<Text>);

impl Texts {
    fn get(&mut self, s: &str) -> Text {
        if let Some(t) = self.0.get(s) {
            return t.clone();
        }
        let t = Text::from(s);
        if self.0.len() < MAX_SHARED_TEXTS {
            self.0.insert(t.clone());
        }
        t
    }
}

fn parse_body(
    meta: &TableMeta,
    loc: &Location,
    body: &str,
    first_line: usize,
    max_rows: usize,
) -> Result<Vec<Record>> {
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(false)
        .from_reader(body.as_bytes());
    let headers = rdr
        .headers()
        .map_err(|e| Error::data(loc.at_line(first_line + 1), format!("bad CSV header: {e}")))?
        .clone();
    let idx = column_indices(&headers, loc, first_line)?;
    if idx[7].is_none() {
        return Err(Error::data(
            loc.at_line(first_line + 1),
            "no `value` column",
        ));
    }
    if idx[5].is_none() && meta.measure.is_none() {
        return Err(Error::data(
            loc.clone(),
            "no `measure` column and no `# measure:` header",
        ));
    }
    if idx[6].is_none() && meta.unit.is_none() {
        return Err(Error::data(
            loc.clone(),
            "no `unit` column and no `# unit:` header",
        ));
    }
    // Reserving the rows once avoids the doubling of a growing vector, whose spare
    // capacity would be up to half of it. The reservation is bounded by what the bytes can
    // hold: the csv reader skips empty lines, and (the reader not being flexible) a row of
    // n columns has n - 1 separators and a line end, so rows are at most the non-empty
    // lines and at most the body's bytes over n (plus a last row with no line end); then
    // by the row limit. A file of blank lines reserves nothing.
    let shortest = headers.len().max(1);
    let non_empty = body
        .split('\n')
        .filter(|l| !l.trim_end_matches('\r').is_empty())
        .count();
    // Without a quote character every non-empty line is one row (a quoted field is the
    // only way a row spans lines), so a table with too many rows is refused before any row
    // is parsed or reserved, naming the line of the first row over the limit.
    if non_empty > max_rows.saturating_add(1) && !body.contains('"') {
        let over = body
            .split('\n')
            .enumerate()
            .filter(|(_, l)| !l.trim_end_matches('\r').is_empty())
            .nth(max_rows.saturating_add(1))
            .map_or(first_line + 1, |(k, _)| first_line + 1 + k);
        return Err(too_many_rows(loc, over, max_rows));
    }
    let most = non_empty.min(body.len() / shortest + 1).min(max_rows);
    let mut out: Vec<Record> = Vec::new();
    out.try_reserve_exact(most).map_err(|e| {
        Error::data(
            loc.clone(),
            format!(
                "cannot reserve memory for {most} rows (the rows the file's bytes can hold, at most {max_rows}, MAX_TABLE_ROWS): {e}"
            ),
        )
    })?;
    let mut texts = Texts::default();
    let mut row = csv::StringRecord::new();
    let mut lines = Lines::new(body, first_line + 1);
    loop {
        match rdr.read_record(&mut row) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => {
                let line = e.position().map_or(first_line + 1, |p| lines.at(p.byte()));
                return Err(Error::data(loc.at_line(line), format!("bad CSV row: {e}")));
            }
        }
        let line = row.position().map_or(first_line, |p| lines.at(p.byte()));
        if out.len() == max_rows {
            return Err(too_many_rows(loc, line, max_rows));
        }
        out.push(parse_row(meta, loc, &idx, &row, line, &mut texts)?);
    }
    drop(texts);
    check_duplicates(loc, &out)?;
    out.shrink_to_fit();
    Ok(out)
}

/// The error of a table with more than `max_rows` rows, at the line of the first row over.
fn too_many_rows(loc: &Location, line: usize, max_rows: usize) -> Error {
    Error::data(
        loc.at_line(line),
        format!("more than {max_rows} rows (MAX_TABLE_ROWS), the most a table may have"),
    )
}

/// Refuses a second row for the same cell with a different value (the fit would otherwise
/// use one of them silently), naming both lines; two rows with the same value are kept.
///
/// The rows are sorted by a hash of their coordinates (16 bytes a row, freed on return,
/// rather than a map holding a key per row); rows with equal hashes are compared by their
/// coordinates. The error is the one a reader going down the file meets first: the
/// earliest row whose value differs from the first row at its coordinates.
fn check_duplicates(loc: &Location, out: &[Record]) -> Result<()> {
    let mut keys: Vec<(u64, usize)> = out
        .iter()
        .enumerate()
        .map(|(i, r)| (cell_hash(r), i))
        .collect();
    keys.sort_unstable();
    // (later row, first row at its coordinates) of the earliest clash.
    let mut clash: Option<(usize, usize)> = None;
    // The first row of each distinct set of coordinates within a run of equal hashes.
    let mut firsts: Vec<usize> = Vec::new();
    for run in keys.chunk_by(|a, b| a.0 == b.0) {
        if run.len() < 2 {
            continue;
        }
        firsts.clear();
        for &(_, j) in run {
            let Some(rec) = out.get(j) else { continue };
            let first = firsts
                .iter()
                .filter_map(|&i| out.get(i).map(|f| (i, f)))
                .find(|(_, f)| same_cell(f, rec));
            match first {
                Some((i, f)) => {
                    if f.cell != rec.cell && clash.is_none_or(|(k, _)| j < k) {
                        clash = Some((j, i));
                    }
                }
                None => firsts.push(j),
            }
        }
    }
    if let Some((Some(rec), Some(first))) = clash.map(|(j, i)| (out.get(j), out.get(i))) {
        return Err(Error::data(
            loc.at_line(rec.line).at_column("value"),
            format!(
                "a second row for the same cell ({}) with a different value: {} here, {} on line {}",
                cell_key(rec),
                rec.cell.text(),
                first.cell.text(),
                first.line
            ),
        ));
    }
    Ok(())
}

/// Whether two records are at the same coordinates.
fn same_cell(a: &Record, b: &Record) -> bool {
    a.measure == b.measure
        && a.unit == b.unit
        && a.period == b.period
        && a.area == b.area
        && a.band == b.band
        && a.category == b.category
        && a.placement == b.placement
}

/// A hash of a record's coordinates (without allocating).
fn cell_hash(r: &Record) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    r.measure.as_str().hash(&mut h);
    r.unit.hash(&mut h);
    r.period.hash(&mut h);
    r.area.as_deref().hash(&mut h);
    r.band.hash(&mut h);
    r.category.as_deref().hash(&mut h);
    r.placement.hash(&mut h);
    h.finish()
}

/// The coordinates of a record's cell, written for an error message.
fn cell_key(r: &Record) -> String {
    let mut parts = vec![format!("measure {}", r.measure), format!("unit {}", r.unit)];
    if let Some(p) = &r.period {
        parts.push(format!("period {p}"));
    }
    if let Some(a) = &r.area {
        parts.push(format!("area {a}"));
    }
    if let Some(b) = &r.band {
        parts.push(format!("band {}", b.label()));
    }
    if let Some(c) = &r.category {
        parts.push(format!("category {c}"));
    }
    if let Some(p) = &r.placement {
        parts.push(format!("placement {p}"));
    }
    parts.join(", ")
}

/// One CSV row of a table's body as a record; errors name the line and column.
fn parse_row(
    meta: &TableMeta,
    loc: &Location,
    idx: &[Option<usize>; 9],
    row: &csv::StringRecord,
    line: usize,
    texts: &mut Texts,
) -> Result<Record> {
    let [
        period_i,
        area_i,
        band_i,
        category_i,
        placement_i,
        measure_i,
        unit_i,
        value_i,
        note_i,
    ] = *idx;
    let at = |col: &str| loc.at_line(line).at_column(col);
    let field = |i: Option<usize>| -> Option<&str> {
        i.and_then(|i| row.get(i))
            .map(str::trim)
            .filter(|s| !s.is_empty())
    };
    let period = field(period_i)
        .map(|p| Period::parse(p).map_err(|e| Error::data(at("period"), e.to_string())))
        .transpose()?;
    let band = field(band_i)
        .map(|b| Band::parse(b).map_err(|e| Error::data(at("band"), e.to_string())))
        .transpose()?;
    let placement = field(placement_i)
        .map(|p| {
            p.parse::<PlacementType>()
                .map_err(|e| Error::data(at("placement"), e.to_string()))
        })
        .transpose()?;
    let measure = match field(measure_i) {
        Some(m) if is_snake(m) => texts.get(m),
        Some(m) => {
            return Err(Error::data(
                at("measure"),
                format!("measure {m:?} is not snake_case"),
            ));
        }
        None => texts.get(meta.measure.as_deref().ok_or_else(|| {
            Error::data(at("measure"), "empty measure and no `# measure:` header")
        })?),
    };
    let unit = match field(unit_i) {
        Some(u) => Unit::parse(u).map_err(|e| Error::data(at("unit"), e.to_string()))?,
        None => meta
            .unit
            .ok_or_else(|| Error::data(at("unit"), "empty unit and no `# unit:` header"))?,
    };
    let raw = value_i.and_then(|i| row.get(i)).unwrap_or("");
    let cell = Cell::parse(raw, meta.suppressed_min, meta.x_max)
        .map_err(|e| Error::data(at("value"), e.to_string()))?;
    if let Cell::Exact { value, .. } = cell {
        if value < 0.0 && !unit.allows_negative() {
            return Err(Error::data(
                at("value"),
                format!(
                    "negative value {raw} for unit `{unit}` (only GBP and changes may be negative)"
                ),
            ));
        }
        if unit == Unit::Percent && value > 100.0 {
            return Err(Error::data(
                at("value"),
                format!("percentage {raw} is over 100"),
            ));
        }
    }
    Ok(Record {
        period,
        area: field(area_i).map(|s| texts.get(s)),
        band,
        category: field(category_i).map(|s| texts.get(s)),
        placement,
        measure,
        unit,
        cell,
        note: field(note_i).map(|s| texts.get(s)),
        line,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEAD: &str = "# id: t\n# title: T\n# source: s.txt\n# source_table: T\n# measure: stock\n# unit: children\n";

    fn parse(body: &str) -> Result<Table> {
        Table::parse("t.csv", &format!("{HEAD}{body}"))
    }

    #[test]
    fn errors_name_line_and_column() {
        let e = parse("period,band,value\n2017-03-31,teens,3\n").unwrap_err();
        assert!(
            e.to_string()
                .starts_with("t.csv (table `t`), line 8, column `band`"),
            "{e}"
        );
        let e = parse("period,band,value\n2017-03-31,1-4,-3\n").unwrap_err();
        assert!(e.to_string().contains("negative value -3"), "{e}");
        let e = parse("period,band,value\n2017-03-31,1-4,<ten\n").unwrap_err();
        assert!(e.to_string().contains("column `value`"), "{e}");
        let e = parse("period,bnd,value\n").unwrap_err();
        assert!(e.to_string().contains("did you mean `band`"), "{e}");
        let e = parse("period,unit,value\n2017-03-31,percent,101\n").unwrap_err();
        assert!(e.to_string().contains("over 100"), "{e}");
        let e = Table::parse("u.csv", &format!("{HEAD}period,value\n2017-03-31,1\n")).unwrap_err();
        assert!(e.to_string().contains("differs from the file name"), "{e}");
    }

    #[test]
    fn rows_over_the_limit_are_refused_at_the_first_one_over() {
        let text = format!("{HEAD}period,value\n2017-03-31,1\n2018-03-31,2\n2019-03-31,3\n");
        let (header, offset, first) = split_header(&Location::file("t.csv"), &text).unwrap();
        let (meta, loc) = header.meta("t.csv").unwrap();
        let body = &text[offset..];
        assert_eq!(parse_body(&meta, &loc, body, first, 3).unwrap().len(), 3);
        let e = parse_body(&meta, &loc, body, first, 2).unwrap_err();
        let m = e.to_string();
        assert!(m.contains("line 10") && m.contains("MAX_TABLE_ROWS"), "{m}");
        assert!(m.contains("more than 2 rows"), "{m}");
        // With a quoted field (rows may span lines) the rows are counted as parsed: same
        // error, same line.
        let quoted = body.replace("2019-03-31,3", "\"2019-03-31\",3");
        let e = parse_body(&meta, &loc, &quoted, first, 2).unwrap_err();
        assert_eq!(e.to_string(), m);
        // Blank lines between rows are not rows.
        let blank = body.replace('\n', "\n\n");
        assert_eq!(parse_body(&meta, &loc, &blank, first, 3).unwrap().len(), 3);
        let e = parse_body(&meta, &loc, &blank, first, 2).unwrap_err();
        assert!(e.to_string().contains("more than 2 rows"), "{e}");
    }

    #[test]
    fn rows_share_their_texts() {
        let t = parse(
            "period,area,category,value,note\n\
             2017-03-31,Derby,foster,1,n\n2018-03-31,Derby,foster,2,n\n2019-03-31,Derbyshire,foster,3,\n",
        )
        .unwrap();
        let r = &t.records;
        let ptr = |x: &Option<Text>| x.as_deref().map(str::as_ptr);
        assert_eq!(ptr(&r[0].area), ptr(&r[1].area));
        assert_ne!(ptr(&r[0].area), ptr(&r[2].area));
        assert_eq!(ptr(&r[0].category), ptr(&r[2].category));
        assert_eq!(r[0].measure.as_ptr(), r[2].measure.as_ptr());
        assert_eq!(ptr(&r[0].note), ptr(&r[1].note));
        assert_eq!(r[2].note, None);
        assert_eq!(r[2].area.as_deref(), Some("Derbyshire"));
        // A record still serialises its texts as strings.
        let json = serde_json::to_string(&r[0]).unwrap();
        assert!(json.contains("\"area\":\"Derby\""), "{json}");
        let back: Record = serde_json::from_str(&json).unwrap();
        assert_eq!(&back, &r[0]);
    }

    #[test]
    fn duplicate_cells_report_the_first_clash_in_file_order() {
        // Rows 8 and 10 agree; row 11 differs from row 9 (the first at its cell) and row 12
        // from row 8: the clash met first going down the file is line 11's.
        let e = parse(
            "period,band,value\n2017-03-31,1-4,3\n2017-03-31,5-9,<10\n2017-03-31,1-4,3\n\
             2017-03-31,5-9,4\n2017-03-31,1-4,5\n",
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("line 11") && e.contains("on line 9"), "{e}");
        assert!(e.contains("band 5-9") && e.contains("4 here, <10"), "{e}");
        // Repeated rows with the same value are kept, as before.
        let t = parse("period,band,value\n2017-03-31,1-4,3\n2017-03-31,1-4,3\n2017-03-31,1-4,3\n")
            .unwrap();
        assert_eq!(t.records.len(), 3);
    }

    #[test]
    fn reads_cells() {
        let t = parse("period,band,value,note\n2017-03-31,16+,<10,small\n2017-03-31,all,N/A,\n")
            .unwrap();
        assert_eq!(t.records[0].band.unwrap().label(), "16-17");
        assert_eq!(t.records[0].line, 8);
        assert_eq!(t.records[1].cell, Cell::NotApplicable);
    }
}
