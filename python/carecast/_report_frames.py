"""The tables of the sufficiency report, built from carecast's public results.

Every assumption of a result (:func:`assumptions_frame`), care leavers to 25
(:func:`care_leavers_frame`), the cells a dataset does not publish as a number
(:func:`caveats_frame`), children in care published and projected, and the headline
sentences (:func:`headlines`). Public names here are imported from, and documented as
part of, :mod:`carecast.report`.
"""

from __future__ import annotations

import re
from typing import Any

import pandas as pd

from carecast import _carecast, export, plots
from carecast._carecast import ArgumentError
from carecast.datasets import Dataset
from carecast.market import Comparison, Placements
from carecast.model import (
    DEFAULT_DISCHARGES,
    CohortModel,
    Projection,
    project_care_leavers,
)

#: Source of the default assumptions in the assumptions table.
_NATIONAL_CHOICE = (
    "the dataset's default, chosen by the national backtest of every English council "
    "(docs/national_backtest.md)"
)


def _band_labels(p: Projection) -> list[str]:
    df = p.to_pandas()
    bands = list(dict.fromkeys(df.loc[df["measure"] == "stock", "band"]))
    return [b for b in bands if b != "all"] or bands


def _names(n: int, labels: list[str], model_labels: list[str]) -> list[str]:
    """Names of ``n`` per-band values: the first list of labels with ``n`` entries."""
    for candidate in (labels, model_labels):
        if len(candidate) == n:
            return candidate
    return [f"band {j + 1}" for j in range(n)]


def assumptions_frame(
    result: Projection | Placements | Comparison, model: CohortModel | None = None
) -> pd.DataFrame:
    """Every assumption of a result as a tidy frame: what, band, year, value, unit, source.

    Parameters
    ----------
    result : Projection, Placements or Comparison
        A projection (admissions used per band and year, discharge rates, the methods and,
        with samples, what the paths drew from), placements (the above, plus the mix and
        every unit cost and inflation) or a scenario comparison (the scenario's levers on
        top of its baseline's assumptions).
    model : CohortModel, optional
        The fitted model, whose notes name the tables read (the ``source`` of fitted values).

    Returns
    -------
    pandas.DataFrame
        Columns ``what``, ``band`` (``all`` where not by band), ``year`` (the 31 March
        ending the year, or missing where the assumption holds throughout), ``value``
        (a number or text), ``unit`` and ``source``.

    Examples
    --------
    >>> import carecast
    >>> m = carecast.CohortModel.fit("derbyshire")
    >>> df = assumptions_frame(m.project(years=2, admissions="trend", discharges="last"), m)
    >>> row = df[(df.what == "admissions per year") & (df.band == "10-15")].iloc[0]
    >>> int(row.year), round(row.value, 1), row.unit
    (2018, 93.6, 'children')
    """
    rows: list[dict[str, Any]] = []
    if isinstance(result, Comparison):
        rows += _lever_rows(result)
        result = result.result
    proj = result.projection if isinstance(result, Placements) else result
    if not isinstance(proj, Projection):
        raise ArgumentError(
            "invalid argument `result`: expected a Projection, Placements or Comparison, not "
            f"{type(result).__name__}"
        )
    rows += _projection_rows(proj, model)
    rows += _uncertainty_rows(proj)
    if isinstance(result, Placements):
        rows += _placements_rows(result)
    df = pd.DataFrame(rows, columns=["what", "band", "year", "value", "unit", "source"])
    df["year"] = pd.array(df["year"].tolist(), dtype="Int64")
    return df


def _row(
    what: str,
    value: Any,
    *,
    band: str = "all",
    year: int | None = None,
    unit: str = "",
    source: str = "",
) -> dict[str, Any]:
    """Return one row of :func:`assumptions_frame`."""
    return {
        "what": what,
        "band": band,
        "year": year,
        "value": value,
        "unit": unit,
        "source": source,
    }


def _lever_rows(comp: Comparison) -> list[dict[str, Any]]:
    """Return the scenario's levers, one row per setting of each lever."""
    rows = []
    scen = comp.scenario.to_dict()
    for i, lv in enumerate(scen.get("levers", [])):
        name = lv.get("name") or f"lever {i + 1}: {lv['kind']}"
        for k, v in lv.items():
            if k in ("kind", "name"):
                continue
            rows.append(
                _row(
                    f"scenario lever: {name}: {k}",
                    v,
                    band=str(lv.get("band") or "all"),
                    source=f"scenario {scen.get('name')!r}",
                )
            )
    return rows


