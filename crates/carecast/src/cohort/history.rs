//! The observed history: a dataset's tables read into yearly flows by band, and the
//! years the age-band tables print but cannot complete.

use serde::{Deserialize, Serialize};

use crate::{Band, BandScheme, Dataset, Error, FinancialYear, Period, Record, Result, Table};

/// Observed flows of one financial year, by band of the history's scheme.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct YearFlows {
    /// The financial year.
    pub year: FinancialYear,
    /// Stock at its start, by band.
    pub opening: Vec<f64>,
    /// Admissions in the year, by band.
    pub admissions: Vec<f64>,
    /// Stock at its end, by band.
    pub closing: Vec<f64>,
    /// Published discharges (all ages), if published.
    pub discharges: Option<f64>,
}

/// The observed history a model is fitted to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct History {
    /// The dataset's name.
    pub dataset: String,
    /// Band scheme of the published tables.
    pub scheme: BandScheme,
    /// Observed years, in order.
    pub years: Vec<FinancialYear>,
    /// Flows of each year.
    pub flows: Vec<YearFlows>,
    /// Where the figures came from and what was assumed.
    pub notes: Vec<String>,
}

fn exact(t: &Table, pick: impl Fn(&Record) -> bool) -> Vec<(&Record, f64)> {
    t.records
        .iter()
        .filter(|r| pick(r))
        .filter_map(|r| r.cell.value().map(|v| (r, v)))
        .collect()
}

/// The cells of `t` picked by `pick` that are printed but are not counts (`<10`, `x`,
/// `c`, ...), each named by its table, file, line, period, measure and band.
fn unreadable(t: &Table, pick: impl Fn(&Record) -> bool) -> Vec<String> {
    t.records
        .iter()
        .filter(|r| pick(r) && r.cell.value().is_none())
        .map(|r| {
            format!(
                "`{}` ({}) line {}, {} `{}`{} is `{}`, not a count",
                t.meta.id,
                t.meta.file,
                r.line,
                r.period.map_or_else(String::new, |p| p.to_string()),
                r.measure,
                r.band.map_or_else(String::new, |b| format!(" band `{b}`")),
                r.cell.text()
            )
        })
        .collect()
}

/// A table, a measure, a calendar year and how to read a record's calendar year.
type Wanted<'a> = (&'a Table, &'a str, i32, &'a dyn Fn(&Record) -> Option<i32>);

/// The years after `last` (the last complete year of the band tables) that `stock` or
/// `adm` print, each with the cells that keep it from being complete: a cell that is not
/// a count (`<10`, `x`), a band outside the DfE bands, a DfE band with no row. Each cell
/// is named by its table, file, line, period and band.
fn band_gaps(stock: &Table, adm: &Table, last: Option<FinancialYear>) -> Vec<(i32, Vec<String>)> {
    let scheme = BandScheme::dfe();
    let after = last.map_or(i32::MIN, |fy| fy.end_year());
    let stock_year = |r: &Record| match r.period {
        Some(Period::Date(d)) if d.is_year_end() => Some(d.year),
        _ => None,
    };
    let adm_year = |r: &Record| match r.period {
        Some(Period::Year(fy)) => Some(fy.end_year()),
        _ => None,
    };
    let years: std::collections::BTreeSet<i32> = stock
        .records
        .iter()
        .filter(|r| r.measure == "stock")
        .filter_map(stock_year)
        .chain(
            adm.records
                .iter()
                .filter(|r| r.measure == "admissions")
                .filter_map(adm_year),
        )
        .filter(|&y| y > after)
        .collect();
    let mut out = Vec::new();
    for y in years {
        let mut cells = Vec::new();
        // Stock at the year's opening (31 March y-1) and closing (31 March y); admissions in it.
        let wanted: [Wanted<'_>; 3] = [
            (stock, "stock", y - 1, &stock_year),
            (stock, "stock", y, &stock_year),
            (adm, "admissions", y, &adm_year),
        ];
        for (t, measure, at, year_of) in wanted {
            let rows: Vec<&Record> = t
                .records
                .iter()
                .filter(|r| r.measure == measure && year_of(r) == Some(at))
                .collect();
            let place = |r: &Record| {
                format!(
                    "`{}` ({}) line {}, {} band `{}`",
                    t.meta.id,
                    t.meta.file,
                    r.line,
                    r.period.map_or_else(String::new, |p| p.to_string()),
                    r.band.map_or_else(String::new, |b| b.to_string())
                )
            };
            let mut seen = vec![false; scheme.bands().len()];
            for r in &rows {
                if let Some(Band::Ages(a)) = r.band {
                    match scheme.position(&a) {
                        Some(i) => {
                            if r.cell.value().is_some() {
                                seen[i] = true;
                            } else {
                                cells.push(format!(
                                    "{} is `{}`, not a count",
                                    place(r),
                                    r.cell.text()
                                ));
                            }
                        }
                        None => cells.push(format!(
                            "{} is not one of the DfE bands ({})",
                            place(r),
                            scheme
                                .bands()
                                .iter()
                                .map(ToString::to_string)
                                .collect::<Vec<_>>()
                                .join(", ")
                        )),
                    }
                }
            }
            for (i, b) in scheme.bands().iter().enumerate() {
                let printed = rows
                    .iter()
                    .any(|r| matches!(r.band, Some(Band::Ages(a)) if a == *b));
                if !seen[i] && !printed {
                    cells.push(format!(
                        "`{}` ({}) has no {measure} row for band `{b}` in {}",
                        t.meta.id,
                        t.meta.file,
                        if measure == "stock" {
                            format!("31 March {at}")
                        } else {
                            FinancialYear::ending(at).to_string()
                        }
                    ));
                }
            }
        }
        if !cells.is_empty() {
            out.push((y, cells));
        }
    }
    out
}

