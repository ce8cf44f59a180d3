"""Fit of any sum of products: sufficiency (inclS, PRI, covS, covU) or necessity (inclN, RoN, covN), as R
QCA's ``pof`` computes them.

Formulas (X the expression's membership, Y the outcome's): inclS = Σmin(X,Y)/ΣX;
PRI = (Σmin(X,Y) − Σmin(X,Y,1−Y)) / (ΣX − Σmin(X,Y,1−Y)); covS = Σmin(X,Y)/ΣY; covU of a term = covS of
the union of all terms − covS of the union of the others; inclN = Σmin(X,Y)/ΣY; covN = Σmin(X,Y)/ΣX;
RoN = Σ(1−X)/Σ(1−min(X,Y)).

Why our own code: no maintained Python QCA library is trustworthy (the packages describe themselves as
experimental and attach fit values to the wrong model), so govstudy computes these in a few lines
checked against R QCA's published output.

>>> import pandas as pd
>>> from govstudy.qca import fit
>>> d = pd.DataFrame({"A": [1, 1, 0, 0], "B": [1, 0, 1, 0], "Y": [1, 1, 1, 0]})
>>> fit("A + B", d, "Y").tidy()[["term", "inclS", "covS", "covU"]].round(3).to_dict("records")[-1]
{'term': 'expression', 'inclS': 1.0, 'covS': 1.0, 'covU': nan}
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from govstudy.arguments import check_choice
from govstudy.qca.data import prepare
from govstudy.qca.expressions import format_term, parse, sop_membership, term_membership
from govstudy.qca.results import QCAResult, xy_axes

__all__ = ["fit", "FitResult", "sufficiency_measures", "necessity_measures"]


def _div(a, b):
    return float(a / b) if b > 0 else float("nan")


def sufficiency_measures(x: np.ndarray, y: np.ndarray) -> dict:
    """inclS, PRI and covS of membership ``x`` for outcome ``y``."""
    mxy = np.minimum(x, y)
    mxyn = np.minimum(mxy, 1 - y)
    return {"inclS": _div(mxy.sum(), x.sum()),
            "PRI": _div(mxy.sum() - mxyn.sum(), x.sum() - mxyn.sum()),
            "covS": _div(mxy.sum(), y.sum())}


def necessity_measures(x: np.ndarray, y: np.ndarray) -> dict:
    """inclN, RoN and covN of membership ``x`` as a necessary condition of ``y``."""
    mxy = np.minimum(x, y)
    return {"inclN": _div(mxy.sum(), y.sum()), "RoN": _div((1 - x).sum(), (1 - mxy).sum()),
            "covN": _div(mxy.sum(), x.sum())}


def unique_coverage(memberships, y: np.ndarray) -> list:
    """covU of each membership vector against the union of the others."""
    M = np.asarray(memberships, float).reshape(len(memberships), -1)
    if len(M) < 2:
        return [float("nan")] * len(M)
    none = np.full((1, M.shape[1]), -np.inf)
    before = np.vstack([none, np.maximum.accumulate(M, axis=0)[:-1]])          # max of the terms before i
    after = np.vstack([np.maximum.accumulate(M[::-1], axis=0)[::-1][1:], none])  # max of the terms after i
    rest = np.maximum(before, after)
    total = np.minimum(M.max(axis=0), y).sum()
    return [_div(total - v, y.sum()) for v in np.minimum(rest, y).sum(axis=1)]


class FitResult(QCAResult):
    """Fit of each term of an expression and of the whole expression.

    ``tidy()`` extra columns: sufficiency -- ``inclS, PRI, covS, covU`` (covU NaN for the whole
    expression); necessity -- ``inclN, RoN, covN``.
    """

    def __init__(self, table: pd.DataFrame, relation: str, expression: str, outcome: str, x, y, cases):
        self.table, self.relation, self.expression, self.outcome = table, relation, expression, outcome
        self.membership, self.y, self.cases = x, y, cases
        self.notes = []

    def _table(self):
        return self.table

    def _header(self):
        return [f"QCA {self.relation} fit: {self.expression} -> {self.outcome}", f"cases: {len(self.y)}"]

    def plot(self, ax=None):
        """XY plot of the expression's membership against the outcome."""
        from govstudy.plots import bilingual
        return xy_axes(self.membership, self.y, ax=ax, labels=self.cases,
                       xlabel=bilingual("表达式隶属度", f"membership in {self.expression}"),
                       ylabel=bilingual("结果隶属度", f"membership in {self.outcome}"),
                       title=bilingual("XY 图", f"XY plot ({self.relation})"))


def fit(expression: str, data: pd.DataFrame, outcome: str, *, relation: str = "sufficiency",
        conditions=None, cases=None) -> FitResult:
    """Sufficiency or necessity fit of ``expression`` (R notation, e.g. ``"~NATPRIDE + GEOCON"``) for
    ``outcome`` (``"~Y"`` for its negation) in ``data``. ``conditions`` default to every other numeric column."""
    relation = check_choice(relation, "relation", ("sufficiency", "necessity"))
    d = prepare(data, outcome, conditions, cases=cases)
    codes = parse(expression, d.conditions, d.levels)
    mems = [term_membership(c, d.X, d.levels) for c in codes]
    rows = []
    names = [format_term(c, d.conditions, d.multivalue) for c in codes]
    meas = sufficiency_measures if relation == "sufficiency" else necessity_measures
    covu = unique_coverage(mems, d.y)
    for nm, m, cu in zip(names, mems, covu):
        r = {"term": nm, **meas(m, d.y)}
        if relation == "sufficiency":
            r["covU"] = cu
        rows.append(r)
    x = sop_membership(codes, d.X, d.levels)
    if len(codes) > 1:
        r = {"term": "expression", **meas(x, d.y)}
        if relation == "sufficiency":
            r["covU"] = float("nan")
        rows.append(r)
    return FitResult(pd.DataFrame(rows), relation, expression, d.outcome_label, x, d.y, list(d.cases))
