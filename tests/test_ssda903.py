import json
import pickle

import pandas as pd
import pytest

import carecast
from carecast.cli import main


@pytest.fixture(scope="module")
def returns(tmp_path_factory):
    folder = tmp_path_factory.mktemp("returns")
    truth = carecast.ssda903.synthesize(folder, seed=4, admissions_per_year=120)
    return folder, truth


def test_load_reproduces_the_true_stock_starts_and_ceases(returns):
    folder, truth = returns
    ds = carecast.ssda903.load(folder)
    stock = ds.table("cic_by_age").to_pandas().query("band == 'all'")
    got = {p[:4]: int(v) for p, v in zip(stock["period"], stock["value"], strict=True)}
    assert got == truth["stock"]
    flows = ds.table("flows_summary").to_pandas()
    starts = flows.query("measure == 'admissions'")
    assert {p[:4]: int(v) for p, v in zip(starts["period"], starts["value"], strict=True)} == {
        str(int(y) - 1): n for y, n in truth["starts"].items()
    }
    ceases = flows.query("measure == 'discharges'")["value"].astype(int).tolist()
    assert ceases == list(truth["ceases"].values())


def test_audit_counts_the_traps(returns):
    folder, truth = returns
    audit = carecast.ssda903.audit(folder).set_index("rule")
    assert list(audit.columns) == ["action", "rows", "children", "detail"]
    assert audit.loc["short_break", "children"] == truth["short_break_children"]
    assert audit.loc["no_header", "children"] == truth["no_header_children"]
    assert audit.loc["open_episode_repeated", "rows"] > 0


def test_the_model_and_903_names_accept_it(returns):
    folder, _ = returns
    ds = carecast.ssda903.load([folder])
    assert isinstance(ds, carecast.Dataset)
    p = carecast.CohortModel.fit(ds).project(years=3)
    assert (p.to_wide("stock")["all"] > 0).all()
    by_name = carecast.datasets.load(f"903:{folder}")
    assert by_name.table("cic_by_age").to_pandas().equals(ds.table("cic_by_age").to_pandas())
    again = pickle.loads(pickle.dumps(ds))
    assert again.audit.equals(ds.audit)


