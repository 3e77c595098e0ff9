//! Published cells that keep the truth: exact, suppressed, not applicable, not yet
//! published or blank; and intervals for arithmetic over suppressed cells.

use std::fmt;
use std::ops::{Add, Mul, Sub};

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// A closed interval of real numbers `[lo, hi]`; `hi` may be unbounded (`None`).
///
/// Sums over suppressed cells are intervals: `<10` contributes `[0, 9]`.
///
/// ```
/// use carecast::Interval;
/// let a = Interval::exact(600.0) + Interval::new(0.0, Some(9.0));
/// assert_eq!((a.lo, a.hi), (600.0, Some(609.0)));
/// assert!(!a.is_exact());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Interval {
    /// Lower bound.
    pub lo: f64,
    /// Upper bound; `None` when unbounded.
    pub hi: Option<f64>,
}

impl Interval {
    /// `[lo, hi]`.
    pub fn new(lo: f64, hi: Option<f64>) -> Self {
        Self { lo, hi }
    }

    /// A single value.
    pub fn exact(v: f64) -> Self {
        Self { lo: v, hi: Some(v) }
    }

    /// Zero.
    pub const ZERO: Interval = Interval {
        lo: 0.0,
        hi: Some(0.0),
    };

    /// Whether the interval is a single value.
    pub fn is_exact(&self) -> bool {
        self.hi == Some(self.lo)
    }

    /// The single value, if exact.
    pub fn value(&self) -> Option<f64> {
        self.is_exact().then_some(self.lo)
    }

    /// The middle of a bounded interval.
    pub fn mid(&self) -> Option<f64> {
        self.hi.map(|h| (self.lo + h) / 2.0)
    }

    /// Whether every value is within `tol` of zero.
    pub fn within(&self, tol: f64) -> bool {
        self.lo >= -tol && self.hi.is_some_and(|h| h <= tol)
    }

    /// Whether some value is within `tol` of zero.
    pub fn may_be_within(&self, tol: f64) -> bool {
        self.lo <= tol && self.hi.is_none_or(|h| h >= -tol)
    }

    /// The negated interval. An unbounded upper end becomes an unbounded lower end, which
    /// this type cannot hold, so it is `None` then.
    pub fn negated(self) -> Option<Self> {
        self.hi.map(|h| Self::new(-h, Some(-self.lo)))
    }
}

impl Add for Interval {
    type Output = Interval;
    fn add(self, o: Interval) -> Interval {
        Interval::new(self.lo + o.lo, self.hi.zip(o.hi).map(|(a, b)| a + b))
    }
}

impl Sub for Interval {
    /// `None` when the right side is unbounded above (the difference is unbounded below).
    type Output = Option<Interval>;
    fn sub(self, o: Interval) -> Option<Interval> {
        o.negated().map(|n| self + n)
    }
}

impl Mul<f64> for Interval {
    type Output = Interval;
    /// Scale by a non-negative factor.
    fn mul(self, k: f64) -> Interval {
        Interval::new(self.lo * k, self.hi.map(|h| h * k))
    }
}

impl fmt::Display for Interval {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.value(), self.hi) {
            (Some(v), _) => write!(f, "{}", fmt_num(v)),
            (None, Some(h)) => write!(f, "{}..{}", fmt_num(self.lo), fmt_num(h)),
            (None, None) => write!(f, "{}..", fmt_num(self.lo)),
        }
    }
}

/// Formats a number without a trailing `.0` for whole values.
pub fn fmt_num(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        // Whole: `{:.0}` prints it without a fraction; adding 0.0 turns -0 into 0.
        format!("{:.0}", v + 0.0)
    } else {
        let s = format!("{v:.4}");
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    }
}

/// The unit of a published figure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Unit {
    /// Children.
    Children,
    /// Young people (care leavers, 18+).
    YoungPeople,
    /// Placements.
    Placements,
    /// Carer households.
    Households,
    /// Carers.
    Carers,
    /// Beds.
    Beds,
    /// Places.
    Places,
    /// Pounds sterling.
    #[serde(rename = "GBP")]
    Gbp,
    /// Pounds a week.
    #[serde(rename = "GBP_per_week")]
    GbpPerWeek,
    /// Pounds a year.
    #[serde(rename = "GBP_per_year")]
    GbpPerYear,
    /// A percentage, 0 to 100.
    Percent,
    /// A percentage change (may be negative or over 100).
    PercentChange,
    /// A change in a count (may be negative).
    CountChange,
    /// Per 10,000 children aged under 18.
    #[serde(rename = "per_10000")]
    Per10000,
    /// Years.
    Years,
    /// Months.
    Months,
    /// Weeks.
    Weeks,
    /// Days.
    Days,
    /// A ratio.
    Ratio,
    /// A count of something else.
    Count,
}

