"""Argument checks shared by the Python entry points.

Each check takes the argument's name as the user typed it (``"years"``, ``"retention"``)
and the value given, and either returns the value converted to a plain Python type or
raises :class:`~carecast.ArgumentError` with the message

    invalid argument `<name>` = <value>: <what is wrong>

the same shape as the core library's own argument errors. Values are converted here,
before they reach the native module, so no ``OverflowError`` or ``TypeError`` from PyO3
and no NaN can get through.

The checks accept any numeric type a council analyst is likely to hold: Python ``int`` and
``float``, numpy scalars of every integer and float dtype, and whole-valued floats where a
whole number is wanted (``2018.0`` from a float column is the year 2018). ``bool`` is never
a number here (``True`` as a year is a mistake), nor is text (``"10"``).

Functions
---------
fail
    Raise the standard ``ArgumentError`` for an argument.
show
    A short text form of a value for messages.
integer
    A whole number, optionally within bounds.
number
    A finite number, optionally within bounds.
text
    A string.
choice
    One of a few allowed strings, with "did you mean".
suggest
    The allowed string closest to a mistyped one.
pairs
    A mapping of whole-number keys (years, ages) to finite numbers, also given as a
    pandas Series, a two-column DataFrame or array, or a list of pairs.

Examples
--------
>>> from carecast import _validate as v
>>> v.integer("years", 10.0, lo=1, hi=25)
10
>>> v.integer("years", -1, lo=1, hi=25)
Traceback (most recent call last):
...
carecast._carecast.ArgumentError: invalid argument `years` = -1: must be 1 to 25
>>> v.pairs("retention", {19.0: 0.9}, key="age", keys=(18, 25), values=(0, 1))
[(19, 0.9)]
>>> v.choice("measure", "stok", ["stock", "admissions"])
Traceback (most recent call last):
...
carecast._carecast.ArgumentError: invalid argument `measure` = 'stok': one of ['stock', 'admissions'] (did you mean 'stock'?)
"""  # noqa: E501

from __future__ import annotations

import difflib
import math
import numbers
import reprlib
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, NoReturn

import numpy as np
import pandas as pd

from carecast._carecast import ArgumentError, UnknownNameError

__all__ = ["fail", "show", "integer", "number", "text", "choice", "suggest", "pairs"]

_repr = reprlib.Repr()
_repr.maxstring = 60
_repr.maxother = 60
_repr.maxdict = 6
_repr.maxlist = 6
_repr.maxtuple = 6


def show(value: Any) -> str:
    """Return a short text form of ``value`` for an error message.

    Containers are cut after a few items; pandas and numpy objects are described by their
    type and size rather than printed in full.

    Examples
    --------
    >>> show({y: 1.0 for y in range(2018, 2030)})
    '{2018: 1.0, 2019: 1.0, 2020: 1.0, 2021: 1.0, 2022: 1.0, 2023: 1.0, ...}'
    """
    if isinstance(value, pd.Series):
        return f"a pandas Series of {len(value)} values (dtype {value.dtype})"
    if isinstance(value, pd.DataFrame):
        return f"a pandas DataFrame of shape {value.shape}"
    if isinstance(value, np.ndarray):
        if value.ndim == 0:
            return repr(value.item())
        return f"a numpy array of shape {value.shape} (dtype {value.dtype})"
    if isinstance(value, np.generic):
        return repr(value.item())
    return _repr.repr(value)


def make_error(
    message: str, *, argument: str | None = None, cls: type[Exception] = ArgumentError
) -> Exception:
    """Return a ``cls`` exception with ``kind`` and ``argument`` set as the native layer does.

    ``kind`` is ``invalid_argument`` for argument errors (``unknown_name`` for an
    ``UnknownNameError``); ``location`` stays ``None`` (the class default).
    """
    e = cls(message)
    kind = "unknown_name" if issubclass(cls, UnknownNameError) else "invalid_argument"
    setattr(e, "kind", kind)  # noqa: B010 (not every class declares the attribute)
    setattr(e, "argument", argument)  # noqa: B010
    return e


def fail(name: str, value: Any, reason: str, error: type[Exception] = ArgumentError) -> NoReturn:
    """Raise ``error`` (default ``ArgumentError``) for argument ``name`` given ``value``."""
    raise make_error(
        f"invalid argument `{name}` = {show(value)}: {reason}", argument=name, cls=error
    )


def _is_number(v: Any) -> bool:
    return isinstance(v, (numbers.Real, np.number)) and not isinstance(v, (bool, np.bool_))


