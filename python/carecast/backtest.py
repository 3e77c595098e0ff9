"""Rolling-origin backtests: how well each method would have forecast the published figures.

For each observed 31 March of a dataset, the model is fitted on the years up to it and the
stock (by band and in total) is forecast for every later published figure; the baselines
``naive`` (last value) and ``drift`` (a straight line from the first published year) are
computed from the published series. See ``carecast::methodology`` (Backtesting) for the
metrics and the rule that picks the default method.

The point forecast scored (``forecast``) is each engine method's deterministic projection;
its interval comes from that method's Monte Carlo paths, whose median is shown beside it.
``mase`` is the mean absolute error scaled by the in-sample mean absolute one-year change
up to the origin (``scale``); ``rel_mae`` is a method's scaled errors over naive's on the
same figures (naive = 1, below 1 beats naive).

Examples
--------
>>> import carecast
>>> b = carecast.backtest("derbyshire", samples=200)
>>> b.origins
[2014, 2015, 2016]
>>> s = b.summary()
>>> s.columns.tolist()[:8]
['method', 'horizon', 'n', 'mae', 'mape', 'bias', 'mase', 'rel_mae']
>>> s[s.method == "naive"]["rel_mae"].tolist()
[1.0, 1.0, 1.0]
>>> b.default_method in ("held", "mean", "trend")
True
>>> b.verdicts[0].startswith("derbyshire: ")
True
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Literal, overload

import pandas as pd

from carecast import _carecast
from carecast import _validate as _v
from carecast._carecast import ArgumentError
from carecast._frames import columns_frame, html_block
from carecast.datasets import Dataset, load
from carecast.model import MAX_YEARS, _level_names, _levels, _samples, _seed, level_label

if TYPE_CHECKING:
    from carecast._national import NationalBacktest

__all__ = ["Backtest", "backtest", "choose_default", "DEFAULT_BACKTEST_SAMPLES"]

#: Monte Carlo paths per engine forecast in a backtest, by default.
DEFAULT_BACKTEST_SAMPLES = 1000

FORECAST_COLUMNS = [
    "method",
    "origin",
    "horizon",
    "period",
    "band",
    "forecast",
    "median",
    "actual",
    "scale",
]
SUMMARY_COLUMNS = ["method", "horizon", "n", "mae", "mape", "bias", "mase", "rel_mae"]


def _labelled(
    cols: dict[str, Any], levels: list[float], datasets: Sequence[str] = ()
) -> pd.DataFrame:
    """Build a frame from native columns renamed after their labels.

    ``coverage_<i>`` and ``width_<i>`` are named after the ``i``-th level
    (``coverage_80``), ``score_<j>`` after the ``j``-th dataset (``score_derby``).
    """
    names = {}
    for i, lv in enumerate(levels):
        for prefix in ("coverage", "width"):
            names[f"{prefix}_{i}"] = f"{prefix}_{level_label(lv)}"
    for j, d in enumerate(datasets):
        names[f"score_{j}"] = f"score_{d}"
    return columns_frame({names.get(k, k): v for k, v in cols.items()})


class Backtest:
    """A rolling-origin backtest of one dataset (see :func:`backtest`).

    It holds the core library's backtest; pickling carries its serde bytes.
    """

    def __init__(self, native: _carecast.Backtest) -> None:
        self._native = native
        self._selection = native.selection()

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self._native,))

    @property
    def dataset(self) -> str:
        """The dataset's name."""
        return self._native.dataset

    @property
    def levels(self) -> list[float]:
        """Interval levels (percent)."""
        return [float(v) for v in self._native.levels]

    @property
    def origins(self) -> list[int]:
        """Origins: the 31 Marches (calendar years) forecasts start from."""
        return list(self._native.origins)

    @property
    def default_method(self) -> str:
        """The engine method the default rule picks on this dataset."""
        return self._native.default_method

    @property
    def beats_naive(self) -> bool:
        """Whether the default method's score is below naive's (1)."""
        return self._selection.beats_naive

    @property
    def verdicts(self) -> list[str]:
        """The rule's findings on this dataset, in words.

        The first line says what beats naive (or that nothing does), by horizon year and
        pooled over the figures; the last, the method the rule picks here.
        """
        return list(self._selection.verdicts)

    @property
    def rule(self) -> str:
        """The rule that picks the default method, in words."""
        return self._selection.rule

    @property
    def notes(self) -> list[str]:
        """What was done and what could not be."""
        return list(self._native.notes)

    def forecasts(self) -> pd.DataFrame:
        """Return every forecast with the published figure it is compared with.

        Returns
        -------
        pandas.DataFrame
            Columns ``method``, ``origin``, ``horizon`` (years; quarter ends 0.25, 0.5,
            0.75 past a year), ``period`` (whose closing stock), ``band``, ``forecast``
            (the point scored: the engine's deterministic projection), ``median`` (of the
            Monte Carlo paths; the point itself for the baselines), ``actual``, ``scale``
            (the MASE scale: mean absolute one-year change of the series up to the
            origin), then ``lower_<L>`` and ``upper_<L>`` per level (NaN where a method
            has no interval).
        """
        return columns_frame(_level_names(self._native.forecasts(), self.levels))

    def summary(self, by_band: bool = False) -> pd.DataFrame:
        """Return the metrics per method and horizon.

        Parameters
        ----------
        by_band : bool
            Also split by band (adds a ``band`` column after ``method``); by default the
            bands and the total are pooled.

        Returns
        -------
        pandas.DataFrame
            Columns ``method``, ``horizon``, ``n``, ``mae``, ``mape``, ``bias``, ``mase``
            (mean of ``|forecast - actual| / scale``), ``rel_mae`` (scaled errors over
            naive's on the same figures: naive = 1, below 1 beats naive), then
            ``coverage_<L>`` and ``width_<L>`` per level (NaN without intervals).
        """
        return _labelled(self._native.summary(bool(by_band)), self.levels)

    def ranking(self) -> pd.DataFrame:
        """Return the score of every method under the default rule (lowest is best).

        Returns
        -------
        pandas.DataFrame
            Columns ``method``, ``n`` (figures compared), ``score`` (mean over horizon
            years of the relative MAE against naive: naive = 1), ``rel_mae`` (pooled over
            the figures, not used by the rule), ``mase``, ``mae`` and ``coverage_<L>`` per
            level.
        """
        return _ranking_frame(self._selection)

    def scores(self) -> pd.DataFrame:
        """Return every method's scores on this dataset, by horizon year.

        Returns
        -------
        pandas.DataFrame
            Columns ``method``, ``n``, ``score`` (the rule's), ``year_<k>`` (relative MAE
            against naive in horizon year ``k``: figures more than ``k - 1`` and at most
            ``k`` years ahead), ``rel_mae`` (pooled over the figures), ``mae_ratio`` (plain
            MAE over naive's), ``mase``, ``mae`` and ``coverage_<L>`` per level.

        Examples
        --------
        >>> b = backtest("derby", samples=100)
        >>> b.scores().columns.tolist()[:6]
        ['method', 'n', 'score', 'year_1', 'year_2', 'year_3']
        """
        cols = self._selection.scores(0)
        if cols is None:
            return pd.DataFrame(columns=["method", "n", "score"])
        return _labelled(cols, list(self._selection.levels))

    def __repr__(self) -> str:
        naive = "beats naive" if self.beats_naive else "does not beat naive"
        return (
            f"<Backtest of {self.dataset!r}: origins {self.origins}, "
            f"default {self.default_method!r} ({naive})>"
        )

    def _repr_html_(self) -> str:
        lines = [*self.verdicts, f"rule: {self.rule}", *self.notes]
        return html_block(repr(self), lines, self.scores().round(3))


