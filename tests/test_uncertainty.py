"""Prediction intervals (project with samples) and backtests, in Python and on the CLI."""

import io
import json
import pickle

import numpy as np
import pandas as pd
import pytest

import carecast
from carecast import cli


@pytest.fixture(scope="module")
def model():
    return carecast.CohortModel.fit("derbyshire")


def test_interval_columns_and_values(model):
    df = model.project(years=4, samples=300, seed=3, levels=[80, 95]).to_pandas()
    assert df.columns.tolist() == [
        "year",
        "period",
        "band",
        "measure",
        "value",
        "mean",
        "median",
        "lower_80",
        "upper_80",
        "lower_95",
        "upper_95",
    ]
    assert (df["lower_95"] >= 0).all()
    assert (df["lower_95"] <= df["lower_80"]).all() and (df["lower_80"] <= df["median"]).all()
    assert (df["median"] <= df["upper_80"]).all() and (df["upper_80"] <= df["upper_95"]).all()
    stock = df[(df.band == "all") & (df.measure == "stock")]
    width = (stock["upper_95"] - stock["lower_95"]).to_numpy()
    assert width[0] < width[-1]
    # The deterministic column is unchanged by asking for intervals.
    det = model.project(years=4).to_pandas()
    np.testing.assert_array_equal(det["value"].to_numpy(), df["value"].to_numpy())


def test_default_levels_are_80_and_90(model):
    p = model.project(years=2, samples=50)
    assert p.levels == [80.0, 90.0]
    assert {"lower_80", "upper_90"} <= set(p.to_pandas().columns)
    assert p.uncertainty is not None and p.uncertainty["seed"] == 0
    assert "Monte Carlo" in p._repr_html_()


def test_reproducible_for_a_seed_and_different_for_another(model):
    a = model.project(years=3, samples=100, seed=7).to_pandas()
    b = model.project(years=3, samples=100, seed=7).to_pandas()
    c = model.project(years=3, samples=100, seed=8).to_pandas()
    assert a.equals(b)
    assert not a["mean"].equals(c["mean"])


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"samples": 0}, "samples"),
        ({"samples": 100_001}, "samples"),
        ({"samples": 10, "levels": [0]}, "levels"),
        ({"samples": 10, "levels": [100]}, "levels"),
        ({"samples": 10, "levels": [80, 80]}, "levels"),
        ({"samples": 10, "seed": -1}, "seed"),
        ({"samples": 2.5}, "samples"),
        ({"seed": 3}, "samples"),
    ],
)
def test_bad_inputs_name_the_argument(model, kwargs, name):
    with pytest.raises(carecast.ArgumentError, match=name):
        model.project(years=2, **kwargs)


FORECAST_COLUMNS = [
    "method",
    "origin",
    "horizon",
    "period",
    "band",
    "forecast",
    "median",
    "actual",
    "scale",
]


def test_backtest_frames_and_pickling():
    b = carecast.backtest("derby", samples=60, levels=[80, 95])
    fc = b.forecasts()
    intervals = ["lower_80", "upper_80", "lower_95", "upper_95"]
    assert fc.columns.tolist() == [*FORECAST_COLUMNS, *intervals]
    assert set(fc["method"]) == {"naive", "drift", "held", "mean", "trend"}
    quarters = fc[(fc.method == "held") & (fc.origin == 2024)]
    assert quarters["actual"].tolist() == [567.0, 560.0, 554.0]
    assert (fc["scale"] >= 1).all()
    s = b.summary()
    assert s.columns.tolist() == [
        "method",
        "horizon",
        "n",
        "mae",
        "mape",
        "bias",
        "mase",
        "rel_mae",
        "coverage_80",
        "width_80",
        "coverage_95",
        "width_95",
    ]
    assert (s.loc[s.method == "naive", "rel_mae"] == 1.0).all()
    # MASE is the mean of |forecast - actual| / scale over each group's figures.
    for (method, horizon), g in fc.groupby(["method", "horizon"]):
        row = s[(s.method == method) & (s.horizon == horizon)].iloc[0]
        mase = ((g["forecast"] - g["actual"]).abs() / g["scale"]).mean()
        assert row["mase"] == pytest.approx(mase, rel=1e-12)
    assert "band" in b.summary(by_band=True).columns
    assert b.default_method in ("held", "mean", "trend")
    scores = b.scores()
    assert scores.columns.tolist()[:6] == ["method", "n", "score", "year_1", "year_2", "year_3"]
    assert scores.set_index("method").loc["naive", "score"] == 1.0
    again = pickle.loads(pickle.dumps(b))
    assert again.forecasts().equals(fc) and again.default_method == b.default_method
    assert "Backtest" in b._repr_html_()


