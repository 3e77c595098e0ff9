"""The sufficiency report: contents, workbook, offline HTML and a real-browser render."""

import io
import json
import re
import shutil
import subprocess
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

import carecast
from carecast import _progress, export
from carecast.cli import main
from carecast.report import assumptions_frame, care_leavers_frame, caveats_frame

ROOT = Path(__file__).resolve().parents[1]
ARTEFACTS = ROOT / "target" / "report-artefacts"
FAST = {"samples": 100, "backtest_samples": 30}


@pytest.fixture(scope="module")
def derbyshire(tmp_path_factory):
    out = tmp_path_factory.mktemp("report")
    return carecast.report(
        "derbyshire", out, scenario=ROOT / "scenarios" / "recruit_60_carers.toml", **FAST
    )


def test_derbyshire_has_every_section_and_chart(derbyshire):
    r = derbyshire
    assert [s["key"] for s in r.sections] == [
        "children",
        "placements",
        "spend",
        "leavers",
        "scenario",
        "accuracy",
        "assumptions",
        "caveats",
    ]
    assert all(s["available"] for s in r.sections), [s["reason"] for s in r.sections]
    assert set(r.charts) == {
        "stock",
        "fan",
        "capacity_fostering",
        "capacity_residential",
        "spend",
        "care_leavers",
        "scenario_spend",
        "scenario_fostering",
        "backtest",
    }
    # Every chart is an inline SVG inside its figure.
    for name in r.charts:
        m = re.search(rf"<figure class='chart' id='chart-{name}'[^>]*><svg", r.html)
        assert m, name
    assert "national-backtest" in r.html  # the slot for the national backtest


def test_html_is_self_contained(derbyshire):
    text = derbyshire.html_path.read_text(encoding="utf-8")
    # No script, stylesheet or image is fetched: every src/href is internal or data.
    for attr in re.findall(r"""(?:src|href)\s*=\s*["']([^"']*)["']""", text):
        assert attr.startswith(("#", "data:")), attr
    assert "<script" not in text
    assert "@import" not in text and "url(http" not in text


def test_workbook_holds_the_same_tables_with_units(derbyshire):
    r = derbyshire
    wb = openpyxl.load_workbook(r.excel_path)
    assert wb.sheetnames == ["contents", *r.tables]
    assert [c.value for c in wb["contents"]["A"]][1:] == list(r.tables)
    ws = wb["children_in_care"]
    header = [c.value for c in ws[1]]
    assert header[:4] == ["year", "period", "band", "value (children)"]
    assert "lower_80 (children)" in header and "unit" in header
    df = r.tables["children_in_care"]
    first = [c.value for c in ws[2]]
    assert first[0] == int(df["year"].iloc[0]) and first[3] == pytest.approx(df["value"].iloc[0])
    # Values are rounded for display: no floating-point noise.
    for v in df["value"]:
        assert v == round(v, 1)
    spend = [c.value for c in wb["spend"][1]]
    assert "All placements (pounds)" in spend and "Independent fostering agencies (pounds)" in spend


def test_children_table_joins_history_and_forecast(derbyshire):
    df = derbyshire.tables["children_in_care"]
    pub = df[(df["source"] == "published") & (df["band"] == "all")]
    assert pub.set_index("year")["value"].to_dict() == {2014: 628, 2015: 603, 2016: 585, 2017: 630}
    proj = df[(df["source"] == "projected") & (df["band"] == "all")]
    assert proj["year"].tolist() == list(range(2018, 2028))
    assert (proj["lower_90"] <= proj["lower_80"]).all()
    assert (proj["lower_80"] <= proj["median"]).all() and (proj["median"] <= proj["upper_80"]).all()


def test_derby_says_why_spend_is_missing_and_borrows(tmp_path):
    r = carecast.report("derby", tmp_path, **FAST)
    s = r.section("spend")
    assert not s["available"] and "unit costs" in s["reason"]
    assert "Not available for this dataset" in r.html
    r2 = carecast.report("derby", unit_costs_from="derbyshire", inflation=2, **FAST)
    assert r2.section("spend")["available"]
    assert (r2.tables["spend"]["unit"] == "pounds").all()


