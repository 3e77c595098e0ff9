//! The national backtest's source of figures from the bundled DfE panel: every council's
//! tables as published by each origin year (the releases up to it), built by the same
//! [`crate::dfe::council_dataset`] as the `dfe:` datasets a user loads, and the stock as
//! finally published to score against. Each vintage also carries England's and the
//! council's region's stock and admissions rate as known at the origin. It implements [`crate::national::Panel`], so
//! `national::backtest(&DfeVintages::bundled()?, &options)` runs the product's national
//! backtest with nothing outside the crate.
//!
//! ```
//! use carecast::national::Panel as _;
//! let p = carecast::evaluate::national_dfe::DfeVintages::bundled().unwrap();
//! assert_eq!(p.origins(), vec![2014, 2015, 2016, 2017, 2018, 2019, 2022, 2023]);
//! // Derbyshire at 31 March 2014: 628 children in SFR36/2014, revised to 627 later.
//! let v = p.known_at("E10000007", 2014).unwrap().unwrap();
//! let t = v.dataset.table("flows_annual").unwrap();
//! assert!(t.records.iter().any(|r| r.measure == "closing" && r.cell.value() == Some(628.0)));
//! // One year of bands by 2014: the model runs on totals, as `dfe:` datasets do.
//! assert!(v.dataset.table("stock_by_age").is_ok());
//! let o = p.outturn("E10000007", 2014).unwrap();
//! assert!(o.stock.contains(&("all".to_string(), 627.0)));
//! ```

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, OnceLock};

use serde::{Deserialize, Serialize};

use crate::Result;
use crate::dfe::read::Level;
use crate::dfe::{Areas, Panel as DfePanel, council_dataset};
use crate::model::{Admissions, DEFAULT_ADMISSIONS};
use crate::national::{DEFAULT_METHOD, Outturn, Panel, REGIONAL_METHOD, RegionalFit, Vintage};

/// DfE bands of stock and starts, with the labels the backtest uses.
const BANDS: [(&str, &str); 6] = [
    ("under 1", "under 1"),
    ("1-4", "1-4"),
    ("5-9", "5-9"),
    ("10-15", "10-15"),
    ("16+", "16-17"),
    ("total", "all"),
];

/// The first year of the council tables (the panel's first release reports on it).
const FIRST_YEAR: i32 = 2013;

/// The national backtest's figures from a DfE panel: councils are the local authorities
/// with any figure, origins the years a release came out that have a year before them
/// and a later release after them.
#[derive(Debug)]
pub struct DfeVintages<'a> {
    full: &'a DfePanel,
    /// The panel as known at each origin (releases up to it), built once.
    known: BTreeMap<i32, DfePanel>,
    /// Canonical code of every council with figures, sorted; and its name.
    councils: Vec<(String, String)>,
    /// Canonical code of England.
    england: String,
    /// Canonical code of each council's region (councils without one are absent).
    regions: BTreeMap<String, String>,
}

impl DfeVintages<'static> {
    /// The figures of the panel bundled in the crate.
    ///
    /// # Errors
    /// [`crate::Error::Data`] if the bundled panel is corrupt.
    pub fn bundled() -> Result<Self> {
        DfeVintages::new(DfePanel::bundled()?)
    }
}

impl<'a> DfeVintages<'a> {
    /// The figures of a given panel (e.g. the bundled one with a newer release added).
    ///
    /// # Errors
    /// [`crate::Error::Model`] if the panel has no figures for England or for any council,
    /// or fewer than three release years.
    pub fn new(full: &'a DfePanel) -> Result<Self> {
        Self::build(full, true)
    }

    /// The figures of a given panel as published now only ([`DfeVintages::latest_at`]),
    /// without the panel as known at each origin that the backtest needs ([`Panel::known_at`]
    /// then fails for every origin): what the regional default reads, in a fraction of
    /// the memory.
    ///
    /// # Errors
    /// As [`DfeVintages::new`].
    pub fn latest(full: &'a DfePanel) -> Result<Self> {
        Self::build(full, false)
    }

