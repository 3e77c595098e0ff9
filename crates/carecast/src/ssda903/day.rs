//! Calendar days as integers (days since 1 January 1970), and the two date formats
//! councils export: `dd/mm/YYYY` and ISO `YYYY-MM-DD`.
//!
//! A day is kept as an `i32` so episodes and month ends are plain integers to compare and
//! subtract in the hot loops; every calendar fact (month lengths, leap years, the civil date
//! of a day number) comes from `jiff`.

use crate::Date;
use jiff::SignedDuration;
use jiff::civil::Date as Civil;

/// A calendar day: the number of days since 1970-01-01 (negative before).
pub type Day = i32;

const SECONDS_PER_DAY: i64 = 86_400;

const EPOCH: Civil = Civil::constant(1970, 1, 1);

fn epoch() -> Civil {
    EPOCH
}

/// The civil date of a year, month and day, each clamped into jiff's calendar (year
/// -9999..=9999, month 1..=12, day 1 to the month's length).
fn civil(y: i32, m: u32, d: u32) -> Civil {
    let y = i16::try_from(y.clamp(-9999, 9999)).unwrap_or_default();
    let m = i8::try_from(m.clamp(1, 12)).unwrap_or(1);
    let first = Civil::new(y, m, 1).unwrap_or_else(|_| epoch());
    let d = i8::try_from(d.clamp(1, 31))
        .unwrap_or(1)
        .min(first.days_in_month());
    Civil::new(y, m, d).unwrap_or(first)
}

/// The day number of a jiff date (always in `i32` range: jiff's years end at ±9999).
fn number(c: Civil) -> Day {
    let days = c.duration_since(epoch()).as_secs() / SECONDS_PER_DAY;
    i32::try_from(days).unwrap_or(if days < 0 { i32::MIN } else { i32::MAX })
}

/// The jiff date of a day number, clamped to jiff's calendar (years -9999..=9999).
fn civil_of(z: Day) -> Civil {
    epoch()
        .checked_add(SignedDuration::from_secs(i64::from(z) * SECONDS_PER_DAY))
        .unwrap_or(if z < 0 { Civil::MIN } else { Civil::MAX })
}

/// The day number of a civil date. Arguments outside the calendar are clamped into it
/// (month to 1..=12, day to the month's length); dates read from files are checked by
/// [`parse`] first.
///
/// ```
/// use carecast::ssda903::day::{day, ymd};
/// assert_eq!(day(1970, 1, 1), 0);
/// assert_eq!(day(2024, 3, 1) - day(2024, 2, 28), 2); // a leap year
/// assert_eq!(ymd(day(2019, 12, 31)), (2019, 12, 31));
/// ```
pub fn day(y: i32, m: u32, d: u32) -> Day {
    number(civil(y, m, d))
}

/// The civil date `(year, month, day)` of a day number.
pub fn ymd(z: Day) -> (i32, u32, u32) {
    let c = civil_of(z);
    (
        i32::from(c.year()),
        u32::try_from(c.month()).unwrap_or(1),
        u32::try_from(c.day()).unwrap_or(1),
    )
}

/// The crate's [`Date`] of a day number.
pub fn to_date(z: Day) -> Date {
    let c = civil_of(z);
    Date {
        year: i32::from(c.year()),
        month: c.month().unsigned_abs(),
        day: c.day().unsigned_abs(),
    }
}

/// `YYYY-MM-DD` text of a day number.
pub fn iso(z: Day) -> String {
    let (y, m, d) = ymd(z);
    format!("{y:04}-{m:02}-{d:02}")
}

/// `dd/mm/YYYY` text of a day number.
pub fn dmy(z: Day) -> String {
    let (y, m, d) = ymd(z);
    format!("{d:02}/{m:02}/{y:04}")
}

fn days_in_month(y: i32, m: u32) -> u32 {
    civil(y, m, 1).days_in_month().unsigned_abs().into()
}

/// The last day of a month.
pub fn month_end(y: i32, m: u32) -> Day {
    day(y, m, days_in_month(y, m))
}

/// 31 March of `year` (the day a collection year ends and stock is counted).
pub fn march31(year: i32) -> Day {
    day(year, 3, 31)
}

/// The financial year (by the year of its closing 31 March) a day falls in.
pub fn fy_of(z: Day) -> i32 {
    let (y, m, _) = ymd(z);
    if m >= 4 { y + 1 } else { y }
}

