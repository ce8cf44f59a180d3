"""Panel: the one gate into the estimators — a validated unit x period frame.

Every estimator with units and periods (``twfe``, ``event_study``, ``att_gt``, ``bacon_decomposition``,
``synth``) builds a :class:`Panel` once (or takes one) and reads nothing from the raw frame afterwards.
Everything that can change a number is decided here, once, the same way for every estimator:

* **Time** as researchers write it (integers, dates, ``pd.Period``, ``"2023-01"``, ``"2023Q1"``,
  ``"2023年1月"``; yyyymm integers with ``freq="M"``): see :mod:`govstudy.periods`. Integer periods keep
  their values; calendar periods are numbered 1, 2, … . ``period_labels`` gives them back as written.
* **Cohorts** (first treated period): 0, NaN, None, NaT, blank and ±inf all mean never treated. A cohort
  written as a date inside a period treats that period (``mid_period="next"``: the next one). One rule
  for cohorts off the panel's periods, always with a :class:`SampleWarning`-family warning that counts the
  units: after the last period -> never treated within the panel; before the first period -> treated
  in every period (cohort = first period); between two periods -> the next period.
* **Treatment**: with ``absorbing=True`` (default) a 0/1 column that never switches off, from which the
  cohort is derived; with ``absorbing=False`` any finite numeric regressor (switching on and off,
  intensities), for ``twfe``.
* **Missing and infinite values**: ±inf is an error naming the rows (``log(0)``), never a silent NaN.
  Missing unit, time, treatment, weight or cluster ids are errors naming the rows. Missing outcomes and
  covariates are kept as unobserved; estimators drop them through :meth:`Panel.complete_rows`, which
  warns with counts. Rows with zero weight are removed here, with a :class:`SampleWarning`, so counts of
  observations, units and clusters exclude them (as fixest and Stata do).
* **Unbalanced panels** are never balanced silently (``balance="warn" | "drop" | "keep" | "error"``).

Every problem raises :class:`govstudy.errors.DataValidationError` naming the column, the 1-based row
of the input frame, what was expected and what was found.

Example
-------
>>> import pandas as pd
>>> from govstudy.panel import Panel
>>> df = pd.DataFrame({"id": [1, 1, 2, 2], "month": ["2023-01", "2023-02"] * 2, "y": [0.0, 1.0, 0.5, 0.7],
...                    "adopted": ["2023-02", "2023-02", "", ""]})
>>> p = Panel(df, unit="id", time="month", y="y", cohort="adopted")
>>> p.periods.tolist(), p.period_labels, p.cohorts.tolist(), list(p.never_treated)
([1, 2], ['2023-01', '2023-02'], [2], [2])
"""

from __future__ import annotations


import numpy as np
import pandas as pd

from govstudy.arguments import check_choice, names
from govstudy.errors import DataValidationError, PanelWarning, PeriodSpacingWarning, SampleWarning, warn
from govstudy.periods import period_numbers

__all__ = ["Panel", "PanelWarning", "SampleWarning", "as_panel", "numeric_column", "show_value"]


def show_value(v) -> str:
    """A value as the user wrote it: 2, 'Alaska' (not np.int64(2))."""
    if hasattr(v, "item"):
        v = v.item()
    return repr(v)


def _factorize_units(values: pd.Series) -> tuple[np.ndarray, pd.Index, np.ndarray | None]:
    """``pd.factorize(values, sort=True)`` and, when equal integer ids already sit together in increasing order
    (as in most panels), the number of rows of each id (else None).

    Integer ids in increasing order are factorised by their run lengths, and integer ids over a range of at most
    4n values by one bincount, instead of a hash table."""
    v = values.to_numpy()
    if v.dtype.kind in "iu" and len(v):
        if bool(np.all(v[1:] >= v[:-1])):
            starts = np.flatnonzero(v[1:] != v[:-1]) + 1
            runs = np.diff(starts, prepend=0, append=len(v))
            lo = int(v[0])
            if int(v[-1]) - lo + 1 == len(runs):        # consecutive ids (0, 1, 2, ... or 1, 2, 3, ...)
                return (v - lo if lo else v), pd.Index(v[np.r_[0, starts]]), runs
            return np.repeat(np.arange(len(runs)), runs), pd.Index(v[np.r_[0, starts]]), runs
        lo, hi = int(v.min()), int(v.max())
        if hi - lo <= 4 * len(v):
            off = v - lo if lo else v
            present = np.bincount(off, minlength=hi - lo + 1) > 0
            uniq = np.flatnonzero(present) + lo
            codes = off if present.all() else (np.cumsum(present) - 1)[off]
            return codes, pd.Index(uniq.astype(v.dtype)), None
    codes, uniq = pd.factorize(values, sort=True)
    return codes, pd.Index(uniq), None


