//! The projection: its options, the rows it emits and how the grid is driven through
//! the projected years.

use serde::{Deserialize, Serialize};

#[cfg(test)]
use super::columns::MEASURES;
use super::columns::{
    ADMISSIONS, AGEING_IN, AGEING_OUT, CARE_LEAVERS, ColumnSink, DISCHARGES, LEAVERS_18, OPENING,
    STOCK,
};
use super::fit::CohortModel;
use super::grid::{
    Flows, Grid, GridStepper, Stepper, annual_rate, monthly_fraction, small_i32, small_u8,
};
use super::methods::{Admissions, Discharges};
use super::options::{FlowChange, Grain, ProjectionOptions};
use crate::{AgeBand, BandScheme, Error, FinancialYear, Period, ProjectionColumns, Result};

/// The longest projection horizon, in years.
pub const MAX_HORIZON: usize = 25;
/// A projection whose total stock moves by more than this factor from the base year's
/// (up or down) carries a warning in its notes.
pub const WARN_FACTOR: f64 = 1.5;
/// Monte Carlo paths stop a scenario's annual discharge rate just below one.
const MAX_ANNUAL_RATE: f64 = 1.0 - 1e-9;
/// One number of a projection (long form).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Row {
    /// Financial year.
    pub year: String,
    /// Period within it (`2017/18`, `2017/18 Q1` or `2017-04`).
    pub period: String,
    /// Band label (`all` for totals; single ages `18`..`25` for care leavers).
    pub band: String,
    /// Measure: `opening`, `admissions`, `discharges`, `ageing_in`, `ageing_out`,
    /// `leavers_18`, `stock` (closing) or `care_leavers`.
    pub measure: String,
    /// Value (an expected count; not rounded).
    pub value: f64,
}

/// The assumptions that made a projection.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Assumptions {
    /// Dataset.
    pub dataset: String,
    /// Base year (31 March).
    pub base_year: i32,
    /// Years ahead.
    pub years: usize,
    /// Admissions assumption.
    pub admissions: Admissions,
    /// Discharge-rate assumption.
    pub discharges: Discharges,
    /// Band scheme of the model (the published tables').
    pub model_bands: String,
    /// Band scheme of the output.
    pub output_bands: String,
    /// How bands were spread over single ages.
    pub spread: String,
    /// Admissions per band per projected year used.
    pub admissions_used: Vec<Vec<f64>>,
    /// Annual discharge rates per band used.
    pub discharge_rates: Vec<f64>,
    /// Flow changes applied (scenario levers).
    #[serde(default)]
    pub changes: Vec<FlowChange>,
    /// Notes on the data.
    pub notes: Vec<String>,
}

/// A projection: long rows and the assumptions that made them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Projection {
    /// The rows.
    pub rows: Vec<Row>,
    /// The assumptions.
    pub assumptions: Assumptions,
}

impl CohortModel {
    /// Projects forward from a base year.
    ///
    /// # Errors
    /// [`crate::Error::InvalidArgument`] naming the option when the base year does not end
    /// an observed year, the horizon is outside 1 to [`MAX_HORIZON`], a share or retention
    /// is outside [0, 1], an assumption cannot run from the base year, or a flow change
    /// names an unknown band or makes admissions negative or a rate reach 100%.
    ///
    /// ```
    /// use carecast::{CohortModel, Dataset, model::ProjectionOptions};
    /// let m = CohortModel::fit(&Dataset::bundled("derbyshire").unwrap()).unwrap();
    /// let p = m.project(&ProjectionOptions::new(2017, 10)).unwrap();
    /// let stock_2027: f64 = p.rows.iter()
    ///     .filter(|r| r.year == "2026/27" && r.measure == "stock" && r.band == "all")
    ///     .map(|r| r.value).sum();
    /// assert!(stock_2027 > 0.0);
    /// assert!(CohortModel::fit(&Dataset::bundled("derbyshire").unwrap()).unwrap()
    ///     .project(&ProjectionOptions::new(2013, 10)).is_err());
    /// ```
    pub fn project(&self, o: &ProjectionOptions) -> Result<Projection> {
        self.project_columns(o).map(Projection::from)
    }

