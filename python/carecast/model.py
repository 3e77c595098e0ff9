"""The cohort model: fit to published tables, project, and carry care leavers forward.

Examples
--------
>>> import carecast
>>> m = carecast.CohortModel.fit("derbyshire")
>>> cal = m.calibration()
>>> bool((cal["fitted_closing"] - cal["published_closing"]).abs().max() < 1)
True
>>> p = m.project(years=10)
>>> p.to_pandas().columns.tolist()
['year', 'period', 'band', 'measure', 'value']
>>> p.assumptions["admissions"]["method"]  # the core's default (national backtest)
'anchored'
>>> iv = m.project(years=3, samples=200, seed=1, levels=[80, 95]).to_pandas()
>>> iv.columns.tolist()[5:]
['mean', 'median', 'lower_80', 'upper_80', 'lower_95', 'upper_95']
>>> s = iv[(iv.band == "all") & (iv.measure == "stock")]
>>> bool((s.lower_95 <= s.lower_80).all() and (s.lower_80 <= s.upper_80).all())
True
"""

from __future__ import annotations

import itertools
import os
import warnings
from collections.abc import Iterable, Mapping, Sequence
from collections.abc import Set as AbstractSet
from typing import Any

import numpy as np
import pandas as pd

from carecast import _carecast
from carecast import _validate as _v
from carecast._carecast import ArgumentError
from carecast._frames import html_block

# Re-exported: `carecast.model.Projection`, and the level helpers other modules import.
from carecast._projection import Projection, _level_names, level_label  # noqa: F401
from carecast.datasets import Dataset, load

__all__ = [
    "CohortModel",
    "Projection",
    "project_care_leavers",
    "CarecastWarning",
    "ADMISSIONS_METHODS",
    "DISCHARGE_METHODS",
    "DEFAULT_ADMISSIONS",
    "DEFAULT_DISCHARGES",
    "CALIBRATED_LEVELS",
    "DEFAULT_LEVELS",
    "DEFAULT_SEED",
    "MAX_SAMPLES",
    "MAX_LEVELS",
]

_DEFAULTS = _carecast.defaults()
#: Admissions assumptions, as the core parses them: ``held``, ``mean`` (last ``k`` years),
#: ``trend`` (log-linear Poisson), ``rate`` (per 10,000 children times ``population``),
#: ``damped`` (a damped log-linear trend), ``pooled`` (slopes shrunk towards a reference;
#: needs a mapping with ``reference``, ``between_sd`` and ``population``) and ``anchored``
#: (the stock carried forward at a reference's damped growth, England's unless a
#: ``reference`` is given, plus an optional undamped ``reversion``).
ADMISSIONS_METHODS: tuple[str, ...] = tuple(_DEFAULTS["admissions_methods"])
#: Discharge-rate assumptions, as the core parses them: ``last``, ``mean`` (last ``k``
#: years) and ``regularised`` (pooled over years, shrunk towards all bands' rate).
DISCHARGE_METHODS: tuple[str, ...] = tuple(_DEFAULTS["discharge_methods"])
#: Output periods of a projection.
GRAINS = ("year", "quarter", "month")
#: The default admissions assumption of a dataset without a region (a mapping with
#: ``method`` and its parameters: England's anchoring), chosen by the national backtest of
#: every council; a ``dfe:`` council's is :meth:`CohortModel.default_admissions`.
DEFAULT_ADMISSIONS_SPEC: dict[str, Any] = dict(_DEFAULTS["admissions"])
#: The core's default discharge-rate assumption (a mapping with ``method`` and parameters).
DEFAULT_DISCHARGES_SPEC: dict[str, Any] = dict(_DEFAULTS["discharges"])
#: Name of the default admissions method (``anchored``), from the core.
DEFAULT_ADMISSIONS: str = DEFAULT_ADMISSIONS_SPEC["method"]
#: Name of the default discharge-rate method (``regularised``), from the core.
DEFAULT_DISCHARGES: str = DEFAULT_DISCHARGES_SPEC["method"]
#: Levels (percent) for which the core stores calibrated interval quantiles.
CALIBRATED_LEVELS: tuple[float, ...] = tuple(_DEFAULTS["calibrated_levels"])
#: Years ahead that calibrated intervals cover (1 to this).
CALIBRATED_HORIZONS: int = _DEFAULTS["calibrated_horizons"]
#: Kinds of interval :meth:`CohortModel.project` can give.
INTERVALS = ("calibrated", "monte_carlo")