def _unit_period_order(ucodes: np.ndarray, tcodes: np.ndarray, nt: int, runs: np.ndarray | None):
    """(rows in unit-period order, whether each next row in that order has the same unit, the first duplicate
    unit-period row or None). The order is a slice (no copy) when the rows are sorted already, as most are:
    with ``runs`` (units in increasing order, ``runs`` rows each) that is when each unit's periods increase."""
    if runs is not None:
        same_unit = np.ones(len(ucodes) - 1, bool)
        same_unit[np.cumsum(runs[:-1]) - 1] = False
        if not np.any(same_unit & (tcodes[1:] <= tcodes[:-1])):
            return slice(None), same_unit, None
    key = ucodes * nt
    key += tcodes
    if runs is None and bool(np.all(key[1:] > key[:-1])):     # strictly increasing: sorted, no duplicates
        order = slice(None)
    else:
        order = np.argsort(key, kind="stable")
        key = key[order]
        dup = np.flatnonzero(key[1:] == key[:-1])
        if dup.size:
            return order, None, int(order[dup + 1].min())
    if runs is None:
        uo = ucodes[order]
        same_unit = uo[1:] == uo[:-1]
    return order, same_unit, None


def _positions(v: np.ndarray, uniq: np.ndarray) -> np.ndarray:
    """Position of each value of ``v`` among ``uniq``, the sorted distinct values of ``v``; consecutive integers
    (the usual periods) by one subtraction, a range of at most 4n values by a lookup table."""
    lo, hi = int(uniq[0]), int(uniq[-1])
    if hi - lo + 1 == len(uniq):
        return v - lo if lo else v
    if hi - lo <= 4 * len(v):
        table = np.zeros(hi - lo + 1, np.int64)
        table[uniq - lo] = np.arange(len(uniq))
        return table[v - lo]
    return np.searchsorted(uniq, v)


class _AllRows:
    """Rows 0..n-1 of the user's frame (the identity map from panel rows to frame rows), without an n-array:
    indexed like one (an integer, integer positions or a boolean mask)."""

    def __init__(self, n: int):
        self.n = n

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, i):
        if isinstance(i, (int, np.integer)):
            return int(i)
        i = np.asarray(i)
        return np.flatnonzero(i) if i.dtype == bool else i


def _row_at(order, i: int) -> int:
    """Row of position ``i`` in unit-period order (``order`` is a permutation, or ``slice(None)`` if sorted)."""
    return int(i) if isinstance(order, slice) else int(order[i])


def _rows_text(rows: np.ndarray, limit: int = 5) -> str:
    shown = ", ".join(str(int(r) + 1) for r in rows[:limit])
    return f"row{'s' if len(rows) > 1 else ''} {shown}{' …' if len(rows) > limit else ''}"


