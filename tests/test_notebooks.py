"""The notebooks run from top to bottom, and every cell that draws a chart shows an image.

Executed with nbclient in a Jupyter kernel (the inline backend, as in Jupyter itself), so a
notebook that switched matplotlib to a non-interactive backend would show no charts and fail.
"""

import re
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
# A call that draws: a carecast chart or a pyplot figure.
DRAWS = re.compile(r"\bplots\.(?!PLACEMENT_LABELS|time_position)\w+\(|\bplt\.(subplots|figure)\(")
IMAGES = ("image/png", "image/svg+xml")


def chart_cells(nb):
    return [c for c in nb.cells if c.cell_type == "code" and DRAWS.search(c.source)]


def images(cell):
    return [o for o in cell.get("outputs", []) if any(k in o.get("data", {}) for k in IMAGES)]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_runs_and_shows_its_charts(path):
    nb = nbformat.read(path, as_version=4)
    assert not any("matplotlib.use(" in c.source for c in nb.cells if c.cell_type == "code"), (
        f"{path.name} switches the matplotlib backend: Jupyter would show no charts"
    )
    client = nbclient.NotebookClient(nb, timeout=600, kernel_name="python3")
    client.execute(cwd=str(path.parent))
    cells = chart_cells(nb)
    missing = [c.source.splitlines()[0] for c in cells if not images(c)]
    assert missing == [], f"{path.name}: chart cells without an image output: {missing}"


def test_chart_cell_detection():
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell("from carecast import plots"),
        nbformat.v4.new_code_cell("ax = plots.stock(p, m)"),
        nbformat.v4.new_code_cell("fig, ax = plt.subplots()"),
        nbformat.v4.new_code_cell("plots.time_position('2017/18')"),
    ]
    assert [c.source for c in chart_cells(nb)] == [
        "ax = plots.stock(p, m)",
        "fig, ax = plt.subplots()",
    ]