class CarecastWarning(UserWarning):
    """A projection the core flags (e.g. a total moving far from the base year's)."""


#: Default interval levels (percent): with the median, the quantiles 5, 10, 50, 90 and 95.
DEFAULT_LEVELS = (80, 90)
#: Default seed of Monte Carlo paths (fixed, so results are reproducible by default).
DEFAULT_SEED = 0
_LIMITS = _carecast.limits()
#: The most Monte Carlo paths one call may ask for (the core's limit).
MAX_SAMPLES: int = _LIMITS["max_samples"]
#: The longest projection, in years (the core's limit).
MAX_YEARS: int = _LIMITS["max_years"]
#: The most interval levels one call may ask for (the core's limit, 20): each level adds
#: two quantiles to every projected value, so the number is bounded to keep a call within
#: the memory target.
MAX_LEVELS: int = _LIMITS["max_levels"]
#: Calendar years accepted as a base year or as the year of an input (a sanity bound: the
#: model itself needs years it has observed).
YEARS = (1900, 2200)
#: Ages at 31 March a care leaver may have (16 to 25).
LEAVER_AGES = (16, _LIMITS["max_age"])


def _levels(levels: Any) -> list[float]:
    """Interval levels in percent as a list of floats, in the order given.

    Only coercion happens here: one number or any iterable of numbers (numpy arrays and
    scalars included) becomes a list of finite floats, read up to :data:`MAX_LEVELS`. The
    core checks the list where it is used (``carecast::stochastic::check_levels``: at least
    one level, each strictly between 0 and 100, no level twice and no two with one column
    label) and its ``ArgumentError`` comes through as it is.

    Two refusals stay here because the core cannot make them: more than
    :data:`MAX_LEVELS` levels (the core sees only what was read), and a level below 1,
    refused rather than taken at face value since ``levels=[0.8]`` is almost always a
    fraction meant as 80%, and a 0.8% interval is too narrow to be of use.
    """
    if levels is None:
        return [float(x) for x in DEFAULT_LEVELS]
    # One value, or values to read. (Not `np.ndim`, which would first turn any iterable,
    # a huge range or an endless generator included, into an array.)
    if isinstance(levels, (str, bytes, Mapping, AbstractSet)):
        # A set or a mapping has no order of its own (the columns would come in an
        # arbitrary order); text is not a number.
        _v.fail(
            "levels",
            levels,
            f"expected a number or a list of numbers such as [80, 95], not {type(levels).__name__}",
        )
    items: Iterable[Any]
    if isinstance(levels, np.ndarray):
        items = levels.ravel() if levels.ndim else [levels.item()]
    elif not isinstance(levels, Iterable):
        items = [levels]  # a number, or something `_v.number` refuses by name
    else:
        items = levels
    # Reading is bounded: at most one level past the limit is read, so an endless iterator
    # (or a huge range) cannot hang here. What is over the limit is refused here, since
    # the core only sees what was read.
    given = list(itertools.islice(items, MAX_LEVELS + 1))
    if len(given) > MAX_LEVELS:
        _v.fail(
            "levels",
            levels,
            f"more than MAX_LEVELS = {MAX_LEVELS} levels: at most {MAX_LEVELS} may be asked "
            "for at once",
        )
    out = [_v.number("levels", v) for v in given]
    for v in out:
        if 0 < v < 1:
            _v.fail(
                "levels",
                levels,
                f"levels are percentages: {v:g} would be a {v:g}% interval "
                f"(did you mean {100 * v:g}?)",
            )
    return out


