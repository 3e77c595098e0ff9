//! Datasets: the tables a council published, bundled or read from a folder.

use std::collections::BTreeSet;
use std::path::Path;
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Location, Result};
use crate::reconcile::{CheckSpec, Reconciliation};
use crate::table::Table;

mod bundled {
    include!(concat!(env!("OUT_DIR"), "/bundled.rs"));
}

/// A set of published tables with their checks.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct MetaFile {
    dataset: Option<DatasetHeader>,
    #[serde(default)]
    check: Vec<CheckSpec>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DatasetHeader {
    name: String,
    title: String,
    #[serde(default)]
    description: String,
}

static CACHE: OnceLock<Vec<Result<Dataset>>> = OnceLock::new();

impl Dataset {
    /// Names of the bundled datasets.
    ///
    /// ```
    /// let names = carecast::Dataset::names();
    /// assert!(names.contains(&"derbyshire"));
    /// ```
    pub fn names() -> Vec<&'static str> {
        bundled::BUNDLED.iter().map(|(n, _)| *n).collect()
    }

    /// A bundled dataset by name.
    ///
    /// ```
    /// let d = carecast::Dataset::bundled("derbyshire").unwrap();
    /// assert!(d.table("cic_by_age").is_ok());
    /// assert!(carecast::Dataset::bundled("derbyshir").unwrap_err().to_string().contains("did you mean"));
    /// ```
    pub fn bundled(name: &str) -> Result<Dataset> {
        if let Some(area) = name.get(..4).filter(|p| p.eq_ignore_ascii_case("dfe:")) {
            return crate::dfe::dataset(&name[area.len()..]);
        }
        let cache = CACHE.get_or_init(|| {
            bundled::BUNDLED
                .iter()
                .map(|(n, files)| {
                    let files = files
                        .iter()
                        .map(|(f, t)| (format!("{n}/{f}"), (*t).to_string()))
                        .collect();
                    Dataset::from_files(n, "bundled", files)
                })
                .collect()
        });
        match bundled::BUNDLED.iter().position(|(n, _)| *n == name) {
            Some(i) => cache[i].clone(),
            None => Err(Error::unknown("dataset", name, Self::names())),
        }
    }

    /// Reads a dataset from a folder of table files (`*.csv`) and metadata (`*.toml`).
    pub fn from_dir(path: impl AsRef<Path>) -> Result<Dataset> {
        let path = path.as_ref();
        let io = |e: std::io::Error| Error::Io {
            path: path.display().to_string(),
            message: e.to_string(),
        };
        let mut files = Vec::new();
        for entry in std::fs::read_dir(path).map_err(io)? {
            let p = entry.map_err(io)?.path();
            if matches!(p.extension().and_then(|x| x.to_str()), Some("csv" | "toml")) {
                let text = std::fs::read_to_string(&p).map_err(|e| Error::Io {
                    path: p.display().to_string(),
                    message: e.to_string(),
                })?;
                files.push((p.display().to_string(), text));
            }
        }
        files.sort();
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "dataset".into());
        Self::from_files(&name, &path.display().to_string(), files)
    }

    /// Builds a dataset from `(file name, contents)` pairs. `name` is used when no
    /// `[dataset]` section names it.
    pub fn from_files(name: &str, origin: &str, files: Vec<(String, String)>) -> Result<Dataset> {
        let mut tables = Vec::new();
        let mut checks = Vec::new();
        let mut header: Option<(DatasetHeader, String)> = None;
        for (file, text) in &files {
            if file.ends_with(".csv") {
                tables.push(Table::parse(file, text)?);
            } else if file.ends_with(".toml") {
                let meta: MetaFile = toml::from_str(text)
                    .map_err(|e| Error::data(Location::file(file), toml_message(&e, text)))?;
                if let Some(h) = meta.dataset {
                    if let Some((_, other)) = &header {
                        return Err(Error::data(
                            Location::file(file),
                            format!("a second [dataset] section (the first is in {other})"),
                        ));
                    }
                    header = Some((h, file.clone()));
                }
                checks.extend(meta.check.into_iter().map(|c| c.with_file(file)));
            }
        }
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
        let (name, title, description) = match header {
            Some((h, _)) => (h.name, h.title, h.description),
            None => (name.to_string(), name.to_string(), String::new()),
        };
        let ds = Dataset {
            name,
            title,
            description,
            origin: origin.to_string(),
            tables,
            checks,
        };
        let ids: BTreeSet<&str> = ds.tables.iter().map(|t| t.meta.id.as_str()).collect();
        for c in &ds.checks {
            c.validate(&ids)?;
        }
        Ok(ds)
    }

    /// A table by id, with a "did you mean" on a miss.
    pub fn table(&self, id: &str) -> Result<&Table> {
        self.tables.iter().find(|t| t.meta.id == id).ok_or_else(|| {
            Error::unknown("table", id, self.tables.iter().map(|t| t.meta.id.as_str()))
        })
    }

    /// Runs every check the tables allow on themselves.
    pub fn reconcile(&self) -> Reconciliation {
        crate::reconcile::reconcile(self)
    }
}

fn toml_message(e: &toml::de::Error, text: &str) -> String {
    match e.span() {
        Some(span) => {
            let line = text[..span.start.min(text.len())].matches('\n').count() + 1;
            format!("line {line}: {}", e.message())
        }
        None => e.message().to_string(),
    }
}
