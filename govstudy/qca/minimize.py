"""Boolean minimisation of a truth table: conservative, parsimonious and intermediate solutions with
every equally minimal model, the simplifying assumptions, and the fit of each term within its model.

* conservative (complex): only the positive rows are minimised, remainders are never used;
* parsimonious: any remainder may be used (R's ``include = "?"``); ``.simplifying_assumptions[i]``
  lists the remainders model ``i`` uses;
* intermediate: only *easy* counterfactuals are used -- remainders that the parsimonious model uses
  and that the directional expectations ``dir_exp`` make at least as likely to show the outcome as a
  term of the conservative model (Ragin & Sonnett; R QCA's ``dir.exp``). A condition left out of
  ``dir_exp`` is "don't care" (either value is easy). A conjunction such as ``"~LIT*IND"`` gives the
  expectation for each of its conditions (this reproduces R QCA's documented conjunctural example).
  ``.easy_counterfactuals`` and ``.difficult_counterfactuals`` list both kinds for each pair of
  conservative and parsimonious models.

Fit (inclS, PRI, covS, covU; R QCA's definitions, see :mod:`govstudy.qca.fit`) is computed for each
term **within its own model** (covU against the other terms of that model), for each model, and for
each prime implicant against all prime implicants of the chart (``.pi_fit``).

Why our own code: no maintained Python QCA library is trustworthy (only one of several tied models
returned, fit attached to the wrong model); this one is checked against R QCA's published solutions
and against brute-force enumeration of all minimal covers.

>>> import pandas as pd
>>> from govstudy.qca import truth_table, minimize
>>> d = pd.DataFrame({"A": [1, 1, 0, 0], "B": [1, 0, 1, 0], "Y": [1, 1, 0, 0]})
>>> minimize(truth_table(d, "Y", ["A", "B"]), "conservative").models
['A']
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from govstudy.arguments import check_choice
from govstudy.errors import ArgumentError
from govstudy.qca.expressions import format_term, sop_membership, term_key, term_membership
from govstudy.qca.fit import sufficiency_measures, unique_coverage
from govstudy.qca.implicants import coverage, minimum_covers, prime_implicants
from govstudy.qca.results import QCAResult, xy_axes
from govstudy.qca.truth_table import TruthTable, row_ids

__all__ = ["minimize", "Solution", "parse_dir_exp"]

_SPLIT = re.compile(r",(?![^{\[]*[}\]])")
_DIRLIT = re.compile(r"^(~?)\s*([^\s{}\[\]~*]+)\s*(?:[{\[]\s*([0-9,\s-]+)\s*[}\]])?$")


def parse_dir_exp(dir_exp, conditions, levels) -> list:
    """Directional expectations as, per condition, the set of values expected to produce the outcome
    (``None`` = don't care). Accepts ``"A, ~B, C*~D"``, a list of such strings, or a dict
    ``{"A": 1, "B": 0, "C": "-"}`` (multi-value: ``{"DEV": [1, 2]}`` or ``"DEV{1,2}"``)."""
    conditions = list(conditions)
    exp: list = [None] * len(conditions)

    def add(name, vals):
        if name not in conditions:
            raise ArgumentError(f"dir_exp names {name!r}, which is not a condition; conditions are {conditions}")
        j = conditions.index(name)
        for v in vals:
            if not 0 <= v < levels[j]:
                raise ArgumentError(f"dir_exp: {name} has levels 0..{levels[j] - 1}; got {v}")
        exp[j] = set(vals) if exp[j] is None else exp[j] | set(vals)

    if isinstance(dir_exp, dict):
        for k, v in dir_exp.items():
            if isinstance(v, str) and v.strip() == "-":
                continue
            add(k, [int(x) for x in (v if isinstance(v, (list, tuple, set)) else [v])])
        return exp
    items = [dir_exp] if isinstance(dir_exp, str) else list(dir_exp)
    for item in items:
        if not isinstance(item, str):
            raise ArgumentError(f"dir_exp items must be strings such as 'A' or '~B*C'; got {item!r}")
        for part in _SPLIT.split(item):
            part = part.strip()
            if not part:
                continue
            for lit in part.split("*"):
                m = _DIRLIT.match(lit.strip())
                if not m:
                    raise ArgumentError(f"cannot read the directional expectation {lit.strip()!r}")
                neg, name, val = m.groups()
                if val is not None:
                    if val.strip() == "-":
                        continue
                    vals = [int(v) for v in val.replace(" ", "").split(",") if v]
                    if neg:
                        vals = [1 - v for v in vals]
                else:
                    if name in conditions and levels[conditions.index(name)] != 2:
                        raise ArgumentError(f"{name!r} is multi-value: write {name}{{v}} in dir_exp")
                    vals = [0 if neg else 1]
                add(name, vals)
    return exp


def _easy(rem: np.ndarray, complex_terms, exp) -> np.ndarray:
    """Which remainders are easy counterfactuals relative to some conservative term."""
    ok_any = np.zeros(len(rem), bool)
    for t in complex_terms:
        ok = np.ones(len(rem), bool)
        for j, c in enumerate(t):
            if c == 0 or exp[j] is None:
                continue
            ok &= (rem[:, j] == c - 1) | np.isin(rem[:, j], sorted(exp[j]))
        ok_any |= ok
    return ok_any


class _Chart:
    """Prime implicants of one minimisation problem and all its minimum covers. The chart's columns
    are the positive configurations in R's row order."""

    def __init__(self, levels, on, bad):
        self.on = on[np.argsort(row_ids(on, levels), kind="stable")]
        self.pis = sorted(prime_implicants(levels, self.on, bad), key=term_key)
        self.chart = coverage(self.pis, self.on) if self.pis else np.zeros((0, len(self.on)), bool)
        self.essential = sorted({int(np.flatnonzero(col)[0]) for col in self.chart.T if col.sum() == 1})
        models = [sorted(c, key=lambda p: (p not in self.essential, p)) for c in minimum_covers(self.chart)]
        self.models = sorted(models)


class Solution(QCAResult):
    """The result of :func:`minimize`.

    Attributes: ``models`` (each model as a string in R notation, every tied model), ``models_r``
    (R's print form: essential implicants first, the rest in parentheses when models tie),
    ``model_terms``, ``prime_implicants``, ``essential``, ``pi_chart`` (DataFrame implicant x positive
    row), ``simplifying_assumptions`` (per model, the remainders used), for intermediate solutions
    ``easy_counterfactuals`` / ``difficult_counterfactuals`` (per conservative x parsimonious pair),
    ``term_fit`` and ``model_fit`` (DataFrames keyed by model), ``pi_fit``.

    ``tidy()`` extra columns: ``model`` (M1, M2, ... or C1P1-M1 for intermediate), ``inclS, PRI,
    covS, covU`` (covU within that model; NaN on the model's own row, ``term = "(model)"``),
    ``cases`` (positive truth-table rows covered, rows separated by "; "), ``essential``.
    """

    def __init__(self, tt: TruthTable, solution: str, parts: list, notes: list):
        self.truth_table, self.solution, self.parts = tt, solution, parts
        self.conditions, self.levels = tt.conditions, tt.levels
        self.mv = tt.data.multivalue
        self.notes = list(notes)
        self._build()

    def _fmt(self, t):
        return format_term(t, self.conditions, self.mv)

    def _cases(self, term):
        pos = self.truth_table.rows("1").sort_values("row")
        cov = coverage([term], pos[self.conditions].to_numpy(int))[0]
        return "; ".join(pos["cases"].to_numpy()[cov])

    def _build(self):
        d = self.truth_table.data
        self.model_terms, self.models, self.models_r, self.model_labels = [], [], [], []
        term_rows, model_rows = [], []
        for part in self.parts:
            ch = part["chart"]
            mem = np.array([term_membership(t, d.X, d.levels) for t in ch.pis]).reshape(len(ch.pis), -1)
            pi_rows = {p: {"term": self._fmt(t), **sufficiency_measures(mem[p], d.y), "cases": self._cases(t)}
                       for p, t in enumerate(ch.pis)}
            for k, cover in enumerate(ch.models):
                label = part["prefix"] + f"M{k + 1}"
                self.model_terms.append([ch.pis[p] for p in cover])
                self.model_labels.append(label)
                names = [pi_rows[p]["term"] for p in cover]
                self.models.append(" + ".join(names))
                ess = [pi_rows[p]["term"] for p in cover if p in ch.essential]
                rest = [pi_rows[p]["term"] for p in cover if p not in ch.essential]
                tied = len(ch.models) > 1 and rest
                self.models_r.append(" + ".join(ess + ["(" + " + ".join(rest) + ")"]) if tied else " + ".join(names))
                covu = unique_coverage(mem[list(cover)], d.y)
                for p, cu in zip(cover, covu):
                    term_rows.append({"model": label, **pi_rows[p], "covU": cu, "essential": p in ch.essential})
                x = mem[list(cover)].max(axis=0)
                model_rows.append({"model": label, "term": "(model)", **sufficiency_measures(x, d.y),
                                   "covU": float("nan"), "cases": "", "essential": False})
        cols = ["term", "model", "inclS", "PRI", "covS", "covU", "cases", "essential"]
        self.term_fit = pd.DataFrame(term_rows, columns=cols)
        self.model_fit = pd.DataFrame(model_rows, columns=cols).drop(columns=["term", "covU", "cases", "essential"])
        order = {m: i for i, m in enumerate(self.model_labels)}
        rows = pd.DataFrame(term_rows + model_rows, columns=cols)
        self._rows = rows.iloc[np.argsort(rows["model"].map(order).to_numpy(), kind="stable")].reset_index(drop=True)
        main = self.parts[0]["chart"]
        self.prime_implicants = [self._fmt(t) for t in main.pis]
        self.essential = [self._fmt(main.pis[p]) for p in main.essential]
        self.pi_chart = pd.DataFrame(main.chart, index=self.prime_implicants,
                                     columns=[int(r) for r in row_ids(main.on, self.levels)])
        mems = [term_membership(t, d.X, d.levels) for t in main.pis]
        self.pi_fit = pd.DataFrame([{"term": self._fmt(t), **sufficiency_measures(m, d.y), "covU": cu}
                                    for t, m, cu in zip(main.pis, mems, unique_coverage(mems, d.y))])

    def multiple_covered(self, model: int = 0) -> list:
        """Cases (membership above 0.5) in more than one term of model ``model``: R's "multiple-covered
        cases"."""
        d = self.truth_table.data
        inside = np.array([term_membership(t, d.X, d.levels) > 0.5 for t in self.model_terms[model]])
        return [str(c) for c in d.cases[inside.sum(axis=0) > 1]]

    # --- protocol
    def _table(self):
        cols = ["term", "model", "inclS", "PRI", "covS", "covU", "cases", "essential"]
        return self._rows[cols]

    def _header(self):
        tt = self.truth_table
        lines = [f"QCA {self.solution} solution for {tt.outcome} (n OUT = 1/0/C: "
                 + "/".join(str(k) for k in tt.n_out()) + ")"]
        for lab, m in zip(self.model_labels, self.models_r):
            lines.append(f"{lab}: {m}")
        return lines

    def membership(self, model: int = 0) -> np.ndarray:
        d = self.truth_table.data
        return sop_membership(self.model_terms[model], d.X, d.levels)

    def plot(self, model: int = 0, ax=None):
        """XY plot of model ``model``'s membership (x) against the outcome (y); sufficiency = points
        on or above the diagonal."""
        from govstudy.plots import bilingual
        d = self.truth_table.data
        row = self.model_fit.iloc[model]
        return xy_axes(self.membership(model), d.y, ax=ax, labels=list(d.cases),
                       xlabel=bilingual("解的隶属度", f"{self.model_labels[model]}: {self.models[model]}"),
                       ylabel=bilingual("结果隶属度", f"outcome {self.truth_table.outcome}"),
                       title=bilingual("组态解 XY 图", f"{self.solution} solution, inclS={row.inclS:.3f}, "
                                       f"covS={row.covS:.3f}"))

    def configuration_table(self, model: int = 0) -> pd.DataFrame:
        """A Fiss-style table: one column per configuration (term) of model ``model``, one row per
        condition: "●" core presence, "•" peripheral presence, "⊗" core absence, "⊘" peripheral
        absence, "" don't care; then inclS, PRI, covS, covU of each configuration and of the model.
        Core conditions are those in the parsimonious term that contains the configuration (for an
        intermediate solution); in a parsimonious solution every condition is core, in a
        conservative one (no parsimonious reference) every condition is shown as peripheral."""
        terms = self.model_terms[model]
        label = self.model_labels[model]
        pars = self.parts[0].get("pars_terms", {}).get(label)
        if self.solution == "parsimonious":
            pars = terms
        cols = {}
        fit = self.term_fit[self.term_fit["model"] == label].set_index("term")
        for k, t in enumerate(terms):
            core = set()
            for p in (pars or []):
                if all(pc == 0 or pc == tc for pc, tc in zip(p, t)):
                    core |= {j for j, pc in enumerate(p) if pc}
            col = []
            for j, c in enumerate(t):
                if c == 0:
                    col.append("")
                elif self.levels[j] > 2:
                    col.append(f"{'●' if j in core else '•'}{{{c - 1}}}")
                else:
                    col.append(("●" if j in core else "•") if c == 2 else ("⊗" if j in core else "⊘"))
            f = fit.loc[self._fmt(t)]
            col += [f"{f.inclS:.3f}", f"{f.PRI:.3f}", f"{f.covS:.3f}", f"{f.covU:.3f}" if pd.notna(f.covU) else ""]
            cols[f"{k + 1}: {self._fmt(t)}"] = col
        mf = self.model_fit.iloc[model]
        out = pd.DataFrame(cols, index=list(self.conditions) + ["inclS", "PRI", "covS", "covU"])
        out.attrs["solution_fit"] = {"inclS": mf.inclS, "PRI": mf.PRI, "covS": mf.covS}
        out.attrs["legend"] = "● core presence, • peripheral presence, ⊗ core absence, ⊘ peripheral absence"
        return out


def minimize(tt: TruthTable, solution: str = "conservative", dir_exp=None, *,
             include_contradictions: bool = False) -> Solution:
    """Minimise truth table ``tt``. ``solution`` is "conservative", "parsimonious" or "intermediate"
    (which needs ``dir_exp``). Contradictory rows (OUT = C) count as negative unless
    ``include_contradictions=True`` (then as remainders a solution may use)."""
    if not isinstance(tt, TruthTable):
        raise ArgumentError(f"minimize takes a truth table from govstudy.qca.truth_table; got {type(tt).__name__}")
    solution = check_choice(solution, "solution", ("conservative", "parsimonious", "intermediate"))
    if solution == "intermediate" and dir_exp is None:
        raise ArgumentError("the intermediate solution needs directional expectations dir_exp, e.g. 'A, B, ~C'")
    if solution != "intermediate" and dir_exp is not None:
        raise ArgumentError("dir_exp is used only by solution='intermediate'")
    on = tt.configs("1")
    if len(on) == 0:
        raise ArgumentError(f"no truth-table row has OUT = 1 (incl_cut={tt.incl_cut}); nothing to minimise")
    off = tt.configs("0")
    contra = tt.configs("C")
    rem = tt.remainders[tt.conditions].to_numpy(int)
    levels = tt.levels
    notes = []
    neg = off if include_contradictions else (np.vstack([off, contra]) if len(contra) else off)
    dc = np.vstack([rem, contra]) if include_contradictions and len(contra) else rem
    cons = _Chart(levels, on, np.vstack([neg, dc]) if len(dc) else neg)
    if solution == "conservative":
        parts = [{"prefix": "", "chart": cons}]
    else:
        pars = _Chart(levels, on, neg)
        parts = [{"prefix": "", "chart": pars}]
    sol = None
    if solution in ("parsimonious", "intermediate"):
        sas = []
        pi_dc = coverage(pars.pis, dc) if len(dc) else np.zeros((len(pars.pis), 0), bool)
        for cover in pars.models:
            used = pi_dc[list(cover)].any(axis=0)
            df = pd.DataFrame(dc[used], columns=tt.conditions)
            df.insert(0, "row", row_ids(dc[used], levels))
            sas.append(df.sort_values("row").reset_index(drop=True))
    if solution == "intermediate":
        exp = parse_dir_exp(dir_exp, tt.conditions, levels)
        iparts, easy, difficult, pars_terms = [], {}, {}, {}
        for ci, ccover in enumerate(cons.models):
            cterms = [cons.pis[p] for p in ccover]
            for pi, pcover in enumerate(pars.models):
                sa = sas[pi][tt.conditions].to_numpy(int)
                ec = sa[_easy(sa, cterms, exp)] if len(sa) else sa
                prefix = f"C{ci + 1}P{pi + 1}-"
                allowed = np.vstack([on, ec]) if len(ec) else on
                full = np.array(np.meshgrid(*[np.arange(lv) for lv in levels], indexing="ij")).reshape(
                    len(levels), -1).T
                ids_allowed = set(row_ids(allowed, levels).tolist())
                bad = full[[r not in ids_allowed for r in row_ids(full, levels)]]
                ch = _Chart(levels, on, bad)
                iparts.append({"prefix": prefix, "chart": ch})
                key = f"C{ci + 1}P{pi + 1}"
                e = pd.DataFrame(ec, columns=tt.conditions)
                e.insert(0, "row", row_ids(ec, levels) if len(ec) else [])
                easy[key] = e.sort_values("row").reset_index(drop=True)
                dd = sas[pi][~sas[pi]["row"].isin(e["row"])].reset_index(drop=True)
                difficult[key] = dd
                for k in range(len(ch.models)):
                    pars_terms[f"{prefix}M{k + 1}"] = [pars.pis[p] for p in pcover]
        iparts[0]["pars_terms"] = pars_terms
        sol = Solution(tt, solution, iparts, notes)
        sol.easy_counterfactuals, sol.difficult_counterfactuals = easy, difficult
        sol.simplifying_assumptions = sas
        sol.parsimonious_models = [" + ".join(format_term(pars.pis[p], tt.conditions, tt.data.multivalue)
                                              for p in c) for c in pars.models]
        sol.dir_exp = exp
    else:
        sol = Solution(tt, solution, parts, notes)
        sol.simplifying_assumptions = sas if solution == "parsimonious" else [
            pd.DataFrame(columns=["row"] + tt.conditions) for _ in cons.models]
        sol.easy_counterfactuals = sol.difficult_counterfactuals = None
    if len(sol.models) > 1:
        sol.notes.append(f"{len(sol.models)} equally minimal models; all are listed (report all of them)")
    return sol
