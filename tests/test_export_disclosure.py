"""Secondary suppression of the DfE disclosure rule (``disclosure="dfe"``).

A count withheld as ``c`` must not be recoverable by subtraction from a total printed
beside it: in every group that sums to a shown total (the bands of one year and measure
with their ``all`` row; placement types with their pool and ``all`` totals), a table never
shows exactly one hidden cell. The groups checked here are built by the tests themselves,
from the frames' labels, not by the code under test.
"""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

import carecast
from carecast import _carecast, cli, export

BANDS = ["under 1", "1-4", "5-9", "10-15", "16-17"]


def _bands(values, total=None, **extra):
    total = sum(values) if total is None else total
    return pd.DataFrame(
        {
            "year": 2020,
            "band": [*BANDS[: len(values)], "all"],
            "measure": "stock",
            "value": [*map(float, values), float(total)],
            **extra,
        }
    )


def _hidden(v) -> bool:
    return isinstance(v, str)


def _lone_hidden(out: pd.DataFrame, col: str = "value") -> list[tuple]:
    """Groups (every coordinate but ``band``) with exactly one hidden cell of ``col``."""
    keys = [c for c in ("year", "period", "measure", "table", "area", "placement") if c in out]
    bad = []
    for key, g in out.groupby(keys, dropna=False, sort=False):
        if "all" not in set(g["band"]) or len(g) < 2:
            continue
        if sum(_hidden(v) for v in g[col]) == 1:
            bad.append(key)
    return bad


def test_lone_c_beside_an_exact_total_is_not_recoverable():
    df = export.clean(_bands([3, 20, 31, 50, 12]))
    out = export.disclose(df)
    vals = out["value"].tolist()
    assert vals[0] == "c"
    # Without a second hidden cell, 116 - (20 + 31 + 50 + 12) gives the withheld 3 back.
    assert sum(_hidden(v) for v in vals) == 2, vals
    # The next smallest data item (12, the 16-17 band) is withheld; the total is kept.
    assert vals == ["c", 20, 31, 50, "c", 116]
    assert _lone_hidden(out) == []


def test_next_smallest_skips_zero_cells():
    # Hiding a zero would leave the pair summing to 3: the smallest non-zero cell is taken.
    out = export.disclose(export.clean(_bands([3, 0, 40, 60, 0])))
    assert out["value"].tolist() == ["c", 0, "c", 60, 0, 103]


def test_two_primary_cells_need_no_secondary():
    out = export.disclose(export.clean(_bands([3, 4, 40, 60, 20])))
    assert out["value"].tolist() == ["c", "c", 40, 60, 20, 127]


def test_a_single_part_takes_the_total_with_it():
    # A band holding the whole total (a totals-only model's 0-17 beside all): the published
    # `<10` text cell would be the exact total; the total is withheld instead.
    df = pd.DataFrame(
        {"year": 2020, "band": ["0-17", "all"], "measure": "stock", "value": ["<10", 8.0]}
    )
    out = export.disclose(export.clean(df))
    assert out["value"].tolist() == ["<10", "c"]


def test_published_text_cell_beside_an_exact_total_gets_a_partner():
    df = export.clean(_bands([0, 20, 31, 50, 12], total=120))
    df["value"] = df["value"].astype(object)
    df.loc[0, "value"] = "<10"
    out = export.disclose(df)
    assert out["value"].tolist() == ["<10", 20, 31, 50, "c", 120]


def test_intervals_follow_the_point_values_suppression():
    df = _bands([3, 20, 31, 50, 12])
    df["mean"] = df["value"] + 0.2
    df["median"] = df["value"]
    df["lower_80"] = df["value"] * 0.8
    df["upper_80"] = df["value"] * 1.3
    out = export.for_output(df, disclosure="dfe")
    for col in ("value", "mean", "median", "lower_80", "upper_80"):
        assert out[col].tolist()[:5] == ["c", 20, 31, 50, "c"] or col.startswith(
            ("lower", "upper")
        ), (col, out[col].tolist())
    # The withheld bands' intervals are withheld with them: a shown [9.6, 15.6] around the
    # second withheld band would give it back.
    assert out.loc[4, ["lower_80", "upper_80"]].tolist() == ["c", "c"]
    assert out.loc[0, ["lower_80", "upper_80"]].tolist() == ["c", "c"]
    assert out.loc[1, ["lower_80", "upper_80"]].tolist() == [16, 26]
    # A point withheld in one estimate column is withheld in all of them.
    df2 = df.copy()
    df2.loc[0, ["value", "mean", "median"]] = [5.4, 5.6, 5.0]
    df2.loc[5, ["value", "mean", "median"]] = [118.4, 118.6, 118.0]
    out2 = export.for_output(df2, disclosure="dfe")
    assert out2.loc[0, ["value", "mean", "median"]].tolist() == ["c", "c", "c"]


