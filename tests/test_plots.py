import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.axes import Axes  # noqa: E402

import carecast  # noqa: E402
from carecast import plots  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
from carecast._carecast import ArgumentError  # noqa: E402

DFE = ["under 1", "1-4", "5-9", "10-15", "16-17"]
LEVELS = {80: 1.2816, 95: 1.96}


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def model():
    return carecast.CohortModel.fit("derbyshire")


@pytest.fixture(scope="module")
def projection(model):
    return model.project(years=5)


@pytest.fixture(scope="module")
def leavers():
    opening = {19: 84, 20: 92, 21: 94, 22: 110, 23: 80, 24: 74, 25: 74}
    return carecast.project_care_leavers(2017, opening, {2018: 92, 2019: 87, 2020: 85, 2021: 88})


def with_intervals(df):
    """Add lower_/upper_ columns the way a sampled projection carries them."""
    df = df[df["measure"] == "stock"].copy()
    h = df.groupby("band").cumcount().to_numpy() + 1
    for lv, z in LEVELS.items():
        sd = 1.5 * np.sqrt(df["value"].to_numpy() * h)
        df[f"lower_{lv}"] = np.clip(df["value"].to_numpy() - z * sd, 0, None)
        df[f"upper_{lv}"] = df["value"].to_numpy() + z * sd
    return df


def placements_frame():
    years = [f"{y}/{(y + 1) % 100:02d}" for y in range(2017, 2023)]
    rows = []
    for i, y in enumerate(years):
        demand, cap = 420 + 10 * i, 360
        inh = min(demand, cap) - 10
        rows += [
            (y, "fostering", "demand", demand),
            (y, "fostering", "capacity", cap),
            (y, "fostering", "in_house", inh),
            (y, "fostering", "external", demand - inh),
            (y, "residential", "demand", 60 + i),
            (y, "residential", "capacity", 20),
            (y, "residential", "in_house", 19),
            (y, "residential", "external", 41 + i),
        ]
        for j, code in enumerate(plots.PLACEMENT_LABELS):
            rows.append((y, code, "spend", (j + 1) * 1.0e6 * (1 + 0.04 * i)))
    return pd.DataFrame(rows, columns=["year", "placement", "measure", "value"])


def backtest_frame():
    actual = {2014: 628, 2015: 603, 2016: 585, 2017: 630, 2018: 650}
    rows = []
    for method, drift in [("held", 0.0), ("trend", -8.0)]:
        for origin in (2014, 2015, 2016):
            for h in (1, 2):
                y = origin + h
                f = actual[origin] + drift * h
                row = dict(
                    method=method,
                    origin=origin,
                    horizon=h,
                    period=f"{y - 1}/{y % 100:02d}",
                    band="all",
                    forecast=f,
                    actual=float(actual[y]),
                )
                for lv, z in LEVELS.items():
                    row[f"lower_{lv}"] = f - z * 20 * h**0.5
                    row[f"upper_{lv}"] = f + z * 20 * h**0.5
                rows.append(row)
    return pd.DataFrame(rows)


def legend_texts(ax):
    return [t.get_text() for t in ax.get_legend().get_texts()]


def bar_counts(ax):
    return [len(c) for c in ax.containers]


def save(ax, tmp_path, name):
    path = tmp_path / f"{name}.png"
    ax.figure.savefig(path, dpi=60)
    assert path.stat().st_size > 5000
    return path


# --- import hygiene ----------------------------------------------------------------------


def test_import_carecast_does_not_import_matplotlib():
    code = "import carecast, sys; assert 'matplotlib' not in sys.modules; carecast.plots.stock"
    subprocess.run([sys.executable, "-c", code], check=True)


def test_missing_matplotlib_says_how_to_install():
    code = textwrap.dedent(
        """
        import sys
        sys.modules["matplotlib"] = None
        sys.modules["matplotlib.pyplot"] = None
        import carecast
        m = carecast.CohortModel.fit("derby")
        try:
            carecast.plots.stock(m.project(years=2), m)
        except ImportError as e:
            assert "pip install matplotlib" in str(e), e
        else:
            raise SystemExit("no ImportError")
        """
    )
    subprocess.run([sys.executable, "-c", code], check=True)


# --- stock -------------------------------------------------------------------------------