def test_backtest_bad_inputs():
    with pytest.raises(carecast.ArgumentError, match="horizon"):
        carecast.backtest("derbyshire", horizon=4, samples=10)
    with pytest.raises(carecast.ArgumentError, match="at most 3"):
        carecast.backtest("derby", horizon=4, samples=10)
    with pytest.raises(carecast.ArgumentError, match="horizon"):
        carecast.backtest("derbyshire", horizon=0, samples=10)
    with pytest.raises(carecast.ArgumentError, match="samples"):
        carecast.backtest("derbyshire", samples=0)
    for levels in ([120], []):
        with pytest.raises(carecast.ArgumentError, match="levels"):
            carecast.backtest("derbyshire", samples=10, levels=levels)


def test_empty_levels_are_rejected(model):
    with pytest.raises(carecast.ArgumentError, match="at least one level"):
        model.project(years=2, samples=10, levels=[])


@pytest.fixture(scope="module")
def bundled_backtests():
    return [carecast.backtest(d, samples=100) for d in ("derbyshire", "derby")]


def test_choose_default_weighs_datasets_and_says_where_naive_wins(bundled_backtests):
    r = carecast.choose_default(bundled_backtests)
    assert r.columns.tolist()[:5] == ["method", "n", "score", "score_derbyshire", "score_derby"]
    by = r.set_index("method")
    # The score is the mean of the two datasets' scores: each weighs the same.
    for _, row in by.iterrows():
        assert row["score"] == pytest.approx((row["score_derbyshire"] + row["score_derby"]) / 2)
    # The bundled two-council rule picks the engine method of lowest score; it no longer
    # sets the projection default, which the national backtest chose (core default).
    assert r.attrs["default_method"] == by.loc[["held", "mean", "trend"], "score"].idxmin()
    assert r.attrs["beats_naive"] == (by.loc[r.attrs["default_method"], "score"] < 1)
    verdicts = r.attrs["verdicts"]
    assert len(verdicts) == 3 and verdicts[-1].startswith("default over derbyshire and derby")
    # Each dataset's verdict follows its numbers: where the best engine method is not
    # below naive's 1 in a horizon year, it says so plainly.
    for b, v in zip(bundled_backtests, verdicts[:2], strict=True):
        sc = b.scores().set_index("method")
        best = b.verdicts[0].split("the best engine method, ")[1].split(",")[0]
        assert v == b.verdicts[0]
        for col in [c for c in sc.columns if c.startswith("year_")]:
            k = int(col.split("_")[1])
            ahead = "1 year ahead" if k == 1 else f"{k} years ahead"
            says = f"does not beat naive {ahead}" in v or f"or {ahead}" in v
            assert says == (sc.loc[best, col] >= 1), (col, v)
        engine = sc.loc[["held", "mean", "trend"], "score"]
        if (engine >= 1).all() and sc.loc["drift", "score"] >= 1:
            assert f"nothing beats naive on {b.dataset}" in v