    /// Projects forward from a base year, as columns: the same rows as
    /// [`CohortModel::project`], in the same order, with each label made once and
    /// referenced by a code (see [`ProjectionColumns`]); the quicker form when the rows
    /// go on to a table or a data frame.
    ///
    /// # Errors
    /// As [`CohortModel::project`].
    ///
    /// ```
    /// use carecast::{CohortModel, Dataset, ProjectionOptions, model::Grain};
    /// let m = CohortModel::fit(&Dataset::bundled("derbyshire").unwrap()).unwrap();
    /// let mut o = ProjectionOptions::new(2017, 2);
    /// o.grain = Grain::Month;
    /// let c = m.project_columns(&o).unwrap();
    /// assert_eq!(c.periods()[0], "2017-04");
    /// assert_eq!(c.len(), m.project(&o).unwrap().rows.len());
    /// assert!(m.project_columns(&ProjectionOptions::new(2013, 10)).is_err());
    /// ```
    pub fn project_columns(&self, o: &ProjectionOptions) -> Result<ProjectionColumns> {
        let no = o.output_bands.bands().len();
        let mut sink = ColumnSink::new(
            o.output_bands.bands().iter().map(AgeBand::label).collect(),
            o.years * (o.grain.periods_per_year() * (6 * no + 6) + 9),
        );
        let (assumptions, base_total) = self.project_into(o, &mut sink)?;
        let mut cols = sink.finish(assumptions);
        if base_total > 0.0 {
            let first = cols.yearly_total_stock().find(|(_, value)| {
                !(1.0 / WARN_FACTOR..=WARN_FACTOR).contains(&(value / base_total))
            });
            if let Some((year, value)) = first {
                let ratio = value / base_total;
                let note = format!(
                    "warning: the projected stock moves more than a factor {WARN_FACTOR} from the base year's {base_total:.0} (first in {year}: {value:.0}, {ratio:.2} times); in the national backtest the default's 95% interval five years ahead spans {:.2} to {:.2} times its value",
                    crate::national::DEFAULT_TOTAL_QUANTILES[4][0].exp(),
                    crate::national::DEFAULT_TOTAL_QUANTILES[4][4].exp(),
                );
                cols.notes_mut().push(note);
            }
        }
        cols.notes_mut().push("care_leavers counts only young people who left care after the base year (cohorts of earlier leavers are not in the tables this model reads); use project_care_leavers to carry a published opening forward".into());
        Ok(cols)
    }

    /// Runs the projection into `sink`; returns the assumptions (with the notes known
    /// before the run) and the base year's total stock.
    pub(crate) fn project_into(
        &self,
        o: &ProjectionOptions,
        sink: &mut impl Sink,
    ) -> Result<(Assumptions, f64)> {
        let bi = self.check_options(o)?;
        let h = &self.history;
        let observed = &h.flows[..=bi];
        let m_band = self.assumed_rates(observed, o)?;
        let grid = Grid::new(&h.scheme);
        let weights = grid.weights(&self.tilts);
        let (admissions, anchor_note) =
            self.point_admissions(observed, o, &m_band, &grid, &weights)?;
        let (admissions, rates_by_year) = apply_changes(&h.scheme, o, admissions, &m_band, true)?;
        let out_grid = Grid::new(&o.output_bands);
        let no = o.output_bands.bands().len();
        let mut stepper = GridStepper::new(
            &grid,
            &weights,
            &observed[bi].closing,
            &admissions,
            &rates_by_year,
            &out_grid.band_of,
            no,
        );
        let mut notes = h.notes.clone();
        notes.extend(anchor_note);
        notes.extend(self.zero_warnings(observed, o, &m_band, &admissions));
        notes.extend(self.band_view_warning(o));
        drive(
            o,
            FinancialYear::ending(o.base_year),
            no,
            &mut stepper,
            sink,
        );
        let assumptions = Assumptions {
            dataset: h.dataset.clone(),
            base_year: o.base_year,
            years: o.years,
            admissions: o.admissions.clone(),
            discharges: o.discharges.clone(),
            model_bands: h.scheme.name().into(),
            output_bands: o.output_bands.name().into(),
            spread: "uniform over the months of each band".into(),
            admissions_used: admissions,
            discharge_rates: m_band.iter().map(|&x| annual_rate(x)).collect(),
            changes: o.changes.clone(),
            notes,
        };
        Ok((assumptions, observed[bi].closing.iter().sum()))
    }