def test_stock_every_band(model, projection, tmp_path):
    ax = plots.stock(projection, model)
    assert isinstance(ax, Axes)
    # History and projection per band and the total: 2 lines each.
    assert len(ax.lines) == 2 * (len(DFE) + 1) + 1  # + the dashed separator
    assert legend_texts(ax) == ["Under 1"] + [f"Aged {b}" for b in DFE[1:]] + ["All children"]
    assert ax.get_ylabel() == "Children in care at 31 March"
    assert ax.get_ylim()[0] == 0
    labels = [t.get_text() for t in ax.get_xticklabels()]
    assert "2012/13" in labels and "2021/22" in labels
    assert "published and projected" in ax.get_title()
    # The total's history: the first year's opening, then each published closing.
    total = ax.lines[2 * len(DFE)]
    assert list(total.get_xdata()) == [2013, 2014, 2015, 2016, 2017]
    assert list(total.get_ydata()) == [664, 628, 603, 585, 630]
    # The projection starts from the last published 31 March.
    proj_total = ax.lines[2 * len(DFE) + 1]
    assert proj_total.get_xdata()[0] == 2017 and proj_total.get_ydata()[0] == 630
    save(ax, tmp_path, "stock")


def test_stock_one_band_and_frame_input(model, projection):
    ax = plots.stock(projection.to_pandas(), model.calibration(), band="10-15")
    assert legend_texts(ax) == ["Aged 10-15"]
    assert "aged 10-15" in ax.get_title()
    ax = plots.stock(projection)  # projection only: no separator, nothing published
    assert len(ax.lines) == len(DFE) + 1


def test_stock_totals_only_council():
    m = carecast.CohortModel.fit("derby")
    ax = plots.stock(m.project(years=3), m)
    assert legend_texts(ax) == ["All children"]
    assert len(ax.lines) == 3  # published, projected, separator


def test_stock_honours_ax(model, projection):
    fig, axes = plt.subplots(1, 2)
    out = plots.stock(projection, model, ax=axes[1])
    assert out is axes[1]
    assert len(axes[0].lines) == 0 and len(axes[1].lines) > 0
    assert len(plt.get_fignums()) == 1


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"band": "teens"}, r"`band` = 'teens'"),
        ({"projection": pd.DataFrame({"year": [1], "value": [1.0]})}, r"`projection`.*band"),
        ({"projection": [1, 2, 3]}, r"`projection`.*list"),
        ({"model": "derbyshire"}, r"`model`.*str"),
    ],
)
def test_stock_bad_input(model, projection, kwargs, match):
    args = {"projection": projection, "model": model, **kwargs}
    with pytest.raises(ArgumentError, match=match):
        plots.stock(**args)
    assert issubclass(ArgumentError, carecast.CarecastError)


# --- fan ---------------------------------------------------------------------------------


def test_fan(model, projection, tmp_path):
    df = with_intervals(projection.to_pandas())
    ax = plots.fan(df, model=model)
    assert isinstance(ax, Axes)
    assert len(ax.collections) == 2  # one shaded band per level
    assert legend_texts(ax) == ["95% interval", "80% interval", "Central projection", "Published"]
    # The wider level is the lighter one.
    alphas = [c.get_alpha() for c in ax.collections]
    assert alphas[0] < alphas[1]
    assert ax.get_ylim()[0] == 0
    save(ax, tmp_path, "fan")
    ax = plots.fan(df, band="16-17")
    assert "aged 16-17" in ax.get_title()
    assert legend_texts(ax) == ["95% interval", "80% interval", "Central projection"]


def test_fan_honours_ax(projection):
    df = with_intervals(projection.to_pandas())
    fig, ax = plt.subplots()
    assert plots.fan(df, ax=ax) is ax
    assert len(ax.collections) == 2


def test_fan_single_level():
    df = pd.DataFrame(
        {
            "year": ["2024/25", "2025/26"],
            "period": ["2024/25", "2025/26"],
            "band": "all",
            "measure": "admissions",
            "value": [230.0, 235.0],
            "lower_90": [200.0, 195.0],
            "upper_90": [260.0, 275.0],
        }
    )
    ax = plots.fan(df, measure="admissions")
    assert legend_texts(ax) == ["90% interval", "Central projection"]
    assert ax.get_ylabel() == "Children admitted in the year"