def test_dataset_without_model_inputs_still_reports(tmp_path):
    r = carecast.report("d2n2", tmp_path)
    avail = {s["key"]: s["available"] for s in r.sections}
    assert avail["children"] is False and avail["caveats"] is True
    assert "neither `cic_by_age`" in r.section("children")["reason"]
    # What the tables do publish is still shown: D2N2's 2,877 children at 31 March 2019.
    pub = r.tables["published_children_in_care"]
    assert 2877 in pub[(pub["table"] == "d2n2_cla")]["value"].tolist()
    assert r.html_path.exists() and r.excel_path.exists()
    rec = r.tables["reconciliation_failures"]
    assert len(rec) == carecast.datasets.load("d2n2").reconcile().counts()["fail"]


def test_user_folder(tmp_path):
    folder = tmp_path / "my_council"
    shutil.copytree(ROOT / "crates" / "carecast" / "data" / "derby", folder)
    r = carecast.report(str(folder), tmp_path / "out", **FAST)
    assert r.section("children")["available"]
    assert r.html_path.name.endswith("_report.html")


def test_assumptions_frame_is_tidy():
    m = carecast.CohortModel.fit("derbyshire")
    p = m.project(years=3)
    df = assumptions_frame(p, m)
    assert list(df.columns) == ["what", "band", "year", "value", "unit", "source"]
    adm = df[df["what"] == "admissions per year"]
    # One row per band and projected year, matching what the projection used.
    assert len(adm) == 5 * 3
    used = p.assumptions["admissions_used"]
    assert adm[adm["year"] == 2019]["value"].tolist() == pytest.approx(used[1])
    pl = carecast.placements("derbyshire", years=2, inflation=2)
    costs = assumptions_frame(pl, m)
    ifa = costs[costs["what"] == "unit cost: Independent fostering agencies"].iloc[0]
    assert ifa["value"] == 44000 and ifa["unit"] == "pounds a year" and ifa["year"] == 2017
    with pytest.raises(carecast.ArgumentError, match="Projection, Placements or Comparison"):
        assumptions_frame("derbyshire")


def test_care_leavers_and_caveats():
    m = carecast.CohortModel.fit("derbyshire")
    ds = carecast.datasets.load("derbyshire")
    new, cohorts, why = care_leavers_frame(m, m.project(years=4), ds)
    assert why == "" and len(new) == 4
    assert cohorts.groupby("year")["value"].sum().iloc[0] == 608  # published opening, 2017
    cav = caveats_frame(ds)
    assert cav[cav["status"] == "suppressed"]["cells"].sum() > 0


def test_cli_report_writes_files_and_progress(tmp_path, capsys, monkeypatch):
    # Progress is printed for work over QUIET_BELOW seconds; 0 makes the test independent
    # of how fast the machine is.
    monkeypatch.setattr(_progress, "QUIET_BELOW", 0.0)
    code = main(["report", "derby", "--out", str(tmp_path), "--samples", "50", "--format", "json"])
    out = capsys.readouterr()
    assert code == 0
    obj = json.loads(out.out)
    assert Path(obj["html"]).exists() and Path(obj["excel"]).exists()
    assert {r["section"] for r in obj["rows"]} >= {"Data caveats"}
    # Progress goes to stderr, one line per step.
    assert "carecast: backtest" in out.err
    assert main(["report", "derby"]) == 2
    assert "needs --out" in capsys.readouterr().err


def test_export_rounds_and_labels_periods():
    df = pd.DataFrame(
        {
            "year": ["2016/17", "2017/18"],
            "placement": ["all", "fostering"],
            "measure": ["spend", "in_house_share"],
            "value": [753.0000000000001, 29.99999999999995],
        }
    )
    c = export.clean(df)
    assert c.columns.tolist() == ["year", "period", "placement", "measure", "value", "unit"]
    assert c["year"].tolist() == [2017, 2018] and c["period"].tolist() == ["2016/17", "2017/18"]
    assert c["unit"].tolist() == ["pounds", "percent"]
    assert c["value"].tolist() == [753.0, 30.0]
    assert df["value"].iloc[0] == 753.0000000000001  # the frame keeps full precision


