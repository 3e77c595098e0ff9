//! Datasets, tables, their reconciliation and figure checks as native objects.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyType};

use crate::convert::{self, Columns};
use crate::errors::run;

/// The bundled datasets handed out so far, shared by every `Dataset.bundled` call: a call
/// then costs an `Arc` clone instead of a copy of every table: `datasets.load("derbyshire")`
/// went from 89 us to 16 us (`benchmarks/bench_python.py --before`, both builds in one run
/// at load average 6 to 7 on 2 cores; see `benchmarks/RESULTS.md`).
static BUNDLED: Mutex<BTreeMap<String, Arc<carecast::Dataset>>> = Mutex::new(BTreeMap::new());

/// The shared copy of bundled dataset `name`, if one was made (a poisoned lock is a miss).
fn shared_bundled(name: &str) -> Option<Arc<carecast::Dataset>> {
    BUNDLED.lock().ok()?.get(name).map(Arc::clone)
}

/// A dataset: published tables with their checks (the core's `Dataset`).
#[pyclass(frozen, module = "carecast._carecast")]
pub struct Dataset {
    pub(crate) inner: Arc<carecast::Dataset>,
}

impl Dataset {
    pub(crate) fn new(d: carecast::Dataset) -> Self {
        Self { inner: Arc::new(d) }
    }
}

#[pymethods]
impl Dataset {
    /// A bundled dataset by name. The datasets compiled into the library are made once per
    /// process and shared (they never change); `dfe:` and `903:` names are built each time.
    #[staticmethod]
    fn bundled(py: Python<'_>, name: String) -> PyResult<Self> {
        if let Some(inner) = shared_bundled(&name) {
            return Ok(Self { inner });
        }
        let d = run(py, || carecast::Dataset::bundled(&name))?;
        let inner = Arc::new(d);
        if carecast::Dataset::names().contains(&name.as_str())
            && let Ok(mut cache) = BUNDLED.lock()
        {
            cache.insert(name, Arc::clone(&inner));
        }
        Ok(Self { inner })
    }

    /// A dataset read from a folder of table files.
    #[staticmethod]
    fn from_dir(py: Python<'_>, path: String) -> PyResult<Self> {
        run(py, || carecast::Dataset::from_dir(&path)).map(Self::new)
    }

    /// A dataset built from `(file name, text)` pairs.
    #[staticmethod]
    fn from_files(py: Python<'_>, name: String, files: Vec<(String, String)>) -> PyResult<Self> {
        run(py, || carecast::Dataset::from_files(&name, "files", files)).map(Self::new)
    }

    /// Short name, e.g. `derbyshire`.
    #[getter]
    fn name(&self) -> &str {
        &self.inner.name
    }

    /// The council or partnership.
    #[getter]
    fn title(&self) -> &str {
        &self.inner.title
    }

    /// What the dataset holds and where it comes from.
    #[getter]
    fn description(&self) -> &str {
        &self.inner.description
    }

    /// `bundled` or the folder it was read from.
    #[getter]
    fn origin(&self) -> &str {
        &self.inner.origin
    }

    /// Table ids, in the dataset's order.
    fn table_ids(&self) -> Vec<String> {
        self.inner
            .tables
            .iter()
            .map(|t| t.meta.id.clone())
            .collect()
    }

    /// The tables, in the dataset's order.
    fn tables(&self) -> Vec<Table> {
        (0..self.inner.tables.len())
            .map(|index| Table {
                dataset: Arc::clone(&self.inner),
                index,
            })
            .collect()
    }

    /// Every check the tables allow on themselves.
    fn reconcile(&self, py: Python<'_>) -> PyResult<Reconciliation> {
        let d = Arc::clone(&self.inner);
        run(py, move || Ok(d.reconcile())).map(|r| Reconciliation { inner: Arc::new(r) })
    }

