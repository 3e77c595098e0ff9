"""Time the Python path: projections, Monte Carlo (10,000 paths) and backtests.

A 10-year Derbyshire projection including the DataFrame, the same with 10,000 Monte Carlo
paths, full backtests of the bundled datasets, and the peak memory of the process before
and after one Monte Carlo call at the limit of stored numbers (35,000 paths x 450 values).

Run: ``python benchmarks/bench_python.py`` (after ``bash scripts/setup.sh``). Recorded
figures: ``benchmarks/RESULTS.md``.
"""

import resource
import timeit

import carecast

model = carecast.CohortModel.fit("derbyshire")


def once() -> None:
    """Project ten years and build the long DataFrame."""
    model.project(years=10).to_pandas()


if __name__ == "__main__":
    n = 200
    best = min(timeit.repeat(once, number=n, repeat=5)) / n
    print(f"project(years=10).to_pandas(): {best * 1e3:.3f} ms per call (best of 5 x {n})")
    fit = (
        min(timeit.repeat(lambda: carecast.CohortModel.fit("derbyshire"), number=20, repeat=3)) / 20
    )
    print(f"CohortModel.fit('derbyshire'): {fit * 1e3:.3f} ms per call")
    mc = min(
        timeit.repeat(
            lambda: model.project(years=10, samples=10_000, seed=0).to_pandas(), number=1, repeat=3
        )
    )
    print(f"project(years=10, samples=10_000).to_pandas(): {mc:.3f} s per call (best of 3)")
    for name in ("derbyshire", "derby"):
        bt = min(timeit.repeat(lambda n=name: carecast.backtest(n), number=1, repeat=3))
        print(f"backtest({name!r}) (1,000 paths per forecast): {bt:.3f} s per call (best of 3)")
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    model.project(years=10, samples=35_000, seed=0).to_pandas()
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"peak RSS of this process: {before:.0f} MB before, {after:.0f} MB after "
        "project(years=10, samples=35_000) (15.75 million stored numbers)"
    )
