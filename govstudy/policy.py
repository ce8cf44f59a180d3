"""Adoption cohorts from dated policy events, on the periods of a researcher's own panel.

:func:`adoption_cohorts` turns a table of dated events (such as the bundled ``policy_events``) into one
row per unit with its first adoption and the period number of that adoption on the panel's own
periods, using :class:`govstudy.PeriodMap` (``0`` = never treated, as every staggered estimator here
expects). Dates are only as precise as their documents: a year-precision date (``"2019"``) on a monthly
panel has no month, so by default it gets no cohort (``<NA>``) and a note, rather than a guessed
January; ``coarse="first"`` or ``"last"`` place it at the first or last period of its year or month
when the researcher decides so.

>>> import pandas as pd
>>> events = pd.DataFrame({"unit": ["甲区", "甲区", "乙区", "丙县"],
...                        "measure": ["hotline_response"] * 4,
...                        "date": ["2021-03-15", "2021-06", "2022-01", "2021"]})
>>> panel_months = pd.period_range("2020-01", "2022-12", freq="M").astype(str)
>>> out = adoption_cohorts(events, panel_months, unit="unit", units=["甲区", "乙区", "丙县", "丁县"])
>>> out[["unit", "adoption_date", "cohort", "cohort_label"]].values.tolist()
[['甲区', '2021-03-15', 15, '2021-03'], ['乙区', '2022-01', 25, '2022-01'], ['丙县', '2021', <NA>, nan], ['丁县', nan, 0, nan]]
>>> out.loc[2, "note"]
'date 2021 is coarser (year) than the panel (month): no cohort; pass coarse="first" or "last" to place it'
"""

from __future__ import annotations

import re
from typing import Iterable, Sequence

import numpy as np
import pandas as pd

from govstudy.errors import DataValidationError
from govstudy.periods import PeriodMap

__all__ = ["adoption_cohorts"]

_RANK = {"year": 0, "quarter": 1, "month": 2, "week": 3, "day": 4}
_FREQ_PRECISION = {"Y": "year", "Q": "quarter", "M": "month", "W": "week", "D": "day"}


def _precision(date: str) -> str:
    if re.fullmatch(r"\d{4}", date):
        return "year"
    if re.fullmatch(r"\d{4}-\d{1,2}", date):
        return "month"
    if re.fullmatch(r"\d{4}-\d{1,2}-\d{1,2}", date):
        return "day"
    raise DataValidationError(f"date {date!r} is not YYYY, YYYY-MM or YYYY-MM-DD", column="date", rule="date-format")


def _place(date: str, precision: str, where: str) -> str:
    """The first or last day of a year or month, as a date string."""
    per = pd.Period(date, freq="Y" if precision == "year" else "M")
    day = per.start_time if where == "first" else per.end_time
    return day.strftime("%Y-%m-%d")


