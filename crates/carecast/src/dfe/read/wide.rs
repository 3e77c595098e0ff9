//! Reading the wide SFR/ULD files (2013-2019): each documented column of [`WIDE_ALIASES`]
//! to observations, with the year the file reports on.

use super::{Layout, Level, Obs, WIDE_ALIASES, cell, report_year, year_suffix};
use crate::{Error, Location, Result};

/// What a wide column holds once the file's own year is known.
fn wide_rule(
    layout: Layout,
    col: &str,
    own: i32,
    single_total: bool,
    pop_offset: i32,
    has_othpl: bool,
    has_cea17: bool,
) -> Option<(&'static str, String, i32)> {
    let kind = match layout {
        Layout::WideStock => "stock",
        Layout::WideStarts => "starts",
        _ => "ceases",
    };
    for &(k, pat, measure, breakdown, _) in WIDE_ALIASES {
        if k != kind {
            continue;
        }
        let year = if let Some(prefix) = pat.strip_suffix("{Y}") {
            match year_suffix(col, prefix) {
                Some(y) => y,
                None => continue,
            }
        } else if col == pat {
            own
        } else {
            continue;
        };
        let (year, breakdown) = match pat {
            "CLA_started{Y}" if single_total => (own, breakdown),
            "CLA_Pop{Y}" => (year + pop_offset, breakdown),
            "CLA_Miss" if !has_othpl => (year, "other placements"),
            "CLA_cea16" if has_cea17 => (year, "16"),
            _ => (year, breakdown),
        };
        return Some((measure, breakdown.to_string(), year));
    }
    None
}

pub(super) fn read_wide(
    file: &str,
    layout: Layout,
    header: &[String],
    records: &[(usize, csv::StringRecord)],
    own_year: Option<i32>,
    skipped: &mut Vec<(usize, String)>,
) -> Result<Vec<Obs>> {
    let yrs = |p: &str| -> Vec<i32> { header.iter().filter_map(|h| year_suffix(h, p)).collect() };
    let (mar, pop, started, cease) = (
        yrs("CLA_Mar"),
        yrs("CLA_Pop"),
        yrs("CLA_started"),
        yrs("CLA_cease"),
    );
    let own = report_year(file, own_year, [&mar, &started, &cease])?;
    let pop_offset = match (mar.iter().min(), pop.iter().min()) {
        (Some(m), Some(p)) if p + 1 == *m => 1,
        _ => 0,
    };
    let has = |c: &str| header.iter().any(|h| h == c);
    let (has_othpl, has_cea17) = (has("CLA_OthPl"), has("CLA_cea17"));
    let single_total = started.len() == 1;
    let cols: Vec<(usize, &'static str, String, i32)> = header
        .iter()
        .enumerate()
        .filter_map(|(i, h)| {
            wide_rule(
                layout,
                h,
                own,
                single_total,
                pop_offset,
                has_othpl,
                has_cea17,
            )
            .map(|(m, b, y)| (i, m, b, y))
        })
        .collect();
    let gi = |c: &str| header.iter().position(|h| h == c).unwrap_or(0);
    let (gl, gc, gn, code) = (
        gi("geog_l"),
        gi("geog_c"),
        gi("geog_n"),
        gi("New_geog_code"),
    );
    let mut out = Vec::new();
    for (line, rec) in records {
        let f = |i: usize| rec.get(i).unwrap_or("").trim();
        let level = match f(gl) {
            "NATIONAL" => Level::National,
            "REGION" => Level::Regional,
            "LA" => Level::LocalAuthority,
            "" => {
                skipped.push((
                    *line,
                    format!(
                        "{} ({}): no geographic level (geog_l empty)",
                        f(gn),
                        f(code)
                    ),
                ));
                continue;
            }
            other => {
                return Err(Error::data(
                    Location::file(file).at_line(*line).at_column("geog_l"),
                    format!("unknown geographic level {other:?} (expected NATIONAL, REGION or LA)"),
                ));
            }
        };
        for (i, measure, breakdown, year) in &cols {
            let at = || Location::file(file).at_line(*line).at_column(&header[*i]);
            let Some((value, printed)) = cell(f(*i), layout, at)? else {
                continue;
            };
            out.push(Obs {
                year: *year,
                level,
                code: f(code).to_string(),
                old_la_code: if level == Level::LocalAuthority {
                    f(gc).to_string()
                } else {
                    String::new()
                },
                name: f(gn).to_string(),
                measure,
                breakdown: breakdown.clone(),
                value,
                printed,
                line: *line,
                column: header[*i].clone(),
            });
        }
    }
    Ok(out)
}
