"""Subcommands of the command line that run the cohort model: fit, project, backtest, leavers."""

from __future__ import annotations

import argparse
import sys
import warnings
from collections.abc import Callable
from typing import Any

import pandas as pd

from carecast import _carecast, _cli_national, _cli_population, _progress, export
from carecast import _validate as _v
from carecast._carecast import ArgumentError, UnknownNameError
from carecast._cli_market import parse_levels, write_out
from carecast._frames import records
from carecast.backtest import DEFAULT_BACKTEST_SAMPLES, backtest
from carecast.datasets import load
from carecast.model import (
    ADMISSIONS_METHODS,
    CALIBRATED_LEVELS,
    DEFAULT_ADMISSIONS,
    DEFAULT_DISCHARGES,
    DEFAULT_LEVELS,
    DISCHARGE_METHODS,
    INTERVALS,
    CarecastWarning,
    CohortModel,
    Projection,
    project_care_leavers,
)

Emit = Callable[..., None]


def register(add: Callable[..., argparse.ArgumentParser], emit: Emit) -> None:
    """Add the cohort model's subcommands (fit, project, backtest, leavers) through ``add``."""
    sp = add(
        "fit",
        lambda a: cmd_fit(a, emit),
        "fit the cohort model and compare it with the published figures",
    )
    sp.add_argument("dataset", help="bundled dataset name or a folder of table files")
    sp.add_argument(
        "--base-year",
        type=int,
        default=None,
        help="31 March projections start from by default, checked against the observed "
        "years (default: the last observed)",
    )
    sp = add("project", lambda a: cmd_project(a, emit), "project children in care by band and year")
    _model_args(sp)
    sp.add_argument("--measure", action="append", help="keep only this measure (repeatable)")
    _mc_args(sp, None)
    sp.add_argument(
        "--intervals",
        choices=list(INTERVALS),
        default=None,
        help="kind of interval: calibrated (the national backtest's errors of the default "
        "method, levels "
        + ",".join(f"{v:g}" for v in CALIBRATED_LEVELS)
        + ", stock 1-5 years ahead) or monte_carlo (needs --samples); default: monte_carlo "
        "with --samples, calibrated with --levels alone under the default assumptions",
    )
    sp.add_argument(
        "--uasc",
        action="store_true",
        help="split the total stock into unaccompanied asylum-seeking children (held at the "
        "base year's uasc_stock) and the other children (needs a uasc_stock table, as every "
        "dfe: council has)",
    )
    sp = add(
        "backtest",
        lambda a: cmd_backtest(a, emit),
        "rolling-origin backtest: per-origin forecasts of the published stock and accuracy",
    )
    sp.add_argument(
        "dataset",
        help="bundled dataset name or a folder of table files; dfe:all: the national "
        "backtest of every council in the DfE panel (paths only with --samples)",
    )
    sp.add_argument(
        "--horizon",
        type=int,
        default=None,
        help="longest horizon in years (default: every published figure after each origin)",
    )
    _mc_args(sp, DEFAULT_BACKTEST_SAMPLES)
    sp.set_defaults(samples=None)  # dfe:all draws no paths unless asked
    sp.add_argument(
        "--summary",
        action="store_true",
        help="csv and json: print the metric summary instead of the per-origin forecasts "
        "(--out writes both, and the scores, as separate CSV files)",
    )
    sp = add("leavers", lambda a: cmd_leavers(a, emit), "project care leavers to age 25")
    _model_args(sp)
    _mc_args(sp, None)


def _model_args(sp: argparse.ArgumentParser) -> None:
    """Add the cohort model's options (dataset, base year, assumptions, output grain)."""
    sp.add_argument("dataset", help="bundled dataset name or a folder of table files")
    sp.add_argument(
        "--base-year",
        type=int,
        default=None,
        help="31 March to project from (default: the last observed)",
    )
    sp.add_argument("--years", type=int, default=10, help="years ahead, 1-25 (default 10)")
    sp.add_argument(
        "--admissions",
        choices=list(ADMISSIONS_METHODS),
        default=None,
        help="admissions assumption (default: the one the national backtest of every "
        "council chose for the dataset, which runs from any base year: for a dfe: council "
        "anchored to its region's growth with its rate reverting towards the region's, "
        f"else {DEFAULT_ADMISSIONS}, anchored to England's growth); {DEFAULT_ADMISSIONS}: "
        "anchored to England's growth; rate: per 10,000 children times --population; "
        "trend needs two observed years",
    )
    sp.add_argument(
        "--population",
        metavar="FILE",
        help="children aged 0-17 by year for --admissions rate: a CSV `year,population` "
        "(year = the 31 March ending the year) or a table file with measure population, "
        "band 0-17; default: the dataset's own table `population`",
    )
    sp.add_argument(
        "--discharges",
        choices=list(DISCHARGE_METHODS),
        default=DEFAULT_DISCHARGES,
        help=f"discharge-rate assumption (default {DEFAULT_DISCHARGES}, the core's)",
    )
    sp.add_argument("--k", type=int, default=3, help="years averaged by `mean` (default 3)")
    sp.add_argument("--bands", default=None, help="output bands: dfe, cost or all")
    sp.add_argument("--grain", choices=["year", "quarter", "month"], default="year")