def test_groups_are_per_year_and_measure():
    a = _bands([3, 20, 31, 50, 12])
    b = _bands([9, 20, 31, 50, 12]).assign(year=2021)
    c = _bands([9, 20, 31, 50, 12]).assign(measure="admissions")
    out = export.disclose(export.clean(pd.concat([a, b, c], ignore_index=True)))
    assert out["value"].tolist() == [
        "c",
        20,
        31,
        50,
        "c",
        116,
        9,
        20,
        31,
        50,
        12,
        122,
        9,
        20,
        31,
        50,
        12,
        122,
    ]


def test_without_rule_nothing_is_withheld():
    df = export.clean(_bands([3, 20, 31, 50, 12]))
    assert export.disclose(df, "none")["value"].tolist() == [3.0, 20, 31, 50, 12, 116]


# --- placements: types, pools and all ---------------------------------------------------


def test_placement_sums_match_the_core():
    # The relations are the core's pools; every type is in the `all` total.
    assert set(export.PLACEMENT_SUMS[("all", "children")]) == set(_carecast.placement_types())
    df = carecast.placements("derbyshire", years=3).to_pandas()
    for year, g in df.groupby("year"):
        at = {(p, m): v for p, m, v in zip(g["placement"], g["measure"], g["value"], strict=True)}
        for (pl, measure), types in export.PLACEMENT_SUMS.items():
            if (pl, measure) not in at:
                continue
            parts = sum(at.get((t, "placements"), 0.0) for t in types)
            assert at[(pl, measure)] == pytest.approx(parts, rel=1e-9, abs=1e-6), (
                year,
                pl,
                measure,
            )


def _placement_relations(out: pd.DataFrame) -> list[tuple[str, int]]:
    """(relation, hidden cells) for each placement relation of each year."""
    found = []
    for year, g in out.groupby("year"):
        at = {(p, m): v for p, m, v in zip(g["placement"], g["measure"], g["value"], strict=True)}
        rel = {k: [(t, "placements") for t in v] for k, v in export.PLACEMENT_SUMS.items()}
        for pool in ("fostering", "residential"):
            rel[(pool, "demand+")] = [(pool, "in_house"), (pool, "external")]
        for (pl, m), parts in rel.items():
            total = (pl, m.rstrip("+"))
            cells = [c for c in [total, *parts] if c in at]
            if total in at and len(cells) > 1:
                found.append((f"{year} {pl} {m}", sum(_hidden(at[c]) for c in cells)))
    return found


@pytest.mark.parametrize("small", ["adoption", "ifa", "contract_care", "agency_home"])
def test_one_small_placement_type_is_not_recoverable(small):
    df = carecast.placements("derbyshire", years=2).to_pandas()
    df = df[~df["placement"].isin(["secure", "other"])].reset_index(drop=True)  # two c's
    base = df["year"] == df["year"].iloc[0]
    row = base & (df["placement"] == small) & (df["measure"] == "placements")
    delta = 3.0 - float(df.loc[row, "value"].iloc[0])
    df.loc[row, "value"] = 3.0
    # Keep the totals consistent with the changed type.
    pool = "fostering" if small in ("ifa", "contract_care") else "residential"
    side = "external" if small in ("ifa", "agency_home") else "in_house"
    for pl, m in [("all", "children"), (pool, "demand"), (pool, side)]:
        sel = base & (df["placement"] == pl) & (df["measure"] == m)
        df.loc[sel, "value"] += delta
    out = export.for_output(df, disclosure="dfe")
    rel = _placement_relations(out)
    assert rel and all(n != 1 for _, n in rel), [r for r in rel if r[1] == 1]


# --- every output through the same rule -----------------------------------------------


@pytest.fixture(scope="module")
def small_band(tmp_path_factory) -> Path:
    """Derbyshire with its 2017 under-1 count at 4 (and the all row to match)."""
    src = Path(carecast.__file__).resolve().parents[2] / "crates" / "carecast" / "data"
    d = tmp_path_factory.mktemp("small") / "ds"
    shutil.copytree(src / "derbyshire", d)
    p = d / "cic_by_age.csv"
    text = p.read_text(encoding="utf-8")
    assert "2017-03-31,under 1,37\n" in text and "2017-03-31,all,630\n" in text
    text = text.replace("2017-03-31,under 1,37\n", "2017-03-31,under 1,4\n")
    p.write_text(text.replace("2017-03-31,all,630\n", "2017-03-31,all,597\n"), "utf-8")
    return d


