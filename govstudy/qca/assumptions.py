"""Checks of the simplifying assumptions, as R QCA's ``findRows``.

``type=1``: remainders inside ``expression`` (e.g. the negation of a necessary condition: untenable
assumptions); ``type=2``: contradictory simplifying assumptions -- remainders used both by the
parsimonious solution for the outcome and by the one for its negation (whose truth table is rebuilt
with ``incl_cut``/``n_cut``/``pri_cut`` if given, else the cuts reversed); ``type=3``: rows with OUT = 1 for
both the outcome and its negation (simultaneous subset relations); ``type=0``: all of them.

>>> import pandas as pd
>>> from govstudy.qca import truth_table, find_rows
>>> d = pd.DataFrame({"A": [1, 0, 0], "B": [1, 1, 0], "Y": [1, 0, 0]})
>>> find_rows(truth_table(d, "Y", ["A", "B"]), type=1, expression="A")
[3]
"""

from __future__ import annotations

import numpy as np

from govstudy.errors import ArgumentError
from govstudy.qca.expressions import parse
from govstudy.qca.implicants import coverage
from govstudy.qca.truth_table import TruthTable, row_ids, truth_table

__all__ = ["find_rows"]


def _negated_table(tt: TruthTable, incl_cut=None, n_cut=None, pri_cut=None) -> TruthTable:
    d = tt.data
    import pandas as pd
    df = pd.DataFrame(d.X, columns=list(d.conditions), index=d.cases)
    df[d.outcome] = 1 - d.y if d.negated else d.y      # the outcome as stored
    out = d.outcome if d.negated else "~" + d.outcome
    ic = tt.incl_cut[::-1] if isinstance(tt.incl_cut, tuple) else tt.incl_cut
    return truth_table(df, out, list(d.conditions), incl_cut=ic if incl_cut is None else incl_cut,
                       n_cut=tt.n_cut if n_cut is None else n_cut, pri_cut=tt.pri_cut if pri_cut is None else pri_cut)


def find_rows(tt: TruthTable, type: int = 1, expression: str | None = None, *, observed: bool = False,
              incl_cut=None, n_cut=None, pri_cut=None) -> list:
    """Row numbers (R's 1-based ids) of the assumptions of ``type`` 0, 1, 2 or 3 (see the module text)."""
    from govstudy.qca.minimize import minimize

    if not isinstance(tt, TruthTable):
        raise ArgumentError("find_rows takes a truth table from govstudy.qca.truth_table")
    if type not in (0, 1, 2, 3):
        raise ArgumentError(f"type must be 0, 1, 2 or 3; got {type!r}")
    found = set()
    if type in (0, 1):
        if not expression:
            raise ArgumentError("type 0 or 1 needs an expression (e.g. the negation of a necessary condition)")
        terms = parse(expression, tt.conditions, tt.levels)
        full = np.array(np.meshgrid(*[np.arange(lv) for lv in tt.levels], indexing="ij")).reshape(
            len(tt.levels), -1).T
        inside = coverage(terms, full).any(axis=0) if terms else np.zeros(len(full), bool)
        ids = set(row_ids(full[inside], tt.levels).tolist())
        if not observed:
            ids -= set(tt.table.loc[tt.table["OUT"] != "?", "row"])
        found |= ids
    if type in (0, 2, 3):
        ntt = _negated_table(tt, incl_cut, n_cut, pri_cut)
    if type in (0, 2):
        def sa_rows(t):
            try:
                s = minimize(t, "parsimonious")
            except ArgumentError:
                return set()
            return {int(r) for df in s.simplifying_assumptions for r in df["row"]}
        found |= sa_rows(tt) & sa_rows(ntt)
    if type in (0, 3):
        found |= set(tt.rows("1")["row"]) & set(ntt.rows("1")["row"])
    return sorted(int(r) for r in found)