    fn build(full: &'a DfePanel, with_origins: bool) -> Result<Self> {
        let areas = Areas::try_bundled()?;
        let mut with_figures = vec![false; areas.areas.len()];
        for k in full.cells.keys() {
            if let Some(w) = with_figures.get_mut(usize::from(k.area)) {
                *w = true;
            }
        }
        let mut councils: Vec<(String, String)> = areas
            .areas
            .iter()
            .zip(&with_figures)
            .filter(|(a, w)| **w && a.level == Level::LocalAuthority)
            .map(|(a, _)| (a.code.clone(), a.name.clone()))
            .collect();
        councils.sort();
        let england = areas
            .areas
            .iter()
            .zip(&with_figures)
            .find(|(a, w)| **w && a.level == Level::National)
            .map(|(a, _)| a.code.clone())
            .ok_or_else(|| crate::Error::model("the DfE panel has no figures for England"))?;
        if councils.is_empty() {
            return Err(crate::Error::model(
                "the DfE panel has no figures for any council",
            ));
        }
        let mut years: Vec<i32> = full.releases.iter().map(|r| r.year).collect();
        years.sort_unstable();
        years.dedup();
        // A forecast needs a year before the origin, and a later release to score it.
        let origins: Vec<i32> = years
            .iter()
            .copied()
            .filter(|y| *y > FIRST_YEAR && years.iter().any(|l| l > y))
            .collect();
        if origins.is_empty() {
            return Err(crate::Error::model(format!(
                "the DfE panel's releases ({years:?}) leave no origin to forecast from"
            )));
        }
        let known = if with_origins {
            origins.iter().map(|y| (*y, full.as_of(*y))).collect()
        } else {
            BTreeMap::new()
        };
        let regions = councils
            .iter()
            .filter_map(|(code, _)| {
                let a = areas.get(areas.index_of(code)?);
                let r = areas
                    .areas
                    .iter()
                    .find(|r| r.level == Level::Regional && r.name == a.region)?;
                Some((code.clone(), r.code.clone()))
            })
            .collect();
        Ok(DfeVintages {
            full,
            known,
            councils,
            england,
            regions,
        })
    }

    /// Name of a council by canonical code (the code itself if unknown).
    pub fn name<'s>(&'s self, code: &'s str) -> &'s str {
        self.councils
            .iter()
            .find(|(c, _)| c == code)
            .map_or(code, |(_, n)| n.as_str())
    }

    /// A council's vintage at `origin` from the panel `p` (the releases up to the
    /// origin, or every release): its tables built by [`council_dataset`], its population,
    /// and England's and its region's series up to the origin.
    fn vintage_in(&self, p: &DfePanel, c: &str, origin: i32) -> Result<Option<Vintage>> {
        let areas = Areas::try_bundled()?;
        let Some(area) = areas.index_of(c).map(|i| areas.get(i)) else {
            return Err(crate::Error::argument(
                "council",
                c,
                "not an area of the DfE panel",
            ));
        };
        // The product's own builder of a council's tables (`dfe:` datasets), on the
        // panel as published by the origin. A council with no figure yet is `None`.
        let known_any = ["stock", "starts"]
            .iter()
            .any(|m| (FIRST_YEAR..=origin).any(|y| Self::at(p, c, m, "total", y).is_some()));
        if !known_any {
            return Ok(None);
        }
        let dataset = council_dataset(p, area)?;
        let years = FIRST_YEAR..=origin;
        let population = years
            .clone()
            .filter_map(|y| self.population(p, c, y).map(|v| (y, v)))
            .collect();
        let e = self.england.as_str();
        let reference = years
            .filter_map(|y| {
                let s = Self::at(p, e, "starts", "total", y)??;
                let pop = self.population(p, e, y)?;
                Some((y, s / pop * 10_000.0))
            })
            .collect();
        let stock_of = |a: &str| -> Vec<(i32, f64)> {
            (FIRST_YEAR - 1..=origin)
                .filter_map(|y| Self::at(p, a, "stock", "total", y)?.map(|s| (y, s)))
                .collect()
        };
        let reference_stock = stock_of(e);
        let (region_reference, region_stock, region_population) = match self.regions.get(c) {
            Some(r) => (
                (FIRST_YEAR..=origin)
                    .filter_map(|y| {
                        let s = Self::at(p, r, "starts", "total", y)??;
                        let pop = self.population(p, r, y)?;
                        Some((y, s / pop * 10_000.0))
                    })
                    .collect(),
                stock_of(r),
                (FIRST_YEAR..=origin)
                    .filter_map(|y| self.population(p, r, y).map(|v| (y, v)))
                    .collect(),
            ),
            None => (Vec::new(), Vec::new(), Vec::new()),
        };
        Ok(Some(Vintage {
            dataset,
            population,
            reference,
            reference_stock,
            region_reference,
            region_stock,
            region_population,
            last_year: Some(origin),
        }))
    }

