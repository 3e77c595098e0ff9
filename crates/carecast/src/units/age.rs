//! Ages, age bands and band schemes.
//!
//! Ages are whole years. A band is the half-open range `[lo, hi)` of years. Children are
//! aged 0 to 17 ([`CHILD_AGES`]); care leavers 18 to 25.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// The first age at which a young person is no longer a child in care.
pub const ADULT_AGE: u8 = 18;
/// The oldest age (inclusive) carecast knows: care-leaver support runs to 25.
pub const MAX_AGE: u8 = 25;
/// The number of single years of age of children (0 to 17).
pub const CHILD_AGES: usize = ADULT_AGE as usize;

/// A range of whole years of age, `[lo, hi)`.
///
/// ```
/// use carecast::AgeBand;
/// let b = AgeBand::parse("1-4").unwrap();
/// assert_eq!((b.lo(), b.hi()), (1, 5));
/// assert_eq!(AgeBand::parse("16+").unwrap().label(), "16-17");
/// assert_eq!(AgeBand::parse("under 1").unwrap().label(), "under 1");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct AgeBand {
    lo: u8,
    hi: u8,
}

impl AgeBand {
    /// A band from its first age and the first age after it.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] unless `lo < hi` and `hi` is at most one past [`MAX_AGE`].
    pub fn new(lo: u8, hi: u8) -> Result<Self> {
        if lo >= hi || hi > MAX_AGE + 1 {
            return Err(Error::argument(
                "band",
                format!("[{lo}, {hi})"),
                format!("a band needs 0 <= lo < hi <= {}", MAX_AGE + 1),
            ));
        }
        Ok(Self { lo, hi })
    }

    /// All children's ages, 0 to 17.
    pub const ALL_CHILDREN: AgeBand = AgeBand {
        lo: 0,
        hi: ADULT_AGE,
    };

    /// Parses `under 1`, `A-B` (inclusive), `A+` (A and over: to 17 for children, to 25
    /// from 18 on) or a single age `A`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] for a label that is not an age band.
    pub fn parse(label: &str) -> Result<Self> {
        let s = label.trim().to_lowercase();
        let bad = || {
            Error::argument(
                "band",
                format!("{label:?}"),
                "expected `under 1`, `A-B`, `A+`, `A` or `all`",
            )
        };
        let num = |t: &str| t.trim().parse::<u8>().map_err(|_| bad());
        if s == "under 1" || s == "<1" {
            return Self::new(0, 1);
        }
        if let Some(a) = s.strip_suffix('+').or_else(|| s.strip_suffix(" and over")) {
            let a = num(a)?;
            let hi = if a < ADULT_AGE {
                ADULT_AGE
            } else {
                MAX_AGE + 1
            };
            return Self::new(a, hi).map_err(|_| bad());
        }
        if let Some((a, b)) = s.split_once('-') {
            let (a, b) = (num(a)?, num(b)?);
            if b < a {
                return Err(bad());
            }
            return Self::new(a, b + 1).map_err(|_| bad());
        }
        let a = num(&s)?;
        Self::new(a, a + 1).map_err(|_| bad())
    }

    /// First age in the band.
    pub fn lo(&self) -> u8 {
        self.lo
    }

    /// First age after the band.
    pub fn hi(&self) -> u8 {
        self.hi
    }

    /// Number of single years in the band.
    pub fn width(&self) -> usize {
        usize::from(self.hi - self.lo)
    }

    /// Whether the band holds this age.
    pub fn contains(&self, age: u8) -> bool {
        self.lo <= age && age < self.hi
    }

    /// The canonical label: `under 1`, `1-4`, `16-17`, `18`, `18-25`.
    pub fn label(&self) -> String {
        match (self.lo, self.hi) {
            (0, 1) => "under 1".to_string(),
            (a, b) if b == a + 1 => a.to_string(),
            (a, b) => format!("{a}-{}", b - 1),
        }
    }
}

impl fmt::Display for AgeBand {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.label())
    }
}

impl TryFrom<String> for AgeBand {
    type Error = Error;
    fn try_from(s: String) -> Result<Self> {
        Self::parse(&s)
    }
}

impl From<AgeBand> for String {
    fn from(b: AgeBand) -> String {
        b.label()
    }
}

/// The age dimension of a published cell: a band, or `all` ages (a total).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum Band {
    /// All ages of the table (a total row or column).
    All,
    /// A range of ages.
    Ages(AgeBand),
}

impl Band {
    /// Parses `all` or any [`AgeBand`] label.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] for a label that is neither `all` nor an age band.
    pub fn parse(label: &str) -> Result<Self> {
        if label.trim().eq_ignore_ascii_case("all") {
            Ok(Band::All)
        } else {
            AgeBand::parse(label).map(Band::Ages)
        }
    }

    /// The canonical label.
    pub fn label(&self) -> String {
        match self {
            Band::All => "all".to_string(),
            Band::Ages(b) => b.label(),
        }
    }
}

impl fmt::Display for Band {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.label())
    }
}

impl TryFrom<String> for Band {
    type Error = Error;
    fn try_from(s: String) -> Result<Self> {
        Self::parse(&s)
    }
}

impl From<Band> for String {
    fn from(b: Band) -> String {
        b.label()
    }
}

/// A set of age bands that covers children's ages 0 to 17 exactly once.
///
/// ```
/// use carecast::BandScheme;
/// let dfe = BandScheme::dfe();
/// let labels: Vec<String> = dfe.bands().iter().map(|b| b.label()).collect();
/// assert_eq!(labels, ["under 1", "1-4", "5-9", "10-15", "16-17"]);
/// assert_eq!(dfe.index_of(12), Some(3));
/// assert!(BandScheme::custom("gap", &["0-4", "6-17"]).is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BandScheme {
    name: String,
    bands: Vec<AgeBand>,
}

