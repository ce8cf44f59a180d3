"""Set-membership data for QCA: conditions and an outcome checked once, with named errors.

A condition is *fuzzy* (scores in [0, 1], not all 0/1), *crisp* (0/1) or *multi-value* (whole numbers
0, 1, 2, ...). Missing values are never dropped silently: they raise a ``DataValidationError`` that
names the column and the rows.

>>> import pandas as pd
>>> from govstudy.qca.data import prepare
>>> d = prepare(pd.DataFrame({"A": [0, 1, 2], "Y": [0, 1, 1]}, index=["a", "b", "c"]), "Y", ["A"])
>>> d.levels, d.multivalue, list(d.cases)
([3], True, ['a', 'b', 'c'])
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from govstudy.arguments import names
from govstudy.errors import ArgumentError, DataValidationError, GovstudyWarning

__all__ = ["QCAData", "QCAWarning", "prepare", "outcome_values"]


class QCAWarning(GovstudyWarning):
    """Something in a QCA analysis the researcher should know: scores at exactly 0.5, cases in no
    truth-table row, contradictions, ties between equally minimal models."""


@dataclass(frozen=True, eq=False)
class QCAData:
    """Validated conditions (cases x conditions) and outcome, with the levels of each condition."""

    conditions: tuple
    X: np.ndarray                 # float, cases x conditions
    y: np.ndarray                 # float outcome membership in [0, 1] (already negated if asked)
    levels: list                  # 2 for crisp/fuzzy, k for multi-value
    fuzzy: tuple                  # per condition
    cases: pd.Index
    outcome: str
    negated: bool = False

    @property
    def multivalue(self) -> bool:
        return any(lv > 2 for lv in self.levels)

    @property
    def outcome_label(self) -> str:
        return ("~" if self.negated else "") + self.outcome


def _numeric(df: pd.DataFrame, col: str, source: str) -> np.ndarray:
    s = df[col]
    if s.isna().any():
        rows = [int(i) + 1 for i in np.flatnonzero(s.isna().to_numpy())]
        raise DataValidationError(f"{len(rows)} missing value(s) in rows {rows[:10]}; QCA needs a membership "
                                  "score for every case (drop or impute the cases yourself, so it is visible)",
                                  source=source, column=col)
    try:
        v = pd.to_numeric(s, errors="raise").to_numpy(float)
    except (ValueError, TypeError):
        bad = [i + 1 for i, x in enumerate(s) if pd.isna(pd.to_numeric(pd.Series([x]), errors="coerce")[0])]
        raise DataValidationError(f"expected numbers (set-membership scores); found non-numeric values in rows "
                                  f"{bad[:10]}, e.g. {s.iloc[bad[0] - 1]!r}", source=source, column=col) from None
    if not np.all(np.isfinite(v)):
        rows = [int(i) + 1 for i in np.flatnonzero(~np.isfinite(v))]
        raise DataValidationError(f"expected finite scores; found inf in rows {rows[:10]}", source=source, column=col)
    return v


def _kind(v: np.ndarray, col: str, source: str, *, outcome: bool = False) -> tuple[bool, int]:
    """(fuzzy?, number of levels) of one column."""
    if np.any(v < 0):
        row = int(np.flatnonzero(v < 0)[0]) + 1
        raise DataValidationError(f"expected scores >= 0; found {v[row - 1]:g} in row {row}", source=source, column=col)
    whole = np.all(v == np.round(v))
    if whole:
        lv = int(v.max()) + 1 if len(v) else 2
        if outcome and lv > 2:
            raise DataValidationError(f"the outcome must be crisp (0/1) or fuzzy in [0, 1]; found values up to "
                                      f"{int(v.max())} -- recode a multi-value outcome, e.g. (Y == 2)",
                                      source=source, column=col)
        return False, max(lv, 2)
    if np.any(v > 1):
        row = int(np.flatnonzero(v > 1)[0]) + 1
        raise DataValidationError(f"fuzzy scores must lie in [0, 1]; found {v[row - 1]:g} in row {row}",
                                  source=source, column=col)
    return True, 2


def prepare(data: pd.DataFrame, outcome: str, conditions=None, *, cases=None, source: str = "data") -> QCAData:
    """Check ``data`` and return the conditions, outcome and case names QCA works with.

    ``outcome`` may start with ``~`` (the negated outcome, ``1 - Y``). ``conditions`` default to every
    other numeric column. ``cases`` names a column holding case labels (default: the index).
    """
    if not isinstance(data, pd.DataFrame):
        raise ArgumentError(f"data must be a pandas DataFrame; got {type(data).__name__}")
    if not isinstance(outcome, str) or not outcome.strip():
        raise ArgumentError(f"outcome must be a column name (optionally with ~ for its negation); got {outcome!r}")
    negated = outcome.strip().startswith("~")
    out = outcome.strip().lstrip("~").strip()
    if out not in data.columns:
        raise ArgumentError(f"outcome {out!r} is not a column of the data; columns are {list(data.columns)}")
    if cases is not None:
        if cases not in data.columns:
            raise ArgumentError(f"cases={cases!r} is not a column of the data")
        idx = pd.Index(data[cases].astype(str), name=cases)
    else:
        idx = pd.Index(data.index.astype(str), name=data.index.name)
    conds = names(conditions, "conditions")
    if not conds:
        conds = [c for c in data.columns if c not in (out, cases) and pd.api.types.is_numeric_dtype(data[c])
                 and c != "simulated"]
    for c in conds:
        if c not in data.columns:
            raise ArgumentError(f"condition {c!r} is not a column of the data; columns are {list(data.columns)}")
        if c == out:
            raise ArgumentError(f"{c!r} is the outcome; it cannot also be a condition")
    if len(set(conds)) != len(conds):
        raise ArgumentError(f"conditions repeat a name: {conds}")
    if len(data) == 0:
        raise DataValidationError("no cases (the table has no rows)", source=source)
    X = np.column_stack([_numeric(data, c, source) for c in conds]) if conds else np.zeros((len(data), 0))
    kinds = [_kind(X[:, j], c, source) for j, c in enumerate(conds)]
    y = _numeric(data, out, source)
    _kind(y, out, source, outcome=True)
    if negated:
        y = 1.0 - y
    return QCAData(tuple(conds), X, y, [k[1] for k in kinds], tuple(k[0] for k in kinds), idx, out, negated)


def outcome_values(data: pd.DataFrame, outcome: str, source: str = "data") -> np.ndarray:
    """The outcome membership (negated when ``outcome`` starts with ``~``)."""
    negated = outcome.strip().startswith("~")
    out = outcome.strip().lstrip("~").strip()
    if out not in data.columns:
        raise ArgumentError(f"outcome {out!r} is not a column of the data")
    y = _numeric(data, out, source)
    _kind(y, out, source, outcome=True)
    return 1.0 - y if negated else y
