"""The ``carecast ssda903`` subcommand: the cleaning audit and the moves projection."""

from __future__ import annotations

import argparse
import warnings
from collections.abc import Callable
from typing import Any

import pandas as pd

from carecast._cli_market import add_monte_carlo_arguments, parse_levels, write_out

Emit = Callable[..., None]


def register(add: Callable[..., argparse.ArgumentParser], emit: Emit) -> None:
    """Add the ``ssda903`` subcommand through the CLI's ``add``."""
    sp = add(
        "ssda903",
        lambda a: cmd_ssda903(a, emit),
        "SSDA903 returns: the cleaning audit (rule, rows, children), a projection of "
        "the stock by placement type with placement moves and Monte Carlo intervals, or "
        "the derived stock, starts and ceases reconciled against the DfE panel",
    )
    sp.add_argument("action", choices=["audit", "project", "reconcile"], help="what to do")
    sp.add_argument("paths", nargs="+", help="folders of yearly returns or CSV files")
    sp.add_argument(
        "--council",
        help="reconcile: the council in the DfE panel (name, ONS code or DfE number; "
        "default the returns' LA column)",
    )
    g = sp.add_argument_group("project")
    add_monte_carlo_arguments(g, years=5, levels="80 95")
    g.add_argument(
        "--fit-years",
        type=int,
        default=None,
        help="collection years the rates are counted on (default: the last three)",
    )
    g.add_argument(
        "--move",
        nargs=3,
        action="append",
        metavar=("FROM", "TO", "FACTOR"),
        help="multiply the monthly rate of moving from FROM to TO (placement types or "
        "groups, e.g. residential fostering 1.5); repeatable",
    )
    g.add_argument(
        "--monthly",
        action="store_true",
        help="every month end (default: each 31 March only)",
    )


def disclosed_dataset(name: str) -> Any:
    """Return ``903:PATH`` read with the disclosure rule of ``--disclosure``, else None.

    Under ``--disclosure dfe`` the tables derived from records are disclosed as read
    (:class:`carecast.ssda903.DisclosedTable`), counts of moves included; without it, or
    for another dataset, the caller loads the dataset as usual.
    """
    from carecast import export, ssda903

    rule = export._DISCLOSURE.get()
    if rule == "none" or not name.startswith("903:"):
        return None
    return ssda903.load(name[4:], disclosure=rule)


def _scenario(moves: list[list[str]] | None) -> dict[str, dict[str, Any]] | None:
    if not moves:
        return None
    from carecast import _validate as _v

    out: dict[str, dict[str, Any]] = {}
    for i, (src, dst, factor) in enumerate(moves):
        try:
            f = float(factor)
        except ValueError:
            _v.fail("move", factor, "FACTOR must be a number such as 1.5")
        out[f"move_{i + 1}"] = {"from": src, "to": dst, "factor": f}
    return out


def cmd_ssda903(a: argparse.Namespace, emit: Emit) -> int:
    """Run ``carecast ssda903 audit|project|reconcile``."""
    from carecast import export, ssda903

    if a.action == "reconcile":
        rec = ssda903.reconcile(a.paths, council=a.council)
        df = rec.to_pandas()
        emit(df, a.format, {"dataset": rec.dataset})
        write_out(a, {"ssda903_reconcile": df})
        return 0
    if a.action == "audit":
        # Counts of children and of episode rows in the audit follow --disclosure.
        d = ssda903.load(a.paths, disclosure=export._DISCLOSURE.get())
        df = d.audit
        emit(df, a.format, {"dataset": d.name})
        write_out(a, {"ssda903_audit": df})
        return 0
    from carecast._cli_national import print_warnings
    from carecast.model import CarecastWarning

    with warnings.catch_warnings(record=True) as caught:
        # Capped drawn rates (`MovesProjection.warnings`) reach stderr as `warning:` lines.
        warnings.simplefilter("always", CarecastWarning)
        p = ssda903.project(
            a.paths,
            years=a.years,
            samples=a.samples,
            levels=parse_levels(a.levels) or (80, 95),
            seed=a.seed,
            scenario=_scenario(a.move),
            fit_years=a.fit_years,
        )
    print_warnings(caught)
    df: pd.DataFrame = p.to_pandas(every="month" if a.monthly else "year")
    emit(
        df,
        a.format,
        {"samples": p.samples, "seed": p.seed, "disclosure": export._DISCLOSURE.get()},
    )
    write_out(a, {"ssda903_projection": df})
    return 0
