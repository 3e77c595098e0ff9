"""The placements, costs and scenario subcommands of the command line."""

import io
import json
from pathlib import Path

import pandas as pd
import pytest

import carecast
from carecast.cli import main

ROOT = Path(__file__).resolve().parents[1]


def run(capsys, *args):
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


def exported(columns):
    """Columns of a frame as the CLI writes it: `period` beside `year`, then `unit`."""
    cols = list(columns)
    return [*cols[:1], "period", *cols[1:], "unit"]


def test_placements_json_rows_match_the_dataframe(capsys):
    code, out, _ = run(capsys, "placements", "derbyshire", "--years", "3", "--format", "json")
    assert code == 0
    obj = json.loads(out)
    df = carecast.placements("derbyshire", years=3).to_pandas()
    assert list(obj["rows"][0]) == exported(df.columns)
    assert len(obj["rows"]) == len(df)
    ifa = [r for r in obj["rows"] if r["placement"] == "ifa" and r["measure"] == "placements"]
    # `year` is the 31 March ending the financial year, `period` its label.
    assert (ifa[0]["year"], ifa[0]["period"]) == (2017, "2016/17")
    assert ifa[0]["value"] == pytest.approx(134) and ifa[0]["unit"] == "children"


def test_placements_csv_and_table(capsys):
    code, out, _ = run(capsys, "placements", "derbyshire", "--years", "2", "--format", "csv")
    assert code == 0
    df = pd.read_csv(io.StringIO(out))
    assert list(df.columns) == ["year", "period", "placement", "measure", "value", "unit"]
    code, out, _ = run(capsys, "placements", "derbyshire", "--years", "2")
    assert code == 0 and "In-house against external" in out and "contract_care" in out


def test_usage_at_700(capsys):
    code, out, _ = run(capsys, "placements", "derbyshire", "--usage-at", "700", "--format", "json")
    assert code == 0
    rows = {r["category"]: r for r in json.loads(out)["rows"]}
    assert rows["IFAs"]["published"] == 170 and rows["IFAs"]["computed"] == 168


def test_costs_prints_spend_and_reconciliation(capsys):
    code, out, _ = run(capsys, "costs", "derbyshire", "--years", "2", "--format", "json")
    assert code == 0
    obj = json.loads(out)
    assert {r["measure"] for r in obj["rows"]} == {"spend"}
    ifa = [r for r in obj["reconciliation"] if r["what"] == "ifa"][0]
    assert (ifa["published"], ifa["difference"]) == (5187726, -39726)
    code, out, _ = run(capsys, "costs", "derbyshire", "--format", "csv", "--reconciliation")
    rec = pd.read_csv(io.StringIO(out))
    expected = carecast.reconcile_spend("derbyshire")
    assert list(rec.columns) == exported(expected.columns) and len(rec) == len(expected)


def test_costs_of_a_council_without_unit_costs(capsys):
    # Derby City publishes spend but no unit costs: said so, reconciliation still shown.
    code, out, _ = run(capsys, "costs", "derby")
    assert code == 0
    assert "publishes no unit costs" in out and "2023/24" in out and "<NA>" in out
    code, out, _ = run(
        capsys,
        "costs",
        "derby",
        "--unit-costs-from",
        "derbyshire",
        "--format",
        "json",
        "--reconciliation",
    )
    rows = json.loads(out)["rows"]
    fostering = [r for r in rows if r["what"] == "fostering"]
    assert fostering and all(r["computed"] is not None for r in fostering)


def test_scenario_command(capsys, tmp_path):
    f = ROOT / "scenarios" / "recruit_60_carers.toml"
    code, out, _ = run(capsys, "scenario", str(f), "--format", "json")
    assert code == 0
    obj = json.loads(out)
    c = carecast.Scenario.from_file(f).run()
    assert list(obj["rows"][0]) == exported(c.to_pandas().columns)
    assert {a["lever"] for a in obj["attribution"]} == {"60 more households"}
    code, out, _ = run(capsys, "scenario", str(f), "--out", str(tmp_path))
    assert code == 0 and "Spend difference by lever" in out
    assert (tmp_path / "scenario.csv").exists() and (tmp_path / "scenario_spend.png").exists()


@pytest.mark.parametrize(
    "text, match",
    [
        ("name='x'\ndataset='derbyshire'\ncolour=1\n", "colour"),
        ("name='x'\ndataset='derbyshire'\n[[levers]]\nkind='beds'\nbeds=-3\n", "beds"),
        (
            "name='x'\ndataset='derbyshire'\nbase_year=2017\n"
            "[[levers]]\nkind='beds'\nbeds=3\nfrom_year=2017\n",
            "from_year",
        ),
    ],
)
def test_bad_scenario_files_exit_2_naming_file_and_key(capsys, tmp_path, text, match):
    f = tmp_path / "bad.toml"
    f.write_text(text)
    code, _, err = run(capsys, "scenario", str(f))
    assert code == 2
    assert "bad.toml" in err and match in err
