"""The ``carecast`` command line.

Every subcommand takes ``--format table|csv|json``. JSON output is one object with a
``rows`` list whose records carry the same columns as the Python DataFrame.

Exit codes: 0 success; 1 a check failed (``verify``, or ``reconcile --strict``);
2 bad input (unknown dataset or table, malformed file, bad argument).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from typing import Any

import pandas as pd

from carecast import datasets
from carecast._carecast import CarecastError
from carecast._frames import records
from carecast.figures import verify

EXAMPLES = """\
examples:
  carecast datasets
  carecast show derbyshire
  carecast show derbyshire cic_by_age --format csv
  carecast reconcile derbyshire --format json
  carecast verify tests/figures/*.toml --junit figures.xml
"""


def _emit(df: pd.DataFrame, fmt: str, extra: dict[str, Any] | None = None) -> None:
    if fmt == "json":
        obj: dict[str, Any] = dict(extra or {})
        obj["rows"] = records(df)
        json.dump(obj, sys.stdout, indent=1)
        sys.stdout.write("\n")
    elif fmt == "csv":
        df.to_csv(sys.stdout, index=False)
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
    _emit(pd.DataFrame(rows, columns=["dataset", "title", "tables"]), a.format)
    return 0


def _cmd_show(a: argparse.Namespace) -> int:
    d = datasets.load(a.dataset)
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
    return 0 if report.passed else 1


def build_parser() -> argparse.ArgumentParser:
    """Build the argument parser (exposed for documentation and tests)."""
    p = argparse.ArgumentParser(
        prog="carecast",
        description="Forecast children-in-care placement demand from published tables.",
        epilog=EXAMPLES,
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
            epilog=EXAMPLES,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        sp.add_argument(
            "--format",
            choices=["table", "csv", "json"],
            default="table",
            help="output format (default: table)",
        )
        sp.set_defaults(func=fn)
        return sp

    add("datasets", _cmd_datasets, "list the bundled datasets")
    sp = add("show", _cmd_show, "list a dataset's tables, or print one table in long form")
    sp.add_argument("dataset", help="bundled dataset name or a folder of table files")
    sp.add_argument("table", nargs="?", help="table id")
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
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except CarecastError as e:
        print(f"carecast: error: {e}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        return 0
