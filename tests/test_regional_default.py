"""The default admissions of a council of the DfE panel: the regional default.

The national backtest chose ``anchored_revert_reg`` for councils whose region is known
(every ``dfe:`` council) and ``anchored_reg`` (England's growth) for any other dataset; see
``docs/national_backtest.md``.
"""

from __future__ import annotations

import json
import math
import warnings

import pytest

import carecast
from carecast.cli import main
from carecast.model import DEFAULT_ADMISSIONS_SPEC


@pytest.fixture(scope="module")
def council() -> carecast.CohortModel:
    return carecast.CohortModel.fit("dfe:Nottinghamshire")


def total(p: carecast.Projection) -> list[float]:
    df = p.to_pandas()
    return df[(df.band == "all") & (df.measure == "stock")]["value"].tolist()


def test_a_dfe_council_projects_with_the_regional_default(council: carecast.CohortModel) -> None:
    d = council.default_admissions()
    assert d["method"] == "anchored_revert_reg" and d["note"] is None
    adm = d["admissions"]
    assert adm["method"] == "anchored" and adm["phi"] == 0.8
    # The region's stock shrunk towards England's, up to the base year, and a reversion.
    assert adm["reference"][-1][0] == council.base_year
    assert 0 < abs(adm["reversion"]) < 0.05
    p = council.project(years=5)
    assert p.assumptions["admissions"] == adm
    assert total(p) == total(council.project(years=5, admissions=adm))
    # England's anchoring, asked for by name, is another forecast.
    england = council.project(years=5, admissions="anchored")
    assert england.assumptions["admissions"] == DEFAULT_ADMISSIONS_SPEC
    assert all(not math.isclose(a, b) for a, b in zip(total(p), total(england), strict=True))
    assert any("reversion" in n for n in p.assumptions["notes"])


def test_the_reversion_moves_the_total_by_exp_of_h_times_it(
    council: carecast.CohortModel,
) -> None:
    adm = council.default_admissions()["admissions"]
    without = {**adm, "reversion": 0.0}
    a, b = (
        total(council.project(years=4, admissions=adm)),
        total(council.project(years=4, admissions=without)),
    )
    for h, (x, y) in enumerate(zip(a, b, strict=True), start=1):
        assert math.isclose(x / y, math.exp(h * adm["reversion"]), rel_tol=1e-6)


def test_other_datasets_keep_englands_default() -> None:
    m = carecast.CohortModel.fit("derbyshire")
    d = m.default_admissions()
    assert (d["method"], d["admissions"], d["note"]) == (
        "anchored_reg",
        DEFAULT_ADMISSIONS_SPEC,
        None,
    )
    p = m.project(years=3)
    assert p.assumptions["admissions"] == DEFAULT_ADMISSIONS_SPEC
    assert not any("regional default" in n for n in p.assumptions["notes"])


