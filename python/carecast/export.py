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

import contextlib
import contextvars
import json
import math
import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from carecast import _validate as _v
from carecast._frames import records

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


def _numeric(s: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s)


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


#: The disclosure rules an output may follow: ``"none"`` (values as computed, rounded for
#: display only) and ``"dfe"`` (see :func:`disclose`).
#:
#: ``"dfe"`` follows the rounding and suppression note of the DfE's children looked after
#: statistics (the metadata document released with the underlying data of *Children looked
#: after in England including adoption: 2018 to 2019*, file
#: ``Meta Data Document_LookedAfterChildren_2019_Final``; collection guide https://www.gov.uk/government/publications/children-looked-after-return-2018-to-2019-guide):
#: small numbers are replaced by ``c``, and "it has been necessary to suppress other figures
#: whenever it would be possible to calculate the value of a suppressed number by means of
#: simple arithmetic. The rule applied in these circumstances has been to suppress the next
#: smallest data item." carecast does the same (secondary suppression): in every group of
#: cells that sums to a total shown beside it, a single hidden cell takes the group's next
#: smallest non-zero count with it (a zero only when no other count is shown, else the
#: total). The groups are those a long frame's labels state (:data:`TOTAL_LABELS`,
#: :data:`PLACEMENT_SUMS`) and the columns of a row that sum (a comparison's baseline,
#: scenario and difference); a sum the labels do not state (a total computed by the reader
#: across two tables, or across measures such as opening + admissions - discharges) is not
#: protected, so check a combination of tables before publishing it. Groups are found from
#: the labels alone, so a count column that does not add up over a group (an error by
#: band beside its ``all`` row) is suppressed the same way, which withholds more than
#: needed but never less. Interval bounds do not add up either: a bound of 1 to 5 is
#: withheld on its own, and the bounds of a withheld estimate are withheld with it.
DISCLOSURE_RULES: tuple[str, ...] = ("none", "dfe")

#: Units that count people, places or households: whole numbers under disclosure control.
COUNT_UNITS: frozenset[str] = frozenset(
    {"children", "young people", "places", "households", "beds"}
)

#: The largest count the DfE withholds in its local-authority tables (counts 1 to 5).
DFE_SMALL_MAX: int = 5

#: The symbol the DfE prints for a withheld count (``c``, "confidential", in its explore
#: education statistics files; its older SFR tables printed ``x``).
DFE_SYMBOL: str = "c"

_DISCLOSURE: contextvars.ContextVar[str] = contextvars.ContextVar("disclosure", default="none")

# Columns that hold coordinates or sizes, never counts of children.
_NOT_COUNTS = frozenset({"year", "origin", "line", "age", "horizon", "n", "index", "seed"})

#: Labels of a coordinate (``band``, ``placement``, ...) that name the total of its other
#: labels: the groups of secondary suppression (see :func:`disclose`).
TOTAL_LABELS: frozenset[str] = frozenset({"all", "total"})

#: Placement totals and the placement types whose ``placements`` they sum, as
#: ``(placement, measure)``: every type makes ``all`` ``children``; each pool's ``demand``,
#: ``in_house`` and ``external`` sum its types (the pools of ``carecast::placements::pools``).
PLACEMENT_SUMS: dict[tuple[str, str], tuple[str, ...]] = {
    ("all", "children"): (
        "in_house_fostering",
        "ifa",
        "contract_care",
        "in_house_home",
        "block_home",
        "agency_home",
        "adoption",
        "with_parents",
        "supported_accommodation",
        "secure",
        "other",
    ),
    ("fostering", "demand"): ("in_house_fostering", "contract_care", "ifa"),
    ("fostering", "in_house"): ("in_house_fostering", "contract_care"),
    ("fostering", "external"): ("ifa",),
    ("residential", "demand"): ("in_house_home", "block_home", "agency_home"),
    ("residential", "in_house"): ("in_house_home",),
    ("residential", "external"): ("block_home", "agency_home"),
}

# Columns that estimate one count (a row withheld in one is withheld in all and in its
# interval columns), and columns that describe a cell rather than locate it.
_ESTIMATES = ("value", "mean", "median")
# Columns of one row that sum: (total, parts). Any two of a comparison's baseline,
# scenario and difference give the third, as do a reconciliation's expected, found and
# difference.
_COLUMN_SUMS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("scenario", ("baseline", "difference")),
    ("found", ("expected", "difference")),
)
_CELL_ATTRIBUTES = frozenset(
    {"status", "suppressed", "note", "line", "source", "title", "verdict", "n", "index", "seed"}
)