impl Unit {
    /// Every unit.
    pub const ALL: [Unit; 20] = [
        Unit::Children,
        Unit::YoungPeople,
        Unit::Placements,
        Unit::Households,
        Unit::Carers,
        Unit::Beds,
        Unit::Places,
        Unit::Gbp,
        Unit::GbpPerWeek,
        Unit::GbpPerYear,
        Unit::Percent,
        Unit::PercentChange,
        Unit::CountChange,
        Unit::Per10000,
        Unit::Years,
        Unit::Months,
        Unit::Weeks,
        Unit::Days,
        Unit::Ratio,
        Unit::Count,
    ];

    /// The name used in files.
    pub fn code(&self) -> &'static str {
        match self {
            Unit::Children => "children",
            Unit::YoungPeople => "young_people",
            Unit::Placements => "placements",
            Unit::Households => "households",
            Unit::Carers => "carers",
            Unit::Beds => "beds",
            Unit::Places => "places",
            Unit::Gbp => "GBP",
            Unit::GbpPerWeek => "GBP_per_week",
            Unit::GbpPerYear => "GBP_per_year",
            Unit::Percent => "percent",
            Unit::PercentChange => "percent_change",
            Unit::CountChange => "count_change",
            Unit::Per10000 => "per_10000",
            Unit::Years => "years",
            Unit::Months => "months",
            Unit::Weeks => "weeks",
            Unit::Days => "days",
            Unit::Ratio => "ratio",
            Unit::Count => "count",
        }
    }

    /// Parses a unit name.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] for an unknown unit.
    pub fn parse(s: &str) -> Result<Self> {
        let t = s.trim();
        Unit::ALL
            .into_iter()
            .find(|u| u.code() == t)
            .ok_or_else(|| Error::unknown("unit", t, Unit::ALL.iter().map(|u| u.code())))
    }

    /// Whether values may be negative.
    pub fn allows_negative(&self) -> bool {
        matches!(self, Unit::Gbp | Unit::PercentChange | Unit::CountChange)
    }

    /// Whether values count people, placements or things (whole numbers, summed exactly).
    pub fn is_count(&self) -> bool {
        matches!(
            self,
            Unit::Children
                | Unit::YoungPeople
                | Unit::Placements
                | Unit::Households
                | Unit::Carers
                | Unit::Beds
                | Unit::Places
                | Unit::Count
                | Unit::CountChange
        )
    }
}

impl fmt::Display for Unit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// One published cell.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Cell {
    /// A published number, with the number of decimals it was printed with.
    Exact {
        /// The value.
        value: f64,
        /// Decimal places as printed (sets rounding tolerances).
        decimals: u8,
    },
    /// A suppressed count (`<10`, `x`): an integer in `[lower, upper]`.
    Suppressed {
        /// The text as printed.
        text: String,
        /// Smallest possible value.
        lower: f64,
        /// Largest possible value, if known.
        upper: Option<f64>,
    },
    /// `N/A`: the figure does not apply.
    NotApplicable,
    /// Not yet published ("to be provided later").
    Pending,
    /// Left blank in the source.
    Missing,
}

impl Cell {
    /// Parses a cell as written in a table file. `suppressed_min` is the lower bound of
    /// `<N` cells and `x_max` the upper bound of `x` cells.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] for text that is not a number, `<N`, `x`, `c`, `N/A`, `pending` or
    /// blank, or a suppression bound below `suppressed_min`.
    pub fn parse(text: &str, suppressed_min: f64, x_max: Option<f64>) -> Result<Self> {
        let t = text.trim();
        let bad = |why: &str| Error::argument("value", format!("{t:?}"), why.to_string());
        match t {
            "" => return Ok(Cell::Missing),
            "N/A" | "n/a" => return Ok(Cell::NotApplicable),
            "pending" => return Ok(Cell::Pending),
            "x" | "X" => {
                return Ok(Cell::Suppressed {
                    text: "x".into(),
                    lower: suppressed_min,
                    upper: x_max,
                });
            }
            _ => {}
        }
        if let Some(n) = t.strip_prefix('<') {
            let n: u32 = n
                .trim()
                .parse()
                .map_err(|_| bad("a suppressed cell is `<N` with N a whole number"))?;
            let upper = f64::from(n) - 1.0;
            if n == 0 || upper < suppressed_min {
                return Err(bad("a suppressed cell `<N` needs N above its lower bound"));
            }
            return Ok(Cell::Suppressed {
                text: t.to_string(),
                lower: suppressed_min,
                upper: Some(upper),
            });
        }
        let ok_chars = t
            .char_indices()
            .all(|(i, c)| c.is_ascii_digit() || c == '.' || (i == 0 && c == '-'));
        if !ok_chars || t.matches('.').count() > 1 || t == "-" || t.ends_with('.') {
            return Err(bad(
                "expected a plain number (no `,` `£` `%`), `<N`, `x`, `N/A`, `pending` or blank",
            ));
        }
        let value: f64 = t.parse().map_err(|_| bad("not a number"))?;
        if !value.is_finite() {
            return Err(bad("too large: the number overflows a 64-bit float"));
        }
        let decimals = t.split_once('.').map_or(0, |(_, d)| d.len());
        let decimals = u8::try_from(decimals).map_err(|_| bad("more than 255 decimal places"))?;
        Ok(Cell::Exact { value, decimals })
    }

