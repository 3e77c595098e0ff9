"""The native boundary: classes holding the core's values, columns, errors with attributes,
and a model that carries its own dataset."""

import pickle
import shutil
from pathlib import Path

import numpy as np
import pytest

import carecast
from carecast import _carecast, datasets

ROOT = Path(__file__).resolve().parents[1]
BUNDLED = ROOT / "crates" / "carecast" / "data"

#: IFA placements at 31 March 2017 as the bundled Derbyshire tables publish them, and the
#: figure the test folder writes in their place (taking the 100 from in-house fostering, 333,
#: so that the placement types still add to the 630 children in care).
BUNDLED_IFA_2017, FOLDER_IFA_2017 = 134, 234
BUNDLED_IN_HOUSE_2017, FOLDER_IN_HOUSE_2017 = 333, 233


@pytest.fixture
def derbyshire_folder(tmp_path):
    """A copy of the bundled Derbyshire tables (same dataset name) with 100 children at
    31 March 2017 moved from in-house fostering to IFAs."""
    folder = tmp_path / "derbyshire"
    shutil.copytree(BUNDLED / "derbyshire", folder)
    f = folder / "cic_by_placement.csv"
    text = f.read_text(encoding="utf-8")
    for old, new in [
        (
            f"2017-03-31,Foster Placement (Agency),ifa,{BUNDLED_IFA_2017},",
            f"2017-03-31,Foster Placement (Agency),ifa,{FOLDER_IFA_2017},",
        ),
        (
            f"2017-03-31,Foster Placement (DCC),in_house_fostering,{BUNDLED_IN_HOUSE_2017},",
            f"2017-03-31,Foster Placement (DCC),in_house_fostering,{FOLDER_IN_HOUSE_2017},",
        ),
    ]:
        assert text.count(old) == 1
        text = text.replace(old, new)
    f.write_text(text, encoding="utf-8")
    return folder


def test_placements_of_a_model_read_the_models_own_dataset(derbyshire_folder):
    ds = datasets.load(derbyshire_folder)
    assert ds.name == "derbyshire" and ds.origin != "bundled"
    model = carecast.CohortModel.fit(ds)
    for source in (model, ds, derbyshire_folder):
        p = carecast.placements(source, years=2)
        assert round(p.value("2016/17", "ifa", "placements")) == FOLDER_IFA_2017
    # The bundled tables of the same name still give the published figure.
    bundled = carecast.placements(carecast.CohortModel.fit("derbyshire"), years=2)
    assert round(bundled.value("2016/17", "ifa", "placements")) == BUNDLED_IFA_2017


def test_a_pickled_model_keeps_its_folder_dataset(derbyshire_folder):
    model = carecast.CohortModel.fit(datasets.load(derbyshire_folder))
    back = pickle.loads(pickle.dumps(model))
    p = carecast.placements(back, years=1)
    assert round(p.value("2016/17", "ifa", "placements")) == FOLDER_IFA_2017
    assert back.data.origin == model.data.origin


def test_projection_columns_are_arrays_not_text():
    m = carecast.CohortModel.fit("derbyshire")
    native = m.project(years=3)._native
    assert isinstance(native, _carecast.Projection)
    cols = native.columns()
    assert isinstance(cols["value"], np.ndarray) and cols["value"].dtype == np.float64
    assert len(cols["value"]) == len(native) == len(cols["band"])
    assert set(cols["band"]) >= {"all", "under 1", "16-17"}


def test_base_years_come_from_the_core():
    m = carecast.CohortModel.fit("derbyshire")
    assert m._native.base_years() == [2014, 2015, 2016, 2017]
    assert m.base_year == 2017


def test_native_objects_pickle_with_bytes_inside():
    d = datasets.load("derby")
    reduced = d._native.__reduce__()
    assert isinstance(reduced[1][0], bytes)
    back = pickle.loads(pickle.dumps(d._native))
    assert back.name == "derby" and back.table_ids() == d._native.table_ids()


