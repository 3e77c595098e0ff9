"""Disclosure control of exported tables and printed counts (``disclosure="dfe"``).

The rules an output may follow (:data:`DISCLOSURE_RULES`), the rule of the enclosing
``--disclosure`` (:func:`disclosure_control`), and their application to a clean frame
(:func:`disclose`: primary suppression cell by cell, then secondary suppression over the
groups of cells that sum to a total) and to a single count in a sentence
(:func:`count_text`). Charts follow the rule through :mod:`carecast._export_charts`.
Everything public here is imported from, and documented as part of, :mod:`carecast.export`.
"""

from __future__ import annotations

import contextlib
import contextvars
import math
from collections.abc import Iterator, Mapping
from typing import Any

import numpy as np
import pandas as pd

from carecast import _validate as _v
from carecast._frames import _numeric

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