def _projection_rows(proj: Projection, model: CohortModel | None) -> list[dict[str, Any]]:
    """Return a projection's assumptions: dataset, methods, admissions and discharge rates."""
    a = proj.assumptions
    fitted = f"fitted to {a['dataset']}"
    if model is not None:
        ids = list(dict.fromkeys(re.findall(r"`([a-z0-9_]+)`", " ".join(model.notes))))
        if ids:
            fitted += ": tables " + ", ".join(f"`{i}`" for i in ids)
    base = int(a["base_year"])
    adm, dis = a["admissions"], a["discharges"]
    # The dataset's default (the regional default for a dfe: council) when the model is
    # known, else the default of a dataset without a region.
    # The dataset's default, from its name (the model's when it is given).
    default = (
        model.default_admissions(base)
        if model is not None
        else dict(_carecast.default_admissions(str(a["dataset"]), base))
    )
    is_default = adm == default["admissions"]
    rows = [
        _row("dataset", a["dataset"]),
        _row("base year (31 March)", base, unit="year"),
        _row("years projected", a["years"], unit="years"),
        _row(
            "admissions method",
            adm["method"]
            + (f" (k = {adm['k']})" if "k" in adm else "")
            + (f" ({default['method']})" if is_default else ""),
            source=_NATIONAL_CHOICE if is_default else "chosen by the user",
        ),
        _row(
            "discharge method",
            dis["method"] + (f" (k = {dis['k']})" if "k" in dis else ""),
            source=_NATIONAL_CHOICE
            if dis["method"] == DEFAULT_DISCHARGES
            else "chosen by the user",
        ),
        _row("age spread within bands", a.get("spread", "")),
    ]
    labels = _band_labels(proj)
    # Admissions and discharge rates are per band of the model, which the output bands
    # may not be (bands="all", "cost"): the model's labels then, else numbered bands.
    model_labels = list(model.tilts) if model is not None else []
    used = a.get("admissions_used") or []
    for i, per_band in enumerate(used):
        names = _names(len(per_band), labels, model_labels)
        for b, v in zip(names, per_band, strict=True):
            rows.append(
                _row(
                    "admissions per year",
                    float(v),
                    band=b,
                    year=base + 1 + i,
                    unit="children",
                    source=fitted,
                )
            )
    rates = a.get("discharge_rates") or []
    names = _names(len(rates), labels, model_labels)
    for b, v in zip(names, rates, strict=True):
        rows.append(_row("discharge rate a year", float(v), band=b, unit="rate", source=fitted))
    rows += [_row("note", n) for n in a.get("notes", [])]
    return rows


def _uncertainty_rows(proj: Projection) -> list[dict[str, Any]]:
    """Return what a Monte Carlo projection's paths drew from (nothing without paths)."""
    u = proj.uncertainty
    if not u:
        return []
    return [
        _row("Monte Carlo paths", u["samples"], unit="paths"),
        _row("seed", u["seed"]),
        _row("admissions overdispersion (alpha)", float(u["admissions_alpha"]), unit="ratio"),
        _row("discharge dispersion (phi)", float(u["discharge_phi"]), unit="ratio"),
        *[_row("uncertainty note", n) for n in u.get("notes", [])],
    ]


def _placements_rows(pl: Placements) -> list[dict[str, Any]]:
    """Return the placements' assumptions: the mix, inflation and every unit cost."""
    pa = pl.assumptions
    mix = pa["mix"]
    rows = [
        _row(
            "placement mix",
            mix["method"] + (f" (k = {mix['k']})" if "k" in mix else ""),
            source="shares at " + ", ".join(pa.get("mix_dates", [])),
        ),
        _row("inflation of unit costs", float(pa["inflation"]), unit="percent a year"),
    ]
    for c in pa.get("unit_costs", []):
        rows.append(
            _row(
                f"unit cost: {plots.PLACEMENT_LABELS.get(c['placement'], c['placement'])}",
                float(c["annual"]),
                band=str(c.get("band") or "all"),
                year=int(c["price_year"]),
                unit="pounds a year",
                source=str(c.get("source") or ""),
            )
        )
    rows += [_row("placements note", n) for n in pa.get("notes", [])]
    return rows


