"""Charts for sufficiency reports and market position statements.

Every function takes ``ax=None`` (a new figure is made when it is ``None``), draws on the
axes and returns them. matplotlib is installed with carecast but imported only when a
chart is drawn, so ``import carecast`` stays quick.

The horizontal axis of every chart is time in years, with integer positions at 31 March:
position ``2018`` is 31 March 2018 and carries the label ``2017/18``, the financial year
that ends there. Stock counted at 31 March sits on the year it closes; flows of a financial
year (admissions, spend) sit on the same position as that year's closing stock. Where a
chart mixes published figures and a projection, a dashed line and a light shading mark
where the projection starts.

Legends sit beside axes at least 7 inches wide and below narrower ones (a chart in a
subplot grid, or a small figure), so the chart keeps its width; titles and axis labels
wrap to the axes' width.

Functions
---------
stock
    Children in care by age band, published and projected.
fan
    A projection's central path with its intervals.
capacity
    Placement demand against in-house capacity, with the external gap.
spend
    Spend per year by placement type.
care_leavers
    Care leavers by age, per year.
backtest
    Forecasts from successive origins against what happened.
scenario
    A scenario against its baseline, on the same assumptions (and inflation).
time_position
    Where a period sits on the time axis, to add your own points.

Examples
--------
>>> import matplotlib
>>> matplotlib.use("Agg")
>>> import carecast
>>> model = carecast.CohortModel.fit("derbyshire")
>>> ax = carecast.plots.stock(model.project(years=5), model)
>>> ax.get_ylabel()
'Children in care at 31 March'
"""

from __future__ import annotations

import math
import re
import textwrap
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from carecast import _carecast
from carecast import _validate as _v
from carecast._carecast import ArgumentError

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes

__all__ = [
    "stock",
    "fan",
    "capacity",
    "spend",
    "care_leavers",
    "backtest",
    "scenario",
    "time_position",
    "PLACEMENT_LABELS",
]

#: Readable names of the canonical placement type codes (see the table format).
PLACEMENT_LABELS = {
    "in_house_fostering": "In-house fostering",
    "contract_care": "Contract care (fostering)",
    "ifa": "Independent fostering agencies",
    "in_house_home": "In-house children's homes",
    "block_home": "Block-contracted homes",
    "agency_home": "Agency (private) homes",
    "secure": "Secure accommodation",
    "supported_accommodation": "Supported accommodation",
    "adoption": "Placed for adoption",
    "with_parents": "Placed with parents",
    "other": "Other placements",
}

# Fostering in blues and teals, residential in oranges and reds, the rest in greens,
# purples and greys: families read together in a stacked bar.
_PLACEMENT_COLOURS = {
    "in_house_fostering": "#08519c",
    "contract_care": "#4292c6",
    "ifa": "#9ecae1",
    "in_house_home": "#a63603",
    "block_home": "#e6550d",
    "agency_home": "#fdae6b",
    "secure": "#756bb1",
    "supported_accommodation": "#31a354",
    "adoption": "#a1d99b",
    "with_parents": "#bcbddc",
    "other": "#bdbdbd",
}

# Pools (fostering / residential / other) and providers (in-house / external / other) of
# each placement type, for ``spend(by=...)``.
_PLACEMENT_POOL = {
    "in_house_fostering": "Fostering",
    "contract_care": "Fostering",
    "ifa": "Fostering",
    "in_house_home": "Residential",
    "block_home": "Residential",
    "agency_home": "Residential",
}
_PLACEMENT_PROVIDER = {
    "in_house_fostering": "In-house",
    "contract_care": "In-house",
    "in_house_home": "In-house",
    "ifa": "External",
    "block_home": "External",
    "agency_home": "External",
}
_GROUP_COLOURS = {
    "Fostering": "#2171b5",
    "Residential": "#e6550d",
    "In-house": "#2171b5",
    "External": "#fd8d3c",
    "Other": "#bdbdbd",
}
_GROUP_LABELS = {
    "Fostering": "Fostering",
    "Residential": "Children's homes",
    "In-house": "In-house provision",
    "External": "External providers",
    "Other": "Other placements",
}
SPEND_BY = ("placement", "pool", "provider")

# Okabe-Ito colours (distinguishable with the common colour-vision deficiencies), in the
# order bands run from the youngest; the total is drawn in near-black.
_BAND_COLOURS = ["#CC79A7", "#E69F00", "#009E73", "#0072B2", "#D55E00", "#56B4E9", "#999933"]
_TOTAL_COLOUR = "#222222"
_HISTORY_COLOUR = "#222222"
_FAN_COLOUR = "#0072B2"
_PROJECTION_SHADE = "#f2f2f2"
_CAPACITY_COLOUR = "#b2182b"
_POOL_NEEDS = {"fostering": "fostering", "residential": "residential care"}
_FIGSIZE = (10.0, 5.0)

_POOL_MEASURES = ("demand", "capacity", "in_house", "external")
_BACKTEST_COLUMNS = ["method", "origin", "horizon", "period", "band", "forecast", "actual"]
_INTERVAL = re.compile(r"^(lower|upper)_(\d+(?:\.\d+)?)$")

_MEASURE_LABELS = {
    "stock": ("Children in care", "Children in care at 31 March"),
    "opening": ("Children in care at the start of the year", "Children in care on 1 April"),
    "admissions": ("Admissions to care", "Children admitted in the year"),
    "discharges": ("Discharges from care", "Children leaving care in the year"),
    "leavers_18": ("Leaving care at 18", "Young people reaching 18 in care in the year"),
    "ageing_in": ("Ageing into the band", "Children per year"),
    "ageing_out": ("Ageing out of the band", "Children per year"),
    "care_leavers": ("Care leavers", "Care leavers at 31 March (young people)"),
}


# ---------------------------------------------------------------------------------------
# Shared helpers


def _pyplot() -> Any:
    """Import matplotlib.pyplot, or say how to install it."""
    try:
        import matplotlib.pyplot as plt
    except ImportError as e:  # tested in a subprocess with matplotlib hidden
        raise ImportError(
            "carecast.plots needs matplotlib, which is not installed: pip install matplotlib"
        ) from e
    return plt


def _new_axes(ax: Axes | None) -> Axes:
    plt = _pyplot()
    if ax is None:
        fig, ax = plt.subplots(figsize=_FIGSIZE, layout="constrained")
        fig.get_layout_engine().set(w_pad=0.12, h_pad=0.12)  # a margin round the edges
    return ax


def _as_frame(obj: Any, name: str, method: str = "to_pandas") -> pd.DataFrame:
    """Return a DataFrame as is, or the frame an object's ``method()`` returns."""
    if isinstance(obj, pd.DataFrame):
        return obj
    fn = getattr(obj, method, None)
    if callable(fn):
        df = fn()
        if isinstance(df, pd.DataFrame):
            return df
    raise ArgumentError(
        f"invalid argument `{name}`: expected a pandas DataFrame or an object with a "
        f"`.{method}()` method, not {type(obj).__name__}"
    )


def _require(df: pd.DataFrame, name: str, columns: Sequence[str]) -> None:
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise ArgumentError(
            f"invalid argument `{name}`: missing columns {missing} "
            f"(needs {list(columns)}; has {[str(c) for c in df.columns]})"
        )


def _one_of(name: str, value: Any, allowed: Sequence[Any]) -> None:
    if value not in allowed:
        raise ArgumentError(f"invalid argument `{name}` = {value!r}: one of {list(allowed)}")