def _check_rule(disclosure: str | None) -> str:
    rule = "none" if disclosure is None else disclosure
    if rule not in DISCLOSURE_RULES:
        raise _v.make_error(
            f"disclosure={disclosure!r}: expected one of {', '.join(map(repr, DISCLOSURE_RULES))}",
            argument="disclosure",
        )
    return rule


@contextlib.contextmanager
def disclosure_control(disclosure: str | None) -> Iterator[str]:
    """Apply a disclosure rule to every :func:`for_output` inside the ``with`` block.

    The command line's ``--disclosure`` sets it around a subcommand. Yields the rule.

    Raises
    ------
    ValueError
        If the rule is not one of :data:`DISCLOSURE_RULES`.
    """
    token = _DISCLOSURE.set(_check_rule(disclosure))
    try:
        yield _DISCLOSURE.get()
    finally:
        _DISCLOSURE.reset(token)


def _disclosed(v: Any) -> Any:
    if v is None or v is pd.NA or isinstance(v, str):
        return v
    f = float(v)
    if not math.isfinite(f):
        return v
    # Round half away from zero, as published tables do (not Python's half-to-even).
    whole = int(math.floor(abs(f) + 0.5)) * (1 if f >= 0 else -1)
    if 1 <= abs(whole) <= DFE_SMALL_MAX:
        return DFE_SYMBOL
    return whole


def disclose(df: pd.DataFrame, disclosure: str = "dfe") -> pd.DataFrame:
    """Return a copy of a clean frame that follows a disclosure rule.

    Rule ``"dfe"``: every count (a value whose unit is in :data:`COUNT_UNITS`, by the row's
    ``unit`` column or the column's own unit) is rounded to a whole number, half away from
    zero, and a count of 1 to :data:`DFE_SMALL_MAX` (or -1 to -5, a difference that small)
    is written :data:`DFE_SYMBOL`. This follows the DfE's "Children looked after in
    England including adoptions" publication, whose local-authority tables print exact
    whole counts and withhold counts of 1 to 5 children (``c`` in the explore education
    statistics files, ``x`` in the SFR tables of 2013-2017). Zero is written ``0``.
    Text cells (a published ``<10`` or ``x`` as read) are kept as text, so a suppressed
    input is never printed as an exact value. Pounds, percentages and rates are unchanged.

    Secondary suppression (the DfE's "next smallest data item", see
    :data:`DISCLOSURE_RULES`): within each group of rows that sums to a total row shown
    beside it (rows equal in every other coordinate, differing in one whose labels include
    ``all`` or ``total``, e.g. the bands of one year and measure; placement types with their
    pool and ``all`` totals, :data:`PLACEMENT_SUMS`), a group with exactly one hidden cell
    (withheld, or text as read) also withholds its smallest shown non-zero part (a zero
    only if no other part is shown; the total if no part is left), repeated until no group
    has a single hidden cell. The columns of one row that sum are groups too: a
    comparison's ``baseline``, ``scenario`` and ``difference``, a reconciliation's
    ``expected``, ``found`` and ``difference``.

    The estimate columns ``value``, ``mean`` and ``median`` of a row are withheld
    together, with the row's interval columns (``lower``, ``upper``, ``lower_L``,
    ``upper_L``), so no shown interval brackets a withheld count. A published ``<10``
    keeps its own published interval.

    Parameters
    ----------
    df : pandas.DataFrame
        A frame from :func:`clean` (or :func:`for_output`).
    disclosure : str
        ``"dfe"``, or ``"none"`` for an unchanged copy.

    Returns
    -------
    pandas.DataFrame
        Count columns hold whole numbers, or text where a count is withheld.

    Raises
    ------
    ValueError
        If the rule is not one of :data:`DISCLOSURE_RULES`.

    Examples
    --------
    >>> import pandas as pd
    >>> from carecast import export
    >>> df = pd.DataFrame({"band": ["1-4", "5-9", "all"], "measure": ["stock"] * 3,
    ...                    "value": [0.95, 12.5, 13.45]})
    >>> export.disclose(export.clean(df))["value"].tolist()
    ['c', 'c', 13]

    The 1-4 band is withheld, and 5-9 with it, or 13 - 13 would give it back.
    """
    return _disclose(df, _check_rule(disclosure), None)


