//! A projection in columns: each label made once in a small table and referenced by a
//! `u32` code per row, values in one `f64` column. The rows of [`Projection`] are built
//! from these columns, so there is one engine behind both.

use super::projection::{Assumptions, BandKey, PeriodKey, Projection, Row, Sink, period_label};
use crate::FinancialYear;

/// The measures of a projection, in the order of their codes in
/// [`ProjectionColumns::measure_codes`].
pub const MEASURES: [&str; 8] = [
    "opening",
    "admissions",
    "discharges",
    "ageing_in",
    "ageing_out",
    "leavers_18",
    "stock",
    "care_leavers",
];

/// The code of the measure `opening` in [`MEASURES`].
pub(crate) const OPENING: u32 = 0;
/// The code of the measure `admissions` in [`MEASURES`].
pub(crate) const ADMISSIONS: u32 = 1;
/// The code of the measure `discharges` in [`MEASURES`].
pub(crate) const DISCHARGES: u32 = 2;
/// The code of the measure `ageing_in` in [`MEASURES`].
pub(crate) const AGEING_IN: u32 = 3;
/// The code of the measure `ageing_out` in [`MEASURES`].
pub(crate) const AGEING_OUT: u32 = 4;
/// The code of the measure `leavers_18` in [`MEASURES`].
pub(crate) const LEAVERS_18: u32 = 5;
/// The code of the measure `stock` in [`MEASURES`].
pub(crate) const STOCK: u32 = 6;
/// The code of the measure `care_leavers` in [`MEASURES`].
pub(crate) const CARE_LEAVERS: u32 = 7;

/// A projection in columns: the same rows, in the same order, as [`Projection::rows`],
/// with the year, period, band and measure of each row given as a code into a table of
/// distinct labels.
///
/// Row `i` is `(years()[year_codes()[i]], periods()[period_codes()[i]],
/// bands()[band_codes()[i]], measures()[measure_codes()[i]], values()[i])`. Every code
/// is a valid index into its table (the columns are only made by the projection or from
/// a [`Projection`], never from loose parts), and the labels of each table are distinct.
///
/// ```
/// use carecast::{CohortModel, Dataset, ProjectionColumns, ProjectionOptions};
/// let m = CohortModel::fit(&Dataset::bundled("derbyshire").unwrap()).unwrap();
/// let o = ProjectionOptions::new(2017, 10);
/// let c: ProjectionColumns = m.project_columns(&o).unwrap();
/// assert_eq!(c.years().len(), 10);
/// assert_eq!(c.years()[0], "2017/18");
/// // The same numbers as the rows of `project`, in the same order.
/// let p = m.project(&o).unwrap();
/// assert_eq!(c.len(), p.rows.len());
/// assert_eq!(c.row(5), Some(p.rows[5].clone()));
/// let all = c.bands().iter().position(|b| b == "all").unwrap();
/// let stock = c.measures().iter().position(|m| m == "stock").unwrap();
/// let first_total = (0..c.len())
///     .find(|&i| c.band_codes()[i] as usize == all && c.measure_codes()[i] as usize == stock)
///     .map(|i| c.values()[i])
///     .unwrap();
/// assert!((first_total - 637.65).abs() < 0.01, "{first_total}");
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct ProjectionColumns {
    c: Parts,
    assumptions: Assumptions,
}

/// The label tables and code columns of [`ProjectionColumns`].
#[derive(Debug, Clone, PartialEq)]
struct Parts {
    years: Vec<String>,
    periods: Vec<String>,
    bands: Vec<String>,
    measures: Vec<String>,
    year: Vec<u32>,
    period: Vec<u32>,
    band: Vec<u32>,
    measure: Vec<u32>,
    value: Vec<f64>,
}

impl Parts {
    /// Empty columns with room for `capacity` rows, the measure table filled.
    fn new(capacity: usize) -> Self {
        Parts {
            years: Vec::new(),
            periods: Vec::new(),
            bands: Vec::new(),
            measures: MEASURES.iter().map(|m| (*m).to_owned()).collect(),
            year: Vec::with_capacity(capacity),
            period: Vec::with_capacity(capacity),
            band: Vec::with_capacity(capacity),
            measure: Vec::with_capacity(capacity),
            value: Vec::with_capacity(capacity),
        }
    }
}

