"""A council's own SSDA903 returns: read, cleaned with an audit, derived into tables.

:func:`load` reads the CSV files of one or more returns (a folder of yearly folders such as
``2019-20/``, or files with a ``YEAR`` column), merges them with later returns correcting
earlier ones, cleans them by documented rules and derives the tables the cohort model
reads (``cic_by_age``, ``admissions_by_age``, ``flows_summary``) plus finer ones (month-end
stock by single age, placement type, placement group and provider; ceases by reason and
duration; placement moves). No child identifier appears in any output. The same dataset
is available everywhere a dataset name is taken as ``903:PATH``.

:func:`project` projects the stock by placement type month by month with placement
moves, exits by reason and exact ageing, with Monte Carlo intervals and scenarios on
transition rates; :func:`reconcile` checks the derived stock, starts and ceases against
the DfE panel (``dfe:<council>``); ``disclosure="dfe"`` on :func:`load`, :func:`audit`
and :func:`project` applies the DfE's rule for small counts to every derived table.

Examples
--------
>>> import tempfile, carecast
>>> folder = tempfile.mkdtemp()
>>> truth = carecast.ssda903.synthesize(folder, seed=3, admissions_per_year=80)
>>> ds = carecast.ssda903.load(folder)
>>> stock = ds.table("cic_by_age").to_pandas().query("band == 'all'")
>>> int(stock["value"].iloc[-1]) == truth["stock"]["2024"]
True
>>> int(ds.audit.set_index("rule").loc["short_break", "children"]) == truth["short_break_children"]
True
>>> carecast.CohortModel.fit(ds).project(years=2).to_wide("stock").shape[0]
2
"""

from __future__ import annotations

import os
import secrets
import warnings
from pathlib import Path
from typing import Any

import pandas as pd

from carecast import _carecast
from carecast import _validate as _v
from carecast.datasets import Dataset, Reconciliation, Table

__all__ = [
    "ReturnsDataset",
    "DisclosedTable",
    "MovesProjection",
    "RecordsReconciliation",
    "load",
    "audit",
    "project",
    "reconcile",
    "synthesize",
    "AUDIT_COLUMNS",
]

#: Columns of the audit frame.
AUDIT_COLUMNS = ["rule", "action", "rows", "children", "detail"]


def _rule(disclosure: str | None) -> str:
    """Return the disclosure rule named (``None`` is ``"none"``), or fail naming it.

    The check is :mod:`carecast.export`'s, so an unknown rule raises the same
    ``ArgumentError`` (a ``ValueError``) with the same message here as there.
    """
    from carecast import export

    return export._check_rule(disclosure)


class _Omitted:
    """Type of :data:`_OMITTED`, the value of a disclosure argument not given."""

    def __repr__(self) -> str:
        return "<omitted>"


_OMITTED = _Omitted()


class _Disclosed:
    """Mixin for a native-backed result whose frame follows a disclosure rule.

    It sits before the result class (``class X(_Disclosed, Table)``) and gives it the
    ``disclosure`` attribute (checked by :func:`_rule`), pickling as ``(native, rule)``,
    and a :meth:`to_pandas` that passes the parent's frame through :meth:`_disclose`.
    ``_DEFAULT`` is the rule when the argument is omitted (``None`` is ``"none"``).
    """

    _DEFAULT = "none"
    _native: Any
    disclosure: str

    def __init__(self, native: Any, disclosure: str | None | _Omitted = _OMITTED) -> None:
        super().__init__(native)  # type: ignore[call-arg]
        # Only an omitted rule takes the default: `None` is rule "none", as it always was.
        rule = self._DEFAULT if isinstance(disclosure, _Omitted) else disclosure
        self.disclosure = _rule(rule)

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self._native, self.disclosure))

    def to_pandas(self) -> pd.DataFrame:
        """Return the parent class's frame under the disclosure rule (see the class).

        Returns
        -------
        pandas.DataFrame
        """
        return self._disclose(super().to_pandas())  # type: ignore[misc]

    def _disclose(self, df: pd.DataFrame) -> pd.DataFrame:
        raise NotImplementedError