def _ranking_frame(sel: _carecast.Selection) -> pd.DataFrame:
    datasets = list(sel.datasets)
    return _labelled(sel.ranking(), list(sel.levels), datasets if len(datasets) > 1 else ())


@overload
def backtest(
    dataset: Literal["dfe:all"],
    horizon: int | None = None,
    *,
    samples: int | None = None,
    seed: int | None = None,
    levels: Sequence[float] | float | None = None,
    **national: Any,
) -> NationalBacktest: ...


@overload
def backtest(
    dataset: str | Dataset,
    horizon: int | None = None,
    *,
    samples: int | None = None,
    seed: int | None = None,
    levels: Sequence[float] | float | None = None,
) -> Backtest: ...


def backtest(
    dataset: str | Dataset,
    horizon: int | None = None,
    *,
    samples: int | None = None,
    seed: int | None = None,
    levels: Sequence[float] | float | None = None,
    **national: Any,
) -> Backtest | NationalBacktest:
    """Run a rolling-origin backtest of a dataset, or the national backtest (``dfe:all``).

    Parameters
    ----------
    dataset : str or Dataset
        A bundled dataset name, a folder, or a loaded :class:`~carecast.Dataset`; or
        ``"dfe:all"``: every council of the bundled DfE panel, forecast from what was
        published at each origin (returns a :class:`~carecast.NationalBacktest`, see
        :func:`carecast._national.national_backtest` for its further options
        ``methods``, ``max_origin`` and ``bootstrap``).
    horizon : int, optional
        Longest horizon in years (default: every published figure after each origin; 5
        for ``dfe:all``). A horizon with no published figure to compare with is an error.
    samples : int, optional
        Monte Carlo paths per engine forecast, for its intervals (default 1,000; for
        ``dfe:all`` 0, its intervals being calibrated on the backtest's errors).
    seed : int, optional
        Seed of the paths (default 0).
    levels : sequence of float, optional
        Interval levels in percent (default 80 and 90); at least one.

    Returns
    -------
    Backtest

    Raises
    ------
    ArgumentError
        If ``horizon`` is below 1 or beyond the furthest published figure (the message
        names the maximum), or ``samples`` or ``levels`` are out of range.

    Examples
    --------
    >>> b = backtest("derby", horizon=1, samples=100, levels=[80, 95])
    >>> sorted(set(b.forecasts()["horizon"]))
    [0.25, 0.5, 0.75, 1.0]
    >>> [c for c in b.summary().columns if c.startswith("coverage")]
    ['coverage_80', 'coverage_95']
    """
    if isinstance(dataset, str) and dataset.strip().lower() == "dfe:all":
        from carecast._national import national_backtest

        return national_backtest(
            horizon, samples=samples or 0, seed=seed, levels=levels, **national
        )
    if national:
        _v.fail("options", sorted(national), "only the national backtest (dfe:all) takes them")
    if samples is None:
        samples = DEFAULT_BACKTEST_SAMPLES
    ds = dataset if isinstance(dataset, Dataset) else load(dataset)
    # The Rust side names the furthest horizon the data allow; this bound only keeps the
    # number within the native integer type (no projection runs past MAX_YEARS).
    h = None if horizon is None else _v.integer("horizon", horizon, lo=1, hi=MAX_YEARS)
    out = _carecast.Backtest.run(ds._native, h, _samples(samples), _seed(seed), _levels(levels))
    from carecast._national import warn_if_default_disagrees

    warn_if_default_disagrees(ds, h)
    return Backtest(out)


