"""Children's population for ``--admissions rate``: from a file or the dataset's own table.

A population is the number of children aged 0-17 by year, where a year is the calendar
year of the 31 March that ends a financial year (as everywhere in carecast's exports).
It can come from

- a plain CSV file with a header ``year,population`` (or ``year,value``), one row a year;
- a carecast table file (see ``FORMAT.md``) whose cells have measure ``population`` and
  band ``0-17`` (or ``all``); a cell's period is a 31 March (``2017-03-31``: 2017), a
  financial year (``2016/17``: 2017) or another date, which counts for the financial
  year it falls in (a mid-2016 estimate, ``2016-06-30``, is 2017);
- a table with id ``population`` in the dataset folder itself, read the same way, when
  ``--admissions rate`` is given without ``--population``.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd

from carecast import _text, export
from carecast._carecast import ArgumentError, DataError
from carecast.datasets import Dataset, read_table

#: The band of children aged 0-17 in a population table (``all`` would be every age).
CHILD_BANDS = ("0-17",)


def from_table(df: pd.DataFrame, where: str) -> dict[int, float]:
    """Return ``{year: children}`` from a table's cells (measure ``population``).

    Raises
    ------
    DataError
        If no cell has measure ``population`` and band 0-17, a period is not a date or
        financial year, a cell is not an exact number, or a year appears twice.
    """
    rows = df[(df["measure"] == "population") & (df["band"].isin(CHILD_BANDS))]
    if rows.empty:
        raise DataError(
            f"{where}: no cell with measure `population` and band 0-17 (children aged 0-17)"
        )
    out: dict[int, float] = {}
    for r in rows.itertuples(index=False):
        line = getattr(r, "line", None)
        at = f"{where}, line {line}" if line is not None else where
        year, _ = export.year_ending(r.period)
        if year is None:
            raise DataError(
                f"{at}: period {r.period!r} is not a date (2017-03-31) or financial year (2016/17)"
            )
        if getattr(r, "status", "exact") != "exact" or pd.isna(r.value):
            raise DataError(f"{at}: population for {r.period} is not an exact number")
        if year in out:
            raise DataError(f"{at}: a second population for the year ending 31 March {year}")
        out[year] = float(r.value)
    return out


def read_file(path: str) -> dict[int, float]:
    """Return ``{year: children}`` from a population file (plain CSV or table file).

    Raises
    ------
    ArgumentError
        If the file cannot be read.
    DataError
        If a row is malformed; the message names the file, line and column.
    """
    p = Path(path)
    if not p.exists():
        raise ArgumentError(f"cannot read population file {path!r}: No such file or directory")
    text = _text.read_text(p, DataError)
    if text.lstrip().startswith("#"):
        return from_table(read_table(p).to_pandas(), str(path))
    reader = csv.reader(text.splitlines())
    header = [h.strip().lower() for h in next(reader, [])]
    if len(header) != 2 or header[0] != "year" or header[1] not in ("population", "value"):
        raise DataError(
            f"{path}, line 1: expected the header `year,population` (children aged 0-17 by "
            f"year ending 31 March), found {','.join(header)!r}"
        )
    out: dict[int, float] = {}
    for line, row in enumerate(reader, start=2):
        if not row or not "".join(row).strip():
            continue
        if len(row) != 2:
            raise DataError(f"{path}, line {line}: expected 2 columns, found {len(row)}")
        try:
            year = int(row[0].strip())
        except ValueError:
            raise DataError(
                f"{path}, line {line}, column year: {row[0]!r} is not a year (e.g. 2018)"
            ) from None
        try:
            value = float(row[1].strip())
        except ValueError:
            raise DataError(
                f"{path}, line {line}, column {header[1]}: {row[1]!r} is not a number "
                "(suppressed or missing cells cannot be a population)"
            ) from None
        if year in out:
            raise DataError(f"{path}, line {line}: year {year} appears twice")
        out[year] = value
    if not out:
        raise DataError(f"{path}: no rows")
    return out


def for_dataset(dataset: Dataset) -> dict[int, float] | None:
    """Return the population table of a dataset folder (id ``population``), if it has one.

    ``None`` when the dataset has no such table or it holds no count of children 0-17.
    """
    if "population" not in dataset.table_ids:
        return None
    df = dataset.table("population").to_pandas()
    if df[(df["measure"] == "population") & (df["band"].isin(CHILD_BANDS))].empty:
        return None
    return from_table(df, f"{dataset.name}: table `population`")