class DisclosedTable(_Disclosed, Table):
    """A table derived from records whose frame follows a disclosure rule (default ``dfe``).

    :meth:`to_pandas` is :meth:`carecast.datasets.Table.to_pandas` passed through
    :func:`carecast.export.disclose`: counts (``value``, ``lower``, ``upper``) become whole
    numbers and 1 to 5 is written ``c``. Every count of these tables comes from children's
    records, so counts of events (unit ``count``: placement moves and transitions) are
    treated as counts of children.
    """

    _DEFAULT = "dfe"

    def _disclose(self, df: pd.DataFrame) -> pd.DataFrame:
        from carecast import export

        units = df["unit"].tolist()
        as_children = df.assign(unit=["children" if u == "count" else u for u in units])
        out = export.disclose(as_children, self.disclosure)
        out["unit"] = units
        return out


class ReturnsDataset(Dataset):
    """A dataset derived from SSDA903 returns, with the cleaning audit.

    It is a :class:`carecast.Dataset`: the model, placements, backtests and reports accept
    it. Use :func:`load` to get one.
    """

    def __init__(
        self,
        native: _carecast.Dataset,
        audit: dict[str, Any],
        paths: list[str] | None = None,
        disclosure: str = "none",
    ) -> None:
        super().__init__(native)
        self._audit = audit
        self._paths = list(paths or [])
        self._disclosure = _rule(disclosure)
        if self._disclosure != "none":
            self._tables = {
                k: DisclosedTable(t._native, self._disclosure) for k, t in self._tables.items()
            }

    @property
    def disclosure(self) -> str:
        """The disclosure rule of its tables and audit (``"none"`` or ``"dfe"``)."""
        return self._disclosure

    @property
    def paths(self) -> list[str]:
        """The folders and files the returns were read from (used by :func:`project`)."""
        return list(self._paths)

    @property
    def audit(self) -> pd.DataFrame:
        """The cleaning audit: one row per rule with the rows and children it touched.

        Columns are :data:`AUDIT_COLUMNS`; ``action`` is ``removed``, ``fixed``,
        ``merged`` or ``noted``.

        Under ``disclosure="dfe"`` the ``children`` and ``rows`` columns follow the DfE
        rule (1 to 5 written ``c``): ``rows`` counts episode rows, but a rule touching one
        to five rows touches at most that many children, so it is withheld too.
        """
        df = pd.DataFrame({c: list(self._audit.get(c, [])) for c in AUDIT_COLUMNS})
        if self._disclosure == "none":
            return df
        from carecast import export

        units = {"children": "children", "rows": "children"}
        return export.disclose(export.clean(df, column_units=units), self._disclosure)

    def __reduce__(self) -> tuple[Any, ...]:
        return (ReturnsDataset, (self._native, self._audit, self._paths, self._disclosure))


def _paths(path_or_paths: str | os.PathLike[str] | list[str | os.PathLike[str]]) -> list[str]:
    items = path_or_paths if isinstance(path_or_paths, (list, tuple)) else [path_or_paths]
    if not items:
        _v.fail("path_or_paths", path_or_paths, "expected at least one folder or CSV file")
    out = []
    for p in items:
        if not isinstance(p, (str, os.PathLike)):
            _v.fail("path_or_paths", p, f"expected a path, not {type(p).__name__}")
        out.append(str(Path(p)))
    return out