def _mc_args(sp: argparse.ArgumentParser, samples_default: int | None) -> None:
    """Add the Monte Carlo options (paths, seed, interval levels)."""
    sp.add_argument(
        "--samples",
        type=int,
        default=samples_default,
        help="Monte Carlo paths, 1 to 100000"
        + (
            " (default: none, a deterministic projection)"
            if samples_default is None
            else f" (default {samples_default})"
        ),
    )
    sp.add_argument(
        "--seed", type=int, default=None, help="seed of the paths (default 0; reproducible)"
    )
    sp.add_argument(
        "--levels",
        action="extend",
        nargs="+",
        metavar="L",
        help="interval levels in percent: 80 95, 80,95 or repeated (default "
        + ",".join(str(v) for v in DEFAULT_LEVELS)
        + ": quantiles 5, 10, 90, 95)",
    )


def _plots() -> Any:
    from carecast import plots

    return plots


def cmd_fit(a: argparse.Namespace, emit: Emit) -> int:
    """Run ``carecast fit``: print the calibration and the implied discharges."""
    m = CohortModel.fit(a.dataset, base_year=a.base_year)
    cal = m.calibration()
    if a.format == "table":
        print(
            f"Calibration of {m.dataset}: fitted against published closing stock by year and band"
            f" (projections start from 31 March {m.base_year} by default)"
        )
        for n in m.notes:
            print(f"note: {n}")
        emit(cal.round(4), a.format)
        print("\nImplied against published discharges (implied counts 18th birthdays):")
        emit(m.discharges().round(2), a.format)
    else:
        emit(
            cal,
            a.format,
            {
                "dataset": m.dataset,
                "base_year": m.base_year,
                "tilts": m.tilts,
                "discharges": records(m.discharges()),
                "notes": m.notes,
            },
        )
    write_out(a, {"calibration": cal, "discharges": m.discharges()})
    return 0


def _projection(a: argparse.Namespace) -> tuple[CohortModel, Projection]:
    m = CohortModel.fit(a.dataset, base_year=a.base_year)
    extra: dict[str, Any] = {}
    calibrated_ok = hasattr(a, "intervals")  # only `project` offers calibrated intervals
    if getattr(a, "samples", None) is not None:
        extra = {"samples": a.samples, "seed": a.seed, "levels": parse_levels(a.levels)}
        if calibrated_ok and a.intervals is not None:
            extra["intervals"] = a.intervals
    elif calibrated_ok and (a.levels or a.intervals is not None):
        extra = {"levels": parse_levels(a.levels) or None, "intervals": a.intervals}
        if a.seed is not None:
            extra["seed"] = a.seed
    elif getattr(a, "seed", None) is not None or getattr(a, "levels", None):
        raise ArgumentError("--seed and --levels need --samples (the number of paths)")
    population = None
    if getattr(a, "population", None):
        population = _cli_population.read_file(a.population)
    elif getattr(a, "admissions", None) == "rate":
        population = _cli_population.for_dataset(load(a.dataset))
        if population is None:
            raise ArgumentError(
                "--admissions rate needs children aged 0-17 by year: give --population FILE "
                f"(a CSV `year,population`), or put a table `population` in {a.dataset}"
            )
    what = f"Monte Carlo, {a.samples} paths" if "samples" in extra else "projection"
    with _progress.step(what), warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", CarecastWarning)
        p = m.project(
            years=a.years,
            admissions=a.admissions,
            population=population,
            k=a.k,
            discharges=a.discharges,
            bands=a.bands,
            grain=a.grain,
            **extra,
        )
    for w in caught:
        if issubclass(w.category, CarecastWarning):
            print(f"carecast: warning: {w.message}", file=sys.stderr)
        else:
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    return m, p


