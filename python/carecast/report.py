"""The sufficiency report: one council's forecast as a self-contained HTML file and a workbook.

:func:`report` runs what a sufficiency assessment needs from carecast's public API (the
dataset, :class:`~carecast.CohortModel`, :func:`~carecast.placements`, spend, care
leavers, a :class:`~carecast.Scenario`, :func:`~carecast.backtest` and
:mod:`carecast.plots`) and writes:

- ``<name>_report.html``: one file, charts embedded as inline SVG, no scripts and no
  links outside the file, so it opens offline and can be e-mailed;
- ``<name>_report.xlsx``: the report's tables, one sheet each, units in the headers
  (the same values as the HTML tables; see :mod:`carecast.export`).

A section the dataset cannot support (no model inputs, no unit costs, no published
care-leaver counts, ...) says why instead of failing.

Examples
--------
>>> import carecast
>>> r = carecast.report("derby", samples=50, backtest_samples=20)
>>> [s["key"] for s in r.sections][:3]
['children', 'placements', 'spend']
>>> r.section("spend")["available"]  # Derby publishes no unit costs
False
>>> "children_in_care" in r.tables
True
"""

from __future__ import annotations

import datetime as _dt
import html
import io
import os
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from carecast import _carecast, _progress, export, plots
from carecast._carecast import ArgumentError, CarecastError, DataError, ModelError
from carecast.backtest import backtest
from carecast.datasets import Dataset, load
from carecast.market import Comparison, Placements, Scenario, placements, reconcile_spend
from carecast.model import (
    DEFAULT_ADMISSIONS,
    DEFAULT_DISCHARGES,
    CohortModel,
    Projection,
    project_care_leavers,
)

__all__ = [
    "report",
    "Report",
    "assumptions_frame",
    "care_leavers_frame",
    "caveats_frame",
    "headlines",
]

Progress = Callable[[str], None]

#: Source of the default assumptions in the assumptions table.
_NATIONAL_CHOICE = (
    "the core's default, chosen by the national backtest of every English council "
    "(docs/national_backtest.md)"
)
#: What the national backtest found for the default projection (docs/national_backtest.md:
#: DfE real-time vintages, origins 31 March 2014-2019, 2022 and 2023, up to 155 councils).
_NATIONAL_ACCURACY = (
    "The default projection (admissions anchored to England's damped growth, discharge "
    "rates regularised) was scored on every English council's published figures, each "
    "forecast made only from what was published at its origin (31 March 2014 to 2019, 2022 "
    "and 2023): the mean absolute percentage error of the total was 0.99 times that of "
    "carrying the last published figure forward (naive) one year ahead and 0.94 to 0.97 "
    "times at two to five years, so close to naive rather than far better; its calibrated "
    "80% and 95% intervals covered 79-80% and 94-95% of the outturns (cross-validated). "
    "Monte Carlo intervals, as drawn in this report, model one council's noise only and "
    "covered less there (80% intervals: 67% of outturns one year ahead, 45% at five). "
    "This dataset's own backtest follows."
)

#: Sections of the report, in order: key and title.
SECTIONS: tuple[tuple[str, str], ...] = (
    ("children", "Children in care by age: history and forecast"),
    ("placements", "Placements by type against in-house capacity"),
    ("spend", "Spend on placements"),
    ("leavers", "Care leavers to 25"),
    ("scenario", "Scenario against its baseline"),
    ("accuracy", "How accurate the method has been"),
    ("assumptions", "Assumptions and sources"),
    ("caveats", "Data caveats"),
)


@dataclass
class Report:
    """A rendered report: its HTML, its tables and what each section could show.

    Attributes
    ----------
    dataset : str
        The dataset's name.
    title : str
        The council (the dataset's title).
    html : str
        The whole HTML document.
    tables : dict of str to DataFrame
        The report's tables, clean for display (the workbook's sheets).
    sections : list of dict
        ``key``, ``title``, ``available`` (bool), ``reason`` (why not, when not) and
        ``charts`` (names of the charts drawn) per section.
    html_path, excel_path : Path or None
        Where the files were written (``None`` without ``out``).
    headlines : list of str
        The figures at the top of the report (see :func:`headlines`).
    """

    dataset: str
    title: str
    html: str
    tables: dict[str, pd.DataFrame]
    sections: list[dict[str, Any]]
    html_path: Path | None = None
    excel_path: Path | None = None
    seconds: float = 0.0
    charts: list[str] = field(default_factory=list)
    headlines: list[str] = field(default_factory=list)

    def section(self, key: str) -> dict[str, Any]:
        """Return one section's entry of :attr:`sections` by key."""
        for s in self.sections:
            if s["key"] == key:
                return s
        raise ArgumentError(
            f"invalid argument `key` = {key!r}: one of {[s['key'] for s in self.sections]}"
        )

    def __repr__(self) -> str:
        ok = sum(s["available"] for s in self.sections)
        where = f", {self.html_path}" if self.html_path else ""
        return (
            f"<Report on {self.dataset!r}: {ok} of {len(self.sections)} sections, "
            f"{len(self.charts)} charts{where}>"
        )


