import json
import pickle
from pathlib import Path

import pandas as pd
import pytest

import carecast
from carecast import datasets

SEEDS = {"derbyshire": "004_85328cd596b7bfe6.txt"}


def test_names_and_load():
    assert set(datasets.names()) == {"derbyshire", "derby", "d2n2"}
    for n in datasets.names():
        d = datasets.load(n)
        assert d.name == n
        assert len(d.table_ids) > 5
        for tid in d.table_ids:
            t = d.table(tid)
            assert t.source.endswith(".txt") and t.source_table


def test_required_tables_present():
    d = datasets.load("derbyshire")
    for tid in [
        "cic_by_age",
        "admissions_by_age",
        "flows_summary",
        "discharges_by_reason",
        "discharges_by_duration",
        "cic_comparators",
        "cic_rate_comparators",
        "cic_by_district",
        "cic_by_placement",
        "cic_16_17_by_placement",
        "cic_16_17_by_admission_age",
        "foster_placement_utilisation",
        "fostering_households",
        "fostering_service_targets",
        "staying_put",
        "ifa_by_district",
        "agency_residential",
        "in_house_home_beds",
        "care_leavers_by_age",
        "care_leavers_projection",
        "care_leaver_accommodation",
        "fostering_unit_costs",
        "contract_care_costs",
        "average_annual_costs",
        "after_care_housing_costs",
        "placement_usage_700",
        "sgo_orders",
        "adoption_children",
    ]:
        assert tid in d.table_ids, tid
    derby = datasets.load("derby")
    for tid in [
        "flows_annual",
        "flows_quarterly",
        "placements_by_type",
        "framework_spot",
        "distance_20_miles",
        "expenditure_annual",
        "expenditure_quarterly",
        "cic_2018_2019",
        "age_facts_2019",
        "ethnicity_2019",
        "internal_residential_places",
    ]:
        assert tid in derby.table_ids, tid
    d2n2 = datasets.load("d2n2")
    for tid in ["england_cla", "d2n2_cla", "supply_by_la", "internal_external", "spend"]:
        assert tid in d2n2.table_ids, tid


def test_long_frame_keeps_suppressed_cells():
    df = datasets.load("derbyshire").to_pandas()
    sup = df[df["suppressed"]]
    assert len(sup) > 0
    assert sup["value"].isna().all(), "a suppressed cell must never carry a value"
    assert (sup["upper"] == 9).any() and (sup["lower"] >= 0).all()
    exact = df[df["status"] == "exact"]
    assert (exact["value"] == exact["lower"]).all()


def test_cic_by_age_figures():
    wide = datasets.load("derbyshire").table("cic_by_age").to_wide()
    assert wide.loc["2017-03-31", "all"] == 630
    assert wide.loc["2013-03-31", "under 1"] == 49
    assert list(wide.columns) == ["under 1", "1-4", "5-9", "10-15", "16-17", "all"]


def test_stock_identity_differences():
    rec = datasets.load("derbyshire").reconcile().to_pandas()
    si = rec[rec["kind"] == "stock_identity"].set_index("period")
    assert si.loc[["2013/14", "2014/15", "2015/16", "2016/17"], "difference"].tolist() == [
        0,
        2,
        -6,
        -1,
    ]
    derby = datasets.load("derby").reconcile().to_pandas()
    q = derby[(derby["kind"] == "stock_identity") & derby["period"].str.contains("Q1", na=False)]
    assert q["status"].tolist() == ["fail"]


def test_unknown_names_suggest():
    with pytest.raises(carecast.UnknownNameError, match='did you mean "derbyshire"'):
        datasets.load("derbyshir")
    with pytest.raises(carecast.UnknownNameError, match="cic_by_age"):
        datasets.load("derbyshire").table("cic_by_ag")
    with pytest.raises(ValueError):
        datasets.load("nope")
    with pytest.raises(carecast.UnknownNameError, match="flows_annual"):
        datasets.load("derby").table("flows")


