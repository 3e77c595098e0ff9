"""Time the Python path: dataset load, fit, projections, Monte Carlo and backtests.

The boundary figures (issue 11): ``datasets.load("derbyshire")``,
``CohortModel.fit("derbyshire")``, the native fit of the loaded dataset (the core's fit and
the call: the difference from the line before is what the binding and Python add) and a
10-year Derbyshire projection including the DataFrame (``project(years=10).to_pandas()``).
Then the same projection with 10,000 Monte Carlo paths, full backtests of the bundled
datasets, and the peak memory of the process
before and after one Monte Carlo call at the limit of stored numbers (35,000 paths x 450
values).

Run: ``python benchmarks/bench_python.py`` (after ``bash scripts/setup.sh``). To compare
with another build in the same run, pass the folder that holds its ``carecast`` package
(for example a copy of main's ``python/`` folder with its compiled module):
``python benchmarks/bench_python.py --before /path/to/python``; the boundary figures are
then measured for both, alternating, and printed side by side. ``--quick`` skips the
Monte Carlo, backtest and memory figures. Recorded figures: ``benchmarks/RESULTS.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import timeit


def best_of(fn, number: int, repeat: int) -> float:
    """Best time per call in seconds over ``repeat`` runs of ``number`` calls."""
    return min(timeit.repeat(fn, number=number, repeat=repeat)) / number


def boundary() -> dict[str, float]:
    """Return the three boundary figures of this interpreter's ``carecast``, in microseconds."""
    import carecast

    model = carecast.CohortModel.fit("derbyshire")
    native = carecast.datasets.load("derbyshire")._native
    projection = model.project(years=10)
    return {
        "datasets.load('derbyshire')": best_of(lambda: carecast.datasets.load("derbyshire"), 20, 5)
        * 1e6,
        "CohortModel.fit('derbyshire')": best_of(
            lambda: carecast.CohortModel.fit("derbyshire"), 20, 5
        )
        * 1e6,
        # The native fit of a loaded dataset: the core's fit plus the call itself, so that
        # the line above minus this one is what the binding and Python add to the fit.
        "_carecast.Model.fit(dataset)": best_of(lambda: carecast._carecast.Model.fit(native), 20, 5)
        * 1e6,
        "project(years=10).to_pandas()": best_of(
            lambda: model.project(years=10).to_pandas(), 200, 5
        )
        * 1e6,
        # The DataFrame alone, of a projection already made (the boundary's own share).
        "  of which .to_pandas()": best_of(projection.to_pandas, 200, 5) * 1e6,
    }


def rest() -> None:
    """Monte Carlo, backtests and memory (this build only)."""
    import carecast

    model = carecast.CohortModel.fit("derbyshire")
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


def measure_in(path: str | None) -> dict[str, float]:
    """Run :func:`boundary` in a fresh interpreter importing ``carecast`` from ``path``."""
    env = dict(os.environ)
    if path is not None:
        env["PYTHONPATH"] = path
    out = subprocess.run(
        [sys.executable, __file__, "--boundary-json"],
        env=env,
        check=True,
        capture_output=True,
        text=True,
        cwd="/",
    )
    return json.loads(out.stdout)


def main() -> None:
    """Print the figures (with ``--before``, both builds side by side)."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--before", help="folder holding the carecast package to compare with")
    ap.add_argument("--rounds", type=int, default=3, help="alternating rounds (with --before)")
    ap.add_argument("--quick", action="store_true", help="boundary figures only")
    ap.add_argument("--boundary-json", action="store_true", help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.boundary_json:
        print(json.dumps(boundary()))
        return
    load = os.getloadavg()
    print(f"load average at start: {load[0]:.2f}, {load[1]:.2f}, {load[2]:.2f}")
    if a.before:
        # Alternate the two builds so that a change in the machine's load hits both.
        runs: dict[str, list[dict[str, float]]] = {"before": [], "after": []}
        for _ in range(a.rounds):
            runs["before"].append(measure_in(a.before))
            runs["after"].append(measure_in(None))
        print(f"{'figure (best over rounds, microseconds)':<42} {'before':>10} {'after':>10}")
        for key in runs["after"][0]:
            b = min(r[key] for r in runs["before"])
            n = min(r[key] for r in runs["after"])
            print(f"{key:<42} {b:>10.0f} {n:>10.0f}")
    else:
        for key, us in boundary().items():
            print(f"{key}: {us:.0f} us per call")
    if not a.quick:
        rest()
    load = os.getloadavg()
    print(f"load average at end: {load[0]:.2f}, {load[1]:.2f}, {load[2]:.2f}")


if __name__ == "__main__":
    main()
