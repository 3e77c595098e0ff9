"""Draw ``docs/derbyshire.png``, the chart in the README, with the quickstart's code.

Run it after a change to the model or the plots: ``python docs/make_chart.py``.
"""

from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import carecast  # noqa: E402

model = carecast.CohortModel.fit("derbyshire")
proj = model.project(years=10)
ax = carecast.plots.stock(proj, model)
out = Path(__file__).with_name("derbyshire.png")
ax.figure.savefig(out, dpi=90)
print(f"wrote {out} ({out.stat().st_size // 1024} KB)")
