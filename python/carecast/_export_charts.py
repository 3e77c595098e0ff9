"""Disclosure control of matplotlib charts of counts (:func:`disclose_axes`).

Under the ``dfe`` rule a chart's drawn values become whole numbers, the counts printed in
its annotations and legend follow :func:`carecast.export.count_text`, and a chart that
would draw a count of 1 to 5 is refused. Imported from, and documented as part of,
:mod:`carecast.export`; matplotlib is imported only when a chart is checked.
"""

from __future__ import annotations

import math
import re
from typing import Any

import numpy as np

from carecast._export_disclosure import _DISCLOSURE, DFE_SMALL_MAX, _check_rule, count_text

# A number in a chart's free text (an annotation): not a year (a bare 4-digit 19xx/20xx),
# a period (2017/18), a band (1-4), a percentage or part of a word.
_COUNT_IN_TEXT = re.compile(r"(?<![\w./%£-])(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?(?![\w/%-]|\.\d)")
# A count named in a legend entry: "places: 123".
_COUNT_IN_LABEL = re.compile(r"(?<=: )(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?(?![\w/%-]|\.\d)")


def _disclose_text(text: str, pattern: re.Pattern[str], rule: str) -> str:
    def repl(m: re.Match[str]) -> str:
        token = m.group(0)
        if m.group(2) is None and len(token) == 4 and token[:2] in ("19", "20"):
            return token  # a year
        return count_text(float(token.replace(",", "")), disclosure=rule)

    return pattern.sub(repl, text)


def disclose_axes(ax: Any, disclosure: str | None = None) -> str | None:
    """Make a matplotlib chart of counts follow a disclosure rule, in place.

    Under ``"dfe"`` every value the chart draws in data coordinates (line points, the
    edges of filled intervals, scatter points and bar edges) is rounded to a whole number
    of children, half away from zero, and every count printed in an annotation or named in
    a legend entry (``places: 123``) is written as :func:`count_text` writes it. A drawn
    count of 1 to :data:`DFE_SMALL_MAX` cannot be written ``c`` on a line, so the chart is
    refused instead: the reason is returned and the caller shows it in place of the
    chart. Years, periods, bands and percentages in text are kept. Under ``"none"`` the
    chart is unchanged. Only for charts whose values are counts (children, young people,
    places); a chart of pounds needs no rule.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
        The drawn chart.
    disclosure : str, optional
        The rule; default: the rule of the enclosing :func:`disclosure_control`.

    Returns
    -------
    str or None
        Why the chart cannot be shown under the rule, or ``None`` when it follows it.

    Raises
    ------
    ValueError
        If the rule is not one of :data:`DISCLOSURE_RULES`.

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> from carecast import export
    >>> ax = Figure().add_subplot()
    >>> _ = ax.plot([2019, 2020], [630.4, 612.6])
    >>> _ = ax.annotate("2019/20: 612.6", (2020, 612.6))
    >>> export.disclose_axes(ax, "dfe") is None
    True
    >>> ax.lines[0].get_ydata().tolist(), ax.texts[0].get_text()
    ([630.0, 613.0], '2019/20: 613')
    >>> _ = ax.plot([2019, 2020], [7.0, 4.6])
    >>> export.disclose_axes(ax, "dfe")
    'it would draw a count of 1 to 5, which the dfe rule withholds'
    """
    rule = _check_rule(disclosure if disclosure is not None else _DISCLOSURE.get())
    if rule == "none":
        return None
    from matplotlib.collections import Collection
    from matplotlib.lines import Line2D
    from matplotlib.patches import Rectangle

    def whole(y: np.ndarray) -> np.ndarray:
        y = np.asarray(y, dtype=float)
        return np.sign(y) * np.floor(np.abs(y) + 0.5)

    def small(y: np.ndarray) -> bool:
        a = np.abs(y[np.isfinite(y)])
        return bool(((a >= 1) & (a <= DFE_SMALL_MAX)).any())

    withheld = False
    data = ax.transData
    for line in ax.get_lines():
        if not isinstance(line, Line2D) or line.get_transform() != data:
            continue
        y = whole(np.asarray(line.get_ydata(), dtype=float))
        withheld |= small(y)
        line.set_ydata(y)
    for coll in ax.collections:
        if not isinstance(coll, Collection):
            continue
        # Scatter points: offsets in data coordinates, marker shapes in points.
        offsets = np.array(coll.get_offsets(), dtype=float)
        if coll.get_offset_transform() == data and offsets.ndim == 2 and len(offsets):
            offsets[:, 1] = whole(offsets[:, 1])
            withheld |= small(offsets[:, 1])
            coll.set_offsets(offsets)
        # Filled intervals and line collections: paths in data coordinates.
        if coll.get_transform() == data:
            for path in coll.get_paths():
                if len(path.vertices):
                    v = np.array(path.vertices, dtype=float)
                    v[:, 1] = whole(v[:, 1])
                    withheld |= small(v[:, 1])
                    path.vertices = v
    for patch in ax.patches:
        if not isinstance(patch, Rectangle) or patch.get_data_transform() != data:
            continue
        lo = float(whole(np.array([patch.get_y()]))[0])
        hi = float(whole(np.array([patch.get_y() + patch.get_height()]))[0])
        withheld |= small(np.array([hi - lo, hi]))
        patch.set_y(lo)
        patch.set_height(hi - lo)
    for t in ax.texts:
        t.set_text(_disclose_text(t.get_text(), _COUNT_IN_TEXT, rule))
    legend = ax.get_legend()
    if legend is not None:
        for t in legend.get_texts():
            t.set_text(_disclose_text(t.get_text(), _COUNT_IN_LABEL, rule))
    _whole_ticks(ax.yaxis)
    if withheld:
        return f"it would draw a count of 1 to {DFE_SMALL_MAX}, which the {rule} rule withholds"
    return None


def _whole_ticks(axis: Any) -> None:
    """Label a count axis at whole numbers only, with no label from 1 to 5.

    A tick label reading 1 to :data:`DFE_SMALL_MAX` beside a drawn point, or a fractional
    label (``6.5``), would read back a count the rule withholds or a precision it does not
    give: those labels are left blank. The default locator is replaced by one that places
    ticks at whole numbers; a chart's own locator is kept and only its labels are checked.
    """
    from matplotlib.ticker import AutoLocator, Formatter, MaxNLocator, NullFormatter

    if type(axis.get_major_locator()) is AutoLocator:
        axis.set_major_locator(MaxNLocator(nbins="auto", steps=[1, 2, 2.5, 5, 10], integer=True))
    inner = axis.get_major_formatter()

    class WholeCounts(Formatter):
        def set_locs(self, locs: Any) -> None:
            inner.set_locs(locs)

        def get_offset(self) -> str:
            return str(inner.get_offset())

        def __call__(self, x: float, pos: int | None = None) -> str:
            w = math.floor(abs(x) + 0.5)
            if abs(abs(x) - w) > 1e-9 or 1 <= w <= DFE_SMALL_MAX:
                return ""
            return str(inner(x, pos))

    if not isinstance(inner, WholeCounts):
        axis.set_major_formatter(WholeCounts())
    axis.set_minor_formatter(NullFormatter())