/// The notes of the tables a history is read from that speak of years left out of the
/// fit, or of the fit falling back to all-ages totals, each once.
fn left_out_notes(ds: &Dataset) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for id in ["cic_by_age", "admissions_by_age", "flows_annual"] {
        let Ok(t) = ds.table(id) else { continue };
        let Some(text) = t.meta.notes.as_deref() else {
            continue;
        };
        let lower = text.to_lowercase();
        if !(lower.contains("left out") || lower.contains("all-ages totals")) {
            continue;
        }
        let note = format!("the dataset's notes on the years the fit stands on (`{id}`): {text}");
        if !out.iter().any(|n| n.ends_with(text)) {
            out.push(note);
        }
    }
    out
}

impl History {
    /// Extracts the history from a dataset: stock by age band at 31 March and admissions
    /// by band (`cic_by_age`, `admissions_by_age`), or, where only totals are published,
    /// annual flows on one all-ages band (`flows_annual`).
    ///
    /// Where both are published and the totals run to a later year than the complete
    /// band tables (a release that prints totals only for its latest years), the totals
    /// are used, so that the history ends at the latest published year; a note says so.
    ///
    /// A year the band tables print but cannot complete (a suppressed `<10` cell, a band
    /// outside the DfE bands, a missing row) is never dropped without a word: without
    /// `flows_annual` the all-ages `all` rows of the same tables serve as the totals, and
    /// the notes name the year, the table, the line and the cell that kept the band
    /// tables from it, whether the model runs on the totals or, when they are incomplete
    /// too, without that year.
    ///
    /// # Errors
    /// When the dataset has neither the band tables nor `flows_annual`, or no year with
    /// complete, unsuppressed opening, admissions and closing figures.
    ///
    /// The notes end with the dataset's own notes on years the fit leaves out (a
    /// table's note that names years left out of the fit or a switch to all-ages
    /// totals), so that a projection says which years it stood on.
    pub fn from_dataset(ds: &Dataset) -> Result<History> {
        let mut h = Self::read(ds)?;
        h.notes.extend(left_out_notes(ds));
        Ok(h)
    }