def load(
    path_or_paths: str | os.PathLike[str] | list[str | os.PathLike[str]],
    disclosure: str | None = None,
) -> ReturnsDataset:
    """Read, clean and derive SSDA903 returns.

    Parameters
    ----------
    path_or_paths : str, pathlib.Path or list of them
        A folder (searched for ``*.csv`` files, e.g. a folder of yearly folders), a CSV
        file, or a list of these. Tables are recognised by their columns.
    disclosure : {None, "none", "dfe"}
        ``"dfe"``: every derived table's :meth:`~carecast.datasets.Table.to_pandas` and the
        audit's ``children`` follow the DfE rule (:func:`carecast.export.disclose`: whole
        counts, 1 to 5 written ``c``). The model still fits on the exact counts.

    Returns
    -------
    ReturnsDataset
        The derived tables (a :class:`carecast.Dataset`) with ``.audit``.

    Raises
    ------
    DataError
        For a row that cannot be read (the message names file, table, line, column and
        value), a return whose year cannot be found, or no episodes table.
    ArgumentError
        If no path is given, an item is not a path, or the disclosure rule is unknown.
    """
    rule = _rule(disclosure)
    paths = _paths(path_or_paths)
    native, audit_columns = _carecast.ssda903_load(paths)
    return ReturnsDataset(native, audit_columns, paths, rule)


def audit(
    path_or_paths: str | os.PathLike[str] | list[str | os.PathLike[str]],
    disclosure: str | None = None,
) -> pd.DataFrame:
    """Return the cleaning audit of SSDA903 returns (see :func:`load`).

    Parameters
    ----------
    path_or_paths : str, pathlib.Path or list of them
        As for :func:`load`.
    disclosure : {None, "none", "dfe"}
        As for :func:`load`.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`AUDIT_COLUMNS`.

    Raises
    ------
    DataError
        As for :func:`load`.
    """
    return load(path_or_paths, disclosure).audit


def synthesize(
    folder: str | os.PathLike[str],
    *,
    seed: int = 1,
    first_year: int = 2020,
    years: int = 5,
    admissions_per_year: float = 300.0,
    short_breaks_per_year: float = 15.0,
    year_column: bool = False,
    dates: str = "mixed",
    traps: bool = True,
) -> dict[str, Any]:
    """Write a synthetic SSDA903 return (for tests, demos and benchmarks).

    Parameters
    ----------
    folder : str or pathlib.Path
        Where to write (one folder per collection year, or one file per table).
    seed : int
        Seed: the same arguments write the same files.
    first_year : int
        Closing year of the first return (2020 = the year ending 31 March 2020).
    years : int
        Number of returns (1-30).
    admissions_per_year : float
        Mean admissions to care per year.
    short_breaks_per_year : float
        Mean children looked after only under short breaks (V3/V4) per year.
    year_column : bool
        One file per table with ``LA`` and ``YEAR`` columns instead of yearly folders.
    dates : {"mixed", "dmy", "iso"}
        Date format (``mixed`` alternates dd/mm/YYYY and ISO by year).
    traps : bool
        Put in the data-quality traps of real returns.

    Returns
    -------
    dict
        The true figures: ``stock`` (31 March year to children), ``starts`` and ``ceases``
        (closing year to children), ``short_break_children``, ``no_header_children``,
        ``episode_rows``, ``children``.

    Raises
    ------
    ArgumentError
        For out-of-range arguments.
    DataError
        If the folder cannot be written.
    """
    out = _carecast.ssda903_synthesize(
        str(Path(folder)),
        seed=seed,
        first_year=first_year,
        years=years,
        admissions_per_year=admissions_per_year,
        short_breaks_per_year=short_breaks_per_year,
        year_column=year_column,
        dates=dates,
        traps=traps,
    )
    result: dict[str, Any] = out
    return result


#: Names a scenario's ``from`` and ``to`` may take besides a placement type code: the
#: placement groups, each standing for all its types.
PLACEMENT_GROUPS = (
    "fostering",
    "residential",
    "adoption",
    "with_parents",
    "independent",
    "secure",
    "other",
)


