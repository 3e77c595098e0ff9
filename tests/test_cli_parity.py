"""The command line does what Python does: admissions rate, levels, progress."""

import io
import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

import carecast
from carecast import _progress
from carecast.cli import main

ROOT = Path(__file__).resolve().parents[1]
POPULATION = {2014: 150000, 2015: 151000, 2016: 152000, 2017: 153377, 2018: 154000, 2019: 155500}


def run(capsys, *args):
    code = main([str(a) for a in args])
    out = capsys.readouterr()
    return code, out.out, out.err


def stock(rows):
    return [r["value"] for r in rows if r["measure"] == "stock" and r["band"] == "all"]


def python_stock():
    m = carecast.CohortModel.fit("derbyshire")
    p = m.project(years=2, admissions="rate", population=POPULATION).to_pandas()
    return p.query("measure == 'stock' and band == 'all'")["value"].round(1).tolist()


def test_admissions_rate_with_a_population_file(capsys, tmp_path):
    f = tmp_path / "children.csv"
    f.write_text("year,population\n" + "".join(f"{y},{v}\n" for y, v in POPULATION.items()))
    code, out, err = run(
        capsys, "project", "derbyshire", "--years", "2", "--admissions", "rate",
        "--population", f, "--format", "json",
    )  # fmt: skip
    assert code == 0, err
    obj = json.loads(out)
    assert obj["assumptions"]["admissions"]["method"] == "rate"
    assert stock(obj["rows"]) == python_stock()
    # Rate against held: the population changes the answer.
    _, held, _ = run(capsys, "project", "derbyshire", "--years", "2", "--format", "json")
    assert stock(json.loads(held)["rows"]) != stock(obj["rows"])


def test_population_table_in_the_dataset_folder(capsys, tmp_path):
    folder = tmp_path / "derbyshire_with_population"
    shutil.copytree(ROOT / "crates" / "carecast" / "data" / "derbyshire", folder)
    (folder / "population.csv").write_text(
        "# id: population\n# title: Children aged 0-17 at 31 March\n# source: test\n"
        "# source_table: made for the test\n# measure: population\n# unit: children\n"
        "period,band,value\n" + "".join(f"{y}-03-31,0-17,{v}\n" for y, v in POPULATION.items())
    )
    code, out, err = run(
        capsys, "project", folder, "--years", "2", "--admissions", "rate", "--format", "json"
    )
    assert code == 0, err
    assert stock(json.loads(out)["rows"]) == python_stock()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("year,population\n2017,x\n", "line 2, column population: 'x' is not a number"),
        ("year,population\n2017,1\n2017,2\n", "line 3: year 2017 appears twice"),
        ("yr,children\n2017,1\n", "line 1: expected the header `year,population`"),
        ("year,population\nsoon,1\n", "line 2, column year: 'soon' is not a year"),
    ],
)
def test_bad_population_file_names_file_line_and_column(capsys, tmp_path, text, message):
    f = tmp_path / "pop.csv"
    f.write_text(text)
    code, _, err = run(capsys, "project", "derbyshire", "--admissions", "rate", "--population", f)
    assert code == 2 and str(f) in err and message in err


def test_rate_without_population_says_what_is_needed(capsys):
    code, _, err = run(capsys, "project", "derbyshire", "--admissions", "rate")
    assert code == 2 and "--population FILE" in err


@pytest.mark.parametrize(
    "levels", [["80", "95"], ["80,95"], ["80", "--levels", "95"]], ids=["space", "comma", "twice"]
)
def test_levels_spaced_comma_or_repeated(capsys, levels):
    code, out, _ = run(
        capsys, "project", "derbyshire", "--years", "1", "--samples", "20", "--levels", *levels,
        "--format", "csv",
    )  # fmt: skip
    assert code == 0
    cols = pd.read_csv(io.StringIO(out)).columns
    assert [c for c in cols if c.startswith(("lower_", "upper_"))] == [
        "lower_80",
        "upper_80",
        "lower_95",
        "upper_95",
    ]


def test_progress_only_for_slow_steps(capsys, monkeypatch):
    with _progress.step("quick"):
        pass
    assert capsys.readouterr().err == ""
    monkeypatch.setattr(_progress, "QUIET_BELOW", -1.0)  # every step counts as slow
    with _progress.step("slow"):
        pass
    assert capsys.readouterr().err.startswith("carecast: slow: done in ")
    code, _, err = run(capsys, "backtest", "derby", "--samples", "10", "--format", "csv")
    assert code == 0 and "carecast: backtest, 10 paths per forecast: done in" in err


def test_project_out_writes_labelled_assumptions(capsys, tmp_path):
    code, _, _ = run(capsys, "project", "derbyshire", "--years", "2", "--out", tmp_path)
    assert code == 0
    df = pd.read_csv(tmp_path / "assumptions.csv")
    assert list(df.columns) == ["what", "band", "year", "value", "unit", "source"]
    adm = df[df["what"] == "admissions per year"]
    assert len(adm) == 5 * 2 and set(adm["year"]) == {2018, 2019}
    assert (adm["unit"] == "children").all() and adm["source"].str.contains("cic_by_age").all()
