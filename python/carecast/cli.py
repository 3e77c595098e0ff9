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
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from carecast import (
    _cli_dfe,
    _cli_market,
    _cli_model,
    _cli_report,
    _cli_ssda903,
    _dfe,
    datasets,
    export,
)
from carecast import _validate as _v
from carecast._carecast import CarecastError
from carecast._cli_market import write_out
from carecast._frames import records
from carecast.figures import verify

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
    _cli_model.register(add, _emit)
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
