"""Every public result type survives pickling (multiprocessing, Dask and Ray send them)."""

import multiprocessing
import pickle
from pathlib import Path

import pandas as pd
import pytest

import carecast

ROOT = Path(__file__).resolve().parents[1]


def _frames(obj):
    """The frames an object offers, to compare before and after."""
    out = []
    for name in ("to_pandas", "calibration", "forecasts", "summary", "attribution"):
        fn = getattr(obj, name, None)
        if callable(fn):
            out.append(fn())
    return out


@pytest.fixture(scope="module")
def objects():
    d = carecast.datasets.load("derbyshire")
    m = carecast.CohortModel.fit(d)
    scenario = carecast.Scenario.from_file(ROOT / "scenarios" / "recruit_60_carers.toml")
    return {
        "Dataset": d,
        "Table": d.table("cic_by_age"),
        "Reconciliation": d.reconcile(),
        "CohortModel": m,
        "Projection": m.project(years=3),
        "Projection (Monte Carlo)": m.project(years=3, samples=100, seed=1),
        "Projection (calibrated)": m.project(years=3, levels=[95, 80]),
        "FigureReport": carecast.verify(ROOT / "tests" / "figures" / "derbyshire.toml"),
        "Backtest": carecast.backtest("derby", samples=50),
        "Placements": carecast.placements("derbyshire", years=2),
        "Scenario": scenario,
        "Comparison": scenario.run(),
    }


@pytest.mark.parametrize(
    "name",
    [
        "Dataset",
        "Table",
        "Reconciliation",
        "CohortModel",
        "Projection",
        "Projection (Monte Carlo)",
        "Projection (calibrated)",
        "FigureReport",
        "Backtest",
        "Placements",
        "Scenario",
        "Comparison",
    ],
)
def test_round_trip(objects, name):
    obj = objects[name]
    back = pickle.loads(pickle.dumps(obj))
    assert type(back) is type(obj)
    assert repr(back) == repr(obj)
    before, after = _frames(obj), _frames(back)
    assert len(before) == len(after)
    for a, b in zip(before, after, strict=True):
        pd.testing.assert_frame_equal(a, b)
    if name == "Scenario":
        assert back == obj


def _stock_total(projection):
    return projection.to_wide("stock")["all"].tolist()


def test_models_and_projections_cross_process_boundaries(objects):
    m = objects["CohortModel"]
    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(1) as pool:
        (p,) = pool.map(carecast.CohortModel.project, [m])
    assert _stock_total(p) == _stock_total(m.project())


class _OldPickle:
    """Pickles as an object of an earlier release: ``reduce`` is the tuple given."""

    def __init__(self, reduce):
        self._reduce = reduce

    def __reduce__(self):
        return self._reduce


def _old_results(df):
    """The per-figure dicts an earlier FigureReport held, rebuilt from a report's frame."""
    from carecast._frames import records

    out = []
    for r in records(df):
        lo, hi, d = r.pop("found_lower"), r.pop("found_upper"), r["difference"]
        r["found"] = None if lo is None else {"lo": lo, "hi": hi}
        r["difference"] = None if d is None else {"lo": d, "hi": d}
        out.append(r)
    return out


def test_projections_pickled_by_the_previous_release_load(objects):
    """The previous release pickled a projection without calibrated intervals as
    ``(Projection, (native, []))``; it loads as a projection without intervals."""
    for name in ("Projection", "Projection (Monte Carlo)"):
        p = objects[name]
        again = pickle.loads(pickle.dumps(_OldPickle((type(p), (p._native, [])))))
        assert again.intervals == p.intervals and again.levels == p.levels, name
        pd.testing.assert_frame_equal(again.to_pandas(), p.to_pandas())
    assert objects["Projection"].intervals is None
    assert objects["Projection (Monte Carlo)"].intervals == "monte_carlo"


def test_figure_reports_from_dicts_and_old_pickles(tmp_path):
    """A FigureReport takes the per-figure dicts of earlier releases, and one they pickled
    (holding those dicts as ``_results``) loads with the same frame."""
    f = tmp_path / "f.toml"
    f.write_text(
        (ROOT / "tests" / "figures" / "derbyshire.toml").read_text(encoding="utf-8")
        + '\n[[figure]]\nname = "wrong on purpose"\ndataset = "derbyshire"\n'
        'measure = "stock_identity_difference"\nperiod = "2013/14"\nexpected = 5\n'
        'source = "test"\n',
        encoding="utf-8",
    )
    report = carecast.verify(f)
    want = report.to_pandas()
    assert set(want["status"]) == {"pass", "fail"}
    results = _old_results(want)
    from_dicts = carecast.figures.FigureReport(results)
    pd.testing.assert_frame_equal(from_dicts.to_pandas(), want)
    assert not from_dicts.passed and repr(from_dicts) == repr(report)
    # An earlier report pickled by default, as its class and its attributes.
    old = object.__new__(carecast.figures.FigureReport)
    old.__dict__.update(_results=results)
    again = pickle.loads(pickle.dumps(old))
    pd.testing.assert_frame_equal(again.to_pandas(), want)
    assert not again.passed and repr(again) == repr(report)
    with pytest.raises(carecast.ArgumentError, match="table"):
        carecast.figures.FigureReport("not a report")
