//! Areas of the DfE panel: every council, region and England with its codes, and the
//! council reorganisations (`boundary_changes.csv`). Both files are bundled from the
//! panel that accompanies the raw files (Open Government Licence v3.0).

use std::collections::HashMap;
use std::sync::OnceLock;

use super::read::Level;
use crate::{Error, Location, Result};

/// The bundled area lookup: every code as printed and the canonical code it maps to.
pub const AREA_LOOKUP_CSV: &str = include_str!("../../dfe/area_lookup.csv");
/// The bundled council reorganisations and how the panel treats them.
pub const BOUNDARY_CHANGES_CSV: &str = include_str!("../../dfe/boundary_changes.csv");
/// The bundled region of each council (`area_code,region_code,region_name`), built from
/// the EES files by `scripts/build_dfe_panel.sh`.
pub const REGIONS_CSV: &str = include_str!("../../dfe/regions.csv");

/// One area of the panel (canonical code).
#[derive(Debug, Clone, PartialEq)]
pub struct Area {
    /// Geographic level.
    pub level: Level,
    /// Canonical ONS code (`E10000024`; England `E92000001`).
    pub code: String,
    /// DfE three-digit number (`891`; empty for England and regions).
    pub old_la_code: String,
    /// Name (latest DfE spelling).
    pub name: String,
    /// Codes and names the files print for it.
    pub published: Vec<(String, String)>,
    /// First year with data.
    pub first_year: i32,
    /// Last year with data.
    pub last_year: i32,
    /// The region's name (councils only; empty for England and regions).
    pub region: String,
}

/// One reorganisation or re-coding (a row of `boundary_changes.csv`).
#[derive(Debug, Clone, PartialEq)]
pub struct BoundaryChange {
    /// Date it took effect (`2021-04-01`).
    pub effective_date: String,
    /// What changed.
    pub change: String,
    /// The council before.
    pub predecessor_code: String,
    /// Its name.
    pub predecessor_name: String,
    /// The council after.
    pub successor_code: String,
    /// Its name.
    pub successor_name: String,
    /// How the panel treats the change.
    pub treatment: String,
}

/// The areas and boundary changes.
#[derive(Debug, Clone)]
pub struct Areas {
    /// Every area, in lookup order (England, regions and councils).
    pub areas: Vec<Area>,
    /// Reorganisations and re-codings.
    pub changes: Vec<BoundaryChange>,
    by_code: HashMap<String, usize>,
}

fn records(file: &str, text: &str) -> Result<(Vec<String>, Vec<csv::StringRecord>)> {
    let mut rdr = csv::Reader::from_reader(text.as_bytes());
    let header = rdr
        .headers()
        .map_err(|e| Error::data(Location::file(file), e.to_string()))?
        .iter()
        .map(String::from)
        .collect();
    let recs = rdr
        .records()
        .collect::<std::result::Result<Vec<_>, _>>()
        .map_err(|e| Error::data(Location::file(file), e.to_string()))?;
    Ok((header, recs))
}

