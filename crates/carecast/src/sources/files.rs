//! A dataset read from table files (`*.csv`) and metadata (`*.toml`), in a folder or
//! given as `(file name, contents)` pairs.

use std::path::Path;

use serde::Deserialize;

use crate::data::dataset::DatasetHeader;
use crate::{CheckSpec, Dataset, Error, Location, Result, Table};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct MetaFile {
    dataset: Option<HeaderSection>,
    #[serde(default)]
    check: Vec<CheckSpec>,
}

/// The `[dataset]` section of a metadata file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct HeaderSection {
    name: String,
    title: String,
    #[serde(default)]
    description: String,
}

impl Dataset {
    /// Reads a dataset from a folder of table files (`*.csv`) and metadata (`*.toml`).
    ///
    /// # Errors
    ///
    /// [`Error::Io`] naming the folder or file that cannot be read; otherwise the errors
    /// of [`Dataset::from_files`].
    ///
    /// ```
    /// let e = carecast::Dataset::from_dir("/no/such/folder").unwrap_err();
    /// assert!(e.to_string().contains("/no/such/folder"));
    /// ```
    pub fn from_dir(path: impl AsRef<Path>) -> Result<Dataset> {
        let path = path.as_ref();
        let io = |e: std::io::Error| Error::Io {
            path: path.display().to_string(),
            message: e.to_string(),
        };
        let mut paths = Vec::new();
        for entry in std::fs::read_dir(path).map_err(io)? {
            let p = entry.map_err(io)?.path();
            if matches!(p.extension().and_then(|x| x.to_str()), Some("csv" | "toml")) {
                paths.push(p);
            }
        }
        paths.sort();
        // Each file is parsed as soon as it is read and its text dropped, so a folder costs
        // its tables and one file's text at a time, not every file's text as well.
        let mut files = Files::default();
        for p in &paths {
            let text = read_text_file(p)?;
            files.add(&p.display().to_string(), &text)?;
        }
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "dataset".into());
        files.finish(&name, &path.display().to_string())
    }

    /// Builds a dataset from `(file name, contents)` pairs. `name` is used when no
    /// `[dataset]` section names it.
    ///
    /// # Errors
    ///
    /// [`Error::Data`] located at the file (and line) of a table that does not parse, a
    /// metadata file that is not valid TOML, a second `[dataset]` section, a table id used
    /// twice, or a check naming a missing table.
    ///
    /// ```
    /// use carecast::Dataset;
    /// let csv = "# id: a\n# title: A\n# source: s\n# source_table: 1\n# measure: stock\n# unit: children\nvalue\n3\n";
    /// let d = Dataset::from_files("mine", "test", vec![("a.csv".into(), csv.into())]).unwrap();
    /// assert_eq!((d.name.as_str(), d.tables.len()), ("mine", 1));
    /// let bad = vec![("a.csv".into(), csv.into()), ("m.toml".into(), "[[check]]\nkind = \"stock_identity\"\ntable = \"b\"\n".into())];
    /// assert!(Dataset::from_files("mine", "test", bad).unwrap_err().to_string().contains("m.toml"));
    /// ```
    pub fn from_files(name: &str, origin: &str, files: Vec<(String, String)>) -> Result<Dataset> {
        let mut b = Files::default();
        for (file, text) in files {
            b.add(&file, &text)?;
        }
        b.finish(name, origin)
    }
}

/// A dataset being read file by file: its tables, checks and `[dataset]` section so far.
#[derive(Default)]
struct Files {
    tables: Vec<Table>,
    checks: Vec<CheckSpec>,
    header: Option<(HeaderSection, String)>,
}

impl Files {
    /// Reads one file: a table (`*.csv`) or metadata (`*.toml`); other names are ignored.
    fn add(&mut self, file: &str, text: &str) -> Result<()> {
        if file.ends_with(".csv") {
            self.tables.push(Table::parse(file, text)?);
        } else if file.ends_with(".toml") {
            let meta: MetaFile = toml::from_str(text)
                .map_err(|e| Error::data(Location::file(file), toml_message(&e, text)))?;
            if let Some(h) = meta.dataset {
                if let Some((_, other)) = &self.header {
                    return Err(Error::data(
                        Location::file(file),
                        format!("a second [dataset] section (the first is in {other})"),
                    ));
                }
                self.header = Some((h, file.to_string()));
            }
            self.checks
                .extend(meta.check.into_iter().map(|c| c.with_file(file)));
        }
        Ok(())
    }

    /// The dataset, named `name` unless a `[dataset]` section names it.
    fn finish(self, name: &str, origin: &str) -> Result<Dataset> {
        let mut head = DatasetHeader::new(name, origin);
        if let Some((h, _)) = self.header {
            head.name = h.name;
            head.title = h.title;
            head.description = h.description;
        }
        Dataset::new(head, self.tables, self.checks)
    }
}

fn toml_message(e: &toml::de::Error, text: &str) -> String {
    match e.span() {
        Some(span) => {
            let line = text
                .get(..span.start.min(text.len()))
                .unwrap_or(text)
                .matches('\n')
                .count()
                + 1;
            format!("line {line}: {}", e.message())
        }
        None => e.message().to_string(),
    }
}

/// The largest file carecast reads as a table, scenario or metadata file: 64 MiB. A
/// council's published tables are kilobytes; the limit keeps a wrong file (a database
/// dump, a link to `/dev/zero`) from exhausting memory.
pub const MAX_FILE_BYTES: u64 = 64 * 1024 * 1024;

/// Reads a text file for a dataset: it must be a regular file (not a FIFO, socket or
/// device, which could block for ever or never end), at most [`MAX_FILE_BYTES`] long, and
/// UTF-8 (a Windows-1252 export from Excel is refused with the offset of the first byte
/// that is not UTF-8).
///
/// # Errors
///
/// [`Error::Io`] naming the path for a file that cannot be opened, is not a regular file,
/// is larger than [`MAX_FILE_BYTES`], or is not UTF-8.
///
/// ```
/// let e = carecast::sources::read_text_file("/dev/zero").unwrap_err();
/// assert!(e.to_string().contains("not a regular file"), "{e}");
/// ```
pub fn read_text_file(path: impl AsRef<Path>) -> Result<String> {
    use std::io::Read;
    let path = path.as_ref();
    let err = |message: String| Error::Io {
        path: path.display().to_string(),
        message,
    };
    // `metadata` follows links, so a `*.csv` link to a device is caught here.
    let meta = std::fs::metadata(path).map_err(|e| err(e.to_string()))?;
    if !meta.is_file() {
        return Err(err(
            "not a regular file (a folder, FIFO, socket or device is not read)".into(),
        ));
    }
    if meta.len() > MAX_FILE_BYTES {
        return Err(err(format!(
            "{} bytes is over the limit of {MAX_FILE_BYTES} bytes (MAX_FILE_BYTES) for a file carecast reads",
            meta.len()
        )));
    }
    let f = std::fs::File::open(path).map_err(|e| err(e.to_string()))?;
    let mut bytes = Vec::new();
    // Read at most one byte past the limit, in case the file grew since `metadata`.
    f.take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| err(e.to_string()))?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(err(format!(
            "over the limit of {MAX_FILE_BYTES} bytes (MAX_FILE_BYTES) for a file carecast reads"
        )));
    }
    String::from_utf8(bytes).map_err(|e| {
        let at = e.utf8_error().valid_up_to();
        err(format!(
            "not UTF-8 text: byte {at} is not UTF-8 (save the file as \"CSV UTF-8\"; a Windows-1252 export is not read)"
        ))
    })
}