def _disclose(df: pd.DataFrame, rule: str, raw: pd.DataFrame | None) -> pd.DataFrame:
    """Apply a rule as :func:`disclose` does, rounding ``raw``'s values where given.

    ``raw`` is the frame before :func:`clean` rounded it for display (same rows): its
    values are the ones rounded, so that no value is rounded twice (5.46 is withheld, not
    shown as 5.5 and then 6).
    """
    out = df.copy()
    out.attrs = dict(df.attrs)
    if rule == "none":
        return out
    raw_cols = {}
    if raw is not None and len(raw) == len(df):
        raw_cols = {str(c): raw[c] for c in raw.columns}
    col_units: Mapping[str, str] = df.attrs.get("units", {})
    row_units = out["unit"].astype(str).tolist() if "unit" in out.columns else None
    # Primary suppression, cell by cell: each count column's values and which are counts.
    shown: dict[str, list[Any]] = {}
    counts: dict[str, list[bool]] = {}
    for c in map(str, out.columns):
        if c in _NOT_COUNTS or c == "unit":
            continue
        col = out[c]
        if not (_numeric(col) or col.dtype == object):
            continue
        if c in col_units:
            units = [col_units[c]] * len(out)
        elif row_units is not None:
            units = row_units
        else:
            continue
        if not any(u in COUNT_UNITS for u in units):
            continue
        src = raw_cols.get(c)
        source = src.tolist() if src is not None and _numeric(src) else col.tolist()
        is_count = [u in COUNT_UNITS for u in units]
        shown[c] = [
            _disclosed(r) if k and not isinstance(v, (bool, str)) else v
            for v, r, k in zip(col.tolist(), source, is_count, strict=True)
        ]
        counts[c] = is_count
    if shown:
        _secondary(out, shown, counts)
    for c, vals in shown.items():
        if all(isinstance(v, int) or v is None or v is pd.NA for v in vals):
            out[c] = pd.array(vals, dtype="Int64")
        else:
            out[c] = pd.Series(vals, index=out.index, dtype=object)
    return out


def _is_interval(col: str) -> bool:
    return col in ("lower", "upper") or col.startswith(("lower_", "upper_"))


def _secondary(
    df: pd.DataFrame, shown: dict[str, list[Any]], counts: dict[str, list[bool]]
) -> None:
    """Secondary suppression, in place on ``shown``: see :func:`disclose`.

    The estimate columns (``value``, ``mean``, ``median``) and the interval columns
    (``lower``, ``upper``, ``lower_L``, ``upper_L``) of a row form one family: a row
    withheld in one estimate column is withheld in all of them and in its intervals.
    Every other count column is a family of its own, with its bounds ``<name>_lower`` and
    ``<name>_upper`` where the frame has them. A cell of a family is one unit;
    relations are sets of units of which exactly one hidden could be found by arithmetic:
    the rows of a group that sums to a total (:func:`_sum_groups`), in each family, and
    the columns of one row that sum (:data:`_COLUMN_SUMS`).
    """
    points = [c for c in _ESTIMATES if c in shown]
    intervals = [c for c in shown if _is_interval(c)]
    families: list[tuple[list[str], list[str]]] = []
    if points:
        families.append((points, intervals))
    elif intervals:
        families.extend(([c], []) for c in intervals)
    # A column's own bounds (a reconciliation's `expected_lower`, `expected_upper`).
    bounds = {c: [b for b in (f"{c}_lower", f"{c}_upper") if b in shown] for c in shown}
    owned = {b for bs in bounds.values() for b in bs}
    families.extend(
        ([c], bounds[c])
        for c in shown
        if c not in points and not _is_interval(c) and c not in owned
    )
    n = len(df)
    # Unit f * n + i: family f in row i.
    count: list[bool] = []
    hidden: list[bool] = []
    ours: list[bool] = []
    size: list[float | None] = []
    for cols, _ in families:
        fc = [all(counts[c][i] for c in cols) for i in range(n)]
        count += fc
        # Hidden: withheld by the rule (c) or read as text (a published `<10` or `x`);
        # missing cells are neither hidden nor candidates.
        hidden += [fc[i] and any(isinstance(shown[c][i], str) for c in cols) for i in range(n)]
        ours += [fc[i] and any(_is_symbol(shown[c][i]) for c in cols) for i in range(n)]
        size += [_size(shown[cols[0]][i]) for i in range(n)]
    relations: list[tuple[int, list[int]]] = []
    groups = _sum_groups(df, set(shown))
    for f in range(len(families)):
        relations += [(f * n + t, [f * n + i for i in parts]) for t, parts in groups]
    family_of = {cols[0]: f for f, (cols, _) in enumerate(families) if len(cols) == 1}
    for total, parts in _COLUMN_SUMS:
        if total in family_of and all(c in family_of for c in parts):
            ft, fp = family_of[total], [family_of[c] for c in parts]
            relations += [(ft * n + i, [f * n + i for f in fp]) for i in range(n)]
    changed = True
    while changed and relations:
        changed = False
        for total, parts in relations:
            cells = [total, *parts]
            if not all(count[u] for u in cells) or sum(hidden[u] for u in cells) != 1:
                continue
            pick = _next_smallest(parts, hidden, size)
            if pick is None and not hidden[total] and size[total] is not None:
                pick = total
            if pick is None:
                continue
            hidden[pick] = ours[pick] = True
            changed = True
    for f, (cols, ivs) in enumerate(families):
        for i in range(n):
            if ours[f * n + i]:
                for c in (*cols, *ivs):
                    if counts[c][i]:
                        shown[c][i] = DFE_SYMBOL


