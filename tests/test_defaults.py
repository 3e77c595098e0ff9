"""The core's default reaches Python and the CLI; calibrated intervals; the core's warnings."""

import json
import pickle
import warnings

import numpy as np
import pytest

import carecast
from carecast import _carecast, cli
from carecast import model as cm


@pytest.fixture(scope="module")
def model():
    return carecast.CohortModel.fit("derbyshire")


def test_defaults_come_from_the_core(model):
    d = _carecast.defaults()
    assert cm.DEFAULT_ADMISSIONS == d["admissions"]["method"] == "anchored"
    assert cm.DEFAULT_DISCHARGES == d["discharges"]["method"] == "regularised"
    a = model.project(years=3).assumptions
    # The projection's assumptions are the core's default mappings, parameters included.
    assert a["admissions"] == d["admissions"]
    assert a["discharges"] == d["discharges"]
    for name in ("anchored", "damped", "pooled", "trend", "held"):
        assert name in cm.ADMISSIONS_METHODS
    assert "regularised" in cm.DISCHARGE_METHODS


def test_default_total_follows_englands_damped_growth(model):
    # Recomputed outside the model: the default keeps Derbyshire's 630 children of 31 March
    # 2017 on England's log-linear growth 2013-2017 (DfE, as in carecast::national),
    # damped by 0.8 a year: S_h = 630 exp(g (0.8 + ... + 0.8^h)).
    england = {2013: 68_110, 2014: 68_810, 2015: 69_470, 2016: 70_410, 2017: 72_610}
    g = np.polyfit(list(england), np.log(list(england.values())), 1)[0]
    want = [630 * np.exp(g * sum(0.8**j for j in range(1, h + 1))) for h in (1, 2, 3)]
    got = model.project(years=3).to_wide("stock")["all"].tolist()
    assert got == pytest.approx(want, rel=1e-6)


@pytest.mark.parametrize("name", ["held", "mean", "trend", "damped", "anchored"])
def test_every_parsed_admissions_name_runs(model, name):
    p = model.project(years=2, admissions=name, discharges="last")
    assert p.assumptions["admissions"]["method"] == name
    assert p.assumptions["discharges"]["method"] == "last"


def test_assumption_as_mapping_and_its_errors(model):
    p = model.project(years=2, admissions={"method": "anchored", "phi": 0.5})
    assert p.assumptions["admissions"]["phi"] == 0.5
    assert model.project(years=2, discharges="mean").assumptions["discharges"]["k"] == 3
    with pytest.raises(carecast.CarecastError, match="reference"):
        model.project(years=2, admissions="pooled")  # pooled needs its reference series
    with pytest.raises(carecast.CarecastError, match="unknown field `k`"):
        model.project(years=2, admissions={"method": "anchored", "k": 2})
    with pytest.raises(carecast.ArgumentError, match="did you mean 'anchored'"):
        model.project(years=2, admissions="anchord")


def test_cli_uses_the_core_default(capsys):
    assert cli.main(["project", "derbyshire", "--years", "2", "--format", "json"]) == 0
    a = json.loads(capsys.readouterr().out)["assumptions"]
    assert a["admissions"]["method"] == "anchored"
    assert a["discharges"]["method"] == "regularised"
    args = ["project", "derbyshire", "--years", "2", "--format", "json"]
    assert cli.main([*args, "--admissions", "damped", "--discharges", "regularised"]) == 0
    a = json.loads(capsys.readouterr().out)["assumptions"]
    assert a["admissions"]["method"] == "damped"


def _total(df):
    return df[(df.band == "all") & (df.measure == "stock")].reset_index(drop=True)