def test_core_errors_carry_kind_argument_and_location(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "# id: bad\n# title: t\n# source: s.pdf\n# source_table: T\n# measure: stock\n"
        "# unit: children\nperiod,band,value\n2024-03-31,teens,3\n",
        encoding="utf-8",
    )
    with pytest.raises(carecast.DataError) as e:
        datasets.read_table(bad)
    assert e.value.kind == "data"
    assert e.value.location["file"] == "bad.csv"
    assert e.value.location["line"] == 8 and e.value.location["column"] == "band"
    with pytest.raises(carecast.UnknownNameError) as u:
        datasets.load("derbyshir")
    assert u.value.kind == "unknown_name" and u.value.location is None
    m = carecast.CohortModel.fit("derbyshire")
    with pytest.raises(carecast.ArgumentError) as a:
        m.project(years=2, bands=["under 1", "1-4"])  # does not cover 0-17
    assert a.value.kind in ("band_scheme", "invalid_argument")


def test_python_side_errors_carry_the_argument():
    m = carecast.CohortModel.fit("derbyshire")
    with pytest.raises(carecast.ArgumentError) as e:
        m.project(years=-1)
    assert e.value.argument == "years" and e.value.kind == "invalid_argument"
    # A class raised by hand has the attributes too (None).
    err = carecast.ModelError("x")
    assert (err.kind, err.argument, err.location) == (None, None, None)


def test_error_attributes_survive_pickling():
    with pytest.raises(carecast.ArgumentError) as e:
        carecast.CohortModel.fit("derbyshire").project(years=-1)
    back = pickle.loads(pickle.dumps(e.value))
    assert back.argument == "years" and str(back) == str(e.value)


def _assert_typed(cols, text=(), ints=(), flags=()):
    """Every column is a numpy array: text as object arrays of ``str``, the rest numbers."""
    for name, col in cols.items():
        assert isinstance(col, np.ndarray), name
        if name in text:
            assert col.dtype == object and all(isinstance(v, str) for v in col), name
        elif name in ints:
            assert col.dtype == np.int64, name
        elif name in flags:
            assert col.dtype == np.bool_, name
        else:
            assert col.dtype == np.float64, name


def test_result_tables_cross_as_typed_arrays():
    m = carecast.CohortModel.fit("derbyshire")
    cal = m._native.calibration()
    _assert_typed(cal, text=("year", "band"), flags=("fitted",))
    assert list(cal)[:3] == ["year", "band", "opening"] and cal["year"][0] == "2013/14"
    dis = m._native.discharges()
    _assert_typed(dis, text=("year",))
    p = carecast.placements(m, years=2)
    _assert_typed(p._native.columns(), text=("year", "placement", "measure"))
    c = carecast.Scenario.from_file(ROOT / "scenarios" / "recruit_60_carers.toml").run()
    _assert_typed(c._native.columns(), text=("year", "placement", "measure"))
    _assert_typed(c._native.attribution(), text=("year", "placement", "measure", "lever"))
    ds = datasets.load("derbyshire")
    usage = ds._native.usage_estimates("placement_usage_700", 700.0)
    assert usage["placement"].dtype == object and None in list(usage["placement"])
    _assert_typed({k: v for k, v in usage.items() if k != "placement"}, text=("category",))
    councils = _carecast.dfe_councils(None)
    _assert_typed(
        councils,
        text=tuple(k for k in councils if "year" not in k),
        ints=("first_year", "last_year"),
    )


def test_frames_from_native_columns_match_the_constructor():
    """The block-built frame equals what ``pandas.DataFrame`` makes of the same columns."""
    import pandas as pd

    from carecast._frames import columns_frame

    cols = carecast.CohortModel.fit("derbyshire").project(years=3)._native.columns()
    fast = columns_frame(cols)
    slow = pd.DataFrame({k: list(v) for k, v in cols.items()})
    pd.testing.assert_frame_equal(fast, slow)
    assert fast.columns.tolist() == ["year", "period", "band", "measure", "value"]
    # Columns of different lengths are not taken as blocks: the constructor's error.
    with pytest.raises(ValueError):
        columns_frame({"a": np.zeros(2), "b": np.zeros(3)})


