//! The second step of reading a table file: the CSV body, row by row, into [`Record`]s,
//! with the row limit and the check that no cell is given twice with different values.

use super::header::is_snake;
use super::{Record, TableMeta, Text};
use crate::age::Band;
use crate::cell::{Cell, Unit};
use crate::error::{Error, Location, Result};
use crate::period::Period;
use crate::placement::PlacementType;

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

pub(super) fn parse_body(
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