def _is_symbol(v: Any) -> bool:
    return isinstance(v, str) and v == DFE_SYMBOL


def _size(v: Any) -> float | None:
    """Return the magnitude a shown count orders by, or None for text and missing cells."""
    if v is None or v is pd.NA or isinstance(v, (str, bool)):
        return None
    f = abs(float(v))
    return f if math.isfinite(f) else None


def _next_smallest(parts: list[int], hidden: list[bool], size: list[float | None]) -> int | None:
    """Return the shown part with the smallest non-zero count, else a shown zero, else None."""
    shown = [i for i in parts if not hidden[i] and size[i] is not None]
    nonzero = [i for i in shown if size[i] > 0]  # type: ignore[operator]
    pool = nonzero or shown
    return min(pool, key=lambda i: (size[i], i)) if pool else None


def _keys(df: pd.DataFrame, values: set[str]) -> list[str]:
    """Return the columns that locate a cell (year, band, measure, ...), not describe it."""
    keys = []
    for c in map(str, df.columns):
        if c in values or c in _CELL_ATTRIBUTES or _is_interval(c):
            continue
        coordinate = c in ("year", "origin", "age", "horizon")  # numbers that locate
        if not coordinate and (
            pd.api.types.is_float_dtype(df[c]) or pd.api.types.is_bool_dtype(df[c])
        ):
            continue
        keys.append(c)
    return keys


def _sum_groups(df: pd.DataFrame, values: set[str]) -> list[tuple[int, list[int]]]:
    """Return the additive relations of a long frame: ``(total row, part rows)`` by position.

    - A coordinate with a total label (:data:`TOTAL_LABELS`, e.g. ``band`` ``all``): among
      rows equal in every other coordinate, the total row and the rows of its other labels.
    - Placements (columns ``placement`` and ``measure``): ``all`` ``children`` is the sum of
      the ``placements`` of every type, and each pool's ``demand``, ``in_house`` and
      ``external`` the sum of its types' ``placements`` (:data:`PLACEMENT_SUMS`);
      ``demand`` is also ``in_house`` plus ``external``.
    """
    keys = _keys(df, values)
    if not keys or df.empty:
        return []
    frame = pd.DataFrame(
        {k: df[k].astype(object).where(df[k].notna(), None).to_numpy() for k in keys}
    )
    frame.index = range(len(frame))
    groups: list[tuple[int, list[int]]] = []
    for dim in keys:
        named = [
            v
            for v in pd.unique(frame[dim])
            if isinstance(v, str) and v.strip().lower() in TOTAL_LABELS
        ]
        if not named:
            continue
        is_total = frame[dim].isin(named).to_numpy()
        if is_total.all():
            continue
        for rows in _blocks(frame, [k for k in keys if k != dim]):
            tot = rows[is_total[rows]].tolist()
            parts = rows[~is_total[rows]].tolist()
            if parts:
                groups.extend((t, parts) for t in tot)
    if {"placement", "measure"} <= set(keys):
        placement = frame["placement"].astype(str).to_numpy()
        measure = frame["measure"].astype(str).to_numpy()
        for rows in _blocks(frame, [k for k in keys if k not in ("placement", "measure")]):
            at = {(placement[i], measure[i]): i for i in rows.tolist()}
            for (pl, m), types in PLACEMENT_SUMS.items():
                total = at.get((pl, m))
                parts = [at[(t, "placements")] for t in types if (t, "placements") in at]
                if total is not None and parts:
                    groups.append((total, parts))
            for pool in ("fostering", "residential"):
                ends = [at.get((pool, m)) for m in ("demand", "in_house", "external")]
                if all(e is not None for e in ends):
                    groups.append((ends[0], [ends[1], ends[2]]))  # type: ignore[list-item]
    return groups