def test_reconciliation_frame_is_the_findings():
    """The columnar frame equals the frame built from the findings as dicts, row by row
    (the way it was built before it came as columns)."""
    import pandas as pd

    from carecast._frames import frame, interval_columns

    for rec in (datasets.load("derbyshire").reconcile(), datasets.load("d2n2").reconcile()):
        assert isinstance(rec._native.columns()["tolerance"], np.ndarray)
        rows = []
        for f in rec.findings:
            row = {k: f[k] for k in ("check", "kind", "group", "period")}
            for k in ("expected", "found", "difference"):
                row.update(interval_columns(k, f[k]))
            row.update(
                tolerance=f["tolerance"],
                status=f["status"],
                sources=" | ".join(f["sources"]),
                detail=f["detail"],
            )
            rows.append(row)
        pd.testing.assert_frame_equal(rec.to_pandas(), frame(rows, rec.COLUMNS))
        counts = rec.counts()
        assert sum(counts.values()) == len(rows) > 0
        assert counts["fail"] == sum(r["status"] == "fail" for r in rows)


def test_backtest_summaries_come_as_columns_not_dicts():
    b = carecast.backtest("derby", horizon=1, samples=50, levels=[80, 95])
    sel = b._native.selection()
    assert isinstance(sel, _carecast.Selection) and sel.default_method == b.default_method
    whole = b._native.to_dict()  # the serde form, for comparison only
    s = b.summary()
    assert s.columns.tolist()[-4:] == ["coverage_80", "width_80", "coverage_95", "width_95"]
    assert s["n"].dtype == np.int64 and s["mae"].dtype == np.float64
    for row, m in zip(s.to_dict("records"), whole["summary"], strict=True):
        assert (row["method"], row["n"], row["mae"]) == (m["method"], m["n"], m["mae"])
        cov = m["coverage"][1]
        assert (np.isnan(row["coverage_95"]) and cov is None) or row["coverage_95"] == cov
    r = b.ranking()
    assert r["method"].tolist() == [x["method"] for x in whole["selection"]["ranking"]]
    picked = carecast.choose_default(
        [b, carecast.backtest("derbyshire", samples=50, levels=[80, 95])]
    )
    assert picked.columns.tolist()[:5] == [
        "method",
        "n",
        "score",
        "score_derby",
        "score_derbyshire",
    ]
    assert pickle.loads(pickle.dumps(sel)).rule == sel.rule


def test_a_table_file_is_read_by_the_core_and_crosses_as_arrays(tmp_path):
    f = tmp_path / "cic.csv"
    f.write_text(
        "# id: cic\n# title: t\n# source: s.pdf\n# source_table: T\n# measure: stock\n"
        "# unit: children\nperiod,band,value\n2024-03-31,all,267\n2025-03-31,all,<10\n",
        encoding="utf-8",
    )
    t = datasets.read_table(f)
    cols = t._native.columns()
    assert all(isinstance(v, np.ndarray) for v in cols.values())
    assert cols["value"].dtype == np.float64 and np.isnan(cols["value"][1])
    assert cols["suppressed"].tolist() == [False, True] and cols["line"].tolist() == [8, 9]
    assert list(cols["area"]) == [None, None] and list(cols["band"]) == ["all", "all"]
    # A Windows-1252 file: a located error (its path and the first byte that is not UTF-8).
    bad = tmp_path / "cp1252.csv"
    bad.write_bytes(f.read_bytes().replace(b"# title: t", b"# title: caf\xe9"))
    with pytest.raises(carecast.DataError, match=r"cp1252\.csv.*byte 22 is not UTF-8") as e:
        datasets.read_table(bad)
    assert e.value.kind == "io" and e.value.location["file"] == str(bad)