    /// A "placement usage at N children" table recomputed from its printed shares, as
    /// columns `category`, `placement` (object arrays of `str`, `None` where a row maps to
    /// no placement type), `share`, `published` (NaN where not printed) and `computed`.
    fn usage_estimates(&self, py: Python<'_>, table: String, total: f64) -> PyResult<Py<PyDict>> {
        let d = Arc::clone(&self.inner);
        let rows = run(py, move || {
            carecast::market::usage_estimates(d.table(&table)?, total)
        })?;
        Ok(Columns::new(py, &rows)
            .text("category", |r| r.category.as_str())?
            .opt_text("placement", |r| r.placement.as_deref())?
            .float("share", |r| r.share)?
            .opt_float("published", |r| r.published)?
            .float("computed", |r| r.computed)?
            .finish())
    }

    /// The dataset in the core library's serde form, as JSON text (an export format).
    fn to_json(&self, py: Python<'_>) -> PyResult<String> {
        let d = Arc::clone(&self.inner);
        run(py, move || {
            serde_json::to_string(&*d)
                .map_err(|e| carecast::Error::model(format!("cannot serialise dataset: {e}")))
        })
    }

    /// Pickle support: the dataset's serde bytes.
    fn __reduce__<'py>(slf: &Bound<'py, Self>) -> PyResult<convert::Reduced<'py>> {
        convert::reduce(slf, &*slf.get().inner)
    }

    /// Rebuilds a pickled dataset.
    #[classmethod]
    fn _from_bytes(cls: &Bound<'_, PyType>, data: &[u8]) -> PyResult<Self> {
        convert::from_bytes(cls.py(), "dataset", data).map(Self::new)
    }

    fn __repr__(&self) -> String {
        format!(
            "<native Dataset {:?}: {} tables ({})>",
            self.inner.name,
            self.inner.tables.len(),
            self.inner.origin
        )
    }
}

/// One published table of a dataset (shares the dataset's memory).
#[pyclass(frozen, module = "carecast._carecast")]
pub struct Table {
    dataset: Arc<carecast::Dataset>,
    index: usize,
}

impl Table {
    fn table(&self) -> &carecast::Table {
        &self.dataset.tables[self.index]
    }

    /// A table on its own, in a dataset of one table named after it.
    fn alone(t: carecast::Table, origin: String) -> Self {
        let d = carecast::Dataset {
            name: t.meta.id.clone(),
            title: String::new(),
            description: String::new(),
            origin,
            tables: vec![t],
            checks: Vec::new(),
        };
        Self {
            dataset: Arc::new(d),
            index: 0,
        }
    }
}

/// The long-form cells of a table as columns, built straight from the records: the
/// labels as numpy object arrays of `str` (each distinct label one object; `None` where a
/// record has no such key), `value`, `lower` and `upper` as float64 (NaN where there is
/// no number), `suppressed` as bool and `line` as int64.
fn cell_columns(py: Python<'_>, t: &carecast::Table) -> PyResult<Py<PyDict>> {
    use carecast::{Cell, Key};
    let rows = t.records.as_slice();
    let id = t.meta.id.as_str();
    // Exact cells are their value, suppressed ones their bounds; the rest have neither.
    let bounds = |c: &Cell| match c {
        Cell::Exact { value, .. } => (Some(*value), Some(*value), Some(*value)),
        Cell::Suppressed { lower, upper, .. } => (None, Some(*lower), *upper),
        _ => (None, None, None),
    };
    let mut cols = Columns::new(py, rows).text("table", |_| id)?;
    for (name, key) in [
        ("period", Key::Period),
        ("area", Key::Area),
        ("band", Key::Band),
        ("category", Key::Category),
        ("placement", Key::Placement),
        ("measure", Key::Measure),
        ("unit", Key::Unit),
    ] {
        cols = cols.opt_label(name, |r| r.key(key))?;
    }
    Ok(cols
        .opt_float("value", |r| bounds(&r.cell).0)?
        .opt_float("lower", |r| bounds(&r.cell).1)?
        .opt_float("upper", |r| bounds(&r.cell).2)?
        .text("status", |r| r.cell.status())?
        .flag("suppressed", |r| matches!(r.cell, Cell::Suppressed { .. }))?
        .opt_text("note", |r| r.note.as_deref())?
        .int("line", |r| convert::count(r.line))?
        .finish())
}

