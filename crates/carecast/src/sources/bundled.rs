//! The datasets embedded in the crate at compile time (`crates/carecast/data/<name>/`).

use std::sync::OnceLock;

use crate::{Dataset, Error, Result};

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/bundled.rs"));
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
        embedded::BUNDLED.iter().map(|(n, _)| *n).collect()
    }

    /// A bundled dataset by name, `dfe:<council>` for a council, region or England from the DfE
    /// panel ([`crate::dfe::dataset`]), or `903:PATH` for the tables derived from SSDA903 returns
    /// under `PATH` ([`crate::ssda903::load`]).
    ///
    /// # Errors
    ///
    /// [`Error::UnknownName`] with the nearest names when no bundled dataset has the name;
    /// the error of [`Dataset::from_files`] if a bundled file does not read; the errors of
    /// [`crate::ssda903::load`] for a `903:` name.
    ///
    /// ```
    /// let d = carecast::Dataset::bundled("derbyshire").unwrap();
    /// assert!(d.table("cic_by_age").is_ok());
    /// assert_eq!(d.origin, "bundled");
    /// assert!(carecast::Dataset::bundled("derbyshir").unwrap_err().to_string().contains("did you mean"));
    /// ```
    pub fn bundled(name: &str) -> Result<Dataset> {
        // `dfe:<council>`: a council, region or England from the bundled DfE panel.
        if let Some(area) = name.get(..4).filter(|p| p.eq_ignore_ascii_case("dfe:")) {
            return crate::dfe::dataset(&name[area.len()..]);
        }
        // `903:PATH`: tables derived from a council's SSDA903 returns (see `crate::ssda903`).
        if let Some(path) = name.strip_prefix("903:") {
            return crate::ssda903::load(&[path]).map(|r| r.dataset);
        }
        let cache = CACHE.get_or_init(|| {
            embedded::BUNDLED
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
        match embedded::BUNDLED.iter().position(|(n, _)| *n == name) {
            Some(i) => cache
                .get(i)
                .cloned()
                .unwrap_or_else(|| Err(Error::unknown("dataset", name, Self::names()))),
            None => Err(Error::unknown("dataset", name, Self::names())),
        }
    }
}
