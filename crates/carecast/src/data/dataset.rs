//! Datasets: the tables a council published, with the checks declared across them.
//!
//! A dataset is built by [`Dataset::new`] (or loaded by [`Dataset::bundled`] and
//! [`Dataset::from_dir`], see [`crate::sources`]); deserialising one runs the same checks,
//! so every `Dataset` value has unique table ids and checks that name its tables.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::{CheckSpec, Error, Location, Result, Table};

/// A set of published tables with their checks.
///
/// ```
/// use carecast::Dataset;
/// let d = Dataset::bundled("derbyshire").unwrap();
/// assert_eq!(d.name, "derbyshire");
/// // Checked again after a round trip through serde.
/// let mut json = serde_json::to_value(&d).unwrap();
/// let back: Dataset = serde_json::from_value(json.clone()).unwrap();
/// assert_eq!(back.tables, d.tables);
/// // A table id used twice is refused, as at load.
/// let first = json["tables"][0].clone();
/// json["tables"].as_array_mut().unwrap().push(first);
/// let e = serde_json::from_value::<Dataset>(json).unwrap_err();
/// assert!(e.to_string().contains("also used by"));
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "DatasetFields")]
pub struct Dataset {
    /// Short name (`derbyshire`).
    pub name: String,
    /// Title (the council).
    pub title: String,
    /// What the dataset holds.
    pub description: String,
    /// Where it was loaded from (`bundled` or a folder).
    pub origin: String,
    /// The tables, sorted by id.
    pub tables: Vec<Table>,
    /// Checks across tables (totals declared in tables are added by reconciliation).
    pub checks: Vec<CheckSpec>,
}

/// A dataset as written by serde, before its checks.
#[derive(Deserialize)]
struct DatasetFields {
    name: String,
    title: String,
    description: String,
    origin: String,
    tables: Vec<Table>,
    checks: Vec<CheckSpec>,
}

impl TryFrom<DatasetFields> for Dataset {
    type Error = Error;
    fn try_from(f: DatasetFields) -> Result<Dataset> {
        Dataset::new(
            DatasetHeader {
                name: f.name,
                title: f.title,
                description: f.description,
                origin: f.origin,
            },
            f.tables,
            f.checks,
        )
    }
}

/// The names a dataset goes by.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct DatasetHeader {
    /// Short name (`derbyshire`).
    pub name: String,
    /// Title (the council).
    pub title: String,
    /// What the dataset holds.
    pub description: String,
    /// Where it was loaded from (`bundled` or a folder).
    pub origin: String,
}

impl DatasetHeader {
    /// A header with a name, used as the title too, and an origin.
    ///
    /// ```
    /// let h = carecast::data::dataset::DatasetHeader::new("mine", "test");
    /// assert_eq!((h.title.as_str(), h.origin.as_str()), ("mine", "test"));
    /// ```
    pub fn new(name: &str, origin: &str) -> Self {
        DatasetHeader {
            name: name.to_string(),
            title: name.to_string(),
            description: String::new(),
            origin: origin.to_string(),
        }
    }
}

impl Dataset {
    /// A dataset from its tables and checks: the tables are sorted by id, and ids must be
    /// unique and every check must name tables of the dataset.
    ///
    /// # Errors
    ///
    /// [`Error::Data`] naming the file of a table whose id another table uses, or of a
    /// check that names a missing table or has a bad factor.
    ///
    /// ```
    /// use carecast::{Dataset, Table};
    /// use carecast::data::dataset::DatasetHeader;
    /// let t = Table::parse("a.csv", "# id: a\n# title: A\n# source: s\n# source_table: 1\n# measure: stock\n# unit: children\nvalue\n3\n").unwrap();
    /// let d = Dataset::new(DatasetHeader::new("mine", "test"), vec![t.clone()], vec![]).unwrap();
    /// assert_eq!(d.table("a").unwrap().records.len(), 1);
    /// assert!(Dataset::new(DatasetHeader::new("mine", "test"), vec![t.clone(), t], vec![]).is_err());
    /// ```
    pub fn new(
        header: DatasetHeader,
        mut tables: Vec<Table>,
        checks: Vec<CheckSpec>,
    ) -> Result<Dataset> {
        tables.sort_by(|a, b| a.meta.id.cmp(&b.meta.id));
        for w in tables.windows(2) {
            if w[0].meta.id == w[1].meta.id {
                return Err(Error::data(
                    Location::file(&w[1].meta.file),
                    format!(
                        "table id {:?} also used by {}",
                        w[1].meta.id, w[0].meta.file
                    ),
                ));
            }
        }
        let ids: BTreeSet<&str> = tables.iter().map(|t| t.meta.id.as_str()).collect();
        for c in &checks {
            c.validate(&ids)?;
        }
        Ok(Dataset {
            name: header.name,
            title: header.title,
            description: header.description,
            origin: header.origin,
            tables,
            checks,
        })
    }

    /// A table by id, with a "did you mean" on a miss.
    ///
    /// # Errors
    ///
    /// [`Error::UnknownName`] when no table has that id, with the nearest ids.
    ///
    /// ```
    /// let d = carecast::Dataset::bundled("derbyshire").unwrap();
    /// assert_eq!(d.table("cic_by_age").unwrap().meta.id, "cic_by_age");
    /// assert!(d.table("cic_by_ag").unwrap_err().to_string().contains("cic_by_age"));
    /// ```
    pub fn table(&self, id: &str) -> Result<&Table> {
        self.tables.iter().find(|t| t.meta.id == id).ok_or_else(|| {
            Error::unknown("table", id, self.tables.iter().map(|t| t.meta.id.as_str()))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CSV: &str = "# id: a\n# title: A\n# source: s\n# source_table: 1\n# measure: stock\n# unit: children\nvalue\n3\n";

    #[test]
    fn a_deserialised_dataset_is_checked_like_a_loaded_one() {
        let d = Dataset::from_files("x", "test", vec![("a.csv".into(), CSV.into())]).unwrap();
        let mut json = serde_json::to_value(&d).unwrap();
        let back: Dataset = serde_json::from_value(json.clone()).unwrap();
        assert_eq!(back, d);
        json["checks"] = serde_json::json!([{"kind": "stock_identity", "table": "gone"}]);
        let e = serde_json::from_value::<Dataset>(json)
            .unwrap_err()
            .to_string();
        assert!(e.contains("gone"), "{e}");
    }
}
