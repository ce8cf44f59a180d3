"""Truth tables: every configuration of the conditions, its cases, inclusion, PRI and output value.

R QCA's rules and defaults: a case belongs to the row where its membership is above 0.5 (``n`` counts
them); ``incl`` and ``PRI`` use every case's (fuzzy) membership in the row; ``OUT`` is 1 when
``incl >= incl_cut`` (and ``PRI >= pri_cut`` if given), 0 otherwise; with two cuts
``incl_cut=(ic1, ic0)`` rows with ``ic0 <= incl < ic1`` are contradictions ``"C"``. Rows without cases,
or with fewer than ``n_cut``, are logical remainders ``"?"``. Row ids are R's: 1-based mixed-radix
index, first condition most significant.

Why our own code: no maintained Python QCA library is trustworthy; this is checked against R QCA's
published Lipset truth tables.

>>> import pandas as pd
>>> from govstudy.qca import truth_table
>>> d = pd.DataFrame({"A": [1, 1, 0], "B": [1, 0, 0], "Y": [1, 1, 0]}, index=["x", "y", "z"])
>>> truth_table(d, "Y", ["A", "B"]).table[["row", "A", "B", "OUT", "n", "cases"]].to_dict("records")[0]
{'row': 1, 'A': 0, 'B': 0, 'OUT': '0', 'n': 1, 'cases': 'z'}
"""

from __future__ import annotations

import numbers

import numpy as np
import pandas as pd

from govstudy.arguments import check_int
from govstudy.errors import ArgumentError, warn
from govstudy.qca.data import QCAData, QCAWarning, prepare
from govstudy.qca.expressions import term_membership
from govstudy.qca.fit import sufficiency_measures
from govstudy.qca.results import QCAResult

__all__ = ["truth_table", "TruthTable"]

EPS = np.sqrt(np.finfo(float).eps)   # R QCA subtracts this from the cuts (floating-point slack)


def _cut(v, name):
    if isinstance(v, (bool, np.bool_)) or not isinstance(v, numbers.Real) or not 0 <= float(v) <= 1:
        raise ArgumentError(f"{name} must be a number in [0, 1]; got {v!r}")
    return float(v)


def row_ids(configs: np.ndarray, levels) -> np.ndarray:
    """1-based mixed-radix row numbers of configurations (values 0..L-1)."""
    base = np.cumprod([1] + list(levels[::-1]))[:-1][::-1]
    return configs.astype(np.int64) @ base.astype(np.int64) + 1


class TruthTable(QCAResult):
    """A truth table. ``table`` has one row per observed configuration (``row``, the conditions, ``OUT``
    as a string "1"/"0"/"C"/"?", ``n``, ``incl``, ``PRI``, ``cases``); ``remainders`` lists the
    configurations without (enough) cases. ``tidy()`` extra columns: the conditions, OUT, n, incl, PRI,
    cases; ``term`` is the row's configuration in R notation.
    """

    def __init__(self, data: QCAData, table: pd.DataFrame, incl_cut, n_cut, pri_cut, unassigned):
        self.data, self.table, self.incl_cut, self.n_cut, self.pri_cut = data, table, incl_cut, n_cut, pri_cut
        self.conditions, self.levels = list(data.conditions), list(data.levels)
        self.outcome = data.outcome_label
        self.unassigned = unassigned
        self.notes = []
        if unassigned:
            self.notes.append(f"{len(unassigned)} case(s) in no row (a score of exactly 0.5): {', '.join(unassigned)}")
        nC = int((table["OUT"] == "C").sum())
        if nC:
            self.notes.append(f"{nC} contradictory row(s) (OUT = C)")

    # --- rows by type
    def rows(self, out: str) -> pd.DataFrame:
        return self.table[self.table["OUT"] == out]

    @property
    def contradictions(self) -> pd.DataFrame:
        return self.rows("C")

    @property
    def remainders(self) -> pd.DataFrame:
        """Every configuration that is a logical remainder: no case, or fewer than ``n_cut``."""
        full = np.array(np.meshgrid(*[np.arange(lv) for lv in self.levels], indexing="ij")).reshape(
            len(self.levels), -1).T
        ids = row_ids(full, self.levels)
        observed = set(self.table.loc[self.table["OUT"] != "?", "row"])
        keep = [k for k, r in enumerate(ids) if r not in observed]
        df = pd.DataFrame(full[keep], columns=self.conditions)
        df.insert(0, "row", ids[keep])
        few = self.rows("?").set_index("row")
        df["n"] = [int(few["n"].get(r, 0)) for r in df["row"]]
        return df

    def configs(self, out: str) -> np.ndarray:
        return self.rows(out)[self.conditions].to_numpy(int)

    def n_out(self) -> tuple:
        """Cases in rows with OUT = 1, 0 and C (R's ``n OUT = 1/0/C``)."""
        return tuple(int(self.rows(o)["n"].sum()) for o in ("1", "0", "C"))

    def _term(self, row) -> str:
        from govstudy.qca.expressions import format_term
        return format_term(tuple(int(row[c]) + 1 for c in self.conditions), self.conditions, self.data.multivalue)

    def _table(self):
        t = self.table.copy()
        t.insert(0, "term", [self._term(r) for _, r in t.iterrows()])
        return t

    def _header(self):
        ic = self.incl_cut
        return [f"Truth table: {self.outcome} on {', '.join(self.conditions)}",
                f"incl_cut={ic}, n_cut={self.n_cut}, pri_cut={self.pri_cut}; n OUT = 1/0/C: "
                + "/".join(str(k) for k in self.n_out()) + f"; remainders: {len(self.remainders)}"]

    def plot(self, ax=None):
        """Inclusion (bars) and PRI (dots) of each observed row, coloured by OUT."""
        import matplotlib.pyplot as plt
        from govstudy.plots import bilingual, cjk_figure

        t = self.table[self.table["n"] > 0]
        if ax is None:
            _, ax = plt.subplots(figsize=(max(5, 0.4 * len(t) + 2), 3.5))
        colours = {"1": "tab:green", "0": "tab:grey", "C": "tab:orange", "?": "white"}
        xs = np.arange(len(t))
        ax.bar(xs, t["incl"], color=[colours[o] for o in t["OUT"]], edgecolor="black", lw=0.5)
        ax.plot(xs, t["PRI"], "o", color="black", ms=4, label="PRI")
        ic = self.incl_cut[0] if isinstance(self.incl_cut, tuple) else self.incl_cut
        ax.axhline(ic, color="tab:red", ls="--", lw=1, label=bilingual("一致性阈值", "incl_cut"))
        ax.set_xticks(xs, [str(r) for r in t["row"]], fontsize=8)
        ax.set_xlabel(bilingual("真值表行", "truth-table row"))
        ax.set_ylabel(bilingual("一致性", "inclusion"))
        ax.set_ylim(0, 1.05)
        ax.set_title(bilingual("真值表", f"truth table for {self.outcome}"), fontsize=10)
        ax.legend(frameon=False, fontsize=8)
        cjk_figure(ax.figure)
        return ax