/// The label of `code` in `table` (empty past its end).
fn label(table: &[String], code: u32) -> &str {
    usize::try_from(code)
        .ok()
        .and_then(|i| table.get(i))
        .map_or("", String::as_str)
}

/// The code of `label` in `table`, appended when new.
fn code(table: &mut Vec<String>, label: &str) -> u32 {
    let i = table.iter().position(|l| l == label).unwrap_or_else(|| {
        table.push(label.to_owned());
        table.len() - 1
    });
    u32::try_from(i).unwrap_or(u32::MAX)
}

impl ProjectionColumns {
    /// Number of rows.
    pub fn len(&self) -> usize {
        self.c.value.len()
    }

    /// Whether there are no rows.
    pub fn is_empty(&self) -> bool {
        self.c.value.is_empty()
    }

    /// Financial-year labels (`2017/18`), in the order of their codes.
    pub fn years(&self) -> &[String] {
        &self.c.years
    }

    /// Period labels (`2017/18`, `2017/18 Q1` or `2017-04`), in the order of their codes.
    pub fn periods(&self) -> &[String] {
        &self.c.periods
    }

    /// Band labels (the output bands, `all`, and the care leavers' ages `18`..`25`), in
    /// the order of their codes.
    pub fn bands(&self) -> &[String] {
        &self.c.bands
    }

    /// Measure names, in the order of their codes (see [`MEASURES`]).
    pub fn measures(&self) -> &[String] {
        &self.c.measures
    }

    /// Each row's code into [`ProjectionColumns::years`].
    pub fn year_codes(&self) -> &[u32] {
        &self.c.year
    }

    /// Each row's code into [`ProjectionColumns::periods`].
    pub fn period_codes(&self) -> &[u32] {
        &self.c.period
    }

    /// Each row's code into [`ProjectionColumns::bands`].
    pub fn band_codes(&self) -> &[u32] {
        &self.c.band
    }

    /// Each row's code into [`ProjectionColumns::measures`].
    pub fn measure_codes(&self) -> &[u32] {
        &self.c.measure
    }

    /// Each row's value (an expected count; not rounded).
    pub fn values(&self) -> &[f64] {
        &self.c.value
    }

    /// The assumptions that made the projection (the same as [`Projection::assumptions`]).
    pub fn assumptions(&self) -> &Assumptions {
        &self.assumptions
    }

    /// Row `i` as a [`Row`], or `None` past the last row.
    pub fn row(&self, i: usize) -> Option<Row> {
        let label = |table: &[String], codes: &[u32]| {
            codes
                .get(i)
                .and_then(|&c| table.get(usize::try_from(c).ok()?))
                .cloned()
        };
        Some(Row {
            year: label(&self.c.years, &self.c.year)?,
            period: label(&self.c.periods, &self.c.period)?,
            band: label(&self.c.bands, &self.c.band)?,
            measure: label(&self.c.measures, &self.c.measure)?,
            value: *self.c.value.get(i)?,
        })
    }

    /// The rows of the long form, in order.
    pub fn rows(&self) -> Vec<Row> {
        let mut rows = Vec::with_capacity(self.len());
        rows.extend((0..self.len()).map_while(|i| self.row(i)));
        rows
    }

    /// The closing stock of all ages at the end of each year, in order, with the year's
    /// label: the `stock` rows of band `all` whose period is the whole year.
    pub(crate) fn yearly_total_stock(&self) -> impl Iterator<Item = (&str, f64)> {
        let all = self.c.bands.iter().position(|l| l == "all");
        (0..self.len()).filter_map(move |i| {
            let c = &self.c;
            if c.measure[i] != STOCK || usize::try_from(c.band[i]).ok() != all {
                return None;
            }
            let year = label(&c.years, c.year[i]);
            (label(&c.periods, c.period[i]) == year).then_some((year, c.value[i]))
        })
    }