    /// Validates the options that do not depend on the assumptions; returns the index of
    /// the base year in the history.
    pub(crate) fn check_options(&self, o: &ProjectionOptions) -> Result<usize> {
        let bases = self.base_years();
        let Some(bi) = bases.iter().position(|&y| y == o.base_year) else {
            return Err(Error::argument(
                "base_year",
                o.base_year,
                format!(
                    "must end an observed year of {}: one of {:?}",
                    self.history.dataset, bases
                ),
            ));
        };
        o.validate()?;
        Ok(bi)
    }
}
/// A period of the output within a financial year.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum PeriodKey {
    /// The whole year.
    Year,
    /// Quarter 1 to 4.
    Quarter(u8),
    /// Month 0 (April) to 11 (March).
    Month(usize),
}

/// The band of an output value.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum BandKey {
    /// An output band by index.
    Out(usize),
    /// All ages.
    All,
    /// A single age of care leavers.
    Age(u8),
}

/// Receives the values of a projection in row order.
pub(crate) trait Sink {
    /// One value; `measure` is a code into [`MEASURES`].
    fn add(
        &mut self,
        fy: FinancialYear,
        period: PeriodKey,
        band: BandKey,
        measure: u32,
        value: f64,
    );
}

/// Builds long rows with a label per row (the reference the columns are checked
/// against in the tests).
#[cfg(test)]
pub(crate) struct RowSink {
    labels: Vec<String>,
    pub(crate) rows: Vec<Row>,
    /// The last year's label, and the last period's (labels are made once, then cloned).
    year: Option<(FinancialYear, String)>,
    period: Option<(FinancialYear, PeriodKey, String)>,
}

#[cfg(test)]
impl RowSink {
    pub(crate) fn new(labels: Vec<String>, capacity: usize) -> Self {
        RowSink {
            labels,
            rows: Vec::with_capacity(capacity),
            year: None,
            period: None,
        }
    }
}

/// The label of a period of financial year `fy`.
pub(crate) fn period_label(fy: FinancialYear, period: PeriodKey) -> String {
    match period {
        PeriodKey::Year => fy.to_string(),
        PeriodKey::Quarter(q) => Period::Quarter(fy, q).to_string(),
        PeriodKey::Month(month) => {
            let (y, mo) = if month < 9 {
                (fy.end_year() - 1, month + 4)
            } else {
                (fy.end_year(), month - 8)
            };
            Period::Month(y, small_u8(mo)).to_string()
        }
    }
}

#[cfg(test)]
impl Sink for RowSink {
    fn add(
        &mut self,
        fy: FinancialYear,
        period: PeriodKey,
        band: BandKey,
        measure: u32,
        value: f64,
    ) {
        let year = match &self.year {
            Some((y, label)) if *y == fy => label.clone(),
            _ => {
                let label = fy.to_string();
                self.year = Some((fy, label.clone()));
                label
            }
        };
        let period = match &self.period {
            Some((y, p, label)) if *y == fy && *p == period => label.clone(),
            _ => {
                let label = period_label(fy, period);
                self.period = Some((fy, period, label.clone()));
                label
            }
        };
        let band = match band {
            BandKey::Out(b) => self.labels[b].clone(),
            BandKey::All => "all".into(),
            BandKey::Age(a) => a.to_string(),
        };
        self.rows.push(Row {
            year,
            period,
            band,
            measure: usize::try_from(measure)
                .ok()
                .and_then(|m| MEASURES.get(m))
                .map_or_else(String::new, |m| (*m).into()),
            value,
        });
    }
}

