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

import os
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from carecast import _progress, export, plots
from carecast._carecast import ArgumentError, CarecastError, DataError, ModelError
from carecast._report_frames import (
    _fmt_value,
    _published_stock,
    _score_units,
    _spend_wide,
    _stock_table,
    assumptions_frame,
    care_leavers_frame,
    caveats_frame,
    headlines,
)
from carecast._report_html import SECTIONS as SECTIONS  # the report's outline
from carecast._report_html import Progress, _Builder, _document
from carecast.backtest import Backtest, backtest
from carecast.datasets import Dataset, load
from carecast.market import Comparison, Placements, Scenario, placements, reconcile_spend
from carecast.model import (
    DEFAULT_ADMISSIONS,
    DEFAULT_DISCHARGES,
    CohortModel,
    Projection,
)

__all__ = [
    "report",
    "Report",
    "assumptions_frame",
    "care_leavers_frame",
    "caveats_frame",
    "headlines",
]

#: What the national backtest found for the default projection (docs/national_backtest.md:
#: DfE real-time vintages, origins 31 March 2014-2019, 2022 and 2023, up to 155 councils).
_NATIONAL_ACCURACY = (
    "The default projections were scored on every English council's published figures, "
    "each forecast made only from what was published at its origin (31 March 2014 to 2019, "
    "2022 and 2023). For a council of the DfE panel (dfe: datasets) the default anchors to "
    "the region's damped growth shrunk towards England's, with the council's rate per child "
    "reverting towards its region's: the mean absolute percentage error of the total was "
    "0.97 times that of carrying the last published figure forward (naive) one year ahead "
    "and 0.88 to 0.93 times at two to five years. For other datasets the default anchors "
    "to England's damped growth: 0.99 times naive one year ahead and 0.94 to 0.97 times at "
    "two to five years. The calibrated 80% and 95% intervals of both covered 79-80% and "
    "94-95% of the outturns (cross-validated). "
    "Monte Carlo intervals, as drawn in this report, model one council's noise only and "
    "covered less there (80% intervals: 67% of outturns one year ahead, 45% at five). "
    "This dataset's own backtest follows."
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


def report(
    dataset: str | os.PathLike[str] | Dataset,
    out: str | os.PathLike[str] | None = None,
    *,
    scenario: str | os.PathLike[str] | Scenario | None = None,
    base_year: int | None = None,
    years: int = 10,
    admissions: str | None = None,
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
    admissions : str, optional
        Admissions assumption: ``anchored``, ``held``, ``mean`` or ``trend``; the default
        (None) is the one the national backtest chose for this dataset
        (:meth:`carecast.CohortModel.default_admissions`: the regional default for a
        ``dfe:`` council, else :data:`carecast.model.DEFAULT_ADMISSIONS`). Discharge
        rates are the core's default, :data:`carecast.model.DEFAULT_DISCHARGES`
        (``regularised``).
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
    borrowed = _borrowed_unit_costs(unit_costs_from)
    model, why_no_model = _fit(ds, base_year)
    proj, admissions, fallback = _forecast(b, model, years, admissions, samples, seed, levels)
    run = _Run(
        ds=ds,
        model=model,
        proj=proj,
        why_no_model=why_no_model,
        fallback=fallback,
        base_year=base_year,
        years=years,
        admissions=admissions,
        inflation=inflation,
        borrowed=borrowed,
        samples=samples,
        seed=seed,
        levels=levels,
    )
    _children_section(b, run)
    pl = _placements_section(b, run)
    _spend_section(b, run, pl)
    _leavers_section(b, run)
    comp = _scenario_section(b, run, scenario)
    _accuracy_section(b, run, national, backtest_samples)
    _assumptions_section(b, run, pl, comp)
    _caveats_section(b, ds)
    b.headlines = headlines(model, proj, pl, comp, inflation, disclosure=b.disclosure)
    b.step("writing")
    r = _assemble(b, run)
    if out is not None:
        _write_files(r, b, out)
    r.seconds = time.perf_counter() - t0
    return r


@dataclass
class _Run:
    """What the report's sections share: the dataset, the model and forecast, the options.

    ``admissions`` is the assumption used (``held`` when the one asked for could not run,
    which ``fallback`` then says); ``why_no_model`` says why ``model`` is ``None``.
    """

    ds: Dataset
    model: CohortModel | None
    proj: Projection | None
    why_no_model: str
    fallback: str
    base_year: int | None
    years: int
    admissions: str | None
    inflation: float
    borrowed: Any
    samples: int
    seed: int
    levels: Sequence[float]

    @property
    def main_assumption(self) -> str:
        """The assumptions of the forecast in words (admissions, discharges, inflation)."""
        adm = self.admissions
        if adm is None:
            adm = DEFAULT_ADMISSIONS
            if self.model is not None:
                d = self.model.default_admissions(self.base_year)
                if d["method"] != "anchored_reg":
                    adm = f"{DEFAULT_ADMISSIONS} to the region ({d['method']})"
        return f"admissions {adm}, discharges {DEFAULT_DISCHARGES}" + (
            f", inflation {self.inflation:g}% a year" if self.inflation else ""
        )


def _borrowed_unit_costs(unit_costs_from: str | Dataset | None) -> Any:
    """Return the unit costs borrowed from another dataset, or ``None``."""
    if unit_costs_from is None:
        return None
    from carecast.market import unit_costs

    return unit_costs(unit_costs_from)


def _fit(ds: Dataset, base_year: int | None) -> tuple[CohortModel | None, str]:
    """Fit the cohort model: the model, or ``None`` and why it cannot be fitted."""
    try:
        return CohortModel.fit(ds, base_year=base_year), ""
    except (ModelError, DataError) as e:
        return None, f"the cohort model cannot be fitted: {e}"


def _forecast(
    b: _Builder,
    model: CohortModel | None,
    years: int,
    admissions: str | None,
    samples: int,
    seed: int,
    levels: Sequence[float],
) -> tuple[Projection | None, str | None, str]:
    """Project children in care: the projection, the admissions used and why not those asked.

    Admissions that cannot run on this dataset fall back to ``held``.
    """
    if model is None:
        return None, admissions, ""
    b.step(f"forecasting children in care ({samples} paths)")
    fallback = ""
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
        asked = "the default" if admissions is None else repr(admissions)
        fallback = f"admissions {asked} are not possible here ({e}); held is used"
        admissions = "held"
        proj = model.project(
            years=years,
            admissions=admissions,
            discharges=DEFAULT_DISCHARGES,
            samples=samples,
            seed=seed,
            levels=levels,
        )
    return proj, admissions, fallback


def _children_section(b: _Builder, run: _Run) -> None:
    """Add section 1: children in care, published and projected (or what is published)."""
    b.open("children")
    model, proj = run.model, run.proj
    if model is None or proj is None:
        b.unavailable("children", run.why_no_model)
        published = _published_stock(run.ds)
        if len(published):
            b.table(
                "children",
                "published_children_in_care",
                export.clean(published, unit="children"),
                "what the tables do publish: children in care (measure stock), as printed",
            )
        return
    if run.fallback:
        b.text("children", run.fallback)
    lv = " and ".join(f"{v:g}%" for v in run.levels)
    b.text(
        "children",
        f"Children in care at each 31 March, published up to {model.base_year} and "
        f"projected {run.years} years with {run.main_assumption}; {lv} intervals from "
        f"{run.samples} Monte Carlo paths (seed {run.seed}).",
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


def _placements_section(b: _Builder, run: _Run) -> Placements | None:
    """Add section 2, placements against in-house capacity; return the placements, if any."""
    pl: Placements | None = None
    b.open("placements")
    if run.model is None:
        b.unavailable("placements", run.why_no_model)
    else:
        b.step("placements, capacity and spend")
        try:
            pl = placements(
                run.ds,
                min(run.years, 5),
                base_year=run.base_year,
                admissions=run.admissions,
                inflation=run.inflation,
                unit_costs=run.borrowed,
            )
        except (ModelError, DataError) as e:
            b.unavailable("placements", f"placements cannot be projected: {e}")
    if pl is None:
        return None
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
    return pl


def _spend_section(b: _Builder, run: _Run, pl: Placements | None) -> None:
    """Add section 3: spend by placement type, and published spend reconciled."""
    b.open("spend")
    if pl is None:
        b.unavailable("spend", run.why_no_model or "no placements to cost")
        return
    plc = pl
    df = pl.to_pandas()
    spend = df[df["measure"] == "spend"].reset_index(drop=True)
    if spend.empty:
        b.unavailable(
            "spend",
            f"{run.ds.title} publishes no unit costs for the types it places children in; "
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
        b.table(
            "spend",
            "spend",
            export.clean(_spend_wide(spend), unit="pounds"),
            f"spend by placement type in each financial year, pounds"
            f" (inflation {run.inflation:g}% a year)",
        )
    try:
        rec = reconcile_spend(
            run.ds, unit_costs=run.borrowed, inflation=run.inflation, base_year=run.base_year
        )
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


def _leavers_section(b: _Builder, run: _Run) -> None:
    """Add section 4: care leavers, new a year and by age to 25 where published."""
    b.open("leavers")
    model, proj, ds = run.model, run.proj, run.ds
    if model is None or proj is None:
        b.unavailable("leavers", run.why_no_model)
        return
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


def _scenario_section(
    b: _Builder, run: _Run, scenario: str | os.PathLike[str] | Scenario | None
) -> Comparison | None:
    """Add section 5, the scenario against its baseline; return the comparison, if any."""
    b.open("scenario")
    if scenario is None:
        b.unavailable("scenario", "No scenario was given (scenario=..., --scenario FILE).")
        return None
    if run.model is None:
        b.unavailable("scenario", run.why_no_model)
        return None
    b.step("scenario")
    s = scenario if isinstance(scenario, Scenario) else Scenario.from_file(scenario)
    # A scenario the user asked for that cannot run on this dataset (another council's
    # base year, a lever with nothing to act on) is an error naming the file and key.
    comp = s.run(dataset=run.ds)
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
    return comp


def _accuracy_section(b: _Builder, run: _Run, national: Any, backtest_samples: int) -> None:
    """Add section 6: the national backtest's evidence, then this dataset's own backtest."""
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
                if run.admissions is None
                or (run.admissions == DEFAULT_ADMISSIONS and not run.ds.name.startswith("dfe:"))
                else f" These figures are the default's, not those of admissions {run.admissions} "
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
    if run.model is None:
        b.unavailable("accuracy", run.why_no_model)
        return
    b.step(f"backtest ({backtest_samples} paths per forecast)")
    try:
        bt = backtest(run.ds, samples=backtest_samples, seed=run.seed, levels=run.levels)
    except CarecastError as e:
        b.unavailable("accuracy", f"the dataset's own backtest cannot run: {e}")
        return
    _own_backtest(b, run.ds.title, bt)


def _own_backtest(b: _Builder, council: str, bt: Backtest) -> None:
    """Show the dataset's own rolling-origin backtest: what it did, verdicts, chart, scores."""
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
        lambda ax: plots.backtest(bt, ax=ax),
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


def _assumptions_section(
    b: _Builder, run: _Run, pl: Placements | None, comp: Comparison | None
) -> None:
    """Add section 7: every assumption (with the scenario's levers) and every source table."""
    b.open("assumptions")
    if run.proj is not None:
        af = assumptions_frame(pl if pl is not None else run.proj, run.model)
        if comp is not None:
            lv_rows = assumptions_frame(comp, run.model)
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
        b.text("assumptions", run.why_no_model)
    tables = run.ds.tables()
    b.table(
        "assumptions",
        "sources",
        tables,
        "every table of the dataset and its source",
        max_rows=200,
        collapsed=True,
    )


#: Columns of the reconciliation failures shown in the caveats, where present.
_RECONCILIATION_COLUMNS = (
    "check",
    "period",
    "expected",
    "found_lower",
    "found_upper",
    "difference_lower",
    "difference_upper",
    "sources",
)


def _caveats_section(b: _Builder, ds: Dataset) -> None:
    """Add section 8: cells not published as a number, and the published checks that fail."""
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
    cols = [c for c in _RECONCILIATION_COLUMNS if c in rdf.columns]
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


def _assemble(b: _Builder, run: _Run) -> Report:
    """Render the HTML document and gather the report's parts (nothing written yet)."""
    ds = run.ds
    doc = _document(b, ds, ds.title, run.model, run.main_assumption)
    return Report(
        dataset=ds.name,
        title=ds.title,
        html=doc,
        tables=b.tables,
        sections=b.sections,
        charts=b.charts,
        headlines=b.headlines,
    )


def _write_files(r: Report, b: _Builder, out: str | os.PathLike[str]) -> None:
    """Write the report's HTML and workbook to the folder ``out`` (created if missing)."""
    folder = Path(out)
    if folder.exists() and not folder.is_dir():
        raise ArgumentError(f"invalid argument `out` = {str(out)!r}: a file, not a folder")
    folder.mkdir(parents=True, exist_ok=True)
    stem = _stem(r.dataset)
    r.html_path = folder / f"{stem}_report.html"
    r.html_path.write_text(r.html, encoding="utf-8")
    r.excel_path = export.write_excel(b.tables, folder / f"{stem}_report.xlsx", notes=b.notes)


def _stem(name: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in name).strip("_") or "report"


def stderr_progress(min_seconds: float | None = None) -> Progress:
    """Return a progress callback printing to stderr (see :func:`carecast._progress.printer`)."""
    return _progress.printer(min_seconds)