def numeric_column(data: pd.DataFrame, col: str, *, source: str | None = None, allow_nan: bool = True,
                   allow_inf: bool = False, what: str = "value") -> np.ndarray:
    """``data[col]`` as floats (missing stays NaN).

    Text that is not a number, ±inf (unless ``allow_inf``) or, with ``allow_nan=False``, a missing value
    is a :class:`DataValidationError` naming the column and the 1-based row.

    >>> numeric_column(pd.DataFrame({"y": ["1", None, "2.5"]}), "y").tolist()
    [1.0, nan, 2.5]
    """
    if col not in data.columns:
        raise DataValidationError(f"column {col!r} not found; available: {list(data.columns)}", source=source,
                                  column=col, rule="column-exists")
    s = data[col]
    if isinstance(s, pd.DataFrame):
        raise DataValidationError(f"the column name {col!r} appears more than once", source=source, column=col,
                                  rule="unique-column-names")
    if pd.api.types.is_datetime64_any_dtype(s.dtype) or isinstance(s.dtype, pd.PeriodDtype):
        raise DataValidationError(f"expected a number, found dates (e.g. {s.iloc[0]!r})", source=source,
                                  column=col, row=1, rule="numeric")
    if not (pd.api.types.is_numeric_dtype(s) or pd.api.types.is_bool_dtype(s)):
        conv = pd.to_numeric(s, errors="coerce")
        bad = np.flatnonzero(conv.isna().to_numpy() & s.notna().to_numpy()
                             & ~s.astype(str).str.strip().isin(["", "nan", "NaN", "NA"]).to_numpy())
        if bad.size:
            raise DataValidationError(f"expected a number, found {s.iloc[bad[0]]!r}", source=source, column=col,
                                      row=int(bad[0]) + 1, rule="numeric")
        s = conv
    # a float64 column is read as it is (a read-only view, no copy); others are converted
    a = s.to_numpy() if s.dtype == np.float64 else s.to_numpy(dtype=float, na_value=np.nan)
    if not allow_inf:
        inf = np.flatnonzero(np.isinf(a))
        if inf.size:
            raise DataValidationError(
                f"{inf.size} infinite {what}(s) ({a[inf[0]]:+g}, {_rows_text(inf)}), e.g. log(0); an infinite "
                "value is not a number an estimator can use and is not treated as missing: recode or drop these "
                "rows (e.g. log1p, or set them to NaN yourself)", source=source, column=col, row=int(inf[0]) + 1,
                rule="finite")
    if not allow_nan:
        nan = np.flatnonzero(np.isnan(a))
        if nan.size:
            raise DataValidationError(f"{nan.size} missing {what}(s) ({_rows_text(nan)})", source=source,
                                      column=col, row=int(nan[0]) + 1, rule="not-null")
    return a


