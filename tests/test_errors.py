"""The exception hierarchy: every class is a ValueError, lives where pickle finds it, and
survives the trip back from a worker process."""

import multiprocessing
import pickle

import pytest

import carecast
from carecast import _carecast

ERRORS = [
    "CarecastError",
    "DataError",
    "UnknownNameError",
    "ArgumentError",
    "FigureError",
    "ModelError",
    "ScenarioError",
    "InternalError",
]


@pytest.mark.parametrize("name", ERRORS)
def test_hierarchy_and_module(name):
    cls = getattr(carecast, name)
    assert cls is getattr(_carecast, name)
    assert issubclass(cls, carecast.CarecastError) and issubclass(cls, ValueError)
    assert cls.__module__ == "carecast._carecast"
    assert cls.__qualname__ == name


@pytest.mark.parametrize("name", ERRORS)
def test_every_exception_pickles(name):
    cls = getattr(carecast, name)
    err = cls(f"invalid argument `years` = -1: a {name}")
    back = pickle.loads(pickle.dumps(err))
    assert type(back) is cls
    assert str(back) == str(err)
    assert isinstance(back, ValueError)


def test_raised_error_pickles_with_its_message():
    with pytest.raises(carecast.UnknownNameError) as info:
        carecast.datasets.load("derbyshir")
    back = pickle.loads(pickle.dumps(info.value))
    assert type(back) is carecast.UnknownNameError
    assert 'did you mean "derbyshire"' in str(back)


def test_error_comes_back_from_a_spawned_worker():
    # A worker in spawn mode starts a fresh interpreter: the exception raised there must be
    # pickled back to the parent (a MaybeEncodingError otherwise).
    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(1) as pool:
        ok = pool.map(carecast.datasets.load, ["derby"])
        assert ok[0].name == "derby"
        with pytest.raises(carecast.UnknownNameError, match="did you mean"):
            pool.map(carecast.datasets.load, ["derbyshir"])
