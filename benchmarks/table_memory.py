"""Peak memory of loading one large table file in the core, as a multiple of its size.

Writes a long-form table of about ``MB`` megabytes (default 50) to a temporary folder:
one row per period, area, age band and category, with a value that is a count or, one
row in twenty, a suppressed ``<10``. Loads it with the Rust example ``load_table``
(``Table::parse`` after ``read_text_file``) under ``/usr/bin/time -v`` and prints the
peak resident memory and its ratio to the file's size.

Run: ``cargo build --release -p carecast --example load_table`` then
``python benchmarks/table_memory.py [MB] [BINARY ...]``: each binary given (default: the
example just built) loads the same file, so a copy of an older build compares before and
after in one run. Recorded figures: ``benchmarks/RESULTS.md``.

``python benchmarks/table_memory.py --python [MB]`` measures the Python package instead,
on the same kind of file, one fresh interpreter per stage (peak RSS of the whole process):
``import carecast`` alone, ``carecast.datasets.read_table(path)``, and
``read_table(path).to_pandas()``; the differences attribute the peak to each stage.
"""

import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "target" / "release" / "examples" / "load_table"
BANDS = ["under 1", "1-4", "5-9", "10-15", "16-17", "all"]


def write_table(path: Path, megabytes: float) -> int:
    """Write a table of about ``megabytes`` MB to ``path``; return its size in bytes."""
    target = int(megabytes * 1_000_000)
    head = (
        "# id: big\n# title: A large table\n# source: generated.txt\n"
        "# source_table: Generated\n# measure: stock\n# unit: children\n"
        "period,area,band,category,value\n"
    )
    size = len(head)
    with path.open("w", encoding="utf-8", newline="\n") as f:
        f.write(head)
        n = 0
        year = 1900
        while size < target:
            for area in range(1, 154):
                for band in BANDS:
                    for cat in range(40):
                        n += 1
                        value = "<10" if n % 20 == 0 else str(10 + (n * 7919) % 990)
                        code = f"E{10000000 + area}"
                        row = f"{year}-03-31,{code},{band},placement group {cat},{value}\n"
                        f.write(row)
                        size += len(row)
            year += 1
    return path.stat().st_size


def peak_rss_kb(binary: Path, path: Path) -> tuple[int, str, str]:
    """Run ``binary`` on ``path``; return its peak RSS in KiB, its output and wall time."""
    out = subprocess.run(
        ["/usr/bin/time", "-v", str(binary), str(path)],
        capture_output=True,
        text=True,
        check=True,
    )
    m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", out.stderr)
    w = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (\S+)", out.stderr)
    if m is None or w is None:
        raise RuntimeError(out.stderr)
    return int(m.group(1)), out.stdout.strip(), w.group(1)


# The Python stages, each run in a fresh interpreter on the file named by argv[1].
STAGES = {
    "import carecast": "import carecast, sys",
    "read_table": "import carecast, sys; t = carecast.datasets.read_table(sys.argv[1])",
    "read_table().to_pandas()": (
        "import carecast, sys; df = carecast.datasets.read_table(sys.argv[1]).to_pandas()"
    ),
}


def python_stages(megabytes: float) -> None:
    """Print the peak RSS of each Python stage on a table of ``megabytes`` MB."""
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "big.csv"
        size = write_table(path, megabytes)
        print(f"table {size / 1e6:.1f} MB")
        for name, code in STAGES.items():
            out = subprocess.run(
                ["/usr/bin/time", "-v", sys.executable, "-c", code, str(path)],
                capture_output=True,
                text=True,
                check=True,
            )
            m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", out.stderr)
            w = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (\S+)", out.stderr)
            if m is None or w is None:
                raise RuntimeError(out.stderr)
            kb = int(m.group(1))
            print(
                f"{name}: peak RSS {kb * 1024 / 1e6:.0f} MB, {kb * 1024 / size:.1f} x the "
                f"file, wall {w.group(1)}"
            )


def main() -> None:
    """Write the table, load it, print the figures."""
    if len(sys.argv) > 1 and sys.argv[1] == "--python":
        python_stages(float(sys.argv[2]) if len(sys.argv) > 2 else 50.0)
        return
    megabytes = float(sys.argv[1]) if len(sys.argv) > 1 else 50.0
    binaries = [Path(b) for b in sys.argv[2:]] or [EXAMPLE]
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "big.csv"
        size = write_table(path, megabytes)
        for binary in binaries:
            kb, printed, wall = peak_rss_kb(binary, path)
            print(
                f"{binary.name}: table {size / 1e6:.1f} MB ({printed}): "
                f"peak RSS {kb * 1024 / 1e6:.0f} MB, {kb * 1024 / size:.1f} x its size, "
                f"wall {wall}"
            )


if __name__ == "__main__":
    main()