def care_leavers_frame(
    model: CohortModel, projection: Projection, dataset: Dataset
) -> tuple[pd.DataFrame, pd.DataFrame | None, str]:
    """Care leavers: the engine's new leavers a year, and cohorts to 25 where published.

    The cohorts start from the dataset's published care leavers by age at the base year
    (table ``care_leavers_projection``) and are filled at their youngest age by the
    engine's young people reaching 18 in care (the first years from the fitted history).

    Returns
    -------
    tuple
        ``(new_leavers, cohorts, reason)``: new leavers a year (``year``, ``value``, and
        interval columns of a Monte Carlo projection); the cohorts by age (``year``,
        ``age``, ``value``) or ``None``; and, when ``None``, why.
    """
    df = projection.to_pandas()
    mc = [c for c in df.columns if c in ("mean", "median") or c.startswith(("lower_", "upper_"))]
    new = df[(df["measure"] == "leavers_18") & (df["band"] == "all")][["year", "value", *mc]]
    new = new.reset_index(drop=True)
    tid = "care_leavers_projection"
    if tid not in dataset.table_ids:
        return (
            new,
            None,
            (
                f"{dataset.title} publishes no care leavers by age (table `{tid}`), so cohorts "
                "to 25 cannot start from a published count; the new care leavers a year are shown"
            ),
        )
    t = dataset.table(tid).to_pandas()
    t = t[(t["band"] != "all") & (t["status"] == "exact")].copy()
    t["y"] = t["period"].astype(str).str[:4].astype(int)
    t["age"] = t["band"].astype(int)
    base = t[t["y"] == model.base_year]
    if base.empty:
        return (
            new,
            None,
            (f"table `{tid}` has no care leavers by age at 31 March {model.base_year}"),
        )
    opening = dict(zip(base["age"], base["value"], strict=True))
    youngest = min(opening)
    lag = youngest - 18
    cal = model.calibration()
    oldest = cal.groupby("year", sort=True).last()["ageing_out"]
    history = [float(v) for y, v in oldest.items() if int(str(y)[:4]) + 1 <= model.base_year]
    if lag < 0 or len(history) < lag:
        return new, None, "the fitted history is too short to fill the youngest cohort"
    values = (history[len(history) - lag :] if lag else []) + new["value"].tolist()
    n = len(new)
    inflow = {model.base_year + 1 + i: values[i] for i in range(min(n, len(values)))}
    return new, project_care_leavers(model.base_year, opening, inflow), ""


def caveats_frame(dataset: Dataset) -> pd.DataFrame:
    """Cells not published as a number, by table: suppressed, missing or not applicable.

    Returns
    -------
    pandas.DataFrame
        ``table``, ``title``, ``status`` and ``cells`` (a count), for every table with such
        cells. Suppressed cells (``<10``, ``x``, ``c``) are never read as zero: the model
        skips them or uses their published bounds.
    """
    rows = []
    for tid in dataset.table_ids:
        t = dataset.table(tid)
        df = t.to_pandas()
        if "status" not in df.columns:
            continue
        for status, n in df["status"].value_counts().items():
            if status != "exact":
                rows.append({"table": tid, "title": t.title, "status": status, "cells": int(n)})
    return pd.DataFrame(rows, columns=["table", "title", "status", "cells"])


_PUBLISHED_COLUMNS = ["table", "period", "area", "band", "category", "value"]


def _published_stock(ds: Dataset) -> pd.DataFrame:
    """Return every published count of children in care (measure ``stock``), as printed."""
    parts = []
    for tid in ds.table_ids:
        df = ds.table(tid).to_pandas()
        df = df[(df["measure"] == "stock") & (df["status"] == "exact")]
        if len(df):
            parts.append(df[_PUBLISHED_COLUMNS])
    if not parts:
        return pd.DataFrame(columns=_PUBLISHED_COLUMNS)
    return pd.concat(parts, ignore_index=True)


def _stock_table(model: CohortModel, proj: Projection) -> pd.DataFrame:
    cal = model.calibration()
    hist = pd.DataFrame(
        {
            "year": cal["year"],
            "band": cal["band"],
            "source": "published",
            "value": cal["published_closing"].astype("float64"),
        }
    )
    hist = hist[[int(str(y)[:4]) + 1 <= model.base_year for y in hist["year"]]]
    if hist["band"].nunique() > 1:
        tot = hist.groupby("year", as_index=False, sort=False)["value"].sum()
        hist = pd.concat([hist, tot.assign(band="all", source="published")], ignore_index=True)
    df = proj.to_pandas()
    df = df[df["measure"] == "stock"].drop(columns=["measure"])
    if (df["year"] == df["period"]).all():
        df = df.drop(columns=["period"])
    df = df.assign(source="projected")
    out = pd.concat([hist, df], ignore_index=True)
    cols = ["year", *[c for c in out.columns if c not in ("year", "source")], "source"]
    out = out[cols]
    out["_o"] = [plots._band_key(b) for b in out["band"]]
    out = out.sort_values(["year", "_o"], kind="stable").drop(columns="_o")
    return export.clean(out.reset_index(drop=True), unit="children")


