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

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from carecast._carecast import ArgumentError
from carecast._plots_common import (
    _BAND_COLOURS,
    _FAN_COLOUR,
    _HISTORY_COLOUR,
    _MEASURE_LABELS,
    _TOTAL_COLOUR,
    PLACEMENT_LABELS,
    _band_key,
    _band_name,
    _context,
    _counts_from_zero,
    _has_quarters,
    _history,
    _interval_levels,
    _legend,
    _mark_projection,
    _new_axes,
    _one_of,
    _projection_rows,
    _require,
    _style,
    _titled,
    _xs,
    _year_axis,
    time_position,
)
from carecast._plots_placements import SPEND_BY as SPEND_BY  # the choices of spend(by=...)
from carecast._plots_placements import capacity, spend
from carecast._plots_results import backtest, care_leavers, scenario

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes

# stock and fan are drawn here; the shared style (_plots_common.py), the placement charts
# (_plots_placements.py) and the other results' charts (_plots_results.py) live in private
# modules, imported above, whose public names are part of this module.
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