    /// The notes of the assumptions, to add to.
    pub(crate) fn notes_mut(&mut self) -> &mut Vec<String> {
        &mut self.assumptions.notes
    }
}

impl From<&Projection> for ProjectionColumns {
    /// The columns of a projection's rows (each distinct label once per table, in order
    /// of first appearance).
    fn from(p: &Projection) -> Self {
        let mut c = Parts::new(p.rows.len());
        for r in &p.rows {
            c.year.push(code(&mut c.years, &r.year));
            c.period.push(code(&mut c.periods, &r.period));
            c.band.push(code(&mut c.bands, &r.band));
            c.measure.push(code(&mut c.measures, &r.measure));
            c.value.push(r.value);
        }
        ProjectionColumns {
            c,
            assumptions: p.assumptions.clone(),
        }
    }
}

impl From<&ProjectionColumns> for Projection {
    fn from(c: &ProjectionColumns) -> Self {
        Projection {
            rows: c.rows(),
            assumptions: c.assumptions.clone(),
        }
    }
}

impl From<ProjectionColumns> for Projection {
    fn from(c: ProjectionColumns) -> Self {
        Projection {
            rows: c.rows(),
            assumptions: c.assumptions,
        }
    }
}

/// Fills [`ProjectionColumns`] from the values of a projection in row order.
pub(crate) struct ColumnSink {
    cols: Parts,
    /// The code of each [`BandKey`]: output bands by index, then `all`, then ages 18..=25.
    band_code: Vec<u32>,
    /// The year of each label of the year table.
    year_keys: Vec<FinancialYear>,
    /// The year and period of each label of the period table (each key has its own label).
    period_keys: Vec<(FinancialYear, PeriodKey)>,
    /// The last period, with the codes of its year and of itself.
    period: Option<(FinancialYear, PeriodKey, u32, u32)>,
    /// Output bands.
    no: usize,
}

impl ColumnSink {
    /// A sink for a projection whose output bands have these labels.
    pub(crate) fn new(labels: Vec<String>, capacity: usize) -> Self {
        let mut cols = Parts::new(capacity);
        let no = labels.len();
        let mut band_code = Vec::with_capacity(no + 9);
        let all = std::iter::once("all".to_owned());
        let ages = (18..=25u8).map(|a| a.to_string());
        for label in labels.into_iter().chain(all).chain(ages) {
            band_code.push(code(&mut cols.bands, &label));
        }
        ColumnSink {
            cols,
            band_code,
            year_keys: Vec::new(),
            period_keys: Vec::new(),
            period: None,
            no,
        }
    }

    /// The filled columns, with the assumptions that made them.
    pub(crate) fn finish(self, assumptions: Assumptions) -> ProjectionColumns {
        ProjectionColumns {
            c: self.cols,
            assumptions,
        }
    }
}

/// The code of `key` whose label is `label()`, looked up by key (a key's label is made
/// once, when the key is first seen).
fn keyed_code<K: PartialEq>(
    keys: &mut Vec<K>,
    table: &mut Vec<String>,
    key: K,
    label: impl FnOnce() -> String,
) -> u32 {
    let i = keys.iter().position(|k| *k == key).unwrap_or_else(|| {
        keys.push(key);
        table.push(label());
        table.len() - 1
    });
    u32::try_from(i).unwrap_or(u32::MAX)
}

impl ColumnSink {
    /// The codes of a year and a period not the last one's: looked up by key, the
    /// labels made when the key is new (a whole year's period is labelled as the year).
    #[cold]
    #[inline(never)]
    fn new_period(&mut self, fy: FinancialYear, period: PeriodKey) -> (u32, u32) {
        let year = keyed_code(&mut self.year_keys, &mut self.cols.years, fy, || {
            fy.to_string()
        });
        let years = &self.cols.years;
        let code = keyed_code(
            &mut self.period_keys,
            &mut self.cols.periods,
            (fy, period),
            || match (
                period,
                usize::try_from(year).ok().and_then(|i| years.get(i)),
            ) {
                (PeriodKey::Year, Some(label)) => label.clone(),
                _ => period_label(fy, period),
            },
        );
        self.period = Some((fy, period, year, code));
        (year, code)
    }
}