def _to_x(v: Any) -> float:
    """Time position of a period: 31 March of calendar year Y is Y.

    ``2017`` (an int: 31 March 2017) -> 2017; ``"2016/17"`` -> 2017; ``"2017/18 Q1"``
    (April-June 2017) -> 2017.25; ``"2017-03-31"`` -> 2017; ``"2017-09"`` -> 2017.5.
    """
    if isinstance(v, (bool, np.bool_)):
        raise ValueError(v)
    if isinstance(v, (int, np.integer)):
        return float(v)
    if isinstance(v, (float, np.floating)):
        if math.isnan(v):
            raise ValueError(v)
        return float(v)
    if isinstance(v, pd.Timestamp):
        return v.year + (v.month - 3) / 12
    s = str(v).strip()
    if s.isdigit() and len(s) == 4:
        return float(s)
    # Period labels are parsed by the core (an ArgumentError, a ValueError, if not one).
    return _carecast.period_position(s)


def time_position(period: Any) -> float:
    """Return where a period sits on the charts' time axis (31 March of year Y is Y).

    Use it to add your own points to a chart, e.g. published quarterly figures.

    Parameters
    ----------
    period : int, str or pandas.Timestamp
        A calendar year (``2018``: 31 March 2018), a financial year (``"2017/18"``: its
        end, 31 March 2018), a quarter (``"2024/25 Q3"``: its end, 31 December 2024) or a
        date (``"2024-12-31"``).

    Returns
    -------
    float

    Raises
    ------
    ArgumentError
        If ``period`` is none of these.

    Examples
    --------
    >>> from carecast import plots
    >>> plots.time_position("2017/18"), plots.time_position("2024/25 Q3")
    (2018.0, 2024.75)
    """
    try:
        return _to_x(period)
    except (ValueError, TypeError):
        _v.fail(
            "period",
            period,
            "not a year (2018), a financial year (2017/18), a quarter (2017/18 Q1) or a date",
        )


def _xs(values: pd.Series, name: str, column: str) -> np.ndarray:
    out = np.empty(len(values))
    for i, v in enumerate(values):
        try:
            out[i] = _to_x(v)
        except (ValueError, TypeError):
            raise ArgumentError(
                f"invalid argument `{name}`: column `{column}` has {v!r}, which is not a "
                "year (2018), a financial year (2017/18), a quarter (2017/18 Q1) or a date"
            ) from None
    return out


def _fy_label(year: int) -> str:
    return f"{year - 1}/{year % 100:02d}"


def _origin_label(x: float) -> str:
    if abs(x - round(x)) < 1e-9:
        return f"31 March {round(x)}"
    return f"{x:.2f}"


def _axes_width(ax: Axes) -> float:
    """Width of the axes in inches, as laid out so far."""
    return float(ax.get_position().width * ax.figure.get_figwidth())


def _wrap(text: str, width_in: float, char_in: float) -> str:
    """Wrap ``text`` into lines of at most ``width_in`` inches (``char_in`` per character)."""
    return textwrap.fill(text, max(int(width_in / char_in), 20), break_on_hyphens=False)


def _style(ax: Axes, *, title: str, ylabel: str, xlabel: str) -> None:
    """Set the title and axis labels (wrapped to the axes' width) and the house style."""
    width = _axes_width(ax)
    ax.set_title(_wrap(title, width, 0.092), fontsize=12, fontweight="bold")
    ax.set_ylabel(ylabel)
    ax.set_xlabel(_wrap(xlabel, width, 0.072))
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.grid(axis="y", color="#dddddd", linewidth=0.8)
    ax.set_axisbelow(True)


def _year_axis(
    ax: Axes, xmin: float, xmax: float, *, pad: float = 0.5, quarters: bool = False
) -> None:
    """Ticks at 31 Marches labelled with the financial year that ends there.

    Every 31 March within the padded range is a tick, so a last part-year (data up to
    ``2024/25 Q3``) still gets its year's label. Every year is labelled when the axes are
    wide enough for the labels not to touch, else every second, fifth or tenth year,
    always including the last one; the choice is made when the figure is drawn, from the
    axes' final width. ``quarters`` adds minor ticks at the ends of quarters.
    """
    from matplotlib.ticker import FuncFormatter, Locator, MultipleLocator

    first, last = math.ceil(xmin - pad + 1e-9), math.floor(xmax + pad - 1e-9)
    n = last - first + 1
    fontsize = 9 if n > 8 else 10
    per_label = 0.066 * fontsize  # inches for "2017/18" at this size, with a gap

    class _YearLocator(Locator):
        def __call__(self) -> list[int]:
            axes = self.axis.axes if self.axis is not None else ax
            width = axes.get_window_extent().width / axes.figure.dpi
            step = next((k for k in (1, 2, 5, 10) if n / k * per_label <= width), 10)
            return list(range(last, first - 1, -step))[::-1]

        def tick_values(self, vmin: float, vmax: float) -> list[int]:
            return self()

    ax.xaxis.set_major_locator(_YearLocator())
    ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _pos: _fy_label(round(x))))
    if quarters:
        ax.xaxis.set_minor_locator(MultipleLocator(0.25))
    ax.tick_params(axis="x", labelsize=fontsize)
    ax.set_xlim(xmin - pad, xmax + pad)


def _counts_from_zero(ax: Axes, headroom: float = 1.12) -> None:
    """Start the y axis at zero, with room above the data for the period labels.

    The top covers lines, bars and collections (interval whiskers, filled bands), which
    ``relim`` alone leaves out.
    """
    ax.relim()
    ax.autoscale_view()
    top = max(ax.dataLim.y1, 0.0)
    for c in ax.collections:
        if c.get_transform() != ax.transData:
            continue
        lim = c.get_datalim(ax.transData)
        if np.isfinite(lim.y1):
            top = max(top, lim.y1)
    top *= headroom
    ax.set_ylim(0, top if top > 0 else 1)


def _mark_projection(ax: Axes, base: float, end: float, start: float | None = None) -> None:
    """Dashed line at the last published 31 March and light shading over the projection.

    Nothing is drawn when ``base`` is before ``start`` (no published figure is shown).
    """
    from matplotlib.transforms import blended_transform_factory

    if start is not None and base < start - 1e-9:
        return

    ax.axvspan(base, end, color=_PROJECTION_SHADE, zorder=0, linewidth=0)
    ax.axvline(base, color="#777777", linestyle="--", linewidth=1, zorder=1)
    tr = blended_transform_factory(ax.transData, ax.transAxes)
    kw = {"transform": tr, "fontsize": 9, "color": "#555555", "va": "top"}
    ax.text(base, 0.99, "Published  ", ha="right", **kw)
    ax.text(base, 0.99, "  Projected", ha="left", **kw)


#: Axes narrower than this (inches) get their legend below the chart rather than beside it.
_LEGEND_BESIDE_MIN_WIDTH = 7.0


