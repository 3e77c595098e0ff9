"""Time the Python path: a 10-year Derbyshire projection including the DataFrame.

Run: ``python benchmarks/bench_python.py`` (after ``bash scripts/setup.sh``).
"""

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