impl Areas {
    /// The bundled areas (parsed once).
    ///
    /// ```
    /// let a = carecast::dfe::Areas::bundled();
    /// assert_eq!(a.find("891").unwrap().name, "Nottinghamshire");
    /// assert_eq!(a.find("e10000024").unwrap().old_la_code, "891");
    /// assert!(a.find("Nottinghamshre").unwrap_err().to_string().contains("did you mean"));
    /// ```
    ///
    /// If the compiled-in lookup were malformed (a build error, caught by the crate's
    /// tests) this is an empty set of areas; [`Areas::try_bundled`] gives the error, and
    /// every dataset and panel entry point goes through it.
    pub fn bundled() -> &'static Areas {
        static EMPTY: OnceLock<Areas> = OnceLock::new();
        match Self::try_bundled() {
            Ok(a) => a,
            Err(_) => EMPTY.get_or_init(|| Areas {
                areas: Vec::new(),
                changes: Vec::new(),
                by_code: HashMap::new(),
            }),
        }
    }

    /// The bundled areas (parsed once), or the error naming the bundled file at fault.
    ///
    /// # Errors
    /// [`crate::Error::Data`] if the compiled-in lookup is malformed.
    pub fn try_bundled() -> Result<&'static Areas> {
        static A: OnceLock<Result<Areas>> = OnceLock::new();
        let parsed = A.get_or_init(|| {
            let mut a = Areas::parse(AREA_LOOKUP_CSV, BOUNDARY_CHANGES_CSV)?;
            for line in REGIONS_CSV.lines().skip(1) {
                let f: Vec<&str> = line.split(',').collect();
                if let (Some(i), Some(name)) = (f.first().and_then(|c| a.index_of(c)), f.get(2)) {
                    a.areas[i].region = name.to_string();
                }
            }
            Ok(a)
        });
        match parsed {
            Ok(a) => Ok(a),
            Err(e) => Err(e.clone()),
        }
    }

    /// Parses `area_lookup.csv` and `boundary_changes.csv`.
    ///
    /// # Errors
    /// [`Error::Data`] if a column is missing or a level or year is not understood.
    pub fn parse(lookup: &str, changes: &str) -> Result<Areas> {
        let (h, recs) = records("area_lookup.csv", lookup)?;
        let ix = |c: &str| {
            h.iter().position(|x| x == c).ok_or_else(|| {
                Error::data(
                    Location::file("area_lookup.csv").at_column(c),
                    "missing column",
                )
            })
        };
        let (lv, code, old, name, pc, pn, fy, ly) = (
            ix("geographic_level")?,
            ix("area_code")?,
            ix("old_la_code")?,
            ix("area_name")?,
            ix("published_code")?,
            ix("published_name")?,
            ix("first_year")?,
            ix("last_year")?,
        );
        let mut areas: Vec<Area> = Vec::new();
        let mut by_code = HashMap::new();
        for (i, r) in recs.iter().enumerate() {
            let g = |k: usize| r.get(k).unwrap_or("").to_string();
            let at = || Location::file("area_lookup.csv").at_line(i + 2);
            let year = |k: usize| {
                g(k).parse::<i32>()
                    .map_err(|_| Error::data(at(), format!("year {:?}", g(k))))
            };
            let idx = match by_code.get(&g(code)) {
                Some(&j) => j,
                None => {
                    areas.push(Area {
                        level: Level::parse(&g(lv))
                            .map_err(|e| Error::data(at(), e.to_string()))?,
                        code: g(code),
                        old_la_code: g(old),
                        name: g(name),
                        published: Vec::new(),
                        first_year: year(fy)?,
                        last_year: year(ly)?,
                        region: String::new(),
                    });
                    by_code.insert(g(code), areas.len() - 1);
                    areas.len() - 1
                }
            };
            let a = &mut areas[idx];
            a.first_year = a.first_year.min(year(fy)?);
            a.last_year = a.last_year.max(year(ly)?);
            a.published.push((g(pc), g(pn)));
        }
        // Printed codes resolve to their canonical area too.
        for (i, a) in areas.iter().enumerate() {
            for (c, _) in &a.published {
                by_code.entry(c.clone()).or_insert(i);
            }
        }
        let (h, recs) = records("boundary_changes.csv", changes)?;
        let ix = |c: &str| h.iter().position(|x| x == c).unwrap_or(usize::MAX);
        let changes = recs
            .iter()
            .map(|r| {
                let g = |c: &str| r.get(ix(c)).unwrap_or("").to_string();
                BoundaryChange {
                    effective_date: g("effective_date"),
                    change: g("change"),
                    predecessor_code: g("predecessor_code"),
                    predecessor_name: g("predecessor_name"),
                    successor_code: g("successor_code"),
                    successor_name: g("successor_name"),
                    treatment: g("panel_treatment"),
                }
            })
            .collect();
        Ok(Areas {
            areas,
            changes,
            by_code,
        })
    }

    /// The index of the area a file's printed code (or, where none is printed, name)
    /// stands for.
    /// Regions are matched by name first: the SFR files print London's code on the Inner
    /// and Outer London rows.
    pub fn resolve(&self, level: Level, code: &str, name: &str) -> Option<usize> {
        let n = name.to_lowercase();
        if level == Level::Regional
            && let Some(i) = self
                .areas
                .iter()
                .position(|a| a.level == level && a.name.to_lowercase() == n)
        {
            return Some(i);
        }
        if !code.is_empty() {
            return self.by_code.get(code).copied();
        }
        self.areas.iter().position(|a| {
            a.level == level
                && (a.name.to_lowercase() == n
                    || a.published.iter().any(|(_, p)| p.to_lowercase() == n))
        })
    }

    /// An area by index.
    pub fn get(&self, i: usize) -> &Area {
        &self.areas[i]
    }

    /// The index of an area by canonical code.
    pub fn index_of(&self, code: &str) -> Option<usize> {
        self.by_code.get(code).copied()
    }

    /// Finds an area by name, ONS code (canonical or as printed) or DfE number,
    /// case-insensitively.
    ///
    /// # Errors
    /// [`Error::UnknownName`] with the closest council name.
    pub fn find(&self, query: &str) -> Result<&Area> {
        let q = query.trim().to_lowercase();
        let hit = self.areas.iter().find(|a| {
            a.name.to_lowercase() == q
                || a.code.to_lowercase() == q
                || (!a.old_la_code.is_empty() && a.old_la_code == q)
                || a.published
                    .iter()
                    .any(|(c, n)| c.to_lowercase() == q || n.to_lowercase() == q)
        });
        hit.ok_or_else(|| {
            Error::unknown(
                "council or region",
                query,
                self.areas.iter().map(|a| a.name.as_str()),
            )
        })
    }

    /// Reorganisations that involve a council (as predecessor or successor).
    pub fn changes_of(&self, code: &str) -> Vec<&BoundaryChange> {
        self.changes
            .iter()
            .filter(|c| c.predecessor_code == code || c.successor_code == code)
            .collect()
    }
}
