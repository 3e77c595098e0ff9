import json
import pickle
from pathlib import Path

import pandas as pd
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
    # Published DCC foster placements at 31 March 2017 (333) = mainstream + contract care.
    base = wide.loc["2016/17"]
    assert base["in_house_fostering"] + base["contract_care"] == pytest.approx(333)
    assert base["contract_care"] == pytest.approx(50)
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
    # No unit costs published: missing (pandas.NA in nullable floats), never zero or NaN.
    assert str(derby["computed"].dtype) == "Float64"
    assert derby["computed"].isna().all() and (derby["status"] == "not computed").all()
    assert all(v is pd.NA for v in derby["computed"].to_numpy(dtype=object))
    assert set(derby["year"]) == {"2022/23", "2023/24"}
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


def test_base_year_is_published_under_every_mix():
    for mix in carecast.market.MIX_METHODS:
        p = carecast.placements("derbyshire", years=2, mix=mix)
        assert p.value("2016/17", "ifa", "placements") == pytest.approx(134), mix
        assert p.value("2016/17", "adoption", "placements") == pytest.approx(27), mix


def test_capacity_rows_and_targets():
    p = carecast.placements("derbyshire", years=4)
    df = p.to_pandas().set_index(["year", "placement", "measure"])["value"]
    # 004_85328cd596b7bfe6.txt, "Placement utilisation": 443 of 753 approved places filled.
    assert df[("2016/17", "fostering", "utilisation")] == pytest.approx(100 * 443 / 753)
    assert df[("2016/17", "fostering", "households")] == 407
    assert df[("2017/18", "fostering", "target_households")] == 460
    assert df[("2018/19", "fostering", "target_in_house_share")] == 82
    derby = carecast.placements("derby", years=2).to_pandas()
    t = derby[derby["measure"] == "target_within_20_miles_share"]
    assert (t["value"] == 75).all() and len(t) == 3


def test_derby_mix_uses_december_2024():
    p = carecast.placements("derby", years=2, mix="mean", mix_k=3)
    assert p.assumptions["mix_dates"][-1] == "2024-12-31"


def test_comparison_summary_has_no_nan():
    c = carecast.Scenario.from_file(ROOT / "scenarios" / "recruit_60_carers.toml").run()
    s = c.summary()
    values = s.to_numpy(dtype=object).ravel()
    assert not any(isinstance(v, float) and v != v for v in values)
    assert s.loc["2016/17", "all spend"] is pd.NA
    assert s.loc["2018/19", "all spend"] < 0


def _cost(**changes):
    return {"placement": "ifa", "annual": 1, "price_year": 2017, **changes}


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"years": -1}, "years"),
        ({"years": 3.5}, "years"),
        ({"years": "3"}, "years"),
        ({"base_year": 2016.7}, "base_year"),
        ({"base_year": "2017"}, "base_year"),
        ({"inflation": "x"}, "inflation"),
        ({"inflation": float("nan")}, "inflation"),
        ({"mix": "mean", "mix_k": "a"}, "mix_k"),
        ({"mix": "mean", "mix_k": 0}, "mix_k"),
        ({"admissions": "mean", "k": -1}, "`k`"),
        ({"unit_costs": [_cost(annual="abc")]}, "annual"),
        ({"unit_costs": [_cost(annual=float("nan"))]}, "annual"),
        ({"unit_costs": [_cost(placement="ifaa")]}, "ifaa"),
        ({"unit_costs": [_cost(price_year=2017.5)]}, "price_year"),
        ({"unit_costs": [_cost(cost=1)]}, "cost"),
        ({"unit_costs": [_cost(band="16-20")]}, "16-20"),
    ],
)
def test_bad_market_arguments_are_argument_errors(kwargs, match):
    with pytest.raises(carecast.CarecastError, match=match):
        carecast.placements("derbyshire", **kwargs)


def test_bad_reconcile_and_usage_arguments():
    with pytest.raises(ArgumentError, match="inflation"):
        carecast.reconcile_spend("derbyshire", inflation=float("nan"))
    with pytest.raises(ArgumentError, match="total"):
        carecast.usage_estimates(total="x")
    with pytest.raises(ArgumentError, match="total"):
        carecast.usage_estimates(total=-5)


def test_scenario_errors_name_file_lever_and_key(tmp_path):
    f = tmp_path / "late.toml"
    f.write_text(
        "name='x'\ndataset='derbyshire'\nbase_year=2017\nyears=3\n"
        "[[levers]]\nname='recruit'\nkind='foster_recruitment'\nhouseholds=60\nfrom_year=2017\n"
    )
    s = carecast.Scenario.from_file(f)
    with pytest.raises(ScenarioError, match=r"late\.toml.*recruit.*from_year") as e:
        s.run()
    assert "2017" in str(e.value)
    # After a pickle round trip the scenario still knows its file.
    with pytest.raises(ScenarioError, match=r"late\.toml"):
        pickle.loads(pickle.dumps(s)).run()
    with pytest.raises(ScenarioError, match="unknown field"):
        carecast.Scenario.from_toml(
            "name='x'\ndataset='derbyshire'\nadmissions={method='mean',k=3,foo=1}\n"
        )


def test_scenario_html_and_levers():
    s = carecast.Scenario.from_file(ROOT / "scenarios" / "step_down_and_reunification.toml")
    lv = s.levers()
    assert list(lv["kind"]) == [
        "admissions",
        "reunification",
        "step_down",
        "beds",
        "inflation",
    ]
    assert "<table" in s._repr_html_()


@pytest.mark.parametrize(
    "kwargs",
    [{}, {"admissions": "trend", "discharges": "last"}],
    ids=["core default", "explicit trend/last"],
)
def test_placements_project_the_same_children_as_the_cohort_model(kwargs):
    # Without assumptions, placements use the core's default (as CohortModel.project does);
    # explicit ones are passed through. Either way the placements add up to the stock.
    pl = carecast.placements("derbyshire", years=3, **kwargs).to_pandas()
    counts = pl[pl["measure"] == "placements"].groupby("year")["value"].sum()
    proj = carecast.CohortModel.fit("derbyshire").project(years=3, **kwargs)
    assert proj.assumptions["admissions"]["method"] == (
        kwargs.get("admissions", carecast.model.DEFAULT_ADMISSIONS)
    )
    st = proj.to_pandas()
    stock = st[(st["measure"] == "stock") & (st["band"] == "all")]["value"].tolist()
    assert counts.tolist()[1:] == pytest.approx(stock, rel=1e-9)
