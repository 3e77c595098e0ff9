"""Placements by type, in-house capacity against the external market, spend, and scenarios.

The cohort model says how many children will be in care; this module says where they
will live, how many of them the council can place itself, how many it must buy, and at
what cost. See the ``carecast::market`` and ``carecast::scenario`` modules of the core
crate for the method.

Examples
--------
>>> import carecast
>>> p = carecast.placements("derbyshire", years=5)
>>> round(p.value("2016/17", "ifa", "placements"))  # published at 31 March 2017
134
>>> s = carecast.Scenario.from_toml('''
... name = "Recruit 60"
... dataset = "derbyshire"
... years = 3
... [[levers]]
... kind = "foster_recruitment"
... households = 60
... ''')
>>> c = s.run()
>>> bool(c.difference("2018/19", "all", "spend") < 0)
True
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from carecast import _carecast, _text
from carecast import _validate as _v
from carecast._carecast import ArgumentError, ScenarioError
from carecast._frames import html_block
from carecast.datasets import Dataset, load
from carecast.model import (
    DEFAULT_ADMISSIONS,
    DEFAULT_ADMISSIONS_SPEC,
    DEFAULT_DISCHARGES,
    DEFAULT_DISCHARGES_SPEC,
    MAX_YEARS,
    CohortModel,
    Projection,
    _levels,
    _samples,
    _seed,
    _year,
    level_label,
)

__all__ = [
    "Placements",
    "Scenario",
    "Comparison",
    "placements",
    "reconcile_spend",
    "usage_estimates",
    "unit_costs",
    "MIX_METHODS",
    "MARKET_ADMISSIONS_METHODS",
    "MARKET_DISCHARGE_METHODS",
]

#: Admissions assumptions :func:`placements` accepts: the core's default
#: (:data:`carecast.model.DEFAULT_ADMISSIONS`, ``anchored``), ``held``, ``mean`` and ``trend``.
MARKET_ADMISSIONS_METHODS: tuple[str, ...] = tuple(
    dict.fromkeys((DEFAULT_ADMISSIONS, "held", "mean", "trend"))
)
#: Discharge-rate assumptions :func:`placements` accepts: the core's default
#: (:data:`carecast.model.DEFAULT_DISCHARGES`, ``regularised``), ``last`` and ``mean``.
MARKET_DISCHARGE_METHODS: tuple[str, ...] = tuple(
    dict.fromkeys((DEFAULT_DISCHARGES, "last", "mean"))
)
#: Placement-mix assumptions: ``held`` (the base date), ``mean`` (last ``k`` dates),
#: ``trend`` (a straight line through the shares, cut at zero and rescaled).
MIX_METHODS = ("held", "mean", "trend")

_COLUMNS = ["year", "placement", "measure", "value"]


def _model(source: str | Dataset | CohortModel) -> CohortModel:
    """Return the fitted model of ``source`` (a model carries its own dataset, read as is)."""
    if isinstance(source, CohortModel):
        return source
    ds = source if isinstance(source, Dataset) else load(source)
    return CohortModel.fit(ds)


#: Placement type codes, as the core crate names them.
PLACEMENT_TYPES: tuple[str, ...] = tuple(_carecast.placement_types())

_UNIT_COST_KEYS = ("placement", "band", "annual", "price_year", "source")


def _method(
    name: str,
    value: str,
    allowed: Sequence[str],
    k: Any,
    k_name: str,
    default: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    _v.choice(name, value, allowed)
    if default is not None and value == default["method"]:
        # The core's default, with its parameters (as CohortModel.project passes it).
        return dict(default)
    out: dict[str, Any] = {"method": value}
    if value == "mean":
        out["k"] = _v.integer(k_name, k, lo=1, hi=100)
    return out


def _unit_costs(unit_costs: Sequence[Mapping[str, Any]] | None) -> list[dict[str, Any]]:
    if unit_costs is None:
        return []
    if isinstance(unit_costs, (Mapping, str, bytes)) or not hasattr(unit_costs, "__iter__"):
        raise ArgumentError(
            "`unit_costs` must be a list of mappings with keys placement, annual, price_year "
            f"(and optionally band, source), not {type(unit_costs).__name__}"
        )
    out = []
    for i, c in enumerate(unit_costs):
        if not isinstance(c, Mapping):
            raise ArgumentError(f"`unit_costs[{i}]` must be a mapping, not {type(c).__name__}")
        d = dict(c)
        for key in ("placement", "annual", "price_year"):
            if key not in d:
                raise ArgumentError(f"`unit_costs[{i}]` needs `{key}`")
        unknown = sorted(set(d) - set(_UNIT_COST_KEYS))
        if unknown:
            raise ArgumentError(
                f"`unit_costs[{i}]` has unknown key(s) {unknown}: the keys are {_UNIT_COST_KEYS}"
            )
        _v.choice(f"unit_costs[{i}].placement", d["placement"], PLACEMENT_TYPES)
        d["annual"] = _v.number(f"unit_costs[{i}].annual", d["annual"], lo=0)
        d["price_year"] = _year(f"unit_costs[{i}].price_year", d["price_year"])
        if d.get("band") is not None and not isinstance(d["band"], str):
            raise ArgumentError(
                f"invalid argument `unit_costs[{i}].band` = {d['band']!r}: a cost band such "
                "as '0-1', '2-4', '5-10', '11-15' or '16+'"
            )
        if "source" in d:
            d["source"] = str(d["source"])
        out.append(d)
    return out


def _inputs(
    source: str | Dataset | CohortModel, base_year: Any
) -> tuple[CohortModel, int, _carecast.Inputs]:
    model = _model(source)
    base = model.base_year if base_year is None else _year("base_year", base_year)
    return model, base, _carecast.market_inputs(model._native, base)


def unit_costs(source: str | Dataset | CohortModel) -> list[dict[str, Any]]:
    """Return the unit costs a dataset publishes, to borrow them for another council.

    Returns
    -------
    list of dict
        ``placement``, ``band`` (a cost band or None), ``annual`` (pounds a year),
        ``price_year`` and ``source``; ready for ``unit_costs=`` of :func:`placements`.

    Examples
    --------
    >>> ifa = [c for c in unit_costs("derbyshire") if c["placement"] == "ifa"]
    >>> ifa[0]["annual"], ifa[0]["price_year"]
    (44000.0, 2017)
    """
    _, _, inputs = _inputs(source, None)
    return list(inputs.unit_costs())


class Placements:
    """Placements by type, capacity, the external market and spend, by year.

    Made by :func:`placements`. The first year is the base year, holding its published
    31 March counts; spend starts with the first projected year.
    """

    def __init__(self, native: _carecast.Placements, notes: Sequence[str] = ()) -> None:
        self._native = native
        # Notes of the Python layer (why the default admissions are what they are).
        self._notes = [str(n) for n in notes]
        self._assumptions: dict[str, Any] = native.assumptions()
        if self._notes:
            self._assumptions["notes"] = [*self._assumptions["notes"], *self._notes]

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self._native, self._notes))

    @property
    def assumptions(self) -> dict[str, Any]:
        """What was assumed: mix method and dates, unit costs, inflation, levers, notes."""
        return dict(self._assumptions)

    @property
    def notes(self) -> list[str]:
        """Notes on what was read and assumed."""
        return list(self._assumptions["notes"])

    @property
    def projection(self) -> Projection:
        """The projection of children in care beneath (on the fine age bands)."""
        return Projection(self._native.projection(), notes=self._notes)

    @property
    def levels(self) -> list[float]:
        """Interval levels (percent), empty without ``samples``."""
        return list(self._native.levels)

    def to_pandas(self) -> pd.DataFrame:
        """Return the rows in long form.

        Returns
        -------
        pandas.DataFrame
            Columns ``year``, ``placement``, ``measure``, ``value``. By placement type:
            ``placements`` (children at 31 March) and ``spend`` (pounds in the year). By
            pool (``fostering``, ``residential``): ``demand``, ``capacity`` (children the
            council can place in-house), ``places`` (approved places or beds),
            ``in_house``, ``external``, ``in_house_share`` (percent); for fostering
            also ``households``, ``contract_carers`` and ``utilisation`` (percent of
            approved places filled) where published; ``target_<measure>`` for each of
            the council's own targets. For ``all``: ``children``, ``spend``,
            ``within_20_miles_share`` and ``target_within_20_miles_share``. With
            ``samples=``, also ``mean``, ``median``, ``lower_<L>`` and ``upper_<L>`` for
            each level ``L`` (``value`` stays the deterministic figure).
        """
        df = pd.DataFrame(self._native.columns(), columns=_COLUMNS)
        df["value"] = df["value"].astype("float64")
        iv = self._native.interval_columns()
        if iv is None:
            return df
        cols: dict[str, Any] = {
            "year": iv["year"],
            "placement": iv["band"],
            "measure": iv["measure"],
            "mean": iv["mean"],
            "median": iv["median"],
        }
        for i, lv in enumerate(self.levels):
            cols[f"lower_{level_label(lv)}"] = iv[f"lower_{i}"]
            cols[f"upper_{level_label(lv)}"] = iv[f"upper_{i}"]
        extra = pd.DataFrame(cols)
        return df.merge(extra, on=["year", "placement", "measure"], how="left")

    def to_wide(self, measure: str = "placements") -> pd.DataFrame:
        """Pivot one measure to years by placement type (the shape of a market statement)."""
        df = self.to_pandas()
        known = sorted(df["measure"].unique())
        if measure not in known:
            raise ArgumentError(f"invalid argument `measure` = {measure!r}: one of {known}")
        df = df[df["measure"] == measure]
        return df.pivot_table(index="year", columns="placement", values="value", sort=False)

    def value(self, year: str, placement: str, measure: str) -> float:
        """One number, e.g. ``value("2018/19", "ifa", "placements")``."""
        v = self._native.value(str(year), str(placement), str(measure))
        if v is not None:
            return v
        raise ArgumentError(
            f"no row for year {year!r}, placement {placement!r}, measure {measure!r}"
        )

    def __repr__(self) -> str:
        a = self._assumptions
        years = sorted(set(self._native.columns()["year"]))
        return (
            f"<Placements {years[0]} to {years[-1]}; mix {a['mix']['method']}, "
            f"inflation {a['inflation']}%>"
        )

    def _repr_html_(self) -> str:
        return html_block(repr(self), self.notes, self.to_wide().round(1).reset_index())


def placements(
    source: str | Dataset | CohortModel,
    years: int = 5,
    *,
    base_year: int | None = None,
    admissions: str | None = None,
    discharges: str = DEFAULT_DISCHARGES,
    k: int = 3,
    mix: str = "held",
    mix_k: int = 3,
    inflation: float = 0.0,
    unit_costs: Sequence[Mapping[str, Any]] | None = None,
    samples: int | None = None,
    seed: int | None = None,
    levels: Sequence[float] | None = None,
) -> Placements:
    """Project placements by type, in-house against external, and spend.

    Parameters
    ----------
    source : str, Dataset or CohortModel
        A bundled dataset name, a folder, a loaded dataset or a fitted model.
    years : int
        Years ahead, 1 to 25.
    base_year : int, optional
        31 March to start from (default: the last observed).
    admissions, discharges, k
        The projection's assumptions, as in :meth:`CohortModel.project`: admissions one
        of :data:`MARKET_ADMISSIONS_METHODS`, discharges one of
        :data:`MARKET_DISCHARGE_METHODS`. The defaults are those the national backtest
        of every council chose: admissions None, the dataset's default
        (:meth:`CohortModel.default_admissions`: the regional default for a ``dfe:``
        council, else :data:`carecast.model.DEFAULT_ADMISSIONS`, ``anchored``), and
        :data:`carecast.model.DEFAULT_DISCHARGES`, ``regularised``.
    mix : {"held", "mean", "trend"}
        How the shares by placement type move forward (``mean`` over ``mix_k`` dates).
    mix_k : int
        Dates averaged by ``mix="mean"``.
    inflation : float
        Unit-cost inflation, percent a year, from the costs' price year (0 = real terms).
    unit_costs : list of mappings, optional
        Unit costs replacing or adding to the dataset's, each with ``placement``,
        ``annual`` (pounds a year), ``price_year`` and optionally ``band`` (a cost band).
    samples : int, optional
        Monte Carlo paths (1 to 100,000) for intervals of every placement, pool and
        spend figure; ``None`` (default) gives the deterministic projection only.
    seed : int, optional
        Seed of the paths (default 0: reproducible).
    levels : sequence of float, optional
        Interval levels in percent (default 80 and 90).

    Returns
    -------
    Placements

    Examples
    --------
    >>> p = placements("derbyshire", years=3, samples=200, seed=1, levels=[80])
    >>> ifa = p.to_pandas().query("placement == 'ifa' and measure == 'placements'")
    >>> bool((ifa["lower_80"] <= ifa["upper_80"]).all() and (ifa["lower_80"] >= 0).all())
    True
    """
    n_years = _v.integer("years", years, lo=1, hi=MAX_YEARS)
    mix_spec = _method("mix", mix, MIX_METHODS, mix_k, "mix_k")
    rate = _v.number("inflation", inflation, lo=-50, hi=100)
    costs = _unit_costs(unit_costs)
    adm = (
        None
        if admissions is None
        else _method(
            "admissions", admissions, MARKET_ADMISSIONS_METHODS, k, "k", DEFAULT_ADMISSIONS_SPEC
        )
    )
    dis = _method(
        "discharges", discharges, MARKET_DISCHARGE_METHODS, k, "k", DEFAULT_DISCHARGES_SPEC
    )
    if samples is None and (seed is not None or levels is not None):
        raise ArgumentError("`seed` and `levels` need `samples` (the number of Monte Carlo paths)")
    mc = (
        {}
        if samples is None
        else {"samples": _samples(samples), "seed": _seed(seed), "levels": _levels(levels)}
    )
    model, base, inputs = _inputs(source, base_year)
    notes: list[str] = []
    if adm is None:
        default = model.default_admissions(base)
        adm = default["admissions"]
        notes = [] if default["note"] is None else [default["note"]]
    native = inputs.placements(model._native, base, n_years, adm, dis, mix_spec, rate, costs, **mc)
    return Placements(native, notes)


def reconcile_spend(
    source: str | Dataset | CohortModel,
    *,
    unit_costs: Sequence[Mapping[str, Any]] | None = None,
    inflation: float = 0.0,
    base_year: int | None = None,
) -> pd.DataFrame:
    """Compare published spend with spend computed from placement counts and unit costs.

    Parameters
    ----------
    source : str, Dataset or CohortModel
        The dataset (or a model fitted to it).
    unit_costs : list of mappings, optional
        Unit costs replacing or adding to the dataset's (see :func:`placements`).
    inflation : float
        Percent a year from the costs' price year.
    base_year : int, optional
        31 March the inputs are calibrated at (default: the last observed).

    Returns
    -------
    pandas.DataFrame
        One row per published figure (and per way of counting the children where the
        table prints its own counts): ``year``, ``what``, ``published``, ``computed``,
        ``difference`` (computed - published), ``percent``, ``children``, ``status``
        (``computed`` or ``not computed``), ``method``, ``source``. The numbers are
        nullable floats: where a type has no unit cost (or no counts), ``computed``,
        ``difference`` and ``percent`` are missing (``pandas.NA``) and ``method`` says
        why; they are never zero or NaN.

    Examples
    --------
    >>> df = reconcile_spend("derbyshire")
    >>> row = df[df["what"] == "ifa"].iloc[0]
    >>> int(row["published"]), int(row["computed"]), int(row["difference"])
    (5187726, 5148000, -39726)
    """
    costs = _unit_costs(unit_costs)
    rate = _v.number("inflation", inflation, lo=-50, hi=100)
    _, _, inputs = _inputs(source, base_year)
    data = inputs.reconcile_spend(costs, rate)
    data["status"] = ["computed" if v is not None else "not computed" for v in data["computed"]]
    cols = [
        "year",
        "what",
        "published",
        "computed",
        "difference",
        "percent",
        "children",
        "status",
        "method",
        "source",
    ]
    df = pd.DataFrame(data, columns=cols)
    # Not computed is missing (pandas.NA), never NaN or zero: nullable floats.
    for c in ("published", "computed", "difference", "percent", "children"):
        df[c] = pd.array(df[c].tolist(), dtype="Float64")
    return df


def usage_estimates(
    dataset: str | Dataset = "derbyshire",
    table: str = "placement_usage_700",
    total: float = 700.0,
) -> pd.DataFrame:
    """Recompute a "placement usage at N children in care" table from its printed shares.

    Returns
    -------
    pandas.DataFrame
        ``category``, ``placement``, ``share`` (percent, as printed), ``published``
        (the printed estimate) and ``computed`` (``total`` times the share).

    Examples
    --------
    >>> df = usage_estimates()
    >>> df.set_index("category").loc["IFAs", ["published", "computed"]].tolist()
    [170.0, 168.0]
    """
    _v.text("table", table)
    n = _v.number("total", total, lo=0)
    ds = dataset if isinstance(dataset, Dataset) else load(dataset)
    cols = ["category", "placement", "share", "published", "computed"]
    return pd.DataFrame(ds._native.usage_estimates(table, n), columns=cols)


class Scenario:
    """A scenario: the baseline's assumptions and levers, read from TOML or JSON.

    Levers (``kind``): ``admissions`` (``band``, ``percent``, ``absolute``),
    ``discharges`` (``band``, ``percent``), ``reunification`` (``band``, ``percent``:
    the rate of returns home), ``step_down`` (``children``), ``foster_recruitment``
    (``households``, ``per_year``), ``contract_carers`` (``households``),
    ``foster_resignations`` (``per_year``), ``beds`` (``beds``), ``unit_cost``
    (``placement``, ``band``, ``annual``, ``price_year``), ``inflation`` (``percent``);
    each may take ``name``, and all but the last two ``from_year`` (a projected year).
    Unknown keys are errors naming the file and key. See ``scenarios/`` in the
    repository for examples.

    Examples
    --------
    >>> s = Scenario.from_toml('''
    ... name = "Fewer teenage admissions"
    ... dataset = "derbyshire"
    ... years = 3
    ... [[levers]]
    ... kind = "admissions"
    ... band = "10-15"
    ... percent = -10
    ... ''', file="teens.toml")
    >>> Scenario.from_json(s.to_json()) == s
    True
    >>> s.to_dict()["levers"][0]["band"]
    '10-15'
    """

    def __init__(self, native: _carecast.Scenario) -> None:
        self._native = native
        self._data: dict[str, Any] = native.scenario()
        self._file = native.file

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self._native,))

    @classmethod
    def from_toml(cls, text: str, file: str = "<toml>") -> Scenario:
        """Read a scenario from TOML text; ``file`` names it in error messages."""
        if not isinstance(text, str):
            raise ArgumentError(f"`text` must be TOML text (str), not {type(text).__name__}")
        return cls(_carecast.Scenario.parse(str(file), text, "toml"))

    @classmethod
    def from_json(cls, text: str, file: str = "<json>") -> Scenario:
        """Read a scenario from JSON text; ``file`` names it in error messages."""
        if not isinstance(text, str):
            raise ArgumentError(f"`text` must be JSON text (str), not {type(text).__name__}")
        return cls(_carecast.Scenario.parse(str(file), text, "json"))

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Scenario:
        """Build a scenario from a mapping with the keys of the file format."""
        if not isinstance(data, Mapping):
            raise ArgumentError(f"`data` must be a mapping, not {type(data).__name__}")
        return cls(_carecast.Scenario.from_mapping(dict(data), "<dict>"))

    @classmethod
    def from_file(cls, path: str | os.PathLike[str]) -> Scenario:
        """Read a ``.toml`` or ``.json`` scenario file."""
        p = os.fspath(path)
        if not os.path.exists(p):
            raise ArgumentError(f"cannot read scenario file {p!r}: No such file or directory")
        # Not UTF-8, not a regular file or too large: a ScenarioError naming the file.
        text = _text.read_text(p, ScenarioError)
        return cls.from_json(text, p) if p.endswith(".json") else cls.from_toml(text, p)

    @property
    def name(self) -> str:
        """The scenario's name."""
        return str(self._data["name"])

    def to_dict(self) -> dict[str, Any]:
        """Return the scenario as a plain mapping (the file format's keys)."""
        return dict(self._native.scenario())

    def to_json(self) -> str:
        """Return the scenario as JSON text."""
        return json.dumps(self._data, indent=2)

    def to_toml(self) -> str:
        """Return the scenario as TOML text."""
        return self._native.to_toml()

    @property
    def file(self) -> str | None:
        """The file (or label) it was read from, as error messages cite it."""
        return self._file

    def run(self, dataset: Dataset | None = None) -> Comparison:
        """Run against the baseline (on ``dataset`` instead of the named one, if given)."""
        if dataset is not None and not isinstance(dataset, Dataset):
            raise ArgumentError(
                f"`dataset` must be a carecast Dataset, not {type(dataset).__name__}"
            )
        return Comparison(self._native.run(None if dataset is None else dataset._native))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Scenario) and self._native == other._native

    def __hash__(self) -> int:
        return hash(self.to_json())

    def __repr__(self) -> str:
        return (
            f"<Scenario {self.name!r} on {self._data['dataset']!r}, "
            f"{len(self._data.get('levers', []))} levers>"
        )

    def levers(self) -> pd.DataFrame:
        """Return the levers, one row each: ``lever``, ``kind`` and the other keys."""
        rows = [
            {"lever": lv.get("name") or f"{i + 1}: {lv['kind']}", **lv}
            for i, lv in enumerate(self._data.get("levers", []))
        ]
        df = pd.DataFrame(rows)
        return df.drop(columns=["name"], errors="ignore")

    def _repr_html_(self) -> str:
        notes = [self._data.get("description", "")] if self._data.get("description") else []
        return html_block(repr(self), notes, self.levers())


