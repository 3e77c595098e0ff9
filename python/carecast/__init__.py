"""carecast: forecast demand for children-in-care placements from published tables.

The public API:

- :mod:`carecast.datasets`: ``names()``, ``load(name_or_folder)``, ``read_table(path)``;
  :class:`Dataset`, :class:`Table` and :class:`Reconciliation` (``Dataset.reconcile()``).
- :class:`CohortModel`: ``fit(dataset)``, ``.project(years=...)`` giving a
  :class:`Projection`; and :func:`project_care_leavers`.
- Uncertainty and backtests: ``CohortModel.project(..., samples=, seed=, levels=)`` for
  prediction intervals; :func:`backtest` (a :class:`Backtest`) and :func:`choose_default`
  (rolling-origin accuracy of each method against the published figures).
- Placements and costs: :func:`placements` (a :class:`Placements`: placement types,
  in-house capacity, the external market, spend), :func:`reconcile_spend`,
  :func:`unit_costs`, :func:`usage_estimates`.
- Scenarios: :class:`Scenario` (``from_toml``, ``from_file``, ``.run()``) and the
  :class:`Comparison` of a scenario with its baseline.
- :mod:`carecast.plots`: ``stock``, ``fan``, ``capacity``, ``spend``, ``care_leavers``,
  ``backtest`` (matplotlib, imported when a chart is drawn; each returns its Axes).
- Reports: :func:`report` writes a council's sufficiency report (HTML that opens offline,
  and an Excel workbook of its tables); :mod:`carecast.export` makes the clean copies of
  tables that CSV, JSON and Excel share.
- :func:`carecast.verify` and :class:`FigureReport`: check published figures (for CI).
- Exceptions: :class:`CarecastError` (a ``ValueError``) and its subclasses
  :class:`DataError`, :class:`UnknownNameError`, :class:`ArgumentError`,
  :class:`FigureError`, :class:`ModelError`, :class:`ScenarioError` and
  :class:`InternalError`. Each carries ``kind`` (the core's error kind, e.g.
  ``invalid_argument``), ``argument`` (the argument at fault) and ``location`` (a dict
  naming file, table, line and column), ``None`` where not known.

Every result type holds the core library's native value and pickles (with the value's
serialised bytes inside), so results can be sent to multiprocessing, Dask or Ray workers.

Examples
--------
>>> import carecast
>>> model = carecast.CohortModel.fit("derbyshire")
>>> model.project(years=3).to_wide("stock")["all"].round().tolist()
[638.0, 644.0, 649.0]

The default carries the 630 children of 31 March 2017 forward at England's damped growth:
630 exp(g (0.8 + ... + 0.8^h)) at h years, ``g`` = 0.0151 the log-linear growth of
England's children in care 2013-2017.
"""

from carecast import datasets, plots, ssda903
from carecast._carecast import (
    ArgumentError,
    CarecastError,
    DataError,
    FigureError,
    InternalError,
    ModelError,
    ScenarioError,
    UnknownNameError,
    __version__,
)
from carecast._national import NationalBacktest, uasc_streams
from carecast.backtest import Backtest, backtest, choose_default
from carecast.datasets import Dataset, Reconciliation, Table
from carecast.figures import FigureReport, verify
from carecast.market import (
    Comparison,
    Placements,
    Scenario,
    placements,
    reconcile_spend,
    unit_costs,
    usage_estimates,
)
from carecast.model import CarecastWarning, CohortModel, Projection, project_care_leavers
from carecast.report import Report, report

__all__ = [
    "__version__",
    "datasets",
    "plots",
    "ssda903",
    "Dataset",
    "Table",
    "Reconciliation",
    "FigureReport",
    "verify",
    "CohortModel",
    "Projection",
    "project_care_leavers",
    "Backtest",
    "NationalBacktest",
    "uasc_streams",
    "backtest",
    "choose_default",
    "placements",
    "reconcile_spend",
    "usage_estimates",
    "unit_costs",
    "Placements",
    "Scenario",
    "Comparison",
    "report",
    "Report",
    "CarecastError",
    "DataError",
    "UnknownNameError",
    "ArgumentError",
    "FigureError",
    "ModelError",
    "ScenarioError",
    "InternalError",
    "CarecastWarning",
]
