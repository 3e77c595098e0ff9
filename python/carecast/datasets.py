"""Published tables: the bundled datasets and a council's own files.

Examples
--------
>>> import carecast
>>> "derbyshire" in carecast.datasets.names()
True
>>> d = carecast.datasets.load("derbyshire")
>>> t = d.table("cic_by_age")
>>> t.to_pandas().query("band == 'all'")["value"].tolist()
[664.0, 628.0, 603.0, 585.0, 630.0]
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pandas as pd

from carecast import _carecast
from carecast import _validate as _v
from carecast._carecast import DataError, UnknownNameError
from carecast._frames import frame, html_block

__all__ = [
    "Dataset",
    "Table",
    "Reconciliation",
    "names",
    "load",
    "read_table",
    "TABLE_COLUMNS",
    "dfe",
    "combine",
    "councils",
    "reconcile_sources",
]

#: Columns of :meth:`Table.to_pandas` (one row per published cell).
TABLE_COLUMNS = [
    "table",
    "period",
    "area",
    "band",
    "category",
    "placement",
    "measure",
    "unit",
    "value",
    "lower",
    "upper",
    "status",
    "suppressed",
    "note",
    "line",
]


class Table:
    """One published table: its cells and where it came from.

    Parameters
    ----------
    native : carecast._carecast.Table
        The core library's table (get one from :meth:`Dataset.table` or :func:`read_table`).
    """

    def __init__(self, native: _carecast.Table) -> None:
        self._native = native
        self._meta_cache: dict[str, Any] | None = None

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self._native,))

    @property
    def _meta(self) -> dict[str, Any]:
        """The table's header, read from the native table when first needed."""
        if self._meta_cache is None:
            self._meta_cache = self._native.meta()
        return self._meta_cache

    @property
    def id(self) -> str:
        """Identifier of the table within its dataset."""
        return self._native.id

    @property
    def title(self) -> str:
        """Short title."""
        return str(self._meta["title"])

    @property
    def source(self) -> str:
        """Source document (file name)."""
        return str(self._meta["source"])

    @property
    def source_table(self) -> str:
        """The table's title in the source document."""
        return str(self._meta["source_table"])

    @property
    def citation(self) -> str:
        """``source, "table title"``."""
        return f'{self.source}, "{self.source_table}"'

    @property
    def notes(self) -> str | None:
        """Notes on the table (quirks, inconsistencies in the source)."""
        return self._meta.get("notes")

    def __len__(self) -> int:
        return len(self._native)

    def to_pandas(self) -> pd.DataFrame:
        """Return the table in long form: one row per published cell.

        Suppressed cells have ``value`` missing, ``suppressed`` True and the bounds in
        ``lower`` and ``upper`` (``upper`` missing when unbounded). Cells that are not
        applicable, not yet published or blank have ``status`` saying so and no bounds.

        Returns
        -------
        pandas.DataFrame
            Columns :data:`TABLE_COLUMNS`.
        """
        return frame(self._native.columns(), TABLE_COLUMNS)

    def to_wide(self, index: str = "period", columns: str = "band") -> pd.DataFrame:
        """Pivot exact values into the wide shape councils publish (e.g. year by band).

        Parameters
        ----------
        index, columns : str
            Columns of :meth:`to_pandas` to use as rows and columns.

        Returns
        -------
        pandas.DataFrame
            Exact values; suppressed and unavailable cells are missing.

        Raises
        ------
        UnknownNameError
            If ``index`` or ``columns`` is not a column of :meth:`to_pandas`.

        Examples
        --------
        >>> import carecast
        >>> t = carecast.datasets.load("derby").table("flows_quarterly")
        >>> t.to_wide(columns="measure")["closing"].tolist()
        [567.0, 560.0, 554.0]
        """
        _v.choice("index", index, TABLE_COLUMNS, UnknownNameError)
        _v.choice("columns", columns, TABLE_COLUMNS, UnknownNameError)
        df = self.to_pandas()
        return df.pivot_table(
            index=index, columns=columns, values="value", aggfunc="first", sort=False
        )

    def __repr__(self) -> str:
        return f"<Table {self.id!r}: {self.title} ({len(self)} cells; {self.citation})>"

    def _repr_html_(self) -> str:
        lines = [f"source: {self.citation}"] + ([f"notes: {self.notes}"] if self.notes else [])
        return html_block(f"Table {self.id}: {self.title}", lines, self.to_pandas())


