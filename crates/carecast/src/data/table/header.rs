//! The first step of reading a table file: its `# key: value` header lines, split from the
//! CSV body and checked into the table's [`TableMeta`].

use super::{Key, TableMeta, TotalSpec};
use crate::age::Band;
use crate::cell::Unit;
use crate::error::{Error, Location, Result};

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

pub(super) fn is_snake(s: &str) -> bool {
    !s.is_empty()
        && s.starts_with(|c: char| c.is_ascii_lowercase())
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// The `# key: value` lines of a table file, with their line numbers.
pub(super) struct Header {
    lines: Vec<(String, String, usize)>,
    loc: Location,
}

/// Splits a table file into its header lines and the byte offset and line index where the
/// CSV body starts.
pub(super) fn split_header(loc: &Location, text: &str) -> Result<(Header, usize, usize)> {
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
    pub(super) fn meta(&self, file: &str) -> Result<(TableMeta, Location)> {
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