def test_fan_bad_input(projection):
    with pytest.raises(ArgumentError, match=r"`projection`.*samples="):
        plots.fan(projection)
    df = with_intervals(projection.to_pandas())
    with pytest.raises(ArgumentError, match=r"`band` = 'teens'"):
        plots.fan(df, band="teens")
    with pytest.raises(ArgumentError, match=r"`measure` = 'spend'"):
        plots.fan(df, measure="spend")


# --- capacity ----------------------------------------------------------------------------


class Placements:
    """Stands in for the placement projection object."""

    def __init__(self, df):
        self._df = df

    def to_pandas(self):
        return self._df


def test_capacity(tmp_path):
    df = placements_frame()
    ax = plots.capacity(df, base_year=2019)
    assert isinstance(ax, Axes)
    assert bar_counts(ax) == [6, 6]  # in-house and external bars for six years
    in_house, external = ax.containers
    # External bars are stacked on top of the in-house ones.
    assert external[0].get_y() == in_house[0].get_height()
    assert in_house[0].get_height() + external[0].get_height() == 420
    assert legend_texts(ax) == [
        "Children needing fostering",
        # Capacity says which capacity it is: children, not approved places.
        "In-house capacity:\nchildren in-house carers can take",
        "Placed in-house",
        "Placed externally (IFAs)",
    ]
    assert ax.get_ylabel() == "Children placed at 31 March" and ax.get_ylim()[0] == 0
    assert [t.get_text() for t in ax.get_xticklabels()][0] == "2017/18"
    save(ax, tmp_path, "capacity")
    ax = plots.capacity(Placements(df), pool="residential")
    assert "Residential" in ax.get_title()
    assert "Placed externally (private homes)" in legend_texts(ax)


def test_capacity_without_demand_lines_and_ax():
    df = placements_frame()
    df = df[~df["measure"].isin(["demand", "capacity"])]
    fig, ax = plt.subplots()
    assert plots.capacity(df, ax=ax) is ax
    assert len(ax.lines) == 0 and bar_counts(ax) == [6, 6]


def test_capacity_bad_input():
    df = placements_frame()
    with pytest.raises(ArgumentError, match=r"`pool` = 'kinship'.*fostering"):
        plots.capacity(df, pool="kinship")
    with pytest.raises(ArgumentError, match=r"`placements`.*missing columns \['placement'\]"):
        plots.capacity(df.drop(columns="placement"))
    with pytest.raises(ArgumentError, match=r"`placements`.*in_house"):
        plots.capacity(df[df["measure"] != "in_house"])
    with pytest.raises(ArgumentError, match=r"more than one 'demand' row"):
        plots.capacity(pd.concat([df, df.head(1)]))
    with pytest.raises(ArgumentError, match=r"`placements`.*'next year'"):
        plots.capacity(df.replace({"2018/19": "next year"}))
    with pytest.raises(ArgumentError, match=r"`placements`.*int"):
        plots.capacity(42)


# --- spend -------------------------------------------------------------------------------


def test_spend(tmp_path):
    df = placements_frame()
    ax = plots.spend(df)
    assert isinstance(ax, Axes)
    assert bar_counts(ax) == [6] * len(plots.PLACEMENT_LABELS)
    texts = legend_texts(ax)
    assert texts[-1] == "In-house fostering"  # legend reads top of the stack first
    assert "Independent fostering agencies" in texts
    assert ax.get_ylabel() == "Spend (£ per year)"
    fmt = ax.yaxis.get_major_formatter()
    assert fmt(20e6, 0) == "£20m" and fmt(2.5e6, 0) == "£2.5m"
    assert ax.get_ylim()[0] == 0
    save(ax, tmp_path, "spend")


def test_spend_groups_and_thousands():
    df = placements_frame()
    ax = plots.spend(Placements(df), by="provider")
    assert legend_texts(ax) == ["Other placements", "External providers", "In-house provision"]
    small = df[df["measure"] == "spend"].assign(value=lambda d: d["value"] / 1000)
    fig, ax = plt.subplots()
    assert plots.spend(small, by="pool", ax=ax) is ax
    assert ax.yaxis.get_major_formatter()(20e3, 0) == "£20k"
    assert bar_counts(ax) == [6, 6, 6]