impl BandScheme {
    /// The DfE activity bands: under 1, 1-4, 5-9, 10-15, 16-17.
    pub fn dfe() -> Self {
        Self::from_bounds("dfe", &[0, 1, 5, 10, 16, 18])
    }

    /// The cost bands of the Derbyshire unit-cost tables: 0-1, 2-4, 5-10, 11-15, 16+.
    pub fn cost() -> Self {
        Self::from_bounds("cost", &[0, 2, 5, 11, 16, 18])
    }

    /// One band of all children's ages.
    pub fn all_ages() -> Self {
        Self::from_bounds("all", &[0, 18])
    }

    /// A scheme by name: `dfe`, `cost` or `all`.
    ///
    /// # Errors
    ///
    /// [`Error::UnknownName`] for a name that is not a scheme, with the nearest.
    pub fn named(name: &str) -> Result<Self> {
        match name {
            "dfe" => Ok(Self::dfe()),
            "cost" => Ok(Self::cost()),
            "all" => Ok(Self::all_ages()),
            _ => Err(Error::unknown("band scheme", name, ["dfe", "cost", "all"])),
        }
    }

    fn from_bounds(name: &str, bounds: &[u8]) -> Self {
        Self {
            name: name.to_string(),
            bands: bounds
                .windows(2)
                .map(|w| AgeBand { lo: w[0], hi: w[1] })
                .collect(),
        }
    }

    /// A user-defined scheme from band labels; they must cover ages 0 to 17 with no gap
    /// and no overlap.
    ///
    /// # Errors
    ///
    /// [`Error::BandScheme`] naming the scheme for a label that is not an age band, or
    /// bands that leave a gap, overlap or do not cover ages 0 to 17.
    pub fn custom(name: &str, labels: &[&str]) -> Result<Self> {
        let mut bands = Vec::with_capacity(labels.len());
        for l in labels {
            bands.push(AgeBand::parse(l).map_err(|e| Error::BandScheme {
                scheme: name.to_string(),
                message: e.to_string(),
            })?);
        }
        Self::from_bands(name, bands)
    }

    /// A user-defined scheme from bands; checked as in [`BandScheme::custom`].
    ///
    /// # Errors
    ///
    /// [`Error::BandScheme`] naming the scheme when there are no bands, or they leave a gap,
    /// overlap or do not cover ages 0 to 17 exactly.
    pub fn from_bands(name: &str, mut bands: Vec<AgeBand>) -> Result<Self> {
        let err = |message: String| Error::BandScheme {
            scheme: name.to_string(),
            message,
        };
        if bands.is_empty() {
            return Err(err("no bands".into()));
        }
        bands.sort();
        let mut next = 0u8;
        for b in &bands {
            if b.lo > next {
                return Err(err(format!("gap: ages {next}-{} are in no band", b.lo - 1)));
            }
            if b.lo < next {
                return Err(err(format!(
                    "overlap: band {} overlaps the band before it",
                    b.label()
                )));
            }
            next = b.hi;
        }
        if next != ADULT_AGE {
            return Err(err(format!(
                "the bands end at age {}, but must cover ages 0 to 17 exactly",
                next - 1
            )));
        }
        Ok(Self {
            name: name.to_string(),
            bands,
        })
    }

    /// The scheme's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The bands, youngest first.
    pub fn bands(&self) -> &[AgeBand] {
        &self.bands
    }

    /// The index of the band holding `age`, or `None` for ages 18 and over.
    pub fn index_of(&self, age: u8) -> Option<usize> {
        self.bands.iter().position(|b| b.contains(age))
    }

    /// Index of the band equal to `band`, if the scheme has it.
    pub fn position(&self, band: &AgeBand) -> Option<usize> {
        self.bands.iter().position(|b| b == band)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_band_labels() {
        assert_eq!(
            AgeBand::parse("10-15").unwrap(),
            AgeBand::new(10, 16).unwrap()
        );
        assert_eq!(
            AgeBand::parse("16+").unwrap(),
            AgeBand::new(16, 18).unwrap()
        );
        assert_eq!(AgeBand::parse("18").unwrap().label(), "18");
        assert_eq!(
            AgeBand::parse("21+").unwrap(),
            AgeBand::new(21, 26).unwrap()
        );
        assert_eq!(AgeBand::parse("0-1").unwrap().label(), "0-1");
        for bad in ["", "teen", "5-3", "1-40", "-1"] {
            assert!(AgeBand::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(Band::parse("ALL").unwrap(), Band::All);
    }

    #[test]
    fn schemes_cover_children() {
        for s in [
            BandScheme::dfe(),
            BandScheme::cost(),
            BandScheme::all_ages(),
        ] {
            for age in 0..18 {
                assert!(s.index_of(age).is_some());
            }
            assert_eq!(s.index_of(18), None);
        }
        let e = BandScheme::custom("x", &["0-4", "4-17"]).unwrap_err();
        assert!(e.to_string().contains("overlap"), "{e}");
        let e = BandScheme::custom("x", &["0-4", "5-16"]).unwrap_err();
        assert!(e.to_string().contains("end at age 16"), "{e}");
        let e = BandScheme::custom("x", &["1-17"]).unwrap_err();
        assert!(e.to_string().contains("gap"), "{e}");
        assert!(BandScheme::custom("ok", &["0-9", "10-17"]).is_ok());
    }
}
