//! The one place where core errors become Python exceptions.
//!
//! Each error kind has its own class under `carecast._carecast` (where pickle finds it),
//! all below `CarecastError` (a `ValueError`). A raised instance carries `kind` (the
//! core variant, e.g. `invalid_argument`), `argument` (the argument at fault, if any) and
//! `location` (a dict naming file, table, line and column, if known); the classes
//! themselves carry `None` for the three, so exceptions raised from Python have them too.

use std::panic::{AssertUnwindSafe, catch_unwind};

use carecast::Error;
use pyo3::create_exception;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::PyDict;

create_exception!(
    carecast._carecast,
    CarecastError,
    PyValueError,
    "Base class of every carecast error (a ValueError)."
);
create_exception!(
    carecast._carecast,
    DataError,
    CarecastError,
    "A data file or table is malformed (names file, table, line, column)."
);
create_exception!(
    carecast._carecast,
    UnknownNameError,
    CarecastError,
    "A dataset, table, measure, band or placement name is not known."
);
create_exception!(
    carecast._carecast,
    ArgumentError,
    CarecastError,
    "An argument is out of range or inconsistent."
);
create_exception!(
    carecast._carecast,
    FigureError,
    CarecastError,
    "A published-figures file is malformed."
);
create_exception!(
    carecast._carecast,
    ModelError,
    CarecastError,
    "The model cannot be fitted or projected with these data."
);
create_exception!(
    carecast._carecast,
    ScenarioError,
    CarecastError,
    "A scenario or lever is invalid."
);
create_exception!(
    carecast._carecast,
    InternalError,
    CarecastError,
    "A bug in carecast (please report it)."
);

/// Where an error happened, as `(file, table, line, column)` parts (any may be missing).
type Place = (
    Option<String>,
    Option<String>,
    Option<usize>,
    Option<String>,
);

/// How a core error shows in Python.
struct Mapped {
    /// Makes the exception of the right class.
    new: fn(String) -> PyErr,
    /// The core variant, e.g. `invalid_argument`.
    kind: &'static str,
    /// The argument at fault, if any.
    argument: Option<String>,
    /// Where it happened, if known.
    place: Option<Place>,
}

fn mapped(
    new: fn(String) -> PyErr,
    kind: &'static str,
    argument: Option<String>,
    place: Option<Place>,
) -> Mapped {
    Mapped {
        new,
        kind,
        argument,
        place,
    }
}

/// The one map from core error variants to Python classes.
fn classify(e: &Error) -> Mapped {
    match e {
        Error::Data { location, .. } => mapped(
            DataError::new_err,
            "data",
            None,
            Some((
                Some(location.file.clone()),
                location.table.clone(),
                location.line,
                location.column.clone(),
            )),
        ),
        Error::Io { path, .. } => mapped(
            DataError::new_err,
            "io",
            None,
            Some((Some(path.clone()), None, None, None)),
        ),
        Error::UnknownName { .. } => mapped(UnknownNameError::new_err, "unknown_name", None, None),
        Error::InvalidArgument { argument, .. } => mapped(
            ArgumentError::new_err,
            "invalid_argument",
            Some(argument.clone()),
            None,
        ),
        Error::BandScheme { .. } => mapped(ArgumentError::new_err, "band_scheme", None, None),
        Error::Figure { file, index, .. } => mapped(
            FigureError::new_err,
            "figure",
            None,
            Some((Some(file.clone()), None, Some(*index), None)),
        ),
        Error::Model { .. } => mapped(ModelError::new_err, "model", None, None),
        Error::Scenario { file, .. } => mapped(
            ScenarioError::new_err,
            "scenario",
            None,
            Some((Some(file.clone()), None, None, None)),
        ),
        _ => mapped(CarecastError::new_err, "other", None, None),
    }
}

/// Converts a core error into its Python exception, with `kind`, `argument` and
/// `location` set on the instance.
pub(crate) fn to_py(py: Python<'_>, e: Error) -> PyErr {
    let Mapped {
        new,
        kind,
        argument,
        place,
    } = classify(&e);
    let err = new(e.to_string());
    // Setting attributes on a fresh exception instance cannot fail in practice; if it
    // did, the exception would still carry its class and message.
    let value = err.value(py);
    let _ = value.setattr("kind", kind);
    let _ = value.setattr("argument", argument);
    if let Some((file, table, line, column)) = place {
        let d = PyDict::new(py);
        let _ = d.set_item("file", file);
        let _ = d.set_item("table", table);
        let _ = d.set_item("line", line);
        let _ = d.set_item("column", column);
        let _ = value.setattr("location", d);
    }
    err
}

/// Runs `f` without the GIL, turning errors into Python exceptions and any panic into
/// `InternalError` (so no `PanicException` reaches Python).
pub(crate) fn run<T: Send>(
    py: Python<'_>,
    f: impl FnOnce() -> carecast::Result<T> + Send,
) -> PyResult<T> {
    let out = py.detach(|| catch_unwind(AssertUnwindSafe(f)));
    match out {
        Ok(r) => r.map_err(|e| to_py(py, e)),
        Err(p) => {
            let what = p
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| p.downcast_ref::<String>().cloned())
                .unwrap_or_default();
            let err = InternalError::new_err(format!("internal error: {what}"));
            let _ = err.value(py).setattr("kind", "internal");
            Err(err)
        }
    }
}

/// Adds the exception classes to the module, each with `kind`, `argument` and
/// `location` set to `None` at class level.
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    let classes = [
        ("CarecastError", py.get_type::<CarecastError>()),
        ("DataError", py.get_type::<DataError>()),
        ("UnknownNameError", py.get_type::<UnknownNameError>()),
        ("ArgumentError", py.get_type::<ArgumentError>()),
        ("FigureError", py.get_type::<FigureError>()),
        ("ModelError", py.get_type::<ModelError>()),
        ("ScenarioError", py.get_type::<ScenarioError>()),
        ("InternalError", py.get_type::<InternalError>()),
    ];
    for (name, cls) in classes {
        if name == "CarecastError" {
            for attr in ["kind", "argument", "location"] {
                cls.setattr(attr, py.None())?;
            }
        }
        m.add(name, cls)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_variant_has_its_kind_argument_and_place() {
        let loc = carecast::Location::file("cic.csv")
            .at_line(8)
            .at_column("band");
        let m = classify(&Error::data(loc, "bad band"));
        assert_eq!(m.kind, "data");
        assert_eq!(
            m.place,
            Some((Some("cic.csv".into()), None, Some(8), Some("band".into())))
        );
        let m = classify(&Error::argument("years", -1, "must be 1 to 25"));
        assert_eq!(
            (m.kind, m.argument.as_deref(), m.place),
            ("invalid_argument", Some("years"), None)
        );
        let m = classify(&Error::unknown("dataset", "derbyshir", ["derbyshire"]));
        assert_eq!((m.kind, m.argument), ("unknown_name", None));
        assert_eq!(classify(&Error::model("no stock")).kind, "model");
    }
}
