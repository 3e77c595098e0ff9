"""`_frames.columns_frame`: the block-built frame (pandas 3) and its fallback agree."""

import numpy as np
import pandas as pd
import pytest

import carecast
from carecast import _frames


@pytest.fixture(scope="module")
def model():
    return carecast.CohortModel.fit("derbyshire")


def _cases(model):
    """Native column dicts of several result types, each made fresh by a call."""
    ds = carecast.datasets.load("derbyshire")
    return {
        "projection": lambda: model.project(years=3)._native.columns(),
        "monthly projection": lambda: model.project(years=1, grain="month")._native.columns(),
        "monte carlo": lambda: model.project(years=2, samples=30, seed=1)._native.columns(),
        "table": lambda: ds.table("cic_by_age")._native.columns(),
        "backtest": lambda: carecast.backtest(
            "derby", horizon=1, samples=20, seed=1
        )._native.forecasts(),
        "no rows": lambda: {
            "year": np.array([], dtype=object),
            "value": np.array([], dtype="float64"),
        },
        "text and numbers": lambda: {
            "band": np.array(["1-4", "all", "1-4"], dtype=object),
            "n": np.array([1, 2, 3], dtype="int64"),
            "flag": np.array([True, False, True]),
            "value": np.array([0.5, np.nan, 2.0]),
        },
    }


@pytest.mark.parametrize(
    "case",
    [
        "projection",
        "monthly projection",
        "monte carlo",
        "table",
        "backtest",
        "no rows",
        "text and numbers",
    ],
)
def test_fallback_gives_the_same_frame(model, monkeypatch, case):
    make = _cases(model)[case]
    used = []
    real = _frames._from_blocks
    if real is not None:
        monkeypatch.setattr(
            _frames, "_from_blocks", lambda *a, **k: used.append(1) or real(*a, **k)
        )
    fast = _frames.columns_frame(make())
    # The fast path was taken wherever pandas offers it (numeric and text columns only).
    assert bool(used) == (real is not None)
    monkeypatch.setattr(_frames, "_from_blocks", None)
    slow = _frames.columns_frame(make())
    pd.testing.assert_frame_equal(fast, slow, check_exact=True)
    assert list(fast.dtypes) == list(slow.dtypes)
    assert isinstance(fast.index, pd.RangeIndex) and isinstance(slow.index, pd.RangeIndex)


def test_fallback_through_the_public_frames(model, monkeypatch):
    p = model.project(years=2, samples=30, seed=4)
    fast = p.to_pandas()
    monkeypatch.setattr(_frames, "_from_blocks", None)
    slow = p.to_pandas()
    pd.testing.assert_frame_equal(fast, slow, check_exact=True)
    # A frame the fallback built reads as one built from records.
    assert slow["band"].tolist()[:1] == [fast["band"].iloc[0]]
    assert slow["value"].dtype == np.float64
