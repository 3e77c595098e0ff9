"""Subcommands ``placements``, ``costs`` and ``scenario`` of the command line."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

from carecast import _progress, export
from carecast._carecast import ArgumentError
from carecast._frames import records
from carecast.market import (
    MARKET_ADMISSIONS_METHODS,
    MARKET_DISCHARGE_METHODS,
    MIX_METHODS,
    Placements,
    Scenario,
    placements,
    reconcile_spend,
    unit_costs,
    usage_estimates,
)
from carecast.model import DEFAULT_ADMISSIONS, DEFAULT_DISCHARGES

Emit = Callable[..., None]


def add_dataset_and_costs(p: argparse.ArgumentParser, dataset_help: str) -> None:
    """Add the arguments ``placements``, ``costs`` and ``report`` share.

    They are the dataset, the admissions assumption, cost inflation and borrowed unit
    costs, declared once so that the three subcommands read them the same way.
    """
    p.add_argument("dataset", help=dataset_help)
    p.add_argument(
        "--admissions",
        default=None,
        choices=MARKET_ADMISSIONS_METHODS,
        help="admissions assumption (default: the dataset's, as for project: the regional "
        f"default for a dfe: council, else {DEFAULT_ADMISSIONS})",
    )
    p.add_argument("--inflation", type=float, default=0.0, help="unit-cost inflation, %% a year")
    p.add_argument(
        "--unit-costs-from",
        metavar="DATASET",
        help="borrow another dataset's unit costs (e.g. derbyshire for derby)",
    )


def add_monte_carlo_arguments(
    p: argparse.ArgumentParser | argparse._ArgumentGroup, *, years: int, levels: str
) -> None:
    """Add ``--years``, ``--samples``, ``--seed`` and ``--levels`` of a Monte Carlo run.

    ``report`` and ``ssda903 project`` declare them the same way, with 1,000 paths and seed
    0 by default; ``years`` is the default number of years ahead and ``levels`` the default
    levels as the help shows them. Read the levels with :func:`parse_levels`.
    """
    p.add_argument("--years", type=int, default=years, help=f"years ahead (default {years})")
    p.add_argument("--samples", type=int, default=1000, help="Monte Carlo paths (default 1000)")
    p.add_argument("--seed", type=int, default=0, help="seed of the paths (default 0)")
    p.add_argument(
        "--levels",
        action="extend",
        nargs="+",
        metavar="L",
        help=f"interval levels in percent: 80 95 or 80,95 (default {levels})",
    )


def register(add: Callable[..., argparse.ArgumentParser], emit: Emit) -> None:
    """Add the placement, cost and scenario subcommands through the CLI's ``add``."""
    for name, helptext, fn in [
        (
            "placements",
            "placements by type, in-house capacity and the external market, by year",
            cmd_placements,
        ),
        ("costs", "spend by placement type, and published spend reconciled", cmd_costs),
    ]:
        p = add(name, lambda a, fn=fn: fn(a, emit), helptext)
        add_dataset_and_costs(p, "bundled dataset name or folder of tables")
        p.add_argument("--base-year", type=int, help="31 March to start from (calendar year)")
        p.add_argument("--years", type=int, default=5, help="years ahead (default 5)")
        p.add_argument(
            "--discharges",
            default=DEFAULT_DISCHARGES,
            choices=MARKET_DISCHARGE_METHODS,
            help=f"discharge-rate assumption (default {DEFAULT_DISCHARGES}, the core's)",
        )
        p.add_argument("--k", type=int, default=3, help="years averaged by `mean`")
        p.add_argument("--mix", default="held", choices=MIX_METHODS, help="placement mix")
        p.add_argument("--mix-k", type=int, default=3, help="dates averaged by --mix mean")
        p.add_argument(
            "--samples", type=int, help="Monte Carlo paths for intervals (default: none)"
        )
        p.add_argument("--seed", type=int, help="seed of the paths (default 0)")
        p.add_argument(
            "--levels",
            action="extend",
            nargs="+",
            metavar="L",
            help="interval levels in percent: 80 95, 80,95 or repeated (default 80,90)",
        )
        if name == "costs":
            p.add_argument(
                "--reconciliation",
                action="store_true",
                help="with --format csv|json, print the published-spend reconciliation "
                "rows instead of the spend rows",
            )
        if name == "placements":
            p.add_argument(
                "--measure",
                default="placements",
                help="measure of the table view (placements, demand, in_house, ...)",
            )
            p.add_argument(
                "--usage-at",
                type=float,
                metavar="N",
                help="instead, recompute the dataset's 'placement usage at N' table",
            )
    p = add(
        "scenario",
        lambda a: cmd_scenario(a, emit),
        "run a scenario file (TOML or JSON) against its baseline, attributing the "
        "difference to each lever in the file's order",
    )
    p.add_argument("file", help="scenario file (.toml or .json); see scenarios/")


