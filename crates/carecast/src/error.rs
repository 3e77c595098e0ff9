//! The one error type of the core crate.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Where in the input a problem was found: file, table, line and column as far as known.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Location {
    /// File name (for bundled data, `dataset/file.csv`).
    pub file: String,
    /// Table id, when the problem is inside a table.
    pub table: Option<String>,
    /// 1-based line number in the file.
    pub line: Option<usize>,
    /// Column name.
    pub column: Option<String>,
}

impl Location {
    /// A location naming only a file.
    pub fn file(file: impl Into<String>) -> Self {
        Self {
            file: file.into(),
            ..Self::default()
        }
    }

    /// The same location at a given line.
    pub fn at_line(&self, line: usize) -> Self {
        Self {
            line: Some(line),
            ..self.clone()
        }
    }

    /// The same location at a given column.
    pub fn at_column(&self, column: impl Into<String>) -> Self {
        Self {
            column: Some(column.into()),
            ..self.clone()
        }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(t) = &self.table {
            write!(f, " (table `{t}`)")?;
        }
        if let Some(l) = self.line {
            write!(f, ", line {l}")?;
        }
        if let Some(c) = &self.column {
            write!(f, ", column `{c}`")?;
        }
        Ok(())
    }
}

/// Everything that can go wrong in carecast.
///
/// Every variant says what was wrong and where; none is ever a panic.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A data file (table or dataset metadata) is malformed.
    #[error("{location}: {message}")]
    Data {
        /// Where the problem is.
        location: Location,
        /// What is wrong.
        message: String,
    },
    /// A name (dataset, table, measure, band, placement type...) is not known.
    #[error("unknown {kind} {name:?}{}", suggestion_text(.suggestion))]
    UnknownName {
        /// What kind of name ("dataset", "table", "measure", ...).
        kind: String,
        /// The name given.
        name: String,
        /// The closest known name, if any is close.
        suggestion: Option<String>,
    },
    /// An argument to a function is out of range or inconsistent.
    #[error("invalid argument `{argument}` = {value}: {message}")]
    InvalidArgument {
        /// The argument's name.
        argument: String,
        /// The value given, as text.
        value: String,
        /// Why it is invalid.
        message: String,
    },
    /// A band scheme does not cover the ages without gaps or overlaps.
    #[error("band scheme {scheme:?}: {message}")]
    BandScheme {
        /// Scheme name.
        scheme: String,
        /// What is wrong.
        message: String,
    },
    /// A figures file (for `verify`) is malformed or names something unknown.
    #[error("{file}, figure {index}{}: {message}", name_text(.name))]
    Figure {
        /// The figures file.
        file: String,
        /// 1-based position of the figure in the file.
        index: usize,
        /// The figure's name, if it has one.
        name: Option<String>,
        /// What is wrong.
        message: String,
    },
    /// The model cannot be fitted or projected with these data.
    #[error("model: {message}")]
    Model {
        /// What is wrong.
        message: String,
    },
    /// A scenario file or lever is invalid.
    #[error("scenario {file}: {message}")]
    Scenario {
        /// The file or scenario name.
        file: String,
        /// What is wrong (naming the lever or key).
        message: String,
    },
    /// A file could not be read.
    #[error("cannot read {path}: {message}")]
    Io {
        /// The path.
        path: String,
        /// The operating system's message.
        message: String,
    },
}

fn suggestion_text(s: &Option<String>) -> String {
    match s {
        Some(s) => format!(" (did you mean {s:?}?)"),
        None => String::new(),
    }
}

fn name_text(s: &Option<String>) -> String {
    match s {
        Some(s) => format!(" ({s})"),
        None => String::new(),
    }
}

/// The result type of carecast.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// A data error at a location.
    pub fn data(location: Location, message: impl Into<String>) -> Self {
        Error::Data {
            location,
            message: message.into(),
        }
    }

    /// An invalid-argument error.
    pub fn argument(
        argument: impl Into<String>,
        value: impl fmt::Display,
        message: impl Into<String>,
    ) -> Self {
        Error::InvalidArgument {
            argument: argument.into(),
            value: value.to_string(),
            message: message.into(),
        }
    }

    /// An unknown-name error with a "did you mean" taken from `known`.
    pub fn unknown<'a>(
        kind: impl Into<String>,
        name: &str,
        known: impl IntoIterator<Item = &'a str>,
    ) -> Self {
        Error::UnknownName {
            kind: kind.into(),
            name: name.to_string(),
            suggestion: closest(name, known),
        }
    }

    /// A model error.
    pub fn model(message: impl Into<String>) -> Self {
        Error::Model {
            message: message.into(),
        }
    }

    /// A short machine-readable name of the error's kind.
    pub fn kind(&self) -> &'static str {
        match self {
            Error::Data { .. } => "data",
            Error::UnknownName { .. } => "unknown_name",
            Error::InvalidArgument { .. } => "invalid_argument",
            Error::BandScheme { .. } => "band_scheme",
            Error::Figure { .. } => "figure",
            Error::Model { .. } => "model",
            Error::Scenario { .. } => "scenario",
            Error::Io { .. } => "io",
        }
    }
}

/// The known name closest to `name` by edit distance, if it is reasonably close.
pub fn closest<'a>(name: &str, known: impl IntoIterator<Item = &'a str>) -> Option<String> {
    let lower = name.to_lowercase();
    known
        .into_iter()
        .map(|k| (levenshtein(&lower, &k.to_lowercase()), k))
        .filter(|(d, k)| *d <= (k.len().max(lower.len()) / 3).max(2))
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k.to_string())
}

fn levenshtein(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_close_names() {
        assert_eq!(
            closest("derbyshir", ["derbyshire", "derby", "d2n2"]),
            Some("derbyshire".into())
        );
        assert_eq!(closest("zzzzzz", ["derbyshire", "derby"]), None);
        let e = Error::unknown("dataset", "dreby", ["derbyshire", "derby", "d2n2"]);
        assert_eq!(
            e.to_string(),
            "unknown dataset \"dreby\" (did you mean \"derby\"?)"
        );
    }

    #[test]
    fn location_display() {
        let l = Location::file("a.csv").at_line(3).at_column("band");
        assert_eq!(l.to_string(), "a.csv, line 3, column `band`");
    }
}
