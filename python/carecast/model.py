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
"""

from __future__ import annotations

import json
import numbers
from collections.abc import Mapping
from typing import Any

import pandas as pd

from carecast import _carecast
from carecast._carecast import ArgumentError
from carecast._frames import html_block
from carecast.datasets import Dataset, load

__all__ = ["CohortModel", "Projection", "project_care_leavers", "ADMISSIONS_METHODS"]

#: Admissions assumptions: ``held``, ``mean`` (last ``k`` years), ``trend`` (log-linear
#: Poisson), ``rate`` (per 10,000 children times ``population``).
ADMISSIONS_METHODS = ("held", "mean", "trend", "rate")
DISCHARGE_METHODS = ("last", "mean")


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
    """A projection: long rows (year, period, band, measure, value) and its assumptions."""

    COLUMNS = ["year", "period", "band", "measure", "value"]

    def __init__(self, data: dict[str, Any]) -> None:
        self._data = data

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
        df = pd.DataFrame(self._data["rows"], columns=self.COLUMNS)
        df["value"] = df["value"].astype("float64")
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
        admissions: str = "held",
        k: int = 3,
        population: Mapping[int, float] | None = None,
        discharges: str = "last",
        bands: str | list[str] | None = None,
        grain: str = "year",
        leaver_share: float = 0.0,
        retention: Mapping[int, float] | None = None,
    ) -> Projection:
        """Project children in care forward.

        Parameters
        ----------
        years : int
            Years ahead, 1 to 25.
        base_year : int, optional
            31 March to start from (default: the model's).
        admissions : {"held", "mean", "trend", "rate"}
            How admissions move forward (see :data:`ADMISSIONS_METHODS`).
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
        out = _carecast.project(
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