# ---------------------------------------------------------------------------------------
# A real browser


def _chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    pytest.skip(
        "no headless Chromium: scripts/setup.sh installs the Debian package `chromium` "
        "when run as root; install it with `apt-get install chromium` to run this test"
    )


# Injected into a copy of the report: once the page has loaded, log each chart's drawn size,
# and an error for any image that did not load (Chromium does not log those to stderr).
_PROBE = """<script>window.addEventListener("load", () => {
  const sizes = [...document.querySelectorAll("figure.chart")].map(f => {
    const el = f.querySelector("svg, img"); const r = el ? el.getBoundingClientRect() : null;
    return [f.dataset.chart, r ? Math.round(r.width) : 0, r ? Math.round(r.height) : 0];
  });
  for (const img of document.images) {
    if (!img.complete || img.naturalWidth === 0) console.error("image not loaded: " + img.src);
  }
  console.log("CHARTS:" + JSON.stringify(sizes));
});</script>"""


def render(html_file: Path, screenshot: Path) -> tuple[list[list], list[str]]:
    """Open a page in headless Chromium; return the charts' drawn sizes and other console lines."""
    exe = _chromium()
    probe = html_file.with_name(html_file.stem + "_probe.html")
    probe.write_text(
        html_file.read_text(encoding="utf-8").replace("</body>", _PROBE + "</body>"),
        encoding="utf-8",
    )
    base = [exe, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars"]
    url = probe.resolve().as_uri()
    res = subprocess.run(
        [*base, "--enable-logging=stderr", "--v=0", "--dump-dom", url],
        capture_output=True,
        text=True,
        timeout=120,
    )
    console = [ln for ln in res.stderr.splitlines() if ":CONSOLE" in ln]
    sizes = None
    others = []
    for ln in console:
        m = re.search(r'"CHARTS:(.*)", source:', ln)
        if m:
            sizes = json.loads(m.group(1))
        else:
            others.append(ln)
    assert sizes is not None, f"the page did not finish loading: {res.stderr[-2000:]}"
    screenshot.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [*base, "--window-size=1280,6000", f"--screenshot={screenshot}", html_file.as_uri()],
        capture_output=True,
        timeout=120,
        check=True,
    )
    return sizes, others


def test_browser_renders_report_without_console_errors(derbyshire):
    shot = ARTEFACTS / "derbyshire_report.png"
    if shot.exists():
        shot.unlink()
    sizes, errors = render(derbyshire.html_path, shot)
    assert errors == []
    assert sorted(s[0] for s in sizes) == sorted(derbyshire.charts)
    for name, w, h in sizes:
        assert w > 300 and h > 150, (name, w, h)
    assert shot.exists() and shot.stat().st_size > 50_000


def test_browser_check_catches_errors_and_missing_charts(tmp_path):
    page = tmp_path / "broken.html"
    page.write_text(
        "<html><body><figure class='chart' data-chart='x'></figure>"
        "<img src='missing.png'><script>console.error('boom')</script></body></html>"
    )
    sizes, errors = render(page, tmp_path / "broken.png")
    assert sizes == [["x", 0, 0]]
    assert any("boom" in e for e in errors)
    assert any("image not loaded" in e and "missing.png" in e for e in errors)


def test_scenario_for_another_council_is_an_error_naming_the_file():
    with pytest.raises(carecast.ScenarioError, match="recruit_60_carers.toml.*base_year"):
        carecast.report("derby", scenario=ROOT / "scenarios" / "recruit_60_carers.toml", **FAST)


@pytest.mark.parametrize("sheet", ["children_in_care", "spend", "scenario", "backtest_scores"])
def test_workbook_and_csv_hold_the_same_values(derbyshire, sheet):
    df = derbyshire.tables[sheet]
    from_csv = pd.read_csv(io.StringIO(export.to_csv(df)))
    from_xlsx = pd.read_excel(derbyshire.excel_path, sheet_name=sheet)
    # Excel headers carry units ("value (children)"); the CSV's are the frame's names.
    assert [export.header(df, c) for c in df.columns] == list(from_xlsx.columns)
    from_xlsx.columns = from_csv.columns
    pd.testing.assert_frame_equal(from_xlsx, from_csv, check_dtype=False)
    # And the JSON records of the CLI's convention are the same rows.
    rows = json.loads(export.to_json(df))["rows"]
    assert len(rows) == len(from_csv) and list(rows[0]) == list(from_csv.columns)