def truth_table(data: pd.DataFrame, outcome: str, conditions=None, *, incl_cut=1, n_cut: int = 1, pri_cut=None,
                cases=None, sort_by=None) -> TruthTable:
    """Build the truth table of ``outcome`` (``"~Y"`` negates it) on ``conditions``.

    ``incl_cut`` is one number or a pair ``(ic1, ic0)``; ``n_cut`` the minimum number of cases for a row
    to count as observed; ``pri_cut`` an optional PRI threshold for OUT = 1. ``sort_by="incl"`` sorts
    the rows by decreasing inclusion (default: by row number).
    """
    d = prepare(data, outcome, conditions, cases=cases)
    if not d.conditions:
        raise ArgumentError("a truth table needs at least one condition")
    if isinstance(incl_cut, (tuple, list)):
        if len(incl_cut) != 2:
            raise ArgumentError("incl_cut is one number or a pair (ic1, ic0)")
        ic1, ic0 = _cut(incl_cut[0], "incl_cut[0]"), _cut(incl_cut[1], "incl_cut[1]")
        if ic0 > ic1:
            raise ArgumentError(f"incl_cut=(ic1, ic0) needs ic0 <= ic1; got {incl_cut}")
        incl_cut = (ic1, ic0)
    else:
        ic1 = ic0 = _cut(incl_cut, "incl_cut")
    n_cut = check_int(n_cut, "n_cut", minimum=1)
    if pri_cut is not None:
        pri_cut = _cut(pri_cut, "pri_cut")
    if sort_by not in (None, "incl", "n"):
        raise ArgumentError(f"sort_by must be None, 'incl' or 'n'; got {sort_by!r}")
    # the row each case belongs to (membership > 0.5), with fuzzy scores of exactly 0.5 in none
    cfg = np.empty(d.X.shape, dtype=int)
    half = np.zeros(len(d.y), bool)
    for j, fz in enumerate(d.fuzzy):
        x = d.X[:, j]
        if fz or d.levels[j] == 2:
            cfg[:, j] = (x > 0.5).astype(int)
            half |= x == 0.5
        else:
            cfg[:, j] = x.astype(int)
    unassigned = [str(c) for c in d.cases[half]]
    if unassigned:
        warn(f"{len(unassigned)} case(s) have a score of exactly 0.5 and belong to no truth-table row: "
             f"{', '.join(unassigned[:10])}{'...' if len(unassigned) > 10 else ''}", QCAWarning)
    ids = row_ids(cfg, d.levels)
    rows = []
    for r in sorted(set(ids[~half].tolist())):
        members = np.flatnonzero((ids == r) & ~half)
        config = cfg[members[0]]
        m = term_membership(tuple(int(v) + 1 for v in config), d.X, d.levels)
        fitm = sufficiency_measures(m, d.y)
        n = len(members)
        incl, pri = fitm["inclS"], fitm["PRI"]
        if n < n_cut:
            out = "?"
        elif incl >= ic1 - EPS and (pri_cut is None or pri >= pri_cut - EPS):
            out = "1"
        elif incl >= ic0 - EPS and ic0 < ic1:
            out = "C"
        else:
            out = "0"
        rows.append({"row": int(r), **{c: int(v) for c, v in zip(d.conditions, config)}, "OUT": out, "n": n,
                     "incl": incl, "PRI": pri, "cases": ",".join(str(d.cases[k]) for k in members)})
    table = pd.DataFrame(rows)
    if sort_by == "incl":
        table = table.sort_values(["incl", "row"], ascending=[False, True], kind="stable").reset_index(drop=True)
    elif sort_by == "n":
        table = table.sort_values(["n", "row"], ascending=[False, True], kind="stable").reset_index(drop=True)
    return TruthTable(d, table, incl_cut, n_cut, pri_cut, unassigned)
