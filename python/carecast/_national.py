"""The national backtest: every council in the bundled DfE panel (``backtest("dfe:all")``).

For every council, every origin a release came out (31 March 2014 to 2019, 2022 and 2023)
and horizons 1 to 5 years, each method is fitted only on the figures published by the
origin and its forecast of the stock at 31 March (total and age bands) is scored against
the figure as last published. Scores are pooled over councils by method, horizon and
series (``total`` or ``bands``), with 90% bootstrap intervals over councils, beside the
``naive`` (stock at the origin) and ``drift`` baselines. See ``docs/national_backtest.md``
and ``carecast::methodology`` for the methods and the metrics.

Examples
--------
>>> import carecast
>>> b = carecast.backtest("dfe:all", horizon=1, methods=["naive", "drift"])
>>> b.origins[:3], b.default_method
([2014, 2015, 2016], 'anchored_reg')
>>> s = b.summary()
>>> sorted(set(s.method))
['drift', 'naive']
>>> float(s[(s.method == "naive") & (s.series == "total")]["rel_naive"].iloc[0])
1.0
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from carecast import _carecast
from carecast import _validate as _v
from carecast._carecast import CarecastError
from carecast._frames import columns_frame, html_block
from carecast.model import MAX_SAMPLES, MAX_YEARS, CarecastWarning, Projection, _seed

if TYPE_CHECKING:
    from carecast.datasets import Dataset

__all__ = [
    "NationalBacktest",
    "national_backtest",
    "NATIONAL",
    "DISAGREEMENT_MARGIN",
    "MIN_DISAGREEMENT_ORIGINS",
    "MIN_DISAGREEMENT_FIGURES",
    "warn_if_default_disagrees",
    "uasc_streams",
]

#: The dataset name of the national backtest.
NATIONAL = "dfe:all"

#: Interval levels of the national backtest (its calibration holds these two).
NATIONAL_LEVELS = (80.0, 95.0)


def _frame(cols: dict[str, Any]) -> pd.DataFrame:
    """Build a frame from native columns; lists with gaps (``None``) become float NaN."""
    out: dict[str, Any] = {}
    for k, v in cols.items():
        if isinstance(v, list):
            if all(x is None or isinstance(x, (int, float)) for x in v):
                v = np.array([np.nan if x is None else float(x) for x in v], dtype="float64")
            else:
                v = np.array(v, dtype=object)
        out[k] = v
    return columns_frame(out)


def _ordered(df: pd.DataFrame, first: list[str], levels: list[float]) -> pd.DataFrame:
    """Columns in a fixed order: ``first``, then per-level columns grouped by prefix."""
    labs = [f"{v:g}" for v in levels]
    groups = [("lower", "upper"), ("coverage", "width"), ("mc_lower", "mc_upper")]
    groups.append(("mc_coverage", "mc_width"))
    rest = [f"{p}_{lab}" for g in groups for lab in labs for p in g]
    cols = [c for c in first if c in df.columns]
    cols += [c for c in rest if c in df.columns]
    cols += [c for c in df.columns if c not in cols]
    return df[cols]


SCORE_COLUMNS = [
    "method",
    "horizon",
    "series",
    "n",
    "councils",
    "mape",
    "mape_lo",
    "mape_hi",
    "rel_naive",
    "rel_naive_lo",
    "rel_naive_hi",
    "mase",
    "bias",
    "beats_naive",
]


class NationalBacktest:
    """The national backtest's result (see :func:`national_backtest`)."""

    def __init__(self, data: dict[str, Any], paths: int) -> None:
        self._data = data
        self.paths = paths
        self._forecasts = _frame(data["forecasts"])
        self._scores = _ordered(_frame(data["scores"]), SCORE_COLUMNS, self.levels)

    @property
    def dataset(self) -> str:
        """``dfe:all``."""
        return NATIONAL

    @property
    def levels(self) -> list[float]:
        """Interval levels (percent)."""
        return [float(v) for v in self._data["levels"]]

    @property
    def origins(self) -> list[int]:
        """Origins forecast from (31 March of each year)."""
        return sorted({int(v) for v in self._forecasts["origin"]})

    @property
    def default_method(self) -> str:
        """The default of a dataset without a region (``anchored_reg``, England's growth).

        A council of the DfE panel (``dfe:`` datasets) projects with the regional default
        ``anchored_revert_reg`` instead (see :meth:`carecast.CohortModel.default_admissions`);
        both were chosen on this evidence.
        """
        return str(self._data["default_method"])

    @property
    def notes(self) -> list[str]:
        """What was done, in words."""
        return list(self._data["notes"])

    @property
    def names(self) -> dict[str, str]:
        """Council name by ONS code."""
        return dict(self._data["names"])

    def forecasts(self) -> pd.DataFrame:
        """Return every forecast with the published figure it is scored against.

        Returns
        -------
        pandas.DataFrame
            Columns ``council`` (ONS code), ``name``, ``method``, ``origin``, ``horizon``
            (years), ``band`` (``all`` for the total), ``forecast``, ``actual``, ``scale``
            (the MASE scale), ``lower_<L>`` / ``upper_<L>`` (calibrated intervals,
            cross-validated over origins; NaN where not calibrated) and ``mc_lower_<L>`` /
            ``mc_upper_<L>`` (Monte Carlo intervals, NaN without paths).
        """
        first = ["council", "method", "origin", "horizon", "band", "forecast", "actual"]
        df = _ordered(self._forecasts, [*first, "scale"], self.levels).copy()
        names = self.names
        df.insert(1, "name", [names.get(c, c) for c in df["council"]])
        return df

    def summary(self, series: str | None = None) -> pd.DataFrame:
        """Return the pooled scores by method, horizon and series.

        Parameters
        ----------
        series : {"total", "bands"}, optional
            Keep one series (default both).

        Returns
        -------
        pandas.DataFrame
            Columns ``method``, ``horizon``, ``series``, ``n`` (figures), ``councils``,
            ``mape`` (percent) with its 90% bootstrap interval over councils
            (``mape_lo``, ``mape_hi``), ``rel_naive`` (MAPE over naive's on the same
            figures; below 1 beats naive) with ``rel_naive_lo`` / ``rel_naive_hi``,
            ``mase``, ``bias`` (mean percentage error; negative: too low),
            ``beats_naive`` (share of councils), then ``coverage_<L>`` and ``width_<L>``
            (mean width, percent of the outturn) per level of the calibrated intervals,
            and ``mc_coverage_<L>`` / ``mc_width_<L>`` of the Monte Carlo ones (NaN
            without paths).
        """
        df = self._scores
        if series is not None:
            if series not in ("total", "bands"):
                _v.fail("series", series, "expected total or bands")
            df = df[df["series"] == series]
        return df.reset_index(drop=True)

    def councils(self) -> pd.DataFrame:
        """Return the total's scores per council, method and horizon.

        Returns
        -------
        pandas.DataFrame
            Columns ``council``, ``name``, ``method``, ``horizon``, ``n``, ``mape``,
            ``mase``, ``bias`` and ``coverage_<L>`` per level.
        """
        first = ["council", "method", "horizon", "n", "mape", "mase", "bias"]
        df = _ordered(_frame(self._data["councils"]), first, self.levels)
        names = self.names
        if len(df):
            df.insert(1, "name", [names.get(c, c) for c in df["council"]])
        return df

    def failures(self) -> pd.DataFrame:
        """Return the methods that could not run, per council and origin, with the reason.

        Returns
        -------
        pandas.DataFrame
            Columns ``council``, ``origin``, ``method`` (``*``: none could) and ``reason``.
        """
        df = _frame(self._data["failures"])
        if not len(df):
            return pd.DataFrame(columns=["council", "origin", "method", "reason"])
        return df

    def __repr__(self) -> str:
        n = len(self._forecasts)
        return (
            f"<NationalBacktest of {len(self.names)} councils: origins {self.origins}, "
            f"{n} forecasts, default {self.default_method!r}>"
        )

    def _repr_html_(self) -> str:
        s = self.summary("total")
        return html_block(repr(self), self.notes, s.round(3))


