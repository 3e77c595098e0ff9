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
    # The DataFrame's columns and the unit of the values (exports: see carecast.export).
    assert set(obj["rows"][0]) == {"year", "period", "band", "measure", "value", "unit"}
    assert main(["leavers", "derbyshire", "--years", "4", "--format", "csv"]) == 0
    out = capsys.readouterr().out
    assert "published inflow" in out and "engine" in out
    assert main(["project", "derbyshire", "--years", "40"]) == 2


# --- bad calls raise ArgumentError naming the argument and the value ---------------------


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"years": -1}, r"`years` = -1: must be 1 to 25"),
        ({"years": 10**20}, r"`years` = 100000000000000000000: must be 1 to 25"),
        ({"years": 2.5}, r"`years` = 2.5: must be a whole number"),
        ({"years": True}, r"`years` = True"),
        ({"base_year": 2**40}, r"`base_year` = 1099511627776"),
        ({"retention": {400: 0.9}}, r"`retention` = \{400: 0.9\}: age 400 is outside 18 to 25"),
        ({"retention": {19.5: 0.9}}, r"age 19.5 is not a whole number"),
        ({"retention": {19: float("nan")}}, r"value for age 19 is nan"),
        ({"retention": "all"}, r"`retention` = 'all': expected a mapping"),
        ({"bands": 5}, r"`bands` = 5"),
        ({"bands": ["under 1", 4]}, r"`bands` = 4: must be a string"),
        ({"grain": "week"}, r"`grain` = 'week'"),
        ({"admissions": "tren"}, r"did you mean 'trend'"),
        ({"admissions": "mean", "k": -1}, r"`k` = -1: must be 1 to 100"),
        ({"leaver_share": 2}, r"`leaver_share` = 2: must be 0 to 1"),
        ({"leaver_share": float("inf")}, r"`leaver_share` = inf"),
        (
            {"admissions": "rate", "population": {2017: float("nan"), 2018: 1.0}},
            r"`population` = \{2017: nan, 2018: 1.0\}: the value for year 2017 is nan",
        ),
        ({"admissions": "rate", "population": {2017: "many"}}, r"year 2017 is 'many'"),
        ({"samples": 10, "levels": np.array(0.8)}, r"`levels` = .*did you mean 80"),
        ({"samples": 10, "levels": [0.8]}, r"levels are percentages"),
        ({"samples": 10, "levels": [100]}, r"`levels` = 100: .*strictly between 0 and 100"),
        ({"samples": 10, "levels": []}, r"at least one level"),
        ({"samples": 10, "levels": [80, 80.0]}, r"a level is given twice"),
        ({"samples": 10, "levels": [80, 80.0000001]}, r"would both be labelled 80 "),
        ({"levels": [80, 80]}, r"a level is given twice"),
        ({"levels": []}, r"at least one level"),
        ({"levels": [90]}, r"stored for 80 and 95 only"),
        ({"samples": 0}, r"`samples` = 0"),
        ({"samples": 10, "seed": -1}, r"`seed` = -1"),
    ],
)
def test_bad_arguments_name_argument_and_value(model, kwargs, match):
    with pytest.raises(carecast.ArgumentError, match=match):
        model.project(**kwargs)


def test_zero_d_array_level_accepted(model):
    p = model.project(years=1, samples=50, levels=np.array(80))
    assert p.levels == [80.0]


