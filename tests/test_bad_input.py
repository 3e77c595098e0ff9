"""Bad input through the Python API and the command line, table-driven, and the DfE
disclosure rule of outputs (``disclosure="dfe"``, ``--disclosure dfe``).

Every bad-input case asserts the exception class and that the message names where (file,
line, column, key or limit). Inputs are a few lines each, so time and memory are bounded.
"""

from __future__ import annotations

import io
import json
import os
import sys
from pathlib import Path

import pandas as pd
import pytest

import carecast
from carecast import DataError, ScenarioError, cli, export

HEAD = (
    "# id: t\n# title: T\n# source: s.txt\n# source_table: T\n# measure: stock\n# unit: children\n"
)


# --- disclosure control --------------------------------------------------------------


def _frame(values, measure="stock"):
    return export.clean(
        pd.DataFrame(
            {"band": [f"b{i}" for i in range(len(values))], "measure": measure, "value": values}
        )
    )


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (0.0, 0),
        (0.4, 0),
        (0.5, "c"),
        (0.95, "c"),
        (5.0, "c"),
        (5.49, "c"),
        (5.5, 6),
        (6.0, 6),
        (12.5, 13),
        (630.2, 630),
        (-3.0, "c"),
        (-7.6, -8),
    ],
)
def test_dfe_rule_rounds_counts_and_withholds_1_to_5(value, shown):
    raw = pd.DataFrame({"band": ["b"], "measure": ["stock"], "value": [value]})
    # The output copy rounds the computed value once (5.49 is withheld, not shown as 5.5
    # and then 6).
    assert export.for_output(raw, disclosure="dfe")["value"].tolist() == [shown]
    if value != 5.49:
        assert export.disclose(_frame([value]), "dfe")["value"].tolist() == [shown]


def test_dfe_rule_leaves_pounds_and_percentages():
    df = export.clean(
        pd.DataFrame({"measure": ["spend", "in_house_share", "stock"], "value": [3.0, 4.2, 4.2]})
    )
    assert export.disclose(df)["value"].tolist() == [3, 4.2, "c"]


def test_dfe_rule_applies_to_interval_columns():
    df = export.clean(
        pd.DataFrame({"measure": ["stock"], "mean": [7.4], "lower_80": [2.2], "upper_80": [11.6]})
    )
    out = export.disclose(df)
    assert out[["mean", "lower_80", "upper_80"]].iloc[0].tolist() == [7, "c", 12]


def test_suppressed_text_stays_text():
    df = pd.DataFrame({"measure": ["stock", "stock"], "value": ["<10", 12.2]})
    out = export.disclose(export.clean(df))
    assert out["value"].tolist() == ["<10", 12]


def test_unknown_rule_names_the_rules():
    with pytest.raises(ValueError, match=r"disclosure='ons'.*'none', 'dfe'"):
        export.disclose(_frame([1.0]), "ons")
    with pytest.raises(ValueError, match="disclosure='x'"):
        export.for_output(_frame([1.0]), disclosure="x")


def test_for_output_follows_the_enclosing_rule():
    df = pd.DataFrame({"measure": ["stock"], "value": [3.3]})
    assert export.for_output(df)["value"].tolist() == [3.3]
    with export.disclosure_control("dfe"):
        assert export.for_output(df)["value"].tolist() == ["c"]
    assert export.for_output(df)["value"].tolist() == [3.3]


def _subcommands():
    p = cli.build_parser()
    sub = next(a for a in p._actions if a.dest == "command")
    return sub.choices


@pytest.mark.parametrize("name", sorted(_subcommands()))
def test_every_subcommand_takes_disclosure(name):
    sp = _subcommands()[name]
    opt = next((a for a in sp._actions if "--disclosure" in a.option_strings), None)
    assert opt is not None, f"carecast {name} has no --disclosure"
    assert list(opt.choices) == ["none", "dfe"] and opt.default == "none"


def _count_ok(v) -> bool:
    """A count under the DfE rule: `c`, zero, or a whole number beyond 5."""
    if v == "c":
        return True
    f = float(v)
    return f.is_integer() and (f == 0 or abs(f) > 5)