/// Runs the projection's months and emits every value, in row order, to `sink`: flows
/// and stock per period, then care-leaver cohorts per year (see the methodology).
pub(crate) fn drive(
    o: &ProjectionOptions,
    base_year: FinancialYear,
    no: usize,
    st: &mut impl Stepper,
    sink: &mut impl Sink,
) {
    let top = o.output_bands.index_of(17).unwrap_or(no - 1);
    let top_is_16_17 = o.output_bands.bands()[top].lo() >= 16;
    let retention = |age: u8| {
        o.retention
            .iter()
            .find(|(a, _)| *a == age)
            .map_or(1.0, |(_, r)| *r)
    };
    let mut cohorts = [0.0f64; 8];
    let mut fy = base_year;
    let mut chunk_open = vec![0.0; no];
    let mut close = vec![0.0; no];
    st.stock(&mut chunk_open);
    let mut chunk = Flows::zero(no);
    for t in 0..o.years {
        fy = fy.next();
        let mut year_disch_top = 0.0;
        let mut year_leavers = 0.0;
        chunk.clear();
        for month in 0..12 {
            st.month(t, month, &mut chunk);
            let period = match o.grain {
                Grain::Month => Some(PeriodKey::Month(month)),
                Grain::Quarter => {
                    (month % 3 == 2).then_some(PeriodKey::Quarter(small_u8(month / 3 + 1)))
                }
                Grain::Year => (month == 11).then_some(PeriodKey::Year),
            };
            if let Some(period) = period {
                st.stock(&mut close);
                emit_chunk(sink, fy, period, &chunk_open, &chunk, &close);
                year_disch_top += chunk.discharges[top];
                year_leavers += chunk.leavers_18;
                std::mem::swap(&mut chunk_open, &mut close);
                chunk.clear();
            }
        }
        // Care leavers at 31 March: everyone moves up an age; the new 18-year-olds are
        // this year's 18th-birthday leavers plus the chosen share of 16-17 discharges.
        let disch_16_17 = if top_is_16_17 { year_disch_top } else { 0.0 };
        let new = year_leavers + o.leaver_share_16_17 * disch_16_17;
        for age in (19..=25u8).rev() {
            let i = usize::from(age - 18);
            cohorts[i] = cohorts[i - 1] * retention(age);
        }
        cohorts[0] = new * retention(18);
        for (i, c) in cohorts.iter().enumerate() {
            sink.add(
                fy,
                PeriodKey::Year,
                BandKey::Age(18 + small_u8(i)),
                CARE_LEAVERS,
                *c,
            );
        }
        sink.add(
            fy,
            PeriodKey::Year,
            BandKey::All,
            CARE_LEAVERS,
            cohorts.iter().sum(),
        );
    }
}

/// Values per projected year, per band.
pub(crate) type YearByBand = Vec<Vec<f64>>;

