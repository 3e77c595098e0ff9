"""DfE statistics for every council: the national panel, councils and groups.

The functions are exposed as :func:`carecast.datasets.dfe`,
:func:`carecast.datasets.combine`, :func:`carecast.datasets.councils` and
:func:`carecast.datasets.reconcile_sources`.

Contains public sector information licensed under the Open Government Licence v3.0.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from carecast import _carecast
from carecast import _validate as _v

if TYPE_CHECKING:
    from carecast.datasets import Dataset, Reconciliation

#: Files of a newer DfE release added on top of the bundled panel by ``load("dfe:...")``
#: (set by the command line's ``--dfe-files``).
DFE_FILES: list[str] = []

#: Columns of :meth:`Panel.to_pandas` (those of ``cla_panel.csv``), as the core names them.
PANEL_COLUMNS: list[str] = list(_carecast.dfe_panel_columns())


def _paths(files: Sequence[str | os.PathLike[str]] | None) -> list[str]:
    if files is None:
        return []
    if isinstance(files, str | os.PathLike):
        _v.fail("files", files, "expected a list of file paths, not one path")
    out = []
    for f in files:
        if not isinstance(f, str | os.PathLike):
            _v.fail("files", f, f"expected a file path, not {type(f).__name__}")
        out.append(str(Path(f)))
    return out


class Panel:
    """The national panel of DfE children-looked-after statistics.

    One row per year, area, measure and breakdown, with the value of the latest release
    (or every release's value with ``vintages=True``), its status, release and source.
    """

    def __init__(self, columns: dict[str, Any]) -> None:
        self._columns = columns

    def to_pandas(self) -> pd.DataFrame:
        """Return the panel as a long DataFrame with the columns of ``cla_panel.csv``.

        Returns
        -------
        pandas.DataFrame
            Columns ``year, geographic_level, area_code, old_la_code, area_name, measure,
            breakdown, value, status, printed, release, source``; ``value`` is empty (NaN)
            unless ``status`` is ``published`` or ``derived``.
        """
        df = pd.DataFrame({c: self._columns[c] for c in PANEL_COLUMNS})
        for c in ("area_code", "old_la_code", "breakdown", "printed"):
            df[c] = df[c].astype("string")
        return df

    def __len__(self) -> int:
        return len(self._columns["year"])

    def __repr__(self) -> str:
        return f"<DfE panel: {len(self)} rows>"


def dfe(
    files: Sequence[str | os.PathLike[str]] | None = None,
    *,
    release: str | None = None,
    vintages: bool = False,
) -> Panel:
    """Return the national panel of DfE statistics (every council, region and England).

    Parameters
    ----------
    files : list of path, optional
        Files of a newer release (EES CSVs, SFR/ULD CSVs, ``.csv.gz``), recognised by their
        columns and added on top of the bundled panel: the latest release wins and the
        earlier values stay as vintages.
    release : str, optional
        Label of the added release (default ``added <latest year in the files>``).
    vintages : bool
        Every release's value instead of the latest only.

    Returns
    -------
    Panel

    Raises
    ------
    carecast.DataError
        A file of an unknown layout, a malformed cell or a disagreeing duplicate (names
        file, line and column).

    Examples
    --------
    >>> import carecast
    >>> df = carecast.datasets.dfe().to_pandas()
    >>> row = df[(df.area_name == "Derbyshire") & (df.year == 2024)
    ...          & (df.measure == "stock") & (df.breakdown == "total")]
    >>> int(row.value.iloc[0]) > 0
    True
    """
    if release is not None and not isinstance(release, str):
        _v.fail("release", release, "expected a release label")
    return Panel(_carecast.dfe_panel(_paths(files), release, bool(vintages)))


def combine(
    members: Sequence[str],
    name: str,
    files: Sequence[str | os.PathLike[str]] | None = None,
) -> Dataset:
    """Return a named group of councils as one dataset, counts summed.

    A sum with a suppressed part is kept as a suppressed cell with bounds (never zero).

    Parameters
    ----------
    members : list of str
        Councils (or regions) by name, ONS code or DfE number.
    name : str
        The group's name, e.g. ``"D2N2"``.
    files : list of path, optional
        Files of a newer release added on top of the bundled panel.

    Returns
    -------
    carecast.datasets.Dataset

    Examples
    --------
    >>> import carecast
    >>> d = carecast.datasets.combine(
    ...     ["Derby", "Derbyshire", "Nottingham", "Nottinghamshire"], name="D2N2")
    >>> d.name
    'D2N2'
    """
    from carecast.datasets import Dataset

    if isinstance(members, str) or not all(isinstance(m, str) for m in members):
        _v.fail("members", members, "expected a list of council names")
    if not isinstance(name, str) or not name.strip():
        _v.fail("name", name, "expected a non-empty name")
    return Dataset(_carecast.dfe_combine(list(members), name, _paths(files)))


def councils(region: str | None = None) -> pd.DataFrame:
    """Return every council (and region, England) with its codes and years.

    Parameters
    ----------
    region : str, optional
        Only the councils of this region (``"East Midlands"``; ``"London"`` includes
        Inner and Outer London).

    Returns
    -------
    pandas.DataFrame
        Columns ``geographic_level, area_code, old_la_code, area_name, region,
        first_year, last_year, dataset``.
    """
    if region is not None and not isinstance(region, str):
        _v.fail("region", region, "expected a region name")
    cols = [
        "geographic_level",
        "area_code",
        "old_la_code",
        "area_name",
        "region",
        "first_year",
        "last_year",
        "dataset",
    ]
    return pd.DataFrame(_carecast.dfe_councils(region), columns=cols)


def reconcile_sources() -> Reconciliation:
    """Return the council documents checked against the DfE figures for the same years.

    ``expected`` is the document's figure (bundled ``derbyshire``, ``derby``, ``d2n2``),
    ``found`` the DfE one (the D2N2 document against the sum of its four councils).

    Returns
    -------
    carecast.datasets.Reconciliation
    """
    from carecast.datasets import Reconciliation

    return Reconciliation(_carecast.dfe_reconcile_sources())


def load_dfe(name: str) -> Dataset:
    """Return ``dfe:<council>`` with the files of :data:`DFE_FILES` added, if any."""
    from carecast.datasets import Dataset

    if DFE_FILES:
        return Dataset(_carecast.dfe_load(name[4:], list(DFE_FILES)))
    return Dataset(_carecast.Dataset.bundled(name))