def test_spend_bad_input():
    df = placements_frame()
    with pytest.raises(ArgumentError, match=r"`by` = 'age'"):
        plots.spend(df, by="age")
    with pytest.raises(ArgumentError, match=r"`placements`.*'spend'"):
        plots.spend(df[df["measure"] != "spend"])
    with pytest.raises(ArgumentError, match=r"`placements`.*missing columns \['value'\]"):
        plots.spend(df.drop(columns="value"))


# --- care leavers ------------------------------------------------------------------------


def test_care_leavers_from_project_care_leavers(leavers, tmp_path):
    ax = plots.care_leavers(leavers)
    assert isinstance(ax, Axes)
    assert bar_counts(ax) == [5] * 7  # ages 19-25, five years
    assert legend_texts(ax)[0] == "25" and legend_texts(ax)[-1] == "19"
    assert ax.get_legend().get_title().get_text() == "Age at 31 March"
    # Stacked to the yearly totals.
    tops = [r.get_y() + r.get_height() for r in ax.containers[-1]]
    assert np.allclose(tops, [608, 626, 639, 644, 622])
    assert [t.get_text() for t in ax.get_xticklabels()] == [
        "2016/17",
        "2017/18",
        "2018/19",
        "2019/20",
        "2020/21",
    ]
    assert len(ax.lines) == 1  # the separator after the published year
    save(ax, tmp_path, "care_leavers")


def test_care_leavers_from_projection(model):
    p = model.project(years=8, leaver_share=0.5)
    fig, ax = plt.subplots()
    assert plots.care_leavers(p, ax=ax) is ax
    assert bar_counts(ax) == [8] * 8  # ages 18-25; band "all" left out
    assert "18" in legend_texts(ax)
    assert "after 31" in ax.get_title()  # the cohorts start empty at the base year


def test_care_leavers_bad_input(projection):
    with pytest.raises(ArgumentError, match=r"`frame`.*columns"):
        plots.care_leavers(pd.DataFrame({"year": [2018], "value": [1.0]}))
    df = projection.to_pandas()
    with pytest.raises(ArgumentError, match=r"`frame`.*'care_leavers'"):
        plots.care_leavers(df[df["measure"] != "care_leavers"])


# --- backtest ----------------------------------------------------------------------------


class Backtest:
    """Stands in for the backtest result object."""

    default_method = "trend"

    def __init__(self, df):
        self._df = df

    def forecasts(self):
        return self._df


def test_backtest(tmp_path):
    df = backtest_frame()
    ax = plots.backtest(df)
    assert isinstance(ax, Axes)
    assert "held forecasts against outturn" in ax.get_title()
    texts = legend_texts(ax)
    assert texts[:3] == [f"Forecast from 31 March {y}" for y in (2014, 2015, 2016)]
    assert texts[3:] == ["Published (outturn)", "95% interval", "80% interval"]
    # The outturn once per period; each origin's path starts at the published figure.
    outturn = next(ln for ln in ax.lines if ln.get_label() == "Published (outturn)")
    assert list(outturn.get_xdata()) == [2015, 2016, 2017, 2018]
    path = next(ln for ln in ax.lines if ln.get_label() == "Forecast from 31 March 2015")
    assert list(path.get_xdata()) == [2015, 2016, 2017]
    assert path.get_ydata()[0] == 603
    # Whiskers: one collection per origin and level.
    assert len(ax.collections) == 3 * 2
    assert ax.get_ylim()[0] == 0
    save(ax, tmp_path, "backtest")


def test_backtest_object_default_method_and_ax():
    df = backtest_frame()
    fig, ax = plt.subplots()
    assert plots.backtest(Backtest(df), ax=ax) is ax
    assert "trend forecasts" in ax.get_title()
    ax = plots.backtest(df.drop(columns=["lower_80", "upper_80", "lower_95", "upper_95"]))
    assert len(ax.collections) == 0
    assert "95% interval" not in legend_texts(ax)