# ---------------------------------------------------------------------------------------
# Tidy frames built from the public results


def _band_labels(p: Projection) -> list[str]:
    df = p.to_pandas()
    bands = list(dict.fromkeys(df.loc[df["measure"] == "stock", "band"]))
    return [b for b in bands if b != "all"] or bands


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

    def add(
        what: str,
        value: Any,
        *,
        band: str = "all",
        year: int | None = None,
        unit: str = "",
        source: str = "",
    ) -> None:
        rows.append(
            {
                "what": what,
                "band": band,
                "year": year,
                "value": value,
                "unit": unit,
                "source": source,
            }
        )

    if isinstance(result, Comparison):
        scen = result.scenario.to_dict()
        for i, lv in enumerate(scen.get("levers", [])):
            name = lv.get("name") or f"lever {i + 1}: {lv['kind']}"
            for k, v in lv.items():
                if k in ("kind", "name"):
                    continue
                add(
                    f"scenario lever: {name}: {k}",
                    v,
                    band=str(lv.get("band") or "all"),
                    source=f"scenario {scen.get('name')!r}",
                )
        result = result.result
    proj = result.projection if isinstance(result, Placements) else result
    if not isinstance(proj, Projection):
        raise ArgumentError(
            "invalid argument `result`: expected a Projection, Placements or Comparison, not "
            f"{type(result).__name__}"
        )
    a = proj.assumptions
    fitted = f"fitted to {a['dataset']}"
    if model is not None:
        ids = list(dict.fromkeys(re.findall(r"`([a-z0-9_]+)`", " ".join(model.notes))))
        if ids:
            fitted += ": tables " + ", ".join(f"`{i}`" for i in ids)
    base = int(a["base_year"])
    add("dataset", a["dataset"])
    add("base year (31 March)", base, unit="year")
    add("years projected", a["years"], unit="years")
    adm = a["admissions"]
    add(
        "admissions method",
        adm["method"] + (f" (k = {adm['k']})" if "k" in adm else ""),
        source=_NATIONAL_CHOICE if adm["method"] == DEFAULT_ADMISSIONS else "chosen by the user",
    )
    dis = a["discharges"]
    add(
        "discharge method",
        dis["method"] + (f" (k = {dis['k']})" if "k" in dis else ""),
        source=_NATIONAL_CHOICE if dis["method"] == DEFAULT_DISCHARGES else "chosen by the user",
    )
    add("age spread within bands", a.get("spread", ""))
    labels = _band_labels(proj)
    used = a.get("admissions_used") or []
    for i, per_band in enumerate(used):
        names = labels if len(labels) == len(per_band) else [f"band {j + 1}" for j in per_band]
        for b, v in zip(names, per_band, strict=True):
            add(
                "admissions per year",
                float(v),
                band=b,
                year=base + 1 + i,
                unit="children",
                source=fitted,
            )
    rates = a.get("discharge_rates") or []
    names = labels if len(labels) == len(rates) else [f"band {j + 1}" for j in range(len(rates))]
    for b, v in zip(names, rates, strict=True):
        add("discharge rate a year", float(v), band=b, unit="rate", source=fitted)
    for n in a.get("notes", []):
        add("note", n)
    u = proj.uncertainty
    if u:
        add("Monte Carlo paths", u["samples"], unit="paths")
        add("seed", u["seed"])
        add("admissions overdispersion (alpha)", float(u["admissions_alpha"]), unit="ratio")
        add("discharge dispersion (phi)", float(u["discharge_phi"]), unit="ratio")
        for n in u.get("notes", []):
            add("uncertainty note", n)
    if isinstance(result, Placements):
        pa = result.assumptions
        mix = pa["mix"]
        add(
            "placement mix",
            mix["method"] + (f" (k = {mix['k']})" if "k" in mix else ""),
            source="shares at " + ", ".join(pa.get("mix_dates", [])),
        )
        add("inflation of unit costs", float(pa["inflation"]), unit="percent a year")
        for c in pa.get("unit_costs", []):
            add(
                f"unit cost: {plots.PLACEMENT_LABELS.get(c['placement'], c['placement'])}",
                float(c["annual"]),
                band=str(c.get("band") or "all"),
                year=int(c["price_year"]),
                unit="pounds a year",
                source=str(c.get("source") or ""),
            )
        for n in pa.get("notes", []):
            add("placements note", n)
    df = pd.DataFrame(rows, columns=["what", "band", "year", "value", "unit", "source"])
    df["year"] = pd.array(df["year"].tolist(), dtype="Int64")
    return df


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


