//! The first step of a council's dataset: for each measure, year and band, the value
//! chosen from the panel's vintages (the latest release's), with bands made coherent with
//! the printed total.

use std::collections::BTreeMap;

use super::{BANDS, CEASE_BANDS, Chosen, Gathered};
use crate::dfe::panel::{Key, MEASURES, Panel, Status, Vintage};

fn chosen(panel: &Panel, v: &Vintage) -> Chosen {
    let rel = &panel.releases[v.release as usize].label;
    match (v.status, v.value) {
        (Status::Published, Some(x)) => Chosen::exact(x, rel.clone()),
        (Status::Derived, Some(x)) => Chosen::exact(
            x,
            format!("{rel}; derived as the sum of ages 16, 17 and 18+"),
        ),
        (Status::Suppressed, _) => Chosen {
            text: "x".into(),
            note: format!("{rel}; suppressed by DfE (printed {:?})", v.printed),
            number: None,
            lower: 0.0,
            upper: None,
        },
        _ => Chosen {
            text: String::new(),
            note: format!("{rel}; not available (printed {:?})", v.printed),
            number: None,
            lower: 0.0,
            upper: None,
        },
    }
}

/// The cells of one area: measure -> year -> breakdown -> vintages.
type AreaCells<'a> = BTreeMap<&'static str, BTreeMap<i32, BTreeMap<&'a str, &'a [Vintage]>>>;

fn area_cells<'a>(panel: &'a Panel, area: usize) -> AreaCells<'a> {
    let mut out: AreaCells<'a> = BTreeMap::new();
    let Ok(area) = u16::try_from(area) else {
        return out;
    };
    // Cells are ordered by area first: only this area's range is read.
    let first = Key {
        area,
        measure: 0,
        breakdown: 0,
        year: i16::MIN,
    };
    for (k, vs) in panel.cells.range(first..) {
        if k.area != area {
            break;
        }
        out.entry(MEASURES[k.measure as usize])
            .or_default()
            .entry(i32::from(k.year))
            .or_default()
            .insert(
                panel.breakdowns[k.breakdown as usize].as_str(),
                vs.as_slice(),
            );
    }
    out
}

/// Bands and total of one year and measure from one release (the latest release that
/// prints the bands), so that they add up; one suppressed band with a published total is
/// the total less the other bands.
fn coherent(
    panel: &Panel,
    year: &BTreeMap<&str, &[Vintage]>,
    bands: &[(&str, &str)],
) -> (BTreeMap<String, Chosen>, bool) {
    let rel = bands
        .iter()
        .filter_map(|(b, _)| year.get(b))
        .flat_map(|vs| vs.iter())
        .filter(|v| v.status != Status::NotAvailable)
        .map(|v| v.release)
        .max();
    let pick = |b: &str| -> Option<Chosen> {
        let vs = year.get(b)?;
        let v = rel
            .and_then(|r| vs.iter().find(|v| v.release == r))
            .or_else(|| panel.latest(vs))?;
        Some(chosen(panel, v))
    };
    let mut out = BTreeMap::new();
    for (b, label) in bands {
        if let Some(c) = pick(b) {
            out.insert(label.to_string(), c);
        }
    }
    if let Some(c) = pick("total") {
        out.insert("all".to_string(), c);
    }
    // One suppressed band and a printed total: the band is exactly the difference.
    let missing: Vec<String> = bands
        .iter()
        .map(|(_, l)| l.to_string())
        .filter(|l| out.get(l).is_none_or(|c| c.number.is_none()))
        .collect();
    if let ([m], Some(total)) = (missing.as_slice(), out.get("all").and_then(|c| c.number)) {
        let others: f64 = bands
            .iter()
            .filter(|(_, l)| l != m)
            .filter_map(|(_, l)| out.get(*l).and_then(|c| c.number))
            .sum();
        if others <= total && out.contains_key(m) {
            let note = out.get(m).map(|c| c.note.clone()).unwrap_or_default();
            out.insert(
                m.clone(),
                Chosen::exact(
                    total - others,
                    format!("{note}; filled as the total less the other bands of the same release"),
                ),
            );
        }
    }
    if missing.len() > 1
        && let Some(total) = out.get("all").and_then(|c| c.number)
    {
        // Several suppressed bands: each is at most the total less the printed bands.
        let known: f64 = bands
            .iter()
            .filter_map(|(_, l)| out.get(*l).and_then(|c| c.number))
            .sum();
        for m in &missing {
            if let Some(c) = out.get_mut(m)
                && c.text == "x"
            {
                c.upper = Some((total - known).max(0.0));
            }
        }
    }
    let complete = bands
        .iter()
        .all(|(_, l)| out.get(*l).is_some_and(|c| c.number.is_some()));
    (out, complete)
}

pub(super) fn gather(panel: &Panel, area: usize) -> Gathered {
    let cells = area_cells(panel, area);
    let mut g = Gathered::default();
    let each = |m: &str| cells.get(m).into_iter().flat_map(|ys| ys.iter());
    for (y, b) in each("stock") {
        g.stock.insert(*y, coherent(panel, b, BANDS).0);
    }
    for (y, b) in each("starts") {
        g.starts.insert(*y, coherent(panel, b, BANDS).0);
    }
    for (y, b) in each("ceases") {
        g.ceases.insert(*y, coherent(panel, b, CEASE_BANDS).0);
        if !b.contains_key("16")
            && let Some(v) = b.get("16+").and_then(|vs| panel.latest(vs))
        {
            g.ceases_16p.insert(*y, chosen(panel, v));
        }
    }
    let total = |m: &str, out: &mut BTreeMap<i32, Chosen>| {
        for (y, b) in each(m) {
            if let Some(v) = b.get("total").and_then(|vs| panel.latest(vs)) {
                out.insert(*y, chosen(panel, v));
            }
        }
    };
    total("stock", &mut g.stock_total);
    total("starts", &mut g.starts_total);
    total("ceases", &mut g.ceases_total);
    total("uasc_stock", &mut g.uasc);
    total("population_0_17", &mut g.population);
    for (y, b) in each("placement_stock") {
        let row = g.placements.entry(*y).or_default();
        for (cat, vs) in b {
            if let Some(v) = panel.latest(vs) {
                let cat = if *cat == "total" { "Total" } else { cat };
                row.insert(cat.to_string(), chosen(panel, v));
            }
        }
    }
    g
}