def _blocks(frame: pd.DataFrame, by: list[str]) -> list[np.ndarray]:
    """Return the positions of the rows equal in the columns ``by``, one array a group."""
    if not by:
        return [np.arange(len(frame))]
    codes = frame.groupby(by, dropna=False, sort=False).ngroup().to_numpy()
    order = np.argsort(codes, kind="stable")
    cuts = np.flatnonzero(np.diff(codes[order])) + 1
    return [b for b in np.split(order, cuts) if len(b) > 1]


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


def count_text(value: Any, digits: int = 0, disclosure: str | None = None) -> str:
    """Return a count as a sentence or a chart label prints it, under a disclosure rule.

    Without a rule (``"none"``) the count is written with thousands separators and
    ``digits`` decimals. Under ``"dfe"`` it is rounded once to a whole number, half away
    from zero, and a count of 1 to :data:`DFE_SMALL_MAX` is written :data:`DFE_SYMBOL`
    (as :func:`disclose` writes table cells). Text (a published ``<10`` as read) is
    returned as it is.

    Parameters
    ----------
    value : float, int or str
        The count.
    digits : int
        Decimals without a rule.
    disclosure : str, optional
        The rule; default: the rule of the enclosing :func:`disclosure_control`, else
        ``"none"``.

    Returns
    -------
    str
        The count as printed.

    Raises
    ------
    ValueError
        If the rule is not one of :data:`DISCLOSURE_RULES`.

    Examples
    --------
    >>> from carecast import export
    >>> export.count_text(1234.56), export.count_text(2.5, 1)
    ('1,235', '2.5')
    >>> export.count_text(2.5, 1, "dfe"), export.count_text(1234.56, disclosure="dfe")
    ('c', '1,235')
    """
    rule = _check_rule(disclosure if disclosure is not None else _DISCLOSURE.get())
    if isinstance(value, str):
        return value
    if rule == "none":
        return f"{float(value):,.{digits}f}"
    shown = _disclosed(value)
    return f"{shown:,}" if isinstance(shown, int) else str(shown)


# A number in a chart's free text (an annotation): not a year (a bare 4-digit 19xx/20xx),
# a period (2017/18), a band (1-4), a percentage or part of a word.
_COUNT_IN_TEXT = re.compile(r"(?<![\w./%£-])(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?(?![\w/%-]|\.\d)")
# A count named in a legend entry: "places: 123".
_COUNT_IN_LABEL = re.compile(r"(?<=: )(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?(?![\w/%-]|\.\d)")


def _disclose_text(text: str, pattern: re.Pattern[str], rule: str) -> str:
    def repl(m: re.Match[str]) -> str:
        token = m.group(0)
        if m.group(2) is None and len(token) == 4 and token[:2] in ("19", "20"):
            return token  # a year
        return count_text(float(token.replace(",", "")), disclosure=rule)

    return pattern.sub(repl, text)


