"""Regression pins: the command line's JSON output against files written by an earlier build.

Each case runs ``carecast ... --format json`` in process and compares every row with the file of
the same name in ``tests/golden/``: the same rows in the same order, every text equal, every
number within 1e-9 (relative, or absolute near zero). The files are not published figures (those
are checked by ``tests/figures/``): they pin what this code produced when they were written, so
that moving code (module splits, faster arithmetic) cannot change a result unnoticed. A change
that is meant to move a result rewrites them, in the same commit, with::

    python tests/test_golden.py --write

and the commit says why the figures moved.
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path
from typing import Any

import pytest

from carecast.cli import main

GOLDEN = Path(__file__).parent / "golden"

#: (file stem, command-line arguments before ``--format json``).
CASES: list[tuple[str, list[str]]] = [
    ("project_derbyshire", ["project", "derbyshire"]),
    ("project_derbyshire_month", ["project", "derbyshire", "--grain", "month", "--years", "3"]),
    ("project_derby_calibrated", ["project", "derby", "--levels", "80", "95"]),
    (
        "project_nottinghamshire_paths",
        ["project", "dfe:Nottinghamshire", "--samples", "200", "--seed", "1"],
    ),
    ("project_nottinghamshire_calibrated", ["project", "dfe:Nottinghamshire", "--levels", "80"]),
    ("leavers_derbyshire", ["leavers", "derbyshire"]),
    ("placements_derbyshire", ["placements", "derbyshire"]),
    ("costs_derbyshire", ["costs", "derbyshire"]),
    ("backtest_derby", ["backtest", "derby"]),
    ("reconcile_d2n2", ["reconcile", "d2n2"]),
]

TOLERANCE = 1e-9


def run_json(args: list[str], capsys: Any) -> dict[str, Any]:
    """Run the CLI with ``--format json`` and parse what it printed."""
    assert main([*args, "--format", "json"]) == 0
    return json.loads(capsys.readouterr().out)


def differences(expected: Any, found: Any, where: str = "") -> list[str]:
    """Every place where ``found`` differs from ``expected`` (numbers within the tolerance)."""
    if isinstance(expected, bool) or isinstance(found, bool):
        return [] if expected is found else [f"{where}: {expected!r} != {found!r}"]
    if isinstance(expected, (int, float)) and isinstance(found, (int, float)):
        if math.isclose(expected, found, rel_tol=TOLERANCE, abs_tol=TOLERANCE):
            return []
        return [f"{where}: {expected!r} != {found!r}"]
    if isinstance(expected, dict) and isinstance(found, dict):
        if expected.keys() != found.keys():
            return [f"{where}: keys {sorted(expected)} != {sorted(found)}"]
        return [d for k in expected for d in differences(expected[k], found[k], f"{where}.{k}")]
    if isinstance(expected, list) and isinstance(found, list):
        if len(expected) != len(found):
            return [f"{where}: {len(expected)} items != {len(found)}"]
        return [
            d
            for i, (e, f) in enumerate(zip(expected, found, strict=True))
            for d in differences(e, f, f"{where}[{i}]")
        ]
    return [] if expected == found else [f"{where}: {expected!r} != {found!r}"]


@pytest.mark.parametrize(("stem", "args"), CASES, ids=[c[0] for c in CASES])
def test_output_matches_its_pin(stem: str, args: list[str], capsys: Any) -> None:
    expected = json.loads((GOLDEN / f"{stem}.json").read_text())
    found = run_json(args, capsys)
    assert found["rows"], "a pinned command printed no rows"
    diffs = differences(expected, found)
    assert not diffs, f"{len(diffs)} values moved, first: " + "; ".join(diffs[:5])


def test_comparison_sees_a_moved_value() -> None:
    rows = {"rows": [{"band": "all", "value": 1000.0, "lower_80": 950.5}]}
    moved = {"rows": [{"band": "all", "value": 1000.0, "lower_80": 950.50001}]}
    assert differences(rows, rows) == []
    assert differences(rows, moved) == [".rows[0].lower_80: 950.5 != 950.50001"]
    assert differences(rows, {"rows": []}) == [".rows: 1 items != 0"]
    assert differences(rows, {"rows": [{"band": "1-4", "value": 1000.0, "lower_80": 950.5}]})


def write() -> None:
    """Rewrite every pin from the current build."""
    import contextlib
    import io

    GOLDEN.mkdir(exist_ok=True)
    for stem, args in CASES:
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            assert main([*args, "--format", "json"]) == 0
        data = json.loads(out.getvalue())
        (GOLDEN / f"{stem}.json").write_text(json.dumps(data, indent=0, sort_keys=False) + "\n")
        print(f"wrote {stem}.json ({len(data['rows'])} rows)")


if __name__ == "__main__":
    if sys.argv[1:] != ["--write"]:
        sys.exit("usage: python tests/test_golden.py --write")
    write()