class MovesProjection:
    """Stock by placement type at each month end, with Monte Carlo intervals.

    Returned by :func:`project`. Rows are month ends (``period``, an ISO date) by
    ``placement_type`` (the eleven types of :class:`carecast.PlacementType` and ``all``)
    with the ``provider`` of the type (``in_house``, ``external``, ``not_applicable``,
    ``all``); ``value`` is the expected stock, ``median`` and ``lower_<L>``/``upper_<L>``
    summarise the paths. ``warnings`` lists each band and placement type whose drawn
    monthly probabilities of leaving added up to more than one in some paths and were
    scaled down to one there (each is also raised as a ``CarecastWarning``).
    """

    def __init__(
        self,
        columns: dict[str, Any],
        *,
        samples: int,
        seed: int,
        levels: list[float],
        disclosure: str,
        warnings: list[str] | None = None,
    ) -> None:
        self._columns = columns
        self.samples = samples
        self.seed = seed
        self.levels = levels
        self.disclosure = disclosure
        self.warnings: list[str] = [] if warnings is None else list(warnings)

    def __setstate__(self, state: dict[str, Any]) -> None:
        # Pickles made before `warnings` existed load with none.
        state.setdefault("warnings", [])
        self.__dict__.update(state)

    def to_pandas(self, every: str = "month") -> pd.DataFrame:
        """Return the rows as a DataFrame.

        Parameters
        ----------
        every : {"month", "year"}
            Every month end, or only each 31 March.

        Returns
        -------
        pandas.DataFrame
            Columns ``period, placement_type, provider, measure, value, median,
            lower_<L>, upper_<L>...``; under ``disclosure="dfe"`` the output copy of
            :func:`carecast.export.for_output` (whole counts, 1 to 5 written ``c``).

        Raises
        ------
        ArgumentError
            If ``every`` is not ``"month"`` or ``"year"``.
        """
        every = _v.choice("every", every, ["month", "year"])
        cols = dict(self._columns)
        df = pd.DataFrame(
            {
                "period": cols.pop("period"),
                "placement_type": cols.pop("placement_type"),
                "provider": cols.pop("provider"),
                "measure": "stock",
                **cols,
            }
        )
        if every == "year":
            df = df[df["period"].str.endswith("-03-31")].reset_index(drop=True)
        if self.disclosure != "none":
            from carecast import export

            return export.for_output(df, self.disclosure)
        return df

    def __repr__(self) -> str:
        periods = self._columns["period"]
        return (
            f"MovesProjection({periods[0]} to {periods[-1]}, {self.samples} paths, "
            f"seed {self.seed}, levels {self.levels})"
        )


def _moves(scenario: Any) -> list[tuple[str, str, float]]:
    """Return the ``(from, to, factor)`` changes of a scenario mapping (see :func:`project`)."""
    if scenario is None:
        return []
    if not isinstance(scenario, dict):
        _v.fail("scenario", scenario, "expected a dict of name -> {from, to, factor}")
    out = []
    for name, change in scenario.items():
        where = f"scenario[{name!r}]"
        if not isinstance(change, dict):
            _v.fail(where, change, "expected a dict with keys from, to and factor")
        unknown = set(change) - {"from", "to", "factor"}
        if unknown or {"from", "to", "factor"} - set(change):
            _v.fail(where, change, "expected exactly the keys from, to and factor")
        out.append(
            (
                _v.text(f"{where}['from']", change["from"]),
                _v.text(f"{where}['to']", change["to"]),
                _v.number(f"{where}['factor']", change["factor"], lo=0.0),
            )
        )
    return out