class Comparison:
    """A scenario run against its baseline, with the difference attributed to each lever.

    Levers are added one at a time in the order of the file; a lever's effect is what it
    changes on top of the levers before it, so the effects add up to the difference.
    """

    COLUMNS = ["year", "placement", "measure", "baseline", "scenario", "difference"]

    def __init__(self, native: _carecast.Comparison) -> None:
        self._native = native

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self._native,))

    @property
    def scenario(self) -> Scenario:
        """The scenario that was run."""
        return Scenario(self._native.scenario())

    @property
    def baseline(self) -> Placements:
        """The baseline's placements."""
        return Placements(self._native.baseline())

    @property
    def result(self) -> Placements:
        """The scenario's placements."""
        return Placements(self._native.result())

    def to_pandas(self) -> pd.DataFrame:
        """Baseline, scenario and difference by year, placement and measure (long form)."""
        df = pd.DataFrame(self._native.columns(), columns=self.COLUMNS)
        for c in ("baseline", "scenario", "difference"):
            df[c] = df[c].astype("float64")
        return df

    def attribution(self) -> pd.DataFrame:
        """Return the difference by lever: ``year, placement, measure, lever, effect``."""
        df = pd.DataFrame(
            self._native.attribution(),
            columns=["year", "placement", "measure", "lever", "effect"],
        )
        df["effect"] = df["effect"].astype("float64")
        return df

    def summary(self) -> pd.DataFrame:
        """Years by the headline differences: children, in-house and external by pool, spend."""
        df = self.to_pandas()
        keep = [
            ("all", "children"),
            ("fostering", "in_house"),
            ("fostering", "external"),
            ("residential", "in_house"),
            ("residential", "external"),
            ("all", "spend"),
        ]
        parts = []
        for placement, measure in keep:
            s = df[(df["placement"] == placement) & (df["measure"] == measure)]
            parts.append(s.set_index("year")["difference"].rename(f"{placement} {measure}"))
        out = pd.concat(parts, axis=1)
        # The base year has no spend (spend starts with the first projected year): missing
        # (pandas.NA in nullable floats), not NaN.
        return out.astype("Float64")

    def difference(self, year: str, placement: str, measure: str) -> float:
        """One difference, e.g. ``difference("2018/19", "all", "spend")``."""
        v = self._native.difference(str(year), str(placement), str(measure))
        if v is not None:
            return v
        raise ArgumentError(
            f"no row for year {year!r}, placement {placement!r}, measure {measure!r}"
        )

    def __repr__(self) -> str:
        return f"<Comparison of {self.scenario.name!r} against its baseline>"

    def _repr_html_(self) -> str:
        return html_block(repr(self), self.baseline.notes, self.summary().round(1).reset_index())
