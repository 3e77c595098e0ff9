"""Subcommand ``report`` of the command line: the sufficiency report (HTML and Excel)."""

from __future__ import annotations

import argparse
from collections.abc import Callable

import pandas as pd

from carecast._carecast import ArgumentError
from carecast._cli_market import add_dataset_and_costs, add_monte_carlo_arguments, parse_levels
from carecast.model import DEFAULT_LEVELS

Emit = Callable[..., None]


def register(add: Callable[..., argparse.ArgumentParser], emit: Emit) -> None:
    """Add the ``report`` subcommand through the CLI's ``add``."""
    sp = add(
        "report",
        lambda a: cmd_report(a, emit),
        "write the sufficiency report: an HTML file that opens offline, and an Excel "
        "workbook of its tables, to --out DIR",
    )
    add_dataset_and_costs(sp, "bundled dataset name, dfe:<council> or a folder of tables")
    sp.add_argument("--scenario", metavar="FILE", help="scenario file shown beside its baseline")
    sp.add_argument("--base-year", type=int, default=None, help="31 March to project from")
    add_monte_carlo_arguments(sp, years=10, levels="80,90")


def cmd_report(a: argparse.Namespace, emit: Emit) -> int:
    """Run ``carecast report``: write the HTML report and workbook, print its sections."""
    from carecast.report import report, stderr_progress

    if not a.out:
        raise ArgumentError("carecast report needs --out DIR (the folder to write the report to)")
    r = report(
        a.dataset,
        a.out,
        scenario=a.scenario,
        base_year=a.base_year,
        years=a.years,
        admissions=a.admissions,
        inflation=a.inflation,
        unit_costs_from=a.unit_costs_from,
        samples=a.samples,
        seed=a.seed,
        levels=parse_levels(a.levels) or DEFAULT_LEVELS,
        progress=stderr_progress(),
        disclosure=a.disclosure,
    )
    df = pd.DataFrame(
        [
            {
                "section": s["title"],
                "available": s["available"],
                "charts": len(s["charts"]),
                "reason": s["reason"],
            }
            for s in r.sections
        ]
    )
    if a.format == "table":
        print(f"Report on {r.title} ({r.dataset}) in {r.seconds:.1f} s")
        print(f"html: {r.html_path}\nexcel: {r.excel_path}\n")
    emit(
        df,
        a.format,
        {"dataset": r.dataset, "html": str(r.html_path), "excel": str(r.excel_path)},
    )
    return 0