def project(
    data: ReturnsDataset | str | os.PathLike[str] | list[str | os.PathLike[str]],
    years: int = 5,
    samples: int | None = None,
    levels: Any = (80, 95),
    seed: int | None = None,
    scenario: dict[str, dict[str, Any]] | None = None,
    disclosure: str | None = None,
    *,
    fit_years: int | None = None,
) -> MovesProjection:
    """Project the stock by placement type with placement moves, month by month.

    The model (``carecast::ssda903::moves`` in the core) follows each child's placement
    type as a state: each month a child moves between types, leaves care by reason, or
    stays, at the monthly rates counted on the clean records of the last ``fit_years``
    collection years, by DfE age band; children age by exact months and leave at 18; new
    children arrive at the mean monthly rate seen. Intervals come from ``samples``
    Monte Carlo paths of whole children (multinomial fates per child, Poisson admissions,
    and each path's own rates drawn from their sampling uncertainty), so no bound is below
    zero.

    Parameters
    ----------
    data : ReturnsDataset, str, pathlib.Path or list of them
        What :func:`load` returned (its files are read again), or the paths to read.
    years : int
        Years to project (1-25).
    samples : int, optional
        Monte Carlo paths (1-20,000; default 1,000).
    levels : sequence of float
        Interval levels in percent (default 80 and 95): columns ``lower_80``,
        ``upper_80``, ...
    seed : int, optional
        Seed of the paths (the same seed gives the same result); default a random one,
        kept as ``.seed`` of the result.
    scenario : dict, optional
        Changes to monthly transition rates, each ``name: {"from": A, "to": B,
        "factor": f}``: the probability of moving from ``A`` to ``B`` is multiplied by
        ``f``. ``A`` and ``B`` are placement type codes (``agency_home``, ``ifa``, ...)
        or groups (:data:`PLACEMENT_GROUPS`; ``residential`` stands for its three types,
        and every pair of distinct types is changed). For example a step down from
        residential care to fostering::

            {"step_down": {"from": "residential", "to": "fostering", "factor": 1.5}}

    disclosure : {None, "none", "dfe"}
        ``"dfe"``: :meth:`MovesProjection.to_pandas` gives whole counts with 1 to 5
        written ``c`` (:func:`carecast.export.disclose`). ``None`` (default): the rule
        ``data`` was loaded with when it is a :class:`ReturnsDataset`, else ``"none"``.
    fit_years : int, optional
        Collection years the rates are counted on (default: the last three, or all if
        fewer).

    Returns
    -------
    MovesProjection

    Raises
    ------
    ArgumentError
        For an out-of-range ``years``, ``samples``, ``levels``, ``seed``, ``fit_years``,
        an unknown placement type or group, a negative factor, a factor that would make
        a monthly probability exceed one, or an unknown ``disclosure``.
    DataError
        As for :func:`load`.

    Warns
    -----
    CarecastWarning
        For each band and placement type whose drawn monthly probabilities of leaving
        added up to more than one in some paths and were scaled down to one there (also
        in ``MovesProjection.warnings``).

    Examples
    --------
    >>> import tempfile, carecast
    >>> folder = tempfile.mkdtemp()
    >>> _ = carecast.ssda903.synthesize(folder, seed=3, admissions_per_year=80)
    >>> p = carecast.ssda903.project(folder, years=2, samples=200, seed=1)
    >>> df = p.to_pandas(every="year")
    >>> df.query("placement_type == 'all'")["period"].tolist()
    ['2025-03-31', '2026-03-31']
    >>> bool((df["lower_80"] >= 0).all() and (df["lower_95"] <= df["lower_80"]).all())
    True
    """
    if disclosure is None and isinstance(data, ReturnsDataset):
        # A dataset loaded under a rule keeps it: its projection must not print exact counts.
        rule = data.disclosure
    else:
        rule = _rule(disclosure)
    paths = data.paths if isinstance(data, ReturnsDataset) else _paths(data)
    if not paths:
        _v.fail("data", data, "this dataset does not remember its files; pass the paths")
    years = _v.integer("years", years, lo=1, hi=25)
    samples = 1000 if samples is None else _v.integer("samples", samples, lo=1, hi=20_000)
    # Coerced as for CohortModel.project (no fraction meant as a percentage); the core
    # checks them as it does there (range, count, no two levels with one column label).
    from carecast.model import CarecastWarning, _levels

    lv = _levels((80, 95) if levels is None else levels)
    if seed is None:
        seed = secrets.randbits(63)
    seed = _v.integer("seed", seed, lo=0, hi=2**64 - 1)
    fy = None if fit_years is None else _v.integer("fit_years", fit_years, lo=1)
    cols, capped = _carecast.ssda903_project(
        paths,
        years=years,
        samples=samples,
        levels=lv,
        seed=seed,
        moves=_moves(scenario),
        fit_years=fy,
    )
    out = MovesProjection(
        cols, samples=samples, seed=seed, levels=sorted(lv), disclosure=rule, warnings=capped
    )
    for w in capped:
        warnings.warn(w, CarecastWarning, stacklevel=2)
    return out