/// Age in whole years on day `on` of a child born on day `dob` (birthdays counted
/// exactly; a child born on 29 February has a birthday on 1 March in common years).
///
/// ```
/// use carecast::ssda903::day::{age, day};
/// assert_eq!(age(day(2010, 4, 1), day(2020, 3, 31)), 9);
/// assert_eq!(age(day(2010, 4, 1), day(2020, 4, 1)), 10);
/// assert_eq!(age(day(2012, 2, 29), day(2013, 2, 28)), 0);
/// ```
pub fn age(dob: Day, on: Day) -> i32 {
    let (by, bm, bd) = ymd(dob);
    let (y, m, d) = ymd(on);
    let mut a = y - by;
    if (m, d) < (bm, bd) {
        a -= 1;
    }
    a
}

/// The day a child born on `dob` turns `years` old.
pub fn birthday(dob: Day, years: i32) -> Day {
    let (by, bm, bd) = ymd(dob);
    let y = by + years;
    if bm == 2 && bd == 29 && days_in_month(y, 2) == 28 {
        day(y, 3, 1)
    } else {
        day(y, bm, bd)
    }
}

fn digits(b: &[u8]) -> Option<u32> {
    if b.is_empty() || b.len() > 4 || !b.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(b.iter().fold(0, |a, c| a * 10 + u32::from(c - b'0')))
}

/// Parses `dd/mm/YYYY` (also `d/m/YYYY`) or ISO `YYYY-MM-DD` (a trailing time
/// ` 00:00:00` or `T00:00:00` is allowed); jiff decides whether the day exists.
///
/// # Errors
///
/// The reason, as text for the caller to locate (file, line, column), when the bytes are not
/// a date in either format, look like a spreadsheet serial number, or name a month or day
/// that does not exist.
///
/// ```
/// use carecast::ssda903::day::{day, parse};
/// assert_eq!(parse(b"05/04/2019"), Ok(day(2019, 4, 5)));
/// assert_eq!(parse(b"2019-04-05"), Ok(day(2019, 4, 5)));
/// assert!(parse(b"31/02/2019").is_err());
/// assert!(parse(b"43556").unwrap_err().contains("serial"));
/// ```
pub fn parse(b: &[u8]) -> Result<Day, String> {
    let s = b;
    let (y, m, d) = if s.len() >= 10 && s[4] == b'-' && s[7] == b'-' {
        let rest = &s[10..];
        if !(rest.is_empty()
            || ((rest[0] == b' ' || rest[0] == b'T')
                && rest[1..].iter().all(|c| c.is_ascii_digit() || *c == b':')))
        {
            return Err("not a date (expected dd/mm/YYYY or YYYY-MM-DD)".into());
        }
        match (digits(&s[0..4]), digits(&s[5..7]), digits(&s[8..10])) {
            (Some(y), Some(m), Some(d)) => (y, m, d),
            _ => return Err("not a date (expected YYYY-MM-DD)".into()),
        }
    } else if s.contains(&b'/') {
        let mut parts = s.split(|c| *c == b'/');
        let (Some(d), Some(m), Some(y), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err("not a date (expected dd/mm/YYYY)".into());
        };
        match (digits(d), digits(m), digits(y)) {
            (Some(d), Some(m), Some(y)) if y >= 1000 && d <= 31 => (y, m, d),
            _ => return Err("not a date (expected dd/mm/YYYY with a four-digit year)".into()),
        }
    } else if !s.is_empty() && s.iter().all(|c| c.is_ascii_digit() || *c == b'.') {
        return Err(
            "looks like a spreadsheet serial number, not a date (export dates as dd/mm/YYYY)"
                .into(),
        );
    } else {
        return Err("not a date (expected dd/mm/YYYY or YYYY-MM-DD)".into());
    };
    if !(1..=12).contains(&m) {
        return Err(format!("month {m} out of range (day and month swapped?)"));
    }
    // `digits` reads at most four digits, so every part fits the narrower integers.
    let (Ok(y16), Ok(m8), Ok(d8)) = (i16::try_from(y), i8::try_from(m), i8::try_from(d)) else {
        return Err(format!("year {y}, month {m} or day {d} out of range"));
    };
    match Civil::new(y16, m8, d8) {
        Ok(c) => Ok(number(c)),
        Err(_) => Err(format!("day {d} does not exist in month {m}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips() {
        for z in -1000..40_000 {
            let (y, m, d) = ymd(z);
            assert_eq!(day(y, m, d), z);
        }
        assert_eq!(iso(day(2020, 2, 29)), "2020-02-29");
        assert_eq!(dmy(day(2020, 2, 29)), "29/02/2020");
        assert_eq!(fy_of(day(2020, 3, 31)), 2020);
        assert_eq!(fy_of(day(2020, 4, 1)), 2021);
        assert_eq!(birthday(day(2012, 2, 29), 1), day(2013, 3, 1));
        assert!(parse(b"13/13/2020").unwrap_err().contains("swapped"));
        assert_eq!(parse(b"2020-01-02 00:00:00"), Ok(day(2020, 1, 2)));
    }
}
