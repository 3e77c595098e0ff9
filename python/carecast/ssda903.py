"""A council's own SSDA903 returns: read, cleaned with an audit, derived into tables.

:func:`load` reads the CSV files of one or more returns (a folder of yearly folders such as
``2019-20/``, or files with a ``YEAR`` column), merges them with later returns correcting
earlier ones, cleans them by documented rules and derives the tables the cohort model
reads (``cic_by_age``, ``admissions_by_age``, ``flows_summary``) plus finer ones (month-end
stock by single age, placement type, placement group and provider; ceases by reason and
duration; placement moves). No child identifier appears in any output. The same dataset
is available everywhere a dataset name is taken as ``903:PATH``.

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
from pathlib import Path
from typing import Any

import pandas as pd

from carecast import _carecast
from carecast import _validate as _v
from carecast.datasets import Dataset

__all__ = ["ReturnsDataset", "load", "audit", "synthesize", "AUDIT_COLUMNS"]

#: Columns of the audit frame.
AUDIT_COLUMNS = ["rule", "action", "rows", "children", "detail"]


class ReturnsDataset(Dataset):
    """A dataset derived from SSDA903 returns, with the cleaning audit.

    It is a :class:`carecast.Dataset`: the model, placements, backtests and reports accept
    it. Use :func:`load` to get one.
    """

    def __init__(self, native: _carecast.Dataset, audit: dict[str, Any]) -> None:
        super().__init__(native)
        self._audit = audit

    @property
    def audit(self) -> pd.DataFrame:
        """The cleaning audit: one row per rule with the rows and children it touched.

        Columns are :data:`AUDIT_COLUMNS`; ``action`` is ``removed``, ``fixed``,
        ``merged`` or ``noted``.
        """
        return pd.DataFrame({c: list(self._audit.get(c, [])) for c in AUDIT_COLUMNS})

    def __reduce__(self) -> tuple[Any, ...]:
        return (ReturnsDataset, (self._native, self._audit))


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


def load(path_or_paths: str | os.PathLike[str] | list[str | os.PathLike[str]]) -> ReturnsDataset:
    """Read, clean and derive SSDA903 returns.

    Parameters
    ----------
    path_or_paths : str, pathlib.Path or list of them
        A folder (searched for ``*.csv`` files, e.g. a folder of yearly folders), a CSV
        file, or a list of these. Tables are recognised by their columns.

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
        If no path is given or an item is not a path.
    """
    native, audit_columns = _carecast.ssda903_load(_paths(path_or_paths))
    return ReturnsDataset(native, audit_columns)


def audit(path_or_paths: str | os.PathLike[str] | list[str | os.PathLike[str]]) -> pd.DataFrame:
    """Return the cleaning audit of SSDA903 returns (see :func:`load`).

    Parameters
    ----------
    path_or_paths : str, pathlib.Path or list of them
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
    return load(path_or_paths).audit


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