    /// [`History::from_dataset`] without the dataset's notes.
    fn read(ds: &Dataset) -> Result<History> {
        let tables = match (ds.table("cic_by_age"), ds.table("admissions_by_age")) {
            (Ok(stock), Ok(adm)) => Some((stock, adm)),
            _ => None,
        };
        let bands = tables.map(|(stock, adm)| Self::from_bands(ds, stock, adm));
        // The years the band tables print but do not complete, after their last complete one.
        let unfinished = match (tables, &bands) {
            (Some((stock, adm)), Some(Ok(b))) => band_gaps(stock, adm, b.years.last().copied()),
            _ => Vec::new(),
        };
        let totals = match ds.table("flows_annual") {
            Ok(flows) => Some(Self::from_totals(ds, flows)),
            Err(_) if !unfinished.is_empty() => Some(Self::totals_from_dataset(ds)),
            Err(_) => None,
        };
        let why = if unfinished.is_empty() {
            String::new()
        } else {
            format!(
                " ({})",
                unfinished
                    .iter()
                    .map(|(y, cells)| format!(
                        "{} is incomplete in the age-band tables: {}",
                        FinancialYear::ending(*y),
                        cells.join("; ")
                    ))
                    .collect::<Vec<_>>()
                    .join("; ")
            )
        };
        match (bands, totals) {
            (Some(Ok(b)), Some(Ok(t))) if t.years.last() > b.years.last() => {
                let mut t = t;
                t.notes.push(format!(
                    "the complete age-band tables end in {}, the totals in {}: the model runs on the totals{why}",
                    b.years.last().map_or_else(String::new, ToString::to_string),
                    t.years.last().map_or_else(String::new, ToString::to_string),
                ));
                Ok(t)
            }
            (Some(Ok(mut b)), _) if !unfinished.is_empty() => {
                b.notes.push(format!(
                    "the fit leaves out the years after {}, which the tables print but neither the age bands nor the totals complete{why}",
                    b.years.last().map_or_else(String::new, ToString::to_string),
                ));
                Ok(b)
            }
            (Some(Err(_)), Some(Ok(t))) => Ok(t),
            (Some(b), _) => b,
            (None, Some(t)) => t,
            (None, None) => Err(Error::model(format!(
                "dataset {:?} has neither `cic_by_age` + `admissions_by_age` nor `flows_annual`",
                ds.name
            ))),
        }
    }

    /// The all-ages history of a dataset (one band of ages 0-17): from `flows_annual`
    /// where published, otherwise from the `all` rows of `cic_by_age` and
    /// `admissions_by_age` (and the discharges of `flows_summary`).
    ///
    /// # Errors
    /// When the dataset has neither, or no year is complete.
    pub fn totals_from_dataset(ds: &Dataset) -> Result<History> {
        if let Ok(flows) = ds.table("flows_annual") {
            return Self::from_totals(ds, flows);
        }
        let (stock, adm) = (ds.table("cic_by_age")?, ds.table("admissions_by_age")?);
        let all = |r: &Record| matches!(r.band, Some(Band::All));
        let stocks: std::collections::BTreeMap<i32, f64> =
            exact(stock, |r| r.measure == "stock" && all(r))
                .into_iter()
                .filter_map(|(r, v)| match r.period {
                    Some(Period::Date(d)) if d.is_year_end() => Some((d.year, v)),
                    _ => None,
                })
                .collect();
        let discharges: std::collections::BTreeMap<i32, f64> = ds
            .table("flows_summary")
            .map(|t| {
                exact(t, |r| r.measure == "discharges")
                    .into_iter()
                    .filter_map(|(r, v)| match r.period {
                        Some(Period::Year(fy)) => Some((fy.end_year(), v)),
                        _ => None,
                    })
                    .collect()
            })
            .unwrap_or_default();
        let adm_years: std::collections::BTreeSet<FinancialYear> = adm
            .records
            .iter()
            .filter(|r| r.measure == "admissions" && all(r))
            .filter_map(|r| match r.period {
                Some(Period::Year(fy)) => Some(fy),
                _ => None,
            })
            .collect();
        let admissions: std::collections::BTreeMap<FinancialYear, f64> =
            exact(adm, |r| r.measure == "admissions" && all(r))
                .into_iter()
                .filter_map(|(r, a)| match r.period {
                    Some(Period::Year(fy)) => Some((fy, a)),
                    _ => None,
                })
                .collect();
        let mut flows = Vec::new();
        let mut gaps = Vec::new();
        for fy in adm_years {
            let y = fy.end_year();
            if let (Some(&o), Some(&a), Some(&c)) =
                (stocks.get(&(y - 1)), admissions.get(&fy), stocks.get(&y))
            {
                flows.push(YearFlows {
                    year: fy,
                    opening: vec![o],
                    admissions: vec![a],
                    closing: vec![c],
                    discharges: discharges.get(&y).copied(),
                });
                continue;
            }
            // A year is left out for a missing opening stock too (the first year of the
            // tables has none); only printed cells that are not counts are named here.
            let stock_at = |at: i32| {
                move |r: &Record| {
                    r.measure == "stock"
                        && all(r)
                        && matches!(r.period, Some(Period::Date(d)) if d.is_year_end() && d.year == at)
                }
            };
            let mut cells = unreadable(stock, stock_at(y - 1));
            cells.extend(unreadable(adm, |r| {
                r.measure == "admissions" && all(r) && r.period == Some(Period::Year(fy))
            }));
            cells.extend(unreadable(stock, stock_at(y)));
            if !cells.is_empty() {
                gaps.push(format!("{fy} is left out of the fit: {}", cells.join("; ")));
            }
        }
        let mut notes = vec![format!(
            "all-ages totals (the `all` rows of `{}` and `{}`): the model runs on one band of ages 0-17 with stock and admissions spread uniformly over ages",
            stock.meta.id, adm.meta.id
        )];
        notes.extend(gaps);
        Self::finish(ds, BandScheme::all_ages(), flows, notes)
    }