def _samples(samples: Any) -> int:
    return _v.integer("samples", samples, lo=1, hi=MAX_SAMPLES)


def _seed(seed: Any) -> int:
    if seed is None:
        return DEFAULT_SEED
    return _v.integer("seed", seed, lo=0, hi=2**64 - 1)


def _integer(name: str, v: Any) -> int:
    return _v.integer(name, v)


def _year(name: str, v: Any) -> int:
    """Return a calendar year (its 31 March), checked to be within :data:`YEARS`."""
    return _v.integer(name, v, lo=YEARS[0], hi=YEARS[1])


class CohortModel:
    """A cohort-component model of children in care, fitted to published tables.

    Use :meth:`fit`. The state is kept on single months of age and stepped monthly;
    see the ``carecast::methodology`` module of the core crate for the equations.
    """

    def __init__(self, native: _carecast.Model, base_year: int) -> None:
        self._native = native
        self.base_year = base_year

    @classmethod
    def fit(cls, dataset: str | Dataset, base_year: int | None = None) -> CohortModel:
        """Fit the model to a dataset's stock and admissions.

        Parameters
        ----------
        dataset : str or Dataset
            A bundled dataset name, a folder, or a loaded :class:`~carecast.Dataset`.
        base_year : int, optional
            Default 31 March to project from (the calendar year); the last observed one
            if omitted.

        Returns
        -------
        CohortModel

        Raises
        ------
        UnknownNameError
            If ``dataset`` names no bundled dataset or folder.
        ModelError
            If the dataset lacks the tables the model needs.
        ArgumentError
            If ``base_year`` does not end an observed year.

        Examples
        --------
        >>> import carecast
        >>> m = carecast.CohortModel.fit("derbyshire")
        >>> m
        <CohortModel of 'derbyshire', base year 2017>
        >>> cal = m.calibration()
        >>> cal.groupby("year")["published_closing"].sum().tolist()  # all bands
        [628.0, 603.0, 585.0, 630.0]
        >>> bool(cal["difference"].abs().max() < 1)
        True
        >>> carecast.CohortModel.fit("derbyshire", base_year=2016).base_year
        2016
        """
        if not isinstance(dataset, (Dataset, str, os.PathLike)):
            _v.fail(
                "dataset",
                dataset,
                "expected a bundled dataset name, a folder or a carecast.Dataset, not "
                f"{type(dataset).__name__}",
            )
        ds = dataset if isinstance(dataset, Dataset) else load(dataset)
        native = _carecast.Model.fit(ds._native)
        years = native.base_years()
        if base_year is None:
            base_year = max(years)
        base_year = _year("base_year", base_year)
        if base_year not in years:
            raise _v.make_error(
                f"invalid argument `base_year` = {base_year}: must end an observed year of "
                f"{ds.name}: one of {sorted(years)}",
                argument="base_year",
            )
        return cls(native, base_year)

    @property
    def dataset(self) -> str:
        """Name of the dataset the model was fitted to."""
        return self._native.dataset_name

    @property
    def data(self) -> Dataset:
        """The dataset the model was fitted to (the model carries it)."""
        return Dataset(self._native.dataset)

    @property
    def notes(self) -> list[str]:
        """Where the data came from and what was assumed."""
        return self._native.notes()

    @property
    def tilts(self) -> dict[str, float]:
        """Within-band age tilt per band (0 = uniform; negative = younger ages weigh more)."""
        return dict(self._native.tilts())

    def calibration(self) -> pd.DataFrame:
        """Return the fitted against published closing stock, by year and band.

        Returns
        -------
        pandas.DataFrame
            One row per year and band: published opening, admissions and closing, the
            fitted closing, the difference, the annual discharge rate, implied discharges
            and ageing flows.
        """
        df = pd.DataFrame(self._native.calibration())
        df["difference"] = df["fitted_closing"] - df["published_closing"]
        cols = [
            "year",
            "band",
            "opening",
            "admissions",
            "published_closing",
            "fitted_closing",
            "difference",
            "annual_rate",
            "implied_discharges",
            "ageing_in",
            "ageing_out",
            "fitted",
        ]
        return df[cols]

    def discharges(self) -> pd.DataFrame:
        """Return implied against published discharges, by year (all ages).

        ``implied_total`` counts 18th-birthday leavers, as the published figures do;
        ``difference - identity_gap`` is zero when the fit is exact: the difference is the
        published table's own stock-identity gap.
        """
        return pd.DataFrame(self._native.discharges())

    def default_admissions(self, base_year: int | None = None) -> dict[str, Any]:
        """Return the default admissions of a projection from ``base_year``.

        The national backtest of every council chose them (see the README's table): for
        a council of the DfE panel (a ``dfe:`` dataset) the regional default
        ``anchored_revert_reg``, worked out from every council's published figures up to
        the base year; for any other dataset, or where the regional default cannot run
        (England or a region, no child population or rate gap to the region, a council
        whose figures end before the base year, a base year the bundled panel does not
        reach, a reversion past its bound), :data:`DEFAULT_ADMISSIONS` anchored to
        England's growth.

        Parameters
        ----------
        base_year : int, optional
            31 March the projection starts from (default: the model's).

        Returns
        -------
        dict
            ``method`` (the backtest's name of the method), ``admissions`` (the
            assumption as :meth:`project` reads it) and ``note`` (why England's default
            stands in for a ``dfe:`` dataset, else None).

        Examples
        --------
        >>> import carecast
        >>> carecast.CohortModel.fit("derbyshire").default_admissions()["method"]
        'anchored_reg'
        >>> d = carecast.CohortModel.fit("dfe:Derbyshire").default_admissions(2024)
        >>> d["method"], d["admissions"]["method"], d["note"]
        ('anchored_revert_reg', 'anchored', None)
        """
        base = self.base_year if base_year is None else _year("base_year", base_year)
        return dict(self._native.default_admissions(base))

    def project(
        self,
        years: int = 10,
        *,
        base_year: int | None = None,
        admissions: str | Mapping[str, Any] | None = None,
        k: int = 3,
        population: Mapping[int, float] | None = None,
        discharges: str | Mapping[str, Any] = DEFAULT_DISCHARGES,
        bands: str | list[str] | None = None,
        grain: str = "year",
        leaver_share: float = 0.0,
        retention: Mapping[int, float] | None = None,
        samples: int | None = None,
        seed: int | None = None,
        levels: Sequence[float] | float | None = None,
        intervals: str | None = None,
    ) -> Projection:
        """Project children in care forward, optionally with prediction intervals.

        Parameters
        ----------
        years : int
            Years ahead, 1 to 25.
        base_year : int, optional
            31 March to start from (default: the model's).
        admissions : str or mapping, optional
            How admissions move forward: a name of :data:`ADMISSIONS_METHODS` or a mapping
            with ``method`` and that method's parameters (e.g. ``{"method": "anchored",
            "phi": 0.5}``), checked by the core. ``trend`` needs two observed years up to
            the base year. The default (None) is the one the national backtest of every
            council chose for this dataset (:meth:`default_admissions`): for a council of
            the DfE panel (``dfe:`` datasets) the regional default ``anchored_revert_reg``
            (the stock carried forward at its region's damped growth shrunk towards
            England's, with its rate per child reverting towards its region's); for any
            other dataset :data:`DEFAULT_ADMISSIONS` (``anchored``: England's damped
            growth, damping 0.8). Both run from any base year; where the regional one
            cannot run, England's stands in and the projection's notes say why.
        k : int
            Years averaged by ``mean`` (admissions and discharges).
        population : mapping of int to float, optional
            Children aged 0-17 by year (31 March), for ``admissions="rate"``; must cover
            the base year and every projected year (ignored by the other methods). Also
            accepted: a pandas Series indexed by year, a two-column array or DataFrame, or
            a list of ``(year, count)`` pairs; keys of any integer or whole-valued float
            dtype.
        discharges : str or mapping
            A name of :data:`DISCHARGE_METHODS` or a mapping with ``method`` and
            parameters: ``last`` (rates held at the base year), ``mean`` (of the last ``k``
            years) or ``regularised`` (pooled over years and shrunk towards all bands'
            rate), the core's default :data:`DEFAULT_DISCHARGES`.
        bands : str or list of str, optional
            Output band scheme: ``dfe``, ``cost``, ``all`` or a list of labels covering
            0-17. Default: the published tables' scheme (``all`` where only totals exist).
        grain : {"year", "quarter", "month"}
            Output periods.
        leaver_share : float
            Share of discharges at 16-17 who become care leavers.
        retention : mapping of int to float, optional
            Fraction of care leavers kept on reaching each age 18-25 (default 1); the
            same shapes as ``population`` are accepted.
        samples : int, optional
            Monte Carlo paths (1 to :data:`MAX_SAMPLES`). ``None`` (default): the
            deterministic projection only. With paths, the long frame gains ``mean``,
            ``median`` and ``lower_<L>``, ``upper_<L>`` columns per level; ``value`` stays
            the deterministic projection.
        seed : int, optional
            Seed of the paths (default :data:`DEFAULT_SEED` = 0): the same seed gives the
            same intervals on any machine.
        levels : sequence of float, optional
            Central interval levels in percent, each from 1 to below 100; default
            :data:`DEFAULT_LEVELS` = (80, 90) with paths, i.e. quantiles 5, 10, 90, 95
            with the median; :data:`CALIBRATED_LEVELS` = (80, 95) for calibrated
            intervals (the only levels they are stored for). A level below 1 is refused as
            a likely fraction (``0.8`` for 80%); at most :data:`MAX_LEVELS` (20) levels,
            none two that share a column label.
        intervals : {"calibrated", "monte_carlo"}, optional
            Kind of interval. ``None`` (default): Monte Carlo when ``samples`` is given;
            calibrated when only ``levels`` is given and the assumptions are the
            default's; none otherwise. ``"calibrated"``: the stock's intervals one to
            five years ahead from the national backtest's errors of the default method at
            each horizon (``carecast::national::calibrated_intervals``), for the total and
            each band, yearly grain only; with another assumption they are the default's
            errors applied to it, an approximation. The frame then carries ``median``
            (the calibrated median: the projection times the backtest's median error),
            ``lower_<L>``, ``upper_<L>``; ``value`` stays the point projection, the
            central value the intervals are built around. ``"monte_carlo"`` needs
            ``samples``.

        Returns
        -------
        Projection

        Raises
        ------
        ArgumentError
            If an argument is out of range or of the wrong kind; the message names it and
            the value given.
        ModelError
            If the data do not support the assumption (e.g. ``trend`` from one year).

        Warns
        -----
        CarecastWarning
            For each warning the core notes on the projection (a total moving more than
            its documented factor from the base year's, see :attr:`Projection.warnings`).

        Examples
        --------
        >>> import carecast
        >>> m = carecast.CohortModel.fit("derbyshire")
        >>> p = m.project(years=5, admissions="held", discharges="last")
        >>> p
        <Projection of 'derbyshire' from 31 March 2017, 5 years; admissions held, discharges last>
        >>> m.project(years=3).assumptions["admissions"]["method"]
        'anchored'
        >>> cal = m.project(years=3, levels=[80, 95]).to_pandas()
        >>> t = cal[(cal.band == "all") & (cal.measure == "stock")]
        >>> bool((t.lower_95 < t.lower_80).all() and (t.lower_80 < t.value).all())
        True
        >>> p.to_wide().index.tolist()
        ['2017/18', '2018/19', '2019/20', '2020/21', '2021/22']
        >>> iv = m.project(years=2, samples=500, seed=3, levels=[80]).to_pandas()
        >>> iv.columns.tolist()
        ['year', 'period', 'band', 'measure', 'value', 'mean', 'median', 'lower_80', 'upper_80']
        >>> m.project(years=-1)
        Traceback (most recent call last):
        ...
        carecast._carecast.ArgumentError: invalid argument `years` = -1: must be 1 to 25
        """
        years = _v.integer("years", years, lo=1, hi=MAX_YEARS)
        base = self.base_year if base_year is None else _year("base_year", base_year)
        k = _v.integer("k", k, lo=1, hi=100)
        # The dataset's default (worked out from every council's figures for a dfe:
        # council) only where it is needed: no admissions given, or calibrated levels.
        needs_default = admissions is None or (
            levels is not None and samples is None and intervals is None
        )
        default = self.default_admissions(base) if needs_default else None
        notes: list[str] = []
        if admissions is None and default is not None:
            adm = dict(default["admissions"])
            notes = [] if default["note"] is None else [default["note"]]
        else:
            adm = _assumption("admissions", admissions, ADMISSIONS_METHODS, DEFAULT_ADMISSIONS_SPEC)
        if adm["method"] == "mean" and isinstance(admissions, str):
            adm["k"] = k
        if adm["method"] == "rate" and population is None and "population" not in adm:
            _v.fail(
                "population", None, "children aged 0-17 by year are needed for admissions='rate'"
            )
        if population is not None:
            # Checked whatever the method, so a bad table is caught; used only by ``rate``.
            pop = _v.pairs("population", population, key="year", keys=YEARS, values=(0, None))
            if adm["method"] == "rate":
                adm["population"] = pop
        dis = _assumption("discharges", discharges, DISCHARGE_METHODS, DEFAULT_DISCHARGES_SPEC)
        if dis["method"] == "mean" and isinstance(discharges, str):
            dis["k"] = k
        # The native projection options (one mapping for `project` and `simulate`).
        options: dict[str, Any] = {
            "base_year": base,
            "years": years,
            "admissions": adm,
            "discharges": dis,
            "bands": self._bands(bands),
            "leaver_share": _v.number("leaver_share", leaver_share, lo=0, hi=1),
            "retention": _v.pairs("retention", retention, key="age", keys=(18, 25), values=(0, 1)),
            "grain": _v.choice("grain", grain, GRAINS),
        }
        if intervals is not None:
            _v.choice("intervals", intervals, INTERVALS)
        elif samples is not None:
            intervals = "monte_carlo"
        elif levels is not None:
            default = default or self.default_admissions(base)
            if adm != default["admissions"] or dis != DEFAULT_DISCHARGES_SPEC:
                raise ArgumentError(
                    "`levels` without `samples` gives intervals calibrated on the dataset's "
                    f"default method ({default['method']}: admissions "
                    f"{default['admissions']['method']} as the default sets them, "
                    f"{DEFAULT_DISCHARGES} discharges); for this assumption give `samples` "
                    "(Monte Carlo paths), or intervals='calibrated' to apply the default's "
                    "errors anyway"
                )
            intervals = "calibrated"
        if intervals == "calibrated":
            if samples is not None or seed is not None:
                raise ArgumentError(
                    "calibrated intervals take no `samples` or `seed` (they come from the "
                    "national backtest's errors, not from paths)"
                )
            if options["grain"] != "year":
                raise ArgumentError(
                    "calibrated intervals are for the yearly stock: use grain='year'"
                )
            lv = [float(x) for x in CALIBRATED_LEVELS] if levels is None else _levels(levels)
            native = self._native.project(options)
            if not lv:
                # `Projection` reads no levels as no calibration, so the core's check
                # (which refuses an empty list with its ArgumentError) runs here.
                native.calibrated(lv)
                raise ArgumentError("`levels` needs at least one level, e.g. [80, 95]")
            out = Projection(native, lv, notes)
        elif intervals == "monte_carlo":
            if samples is None:
                raise ArgumentError("intervals='monte_carlo' needs `samples` (the number of paths)")
            sim = self._native.simulate(options, _samples(samples), _seed(seed), _levels(levels))
            out = Projection(sim, notes=notes)
        else:
            if seed is not None:
                raise ArgumentError("`seed` needs `samples` (the number of Monte Carlo paths)")
            out = Projection(self._native.project(options), notes=notes)
        for w in out.warnings:
            warnings.warn(w, CarecastWarning, stacklevel=2)
        return out

    def _bands(self, bands: Any) -> list[str]:
        if bands is None:
            return [self._native.scheme()]
        if isinstance(bands, str):
            return [bands]
        if isinstance(bands, (pd.Series, np.ndarray)):
            bands = bands.tolist()
        if not isinstance(bands, Sequence) or not bands:
            _v.fail(
                "bands",
                bands,
                "expected a scheme name (dfe, cost, all) or a list of band labels such as "
                "['under 1', '1-4', '5-9', '10-15', '16-17']",
            )
        return [_v.text("bands", b) for b in bands]

    def __repr__(self) -> str:
        return f"<CohortModel of {self.dataset!r}, base year {self.base_year}>"

    def _repr_html_(self) -> str:
        return html_block(repr(self), self.notes, self.calibration().round(3))