def _borrowed(a: argparse.Namespace) -> list[dict[str, Any]] | None:
    return unit_costs(a.unit_costs_from) if a.unit_costs_from else None


def _placements(a: argparse.Namespace) -> Placements:
    what = f"placements, Monte Carlo with {a.samples} paths" if a.samples else "placements"
    with _progress.step(what):
        return _run_placements(a)


def _run_placements(a: argparse.Namespace) -> Placements:
    return placements(
        a.dataset,
        a.years,
        base_year=a.base_year,
        admissions=a.admissions,
        discharges=a.discharges,
        k=a.k,
        mix=a.mix,
        mix_k=a.mix_k,
        inflation=a.inflation,
        unit_costs=_borrowed(a),
        samples=a.samples,
        seed=a.seed,
        levels=parse_levels(a.levels),
    )


def parse_levels(values: list[str] | None) -> list[float] | None:
    """Levels from ``--levels 80 95``, ``--levels 80,95`` or ``--levels 80 --levels 95``."""
    if not values:
        return None
    out = []
    for v in values:
        for part in v.split(","):
            part = part.strip()
            try:
                out.append(float(part))
            except ValueError:
                raise ArgumentError(
                    f"invalid argument `levels` = {part!r}: expected numbers such as 80,95"
                ) from None
    return out


def cmd_placements(a: argparse.Namespace, emit: Emit) -> int:
    """Run ``carecast placements``."""
    if a.usage_at is not None:
        df = usage_estimates(a.dataset, total=a.usage_at)
        emit(df, a.format, {"dataset": a.dataset, "total": a.usage_at})
        return 0
    p = _placements(a)
    df = p.to_pandas()
    if a.format == "table":
        pools = df[df["placement"].isin(["fostering", "residential"])]
        print("In-house against external, by pool (children at 31 March):")
        wide = pools.pivot_table(
            index="year", columns=["placement", "measure"], values="value", sort=False
        )
        emit(wide.round(1).reset_index(), a.format)
        print(f"\n{a.measure} by placement type:")
        emit(p.to_wide(a.measure).round(1).reset_index(), a.format)
        if p.levels:
            ext = df[df["measure"] == "external"].drop(columns=["measure"])
            print(f"\nExternal placements needed, with intervals ({a.samples} paths):")
            emit(ext.round(1), a.format)
        for n in p.notes:
            print(f"note: {n}")
    else:
        emit(df, a.format, {"dataset": a.dataset, "assumptions": p.assumptions})
    write_out(
        a,
        {"placements": df},
        {
            f"capacity_{pool}": (lambda ax, pool=pool: _plots().capacity(p, pool=pool, ax=ax))
            for pool in ("fostering", "residential")
        },
    )
    return 0


