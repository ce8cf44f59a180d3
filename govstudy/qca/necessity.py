"""Necessity: inclN, RoN and covN of each condition and its negation (for the outcome and its
negation), and a ``superSubset``-style search for necessary conjunctions and disjunctions.

``super_subset`` follows R QCA's ``superSubset``: every conjunction and every disjunction of literals
of distinct conditions (up to ``depth``) is scored; conjunctions with ``inclN >= incl_cut`` and
``covN >= cov_cut`` are kept; a disjunction is kept when it passes both cuts and none of its
sub-disjunctions (single literals included) already has ``inclN >= incl_cut`` (a superset of a
necessary expression is trivially necessary). Rows are ordered: conjunctions, then disjunctions, each by
size, then by the conditions used and their values.

Why our own code: no maintained Python QCA library is trustworthy; checked against R QCA's published
``superSubset`` and ``pof`` output (Lipset LM, Cebotari-Vink CVF).

>>> import pandas as pd
>>> from govstudy.qca import necessity
>>> d = pd.DataFrame({"A": [1, 1, 0, 1], "Y": [1, 1, 0, 0]})
>>> necessity(d, "Y", ["A"]).tidy()[["term", "outcome", "inclN"]].to_dict("records")[0]
{'term': 'A', 'outcome': 'Y', 'inclN': 1.0}
"""

from __future__ import annotations

from itertools import combinations, product

import numpy as np
import pandas as pd

from govstudy.arguments import check_int
from govstudy.errors import ArgumentError
from govstudy.qca.data import prepare
from govstudy.qca.expressions import format_term, literal_membership
from govstudy.qca.fit import necessity_measures
from govstudy.qca.results import QCAResult

__all__ = ["necessity", "super_subset", "NecessityResult"]

EPS = np.sqrt(np.finfo(float).eps)


class NecessityResult(QCAResult):
    """Necessity fit. ``tidy()`` extra columns: ``outcome``, ``type`` (condition, conjunction or
    disjunction), ``inclN, RoN, covN``."""

    def __init__(self, table: pd.DataFrame, header: list, notes=None):
        self.table, self._head, self.notes = table, header, list(notes or [])

    def _table(self):
        return self.table

    def _header(self):
        return self._head

    def plot(self, ax=None):
        """inclN (bars) and covN (dots) of each expression; the dashed line is 0.9."""
        import matplotlib.pyplot as plt
        from govstudy.plots import bilingual, cjk_figure

        t = self.table
        labels = [f"{a} → {b}" if t["outcome"].nunique() > 1 else a for a, b in zip(t["term"], t["outcome"])]
        if ax is None:
            _, ax = plt.subplots(figsize=(6, max(2.5, 0.28 * len(t) + 1)))
        ys = np.arange(len(t))[::-1]
        ax.barh(ys, t["inclN"], color="tab:blue", alpha=0.7, label="inclN")
        ax.plot(t["covN"], ys, "o", color="black", ms=4, label="covN")
        ax.axvline(0.9, color="tab:red", ls="--", lw=1)
        ax.set_yticks(ys, labels, fontsize=7)
        ax.set_xlim(0, 1.05)
        ax.set_xlabel(bilingual("必要性一致性与覆盖度", "necessity inclusion and coverage"))
        ax.set_title(bilingual("必要条件分析", "necessity"), fontsize=10)
        ax.legend(frameon=False, fontsize=8, loc="lower right")
        cjk_figure(ax.figure)
        return ax


def _literals(d):
    """(condition index, code) of every literal, in R's order."""
    out = []
    for j, lv in enumerate(d.levels):
        out.append([(j, v + 1) for v in range(lv)])
    return out


def necessity(data: pd.DataFrame, outcome: str, conditions=None, *, negated_outcome: bool = True,
              cases=None) -> NecessityResult:
    """inclN, RoN, covN of every condition and its negation (every level for multi-value conditions),
    for ``outcome`` and, with ``negated_outcome=True``, for its negation."""
    rows = []
    outs = [outcome] + ([outcome[1:] if outcome.startswith("~") else "~" + outcome] if negated_outcome else [])
    for o in outs:
        d = prepare(data, o, conditions, cases=cases)
        for neg in (False, True):
            for j, lv in enumerate(d.levels):
                if lv == 2:
                    code = 1 if neg else 2
                elif neg:
                    continue
                for c in ([code] if lv == 2 else range(1, lv + 1)):
                    t = tuple(c if k == j else 0 for k in range(len(d.levels)))
                    m = literal_membership(d.X, j, c, d.levels)
                    rows.append({"term": format_term(t, d.conditions, d.multivalue), "outcome": d.outcome_label,
                                 "type": "condition", **necessity_measures(m, d.y)})
    return NecessityResult(pd.DataFrame(rows), [f"Necessity of single conditions for {' and '.join(outs)}"])


def super_subset(data: pd.DataFrame, outcome: str, conditions=None, *, incl_cut: float = 1.0, cov_cut: float = 0.0,
                 depth=None, cases=None) -> NecessityResult:
    """Necessary conjunctions and (minimal) disjunctions of literals, as R QCA's ``superSubset``."""
    for v, nm in ((incl_cut, "incl_cut"), (cov_cut, "cov_cut")):
        if not isinstance(v, (int, float)) or isinstance(v, bool) or not 0 <= v <= 1:
            raise ArgumentError(f"{nm} must be a number in [0, 1]; got {v!r}")
    d = prepare(data, outcome, conditions, cases=cases)
    k = len(d.conditions)
    depth = k if depth is None else check_int(depth, "depth", minimum=1)
    lits = _literals(d)
    ic = incl_cut - EPS
    cc = cov_cut - EPS if cov_cut > 0 else cov_cut
    conj, disj = [], []
    necessary_disj = set()           # frozensets of (j, code) with inclN >= incl_cut
    for size in range(1, min(depth, k) + 1):
        for cols in combinations(range(k), size):
            for codes in product(*[lits[j] for j in cols]):
                mems = [literal_membership(d.X, j, c, d.levels) for j, c in codes]
                code = tuple(dict(codes).get(j, 0) for j in range(k))
                cm = necessity_measures(np.minimum.reduce(mems), d.y)
                if cm["inclN"] >= ic and cm["covN"] >= cc:
                    conj.append({"term": format_term(code, d.conditions, d.multivalue), "type": "conjunction", **cm})
                if size == 1:
                    if cm["inclN"] >= ic:
                        necessary_disj.add(frozenset(codes))
                    continue
                dm = necessity_measures(np.maximum.reduce(mems), d.y)
                if dm["inclN"] < ic:
                    continue
                key = frozenset(codes)
                redundant = any(frozenset(sub) in necessary_disj for s in range(1, size)
                                for sub in combinations(codes, s))
                necessary_disj.add(key)
                if redundant or dm["covN"] < cc:
                    continue
                names = [format_term(tuple(c if i == j else 0 for i in range(k)), d.conditions, d.multivalue)
                         for j, c in codes]
                disj.append({"term": "+".join(names), "type": "disjunction", **dm})
    table = pd.DataFrame(conj + disj, columns=["term", "type", "inclN", "RoN", "covN"])
    table.insert(1, "outcome", d.outcome_label)
    head = [f"superSubset: necessary expressions for {d.outcome_label} (incl_cut={incl_cut}, cov_cut={cov_cut})"]
    return NecessityResult(table, head)
