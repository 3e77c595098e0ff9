//! Conversions between the core's serde values and Python objects, without JSON text.
//!
//! Inputs that are plain mappings (projection methods, market options, scenarios given as
//! dicts) are read once into the core's types through `serde_json::Value`; results reach
//! Python either as columns (`numpy` arrays of numbers or of `str`, or lists, one per field of a
//! row type, built by [`Columns`] field by field) or, for small descriptive parts
//! (assumptions, notes), as dicts and lists.

use std::collections::HashMap;

use carecast::Error;
use numpy::IntoPyArray;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyBytes, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

/// A Python object (dict, list, str, number, bool, None) as a `serde_json::Value`.
///
/// # Errors
///
/// `ArgumentError` naming `what` for an object of another type or a float that is not
/// finite.
pub(crate) fn from_py(what: &str, obj: &Bound<'_, PyAny>) -> carecast::Result<Value> {
    if obj.is_none() {
        return Ok(Value::Null);
    }
    if let Ok(b) = obj.cast::<PyBool>() {
        return Ok(Value::Bool(b.is_true()));
    }
    if obj.is_instance_of::<PyInt>() {
        if let Ok(i) = obj.extract::<i64>() {
            return Ok(Value::from(i));
        }
        if let Ok(u) = obj.extract::<u64>() {
            return Ok(Value::from(u));
        }
        return Err(Error::argument(what, obj, "integer out of range"));
    }
    if let Ok(f) = obj.cast::<PyFloat>() {
        let v = f.value();
        return serde_json::Number::from_f64(v)
            .map(Value::Number)
            .ok_or_else(|| Error::argument(what, v, "must be a finite number"));
    }
    if let Ok(s) = obj.cast::<PyString>() {
        return Ok(Value::String(s.to_string()));
    }
    if let Ok(d) = obj.cast::<PyDict>() {
        let mut map = serde_json::Map::new();
        for (k, v) in d.iter() {
            let key = k
                .cast::<PyString>()
                .map_err(|_| Error::argument(what, &k, "mapping keys must be strings"))?
                .to_string();
            let item = from_py(&format!("{what}.{key}"), &v)?;
            map.insert(key, item);
        }
        return Ok(Value::Object(map));
    }
    if obj.cast::<PyList>().is_ok() || obj.cast::<PyTuple>().is_ok() {
        let items = obj
            .try_iter()
            .map_err(|e| Error::argument(what, e, "cannot iterate"))?;
        let mut out = Vec::new();
        for (i, v) in items.enumerate() {
            let v = v.map_err(|e| Error::argument(what, e, "cannot iterate"))?;
            out.push(from_py(&format!("{what}[{i}]"), &v)?);
        }
        return Ok(Value::Array(out));
    }
    // numpy scalars and other numbers: anything that converts to a float.
    if let Ok(v) = obj.extract::<f64>() {
        return serde_json::Number::from_f64(v)
            .map(Value::Number)
            .ok_or_else(|| Error::argument(what, v, "must be a finite number"));
    }
    let type_name = obj
        .get_type()
        .name()
        .map(|n| n.to_string())
        .unwrap_or_default();
    Err(Error::argument(
        what,
        type_name,
        "expected a mapping, list, string, number, bool or None",
    ))
}

/// A Python object read into a core type through its serde form.
///
/// # Errors
///
/// `ArgumentError` naming `what` when the object has not the shape of `T`.
pub(crate) fn arg<T: DeserializeOwned>(what: &str, obj: &Bound<'_, PyAny>) -> carecast::Result<T> {
    let v = from_py(what, obj)?;
    serde_json::from_value(v).map_err(|e| {
        let shown = obj.repr().map(|r| r.to_string()).unwrap_or_default();
        Error::argument(
            what,
            shown.chars().take(80).collect::<String>(),
            format!("not valid: {e}"),
        )
    })
}