def cmd_costs(a: argparse.Namespace, emit: Emit) -> int:
    """Run ``carecast costs``."""
    p = _placements(a)
    df = p.to_pandas()
    spend = df[df["measure"] == "spend"].reset_index(drop=True)
    rec = reconcile_spend(
        a.dataset, unit_costs=_borrowed(a), inflation=a.inflation, base_year=a.base_year
    )
    if a.format == "table":
        if spend.empty:
            print(
                f"No spend: dataset {a.dataset!r} publishes no unit costs for the types it "
                "places children in (borrow another council's with --unit-costs-from, e.g. "
                "--unit-costs-from derbyshire, or give them in a scenario file)."
            )
        else:
            print(f"Spend by placement type (pounds; inflation {a.inflation}% a year):")
            emit(p.to_wide("spend").round(0).reset_index(), a.format)
        print("\nPublished spend against computed (difference = computed - published):")
        if rec.empty:
            print("(the dataset publishes no spend to reconcile against)")
        else:
            cols = ["year", "what", "published", "computed", "difference", "percent", "method"]
            emit(rec[cols].round(1), a.format)
        for n in p.notes:
            print(f"note: {n}")
    elif a.reconciliation:
        emit(rec, a.format, {"dataset": a.dataset, "inflation": a.inflation})
    else:
        emit(
            spend,
            a.format,
            {
                "dataset": a.dataset,
                "unit_costs": p.assumptions["unit_costs"],
                "reconciliation": records(rec),
            },
        )
    charts = {} if spend.empty else {"spend": lambda ax: _plots().spend(p, ax=ax)}
    write_out(a, {"spend": spend, "spend_reconciliation": rec}, charts)
    return 0


def cmd_scenario(a: argparse.Namespace, emit: Emit) -> int:
    """Run ``carecast scenario``."""
    s = Scenario.from_file(a.file)
    c = s.run()
    df = c.to_pandas()
    att = c.attribution()
    if a.format == "table":
        print(f"{s.name}: scenario - baseline")
        emit(c.summary().round(1).reset_index(), a.format)
        print("\nSpend difference by lever (pounds):")
        spend = att[(att["placement"] == "all") & (att["measure"] == "spend")]
        emit(
            spend.pivot_table(index="year", columns="lever", values="effect", sort=False)
            .round(0)
            .reset_index(),
            a.format,
        )
    elif a.format == "csv":
        emit(df, a.format)
    else:
        emit(
            df,
            a.format,
            {"scenario": s.to_dict(), "attribution": records(att)},
        )
    write_out(
        a,
        {"scenario": df, "scenario_attribution": att},
        {
            # Each drawn against the baseline of the same run (same inflation).
            "scenario_fostering": lambda ax: _plots().scenario(
                c, measure="in_house", placement="fostering", ax=ax
            ),
            "scenario_spend": lambda ax: _plots().scenario(c, measure="spend", ax=ax),
        },
    )
    return 0


def _plots() -> Any:
    from carecast import plots

    return plots


def _out_dir(a: argparse.Namespace) -> Path:
    d = Path(a.out)
    d.mkdir(parents=True, exist_ok=True)
    return d


def _chart(a: argparse.Namespace, name: str, draw: Callable[[Any], Any]) -> None:
    import sys

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(8, 4.5))
    draw(ax)
    # Under --disclosure a chart of counts (every chart but spend, in pounds) follows the
    # rule; one that would draw a count of 1 to 5 is not written.
    why = None if "spend" in name else export.disclose_axes(ax)
    if why:
        plt.close(fig)
        print(f"carecast: note: {name} not written under --disclosure: {why}", file=sys.stderr)
        return
    fig.tight_layout()
    fig.savefig(_out_dir(a) / name, dpi=120)
    plt.close(fig)


def write_out(
    a: argparse.Namespace,
    files: dict[str, pd.DataFrame],
    charts: dict[str, Callable[[Any], Any]] | None = None,
) -> None:
    """Write CSV files and PNG charts to ``--out DIR`` when it was given.

    The files are the clean copies of :func:`carecast.export.for_output`, the same as
    ``--format csv`` prints.
    """
    if not getattr(a, "out", None):
        return
    d = _out_dir(a)
    for name, df in files.items():
        export.write_csv(export.for_output(df), d / f"{name}.csv")
    for name, draw in (charts or {}).items():
        _chart(a, f"{name}.png", draw)