#[pymethods]
impl Table {
    /// One table file parsed on its own.
    #[staticmethod]
    fn parse(py: Python<'_>, file: String, text: String) -> PyResult<Self> {
        let t = run(py, || carecast::Table::parse(&file, &text))?;
        Ok(Self::alone(t, file))
    }

    /// One table file read from `path` and parsed on its own; errors name the file's
    /// name (its locations) or its path (a file that cannot be read, is not a regular
    /// file, is over the size limit or is not UTF-8, with the offset of the first byte
    /// that is not).
    #[staticmethod]
    fn read(py: Python<'_>, path: String) -> PyResult<Self> {
        let t = run(py, || {
            let text = carecast::sources::read_text_file(&path)?;
            let name = std::path::Path::new(&path)
                .file_name()
                .map_or_else(|| path.clone(), |n| n.to_string_lossy().into_owned());
            carecast::Table::parse(&name, &text)
        })?;
        Ok(Self::alone(t, path))
    }

    /// The table's header (`id`, `title`, `source`, `source_table`, `notes`, ...).
    fn meta(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        convert::value_to_py(py, &self.table().meta)
    }

    /// Identifier of the table within its dataset.
    #[getter]
    fn id(&self) -> &str {
        &self.table().meta.id
    }

    /// The cells as columns: `table`, `period`, `area`, `band`, `category`, `placement`,
    /// `measure`, `unit`, `value`, `lower`, `upper`, `status`, `suppressed`, `note`,
    /// `line` (missing values are `None`).
    fn columns(&self, py: Python<'_>) -> PyResult<Py<PyDict>> {
        cell_columns(py, self.table())
    }

    fn __len__(&self) -> usize {
        self.table().records.len()
    }

    /// Pickle support: the table's serde bytes.
    fn __reduce__<'py>(slf: &Bound<'py, Self>) -> PyResult<convert::Reduced<'py>> {
        convert::reduce(slf, slf.get().table())
    }

    /// Rebuilds a pickled table.
    #[classmethod]
    fn _from_bytes(cls: &Bound<'_, PyType>, data: &[u8]) -> PyResult<Self> {
        let t: carecast::Table = convert::from_bytes(cls.py(), "table", data)?;
        let origin = t.meta.file.clone();
        Ok(Self::alone(t, origin))
    }

    fn __repr__(&self) -> String {
        format!("<native Table {:?}>", self.table().meta.id)
    }
}

/// The reconciliation of a dataset (the core's `Reconciliation`).
#[pyclass(frozen, module = "carecast._carecast")]
pub struct Reconciliation {
    pub(crate) inner: Arc<carecast::Reconciliation>,
}

#[pymethods]
impl Reconciliation {
    /// The dataset's name.
    #[getter]
    fn dataset(&self) -> &str {
        &self.inner.dataset
    }

    /// The findings as dicts, checks in order.
    fn findings(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        convert::value_to_py(py, &self.inner.findings)
    }

