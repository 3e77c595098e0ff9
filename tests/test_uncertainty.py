"""Prediction intervals (project with samples) and backtests, in Python and on the CLI."""

import json
import pickle

import numpy as np
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


def test_backtest_frames_and_pickling():
    b = carecast.backtest("derby", samples=60, levels=[80, 95])
    fc = b.forecasts()
    assert fc.columns.tolist() == [
        "method",
        "origin",
        "horizon",
        "period",
        "band",
        "forecast",
        "actual",
        "lower_80",
        "upper_80",
        "lower_95",
        "upper_95",
    ]
    assert set(fc["method"]) == {"naive", "drift", "held", "mean", "trend"}
    quarters = fc[(fc.method == "held") & (fc.origin == 2024)]
    assert quarters["actual"].tolist() == [567.0, 560.0, 554.0]
    s = b.summary()
    assert s.columns.tolist() == [
        "method",
        "horizon",
        "n",
        "mae",
        "mape",
        "bias",
        "mase",
        "coverage_80",
        "width_80",
        "coverage_95",
        "width_95",
    ]
    assert (s.loc[s.method == "naive", "mase"] == 1.0).all()
    assert "band" in b.summary(by_band=True).columns
    assert b.default_method in ("held", "mean", "trend")
    again = pickle.loads(pickle.dumps(b))
    assert again.forecasts().equals(fc) and again.default_method == b.default_method
    assert "Backtest" in b._repr_html_()


def test_backtest_bad_inputs():
    with pytest.raises(carecast.ArgumentError, match="horizon"):
        carecast.backtest("derbyshire", horizon=4, samples=10)
    with pytest.raises(carecast.ArgumentError, match="horizon"):
        carecast.backtest("derbyshire", horizon=0, samples=10)
    with pytest.raises(carecast.ArgumentError, match="samples"):
        carecast.backtest("derbyshire", samples=0)
    with pytest.raises(carecast.ArgumentError, match="levels"):
        carecast.backtest("derbyshire", samples=10, levels=[120])


def test_cli_backtest_json(capsys):
    assert cli.main(["backtest", "derbyshire", "--samples", "40", "--format", "json"]) == 0
    obj = json.loads(capsys.readouterr().out)
    assert {"dataset", "default_method", "rows", "summary"} <= set(obj)
    assert obj["dataset"] == "derbyshire"
    assert set(obj["rows"][0]) >= {"method", "origin", "horizon", "period", "band", "forecast"}
    assert {"mase", "coverage_80", "width_90"} <= set(obj["summary"][0])
    assert cli.main(["backtest", "derbyshire", "--horizon", "5"]) == 2
    assert "horizon" in capsys.readouterr().err


def test_cli_project_with_levels(capsys):
    args = ["project", "derbyshire", "--years", "2", "--samples", "30", "--format", "json"]
    assert cli.main([*args, "--levels", "80,95", "--seed", "1"]) == 0
    obj = json.loads(capsys.readouterr().out)
    assert obj["levels"] == [80.0, 95.0]
    assert {"lower_95", "upper_80", "median"} <= set(obj["rows"][0])
    assert cli.main([*args, "--levels", "150"]) == 2
    assert cli.main(["project", "derbyshire", "--levels", "80"]) == 2
