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
>>> p.assumptions["admissions"]["method"]
'trend'
>>> iv = m.project(years=3, samples=200, seed=1, levels=[80, 95]).to_pandas()
>>> iv.columns.tolist()[5:]
['mean', 'median', 'lower_80', 'upper_80', 'lower_95', 'upper_95']
>>> s = iv[(iv.band == "all") & (iv.measure == "stock")]
>>> bool((s.lower_95 <= s.lower_80).all() and (s.lower_80 <= s.upper_80).all())
True
"""

from __future__ import annotations

import json
import numbers
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from carecast import _carecast
from carecast._carecast import ArgumentError
from carecast._frames import html_block
from carecast.datasets import Dataset, load

__all__ = [
    "CohortModel",
    "Projection",
    "project_care_leavers",
    "ADMISSIONS_METHODS",
    "DEFAULT_ADMISSIONS",
    "DEFAULT_LEVELS",
    "DEFAULT_SEED",
    "MAX_SAMPLES",
]

#: Admissions assumptions: ``held``, ``mean`` (last ``k`` years), ``trend`` (log-linear
#: Poisson), ``rate`` (per 10,000 children times ``population``).
ADMISSIONS_METHODS = ("held", "mean", "trend", "rate")
DISCHARGE_METHODS = ("last", "mean")
#: The default admissions assumption: the method the rolling-origin backtests of the bundled
#: data favour (see :func:`carecast.backtest.choose_default`).
DEFAULT_ADMISSIONS = "trend"
#: Default interval levels (percent): with the median, the quantiles 5, 10, 50, 90 and 95.
DEFAULT_LEVELS = (80, 90)
#: Default seed of Monte Carlo paths (fixed, so results are reproducible by default).
DEFAULT_SEED = 0
#: The most Monte Carlo paths one call may ask for.
MAX_SAMPLES = 100_000


def level_label(level: float) -> str:
    """Column suffix of an interval level: ``80`` for 80, ``97.5`` for 97.5."""
    return f"{float(level):g}"


def _levels(levels: Any) -> list[float]:
    if levels is None:
        return [float(x) for x in DEFAULT_LEVELS]
    if isinstance(levels, (str, bytes)) or not hasattr(levels, "__iter__"):
        levels = [levels]
    out = [_number("levels", v) for v in levels]
    if not out:
        raise ArgumentError(
            "invalid argument `levels` = []: give at least one level (percent, e.g. [80, 95]); "
            "the median is always reported"
        )
    for v in out:
        if not 0 < v < 100:
            raise ArgumentError(
                f"invalid argument `levels` = {v:g}: each level is a percentage strictly "
                "between 0 and 100"
            )
    return out


def _samples(samples: Any) -> int:
    n = _integer("samples", samples)
    if not 1 <= n <= MAX_SAMPLES:
        raise ArgumentError(f"invalid argument `samples` = {n}: must be 1 to {MAX_SAMPLES}")
    return n


def _seed(seed: Any) -> int:
    if seed is None:
        return DEFAULT_SEED
    s = _integer("seed", seed)
    if not 0 <= s < 2**64:
        raise ArgumentError(f"invalid argument `seed` = {s}: must be 0 to 2**64 - 1")
    return s


def _number(name: str, v: Any) -> float:
    if isinstance(v, bool) or not isinstance(v, numbers.Real):
        raise ArgumentError(f"`{name}` must be a number, not {v!r} ({type(v).__name__})")
    return float(v)


def _integer(name: str, v: Any) -> int:
    if isinstance(v, bool) or not isinstance(v, numbers.Integral):
        raise ArgumentError(f"`{name}` must be a whole number, not {v!r} ({type(v).__name__})")
    return int(v)


def _pairs(name: str, m: Mapping[Any, Any] | None) -> list[tuple[int, float]]:
    if m is None:
        return []
    if isinstance(m, pd.Series):
        m = m.to_dict()
    if not isinstance(m, Mapping):
        raise ArgumentError(f"`{name}` must be a mapping (e.g. a dict), not {type(m).__name__}")
    return [(_integer(f"{name} key", k), _number(f"{name}[{k}]", v)) for k, v in m.items()]


class Projection:
    """A projection: long rows (year, period, band, measure, value) and its assumptions.

    A Monte Carlo projection (``samples=`` given to :meth:`CohortModel.project`) also has
    ``mean``, ``median`` and ``lower_<L>`` / ``upper_<L>`` columns for each level ``L``.
    """

    COLUMNS = ["year", "period", "band", "measure", "value"]

    def __init__(self, data: dict[str, Any]) -> None:
        self._data = data

    @property
    def levels(self) -> list[float]:
        """Interval levels (percent); empty for a deterministic projection."""
        return [float(v) for v in self._data.get("levels", [])]

    @property
    def uncertainty(self) -> dict[str, Any] | None:
        """What the Monte Carlo paths drew from (``None`` for a deterministic projection)."""
        u = self._data.get("uncertainty")
        return None if u is None else dict(u)

    @property
    def assumptions(self) -> dict[str, Any]:
        """The assumptions that made the projection."""
        return dict(self._data["assumptions"])

    def to_pandas(self) -> pd.DataFrame:
        """Return the projection in long form.

        Returns
        -------
        pandas.DataFrame
            Columns ``year``, ``period``, ``band``, ``measure``, ``value``. Measures:
            ``opening``, ``admissions``, ``discharges``, ``ageing_in``, ``ageing_out``,
            ``leavers_18``, ``stock`` (closing) and ``care_leavers`` (bands ``18``..``25``
            and ``all``). Values are expected counts, not rounded.
        """
        rows = self._data["rows"]
        if "uncertainty" not in self._data:
            df = pd.DataFrame(rows, columns=self.COLUMNS)
            df["value"] = df["value"].astype("float64")
            return df
        cols: dict[str, Any] = {c: [r[c] for r in rows] for c in self.COLUMNS}
        cols["mean"] = [r["mean"] for r in rows]
        cols["median"] = [r["median"] for r in rows]
        for i, lv in enumerate(self.levels):
            cols[f"lower_{level_label(lv)}"] = [r["lower"][i] for r in rows]
            cols[f"upper_{level_label(lv)}"] = [r["upper"][i] for r in rows]
        df = pd.DataFrame(cols)
        for c in df.columns[4:]:
            df[c] = df[c].astype("float64")
        return df

    def to_wide(self, measure: str = "stock") -> pd.DataFrame:
        """Pivot one measure to periods by bands (the shape councils publish)."""
        df = self.to_pandas()
        df = df[df["measure"] == measure]
        return df.pivot_table(index="period", columns="band", values="value", sort=False)

    def __repr__(self) -> str:
        a = self._data["assumptions"]
        return (
            f"<Projection of {a['dataset']!r} from 31 March {a['base_year']}, {a['years']} years; "
            f"admissions {a['admissions']['method']}, discharges {a['discharges']['method']}>"
        )

    def _repr_html_(self) -> str:
        a = self._data["assumptions"]
        lines = [f"{k}: {a[k]}" for k in ("admissions", "discharges", "spread", "output_bands")]
        lines += list(a["notes"])
        u = self.uncertainty
        if u is not None:
            lines.append(
                f"Monte Carlo: {u['samples']} paths, seed {u['seed']}, levels "
                + ", ".join(level_label(v) for v in self.levels)
            )
            lines += list(u["notes"])
        return html_block(repr(self), lines, self.to_wide().round(1).reset_index())


class CohortModel:
    """A cohort-component model of children in care, fitted to published tables.

    Use :meth:`fit`. The state is kept on single months of age and stepped monthly;
    see the ``carecast::methodology`` module of the core crate for the equations.
    """

    def __init__(self, data: dict[str, Any], base_year: int) -> None:
        self._data = data
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
        """
        ds = dataset if isinstance(dataset, Dataset) else load(dataset)
        data = json.loads(_carecast.fit(ds.to_json()))
        years = [int(y.split("/")[0]) + 1 for y in {b["year"] for b in data["bands"]}]
        last = max(years)
        if base_year is None:
            base_year = last
        base_year = _integer("base_year", base_year)
        if base_year not in years:
            raise ArgumentError(
                f"invalid argument `base_year` = {base_year}: must end an observed year of "
                f"{ds.name}: one of {sorted(years)}"
            )
        return cls(data, base_year)

    @property
    def dataset(self) -> str:
        """Name of the dataset the model was fitted to."""
        return str(self._data["history"]["dataset"])

    @property
    def notes(self) -> list[str]:
        """Where the data came from and what was assumed."""
        return list(self._data["history"]["notes"])

    @property
    def tilts(self) -> dict[str, float]:
        """Within-band age tilt per band (0 = uniform; negative = younger ages weigh more)."""
        labels = [b["band"] for b in self._data["bands"][: len(self._data["tilts"])]]
        return dict(zip(labels, self._data["tilts"], strict=True))

    def calibration(self) -> pd.DataFrame:
        """Return the fitted against published closing stock, by year and band.

        Returns
        -------
        pandas.DataFrame
            One row per year and band: published opening, admissions and closing, the
            fitted closing, the difference, the annual discharge rate, implied discharges
            and ageing flows.
        """
        df = pd.DataFrame(self._data["bands"])
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
        return pd.DataFrame(self._data["discharges"])

    def project(
        self,
        years: int = 10,
        *,
        base_year: int | None = None,
        admissions: str = DEFAULT_ADMISSIONS,
        k: int = 3,
        population: Mapping[int, float] | None = None,
        discharges: str = "last",
        bands: str | list[str] | None = None,
        grain: str = "year",
        leaver_share: float = 0.0,
        retention: Mapping[int, float] | None = None,
        samples: int | None = None,
        seed: int | None = None,
        levels: Sequence[float] | float | None = None,
    ) -> Projection:
        """Project children in care forward, optionally with prediction intervals.

        Parameters
        ----------
        years : int
            Years ahead, 1 to 25.
        base_year : int, optional
            31 March to start from (default: the model's).
        admissions : {"trend", "held", "mean", "rate"}
            How admissions move forward (see :data:`ADMISSIONS_METHODS`). The default,
            ``trend``, is the method the rolling-origin backtests of the bundled data favour
            (:func:`carecast.backtest.choose_default`); it needs two observed years up to
            the base year (use ``held`` otherwise).
        k : int
            Years averaged by ``mean`` (admissions and discharges).
        population : mapping of int to float, optional
            Children aged 0-17 by year (31 March), for ``admissions="rate"``; must cover
            the base year and every projected year.
        discharges : {"last", "mean"}
            Discharge rates held at the base year, or the mean of the last ``k`` years.
        bands : str or list of str, optional
            Output band scheme: ``dfe``, ``cost``, ``all`` or a list of labels covering
            0-17. Default: the published tables' scheme (``all`` where only totals exist).
        grain : {"year", "quarter", "month"}
            Output periods.
        leaver_share : float
            Share of discharges at 16-17 who become care leavers.
        retention : mapping of int to float, optional
            Fraction of care leavers kept on reaching each age 18-25 (default 1).
        samples : int, optional
            Monte Carlo paths (1 to :data:`MAX_SAMPLES`). ``None`` (default): the
            deterministic projection only. With paths, the long frame gains ``mean``,
            ``median`` and ``lower_<L>``, ``upper_<L>`` columns per level; ``value`` stays
            the deterministic projection.
        seed : int, optional
            Seed of the paths (default :data:`DEFAULT_SEED` = 0): the same seed gives the
            same intervals on any machine.
        levels : sequence of float, optional
            Central interval levels in percent, each in (0, 100), at least one; default
            :data:`DEFAULT_LEVELS` = (80, 90), i.e. quantiles 5, 10, 90, 95 with the median.

        Returns
        -------
        Projection
        """
        years = _integer("years", years)
        base = self.base_year if base_year is None else _integer("base_year", base_year)
        if admissions not in ADMISSIONS_METHODS:
            raise ArgumentError(
                f"invalid argument `admissions` = {admissions!r}: one of {ADMISSIONS_METHODS}"
            )
        if discharges not in DISCHARGE_METHODS:
            raise ArgumentError(
                f"invalid argument `discharges` = {discharges!r}: one of {DISCHARGE_METHODS}"
            )
        k = _integer("k", k)
        adm: dict[str, Any] = {"method": admissions}
        if admissions == "mean":
            adm["k"] = k
        if admissions == "rate":
            if population is None:
                raise ArgumentError("`population` is needed for admissions='rate'")
            adm["population"] = _pairs("population", population)
        dis: dict[str, Any] = {"method": discharges}
        if discharges == "mean":
            dis["k"] = k
        if bands is None:
            bands = str(self._data["history"]["scheme"]["name"])
        band_list = [bands] if isinstance(bands, str) else [str(b) for b in bands]
        args = (
            json.dumps(self._data),
            base,
            years,
            json.dumps(adm),
            json.dumps(dis),
            band_list,
            _number("leaver_share", leaver_share),
            _pairs("retention", retention),
            str(grain),
        )
        if samples is None:
            if seed is not None or levels is not None:
                raise ArgumentError(
                    "`seed` and `levels` need `samples` (the number of Monte Carlo paths)"
                )
            return Projection(json.loads(_carecast.project(*args)))
        out = _carecast.simulate(*args, "[]", _samples(samples), _seed(seed), _levels(levels))
        return Projection(json.loads(out))

    def __repr__(self) -> str:
        return f"<CohortModel of {self.dataset!r}, base year {self.base_year}>"

    def _repr_html_(self) -> str:
        return html_block(repr(self), self.notes, self.calibration().round(3))


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
    inflow : mapping of int to float
        Year -> new care leavers at the youngest age, for each projected year in order.
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
    """
    rows = _carecast.project_care_leavers(
        _integer("base_year", base_year),
        _pairs("opening", opening),
        _pairs("inflow", inflow),
        _pairs("retention", retention),
    )
    return pd.DataFrame(rows, columns=["year", "age", "value"]).astype({"value": "float64"})