class Reconciliation:
    """Every check a dataset's tables allow on themselves.

    ``difference = found - expected``: ``expected`` is the figure the tables state (a
    printed total, a closing stock); ``found`` is the same figure computed from other
    cells (the sum of the parts, opening + admissions - discharges).
    """

    COLUMNS = [
        "check",
        "kind",
        "group",
        "period",
        "expected",
        "expected_lower",
        "expected_upper",
        "found",
        "found_lower",
        "found_upper",
        "difference",
        "difference_lower",
        "difference_upper",
        "tolerance",
        "status",
        "sources",
        "detail",
    ]

    def __init__(self, native: _carecast.Reconciliation) -> None:
        self._native = native

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self._native,))

    @property
    def dataset(self) -> str:
        """The dataset's name."""
        return self._native.dataset

    @property
    def findings(self) -> list[dict[str, Any]]:
        """The findings as dicts."""
        return list(self._native.findings())

    def to_pandas(self) -> pd.DataFrame:
        """Return one row per finding.

        Returns
        -------
        pandas.DataFrame
            Columns ``Reconciliation.COLUMNS``; interval bounds in ``*_lower``/``*_upper``.
        """
        return frame(self._native.columns(), self.COLUMNS)

    def counts(self) -> dict[str, int]:
        """Count the findings per status."""
        return dict(self._native.counts())

    def __repr__(self) -> str:
        return f"<Reconciliation of {self.dataset!r}: {self.counts()}>"

    def _repr_html_(self) -> str:
        df = self.to_pandas()
        lines = [", ".join(f"{k}: {v}" for k, v in self.counts().items())]
        return html_block(
            f"Reconciliation of {self.dataset}", lines, df[df["status"] != "pass"], max_rows=30
        )


class Dataset:
    """A set of published tables with their checks.

    Use :func:`load` to get one.
    """

    def __init__(self, native: _carecast.Dataset) -> None:
        self._native = native
        self._tables = {t.id: Table(t) for t in native.tables()}

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self._native,))

    @property
    def name(self) -> str:
        """Short name, e.g. ``derbyshire``."""
        return self._native.name

    @property
    def title(self) -> str:
        """The council or partnership."""
        return self._native.title

    @property
    def description(self) -> str:
        """What the dataset holds and where it comes from."""
        return self._native.description

    @property
    def origin(self) -> str:
        """``bundled`` or the folder it was read from."""
        return self._native.origin

    @property
    def table_ids(self) -> list[str]:
        """Table identifiers, sorted."""
        return list(self._tables)

    def table(self, table_id: str) -> Table:
        """Return a table by id.

        Parameters
        ----------
        table_id : str
            One of :attr:`table_ids`.

        Returns
        -------
        Table

        Raises
        ------
        UnknownNameError
            If there is no such table (the message suggests the closest id).
        ArgumentError
            If ``table_id`` is not a string.

        Examples
        --------
        >>> import carecast
        >>> d = carecast.datasets.load("derby")
        >>> t = d.table("flows_annual")
        >>> t.citation
        '002_805fcef86a92c88e.txt, "Children in Care Data – Last 3 years"'
        >>> t.to_wide(columns="measure").loc["2020/21", "closing"]
        np.float64(642.0)
        >>> d.table("flows")
        Traceback (most recent call last):
        ...
        carecast._carecast.UnknownNameError: dataset "derby" has no table "flows" (did you mean "flows_annual"?)
        """  # noqa: E501
        _v.text("table_id", table_id)
        try:
            return self._tables[table_id]
        except KeyError:
            close = _v.suggest(table_id, self._tables)
            hint = f' (did you mean "{close}"?)' if close else ""
            raise UnknownNameError(
                f'dataset "{self.name}" has no table "{table_id}"{hint}'
            ) from None

    __getitem__ = table

    def tables(self) -> pd.DataFrame:
        """List the tables with their sources.

        Returns
        -------
        pandas.DataFrame
            Columns ``table``, ``title``, ``source``, ``source_table``, ``cells``.
        """
        rows = [
            {
                "table": t.id,
                "title": t.title,
                "source": t.source,
                "source_table": t.source_table,
                "cells": len(t),
            }
            for t in self._tables.values()
        ]
        return pd.DataFrame(rows, columns=["table", "title", "source", "source_table", "cells"])

    def to_pandas(self) -> pd.DataFrame:
        """All tables in one long frame (see :meth:`Table.to_pandas`)."""
        return pd.concat([t.to_pandas() for t in self._tables.values()], ignore_index=True)

    def reconcile(self) -> Reconciliation:
        """Run every check the tables allow on themselves.

        Returns
        -------
        Reconciliation
            One finding per check: totals against their parts, the stock identity,
            continuity from one year to the next, and the checks a ``dataset.toml``
            declares.

        Examples
        --------
        >>> import carecast
        >>> rec = carecast.datasets.load("derbyshire").reconcile()
        >>> df = rec.to_pandas()
        >>> df[df.kind == "stock_identity"][["period", "difference", "status"]].values.tolist()
        [['2013/14', 0.0, 'pass'], ['2014/15', 2.0, 'fail'], ['2015/16', -6.0, 'fail'], ['2016/17', -1.0, 'fail']]
        """  # noqa: E501
        return Reconciliation(self._native.reconcile())

    def to_json(self) -> str:
        """Return the dataset as JSON (the core library's serde form)."""
        return self._native.to_json()

    def __repr__(self) -> str:
        return f"<Dataset {self.name!r}: {self.title}, {len(self._tables)} tables ({self.origin})>"

    def _repr_html_(self) -> str:
        return html_block(
            f"Dataset {self.name}: {self.title}", [self.description], self.tables(), max_rows=100
        )


