"""The ``carecast`` command line.

Every subcommand takes ``--format table|csv|json``. JSON output is one object with a
``rows`` list whose records carry the same columns as the Python DataFrame.

Exit codes: 0 success; 1 a check failed (``verify``, or ``reconcile --strict``);
2 bad input (unknown dataset, table or measure, malformed file, bad argument, ``--out``
naming a file, a missing dependency). ``carecast COMMAND --help`` shows the subcommand's
own examples (:data:`COMMAND_EXAMPLES`) and the exit codes.
"""

from __future__ import annotations

import argparse
import json
import sys
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from carecast import (
    _carecast,
    _cli_dfe,
    _cli_market,
    _cli_national,
    _cli_population,
    _cli_report,
    _cli_ssda903,
    _dfe,
    _progress,
    datasets,
    export,
)
from carecast import _validate as _v
from carecast._carecast import ArgumentError, CarecastError, UnknownNameError
from carecast._cli_market import parse_levels as _parse_levels
from carecast._cli_market import write_out
from carecast._frames import records
from carecast.backtest import DEFAULT_BACKTEST_SAMPLES, backtest
from carecast.datasets import load
from carecast.figures import verify
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

EXIT_CODES = """\
exit codes:
  0  success
  1  a check failed (verify; reconcile --strict)
  2  bad input: unknown dataset, table or measure, malformed file, bad argument,
     --out not a folder, or a missing dependency
"""

#: Examples shown by ``carecast COMMAND --help``, per subcommand.
COMMAND_EXAMPLES: dict[str, list[str]] = {
    "datasets": ["carecast datasets", "carecast datasets --format json --out out/"],
    "councils": _cli_dfe.EXAMPLES,
    "show": [
        "carecast show derbyshire",
        "carecast show derbyshire cic_by_age --format csv",
        "carecast show path/to/my_council --out out/",
    ],
    "reconcile": [
        "carecast reconcile derbyshire",
        "carecast reconcile derbyshire --status fail --format json",
        "carecast reconcile path/to/my_council --strict",
    ],
    "verify": [
        "carecast verify tests/figures/*.toml",
        "carecast verify tests/figures/*.toml --junit figures.xml",
    ],
    "fit": [
        "carecast fit derbyshire",
        "carecast fit derby --base-year 2023 --format json",
    ],
    "project": [
        "carecast project derbyshire --base-year 2017 --years 10 --admissions trend",
        "carecast project derbyshire --samples 1000 --seed 0 --levels 80,95 --out out/",
        "carecast project derby --grain quarter --measure stock --format csv",
    ],
    "leavers": [
        "carecast leavers derbyshire",
        "carecast leavers derbyshire --years 4 --format csv --out out/",
        "carecast leavers derbyshire --samples 1000 --levels 80,95",
    ],
    "backtest": [
        "carecast backtest derbyshire",
        "carecast backtest derby --horizon 2 --format json --out out/",
        "carecast backtest derbyshire --format csv --summary",
        "carecast backtest dfe:all --summary --format csv",
    ],
    "placements": [
        "carecast placements derbyshire --years 5 --out out/",
        "carecast placements derbyshire --samples 1000 --seed 0",
        "carecast placements derbyshire --usage-at 700",
    ],
    "costs": [
        "carecast costs derbyshire --inflation 2",
        "carecast costs derby --unit-costs-from derbyshire --inflation 3 --format csv",
    ],
    "report": [
        "carecast report derbyshire --out out/derbyshire",
        "carecast report derbyshire --out out/ --scenario scenarios/recruit_60_carers.toml",
        "carecast report derby --out out/ --unit-costs-from derbyshire --inflation 2",
    ],
    "ssda903": [
        "carecast ssda903 audit path/to/my_council_903/",
        "carecast ssda903 project path/to/my_council_903/ --years 5 --seed 1",
        "carecast ssda903 project path/to/my_council_903/ --move residential fostering 1.5",
        "carecast show 903:path/to/my_council_903/ cic_by_age",
    ],
    "scenario": [
        "carecast scenario scenarios/recruit_60_carers.toml",
        "carecast scenario scenarios/recruit_60_carers.toml --format json --out out/",
    ],
}