/// Applies flow changes; returns admissions and monthly discharge rates per projected year.
/// With `strict`, a change that would make admissions negative or a discharge rate reach
/// 100% is an error; otherwise (Monte Carlo paths, whose options were already checked
/// strictly) admissions stop at zero and annual rates just below one.
pub(crate) fn apply_changes(
    scheme: &BandScheme,
    o: &ProjectionOptions,
    mut admissions: Vec<Vec<f64>>,
    m_band: &[f64],
    strict: bool,
) -> Result<(YearByBand, YearByBand)> {
    let mut rates = vec![m_band.to_vec(); admissions.len()];
    if o.changes.is_empty() {
        return Ok((admissions, rates));
    }
    let labels: Vec<String> = scheme.bands().iter().map(AgeBand::label).collect();
    for (i, c) in o.changes.iter().enumerate() {
        let what = |field: &str| format!("changes[{i}].{field}");
        let targets: Vec<usize> = if c.band == "all" {
            (0..labels.len()).collect()
        } else if let Some(b) = labels.iter().position(|l| *l == c.band) {
            vec![b]
        } else {
            let mut known = labels.clone();
            known.push("all".into());
            return Err(Error::unknown(
                format!(
                    "band (in {}; bands of this model: {})",
                    what("band"),
                    known.join(", ")
                ),
                &c.band,
                known.iter().map(String::as_str),
            ));
        };
        for (field, v) in [
            ("admissions_percent", c.admissions_percent),
            ("admissions_absolute", c.admissions_absolute),
            ("discharge_percent", c.discharge_percent),
        ] {
            if !v.is_finite() {
                return Err(Error::argument(what(field), v, "must be a finite number"));
            }
        }
        if c.admissions_percent < -100.0 || c.discharge_percent < -100.0 {
            return Err(Error::argument(
                what("percent"),
                c.admissions_percent.min(c.discharge_percent),
                "a rate cannot fall by more than 100%",
            ));
        }
        for (t, (adm, rate)) in admissions.iter_mut().zip(rates.iter_mut()).enumerate() {
            let year = o.base_year + 1 + small_i32(t);
            if c.from_year.is_some_and(|y| year < y) {
                continue;
            }
            let base: f64 = targets.iter().map(|&b| adm[b]).sum();
            for &b in &targets {
                let share = if base > 0.0 {
                    adm[b] / base
                } else {
                    1.0 / targets.len() as f64
                };
                adm[b] =
                    adm[b] * (1.0 + c.admissions_percent / 100.0) + c.admissions_absolute * share;
                if strict && adm[b] < -1e-9 {
                    return Err(Error::argument(
                        what("admissions_absolute"),
                        c.admissions_absolute,
                        format!(
                            "would make admissions of band {} negative ({:.1}) in {}",
                            labels[b],
                            adm[b],
                            FinancialYear::ending(year)
                        ),
                    ));
                }
                adm[b] = adm[b].max(0.0);
                let mut annual = annual_rate(rate[b]) * (1.0 + c.discharge_percent / 100.0);
                if !strict {
                    annual = annual.min(MAX_ANNUAL_RATE);
                }
                if annual >= 1.0 {
                    return Err(Error::argument(
                        what("discharge_percent"),
                        c.discharge_percent,
                        format!(
                            "would make the annual discharge rate of band {} reach 100%",
                            labels[b]
                        ),
                    ));
                }
                rate[b] = monthly_fraction(annual);
            }
        }
    }
    Ok((admissions, rates))
}

fn emit_chunk(
    sink: &mut impl Sink,
    fy: FinancialYear,
    period: PeriodKey,
    open: &[f64],
    f: &Flows,
    close: &[f64],
) {
    let mut add = |band: BandKey, measure: u32, value: f64| {
        sink.add(fy, period, band, measure, value);
    };
    let sum = |v: &[f64]| v.iter().sum::<f64>();
    for b in 0..open.len() {
        let band = BandKey::Out(b);
        add(band, OPENING, open[b]);
        add(band, ADMISSIONS, f.admissions[b]);
        add(band, DISCHARGES, f.discharges[b]);
        add(band, AGEING_IN, f.ageing_in[b]);
        add(band, AGEING_OUT, f.ageing_out[b]);
        add(band, STOCK, close[b]);
    }
    add(BandKey::All, OPENING, sum(open));
    add(BandKey::All, ADMISSIONS, sum(&f.admissions));
    add(BandKey::All, DISCHARGES, sum(&f.discharges));
    add(BandKey::All, LEAVERS_18, f.leavers_18);
    add(BandKey::All, STOCK, sum(close));
    add(BandKey::Out(open.len() - 1), LEAVERS_18, f.leavers_18);
}