@pytest.mark.parametrize("fmt", ["json", "csv", "table"])
def test_cli_project_with_dfe_disclosure(capsys, fmt):
    code = cli.main(["project", "derby", "--years", "2", "--format", fmt, "--disclosure", "dfe"])
    out = capsys.readouterr().out
    assert code == 0
    if fmt == "json":
        values = [r["value"] for r in json.loads(out)["rows"] if r["unit"] == "children"]
    elif fmt == "csv":
        df = pd.read_csv(io.StringIO(out), dtype=str)
        values = df.loc[df["unit"] == "children", "value"].tolist()
    else:
        rows = [line.split() for line in out.splitlines()[1:]]
        values = [r[-2] for r in rows if r and r[-1] == "children"]
    assert values and all(_count_ok(v) for v in values), values


def test_cli_without_disclosure_keeps_decimals(capsys):
    assert cli.main(["project", "derby", "--years", "2", "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)["rows"]
    assert any(isinstance(r["value"], float) and r["value"] != int(r["value"]) for r in rows)


def test_report_tables_follow_the_rule():
    from carecast.report import _Builder

    b = _Builder(None, "dfe")
    b.sections.append({"key": "k", "charts": []})
    b.parts["k"] = []
    b.table("k", "t", _frame([0.95, 42.4]), "note")
    assert b.tables["t"]["value"].tolist() == ["c", 42]
    with pytest.raises(ValueError, match="disclosure"):
        carecast.report("derby", disclosure="public")


# --- bad input: dataset folders ------------------------------------------------------


def _folder(tmp_path: Path, files: dict[str, bytes | str]) -> Path:
    d = tmp_path / "ds"
    d.mkdir()
    for name, body in files.items():
        p = d / name
        if isinstance(body, bytes):
            p.write_bytes(body)
        else:
            p.write_text(body, encoding="utf-8")
    return d


TABLE_CASES = [
    ("1e400", "period,value\n2017-03-31,1e400\n", ["t.csv", "line 8", "column `value`"]),
    ("310 digits", f"period,value\n2017-03-31,{'9' * 310}\n", ["t.csv", "line 8", "overflows"]),
    (
        "suppressed_min NaN",
        "# suppressed_min: NaN\nperiod,value\n2017-03-31,x\n",
        ["line 7", "suppressed_min"],
    ),
    (
        "suppressed_min 1e400",
        "# suppressed_min: 1e400\nperiod,value\n2017-03-31,x\n",
        ["line 7", "suppressed_min"],
    ),
    (
        "suppressed_min -5",
        "# suppressed_min: -5\nperiod,value\n2017-03-31,x\n",
        ["line 7", "suppressed_min"],
    ),
    (
        "suppressed_min 0.5",
        "# suppressed_min: 0.5\nperiod,value\n2017-03-31,x\n",
        ["line 7", "suppressed_min"],
    ),
    ("x_max NaN", "# x_max: NaN\nperiod,value\n2017-03-31,x\n", ["line 7", "x_max"]),
    ("x_max -1", "# x_max: -1\nperiod,value\n2017-03-31,x\n", ["line 7", "x_max"]),
    ("x_max 1e400", "# x_max: 1e400\nperiod,value\n2017-03-31,x\n", ["line 7", "x_max"]),
    (
        "x_max below min",
        "# suppressed_min: 5\n# x_max: 2\nperiod,value\n2017-03-31,x\n",
        ["x_max", "suppressed_min"],
    ),
    (
        "same cell twice",
        "period,band,value\n2017-03-31,1-4,3\n2017-03-31,1-4,4\n",
        ["line 9", "line 8", "same cell"],
    ),
    ("negative count", "period,value\n2017-03-31,-2\n", ["line 8", "negative"]),
    ("unknown column", "period,bnd,value\n2017-03-31,1-4,3\n", ["column `bnd`", "did you mean"]),
    ("bad period", "period,value\n2017-02-30,3\n", ["line 8", "column `period`"]),
    ("bad suppression", "period,value\n2017-03-31,<ten\n", ["line 8", "column `value`"]),
    (
        "bad row in a CRLF file",
        "period,value\r\n2017-03-31,3\r\n2018-03-31,three\r\n",
        ["line 9", "column `value`"],
    ),
    (
        "quoted field running over the next row",
        'period,value\n2017-03-31,"3\n2018-03-31,4\n',
        ["line 8", "column `value`"],
    ),
    (
        "same cell far apart",
        "period,band,value\n2017-03-31,1-4,3\n2017-03-31,5-9,4\n2017-03-31,1-4,30\n",
        ["line 10", "on line 8"],
    ),
]


@pytest.mark.parametrize(("case", "body", "names"), TABLE_CASES, ids=[c[0] for c in TABLE_CASES])
def test_bad_tables_in_a_folder(tmp_path, case, body, names):
    d = _folder(tmp_path, {"t.csv": HEAD + body})
    with pytest.raises(DataError) as e:
        carecast.datasets.load(d)
    for n in names:
        assert n in str(e.value), (case, str(e.value))


@pytest.mark.parametrize(("case", "body", "names"), TABLE_CASES, ids=[c[0] for c in TABLE_CASES])
def test_bad_tables_read_alone(tmp_path, case, body, names):
    p = tmp_path / "t.csv"
    p.write_text(HEAD + body, encoding="utf-8")
    with pytest.raises(DataError) as e:
        carecast.datasets.read_table(p)
    for n in names:
        assert n in str(e.value), (case, str(e.value))


CP1252 = (HEAD.replace("# title: T", "# title: Caf\xe9") + "period,value\n2017-03-31,3\n").encode(
    "cp1252"
)


def test_windows_1252_folder(tmp_path):
    d = _folder(tmp_path, {"t.csv": CP1252})
    with pytest.raises(DataError, match=r"t\.csv.*not UTF-8"):
        carecast.datasets.load(d)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_fifo_in_a_folder_is_refused_not_waited_on(tmp_path):
    d = _folder(tmp_path, {"a.csv": HEAD.replace("id: t", "id: a") + "value\n3\n"})
    os.mkfifo(d / "b.csv")
    with pytest.raises(DataError, match=r"b\.csv.*not a regular file"):
        carecast.datasets.load(d)


@pytest.mark.skipif(sys.platform == "win32", reason="needs /dev/zero")
def test_link_to_dev_zero_is_refused(tmp_path):
    d = _folder(tmp_path, {"a.csv": HEAD.replace("id: t", "id: a") + "value\n3\n"})
    (d / "z.csv").symlink_to("/dev/zero")
    with pytest.raises(DataError, match=r"z\.csv.*not a regular file"):
        carecast.datasets.load(d)


def test_windows_1252_table_read_alone(tmp_path):
    p = tmp_path / "t.csv"
    p.write_bytes(CP1252)
    with pytest.raises(DataError, match=r"t\.csv.*UTF-8"):
        carecast.datasets.read_table(p)


def test_cli_windows_1252_is_a_clear_error_not_a_traceback(tmp_path, capsys):
    p = tmp_path / "t.csv"
    p.write_bytes(CP1252)
    code = cli.main(["show", str(p)])
    err = capsys.readouterr().err
    assert code == 2 and "UTF-8" in err and "Traceback" not in err


# --- bad input: scenarios and figures ---------------------------------------------------

SCENARIO_CASES = [
    (
        "too many levers",
        "[[levers]]\nname='x'\nkind='foster_recruitment'\nhouseholds=1\nfrom_year=2018\n" * 101,
        ["MAX_LEVERS", "100"],
    ),
    ("unknown key", "colour = 3\n", ["colour"]),
    ("string for a number", "years = 'five'\n", ["line 3", "years"]),
    ("inflation nan", "inflation = nan\n", ["inflation"]),
    ("inflation out of range", "inflation = 1e9\n", ["inflation"]),
    ("unknown lever kind", "[[levers]]\nname='x'\nkind='magic'\n", ["magic"]),
]


@pytest.mark.parametrize(
    ("case", "body", "names"), SCENARIO_CASES, ids=[c[0] for c in SCENARIO_CASES]
)
def test_bad_scenarios(tmp_path, case, body, names):
    p = tmp_path / "s.toml"
    p.write_text("name = 's'\ndataset = 'derbyshire'\n" + body, encoding="utf-8")
    with pytest.raises(ScenarioError) as e:
        carecast.Scenario.from_file(p)
    for n in ["s.toml", *names]:
        assert n in str(e.value), (case, str(e.value))


def test_empty_figures_file_fails_verify(tmp_path, capsys):
    p = tmp_path / "f.toml"
    p.write_text("figure = []\n", encoding="utf-8")
    code = cli.main(["verify", str(p)])
    err = capsys.readouterr().err
    assert code == 2 and "f.toml" in err and "no figures" in err


@pytest.mark.parametrize("total", ["1e308", "inf", "-1", "2000000"])
def test_usage_total_out_of_range_is_an_error(capsys, total):
    code = cli.main(["placements", "derbyshire", f"--usage-at={total}", "--format", "csv"])
    err = capsys.readouterr().err
    assert code == 2, err
    assert "total" in err or "usage" in err, err


# --- Python arguments: choose_default, interval levels ----------------------------------


@pytest.mark.parametrize("given", [[1, 2], ["derbyshire"], 5, "derbyshire", [None]])
def test_choose_default_refuses_what_is_not_a_backtest(given):
    with pytest.raises(carecast.ArgumentError) as e:
        carecast.choose_default(given)
    assert "`backtests`" in str(e.value) and "Backtest" in str(e.value)
    assert e.value.argument == "backtests"


@pytest.mark.parametrize(
    ("levels", "names"),
    [
        ([80, 80.0000001], ["80", "80.0000001", "lower_80"]),
        ([95, 90.0000004, 90], ["90.0000004", "90"]),
        ([80, 80.0], ["80", "twice"]),
    ],
)
def test_levels_whose_labels_collide_are_refused(levels, names):
    m = carecast.CohortModel.fit("derbyshire")
    with pytest.raises(carecast.ArgumentError) as e:
        m.project(years=2, samples=20, levels=levels)
    assert "`levels`" in str(e.value)
    for n in names:
        assert n in str(e.value), str(e.value)


def test_levels_that_differ_in_their_label_are_kept():
    m = carecast.CohortModel.fit("derbyshire")
    df = m.project(years=2, samples=20, levels=[80, 80.5]).to_pandas()
    assert {"lower_80", "upper_80", "lower_80.5", "upper_80.5"} <= set(df.columns)


@pytest.mark.parametrize("n", [21, 9_801])
def test_too_many_levels_name_the_limit(n):
    from carecast.model import MAX_LEVELS

    assert MAX_LEVELS == 20
    levels = [99 * (i + 1) / (n + 1) + 1 for i in range(n)]
    m = carecast.CohortModel.fit("derbyshire")
    for call in (
        lambda: m.project(years=2, samples=20, levels=levels),
        lambda: carecast.backtest("derbyshire", samples=10, levels=levels),
    ):
        with pytest.raises(carecast.ArgumentError) as e:
            call()
        assert "`levels`" in str(e.value) and "MAX_LEVELS = 20" in str(e.value)


def test_max_levels_levels_are_accepted():
    from carecast.model import MAX_LEVELS

    levels = [5 * (i + 1) - 0.5 for i in range(MAX_LEVELS)]
    df = carecast.CohortModel.fit("derbyshire").project(years=1, samples=20, levels=levels)
    assert sum(c.startswith("lower_") for c in df.to_pandas().columns) == MAX_LEVELS


def test_limits_lists_the_documented_limits():
    from carecast import _carecast

    lim = _carecast.limits()
    assert lim["max_table_rows"] == 4_000_000
    assert lim["max_file_bytes"] == 64 * 1024 * 1024
    assert lim["max_levers"] == 100
    assert lim["max_levels"] == 20 and lim["max_samples"] == 100_000 and lim["max_years"] == 25


def test_a_table_over_max_table_rows_names_the_limit_and_the_line(tmp_path):
    from carecast import _carecast

    n = _carecast.limits()["max_table_rows"]
    p = tmp_path / "t.csv"
    head = HEAD + "period,value\n"
    # 13 bytes a row: 52 MB, under the file limit. Without quotes every line is a row, so
    # the table is refused before a row is parsed (no 600 MB of records).
    p.write_text(head + "2017-03-31,1\n" * (n + 1), encoding="utf-8")
    first = head.count("\n") + 1
    with pytest.raises(DataError) as e:
        carecast.datasets.read_table(p)
    m = str(e.value)
    assert "MAX_TABLE_ROWS" in m and f"more than {n} rows" in m, m
    assert f"t.csv (table `t`), line {first + n}:" in m, m


# --- non-UTF-8 files: every reader names the file and the byte ---------------------------

# The byte offset of the é in CP1252 (after "# id: t\n# title: Caf").
CP1252_AT = CP1252.index(b"\xe9")


def test_windows_1252_table_file_as_a_dataset(tmp_path):
    p = tmp_path / "t.csv"
    p.write_bytes(CP1252)
    with pytest.raises(DataError) as e:
        carecast.datasets.load(p)
    assert "t.csv" in str(e.value) and f"byte {CP1252_AT}" in str(e.value), str(e.value)


@pytest.mark.parametrize("suffix", ["toml", "json"])
def test_windows_1252_scenario_file(tmp_path, suffix):
    p = tmp_path / f"s.{suffix}"
    body = "name = 'Café'\n" if suffix == "toml" else '{"name": "Café"}'
    p.write_bytes(body.encode("cp1252"))
    at = body.encode("cp1252").index(b"\xe9")
    with pytest.raises(ScenarioError) as e:
        carecast.Scenario.from_file(p)
    assert f"s.{suffix}" in str(e.value) and f"byte {at}" in str(e.value), str(e.value)


def test_windows_1252_figures_file(tmp_path):
    p = tmp_path / "f.toml"
    p.write_bytes("# Café\n[[figure]]\n".encode("cp1252"))
    with pytest.raises(carecast.FigureError) as e:
        carecast.figures.verify(p)
    assert "f.toml" in str(e.value) and "byte 5" in str(e.value), str(e.value)


def _cli_cp1252(tmp_path: Path) -> dict[str, list[str]]:
    table = tmp_path / "t.csv"
    table.write_bytes(CP1252)
    scen = tmp_path / "s.toml"
    scen.write_bytes("name = 'Café'\n".encode("cp1252"))
    figs = tmp_path / "f.toml"
    figs.write_bytes("# Café\n".encode("cp1252"))
    pop = tmp_path / "pop.csv"
    pop.write_bytes("year,population\n2017,1\n# Café\n".encode("cp1252"))
    t = str(table)
    return {
        "show": ["show", t],
        "reconcile": ["reconcile", t],
        "fit": ["fit", t],
        "project": ["project", t],
        "backtest": ["backtest", t],
        "leavers": ["leavers", t],
        "placements": ["placements", t],
        "costs": ["costs", t],
        "report": ["report", t, "--out", str(tmp_path / "r")],
        "verify": ["verify", str(figs)],
        "scenario": ["scenario", str(scen)],
        "report --scenario": [
            "report",
            "derbyshire",
            "--out",
            str(tmp_path / "r"),
            "--scenario",
            str(scen),
        ],
        "project --population": [
            "project",
            "derbyshire",
            "--admissions",
            "rate",
            "--population",
            str(pop),
        ],
    }


@pytest.mark.parametrize(
    "case",
    [
        "show",
        "reconcile",
        "fit",
        "project",
        "backtest",
        "leavers",
        "placements",
        "costs",
        "report",
        "verify",
        "scenario",
        "report --scenario",
        "project --population",
    ],
)
def test_cli_windows_1252_names_the_file_and_byte(tmp_path, capsys, case):
    argv = _cli_cp1252(tmp_path)[case]
    code = cli.main(argv)
    err = capsys.readouterr().err
    assert code == 2, err
    assert "Traceback" not in err and "not UTF-8" in err, err
    name = {"report": "t.csv"}.get(case, Path(argv[-1]).name)
    assert name in err and "byte " in err, err


# --- a published <10 base-year cell is never printed back as an exact value --------------


@pytest.fixture(scope="module")
def suppressed_base(tmp_path_factory):
    """Derbyshire with its base-year (2017) under-1 count published as ``<10``."""
    import shutil

    src = Path(carecast.__file__).resolve().parents[2] / "crates" / "carecast" / "data"
    d = tmp_path_factory.mktemp("supp") / "ds"
    shutil.copytree(src / "derbyshire", d)
    p = d / "cic_by_age.csv"
    text = p.read_text(encoding="utf-8")
    assert "2017-03-31,under 1,37\n" in text
    p.write_text(text.replace("2017-03-31,under 1,37\n", "2017-03-31,under 1,<10\n"), "utf-8")
    return d


def _at_base(r: dict) -> bool:
    """Whether a record is the under-1 count at 31 March 2017 (or the opening after it)."""
    if str(r.get("band", "")).lower() not in ("under 1", "under_1"):
        return False
    when = {str(r.get(k)) for k in ("period", "year") if r.get(k) is not None}
    measure = r.get("measure")
    if any(w.startswith("2017-03-31") for w in when):
        return True
    if when & {"2016/17", "2017"} and measure in (None, "stock", "published"):
        return True
    return bool(when & {"2017/18", "2018"} and measure == "opening")


def _no_exact_value(records: list[dict], where: str) -> int:
    """Assert no record at the suppressed cell holds a number; return how many were seen."""
    seen = 0
    for r in records:
        if not _at_base(r):
            continue
        seen += 1
        for col in ("value", "mean", "median", "published", "published_closing", "count"):
            v = r.get(col)
            if v is None or v is pd.NA or isinstance(v, str):
                continue
            assert isinstance(v, float) and v != v, f"{where}: {col}={v!r} in {r}"
    return seen


@pytest.mark.parametrize("rule", ["none", "dfe"])
def test_suppressed_base_cell_in_projections(suppressed_base, rule):
    m = carecast.CohortModel.fit(suppressed_base)
    proj = m.project(years=2, samples=30)
    df = export.for_output(proj.to_pandas(), disclosure=rule)
    _no_exact_value(df.to_dict("records"), "project")
    # The band view of a totals model spreads the total over ages: a modelled value, never
    # the suppressed cell as published.
    _no_exact_value(m.calibration().to_dict("records"), "calibration")


@pytest.mark.parametrize("rule", ["none", "dfe"])
@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_suppressed_base_cell_in_cli_show_and_project(suppressed_base, capsys, rule, fmt):
    for argv in (
        ["show", str(suppressed_base), "cic_by_age"],
        ["project", str(suppressed_base), "--years", "2"],
    ):
        assert cli.main([*argv, "--format", fmt, "--disclosure", rule]) == 0
        out = capsys.readouterr().out
        if fmt == "json":
            rows = json.loads(out)["rows"]
        else:
            rows = pd.read_csv(io.StringIO(out), dtype=str, keep_default_na=False).to_dict(
                "records"
            )
            rows = [{k: (v if v != "" else None) for k, v in r.items()} for r in rows]
            for r in rows:
                for k in ("value", "mean", "median"):
                    if r.get(k) is not None and r[k] not in ("c", "<10"):
                        r[k] = float(r[k])
        seen = _no_exact_value(rows, " ".join(argv))
        if argv[0] == "show":
            # The cell is shown, as suppressed with its interval, never as a number.
            assert seen == 1
            cell = next(r for r in rows if _at_base(r))
            assert cell["status"] == "suppressed"
            assert float(cell["lower"]) == 0 and float(cell["upper"]) == 9


@pytest.mark.parametrize("rule", ["none", "dfe"])
def test_suppressed_base_cell_in_out_dir_and_report(suppressed_base, tmp_path, rule):
    import openpyxl

    out = tmp_path / "out"
    code = cli.main(
        ["project", str(suppressed_base), "--years", "2", "--out", str(out), "--disclosure", rule]
    )
    assert code == 0
    for f in out.glob("*.csv"):
        df = pd.read_csv(f, dtype=object).astype(object)
        df = df.where(df.notna(), None)
        _no_exact_value(df.to_dict("records"), f.name)
    r = carecast.report(
        suppressed_base, tmp_path / "rep", samples=30, backtest_samples=10, disclosure=rule
    )
    for name, df in r.tables.items():
        _no_exact_value(df.astype(object).to_dict("records"), f"report table {name}")
    wb = openpyxl.load_workbook(r.excel_path, read_only=True)
    for ws in wb.worksheets:
        rows = list(ws.iter_rows(values_only=True))
        if not rows:
            continue
        head = [str(h).split(" (")[0] for h in rows[0]]
        recs = [dict(zip(head, row, strict=False)) for row in rows[1:]]
        _no_exact_value(recs, f"workbook sheet {ws.title}")
    # The caveats count it among the table's suppressed cells.
    cav = r.tables["cells_not_published"]
    assert ((cav["table"] == "cic_by_age") & (cav["status"] == "suppressed")).any()


def test_cli_out_charts_follow_the_rule(tmp_path, capsys, monkeypatch):
    # --out DIR writes PNG charts; under --disclosure dfe each chart of counts goes through
    # export.disclose_axes (the rule of the enclosing --disclosure), the spend chart not.
    seen: list[tuple[str, str | None]] = []
    real = export.disclose_axes

    def spy(ax, disclosure=None):
        why = real(ax, disclosure)
        seen.append((export._DISCLOSURE.get(), why))
        return why

    monkeypatch.setattr(export, "disclose_axes", spy)
    out = tmp_path / "out"
    argv = ["placements", "derbyshire", "--years", "2", "--out", str(out), "--disclosure", "dfe"]
    assert cli.main(argv) == 0
    capsys.readouterr()
    assert [rule for rule, _ in seen] == ["dfe", "dfe"]  # capacity_fostering, _residential
    assert {p.name for p in out.glob("capacity_*.png")} == {
        f"capacity_{pool}.png"
        for pool, (_, why) in zip(("fostering", "residential"), seen, strict=True)
        if why is None
    }