def national_backtest(
    horizon: int | None = None,
    *,
    samples: int = 0,
    seed: int | None = None,
    levels: Sequence[float] | float | None = None,
    methods: Sequence[str] | None = None,
    max_origin: int | None = None,
    bootstrap: int = 500,
) -> NationalBacktest:
    """Run the national backtest on every council of the bundled DfE panel.

    Parameters
    ----------
    horizon : int, optional
        Longest horizon in years, 1 to 10 (default 5).
    samples : int
        Monte Carlo paths per forecast of the default method (default 0: the calibrated
        intervals only). 1,000 paths take under a minute.
    seed : int, optional
        Seed of the paths (default 0).
    levels : sequence of float, optional
        Must be 80 and 95 if given (the levels the calibration holds).
    methods : sequence of str, optional
        Methods to compare (default all); naive is always added.
    max_origin : int, optional
        Leave out origins after this year.
    bootstrap : int
        Resamples of councils for the pooled scores' intervals (default 500).

    Returns
    -------
    NationalBacktest

    Raises
    ------
    ArgumentError
        For an out-of-range number, an unknown method, or other levels.
    """
    h = 5 if horizon is None else _v.integer("horizon", horizon, lo=1, hi=MAX_YEARS)
    paths = _v.integer("samples", samples, lo=0, hi=MAX_SAMPLES)
    boot = _v.integer("bootstrap", bootstrap, lo=1, hi=100_000)
    if levels is not None:
        lv = [float(levels)] if isinstance(levels, (int, float)) else [float(x) for x in levels]
        if sorted(lv) != list(NATIONAL_LEVELS):
            _v.fail("levels", levels, "the national backtest's intervals are 80 and 95")
    mo = None if max_origin is None else _v.integer("max_origin", max_origin, lo=1900, hi=2100)
    ms = None if methods is None else [str(m) for m in methods]
    data = _carecast.national_backtest(paths, _seed(seed), boot, mo, ms, h)
    return NationalBacktest(data, paths)