@pytest.mark.parametrize(
    "args, match",
    [
        ((2017, {300: 1}, {2018: 1}), r"`opening` = \{300: 1\}: age 300 is outside 16 to 25"),
        ((2017, {-1: 1}, {2018: 1}), r"`opening` = \{-1: 1\}: age -1"),
        ((2017, {19: 1}, {}), r"`inflow` = \{\}: needs at least one year"),
        ((2017, {19: 1}, {2018: -3}), r"`inflow` = .*year 2018 is -3: must be at least 0"),
        ((2017, {19: 1}, {2018: 1}, {300: 1}), r"`retention` = \{300: 1\}"),
        ((2**40, {19: 1}, {2018: 1}), r"`base_year` = 1099511627776"),
        ((2017, [(19, 1), (19, 2)], {2018: 1}), r"age 19 is given twice"),
        ((2017, [(19, 1, 2)], {2018: 1}), r"each item must be a \(key, value\) pair"),
        ((2017, np.array([1, 2, 3]), {2018: 1}), r"two columns"),
        ((2017, {19: 1}, 5), r"`inflow` = 5: expected a mapping"),
    ],
)
def test_care_leavers_bad_arguments(args, match):
    with pytest.raises(carecast.ArgumentError, match=match):
        carecast.project_care_leavers(*args)


# --- numeric inputs of any dtype -----------------------------------------------------------

OPENING = {19: 84, 20: 92, 21: 94, 22: 110, 23: 80, 24: 74, 25: 74}
INFLOW = {2018: 92, 2019: 87, 2020: 85, 2021: 88}
TOTALS = [608.0, 626.0, 639.0, 644.0, 622.0]


def _totals(opening, inflow):
    df = carecast.project_care_leavers(2017, opening, inflow)
    return df.groupby("year")["value"].sum().tolist()


@pytest.mark.parametrize("dtype", ["int32", "int64", "uint16", "uint64", "float32", "float64"])
def test_care_leaver_inputs_of_any_dtype(dtype):
    ages = np.array(list(OPENING), dtype=dtype)
    counts = np.array(list(OPENING.values()), dtype=dtype)
    years = np.array(list(INFLOW), dtype="float64" if "float" in dtype else "int64")
    new = np.array(list(INFLOW.values()), dtype=dtype)
    # pandas Series (index = age / year)
    assert _totals(pd.Series(counts, index=ages), pd.Series(new, index=years)) == TOTALS
    # two-column arrays
    assert _totals(np.column_stack([ages, counts]), np.column_stack([years, new])) == TOTALS
    # lists of pairs of numpy scalars, and a dict with numpy keys
    assert (
        _totals(list(zip(ages, counts, strict=True)), dict(zip(years, new, strict=True))) == TOTALS
    )


def test_care_leaver_inputs_nullable_and_frames():
    opening = pd.Series(list(OPENING.values()), index=pd.Index(list(OPENING), dtype="Int64"))
    inflow = pd.Series(list(INFLOW.values()), index=list(INFLOW), dtype="Int64")
    assert _totals(opening.astype("Int64"), inflow) == TOTALS
    frame = pd.DataFrame({"age": list(OPENING), "n": list(OPENING.values())})
    assert _totals(frame, {float(y): v for y, v in INFLOW.items()}) == TOTALS
    with pytest.raises(carecast.ArgumentError, match=r"year 2019 is <NA>"):
        carecast.project_care_leavers(
            2017, OPENING, pd.Series([92, None], index=[2018, 2019], dtype="Int64")
        )
    with pytest.raises(carecast.ArgumentError, match=r"age 19.5 is not a whole number"):
        carecast.project_care_leavers(2017, pd.Series([1.0], index=[19.5]), INFLOW)


@pytest.mark.parametrize("dtype", ["int32", "int64", "uint32", "float32", "float64", "Int64"])
def test_project_mappings_of_any_dtype(model, dtype):
    pop = pd.Series([153377, 154000, 160000], index=[2017, 2018, 2019], dtype=dtype)
    ret = pd.Series([1, 1], index=np.array([19, 20], dtype="int64"), dtype=dtype)
    got = model.project(years=2, admissions="rate", population=pop, retention=ret)
    want = model.project(
        years=2,
        admissions="rate",
        population={2017: 153377, 2018: 154000, 2019: 160000},
        retention={19: 1, 20: 1},
    )
    pd.testing.assert_frame_equal(got.to_pandas(), want.to_pandas())
    arr = np.column_stack([pop.index.to_numpy(), pop.to_numpy(dtype="float64")])
    pd.testing.assert_frame_equal(
        model.project(years=2, admissions="rate", population=arr).to_pandas(),
        model.project(years=2, admissions="rate", population=dict(pop)).to_pandas(),
    )


