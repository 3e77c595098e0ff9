"""The parts every chart of :mod:`carecast.plots` shares.

Colours and labels used by more than one chart (readable names of placement types, band
and measure labels), where a period sits on the time axis (:func:`time_position`), reading
a result or its frame with errors that name the argument, and the house style of the axes:
the year axis, the projection's shading, wrapped titles and legends beside or below the
chart. Public names here are imported from, and documented as part of,
:mod:`carecast.plots`.
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

# Okabe-Ito colours (distinguishable with the common colour-vision deficiencies), in the
# order bands run from the youngest; the total is drawn in near-black.
_BAND_COLOURS = ["#CC79A7", "#E69F00", "#009E73", "#0072B2", "#D55E00", "#56B4E9", "#999933"]
_TOTAL_COLOUR = "#222222"
_HISTORY_COLOUR = "#222222"
_FAN_COLOUR = "#0072B2"
_PROJECTION_SHADE = "#f2f2f2"
_FIGSIZE = (10.0, 5.0)
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


def _has_quarters(xs: Any) -> bool:
    """Whether any time position falls between 31 Marches (quarterly or monthly data)."""
    x = np.asarray(xs, dtype=float)
    return bool(np.any(np.abs(x - np.round(x)) > 1e-9))


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
