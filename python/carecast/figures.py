"""Published-figure checks for CI (``carecast verify``).

A figures file is TOML: a list of ``[[figure]]`` entries, each naming a dataset, a
measure carecast computes, the published value, a tolerance and the source. See the
``carecast::figures`` module of the core crate for the measures.
"""

from __future__ import annotations

import os
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from carecast import _carecast, _text
from carecast import _validate as _v
from carecast._frames import frame, html_block, interval_columns

__all__ = ["FigureReport", "verify"]

COLUMNS = [
    "file",
    "index",
    "name",
    "dataset",
    "measure",
    "period",
    "expected",
    "found",
    "found_lower",
    "found_upper",
    "difference",
    "tolerance",
    "status",
    "message",
    "source",
]


class FigureReport:
    """Outcome of checking one or more figures files.

    Made by :func:`verify` from the native checker's columns (one row per figure, the
    columns of :data:`COLUMNS`). The constructor also takes the list of per-figure dicts
    (the checker's serde form) that earlier releases held, and a report pickled by one of
    them (which carried that list as ``_results``) loads as the same frame.
    """

    def __init__(self, table: pd.DataFrame | list[dict[str, Any]]) -> None:
        self._table = table if isinstance(table, pd.DataFrame) else _from_results(table)

    def __setstate__(self, state: dict[str, Any]) -> None:
        state = dict(state)
        if "_table" not in state and "_results" in state:
            state["_table"] = _from_results(state.pop("_results"))
        self.__dict__.update(state)

    @property
    def passed(self) -> bool:
        """Whether every figure passed."""
        return bool((self._table["status"] == "pass").all())

    def to_pandas(self) -> pd.DataFrame:
        """One row per figure (``status`` is ``pass``, ``fail`` or ``error``)."""
        return self._table.copy()

    def to_junit(self, path: str | Path) -> None:
        """Write the results as JUnit XML (one test case per figure)."""
        status = self._table["status"]
        suite = ET.Element(
            "testsuite",
            name="carecast.verify",
            tests=str(len(self._table)),
            failures=str(int((status == "fail").sum())),
            errors=str(int((status == "error").sum())),
        )
        for r in self._table.itertuples(index=False):
            case = ET.SubElement(
                suite, "testcase", classname=f"{Path(r.file).name}", name=str(r.name)
            )
            if r.status == "fail":
                ET.SubElement(case, "failure", message=r.message).text = r.source
            elif r.status == "error":
                ET.SubElement(case, "error", message=r.message).text = r.source
        root = ET.Element("testsuites")
        root.append(suite)
        ET.ElementTree(root).write(str(path), encoding="utf-8", xml_declaration=True)

    def __repr__(self) -> str:
        n = len(self._table)
        bad = int((self._table["status"] != "pass").sum())
        return f"<FigureReport: {n - bad} of {n} figures pass>"

    def _repr_html_(self) -> str:
        return html_block(repr(self), [], self.to_pandas(), max_rows=50)


def _from_results(results: list[dict[str, Any]]) -> pd.DataFrame:
    """Return the frame of figures given as the checker's serde dicts (one per figure).

    ``found`` and ``difference`` are intervals ``{"lo": .., "hi": ..}`` (or ``None``); the
    difference is shown only when it is a single number, as earlier releases did.
    """
    if not isinstance(results, list) or not all(isinstance(r, dict) for r in results):
        _v.fail("table", results, "expected a DataFrame or a list of per-figure dicts")
    rows = []
    for r in results:
        row = {k: r[k] for k in ("file", "index", "name", "dataset", "measure", "period")}
        row["expected"] = r["expected"]
        row.update(interval_columns("found", r["found"]))
        diff = r["difference"]
        row["difference"] = diff["lo"] if diff is not None and diff["hi"] == diff["lo"] else None
        row.update({k: r[k] for k in ("tolerance", "status", "message", "source")})
        rows.append(row)
    return frame(rows, COLUMNS)


def verify(*paths: str | Path) -> FigureReport:
    """Check the figures in one or more files.

    Parameters
    ----------
    *paths : str or pathlib.Path
        TOML figures files.

    Returns
    -------
    FigureReport

    Raises
    ------
    FigureError
        If a file cannot be read, is malformed or names an unknown dataset, measure or
        table.
    ArgumentError
        If no file is given, or a path is not a string or path.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> import carecast
    >>> tmp = tempfile.TemporaryDirectory()
    >>> f = pathlib.Path(tmp.name) / "figures.toml"
    >>> _ = f.write_text('''
    ... [[figure]]
    ... name = "stock identity 2015/16 is off by -6"
    ... dataset = "derbyshire"
    ... measure = "stock_identity_difference"
    ... period = "2015/16"
    ... expected = -6
    ... source = "004_85328cd596b7bfe6.txt, flows summary"
    ... ''')
    >>> report = carecast.verify(f)
    >>> report.passed, report.to_pandas()["status"].tolist()
    (True, ['pass'])
    >>> tmp.cleanup()
    """
    if not paths:
        _v.fail("paths", (), "needs at least one figures file")
    columns: dict[str, list[Any]] = {c: [] for c in COLUMNS}
    for p in paths:
        if not isinstance(p, (str, os.PathLike)):
            _v.fail("paths", p, f"expected a file path, not {type(p).__name__}")
        path = Path(p)
        text = _text.read_text(path, _carecast.FigureError)
        for name, col in _carecast.verify(str(path), text).items():
            columns[name].extend(col.tolist() if isinstance(col, np.ndarray) else col)
    return FigureReport(frame(columns, COLUMNS))