    /// A council's figures as published now (every release of the panel), restricted to
    /// the years up to `year`: the vintage a user's projection from base year `year`
    /// starts from (the backtest's [`Panel::known_at`] takes the releases up to an origin).
    ///
    /// # Errors
    /// [`crate::Error::InvalidArgument`] naming the council when it is not an area of the panel.
    pub fn latest_at(&self, c: &str, year: i32) -> Result<Option<Vintage>> {
        self.vintage_in(self.full, c, year)
    }

    /// The panel value known at an origin: `None` absent, `Some(None)` suppressed.
    fn at(
        p: &DfePanel,
        area: &str,
        measure: &str,
        breakdown: &str,
        year: i32,
    ) -> Option<Option<f64>> {
        let v = p.cell(area, measure, breakdown, year)?;
        match v.status {
            crate::dfe::Status::Published | crate::dfe::Status::Derived => Some(v.value),
            crate::dfe::Status::Suppressed => Some(None),
            crate::dfe::Status::NotAvailable => None,
        }
    }

    /// Population as known at the origin; before the releases printed it, the estimate
    /// finally published stands in (ONS estimates come out each summer).
    fn population(&self, p: &DfePanel, area: &str, year: i32) -> Option<f64> {
        Self::at(p, area, "population_0_17", "total", year)
            .flatten()
            .or_else(|| {
                self.full
                    .latest_value(area, "population_0_17", "total", year)
            })
    }
}

/// The default admissions assumption of a projection of a dataset from a base year,
/// with what it is and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct DefaultAdmissions {
    /// The national backtest's name of the method it is:
    /// [`crate::national::REGIONAL_METHOD`] or [`crate::national::DEFAULT_METHOD`].
    pub method: String,
    /// The assumption.
    pub admissions: Admissions,
    /// Why the England-anchored default stands in for the regional one, when it does.
    pub note: Option<String>,
}

/// The default admissions of a projection of `dataset` (its name) from `base_year`,
/// as the national backtest chose them: for a council of the DfE panel (a `dfe:`
/// dataset of a local authority) the regional default
/// ([`crate::national::regional_admissions`] on the bundled panel's figures as published
/// now, up to the base year); for any other dataset, or a council and year where the
/// regional default cannot run (no region, no child population, a base year the
/// bundled panel does not reach), [`DEFAULT_ADMISSIONS`] (anchored to England), with a
/// note saying why for a `dfe:` dataset. Worked out once per council and year.
///
/// ```
/// use carecast::evaluate::national_dfe::default_admissions;
/// use carecast::national::{DEFAULT_METHOD, REGIONAL_METHOD};
/// assert_eq!(default_admissions("derbyshire", 2017).method, DEFAULT_METHOD);
/// let d = default_admissions("dfe:Derbyshire", 2024);
/// assert_eq!((d.method.as_str(), d.note), (REGIONAL_METHOD, None));
/// // England is not a council: anchored to its own growth, and the note says why.
/// let e = default_admissions("dfe:England", 2024);
/// assert_eq!(e.method, DEFAULT_METHOD);
/// assert!(e.note.unwrap().contains("not a council"));
/// ```
pub fn default_admissions(dataset: &str, base_year: i32) -> DefaultAdmissions {
    type Cache = Mutex<BTreeMap<(String, i32), DefaultAdmissions>>;
    static CACHE: OnceLock<Cache> = OnceLock::new();
    let england = |note: Option<String>| DefaultAdmissions {
        method: DEFAULT_METHOD.into(),
        admissions: DEFAULT_ADMISSIONS,
        note,
    };
    let Some(name) = dataset.strip_prefix("dfe:") else {
        return england(None);
    };
    let key = (name.to_string(), base_year);
    let cache = CACHE.get_or_init(|| Mutex::new(BTreeMap::new()));
    if let Some(d) = cache.lock().ok().and_then(|c| c.get(&key).cloned()) {
        return d;
    }
    let d = match regional_for(name, base_year) {
        Ok(a) => DefaultAdmissions {
            method: REGIONAL_METHOD.into(),
            admissions: a,
            note: None,
        },
        Err(why) => england(Some(format!(
            "default admissions anchored to England's growth, not the regional default {REGIONAL_METHOD}: {why}"
        ))),
    };
    if let Ok(mut c) = cache.lock() {
        c.insert(key, d.clone());
    }
    d
}