def cmd_project(a: argparse.Namespace, emit: Emit) -> int:
    """Run ``carecast project``: print the projection (and its intervals), write its files."""
    m, p = _projection(a)
    if getattr(a, "uasc", False):
        return _cli_national.uasc(a, p, emit)
    df = p.to_pandas()
    if a.measure:
        known = list(dict.fromkeys(df["measure"]))
        for name in a.measure:
            _v.choice("--measure", name, known, UnknownNameError)
        df = df[df["measure"].isin(a.measure)]
    if a.format == "table" and p.levels:
        print(repr(p))
        for n in p.assumptions["notes"] + (p.uncertainty or {}).get("notes", []):
            print(f"note: {n}")
        u = p.uncertainty or {}
        if p.intervals == "calibrated":
            print(
                "\nChildren in care at the end of each year: the projection (value), and the "
                "median and central intervals calibrated on the national backtest's errors "
                "of the default method (one to five years ahead):"
            )
        else:
            print(
                f"\nChildren in care at the end of each period: deterministic value, mean, "
                f"median and central intervals from {u.get('samples')} paths "
                f"(seed {u.get('seed')}):"
            )
        emit(
            df[df["measure"] == "stock"].drop(columns=["measure"]).round(1),
            a.format,
            unit="children",
        )
    elif a.format == "table":
        print(repr(p))
        for n in p.assumptions["notes"]:
            print(f"note: {n}")
        wide = df[df["measure"] == "stock"].pivot_table(
            index="period", columns="band", values="value", sort=False
        )
        print("\nChildren in care at the end of each period (expected counts):")
        emit(wide.round(1).reset_index(), a.format, unit="children")
    else:
        extra: dict[str, Any] = {"assumptions": p.assumptions}
        if p.levels:
            extra["uncertainty"] = p.uncertainty
            extra["levels"] = p.levels
            extra["intervals"] = p.intervals
        emit(df, a.format, extra)
    charts = {"stock": lambda ax: _plots().stock(p, model=m, ax=ax)}
    if p.levels:
        charts["fan"] = lambda ax: _plots().fan(p, model=m, ax=ax)
    from carecast.report import assumptions_frame

    files = {"projection": p.to_pandas(), "assumptions": assumptions_frame(p, m)}
    write_out(a, files, charts)
    return 0


def _exact_horizons(df: pd.DataFrame, digits: int) -> pd.DataFrame:
    """Round a frame for printing, keeping ``horizon`` exact (3.25 stays 3.25)."""
    out = df.round(digits)
    if "horizon" in df.columns:
        out["horizon"] = df["horizon"].map(lambda h: f"{h:g}")
    return out


def cmd_backtest(a: argparse.Namespace, emit: Emit) -> int:
    """Run ``carecast backtest``: one dataset's rolling-origin backtest, or ``dfe:all``."""
    if _cli_national.is_national(a.dataset):
        return _cli_national.run(a, emit)
    if a.samples is None:
        a.samples = DEFAULT_BACKTEST_SAMPLES
    with (
        _progress.step(f"backtest, {a.samples} paths per forecast"),
        warnings.catch_warnings(record=True) as caught,
    ):
        warnings.simplefilter("always", CarecastWarning)
        b = backtest(
            a.dataset,
            a.horizon,
            samples=a.samples,
            seed=a.seed,
            levels=parse_levels(a.levels),
        )
    _cli_national.print_warnings(caught)
    fc, summ, scores = b.forecasts(), b.summary(), b.scores()
    if a.format == "json":
        obj = {
            "dataset": b.dataset,
            "default_method": b.default_method,
            "beats_naive": b.beats_naive,
            "verdicts": b.verdicts,
            "rule": b.rule,
            "levels": b.levels,
            "origins": b.origins,
            "notes": b.notes,
        }
        tail = {
            "scores": records(export.for_output(scores)),
            "ranking": records(b.ranking()),
        }
        _cli_national.print_json(obj, a.summary, summ, fc, tail)
    elif a.format == "csv":
        _cli_national.print_csv(a.summary, summ, fc)
    else:
        print(repr(b))
        for n in b.notes:
            print(f"note: {n}")
        if not a.summary:
            print("\nForecasts of the published stock (per origin, horizon in years):")
            emit(_exact_horizons(fc, 1), a.format)
        print(
            "\nSummary by horizon (pooled over bands; mase: errors over the in-sample "
            "one-year change; rel_mae: against naive = 1, below 1 beats naive):"
        )
        emit(_exact_horizons(summ, 3), a.format)
        print("\nScores by the default rule (naive = 1; lowest wins; year_k: k years ahead):")
        emit(scores.round(3), a.format)
        print()
        for v in b.verdicts:
            print(f"verdict: {v}")
        print(f"rule: {b.rule}")
    write_out(
        a,
        {"backtest_forecasts": fc, "backtest_summary": summ, "backtest_scores": scores},
        {"backtest": lambda ax: _plots().backtest(b, ax=ax)},
    )
    return 0


