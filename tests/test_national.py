"""The national backtest from Python and the command line (``dfe:all``)."""

import json

import numpy as np
import pytest

import carecast
from carecast.cli import main


@pytest.fixture(scope="module")
def national():
    # Two baselines and the default keep the run short; the full run is the CLI test's.
    return carecast.backtest(
        "dfe:all", horizon=3, methods=["naive", "drift", "anchored_reg"], bootstrap=50
    )


def test_records_and_pooled_scores(national):
    b = national
    assert isinstance(b, carecast.NationalBacktest)
    assert b.origins == [2014, 2015, 2016, 2017, 2018, 2019, 2022, 2023]
    fc = b.forecasts()
    assert set(fc.method) == {"naive", "drift", "anchored_reg"}
    assert set(fc.horizon) == {1, 2, 3}
    assert {"all", "under 1", "16-17"} <= set(fc.band)
    assert fc.council.nunique() > 140
    assert (fc.name[fc.council == "E10000007"] == "Derbyshire").all()
    # Naive carries the stock as published at the origin (Derbyshire 2014: 628 in
    # SFR36/2014, revised to 627 later); the outturn is the latest release's.
    d = fc[(fc.council == "E10000007") & (fc.band == "all") & (fc.method == "naive")]
    d = d.set_index(["origin", "horizon"])
    assert d.loc[(2014, 1), "forecast"] == 628
    assert d.loc[(2014, 1), "actual"] == 609
    assert d.loc[(2014, 2), "actual"] == d.loc[(2015, 1), "actual"]
    assert (fc.origin + fc.horizon <= 2024).all()
    s = b.summary("total")
    naive = s[s.method == "naive"]
    assert np.allclose(naive.rel_naive, 1.0)
    assert ((s.mape_lo <= s.mape) & (s.mape <= s.mape_hi)).all()
    assert {"coverage_80", "coverage_95", "width_80", "width_95", "mase", "bias"} <= set(s)
    # Calibrated intervals of the default: close to their levels, pooled.
    dflt = s[s.method == b.default_method]
    assert ((dflt.coverage_80 > 0.6) & (dflt.coverage_80 < 0.95)).all()
    assert (dflt.coverage_95 >= dflt.coverage_80).all()


def test_bad_options_are_named():
    with pytest.raises(carecast.ArgumentError, match="methods"):
        carecast.backtest("dfe:all", methods=["nope"])
    with pytest.raises(carecast.ArgumentError, match="levels"):
        carecast.backtest("dfe:all", levels=[50])
    with pytest.raises(carecast.ArgumentError, match="options"):
        carecast.backtest("derby", methods=["naive"])


def test_cli_summary_json(capsys):
    code = main(["backtest", "dfe:all", "--horizon", "2", "--summary", "--format", "json"])
    out = capsys.readouterr()
    assert code == 0
    obj = json.loads(out.out)
    assert obj["dataset"] == "dfe:all" and obj["table"] == "summary"
    rows = obj["rows"]
    methods = {r["method"] for r in rows}
    assert {"naive", "drift", obj["default_method"]} <= methods
    assert {r["horizon"] for r in rows} == {1, 2}
    assert {"mape", "mape_lo", "mape_hi", "coverage_80", "coverage_95"} <= set(rows[0])
