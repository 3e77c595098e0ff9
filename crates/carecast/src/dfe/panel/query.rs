//! Reading the panel: the panel as known at an origin, one cell's vintages and latest
//! value, and the rows (latest, every vintage, revisions) as records or CSV.

use super::{Key, MEASURES, Panel, Row, Status, Vintage, fmt_value, measure_index};
use crate::dfe::areas::Areas;

impl Panel {
    /// The panel as published by the end of `year`'s release cycle: only releases whose
    /// year is `year` or earlier (what a forecaster at origin `year` could have known).
    pub fn as_of(&self, year: i32) -> Panel {
        let keep: Vec<bool> = self.releases.iter().map(|r| r.year <= year).collect();
        let cells = self
            .cells
            .iter()
            .filter_map(|(k, vs)| {
                let vs: Vec<Vintage> = vs
                    .iter()
                    .filter(|v| keep[v.release as usize])
                    .cloned()
                    .collect();
                (!vs.is_empty()).then_some((*k, vs))
            })
            .collect();
        Panel {
            releases: self.releases.clone(),
            sources: self.sources.clone(),
            breakdowns: self.breakdowns.clone(),
            cells,
            skipped: self.skipped.clone(),
        }
    }

    /// The latest vintage of a cell: the latest release's value, except that a later
    /// "not available" never replaces an earlier entry.
    pub fn latest<'a>(&self, vintages: &'a [Vintage]) -> Option<&'a Vintage> {
        vintages
            .iter()
            .rev()
            .find(|v| v.status != Status::NotAvailable)
            .or_else(|| vintages.last())
    }

    /// The key of a cell by canonical area code, measure, breakdown and year.
    pub fn key(&self, area_code: &str, measure: &str, breakdown: &str, year: i32) -> Option<Key> {
        Some(Key {
            area: u16::try_from(Areas::bundled().index_of(area_code)?).ok()?,
            measure: measure_index(measure)?,
            breakdown: u16::try_from(self.breakdowns.iter().position(|b| b == breakdown)?).ok()?,
            year: i16::try_from(year).ok()?,
        })
    }

    /// The latest vintage of a cell.
    pub fn cell(
        &self,
        area_code: &str,
        measure: &str,
        breakdown: &str,
        year: i32,
    ) -> Option<&Vintage> {
        let k = self.key(area_code, measure, breakdown, year)?;
        self.latest(self.cells.get(&k)?)
    }

    /// The latest number of a cell (`None` if absent, suppressed or not available).
    pub fn latest_value(
        &self,
        area_code: &str,
        measure: &str,
        breakdown: &str,
        year: i32,
    ) -> Option<f64> {
        self.cell(area_code, measure, breakdown, year)?.value
    }

    fn row(&self, k: &Key, v: &Vintage) -> Row {
        let a = Areas::bundled().get(k.area as usize);
        Row {
            year: i32::from(k.year),
            geographic_level: a.level.label(),
            area_code: a.code.clone(),
            old_la_code: a.old_la_code.clone(),
            area_name: a.name.clone(),
            measure: MEASURES[k.measure as usize],
            breakdown: self.breakdowns[k.breakdown as usize].clone(),
            value: v.value,
            status: v.status.label(),
            printed: v.printed.clone(),
            release: self.releases[v.release as usize].label.clone(),
            source: self.sources[v.source as usize].clone(),
        }
    }

    /// The long panel, latest release per cell (the rows of `cla_panel.csv`).
    pub fn latest_rows(&self) -> Vec<Row> {
        self.cells
            .iter()
            .filter_map(|(k, vs)| self.latest(vs).map(|v| self.row(k, v)))
            .collect()
    }

    /// Every vintage (the rows of `cla_panel_vintages.csv`).
    pub fn vintage_rows(&self) -> Vec<Row> {
        self.cells
            .iter()
            .flat_map(|(k, vs)| vs.iter().map(move |v| self.row(k, v)))
            .collect()
    }

    /// The vintages of cells whose value or status differs between releases.
    pub fn revision_rows(&self) -> Vec<Row> {
        self.cells
            .iter()
            .filter(|(_, vs)| {
                vs.windows(2)
                    .any(|w| w[0].value != w[1].value || w[0].status != w[1].status)
            })
            .flat_map(|(k, vs)| vs.iter().map(move |v| self.row(k, v)))
            .collect()
    }

    /// The panel's columns, in the order of `cla_panel.csv`'s header.
    ///
    /// ```
    /// assert_eq!(carecast::dfe::Panel::COLUMNS[7], "value");
    /// ```
    pub const COLUMNS: [&'static str; 12] = [
        "year",
        "geographic_level",
        "area_code",
        "old_la_code",
        "area_name",
        "measure",
        "breakdown",
        "value",
        "status",
        "printed",
        "release",
        "source",
    ];

    /// Rows as CSV with the header of `cla_panel.csv` ([`Panel::COLUMNS`]).
    pub fn rows_csv(rows: &[Row]) -> String {
        let mut w = csv::Writer::from_writer(Vec::new());
        let _ = w.write_record(Self::COLUMNS);
        for r in rows {
            let _ = w.write_record([
                r.year.to_string().as_str(),
                r.geographic_level,
                &r.area_code,
                &r.old_la_code,
                &r.area_name,
                r.measure,
                &r.breakdown,
                &r.value.map(fmt_value).unwrap_or_default(),
                r.status,
                &r.printed,
                &r.release,
                &r.source,
            ]);
        }
        String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
    }
}