def _legend(ax: Axes, *, outside: bool = True, reverse: bool = False, **kw: Any) -> None:
    """Draw the legend: beside wide axes, below narrow ones, or inside (``outside=False``).

    Call it after :func:`_style` (the place below depends on the x label's lines).
    ``reverse`` lists entries top-down in the order of a stack drawn bottom-up; below the
    chart, entries run left to right in drawing order instead.
    """
    from matplotlib.transforms import ScaledTranslation

    handles, labels = ax.get_legend_handles_labels()
    if not handles:
        return
    if not outside:
        ax.legend(handles, labels, frameon=False, **kw)
        return
    width = _axes_width(ax)
    if width >= _LEGEND_BESIDE_MIN_WIDTH:
        if reverse:
            handles, labels = handles[::-1], labels[::-1]
        legend = ax.legend(
            handles, labels, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False, **kw
        )
        _fit_title_beside(ax, legend, width)
        return
    # Below the x label: tick labels take about 0.3 in, each label line 0.17 in.
    lines = ax.xaxis.label.get_text().count("\n") + 1 if ax.xaxis.label.get_text() else 0
    drop = 0.32 + 0.18 * lines + 0.05
    per_entry = 0.058 * max(len(lb) for lb in labels) + 0.55
    most = max(1, min(len(labels), int(width // per_entry)))
    ncol = math.ceil(len(labels) / math.ceil(len(labels) / most))  # rows evenly filled
    offset = ScaledTranslation(0, -drop, ax.figure.dpi_scale_trans)
    ax.legend(
        handles,
        labels,
        loc="upper center",
        bbox_to_anchor=(0.5, 0.0),
        bbox_transform=ax.transAxes + offset,
        ncol=ncol,
        frameon=False,
        fontsize=9,
        **kw,
    )


def _council(name: Any) -> str | None:
    """Return a dataset's name as a title prefix (``derbyshire`` -> ``Derbyshire``)."""
    if not isinstance(name, str) or not name:
        return None
    return name if ":" in name or "/" in name or name != name.lower() else name.capitalize()


def _context(obj: Any) -> tuple[str | None, str | None]:
    """Return the council and the main assumption of a result, where the object says.

    A :class:`~carecast.Projection` gives its dataset and admissions method; a
    :class:`~carecast.Placements` also its placement mix; a plain frame gives nothing.
    """
    proj = getattr(obj, "projection", None)
    a = getattr(proj if proj is not None else obj, "assumptions", None)
    if not isinstance(a, dict):
        return _council(getattr(obj, "dataset", None)), None
    adm = a.get("admissions", {})
    parts = [f"admissions {adm['method']}"] if isinstance(adm, dict) and "method" in adm else []
    pa = getattr(obj, "assumptions", None) if proj is not None else None
    if isinstance(pa, dict) and isinstance(pa.get("mix"), dict):
        parts.append(f"placement mix {pa['mix'].get('method')}")
    return _council(a.get("dataset")), (", ".join(parts) or None)


def _titled(title: str, council: str | None, assumption: str | None) -> str:
    """Prefix the council and append the main assumption to a chart title."""
    out = f"{council}: {title}" if council else title
    return f"{out} ({assumption})" if assumption else out


def _fit_title_beside(ax: Axes, legend: Any, width: float) -> None:
    """Wrap the title again to the width the axes keep beside their legend.

    The legend beside the axes takes its width from them when the figure is laid out; a
    title wrapped to the full width would then run past the figure's edge. Both are
    measured as drawn.
    """
    get = getattr(ax.figure, "_get_renderer", None)
    title = ax.get_title()
    if not title or get is None:
        return
    renderer = get()
    dpi = ax.figure.dpi
    # The axes' share of the figure's width once laid out (its grid column), less the
    # legend and the y axis's ticks and label.
    spec = ax.get_subplotspec()
    if spec is not None:
        grid = spec.get_gridspec()
        width = ax.figure.get_figwidth() * len(spec.colspan) / grid.ncols
    left = width - legend.get_window_extent(renderer).width / dpi - 1.0
    drawn = ax.title.get_window_extent(renderer).width / dpi
    longest = max(len(line) for line in title.split("\n"))
    if drawn <= left or left < 2 or longest == 0:
        return
    per_char = drawn / longest
    ax.set_title(_wrap(title.replace("\n", " "), left, per_char), fontsize=12, fontweight="bold")


def _band_key(label: str) -> tuple[int, int]:
    """Order age bands from the youngest; ``all`` last."""
    s = str(label).strip().lower()
    if s == "all":
        return (1, 0)
    if s.startswith("under"):
        return (0, -1)
    m = re.match(r"^(\d+)", s)
    return (0, int(m.group(1))) if m else (0, 999)


def _band_name(label: str) -> str:
    s = str(label)
    if s == "all":
        return "All children"
    if s.lower().startswith("under"):
        return s[0].upper() + s[1:]
    return f"Aged {s}"


def _base_of(obj: Any, xs: np.ndarray) -> float:
    """Return the 31 March a projection starts from."""
    a = getattr(obj, "assumptions", None)
    if isinstance(a, dict) and isinstance(a.get("base_year"), int):
        return float(a["base_year"])
    return float(math.ceil(np.min(xs) - 1e-9) - 1)


def _interval_levels(df: pd.DataFrame) -> list[str]:
    """Levels L with both ``lower_L`` and ``upper_L`` columns, widest first."""
    found: dict[str, set[str]] = {}
    for c in df.columns:
        m = _INTERVAL.match(str(c))
        if m:
            found.setdefault(m.group(2), set()).add(m.group(1))
    levels = [lv for lv, sides in found.items() if sides == {"lower", "upper"}]
    return sorted(levels, key=float, reverse=True)


def _history(model: Any, name: str = "model") -> pd.DataFrame:
    """Return published stock at 31 March by band from a calibration: x, band, value."""
    cal = model if isinstance(model, pd.DataFrame) else None
    if cal is None:
        fn = getattr(model, "calibration", None)
        if not callable(fn):
            raise ArgumentError(
                f"invalid argument `{name}`: expected a CohortModel or its calibration() "
                f"DataFrame, not {type(model).__name__}"
            )
        cal = fn()
    _require(cal, name, ["year", "band", "opening", "published_closing"])
    cal = cal.assign(x=_xs(cal["year"], name, "year"))
    first = cal[cal["x"] == cal["x"].min()]
    rows = [
        pd.DataFrame({"x": first["x"] - 1, "band": first["band"], "value": first["opening"]}),
        pd.DataFrame({"x": cal["x"], "band": cal["band"], "value": cal["published_closing"]}),
    ]
    h = pd.concat(rows, ignore_index=True)
    h["value"] = h["value"].astype("float64")
    if "all" not in set(h["band"]):
        tot = h.groupby("x", as_index=False)["value"].sum().assign(band="all")
        h = pd.concat([h, tot], ignore_index=True)
    return h.sort_values("x")


def _projection_rows(projection: Any, measure: str) -> tuple[pd.DataFrame, float]:
    df = _as_frame(projection, "projection")
    _require(df, "projection", ["year", "band", "measure", "value"])
    measures = list(dict.fromkeys(df["measure"]))
    _one_of("measure", measure, measures)
    rows = df[df["measure"] == measure].copy()
    when = "period" if "period" in rows.columns else "year"
    rows["x"] = _xs(rows[when], "projection", when)
    rows = rows.sort_values("x")
    return rows, _base_of(projection, rows["x"].to_numpy())


# ---------------------------------------------------------------------------------------
# Charts


def stock(
    projection: Any, model: Any = None, band: str | None = None, ax: Axes | None = None
) -> Axes:
    """Children in care by age band: published stock and the projection.

    Each band is a line against a common zero baseline, with the total as a heavier line.
    Lines rather than stacked areas: a stacked area shows the total well but makes every
    band except the bottom one hard to read, and the question a sufficiency report asks is
    usually "which age groups are growing". Published figures are solid lines with
    markers; the projection continues each line dashed from the last published 31 March.

    Parameters
    ----------
    projection : Projection or pandas.DataFrame
        A :class:`~carecast.Projection`, or its ``to_pandas()`` frame (columns ``year``,
        ``period``, ``band``, ``measure``, ``value``); rows with measure ``stock`` are drawn.
    model : CohortModel or pandas.DataFrame, optional
        The fitted model (or its ``calibration()`` frame) for the published history: the
        first year's opening stock and every year's published closing stock.
    band : str, optional
        One band label (e.g. ``"10-15"`` or ``"all"``); default every band and the total.
        Where the model has a single band (totals only), only the total is drawn.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on; a new figure when omitted.

    Returns
    -------
    matplotlib.axes.Axes

    Raises
    ------
    ArgumentError
        If ``band`` is not in the projection, or an input lacks the needed columns.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import carecast
    >>> m = carecast.CohortModel.fit("derby")
    >>> ax = carecast.plots.stock(m.project(years=5), m)
    >>> [t.get_text() for t in ax.get_legend().get_texts()]
    ['All children']
    """
    rows, base = _projection_rows(projection, "stock")
    hist = _history(model) if model is not None else None
    bands = sorted(dict.fromkeys(rows["band"]), key=_band_key)
    if band is None:
        parts = [b for b in bands if b != "all"]
        # A single band is the total itself (e.g. Derby City's 0-17): draw it once.
        draw = (parts if len(parts) > 1 else []) + (["all"] if "all" in bands else parts[:1])
    else:
        _one_of("band", band, bands)
        draw = [band]
    ax = _new_axes(ax)
    xs_all = [rows["x"].min(), rows["x"].max()]
    colour_of = {b: _BAND_COLOURS[i % len(_BAND_COLOURS)] for i, b in enumerate(bands)}
    for b in draw:
        is_total = b == "all" or len(draw) == 1 and band is None
        colour = _TOTAL_COLOUR if is_total else colour_of[b]
        lw = 2.6 if is_total else 1.8
        label = "All children" if is_total and band is None else _band_name(b)
        p = rows[rows["band"] == b]
        px, py = p["x"].to_numpy(), p["value"].to_numpy()
        h = None
        if hist is not None:
            key = b if b in set(hist["band"]) else ("all" if is_total else None)
            if key is not None:
                h = hist[hist["band"] == key]
        if h is not None and len(h):
            ax.plot(h["x"], h["value"], color=colour, lw=lw, marker="o", ms=4, label=label)
            xs_all.append(h["x"].min())
            at_base = h[np.isclose(h["x"], base)]
            if len(at_base):
                px = np.concatenate([[base], px])
                py = np.concatenate([[at_base["value"].iloc[0]], py])
            label = "_nolegend_"
        ax.plot(px, py, color=colour, lw=lw, linestyle=(0, (4, 2)), label=label)
    xmin, xmax = min(xs_all), max(xs_all)
    _mark_projection(ax, base, xmax + 0.5, start=xmin)
    _year_axis(ax, xmin, xmax, quarters=_has_quarters(rows["x"]))
    _counts_from_zero(ax)
    what = "by age band" if band is None and len(draw) > 1 else _band_name(draw[0]).lower()
    _style(
        ax,
        title=_titled(f"Children in care, {what}: published and projected", *_context(projection)),
        ylabel="Children in care at 31 March",
        xlabel="Financial year (stock at 31 March, the end of the year)",
    )
    _legend(ax, outside=len(draw) > 1)
    return ax


def fan(
    projection: Any,
    measure: str = "stock",
    band: str = "all",
    ax: Axes | None = None,
    model: Any = None,
) -> Axes:
    """Fan chart: the central projection with its intervals.

    Parameters
    ----------
    projection : Projection or pandas.DataFrame
        A projection made with ``samples=``, or its ``to_pandas()`` frame: columns
        ``year``, ``period``, ``band``, ``measure``, ``value`` and, for each interval level
        ``L``, ``lower_L`` and ``upper_L`` (e.g. ``lower_80``, ``upper_80``).
    measure : str
        The measure to draw (``stock``, ``admissions``, ...).
    band : str
        The band to draw; ``all`` for every age.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on; a new figure when omitted.
    model : CohortModel or pandas.DataFrame, optional
        Draws the published stock (measure ``stock``) or admissions (``admissions``) from
        the model's calibration as points.

    Returns
    -------
    matplotlib.axes.Axes

    Raises
    ------
    ArgumentError
        If the frame has no interval columns, or ``measure`` or ``band`` is not in it.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import pandas as pd
    >>> from carecast import plots
    >>> df = pd.DataFrame({
    ...     "year": ["2017/18", "2018/19", "2019/20"], "period": ["2017/18", "2018/19", "2019/20"],
    ...     "band": "all", "measure": "stock", "value": [640.0, 650.0, 660.0],
    ...     "lower_80": [620.0, 615.0, 610.0], "upper_80": [660.0, 685.0, 710.0],
    ...     "lower_95": [610.0, 600.0, 590.0], "upper_95": [670.0, 700.0, 730.0]})
    >>> ax = plots.fan(df)
    >>> [t.get_text() for t in ax.get_legend().get_texts()]
    ['95% interval', '80% interval', 'Central projection']
    """
    rows, base = _projection_rows(projection, measure)
    levels = _interval_levels(rows)
    if not levels:
        raise ArgumentError(
            "invalid argument `projection`: it has no interval columns (lower_<L>, upper_<L>, "
            "e.g. lower_80 and upper_80): project with samples=... to get intervals"
        )
    bands = sorted(dict.fromkeys(rows["band"]), key=_band_key)
    _one_of("band", band, bands)
    p = rows[rows["band"] == band]
    ax = _new_axes(ax)
    x = p["x"].to_numpy()
    xs_all = [x.min(), x.max()]
    # The widest interval lightest; each narrower one darker on top of it.
    alphas = np.linspace(0.18, 0.45, len(levels)) if len(levels) > 1 else [0.3]
    hist = None
    if model is not None and measure in ("stock", "admissions"):
        hist = _history(model) if measure == "stock" else _admissions_history(model)
        hist = hist[hist["band"] == band]
    start = None
    if hist is not None and len(hist):
        at = hist[np.isclose(hist["x"], base)]
        if len(at):
            start = float(at["value"].iloc[0])
    for lv, alpha in zip(levels, alphas, strict=True):
        lo, hi = p[f"lower_{lv}"].to_numpy(float), p[f"upper_{lv}"].to_numpy(float)
        fx = x
        if start is not None:
            fx, lo, hi = np.r_[base, x], np.r_[start, lo], np.r_[start, hi]
        ax.fill_between(fx, lo, hi, color=_FAN_COLOUR, alpha=alpha, lw=0, label=f"{lv}% interval")
    cx, cy = x, p["value"].to_numpy(float)
    if start is not None:
        cx, cy = np.r_[base, x], np.r_[start, cy]
    ax.plot(cx, cy, color=_FAN_COLOUR, lw=2.2, label="Central projection")
    if "median" in p.columns and p["median"].notna().any():
        # The median of the paths: the intervals sit round it, not round the central path.
        mx, my = x, p["median"].to_numpy(float)
        if start is not None:
            mx, my = np.r_[base, x], np.r_[start, my]
        ax.plot(mx, my, color="#003f6b", lw=1.6, linestyle=(0, (2, 1.5)), label="Median of paths")
    if hist is not None and len(hist):
        ax.plot(
            hist["x"],
            hist["value"],
            color=_HISTORY_COLOUR,
            lw=1.5,
            marker="o",
            ms=4,
            label="Published",
        )
        xs_all.append(hist["x"].min())
    xmin, xmax = min(xs_all), max(xs_all)
    _mark_projection(ax, base, xmax + 0.5, start=xmin)
    _year_axis(ax, xmin, xmax, quarters=_has_quarters(p["x"]))
    _counts_from_zero(ax)
    title, ylabel = _MEASURE_LABELS.get(measure, (measure.replace("_", " ").capitalize(), ""))
    _style(
        ax,
        title=_titled(
            f"{title}, {_band_name(band).lower()}: projection with "
            f"{' and '.join(f'{lv}%' for lv in reversed(levels))} intervals",
            *_context(projection),
        ),
        ylabel=ylabel or "Children",
        xlabel="Financial year"
        + (" (stock at 31 March, the end of the year)" * (measure == "stock")),
    )
    # Beside wide axes, below narrow ones: inside, it would cover the published points.
    _legend(ax)
    return ax


def _admissions_history(model: Any) -> pd.DataFrame:
    fn = getattr(model, "calibration", None)
    cal = model if isinstance(model, pd.DataFrame) else fn() if callable(fn) else None
    if cal is None:
        raise ArgumentError(
            "invalid argument `model`: expected a CohortModel or its calibration() DataFrame, "
            f"not {type(model).__name__}"
        )
    _require(cal, "model", ["year", "band", "admissions"])
    h = pd.DataFrame(
        {
            "x": _xs(cal["year"], "model", "year"),
            "band": cal["band"],
            "value": cal["admissions"].astype("float64"),
        }
    )
    if "all" not in set(h["band"]):
        tot = h.groupby("x", as_index=False)["value"].sum().assign(band="all")
        h = pd.concat([h, tot], ignore_index=True)
    return h.sort_values("x")


def _has_quarters(xs: Any) -> bool:
    """Whether any time position falls between 31 Marches (quarterly or monthly data)."""
    x = np.asarray(xs, dtype=float)
    return bool(np.any(np.abs(x - np.round(x)) > 1e-9))


def _placements_base_year(placements: Any) -> int | None:
    """Return the base year of a :class:`~carecast.Placements` (None for a plain frame)."""
    proj = getattr(placements, "projection", None)
    a = getattr(proj, "assumptions", None)
    if isinstance(a, dict) and isinstance(a.get("base_year"), int):
        return int(a["base_year"])
    return None


def _placements_frame(placements: Any) -> pd.DataFrame:
    df = _as_frame(placements, "placements")
    _require(df, "placements", ["year", "placement", "measure", "value"])
    df = df.assign(x=_xs(df["year"], "placements", "year"))
    return df


def capacity(
    placements: Any, pool: str = "fostering", ax: Axes | None = None, base_year: int | None = None
) -> Axes:
    """Demand for a kind of placement against in-house capacity, with the external gap.

    Bars are children placed, in-house at the bottom and with external providers stacked
    on top; the line is the number of children needing that kind of placement and the
    dashed line the in-house places available. Where demand rises above capacity, the
    external bar is the gap the council buys in.

    Parameters
    ----------
    placements : pandas.DataFrame or object with ``to_pandas()``
        Long frame with columns ``year``, ``placement``, ``measure``, ``value``; rows of the
        pool have ``placement`` equal to the pool's name and measure ``demand``,
        ``capacity``, ``in_house`` or ``external`` (one row per year each). ``in_house`` and
        ``external`` are required; ``demand`` and ``capacity`` are drawn when present.
    pool : {"fostering", "residential"}
        The pool to draw (any pool name found in the frame).
    ax : matplotlib.axes.Axes, optional
        Axes to draw on; a new figure when omitted.
    base_year : int, optional
        The last published 31 March (calendar year): marks where the projection starts.
        Default: the base year of a :class:`~carecast.Placements`; none for a frame.

    Returns
    -------
    matplotlib.axes.Axes

    Raises
    ------
    ArgumentError
        If ``pool`` is not in the frame, columns or measures are missing, or a year has
        two rows of one measure.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import pandas as pd
    >>> from carecast import plots
    >>> rows = [(y, "fostering", m, v) for y, vals in
    ...         [("2018/19", (400, 380, 300, 100)), ("2019/20", (420, 380, 310, 110))]
    ...         for m, v in zip(["demand", "capacity", "in_house", "external"], vals)]
    >>> df = pd.DataFrame(rows, columns=["year", "placement", "measure", "value"])
    >>> ax = plots.capacity(df, pool="fostering")
    >>> [len(bars) for bars in ax.containers]  # in-house and external, two years
    [2, 2]
    """
    df = _placements_frame(placements)
    pools = list(dict.fromkeys(df.loc[df["measure"].isin(_POOL_MEASURES), "placement"].dropna()))
    _one_of("pool", pool, pools)
    p = df[(df["placement"] == pool) & df["measure"].isin(_POOL_MEASURES)]
    dup = p.duplicated(["x", "measure"])
    if dup.any():
        r = p[dup].iloc[0]
        raise ArgumentError(
            f"invalid argument `placements`: pool {pool!r} has more than one {r['measure']!r} "
            f"row for year {r['year']!r}"
        )
    wide = p.pivot(index="x", columns="measure", values="value").sort_index().astype(float)
    missing = [m for m in ("in_house", "external") if m not in wide.columns]
    if missing:
        raise ArgumentError(
            f"invalid argument `placements`: pool {pool!r} has no rows with measure "
            f"{missing} (needs in_house and external; demand and capacity optional)"
        )
    ax = _new_axes(ax)
    x = wide.index.to_numpy(float)
    inh, ext = wide["in_house"].fillna(0).to_numpy(), wide["external"].fillna(0).to_numpy()
    provider = "IFAs" if pool == "fostering" else "private homes" if pool == "residential" else ""
    ext_label = f"Placed externally ({provider})" if provider else "Placed externally"
    ax.bar(x, inh, width=0.7, color="#2171b5", label="Placed in-house")
    ax.bar(x, ext, width=0.7, bottom=inh, color="#fdae6b", label=ext_label)
    if "demand" in wide.columns:
        ax.plot(
            x,
            wide["demand"],
            color=_TOTAL_COLOUR,
            lw=2.2,
            marker="o",
            ms=5,
            label=f"Children needing {_POOL_NEEDS.get(pool, pool)}",
        )
    if "capacity" in wide.columns:
        # A step across each year's bar, in a colour that stands out against the bars even
        # where capacity and in-house placements coincide.
        ax.step(
            np.r_[x - 0.5, x[-1] + 0.5],
            np.r_[wide["capacity"].to_numpy(float), wide["capacity"].to_numpy(float)[-1]],
            where="post",
            color=_CAPACITY_COLOUR,
            lw=2.2,
            linestyle=(0, (5, 2)),
            zorder=4,
            label=_capacity_label(df, pool),
        )
    _draw_targets(ax, df, pool, wide)
    if base_year is None:
        base_year = _placements_base_year(placements)
    if base_year is not None:
        _mark_projection(ax, float(_v.integer("base_year", base_year)) + 0.5, x.max() + 0.6)
    _year_axis(ax, x.min(), x.max(), pad=0.6)
    _counts_from_zero(ax)
    _style(
        ax,
        title=_titled(
            f"{pool.capitalize()}: demand against in-house capacity (children)",
            *_context(placements),
        ),
        ylabel="Children placed at 31 March",
        xlabel="Financial year (count at 31 March, the end of the year)",
    )
    _legend(ax)
    return ax


def _capacity_label(df: pd.DataFrame, pool: str) -> str:
    """Say which capacity the line is: children the council can place, not approved places."""
    who = "in-house homes" if pool == "residential" else "in-house carers"
    label = f"In-house capacity:\nchildren {who} can take"
    places = df[(df["placement"] == pool) & (df["measure"] == "places")]
    if len(places):
        first = places.sort_values("x").iloc[0]
        word = "approved places" if pool == "fostering" else "beds"
        label += f"\n(not {word}: {first['value']:,.0f}\nin {first['year']})"
    return label


def _draw_targets(ax: Axes, df: pd.DataFrame, pool: str, wide: pd.DataFrame) -> None:
    """Mark the council's own target for the pool where it publishes one.

    A target share placed in-house (``target_in_house_share``, percent) is drawn as the
    children it means, the share times demand; a target in children as is.
    """
    t = df[(df["placement"] == pool) & (df["measure"] == "target_in_house_share")]
    if t.empty or "demand" not in wide.columns:
        return
    t = t.set_index("x")["value"].astype(float)
    xs = [x for x in t.index if x in wide.index]
    if not xs:
        return
    ys = [float(t[x]) / 100 * float(wide.loc[x, "demand"]) for x in xs]
    lo, hi = min(float(t[x]) for x in xs), max(float(t[x]) for x in xs)
    share = f"{lo:g}%" if lo == hi else f"{lo:g}-{hi:g}%"
    ax.scatter(
        xs,
        ys,
        marker="_",
        s=900,
        linewidths=3,
        color="#1a9850",
        zorder=6,
        label=f"Council's target: {share} placed in-house",
    )


def _money_axis(ax: Axes, top: float) -> None:
    """Format the y axis in £m or £k by the largest value."""
    from matplotlib.ticker import FuncFormatter

    if top >= 1e6:
        scale, suffix = 1e6, "m"
    elif top >= 1e3:
        scale, suffix = 1e3, "k"
    else:
        scale, suffix = 1.0, ""

    def fmt(v: float, _pos: int | None = None) -> str:
        s = v / scale
        digits = 0 if abs(s - round(s)) < 1e-9 else 1
        return f"£{s:,.{digits}f}{suffix}"

    ax.yaxis.set_major_formatter(FuncFormatter(fmt))


def spend(placements: Any, by: str = "placement", ax: Axes | None = None) -> Axes:
    """Spend per year as stacked bars, by placement type, pool or provider.

    Parameters
    ----------
    placements : pandas.DataFrame or object with ``to_pandas()``
        Long frame with columns ``year``, ``placement``, ``measure``, ``value``; rows with
        measure ``spend`` are drawn, one per placement type code and year (£ per year).
    by : {"placement", "pool", "provider"}
        ``placement``: each placement type; ``pool``: fostering, residential and other;
        ``provider``: in-house (including contract care) against external (independent
        fostering agencies, block and agency homes) and other.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on; a new figure when omitted.

    Returns
    -------
    matplotlib.axes.Axes

    Raises
    ------
    ArgumentError
        If ``by`` is unknown, columns are missing or there are no ``spend`` rows.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import pandas as pd
    >>> from carecast import plots
    >>> df = pd.DataFrame({"year": ["2018/19", "2018/19", "2019/20", "2019/20"],
    ...                    "placement": ["ifa", "agency_home"] * 2, "measure": "spend",
    ...                    "value": [9.1e6, 12.4e6, 9.8e6, 13.0e6]})
    >>> ax = plots.spend(df)
    >>> ax.yaxis.get_major_formatter()(10e6, 0)
    '£10m'
    """
    _one_of("by", by, SPEND_BY)
    df = _placements_frame(placements)
    # Totals and pools (placement "all", "fostering", "residential") would count twice.
    s = df[(df["measure"] == "spend") & ~df["placement"].isin(["all", "fostering", "residential"])]
    if s.empty:
        raise ArgumentError(
            "invalid argument `placements`: no rows with measure 'spend' "
            f"(measures: {list(dict.fromkeys(df['measure']))})"
        )
    codes = s["placement"].fillna("other").astype(str).replace("", "other")
    if by == "placement":
        key = codes
        order = [c for c in PLACEMENT_LABELS if c in set(key)]
        order += sorted(set(key) - set(order))
        labels = {c: PLACEMENT_LABELS.get(c, c.replace("_", " ").capitalize()) for c in order}
        colours = {c: _PLACEMENT_COLOURS.get(c, "#969696") for c in order}
    else:
        table = _PLACEMENT_POOL if by == "pool" else _PLACEMENT_PROVIDER
        key = codes.map(lambda c: table.get(c, "Other"))
        groups = ["Fostering", "Residential"] if by == "pool" else ["In-house", "External"]
        order = [g for g in [*groups, "Other"] if g in set(key)]
        labels = {g: _GROUP_LABELS[g] for g in order}
        colours = {g: _GROUP_COLOURS[g] for g in order}
    wide = (
        s.assign(key=key.to_numpy())
        .pivot_table(index="x", columns="key", values="value", aggfunc="sum", fill_value=0.0)
        .sort_index()
        .reindex(columns=order, fill_value=0.0)
        .astype(float)
    )
    ax = _new_axes(ax)
    x = wide.index.to_numpy(float)
    bottom = np.zeros(len(x))
    for c in order:
        v = wide[c].to_numpy()
        ax.bar(
            x,
            v,
            width=0.7,
            bottom=bottom,
            color=colours[c],
            label=labels[c],
            edgecolor="white",
            linewidth=0.5,
        )
        bottom += v
    _money_axis(ax, float(bottom.max()))
    _year_axis(ax, x.min(), x.max(), pad=0.6)
    _counts_from_zero(ax)
    what = {"placement": "placement type", "pool": "kind of placement", "provider": "provider"}
    _style(
        ax,
        title=_titled(
            f"Spend on placements by {what[by]}", _context(placements)[0], _inflation(placements)
        ),
        ylabel="Spend (£ per year)",
        xlabel="Financial year",
    )
    _legend(ax, reverse=True)
    return ax


def _inflation(placements: Any) -> str | None:
    """Return the inflation a spend chart is drawn at, where a Placements says."""
    a = getattr(placements, "assumptions", None)
    if isinstance(a, dict) and "inflation" in a:
        rate = float(a["inflation"])
        return f"inflation {rate:g}% a year" if rate else "no inflation: prices of the unit costs"
    return None


def care_leavers(frame: Any, ax: Axes | None = None, *, council: str | None = None) -> Axes:
    """Care leavers by age at 31 March, per year, as stacked bars.

    Parameters
    ----------
    frame : pandas.DataFrame or Projection
        The frame of :func:`carecast.project_care_leavers` (``year``, ``age``, ``value``;
        its first year is the published opening and is marked off from the projection), or
        a projection or its ``to_pandas()`` frame (rows with measure ``care_leavers``,
        bands ``18`` to ``25``; the ``all`` band is left out). A projection counts only
        young people who leave care after its base year, so its cohorts start empty; to
        include those already care leavers, use :func:`carecast.project_care_leavers`
        from a published count by age.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on; a new figure when omitted.
    council : str, optional
        The council (or dataset name) named in the title; a projection names its own.

    Returns
    -------
    matplotlib.axes.Axes

    Raises
    ------
    ArgumentError
        If the frame has neither shape, or no care-leaver rows.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import carecast
    >>> df = carecast.project_care_leavers(2017, {19: 84, 20: 92}, {2018: 92, 2019: 90})
    >>> ax = carecast.plots.care_leavers(df)
    >>> [len(bars) for bars in ax.containers]  # ages 19 and 20, three years
    [3, 3]
    """
    df = _as_frame(frame, "frame")
    if {"age", "value", "year"} <= set(df.columns):
        d = pd.DataFrame(
            {"x": _xs(df["year"], "frame", "year"), "age": df["age"], "value": df["value"]}
        )
        base = float(d["x"].min()) if d["x"].nunique() > 1 else None
        title = "Care leavers by age"
    elif {"measure", "band", "value", "year"} <= set(df.columns):
        r = df[(df["measure"] == "care_leavers") & (df["band"] != "all")]
        if r.empty:
            raise ArgumentError(
                "invalid argument `frame`: the projection has no rows with measure "
                "'care_leavers' (other than band 'all')"
            )
        when = "period" if "period" in r.columns else "year"
        d = pd.DataFrame({"x": _xs(r[when], "frame", when), "age": r["band"], "value": r["value"]})
        base = _base_of(frame, d["x"].to_numpy())
        title = f"Care leavers by age: those leaving care after 31 March {base:.0f}"
    else:
        raise ArgumentError(
            "invalid argument `frame`: expected the columns year, age, value (from "
            "project_care_leavers) or a projection (year, band, measure, value); has "
            f"{[str(c) for c in df.columns]}"
        )
    try:
        d["age"] = d["age"].astype(int)
    except (ValueError, TypeError):
        raise ArgumentError(
            f"invalid argument `frame`: ages must be whole years, found {sorted(set(d['age']))}"
        ) from None
    wide = (
        d.pivot_table(index="x", columns="age", values="value", aggfunc="sum", fill_value=0.0)
        .sort_index()
        .sort_index(axis=1)
        .astype(float)
    )
    from matplotlib import colormaps

    ax = _new_axes(ax)
    x = wide.index.to_numpy(float)
    # Ages with no one in any year draw no bar and get no legend entry.
    ages = [a for a in wide.columns if (wide[a] > 0).any()] or list(wide.columns)[:1]
    cmap = colormaps["viridis_r"]
    bottom = np.zeros(len(x))
    for i, age in enumerate(ages):
        v = wide[age].to_numpy()
        colour = cmap(0.1 + 0.8 * i / max(len(ages) - 1, 1))
        ax.bar(
            x,
            v,
            width=0.7,
            bottom=bottom,
            color=colour,
            label=str(age),
            edgecolor="white",
            linewidth=0.5,
        )
        bottom += v
    if base is not None and base < x.max():
        _mark_projection(ax, base + 0.5 if base in x else base, x.max() + 0.6, start=x.min())
    _year_axis(ax, x.min(), x.max(), pad=0.6)
    _counts_from_zero(ax)
    _style(
        ax,
        title=_titled(title, _council(council) or _context(frame)[0], None),
        ylabel="Care leavers at 31 March (young people)",
        xlabel="Financial year (count at 31 March, the end of the year)",
    )
    _legend(ax, reverse=True, title="Age at 31 March")
    return ax


def backtest(
    forecasts: Any, method: str | None = None, band: str = "all", ax: Axes | None = None
) -> Axes:
    """Forecasts from successive origins against the published outturn.

    The published series is a dark line with markers; each origin's forecast path is a
    thin line starting from the published figure at its origin, with interval whiskers
    where the frame has ``lower_L`` / ``upper_L`` columns (widest level thinnest).

    Parameters
    ----------
    forecasts : pandas.DataFrame or object with ``forecasts()``
        Columns ``method``, ``origin``, ``horizon``, ``period``, ``band``, ``forecast``,
        ``actual`` and optional ``lower_L``, ``upper_L``; or a backtest object whose
        ``forecasts()`` returns that frame and whose ``default_method`` names the method
        drawn by default.
    method : str, optional
        The method to draw; default the object's ``default_method``, else the first.
    band : str
        The band to draw.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on; a new figure when omitted.

    Returns
    -------
    matplotlib.axes.Axes

    Raises
    ------
    ArgumentError
        If ``method`` or ``band`` is not in the frame, or columns are missing.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import pandas as pd
    >>> from carecast import plots
    >>> df = pd.DataFrame({"method": "held", "origin": [2015, 2015, 2016],
    ...     "horizon": [1, 2, 1], "period": ["2015/16", "2016/17", "2016/17"], "band": "all",
    ...     "forecast": [600.0, 598.0, 590.0], "actual": [585.0, 630.0, 630.0]})
    >>> ax = plots.backtest(df)
    >>> ax.get_title()
    'Children in care, all children: held forecasts against outturn'
    """
    df = _as_frame(forecasts, "forecasts", method="forecasts")
    _require(df, "forecasts", _BACKTEST_COLUMNS)
    methods = list(dict.fromkeys(df["method"]))
    if method is None:
        default = getattr(forecasts, "default_method", None)
        method = default if default in methods else methods[0] if methods else None
    _one_of("method", method, methods)
    d = df[df["method"] == method]
    bands = sorted(dict.fromkeys(d["band"]), key=_band_key)
    _one_of("band", band, bands)
    d = d[d["band"] == band].copy()
    d["x"] = _xs(d["period"], "forecasts", "period")
    d["ox"] = _xs(d["origin"], "forecasts", "origin")
    actual, period_of = _outturn(df, band)
    levels = _interval_levels(d)
    ax = _new_axes(ax)
    origins = sorted(d["ox"].unique())
    from matplotlib import colormaps
    from matplotlib.lines import Line2D

    # One shade of blue per origin, later origins darker; whiskers of different origins
    # for the same period are set slightly apart so they do not hide each other.
    cmap = colormaps["Blues"]
    shades = [cmap(0.45 + 0.5 * i / max(len(origins) - 1, 1)) for i in range(len(origins))]
    dodge = min(0.3 / max(len(origins), 1), 0.06)
    per_origin_legend = len(origins) <= 8
    starts = []
    for k, (o, colour) in enumerate(zip(origins, shades, strict=True)):
        f = d[d["ox"] == o].sort_values("x")
        fx, fy = f["x"].to_numpy(float), f["forecast"].to_numpy(float)
        start = actual[np.isclose(actual.index, o)]
        if len(start):
            fx, fy = np.r_[o, fx], np.r_[float(start.iloc[0]), fy]
            starts.append(o)
        if per_origin_legend:
            label = f"Forecast from {_origin_label(o)}"
        else:
            label = f"Forecasts ({len(origins)} origins)" if k == 0 else "_nolegend_"
        ax.plot(fx, fy, color=colour, lw=1.4, zorder=3, label=label)
        off = (k - (len(origins) - 1) / 2) * dodge
        for i, lv in enumerate(levels):
            lo, hi = f[f"lower_{lv}"].to_numpy(float), f[f"upper_{lv}"].to_numpy(float)
            ax.vlines(f["x"] + off, lo, hi, color=colour, lw=0.8 + 1.6 * i, zorder=2)
    ax.plot(
        actual.index,
        actual.to_numpy(float),
        color=_HISTORY_COLOUR,
        lw=2.2,
        marker="o",
        ms=5,
        zorder=5,
        label="Published (outturn)",
    )
    for i, lv in enumerate(levels):
        ax.add_line(Line2D([], [], color="#6baed6", lw=0.8 + 1.6 * i, label=f"{lv}% interval"))
    if len(actual):
        # Name the latest published figure: it may be a quarter, between two year ticks.
        lx, ly = float(actual.index[-1]), float(actual.iloc[-1])
        ax.annotate(
            f"{period_of.get(lx, _fy_label(round(lx)))}: {ly:,.0f}",
            (lx, ly),
            xytext=(12, 0),
            textcoords="offset points",
            va="center",
            fontsize=9,
            color=_HISTORY_COLOUR,
        )
    xs = np.r_[d["x"].to_numpy(float), starts, actual.index.to_numpy(float)]
    _year_axis(ax, xs.min(), xs.max(), quarters=_has_quarters(xs))
    _counts_from_zero(ax)
    measure = "stock"
    if "measure" in d.columns and d["measure"].nunique() == 1:
        measure = str(d["measure"].iloc[0])
    title, ylabel = _MEASURE_LABELS.get(measure, (measure.replace("_", " ").capitalize(), ""))
    _style(
        ax,
        title=_titled(
            f"{title}, {_band_name(band).lower()}: {method} forecasts against outturn",
            _council(getattr(forecasts, "dataset", None)),
            None,
        ),
        ylabel=ylabel or "Children",
        xlabel="Financial year"
        + (" (stock at 31 March, the end of the year)" * (measure == "stock")),
    )
    _legend(ax)
    return ax


def _outturn(df: pd.DataFrame, band: str) -> tuple[pd.Series, dict[float, str]]:
    """Return the published series of a backtest frame and the period label of each point.

    The outturn is the same whatever the method, so every method's ``actual`` is used; the
    figure at each origin is the ``naive`` forecast from it (the last published value),
    when the frame has one.
    """
    b = df[df["band"] == band]
    xs = _xs(b["period"], "forecasts", "period")
    pts = pd.DataFrame({"x": xs, "value": b["actual"].to_numpy(float), "period": b["period"]})
    naive = b[b["method"] == "naive"]
    if len(naive):
        ox = _xs(naive["origin"], "forecasts", "origin")
        at = pd.DataFrame(
            {"x": ox, "value": naive["forecast"].to_numpy(float), "period": None}
        ).drop_duplicates("x")
        pts = pd.concat([pts, at[~at["x"].isin(pts["x"])]], ignore_index=True)
    pts = pts.dropna(subset=["value"]).sort_values("x")
    first = pts.groupby("x", sort=True).first()
    labels = {float(x): str(p) for x, p in first["period"].items() if isinstance(p, str)}
    return first["value"], labels


_SCENARIO_MEASURES = {
    "spend": ("Spend", "Spend (£ per year)"),
    "children": ("Children in care", "Children in care at 31 March"),
    "in_house": ("Placed in-house", "Children placed at 31 March"),
    "external": ("Placed externally", "Children placed at 31 March"),
    "demand": ("Children needing a placement", "Children at 31 March"),
    "capacity": ("In-house capacity", "Children the council can place"),
    "placements": ("Placements", "Children placed at 31 March"),
}


def scenario(
    comparison: Any, measure: str = "spend", placement: str = "all", ax: Axes | None = None
) -> Axes:
    """Draw a scenario against its baseline: both lines on one chart, the difference labelled.

    Baseline and scenario come from the same :class:`~carecast.Comparison`, so they share
    every assumption, inflation included, except the scenario's levers; the title names
    the scenario and the inflation, and the last year's difference is written at the end
    of the lines (the saving, or the cost, of the scenario).

    Parameters
    ----------
    comparison : Comparison or pandas.DataFrame
        A :class:`~carecast.Comparison` or its ``to_pandas()`` frame (``year``,
        ``placement``, ``measure``, ``baseline``, ``scenario``).
    measure : str
        The measure to draw (``spend``, ``in_house``, ``external``, ``children``, ...).
    placement : str
        A placement type, a pool (``fostering``, ``residential``) or ``all``.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on; a new figure when omitted.

    Returns
    -------
    matplotlib.axes.Axes

    Raises
    ------
    ArgumentError
        If the frame lacks the columns, or has no rows of that measure and placement.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import pandas as pd
    >>> from carecast import plots
    >>> df = pd.DataFrame({"year": ["2017/18", "2018/19"], "placement": "all",
    ...     "measure": "spend", "baseline": [10e6, 11e6], "scenario": [10e6, 10.5e6]})
    >>> ax = plots.scenario(df)
    >>> [t.get_text() for t in ax.get_legend().get_texts()]
    ['Baseline', 'Scenario']
    """
    df = _as_frame(comparison, "comparison")
    _require(df, "comparison", ["year", "placement", "measure", "baseline", "scenario"])
    d = df[(df["measure"] == measure) & (df["placement"] == placement)].dropna(
        subset=["baseline", "scenario"]
    )
    if d.empty:
        pairs = sorted(
            {(str(p), str(m)) for p, m in zip(df["placement"], df["measure"], strict=True)}
        )
        raise ArgumentError(
            f"invalid argument `comparison`: no rows for placement {placement!r} and measure "
            f"{measure!r} (has {pairs[:12]}{' ...' if len(pairs) > 12 else ''})"
        )
    d = d.assign(x=_xs(d["year"], "comparison", "year")).sort_values("x")
    x = d["x"].to_numpy(float)
    base, scen = d["baseline"].to_numpy(float), d["scenario"].to_numpy(float)
    ax = _new_axes(ax)
    ax.plot(x, base, color="#555555", lw=2.2, marker="o", ms=4, label="Baseline")
    ax.plot(x, scen, color=_FAN_COLOUR, lw=2.4, marker="o", ms=4, label="Scenario")
    ax.fill_between(x, base, scen, color=_FAN_COLOUR, alpha=0.12, lw=0)
    money = measure == "spend"
    diff = scen[-1] - base[-1]
    if money:
        _money_axis(ax, float(max(base.max(), scen.max())))
        amount = f"£{abs(diff) / 1e6:,.2f}m" if abs(diff) >= 1e5 else f"£{abs(diff):,.0f}"
    else:
        amount = f"{abs(diff):,.1f}"
    word = "less" if diff < 0 else "more"
    ax.annotate(
        f"{amount} {word}\nin {_fy_label(round(x[-1]))}",
        (x[-1], scen[-1]),
        xytext=(10, 0),
        textcoords="offset points",
        va="center",
        fontsize=9,
        color=_FAN_COLOUR,
    )
    _year_axis(ax, x.min(), x.max(), pad=0.6)
    _counts_from_zero(ax)
    name, infl, council = "Scenario", None, None
    s = getattr(comparison, "scenario", None)
    if s is not None:
        name = str(getattr(s, "name", name))
        sd = s.to_dict() if callable(getattr(s, "to_dict", None)) else {}
        council = sd.get("dataset")
    bl = getattr(comparison, "baseline", None)
    a = getattr(bl, "assumptions", None)
    if isinstance(a, dict) and "inflation" in a:
        infl = float(a["inflation"])
    what, ylabel = _SCENARIO_MEASURES.get(measure, (measure.replace("_", " ").capitalize(), ""))
    where = "" if placement == "all" else f", {PLACEMENT_LABELS.get(placement, placement)}"
    extra = [] if council is None else [str(council)]
    if infl is not None and money:
        extra.append(f"inflation {infl:g}% a year in both")
    _style(
        ax,
        title=f"{name}: {what.lower()}{where} against the baseline"
        + (f" ({'; '.join(extra)})" if extra else ""),
        ylabel=ylabel or "Children",
        xlabel="Financial year" + (" (count at 31 March, the end of the year)" * (not money)),
    )
    _legend(ax)
    return ax