def epilog(command: str | None = None) -> str:
    """Return the ``--help`` epilog: the examples of one subcommand (or of all) and exit codes.

    Subcommands registered elsewhere (e.g. ``_cli_market``) get theirs through ``add``.
    """
    if command is None:
        lines = [ex[0] for ex in COMMAND_EXAMPLES.values()]
    else:
        lines = COMMAND_EXAMPLES.get(command, [])
    text = "examples:\n" + "".join(f"  {x}\n" for x in lines) if lines else ""
    return text + ("\n" if text else "") + EXIT_CODES


def _plots() -> Any:
    from carecast import plots

    return plots


def _disclosed(df: pd.DataFrame, unit: str | None) -> pd.DataFrame:
    """Return the output copy under ``--disclosure``.

    Names on stderr any numeric column the rule could not apply to because it carries no
    unit (printed as computed, rounded).
    """
    rule = export._DISCLOSURE.get()
    if rule == "none":
        return export.for_output(df)
    if unit is not None:
        return export._disclose(export.clean(df, unit=unit), rule, df)
    out = export.for_output(df)
    if "unit" not in out.columns:
        own = out.attrs.get("units", {})
        skipped = [
            str(c)
            for c in out.columns
            if str(c) not in own
            and str(c) not in export._NOT_COUNTS
            and pd.api.types.is_float_dtype(out[c])
        ]
        if skipped:
            print(
                f"carecast: note: --disclosure {rule}: column(s) {', '.join(skipped)} carry "
                "no unit and are printed as computed",
                file=sys.stderr,
            )
    return out


def _emit(
    df: pd.DataFrame, fmt: str, extra: dict[str, Any] | None = None, unit: str | None = None
) -> None:
    if export._DISCLOSURE.get() != "none":
        df = _disclosed(df, unit)
        if fmt != "table":
            # Already the output copy: written as it is.
            _write(df, fmt, extra)
            return
    _write_raw(df, fmt, extra)


def _write(df: pd.DataFrame, fmt: str, extra: dict[str, Any] | None) -> None:
    if fmt == "json":
        obj: dict[str, Any] = dict(extra or {})
        obj["rows"] = records(df)
        json.dump(obj, sys.stdout, indent=1)
        sys.stdout.write("\n")
    else:
        sys.stdout.write(export.to_csv(df))


def _write_raw(df: pd.DataFrame, fmt: str, extra: dict[str, Any] | None = None) -> None:
    if fmt == "json":
        obj: dict[str, Any] = dict(extra or {})
        obj["rows"] = records(export.for_output(df))
        json.dump(obj, sys.stdout, indent=1)
        sys.stdout.write("\n")
    elif fmt == "csv":
        sys.stdout.write(export.to_csv(export.for_output(df)))
    else:
        with pd.option_context(
            "display.max_rows",
            None,
            "display.max_columns",
            None,
            "display.width",
            250,
            "display.max_colwidth",
            60,
        ):
            sys.stdout.write(df.to_string(index=False, na_rep="") + "\n")


def _cmd_datasets(a: argparse.Namespace) -> int:
    rows = []
    for n in datasets.names():
        d = datasets.load(n)
        rows.append({"dataset": d.name, "title": d.title, "tables": len(d.table_ids)})
    df = pd.DataFrame(rows, columns=["dataset", "title", "tables"])
    _emit(df, a.format)
    write_out(a, {"datasets": df})
    return 0


