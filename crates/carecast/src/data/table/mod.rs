//! Published tables: the file format of `data/FORMAT.md`, parsed and validated.

use serde::{Deserialize, Serialize};

use crate::age::Band;
use crate::cell::{Cell, Unit};
use crate::error::{Error, Location, Result};
use crate::period::Period;
use crate::placement::PlacementType;

mod body;
mod header;
mod text;

pub use text::Text;

use body::parse_body;
use header::split_header;

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

/// The most rows a table may have: 4,000,000. A record takes about 150 bytes in memory, so
/// a table at the limit holds about 600 MB beside its text; a council's tables have
/// hundreds of rows and the DfE's national panel some hundred thousand. The limit keeps a
/// file of very short rows (a 64 MiB file of `1` lines would be 33 million records) from
/// exhausting memory.
pub const MAX_TABLE_ROWS: usize = 4_000_000;

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