def _assumption(
    name: str, value: Any, methods: Sequence[str], default: Mapping[str, Any]
) -> dict[str, Any]:
    """Return an assumption as the core reads it, from a method name or a mapping.

    The default method's name gives the core's default mapping (its parameters included);
    a mapping is passed on for the core to check its keys.
    """
    if isinstance(value, Mapping):
        spec = {str(key): v for key, v in value.items()}
        if "method" not in spec:
            _v.fail(name, value, "a mapping needs `method`, e.g. {'method': 'anchored'}")
        _v.choice(name, spec["method"], methods)
        return spec
    _v.choice(name, value, methods)
    if value == default["method"]:
        return dict(default)
    return {"method": value}


def project_care_leavers(
    base_year: int,
    opening: Mapping[int, float],
    inflow: Mapping[int, float],
    retention: Mapping[int, float] | None = None,
) -> pd.DataFrame:
    """Carry care-leaver cohorts forward to age 25.

    Each year every cohort moves up one year of age (times ``retention`` of the age it
    reaches) and the youngest age of ``opening`` is filled from ``inflow``.

    Parameters
    ----------
    base_year : int
        The 31 March of ``opening`` (calendar year).
    opening : mapping of int to float
        Count by age at 31 March of ``base_year`` (consecutive ages, within 16-25).
        Also accepted: a pandas Series indexed by age, a two-column array or DataFrame, or
        a list of ``(age, count)`` pairs, with keys of any integer or whole-valued float
        dtype (``19.0`` is age 19).
    inflow : mapping of int to float
        Year -> new care leavers at the youngest age, for each projected year in order
        (the same shapes as ``opening``).
    retention : mapping of int to float, optional
        Age -> fraction kept on reaching that age (default 1).

    Returns
    -------
    pandas.DataFrame
        Columns ``year``, ``age``, ``value`` (the base year and each projected year).

    Examples
    --------
    >>> opening = {19: 84, 20: 92, 21: 94, 22: 110, 23: 80, 24: 74, 25: 74}
    >>> df = project_care_leavers(2017, opening, {2018: 92, 2019: 87, 2020: 85, 2021: 88})
    >>> df.groupby("year")["value"].sum().tolist()
    [608.0, 626.0, 639.0, 644.0, 622.0]

    A pandas Series (here of a float dtype, as read from a spreadsheet) works as well:

    >>> import pandas as pd
    >>> ages = pd.Series([84.0, 92.0], index=[19.0, 20.0])
    >>> project_care_leavers(2017, ages, pd.Series([92.0], index=[2018])).value.tolist()
    [84.0, 92.0, 92.0, 84.0]
    """
    cols = _carecast.project_care_leavers(
        _year("base_year", base_year),
        _v.pairs(
            "opening", opening, key="age", keys=LEAVER_AGES, values=(0, None), allow_empty=False
        ),
        _v.pairs("inflow", inflow, key="year", keys=YEARS, values=(0, None), allow_empty=False),
        _v.pairs("retention", retention, key="age", keys=LEAVER_AGES, values=(0, 1)),
    )
    return pd.DataFrame(cols, columns=["year", "age", "value"])