    fn from_bands(ds: &Dataset, stock: &Table, adm: &Table) -> Result<History> {
        let scheme = BandScheme::dfe();
        let nb = scheme.bands().len();
        let band_idx = |b: Option<Band>| match b {
            Some(Band::Ages(a)) => scheme.position(&a),
            _ => None,
        };
        let mut stocks: std::collections::BTreeMap<i32, Vec<Option<f64>>> = Default::default();
        for (r, v) in exact(stock, |r| r.measure == "stock") {
            if let (Some(Period::Date(d)), Some(i)) = (r.period, band_idx(r.band))
                && d.is_year_end()
            {
                stocks.entry(d.year).or_insert_with(|| vec![None; nb])[i] = Some(v);
            }
        }
        let mut adms: std::collections::BTreeMap<i32, Vec<Option<f64>>> = Default::default();
        for (r, v) in exact(adm, |r| r.measure == "admissions") {
            if let (Some(Period::Year(fy)), Some(i)) = (r.period, band_idx(r.band)) {
                adms.entry(fy.end_year()).or_insert_with(|| vec![None; nb])[i] = Some(v);
            }
        }
        let discharges = ds.table("flows_summary").ok().map(|t| {
            exact(t, |r| r.measure == "discharges")
                .into_iter()
                .filter_map(|(r, v)| match r.period {
                    Some(Period::Year(fy)) => Some((fy.end_year(), v)),
                    _ => None,
                })
                .collect::<std::collections::BTreeMap<i32, f64>>()
        });
        let full = |v: &Vec<Option<f64>>| v.iter().copied().collect::<Option<Vec<f64>>>();
        let mut flows = Vec::new();
        for (&y, a) in &adms {
            let (Some(open), Some(close), Some(a)) = (
                stocks.get(&(y - 1)).and_then(full),
                stocks.get(&y).and_then(full),
                full(a),
            ) else {
                continue;
            };
            flows.push(YearFlows {
                year: FinancialYear::ending(y),
                opening: open,
                admissions: a,
                closing: close,
                discharges: discharges.as_ref().and_then(|d| d.get(&y).copied()),
            });
        }
        Self::finish(
            ds,
            scheme,
            flows,
            vec![format!(
                "stock by band at 31 March from `{}` ({}); admissions by band from `{}` ({}); the `16 and over` band is ages 16-17",
                stock.meta.id,
                stock.meta.citation(),
                adm.meta.id,
                adm.meta.citation()
            )],
        )
    }