impl Sink for ColumnSink {
    #[inline]
    fn add(
        &mut self,
        fy: FinancialYear,
        period: PeriodKey,
        band: BandKey,
        measure: u32,
        value: f64,
    ) {
        let (year, period_code) = match self.period {
            Some((y, p, year, code)) if y == fy && p == period => (year, code),
            _ => self.new_period(fy, period),
        };
        let key = match band {
            BandKey::Out(b) => b,
            BandKey::All => self.no,
            BandKey::Age(a) => self.no + 1 + usize::from(a.saturating_sub(18)),
        };
        let band_code = self.band_code.get(key).copied().unwrap_or(u32::MAX);
        self.cols.year.push(year);
        self.cols.period.push(period_code);
        self.cols.band.push(band_code);
        self.cols.measure.push(measure);
        self.cols.value.push(value);
    }
}

#[cfg(test)]
mod tests {
    use super::super::options::{FlowChange, Grain};
    use super::super::projection::RowSink;
    use super::*;
    use crate::{AgeBand, BandScheme, CohortModel, Dataset, ProjectionOptions};

    /// The rows a per-row labelling sink gets from the same run (the sink the projection
    /// used before the columns).
    fn reference_rows(m: &CohortModel, o: &ProjectionOptions) -> Vec<Row> {
        let labels = o.output_bands.bands().iter().map(AgeBand::label).collect();
        let mut sink = RowSink::new(labels, 0);
        m.project_into(o, &mut sink).unwrap();
        sink.rows
    }

    #[test]
    fn columns_hold_the_same_rows_for_every_dataset_and_grain() {
        for name in ["derbyshire", "derby"] {
            let m = CohortModel::fit(&Dataset::bundled(name).unwrap()).unwrap();
            let base = *m.base_years().last().unwrap();
            for grain in Grain::ALL {
                let mut o = ProjectionOptions::new(base, 10);
                o.grain = grain;
                let want = reference_rows(&m, &o);
                let c = m.project_columns(&o).unwrap();
                let p = m.project(&o).unwrap();
                assert_eq!(c.len(), want.len(), "{name} {grain}");
                assert_eq!(c.rows(), want, "{name} {grain}");
                assert_eq!(p.rows, want, "{name} {grain}");
                assert_eq!(c.assumptions(), &p.assumptions, "{name} {grain}");
                assert_eq!(c.row(c.len()), None);
                // Each label table holds distinct labels, and every code points into it.
                for (table, codes) in [
                    (c.years(), c.year_codes()),
                    (c.periods(), c.period_codes()),
                    (c.bands(), c.band_codes()),
                    (c.measures(), c.measure_codes()),
                ] {
                    let mut t = table.to_vec();
                    t.sort();
                    t.dedup();
                    assert_eq!(t.len(), table.len(), "{name} {grain} {table:?}");
                    assert!(codes.iter().all(|&k| (k as usize) < table.len()));
                }
                let per_year = grain.periods_per_year();
                let whole = usize::from(per_year > 1);
                assert_eq!(c.periods().len(), 10 * (per_year + whole));
                // Back and forth through the rows gives the same columns.
                assert_eq!(ProjectionColumns::from(&p).rows(), want);
            }
        }
    }

    #[test]
    fn columns_match_rows_with_custom_bands_and_changes() {
        let m = CohortModel::fit(&Dataset::bundled("derbyshire").unwrap()).unwrap();
        let mut o = ProjectionOptions::new(2017, 5);
        o.grain = Grain::Quarter;
        o.output_bands = BandScheme::custom("custom", &["0-9", "10-17"]).unwrap();
        o.changes = vec![FlowChange {
            band: "all".into(),
            admissions_percent: 10.0,
            admissions_absolute: 0.0,
            discharge_percent: -5.0,
            from_year: Some(2019),
        }];
        let want = reference_rows(&m, &o);
        let c = m.project_columns(&o).unwrap();
        assert_eq!(c.rows(), want);
        assert_eq!(
            c.bands()[..3],
            ["0-9".to_string(), "10-17".into(), "all".into()]
        );
    }
}