# ---------------------------------------------------------------------------------------
# Rendering


def _svg(draw: Callable[[Any], Any], size: tuple[float, float] = (10.0, 5.0)) -> str:
    """Draw a chart on a new figure (no pyplot, so no backend is changed) and return SVG."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=size, layout="constrained")
    fig.get_layout_engine().set(w_pad=0.12, h_pad=0.12)
    ax = fig.add_subplot()
    draw(ax)
    buf = io.StringIO()
    fig.savefig(buf, format="svg", metadata={"Date": None})
    text = buf.getvalue()
    return text[text.index("<svg") :]


_CSS = """
body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,Arial,sans-serif;margin:0;
color:#1d1d1d;background:#fafafa;line-height:1.45}
header{background:#0b3d6b;color:#fff;padding:1.4em 2em}
header h1{margin:0 0 .2em 0;font-size:1.7em}
header p{margin:.2em 0;opacity:.9}
main{max-width:1100px;margin:0 auto;padding:1em 2em 3em 2em}
nav ol{columns:2;padding-left:1.2em}
section{background:#fff;border:1px solid #e3e3e3;border-radius:6px;padding:1em 1.4em;
margin:1.2em 0}
h2{color:#0b3d6b;border-bottom:2px solid #0b3d6b;padding-bottom:.2em}
figure.chart{margin:1em 0}
figure.chart svg,figure.chart img{width:100%;height:auto}
figcaption{font-size:.9em;color:#555}
table{border-collapse:collapse;font-size:.85em;margin:.6em 0}
th,td{border:1px solid #ddd;padding:.25em .5em;text-align:right}
th{background:#f0f4f8}
td.text,th.text{text-align:left}
.unavailable{background:#fff8e1;border-left:4px solid #f0ad00;padding:.6em 1em}
.slot{background:#eef5fb;border-left:4px solid #0b3d6b;padding:.6em 1em}
details summary{cursor:pointer;color:#0b3d6b}
footer{color:#666;font-size:.85em;text-align:center;padding:1em}
"""


def _esc(s: Any) -> str:
    return html.escape(str(s))


def _table_html(df: pd.DataFrame, max_rows: int | None = None) -> str:
    shown = df if max_rows is None else df.head(max_rows)
    head = "".join(
        f"<th class='{'num' if _is_num(df[c]) else 'text'}'>{_esc(export.header(df, c))}</th>"
        for c in df.columns
    )
    body = []
    for rec in shown.astype(object).itertuples(index=False):
        cells = []
        for c, v in zip(df.columns, rec, strict=True):
            num = _is_num(df[c])
            txt = "" if v is None or v is pd.NA or (isinstance(v, float) and v != v) else v
            if num and isinstance(txt, float):
                txt = f"{txt:,.{_digits(txt)}f}"
            elif num and isinstance(txt, int) and c not in ("year", "origin", "age", "line"):
                txt = f"{txt:,}"
            cells.append(f"<td class='{'num' if num else 'text'}'>{_esc(txt)}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    more = ""
    if max_rows is not None and len(df) > max_rows:
        more = f"<p>{len(df) - max_rows} more rows in the workbook.</p>"
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>{more}"


def _is_num(s: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s)


def _digits(v: float) -> int:
    """Decimals to print an already-rounded value (no trailing zeros beyond what it has)."""
    s = repr(float(v))
    return 0 if s.endswith(".0") or "e" in s else min(len(s.split(".")[1]), 4)


class _Builder:
    """Collects sections, charts and tables while the report runs."""

    def __init__(self, progress: Progress | None, disclosure: str = "none") -> None:
        self.disclosure = disclosure
        self.sections: list[dict[str, Any]] = []
        self.tables: dict[str, pd.DataFrame] = {}
        self.notes: dict[str, str] = {}
        self.parts: dict[str, list[str]] = {}
        self.charts: list[str] = []
        self.headlines: list[str] = []
        self.progress = progress

    def step(self, text: str) -> None:
        if self.progress is not None:
            self.progress(text)

    def open(self, key: str) -> dict[str, Any]:
        title = dict(SECTIONS)[key]
        s = {"key": key, "title": title, "available": True, "reason": "", "charts": []}
        self.sections.append(s)
        self.parts[key] = []
        return s

    def text(self, key: str, text: str) -> None:
        self.parts[key].append(f"<p>{_esc(text)}</p>")

    def raw(self, key: str, markup: str) -> None:
        self.parts[key].append(markup)

    def notes_list(self, key: str, notes: Sequence[str]) -> None:
        if notes:
            items = "".join(f"<li>{_esc(n)}</li>" for n in notes)
            self.raw(
                key, f"<details><summary>Notes ({len(notes)})</summary><ul>{items}</ul></details>"
            )

    def unavailable(self, key: str, reason: str) -> None:
        s = next(s for s in self.sections if s["key"] == key)
        s["available"] = False
        s["reason"] = reason
        self.parts[key].append(
            f"<div class='unavailable'><strong>Not available for this dataset.</strong> "
            f"{_esc(reason)}</div>"
        )

    def chart(
        self,
        key: str,
        name: str,
        caption: str,
        draw: Callable[[Any], Any],
        *,
        counts: bool = True,
    ) -> None:
        """Draw a chart into a section; ``counts``: its values are counts of people.

        Under a disclosure rule a chart of counts is drawn with whole numbers and its
        printed counts follow the rule (:func:`carecast.export.disclose_axes`); a chart
        that would draw a count of 1 to 5 is withheld, with the reason in its place.
        """
        withheld: list[str] = []

        def drawn(ax: Any) -> None:
            with export.disclosure_control(self.disclosure):
                draw(ax)
                if counts:
                    why = export.disclose_axes(ax, self.disclosure)
                    if why:
                        withheld.append(why)

        try:
            svg = _svg(drawn)
        except CarecastError as e:
            self.raw(key, f"<div class='unavailable'>Chart {_esc(name)} not drawn: {_esc(e)}</div>")
            return
        if withheld:
            self.raw(
                key,
                f"<div class='unavailable withheld' data-chart='{_esc(name)}'>Chart "
                f"{_esc(name)} withheld under disclosure control ({_esc(self.disclosure)}): "
                f"{_esc(withheld[0])}. Its figures are in the tables, with counts of 1 to "
                f"{export.DFE_SMALL_MAX} written {export.DFE_SYMBOL}.</div>",
            )
            return
        self.charts.append(name)
        next(s for s in self.sections if s["key"] == key)["charts"].append(name)
        self.parts[key].append(
            f"<figure class='chart' id='chart-{_esc(name)}' data-chart='{_esc(name)}'>{svg}"
            f"<figcaption>{_esc(caption)}</figcaption></figure>"
        )

    def table(
        self,
        key: str,
        name: str,
        df: pd.DataFrame,
        note: str,
        *,
        max_rows: int = 40,
        collapsed: bool = False,
    ) -> None:
        if self.disclosure != "none":
            df = export.disclose(df, self.disclosure)
        self.tables[name] = df
        self.notes[name] = note
        body = _table_html(df, max_rows)
        label = f"Table <code>{_esc(name)}</code> ({len(df)} rows): {_esc(note)}"
        if collapsed:
            self.raw(key, f"<details><summary>{label}</summary>{body}</details>")
        else:
            self.raw(key, f"<p class='tablenote'>{label}</p>{body}")


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


def report(
    dataset: str | os.PathLike[str] | Dataset,
    out: str | os.PathLike[str] | None = None,
    *,
    scenario: str | os.PathLike[str] | Scenario | None = None,
    base_year: int | None = None,
    years: int = 10,
    admissions: str = DEFAULT_ADMISSIONS,
    inflation: float = 0.0,
    unit_costs_from: str | Dataset | None = None,
    samples: int = 1000,
    seed: int = 0,
    levels: Sequence[float] = (80, 90),
    backtest_samples: int = 200,
    national: Any = None,
    progress: Progress | None = None,
    disclosure: str = "none",
) -> Report:
    """Build the sufficiency report of one council: HTML (offline) and an Excel workbook.

    Parameters
    ----------
    dataset : str, path or Dataset
        A bundled dataset name, a ``dfe:`` council where available, a folder of tables or a
        loaded :class:`~carecast.Dataset`.
    out : str or path, optional
        Folder to write ``<name>_report.html`` and ``<name>_report.xlsx`` to (created if
        missing); nothing is written when omitted.
    scenario : str, path or Scenario, optional
        A scenario file (TOML or JSON) or object, run on this dataset beside its baseline.
    base_year : int, optional
        31 March to project from (default: the last observed).
    years : int
        Years ahead of the children-in-care forecast (placements and spend: up to 5).
    admissions : str
        Admissions assumption: the core's default :data:`carecast.model.DEFAULT_ADMISSIONS`
        (``anchored``, chosen by the national backtest of every council), ``held``,
        ``mean`` or ``trend``. Discharge rates are the core's default,
        :data:`carecast.model.DEFAULT_DISCHARGES` (``regularised``).
    inflation : float
        Unit-cost inflation, percent a year, for spend.
    unit_costs_from : str or Dataset, optional
        Borrow another dataset's unit costs (e.g. ``"derbyshire"`` for Derby).
    samples, seed, levels
        Monte Carlo paths, seed and interval levels (percent) of the forecast.
    backtest_samples : int
        Paths per backtest forecast (its intervals' coverage).
    national : DataFrame or object with ``scores()`` or ``to_pandas()``, optional
        A national backtest's scores to show as the main accuracy evidence; without it
        the report keeps a marked slot and shows this dataset's own backtest.
    progress : callable, optional
        Called with a short text before each step (the CLI prints it to stderr).
    disclosure : str
        ``"dfe"``: every table of the report and workbook follows the DfE's disclosure
        rule (:func:`carecast.export.disclose`: counts whole, 1 to 5 written ``c``), and
        so do the headline sentences and the charts of counts (drawn with whole numbers,
        their printed counts written by the rule; a chart that would draw a count of 1 to
        5 is withheld and says so: :func:`carecast.export.disclose_axes`). Charts of
        pounds are unchanged. ``"none"`` (default): values rounded for display only.

    Returns
    -------
    Report

    Raises
    ------
    UnknownNameError, DataError
        If the dataset cannot be read.
    ArgumentError
        If an argument is out of range (e.g. a base year that is not observed).
    """
    t0 = time.perf_counter()
    b = _Builder(progress, export._check_rule(disclosure))
    b.step("reading the dataset")
    ds = dataset if isinstance(dataset, Dataset) else load(os.fspath(dataset))
    borrowed = None
    if unit_costs_from is not None:
        from carecast.market import unit_costs

        borrowed = unit_costs(unit_costs_from)
    model: CohortModel | None = None
    why_no_model = ""
    try:
        model = CohortModel.fit(ds, base_year=base_year)
    except (ModelError, DataError) as e:
        why_no_model = f"the cohort model cannot be fitted: {e}"
    proj: Projection | None = None
    fallback = ""
    if model is not None:
        b.step(f"forecasting children in care ({samples} paths)")
        try:
            proj = model.project(
                years=years,
                admissions=admissions,
                discharges=DEFAULT_DISCHARGES,
                samples=samples,
                seed=seed,
                levels=levels,
            )
        except ModelError as e:
            fallback = f"admissions {admissions!r} is not possible here ({e}); held is used"
            admissions = "held"
            proj = model.project(
                years=years,
                admissions=admissions,
                discharges=DEFAULT_DISCHARGES,
                samples=samples,
                seed=seed,
                levels=levels,
            )
    council = ds.title
    main_assumption = f"admissions {admissions}, discharges {DEFAULT_DISCHARGES}" + (
        f", inflation {inflation:g}% a year" if inflation else ""
    )

    # 1. Children in care
    b.open("children")
    if model is None or proj is None:
        b.unavailable("children", why_no_model)
        published = _published_stock(ds)
        if len(published):
            b.table(
                "children",
                "published_children_in_care",
                export.clean(published, unit="children"),
                "what the tables do publish: children in care (measure stock), as printed",
            )
    else:
        if fallback:
            b.text("children", fallback)
        lv = " and ".join(f"{v:g}%" for v in levels)
        b.text(
            "children",
            f"Children in care at each 31 March, published up to {model.base_year} and "
            f"projected {years} years with {main_assumption}; {lv} intervals from "
            f"{samples} Monte Carlo paths (seed {seed}).",
        )
        m, p = model, proj
        b.chart(
            "children",
            "stock",
            "Published (solid) and projected (dashed) children in care by age band.",
            lambda ax: plots.stock(p, model=m, ax=ax),
        )
        b.chart(
            "children",
            "fan",
            "All children: the central projection, the median of the paths and the intervals.",
            lambda ax: plots.fan(p, model=m, ax=ax),
        )
        b.table(
            "children",
            "children_in_care",
            _stock_table(model, proj),
            "children in care at 31 March by band; published and projected with intervals",
            max_rows=30,
            collapsed=True,
        )

    # 2 and 3. Placements and spend
    pl: Placements | None = None
    b.open("placements")
    if model is None:
        b.unavailable("placements", why_no_model)
    else:
        b.step("placements, capacity and spend")
        try:
            pl = placements(
                ds,
                min(years, 5),
                base_year=base_year,
                admissions=admissions,
                inflation=inflation,
                unit_costs=borrowed,
            )
        except (ModelError, DataError) as e:
            b.unavailable("placements", f"placements cannot be projected: {e}")
    if pl is not None:
        plc = pl
        df = pl.to_pandas()
        pools = [x for x in ("fostering", "residential") if x in set(df["placement"])]
        b.text(
            "placements",
            "Children by type of placement at 31 March, and for each pool the children the "
            "council can place in-house (capacity) against those needing that kind of "
            "placement; the rest are placed externally. Capacity here is in children, not "
            "approved places: see the capacity measure in the table.",
        )
        for pool in pools:
            b.chart(
                "placements",
                f"capacity_{pool}",
                f"{pool.capitalize()}: in-house and external placements, demand and capacity.",
                lambda ax, pool=pool: plots.capacity(plc, pool=pool, ax=ax),
            )
        b.table(
            "placements",
            "placements",
            export.clean(df),
            "placements by type and, per pool, demand, capacity, in-house and external",
            max_rows=25,
            collapsed=True,
        )
        b.notes_list("placements", pl.notes)
    b.open("spend")
    if pl is None:
        b.unavailable("spend", why_no_model or "no placements to cost")
    else:
        df = pl.to_pandas()
        spend = df[df["measure"] == "spend"].reset_index(drop=True)
        if spend.empty:
            b.unavailable(
                "spend",
                f"{council} publishes no unit costs for the types it places children in; "
                "borrow another council's (unit_costs_from=..., --unit-costs-from) or give "
                "them in a scenario file.",
            )
        else:
            b.chart(
                "spend",
                "spend",
                "Spend by placement type (pounds a year).",
                lambda ax: plots.spend(plc, ax=ax),
                counts=False,
            )
            wide = spend.pivot_table(
                index="year", columns="placement", values="value", sort=False
            ).reset_index()
            order = [c for c in plots.PLACEMENT_LABELS if c in wide.columns]
            wide = wide[["year", *order, *[c for c in wide.columns if c not in order + ["year"]]]]
            wide.columns = [
                plots.PLACEMENT_LABELS.get(c, "All placements" if c == "all" else c)
                for c in wide.columns
            ]
            b.table(
                "spend",
                "spend",
                export.clean(wide, unit="pounds"),
                f"spend by placement type in each financial year, pounds"
                f" (inflation {inflation:g}% a year)",
            )
        try:
            rec = reconcile_spend(ds, unit_costs=borrowed, inflation=inflation, base_year=base_year)
        except CarecastError as e:
            rec = None
            b.text("spend", f"Published spend could not be reconciled: {e}")
        if rec is not None and len(rec):
            b.table(
                "spend",
                "spend_reconciliation",
                export.clean(
                    rec, unit="pounds", column_units={"percent": "percent", "children": "children"}
                ),
                "published spend against spend computed from counts and unit costs",
                collapsed=True,
            )

    # 4. Care leavers
    b.open("leavers")
    if model is None or proj is None:
        b.unavailable("leavers", why_no_model)
    else:
        b.step("care leavers")
        new, cohorts, why = care_leavers_frame(model, proj, ds)
        if cohorts is None:
            b.text("leavers", why)
        else:
            coh = cohorts
            b.chart(
                "leavers",
                "care_leavers",
                "Care leavers by age at 31 March: the published opening carried forward, "
                "filled by the young people the model sees reaching 18 in care.",
                lambda ax: plots.care_leavers(coh, ax=ax, council=ds.name),
            )
        b.table(
            "leavers",
            "new_care_leavers",
            export.clean(new, unit="young people"),
            "young people reaching 18 in care in each year (new care leavers)",
        )
        if cohorts is not None:
            b.table(
                "leavers",
                "care_leavers",
                export.clean(cohorts, unit="young people"),
                "care leavers by age to 25",
                collapsed=True,
            )

    # 5. Scenario
    b.open("scenario")
    comp: Comparison | None = None
    if scenario is None:
        b.unavailable("scenario", "No scenario was given (scenario=..., --scenario FILE).")
    elif model is None:
        b.unavailable("scenario", why_no_model)
    else:
        b.step("scenario")
        s = scenario if isinstance(scenario, Scenario) else Scenario.from_file(scenario)
        # A scenario the user asked for that cannot run on this dataset (another council's
        # base year, a lever with nothing to act on) is an error naming the file and key.
        comp = s.run(dataset=ds)
    if comp is not None:
        s = comp.scenario
        c = comp
        d = s.to_dict()
        b.text(
            "scenario",
            f"{s.name}: {d.get('description') or ''} Baseline and scenario share every "
            "assumption (and the same inflation) except the levers below; the difference "
            "is attributed to each lever in the order of the file.",
        )
        b.table("scenario", "scenario_levers", s.levers().astype(str), "the scenario's levers")
        b.chart(
            "scenario",
            "scenario_spend",
            "Spend, scenario against baseline.",
            lambda ax: plots.scenario(c, measure="spend", ax=ax),
            counts=False,
        )
        b.chart(
            "scenario",
            "scenario_fostering",
            "Fostering placed in-house, scenario against baseline.",
            lambda ax: plots.scenario(c, measure="in_house", placement="fostering", ax=ax),
        )
        summ = comp.summary().reset_index()
        b.table(
            "scenario",
            "scenario_summary",
            export.clean(summ, unit="children", column_units={"all spend": "pounds"}),
            "scenario minus baseline: children, in-house and external by pool (children), "
            "spend (pounds)",
        )
        b.table(
            "scenario",
            "scenario",
            export.clean(comp.to_pandas()),
            "baseline, scenario and difference by year, placement and measure",
            max_rows=20,
            collapsed=True,
        )

    # 6. Accuracy
    b.open("accuracy")
    b.raw(
        "accuracy",
        "<div class='slot' id='national-backtest'><strong>National backtest.</strong> "
        + (
            "Scores of the method on every council's published figures, which it was not tuned on:"
            if national is not None
            else _NATIONAL_ACCURACY
            + (
                ""
                if admissions == DEFAULT_ADMISSIONS
                else f" These figures are the default's, not those of admissions {admissions} "
                "used here."
            )
        )
        + "</div>",
    )
    if national is not None:
        nat = national
        for attr in ("scores", "to_pandas"):
            fn = getattr(national, attr, None)
            if callable(fn):
                nat = fn()
                break
        if isinstance(nat, pd.DataFrame):
            b.table(
                "accuracy",
                "national_backtest",
                export.clean(nat, unit="ratio"),
                "national backtest scores",
            )
    if model is None:
        b.unavailable("accuracy", why_no_model)
    else:
        b.step(f"backtest ({backtest_samples} paths per forecast)")
        try:
            bt = backtest(ds, samples=backtest_samples, seed=seed, levels=levels)
        except CarecastError as e:
            b.unavailable("accuracy", f"the dataset's own backtest cannot run: {e}")
            bt = None
        if bt is not None:
            bb = bt
            b.text(
                "accuracy",
                f"Rolling-origin backtest on {council}'s published figures from origins "
                f"{', '.join(str(o) for o in bt.origins)}: each method forecasts from what "
                "was published up to an origin and is scored against what was published "
                "after it (naive = 1, lower is better). It scores the earlier engine methods "
                f"(held, mean, trend, with discharges last), not the default {DEFAULT_ADMISSIONS}; "
                "the 'default' its verdicts name is the method its own rule picks here.",
            )
            for v in bt.verdicts:
                b.text("accuracy", f"Verdict: {v}")
            b.chart(
                "accuracy",
                "backtest",
                f"Forecasts of the method this dataset's own backtest picks "
                f"({bt.default_method}) from each origin against the published outturn.",
                lambda ax: plots.backtest(bb, ax=ax),
            )
            scores = bt.scores()
            b.table(
                "accuracy",
                "backtest_scores",
                export.clean(scores, column_units=_score_units(scores)),
                "scores by method (naive = 1, lower is better; mae in children; coverage: "
                "the share of published figures inside the intervals)",
            )
            b.text("accuracy", f"Rule: {bt.rule}")

    # 7. Assumptions and sources
    b.open("assumptions")
    if proj is not None:
        af = assumptions_frame(pl if pl is not None else proj, model)
        if comp is not None:
            lv_rows = assumptions_frame(comp, model)
            af = pd.concat([af, lv_rows[lv_rows["what"].str.startswith("scenario")]])
        af = af.assign(
            value=[_fmt_value(v, u) for v, u in zip(af["value"], af["unit"], strict=True)]
        )
        b.table(
            "assumptions",
            "assumptions",
            af.reset_index(drop=True),
            "every assumption: what, band, year, value, unit, source",
            max_rows=400,
            collapsed=True,
        )
    else:
        b.text("assumptions", why_no_model)
    tables = ds.tables()
    b.table(
        "assumptions",
        "sources",
        tables,
        "every table of the dataset and its source",
        max_rows=200,
        collapsed=True,
    )

    # 8. Caveats
    b.open("caveats")
    b.step("data caveats")
    cav = caveats_frame(ds)
    b.text(
        "caveats",
        "Suppressed cells (published as <10, x or c) are never read as zero; cells missing "
        "or not applicable are left out. Reconciliation checks every total and identity the "
        "published tables allow; a failure means the tables disagree with themselves as "
        "printed.",
    )
    b.table(
        "caveats",
        "cells_not_published",
        cav,
        "cells not published as a number",
        max_rows=100,
        collapsed=len(cav) > 15,
    )
    recon = ds.reconcile()
    rdf = recon.to_pandas()
    fails = rdf[rdf["status"] == "fail"]
    cols = [
        c
        for c in (
            "check",
            "period",
            "expected",
            "found_lower",
            "found_upper",
            "difference_lower",
            "difference_upper",
            "sources",
        )
        if c in rdf.columns
    ]
    b.text("caveats", "Reconciliation: " + ", ".join(f"{k} {v}" for k, v in recon.counts().items()))
    b.table(
        "caveats",
        "reconciliation_failures",
        export.clean(fails[cols]),
        "published checks that fail as printed (found as a range where the parts include "
        "suppressed cells; values in the unit of the checked table: children, pounds or "
        "percent)",
        max_rows=100,
    )

    b.headlines = headlines(model, proj, pl, comp, inflation, disclosure=b.disclosure)
    b.step("writing")
    doc = _document(b, ds, council, model, main_assumption)
    r = Report(
        dataset=ds.name,
        title=council,
        html=doc,
        tables=b.tables,
        sections=b.sections,
        charts=b.charts,
        headlines=b.headlines,
    )
    if out is not None:
        folder = Path(out)
        if folder.exists() and not folder.is_dir():
            raise ArgumentError(f"invalid argument `out` = {str(out)!r}: a file, not a folder")
        folder.mkdir(parents=True, exist_ok=True)
        stem = _stem(ds.name)
        r.html_path = folder / f"{stem}_report.html"
        r.html_path.write_text(doc, encoding="utf-8")
        r.excel_path = export.write_excel(b.tables, folder / f"{stem}_report.xlsx", notes=b.notes)
    r.seconds = time.perf_counter() - t0
    return r


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


def _stem(name: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in name).strip("_") or "report"


def _fmt_value(v: Any, unit: str) -> str:
    if isinstance(v, float):
        d = export.DIGITS.get(unit, 4 if unit in ("rate", "ratio") else 2)
        return f"{v:,.{d}f}"
    return str(v)


def _document(b: _Builder, ds: Dataset, council: str, model: CohortModel | None, main: str) -> str:
    today = _dt.date.today().isoformat()
    base = f"from 31 March {model.base_year}" if model is not None else "(no forecast)"
    nav = "".join(
        f"<li><a href='#{s['key']}'>{_esc(s['title'])}</a>"
        + ("" if s["available"] else " <em>(not available)</em>")
        + "</li>"
        for s in b.sections
    )
    body = "".join(
        f"<section id='{s['key']}' data-available='{str(s['available']).lower()}'>"
        f"<h2>{_esc(s['title'])}</h2>{''.join(b.parts[s['key']])}</section>"
        for s in b.sections
    )
    version = getattr(_carecast, "__version__", "")
    glance = ""
    if b.headlines:
        items = "".join(f"<li>{_esc(h)}</li>" for h in b.headlines)
        glance = f"<section id='headlines'><h2>At a glance</h2><ul>{items}</ul></section>"
    return (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>{_esc(council)}: sufficiency report</title><style>{_CSS}</style></head><body>"
        f"<header><h1>{_esc(council)}: children in care, placements and spend</h1>"
        f"<p>Sufficiency report {base}; {_esc(main)}. Dataset <code>{_esc(ds.name)}</code>.</p>"
        f"<p>Made by carecast {_esc(version)} on {today}. Every figure comes from the "
        "published tables listed under Assumptions and sources.</p></header><main>"
        f"{glance}<nav><h2>Contents</h2><ol>{nav}</ol></nav>{body}</main>"
        f"<footer>carecast {_esc(version)}: {_esc(ds.title)} ({_esc(ds.name)}). "
        "Tables: the workbook beside this file.</footer></body></html>"
    )


def stderr_progress(min_seconds: float | None = None) -> Progress:
    """Return a progress callback printing to stderr (see :func:`carecast._progress.printer`)."""
    return _progress.printer(min_seconds)