def _range_text(lo: float | None, hi: float | None) -> str:
    def f(x: float) -> str:
        return f"{x:g}" if isinstance(x, float) else str(x)

    if lo is not None and hi is not None:
        return f"must be {f(lo)} to {f(hi)}"
    if lo is not None:
        return f"must be at least {f(lo)}"
    return f"must be at most {f(hi)}"  # type: ignore[arg-type]


def _whole(v: Any) -> int | None:
    """Return ``v`` as an int when it is a whole number (int or whole float), else None."""
    if isinstance(v, np.ndarray) and v.ndim == 0:
        v = v.item()
    if not _is_number(v) or v is pd.NA:
        return None
    if isinstance(v, (numbers.Integral, np.integer)):
        return int(v)
    f = float(v)
    if not math.isfinite(f) or f != math.floor(f):
        return None
    return int(f)


def integer(name: str, value: Any, *, lo: int | None = None, hi: int | None = None) -> int:
    """Return ``value`` as an ``int``, checking it is a whole number in ``[lo, hi]``.

    Parameters
    ----------
    name : str
        The argument's name, for the message.
    value : Any
        An int, a numpy integer, or a whole-valued float (``10.0``); not a bool or text.
    lo, hi : int, optional
        Inclusive bounds.

    Returns
    -------
    int

    Raises
    ------
    ArgumentError
        If ``value`` is not a whole number or is out of bounds.

    Examples
    --------
    >>> import numpy as np
    >>> integer("years", np.int32(5), lo=1, hi=25)
    5
    >>> integer("years", 2.5)
    Traceback (most recent call last):
    ...
    carecast._carecast.ArgumentError: invalid argument `years` = 2.5: must be a whole number
    """
    n = _whole(value)
    if n is None:
        what = type(value).__name__
        kind = "a whole number" + ("" if _is_number(value) else f", not {what}")
        fail(name, value, f"must be {kind}")
    if (lo is not None and n < lo) or (hi is not None and n > hi):
        fail(name, value, _range_text(lo, hi))
    return n


def number(name: str, value: Any, *, lo: float | None = None, hi: float | None = None) -> float:
    """Return ``value`` as a finite ``float`` in ``[lo, hi]``.

    Parameters
    ----------
    name : str
        The argument's name, for the message.
    value : Any
        Any real number (Python or numpy); not a bool, text, NaN or infinity.
    lo, hi : float, optional
        Inclusive bounds.

    Returns
    -------
    float

    Raises
    ------
    ArgumentError
        If ``value`` is not a finite number or is out of bounds.

    Examples
    --------
    >>> number("leaver_share", 2, lo=0, hi=1)
    Traceback (most recent call last):
    ...
    carecast._carecast.ArgumentError: invalid argument `leaver_share` = 2: must be 0 to 1
    """
    if isinstance(value, np.ndarray) and value.ndim == 0:
        value = value.item()
    if not _is_number(value) or value is pd.NA:
        fail(name, value, f"must be a number, not {type(value).__name__}")
    f = float(value)
    if not math.isfinite(f):
        fail(name, value, "must be a finite number")
    if (lo is not None and f < lo) or (hi is not None and f > hi):
        fail(name, value, _range_text(lo, hi))
    return f


def text(name: str, value: Any) -> str:
    """Return ``value`` if it is a ``str``, else raise ``ArgumentError``.

    Examples
    --------
    >>> text("table", 5)
    Traceback (most recent call last):
    ...
    carecast._carecast.ArgumentError: invalid argument `table` = 5: must be a string, not int
    """
    if not isinstance(value, str):
        fail(name, value, f"must be a string, not {type(value).__name__}")
    return value


def choice(
    name: str, value: Any, allowed: Iterable[str], error: type[Exception] = ArgumentError
) -> str:
    """Return ``value`` if it is one of ``allowed``; else raise with a "did you mean".

    Parameters
    ----------
    name : str
        The argument's name, for the message.
    value : Any
        The value given.
    allowed : iterable of str
        The allowed values, in the order to list them.
    error : type, optional
        The exception class (default ``ArgumentError``; ``UnknownNameError`` for names of
        things such as tables and measures).

    Returns
    -------
    str
    """
    options = list(allowed)
    if isinstance(value, str) and value in options:
        return value
    close = suggest(value, options) if isinstance(value, str) else None
    hint = f" (did you mean {close!r}?)" if close else ""
    fail(name, value, f"one of {options}{hint}", error)


