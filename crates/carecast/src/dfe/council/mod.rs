//! A council, region or England from the national panel as a [`Dataset`] in the bundled
//! datasets' table format, so the cohort model, projections and backtests read it
//! unchanged.

use std::collections::BTreeMap;

use super::areas::{Area, Areas};
use super::panel::Panel;
use super::read::Level;
use crate::{Dataset, Result};

mod gather;
mod render;
mod sum;

use gather::gather;
use render::render;
use sum::combine_gathered;

/// Age bands of stock and starts, with the table format's labels.
const BANDS: &[(&str, &str)] = &[
    ("under 1", "under 1"),
    ("1-4", "1-4"),
    ("5-9", "5-9"),
    ("10-15", "10-15"),
    ("16+", "16+"),
];
/// Bands of ceases (16+ = 16 and over, including 18+ for ceases).
const CEASE_BANDS: &[(&str, &str)] = &[
    ("under 1", "under 1"),
    ("1-4", "1-4"),
    ("5-9", "5-9"),
    ("10-15", "10-15"),
    ("16", "16"),
    ("17", "17"),
    ("18+", "18"),
];

/// One value chosen for a dataset cell.
#[derive(Debug, Clone)]
struct Chosen {
    text: String,
    note: String,
    number: Option<f64>,
    /// Bounds of the value (the number when exact; for a suppressed cell 0 and, where the
    /// year's total is printed, the total less the printed bands).
    lower: f64,
    upper: Option<f64>,
}

impl Chosen {
    fn exact(x: f64, note: String) -> Chosen {
        Chosen {
            text: fmt_num(x),
            note,
            number: Some(x),
            lower: x,
            upper: Some(x),
        }
    }
}

/// A whole number without a decimal point (`-0` shows as `0`), any other as Rust prints it.
fn fmt_num(v: f64) -> String {
    if v == 0.0 {
        "0".to_string()
    } else if v.fract() == 0.0 {
        format!("{v:.0}")
    } else {
        format!("{v}")
    }
}

type Nested = BTreeMap<i32, BTreeMap<String, Chosen>>;

/// Everything a dataset is made of, per measure: year -> band or category -> value.
#[derive(Debug, Clone, Default)]
struct Gathered {
    stock: BTreeMap<i32, BTreeMap<String, Chosen>>,
    starts: BTreeMap<i32, BTreeMap<String, Chosen>>,
    ceases: BTreeMap<i32, BTreeMap<String, Chosen>>,
    ceases_16p: BTreeMap<i32, Chosen>,
    /// Headline totals of stock, starts and ceases: the latest release that prints the
    /// total, which may be later than the release of the bands (`flows_annual`).
    stock_total: BTreeMap<i32, Chosen>,
    starts_total: BTreeMap<i32, Chosen>,
    ceases_total: BTreeMap<i32, Chosen>,
    uasc: BTreeMap<i32, Chosen>,
    population: BTreeMap<i32, Chosen>,
    placements: BTreeMap<i32, BTreeMap<String, Chosen>>,
}

/// The dataset of one area of a panel.
///
/// ```
/// let p = carecast::dfe::Panel::bundled().unwrap();
/// let a = carecast::dfe::Areas::bundled().find("Derby").unwrap();
/// let d = carecast::dfe::council_dataset(p, a).unwrap();
/// assert_eq!(d.name, "dfe:Derby");
/// let m = carecast::CohortModel::fit(&d).unwrap();
/// assert_eq!(*m.base_years().last().unwrap(), 2024);
/// ```
///
/// # Errors
/// [`crate::Error::Data`] if the generated tables do not parse (a bug), or
/// [`crate::Error::Model`] if the area has no data at all.
pub fn council_dataset(panel: &Panel, area: &Area) -> Result<Dataset> {
    let areas = Areas::bundled();
    let idx = areas.index_of(&area.code).unwrap_or(usize::MAX);
    let g = gather(panel, idx);
    if g.stock.is_empty() && g.starts.is_empty() {
        return Err(crate::Error::model(format!(
            "{} ({}) has no values in the DfE panel",
            area.name, area.code
        )));
    }
    let first = g.stock.keys().next().copied().unwrap_or(0);
    let last = g.stock.keys().last().copied().unwrap_or(0);
    let mut notes: Vec<String> = vec![format!(
        "DfE figures for {} ({}{}), years ending 31 March {first}-{last}; each value is the latest release's (release in the cell note)",
        area.name,
        area.code,
        if area.old_la_code.is_empty() {
            String::new()
        } else {
            format!(", DfE {}", area.old_la_code)
        }
    )];
    if area.level != Level::LocalAuthority {
        notes.push("national and regional counts are rounded by DfE to the nearest 10".into());
    }
    for c in areas.changes_of(&area.code) {
        notes.push(format!(
            "boundary change {}: {} -> {} ({}): {}",
            c.effective_date, c.predecessor_name, c.successor_name, c.change, c.treatment
        ));
    }
    render(
        &format!("dfe:{}", area.name),
        &format!("{} (DfE statistics)", area.name),
        &g,
        notes,
    )
}