def test_headlines_come_from_the_results(derbyshire):
    h = derbyshire.headlines
    assert h[0] == "630 children in care at 31 March 2017 (published)."
    # The same projection as the report's (the core's default assumptions, same paths and
    # seed), at full precision.
    p = carecast.CohortModel.fit("derbyshire").project(years=10, samples=100, seed=0)
    df = p.to_pandas().query("measure == 'stock' and band == 'all' and period == '2021/22'")
    row = df.iloc[0]
    assert h[1] == (
        f"{row['value']:,.0f} forecast at 31 March 2022 (80% interval "
        f"{row['lower_80']:,.0f} to {row['upper_80']:,.0f})."
    )
    assert any(x.startswith("Fostering in 2021/22:") for x in h)
    assert any(x.startswith("Scenario 'Recruit 60") and "less spend" in x for x in h)
    assert "At a glance" in derbyshire.html


def test_report_for_a_dfe_council(tmp_path):
    # A council known only from the DfE's statistics: the forecast sections are drawn, and the
    # sections that need the council's own tables say what is missing instead of failing.
    rep = carecast.report("dfe:Nottinghamshire", tmp_path, samples=50, backtest_samples=20)
    html = rep.html
    assert rep.html_path is not None and rep.html_path.exists()
    assert "Nottinghamshire" in html and html.count("<svg") >= 3
    sections = {s["title"]: s for s in rep.sections}
    assert sections["Children in care by age: history and forecast"]["charts"] == ["stock", "fan"]
    assert all(s["available"] or s["reason"] for s in sections.values())


# --- disclosure control of charts and headlines ------------------------------------------

# A count printed in text: not a year, period, band, percentage or amount of pounds.
_COUNT = re.compile(r"(?<![\w./%£-])(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?(?![\w/%-]|\.\d)")


def _counts_in(text: str) -> list[str]:
    out = []
    for m in _COUNT.finditer(text):
        tok = m.group(0)
        if m.group(2) is None and len(tok) == 4 and tok[:2] in ("19", "20"):
            continue
        out.append(tok)
    return out


def _follows_dfe(tok: str) -> bool:
    v = float(tok.replace(",", ""))
    return v.is_integer() and (v == 0 or v > export.DFE_SMALL_MAX)


@pytest.fixture(scope="module")
def derbyshire_dfe(tmp_path_factory):
    out = tmp_path_factory.mktemp("report_dfe")
    return carecast.report(
        "derbyshire",
        out,
        scenario=ROOT / "scenarios" / "recruit_60_carers.toml",
        disclosure="dfe",
        **FAST,
    )


def test_dfe_headlines_follow_the_rule(derbyshire, derbyshire_dfe):
    assert len(derbyshire_dfe.headlines) == len(derbyshire.headlines)
    for h in derbyshire_dfe.headlines:
        assert all(_follows_dfe(t) for t in _counts_in(h.split("£")[0])), h


def test_dfe_chart_text_follows_the_rule(derbyshire, derbyshire_dfe):
    # The text matplotlib prints in each chart (kept as comments in the SVG). The scenario
    # chart's "N more" is a count with a decimal without a rule.
    def texts(r, name):
        m = re.search(rf"<figure class='chart' id='chart-{name}'.*?</figure>", r.html, re.S)
        assert m, name
        return re.findall(r"<!-- (.*?) -->", m.group(0))

    plain = " ".join(texts(derbyshire, "scenario_fostering"))
    assert re.search(r"\d+\.\d more", plain), plain
    for name in derbyshire_dfe.charts:
        for t in texts(derbyshire_dfe, name):
            if "more" in t or "less" in t or ": " in t:
                assert all(_follows_dfe(x) for x in _counts_in(t)), (name, t)
    assert re.search(r"\b\d+ more", " ".join(texts(derbyshire_dfe, "scenario_fostering")))