def disclose_axes(ax: Any, disclosure: str | None = None) -> str | None:
    """Make a matplotlib chart of counts follow a disclosure rule, in place.

    Under ``"dfe"`` every value the chart draws in data coordinates (line points, the
    edges of filled intervals, scatter points and bar edges) is rounded to a whole number
    of children, half away from zero, and every count printed in an annotation or named in
    a legend entry (``places: 123``) is written as :func:`count_text` writes it. A drawn
    count of 1 to :data:`DFE_SMALL_MAX` cannot be written ``c`` on a line, so the chart is
    refused instead: the reason is returned and the caller shows it in place of the
    chart. Years, periods, bands and percentages in text are kept. Under ``"none"`` the
    chart is unchanged. Only for charts whose values are counts (children, young people,
    places); a chart of pounds needs no rule.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
        The drawn chart.
    disclosure : str, optional
        The rule; default: the rule of the enclosing :func:`disclosure_control`.

    Returns
    -------
    str or None
        Why the chart cannot be shown under the rule, or ``None`` when it follows it.

    Raises
    ------
    ValueError
        If the rule is not one of :data:`DISCLOSURE_RULES`.

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> from carecast import export
    >>> ax = Figure().add_subplot()
    >>> _ = ax.plot([2019, 2020], [630.4, 612.6])
    >>> _ = ax.annotate("2019/20: 612.6", (2020, 612.6))
    >>> export.disclose_axes(ax, "dfe") is None
    True
    >>> ax.lines[0].get_ydata().tolist(), ax.texts[0].get_text()
    ([630.0, 613.0], '2019/20: 613')
    >>> _ = ax.plot([2019, 2020], [7.0, 4.6])
    >>> export.disclose_axes(ax, "dfe")
    'it would draw a count of 1 to 5, which the dfe rule withholds'
    """
    rule = _check_rule(disclosure if disclosure is not None else _DISCLOSURE.get())
    if rule == "none":
        return None
    from matplotlib.collections import Collection
    from matplotlib.lines import Line2D
    from matplotlib.patches import Rectangle

    def whole(y: np.ndarray) -> np.ndarray:
        y = np.asarray(y, dtype=float)
        return np.sign(y) * np.floor(np.abs(y) + 0.5)

    def small(y: np.ndarray) -> bool:
        a = np.abs(y[np.isfinite(y)])
        return bool(((a >= 1) & (a <= DFE_SMALL_MAX)).any())

    withheld = False
    data = ax.transData
    for line in ax.get_lines():
        if not isinstance(line, Line2D) or line.get_transform() != data:
            continue
        y = whole(np.asarray(line.get_ydata(), dtype=float))
        withheld |= small(y)
        line.set_ydata(y)
    for coll in ax.collections:
        if not isinstance(coll, Collection):
            continue
        # Scatter points: offsets in data coordinates, marker shapes in points.
        offsets = np.array(coll.get_offsets(), dtype=float)
        if coll.get_offset_transform() == data and offsets.ndim == 2 and len(offsets):
            offsets[:, 1] = whole(offsets[:, 1])
            withheld |= small(offsets[:, 1])
            coll.set_offsets(offsets)
        # Filled intervals and line collections: paths in data coordinates.
        if coll.get_transform() == data:
            for path in coll.get_paths():
                if len(path.vertices):
                    v = np.array(path.vertices, dtype=float)
                    v[:, 1] = whole(v[:, 1])
                    withheld |= small(v[:, 1])
                    path.vertices = v
    for patch in ax.patches:
        if not isinstance(patch, Rectangle) or patch.get_data_transform() != data:
            continue
        lo = float(whole(np.array([patch.get_y()]))[0])
        hi = float(whole(np.array([patch.get_y() + patch.get_height()]))[0])
        withheld |= small(np.array([hi - lo, hi]))
        patch.set_y(lo)
        patch.set_height(hi - lo)
    for t in ax.texts:
        t.set_text(_disclose_text(t.get_text(), _COUNT_IN_TEXT, rule))
    legend = ax.get_legend()
    if legend is not None:
        for t in legend.get_texts():
            t.set_text(_disclose_text(t.get_text(), _COUNT_IN_LABEL, rule))
    _whole_ticks(ax.yaxis)
    if withheld:
        return f"it would draw a count of 1 to {DFE_SMALL_MAX}, which the {rule} rule withholds"
    return None


def _whole_ticks(axis: Any) -> None:
    """Label a count axis at whole numbers only, with no label from 1 to 5.

    A tick label reading 1 to :data:`DFE_SMALL_MAX` beside a drawn point, or a fractional
    label (``6.5``), would read back a count the rule withholds or a precision it does not
    give: those labels are left blank. The default locator is replaced by one that places
    ticks at whole numbers; a chart's own locator is kept and only its labels are checked.
    """
    from matplotlib.ticker import AutoLocator, Formatter, MaxNLocator, NullFormatter

    if type(axis.get_major_locator()) is AutoLocator:
        axis.set_major_locator(MaxNLocator(nbins="auto", steps=[1, 2, 2.5, 5, 10], integer=True))
    inner = axis.get_major_formatter()

    class WholeCounts(Formatter):
        def set_locs(self, locs: Any) -> None:
            inner.set_locs(locs)

        def get_offset(self) -> str:
            return str(inner.get_offset())

        def __call__(self, x: float, pos: int | None = None) -> str:
            w = math.floor(abs(x) + 0.5)
            if abs(abs(x) - w) > 1e-9 or 1 <= w <= DFE_SMALL_MAX:
                return ""
            return str(inner(x, pos))

    if not isinstance(inner, WholeCounts):
        axis.set_major_formatter(WholeCounts())
    axis.set_minor_formatter(NullFormatter())


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