def _spend_wide(spend: pd.DataFrame) -> pd.DataFrame:
    """Pivot spend rows to a row per year and a column per placement type (labelled)."""
    wide = spend.pivot_table(
        index="year", columns="placement", values="value", sort=False
    ).reset_index()
    order = [c for c in plots.PLACEMENT_LABELS if c in wide.columns]
    wide = wide[["year", *order, *[c for c in wide.columns if c not in order + ["year"]]]]
    wide.columns = [
        plots.PLACEMENT_LABELS.get(c, "All placements" if c == "all" else c) for c in wide.columns
    ]
    return wide


def _score_units(scores: pd.DataFrame) -> dict[str, str]:
    """Units of the backtest score columns."""
    out = {}
    for c in scores.columns:
        if c == "n":
            out[c] = "figures"
        elif c == "mae":
            out[c] = "children"
        elif c.startswith("coverage"):
            out[c] = "share"
        elif c != "method":
            out[c] = "ratio"
    return out


def headlines(
    model: CohortModel | None,
    proj: Projection | None,
    pl: Placements | None,
    comp: Comparison | None,
    inflation: float,
    *,
    disclosure: str = "none",
) -> list[str]:
    """Return the report's headline figures, each a sentence with its date and unit.

    Children in care at the base year (published) and five years on (central projection
    and the narrowest interval), fostering placed in-house and externally, spend, and
    the scenario's difference in spend, each where the results have it. Under
    ``disclosure="dfe"`` every count is written by the DfE rule
    (:func:`carecast.export.count_text`: whole, 1 to 5 written ``c``); pounds are not
    changed.

    Parameters
    ----------
    model, proj, pl, comp
        The fitted model, its projection, the placements and the scenario comparison;
        ``None`` where the report has none.
    inflation : float
        Unit-cost inflation, percent a year, named beside spend.
    disclosure : str
        ``"none"`` or ``"dfe"`` (:data:`carecast.export.DISCLOSURE_RULES`).

    Returns
    -------
    list of str
        The sentences.

    Raises
    ------
    ValueError
        If the rule is not one of :data:`carecast.export.DISCLOSURE_RULES`.
    """
    rule = export._check_rule(disclosure)

    def n(v: Any) -> str:
        return export.count_text(float(v), disclosure=rule)

    out: list[str] = []
    if model is None or proj is None:
        return out
    cal = model.calibration()
    last = cal[[int(str(y)[:4]) + 1 == model.base_year for y in cal["year"]]]
    if len(last):
        out.append(
            f"{n(last['published_closing'].sum())} children in care at 31 March "
            f"{model.base_year} (published)."
        )
    df = proj.to_pandas()
    tot = df[(df["measure"] == "stock") & (df["band"] == "all")].reset_index(drop=True)
    if len(tot):
        row = tot.iloc[min(4, len(tot) - 1)]
        year = int(str(row["year"])[:4]) + 1
        text = f"{n(row['value'])} forecast at 31 March {year}"
        if proj.levels:
            lv = min(proj.levels)
            label = f"{lv:g}"
            text += f" ({label}% interval {n(row[f'lower_{label}'])} to {n(row[f'upper_{label}'])})"
        out.append(text + ".")
    if pl is not None:
        p = pl.to_pandas()
        fost = p[p["placement"] == "fostering"]
        if len(fost):
            y = fost["year"].iloc[-1]
            v = fost[fost["year"] == y].set_index("measure")["value"]
            if {"in_house", "external"} <= set(v.index):
                out.append(
                    f"Fostering in {y}: {n(v['in_house'])} children placed in-house and "
                    f"{n(v['external'])} externally (forecast)."
                )
        sp = p[(p["placement"] == "all") & (p["measure"] == "spend")]
        if len(sp):
            out.append(
                f"Spend on placements in {sp['year'].iloc[-1]}: "
                f"£{sp['value'].iloc[-1] / 1e6:,.1f}m (forecast, inflation {inflation:g}% a "
                "year)."
            )
    if comp is not None:
        c = comp.to_pandas()
        d = c[(c["placement"] == "all") & (c["measure"] == "spend")].dropna(subset=["difference"])
        if len(d):
            diff = float(d["difference"].iloc[-1])
            word = "less" if diff < 0 else "more"
            rate = float(comp.baseline.assumptions.get("inflation", 0.0))
            out.append(
                f"Scenario {comp.scenario.name!r}: £{abs(diff) / 1e6:,.2f}m {word} spend in "
                f"{d['year'].iloc[-1]} than its baseline (both at the scenario's inflation, "
                f"{rate:g}% a year)."
            )
    return out


def _fmt_value(v: Any, unit: str) -> str:
    if isinstance(v, float):
        d = export.DIGITS.get(unit, 4 if unit in ("rate", "ratio") else 2)
        return f"{v:,.{d}f}"
    return str(v)