def test_disclose_axes_rounds_every_drawn_count():
    from matplotlib.figure import Figure

    ax = Figure().add_subplot()
    ax.plot([1, 2, 3], [10.4, 20.5, 630.49], label="stock")
    ax.fill_between([1, 2, 3], [8.6, 17.2, 600.5], [12.2, 24.9, 660.1])
    ax.bar([1, 2], [7.6, 9.4], bottom=[10.2, 10.2])
    ax.scatter([1, 2], [11.5, 12.4], label="target: 12.4 children")
    ax.annotate("2019/20: 630.49 (80% interval 7.2 to 9.6; 1-4 band)", (3, 630))
    ax.legend()
    assert export.disclose_axes(ax, "dfe") is None
    assert ax.lines[0].get_ydata().tolist() == [10, 21, 630]
    fill = ax.collections[0].get_paths()[0].vertices[:, 1]
    assert set(fill.tolist()) <= {9.0, 17.0, 601.0, 12.0, 25.0, 660.0}
    bars = [(p.get_y(), p.get_height()) for p in ax.patches]
    assert bars == [(10, 8), (10, 10)]
    assert ax.collections[1].get_offsets()[:, 1].tolist() == [12, 12]
    assert ax.texts[0].get_text() == "2019/20: 630 (80% interval 7 to 10; 1-4 band)"
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["stock", "target: 12 children"]
    # Without a rule nothing changes.
    ax2 = Figure().add_subplot()
    ax2.plot([1, 2], [2.4, 3.6])
    assert export.disclose_axes(ax2, "none") is None
    assert ax2.lines[0].get_ydata().tolist() == [2.4, 3.6]


def test_chart_that_would_draw_1_to_5_is_withheld():
    from carecast.report import _Builder

    for rule, drawn in (("dfe", False), ("none", True)):
        b = _Builder(None, rule)
        b.open("children")
        b.chart("children", "small", "caption", lambda ax: ax.plot([2019, 2020], [12.0, 4.6]))
        b.chart("children", "pounds", "caption", lambda ax: ax.plot([1, 2], [3, 4]), counts=False)
        html = "".join(b.parts["children"])
        assert ("small" in b.charts) is drawn
        assert "pounds" in b.charts
        assert ("withheld under disclosure control (dfe)" in html) is not drawn
        assert "4.6" not in html and "<svg" in html


def _tick_labels(values, rule):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure()
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    ax.plot(range(len(values)), values)
    assert export.disclose_axes(ax, rule) is None
    fig.canvas.draw()
    return [t.get_text().replace("\u2212", "-") for t in ax.yaxis.get_ticklabels()]


@pytest.mark.parametrize("values", [[0, 40], [0, 8], [6, 7], [-20, 30], [600.4, 660.2]])
def test_dfe_chart_tick_labels_never_read_1_to_5(values):
    labels = [t for t in _tick_labels(values, "dfe") if t]
    assert labels, values
    for t in labels:
        v = float(t.replace(",", ""))
        # Whole numbers only, and none from 1 to 5 beside a drawn line.
        assert v.is_integer() and not 1 <= abs(v) <= export.DFE_SMALL_MAX, (values, labels)
    # Without a rule the axis is matplotlib's own: [0, 8] is labelled 0, 1, 2, ...
    if values == [0, 8]:
        assert "2" in _tick_labels(values, "none")


def test_assumptions_name_the_models_bands_when_the_output_has_others() -> None:
    from carecast.report import assumptions_frame

    m = carecast.CohortModel.fit("derbyshire")
    model_bands = ["under 1", "1-4", "5-9", "10-15", "16-17"]
    for what in ("admissions per year", "discharge rate a year"):
        # Output bands "all": the per-band assumptions keep the model's band labels.
        df = assumptions_frame(m.project(years=2, bands="all"), m)
        assert list(dict.fromkeys(df[df.what == what].band)) == model_bands
        # Without the model they are numbered, never named after their values.
        df = assumptions_frame(m.project(years=2, bands="all"))
        assert list(dict.fromkeys(df[df.what == what].band)) == [f"band {i}" for i in range(1, 6)]
