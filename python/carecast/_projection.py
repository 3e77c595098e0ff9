"""Projections: the rows a projection holds, its intervals and its assumptions.

:class:`Projection` is public as :class:`carecast.model.Projection` (and
``carecast.Projection``); it lives here so that the model module holds the model.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from carecast import _carecast
from carecast import _validate as _v
from carecast._carecast import ArgumentError, UnknownNameError
from carecast._frames import columns_frame, html_block


def level_label(level: float) -> str:
    """Column suffix of an interval level: ``80`` for 80, ``97.5`` for 97.5."""
    return f"{float(level):g}"


def _level_names(cols: dict[str, Any], levels: list[float]) -> dict[str, Any]:
    """Rename the native ``lower_<i>``/``upper_<i>`` columns to ``lower_<L>``/``upper_<L>``."""
    if not levels:
        return cols
    out = {k: v for k, v in cols.items() if not k.startswith(("lower_", "upper_"))}
    for i, lv in enumerate(levels):
        out[f"lower_{level_label(lv)}"] = cols[f"lower_{i}"]
        out[f"upper_{level_label(lv)}"] = cols[f"upper_{i}"]
    return out


class Projection:
    """A projection: long rows (year, period, band, measure, value) and its assumptions.

    A Monte Carlo projection (``samples=`` given to :meth:`CohortModel.project`) also has
    ``mean``, ``median`` and ``lower_<L>`` / ``upper_<L>`` columns for each level ``L``.
    A projection with calibrated intervals (``intervals="calibrated"``) has ``median``
    and ``lower_<L>`` / ``upper_<L>`` on the yearly ``stock`` rows one to five years
    ahead (the total and each band) and NaN on the other rows, which have none.
    """

    COLUMNS = ["year", "period", "band", "measure", "value"]

    def __init__(
        self,
        native: _carecast.Projection | _carecast.IntervalProjection,
        calibrated_levels: Sequence[float] | None = None,
        notes: Sequence[str] = (),
    ) -> None:
        self._native = native
        # Notes of the Python layer (why the default admissions are what they are),
        # shown after the core's in ``assumptions["notes"]``.
        self._notes = [str(n) for n in notes]
        self._assumptions: dict[str, Any] | None = None
        # No levels (None, or the empty list every projection without calibrated intervals
        # pickled as before this release) means no calibration. `CohortModel.project`
        # refuses `levels=[]` itself, through the core's check, before it gets here.
        self._cal_levels = [] if calibrated_levels is None else list(calibrated_levels)
        self._cal: dict[str, Any] | None = None
        if self._cal_levels:
            if not isinstance(native, _carecast.Projection):
                raise ArgumentError("calibrated intervals need a deterministic projection")
            # The core checks the levels.
            self._cal = native.calibrated(self._cal_levels)

    def __reduce__(self) -> tuple[Any, ...]:
        levels = self._cal_levels if self._cal is not None else None
        return (type(self), (self._native, levels, self._notes))

    @property
    def intervals(self) -> str | None:
        """Kind of the intervals: ``"monte_carlo"``, ``"calibrated"`` or ``None``."""
        if isinstance(self._native, _carecast.IntervalProjection):
            return "monte_carlo"
        return "calibrated" if self._cal is not None else None

    @property
    def levels(self) -> list[float]:
        """Interval levels (percent); empty for a projection without intervals."""
        if isinstance(self._native, _carecast.IntervalProjection):
            return list(self._native.levels)
        return list(self._cal_levels)

    @property
    def uncertainty(self) -> dict[str, Any] | None:
        """What the Monte Carlo paths drew from (``None`` without Monte Carlo paths)."""
        if isinstance(self._native, _carecast.IntervalProjection):
            return dict(self._native.uncertainty())
        return None

    @property
    def warnings(self) -> list[str]:
        """The core's warnings about this projection (notes marked ``warning:``)."""
        return [
            n.removeprefix("warning: ")
            for n in self.assumptions["notes"]
            if n.startswith("warning:")
        ]

    @property
    def assumptions(self) -> dict[str, Any]:
        """The assumptions that made the projection."""
        if self._assumptions is None:
            a = dict(self._native.assumptions())
            if self._notes:
                a["notes"] = [*a.get("notes", []), *self._notes]
            self._assumptions = a
        return dict(self._assumptions)

    def to_pandas(self) -> pd.DataFrame:
        """Return the projection in long form.

        Returns
        -------
        pandas.DataFrame
            Columns ``year``, ``period``, ``band``, ``measure``, ``value``. Measures:
            ``opening``, ``admissions``, ``discharges``, ``ageing_in``, ``ageing_out``,
            ``leavers_18``, ``stock`` (closing) and ``care_leavers`` (bands ``18``..``25``
            and ``all``). Values are expected counts, not rounded. A Monte Carlo
            projection adds ``mean``, ``median``, and ``lower_<L>`` and ``upper_<L>`` for
            each interval level ``L``.

        Examples
        --------
        >>> import carecast
        >>> m = carecast.CohortModel.fit("derbyshire")
        >>> p = m.project(years=3, admissions="trend", discharges="last")
        >>> df = p.to_pandas()
        >>> df.columns.tolist()
        ['year', 'period', 'band', 'measure', 'value']
        >>> total = df[(df.measure == "stock") & (df.band == "all")]
        >>> total[["period", "value"]].round(1).values.tolist()
        [['2017/18', 667.8], ['2018/19', 670.2], ['2019/20', 712.2]]
        """
        if self._cal is None:
            return columns_frame(_level_names(self._native.columns(), self.levels))
        df = columns_frame(self._native.columns())
        cal = _level_names(dict(self._cal), self._cal_levels)
        cal = pd.DataFrame({k: v for k, v in cal.items() if k not in ("horizon", "value")})
        cal["measure"] = "stock"
        cal = cal[cal["year"].isin(set(df["year"]))]
        out = df.merge(cal, on=["year", "band", "measure"], how="left", validate="many_to_one")
        # Calibrated rows are yearly stocks: a sub-year period of the same year has none.
        sub = out["period"] != out["year"]
        out.loc[sub, [c for c in cal.columns if c not in ("year", "band", "measure")]] = np.nan
        return out

    def to_wide(self, measure: str = "stock", values: str = "value") -> pd.DataFrame:
        """Pivot one measure to periods by bands (the shape councils publish).

        Parameters
        ----------
        measure : str
            A measure of :meth:`to_pandas` (``stock``, ``admissions``, ...).
        values : str
            The column to show: ``value`` (the deterministic projection) or, for a Monte
            Carlo projection, ``mean``, ``median``, ``lower_<L>`` or ``upper_<L>``.

        Returns
        -------
        pandas.DataFrame
            One row per period, one column per band (youngest first, ``all`` last).

        Raises
        ------
        UnknownNameError
            If ``measure`` or ``values`` is not in the projection.

        Examples
        --------
        >>> import carecast
        >>> m = carecast.CohortModel.fit("derbyshire")
        >>> p = m.project(years=2, admissions="trend", discharges="last")
        >>> p.to_wide("stock").round(0)  # doctest: +NORMALIZE_WHITESPACE
        band     under 1    1-4   5-9  10-15  16-17    all
        period
        2017/18     38.0  102.0  97.0  262.0  169.0  668.0
        2018/19     39.0  104.0  93.0  281.0  152.0  670.0
        """
        df = self.to_pandas()
        measure = _v.choice(
            "measure", measure, list(dict.fromkeys(df["measure"])), UnknownNameError
        )
        values = _v.choice("values", values, [str(c) for c in df.columns[4:]], UnknownNameError)
        df = df[df["measure"] == measure]
        wide = df.pivot_table(index="period", columns="band", values=values, sort=False)
        wide.columns.name = "band"
        return wide

    def __repr__(self) -> str:
        a = self.assumptions
        return (
            f"<Projection of {a['dataset']!r} from 31 March {a['base_year']}, {a['years']} years; "
            f"admissions {a['admissions']['method']}, discharges {a['discharges']['method']}>"
        )

    def _repr_html_(self) -> str:
        a = self.assumptions
        lines = [f"{k}: {a[k]}" for k in ("admissions", "discharges", "spread", "output_bands")]
        lines += list(a["notes"])
        u = self.uncertainty
        if u is not None:
            lines.append(
                f"Monte Carlo: {u['samples']} paths, seed {u['seed']}, levels "
                + ", ".join(level_label(v) for v in self.levels)
            )
            lines += list(u["notes"])
        if not self.levels:
            return html_block(repr(self), lines, self.to_wide().round(1).reset_index())
        # With intervals: the stock in long form, the total first, every interval column.
        df = self.to_pandas()
        df = df[df["measure"] == "stock"].drop(columns=["year", "measure"])
        df = pd.concat([df[df["band"] == "all"], df[df["band"] != "all"]])
        return html_block(repr(self), lines, df.round(1), max_rows=40)


# Public (and pickled) as `carecast.model.Projection`, where it has always been.
Projection.__module__ = "carecast.model"
# ... and its examples are still collected as doctests of this module.
__test__ = {"Projection": Projection}