def suggest(value: str, options: Iterable[str]) -> str | None:
    """Return the option closest to ``value`` (a likely typo or abbreviation), if any.

    Examples
    --------
    >>> suggest("flows", ["flows_annual", "placements_by_type"])
    'flows_annual'
    >>> suggest("stok", ["stock", "admissions"])
    'stock'
    """
    opts = list(options)
    close = difflib.get_close_matches(value, opts, n=1)
    if close:
        return close[0]
    low = value.lower()
    starts = [o for o in opts if o.lower().startswith(low)] if low else []
    if len(starts) >= 1:
        return min(starts, key=len)
    return None


def _items(name: str, value: Any) -> list[tuple[Any, Any]]:
    """Return the (key, value) pairs of any of the accepted container shapes."""
    if isinstance(value, pd.Series):
        return list(zip(value.index.tolist(), value.tolist(), strict=True))
    if isinstance(value, Mapping):
        return list(value.items())
    if isinstance(value, pd.DataFrame):
        if value.shape[1] != 2:
            fail(name, value, "a DataFrame must have two columns (key, value)")
        return [(r[0], r[1]) for r in value.itertuples(index=False)]
    if isinstance(value, (str, bytes)) or not isinstance(value, (Sequence, np.ndarray)):
        fail(
            name,
            value,
            "expected a mapping (e.g. a dict), a pandas Series, a two-column array or a "
            f"list of (key, value) pairs, not {type(value).__name__}",
        )
    arr = value
    if isinstance(arr, np.ndarray):
        if arr.ndim != 2 or arr.shape[1] != 2:
            fail(name, value, "an array must have two columns (key, value)")
        return [(r[0], r[1]) for r in arr.tolist()]
    out = []
    for item in arr:
        if isinstance(item, (str, bytes)) or not isinstance(item, (Sequence, np.ndarray)):
            fail(name, value, f"each item must be a (key, value) pair, not {show(item)}")
        if len(item) != 2:
            fail(name, value, f"each item must be a (key, value) pair, not {show(item)}")
        out.append((item[0], item[1]))
    return out


def pairs(
    name: str,
    value: Any,
    *,
    key: str = "key",
    keys: tuple[int, int] | None = None,
    values: tuple[float | None, float | None] = (None, None),
    allow_empty: bool = True,
) -> list[tuple[int, float]]:
    """Return ``value`` as a list of ``(int, float)`` pairs.

    Parameters
    ----------
    name : str
        The argument's name, for the message.
    value : mapping, pandas Series or DataFrame, array or list of pairs, or None
        Keys (a Series' index, a DataFrame's or array's first column) must be whole numbers
        of any integer or float dtype; values finite numbers. ``None`` gives ``[]``.
    key : str
        What a key is (``"year"``, ``"age"``), for the message.
    keys : (int, int), optional
        Inclusive bounds of the keys.
    values : (float or None, float or None)
        Inclusive bounds of the values.
    allow_empty : bool
        Whether no pairs at all is allowed.

    Returns
    -------
    list of (int, float)
        In the order given.

    Raises
    ------
    ArgumentError
        If the shape is wrong, a key is not a whole number, out of bounds or repeated, or a
        value is not a finite number within bounds.

    Examples
    --------
    >>> import pandas as pd
    >>> pairs("inflow", pd.Series([92, 87], index=[2018, 2019], dtype="Int64"), key="year")
    [(2018, 92.0), (2019, 87.0)]
    >>> pairs("population", {2017: float("nan")}, key="year")
    Traceback (most recent call last):
    ...
    carecast._carecast.ArgumentError: invalid argument `population` = {2017: nan}: the value for year 2017 is nan: must be a finite number
    """  # noqa: E501
    if value is None:
        items: list[tuple[Any, Any]] = []
    else:
        items = _items(name, value)
    if not items and not allow_empty:
        fail(name, value, f"needs at least one {key}")
    out: list[tuple[int, float]] = []
    seen: set[int] = set()
    lo, hi = values
    for k, v in items:
        n = _whole(k)
        if n is None:
            fail(name, value, f"{key} {show(k)} is not a whole number")
        if keys is not None and not keys[0] <= n <= keys[1]:
            fail(name, value, f"{key} {n} is outside {keys[0]} to {keys[1]}")
        if n in seen:
            fail(name, value, f"{key} {n} is given twice")
        seen.add(n)
        at = f"the value for {key} {n}"
        if v is None or v is pd.NA or not _is_number(v):
            fail(name, value, f"{at} is {show(v)}: must be a number")
        f = float(v)
        if not math.isfinite(f):
            fail(name, value, f"{at} is {show(v)}: must be a finite number")
        if (lo is not None and f < lo) or (hi is not None and f > hi):
            fail(name, value, f"{at} is {show(v)}: {_range_text(lo, hi)}")
        out.append((n, f))
    return out