    /// The findings as columns, checks in order: `check`, `kind`, `group`, `period`
    /// (object arrays of `str`, `period` `None` where a group has none); `expected`,
    /// `found` and `difference` each as `<name>` (the value where the interval is one
    /// number), `<name>_lower` and `<name>_upper` (lists of `float` and `None`: missing
    /// where there is no figure or, for `_upper`, no upper bound); `tolerance` (float64),
    /// `status`, `sources` (the citations joined with ` | `) and `detail`.
    fn columns(&self, py: Python<'_>) -> PyResult<Py<PyDict>> {
        type Get = fn(&carecast::Finding) -> Option<&carecast::Interval>;
        let mut cols = Columns::new(py, &self.inner.findings)
            .text("check", |f| f.check.as_str())?
            .text("kind", |f| f.kind.as_str())?
            .text("group", |f| f.group.as_str())?
            .opt_text("period", |f| f.period.as_deref())?;
        let parts: [(&str, Get); 3] = [
            ("expected", |f| f.expected.as_ref()),
            ("found", |f| f.found.as_ref()),
            ("difference", |f| f.difference.as_ref()),
        ];
        for (name, get) in parts {
            cols = cols
                .nullable(name, |f| {
                    get(f).and_then(|iv| (iv.hi == Some(iv.lo)).then_some(iv.lo))
                })?
                .nullable(&format!("{name}_lower"), |f| get(f).map(|iv| iv.lo))?
                .nullable(&format!("{name}_upper"), |f| get(f).and_then(|iv| iv.hi))?;
        }
        Ok(cols
            .float("tolerance", |f| f.tolerance)?
            .label("status", |f| f.status)?
            .label("sources", |f| f.sources.join(" | "))?
            .text("detail", |f| f.detail.as_str())?
            .finish())
    }

    /// Number of findings per status: `pass`, `fail`, `indeterminate`, `unavailable`.
    fn counts(&self) -> Vec<(String, usize)> {
        use carecast::Status::{Fail, Indeterminate, Pass, Unavailable};
        [Pass, Fail, Indeterminate, Unavailable]
            .into_iter()
            .map(|s| (s.to_string(), self.inner.with_status(s).count()))
            .collect()
    }

    /// Pickle support: the reconciliation's serde bytes.
    fn __reduce__<'py>(slf: &Bound<'py, Self>) -> PyResult<convert::Reduced<'py>> {
        convert::reduce(slf, &*slf.get().inner)
    }

    /// Rebuilds a pickled reconciliation.
    #[classmethod]
    fn _from_bytes(cls: &Bound<'_, PyType>, data: &[u8]) -> PyResult<Self> {
        convert::from_bytes(cls.py(), "reconciliation", data).map(|r| Self { inner: Arc::new(r) })
    }

    fn __repr__(&self) -> String {
        format!(
            "<native Reconciliation of {:?}: {} findings>",
            self.inner.dataset,
            self.inner.findings.len()
        )
    }
}

/// Names of the bundled datasets.
#[pyfunction]
pub fn dataset_names() -> Vec<String> {
    carecast::Dataset::names()
        .into_iter()
        .map(String::from)
        .collect()
}

/// Checks a figures file (TOML text); returns one row per figure as columns: `file`,
/// `name`, `dataset`, `measure`, `status`, `message`, `source` and `period` (object arrays
/// of `str`, `period` `None` where a figure has none), `index` (int64), `expected` and
/// `tolerance` (float64), then `found` (the value where what carecast computed is one
/// number), `found_lower`, `found_upper` and `difference` (the value where it is one
/// number) as lists of `float` and `None`.
#[pyfunction]
pub fn verify(py: Python<'_>, file: String, text: String) -> PyResult<Py<PyDict>> {
    let results = run(py, || carecast::figures::verify(&file, &text))?;
    let single =
        |iv: &Option<carecast::Interval>| iv.as_ref().filter(|i| i.hi == Some(i.lo)).map(|i| i.lo);
    Ok(Columns::new(py, &results)
        .text("file", |r| r.file.as_str())?
        .int("index", |r| convert::count(r.index))?
        .text("name", |r| r.name.as_str())?
        .text("dataset", |r| r.dataset.as_str())?
        .text("measure", |r| r.measure.as_str())?
        .opt_text("period", |r| r.period.as_deref())?
        .float("expected", |r| r.expected)?
        .nullable("found", |r| single(&r.found))?
        .nullable("found_lower", |r| r.found.as_ref().map(|i| i.lo))?
        .nullable("found_upper", |r| r.found.as_ref().and_then(|i| i.hi))?
        .nullable("difference", |r| single(&r.difference))?
        .float("tolerance", |r| r.tolerance)?
        .text("status", |r| r.status.as_str())?
        .text("message", |r| r.message.as_str())?
        .text("source", |r| r.source.as_str())?
        .finish())
}

