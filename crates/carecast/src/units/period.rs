//! Dates, financial years (1 April to 31 March), quarters and months.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// A calendar date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Date {
    /// Year.
    pub year: i32,
    /// Month, 1-12.
    pub month: u8,
    /// Day of the month.
    pub day: u8,
}

impl Date {
    /// A checked date: the calendar (leap years included) is jiff's.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] naming the date when there is no such day.
    ///
    /// ```
    /// use carecast::Date;
    /// assert_eq!(Date::new(2020, 2, 29).unwrap().to_string(), "2020-02-29");
    /// assert!(Date::new(2019, 2, 29).is_err());
    /// assert!(Date::new(2019, 13, 1).is_err());
    /// ```
    pub fn new(year: i32, month: u8, day: u8) -> Result<Self> {
        checked(year, i64::from(month), i64::from(day))
            .map_err(|why| Error::argument("date", format!("{year:04}-{month:02}-{day:02}"), why))
    }

    /// The financial year this date falls in.
    pub fn financial_year(&self) -> FinancialYear {
        if self.month >= 4 {
            FinancialYear(self.year + 1)
        } else {
            FinancialYear(self.year)
        }
    }

    /// Whether this is a 31 March (the date stock is counted).
    pub fn is_year_end(&self) -> bool {
        self.month == 3 && self.day == 31
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

/// A date checked against the calendar by jiff, or why there is no such day.
fn checked(year: i32, month: i64, day: i64) -> std::result::Result<Date, String> {
    let civil = match (i16::try_from(year), i8::try_from(month), i8::try_from(day)) {
        (Ok(y), Ok(m), Ok(d)) => jiff::civil::Date::new(y, m, d).ok(),
        _ => None,
    };
    match civil {
        Some(c) => Ok(Date {
            year: i32::from(c.year()),
            month: u8::try_from(c.month()).map_err(|e| e.to_string())?,
            day: u8::try_from(c.day()).map_err(|e| e.to_string())?,
        }),
        None if !(1..=12).contains(&month) => {
            Err(format!("no such day: month {month} is not 1 to 12"))
        }
        None if !(-9999..=9999).contains(&year) => {
            Err(format!("no such day: year {year} is out of range"))
        }
        None => Err(format!(
            "no such day: {year:04}-{month:02} has no day {day}"
        )),
    }
}

/// A financial year, 1 April to 31 March, named by the calendar year it ends in.
///
/// ```
/// use carecast::FinancialYear;
/// let fy = FinancialYear::parse("2016/17").unwrap();
/// assert_eq!(fy.end_year(), 2017);
/// assert_eq!(fy.to_string(), "2016/17");
/// assert_eq!(fy.end().to_string(), "2017-03-31");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct FinancialYear(i32);

impl FinancialYear {
    /// The financial year ending on 31 March of `end_year`.
    pub fn ending(end_year: i32) -> Self {
        Self(end_year)
    }

    /// Parses `2016/17` (or `2016-17`, or the ending year `2017`).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] naming the text when it is not `YYYY/YY`, `YYYY-YY` or a year
    /// 1900-2200.
    pub fn parse(s: &str) -> Result<Self> {
        let t = s.trim();
        let bad = || Error::argument("financial year", format!("{s:?}"), "expected like 2016/17");
        if let Some((a, b)) = t.split_once(['/', '-']) {
            let a: i32 = a.parse().map_err(|_| bad())?;
            let b: i32 = b.parse().map_err(|_| bad())?;
            if a.to_string().len() != 4 || (b != (a + 1) % 100 && b != a + 1) {
                return Err(bad());
            }
            return Ok(Self(a + 1));
        }
        let y: i32 = t.parse().map_err(|_| bad())?;
        if !(1900..=2200).contains(&y) {
            return Err(bad());
        }
        Ok(Self(y))
    }

    /// The calendar year in which it ends.
    pub fn end_year(&self) -> i32 {
        self.0
    }

    /// 31 March at its end.
    pub fn end(&self) -> Date {
        Date {
            year: self.0,
            month: 3,
            day: 31,
        }
    }

    /// 31 March at its start (the end of the year before).
    pub fn start(&self) -> Date {
        Date {
            year: self.0 - 1,
            month: 3,
            day: 31,
        }
    }

    /// The next financial year.
    pub fn next(&self) -> Self {
        Self(self.0 + 1)
    }

    /// The year before.
    pub fn prev(&self) -> Self {
        Self(self.0 - 1)
    }
}

impl fmt::Display for FinancialYear {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{:02}", self.0 - 1, self.0.rem_euclid(100))
    }
}

impl TryFrom<String> for FinancialYear {
    type Error = Error;
    fn try_from(s: String) -> Result<Self> {
        Self::parse(&s)
    }
}

impl From<FinancialYear> for String {
    fn from(f: FinancialYear) -> String {
        f.to_string()
    }
}

/// When a published figure applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum Period {
    /// A point in time (stock counts): `2017-03-31`.
    Date(Date),
    /// A financial year: `2016/17`.
    Year(FinancialYear),
    /// A quarter of a financial year (1 = April-June): `2024/25 Q1`.
    Quarter(FinancialYear, u8),
    /// A calendar month: `2024-07`.
    Month(i32, u8),
}