def test_backtest_bad_input():
    df = backtest_frame()
    with pytest.raises(ArgumentError, match=r"`method` = 'magic'.*held"):
        plots.backtest(df, method="magic")
    with pytest.raises(ArgumentError, match=r"`band` = '10-15'"):
        plots.backtest(df, band="10-15")
    with pytest.raises(ArgumentError, match=r"`forecasts`.*missing columns \['actual'\]"):
        plots.backtest(df.drop(columns="actual"))
    with pytest.raises(ArgumentError, match=r"`forecasts`.*forecasts\(\)"):
        plots.backtest({"method": "held"})


# --- layout: legends, titles, inferred base year, intervals in view -----------------------


def _extent(artist, fig):
    fig.canvas.draw()
    return artist.get_window_extent(fig.canvas.get_renderer())


def test_legend_beside_wide_axes_and_below_narrow_ones(model, projection):
    ax = plots.stock(projection, model)  # a new 10 x 5 figure
    leg, box = _extent(ax.get_legend(), ax.figure), _extent(ax, ax.figure)
    assert leg.x0 >= box.x1 - 1, "beside the chart"
    fig, ax = plt.subplots(figsize=(8, 4.5))
    plots.stock(projection, model, ax=ax)
    fig.tight_layout()
    leg, box = _extent(ax.get_legend(), fig), _extent(ax, fig)
    label = _extent(ax.xaxis.label, fig)
    assert leg.y1 <= label.y0 + 1, "below the x label, not over it"
    assert leg.y0 >= 0 and box.width > 0.7 * fig.bbox.width, "the chart keeps its width"
    assert ax.get_legend()._ncols > 1


@pytest.mark.parametrize("figsize", [(12, 4), (9, 4)])
def test_narrow_axes_wrap_the_title_within_the_figure(figsize):
    df = placements_frame()
    fig, axes = plt.subplots(1, 2, figsize=figsize)
    plots.capacity(df, pool="fostering", ax=axes[0])
    plots.capacity(df, pool="residential", ax=axes[1])
    fig.tight_layout()
    for ax in axes:
        title = _extent(ax.title, fig)
        assert title.x0 >= 0 and title.x1 <= fig.bbox.width
    assert _extent(axes[0].title, fig).x1 < _extent(axes[1].title, fig).x0


def test_capacity_infers_base_year_from_placements():
    p = carecast.placements("derbyshire", years=3)
    ax = plots.capacity(p, pool="fostering")
    marks = [ln for ln in ax.lines if ln.get_linestyle() == "--" and len(ln.get_xdata()) == 2]
    assert [float(ln.get_xdata()[0]) for ln in marks] == [2017.5]  # after 2016/17
    assert {"Published  ", "  Projected"} <= {t.get_text() for t in ax.texts}
    frame = p.to_pandas()
    ax = plots.capacity(frame, pool="fostering")  # a plain frame: no base year known
    assert not [t for t in ax.texts if "Projected" in t.get_text()]


def test_care_leavers_leave_out_empty_ages():
    df = pd.DataFrame({"year": [2017, 2017, 2018, 2018], "age": [19, 20, 19, 20]})
    df["value"] = [50.0, 0.0, 60.0, 0.0]
    ax = plots.care_leavers(df)
    assert legend_texts(ax) == ["19"] and bar_counts(ax) == [2]


def quarterly_backtest_frame():
    actual = {"2022/23": 620.0, "2023/24": 598.0, "2024/25 Q1": 567.0, "2024/25 Q3": 554.0}
    rows = []
    for method, origin, start in [("naive", 2022, 627.0), ("trend", 2022, 627.0)]:
        for h, (period, a) in enumerate(actual.items(), start=1):
            f = start if method == "naive" else start - 10 * h
            rows.append(
                dict(
                    method=method,
                    origin=origin,
                    horizon=h,
                    period=period,
                    band="all",
                    forecast=f,
                    actual=a,
                    lower_90=f - 150.0,
                    upper_90=f + 150.0,
                )
            )
    return pd.DataFrame(rows)


def test_backtest_keeps_intervals_and_last_quarter_in_view():
    df = quarterly_backtest_frame()
    ax = plots.backtest(df, method="trend")
    assert ax.get_ylim()[1] >= df["upper_90"].max()  # whiskers are not clipped
    ax.figure.canvas.draw()
    labels = [t.get_text() for t in ax.get_xticklabels()]
    assert labels[-1] == "2024/25"  # the year of the last quarter is labelled
    assert ax.get_xlim()[1] > 2024.75
    assert any(t.get_text() == "2024/25 Q3: 554" for t in ax.texts)
    # The published figure at the origin comes from the naive forecast (the last value).
    outturn = next(ln for ln in ax.lines if ln.get_label() == "Published (outturn)")
    assert outturn.get_xdata()[0] == 2022 and outturn.get_ydata()[0] == 627