def test_cli_backtest_json_rows_are_the_dataframe(capsys):
    args = ["backtest", "derbyshire", "--samples", "40", "--format", "json"]
    assert cli.main(args) == 0
    obj = json.loads(capsys.readouterr().out)
    b = carecast.backtest("derbyshire", samples=40)
    assert obj["dataset"] == "derbyshire" and obj["table"] == "forecasts"
    assert obj["default_method"] == b.default_method and obj["verdicts"] == b.verdicts
    # Rows carry the DataFrame's columns and the unit; values rounded for display (0.1 child).
    for row in obj["rows"]:
        assert list(row) == [*b.forecasts().columns, "unit"]
    assert [r["forecast"] for r in obj["rows"]] == [round(v, 1) for v in b.forecasts()["forecast"]]
    assert list(obj["summary"][0]) == b.summary().columns.tolist()
    assert list(obj["scores"][0]) == b.scores().columns.tolist()
    assert cli.main([*args, "--summary"]) == 0
    obj = json.loads(capsys.readouterr().out)
    assert obj["table"] == "summary"
    assert all(list(r) == b.summary().columns.tolist() for r in obj["rows"])
    assert cli.main(["backtest", "derbyshire", "--horizon", "5"]) == 2
    assert "horizon" in capsys.readouterr().err
    assert cli.main(["backtest", "derby", "--horizon", "4"]) == 2
    assert "at most 3" in capsys.readouterr().err
    assert cli.main(["backtest", "derby", "--samples", "10", "--levels", ""]) == 2


def test_cli_backtest_csv_is_one_parseable_table(capsys, tmp_path):
    args = ["backtest", "derby", "--samples", "30", "--format", "csv"]
    assert cli.main(args) == 0
    df = pd.read_csv(io.StringIO(capsys.readouterr().out))
    b = carecast.backtest("derby", samples=30)
    assert df.columns.tolist() == [*b.forecasts().columns, "unit"]
    assert len(df) == len(b.forecasts())
    assert sorted(set(df["horizon"])) == sorted(set(b.forecasts()["horizon"]))
    assert cli.main([*args, "--summary"]) == 0
    df = pd.read_csv(io.StringIO(capsys.readouterr().out))
    assert df.columns.tolist() == b.summary().columns.tolist()
    assert cli.main([*args, "--out", str(tmp_path)]) == 0
    capsys.readouterr()
    for name in ("backtest_forecasts", "backtest_summary", "backtest_scores"):
        assert (tmp_path / f"{name}.csv").exists()
    written = pd.read_csv(tmp_path / "backtest_summary.csv")
    assert written.columns.tolist() == b.summary().columns.tolist()


def test_cli_backtest_table_prints_horizons_exactly(capsys):
    assert cli.main(["backtest", "derby", "--samples", "30"]) == 0
    out = capsys.readouterr().out
    assert " 3.25 " in out and " 3.75 " in out and " 3.2 " not in out
    assert "verdict: derby: " in out and "verdict: default on derby" in out


def test_cli_project_json_rows_are_the_dataframe(capsys):
    args = ["project", "derbyshire", "--years", "2", "--samples", "30", "--format", "json"]
    assert cli.main([*args, "--levels", "80,95", "--seed", "1"]) == 0
    obj = json.loads(capsys.readouterr().out)
    assert obj["levels"] == [80.0, 95.0]
    p = carecast.CohortModel.fit("derbyshire").project(years=2, samples=30, seed=1, levels=[80, 95])
    df = p.to_pandas()
    assert all(list(r) == [*df.columns, "unit"] for r in obj["rows"])
    assert obj["rows"][0]["year"] == 2018 and obj["rows"][0]["period"] == "2017/18"
    assert [r["upper_95"] for r in obj["rows"]] == [round(v, 1) for v in df["upper_95"]]
    assert cli.main([*args, "--levels", "150"]) == 2
    # Levels without paths are calibrated intervals, for the default only (test_defaults.py).
    assert cli.main(["project", "derbyshire", "--admissions", "trend", "--levels", "80"]) == 2


def test_cli_leavers_takes_samples(capsys):
    args = ["leavers", "derbyshire", "--years", "3", "--format", "json"]
    assert cli.main([*args, "--samples", "40", "--seed", "2", "--levels", "80"]) == 0
    obj = json.loads(capsys.readouterr().out)
    engine = [r for r in obj["rows"] if r["source"] == "engine"]
    assert len(engine) == 3
    for r in engine:
        assert 0 <= r["lower_80"] <= r["median"] <= r["upper_80"]
    others = [r for r in obj["rows"] if r["source"] != "engine"]
    assert others and all(r["lower_80"] is None for r in others)
    assert cli.main(args) == 0
    obj = json.loads(capsys.readouterr().out)
    assert "lower_80" not in obj["rows"][0]
    assert cli.main([*args, "--seed", "2"]) == 2
