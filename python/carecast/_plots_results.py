"""Charts of the other results: care leavers, a backtest and a scenario.

:func:`care_leavers` (cohorts to 25 as stacked bars), :func:`backtest` (forecasts from
each origin against the published outturn) and :func:`scenario` (a scenario against its
baseline); imported from, and documented as part of, :mod:`carecast.plots`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from carecast._carecast import ArgumentError
from carecast._plots_common import (
    _FAN_COLOUR,
    _HISTORY_COLOUR,
    _MEASURE_LABELS,
    PLACEMENT_LABELS,
    _as_frame,
    _band_key,
    _band_name,
    _base_of,
    _context,
    _council,
    _counts_from_zero,
    _fy_label,
    _has_quarters,
    _interval_levels,
    _legend,
    _mark_projection,
    _money_axis,
    _new_axes,
    _one_of,
    _origin_label,
    _require,
    _style,
    _titled,
    _xs,
    _year_axis,
)

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes

_BACKTEST_COLUMNS = ["method", "origin", "horizon", "period", "band", "forecast", "actual"]


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