/// A `serde_json::Value` as a Python object.
pub(crate) fn to_py(py: Python<'_>, v: &Value) -> PyResult<Py<PyAny>> {
    Ok(match v {
        Value::Null => py.None(),
        Value::Bool(b) => PyBool::new(py, *b).to_owned().into_any().unbind(),
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                i.into_pyobject(py)?.into_any().unbind()
            } else if let Some(u) = n.as_u64() {
                u.into_pyobject(py)?.into_any().unbind()
            } else {
                n.as_f64()
                    .unwrap_or(f64::NAN)
                    .into_pyobject(py)?
                    .into_any()
                    .unbind()
            }
        }
        Value::String(s) => PyString::new(py, s).into_any().unbind(),
        Value::Array(items) => {
            let out = PyList::empty(py);
            for item in items {
                out.append(to_py(py, item)?)?;
            }
            out.into_any().unbind()
        }
        Value::Object(map) => {
            let out = PyDict::new(py);
            for (k, item) in map {
                out.set_item(k, to_py(py, item)?)?;
            }
            out.into_any().unbind()
        }
    })
}

/// A serialisable core value as Python objects (dicts, lists, numbers, str).
pub(crate) fn value_to_py<T: Serialize>(py: Python<'_>, v: &T) -> PyResult<Py<PyAny>> {
    let value = serde_json::to_value(v).map_err(|e| {
        crate::errors::to_py(py, Error::model(format!("cannot convert result: {e}")))
    })?;
    to_py(py, &value)
}

/// Columns of typed rows, built field by field straight from the rows (no serde form in
/// between): numbers become numpy arrays (float64, int64, bool), labels numpy object
/// arrays of `str` in which each distinct label is one Python object.
///
/// ```text
/// let cols = Columns::new(py, &rows)
///     .text("year", |r| r.year.as_str())?
///     .float("value", |r| r.value)?
///     .finish();
/// ```
pub(crate) struct Columns<'py, 'a, R> {
    py: Python<'py>,
    rows: &'a [R],
    strings: Strings<'a>,
    owned: HashMap<String, Py<PyString>>,
    out: Bound<'py, PyDict>,
}

impl<'py, 'a, R> Columns<'py, 'a, R> {
    /// An empty set of columns over `rows`.
    pub(crate) fn new(py: Python<'py>, rows: &'a [R]) -> Self {
        Self {
            py,
            rows,
            strings: Strings::default(),
            owned: HashMap::new(),
            out: PyDict::new(py),
        }
    }

