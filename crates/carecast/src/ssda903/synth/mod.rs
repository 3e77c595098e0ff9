//! Synthetic SSDA903 returns: a seeded generator that writes header, episodes and UASC
//! files the way councils export them, with the data-quality traps real returns carry, and
//! that knows the true answer (stock, starts and ceases) so a reader can be checked.
//!
//! The population is open: children are admitted throughout the simulated years (from 18
//! years before the first return, so the stock at the start is mature), move between
//! placements, change legal status, leave for a reason that fits their age, and may come
//! back. The rates are plausible, not calibrated to any council.
//!
//! ```
//! use carecast::ssda903::synth::{generate, SynthOptions};
//! let s = generate(&SynthOptions { admissions_per_year: 60.0, ..SynthOptions::default() }).unwrap();
//! assert!(s.files.iter().any(|(name, _)| name.ends_with("episodes.csv")));
//! assert!(s.truth.stock_total(2020).unwrap() > 0);
//! ```

use std::path::Path;

use rand::SeedableRng;
use rand_xoshiro::Xoshiro256PlusPlus;

use crate::{Error, Result};

mod population;
mod truth;
mod write;

pub use truth::Truth;

use population::{Serial, admitted_children, header_traps, short_break_children};
use truth::truth;
use write::write_files;

/// How the files of several years are laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// One folder per collection year, named `2019-20` (the year ending 31 March 2020).
    Folders,
    /// One file per table with `LA` and `YEAR` columns (YEAR = the closing year).
    YearColumn,
}

/// How dates are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateStyle {
    /// `dd/mm/YYYY`, as in the DfE's CSVs.
    Dmy,
    /// `YYYY-MM-DD`.
    Iso,
    /// Alternating by collection year (dd/mm/YYYY first).
    Mixed,
}

/// What to generate.
#[derive(Debug, Clone, PartialEq)]
pub struct SynthOptions {
    /// Seed of the random stream: the same options give the same files.
    pub seed: u64,
    /// Closing year of the first return (2020 = the year ending 31 March 2020).
    pub first_year: i32,
    /// Number of yearly returns.
    pub years: u32,
    /// Mean number of admissions to care per year.
    pub admissions_per_year: f64,
    /// Mean number of children looked after only under short breaks (V3/V4) per year.
    pub short_breaks_per_year: f64,
    /// File layout.
    pub layout: Layout,
    /// Date format.
    pub dates: DateStyle,
    /// Whether to put the data-quality traps in (duplicates, overlaps, missing headers,
    /// corrected rows, lower-case codes, a byte-order mark, an unrelated file).
    pub traps: bool,
}

impl Default for SynthOptions {
    fn default() -> Self {
        SynthOptions {
            seed: 1,
            first_year: 2020,
            years: 5,
            admissions_per_year: 300.0,
            short_breaks_per_year: 15.0,
            layout: Layout::Folders,
            dates: DateStyle::Mixed,
            traps: true,
        }
    }
}

impl SynthOptions {
    /// A county-sized return: about 10,000 children and 45,000 episode rows over five
    /// years.
    pub fn county() -> Self {
        SynthOptions {
            admissions_per_year: 1_300.0,
            short_breaks_per_year: 60.0,
            ..SynthOptions::default()
        }
    }

    /// An England-sized return: about 84,000 children in care at each 31 March (England
    /// has about 86,000), over 15 yearly returns (2006 to 2020), which gives about 3.7
    /// million episode rows (about 340 MB of CSV with the generator's columns).
    pub fn england() -> Self {
        SynthOptions {
            admissions_per_year: 44_000.0,
            short_breaks_per_year: 500.0,
            first_year: 2006,
            years: 15,
            ..SynthOptions::default()
        }
    }
}

/// A generated return: files as `(relative path, contents)` and the truth.
#[derive(Debug, Clone)]
pub struct Synthetic {
    /// The files, with paths relative to the return's root folder.
    pub files: Vec<(String, String)>,
    /// The true figures.
    pub truth: Truth,
}

impl Synthetic {
    /// Writes the files under `dir` (creating folders).
    ///
    /// # Errors
    /// [`Error::Io`] when a folder or file cannot be written.
    pub fn write(&self, dir: impl AsRef<Path>) -> Result<()> {
        let dir = dir.as_ref();
        for (name, text) in &self.files {
            let p = dir.join(name);
            let io = |e: std::io::Error| Error::Io {
                path: p.display().to_string(),
                message: e.to_string(),
            };
            if let Some(parent) = p.parent() {
                std::fs::create_dir_all(parent).map_err(io)?;
            }
            std::fs::write(&p, text).map_err(io)?;
        }
        Ok(())
    }
}

/// Generates a synthetic return.
///
/// # Errors
/// [`Error::InvalidArgument`] for no years, a first year outside 1990-2100, or a
/// negative or non-finite admissions rate.
pub fn generate(o: &SynthOptions) -> Result<Synthetic> {
    check(o)?;
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(o.seed);
    // `years` is 1 to 30 (checked above).
    let last_year = o.first_year + i32::try_from(o.years).unwrap_or(30) - 1;
    let mut ids = Serial(0);
    let mut children = admitted_children(&mut rng, o, last_year, &mut ids);
    short_break_children(&mut rng, o, last_year, &mut ids, &mut children);
    if o.traps {
        header_traps(&mut rng, o, last_year, &mut children);
    }
    let mut truth = truth(&children, o.first_year, last_year);
    let (files, episode_rows) = write_files(o, last_year, &children);
    truth.episode_rows = episode_rows;
    truth.children = children.len();
    Ok(Synthetic { files, truth })
}

/// Refuses options the generator cannot honour, naming the option.
fn check(o: &SynthOptions) -> Result<()> {
    if o.years == 0 || o.years > 30 {
        return Err(Error::argument("years", o.years, "must be 1 to 30"));
    }
    if !(1990..=2100).contains(&o.first_year) {
        return Err(Error::argument(
            "first_year",
            o.first_year,
            "must be 1990 to 2100",
        ));
    }
    for (name, v) in [
        ("admissions_per_year", o.admissions_per_year),
        ("short_breaks_per_year", o.short_breaks_per_year),
    ] {
        if !v.is_finite() || v < 0.0 {
            return Err(Error::argument(
                name,
                v,
                "must be a finite number, 0 or more",
            ));
        }
    }
    Ok(())
}
