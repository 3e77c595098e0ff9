import json
import pickle
from pathlib import Path

import pytest

import carecast
from carecast import ArgumentError, ScenarioError, UnknownNameError

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def derbyshire():
    return carecast.placements("derbyshire", years=5, mix="trend", inflation=2.0)


def test_placements_long_frame_and_wide_helpers(derbyshire):
    df = derbyshire.to_pandas()
    assert df.columns.tolist() == ["year", "placement", "measure", "value"]
    assert df["value"].notna().all()
    wide = derbyshire.to_wide("placements")
    assert wide.loc["2016/17", "in_house_fostering"] == pytest.approx(333)
    assert list(wide.index)[0] == "2016/17" and len(wide) == 6
    spend = derbyshire.to_wide("spend")
    # Inflation 2% a year: IFA spend grows faster than IFA placements.
    assert spend.loc["2021/22", "ifa"] > 0
    with pytest.raises(ArgumentError, match="measure"):
        derbyshire.to_wide("spending")


def test_in_house_never_exceeds_capacity(derbyshire):
    df = derbyshire.to_pandas().pivot_table(
        index=["year", "placement"], columns="measure", values="value"
    )
    pools = df.loc[(slice(None), ["fostering", "residential"]), :]
    assert (pools["in_house"] <= pools["capacity"] + 1e-9).all()
    assert (pools["in_house"] + pools["external"] - pools["demand"]).abs().max() < 1e-9


def test_pickle_round_trips_results():
    p = carecast.placements("derby", years=2)
    c = carecast.Scenario.from_file(ROOT / "scenarios" / "recruit_60_carers.toml").run()
    for obj in (p, c, c.scenario):
        back = pickle.loads(pickle.dumps(obj))
        assert type(back) is type(obj)
    assert pickle.loads(pickle.dumps(p)).to_pandas().equals(p.to_pandas())
    assert "<table" in c._repr_html_() and "<table" in p._repr_html_()


def test_spend_reconciliation_reports_differences():
    df = carecast.reconcile_spend("derbyshire")
    ifa = df[df["what"] == "ifa"].iloc[0]
    assert (ifa["published"], ifa["computed"]) == (5187726.0, 5148000.0)
    derby = carecast.reconcile_spend("derby")
    assert derby["computed"].isna().all()  # no unit costs published: not zero
    costs = [
        {"placement": t, "annual": a, "price_year": 2017}
        for t, a in [
            ("in_house_fostering", 20063),
            ("ifa", 44000),
            ("in_house_home", 172000),
            ("agency_home", 190000),
            ("block_home", 190000),
        ]
    ]
    borrowed = carecast.reconcile_spend("derby", unit_costs=costs, inflation=3)
    assert borrowed["computed"].notna().all()
    with pytest.raises(ArgumentError, match="unit_costs"):
        carecast.reconcile_spend("derby", unit_costs={"ifa": 1})


def test_usage_at_700():
    df = carecast.usage_estimates()
    assert (df["computed"] - df["published"]).abs().max() <= 3.5
    assert df.set_index("category").loc["Total", "computed"] == pytest.approx(700)


def test_recruiting_60_households_moves_children_and_lowers_spend():
    c = carecast.Scenario.from_file(ROOT / "scenarios" / "recruit_60_carers.toml").run()
    df = c.to_pandas().set_index(["year", "placement", "measure"])
    ifa = df.loc[("2019/20", "ifa", "placements"), "difference"]
    ih = df.loc[("2019/20", "in_house_fostering", "placements"), "difference"]
    assert ifa < -40 and ih == pytest.approx(-ifa)
    saved = df.loc[("2019/20", "all", "spend"), "difference"]
    # Consistent with the unit costs: each child moved saves the IFA cost (44,000) less
    # the in-house cost (19,025 to 23,096 a year by age).
    assert ih * (44000 - 19025) >= -saved >= ih * (44000 - 23096) - 1e-6
    att = c.attribution()
    assert set(att["lever"]) == {"60 more households"}
    assert c.summary().shape[1] == 6


@pytest.mark.parametrize(
    "name",
    ["recruit_60_carers.toml", "step_down_and_reunification.toml", "derby_borrowed_costs.json"],
)
def test_example_scenarios_round_trip(name):
    s = carecast.Scenario.from_file(ROOT / "scenarios" / name)
    assert carecast.Scenario.from_toml(s.to_toml()) == s
    assert carecast.Scenario.from_json(s.to_json()) == s
    assert carecast.Scenario.from_dict(json.loads(s.to_json())) == s


def test_bad_scenarios_raise_scenario_errors():
    base = "name = 'x'\ndataset = 'derbyshire'\n"
    with pytest.raises(ScenarioError, match="colour"):
        carecast.Scenario.from_toml(base + "colour = 2\n", file="bad.toml")
    with pytest.raises(ScenarioError, match="bad.toml"):
        carecast.Scenario.from_toml(base + "[[levers]]\nkind = 'magic'\n", file="bad.toml")
    s = carecast.Scenario.from_toml(base + "[[levers]]\nkind='admissions'\nband='teens'\n")
    with pytest.raises(ScenarioError, match="teens"):
        s.run()
    with pytest.raises(ArgumentError, match="nowhere.toml"):
        carecast.Scenario.from_file("nowhere.toml")


def test_bad_placement_arguments():
    with pytest.raises(ArgumentError, match="mix"):
        carecast.placements("derbyshire", mix="random")
    with pytest.raises(UnknownNameError):
        carecast.placements("derbyshyre")