class RecordsReconciliation(_Disclosed, Reconciliation):
    """A reconciliation of figures derived from children's records, with a ``unit`` column.

    Every figure it compares (stock, admissions, discharges) counts children, so its
    frame (``Reconciliation.COLUMNS`` and ``unit``) carries ``unit="children"``:
    :func:`carecast.export.for_output` (the command line's ``--disclosure``) then applies
    the rule to ``expected*``, ``found*``, ``difference*`` and ``tolerance``. Under
    ``disclosure="dfe"`` :meth:`to_pandas` applies it too
    (:func:`carecast.export.disclose`: whole counts, 1 to 5 written ``c``); the default
    rule is ``none``.
    """

    def _disclose(self, df: pd.DataFrame) -> pd.DataFrame:
        from carecast import export

        df["unit"] = "children"
        if self.disclosure == "none":
            return df
        return export.disclose(df, self.disclosure)


def reconcile(
    data: ReturnsDataset | str | os.PathLike[str] | list[str | os.PathLike[str]],
    council: str | None = None,
    disclosure: str | None = None,
) -> RecordsReconciliation:
    """Check the derived 31 March stock, starts and ceases against the DfE panel.

    Each finding compares one figure for the same council, year and band: ``expected`` is
    the figure derived from the returns (``cic_by_age``, ``admissions_by_age``,
    ``flows_summary``), ``found`` the DfE one (``dfe:<council>`` of the bundled panel),
    with no tolerance (``pass`` when equal, ``fail`` when not, ``indeterminate`` when a
    suppressed DfE cell's bounds hold the derived figure).

    Parameters
    ----------
    data : ReturnsDataset, str, pathlib.Path or list of them
        What :func:`load` returned (its files are read again), or the paths to read.
    council : str, optional
        A council name, ONS code or DfE number; default the one code in the returns'
        ``LA`` column.
    disclosure : {None, "none", "dfe"}
        ``"dfe"``: counts in :meth:`RecordsReconciliation.to_pandas` follow the DfE rule
        (:func:`carecast.export.disclose`). ``None`` (default): the rule ``data`` was
        loaded with when it is a :class:`ReturnsDataset`, else ``"none"``.

    Returns
    -------
    RecordsReconciliation

    Raises
    ------
    ArgumentError
        If no council is given and the returns carry no ``LA`` code, or several.
    UnknownNameError
        For a council the DfE panel does not know (with the closest name).
    DataError
        As for :func:`load`.

    Examples
    --------
    >>> import tempfile, carecast
    >>> folder = tempfile.mkdtemp()
    >>> truth = carecast.ssda903.synthesize(folder, seed=3, admissions_per_year=80)
    >>> df = carecast.ssda903.reconcile(folder, council="Derby").to_pandas()
    >>> row = df.query("period == '2024-03-31' and group == 'measure=stock, band=all'")
    >>> int(row["expected"].iloc[0]) == truth["stock"]["2024"]
    True
    """
    if disclosure is None and isinstance(data, ReturnsDataset):
        rule = data.disclosure
    else:
        rule = _rule(disclosure)
    paths = data.paths if isinstance(data, ReturnsDataset) else _paths(data)
    if council is not None:
        council = _v.text("council", council)
    return RecordsReconciliation(_carecast.ssda903_reconcile(paths, council=council), rule)
