"""Type stub of the native module ``carecast._carecast`` (the PyO3 layer)."""

__all__ = [
    "__version__",
    "CarecastError",
    "DataError",
    "UnknownNameError",
    "ArgumentError",
    "FigureError",
    "ModelError",
    "ScenarioError",
    "InternalError",
    "dataset_names",
    "load_bundled",
    "load_dir",
    "load_files",
    "parse_table",
    "reconcile",
    "verify",
    "parse_band",
    "fit",
    "project",
    "project_care_leavers",
    "market_inputs",
    "placements",
    "placement_intervals",
    "reconcile_spend",
    "usage_estimates",
    "placement_types",
    "scenario_parse",
    "scenario_to_toml",
    "scenario_run",
    "simulate",
    "backtest",
    "select_default",
    "dfe_panel",
    "dfe_load",
    "dfe_combine",
    "dfe_councils",
    "dfe_reconcile_sources",
]

__version__: str

class CarecastError(ValueError): ...
class DataError(CarecastError): ...
class UnknownNameError(CarecastError): ...
class ArgumentError(CarecastError): ...
class FigureError(CarecastError): ...
class ModelError(CarecastError): ...
class ScenarioError(CarecastError): ...
class InternalError(CarecastError): ...

def dataset_names() -> list[str]: ...
def load_bundled(name: str) -> str: ...
def load_dir(path: str) -> str: ...
def load_files(name: str, files: list[tuple[str, str]]) -> str: ...
def parse_table(file: str, text: str) -> str: ...
def reconcile(dataset_json: str) -> str: ...
def verify(file: str, text: str) -> str: ...
def parse_band(label: str) -> tuple[int, int]: ...
def fit(dataset_json: str) -> str: ...
def project(
    model_json: str,
    base_year: int,
    years: int,
    admissions: str,
    discharges: str,
    bands: list[str],
    leaver_share: float,
    retention: list[tuple[int, float]],
    grain: str,
    changes: str | None = None,
) -> str: ...
def project_care_leavers(
    base_year: int,
    opening: list[tuple[int, float]],
    inflow: list[tuple[int, float]],
    retention: list[tuple[int, float]],
) -> list[tuple[int, int, float]]: ...
def market_inputs(dataset_json: str, model_json: str, base_year: int) -> str: ...
def placements(
    model_json: str,
    inputs_json: str,
    base_year: int,
    years: int,
    admissions: str,
    discharges: str,
    market_json: str,
) -> str: ...
def placement_intervals(
    model_json: str,
    inputs_json: str,
    base_year: int,
    years: int,
    admissions: str,
    discharges: str,
    market_json: str,
    samples: int,
    seed: int,
    levels: list[float],
) -> str: ...
def reconcile_spend(inputs_json: str, unit_costs_json: str, inflation: float) -> str: ...
def usage_estimates(dataset_json: str, table: str, total: float) -> str: ...
def placement_types() -> list[str]: ...
def scenario_parse(file: str, text: str, fmt: str) -> str: ...
def scenario_to_toml(scenario_json: str, file: str | None = None) -> str: ...
def scenario_run(
    scenario_json: str, dataset_json: str | None = None, file: str | None = None
) -> str: ...
def simulate(
    model_json: str,
    base_year: int,
    years: int,
    admissions: str,
    discharges: str,
    bands: list[str],
    leaver_share: float,
    retention: list[tuple[int, float]],
    grain: str,
    changes: str,
    samples: int,
    seed: int,
    levels: list[float],
) -> str: ...
def backtest(
    dataset_json: str,
    horizon: int | None,
    samples: int,
    seed: int,
    levels: list[float],
) -> str: ...
def select_default(backtests_json: list[str]) -> str: ...
def dfe_panel(
    files: list[str] = ..., release: str | None = None, vintages: bool = False
) -> str: ...
def dfe_load(name: str, files: list[str] = ...) -> str: ...
def dfe_combine(members: list[str], name: str, files: list[str] = ...) -> str: ...
def dfe_councils(region: str | None = None) -> str: ...
def dfe_reconcile_sources() -> str: ...
