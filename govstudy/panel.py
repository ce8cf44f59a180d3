"""Panel: a validated unit x time long frame shared by every estimator.

A :class:`Panel` wraps a tidy long DataFrame (one row per unit and period) and checks it
*once*; estimators (``twfe``, ``event_study``, ``att_gt``, synthetic control, the simulator,
power analysis) take either a ``Panel`` or a DataFrame plus column names, and build the
``Panel`` themselves.

Conventions
-----------
* ``time`` is integer valued (years, quarter numbers, month indices). Convert dates or
  labels such as ``"Q3 2011"`` to integers first.
* ``cohort`` is the first period in which a unit is treated; ``0`` or missing means
  *never treated*. Given only ``treat`` (0/1), the cohort is derived as the first period
  with ``treat == 1``; given only ``cohort``, ``treat = (time >= cohort)``.
* Treatment is absorbing: once treated, a unit stays treated (``absorbing=False`` lifts
  this check for designs where treatment may switch off).
* Unbalanced panels are never balanced silently: by default a warning reports what
  balancing would drop; ``balance="drop"`` drops (and reports) the incomplete units,
  ``balance="error"`` raises, ``balance="keep"`` keeps the panel as it is, quietly.

Every problem raises :class:`govstudy.errors.DataValidationError` naming the column, the
1-based row of the input frame, and the rule broken.

Example
-------
>>> import pandas as pd
>>> from govstudy.panel import Panel
>>> df = pd.DataFrame({"id": [1, 1, 2, 2], "t": [1, 2, 1, 2], "y": [0.0, 1.0, 0.5, 0.7],
...                    "g": [2, 2, 0, 0]})
>>> p = Panel(df, unit="id", time="t", y="y", cohort="g")
>>> p.n_units, p.periods.tolist(), p.is_balanced, p.cohorts.tolist(), list(p.never_treated)
(2, [1, 2], True, [2], [2])
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd

from govstudy.errors import DataValidationError

__all__ = ["Panel", "PanelWarning", "as_panel"]


class PanelWarning(UserWarning):
    """Something about the panel that the researcher should know (unbalanced, rows dropped)."""


def _show(v) -> str:
    """A value as the user wrote it: 2, 'Alaska' (not np.int64(2))."""
    if hasattr(v, "item"):
        v = v.item()
    return repr(v)


def _as_list(x) -> list[str]:
    if x is None:
        return []
    if isinstance(x, str):
        return [x]
    return list(x)


def numeric_column(data: pd.DataFrame, col: str, *, source: str | None = None, allow_nan: bool = True) -> np.ndarray:
    """``data[col]`` as floats (missing stays NaN). Text that is not a number, or (with ``allow_nan=False``)
    a missing value, is a :class:`DataValidationError` naming the column and the 1-based row.

    >>> numeric_column(pd.DataFrame({"y": ["1", None, "2.5"]}), "y").tolist()
    [1.0, nan, 2.5]
    """
    if col not in data.columns:
        raise DataValidationError(f"column {col!r} not found; available: {list(data.columns)}", source=source,
                                  column=col, rule="column-exists")
    s = data[col]
    if not (pd.api.types.is_numeric_dtype(s) or pd.api.types.is_bool_dtype(s)):
        conv = pd.to_numeric(s, errors="coerce")
        bad = np.flatnonzero(conv.isna().to_numpy() & s.notna().to_numpy())
        if bad.size:
            raise DataValidationError(f"value {s.iloc[bad[0]]!r} is not a number", source=source, column=col,
                                      row=int(bad[0]) + 1, rule="numeric")
        s = conv
    a = s.to_numpy(dtype=float, na_value=np.nan)
    if not allow_nan:
        nan = np.flatnonzero(np.isnan(a))
        if nan.size:
            raise DataValidationError("missing value", source=source, column=col, row=int(nan[0]) + 1,
                                      rule="not-null")
    return a


class Panel:
    """A validated unit x time panel.

    Parameters
    ----------
    data : DataFrame
        Long format, one row per unit and period. It is not copied or modified.
    unit, time : str
        Column names of the unit id and the (integer-valued) period.
    y : str, optional
        Outcome column. Rows with a missing outcome count as unobserved periods.
    treat : str, optional
        0/1 treatment indicator (absorbing unless ``absorbing=False``).
    cohort : str, optional
        First treated period; 0 or missing = never treated.
    covariates : list of str, optional
    weights : str, optional
        Non-negative unit/observation weights.
    balance : {"warn", "drop", "keep", "error"}
        What to do with an unbalanced panel (see module docstring). Default "warn".
    absorbing : bool
        Require treatment never to switch off (default True).
    source : str, optional
        Name used in error messages (e.g. the file name).

    Attributes
    ----------
    data : DataFrame
        The frame used (the input, or its balanced subset with ``balance="drop"``).
    unit_codes, time_codes : ndarray of int
        0-based codes of units (in order of ``units``) and periods (in order of ``periods``).
    """

    def __init__(self, data: pd.DataFrame, unit: str, time: str, y: str | None = None,
                 treat: str | None = None, cohort: str | None = None,
                 covariates: Sequence[str] | str | None = None, weights: str | None = None,
                 *, balance: str = "warn", absorbing: bool = True, source: str | None = None):
        if not isinstance(data, pd.DataFrame):
            raise TypeError(f"data must be a pandas DataFrame, got {type(data).__name__}")
        if balance not in ("warn", "drop", "keep", "error"):
            raise ValueError("balance must be one of 'warn', 'drop', 'keep', 'error'")
        self.source = source
        self.unit, self.time, self.y, self.treat_col, self.cohort_col = unit, time, y, treat, cohort
        self.covariates = _as_list(covariates)
        self.weights_col = weights
        self.absorbing = absorbing
        needed = [unit, time] + [c for c in (y, treat, cohort, weights) if c] + self.covariates
        missing = [c for c in needed if c not in data.columns]
        if missing:
            raise DataValidationError(
                f"column(s) {missing} not found; available: {list(data.columns)}",
                source=source, column=missing[0], rule="column-exists")
        self._validate(data)
        if not self.is_balanced:
            self._handle_unbalanced(balance)

    # ------------------------------------------------------------------ validation
    def _err(self, msg, column=None, row=None, rule=None):
        return DataValidationError(msg, source=self.source, column=column, row=row, rule=rule)

    def _numeric(self, data, col, allow_nan=True):
        return numeric_column(data, col, source=self.source, allow_nan=allow_nan)

    def _validate(self, data: pd.DataFrame) -> None:
        self.data = data
        n = len(data)
        if n == 0:
            raise self._err("the panel has no rows", rule="non-empty")
        # ids and time: no missing values
        for col in (self.unit, self.time):
            na = np.flatnonzero(data[col].isna().to_numpy())
            if na.size:
                raise self._err(f"{na.size} missing value(s) in the {'unit id' if col == self.unit else 'time'}"
                                " column", col, int(na[0]) + 1, "not-null")
        ucodes, units = pd.factorize(data[self.unit], sort=True)
        tvals = self._numeric(data, self.time, allow_nan=False)
        if not np.all(np.isfinite(tvals)) or np.any(tvals != np.round(tvals)):
            bad = int(np.flatnonzero(~np.isfinite(tvals) | (tvals != np.round(tvals)))[0])
            raise self._err(f"time must be integer valued (found {tvals[bad]!r}); "
                            "convert dates or labels to integer periods", self.time, bad + 1, "integer-time")
        tint = tvals.astype(np.int64)
        tcodes, periods = pd.factorize(tint, sort=True)
        self.units = pd.Index(units)
        self.periods = np.asarray(periods, dtype=np.int64)
        self.unit_codes = ucodes.astype(np.int64)
        self.time_codes = tcodes.astype(np.int64)
        self.time_values = tint
        nu, nt = len(units), len(periods)
        # sort order (stable, O(n) when the frame is already sorted by unit, time)
        key = self.unit_codes * nt + self.time_codes
        order = np.argsort(key, kind="stable")
        ks = key[order]
        dup = np.flatnonzero(ks[1:] == ks[:-1])
        if dup.size:
            # first duplicate in input order: the smallest row index among 'second occurrences'
            rows = order[dup + 1]
            r = int(rows.min())
            raise self._err(f"duplicate unit-period row: unit {_show(data[self.unit].iloc[r])}, "
                            f"time {tint[r]} appears more than once", self.unit, r + 1, "unique-unit-time")
        same_unit = self.unit_codes[order][1:] == self.unit_codes[order][:-1]
        # outcome
        self.y_values = None
        if self.y is not None:
            yv = self._numeric(data, self.y)
            if np.all(np.isnan(yv)):
                raise self._err("the outcome is missing (NaN) in every row", self.y, None, "outcome-not-all-nan")
            self.y_values = yv
        # weights
        self.weight_values = None
        if self.weights_col:
            w = self._numeric(data, self.weights_col, allow_nan=False)
            if np.any(w < 0):
                r = int(np.flatnonzero(w < 0)[0])
                raise self._err("weights must be non-negative", self.weights_col, r + 1, "non-negative")
            self.weight_values = w
        # covariates: numeric
        self.covariate_values = {c: self._numeric(data, c) for c in self.covariates}
        # treatment / cohort
        treat = cohort = None
        if self.treat_col:
            tr = self._numeric(data, self.treat_col, allow_nan=False)
            bad = np.flatnonzero((tr != 0) & (tr != 1))
            if bad.size:
                raise self._err(f"treatment must be 0/1, found {tr[bad[0]]!r}", self.treat_col,
                                int(bad[0]) + 1, "binary-treatment")
            treat = tr
            if self.absorbing:
                ts = tr[order]
                off = np.flatnonzero(same_unit & (ts[1:] < ts[:-1]))
                if off.size:
                    r = int(order[off[0] + 1])
                    raise self._err(
                        f"treatment switches off for unit {_show(data[self.unit].iloc[r])} at time {tint[r]} "
                        "(treated earlier, untreated now); staggered-adoption estimators need absorbing "
                        "treatment (pass absorbing=False only if you know the design allows it)",
                        self.treat_col, r + 1, "absorbing-treatment")
        if self.cohort_col:
            c = self._numeric(data, self.cohort_col)
            c = np.where(np.isnan(c), 0.0, c)
            if np.any(c != np.round(c)) or np.any(c < 0):
                r = int(np.flatnonzero((c != np.round(c)) | (c < 0))[0])
                raise self._err("cohort must be a non-negative integer period (0 or missing = never treated)",
                                self.cohort_col, r + 1, "integer-cohort")
            cs = c[order]
            diff = np.flatnonzero(same_unit & (cs[1:] != cs[:-1]))
            if diff.size:
                r = int(order[diff[0] + 1])
                raise self._err(f"cohort is not constant within unit {_show(data[self.unit].iloc[r])}",
                                self.cohort_col, r + 1, "constant-cohort")
            cohort = c.astype(np.int64)
        if treat is not None and cohort is None:
            # first treated period per unit
            first = np.full(nu, np.iinfo(np.int64).max)
            np.minimum.at(first, self.unit_codes[treat == 1], tint[treat == 1])
            first = np.where(first == np.iinfo(np.int64).max, 0, first)
            cohort = first[self.unit_codes]
        elif cohort is not None and treat is None:
            treat = ((cohort > 0) & (tint >= cohort)).astype(float)
        elif cohort is not None and treat is not None:
            implied = ((cohort > 0) & (tint >= cohort)).astype(float)
            bad = np.flatnonzero(implied != treat)
            if bad.size:
                r = int(bad[0])
                raise self._err(f"treatment ({treat[r]:g}) disagrees with cohort ({cohort[r]}) at time {tint[r]}",
                                self.treat_col, r + 1, "treat-matches-cohort")
        self.treat_values = treat
        self.cohort_values = cohort
        # observed cells: rows with a non-missing outcome (if any)
        obs = np.ones(n, bool) if self.y_values is None else ~np.isnan(self.y_values)
        self._observed = obs
        cnt = np.bincount(self.unit_codes[obs], minlength=nu)
        self._unit_counts = cnt
        self.is_balanced = bool(np.all(cnt == nt))
        del key, order, ks, same_unit

    # ------------------------------------------------------------------ balance
    def balance_report(self) -> dict:
        """What balancing would drop: units, rows, and units with no observed outcome."""
        nt = len(self.periods)
        incomplete = np.flatnonzero(self._unit_counts < nt)
        drop_rows = int(np.isin(self.unit_codes, incomplete).sum())
        return {"n_units": self.n_units, "n_periods": nt, "incomplete_units": len(incomplete),
                "rows_dropped": drop_rows, "examples": list(self.units[incomplete[:5]]),
                "missing_cells": int(self.n_units * nt - self._unit_counts.sum())}

    def _handle_unbalanced(self, balance: str) -> None:
        rep = self.balance_report()
        what = (f"unbalanced panel: {rep['incomplete_units']} of {rep['n_units']} units lack some of the "
                f"{rep['n_periods']} periods ({rep['missing_cells']} missing unit-period cells"
                f"{', counting rows with a missing outcome' if self.y else ''}); balancing would drop "
                f"{rep['incomplete_units']} units ({rep['rows_dropped']} rows), e.g. {rep['examples']}")
        if balance == "error":
            raise self._err(what + ". Pass balance='drop' to drop them or balance='keep' to keep them.",
                            self.unit, None, "balanced")
        if balance == "warn":
            warnings.warn(what + ". Kept as is; pass balance='drop' to drop them or balance='keep' to "
                          "silence this warning.", PanelWarning, stacklevel=3)
        elif balance == "drop":
            warnings.warn(what + ". Dropped them (balance='drop').", PanelWarning, stacklevel=3)
            keep_units = self._unit_counts == len(self.periods)
            keep = keep_units[self.unit_codes] & self._observed
            if not keep.any():
                raise self._err("balancing would drop every unit", self.unit, None, "balanced")
            self._validate(self.data.loc[keep])

    def balanced(self) -> "Panel":
        """A new Panel with only the units observed in every period (reports what it drops)."""
        return Panel(self.data, self.unit, self.time, self.y, self.treat_col, self.cohort_col,
                     self.covariates, self.weights_col, balance="drop", absorbing=self.absorbing,
                     source=self.source)

    # ------------------------------------------------------------------ properties
    @property
    def n_obs(self) -> int:
        return len(self.data)

    @property
    def n_units(self) -> int:
        return len(self.units)

    @property
    def n_periods(self) -> int:
        return len(self.periods)

    @property
    def unit_cohort(self) -> np.ndarray:
        """Cohort of each unit (order of ``units``); 0 = never treated."""
        if self.cohort_values is None:
            raise self._err("the panel has no treatment or cohort column", rule="has-cohort")
        out = np.zeros(self.n_units, np.int64)
        out[self.unit_codes] = self.cohort_values
        return out

    @property
    def cohorts(self) -> np.ndarray:
        """Sorted treated cohorts (first treated periods), excluding never treated."""
        c = np.unique(self.unit_cohort)
        return c[c > 0]

    @property
    def never_treated(self) -> pd.Index:
        """Ids of the never-treated units."""
        return self.units[self.unit_cohort == 0]

    def wide(self, values: str | np.ndarray | None = None) -> np.ndarray:
        """An ``n_units x n_periods`` array of a column (default: the outcome), NaN where unobserved."""
        if values is None:
            v = self.y_values
        elif isinstance(values, str):
            v = self.y_values if values == self.y else (
                self.covariate_values[values] if values in self.covariate_values
                else self._numeric(self.data, values))
        else:
            v = np.asarray(values, float)
        out = np.full((self.n_units, self.n_periods), np.nan)
        out[self.unit_codes, self.time_codes] = v
        return out

    def column(self, name: str) -> np.ndarray:
        """Values of any column of the underlying frame, aligned with the panel rows."""
        return self.data[name].to_numpy()

    def __repr__(self) -> str:
        kind = "balanced" if self.is_balanced else "unbalanced"
        coh = ""
        if self.cohort_values is not None:
            coh = f", {len(self.cohorts)} treated cohorts, {len(self.never_treated)} never-treated units"
        return (f"<Panel {kind}: {self.n_units} units x {self.n_periods} periods "
                f"({self.periods[0]}..{self.periods[-1]}), {self.n_obs} rows{coh}>")

    # ------------------------------------------------------------------ constructors
    @classmethod
    def from_treat(cls, data, unit, time, treat, y=None, **kw) -> "Panel":
        """Panel from a 0/1 treatment column; the cohort is derived (first treated period)."""
        return cls(data, unit=unit, time=time, y=y, treat=treat, **kw)

    @classmethod
    def from_cohort(cls, data, unit, time, cohort, y=None, **kw) -> "Panel":
        """Panel from a first-treated-period column (0/NaN = never treated)."""
        return cls(data, unit=unit, time=time, y=y, cohort=cohort, **kw)


def as_panel(data, *, unit=None, time=None, y=None, treat=None, cohort=None, covariates=None,
             weights=None, balance="warn", source=None) -> Panel:
    """Return ``data`` if it is already a Panel (checking it has the columns asked for), else build one."""
    if isinstance(data, Panel):
        p = data
        for col in [y, treat, cohort, weights] + _as_list(covariates):
            if col is not None and col not in p.data.columns:
                raise DataValidationError(f"column {col!r} not found in the panel's data", column=col,
                                          rule="column-exists")
        same = (y in (None, p.y) and treat in (None, p.treat_col) and cohort in (None, p.cohort_col)
                and set(_as_list(covariates)) <= set(p.covariates) and weights in (None, p.weights_col))
        if same:
            return p
        # a new treatment column replaces the panel's treatment definition (treat and cohort go together): a new
        # treat column alone drops the old cohort (derived anew), a new cohort column alone drops the old treat;
        # otherwise the columns not given are taken from the panel
        new_treat_only = treat is not None and treat != p.treat_col and cohort is None
        new_cohort_only = cohort is not None and cohort != p.cohort_col and treat is None
        if not (new_treat_only or new_cohort_only):
            treat, cohort = treat or p.treat_col, cohort or p.cohort_col
        return Panel(p.data, p.unit, p.time, y or p.y, treat, cohort,
                     _as_list(covariates) or p.covariates, weights or p.weights_col, balance="keep",
                     absorbing=p.absorbing, source=p.source)
    if unit is None or time is None:
        raise TypeError("pass unit= and time= column names (or a govstudy Panel)")
    return Panel(data, unit=unit, time=time, y=y, treat=treat, cohort=cohort, covariates=covariates,
                 weights=weights, balance=balance, source=source)
