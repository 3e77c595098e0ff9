"""Clean exports: the tables an analyst reads, the same in CSV, JSON and Excel.

The Python result types keep full precision; this module makes the copies that leave
carecast (``--format csv|json``, ``--out DIR``, :func:`carecast.report`) readable:

- **Periods**: one convention. ``year`` is the calendar year of the 31 March that ends
  the financial year (``2018`` for 2017/18), as an integer; ``period`` is the label
  (``"2017/18"``, or ``"2017/18 Q1"`` for a quarter, ``"2017-09"`` for a month). A frame
  whose ``year`` already holds a label gets the integer year and a ``period`` column; a
  ``period`` that repeats ``year`` is not written twice.
- **Units**: every value has one. A long frame (with a ``measure`` column) gets a
  ``unit`` column per row (:data:`UNITS`); a frame of one kind of value gets one unit for
  all rows. Excel headers of numeric columns also carry the unit where a sheet has one.
- **Rounding**: for display only, by unit (:data:`DIGITS`): children to 0.1, pounds to
  whole pounds, percent to 0.1, rates to 4 decimals. Rounding also removes floating-point
  noise such as ``29.99999999999995`` and ``1.42e-14``.
- **No duplicated columns**: ``year`` and ``period`` no longer repeat each other.
- **Disclosure control** (optional, ``disclosure="dfe"``; :func:`disclose`): counts of
  children, young people, places and households rounded to whole numbers, and counts of 1
  to 5 written ``c``, as the DfE writes them in the local-authority tables of its
  children-looked-after publication, with a second cell withheld wherever a lone ``c``
  could be found by subtraction from a total, so that the output can be published.

Column names stay those of the DataFrame (``value``, ``mean``, ``median``, ``lower_80``,
``upper_80``, ...), so JSON records carry the DataFrame's columns, plus ``unit`` (and
``period`` where the frame had none).

Examples
--------
>>> import pandas as pd
>>> from carecast import export
>>> df = pd.DataFrame({"year": ["2017/18"], "period": ["2017/18"], "band": ["all"],
...                    "measure": ["stock"], "value": [29.99999999999995]})
>>> export.clean(df).to_dict("records")
[{'year': 2018, 'period': '2017/18', 'band': 'all', 'measure': 'stock', 'value': 30.0, \
'unit': 'children'}]
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from carecast._export_charts import disclose_axes
from carecast._export_disclosure import (
    _DISCLOSURE,
    COUNT_UNITS,
    DFE_SMALL_MAX,
    DFE_SYMBOL,
    DISCLOSURE_RULES,
    PLACEMENT_SUMS,
    TOTAL_LABELS,
    _check_rule,
    _disclose,
    count_text,
    disclose,
    disclosure_control,
)

# Read as ``export._NOT_COUNTS`` by the command line's table output.
from carecast._export_disclosure import _NOT_COUNTS as _NOT_COUNTS
from carecast._frames import _numeric, records

__all__ = [
    "UNITS",
    "DIGITS",
    "unit_of",
    "year_ending",
    "clean",
    "to_csv",
    "to_json",
    "write_csv",
    "write_excel",
    "header",
    "for_output",
    "score_units",
    "DISCLOSURE_RULES",
    "COUNT_UNITS",
    "DFE_SMALL_MAX",
    "DFE_SYMBOL",
    "TOTAL_LABELS",
    "PLACEMENT_SUMS",
    "disclose",
    "disclosure_control",
    "count_text",
    "disclose_axes",
]

#: Unit of each measure (the ``measure`` column of long frames). A measure not listed here
#: takes the unit of its name's suffix (``*_share``: percent) or, failing that, children.
UNITS: dict[str, str] = {
    "stock": "children",
    "opening": "children",
    "admissions": "children",
    "discharges": "children",
    "ageing_in": "children",
    "ageing_out": "children",
    "leavers_18": "young people",
    "new_care_leavers": "young people",
    "care_leavers": "young people",
    "placements": "children",
    "demand": "children",
    "capacity": "children",
    "in_house": "children",
    "external": "children",
    "children": "children",
    "places": "places",
    "households": "households",
    "contract_carers": "households",
    "utilisation": "percent",
    "spend": "pounds",
    "in_house_share": "percent",
    "within_20_miles_share": "percent",
}

#: Decimal places shown per unit.
DIGITS: dict[str, int] = {
    "children": 1,
    "young people": 1,
    "places": 1,
    "households": 1,
    "beds": 1,
    "pounds": 0,
    "pounds a year": 0,
    "percent": 1,
    "rate": 4,
    "ratio": 3,
    "share": 3,
    "figures": 0,
    "years": 2,
}

_FY = re.compile(r"^(\d{4})/(\d{2})(\s*Q[1-4])?$")
_DATE = re.compile(r"^(\d{4})-(\d{2})(?:-(\d{2}))?$")


def unit_of(measure: str) -> str:
    """Return the unit of a measure: :data:`UNITS`, else by its suffix, else children.

    Examples
    --------
    >>> unit_of("spend"), unit_of("target_in_house_share"), unit_of("target_households")
    ('pounds', 'percent', 'households')
    """
    m = str(measure)
    if m in UNITS:
        return UNITS[m]
    if m.startswith("target_"):
        return unit_of(m[len("target_") :])
    if m.endswith("_share") or m.endswith("percent"):
        return "percent"
    return "children"


def year_ending(label: Any) -> tuple[int | None, str | None]:
    """Return ``(year, period)`` for a period: the 31 March that ends its financial year.

    ``"2017/18"`` -> ``(2018, "2017/18")``; ``"2017/18 Q1"`` -> ``(2018, "2017/18 Q1")``;
    an integer ``2018`` (a 31 March) -> ``(2018, "2017/18")``; a date ``"2017-09-30"``
    -> ``(2018, "2017-09-30")``. Anything else -> ``(None, str(label))``.

    Examples
    --------
    >>> year_ending("2016/17"), year_ending(2017), year_ending("2024/25 Q3")
    ((2017, '2016/17'), (2017, '2016/17'), (2025, '2024/25 Q3'))
    """
    if label is None or (isinstance(label, float) and math.isnan(label)):
        return None, None
    if isinstance(label, (int, np.integer)) and not isinstance(label, bool):
        y = int(label)
        return y, f"{y - 1}/{y % 100:02d}"
    s = str(label).strip()
    if s.isdigit() and len(s) == 4:
        y = int(s)
        return y, f"{y - 1}/{y % 100:02d}"
    m = _FY.match(s)
    if m:
        return int(m.group(1)) + 1, s
    m = _DATE.match(s)
    if m:
        y, mo = int(m.group(1)), int(m.group(2))
        return (y + 1 if mo > 3 else y), s
    return None, s


def _row_units(df: pd.DataFrame, unit: str | None) -> pd.Series | None:
    if "unit" in df.columns:
        return df["unit"].astype(object)
    if unit is not None:
        return pd.Series([unit] * len(df), index=df.index, dtype=object)
    if "measure" in df.columns:
        return df["measure"].map(unit_of).astype(object)
    return None


def clean(
    df: pd.DataFrame,
    unit: str | None = None,
    *,
    digits: Mapping[str, int] | None = None,
    keep: tuple[str, ...] = (),
    column_units: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """Return the display copy of a frame: one period convention, units, rounded values.

    Parameters
    ----------
    df : pandas.DataFrame
        A result frame (not changed).
    unit : str, optional
        The unit of every value, for a frame without a ``measure`` or ``unit`` column
        (e.g. ``"pounds"``); default: by each row's measure (:func:`unit_of`).
    digits : mapping of str to int, optional
        Decimal places per column name, overriding the unit's (e.g. ``{"horizon": 2}``).
    keep : tuple of str
        Columns left exactly as they are (neither rounded nor converted).
    column_units : mapping of str to str, optional
        Units of columns whose unit differs from the rows' (e.g. ``{"percent": "percent"}``
        in a frame of pounds): rounded by their own unit and named in headers
        (:func:`header`); kept in ``DataFrame.attrs["units"]``.

    Returns
    -------
    pandas.DataFrame
        The same rows; ``year`` an integer (31 March ending the year) with a ``period``
        label beside it (a ``period`` already there is kept, so the label is not written
        twice), a ``unit`` column where one applies, numbers rounded by unit (integers
        stay integers; missing stays missing).
    """
    out = df.copy()
    out.columns = [str(c) for c in out.columns]
    if "year" in out.columns and "year" not in keep:
        pairs = [year_ending(v) for v in out["year"]]
        years = [p[0] for p in pairs]
        if all(y is not None for y in years):
            labels = [p[1] for p in pairs]
            if "period" not in out.columns:
                out.insert(out.columns.get_loc("year") + 1, "period", labels)
            out["year"] = pd.array(years, dtype="Int64")
    units = _row_units(out, unit)
    if units is not None and "unit" not in out.columns:
        out["unit"] = units
    per_col = dict(digits or {})
    col_units = dict(column_units or {})
    for c, u in col_units.items():
        per_col.setdefault(c, DIGITS.get(u, 3))
    for c in out.columns:
        if c in keep or c in ("year", "origin", "line", "age"):
            continue
        if out[c].dtype == object and units is not None:
            # A column of numbers and text (e.g. the `value` of assumptions): numbers rounded.
            out[c] = [
                _round(v, DIGITS.get(str(u), 3))
                if isinstance(v, float) and not isinstance(v, bool) and math.isfinite(v)
                else v
                for v, u in zip(out[c], units, strict=True)
            ]
            continue
        if not _numeric(out[c]):
            continue
        if pd.api.types.is_integer_dtype(out[c]):
            continue
        vals = out[c].astype("Float64")
        if c in per_col:
            nd = [per_col[c]] * len(out)
        elif units is None:
            nd = [3] * len(out)
        else:
            nd = [DIGITS.get(str(u), 3) for u in units]
        rounded = [
            v if v is pd.NA else _round(float(v), int(d)) for v, d in zip(vals, nd, strict=True)
        ]
        # Whole pounds (and other units shown without decimals) are written as integers.
        whole = all(d == 0 for d in nd)
        out[c] = pd.array(rounded, dtype="Int64" if whole else "Float64")
    out.attrs["units"] = col_units
    return out


def _round(v: float, d: int) -> float:
    r = round(v, d)
    return 0.0 if r == 0 else r  # no "-0.0"


def score_units(df: pd.DataFrame) -> dict[str, str]:
    """Units of backtest score and summary columns (``n``, ``mae``, ``coverage_L``, ...)."""
    out = {}
    for c in map(str, df.columns):
        if c in ("method", "band", "horizon", "dataset", "verdict"):
            continue
        if c == "n":
            out[c] = "figures"
        elif c == "mae" or c.startswith("width_"):
            out[c] = "children"
        elif c.startswith("coverage"):
            out[c] = "share"
        elif _numeric(df[c]):
            out[c] = "ratio"
    return out


def for_output(df: pd.DataFrame, disclosure: str | None = None) -> pd.DataFrame:
    """Return the copy of a result frame that the command line prints and writes.

    The one hook of ``--format csv|json`` and ``--out``: :func:`clean` with the units each
    kind of frame carries (by ``measure``; children for backtest forecasts and the
    calibration; pounds for spend reconciled; per column for backtest scores). Cells of
    published tables (``carecast show``) are returned as read, since they are the
    published figures and carry their own ``unit``.

    ``disclosure`` (default: the rule of the enclosing :func:`disclosure_control`, else
    ``"none"``) applies :func:`disclose` to the clean copy.
    """
    rule = _check_rule(disclosure if disclosure is not None else _DISCLOSURE.get())
    out = _for_output(df)
    return out if rule == "none" else _disclose(out, rule, df)


def _for_output(df: pd.DataFrame) -> pd.DataFrame:
    cols = {str(c) for c in df.columns}
    if {"table", "line"} <= cols or {"table", "cells"} <= cols:
        return df
    if "measure" in cols or "unit" in cols:
        return clean(df)
    if {"forecast", "actual"} <= cols:
        return clean(df, unit="children", keep=("horizon",))
    if "published_closing" in cols:
        return clean(df, unit="children", column_units={"annual_rate": "rate"})
    if {"what", "published", "computed"} <= cols:
        return clean(df, unit="pounds", column_units={"percent": "percent", "children": "children"})
    if "method" in cols and ("score" in cols or "rel_mae" in cols):
        return clean(df, column_units=score_units(df), keep=("horizon",))
    return clean(df)


def to_csv(df: pd.DataFrame) -> str:
    """CSV text of a clean frame (missing values empty)."""
    return df.to_csv(index=False, na_rep="")


def to_json(df: pd.DataFrame, extra: Mapping[str, Any] | None = None) -> str:
    """JSON text: one object, ``extra``'s keys and a ``rows`` list of the frame's records."""
    obj: dict[str, Any] = dict(extra or {})
    obj["rows"] = records(df)
    return json.dumps(obj, indent=1)


def write_csv(df: pd.DataFrame, path: str | Path) -> Path:
    """Write a clean frame as CSV; returns the path."""
    p = Path(path)
    p.write_text(to_csv(df), encoding="utf-8")
    return p


_SHEET_BAD = re.compile(r"[\[\]:*?/\\]")


def _sheet_name(name: str, used: set[str]) -> str:
    base = _SHEET_BAD.sub("_", name)[:31] or "sheet"
    out, i = base, 2
    while out.lower() in used:
        suffix = f"_{i}"
        out, i = base[: 31 - len(suffix)] + suffix, i + 1
    used.add(out.lower())
    return out


def header(df: pd.DataFrame, col: str) -> str:
    """Return a column's header for Excel and HTML: its name with its unit.

    The unit is the column's own (``DataFrame.attrs["units"]``, from ``column_units`` of
    :func:`clean`), else the rows' where they share one, else ``(see unit)``.
    """
    own = df.attrs.get("units", {}).get(col)
    if own:
        return col if own == col else f"{col} ({own})"
    if col == "unit" or "unit" not in df.columns or not _numeric(df[col]):
        return col
    if col in ("year", "origin", "line", "age", "horizon"):
        return col
    units = set(df["unit"].dropna().astype(str))
    return f"{col} ({units.pop()})" if len(units) == 1 else f"{col} (see unit)"


def write_excel(
    frames: Mapping[str, pd.DataFrame],
    path: str | Path,
    notes: Mapping[str, str] | None = None,
) -> Path:
    """Write clean frames to an Excel workbook, one sheet each; returns the path.

    The cells hold the same values as the CSV files; headers of numeric columns carry
    the unit where a sheet has a single one (``value (children)``), else ``(see unit)``
    pointing at the ``unit`` column.

    Parameters
    ----------
    frames : mapping of str to DataFrame
        Sheet name (cut to Excel's 31 characters) to a clean frame.
    path : str or Path
        The ``.xlsx`` file to write.
    notes : mapping of str to str, optional
        What each sheet holds: listed on a first sheet, ``contents``, so that every table
        sheet starts with its header row.

    Raises
    ------
    ImportError
        If openpyxl is not installed.
    """
    try:
        from openpyxl import Workbook
        from openpyxl.styles import Font
        from openpyxl.utils import get_column_letter
    except ImportError as e:  # pragma: no cover - openpyxl is a dependency
        raise ImportError("writing Excel needs openpyxl: pip install openpyxl") from e
    wb = Workbook()
    wb.remove(wb.active)
    used: set[str] = set()
    bold = Font(bold=True)
    if notes:
        # A first sheet listing the tables, so every other sheet starts with its header.
        ws = wb.create_sheet(_sheet_name("contents", used))
        for j, h in enumerate(["sheet", "what it holds", "rows"], start=1):
            ws.cell(row=1, column=j, value=h).font = bold
        for i, (name, df) in enumerate(frames.items(), start=2):
            ws.cell(row=i, column=1, value=name)
            ws.cell(row=i, column=2, value=notes.get(name, ""))
            ws.cell(row=i, column=3, value=len(df))
        ws.column_dimensions["A"].width = 30
        ws.column_dimensions["B"].width = 100
    for name, df in frames.items():
        ws = wb.create_sheet(_sheet_name(name, used))
        row0 = 1
        cols = [str(c) for c in df.columns]
        for j, c in enumerate(cols, start=1):
            ws.cell(row=row0, column=j, value=header(df, c)).font = bold
        for i, rec in enumerate(records(df), start=row0 + 1):
            for j, c in enumerate(cols, start=1):
                ws.cell(row=i, column=j, value=rec[c])
        for j, c in enumerate(cols, start=1):
            width = max([len(header(df, c))] + [len(str(v)) for v in df[c].head(200)])
            ws.column_dimensions[get_column_letter(j)].width = min(max(width + 2, 8), 60)
        ws.freeze_panes = ws.cell(row=row0 + 1, column=1)
    p = Path(path)
    wb.save(p)
    return p
