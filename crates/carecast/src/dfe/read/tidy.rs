//! Reading the tidy files, one observation a row: the EES rates and characteristics files
//! (2022 onwards), the 2024 dashboard tables and the ONS 0-17 estimates.

use std::collections::BTreeMap;

use super::{EES_LABELS, Layout, Level, Obs, Value, cell};
use crate::{Error, Location, Result};

struct Geo {
    level: Level,
    code: String,
    old: String,
    name: String,
}

/// Geography of an EES-style row. `None` for rows that are not national, regional or LA
/// (e.g. the dashboard's statistical-neighbour medians).
fn ees_geo(
    file: &str,
    line: usize,
    rec: &csv::StringRecord,
    col: &dyn Fn(&str) -> Option<usize>,
) -> Result<Option<Geo>> {
    let f = |c: &str| col(c).and_then(|i| rec.get(i)).unwrap_or("").trim();
    let clean = |s: &str| {
        if s == "NA" {
            String::new()
        } else {
            s.to_string()
        }
    };
    let level = match f("geographic_level") {
        "National" => Level::National,
        "Regional" => Level::Regional,
        "Local authority" => Level::LocalAuthority,
        l if l.starts_with("Statistical neighbours") => return Ok(None),
        other => {
            return Err(Error::data(
                Location::file(file)
                    .at_line(line)
                    .at_column("geographic_level"),
                format!("unknown geographic level {other:?}"),
            ));
        }
    };
    let name_of = |primary: &str| {
        let n = clean(f(primary));
        if n.is_empty() {
            clean(f("geo_breakdown"))
        } else {
            n
        }
    };
    Ok(Some(match level {
        Level::National => Geo {
            level,
            code: clean(f("country_code")),
            old: String::new(),
            name: {
                let n = name_of("country_name");
                if n == "National" { "England".into() } else { n }
            },
        },
        Level::Regional => Geo {
            level,
            code: clean(f("region_code")),
            old: String::new(),
            name: name_of("region_name"),
        },
        Level::LocalAuthority => Geo {
            level,
            code: clean(f("new_la_code")),
            old: clean(f("old_la_code")),
            name: name_of("la_name"),
        },
    }))
}

fn year_of(file: &str, line: usize, text: &str) -> Result<i32> {
    let t = text.trim();
    t.parse::<i32>()
        .ok()
        .filter(|y| (1990..=2100).contains(y))
        .ok_or_else(|| {
            Error::data(
                Location::file(file).at_line(line).at_column("time_period"),
                format!("{t:?} is not a year (years ending 31 March are printed as 2024)"),
            )
        })
}

pub(super) fn read_ees_rates(
    file: &str,
    layout: Layout,
    header: &[String],
    records: &[(usize, csv::StringRecord)],
    col: &dyn Fn(&str) -> Option<usize>,
) -> Result<Vec<Obs>> {
    let _ = header;
    let (tp, pc, pe, num, rate) = (
        col("time_period").unwrap_or(0),
        col("population_count").unwrap_or(0),
        col("population_estimate"),
        col("number").unwrap_or(0),
        col("rate_per_10000").unwrap_or(0),
    );
    let mut out = Vec::new();
    for (line, rec) in records {
        let Some(g) = ees_geo(file, *line, rec, col)? else {
            continue;
        };
        let f = |i: usize| rec.get(i).unwrap_or("");
        let year = year_of(file, *line, f(tp))?;
        let row = f(pc).trim();
        let (measure, rate_measure) = if row.starts_with("Children looked after at 31 March") {
            ("stock", "rate_per_10000")
        } else if row.starts_with("Children starting") {
            ("starts", "starts_rate_per_10000")
        } else if row.starts_with("Children ceasing") {
            ("ceases", "ceases_rate_per_10000")
        } else {
            return Err(Error::data(
                Location::file(file)
                    .at_line(*line)
                    .at_column("population_count"),
                format!(
                    "unknown row type {row:?} (expected children looked after at 31 March, starting or ceasing)"
                ),
            ));
        };
        // `z` in `number`: the council did not exist that year; its population (printed
        // `x` in EES 2024) is left out with it.
        if f(num).trim() == "z" {
            continue;
        }
        let mut push = |i: usize, m: &'static str| -> Result<()> {
            let at = || Location::file(file).at_line(*line).at_column(&header[i]);
            if let Some((value, printed)) = cell(f(i), layout, at)? {
                out.push(Obs {
                    year,
                    level: g.level,
                    code: g.code.clone(),
                    old_la_code: g.old.clone(),
                    name: g.name.clone(),
                    measure: m,
                    breakdown: "total".into(),
                    value,
                    printed,
                    line: *line,
                    column: header[i].clone(),
                });
            }
            Ok(())
        };
        push(num, measure)?;
        push(rate, rate_measure)?;
        if let Some(pe) = pe {
            push(pe, "population_0_17")?;
        }
    }
    Ok(out)
}