/// A `dfe:` dataset by name (the part after `dfe:`): council or region name, ONS code or
/// DfE number, case-insensitive.
///
/// ```
/// let d = carecast::dfe::dataset("891").unwrap();
/// assert_eq!(d.name, "dfe:Nottinghamshire");
/// let e = carecast::dfe::dataset("Nottinghamshre").unwrap_err().to_string();
/// assert!(e.contains("did you mean \"Nottinghamshire\""), "{e}");
/// ```
///
/// # Errors
/// [`crate::Error::UnknownName`] for an unknown area, with the closest name.
pub fn dataset(query: &str) -> Result<Dataset> {
    dataset_in(Panel::bundled()?, query)
}

/// As [`dataset`], from a given panel (e.g. the bundled one with a newer release added).
///
/// # Errors
/// As [`dataset`].
pub fn dataset_in(panel: &Panel, query: &str) -> Result<Dataset> {
    council_dataset(panel, Areas::try_bundled()?.find(query)?)
}

/// A named group of councils (or regions) as one dataset: counts summed, a sum with
/// suppressed parts kept as a suppressed cell with its bounds (never zero). A cell exists
/// only where every member has it (the notes list what is left out).
///
/// ```
/// let p = carecast::dfe::Panel::bundled().unwrap();
/// let d = carecast::dfe::combine(p, &["Derby", "Derbyshire", "Nottingham", "Nottinghamshire"], "D2N2").unwrap();
/// assert_eq!(d.name, "D2N2");
/// assert!(carecast::CohortModel::fit(&d).is_ok());
/// ```
///
/// # Errors
/// [`crate::Error::UnknownName`] for an unknown member; [`crate::Error::InvalidArgument`]
/// for an empty or repeated list.
pub fn combine(panel: &Panel, members: &[&str], name: &str) -> Result<Dataset> {
    let areas = Areas::try_bundled()?;
    if members.is_empty() {
        return Err(crate::Error::argument(
            "members",
            "[]",
            "name at least one council",
        ));
    }
    let mut found: Vec<&Area> = Vec::new();
    for m in members {
        let a = areas.find(m)?;
        if found.iter().any(|f| f.code == a.code) {
            return Err(crate::Error::argument(
                "members",
                m,
                format!("{} is named twice", a.name),
            ));
        }
        found.push(a);
    }
    let parts: Vec<Gathered> = found
        .iter()
        .map(|a| gather(panel, areas.index_of(&a.code).unwrap_or(usize::MAX)))
        .collect();
    let mut missing = Vec::new();
    let g = combine_gathered(&parts, &mut missing);
    let mut notes = vec![format!(
        "sum of the DfE figures of {}; a sum with a suppressed part is a suppressed cell with bounds (0 for each suppressed part, and at most its council's total less the printed bands where the total is printed)",
        found
            .iter()
            .map(|a| a.name.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    )];
    if !missing.is_empty() {
        let shown: Vec<&str> = missing.iter().take(8).map(String::as_str).collect();
        notes.push(format!(
            "{} cells are left out because not every member has them (e.g. {})",
            missing.len(),
            shown.join("; ")
        ));
    }
    for a in &found {
        for c in areas.changes_of(&a.code) {
            notes.push(format!(
                "{}: boundary change {}: {}",
                a.name, c.effective_date, c.treatment
            ));
        }
    }
    render(name, name, &g, notes)
}