def choose_default(backtests: Sequence[Backtest] | None = None) -> pd.DataFrame:
    """Apply the default-method rule over several backtests.

    By default the backtests are those of the bundled Derbyshire and Derby City data.

    Parameters
    ----------
    backtests : sequence of Backtest, optional
        Backtests sharing their interval levels.

    Returns
    -------
    pandas.DataFrame
        The ranking: ``method``, ``n``, ``score`` (the mean of the datasets' scores, each
        dataset weighing the same; naive = 1), ``score_<dataset>`` per dataset,
        ``rel_mae``, ``mase``, ``mae`` and ``coverage_<L>`` per level (over the figures
        compared). In ``.attrs``: ``default_method``, ``beats_naive``, ``verdicts`` (the
        findings in words, one per dataset then the choice; they say plainly where
        nothing beats naive), ``rule`` and ``datasets``. Each backtest's
        :meth:`Backtest.scores` has the per-dataset detail (by horizon year, coverage).

    Examples
    --------
    >>> r = choose_default([backtest(d, samples=100) for d in ("derbyshire", "derby")])
    >>> r.attrs["default_method"], r.attrs["beats_naive"]
    ('trend', True)
    >>> r.columns.tolist()[:5]
    ['method', 'n', 'score', 'score_derbyshire', 'score_derby']
    >>> float(r.set_index("method").loc["naive", "score"])
    1.0
    >>> r.attrs["verdicts"][0].startswith("derbyshire: trend beats naive")
    True
    """
    if backtests is None:
        backtests = [backtest(d) for d in ("derbyshire", "derby")]
    if isinstance(backtests, (Backtest, str, bytes)) or not isinstance(backtests, Sequence):
        _v.fail(
            "backtests",
            backtests,
            f"expected a list of Backtest (from carecast.backtest), not {type(backtests).__name__}",
        )
    if not backtests:
        raise ArgumentError("`backtests` must hold at least one Backtest")
    for i, b in enumerate(backtests):
        if not isinstance(b, Backtest):
            _v.fail(
                "backtests",
                backtests,
                f"item {i} is {type(b).__name__}, not a Backtest (from carecast.backtest)",
            )
    sel = _carecast.select_default([b._native for b in backtests])
    df = _ranking_frame(sel)
    df.attrs.update(
        {
            "default_method": sel.default_method,
            "beats_naive": sel.beats_naive,
            "verdicts": list(sel.verdicts),
            "rule": sel.rule,
            "datasets": list(sel.datasets),
        }
    )
    return df
