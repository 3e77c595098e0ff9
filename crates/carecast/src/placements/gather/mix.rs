//! Children by placement type at published dates.

use std::collections::BTreeMap;

use super::citation;
use crate::data::ids::{TOTAL_CATEGORY, measure, table};
use crate::model::History;
use crate::placements::group_label;
use crate::placements::inputs::MixObservation;
use crate::{Band, Cell, Dataset, Date, Error, Location, Period, PlacementType, Result, Table};

/// How far the printed placement types may add up beyond the children in care at a date
/// before the mix is rejected: 2 children or 1% of the total, whichever is more. Published
/// tables drawn from different extracts disagree by a child or two (Derby City's types at
/// 31 March 2024 add to 488 against 487 children, `002_805fcef86a92c88e.txt`); more than
/// that is a transcription error or a table of something else.
pub(super) fn mix_excess_allowed(total: f64) -> f64 {
    (0.01 * total).max(2.0)
}

/// Children in care at a 31 March from the model's history.
pub(super) fn total_at(h: &History, date: Date) -> Option<f64> {
    if !date.is_year_end() {
        return None;
    }
    h.flows.iter().find_map(|f| {
        if f.year.end() == date {
            Some(f.closing.iter().sum())
        } else if f.year.start() == date {
            Some(f.opening.iter().sum())
        } else {
            None
        }
    })
}

/// Band stock in `[lo, hi)` at a 31 March from the history, when the bands line up.
pub(super) fn group_total_at(h: &History, date: Date, lo: u8, hi: u8) -> Option<f64> {
    let f = h
        .flows
        .iter()
        .find(|f| f.year.end() == date || f.year.start() == date)?;
    let v = if f.year.end() == date {
        &f.closing
    } else {
        &f.opening
    };
    let mut sum = 0.0;
    let mut covered = 0u8;
    for (b, x) in h.scheme.bands().iter().zip(v) {
        if b.lo() >= lo && b.hi() <= hi {
            sum += x;
            covered += b.hi() - b.lo();
        }
    }
    (covered == hi - lo).then_some(sum)
}

/// Counts printed for one age group at one date, before suppressed cells are filled.
#[derive(Default)]
struct Raw {
    exact: BTreeMap<PlacementType, f64>,
    unknown: Vec<(PlacementType, Option<f64>, String)>,
    printed_total: Option<f64>,
}

/// The printed cells of a table by (date, youngest age, one past the oldest).
fn raw_by_group(t: &Table) -> BTreeMap<(Date, u8, u8), Raw> {
    let mut by: BTreeMap<(Date, u8, u8), Raw> = BTreeMap::new();
    for r in &t.records {
        let Some(Period::Date(d)) = r.period else {
            continue;
        };
        let (lo, hi) = match &r.band {
            Some(Band::Ages(b)) => (b.lo(), b.hi()),
            _ => (0, 18),
        };
        let raw = by.entry((d, lo, hi)).or_default();
        match (r.placement, &r.cell) {
            (None, c) if r.category.as_deref() == Some(TOTAL_CATEGORY) => {
                raw.printed_total = c.value();
            }
            (None, _) => {}
            (Some(p), Cell::Exact { value, .. }) => *raw.exact.entry(p).or_default() += value,
            // Not applicable: the type did not exist at that date (e.g. a block contract
            // not yet started); it takes no share rather than an estimate.
            (Some(_), Cell::NotApplicable) => {}
            (Some(p), c) => {
                let hi = c.interval().and_then(|i| i.hi);
                raw.unknown.push((p, hi, c.text()));
            }
        }
    }
    by
}