/// The regional default of the council named `name` in the bundled panel, or why not.
fn regional_for(name: &str, base_year: i32) -> std::result::Result<Admissions, String> {
    static VINTAGES: OnceLock<std::result::Result<DfeVintages<'static>, String>> = OnceLock::new();
    let areas = Areas::try_bundled().map_err(|e| e.to_string())?;
    let area = areas.find(name).map_err(|e| e.to_string())?;
    if area.level != Level::LocalAuthority {
        return Err(format!("{} is not a council", area.name));
    }
    let panel = DfePanel::bundled().map_err(|e| e.to_string())?;
    let last = panel.releases.iter().map(|r| r.year).max().unwrap_or(0);
    if base_year > last {
        return Err(format!(
            "the bundled DfE panel ends at 31 March {last} (files added on top of it, `--dfe-files` or `files=`, are not read for the regional default)"
        ));
    }
    let v = VINTAGES
        .get_or_init(|| DfeVintages::latest(panel).map_err(|e| e.to_string()))
        .as_ref()
        .map_err(Clone::clone)?;
    // The between-council parts of one base year, fitted once for every council.
    type Fits = Mutex<BTreeMap<i32, Arc<RegionalFit>>>;
    static FITS: OnceLock<Fits> = OnceLock::new();
    let fits = FITS.get_or_init(|| Mutex::new(BTreeMap::new()));
    let cached = fits.lock().ok().and_then(|f| f.get(&base_year).cloned());
    let fit = cached.unwrap_or_else(|| {
        let f = Arc::new(RegionalFit::fit(
            &v.councils(),
            &|c: &str| v.latest_at(c, base_year),
            base_year,
        ));
        if let Ok(mut all) = fits.lock() {
            all.insert(base_year, Arc::clone(&f));
        }
        f
    });
    let vintage = v
        .latest_at(&area.code, base_year)
        .map_err(|e| e.to_string())?
        .ok_or_else(|| format!("{}: no figures up to 31 March {base_year}", area.name))?;
    fit.admissions(&area.code, &vintage).map_err(|e| match e {
        crate::Error::Model { message } => {
            format!("{}: {message}", area.name)
        }
        other => other.to_string(),
    })
}

impl Panel for DfeVintages<'_> {
    fn councils(&self) -> Vec<String> {
        self.councils.iter().map(|(c, _)| c.clone()).collect()
    }

    fn origins(&self) -> Vec<i32> {
        self.known.keys().copied().collect()
    }

    fn known_at(&self, c: &str, origin: i32) -> Result<Option<Vintage>> {
        let Some(p) = self.known.get(&origin) else {
            return Err(crate::Error::argument(
                "origin",
                origin,
                format!(
                    "not an origin of the DfE panel (origins: {:?})",
                    self.origins()
                ),
            ));
        };
        self.vintage_in(p, c, origin)
    }

    fn outturn(&self, c: &str, year: i32) -> Option<Outturn> {
        let stock: Vec<(String, f64)> = BANDS
            .iter()
            .filter_map(|(dfe, label)| {
                self.full
                    .latest_value(c, "stock", dfe, year)
                    .map(|v| ((*label).to_string(), v))
            })
            .collect();
        (!stock.is_empty()).then_some(Outturn { stock })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_and_councils_from_the_releases() {
        let p = DfeVintages::bundled().unwrap();
        assert_eq!(
            p.origins(),
            vec![2014, 2015, 2016, 2017, 2018, 2019, 2022, 2023]
        );
        let cs = p.councils();
        assert!(cs.len() > 140, "{}", cs.len());
        assert!(cs.iter().any(|c| c == "E10000007"));
        assert_eq!(p.name("E10000007"), "Derbyshire");
        let e = p.known_at("E10000007", 2013).unwrap_err().to_string();
        assert!(e.contains("2013"), "{e}");
    }

    #[test]
    fn a_vintage_uses_only_releases_up_to_its_origin() {
        let p = DfeVintages::bundled().unwrap();
        let v = p.known_at("E10000007", 2016).unwrap().unwrap();
        assert_eq!(v.last_year, Some(2016));
        assert_eq!(v.population.last().map(|x| x.0), Some(2016));
        assert_eq!(v.reference.last().map(|x| x.0), Some(2016));
        let t = v.dataset.table("cic_by_age").unwrap();
        let last = t
            .records
            .iter()
            .filter_map(|r| r.period.map(|p| p.to_string()))
            .max()
            .unwrap();
        assert!(last.starts_with("2016"), "{last}");
    }
}