def _cmd_show(a: argparse.Namespace) -> int:
    d = _cli_ssda903.disclosed_dataset(a.dataset) or datasets.load(a.dataset)
    if a.table:
        t = d.table(a.table)
        if a.format == "table":
            print(f"{t.id}: {t.title}\nsource: {t.citation}")
            if t.notes:
                print(f"notes: {t.notes}")
            print()
        _emit(t.to_pandas(), a.format, {"dataset": d.name, "table": t.id, "source": t.citation})
    else:
        if a.format == "table":
            print(f"{d.name}: {d.title}\n")
        _emit(d.tables(), a.format, {"dataset": d.name})
    if a.table:
        write_out(a, {a.table: d.table(a.table).to_pandas()})
    else:
        write_out(a, {f"{d.name}_tables": d.tables()})
    return 0


def _cmd_reconcile(a: argparse.Namespace) -> int:
    d = datasets.load(a.dataset)
    rec = d.reconcile()
    df = rec.to_pandas()
    if a.status:
        df = df[df["status"].isin(a.status)]
    if a.format == "table":
        print(f"Reconciliation of {d.name}: {rec.counts()}")
        print("difference = found - expected (computed from the parts minus the stated figure)\n")
        cols = [
            "status",
            "check",
            "group",
            "expected",
            "found_lower",
            "found_upper",
            "difference_lower",
            "difference_upper",
        ]
        _emit(df[cols], a.format)
    else:
        _emit(df, a.format, {"dataset": d.name, "counts": rec.counts()})
    write_out(a, {"reconciliation": df})
    return 1 if a.strict and rec.counts()["fail"] else 0


def _cmd_verify(a: argparse.Namespace) -> int:
    report = verify(*a.files)
    df = report.to_pandas()
    if a.junit:
        report.to_junit(a.junit)
    if a.format == "table":
        _emit(
            df[
                ["status", "name", "expected", "found_lower", "found_upper", "tolerance", "message"]
            ],
            a.format,
        )
        n_bad = int((df["status"] != "pass").sum())
        print(f"\n{len(df) - n_bad} passed, {n_bad} failed")
    else:
        _emit(df, a.format, {"passed": report.passed})
    write_out(a, {"figures": df})
    return 0 if report.passed else 1