/// Reads counts by type at each date from a table; fills suppressed cells from the total.
pub(super) fn observations_from(
    t: &Table,
    h: &History,
    quarter_ends: &BTreeMap<Date, (f64, String)>,
    notes: &mut Vec<String>,
) -> Result<Vec<MixObservation>> {
    let mut out = Vec::new();
    for ((date, lo, hi), raw) in raw_by_group(t) {
        let mut obs_notes = Vec::new();
        let total = if (lo, hi) == (0, 18) {
            total_at(h, date).or_else(|| {
                quarter_ends.get(&date).map(|(v, src)| {
                    obs_notes.push(format!(
                        "{date}: children in care taken from the quarter-end closing stock of {src}"
                    ));
                    *v
                })
            })
        } else {
            group_total_at(h, date, lo, hi).or(raw.printed_total)
        };
        let Some(total) = total else {
            notes.push(format!(
                "`{}` at {date}: no total of children in care for that date in the model's history, so this date is not used for the mix",
                t.meta.id
            ));
            continue;
        };
        let (counts, total) = fill(t, (date, lo, hi), &raw, total, &mut obs_notes)?;
        out.push(MixObservation {
            date,
            lo,
            hi,
            counts,
            total,
            source: citation(t),
            notes: obs_notes,
        });
    }
    Ok(out)
}

/// Counts by type of one group with suppressed cells and children in no printed type
/// filled from the total, and the total the shares are of.
fn fill(
    t: &Table,
    (date, lo, hi): (Date, u8, u8),
    raw: &Raw,
    total: f64,
    obs_notes: &mut Vec<String>,
) -> Result<(BTreeMap<PlacementType, f64>, f64)> {
    let mut counts = raw.exact.clone();
    let known: f64 = raw.exact.values().sum();
    let mut residual = total - known;
    if -residual > mix_excess_allowed(total) {
        return Err(Error::data(
            Location {
                table: Some(t.meta.id.clone()),
                ..Location::file(&t.meta.file)
            },
            format!(
                "at {date}, ages {}: the placement types add to {known}, more than the {total} children in care (by more than {:.1}); the shares cannot add to one",
                group_label(lo, hi),
                mix_excess_allowed(total)
            ),
        ));
    }
    if residual < -1e-9 {
        obs_notes.push(format!(
            "{date}: the printed types add to {known}, more than the {total} children in care; shares are of the printed types"
        ));
    }
    residual = residual.max(0.0);
    if !raw.unknown.is_empty() {
        // Suppressed cells: the children the published total leaves for them, shared
        // equally, each at most its interval's upper bound; never read as zero.
        let n = raw.unknown.len() as f64;
        let mut left = residual;
        for (p, cap, text) in &raw.unknown {
            let v = (residual / n).min(cap.unwrap_or(f64::INFINITY));
            *counts.entry(*p).or_default() += v;
            left -= v;
            obs_notes.push(format!(
                "{date}: `{}` printed {text:?}, estimated at {v:.2} from what the total of {total} leaves for the {} suppressed cells",
                p.code(),
                raw.unknown.len()
            ));
        }
        residual = left.max(0.0);
    }
    let total = if residual > 1e-9 {
        *counts.entry(PlacementType::Other).or_default() += residual;
        obs_notes.push(format!(
            "{date}: {residual:.0} children in care are in no printed type; counted as `other`"
        ));
        total
    } else {
        counts.values().sum::<f64>().max(total)
    };
    Ok((counts, total))
}

/// Closing stocks at quarter ends other than 31 March, from a `flows_quarterly` table
/// (measure `closing`, periods `YYYY/YY Qn`), with the table's citation.
pub(super) fn quarter_end_stocks(ds: &Dataset) -> BTreeMap<Date, (f64, String)> {
    let Ok(t) = ds.table(table::FLOWS_QUARTERLY) else {
        return BTreeMap::new();
    };
    t.records
        .iter()
        .filter(|r| r.measure == measure::CLOSING)
        .filter_map(|r| match (r.period, r.cell.value()) {
            (Some(Period::Quarter(fy, q)), Some(v)) if (1..=3).contains(&q) => {
                let (year, month, day) = match q {
                    1 => (fy.end_year() - 1, 6, 30),
                    2 => (fy.end_year() - 1, 9, 30),
                    _ => (fy.end_year() - 1, 12, 31),
                };
                Some((Date { year, month, day }, (v, citation(t))))
            }
            _ => None,
        })
        .collect()
}
