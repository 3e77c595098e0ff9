"""Time the sufficiency report: the whole run, and the share of each step.

``carecast.report`` for each bundled dataset (1,000 Monte Carlo paths, 200 paths per
backtest forecast, Derbyshire with its scenario), writing HTML and Excel to a temporary
folder; the time of each step from the progress callback; the size of the files.

Run: ``python benchmarks/bench_report.py`` (after ``bash scripts/setup.sh``). Recorded
figures: ``benchmarks/RESULTS.md``.
"""

import os
import tempfile
import time
from pathlib import Path

import carecast

ROOT = Path(__file__).resolve().parents[1]


def run(name: str, out: Path) -> None:
    """Build one report, printing the total time, each step's time and the file sizes."""
    marks: list[tuple[str, float]] = []
    t0 = time.perf_counter()
    scenario = ROOT / "scenarios" / "recruit_60_carers.toml" if name == "derbyshire" else None
    r = carecast.report(
        name, out, scenario=scenario, progress=lambda s: marks.append((s, time.perf_counter()))
    )
    total = time.perf_counter() - t0
    print(f"report({name!r}): {total:.2f} s, {len(r.charts)} charts")
    ends = [t for _, t in marks[1:]] + [t0 + total]
    for (step, start), end in zip(marks, ends, strict=True):
        print(f"  {step}: {end - start:.2f} s")
    for p in (r.html_path, r.excel_path):
        print(f"  {p.name}: {os.path.getsize(p) / 1024:.0f} KiB")


if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as d:
        for name in carecast.datasets.names():
            run(name, Path(d))