def adoption_cohorts(events: pd.DataFrame, periods, *, unit: str = "locality_zh", date: str = "date",
                     measure: str | Sequence[str] | None = None, units: Iterable | None = None,
                     freq: str | None = None, mid_period: str = "treated", coarse: str = "missing") -> pd.DataFrame:
    """One row per unit: its first dated event and the cohort (period number) on the panel's periods.

    ``events`` has a unit column (``unit``), a date column (``date``: ``YYYY``, ``YYYY-MM`` or
    ``YYYY-MM-DD``), optionally ``measure`` and ``date_precision`` (else inferred from the date's form)
    and ``event_id``. ``periods`` are the panel's own time values, in any form :class:`PeriodMap` reads
    (or a ready ``PeriodMap``); ``freq`` is passed to it. ``measure`` keeps only events of that measure (or
    those measures). ``units`` adds the panel's never-treated units (cohort 0). ``mid_period`` is the
    :meth:`PeriodMap.cohorts` rule for a date inside a period. ``coarse`` says what to do with a date
    coarser than the panel's periods: ``"missing"`` (cohort ``<NA>``, with a note), ``"first"`` /
    ``"last"`` (its first or last day), or ``"error"``.

    Returns columns ``unit``, ``adoption_date``, ``date_precision``, ``cohort`` (nullable integer; 0 for
    never treated; negative when adopted before the panel starts), ``cohort_label`` (the panel period as
    the panel writes it, or None), ``events`` (number of events of the unit), ``event_ids`` and ``note``.
    """
    if coarse not in ("missing", "first", "last", "error"):
        raise ValueError(f"coarse must be 'missing', 'first', 'last' or 'error', got {coarse!r}")
    for col in (unit, date):
        if col not in events.columns:
            raise DataValidationError(f"events has no column {col!r}; it has {list(events.columns)}", column=col,
                                      rule="column")
    pm = periods if isinstance(periods, PeriodMap) else PeriodMap.from_values(pd.Series(list(periods)), freq)
    ev = events.copy()
    if measure is not None:
        if "measure" not in ev.columns:
            raise DataValidationError("measure= was given but events has no 'measure' column", column="measure",
                                      rule="column")
        keep = [measure] if isinstance(measure, str) else list(measure)
        ev = ev[ev["measure"].isin(keep)]
    ev = ev[ev[date].notna() & (ev[date].astype(str).str.strip() != "")].copy()
    ev["_date"] = ev[date].astype(str).str.strip()
    if "date_precision" in ev.columns:
        ev["_prec"] = ev["date_precision"].fillna(ev["_date"].map(_precision))
    else:
        ev["_prec"] = ev["_date"].map(_precision)
    # order events by the first day they can mean, then keep each unit's first
    ev["_key"] = [pd.Timestamp(_place(d, p, "first") if p != "day" else d) for d, p in zip(ev["_date"], ev["_prec"])]
    ev = ev.sort_values([unit, "_key"], kind="stable")
    panel_prec = "year" if pm.kind == "integer" else _FREQ_PRECISION[pm.freq]

    rows = []
    for u, g in ev.groupby(unit, sort=False):
        first = g.iloc[0]
        d, p = first["_date"], first["_prec"]
        note, cohort, label = "", pd.NA, None
        value = d
        if _RANK[p] < _RANK[panel_prec]:
            msg = (f"date {d} is coarser ({p}) than the panel ({panel_prec}): ")
            if coarse == "error":
                raise DataValidationError(msg + "no cohort", column=date, rule="coarse-date")
            if coarse == "missing":
                note = msg + 'no cohort; pass coarse="first" or "last" to place it'
                value = None
            else:
                value = _place(d, p, coarse)
                note = msg + f"placed on its {coarse} day {value}"
        if value is not None:
            if pm.kind == "integer":
                cohort = int(pd.Timestamp(value if p != "year" else f"{value}-01-01").year)
            else:
                cohort = int(pm.cohorts([value], mid_period=mid_period)[0])
            label = pm.label(cohort)
        ids = ";".join(map(str, g["event_id"])) if "event_id" in g.columns else ""
        rows.append({"unit": u, "adoption_date": d, "date_precision": p, "cohort": cohort, "cohort_label": label,
                     "events": len(g), "event_ids": ids, "note": note})
    seen = {r["unit"] for r in rows}
    for u in (units or []):
        if u not in seen:
            rows.append({"unit": u, "adoption_date": None, "date_precision": None, "cohort": 0, "cohort_label": None,
                         "events": 0, "event_ids": "", "note": "no dated event: never treated (cohort 0)"})
            seen.add(u)
    out = pd.DataFrame(rows, columns=["unit", "adoption_date", "date_precision", "cohort", "cohort_label", "events",
                                      "event_ids", "note"])
    out["cohort"] = out["cohort"].astype("Int64")
    if units is not None:
        order = {u: i for i, u in enumerate(units)}
        out = out.sort_values("unit", key=lambda s: s.map(lambda x: order.get(x, np.inf)), kind="stable")
    return out.reset_index(drop=True)
