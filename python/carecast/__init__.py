"""carecast: forecast demand for children-in-care placements from published tables.

The public API:

- :mod:`carecast.datasets`: ``names()``, ``load(name_or_folder)``, ``read_table(path)``.
- :class:`CohortModel`: ``fit(dataset)``, ``.project(years=...)``; and
  :func:`project_care_leavers`.
- :func:`carecast.verify`: check published figures (for CI).
- Uncertainty and backtests: ``CohortModel.project(..., samples=, seed=, levels=)`` for
  prediction intervals; :func:`backtest` and :func:`choose_default` (rolling-origin
  accuracy of each method against the published figures).
- Exceptions: :class:`CarecastError` (a ``ValueError``) and its subclasses.
"""

from carecast import datasets, plots
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
from carecast.model import CohortModel, Projection, project_care_leavers

__all__ = [
    "__version__",
    "datasets",
    "plots",
    "Dataset",
    "Table",
    "Reconciliation",
    "FigureReport",
    "verify",
    "CohortModel",
    "Projection",
    "project_care_leavers",
    "Backtest",
    "backtest",
    "choose_default",
    "placements",
    "reconcile_spend",
    "usage_estimates",
    "unit_costs",
    "Placements",
    "Scenario",
    "Comparison",
    "CarecastError",
    "DataError",
    "UnknownNameError",
    "ArgumentError",
    "FigureError",
    "ModelError",
    "ScenarioError",
    "InternalError",
]
