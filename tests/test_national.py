"""The national backtest from Python and the command line (``dfe:all``)."""

import json

import numpy as np
import pytest

import carecast
from carecast.cli import main

#: A council whose own backtest favours another method (naive, 0.81 of the default's MAPE
#: over 40 figures when written), and one where the default holds.
DISAGREEING = "dfe:Leicester"
AGREEING = "dfe:Kent"


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


def test_uasc_streams_hold_the_base_years_uasc():
    p = carecast.CohortModel.fit("dfe:Kent").project(years=3)
    s = carecast.uasc_streams(p)
    assert list(s.columns) == ["year", "horizon", "stream", "value", "unit"]
    assert len(s) == 9
    # Kent: 498 UASC looked after at 31 March 2024 (DfE, EES 2024), held.
    assert s[s.stream == "uasc"]["value"].tolist() == [498.0, 498.0, 498.0]
    wide = s.pivot_table(index="year", columns="stream", values="value")
    assert np.allclose(wide["uasc"] + wide["other"], wide["all"])
    total = p.to_pandas()
    total = total[(total.measure == "stock") & (total.band == "all")]
    assert np.allclose(sorted(wide["all"]), sorted(total["value"]))
    assert "National Transfer Scheme" in s.attrs["method"]


def test_uasc_streams_need_the_table():
    p = carecast.CohortModel.fit("derbyshire").project(years=2)
    with pytest.raises(carecast.CarecastError, match="uasc_stock"):
        carecast.uasc_streams(p)


def test_cli_project_uasc(capsys):
    assert main(["project", "dfe:Kent", "--years", "2", "--uasc", "--format", "json"]) == 0
    obj = json.loads(capsys.readouterr().out)
    # The JSON convention: `year` is the year ending 31 March, `period` the financial year.
    streams = {(r["period"], r["stream"]): r["value"] for r in obj["rows"]}
    assert {r["year"] for r in obj["rows"]} == {2025, 2026}
    assert streams[("2025/26", "uasc")] == 498.0
    assert streams[("2025/26", "uasc")] + streams[("2025/26", "other")] == pytest.approx(
        streams[("2025/26", "all")]
    )
    assert "held" in obj["method"]


def test_own_backtest_warns_when_another_method_beats_the_default(capsys):
    from carecast import _carecast

    ds = carecast.datasets.load(DISAGREEING)
    found = _carecast.default_disagreement(ds._native, 5)
    assert found is not None
    assert found["ratio"] < 1 - found["margin"]
    # The warning needs enough shared figures to speak (one origin/horizon pair is not).
    assert found["figures"] >= carecast._national.MIN_DISAGREEMENT_FIGURES
    assert found["mape"] < found["default_mape"]
    with pytest.warns(carecast.CarecastWarning) as caught:
        carecast.backtest(ds, samples=50)
    msg = str(caught[0].message)
    assert found["method"] in msg and "anchored_reg" in msg and "national" in msg
    assert f"{found['mape']:.1f}%" in msg and f"{found['default_mape']:.1f}%" in msg
    # The CLI prints it on stderr.
    assert main(["backtest", DISAGREEING, "--samples", "50", "--format", "csv"]) == 0
    err = capsys.readouterr().err
    assert "carecast: warning:" in err and found["method"] in err


def test_own_backtest_is_silent_when_the_default_holds():
    import warnings

    from carecast import _carecast

    ds = carecast.datasets.load(AGREEING)
    assert _carecast.default_disagreement(ds._native, 5) is None
    with warnings.catch_warnings():
        warnings.simplefilter("error", carecast.CarecastWarning)
        carecast.backtest(ds, samples=50)


def test_own_backtest_failure_leaves_a_successful_backtest_standing(monkeypatch):
    import warnings

    from carecast import _carecast

    def fails(*_args, **_kwargs):
        raise carecast.CarecastError("own backtest could not run")

    monkeypatch.setattr(_carecast, "default_disagreement", fails)
    with warnings.catch_warnings():
        warnings.simplefilter("error", carecast.CarecastWarning)
        b = carecast.backtest("derby", horizon=1, samples=50)
    assert len(b.forecasts()) > 0
    assert carecast._national.warn_if_default_disagrees(carecast.datasets.load("derby")) is None


@pytest.mark.parametrize("horizon", [0, -3, "five", 2.5, float("inf"), float("nan")])
def test_warn_if_default_disagrees_bad_horizon_is_an_argument_error(horizon):
    ds = carecast.datasets.load("derby")
    with pytest.raises(carecast.ArgumentError, match="horizon"):
        carecast._national.warn_if_default_disagrees(ds, horizon)


def test_cli_project_uasc_follows_the_disclosure_rule(capsys):
    args = ["project", "dfe:Kent", "--years", "2", "--uasc", "--format", "json"]
    assert main([*args, "--disclosure", "dfe"]) == 0
    rows = json.loads(capsys.readouterr().out)["rows"]
    assert rows and all(r["unit"] == "children" for r in rows)
    # Counts of children are whole numbers under the DfE rule (the raw `other` is not).
    assert all(isinstance(r["value"], int) for r in rows), rows
