import json
import pickle

import numpy as np
import pandas as pd
import pytest

import carecast
from carecast.cli import main


@pytest.fixture(scope="module")
def model():
    return carecast.CohortModel.fit("derbyshire")


def test_fit_within_one_child(model):
    cal = model.calibration()
    assert len(cal) == 20
    assert cal["difference"].abs().max() < 1


def test_project_long_frame(model):
    df = model.project(years=10).to_pandas()
    assert df.columns.tolist() == ["year", "period", "band", "measure", "value"]
    assert {"stock", "admissions", "discharges", "leavers_18", "care_leavers"} <= set(df["measure"])
    assert set(df.loc[df["measure"] == "stock", "band"]) == {
        "under 1",
        "1-4",
        "5-9",
        "10-15",
        "16-17",
        "all",
    }
    assert (df["value"] >= 0).all() and df["value"].notna().all()
    assert df["year"].nunique() == 10


def test_projection_records_assumptions(model):
    p = model.project(years=3, admissions="mean", k=2, discharges="mean")
    a = p.assumptions
    assert a["admissions"] == {"method": "mean", "k": 2}
    assert a["discharges"] == {"method": "mean", "k": 2}
    assert a["base_year"] == 2017


def test_quarterly_grain_sums_to_year(model):
    y = model.project(years=2).to_pandas()
    q = model.project(years=2, grain="quarter").to_pandas()
    adm_y = y[(y.measure == "admissions") & (y.band == "all")].groupby("year")["value"].sum()
    adm_q = q[(q.measure == "admissions") & (q.band == "all")].groupby("year")["value"].sum()
    pd.testing.assert_series_equal(adm_y, adm_q)


def test_rate_method_uses_population(model):
    pop = {2017: 153377, 2018: 154000, 2019: 160000}
    p = model.project(years=2, admissions="rate", population=pop).to_pandas()
    adm = p[(p.measure == "admissions") & (p.band == "all")]["value"].tolist()
    assert adm[1] > adm[0]
    with pytest.raises(carecast.ArgumentError, match="2019"):
        model.project(years=2, admissions="rate", population={2017: 1.0, 2018: 2.0})


def test_numpy_inputs_accepted(model):
    p = model.project(years=np.int64(2), leaver_share=np.float32(0.5))
    assert p.to_pandas()["year"].nunique() == 2


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"years": 0}, "years"),
        ({"years": 26}, "years"),
        ({"years": "ten"}, "years"),
        ({"base_year": 2013}, "base_year"),
        ({"admissions": "magic"}, "admissions"),
        ({"leaver_share": 2.0}, "leaver_share"),
        ({"bands": ["0-4", "6-17"]}, "gap"),
        ({"retention": {19: 1.5}}, "retention"),
    ],
)
def test_bad_arguments(model, kwargs, match):
    with pytest.raises(carecast.CarecastError, match=match):
        model.project(**kwargs)


def test_derby_runs_on_all_ages(model):
    m = carecast.CohortModel.fit("derby")
    for base in [2021, 2022, 2023, 2024]:
        # The default admissions (trend) needs two observed years: 2021 has one.
        admissions = "held" if base == 2021 else "trend"
        df = m.project(years=5, base_year=base, admissions=admissions).to_pandas()
        assert set(df.loc[df.measure == "stock", "band"]) == {"0-17", "all"}
    assert any("all-ages" in n for n in m.notes)


def test_care_leavers_reproduce_published_table():
    t = carecast.datasets.load("derbyshire").table("care_leavers_projection").to_pandas()
    base = t[(t.period == "2017-03-31") & (t.band != "all")]
    opening = dict(zip(base.band.astype(int), base.value, strict=True))
    inflow = {
        y: float(t[(t.period == f"{y}-03-31") & (t.band == "19")]["value"].iloc[0])
        for y in (2018, 2019, 2020, 2021)
    }
    df = carecast.project_care_leavers(2017, opening, inflow)
    got = df[df.year > 2017].set_index(["year", "age"])["value"]
    pub = t[(t.band != "all") & (t.period >= "2018")]
    for r in pub.itertuples():
        assert got[(int(r.period[:4]), int(r.band))] == r.value
    assert df.groupby("year")["value"].sum().loc[2018:].tolist() == [626, 639, 644, 622]
    with pytest.raises(carecast.ArgumentError):
        carecast.project_care_leavers(2017, {19: -1}, {2018: 1})
    with pytest.raises(carecast.ArgumentError):
        carecast.project_care_leavers(2017, {19: 1}, {2018: "many"})


def test_pickle(model):
    p = model.project(years=2)
    pd.testing.assert_frame_equal(p.to_pandas(), pickle.loads(pickle.dumps(p)).to_pandas())
    m2 = pickle.loads(pickle.dumps(model))
    pd.testing.assert_frame_equal(model.calibration(), m2.calibration())


def test_cli_fit_and_project(capsys):
    assert main(["fit", "derbyshire", "--format", "json"]) == 0
    obj = json.loads(capsys.readouterr().out)
    assert max(abs(r["difference"]) for r in obj["rows"]) < 1
    assert (
        main(
            [
                "project",
                "derbyshire",
                "--base-year",
                "2016",
                "--years",
                "3",
                "--admissions",
                "trend",
                "--format",
                "json",
            ]
        )
        == 0
    )
    obj = json.loads(capsys.readouterr().out)
    assert obj["assumptions"]["admissions"]["method"] == "trend"
    assert set(obj["rows"][0]) == {"year", "period", "band", "measure", "value"}
    assert main(["leavers", "derbyshire", "--years", "4", "--format", "csv"]) == 0
    out = capsys.readouterr().out
    assert "published inflow" in out and "engine" in out
    assert main(["project", "derbyshire", "--years", "40"]) == 2