class Panel:
    """A validated unit x period panel.

    Parameters
    ----------
    data : DataFrame
        Long format, one row per unit and period. It is not modified.
    unit, time : str
        Column names of the unit id and the period (any form :mod:`govstudy.periods` reads).
    y : str, optional
        Outcome. A missing outcome marks an unobserved unit-period.
    treat : str, optional
        Treatment: 0/1 and absorbing (default), or any numeric regressor with ``absorbing=False``.
    cohort : str, optional
        First treated period, written like ``time`` (or as adoption dates); never treated = 0, NaN,
        None, NaT, blank or ±inf.
    covariates : str or list of str, optional
    weights : str, optional
        Non-negative observation weights; rows with weight 0 are removed (with a warning).
    cluster : str, optional
        Cluster ids for clustered standard errors (no missing ids).
    freq : {"Y", "Q", "M", "W", "D"}, optional
        Frequency of calendar periods (inferred from dates when not given; needed for yyyymm integers).
    mid_period : {"treated", "next"}
        An adoption date inside a period treats that period (default) or the next one.
    balance : {"warn", "drop", "keep", "error"}
        What to do with an unbalanced panel. Default "warn".
    absorbing : bool
        Require a 0/1 treatment that never switches off (default True).
    source : str, optional
        Name used in error messages (e.g. the file name).

    Attributes
    ----------
    units, periods : the sorted unit ids and period numbers; ``period_labels`` the periods as written.
    unit_codes, time_codes : ndarray of int -- 0-based positions of each row's unit and period.
    cohort_codes : ndarray of int -- 0-based position of each row's first treated period, -1 = never.
    """

    def __init__(self, data: pd.DataFrame, *, unit: str, time: str, y: str | None = None,
                 treat: str | None = None, cohort: str | None = None, covariates=None,
                 weights: str | None = None, cluster: str | None = None, freq: str | None = None,
                 mid_period: str = "treated", balance: str = "warn", absorbing: bool = True,
                 source: str | None = None):
        if not isinstance(data, pd.DataFrame):
            raise TypeError(f"data must be a pandas DataFrame, got {type(data).__name__}")
        check_choice(balance, "balance", ("warn", "drop", "keep", "error"))
        check_choice(mid_period, "mid_period", ("treated", "next"))
        if cohort is not None and not absorbing:
            raise DataValidationError("a cohort column implies absorbing adoption; drop cohort= or absorbing=False",
                                      source=source, column=cohort, rule="cohort-absorbing")
        self.source = source
        self.unit, self.time, self.y, self.treat_col, self.cohort_col = unit, time, y, treat, cohort
        self.covariates = names(covariates)
        self.weights_col, self.cluster_col = weights, cluster
        self.freq, self.mid_period, self.absorbing = freq, mid_period, absorbing
        for role, col in (("unit", unit), ("time", time), ("y", y), ("treat", treat), ("cohort", cohort),
                          ("weights", weights), ("cluster", cluster)):
            if col is not None and not isinstance(col, str):
                raise TypeError(f"{role}= is a column name (a string), got {type(col).__name__} {col!r}")
        needed = [unit, time] + [c for c in (y, treat, cohort, weights, cluster) if c] + self.covariates
        missing = [c for c in needed if c not in data.columns]
        if missing:
            raise DataValidationError(
                f"column(s) {missing} not found; available: {list(data.columns)}",
                source=source, column=missing[0], rule="column-exists")
        self._validate(data, _AllRows(len(data)))
        if not self.is_balanced:
            self._handle_unbalanced(balance)

    # ------------------------------------------------------------------ validation
    def _err(self, msg, column=None, row=None, rule=None):
        return DataValidationError(msg, source=self.source, column=column, row=row, rule=rule)

    def _numeric(self, data, col, allow_nan=True, what="value"):
        return numeric_column(data, col, source=self.source, allow_nan=allow_nan, what=what)

    def _validate(self, data: pd.DataFrame, rows: np.ndarray) -> None:
        """Check ``data`` (whose rows are rows ``rows`` of the user's frame) and build the arrays."""
        if len(data) == 0:
            raise self._err("the panel has no rows", rule="non-empty")
        self._rows = rows
        w = None
        if self.weights_col:
            w = self._checked(data, self.weights_col, "weight", allow_nan=False)
            if np.any(w < 0):
                r = int(np.flatnonzero(w < 0)[0])
                raise self._err(f"weights must be non-negative, found {w[r]:g}", self.weights_col, int(rows[r]) + 1,
                                "non-negative")
            zero = w == 0
            if zero.any():
                if zero.all():
                    raise self._err("every weight is 0", self.weights_col, None, "positive-weight")
                nu_before = data[self.unit].nunique()
                removed = rows[zero]
                data, rows, w = data.loc[~zero], rows[~zero], w[~zero]
                lost_units = nu_before - data[self.unit].nunique()
                warn(f"{int(zero.sum())} of {len(zero)} rows have weight 0 in {self.weights_col!r} and are "
                     f"removed ({_rows_text(removed)}"
                     f"{f'; {lost_units} units have no row left' if lost_units else ''}): observation, "
                     "unit and cluster counts exclude them, as fixest and Stata do", SampleWarning)
        self.data = data
        self._rows = rows
        n = len(data)
        # unit ids: no missing values
        na = np.flatnonzero(data[self.unit].isna().to_numpy())
        if na.size:
            raise self._err(f"{na.size} missing unit id(s) ({_rows_text(rows[na])})", self.unit,
                            int(rows[na[0]]) + 1, "not-null")
        ucodes, units, runs = _factorize_units(data[self.unit])
        # time: any written form -> period numbers
        try:
            tint, pm = period_numbers(data[self.time], self.freq, column=self.time, source=self.source)
        except DataValidationError as e:
            raise self._renumber(e) from None
        self.period_map = pm
        periods = pm.numbers_seen
        tcodes = _positions(tint, periods)
        self.units = units
        self.periods = periods
        self.unit_codes = ucodes.astype(np.int64, copy=False)
        self.time_codes = tcodes.astype(np.int64, copy=False)
        self.time_values = tint
        nu, nt = len(units), len(periods)
        order, same_unit, dup = _unit_period_order(self.unit_codes, self.time_codes, nt, runs)
        if dup is not None:
            raise self._err(f"duplicate unit-period row: unit {show_value(data[self.unit].iloc[dup])}, period "
                            f"{pm.label(tint[dup])} appears more than once", self.unit, int(rows[dup]) + 1,
                            "unique-unit-time")
        sorted_ = isinstance(order, slice)
        self._sorted_complete = sorted_ and n == nu * nt    # rows are the units x periods table
        # each unit's first row in unit-period order, and its number of rows
        starts = np.cumsum(runs) - runs if runs is not None else np.flatnonzero(np.r_[True, ~same_unit])
        unit_rows = starts if sorted_ else order[starts]
        rows_per_unit = runs if runs is not None else np.diff(starts, append=n)
        self.y_values = None
        if self.y is not None:
            yv = self._checked(data, self.y, "outcome")
            y_nan = np.isnan(yv)
            if y_nan.all():
                raise self._err("the outcome is missing (NaN) in every row", self.y, None, "outcome-not-all-nan")
            self.y_values = yv
        self.weight_values = w     # checked above (non-negative, finite, no missing; zero-weight rows removed)
        self.covariate_values = {c: self._checked(data, c, "covariate") for c in self.covariates}
        self.cluster_codes = self.cluster_labels = None
        if self.cluster_col:
            cv = data[self.cluster_col]
            na = np.flatnonzero(cv.isna().to_numpy())
            if na.size:
                raise self._err(f"{na.size} missing cluster id(s) ({_rows_text(rows[na])}): every observation needs "
                                "a cluster; fill them or drop these rows", self.cluster_col, int(rows[na[0]]) + 1,
                                "cluster-not-null")
            codes, labels = pd.factorize(cv, sort=True)
            self.cluster_codes, self.cluster_labels = codes.astype(np.int64), pd.Index(labels)
        treat = self._treatment(data, rows, order, same_unit, tint) if self.treat_col else None
        cohort = self._cohort(data, rows, order, same_unit, unit_rows) if self.cohort_col else None
        # first treated period as a position (-1 = never): the truth every estimator reads; a cohort *value* of 0
        # means never treated, so a unit treated from a period numbered 0 is only representable as a position
        # (computed per unit, then read at each row)
        codes = unit_codes = None
        if cohort is not None:
            unit_codes = np.where(cohort != 0, np.searchsorted(self.periods, cohort), -1).astype(np.int64)
        elif treat is not None and self.absorbing:
            first = np.full(nu, nt, np.int64)
            np.minimum.at(first, self.unit_codes[treat == 1], self.time_codes[treat == 1])
            unit_codes = np.where(first == nt, -1, first)
        if unit_codes is not None:
            codes = np.repeat(unit_codes, runs) if runs is not None else unit_codes[self.unit_codes]
            if treat is not None and cohort is not None:
                implied = self._implied_treatment(codes)
                bad = np.flatnonzero(implied != treat)
                if bad.size:
                    r = int(bad[0])
                    cohort = cohort[self.unit_codes]
                    raise self._err(f"treatment ({treat[r]:g}) disagrees with cohort ({pm.label(cohort[r])}) at period "
                                    f"{pm.label(tint[r])}", self.treat_col, int(rows[r]) + 1, "treat-matches-cohort")
        # the treatment implied by a cohort column and the cohort values of each row are formed when first read
        self._treat, self._treat_implied = treat, treat is None and codes is not None
        self.cohort_codes, self._unit_cohort_codes = codes, unit_codes
        self._cohort_values = None
        obs = np.ones(n, bool) if self.y_values is None else ~y_nan
        self._observed = obs
        cnt = rows_per_unit if obs.all() else np.bincount(self.unit_codes[obs], minlength=nu)
        self._unit_counts = cnt
        self.is_balanced = bool(np.all(cnt == nt))

    def _renumber(self, e: DataValidationError) -> DataValidationError:
        """Re-state an error found in ``self.data`` with the row number of the user's frame."""
        row = None if e.row is None else int(self._rows[e.row - 1]) + 1
        return DataValidationError(e.message, source=self.source, column=e.column, row=row, rule=e.rule)

    def _checked(self, data, col, what, allow_nan=True):
        try:
            return self._numeric(data, col, allow_nan=allow_nan, what=what)
        except DataValidationError as e:
            raise self._renumber(e) from None

    def _treatment(self, data, rows, order, same_unit, tint):
        tr = self._checked(data, self.treat_col, "treatment", allow_nan=False)
        if not self.absorbing:
            return tr
        bad = np.flatnonzero((tr != 0) & (tr != 1))
        if bad.size:
            raise self._err(f"treatment must be 0/1, found {tr[bad[0]]:g}; a treatment intensity or a treatment "
                            "that switches off is an estimate for twfe or did_2x2", self.treat_col,
                            int(rows[bad[0]]) + 1, "binary-treatment")
        ts = tr[order]
        off = np.flatnonzero(same_unit & (ts[1:] < ts[:-1]))
        if off.size:
            r = _row_at(order, off[0] + 1)
            raise self._err(
                f"treatment switches off for unit {show_value(data[self.unit].iloc[r])} at period "
                f"{self.period_map.label(tint[r])} (treated earlier, untreated now). event_study, att_gt and "
                "bacon_decomposition need absorbing adoption; twfe and did_2x2 estimate a treatment that switches "
                "on and off", self.treat_col, int(rows[r]) + 1, "absorbing-treatment")
        return tr

    def _cohort(self, data, rows, order, same_unit, unit_rows):
        pm = self.period_map
        try:
            c = pm.cohorts(data[self.cohort_col], mid_period=self.mid_period, column=self.cohort_col,
                           source=self.source)
        except DataValidationError as e:
            raise self._renumber(e) from None
        cs = c[order]
        diff = np.flatnonzero(same_unit & (cs[1:] != cs[:-1]))
        if diff.size:
            r = _row_at(order, diff[0] + 1)
            raise self._err(f"cohort is not constant within unit {show_value(data[self.unit].iloc[r])} "
                            f"({pm.label(cs[diff[0]]) if cs[diff[0]] else 'never'} and "
                            f"{pm.label(c[r]) if c[r] else 'never'})", self.cohort_col, int(rows[r]) + 1,
                            "constant-cohort")
        if (c < 0).any() and pm.kind == "integer" and (self.periods >= 0).all():  # calendar: < 0 = before the data
            r = int(np.flatnonzero(c < 0)[0])
            raise self._err(f"cohort {c[r]} is negative; cohorts are first treated periods (0 = never treated)",
                            self.cohort_col, int(rows[r]) + 1, "cohort-value")
        first, last = self.periods[0], self.periods[-1]
        unit_c = c[unit_rows].astype(np.int64, copy=False)    # constant within each unit (checked above)
        changes = []
        late = unit_c > last
        if late.any():
            changes.append(f"{int(late.sum())} unit(s) adopt after the last period {pm.label(last)} "
                           f"({', '.join(sorted({pm.label(v) for v in unit_c[late]})[:4])}): never treated within "
                           "the panel (cohort 0)")
        early = (unit_c != 0) & (unit_c < first)
        if early.any():
            changes.append(f"{int(early.sum())} unit(s) adopt before the first period {pm.label(first)}: treated "
                           f"in every period, cohort set to {pm.label(first)}")
        nxt = self.periods[np.minimum(np.searchsorted(self.periods, unit_c), len(self.periods) - 1)]
        inside = (unit_c >= first) & (unit_c <= last) & (nxt != unit_c)
        if inside.any():
            ex = sorted({(int(a), int(b)) for a, b in zip(unit_c[inside], nxt[inside])})[:4]
            changes.append(f"{int(inside.sum())} unit(s) adopt at a value that is not a period of the panel: the "
                           f"next period is their first treated one ({', '.join(f'{pm.label(a)} -> {pm.label(b)}' for a, b in ex)})")
        if changes:
            warn("cohorts off the panel's periods: " + "; ".join(changes), SampleWarning)
        if pm.kind == "integer" and 0 in set(self.periods.tolist()) and (unit_c == 0).any():
            warn(f"cohort 0 means never treated, but 0 is also a period of this panel: {int((unit_c == 0).sum())} "
                 "unit(s) with cohort 0 are taken as never treated; write never treated as NaN, blank or inf if a "
                 "unit adopts at period 0", PanelWarning)
        return np.where(late, 0, np.where(early, first, np.where(inside, nxt, unit_c)))  # per unit

    # ------------------------------------------------------------------ samples
    def complete_rows(self, *, estimator: str, covariates=None, extra: dict | None = None) -> np.ndarray:
        """Rows with an observed outcome and covariates; a :class:`SampleWarning` counts what is left out.

        ``extra`` maps a reason to a boolean array of further rows to leave out.
        """
        covs = self.covariates if covariates is None else names(covariates)
        reasons = {}
        if self.y_values is not None:
            reasons[f"missing outcome {self.y!r}"] = np.isnan(self.y_values)
        for c in covs:
            reasons[f"missing covariate {c!r}"] = np.isnan(self.covariate_values[c])
        reasons.update(extra or {})
        drop = np.zeros(self.n_obs, bool)
        for m in reasons.values():
            drop |= m
        if drop.any():
            parts = [f"{int(m.sum())} with a {why}" for why, m in reasons.items() if m.any()]
            lost = np.setdiff1d(np.arange(self.n_units), self.unit_codes[~drop])
            warn(f"{estimator}: {int(drop.sum())} of {self.n_obs} rows left out ({'; '.join(parts)}; first: "
                          f"{_rows_text(self._rows[np.flatnonzero(drop)])})"
                          f"{f'; {len(lost)} units have no row left' if len(lost) else ''}", SampleWarning)
        return ~drop

    def spacing_gaps(self) -> list[tuple[int, int]]:
        """Pairs of consecutive periods further apart than the panel's usual step (calendar: one period)."""
        if len(self.periods) < 3 and self.period_map.kind == "integer":
            return []
        d = np.diff(self.periods)
        if not len(d):
            return []
        step = 1 if self.period_map.kind == "calendar" else int(d.min())
        return [(int(a), int(b)) for a, b, dd in zip(self.periods[:-1], self.periods[1:], d) if dd != step]

    def warn_uneven(self, estimator: str) -> str | None:
        """Warn (and return a note) when periods are unevenly spaced: ``estimator`` counts them in order."""
        gaps = self.spacing_gaps()
        if not gaps:
            return None
        lab = self.period_map.label
        msg = (f"{estimator}: the periods are unevenly spaced (gaps {', '.join(f'{lab(a)} -> {lab(b)}' for a, b in gaps[:5])}"
               f"{' …' if len(gaps) > 5 else ''}); event times, anticipation and the previous period are counted in "
               "order of the periods observed, as R did does (one step from "
               f"{lab(gaps[0][0])} is {lab(gaps[0][1])})")
        warn(msg, PeriodSpacingWarning)
        return msg

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
            warn(what + ". Kept as is; pass balance='drop' to drop them or balance='keep' to "
                          "silence this warning.", PanelWarning)
        elif balance == "drop":
            warn(what + ". Dropped them (balance='drop').", SampleWarning)
            keep_units = self._unit_counts == len(self.periods)
            keep = keep_units[self.unit_codes] & self._observed
            if not keep.any():
                raise self._err("balancing would drop every unit", self.unit, None, "balanced")
            self._validate(self.data.loc[keep], self._rows[keep])

    def balanced(self) -> "Panel":
        """A new Panel with only the units observed in every period (reports what it drops)."""
        p = self._copy()
        if not p.is_balanced:
            p._handle_unbalanced("drop")
        return p

    def _copy(self) -> "Panel":
        new = object.__new__(Panel)
        new.__dict__.update(self.__dict__)
        return new

    # ------------------------------------------------------------------ properties
    def _implied_treatment(self, codes) -> np.ndarray:
        return ((codes >= 0) & (self.time_codes >= codes)).astype(float)

    @property
    def treat_values(self) -> np.ndarray | None:
        """The treatment of each row (0/1 implied by the cohort when only a cohort is given); None without either."""
        if self._treat_implied:
            self._treat, self._treat_implied = self._implied_treatment(self.cohort_codes), False
        return self._treat

    @property
    def cohort_values(self) -> np.ndarray | None:
        """The first treated period of each row's unit (0 = never treated); None without a treatment or cohort."""
        if self._cohort_values is None and self.cohort_codes is not None:
            u = self._unit_cohort_codes
            self._cohort_values = np.where(u >= 0, self.periods[np.maximum(u, 0)], 0)[self.unit_codes]
        return self._cohort_values

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
    def period_labels(self) -> list[str]:
        """The periods as the data wrote them (``"2023-01"``, ``"2019"``)."""
        return self.period_map.labels(self.periods)

    def period_of(self, value, what: str = "period") -> int:
        """The period number of a value written like the time column (``1989``, ``"1989"``, ``"2023-03"``)."""
        try:
            if self.period_map.kind == "integer" and isinstance(value, (float, np.floating)) and value.is_integer():
                value = int(value)
            return int(self.period_map.numbers([value], column=what)[0])
        except DataValidationError as e:
            raise DataValidationError(f"{what}: {e.message}", source=self.source, rule="period-value") from None

    @property
    def unit_cohort(self) -> np.ndarray:
        """Cohort of each unit (order of ``units``); 0 = never treated."""
        if self.cohort_values is None:
            raise self._err("the panel has no treatment or cohort column", rule="has-cohort")
        out = np.zeros(self.n_units, np.int64)
        out[self.unit_codes] = self.cohort_values
        return out

    @property
    def unit_cohort_codes(self) -> np.ndarray:
        """Position of each unit's first treated period (order of ``units``); -1 = never treated."""
        if self.cohort_codes is None:
            raise self._err("the panel has no treatment or cohort column", rule="has-cohort")
        return self._unit_cohort_codes.copy()

    @property
    def cohorts(self) -> np.ndarray:
        """Sorted treated cohorts (first treated periods), excluding never treated."""
        c = np.unique(self.unit_cohort_codes)
        return self.periods[c[c >= 0]]

    @property
    def never_treated(self) -> pd.Index:
        """Ids of the never-treated units."""
        return self.units[self.unit_cohort_codes < 0]

    def wide(self, values: str | np.ndarray | None = None, *, order: str = "C") -> np.ndarray:
        """An ``n_units x n_periods`` array of the outcome, a covariate or an aligned array; NaN where unobserved.
        ``order="F"``: column-major (each period contiguous)."""
        if values is None:
            v = self.y_values
        elif isinstance(values, str):
            if values == self.y:
                v = self.y_values
            elif values in self.covariate_values:
                v = self.covariate_values[values]
            else:
                v = self._checked(self.data, values, "value")
        else:
            v = np.asarray(values, float)
        if self._sorted_complete:     # one row per unit and period, in that order: the table is a reshape
            return np.array(v.reshape(self.n_units, self.n_periods), order=order)
        out = np.full((self.n_units, self.n_periods), np.nan, order=order)
        out[self.unit_codes, self.time_codes] = v
        return out

    def columns(self) -> dict:
        """The column roles of this panel (what ``as_panel`` re-uses when a Panel is passed in)."""
        return {"unit": self.unit, "time": self.time, "y": self.y, "treat": self.treat_col,
                "cohort": self.cohort_col, "covariates": list(self.covariates), "weights": self.weights_col,
                "cluster": self.cluster_col, "freq": self.freq, "mid_period": self.mid_period,
                "absorbing": self.absorbing, "source": self.source}

    def __repr__(self) -> str:
        kind = "balanced" if self.is_balanced else "unbalanced"
        coh = ""
        if self.cohort_codes is not None:
            coh = f", {len(self.cohorts)} treated cohorts, {len(self.never_treated)} never-treated units"
        labels = self.period_labels
        return (f"<Panel {kind}: {self.n_units} units x {self.n_periods} periods "
                f"({labels[0]}..{labels[-1]}), {self.n_obs} rows{coh}>")