def test_audit_and_uasc_streams_cross_as_typed_columns(tmp_path):
    """The last two results that went through a generic serde path come as typed arrays."""
    truth = carecast.ssda903.synthesize(tmp_path, seed=2, admissions_per_year=60)
    native, audit = _carecast.ssda903_load([str(tmp_path)])
    assert list(audit) == ["rule", "action", "rows", "children", "detail"]
    _assert_typed(audit, text=("rule", "action", "detail"), ints=("rows", "children"))
    rules = list(audit["rule"])
    assert audit["children"][rules.index("short_break")] == truth["short_break_children"]
    # The synthetic truth is plain Python: ints keyed by the year as text.
    assert all(isinstance(k, str) and type(v) is int for k, v in truth["stock"].items())
    assert type(truth["episode_rows"]) is int and truth["episode_rows"] > 0
    p = carecast.CohortModel.fit("dfe:Kent").project(years=2)
    out = _carecast.uasc_streams(p._native, datasets.load("dfe:Kent")._native)
    rows = out["rows"]
    assert list(rows) == ["year", "horizon", "stream", "value"]
    _assert_typed(rows, text=("year", "stream"), ints=("horizon",))
    assert sorted(set(rows["stream"])) == ["all", "other", "uasc"]
    assert sorted(set(rows["horizon"].tolist())) == [1, 2]


def test_bundled_datasets_keep_to_their_names():
    """Each bundled name gives its own dataset, the same on every call, and a ``dfe:`` name
    is not answered with a bundled one. (Whether one copy is shared between calls, which
    the binding does for speed, is not observable from Python: the load time is measured in
    ``benchmarks/bench_python.py``; this checks only that sharing mixes no names up.)"""
    a, b, c = (_carecast.Dataset.bundled(n) for n in ("derby", "derbyshire", "derby"))
    assert (a.name, b.name, c.name) == ("derby", "derbyshire", "derby")
    assert a.to_json() == c.to_json() != b.to_json()
    assert _carecast.Dataset.bundled("dfe:Derby").name != "derby"
    with pytest.raises(carecast.UnknownNameError, match="derbyshir"):
        _carecast.Dataset.bundled("derbyshir")


def test_figure_checks_cross_as_columns(tmp_path):
    """`verify` gives one row per figure as typed columns, not one dict per figure."""
    text = (ROOT / "tests" / "figures" / "derbyshire.toml").read_text(encoding="utf-8")
    text += (
        '\n[[figure]]\nname = "wrong on purpose"\ndataset = "derbyshire"\n'
        'measure = "stock_identity_difference"\nperiod = "2013/14"\nexpected = 5\n'
        'source = "test"\n'
        '\n[[figure]]\nname = "no such year"\ndataset = "derbyshire"\n'
        'measure = "stock_identity_difference"\nperiod = "1999/00"\nexpected = 0\n'
        'source = "test"\n'
    )
    cols = _carecast.verify("f.toml", text)
    nullable = ("found", "found_lower", "found_upper", "difference")
    assert all(isinstance(cols[k], list) for k in nullable)
    _assert_typed(
        {k: v for k, v in cols.items() if k not in nullable and k != "period"},
        text=("file", "name", "dataset", "measure", "status", "message", "source"),
        ints=("index",),
    )
    status = list(cols["status"])
    assert status[-2:] == ["fail", "error"] and set(status[:-2]) == {"pass"}
    # The failing figure: carecast finds 0 where 5 is claimed; the error has no figure.
    assert cols["found"][-2] == 0 and cols["difference"][-2] == -5
    assert cols["found"][-1] is None and cols["difference"][-1] is None
    path = tmp_path / "f.toml"
    path.write_text(text, encoding="utf-8")
    report = carecast.verify(path)
    df = report.to_pandas()
    assert not report.passed and df["status"].tolist() == status
    assert repr(report) == f"<FigureReport: {len(status) - 2} of {len(status)} figures pass>"