    /// A column of labels borrowed from the rows (a numpy object array of `str`).
    pub(crate) fn text(mut self, name: &str, f: impl Fn(&'a R) -> &'a str) -> PyResult<Self> {
        let col = self.strings.column(self.py, self.rows, f);
        self.out.set_item(name, col)?;
        Ok(self)
    }

    /// A column of labels made from the rows (e.g. a financial year shown as `2016/17`),
    /// each distinct label made into a Python `str` once.
    pub(crate) fn label<T: std::fmt::Display>(
        mut self,
        name: &str,
        f: impl Fn(&R) -> T,
    ) -> PyResult<Self> {
        let py = self.py;
        let items: Vec<Py<PyAny>> = self
            .rows
            .iter()
            .map(|r| {
                let s = f(r).to_string();
                self.owned
                    .entry(s)
                    .or_insert_with_key(|k| PyString::new(py, k).unbind())
                    .clone_ref(py)
                    .into_any()
            })
            .collect();
        self.out.set_item(name, items.into_pyarray(py))?;
        Ok(self)
    }

    /// A column of optional labels made from the rows (a numpy object array of `str` and
    /// `None`), each distinct label made into a Python `str` once.
    pub(crate) fn opt_label(
        mut self,
        name: &str,
        f: impl Fn(&R) -> Option<String>,
    ) -> PyResult<Self> {
        let py = self.py;
        let items: Vec<Py<PyAny>> = self
            .rows
            .iter()
            .map(|r| match f(r) {
                Some(s) => self
                    .owned
                    .entry(s)
                    .or_insert_with_key(|k| PyString::new(py, k).unbind())
                    .clone_ref(py)
                    .into_any(),
                None => py.None(),
            })
            .collect();
        self.out.set_item(name, items.into_pyarray(py))?;
        Ok(self)
    }

    /// A column of optional labels (a numpy object array of `str` and `None`).
    pub(crate) fn opt_text(
        mut self,
        name: &str,
        f: impl Fn(&'a R) -> Option<&'a str>,
    ) -> PyResult<Self> {
        let py = self.py;
        let items: Vec<Py<PyAny>> = self
            .rows
            .iter()
            .map(|r| match f(r) {
                Some(s) => self.strings.get(py, s).into_any(),
                None => py.None(),
            })
            .collect();
        self.out.set_item(name, items.into_pyarray(py))?;
        Ok(self)
    }

    /// A float64 column.
    pub(crate) fn float(self, name: &str, f: impl Fn(&R) -> f64) -> PyResult<Self> {
        let v: Vec<f64> = self.rows.iter().map(f).collect();
        self.out.set_item(name, v.into_pyarray(self.py))?;
        Ok(self)
    }

    /// A float64 column in which a missing number is NaN.
    pub(crate) fn opt_float(self, name: &str, f: impl Fn(&R) -> Option<f64>) -> PyResult<Self> {
        self.float(name, |r| f(r).unwrap_or(f64::NAN))
    }

    /// A list of `float` and `None` (for frames that keep missing numbers as missing, in
    /// pandas' nullable `Float64`).
    pub(crate) fn nullable(self, name: &str, f: impl Fn(&R) -> Option<f64>) -> PyResult<Self> {
        let v: Vec<Option<f64>> = self.rows.iter().map(f).collect();
        self.out.set_item(name, PyList::new(self.py, v)?)?;
        Ok(self)
    }

    /// An int64 column.
    pub(crate) fn int(self, name: &str, f: impl Fn(&R) -> i64) -> PyResult<Self> {
        let v: Vec<i64> = self.rows.iter().map(f).collect();
        self.out.set_item(name, v.into_pyarray(self.py))?;
        Ok(self)
    }

    /// A bool column.
    pub(crate) fn flag(self, name: &str, f: impl Fn(&R) -> bool) -> PyResult<Self> {
        let v: Vec<bool> = self.rows.iter().map(f).collect();
        self.out.set_item(name, v.into_pyarray(self.py))?;
        Ok(self)
    }

    /// For each level index `i` in turn, one float64 column `{prefix}_{i}` per
    /// `(prefix, values)` pair (Python renames them after the level's label), NaN where a
    /// row has no value: `coverage_0, width_0, coverage_1, width_1, ...`.
    pub(crate) fn per_level(
        mut self,
        levels: usize,
        parts: &[LevelValues<'_, R>],
    ) -> PyResult<Self> {
        for i in 0..levels {
            for (prefix, values) in parts {
                self = self.opt_float(&format!("{prefix}_{i}"), |r| {
                    values(r).get(i).copied().flatten()
                })?;
            }
        }
        Ok(self)
    }

    /// The columns, in the order they were added.
    pub(crate) fn finish(self) -> Py<PyDict> {
        self.out.unbind()
    }
}

/// A per-level column family for [`Columns::per_level`]: its prefix and the row's values,
/// one per level.
pub(crate) type LevelValues<'p, R> = (&'p str, fn(&R) -> &[Option<f64>]);

/// A count as an int64 (saturating: counts of rows never come near `i64::MAX`).
pub(crate) fn count(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// One Python `str` per distinct string: columns of repeated labels share their objects.
#[derive(Default)]
pub(crate) struct Strings<'a> {
    seen: HashMap<&'a str, Py<PyString>>,
}

impl<'a> Strings<'a> {
    /// The Python string for `s`, made once.
    pub(crate) fn get(&mut self, py: Python<'_>, s: &'a str) -> Py<PyString> {
        self.seen
            .entry(s)
            .or_insert_with(|| PyString::new(py, s).unbind())
            .clone_ref(py)
    }

    /// A numpy object array of `str` from string fields of rows (pandas takes it as a
    /// column without converting a list first).
    pub(crate) fn column<R>(
        &mut self,
        py: Python<'_>,
        rows: &'a [R],
        field: impl Fn(&'a R) -> &'a str,
    ) -> Py<PyAny> {
        let items: Vec<Py<PyAny>> = rows
            .iter()
            .map(|r| self.get(py, field(r)).into_any())
            .collect();
        items.into_pyarray(py).into_any().unbind()
    }
}

/// The columns of a projection for pandas: `year`, `period`, `band`, `measure` (numpy
/// object arrays of `str`) and `value` (float64). Each label of the projection's tables
/// becomes one Python `str`, and each row takes the one its code points to (no string is
/// made, hashed or compared per row).
pub(crate) fn projection_columns(
    py: Python<'_>,
    p: &carecast::ProjectionColumns,
) -> PyResult<Py<PyDict>> {
    let out = PyDict::new(py);
    let coded = [
        ("year", p.years(), p.year_codes()),
        ("period", p.periods(), p.period_codes()),
        ("band", p.bands(), p.band_codes()),
        ("measure", p.measures(), p.measure_codes()),
    ];
    for (name, labels, codes) in coded {
        let table: Vec<Py<PyAny>> = labels
            .iter()
            .map(|l| PyString::new(py, l).into_any().unbind())
            .collect();
        let items = codes
            .iter()
            .map(|&c| {
                usize::try_from(c)
                    .ok()
                    .and_then(|i| table.get(i))
                    .map(|s| s.clone_ref(py))
                    .ok_or_else(|| {
                        crate::errors::to_py(
                            py,
                            Error::model(format!(
                                "projection column {name}: code {c} has no label"
                            )),
                        )
                    })
            })
            .collect::<PyResult<Vec<_>>>()?;
        out.set_item(name, items.into_pyarray(py))?;
    }
    out.set_item("value", p.values().to_vec().into_pyarray(py))?;
    Ok(out.unbind())
}

/// What `__reduce__` returns for a class that pickles as its value's serde bytes: the
/// class's `_from_bytes` classmethod and the bytes of `value`.
pub(crate) type Reduced<'py> = (Bound<'py, PyAny>, (Bound<'py, PyBytes>,));

/// The body of every class's `__reduce__`: `(cls._from_bytes, (serde bytes of value,))`.
pub(crate) fn reduce<'py, T, V: Serialize + ?Sized>(
    slf: &Bound<'py, T>,
    value: &V,
) -> PyResult<Reduced<'py>> {
    let py = slf.py();
    let bytes = to_bytes(py, value)?;
    Ok((
        slf.as_any().get_type().getattr("_from_bytes")?,
        (PyBytes::new(py, &bytes),),
    ))
}

pub(crate) fn to_bytes<T: Serialize + ?Sized>(py: Python<'_>, v: &T) -> PyResult<Vec<u8>> {
    serde_json::to_vec(v).map_err(|e| {
        crate::errors::to_py(
            py,
            Error::model(format!("cannot serialise for pickling: {e}")),
        )
    })
}

/// A value back from its pickled serde bytes.
pub(crate) fn from_bytes<T: DeserializeOwned>(
    py: Python<'_>,
    what: &str,
    bytes: &[u8],
) -> PyResult<T> {
    serde_json::from_slice(bytes).map_err(|e| {
        crate::errors::to_py(
            py,
            Error::model(format!("not a pickled carecast {what}: {e}")),
        )
    })
}
