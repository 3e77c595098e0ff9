import json
import pickle

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