def _engine_inflow(
    m: CohortModel, leavers_18: list[float], youngest: int, years: int
) -> dict[int, float]:
    """Return the new care leavers at age ``youngest`` at each 31 March after the base year.

    A young person who reaches 18 in care during the year to 31 March t is 18 at that
    31 March, and ``youngest`` at 31 March t + (youngest - 18). The cohorts of the first
    years therefore come from the fitted history (those ageing out of the oldest band in
    the years up to the base year), the later ones from the projection's ``leavers_18``.
    Empty if the history is too short.
    """
    return dict(m._native.engine_inflow(m.base_year, list(leavers_18), youngest, years))


def cmd_leavers(a: argparse.Namespace, emit: Emit) -> int:
    """Run ``carecast leavers``: new care leavers a year and cohorts to 25."""
    m, p = _projection(a)
    df = p.to_pandas()
    # With --samples, the engine's rows carry the Monte Carlo columns (mean, median and
    # lower_<L> / upper_<L>); the cohorts carried from a published opening do not.
    mc = [c for c in df.columns if c in ("mean", "median") or c.startswith(("lower_", "upper_"))]
    engine = df[(df["measure"] == "leavers_18") & (df["band"] == "all")][["year", "value", *mc]]
    frames = [engine.assign(source="engine", age=18, measure="new_care_leavers")]
    ds = load(a.dataset)
    own = None
    if "care_leavers_projection" in ds.table_ids:
        t = ds.table("care_leavers_projection").to_pandas()
        t = t[(t["band"] != "all") & (t["status"] == "exact")]
        t["y"] = [_carecast.period_year(p) for p in t["period"]]
        t["age"] = t["band"].astype(int)
        base = t[t["y"] == m.base_year]
        if len(base):
            opening = dict(zip(base["age"], base["value"], strict=True))
            youngest = min(opening)
            later = t[(t["y"] > m.base_year) & (t["age"] == youngest)]
            published_inflow = dict(zip(later["y"], later["value"], strict=True))
            if published_inflow:
                rep = project_care_leavers(m.base_year, opening, published_inflow)
                frames.append(rep.assign(source="published inflow", measure="care_leavers"))
            inflow = _engine_inflow(m, engine["value"].tolist(), youngest, a.years)
            if inflow:
                own = project_care_leavers(m.base_year, opening, inflow)
                frames.append(own.assign(source="engine inflow", measure="care_leavers"))
    out = pd.concat(frames, ignore_index=True)[["source", "measure", "year", "age", "value", *mc]]
    if a.format == "table":
        print(f"Care leavers, {m.dataset}, from 31 March {m.base_year}")
        totals = out[out["measure"] == "care_leavers"].groupby(["source", "year"])["value"].sum()
        if len(totals):
            emit(totals.round(1).reset_index(), a.format)
        else:
            print(
                f"{m.dataset} publishes no care leavers by age at 31 March {m.base_year} "
                "(table care_leavers_projection), so cohorts to 25 cannot start from a "
                "published count; only the engine's new care leavers are shown."
            )
        u = p.uncertainty or {}
        paths = f", with intervals from {u.get('samples')} paths (seed {u.get('seed')})"
        print(f"\nNew care leavers a year from the engine (18th birthdays){paths if mc else ''}:")
        emit(engine.round(1), a.format)
    else:
        emit(out, a.format, {"dataset": m.dataset, "base_year": m.base_year})
    # The chart shows what the table does: cohorts from the published opening, filled by the
    # engine's new care leavers (no chart without a published opening).
    charts = {}
    if own is not None:
        charts["care_leavers"] = lambda ax: _plots().care_leavers(own, ax=ax, council=m.dataset)
    write_out(a, {"care_leavers": out}, charts)
    return 0
