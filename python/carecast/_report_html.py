"""Rendering the sufficiency report: its sections, charts as inline SVG, tables, the page.

:class:`_Builder` collects each section's text, charts and tables while
:func:`carecast.report.report` runs (charts and tables of counts follow its disclosure
rule) and :func:`_document` assembles the self-contained HTML page, styles inline.
:data:`SECTIONS` and ``Progress`` are imported from, and part of, :mod:`carecast.report`.
"""

from __future__ import annotations

import datetime as _dt
import html
import io
from collections.abc import Callable, Sequence
from typing import Any

import pandas as pd

from carecast import _carecast, export
from carecast._carecast import CarecastError
from carecast.datasets import Dataset
from carecast.model import CohortModel

Progress = Callable[[str], None]

#: Sections of the report, in order: key and title.
SECTIONS: tuple[tuple[str, str], ...] = (
    ("children", "Children in care by age: history and forecast"),
    ("placements", "Placements by type against in-house capacity"),
    ("spend", "Spend on placements"),
    ("leavers", "Care leavers to 25"),
    ("scenario", "Scenario against its baseline"),
    ("accuracy", "How accurate the method has been"),
    ("assumptions", "Assumptions and sources"),
    ("caveats", "Data caveats"),
)


def _svg(draw: Callable[[Any], Any], size: tuple[float, float] = (10.0, 5.0)) -> str:
    """Draw a chart on a new figure (no pyplot, so no backend is changed) and return SVG."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=size, layout="constrained")
    fig.get_layout_engine().set(w_pad=0.12, h_pad=0.12)
    ax = fig.add_subplot()
    draw(ax)
    buf = io.StringIO()
    fig.savefig(buf, format="svg", metadata={"Date": None})
    text = buf.getvalue()
    return text[text.index("<svg") :]


_CSS = """
body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,Arial,sans-serif;margin:0;
color:#1d1d1d;background:#fafafa;line-height:1.45}
header{background:#0b3d6b;color:#fff;padding:1.4em 2em}
header h1{margin:0 0 .2em 0;font-size:1.7em}
header p{margin:.2em 0;opacity:.9}
main{max-width:1100px;margin:0 auto;padding:1em 2em 3em 2em}
nav ol{columns:2;padding-left:1.2em}
section{background:#fff;border:1px solid #e3e3e3;border-radius:6px;padding:1em 1.4em;
margin:1.2em 0}
h2{color:#0b3d6b;border-bottom:2px solid #0b3d6b;padding-bottom:.2em}
figure.chart{margin:1em 0}
figure.chart svg,figure.chart img{width:100%;height:auto}
figcaption{font-size:.9em;color:#555}
table{border-collapse:collapse;font-size:.85em;margin:.6em 0}
th,td{border:1px solid #ddd;padding:.25em .5em;text-align:right}
th{background:#f0f4f8}
td.text,th.text{text-align:left}
.unavailable{background:#fff8e1;border-left:4px solid #f0ad00;padding:.6em 1em}
.slot{background:#eef5fb;border-left:4px solid #0b3d6b;padding:.6em 1em}
details summary{cursor:pointer;color:#0b3d6b}
footer{color:#666;font-size:.85em;text-align:center;padding:1em}
"""


def _esc(s: Any) -> str:
    return html.escape(str(s))


def _table_html(df: pd.DataFrame, max_rows: int | None = None) -> str:
    shown = df if max_rows is None else df.head(max_rows)
    head = "".join(
        f"<th class='{'num' if _is_num(df[c]) else 'text'}'>{_esc(export.header(df, c))}</th>"
        for c in df.columns
    )
    body = []
    for rec in shown.astype(object).itertuples(index=False):
        cells = []
        for c, v in zip(df.columns, rec, strict=True):
            num = _is_num(df[c])
            txt = "" if v is None or v is pd.NA or (isinstance(v, float) and v != v) else v
            if num and isinstance(txt, float):
                txt = f"{txt:,.{_digits(txt)}f}"
            elif num and isinstance(txt, int) and c not in ("year", "origin", "age", "line"):
                txt = f"{txt:,}"
            cells.append(f"<td class='{'num' if num else 'text'}'>{_esc(txt)}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    more = ""
    if max_rows is not None and len(df) > max_rows:
        more = f"<p>{len(df) - max_rows} more rows in the workbook.</p>"
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>{more}"


def _is_num(s: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s)


def _digits(v: float) -> int:
    """Decimals to print an already-rounded value (no trailing zeros beyond what it has)."""
    s = repr(float(v))
    return 0 if s.endswith(".0") or "e" in s else min(len(s.split(".")[1]), 4)


class _Builder:
    """Collects sections, charts and tables while the report runs."""

    def __init__(self, progress: Progress | None, disclosure: str = "none") -> None:
        self.disclosure = disclosure
        self.sections: list[dict[str, Any]] = []
        self.tables: dict[str, pd.DataFrame] = {}
        self.notes: dict[str, str] = {}
        self.parts: dict[str, list[str]] = {}
        self.charts: list[str] = []
        self.headlines: list[str] = []
        self.progress = progress

    def step(self, text: str) -> None:
        if self.progress is not None:
            self.progress(text)

    def open(self, key: str) -> dict[str, Any]:
        title = dict(SECTIONS)[key]
        s = {"key": key, "title": title, "available": True, "reason": "", "charts": []}
        self.sections.append(s)
        self.parts[key] = []
        return s

    def text(self, key: str, text: str) -> None:
        self.parts[key].append(f"<p>{_esc(text)}</p>")

    def raw(self, key: str, markup: str) -> None:
        self.parts[key].append(markup)

    def notes_list(self, key: str, notes: Sequence[str]) -> None:
        if notes:
            items = "".join(f"<li>{_esc(n)}</li>" for n in notes)
            self.raw(
                key, f"<details><summary>Notes ({len(notes)})</summary><ul>{items}</ul></details>"
            )

    def unavailable(self, key: str, reason: str) -> None:
        s = next(s for s in self.sections if s["key"] == key)
        s["available"] = False
        s["reason"] = reason
        self.parts[key].append(
            f"<div class='unavailable'><strong>Not available for this dataset.</strong> "
            f"{_esc(reason)}</div>"
        )

    def chart(
        self,
        key: str,
        name: str,
        caption: str,
        draw: Callable[[Any], Any],
        *,
        counts: bool = True,
    ) -> None:
        """Draw a chart into a section; ``counts``: its values are counts of people.

        Under a disclosure rule a chart of counts is drawn with whole numbers and its
        printed counts follow the rule (:func:`carecast.export.disclose_axes`); a chart
        that would draw a count of 1 to 5 is withheld, with the reason in its place.
        """
        withheld: list[str] = []

        def drawn(ax: Any) -> None:
            with export.disclosure_control(self.disclosure):
                draw(ax)
                if counts:
                    why = export.disclose_axes(ax, self.disclosure)
                    if why:
                        withheld.append(why)

        try:
            svg = _svg(drawn)
        except CarecastError as e:
            self.raw(key, f"<div class='unavailable'>Chart {_esc(name)} not drawn: {_esc(e)}</div>")
            return
        if withheld:
            self.raw(
                key,
                f"<div class='unavailable withheld' data-chart='{_esc(name)}'>Chart "
                f"{_esc(name)} withheld under disclosure control ({_esc(self.disclosure)}): "
                f"{_esc(withheld[0])}. Its figures are in the tables, with counts of 1 to "
                f"{export.DFE_SMALL_MAX} written {export.DFE_SYMBOL}.</div>",
            )
            return
        self.charts.append(name)
        next(s for s in self.sections if s["key"] == key)["charts"].append(name)
        self.parts[key].append(
            f"<figure class='chart' id='chart-{_esc(name)}' data-chart='{_esc(name)}'>{svg}"
            f"<figcaption>{_esc(caption)}</figcaption></figure>"
        )

    def table(
        self,
        key: str,
        name: str,
        df: pd.DataFrame,
        note: str,
        *,
        max_rows: int = 40,
        collapsed: bool = False,
    ) -> None:
        if self.disclosure != "none":
            df = export.disclose(df, self.disclosure)
        self.tables[name] = df
        self.notes[name] = note
        body = _table_html(df, max_rows)
        label = f"Table <code>{_esc(name)}</code> ({len(df)} rows): {_esc(note)}"
        if collapsed:
            self.raw(key, f"<details><summary>{label}</summary>{body}</details>")
        else:
            self.raw(key, f"<p class='tablenote'>{label}</p>{body}")


def _document(b: _Builder, ds: Dataset, council: str, model: CohortModel | None, main: str) -> str:
    today = _dt.date.today().isoformat()
    base = f"from 31 March {model.base_year}" if model is not None else "(no forecast)"
    nav = "".join(
        f"<li><a href='#{s['key']}'>{_esc(s['title'])}</a>"
        + ("" if s["available"] else " <em>(not available)</em>")
        + "</li>"
        for s in b.sections
    )
    body = "".join(
        f"<section id='{s['key']}' data-available='{str(s['available']).lower()}'>"
        f"<h2>{_esc(s['title'])}</h2>{''.join(b.parts[s['key']])}</section>"
        for s in b.sections
    )
    version = getattr(_carecast, "__version__", "")
    glance = ""
    if b.headlines:
        items = "".join(f"<li>{_esc(h)}</li>" for h in b.headlines)
        glance = f"<section id='headlines'><h2>At a glance</h2><ul>{items}</ul></section>"
    return (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>{_esc(council)}: sufficiency report</title><style>{_CSS}</style></head><body>"
        f"<header><h1>{_esc(council)}: children in care, placements and spend</h1>"
        f"<p>Sufficiency report {base}; {_esc(main)}. Dataset <code>{_esc(ds.name)}</code>.</p>"
        f"<p>Made by carecast {_esc(version)} on {today}. Every figure comes from the "
        "published tables listed under Assumptions and sources.</p></header><main>"
        f"{glance}<nav><h2>Contents</h2><ol>{nav}</ol></nav>{body}</main>"
        f"<footer>carecast {_esc(version)}: {_esc(ds.title)} ({_esc(ds.name)}). "
        "Tables: the workbook beside this file.</footer></body></html>"
    )
