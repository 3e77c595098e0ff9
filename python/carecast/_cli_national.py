"""``carecast backtest dfe:all``: the national backtest on the command line."""

from __future__ import annotations

import argparse
import json
import sys
import warnings
from collections.abc import Callable
from typing import Any

import pandas as pd

from carecast import _progress, export
from carecast._cli_market import parse_levels, write_out
from carecast._frames import records
from carecast._national import NATIONAL, national_backtest, uasc_streams
from carecast.model import CarecastWarning, Projection


def is_national(dataset: str) -> bool:
    """Whether a dataset argument names the national backtest (``dfe:all``)."""
    return dataset.strip().lower() == NATIONAL


def print_json(
    head: dict[str, Any],
    summary: bool,
    summ: pd.DataFrame,
    fc: pd.DataFrame,
    tail: dict[str, Any],
) -> None:
    """Print a backtest as one JSON object.

    The keys are ``head``'s, the table asked for as ``rows`` (the summary, or the
    per-origin forecasts), ``tail``'s, then the summary when ``rows`` are the forecasts.
    """
    obj = {
        **head,
        "table": "summary" if summary else "forecasts",
        "rows": records(export.for_output(summ if summary else fc)),
        **tail,
    }
    if not summary:
        obj["summary"] = records(export.for_output(summ))
    json.dump(obj, sys.stdout, indent=1)
    sys.stdout.write("\n")


def print_csv(summary: bool, summ: pd.DataFrame, fc: pd.DataFrame) -> None:
    """Print the summary or the per-origin forecasts of a backtest as CSV."""
    sys.stdout.write(export.to_csv(export.for_output(summ if summary else fc)))


def run(a: argparse.Namespace, emit: Callable[[pd.DataFrame, str], None]) -> int:
    """Run the national backtest for ``carecast backtest dfe:all`` and print it."""
    samples = a.samples or 0
    what = f"national backtest of every council, {samples} paths per forecast"
    with _progress.step(what):
        b = national_backtest(
            a.horizon, samples=samples, seed=a.seed, levels=parse_levels(a.levels)
        )
    fc, summ = b.forecasts(), b.summary()
    if a.format == "json":
        obj: dict[str, Any] = {
            "dataset": b.dataset,
            "default_method": b.default_method,
            "levels": b.levels,
            "origins": b.origins,
            "paths": b.paths,
            "notes": b.notes,
        }
        print_json(obj, a.summary, summ, fc, {"failures": records(b.failures())})
    elif a.format == "csv":
        print_csv(a.summary, summ, fc)
    else:
        print(repr(b))
        for n in b.notes:
            print(f"note: {n}")
        fails = b.failures()
        if len(fails):
            counts = fails.groupby("method").size()
            print(
                "cannot run (council x origin): " + ", ".join(f"{m} {n}" for m, n in counts.items())
            )
        cols = ["method", "horizon", "n", "councils", "mape", "mape_lo", "mape_hi"]
        cols += ["rel_naive", "mase", "bias", "beats_naive"]
        cols += [c for c in summ.columns if c.startswith(("coverage_", "width_"))]
        if samples:
            cols += [c for c in summ.columns if c.startswith("mc_")]
        for series, title in (("total", "Total"), ("bands", "Age bands")):
            s = b.summary(series)
            print(
                f"\n{title}: pooled over councils (mape %, 90% bootstrap interval over "
                "councils; rel_naive: against naive = 1, below 1 beats naive):"
            )
            emit(s[cols].round(3), a.format)
    write_out(
        a,
        {"national_forecasts": fc, "national_summary": summ, "national_failures": b.failures()},
    )
    return 0


def print_warnings(caught: list[warnings.WarningMessage]) -> None:
    """Print caught :class:`CarecastWarning` on stderr; re-issue any other warning."""
    for w in caught:
        if issubclass(w.category, CarecastWarning):
            print(f"carecast: warning: {w.message}", file=sys.stderr)
        else:
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)


def uasc(a: argparse.Namespace, p: Projection, emit: Callable[..., None]) -> int:
    """Print ``carecast project DATASET --uasc``: the total stock in UASC and other streams."""
    df = uasc_streams(p, a.dataset)
    if a.format == "table":
        print(repr(p))
        print(f"note: {df.attrs['method']}")
        wide = df.pivot_table(index="year", columns="stream", values="value", sort=False)
        wide = wide[["uasc", "other", "all"]].reset_index()
        print("\nChildren in care at 31 March by stream (expected counts):")
        emit(wide.round(1), a.format, unit="children")
    else:
        emit(df, a.format, {"method": df.attrs["method"], "assumptions": p.assumptions})
    write_out(a, {"uasc_streams": df}, {})
    return 0