@pytest.mark.parametrize(
    "call, error, match",
    [
        (lambda: datasets.load(3), carecast.ArgumentError, r"`name` = 3: .*not int"),
        (lambda: datasets.load(None), carecast.ArgumentError, r"`name` = None"),
        (lambda: datasets.load(""), carecast.ArgumentError, r"`name` = '': .*bundled"),
        (lambda: datasets.load("   "), carecast.ArgumentError, r"`name` = '   '"),
        (
            lambda: datasets.load("data/my_council"),
            carecast.UnknownNameError,
            r'"data/my_council".*or a folder',
        ),
        (lambda: datasets.load("derby").table(5), carecast.ArgumentError, r"`table_id` = 5"),
        (lambda: datasets.read_table(5), carecast.ArgumentError, r"`path` = 5"),
        (lambda: datasets.read_table("no/such.csv"), carecast.DataError, r"no/such.csv"),
    ],
)
def test_bad_calls_name_argument_and_value(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_empty_folder_and_stray_file_are_errors(tmp_path):
    with pytest.raises(carecast.DataError, match="no table files"):
        datasets.load(tmp_path)
    (tmp_path / "notes.txt").write_text("not a table")
    with pytest.raises(carecast.DataError, match="no table files"):
        datasets.load(tmp_path)
    with pytest.raises(carecast.DataError, match="notes.txt: not a folder"):
        datasets.load(tmp_path / "notes.txt")


HEAD = (
    "# id: {id}\n# title: T\n# source: mine.xlsx\n# source_table: T\n"
    "# measure: stock\n# unit: children\n"
)


def write(tmp: Path, tid: str, body: str) -> Path:
    p = tmp / f"{tid}.csv"
    p.write_text(HEAD.format(id=tid) + body, encoding="utf-8")
    return p


def test_own_tables(tmp_path):
    write(
        tmp_path,
        "stock",
        "# total: band=all\nperiod,band,value\n2024-03-31,under 1,<10\n"
        "2024-03-31,1-17,100\n2024-03-31,all,120\n",
    )
    d = datasets.load(tmp_path)
    rec = d.reconcile().to_pandas()
    assert rec["status"].tolist() == ["fail"], "100 + at most 9 cannot reach 120"
    assert rec["difference_upper"].tolist() == [-11]


@pytest.mark.parametrize(
    "body, where",
    [
        ("period,band,value\n2024-03-31,teens,3\n", "line 8, column `band`"),
        ("period,band,value\n2024-03-31,1-4,-2\n", "column `value`"),
        ("period,band,value\n2024-03-31,1-4,<1O\n", "column `value`"),
        ("period,unit,value\n2024-03-31,percent,120\n", "over 100"),
        ("period,bnad,value\n", "did you mean `band`"),
    ],
)
def test_bad_files_name_the_place(tmp_path, body, where):
    p = write(tmp_path, "bad", body)
    with pytest.raises(carecast.DataError, match=where.replace("(", r"\(")) as e:
        datasets.read_table(p)
    assert "bad" in str(e.value)


def test_custom_band_scheme_checked(tmp_path):
    from carecast import _carecast

    assert _carecast.parse_band("16+") == (16, 18)
    with pytest.raises(carecast.ArgumentError):
        _carecast.parse_band("5-3")


def test_pickle_round_trip():
    d = datasets.load("derby")
    d2 = pickle.loads(pickle.dumps(d))
    pd.testing.assert_frame_equal(d.to_pandas(), d2.to_pandas())
    r = d.reconcile()
    pd.testing.assert_frame_equal(r.to_pandas(), pickle.loads(pickle.dumps(r)).to_pandas())
    assert json.loads(d.to_json())["name"] == "derby"


def test_html_reprs():
    d = datasets.load("derbyshire")
    assert "<table" in d._repr_html_()
    assert "Reconciliation" in d.reconcile()._repr_html_()
    assert "cic_by_age" in d.table("cic_by_age")._repr_html_()


def test_table_to_wide_checks_its_columns():
    t = datasets.load("derby").table("flows_quarterly")
    assert t.to_wide(columns="measure")["closing"].tolist() == [567, 560, 554]
    with pytest.raises(carecast.UnknownNameError, match=r"`index` = 'periods'.*'period'"):
        t.to_wide(index="periods")


def test_fit_names_its_dataset_argument():
    with pytest.raises(carecast.ArgumentError, match=r"`dataset` = 5"):
        carecast.CohortModel.fit(5)
