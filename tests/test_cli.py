import json
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

import carecast
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


def test_bad_arguments_exit_2_with_a_message(capsys, tmp_path):
    code, out, err = run(capsys, "project", "derbyshire", "--years", "-1")
    assert code == 2 and "`years` = -1" in err and "Traceback" not in err
    code, out, err = run(capsys, "project", "derbyshire", "--measure", "stok", "--format", "csv")
    assert code == 2 and out == "" and "did you mean 'stock'" in err
    afile = tmp_path / "a.csv"
    afile.write_text("x")
    code, _, err = run(capsys, "fit", "derbyshire", "--out", str(afile))
    assert code == 2 and "is a file, not a folder" in err
    code, _, err = run(capsys, "datasets", "--out", str(afile / "sub"))
    assert code == 2 and "which is a file" in err
    code, _, err = run(capsys, "fit", "derby", "--base-year", "2020")
    assert code == 2 and "2021" in err
    code, _, err = run(capsys, "show", "derby", "flows")
    assert code == 2 and 'did you mean "flows_annual"' in err


def test_missing_matplotlib_exits_2_with_a_message(tmp_path):
    code = (
        "import sys\n"
        "sys.modules['matplotlib'] = None\n"
        "from carecast.cli import main\n"
        f"sys.exit(main(['fit', 'derbyshire', '--out', {str(tmp_path)!r}]))\n"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    # fit writes only CSV files: matplotlib is not needed
    assert r.returncode == 0, r.stderr
    code = code.replace("'fit', 'derbyshire'", "'project', 'derbyshire', '--years', '2'")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert r.returncode == 2
    assert "pip install matplotlib" in r.stderr and "Traceback" not in r.stderr


def test_datasets_out_writes_csv(capsys, tmp_path):
    code, _, _ = run(capsys, "datasets", "--out", str(tmp_path))
    assert code == 0
    lines = (tmp_path / "datasets.csv").read_text().splitlines()
    assert lines[0] == "dataset,title,tables" and len(lines) == 4


def test_leavers_chart_matches_table(capsys, tmp_path):
    code, out, _ = run(
        capsys, "leavers", "derbyshire", "--years", "4", "--format", "json", "--out", str(tmp_path)
    )
    assert code == 0
    rows = json.loads(out)["rows"]
    own = [r for r in rows if r["source"] == "engine inflow"]
    first = sum(r["value"] for r in own if r["year"] == 2017)
    assert first == 608  # the published opening, not an empty cohort
    assert (tmp_path / "care_leavers.png").stat().st_size > 10_000


def test_leavers_without_published_opening_says_so(capsys, tmp_path):
    code, out, _ = run(capsys, "leavers", "derby", "--out", str(tmp_path))
    assert code == 0
    assert "Empty DataFrame" not in out
    assert "publishes no care leavers by age" in out
    assert not (tmp_path / "care_leavers.png").exists()


@pytest.mark.parametrize(
    "command", ["datasets", "show", "reconcile", "verify", "fit", "project", "leavers"]
)
def test_help_shows_own_examples_and_exit_codes(command):
    from carecast.cli import build_parser

    sub = build_parser()._subparsers._group_actions[0].choices[command]  # type: ignore[union-attr]
    text = sub.format_help()
    examples = text.split("examples:")[1].split("exit codes:")[0]
    lines = [x.strip() for x in examples.strip().splitlines()]
    assert lines and all(x.startswith(f"carecast {command}") for x in lines), lines
    assert "2  bad input" in text


def test_leavers_engine_cohort_is_19_a_year_after_reaching_18(capsys):
    code, out, _ = run(capsys, "leavers", "derbyshire", "--years", "3", "--format", "json")
    rows = json.loads(out)["rows"]
    new18 = [r["value"] for r in rows if r["measure"] == "new_care_leavers"]
    own19 = {
        r["year"]: r["value"] for r in rows if r["source"] == "engine inflow" and r["age"] == 19
    }
    # Reaching 18 during 2017/18 (18 at 31 March 2018) means 19 at 31 March 2019.
    assert own19[2019] == pytest.approx(new18[0])
    assert own19[2020] == pytest.approx(new18[1])
    cal = carecast.CohortModel.fit("derbyshire").calibration()
    reached_2016_17 = cal[(cal.year == "2016/17") & (cal.band == "16-17")]["ageing_out"].item()
    # The CLI prints values rounded for display (children to 0.1).
    assert own19[2018] == round(reached_2016_17, 1)


def _example_args(example, tmp_path):
    import shlex

    args = []
    for word in shlex.split(example)[1:]:
        if word == "tests/figures/*.toml":
            args += sorted(str(p) for p in (ROOT / "tests" / "figures").glob("*.toml"))
        elif word == "out/":
            args.append(str(tmp_path / "out"))
        elif word == "figures.xml":
            args.append(str(tmp_path / "figures.xml"))
        elif word.startswith("scenarios/"):
            args.append(str(ROOT / word))
        else:
            args.append(word)
    return args


def _all_examples():
    from carecast.cli import COMMAND_EXAMPLES

    return [ex for exs in COMMAND_EXAMPLES.values() for ex in exs if "path/to/my_council" not in ex]


@pytest.mark.parametrize("example", _all_examples())
def test_help_examples_run(capsys, tmp_path, example):
    code = main(_example_args(example, tmp_path))
    capsys.readouterr()
    assert code == 0, example


def test_overflow_from_the_native_layer_exits_2(capsys):
    # backtest's horizon reaches the native layer unchecked at the time of writing (see
    # backtest.py); checked there or not, the CLI answers with a message and exit code 2.
    code, _, err = run(capsys, "backtest", "derby", "--horizon", str(2**70))
    assert code == 2 and "horizon" in err and "Traceback" not in err


def test_report_and_ssda903_read_monte_carlo_arguments_alike():
    """`report` and `ssda903 project` declare --years/--samples/--seed/--levels through one
    helper: the same defaults (their own years) and the same reading of --levels."""
    from carecast._cli_market import parse_levels
    from carecast.cli import build_parser

    p = build_parser()
    rep = p.parse_args(["report", "derby", "--levels", "80,95", "--levels", "99"])
    s903 = p.parse_args(["ssda903", "project", "folder", "--levels", "80", "95", "99"])
    assert (rep.years, s903.years) == (10, 5)
    for a in (rep, s903):
        assert (a.samples, a.seed) == (1000, 0)
        assert parse_levels(a.levels) == [80.0, 95.0, 99.0]
    bare = p.parse_args(["ssda903", "project", "folder"])
    assert bare.levels is None and bare.samples == 1000
