"""DfE statistics for every council: panel, dfe: datasets, groups, the CLI."""

import json
import os
from pathlib import Path

import pandas as pd
import pytest

import carecast
from carecast._carecast import DataError, UnknownNameError
from carecast.cli import main

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("CARECAST_SHARED_DIR", ROOT.parent / "shared")) / "dfe"

EES_HEADER = (
    "time_period,time_identifier,geographic_level,country_code,country_name,region_code,"
    "region_name,old_la_code,la_name,new_la_code,population_count,population_estimate,"
    "number,rate_per_10000\n"
)


def run(capsys, *args):
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


def newer_release(tmp_path):
    """A release the project has never seen: Derby's stock for 2024 (revised) and 2025."""
    f = tmp_path / "cla_number_and_rate_per_10k_children_2025.csv"
    rows = [
        "2024,Reporting year,Local authority,E92000001,England,E12000004,East Midlands,831,"
        "Derby,E06000015,Children looked after at 31 March each year,59000,701,119",
        "2025,Reporting year,Local authority,E92000001,England,E12000004,East Midlands,831,"
        "Derby,E06000015,Children looked after at 31 March each year,59500,c,x",
    ]
    f.write_text("\ufeff" + EES_HEADER + "\n".join(rows) + "\n", encoding="utf-8")
    return f


def test_panel_has_the_columns_of_the_shared_panel():
    df = carecast.datasets.dfe().to_pandas()
    assert list(df.columns) == [
        "year", "geographic_level", "area_code", "old_la_code", "area_name", "measure",
        "breakdown", "value", "status", "printed", "release", "source",
    ]  # fmt: skip
    assert len(df) == 65311
    sup = df[df.status == "suppressed"]
    assert len(sup) > 1000 and sup.value.isna().all()
    if (SHARED / "panel/cla_panel.csv").exists():
        theirs = pd.read_csv(SHARED / "panel/cla_panel.csv", dtype={"old_la_code": "string"})
        key = ["year", "area_code", "measure", "breakdown"]
        m = df.merge(theirs, on=key, suffixes=("", "_t"))
        assert len(m) == len(theirs) == len(df)
        same = (m.value == m.value_t) | (m.value.isna() & m.value_t.isna())
        assert same.all()
        assert (m.release == m.release_t).all()


def test_a_newer_release_on_top(tmp_path):
    f = newer_release(tmp_path)
    df = carecast.datasets.dfe(files=[f]).to_pandas()
    derby = df[(df.area_name == "Derby") & (df.measure == "stock") & (df.breakdown == "total")]
    assert derby[derby.year == 2024].value.iloc[0] == 701
    assert derby[derby.year == 2024].release.iloc[0] == "added 2025"
    row = derby[derby.year == 2025].iloc[0]
    assert row.status == "suppressed" and pd.isna(row.value)
    vint = carecast.datasets.dfe(files=[f], vintages=True).to_pandas()
    v = vint[(vint.area_name == "Derby") & (vint.measure == "stock")]
    v = v[(v.breakdown == "total") & (v.year == 2024)]
    assert len(v) >= 2 and "EES 2024" in set(v.release)


def test_unknown_layout_is_a_located_error(tmp_path):
    f = tmp_path / "odd.csv"
    f.write_text("a,b\n1,2\n")
    with pytest.raises(DataError, match=r"odd\.csv.*line 1.*unknown file layout"):
        carecast.datasets.dfe(files=[f])


def test_dfe_datasets_by_name_code_and_number():
    for q in ["dfe:Nottinghamshire", "dfe:E10000024", "dfe:891", "DFE:nottinghamshire"]:
        assert carecast.datasets.load(q).name == "dfe:Nottinghamshire"
    with pytest.raises(UnknownNameError, match='did you mean "Nottinghamshire"'):
        carecast.datasets.load("dfe:Nottinghamshre")
    m = carecast.CohortModel.fit("dfe:East Midlands")
    assert m.base_year == 2024


def test_combine_sums_councils():
    d = carecast.datasets.combine(["Derby", "Derbyshire", "Nottingham", "Nottinghamshire"], "D2N2")
    wide = d.table("cic_by_age").to_wide()
    parts = sum(
        carecast.datasets.load(f"dfe:{n}").table("cic_by_age").to_wide().loc["2024-03-31", "all"]
        for n in ["Derby", "Derbyshire", "Nottingham", "Nottinghamshire"]
    )
    assert wide.loc["2024-03-31", "all"] == parts
    with pytest.raises(UnknownNameError):
        carecast.datasets.combine(["Derby", "Darbyshire"], "x")


def test_reconcile_sources_reports_derbyshire_admissions_gap():
    rec = carecast.datasets.reconcile_sources().to_pandas()
    adm = rec[
        rec.check.str.startswith("Derbyshire") & (rec.group == "measure=admissions, band=all")
    ]
    assert len(adm) == 5
    assert adm.difference.between(-17, -10).all()


def test_cli_councils(capsys):
    code, out, _ = run(capsys, "councils", "--region", "East Midlands", "--format", "json")
    assert code == 0
    rows = json.loads(out)["rows"]
    names = {r["area_name"] for r in rows}
    assert {"Derby", "Derbyshire", "Nottingham", "Nottinghamshire"} <= names
    assert len(rows) == 11  # with Northamptonshire (to 2021) and its two successors
    code, _, err = run(capsys, "councils", "--region", "Derby")
    assert code == 2 and "not a region" in err


def test_cli_project_dfe_council_with_newer_files(capsys, tmp_path):
    code, out, _ = run(
        capsys, "project", "dfe:891", "--base-year", "2024", "--years", "2", "--format", "json"
    )
    assert code == 0 and json.loads(out)["rows"]
    f = newer_release(tmp_path)
    code, out, err = run(capsys, "fit", "dfe:Derby", "--dfe-files", str(f), "--format", "json")
    assert code == 0, err
    code, _, err = run(capsys, "project", "dfe:Cumberland", "--base-year", "2024")
    assert code == 2 and "Cumberland" in err