def as_panel(data, *, unit=None, time=None, y=None, treat=None, cohort=None, covariates=None, weights=None,
             cluster=None, freq=None, mid_period=None, balance="keep", absorbing=None, source=None) -> Panel:
    """``data`` as a Panel. A Panel passed in keeps its columns; columns given explicitly override them.

    A new ``treat`` or ``cohort`` replaces the panel's treatment definition (the two go together).
    """
    if isinstance(data, Panel):
        spec = data.columns()
        given = {"unit": unit, "time": time, "y": y, "weights": weights, "cluster": cluster, "freq": freq,
                 "mid_period": mid_period, "absorbing": absorbing, "source": source}
        if covariates is not None:
            given["covariates"] = names(covariates)
        if treat is not None or cohort is not None:
            given["treat"], given["cohort"] = treat, cohort
        changed = {k: v for k, v in given.items() if v is not None and v != spec.get(k)}
        if "treat" in given and (given["treat"], given["cohort"]) != (spec["treat"], spec["cohort"]):
            changed["treat"], changed["cohort"] = given["treat"], given["cohort"]
        if not changed:
            return data
        spec.update(changed)
        return Panel(data.data, balance="keep", **spec)
    if unit is None or time is None:
        raise TypeError("pass unit= and time= column names (or a govstudy Panel)")
    return Panel(data, unit=unit, time=time, y=y, treat=treat, cohort=cohort, covariates=covariates,
                 weights=weights, cluster=cluster, freq=freq, mid_period=mid_period or "treated",
                 balance=balance, absorbing=True if absorbing is None else absorbing, source=source)