impl Period {
    /// Parses `YYYY-MM-DD`, `YYYY/YY`, `YYYY/YY Qn` or `YYYY-MM`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] naming the text when it is none of the forms, with the reason for
    /// an impossible date (`2019-259-31`: month 259 is not 1 to 12).
    pub fn parse(s: &str) -> Result<Self> {
        let t = s.trim();
        let bad = || {
            Error::argument(
                "period",
                format!("{s:?}"),
                "expected YYYY-MM-DD, YYYY/YY, YYYY/YY Qn or YYYY-MM",
            )
        };
        if let Some((fy, q)) = t.split_once(' ') {
            let fy = FinancialYear::parse(fy).map_err(|_| bad())?;
            let q = q.trim();
            let n: u8 = q
                .strip_prefix(['Q', 'q'])
                .and_then(|n| n.parse().ok())
                .ok_or_else(bad)?;
            if !(1..=4).contains(&n) {
                return Err(bad());
            }
            return Ok(Period::Quarter(fy, n));
        }
        if t.contains('/') {
            return FinancialYear::parse(t).map(Period::Year).map_err(|_| bad());
        }
        let parts: Vec<&str> = t.split('-').collect();
        let num = |p: &str| p.parse::<i64>().map_err(|_| bad());
        match parts.as_slice() {
            [y, m, d] if y.len() == 4 => {
                let year = i32::try_from(num(y)?).map_err(|_| bad())?;
                checked(year, num(m)?, num(d)?)
                    .map(Period::Date)
                    .map_err(|why| Error::argument("period", format!("{s:?}"), why))
            }
            [y, m] if y.len() == 4 && m.len() == 2 => {
                let year = i32::try_from(num(y)?).map_err(|_| bad())?;
                match u8::try_from(num(m)?) {
                    Ok(m @ 1..=12) => Ok(Period::Month(year, m)),
                    _ => Err(bad()),
                }
            }
            _ => Err(bad()),
        }
    }

    /// The financial year the period falls in (for a date: the year it ends or falls in).
    pub fn financial_year(&self) -> FinancialYear {
        match self {
            Period::Date(d) => d.financial_year(),
            Period::Year(fy) | Period::Quarter(fy, _) => *fy,
            Period::Month(y, m) => Date {
                year: *y,
                month: *m,
                day: 1,
            }
            .financial_year(),
        }
    }

    /// The period that follows this one at the same grain (dates have none).
    pub fn next(&self) -> Option<Period> {
        match *self {
            Period::Date(_) => None,
            Period::Year(fy) => Some(Period::Year(fy.next())),
            Period::Quarter(fy, 4) => Some(Period::Quarter(fy.next(), 1)),
            Period::Quarter(fy, q) => Some(Period::Quarter(fy, q + 1)),
            Period::Month(y, 12) => Some(Period::Month(y + 1, 1)),
            Period::Month(y, m) => Some(Period::Month(y, m + 1)),
        }
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Period::Date(d) => write!(f, "{d}"),
            Period::Year(fy) => write!(f, "{fy}"),
            Period::Quarter(fy, q) => write!(f, "{fy} Q{q}"),
            Period::Month(y, m) => write!(f, "{y:04}-{m:02}"),
        }
    }
}

impl TryFrom<String> for Period {
    type Error = Error;
    fn try_from(s: String) -> Result<Self> {
        Self::parse(&s)
    }
}

impl From<Period> for String {
    fn from(p: Period) -> String {
        p.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_periods() {
        for s in ["2017-03-31", "2016/17", "2024/25 Q3", "2024-07", "1999/00"] {
            assert_eq!(Period::parse(s).unwrap().to_string(), s);
        }
        for s in [
            "2017-02-30",
            "2016/18",
            "2024/25 Q5",
            "March 2017",
            "",
            "2024-13",
        ] {
            assert!(Period::parse(s).is_err(), "{s}");
        }
        assert_eq!(
            Period::parse("2017-3-31").unwrap(),
            Period::parse("2017-03-31").unwrap()
        );
        assert_eq!(
            Period::parse("2024/25 Q4").unwrap().next(),
            Some(Period::parse("2025/26 Q1").unwrap())
        );
        assert_eq!(
            Period::parse("2017-03-31").unwrap().financial_year(),
            FinancialYear::ending(2017)
        );
        assert_eq!(
            Period::parse("2017-04-01").unwrap().financial_year(),
            FinancialYear::ending(2018)
        );
    }

    #[test]
    fn impossible_dates_are_rejected_with_the_reason() {
        // Month 259 once parsed as 3 (a truncating cast): 31 March 2019.
        let e = Period::parse("2019-259-31").unwrap_err().to_string();
        assert!(e.contains("2019-259-31") && e.contains("month 259"), "{e}");
        let e = Period::parse("2019-02-29").unwrap_err().to_string();
        assert!(e.contains("has no day 29"), "{e}");
        assert!(Period::parse("2020-02-29").is_ok());
        for s in [
            "2019-00-10",
            "2019-04-31",
            "2019-12-32",
            "2019-1-0",
            "2019-04--1",
        ] {
            assert!(Period::parse(s).is_err(), "{s}");
        }
        assert!(Date::new(1900, 2, 29).is_err());
        assert!(Date::new(2000, 2, 29).is_ok());
    }

    #[test]
    fn a_bad_date_in_a_table_names_file_line_and_column() {
        let text = "# id: t\n# title: T\n# source: s\n# source_table: 1\n# measure: stock\n# unit: children\nperiod,value\n2019-03-31,4\n2019-259-31,5\n";
        let e = crate::Table::parse("t.csv", text).unwrap_err().to_string();
        assert!(
            e.contains("t.csv") && e.contains("line 9") && e.contains("period"),
            "{e}"
        );
        assert!(e.contains("month 259"), "{e}");
    }
}
