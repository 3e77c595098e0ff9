"""Helpers shared by the result types and exports: long frames, JSON records, HTML reprs."""

from __future__ import annotations

import html
import math
from typing import Any

import numpy as np
import pandas as pd

#: The dtype pandas gives a column of ``str`` (its string dtype in pandas 3, ``object`` in
#: pandas 2), so that frames built from native columns look as if built from records.
_TEXT = pd.Series(["a"]).dtype


def _text(values: np.ndarray) -> Any:
    """Turn an object array of ``str`` into pandas' column of text, without re-inferring."""
    if isinstance(_TEXT, pd.api.extensions.ExtensionDtype):
        return _TEXT.construct_array_type()._from_sequence(values, dtype=_TEXT)
    return values


try:  # pandas 3: a frame made straight from its blocks, without the constructor's checks.
    from pandas.api.internals import create_dataframe_from_blocks as _from_blocks
except ImportError:  # pragma: no cover - pandas 2
    _from_blocks = None


def columns_frame(cols: dict[str, Any]) -> pd.DataFrame:
    """Build a DataFrame once from native columns (numpy arrays; object arrays hold ``str``).

    The arrays are fresh from the native layer, so the frame takes them without copying.
    Where pandas offers it (pandas 3), the frame is assembled from its blocks: every
    column is a 1-D array of one length whose dtype is already the frame's (text as
    pandas' string array, numbers as they came), which is what the constructor would
    check and infer, at a quarter of its cost for a projection's frame.
    """
    out = {k: _text(v) if v.dtype == object else v for k, v in cols.items()}
    lengths = {len(v) for v in out.values()}
    if (
        _from_blocks is None
        or len(lengths) != 1
        or not all(
            isinstance(v, pd.api.extensions.ExtensionArray)
            or (isinstance(v, np.ndarray) and v.ndim == 1 and v.dtype != object)
            for v in out.values()
        )
    ):
        return pd.DataFrame(out, copy=False)
    blocks = [
        (v if isinstance(v, pd.api.extensions.ExtensionArray) else v.reshape(1, -1), np.array([i]))
        for i, v in enumerate(out.values())
    ]
    return _from_blocks(blocks, index=pd.RangeIndex(lengths.pop()), columns=pd.Index(list(out)))


def interval_columns(name: str, iv: dict[str, Any] | None) -> dict[str, float | None]:
    """Split an interval ``{"lo": .., "hi": ..}`` into value / lower / upper columns.

    ``value`` is set only when the interval is a single number.
    """
    if iv is None:
        return {name: None, f"{name}_lower": None, f"{name}_upper": None}
    lo, hi = iv["lo"], iv["hi"]
    return {name: lo if hi == lo else None, f"{name}_lower": lo, f"{name}_upper": hi}


def frame(rows: list[dict[str, Any]] | dict[str, Any], columns: list[str]) -> pd.DataFrame:
    """Build a DataFrame with fixed columns from rows or from columns (a dict of lists).

    Float columns with gaps use the nullable ``Float64``.
    """
    df = pd.DataFrame(rows, columns=columns)
    for c in df.columns:
        if df[c].dtype == object and all(
            v is None or (isinstance(v, (int, float)) and not isinstance(v, bool)) for v in df[c]
        ):
            if any(v is not None for v in df[c]):
                df[c] = pd.array(df[c].tolist(), dtype="Float64")
    return df


def records(df: pd.DataFrame) -> list[dict[str, Any]]:
    """DataFrame rows as JSON-ready dicts (missing values become ``None``)."""
    out = []
    for row in df.astype(object).to_dict("records"):
        clean = {}
        for k, v in row.items():
            if v is pd.NA or v is None or (isinstance(v, float) and math.isnan(v)):
                clean[str(k)] = None
            elif hasattr(v, "item"):
                clean[str(k)] = v.item()
            else:
                clean[str(k)] = v
        out.append(clean)
    return out


def html_block(
    title: str, lines: list[str], df: pd.DataFrame | None = None, max_rows: int = 20
) -> str:
    """Render a small HTML card: a title, a few lines of text and an optional table preview."""
    parts = [f"<div class='carecast'><strong>{html.escape(title)}</strong><ul>"]
    parts += [f"<li>{html.escape(line)}</li>" for line in lines]
    parts.append("</ul>")
    if df is not None:
        parts.append(df.head(max_rows).to_html(index=False, na_rep=""))
        if len(df) > max_rows:
            parts.append(f"<p>... {len(df) - max_rows} more rows</p>")
    parts.append("</div>")
    return "".join(parts)


def _numeric(s: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s)