/// The bounds the core enforces: `max_years`, `max_samples`, `adult_age`, `max_age`,
/// `max_levels`, `max_table_rows` (`MAX_TABLE_ROWS`), `max_file_bytes` (`MAX_FILE_BYTES`)
/// and `max_levers` (`MAX_LEVERS`).
#[pyfunction]
pub fn limits(py: Python<'_>) -> PyResult<Py<PyDict>> {
    let l = carecast::views::LIMITS;
    let d = PyDict::new(py);
    d.set_item("max_years", l.max_years)?;
    d.set_item("max_samples", l.max_samples)?;
    d.set_item("adult_age", l.adult_age)?;
    d.set_item("max_age", l.max_age)?;
    d.set_item("max_levels", l.max_levels)?;
    d.set_item("max_table_rows", l.max_table_rows)?;
    d.set_item("max_file_bytes", l.max_file_bytes)?;
    d.set_item("max_levers", l.max_levers)?;
    Ok(d.unbind())
}

/// The core's default projection assumptions and the names it parses: `admissions` and
/// `discharges` (mappings with a `method` key and the default parameters), `method` (the
/// national backtest's name of the default), `admissions_methods`, `discharge_methods`,
/// `calibrated_levels` (levels with stored calibrated quantiles), `calibrated_horizons`
/// (years ahead they cover) and `warn_factor` (a projection moving more than this factor
/// from the base year carries a warning note).
#[pyfunction]
pub fn defaults(py: Python<'_>) -> PyResult<Py<PyDict>> {
    use carecast::model as m;
    let d = PyDict::new(py);
    d.set_item(
        "admissions",
        convert::value_to_py(py, &m::DEFAULT_ADMISSIONS)?,
    )?;
    d.set_item(
        "discharges",
        convert::value_to_py(py, &m::DEFAULT_DISCHARGES)?,
    )?;
    d.set_item("method", carecast::national::DEFAULT_METHOD)?;
    d.set_item("admissions_methods", m::ADMISSIONS_METHODS.to_vec())?;
    d.set_item("discharge_methods", m::DISCHARGE_METHODS.to_vec())?;
    d.set_item("calibrated_levels", vec![80.0_f64, 95.0])?;
    d.set_item(
        "calibrated_horizons",
        carecast::national::DEFAULT_TOTAL_QUANTILES.len(),
    )?;
    d.set_item("warn_factor", m::WARN_FACTOR)?;
    Ok(d.unbind())
}

/// Where a period label ends on a time axis in years (31 March of year Y at Y).
#[pyfunction]
pub fn period_position(py: Python<'_>, label: String) -> PyResult<f64> {
    run(py, || {
        Ok(carecast::views::period_position(&carecast::Period::parse(
            &label,
        )?))
    })
}

/// The calendar year of the 31 March ending the financial year of a period label.
#[pyfunction]
pub fn period_year(py: Python<'_>, label: String) -> PyResult<i32> {
    run(py, || carecast::views::period_year(&label))
}

/// Parses a band label to `(lo, hi)` years, `hi` exclusive; `all` gives `(0, 18)`.
#[pyfunction]
pub fn parse_band(py: Python<'_>, label: String) -> PyResult<(u8, u8)> {
    run(py, || match carecast::Band::parse(&label)? {
        carecast::Band::All => Ok((0, 18)),
        carecast::Band::Ages(b) => Ok((b.lo(), b.hi())),
    })
}