/// The measure the age rows of a characteristics file count: fixed by a dashboard's
/// layout, else told apart by the groups an EES file holds.
fn age_measure(
    file: &str,
    layout: Layout,
    records: &[(usize, csv::StringRecord)],
    grp: usize,
) -> Result<&'static str> {
    let groups: std::collections::BTreeSet<&str> =
        records.iter().filter_map(|(_, r)| r.get(grp)).collect();
    Ok(match layout {
        Layout::Dashboard31March => "stock",
        Layout::DashboardStarts => "starts",
        Layout::DashboardCeases => "ceases",
        _ if groups.contains("Age on ceasing") => "ceases",
        _ if groups.contains("Taken into care") => "starts",
        _ if groups.contains("Placement") || groups.contains("Locality of placement") => "stock",
        _ => {
            return Err(Error::data(
                Location::file(file).at_line(1),
                "an EES characteristics file whose groups show neither starts (`Taken into care`), ceases (`Age on ceasing`) nor 31 March stock (`Placement`)",
            ));
        }
    })
}

pub(super) fn read_characteristics(
    file: &str,
    layout: Layout,
    header: &[String],
    records: &[(usize, csv::StringRecord)],
    col: &dyn Fn(&str) -> Option<usize>,
) -> Result<Vec<Obs>> {
    let (tp, grp, ch) = (
        col("time_period").unwrap_or(0),
        col("cla_group").unwrap_or(0),
        col("characteristic").unwrap_or(0),
    );
    let num = match layout {
        Layout::Dashboard31March => col("cla_31_march_number"),
        Layout::DashboardStarts => col("placements_number"),
        _ => col("number"),
    }
    .unwrap_or(0);
    let age_measure = age_measure(file, layout, records, grp)?;
    let label = |s: &str| EES_LABELS.iter().find(|(k, _)| *k == s).map(|(_, v)| *v);
    let mut out = Vec::new();
    type CellKey = (i32, String, String, &'static str, String);
    let mut seen: BTreeMap<CellKey, (Value, usize)> = BTreeMap::new();
    for (line, rec) in records {
        let f = |i: usize| rec.get(i).unwrap_or("").trim();
        let (measure, breakdown): (&'static str, &str) = match f(grp) {
            "Age group" | "Age on ceasing" => match label(f(ch)) {
                Some(b) => (age_measure, b),
                None => {
                    return Err(Error::data(
                        Location::file(file)
                            .at_line(*line)
                            .at_column("characteristic"),
                        format!("unknown age band {:?}", f(ch)),
                    ));
                }
            },
            "Unaccompanied asylum-seeking children" if age_measure == "stock" => {
                if f(ch) != "UASC" {
                    continue;
                }
                ("uasc_stock", "total")
            }
            "Placement" if age_measure == "stock" => match label(f(ch)) {
                Some(b) => ("placement_stock", b),
                None => {
                    return Err(Error::data(
                        Location::file(file)
                            .at_line(*line)
                            .at_column("characteristic"),
                        format!("unknown placement type {:?}", f(ch)),
                    ));
                }
            },
            _ => continue,
        };
        let Some(g) = ees_geo(file, *line, rec, col)? else {
            continue;
        };
        let year = year_of(file, *line, f(tp))?;
        let at = || Location::file(file).at_line(*line).at_column(&header[num]);
        let Some((value, printed)) = cell(f(num), layout, at)? else {
            continue;
        };
        // Dashboard tables repeat each row (one per rate type, plus exact duplicates).
        let key = (
            year,
            g.code.clone(),
            g.name.clone(),
            measure,
            breakdown.to_string(),
        );
        if let Some((prev, prev_line)) = seen.get(&key) {
            if *prev != value {
                return Err(Error::data(
                    at(),
                    format!(
                        "{} {year} {measure} {breakdown}: {value:?} disagrees with {prev:?} on line {prev_line}",
                        g.name
                    ),
                ));
            }
            continue;
        }
        seen.insert(key, (value.clone(), *line));
        out.push(Obs {
            year,
            level: g.level,
            code: g.code,
            old_la_code: g.old,
            name: g.name,
            measure,
            breakdown: breakdown.to_string(),
            value,
            printed,
            line: *line,
            column: header[num].clone(),
        });
    }
    Ok(out)
}

pub(super) fn read_ons(
    file: &str,
    layout: Layout,
    records: &[(usize, csv::StringRecord)],
    col: &dyn Fn(&str) -> Option<usize>,
) -> Result<Vec<Obs>> {
    let (tp, ag, pe) = (
        col("time_period").unwrap_or(0),
        col("age_group").unwrap_or(0),
        col("population_estimate").unwrap_or(0),
    );
    let mut out = Vec::new();
    for (line, rec) in records {
        let f = |i: usize| rec.get(i).unwrap_or("").trim();
        if !f(ag).contains("0 to 17") {
            return Err(Error::data(
                Location::file(file).at_line(*line).at_column("age_group"),
                format!("age group {:?}: only children aged 0 to 17 are read", f(ag)),
            ));
        }
        let Some(g) = ees_geo(file, *line, rec, col)? else {
            continue;
        };
        // The mid-year estimate for mid-(t-1) is the denominator of the year ending March t.
        let year = year_of(file, *line, f(tp))? + 1;
        let at = || {
            Location::file(file)
                .at_line(*line)
                .at_column("population_estimate")
        };
        let Some((value, printed)) = cell(f(pe), layout, at)? else {
            continue;
        };
        out.push(Obs {
            year,
            level: g.level,
            code: g.code,
            old_la_code: g.old,
            name: g.name,
            measure: "population_0_17",
            breakdown: "total".into(),
            value,
            printed,
            line: *line,
            column: "population_estimate".into(),
        });
    }
    Ok(out)
}