def test_scalars_of_any_dtype(model):
    ref = model.project(years=3, admissions="mean", k=2).to_pandas()
    for years in (np.int32(3), np.uint8(3), np.float64(3.0), 3.0):
        got = model.project(years=years, admissions="mean", k=np.int16(2)).to_pandas()
        pd.testing.assert_frame_equal(got, ref)


def test_to_wide_checks_measure_and_values(model):
    p = model.project(years=2, samples=50, levels=[80])
    assert p.to_wide("stock", values="upper_80").shape == (2, 6)
    with pytest.raises(carecast.UnknownNameError, match=r"`measure` = 'stok'.*'stock'"):
        p.to_wide("stok")
    with pytest.raises(carecast.UnknownNameError, match=r"`values` = 'upper_95'"):
        p.to_wide("stock", values="upper_95")


def test_monte_carlo_html_shows_intervals(model):
    p = model.project(years=2, samples=50, levels=[80, 95])
    html = p._repr_html_()
    for col in ("median", "lower_80", "upper_80", "lower_95", "upper_95"):
        assert col in html
    assert "lower_80" not in model.project(years=2)._repr_html_()


def test_zero_rates_and_band_views_of_totals_warn():
    """A zero calibrated rate carried forward and a band view of a totals-only model each
    arrive as a CarecastWarning naming the cause (issue 14, item 6)."""
    m = carecast.CohortModel.fit("dfe:Derbyshire")
    with pytest.warns(carecast.CarecastWarning, match=r"`under 1`.*discharge rate of 0.*2023/24"):
        m.project(years=3, admissions="held", discharges="last")
    totals = carecast.CohortModel.fit("dfe:Rutland")
    with pytest.warns(carecast.CarecastWarning, match=r"all-ages totals only.*under 1, 1-4"):
        totals.project(years=3, bands="dfe")


def test_levels_are_read_lazily_and_bounded(model):
    """Any iterable is read one level at a time: a generator works, and a huge range is
    refused after MAX_LEVELS + 1 values instead of being turned into an array first."""
    p = model.project(years=1, samples=20, levels=(lv for lv in (95, 80)))
    assert p.levels == [80.0, 95.0]
    with pytest.raises(carecast.ArgumentError, match=r"`levels` = range\(5, 10+\): more than"):
        model.project(years=1, samples=20, levels=range(5, 10**12))
    with pytest.raises(carecast.ArgumentError, match=r"`levels` = \[80\]: must be a number"):
        model.project(years=1, samples=20, levels=[[80]])


def test_calibrated_intervals_at_no_levels_are_refused(model):
    """``levels=[]`` is refused by the core's check, with calibrated intervals asked for
    explicitly or implied, even though a Projection built with no levels has none."""
    for kw in ({"intervals": "calibrated"}, {}):
        with pytest.raises(carecast.ArgumentError, match="at least one level"):
            model.project(years=2, levels=[], **kw)
    assert carecast.Projection(model.project(years=2)._native, []).intervals is None


def test_levels_without_an_order_or_as_text_are_refused(model):
    """A set or mapping has no order of its own and text is no number: each is refused
    naming ``levels``, for Monte Carlo and calibrated intervals alike."""
    for levels in ({80, 95}, frozenset({80}), {80: 1, 95: 2}, {80: 1}.keys(), "80", b"80"):
        for kw in ({"samples": 20}, {"intervals": "calibrated"}):
            with pytest.raises(carecast.ArgumentError, match=r"`levels` = .*expected a number"):
                model.project(years=1, levels=levels, **kw)
    # An ordered iterable still works, as do one number and a numpy array.
    assert model.project(years=1, samples=20, levels=(95, 80)).levels == [80.0, 95.0]
    assert model.project(years=1, samples=20, levels=np.array([90])).levels == [90.0]