def test_calibrated_intervals_columns_contain_and_widen(model):
    p = model.project(years=7, levels=[80, 95])
    assert p.intervals == "calibrated" and p.levels == [80.0, 95.0] and p.uncertainty is None
    df = p.to_pandas()
    assert df.columns.tolist() == [
        *carecast.Projection.COLUMNS,
        "median",
        "lower_80",
        "upper_80",
        "lower_95",
        "upper_95",
    ]
    stock = df[df.measure == "stock"]
    near = stock[stock.lower_80.notna()]
    # Horizons 1-5 of the total and of each of the five bands; none beyond 5 years.
    assert len(near) == 5 * 6
    assert stock[~stock.lower_80.notna()].year.min() == "2022/23"  # 6 years after 2017
    assert df[df.measure != "stock"].lower_80.isna().all()
    # Intervals are nested around the central value and the calibrated median.
    assert (near.lower_95 <= near.lower_80).all() and (near.upper_80 <= near.upper_95).all()
    assert (near.lower_80 <= near.value).all() and (near.value <= near.upper_80).all()
    assert (near.lower_80 <= near["median"]).all() and (near["median"] <= near.upper_80).all()
    # Relative width of the total's interval grows with the horizon.
    t = _total(df).iloc[:5]
    for lv in ("80", "95"):
        rel = ((t[f"upper_{lv}"] - t[f"lower_{lv}"]) / t.value).to_numpy()
        assert (np.diff(rel) > 0).all(), (lv, rel)


def test_calibrated_options(model):
    # Default levels of calibrated intervals are the stored ones.
    assert model.project(years=2, intervals="calibrated").levels == list(cm.CALIBRATED_LEVELS)
    # Another assumption needs intervals="calibrated" said explicitly.
    with pytest.raises(carecast.ArgumentError, match="intervals='calibrated'"):
        model.project(years=2, admissions="trend", levels=[80])
    p = model.project(years=2, admissions="trend", intervals="calibrated", levels=[80])
    assert "lower_80" in p.to_pandas().columns
    with pytest.raises(carecast.ArgumentError, match="80 and 95 only"):
        model.project(years=2, levels=[90])
    with pytest.raises(carecast.ArgumentError, match="grain='year'"):
        model.project(years=2, levels=[80], grain="quarter")
    with pytest.raises(carecast.ArgumentError, match="samples"):
        model.project(years=2, intervals="calibrated", samples=10)
    with pytest.raises(carecast.ArgumentError, match="samples"):
        model.project(years=2, intervals="monte_carlo")
    q = pickle.loads(pickle.dumps(model.project(years=3, levels=[80])))
    assert q.intervals == "calibrated" and "upper_80" in q.to_pandas().columns


def test_cli_calibrated_levels(capsys):
    args = ["project", "derbyshire", "--years", "3", "--format", "json"]
    assert cli.main([*args, "--levels", "80", "95"]) == 0
    obj = json.loads(capsys.readouterr().out)
    assert obj["intervals"] == "calibrated" and obj["levels"] == [80.0, 95.0]
    rows = [r for r in obj["rows"] if r["measure"] == "stock" and r["band"] == "all"]
    assert len(rows) == 3
    assert all(r["lower_95"] <= r["lower_80"] <= r["value"] <= r["upper_80"] for r in rows)
    assert cli.main(["project", "derbyshire", "--years", "3", "--levels", "80"]) == 0
    assert "calibrated on the national backtest" in capsys.readouterr().out
    # A non-default assumption still needs --samples or --intervals calibrated.
    assert cli.main([*args, "--levels", "80", "--admissions", "trend"]) == 2
    assert "intervals='calibrated'" in capsys.readouterr().err


def _far_model():
    """A projection the core flags: Derby's trend run 25 years moves far from its base."""
    return carecast.CohortModel.fit("derby"), {"years": 25, "admissions": "trend"}


def test_core_warnings_become_python_warnings_and_cli_stderr(capsys):
    m, kw = _far_model()
    with pytest.warns(carecast.CarecastWarning, match="moves more than a factor") as rec:
        p = m.project(**kw)
    assert issubclass(carecast.CarecastWarning, UserWarning)
    assert len(rec) == len(p.warnings) == 1
    # The warning is right: some projected total is beyond the factor of the base stock.
    df = p.to_pandas()
    base = df[(df.measure == "opening") & (df.band == "all")].value.iloc[0]
    ratio = _total(df).value / base
    assert ((ratio > 1.5) | (ratio < 1 / 1.5)).any()
    assert cli.main(["project", "derby", "--years", "25", "--admissions", "trend"]) == 0
    err = capsys.readouterr().err
    assert "carecast: warning: the projected stock moves more than a factor" in err
    # A projection within the factor warns of nothing.
    with warnings.catch_warnings():
        warnings.simplefilter("error", carecast.CarecastWarning)
        assert m.project(years=2).warnings == []