def names() -> list[str]:
    """Names of the bundled datasets.

    Returns
    -------
    list of str
        Sorted.

    Examples
    --------
    >>> import carecast
    >>> carecast.datasets.names()
    ['d2n2', 'derby', 'derbyshire']
    """
    return list(_carecast.dataset_names())


def load(name: str | Path) -> Dataset:
    """Load a bundled dataset by name, or a council's own tables from a folder.

    Parameters
    ----------
    name : str or pathlib.Path
        A bundled dataset name (see :func:`names`), or a folder holding table files in
        the documented format (``*.csv`` tables and optional ``*.toml`` checks).

    Returns
    -------
    Dataset

    Raises
    ------
    UnknownNameError
        If ``name`` is neither a bundled dataset nor a folder (with a "did you mean").
    ArgumentError
        If ``name`` is empty or not a string or path.
    DataError
        If a file is not in the documented format (the message names file, line, column),
        or the folder holds no table files.

    Examples
    --------
    >>> import carecast
    >>> d = carecast.datasets.load("derbyshire")
    >>> d
    <Dataset 'derbyshire': Derbyshire County Council, 70 tables (bundled)>
    >>> d.table("cic_by_age").to_wide().loc["2017-03-31", "all"]
    np.float64(630.0)
    >>> carecast.datasets.load("derbyshir")
    Traceback (most recent call last):
    ...
    carecast._carecast.UnknownNameError: unknown dataset "derbyshir" (did you mean "derbyshire"?): expected a bundled dataset (d2n2, derby, derbyshire) or a folder of table files
    """  # noqa: E501
    if isinstance(name, os.PathLike):
        name = Path(name)
    elif not isinstance(name, str):
        _v.fail(
            "name", name, f"expected a dataset name or a folder path, not {type(name).__name__}"
        )
    if isinstance(name, str) and not name.strip():
        _v.fail("name", name, f"expected a bundled dataset ({', '.join(names())}) or a folder")
    if isinstance(name, str) and name in names():
        return Dataset(_carecast.Dataset.bundled(name))
    if isinstance(name, str) and name[:4].lower() == "dfe:":
        return _dfe.load_dfe(name)
    path = Path(name)
    if path.is_dir():
        ds = Dataset(_carecast.Dataset.from_dir(str(path)))
        if not ds.table_ids:
            raise DataError(
                f"{path}: the folder holds no table files (*.csv in the documented format; "
                "see FORMAT.md)"
            )
        return ds
    if path.is_file() and path.suffix.lower() == ".csv":
        from carecast._text import read_text  # names the file if it is not UTF-8

        text = read_text(path, DataError)
        table = read_table(path)
        files = [(path.name, text)]
        return Dataset(_carecast.Dataset.from_files(table.id, files))
    if path.is_file():
        raise DataError(
            f"{path}: not a folder of table files nor a .csv table (datasets are folders; "
            "see FORMAT.md)"
        )
    try:
        return Dataset(_carecast.Dataset.bundled(str(name)))
    except UnknownNameError as e:
        raise _v.make_error(
            f"{e}: expected a bundled dataset ({', '.join(names())}) or a folder of table files",
            argument="name",
            cls=UnknownNameError,
        ) from None


def read_table(path: str | Path) -> Table:
    r"""Read one table file in the documented format.

    Parameters
    ----------
    path : str or pathlib.Path
        A ``.csv`` file with the ``# key: value`` header block.

    Returns
    -------
    Table

    Raises
    ------
    DataError
        If the file cannot be read, is not a regular file, is larger than the core's
        limit (64 MiB), is not UTF-8 (the message names the file and the offset of the
        first byte that is not) or is not in the documented format (the message names the
        file, the line and the column).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> import carecast
    >>> tmp = tempfile.TemporaryDirectory()
    >>> folder = pathlib.Path(tmp.name)
    >>> _ = (folder / "cic.csv").write_text(
    ...     "# id: cic\n# title: Children in care\n# source: report.pdf\n"
    ...     "# source_table: Table 1\n# measure: stock\n# unit: children\n"
    ...     "period,band,value\n2024-03-31,all,267\n2025-03-31,all,<10\n")
    >>> t = carecast.datasets.read_table(folder / "cic.csv")
    >>> t.to_pandas()[["period", "value", "lower", "upper", "status"]]
           period  value  lower  upper      status
    0  2024-03-31  267.0  267.0  267.0       exact
    1  2025-03-31    NaN    0.0    9.0  suppressed
    >>> tmp.cleanup()
    """
    if not isinstance(path, (str, os.PathLike)):
        _v.fail("path", path, f"expected a file path, not {type(path).__name__}")
    # Read and parsed in the core: one copy of the text, the core's limits (a regular
    # file, MAX_FILE_BYTES) and a located error for a file that is not UTF-8.
    return Table(_carecast.Table.read(str(Path(path))))


# DfE statistics for every council (defined in _dfe; imported last: they use Dataset).
from carecast import _dfe  # noqa: E402
from carecast._dfe import combine, councils, dfe, reconcile_sources  # noqa: E402