    fn from_totals(ds: &Dataset, t: &Table) -> Result<History> {
        let scheme = BandScheme::all_ages();
        const MEASURES: [&str; 4] = ["opening", "admissions", "discharges", "closing"];
        let mut by_year: std::collections::BTreeMap<i32, [Option<f64>; 4]> = Default::default();
        for r in &t.records {
            let Some(Period::Year(fy)) = r.period else {
                continue;
            };
            let Some(i) = MEASURES.iter().position(|m| *m == r.measure) else {
                continue;
            };
            // Every printed year gets an entry, so a year whose cells are all suppressed
            // is named in a note below rather than dropped unseen.
            by_year.entry(fy.end_year()).or_default()[i] = r.cell.value();
        }
        let mut flows = Vec::new();
        let mut gaps = Vec::new();
        for (y, v) in by_year {
            let fy = FinancialYear::ending(y);
            if let [Some(o), Some(a), d, Some(c)] = v {
                flows.push(YearFlows {
                    year: fy,
                    opening: vec![o],
                    admissions: vec![a],
                    closing: vec![c],
                    discharges: d,
                });
                continue;
            }
            let needed = |m: &str| m != "discharges";
            let mut cells = unreadable(t, |r| {
                needed(&r.measure)
                    && MEASURES.contains(&r.measure.as_str())
                    && r.period == Some(Period::Year(fy))
            });
            for (i, m) in MEASURES.iter().enumerate() {
                let printed = t
                    .records
                    .iter()
                    .any(|r| r.measure == *m && r.period == Some(Period::Year(fy)));
                if needed(m) && v[i].is_none() && !printed {
                    cells.push(format!(
                        "`{}` ({}) has no `{m}` row for {fy}",
                        t.meta.id, t.meta.file
                    ));
                }
            }
            gaps.push(format!("{fy} is left out of the fit: {}", cells.join("; ")));
        }
        let mut notes = vec![format!(
            "only all-ages totals are published: the model runs on one band of ages 0-17 with stock and admissions spread uniformly over ages (from `{}`, {}); each year starts from its printed opening figure",
            t.meta.id,
            t.meta.citation()
        )];
        notes.extend(gaps);
        Self::finish(ds, scheme, flows, notes)
    }

    /// The history truncated to the years ending on or before 31 March `end_year` (for
    /// fitting on the data available at a backtest origin).
    ///
    /// # Errors
    /// [`crate::Error::InvalidArgument`] when no observed year ends by `end_year`.
    ///
    /// ```
    /// use carecast::{Dataset, model::History};
    /// let h = History::from_dataset(&Dataset::bundled("derbyshire").unwrap()).unwrap();
    /// assert_eq!(h.up_to(2015).unwrap().years.len(), 2);
    /// assert!(h.up_to(2013).is_err());
    /// ```
    pub fn up_to(&self, end_year: i32) -> Result<History> {
        let flows: Vec<YearFlows> = self
            .flows
            .iter()
            .filter(|f| f.year.end_year() <= end_year)
            .cloned()
            .collect();
        if flows.is_empty() {
            return Err(Error::argument(
                "end_year",
                end_year,
                format!(
                    "{} has no observed year ending on or before 31 March {end_year}",
                    self.dataset
                ),
            ));
        }
        Ok(History {
            dataset: self.dataset.clone(),
            scheme: self.scheme.clone(),
            years: flows.iter().map(|f| f.year).collect(),
            flows,
            notes: self.notes.clone(),
        })
    }

    fn finish(
        ds: &Dataset,
        scheme: BandScheme,
        flows: Vec<YearFlows>,
        notes: Vec<String>,
    ) -> Result<History> {
        if flows.is_empty() {
            // The notes after the first name the years left out and the cells that did it.
            let why = notes.get(1..).unwrap_or_default().join("; ");
            return Err(Error::model(format!(
                "dataset {:?}: no year has complete, unsuppressed opening, admissions and closing figures{}",
                ds.name,
                if why.is_empty() {
                    String::new()
                } else {
                    format!(" ({why})")
                }
            )));
        }
        Ok(History {
            dataset: ds.name.clone(),
            scheme,
            years: flows.iter().map(|f| f.year).collect(),
            flows,
            notes,
        })
    }
}