#: How much lower (as a share of the default's) another method's MAPE of the total must be
#: on a user's own backtest before it warns (``carecast::national::DISAGREEMENT_MARGIN``).
DISAGREEMENT_MARGIN = 0.10

#: The fewest origins both methods must be scored from before a disagreement warns
#: (``carecast::national::MIN_DISAGREEMENT_ORIGINS``).
MIN_DISAGREEMENT_ORIGINS = 3

#: The fewest figures of the total both methods must be scored on before a disagreement
#: warns (``carecast::national::MIN_DISAGREEMENT_FIGURES``).
MIN_DISAGREEMENT_FIGURES = 6


def warn_if_default_disagrees(
    dataset: Dataset, horizon: int | None = None
) -> dict[str, Any] | None:
    """Warn when a dataset's own backtest finds a method better than the default.

    The national backtest's methods (the default ``anchored_reg``, ``naive``, ``drift``
    and the others that need no region or population) are run on the dataset alone, from
    every origin it allows; if another method's MAPE of the total is below the default's
    on the same figures by more than :data:`DISAGREEMENT_MARGIN` (10%), a
    :class:`~carecast.CarecastWarning` names both methods and their scores, and says the
    default was chosen on the national evidence of every council.

    Parameters
    ----------
    dataset : Dataset
        The dataset backtested.
    horizon : int, optional
        Longest horizon in years (default 5).

    Returns
    -------
    dict or None
        The finding (``method``, ``mape``, ``default_method``, ``default_mape``,
        ``ratio``, ``figures``, ``margin``, ``message``), or ``None`` when the default
        holds, when the methods share fewer than :data:`MIN_DISAGREEMENT_FIGURES`
        figures of the total from :data:`MIN_DISAGREEMENT_ORIGINS` origins (too few to
        overturn the national evidence), or when the dataset's own backtest of these
        methods cannot run (this check is extra to the caller's backtest, whose result
        stands; no warning is given then).

    Raises
    ------
    ArgumentError
        If ``horizon`` is not a whole number of at least 1.
    """
    # Horizons past 10 years add no origin to a council's short series; the cap only
    # bounds the work.
    h = 5 if horizon is None else min(_v.integer("horizon", horizon, lo=1), 10)
    try:
        found = _carecast.default_disagreement(dataset._native, h)
    except CarecastError:
        return None
    if found is not None:
        warnings.warn(found["message"], CarecastWarning, stacklevel=3)
    return found


def uasc_streams(projection: Projection, dataset: Dataset | str | None = None) -> pd.DataFrame:
    """Split a projection's total stock into UASC and the other children.

    Unaccompanied asylum-seeking children (UASC) are held at the dataset's ``uasc_stock``
    at 31 March of the base year: their numbers follow arrivals and the National Transfer
    Scheme rather than the council's own trends (on the DfE panel, holding a council's
    UASC stock has about half the error of extending its last change three years ahead;
    see ``docs/national_backtest.md``). The other children are the projected total less
    them. This is a subtraction, not a model of either stream: the UASC figure is the base
    year's, unchanged in every year. Only central values are split: the projection's
    interval columns (``lower_80``, ...) are not carried.

    Parameters
    ----------
    projection : Projection
        A projection (from :meth:`CohortModel.project`).
    dataset : Dataset or str, optional
        The dataset it was fitted on (default: loaded by the projection's dataset name);
        it must have a ``uasc_stock`` table with the base year's figure (every ``dfe:``
        council does).

    Returns
    -------
    pandas.DataFrame
        Columns ``year``, ``horizon``, ``stream`` (``uasc``, ``other``, ``all``),
        ``value`` (children at 31 March) and ``unit`` (``children``, so that a
        disclosure rule rounds and withholds the values), one row per projected year and
        stream.

    Raises
    ------
    CarecastError
        If the dataset has no ``uasc_stock`` table, its base-year figure is suppressed or
        absent, or a projected total is below the held UASC stock (the message names the
        dataset, table and year).

    Examples
    --------
    >>> import carecast
    >>> p = carecast.CohortModel.fit("dfe:Kent").project(years=2)
    >>> s = uasc_streams(p)
    >>> sorted(set(s.stream))
    ['all', 'other', 'uasc']
    >>> s[s.stream == "uasc"]["value"].tolist()
    [498.0, 498.0]
    """
    from carecast.datasets import Dataset as _Dataset
    from carecast.datasets import load

    if dataset is None:
        dataset = str(projection.assumptions["dataset"])
    ds = dataset if isinstance(dataset, _Dataset) else load(dataset)
    out = _carecast.uasc_streams(projection._native, ds._native)
    df = _frame(out["rows"])[["year", "horizon", "stream", "value"]]
    df["unit"] = "children"
    df.attrs["method"] = out["method"]
    return df