def test_cli_audit_and_show(returns, capsys):
    folder, truth = returns
    assert main(["ssda903", "audit", str(folder), "--format", "json"]) == 0
    obj = json.loads(capsys.readouterr().out)
    rules = {r["rule"]: r for r in obj["rows"]}
    assert rules["short_break"]["children"] == truth["short_break_children"]
    assert main(["show", f"903:{folder}", "cic_by_age", "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)["rows"]
    last = [r for r in rows if r["band"] == "all"][-1]
    assert last["value"] == truth["stock"]["2024"]


def test_bad_rows_raise_located_errors(tmp_path):
    y = tmp_path / "2019-20"
    y.mkdir()
    (y / "episodes.csv").write_text(
        "CHILD,DECOM,RNE,LS,CIN,PLACE,PLACE_PROVIDER,DEC,REC,REASON_PLACE_CHANGE\n"
        "A1,01/05/2019,S,C1,N1,U4,PR1,,,\nA2,2019-13-01,S,C1,N1,U4,PR1,,,\n"
    )
    (y / "header.csv").write_text("CHILD,SEX,DOB\nA1,1,01/01/2010\n")
    with pytest.raises(
        carecast.DataError, match=r"episodes.csv \(table `episodes`\), line 3, column `DECOM`"
    ):
        carecast.ssda903.load(tmp_path)
    with pytest.raises(carecast.ArgumentError):
        carecast.ssda903.load([])
    with pytest.raises(carecast.DataError, match="cannot read"):
        carecast.ssda903.load(tmp_path / "missing")


def test_project_intervals_cover_held_out_true_stock(tmp_path):
    """Fit on three returns, project two years: the 80% and 95% intervals of the total
    stock against the true stock at the two held-out 31 Marches, over 12 generator seeds
    (24 checks per level; seeds other than the Rust test's).

    Tolerance: the two checks of a seed share one path of the truth, so count seeds as
    the independent trials and, at worst, each as all-or-nothing: the seeds covered are
    Binomial(12, L). Asking for at least half of the checks at 80% fails a correct method
    with probability P(Bin(12, 0.8) <= 5) = 0.4%, and at least 75% at 95% with
    P(Bin(12, 0.95) <= 8) = 0.2%. (Too-wide intervals are caught by the Rust test, which
    has the larger sample.)
    """
    hits80 = hits95 = n = 0
    for seed in range(101, 113):
        folder = tmp_path / str(seed)
        truth = carecast.ssda903.synthesize(folder, seed=seed, admissions_per_year=250)
        first3 = [folder / y for y in ("2019-20", "2020-21", "2021-22")]
        p = carecast.ssda903.project(first3, years=2, samples=300, seed=seed)
        df = p.to_pandas(every="year").query("placement_type == 'all'")
        for _, row in df.iterrows():
            actual = truth["stock"][row["period"][:4]]
            n += 1
            hits80 += row["lower_80"] <= actual <= row["upper_80"]
            hits95 += row["lower_95"] <= actual <= row["upper_95"]
    assert n == 24
    assert hits80 / n >= 0.5, hits80
    assert hits95 / n >= 0.75, hits95


def test_project_is_seeded_never_negative_and_checks_arguments(returns):
    folder, _ = returns
    ds = carecast.ssda903.load(folder)
    a = carecast.ssda903.project(ds, years=2, samples=100, seed=5).to_pandas()
    b = carecast.ssda903.project(folder, years=2, samples=100, seed=5).to_pandas()
    assert a.equals(b)
    c = carecast.ssda903.project(folder, years=2, samples=100, seed=6).to_pandas()
    assert not a.equals(c)
    assert list(a.columns[:5]) == ["period", "placement_type", "provider", "measure", "value"]
    assert len(a) == 24 * 12
    for lv in ("80", "95"):
        assert (a[f"lower_{lv}"] >= 0).all()
        assert (a[f"lower_{lv}"] <= a["median"]).all() and (a["median"] <= a[f"upper_{lv}"]).all()
    assert (a["lower_95"] <= a["lower_80"]).all() and (a["upper_95"] >= a["upper_80"]).all()
    # A step down from residential care to fostering moves children out of homes.
    down = carecast.ssda903.project(
        folder,
        years=3,
        samples=50,
        seed=5,
        scenario={"step_down": {"from": "residential", "to": "fostering", "factor": 4}},
    ).to_pandas(every="year")
    base = carecast.ssda903.project(folder, years=3, samples=50, seed=5).to_pandas(every="year")
    homes = ["in_house_home", "block_home", "agency_home"]

    def last(df):
        return df[df["period"] == "2027-03-31"].set_index("placement_type")["value"]

    assert last(down)[homes].sum() < last(base)[homes].sum()
    with pytest.raises(carecast.ArgumentError, match="years"):
        carecast.ssda903.project(folder, years=0)
    with pytest.raises(carecast.ArgumentError, match="samples"):
        carecast.ssda903.project(folder, samples=0)
    with pytest.raises(carecast.ArgumentError, match="levels"):
        carecast.ssda903.project(folder, levels=[100])
    with pytest.raises(carecast.ArgumentError, match=r"scenario\['s'\]\['factor'\]"):
        carecast.ssda903.project(
            folder, scenario={"s": {"from": "ifa", "to": "other", "factor": -1}}
        )
    with pytest.raises(carecast.UnknownNameError, match=r"\(to\) \"fostr\""):
        carecast.ssda903.project(
            folder, scenario={"s": {"from": "residential", "to": "fostr", "factor": 2}}
        )
    with pytest.raises(carecast.ArgumentError, match="disclosure"):
        carecast.ssda903.project(folder, disclosure="ons")


def test_cli_project_json_and_disclosure(returns, capsys):
    folder, _ = returns
    args = ["ssda903", "project", str(folder), "--years", "2", "--samples", "100", "--seed", "3"]
    assert main([*args, "--format", "json"]) == 0
    obj = json.loads(capsys.readouterr().out)
    rows = obj["rows"]
    assert obj["seed"] == 3 and len(rows) == 2 * 12
    assert {"period", "placement_type", "provider", "value", "lower_80", "upper_95"} <= set(rows[0])
    df = carecast.ssda903.project(folder, years=2, samples=100, seed=3).to_pandas(every="year")
    assert [r["upper_80"] for r in rows] == [round(v, 1) for v in df["upper_80"]]
    assert main([*args, "--format", "json", "--disclosure", "dfe"]) == 0
    rows = json.loads(capsys.readouterr().out)["rows"]
    for r, (_, exact) in zip(rows, df.iterrows(), strict=True):
        # A row whose estimate is withheld is withheld in its interval columns too.
        row_withheld = r["value"] == "c"
        for col in ("value", "median", "lower_80", "upper_80", "lower_95", "upper_95"):
            v = exact[col]
            whole = int(v + 0.5)
            assert r[col] == ("c" if 1 <= whole <= 5 or row_withheld else whole), (col, r[col], v)
    assert main([*args, "--move", "homes", "ifa", "2"]) == 2
    assert 'placement type or group (from) "homes"' in capsys.readouterr().err


def test_reconcile_against_the_dfe_panel(returns, capsys):
    folder, truth = returns
    df = carecast.ssda903.reconcile(carecast.ssda903.load(folder), council="Derby").to_pandas()
    stock = df[df["group"] == "measure=stock, band=all"].set_index("period")
    for year, n in truth["stock"].items():
        assert stock.loc[f"{year}-03-31", "expected"] == n
    dfe = carecast.datasets.load("dfe:Derby").table("cic_by_age").to_pandas()
    dfe_all = dfe[dfe["band"] == "all"].set_index("period")["value"]
    for period, row in stock.iterrows():
        assert row["found"] == dfe_all[period]
        assert row["status"] == ("pass" if row["found"] == row["expected"] else "fail")
    assert {"measure=admissions, band=all", "measure=discharges, band=all"} <= set(df["group"])
    with pytest.raises(carecast.ArgumentError, match="no LA column"):
        carecast.ssda903.reconcile(folder)
    with pytest.raises(carecast.UnknownNameError, match="Derby"):
        carecast.ssda903.reconcile(folder, council="Derbi")
    assert (
        main(["ssda903", "reconcile", str(folder), "--council", "Derby", "--format", "json"]) == 0
    )
    rows = json.loads(capsys.readouterr().out)["rows"]
    assert len(rows) == len(df)


def _disclosed(v):
    whole = int(v + 0.5)
    return "c" if 1 <= whole <= 5 else whole


#: Columns whose labels locate a row of a derived table.
_LABELS = ("period", "area", "band", "category", "placement", "measure")
#: Tables whose placement types also sum to pools (``export.PLACEMENT_SUMS``): groups
#: cross there, so their withheld cells are checked less exactly (see below).
_POOLED = {"cic_by_placement", "cic_by_placement_monthly"}


def _label(v):
    return "" if v is None or v is pd.NA or (isinstance(v, float) and v != v) else str(v)


def _expected_withheld(e):
    """The rows the documented DfE rule withholds in ``e`` (an exact table whose rows sum
    to a total along at most one label column), written independently of the package.

    Primary: a count rounding to 1 to 5. Secondary: in each group of rows equal in every
    other label and summing to the row labelled ``all`` or ``total``, a group with exactly
    one hidden cell also hides its smallest shown non-zero part (a zero only if no other
    part is shown; the total if no part is left). The groups of one label column are
    disjoint, so one pass settles them. Returns ``(primary, choices)``: the primary rows,
    and for each group that needs a second cell, the rows any of which the rule may take
    (a tie in the smallest count leaves the choice open).
    """
    labels = [[_label(v) for v in e[c]] for c in _LABELS]
    size = [int(v + 0.5) for v in e["value"]]
    primary = {i for i, n in enumerate(size) if 1 <= n <= 5}
    summing = [k for k, col in enumerate(labels) if {"all", "total"} & set(col)]
    assert len(summing) <= 1, summing
    choices = []
    for k in summing:
        groups = {}
        for i in range(len(e)):
            key = tuple(col[i] for j, col in enumerate(labels) if j != k)
            groups.setdefault(key, []).append(i)
        for rows in groups.values():
            totals = [i for i in rows if labels[k][i] in ("all", "total")]
            if len(totals) != 1 or len(rows) < 2 or len(primary & set(rows)) != 1:
                continue
            parts = [i for i in rows if i not in totals and i not in primary]
            nonzero = [i for i in parts if size[i] > 0]
            pool = nonzero or parts
            if pool:
                least = min(size[i] for i in pool)
                choices.append({i for i in pool if size[i] == least})
            elif totals[0] not in primary:
                choices.append(set(totals))
    return primary, choices


def _check_withheld(tid, e, values, lowers, uppers):
    """Assert that disclosed columns ``values``, ``lowers`` and ``uppers`` (one entry per
    row of the exact table ``e``) withhold exactly the cells the DfE rule withholds.

    Returns the number of cells withheld as a second cell."""
    withheld = {i for i, v in enumerate(values) if v == "c"}
    if tid in _POOLED:
        # The pools cross the `all` groups: every primary cell is withheld, and a cell
        # withheld as a second cell sits in a period that has a primary one.
        primary = {i for i, v in enumerate(e["value"]) if 1 <= int(v + 0.5) <= 5}
        assert primary <= withheld, tid
        periods = {_label(e["period"].iloc[i]) for i in primary}
        assert all(_label(e["period"].iloc[i]) in periods for i in withheld - primary), tid
        secondary = len(withheld - primary)
    else:
        primary, choices = _expected_withheld(e)
        picked = withheld - primary
        assert primary <= withheld, (tid, sorted(primary - withheld))
        # One cell from each group that needs one, and nothing else.
        assert len(picked) == len(choices), (tid, sorted(picked), choices)
        for options in choices:
            assert len(picked & options) == 1, (tid, sorted(picked), options)
        secondary = len(picked)
    for i, (v, got) in enumerate(zip(e["value"], values, strict=True)):
        assert got == ("c" if i in withheld else _disclosed(v)), (tid, i, got, v)
    # A withheld estimate takes its interval with it; a shown one's bounds follow the rule.
    for col, shown in (("lower", lowers), ("upper", uppers)):
        for i, (v, got) in enumerate(zip(e[col], shown, strict=True)):
            if pd.isna(v):
                assert got is None or pd.isna(got), (tid, col, i, got)
            else:
                assert got == ("c" if i in withheld else _disclosed(v)), (tid, col, i, got, v)
    return secondary


def _no_lone_hidden(d, tid):
    """No group of one table's rows that sums to its `all` row shows one hidden cell."""
    if "band" not in d or "all" not in set(d["band"]):
        return
    keys = [c for c in ("period", "measure", "category", "placement") if c in d]
    for key, g in d.groupby(keys, dropna=False):
        if "all" in set(g["band"]) and len(g) > 1:
            assert sum(isinstance(v, str) for v in g["value"]) != 1, (tid, key)


def test_disclosure_on_every_derived_table_and_the_audit(returns, capsys):
    folder, _ = returns
    exact = carecast.ssda903.load(folder)
    safe = carecast.ssda903.load(folder, disclosure="dfe")
    assert safe.table_ids == exact.table_ids
    seen_c = 0
    exact_secondary = 0
    frames = {}
    for tid in exact.table_ids:
        e = exact.table(tid).to_pandas()
        d = safe.table(tid).to_pandas()
        assert len(e) == len(d)
        frames[tid] = e
        secondary = _check_withheld(tid, e, *(d[c].tolist() for c in ("value", "lower", "upper")))
        exact_secondary += secondary if tid not in _POOLED else 0
        seen_c += int((d["value"] == "c").sum())
        _no_lone_hidden(d, tid)
        # Nothing from 1 to 5 survives as a number.
        nums = pd.to_numeric(d["value"], errors="coerce")
        assert not nums.between(1, 5).any(), tid
    assert seen_c > 0  # the synthetic return has small cells, so the rule was exercised
    # ... and cells withheld only as second cells, checked exactly against the rule.
    assert exact_secondary > 0
    a, s = exact.audit, safe.audit
    assert [_disclosed(v) for v in a["children"]] == s["children"].tolist()
    # Rows touched by a rule bound the children touched: withheld the same way.
    assert [_disclosed(v) for v in a["rows"]] == s["rows"].tolist()
    assert not pd.to_numeric(s["rows"], errors="coerce").between(1, 5).any()
    # The command line: show and audit under --disclosure dfe.
    for tid in exact.table_ids:
        assert main(["show", f"903:{folder}", tid, "--format", "json", "--disclosure", "dfe"]) == 0
        rows = json.loads(capsys.readouterr().out)["rows"]
        shown = ([r[c] for r in rows] for c in ("value", "lower", "upper"))
        _check_withheld(tid, frames[tid], *shown)
        assert [r["value"] for r in rows] == safe.table(tid).to_pandas()["value"].tolist(), tid
    assert main(["ssda903", "audit", str(folder), "--format", "json", "--disclosure", "dfe"]) == 0
    rows = json.loads(capsys.readouterr().out)["rows"]
    assert [r["children"] for r in rows] == s["children"].tolist()
    assert [r["rows"] for r in rows] == s["rows"].tolist()
    again = pickle.loads(pickle.dumps(safe))
    assert again.disclosure == "dfe" and again.audit.equals(s)
    with pytest.raises(carecast.ArgumentError, match="disclosure"):
        carecast.ssda903.load(folder, disclosure="ons")


def test_project_of_a_disclosed_dataset_keeps_its_rule(returns):
    folder, _ = returns
    safe = carecast.ssda903.load(folder, disclosure="dfe")
    p = carecast.ssda903.project(safe, years=2, samples=100, seed=3)
    exact = carecast.ssda903.project(folder, years=2, samples=100, seed=3).to_pandas(every="year")
    d = p.to_pandas(every="year")
    withheld = (d["value"] == "c").tolist()
    assert d["value"].tolist() == [_disclosed(v) for v in exact["value"]]
    for col in ("lower_80", "upper_95"):
        # A withheld estimate takes its interval with it.
        want = ["c" if w else _disclosed(v) for v, w in zip(exact[col], withheld, strict=True)]
        assert d[col].tolist() == want, col
    # An explicit rule still wins.
    o = carecast.ssda903.project(safe, years=2, samples=100, seed=3, disclosure="none")
    assert o.to_pandas(every="year")["value"].tolist() == exact["value"].tolist()


def _whole(v):
    """``v`` rounded half away from zero."""
    return int(v + 0.5) if v >= 0 else -int(-v + 0.5)


def _check_row_sums(exact, d):
    """Assert that each row of a disclosed reconciliation ``d`` withholds exactly what the
    documented rule does with ``exact``'s row: a count rounding to 1 to 5 in size is
    withheld; if that leaves one of ``expected``, ``difference`` and their sum ``found``
    hidden, the smaller shown non-zero part (a zero part only if no other is shown; else
    ``found``) goes too, either one on a tie. Returns the cells withheld second."""
    cols = ("expected", "difference", "found")
    second = 0
    for i in range(len(exact)):
        exact_row = [exact[c].iloc[i] for c in cols]
        got = {c: d[c].iloc[i] for c in cols}
        if any(pd.isna(v) for v in exact_row):
            continue
        size = {c: abs(_whole(v)) for c, v in zip(cols, exact_row, strict=True)}
        primary = {c for c in cols if 1 <= size[c] <= 5}
        allowed = [primary]
        if len(primary) == 1:
            parts = [c for c in cols[:2] if c not in primary]
            pool = [c for c in parts if size[c] > 0] or parts
            if pool:
                least = min(size[c] for c in pool)
                allowed = [primary | {c} for c in pool if size[c] == least]
            elif "found" not in primary:
                allowed = [primary | {"found"}]
        withheld = {c for c in cols if got[c] == "c"}
        assert withheld in allowed, (i, got, exact_row)
        for c, v in zip(cols, exact_row, strict=True):
            if c not in withheld:
                assert got[c] == _whole(v), (i, c, got[c], v)
        second += len(withheld - primary)
    return second


def test_reconcile_under_disclosure_withholds_small_counts(returns, capsys):
    folder, _ = returns
    exact = carecast.ssda903.reconcile(folder, council="Derby").to_pandas()
    assert set(exact["unit"]) == {"children"}
    safe_ds = carecast.ssda903.load(folder, disclosure="dfe")
    seen_secondary = 0
    for rec in (
        carecast.ssda903.reconcile(folder, council="Derby", disclosure="dfe"),
        carecast.ssda903.reconcile(safe_ds, council="Derby"),
    ):
        d = rec.to_pandas()
        assert len(d) == len(exact)
        for col in ("expected", "found", "difference"):
            for got, v in zip(d[col], exact[col], strict=True):
                if pd.isna(v):
                    assert pd.isna(got), col
            assert not pd.to_numeric(d[col], errors="coerce").abs().between(1, 5).any(), col
        seen_secondary += _check_row_sums(exact, d)
        # Any two of expected, found and difference give the third: never one withheld.
        for _, r in d.iterrows():
            cells = [r["expected"], r["found"], r["difference"]]
            if not any(pd.isna(v) for v in cells):
                assert sum(isinstance(v, str) for v in cells) != 1, r.to_dict()
    small = (
        exact["expected"].between(0.5, 5.5).sum()
        + exact["difference"].abs().between(0.5, 5.5).sum()
    )
    assert small > 0  # the rule was exercised
    assert seen_secondary > 0  # and so was its second cell
    args = ["ssda903", "reconcile", str(folder), "--council", "Derby", "--format", "json"]
    assert main([*args, "--disclosure", "dfe"]) == 0
    rows = json.loads(capsys.readouterr().out)["rows"]
    for col in ("expected", "found", "difference"):
        want = [None if pd.isna(v) else v for v in d[col]]
        assert [r[col] for r in rows] == want, col


def test_project_levels_match_the_cohort_model(returns):
    folder, _ = returns
    from carecast.model import level_label

    levels = [33.3333333, 97.5]
    df = carecast.ssda903.project(folder, years=1, samples=50, seed=2, levels=levels).to_pandas()
    for lv in levels:
        assert {f"lower_{level_label(lv)}", f"upper_{level_label(lv)}"} <= set(df.columns)
    assert "lower_33.3333" in df.columns  # six significant digits, as CohortModel.project
    # The same levels are refused as by CohortModel.project.
    for bad in ([0.8], [100], [80.00000001, 80.00000002], [80, 80], []):
        with pytest.raises(carecast.ArgumentError, match="levels"):
            carecast.ssda903.project(folder, years=1, samples=50, seed=2, levels=bad)


def test_disclosed_results_share_one_pattern_and_pickle(returns):
    folder, _ = returns
    from carecast.ssda903 import DisclosedTable, RecordsReconciliation

    safe = carecast.ssda903.load(folder, disclosure="dfe")
    t = safe.table("cic_by_age")
    assert isinstance(t, DisclosedTable) and t.disclosure == "dfe"
    rec = carecast.ssda903.reconcile(safe, council="Derby")
    assert isinstance(rec, RecordsReconciliation) and rec.disclosure == "dfe"
    for obj in (t, rec):
        back = pickle.loads(pickle.dumps(obj))
        assert type(back) is type(obj) and back.disclosure == obj.disclosure
        pd.testing.assert_frame_equal(back.to_pandas(), obj.to_pandas())
    # The defaults: a table made from records is disclosed, a reconciliation is not.
    assert DisclosedTable(t._native).disclosure == "dfe"
    assert RecordsReconciliation(rec._native).disclosure == "none"
    exact = RecordsReconciliation(rec._native).to_pandas()
    assert (exact["unit"] == "children").all() and "c" not in set(map(str, exact["expected"]))
    assert (t.to_pandas()["unit"] == safe.table("cic_by_age")._native.columns()["unit"]).all()


def test_a_disclosure_of_none_is_rule_none(returns):
    """Only an omitted rule takes a class's default: ``None`` is rule ``"none"``, as it was
    before the disclosure mixin, for a table made from records and a reconciliation."""
    folder, _ = returns
    from carecast.ssda903 import DisclosedTable, RecordsReconciliation

    exact = carecast.ssda903.load(folder)
    t = exact.table("discharges_by_duration")  # it has counts of 1 to 5 for this seed
    plain = DisclosedTable(t._native, None)
    assert plain.disclosure == "none"
    pd.testing.assert_frame_equal(plain.to_pandas(), t.to_pandas())
    assert "c" in set(DisclosedTable(t._native).to_pandas()["value"])  # the default is dfe
    rec = carecast.ssda903.reconcile(folder, council="Derby")
    assert RecordsReconciliation(rec._native, None).disclosure == "none"


def test_unknown_disclosure_is_one_error_everywhere(returns):
    folder, _ = returns
    from carecast import export

    errors = []
    for call in (
        lambda: export.disclose(pd.DataFrame({"value": [1.0]}), "ons"),
        lambda: export.disclosure_control("ons").__enter__(),
        lambda: carecast.ssda903.load(folder, disclosure="ons"),
        lambda: carecast.ssda903.reconcile(folder, council="Derby", disclosure="ons"),
    ):
        with pytest.raises(carecast.ArgumentError) as e:
            call()
        errors.append(e.value)
    assert all(isinstance(e, ValueError) for e in errors)
    assert {str(e) for e in errors} == {"disclosure='ons': expected one of 'none', 'dfe'"}
    assert {(e.kind, e.argument) for e in errors} == {("invalid_argument", "disclosure")}


def test_capped_drawn_rates_are_warned_about(tmp_path, capsys):
    # A tiny return: few child-months per state, so some paths draw monthly probabilities
    # of leaving that add up to more than one; each capped state is named, never silent.
    carecast.ssda903.synthesize(str(tmp_path), seed=1, admissions_per_year=5)
    with pytest.warns(carecast.CarecastWarning, match="scaled down to one") as record:
        p = carecast.ssda903.project(str(tmp_path), years=1, samples=500, seed=1)
    assert p.warnings, "no capped state reported"
    assert len(p.warnings) == len([w for w in record if "scaled down to one" in str(w.message)])
    bands = ("under 1", "1-4", "5-9", "10-15", "16-17")
    assert all(w.startswith(bands) and "of 500 paths" in w for w in p.warnings)
    # A pickle made before `warnings` existed loads with none.
    old = pickle.loads(pickle.dumps(p))
    del old.__dict__["warnings"]
    assert pickle.loads(pickle.dumps(old)).warnings == []
    assert pickle.loads(pickle.dumps(p)).warnings == p.warnings
    # The command line says it on stderr.
    assert (
        main(
            [
                "ssda903",
                "project",
                str(tmp_path),
                "--years",
                "1",
                "--samples",
                "500",
                "--seed",
                "1",
                "--format",
                "json",
            ]
        )
        == 0
    )
    assert "scaled down to one" in capsys.readouterr().err