@pytest.mark.parametrize(
    ("name", "why"),
    [("dfe:England", "not a council"), ("dfe:Isles of Scilly", "no rate gap to the region")],
)
def test_where_the_regional_default_cannot_run_england_stands_in_and_says_why(
    name: str, why: str
) -> None:
    m = carecast.CohortModel.fit(name)
    d = m.default_admissions()
    assert d["method"] == "anchored_reg" and d["admissions"] == DEFAULT_ADMISSIONS_SPEC
    assert why in d["note"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        p = m.project(years=2)
    assert d["note"] in p.assumptions["notes"]
    # The note survives pickling.
    import pickle

    assert d["note"] in pickle.loads(pickle.dumps(p)).assumptions["notes"]


def test_calibrated_intervals_are_the_regional_defaults(council: carecast.CohortModel) -> None:
    def ratio(p: carecast.Projection) -> float:
        df = p.to_pandas()
        row = df[(df.band == "all") & (df.measure == "stock")].iloc[2]  # three years ahead
        return (row["upper_80"] + 0.5) / (row["value"] + 0.5)

    regional = ratio(council.project(years=3, levels=[80]))
    # England's default, asked for by name, with its own errors applied.
    england = ratio(council.project(years=3, admissions="anchored", intervals="calibrated"))
    # The two tables' upper 80% quantiles of the log error three years ahead differ.
    assert regional != pytest.approx(england, rel=1e-6)
    assert 1.1 < regional < 1.4 and 1.1 < england < 1.4
    # `levels` alone is refused for England's anchoring on a dfe: council (not its default).
    with pytest.raises(carecast.ArgumentError, match="default method"):
        council.project(years=3, admissions="anchored", levels=[80])


def test_cli_and_placements_use_the_datasets_default(capsys: pytest.CaptureFixture[str]) -> None:
    def cli_total(*extra: str) -> list[float]:
        assert (
            main(["project", "dfe:Nottinghamshire", "--years", "3", *extra, "--format", "json"])
            == 0
        )
        rows = json.loads(capsys.readouterr().out)["rows"]
        return [r["value"] for r in rows if r["band"] == "all" and r["measure"] == "stock"]

    m = carecast.CohortModel.fit("dfe:Nottinghamshire")
    # The CLI prints one decimal.
    assert cli_total() == pytest.approx(total(m.project(years=3)), abs=0.05)
    assert cli_total("--admissions", "anchored") == pytest.approx(
        total(m.project(years=3, admissions="anchored")), abs=0.05
    )
    assert cli_total() != pytest.approx(cli_total("--admissions", "anchored"), abs=0.05)
    pl = carecast.placements("dfe:Nottinghamshire", years=2)
    assert pl.to_pandas()["value"].notna().all()


def test_a_scenarios_baseline_takes_the_datasets_default(council: carecast.CohortModel) -> None:
    from carecast.market import Scenario

    spec = {
        "name": "fewer admissions",
        "dataset": "dfe:Nottinghamshire",
        "years": 3,
        "levers": [{"name": "a", "kind": "admissions", "percent": -10}],
    }
    c = Scenario.from_dict(spec).run()
    base = c.baseline.projection
    assert base.assumptions["admissions"] == council.default_admissions()["admissions"]
    df = base.to_pandas()
    got = df[(df.band == "all") & (df.measure == "stock")]["value"].tolist()
    assert got == pytest.approx(total(council.project(years=3)), rel=1e-9)
    # A scenario that names its admissions keeps them.
    named = Scenario.from_dict({**spec, "admissions": {"method": "anchored"}}).run()
    assert named.baseline.projection.assumptions["admissions"] == DEFAULT_ADMISSIONS_SPEC


def test_placements_carry_the_fallback_note() -> None:
    pl = carecast.placements("dfe:England", years=2)
    assert any("not a council" in n for n in pl.notes)
    assert any("not a council" in n for n in pl.projection.assumptions["notes"])
    import pickle

    assert pickle.loads(pickle.dumps(pl)).notes == pl.notes


def test_own_backtest_warning_names_englands_anchoring_not_the_default() -> None:
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        carecast.backtest("dfe:Derbyshire")
    found = [str(x.message) for x in w if "own backtest" in str(x.message)]
    assert found, "Derbyshire's own backtest finds a method beyond the margin"
    assert all("England's anchoring anchored_reg" in m for m in found)
    assert all("take the default anchored_revert_reg" in m for m in found)


def test_a_base_year_past_the_bundled_panel_says_so() -> None:
    from carecast import _carecast

    ds = carecast.datasets.load("dfe:Nottinghamshire")
    native = _carecast.Model.fit(ds._native)
    d = native.default_admissions(2025)
    assert d["method"] == "anchored_reg"
    assert "ends at 31 March 2024" in d["note"]


def test_the_reports_assumptions_name_the_default_in_use() -> None:
    from carecast.report import assumptions_frame

    m = carecast.CohortModel.fit("dfe:Nottinghamshire")
    row = assumptions_frame(m.project(years=2), m).query("what == 'admissions method'").iloc[0]
    assert row["value"] == "anchored (anchored_revert_reg)"
    assert "national backtest" in row["source"]
    row = assumptions_frame(m.project(years=2, admissions="anchored"), m)
    assert row.query("what == 'admissions method'").iloc[0]["source"] == "chosen by the user"


def test_a_scenarios_fallback_note_reaches_its_projection() -> None:
    from carecast.market import Scenario

    spec = {
        "name": "fewer admissions",
        "dataset": "dfe:East Midlands",
        "years": 2,
        "levers": [{"name": "a", "kind": "admissions", "percent": -10}],
    }
    c = Scenario.from_dict(spec).run()
    for p in (c.baseline, c.result):
        assert any("not a council" in n for n in p.notes)
        assert any("not a council" in n for n in p.projection.assumptions["notes"])


def test_assumptions_without_the_model_name_the_datasets_default() -> None:
    from carecast.report import assumptions_frame

    m = carecast.CohortModel.fit("dfe:Nottinghamshire")

    def method_row(p: carecast.Projection) -> tuple[str, str]:
        r = assumptions_frame(p).query("what == 'admissions method'").iloc[0]
        return r["value"], r["source"]

    value, source = method_row(m.project(years=2))
    assert value == "anchored (anchored_revert_reg)" and "dataset's default" in source
    # England's anchoring asked for by name on a dfe: council is the user's choice.
    assert method_row(m.project(years=2, admissions="anchored")) == (
        "anchored",
        "chosen by the user",
    )
    # On a dataset without a region it is the default.
    d = carecast.CohortModel.fit("derbyshire")
    assert method_row(d.project(years=2))[0] == "anchored (anchored_reg)"
