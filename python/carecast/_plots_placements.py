"""Charts of placements: in-house capacity against demand (:func:`capacity`) and spend.

Both read a :class:`~carecast.Placements` (or its frame); imported from, and documented
as part of, :mod:`carecast.plots`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from carecast import _validate as _v
from carecast._carecast import ArgumentError
from carecast._plots_common import (
    _TOTAL_COLOUR,
    PLACEMENT_LABELS,
    _as_frame,
    _context,
    _counts_from_zero,
    _legend,
    _mark_projection,
    _money_axis,
    _new_axes,
    _one_of,
    _require,
    _style,
    _titled,
    _xs,
    _year_axis,
)

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes


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
_CAPACITY_COLOUR = "#b2182b"
_POOL_NEEDS = {"fostering": "fostering", "residential": "residential care"}

_POOL_MEASURES = ("demand", "capacity", "in_house", "external")


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