def test_backtest_real_derby_intervals_in_view():
    b = carecast.backtest("derby", samples=100)
    ax = plots.backtest(b)
    f = b.forecasts()
    top = f[(f.method == b.default_method) & (f.band == "all")]["upper_90"].max()
    assert ax.get_ylim()[1] >= top


# --- titles name the council and the main assumption; capacity, targets, median -----------


def test_titles_name_the_council_and_the_assumption():
    m = carecast.CohortModel.fit("derbyshire")
    p = m.project(years=3, samples=60, seed=1, admissions="held")
    assert plots.stock(p, m).get_title().replace("\n", " ").startswith("Derbyshire: Children")
    assert "(admissions held)" in plots.stock(p, m).get_title().replace("\n", " ")
    assert "admissions held" in plots.fan(p, model=m).get_title().replace("\n", " ")
    pl = carecast.placements("derbyshire", years=3, inflation=2)
    t = plots.spend(pl).get_title().replace("\n", " ")
    assert t.startswith("Derbyshire: Spend") and "inflation 2% a year" in t
    t0 = plots.spend(carecast.placements("derbyshire", years=3)).get_title().replace("\n", " ")
    assert "no inflation" in t0
    t = plots.capacity(pl).get_title().replace("\n", " ")
    assert t.startswith("Derbyshire: Fostering")
    assert f"admissions {carecast.model.DEFAULT_ADMISSIONS}" in t


def test_fan_draws_the_median_of_the_paths():
    m = carecast.CohortModel.fit("derbyshire")
    p = m.project(years=5, samples=60, seed=1)
    ax = plots.fan(p, model=m)
    assert "Median of paths" in legend_texts(ax)
    line = next(ln for ln in ax.get_lines() if ln.get_label() == "Median of paths")
    median = p.to_pandas().query("measure == 'stock' and band == 'all'")["median"].tolist()
    assert list(line.get_ydata()[1:]) == median  # after the published base-year point


def test_capacity_states_places_and_draws_the_councils_target():
    pl = carecast.placements("derbyshire", years=3)
    ax = plots.capacity(pl, pool="fostering")
    texts = legend_texts(ax)
    cap = next(t for t in texts if t.startswith("In-house capacity"))
    assert "not approved places: 753\nin 2016/17" in cap
    target = next(t for t in texts if t.startswith("Council's target"))
    df = pl.to_pandas()
    shares = df.query("placement == 'fostering' and measure == 'target_in_house_share'")["value"]
    assert target == f"Council's target: {shares.min():g}-{shares.max():g}% placed in-house"
    assert shares.min() < shares.max()
    demand = df.query("placement == 'fostering' and measure == 'demand'")["value"].iloc[1]
    marks = ax.collections[-1].get_offsets()
    assert marks[0][1] == pytest.approx(0.8 * demand)


def test_scenario_against_baseline():
    c = carecast.Scenario.from_file(ROOT / "scenarios" / "recruit_60_carers.toml").run()
    ax = plots.scenario(c)
    t = ax.get_title().replace("\n", " ")
    assert "against the baseline" in t and "inflation 0% a year in both" in t
    assert legend_texts(ax) == ["Baseline", "Scenario"]
    base, scen = (ln.get_ydata() for ln in ax.get_lines()[:2])
    diff = c.to_pandas().query("placement == 'all' and measure == 'spend'")["difference"]
    assert list(scen - base) == pytest.approx(diff.dropna().tolist())
    with pytest.raises(carecast.ArgumentError, match="no rows for placement"):
        plots.scenario(c, measure="nothing")


def test_care_leavers_names_the_council():
    df = carecast.project_care_leavers(2017, {19: 84, 20: 92}, {2018: 92, 2019: 90})
    assert plots.care_leavers(df, council="derbyshire").get_title().startswith("Derbyshire: ")
    assert plots.care_leavers(df).get_title() == "Care leavers by age"