    /// The interval of values the cell may hold, or `None` if it holds no number
    /// (not applicable, pending, blank).
    pub fn interval(&self) -> Option<Interval> {
        match self {
            Cell::Exact { value, .. } => Some(Interval::exact(*value)),
            Cell::Suppressed { lower, upper, .. } => Some(Interval::new(*lower, *upper)),
            _ => None,
        }
    }

    /// The exact value, if the cell has one.
    pub fn value(&self) -> Option<f64> {
        match self {
            Cell::Exact { value, .. } => Some(*value),
            _ => None,
        }
    }

    /// Half a unit of the last printed decimal place (0 for suppressed cells, whose
    /// interval already says everything).
    pub fn rounding(&self) -> f64 {
        match self {
            Cell::Exact { decimals, .. } => 0.5 * 10f64.powi(-i32::from(*decimals)),
            _ => 0.0,
        }
    }

    /// A short name of the cell's status: `exact`, `suppressed`, `not_applicable`,
    /// `pending` or `missing`.
    pub fn status(&self) -> &'static str {
        match self {
            Cell::Exact { .. } => "exact",
            Cell::Suppressed { .. } => "suppressed",
            Cell::NotApplicable => "not_applicable",
            Cell::Pending => "pending",
            Cell::Missing => "missing",
        }
    }

    /// The cell as it would be written in a table file.
    pub fn text(&self) -> String {
        match self {
            Cell::Exact { value, decimals } => format!("{value:.*}", usize::from(*decimals)),
            Cell::Suppressed { text, .. } => text.clone(),
            Cell::NotApplicable => "N/A".into(),
            Cell::Pending => "pending".into(),
            Cell::Missing => String::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_cells() {
        assert_eq!(
            Cell::parse("22.70", 0.0, None).unwrap(),
            Cell::Exact {
                value: 22.7,
                decimals: 2
            }
        );
        let s = Cell::parse("<10", 1.0, None).unwrap();
        assert_eq!(s.interval(), Some(Interval::new(1.0, Some(9.0))));
        assert_eq!(
            s.value(),
            None,
            "a suppressed cell is never read as a number"
        );
        assert_eq!(
            Cell::parse("x", 0.0, None).unwrap().interval(),
            Some(Interval::new(0.0, None))
        );
        assert_eq!(Cell::parse("N/A", 0.0, None).unwrap(), Cell::NotApplicable);
        assert_eq!(Cell::parse("", 0.0, None).unwrap(), Cell::Missing);
        for bad in [
            "1,234", "£5", "45%", "<", "<a", "<0", "abc", "1.2.3", "-", "12.",
        ] {
            assert!(Cell::parse(bad, 0.0, None).is_err(), "{bad}");
        }
        assert_eq!(Cell::parse("22.70", 0.0, None).unwrap().text(), "22.70");
    }

    #[test]
    fn interval_arithmetic() {
        let a = Interval::new(0.0, Some(9.0));
        let b = Interval::exact(10.0);
        assert_eq!(b - a, Some(Interval::new(1.0, Some(10.0))));
        assert_eq!(b - Interval::new(0.0, None), None);
        assert!(Interval::new(-1.0, Some(1.0)).may_be_within(0.0));
        assert!(!Interval::new(-1.0, Some(1.0)).within(0.0));
        assert_eq!(Interval::new(2.0, Some(3.0)).to_string(), "2..3");
    }
}