@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_cli_show_withholds_a_partner_cell(small_band, capsys, fmt):
    assert (
        cli.main(["show", str(small_band), "cic_by_age", "--format", fmt, "--disclosure", "dfe"])
        == 0
    )
    out = capsys.readouterr().out
    if fmt == "json":
        df = pd.DataFrame(json.loads(out)["rows"])
    else:
        df = pd.read_csv(io.StringIO(out), dtype=str, keep_default_na=False)
        df = df.map(
            lambda v: v if v in ("c", "<10", "") or not v.replace(".", "").isdigit() else float(v)
        )
    y = df[df["period"].astype(str).str.startswith("2017-03-31")]
    assert (y["value"] == "c").sum() == 2, y[["band", "value"]]
    assert _lone_hidden(df) == []
    # The cells withheld by the rule are withheld in their interval columns too.
    for _, r in y[y["value"] == "c"].iterrows():
        assert r["lower"] == "c" and r["upper"] == "c"


def test_projection_and_report_tables_have_no_lone_hidden_cell(small_band, tmp_path):
    m = carecast.CohortModel.fit(small_band)
    proj = m.project(years=2, samples=30, seed=1)
    out = export.for_output(proj.to_pandas(), disclosure="dfe")
    # Points and means sum over bands (interval bounds do not, so a lone bound withheld
    # as 1 to 5 cannot be recovered by subtraction); a withheld point takes its interval.
    for col in ("value", "mean"):
        assert _lone_hidden(out, col) == [], col
    withheld = out["value"] == "c"
    assert withheld.any()
    for col in ("mean", "median", "lower_80", "upper_80", "lower_90", "upper_90"):
        assert (out.loc[withheld, col] == "c").all(), col
    r = carecast.report(
        small_band, tmp_path / "rep", samples=30, backtest_samples=10, disclosure="dfe"
    )
    checked = 0
    for name, t in r.tables.items():
        if {"band", "value"} <= set(t.columns):
            assert _lone_hidden(t) == [], name
            checked += 1
    assert checked


def test_a_comparison_row_does_not_give_back_its_withheld_difference():
    # difference = scenario - baseline: a lone withheld difference of 3 beside 20 and 23
    # would be read back by subtraction, and so would a lone withheld baseline.
    df = pd.DataFrame(
        {
            "year": [2020, 2020],
            "placement": ["ifa", "secure"],
            "measure": "placements",
            "baseline": [20.0, 4.0],
            "scenario": [23.0, 10.0],
            "difference": [3.0, 6.0],
        }
    )
    out = export.disclose(export.clean(df))
    for _, r in out.iterrows():
        cells = [r["baseline"], r["scenario"], r["difference"]]
        assert sum(_hidden(v) for v in cells) != 1, cells
    assert out.loc[0, ["baseline", "scenario", "difference"]].tolist() == ["c", 23, "c"]
    assert out.loc[1, ["baseline", "scenario", "difference"]].tolist() == ["c", 10, "c"]


def test_cli_scenario_rows_and_groups_have_no_lone_hidden_cell(capsys):
    root = Path(carecast.__file__).resolve().parents[2]
    argv = ["scenario", str(root / "scenarios" / "recruit_60_carers.toml")]
    assert cli.main([*argv, "--format", "json", "--disclosure", "dfe"]) == 0
    out = pd.DataFrame(json.loads(capsys.readouterr().out)["rows"])
    counts = out[out["unit"] == "children"]
    for _, r in counts.iterrows():
        cells = [r["baseline"], r["scenario"], r["difference"]]
        assert sum(_hidden(v) for v in cells) != 1, r.to_dict()
    for col in ("baseline", "scenario", "difference"):
        rel = _placement_relations(counts.rename(columns={col: "value"}))
        assert rel and all(n != 1 for _, n in rel), (col, [x for x in rel if x[1] == 1])


def test_a_withheld_column_takes_its_own_bounds():
    # A reconciliation's exact figures carry bounds equal to the value: a withheld
    # `expected` beside a shown `expected_lower` would be given back.
    df = pd.DataFrame(
        {
            "group": ["g"],
            "expected": [30.0],
            "expected_lower": [30.0],
            "expected_upper": [30.0],
            "found": [33.0],
            "difference": [3.0],
            "difference_lower": [3.0],
            "difference_upper": [3.0],
            "unit": "children",
        }
    )
    out = export.disclose(export.clean(df)).iloc[0]
    assert out["difference"] == "c" and out["expected"] == "c" and out["found"] == 33
    assert out[["expected_lower", "expected_upper"]].tolist() == ["c", "c"]
    assert out[["difference_lower", "difference_upper"]].tolist() == ["c", "c"]


def test_numeric_coordinates_separate_groups():
    # `age` as floats (missing somewhere) still locates a row: two ages are two groups.
    df = pd.DataFrame(
        {
            "age": [16.0, 16.0, 16.0, 17.0, 17.0, 17.0],
            "band": ["a", "b", "all", "a", "b", "all"],
            "measure": "care_leavers",
            "value": [3.0, 30.0, 33.0, 3.0, 40.0, 43.0],
        }
    )
    out = export.disclose(export.clean(df))
    assert out["value"].tolist() == ["c", "c", 33, "c", "c", 43]
