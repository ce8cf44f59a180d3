"""Periods as researchers write them: integers, dates, ``pd.Period`` and strings, mapped to numbers.

Every estimator needs periods it can order and count. Researchers write them in many ways: years
(``2019``), dates (``2023-01-15``), months (``"2023-01"``, ``"2023年1月"``), quarters (``"2023Q1"``),
``pd.Period`` values, or yyyymm integers (``202301``). :class:`PeriodMap` turns any of these into
period numbers and back:

* **integers** stay as written (``1978``, ``1981`` stay 1978 and 1981; unevenly spaced periods are
  valid). yyyymm integers (``202301 … 202412``) are recognised by their year-boundary jumps
  (``202312 -> 202401``): with ``freq="M"`` they become months, otherwise a clear error explains why
  ``202401 - 202312 = 89`` is not one month;
* **dates, periods and date-like strings** become consecutive periods at the inferred frequency (or
  ``freq=`` given), numbered ``1, 2, …`` from the first one, so that ``0`` keeps meaning "never treated".
  The inferred frequency is the coarsest of year, quarter, month, week, day at which distinct dates stay
  distinct (monthly data recorded on the 15th are months). A missing month leaves a gap in the numbers.
* **adoption dates** (cohorts) use the same map. A date inside a period makes that period the first
  treated one (``mid_period="treated"``, the default) or the next one (``mid_period="next"``; a date on
  the first day of its period still treats that period). Blank, ``NaN``, ``None``, ``NaT``, ``0`` and
  ``±inf`` mean never treated.

Labels keep the user's spelling: the first way each period was written in the data.

Why our own code: pandas parses dates and builds periods (used here), but no library decides a
panel's frequency from its dates, recognises yyyymm integers or maps adoption dates onto the periods
of a panel with the conventions staggered-adoption estimators need.

Example
-------
>>> import pandas as pd
>>> pm = PeriodMap.from_values(pd.Series(["2023-01", "2023-02", "2023-03"]))
>>> pm.freq, pm.numbers(["2023-03", "2023-01"]).tolist(), pm.labels([1, 3])
('M', [3, 1], ['2023-01', '2023-03'])
>>> pm.cohorts(["2023-02-15", "", None, 0]).tolist()     # a date inside February: February is treated
[2, 0, 0, 0]
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from govstudy.errors import DataValidationError

__all__ = ["PeriodMap", "period_numbers"]

FREQS = ("Y", "Q", "M", "W", "D")
_PANDAS_FREQ = {"Y": "Y", "Q": "Q", "M": "M", "W": "W", "D": "D"}

_PATTERNS = [  # (regex, kind); strings are NFKC-normalised and stripped first
    (re.compile(r"^(\d{4})$"), "year"),
    (re.compile(r"^(\d{4})\s*[-/.]?\s*[Qq]([1-4])$"), "quarter"),
    (re.compile(r"^[Qq]([1-4])\s*[-/. ]?\s*(\d{4})$"), "quarter_first"),
    (re.compile(r"^(\d{4})\s*年\s*第?\s*([1-4一二三四])\s*季度?$"), "quarter_zh"),
    (re.compile(r"^(\d{4})[-/.](\d{1,2})$"), "month"),
    (re.compile(r"^(\d{4})\s*年\s*(\d{1,2})\s*月$"), "month"),
    (re.compile(r"^(\d{4})年$"), "year"),
    (re.compile(r"^(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日$"), "date_zh"),
    (re.compile(r"^\d{4}[-/.]\d{1,2}[-/.]\d{1,2}([ T]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?)?$"), "date"),
    (re.compile(r"^\d{4}\d{2}\d{2}$"), "date8"),
]
_ZH_DIGIT = {"一": "1", "二": "2", "三": "3", "四": "4"}
_NEVER_TEXT = {"", "nan", "none", "nat", "null", "na", "n/a", "never", "0", "0.0", "inf", "-inf", "+inf", "infinity", "-infinity"}


def _is_never(v) -> bool:
    """A cohort code for never treated: missing (see :func:`_is_missing`), 0, ±inf or their spellings."""
    if isinstance(v, str):
        return unicodedata.normalize("NFKC", v).strip().lower() in _NEVER_TEXT
    if isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, (bool, np.bool_)):
        return bool(np.isnan(v)) or np.isinf(v) or v == 0
    return _is_missing(v)


def _parse_text(text: str) -> tuple[str, object]:
    """(kind, value) of one written period: ("int", 2019) / ("period", pd.Period) / ("date", Timestamp)."""
    s = unicodedata.normalize("NFKC", text).strip()
    for rx, kind in _PATTERNS:
        m = rx.match(s)
        if not m:
            continue
        if kind == "year":
            return "int", int(m.group(1))
        if kind in ("quarter", "quarter_first", "quarter_zh"):
            y, q = (m.group(2), m.group(1)) if kind == "quarter_first" else (m.group(1), m.group(2))
            return "period", pd.Period(year=int(y), quarter=int(_ZH_DIGIT.get(q, q)), freq="Q")
        if kind == "month":
            mo = int(m.group(2))
            if not 1 <= mo <= 12:
                raise ValueError(f"month {mo} is not 1..12")
            return "period", pd.Period(year=int(m.group(1)), month=mo, freq="M")
        if kind == "date_zh":
            return "date", pd.Timestamp(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        if kind == "date8":
            return "int", int(s)      # 20230115 could be a date or a number: integers decide (yyyymm rule)
        return "date", pd.Timestamp(s.replace("/", "-").replace(".", "-") if " " not in s else s)
    if re.fullmatch(r"[+-]?\d+", s):
        return "int", int(s)
    if re.fullmatch(r"[+-]?\d+\.0*", s):
        return "int", int(float(s))
    raise ValueError(f"{text!r} is not a period: write integers (2019), dates (2023-01-15), months (2023-01, "
                     "2023年1月), quarters (2023Q1) or years (2023)")


def _looks_yyyymm(vals: np.ndarray) -> bool:
    """Integers like 202301..202412: months 1..12 in the last two digits and a Dec -> Jan jump."""
    if len(vals) < 2 or vals.min() < 100001 or vals.max() > 999912:
        return False
    mm = vals % 100
    if ((mm < 1) | (mm > 12)).any():
        return False
    u = np.unique(vals)
    return bool(np.any((np.diff(u) == 89) & (u[:-1] % 100 == 12)))


@dataclass(frozen=True)
class PeriodMap:
    """How a panel's periods were written and which number each one has.

    ``kind`` is ``"integer"`` (numbers kept as written) or ``"calendar"`` (numbered 1, 2, … at ``freq``
    from ``origin``). Build one with :meth:`from_values`.
    """

    kind: str
    freq: str | None = None
    origin: int = 0                      # ordinal of period number 1 (calendar maps)
    written: dict = field(default_factory=dict, compare=False)   # number -> label as first written

    # ------------------------------------------------------------------ construction
    @classmethod
    def from_values(cls, values, freq: str | None = None, *, column: str | None = None,
                    source: str | None = None) -> "PeriodMap":
        """Infer the map from a time column (see the module docstring for the rules)."""
        s = pd.Series(values).reset_index(drop=True)
        return cls._from_parsed(_parse_series(s, column, source, time=True), s, freq, column, source)

    @classmethod
    def _from_parsed(cls, parsed: "_Parsed", s: pd.Series, freq, column, source) -> "PeriodMap":
        if freq is not None and freq not in FREQS:
            raise ValueError(f"freq must be one of {FREQS} (year, quarter, month, week, day), got {freq!r}")
        kinds = parsed.kinds
        present = set(kinds[kinds != "never"])
        if not present:
            raise DataValidationError("the time column has no values", source=source, column=column,
                                      rule="time-values")
        if "never" in set(kinds):
            r = int(parsed.first[np.flatnonzero(kinds == "never")[0]])
            raise DataValidationError(f"missing time value ({s.iloc[r]!r})", source=source, column=column,
                                      row=r + 1, rule="not-null")
        if present == {"int"}:
            ints = np.asarray(parsed.values, dtype=np.int64)
            if _looks_yyyymm(ints):
                if freq != "M":
                    u = np.unique(ints)
                    j = int(np.flatnonzero((np.diff(u) == 89) & (u[:-1] % 100 == 12))[0])
                    raise DataValidationError(
                        f"time looks like yyyymm integers ({u[0]} … {u[-1]}): read as numbers, {u[j + 1]} - {u[j]} "
                        "= 89 periods, not one month, which would wreck event times. Pass freq='M' to read them "
                        "as months, or convert them with govstudy.PeriodMap", source=source, column=column,
                        rule="yyyymm-time")
                per = [pd.Period(year=int(v // 100), month=int(v % 100), freq="M") for v in ints]
                return cls._calendar(per, [str(v) for v in parsed.raw], "M")
            if freq is not None:
                raise DataValidationError(
                    f"freq={freq!r} was given but the time column holds plain integers ({ints.min()} … "
                    f"{ints.max()}), which are used as written; drop freq= (or write dates)", source=source,
                    column=column, rule="freq-with-integers")
            labels = {}
            for v in ints.tolist():
                labels.setdefault(v, str(v))
            return cls("integer", None, 0, labels)
        if "int" in present:
            r = int(parsed.first[np.flatnonzero(kinds == "int")[0]])
            o = int(parsed.first[np.flatnonzero((kinds != "int") & (kinds != "never"))[0]])
            raise DataValidationError(
                f"the time column mixes plain numbers ({s.iloc[r]!r}, row {r + 1}) with dates or periods "
                f"({s.iloc[o]!r}, row {o + 1}); write every period the same way", source=source, column=column,
                row=r + 1, rule="one-time-format")
        objs = list(parsed.values)
        if freq is None:
            pfreqs = {p.freqstr[0] for p, k in zip(objs, kinds) if k == "period"}
            if len(pfreqs) > 1:
                raise DataValidationError(f"the time column mixes period frequencies {sorted(pfreqs)}; pass freq=",
                                          source=source, column=column, rule="one-frequency")
            freq = pfreqs.pop() if pfreqs else None
            if freq is None:
                freq = _infer_freq(pd.DatetimeIndex([o for o in objs]))
        per = [_to_period(o, freq) for o in objs]
        # dates are labelled by their period (2023-01), periods and period-like text as written (2023年1月)
        labels = [str(p) if k == "date" else _label(v) for p, k, v in zip(per, kinds, parsed.raw)]
        return cls._calendar(per, labels, freq)

    @classmethod
    def _calendar(cls, per: list, labels: list, freq: str) -> "PeriodMap":
        ords = np.array([p.ordinal for p in per], dtype=np.int64)
        origin = int(ords.min())
        written = {}
        for o, lab in zip(ords.tolist(), labels):
            written.setdefault(o - origin + 1, lab)
        return cls("calendar", freq, origin, written)

    # ------------------------------------------------------------------ use
    @property
    def numbers_seen(self) -> np.ndarray:
        """The sorted period numbers of the values the map was built from (the numbers ``written`` labels).

        >>> PeriodMap.from_values(["2023-03", "2023-01"]).numbers_seen.tolist()
        [1, 3]
        """
        return np.fromiter(sorted(self.written), np.int64, len(self.written))

    def numbers(self, values, *, column: str | None = None, source: str | None = None) -> np.ndarray:
        """Period numbers (int64) of written periods; a missing value is an error."""
        s = pd.Series(values).reset_index(drop=True)
        out = self._convert(s, column, source, cohort=False)
        return out

    def cohorts(self, values, *, mid_period: str = "treated", column: str | None = None,
                source: str | None = None) -> np.ndarray:
        """Period numbers of adoption dates; ``0`` for never treated (blank, NaN, None, NaT, 0, ±inf).

        An adoption before the first period of a calendar map gets a negative number (never 0).
        """
        if mid_period not in ("treated", "next"):
            raise ValueError(f"mid_period must be 'treated' or 'next', got {mid_period!r}")
        s = pd.Series(values).reset_index(drop=True)
        return self._convert(s, column, source, cohort=True, mid_period=mid_period)

    def labels(self, numbers) -> list[str]:
        """The period of each number, written as in the data (or in the standard form if never seen)."""
        out = []
        for n in np.atleast_1d(np.asarray(numbers)).tolist():
            n = int(n)
            if n in self.written:
                out.append(self.written[n])
            elif self.kind == "integer":
                out.append(str(n))
            else:
                out.append(str(pd.Period(ordinal=n - 1 + self.origin, freq=_PANDAS_FREQ[self.freq])))
        return out

    def label(self, number) -> str:
        return self.labels([number])[0]

    def describe(self) -> str:
        if self.kind == "integer":
            return "integer periods (as written)"
        return f"{ {'Y': 'yearly', 'Q': 'quarterly', 'M': 'monthly', 'W': 'weekly', 'D': 'daily'}[self.freq]} " \
               f"periods numbered 1, 2, … from {self.label(1)}"

    # ------------------------------------------------------------------ internals
    def _convert(self, s, column, source, cohort, mid_period="treated"):
        if self.kind == "integer" and _plain_integers(s):
            return s.to_numpy().astype(np.int64, copy=False)    # integers are their own numbers (0 = never: 0)
        parsed = _parse_series(s, column, source, time=not cohort)
        return self._numbers_of(parsed, s, column, source, cohort, mid_period)[parsed.codes]

    def _numbers_of(self, parsed: "_Parsed", s, column, source, cohort, mid_period="treated") -> np.ndarray:
        """The number of each distinct value of ``parsed``."""
        out = np.zeros(len(parsed.kinds), dtype=np.int64)
        for j, (k, v) in enumerate(zip(parsed.kinds, parsed.values)):
            if k == "never":
                if not cohort:
                    i = int(np.flatnonzero(parsed.codes == j)[0])
                    raise DataValidationError(f"missing period ({s.iloc[i]!r})", source=source, column=column,
                                              row=i + 1, rule="not-null")
                continue
            try:
                out[j] = self._one(k, v, cohort, mid_period)
            except ValueError as e:
                i = int(np.flatnonzero(parsed.codes == j)[0])
                raise DataValidationError(f"{s.iloc[i]!r}: {e}", source=source, column=column, row=i + 1,
                                          rule="period-value") from None
        return out

    def _one(self, kind, v, cohort, mid_period):
        if self.kind == "integer":
            if kind != "int":
                raise ValueError("the panel's periods are integers; write this one as an integer too (or write "
                                 "every period as a date)")
            return int(v)
        if kind == "int":
            iv = int(v)
            if 100001 <= iv <= 999912 and 1 <= iv % 100 <= 12 and self.freq == "M":
                v, kind = pd.Period(year=iv // 100, month=iv % 100, freq="M"), "period"
            elif 1000 <= iv <= 9999 and self.freq == "Y":     # a year on a yearly panel
                v, kind = pd.Period(year=iv, freq="Y"), "period"
            else:
                raise ValueError(f"the panel's periods are {self.describe()}; a plain number is ambiguous here "
                                 "(write it as a date or period, e.g. 2023-03)")
        p = _to_period(v, self.freq)
        n = p.ordinal - self.origin + 1
        if cohort and mid_period == "next" and kind == "date" and pd.Timestamp(v) > p.start_time:
            n += 1
        if cohort and n <= 0:
            n -= 1      # a period before the data: negative, never 0 (which means never treated)
        return n


def _label(v) -> str:
    if isinstance(v, pd.Timestamp):
        return v.strftime("%Y-%m-%d") if v == v.normalize() else str(v)
    if isinstance(v, (pd.Period,)):
        return str(v)
    if hasattr(v, "isoformat") and not isinstance(v, str):
        return v.isoformat()
    return str(v)


_MISSING_TEXT = {"", "nan", "none", "nat", "null", "na", "n/a"}


def _is_missing(v) -> bool:
    """Blank, NaN, None, NaT: no value at all."""
    if v is None or v is pd.NaT:
        return True
    if isinstance(v, str):
        return unicodedata.normalize("NFKC", v).strip().lower() in _MISSING_TEXT
    if isinstance(v, (float, np.floating)):
        return bool(np.isnan(v))
    try:
        return v is not None and bool(pd.isna(v))
    except (TypeError, ValueError):
        return False


class _Parsed:
    """A column parsed once per distinct value: row ``i`` is distinct value ``codes[i]``. Distinct values are
    numbered in the order they first appear (integer columns: in increasing order); an integer column's ``codes``
    are computed only when asked for (integer periods are their own numbers and need none)."""

    def __init__(self, codes, kinds, values, raw):
        self._codes = codes          # an array, or a function that computes it
        self.kinds = kinds           # never / int / period / date, per distinct value
        self.values = values         # parsed value, per distinct value
        self.raw = raw               # the value as written, per distinct value

    @property
    def codes(self) -> np.ndarray:
        if callable(self._codes):
            self._codes = self._codes()
        return self._codes

    @property
    def first(self) -> np.ndarray:
        """Row of first appearance, per distinct value (computed only when an error needs a row)."""
        return np.unique(self.codes, return_index=True)[1]


def _plain_integers(s: pd.Series) -> bool:
    """An integer (not boolean) column whose values fit int64."""
    return s.dtype.kind == "i" or (s.dtype.kind == "u" and s.dtype.itemsize < 8)


def _distinct_integers(v: np.ndarray):
    """(sorted distinct values, a function giving each row's position among them) of an integer array; over a range
    of at most 4n values by one bincount instead of a hash table (periods, cohorts)."""
    lo, hi = int(v.min()), int(v.max())
    if hi - lo > 4 * len(v):
        uniq = np.unique(v)
        return uniq, lambda: np.searchsorted(uniq, v)
    present = (np.bincount(v)[lo:] if 0 <= lo and hi <= 4 * len(v) else np.bincount(v - lo, minlength=hi - lo + 1)) > 0
    return np.flatnonzero(present) + lo, lambda: (np.cumsum(present) - 1)[v - lo]


def _parse_series(s: pd.Series, column, source, time: bool) -> _Parsed:
    """Classify each distinct value as never / int / period / date, with its parsed value.

    For a time column only a missing value is "never" (an error later); for a cohort column 0 and ±inf
    (and their spellings, and "never") mean never treated too. Each distinct value is parsed once (a
    1.2M-row panel has a few dozen periods), so an error names the first row that holds the bad value.
    """
    if getattr(getattr(s, "dt", None), "tz", None) is not None:
        s = s.dt.tz_localize(None)
    if pd.api.types.is_bool_dtype(s.dtype):
        raise DataValidationError("periods must be numbers or dates, not True/False", source=source,
                                  column=column, rule="period-type")
    if s.dtype == object and any(type(v) in (bool, np.bool_) for v in s.array):
        codes, raw = np.arange(len(s)), s.tolist()    # True == 1 would share 1's code: every row on its own
    elif _plain_integers(s) and len(s):
        uniq, codes = _distinct_integers(s.to_numpy())
        raw = uniq.tolist()
    else:
        codes, uniq = pd.factorize(s, use_na_sentinel=False)
        raw = list(uniq.astype(object)) if isinstance(s.dtype, pd.PeriodDtype) else uniq.tolist()
    kinds = np.empty(len(raw), dtype=object)
    vals = np.empty(len(raw), dtype=object)
    dated = "period" if isinstance(s.dtype, pd.PeriodDtype) else "date"
    for j, v in enumerate(raw):
        if isinstance(s.dtype, pd.PeriodDtype) or pd.api.types.is_datetime64_any_dtype(s.dtype):
            kinds[j], vals[j] = ("never", None) if pd.isna(v) else (dated, v)
            continue
        if _is_missing(v) or (not time and _is_never(v)):
            kinds[j], vals[j] = "never", None
            continue
        try:
            kinds[j], vals[j] = _parse_one(v)
        except (ValueError, TypeError, OverflowError) as e:
            raise DataValidationError(str(e), source=source, column=column,
                                      row=int(np.flatnonzero((codes() if callable(codes) else codes) == j)[0]) + 1,
                                      rule="period-value") from None
    return _Parsed(codes, kinds, vals, raw)


def _parse_one(v):
    if isinstance(v, (bool, np.bool_)):
        raise ValueError(f"{v!r} is not a period")
    if isinstance(v, (int, np.integer)):
        return "int", int(v)
    if isinstance(v, (float, np.floating)):
        if not np.isfinite(v) or v != np.round(v):
            raise ValueError(f"{v!r} is not an integer period")
        return "int", int(v)
    if isinstance(v, pd.Period):
        return "period", v
    if isinstance(v, (pd.Timestamp, np.datetime64)) or hasattr(v, "isoformat"):
        return "date", pd.Timestamp(v)
    if isinstance(v, str):
        return _parse_text(v)
    raise ValueError(f"{v!r} ({type(v).__name__}) is not a period")


def _infer_freq(dates: pd.DatetimeIndex) -> str:
    """The coarsest frequency at which distinct dates stay distinct."""
    u = dates.unique()
    for f in FREQS:
        if len(u.to_period(_PANDAS_FREQ[f]).unique()) == len(u):
            return f
    return "D"


_FINENESS = {"Y": 0, "Q": 1, "M": 2, "W": 3, "D": 4}


def _to_period(v, freq: str) -> pd.Period:
    if isinstance(v, pd.Period):
        own = v.freqstr[0]
        if own == freq:
            return v
        if _FINENESS.get(own, 4) < _FINENESS[freq]:
            raise ValueError(f"{v} is a coarser period than the panel's ({freq}); write it at the panel's frequency")
        return v.asfreq(_PANDAS_FREQ[freq])
    return pd.Timestamp(v).to_period(_PANDAS_FREQ[freq])


def period_numbers(values, freq: str | None = None, *, column: str | None = None,
                   source: str | None = None) -> tuple[np.ndarray, PeriodMap]:
    """Period numbers of a time column and the map that turns them back into labels (one parse of the column).

    >>> nums, pm = period_numbers(["2023-11-15", "2023-12-15", "2024-01-15"])
    >>> nums.tolist(), pm.freq, pm.labels(nums)
    ([1, 2, 3], 'M', ['2023-11', '2023-12', '2024-01'])
    """
    s = pd.Series(values).reset_index(drop=True)
    parsed = _parse_series(s, column, source, time=True)
    pm = PeriodMap._from_parsed(parsed, s, freq, column, source)
    if pm.kind == "integer" and s.dtype == np.int64:
        return s.to_numpy(), pm          # integer periods are their own numbers: no copy
    return pm._numbers_of(parsed, s, column, source, cohort=False)[parsed.codes], pm
