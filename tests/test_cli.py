import json
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from carecast.cli import main

ROOT = Path(__file__).resolve().parents[1]


def run(capsys, *args):
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_reconcile_json_shows_stock_identity(capsys):
    code, out, _ = run(capsys, "reconcile", "derbyshire", "--format", "json")
    assert code == 0
    obj = json.loads(out)
    rows = [r for r in obj["rows"] if r["kind"] == "stock_identity"]
    assert [r["difference"] for r in rows] == [0, 2, -6, -1]
    assert {"check", "expected", "found", "difference", "status", "sources"} <= set(rows[0])


def test_show_lists_tables_with_sources(capsys):
    code, out, _ = run(capsys, "show", "derbyshire")
    assert code == 0
    assert "cic_by_age" in out and "004_85328cd596b7bfe6.txt" in out
    code, out, _ = run(capsys, "show", "derbyshire", "cic_by_age", "--format", "csv")
    assert out.splitlines()[0].startswith("table,period,area,band")
    code, out, _ = run(capsys, "show", "d2n2", "supply_by_la", "--format", "json")
    assert json.loads(out)["rows"][0]["table"] == "supply_by_la"


def test_datasets(capsys):
    code, out, _ = run(capsys, "datasets", "--format", "json")
    assert {r["dataset"] for r in json.loads(out)["rows"]} == {"derbyshire", "derby", "d2n2"}


def test_verify_passes_and_fails_when_altered(capsys, tmp_path):
    files = sorted(str(p) for p in (ROOT / "tests" / "figures").glob("*.toml"))
    junit = tmp_path / "j.xml"
    code, out, _ = run(capsys, "verify", *files, "--junit", str(junit))
    assert code == 0, out
    assert ET.parse(junit).getroot().find("testsuite").get("failures") == "0"
    text = (ROOT / "tests" / "figures" / "derbyshire.toml").read_text()
    altered = tmp_path / "altered.toml"
    altered.write_text(text.replace("expected = -6", "expected = -5"))
    code, out, _ = run(capsys, "verify", str(altered), "--junit", str(junit))
    assert code == 1
    assert "fail" in out
    assert ET.parse(junit).getroot().find("testsuite").get("failures") == "1"


def test_bad_input_exit_codes(capsys, tmp_path):
    code, _, err = run(capsys, "show", "derbyshir")
    assert code == 2 and "did you mean" in err
    bad = tmp_path / "f.toml"
    bad.write_text(
        '[[figure]]\ndataset = "derbyshire"\nmeasure = "stok"\nexpected = 1\nsource = "s"\n'
    )
    code, _, err = run(capsys, "verify", str(bad))
    assert code == 2 and "figure 1" in err
    with pytest.raises(SystemExit):
        main(["reconcile"])


def test_python_dash_m():
    r = subprocess.run(
        [sys.executable, "-m", "carecast", "datasets", "--format", "csv"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert r.stdout.startswith("dataset,title,tables")