def _cmd_fit(a: argparse.Namespace) -> int:
    m = CohortModel.fit(a.dataset, base_year=a.base_year)
    cal = m.calibration()
    if a.format == "table":
        print(
            f"Calibration of {m.dataset}: fitted against published closing stock by year and band"
            f" (projections start from 31 March {m.base_year} by default)"
        )
        for n in m.notes:
            print(f"note: {n}")
        _emit(cal.round(4), a.format)
        print("\nImplied against published discharges (implied counts 18th birthdays):")
        _emit(m.discharges().round(2), a.format)
    else:
        _emit(
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
        extra = {"samples": a.samples, "seed": a.seed, "levels": _parse_levels(a.levels)}
        if calibrated_ok and a.intervals is not None:
            extra["intervals"] = a.intervals
    elif calibrated_ok and (a.levels or a.intervals is not None):
        extra = {"levels": _parse_levels(a.levels) or None, "intervals": a.intervals}
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


def _cmd_project(a: argparse.Namespace) -> int:
    m, p = _projection(a)
    if getattr(a, "uasc", False):
        return _cli_national.uasc(a, p, _emit)
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
        _emit(
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
        _emit(wide.round(1).reset_index(), a.format, unit="children")
    else:
        extra: dict[str, Any] = {"assumptions": p.assumptions}
        if p.levels:
            extra["uncertainty"] = p.uncertainty
            extra["levels"] = p.levels
            extra["intervals"] = p.intervals
        _emit(df, a.format, extra)
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


def _cmd_backtest(a: argparse.Namespace) -> int:
    if _cli_national.is_national(a.dataset):
        return _cli_national.run(a, _emit)
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
            levels=_parse_levels(a.levels),
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
            "table": "summary" if a.summary else "forecasts",
            "rows": records(export.for_output(summ if a.summary else fc)),
            "scores": records(export.for_output(scores)),
            "ranking": records(b.ranking()),
        }
        if not a.summary:
            obj["summary"] = records(export.for_output(summ))
        json.dump(obj, sys.stdout, indent=1)
        sys.stdout.write("\n")
    elif a.format == "csv":
        sys.stdout.write(export.to_csv(export.for_output(summ if a.summary else fc)))
    else:
        print(repr(b))
        for n in b.notes:
            print(f"note: {n}")
        if not a.summary:
            print("\nForecasts of the published stock (per origin, horizon in years):")
            _emit(_exact_horizons(fc, 1), a.format)
        print(
            "\nSummary by horizon (pooled over bands; mase: errors over the in-sample "
            "one-year change; rel_mae: against naive = 1, below 1 beats naive):"
        )
        _emit(_exact_horizons(summ, 3), a.format)
        print("\nScores by the default rule (naive = 1; lowest wins; year_k: k years ahead):")
        _emit(scores.round(3), a.format)
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


def _cmd_leavers(a: argparse.Namespace) -> int:
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
            _emit(totals.round(1).reset_index(), a.format)
        else:
            print(
                f"{m.dataset} publishes no care leavers by age at 31 March {m.base_year} "
                "(table care_leavers_projection), so cohorts to 25 cannot start from a "
                "published count; only the engine's new care leavers are shown."
            )
        u = p.uncertainty or {}
        paths = f", with intervals from {u.get('samples')} paths (seed {u.get('seed')})"
        print(f"\nNew care leavers a year from the engine (18th birthdays){paths if mc else ''}:")
        _emit(engine.round(1), a.format)
    else:
        _emit(out, a.format, {"dataset": m.dataset, "base_year": m.base_year})
    # The chart shows what the table does: cohorts from the published opening, filled by the
    # engine's new care leavers (no chart without a published opening).
    charts = {}
    if own is not None:
        charts["care_leavers"] = lambda ax: _plots().care_leavers(own, ax=ax, council=m.dataset)
    write_out(a, {"care_leavers": out}, charts)
    return 0


#: ``add(name, fn, help)``: adds a subcommand with the options every subcommand shares.
AddCommand = Callable[[str, Callable[[argparse.Namespace], int], str], argparse.ArgumentParser]


def _common_args(sp: argparse.ArgumentParser) -> None:
    """Add the options every subcommand takes: output format, ``--out``, DfE files, disclosure."""
    sp.add_argument(
        "--format",
        choices=["table", "csv", "json"],
        default="table",
        help="output format (default: table)",
    )
    sp.add_argument(
        "--out",
        metavar="DIR",
        help="also write the result as CSV files (and charts as PNG, where there are any) to DIR",
    )
    sp.add_argument(
        "--dfe-files",
        nargs="+",
        metavar="PATH",
        help="files of a newer DfE release added on top of the bundled DfE panel "
        "(for dfe:<council> datasets; latest release wins)",
    )
    sp.add_argument(
        "--disclosure",
        choices=list(export.DISCLOSURE_RULES),
        default="none",
        help="disclosure control of what is printed and written: dfe rounds counts of "
        "children to whole numbers and writes counts of 1 to 5 as `c`, as the DfE's "
        "local-authority tables do (default: none)",
    )


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
        default=DEFAULT_ADMISSIONS,
        help=f"admissions assumption (default {DEFAULT_ADMISSIONS}: the core's default, "
        "chosen by the national backtest of every council; it runs from any base year); "
        "rate: per 10,000 children times --population; trend needs two observed years",
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


def _register_data_commands(add: AddCommand) -> None:
    """Add the subcommands that read data: datasets, show, ssda903, reconcile and verify."""
    add("datasets", _cmd_datasets, "list the bundled datasets")
    sp = add("show", _cmd_show, "list a dataset's tables, or print one table in long form")
    sp.add_argument("dataset", help="bundled dataset name, a folder of table files, or 903:PATH")
    sp.add_argument("table", nargs="?", help="table id")
    _cli_ssda903.register(add, _emit)
    sp = add("reconcile", _cmd_reconcile, "run every check the published tables allow")
    sp.add_argument("dataset", help="bundled dataset name or a folder of table files")
    sp.add_argument(
        "--status",
        action="append",
        choices=["pass", "fail", "indeterminate", "unavailable"],
        help="show only findings with this status (repeatable)",
    )
    sp.add_argument("--strict", action="store_true", help="exit 1 when any check fails")
    sp = add("verify", _cmd_verify, "check published figures (TOML files) against carecast")
    sp.add_argument("files", nargs="+", help="figures files")
    sp.add_argument("--junit", metavar="PATH", help="also write JUnit XML to PATH")


def _register_model_commands(add: AddCommand) -> None:
    """Add the cohort model's subcommands: ``fit``, ``project``, ``backtest``, ``leavers``."""
    sp = add("fit", _cmd_fit, "fit the cohort model and compare it with the published figures")
    sp.add_argument("dataset", help="bundled dataset name or a folder of table files")
    sp.add_argument(
        "--base-year",
        type=int,
        default=None,
        help="31 March projections start from by default, checked against the observed "
        "years (default: the last observed)",
    )
    sp = add("project", _cmd_project, "project children in care by band and year")
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
        _cmd_backtest,
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
    sp = add("leavers", _cmd_leavers, "project care leavers to age 25")
    _model_args(sp)
    _mc_args(sp, None)


def build_parser() -> argparse.ArgumentParser:
    """Build the argument parser (exposed for documentation and tests)."""
    p = argparse.ArgumentParser(
        prog="carecast",
        description="Forecast children-in-care placement demand from published tables.",
        epilog=epilog() + "\nRun `carecast COMMAND --help` for a subcommand's options.\n",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def add(
        name: str, fn: Callable[[argparse.Namespace], int], help: str
    ) -> argparse.ArgumentParser:
        sp = sub.add_parser(
            name,
            help=help,
            description=help,
            epilog=epilog(name),
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        _common_args(sp)
        sp.set_defaults(func=fn)
        return sp

    _register_data_commands(add)
    _register_model_commands(add)
    _cli_market.register(add, _emit)
    _cli_report.register(add, _emit)
    _cli_dfe.register(add, _emit)
    return p


def _check_out(a: argparse.Namespace) -> None:
    """Refuse ``--out`` naming an existing file (or a folder under a file) before any work."""
    out = getattr(a, "out", None)
    if out is None:
        return
    if not out.strip():
        _v.fail("--out", out, "expected a folder to write CSV files and charts to")
    path = Path(out)
    for p in [path, *path.parents]:
        if p.exists():
            if not p.is_dir():
                what = "is" if p == path else f"is under {p}, which is"
                _v.fail("--out", out, f"{what} a file, not a folder")
            break


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code (see ``carecast --help``)."""
    args = build_parser().parse_args(argv)
    try:
        _dfe.DFE_FILES[:] = getattr(args, "dfe_files", None) or []
        _check_out(args)
        with export.disclosure_control(getattr(args, "disclosure", "none")):
            return int(args.func(args))
    except CarecastError as e:
        print(f"carecast: error: {e}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        return 0
    except UnicodeDecodeError as e:
        # A file read as text that is not UTF-8 (e.g. a Windows-1252 export from Excel).
        print(
            f"carecast: error: a file given is not UTF-8 text (byte {e.start}: {e.reason}); "
            'save it as "CSV UTF-8"',
            file=sys.stderr,
        )
        return 2
    except OverflowError as e:
        # A number too large for the native layer (a safety net: the Python entry points
        # check their arguments first). PyO3 notes which argument it was processing.
        where = "; ".join(getattr(e, "__notes__", []))
        print(f"carecast: error: a number is out of range ({e}; {where})", file=sys.stderr)
        return 2
    except ImportError as e:
        hint = " (pip install matplotlib)" if "matplotlib" in str(e) else ""
        print(f"carecast: error: a dependency is missing: {e}{hint}", file=sys.stderr)
        return 2
    except OSError as e:
        print(f"carecast: error: {e}", file=sys.stderr)
        return 2
