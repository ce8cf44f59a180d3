"""Robustness of a QCA solution: sweeps over the consistency cut, the calibration anchors and
dropped cases, reporting for each variant the models found and whether they equal the baseline's.

>>> import pandas as pd
>>> from govstudy.qca import robustness
>>> d = pd.DataFrame({"A": [1, 1, 0, 0], "B": [1, 0, 1, 0], "Y": [1, 1, 0, 0]}, index=list("wxyz"))
>>> r = robustness(d, "Y", ["A", "B"], incl_cuts=[1.0, 0.8], drop_cases=True)
>>> bool(r.table["same_as_baseline"].all())
True
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from govstudy.arguments import check_choice
from govstudy.errors import ArgumentError, GovstudyWarning
from govstudy.qca.calibrate import calibrate
from govstudy.qca.expressions import parse
from govstudy.qca.minimize import minimize
from govstudy.qca.results import QCAResult
from govstudy.qca.truth_table import truth_table

__all__ = ["robustness", "RobustnessResult"]


def _canon(models, conditions, levels):
    return frozenset(frozenset(parse(m, conditions, levels)) for m in models)


class RobustnessResult(QCAResult):
    """One row per variant. ``tidy()`` extra columns: ``variant`` (incl_cut, anchor, drop_case),
    ``setting``, ``models`` (all tied models, " | "-separated), ``n_models``, ``same_as_baseline``,
    ``inclS``, ``covS`` (of the first model); ``term`` is ``variant=setting``."""

    def __init__(self, table: pd.DataFrame, baseline: list, notes):
        self.table, self.baseline, self.notes = table, baseline, notes

    def _table(self):
        t = self.table.copy()
        t.insert(0, "term", t["variant"] + "=" + t["setting"].astype(str))
        return t

    def _header(self):
        share = self.table["same_as_baseline"].mean()
        return [f"Robustness of the solution: baseline {' | '.join(self.baseline)}",
                f"{len(self.table)} variants, {100 * share:.0f}% give the baseline models"]

    def plot(self, ax=None):
        """Solution consistency (bars) and coverage (dots) of each variant, green where the models
        equal the baseline's."""
        import matplotlib.pyplot as plt
        from govstudy.plots import bilingual, cjk_figure

        t = self._table()
        if ax is None:
            _, ax = plt.subplots(figsize=(max(5, 0.35 * len(t) + 2), 3.5))
        xs = np.arange(len(t))
        ax.bar(xs, t["inclS"].fillna(0), color=np.where(t["same_as_baseline"], "tab:green", "tab:orange"))
        ax.plot(xs, t["covS"], "o", color="black", ms=4, label="covS")
        ax.set_xticks(xs, t["term"], rotation=70, fontsize=7)
        ax.set_ylim(0, 1.05)
        ax.set_ylabel(bilingual("解的一致性", "solution inclS"))
        ax.set_title(bilingual("稳健性检验", "robustness (green: same models as baseline)"), fontsize=10)
        ax.legend(frameon=False, fontsize=8)
        cjk_figure(ax.figure)
        return ax


def robustness(data: pd.DataFrame, outcome: str, conditions=None, *, solution: str = "parsimonious",
               dir_exp=None, incl_cut: float = 1.0, n_cut: int = 1, pri_cut=None, incl_cuts=None,
               drop_cases: bool = False, raw: pd.DataFrame | None = None, anchors: dict | None = None,
               anchor_shifts=(-0.1, 0.1), cases=None) -> RobustnessResult:
    """Re-run truth table + minimisation under variations of the baseline analysis.

    ``incl_cuts``: other consistency cuts. ``drop_cases``: leave each case out in turn.
    ``raw`` + ``anchors`` (``{condition: {"exclusion":..,"crossover":..,"inclusion":..}}``): recalibrate
    each condition with each anchor moved by ``anchor_shifts`` times its distance to the crossover
    (crossover shifted by that share of the inclusion-exclusion range), one at a time.
    """
    solution = check_choice(solution, "solution", ("conservative", "parsimonious", "intermediate"))
    if anchors is not None and raw is None:
        raise ArgumentError("anchors need the raw data (raw=) to recalibrate")

    def run(df, ic):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", GovstudyWarning)
            try:
                tt = truth_table(df, outcome, conditions, incl_cut=ic, n_cut=n_cut, pri_cut=pri_cut, cases=cases)
                s = minimize(tt, solution, dir_exp)
            except ArgumentError as err:
                return None, str(err)
        return s, ""

    base, msg = run(data, incl_cut)
    if base is None:
        raise ArgumentError(f"the baseline analysis fails: {msg}")
    conds, levels = base.conditions, base.levels
    ref = _canon(base.models, conds, levels)
    rows = []

    def record(variant, setting, s, msg):
        if s is None:
            rows.append({"variant": variant, "setting": setting, "models": f"(none: {msg})", "n_models": 0,
                         "same_as_baseline": False, "inclS": np.nan, "covS": np.nan})
            return
        rows.append({"variant": variant, "setting": setting, "models": " | ".join(s.models),
                     "n_models": len(s.models), "same_as_baseline": _canon(s.models, conds, levels) == ref,
                     "inclS": s.model_fit["inclS"].iloc[0], "covS": s.model_fit["covS"].iloc[0]})

    record("baseline", "-", base, "")
    for ic in (incl_cuts or []):
        record("incl_cut", f"{ic:g}", *run(data, ic))
    if drop_cases:
        labels = data[cases].astype(str) if cases else data.index.astype(str)
        for k, lab in enumerate(labels):
            record("drop_case", lab, *run(data.iloc[[i for i in range(len(data)) if i != k]], incl_cut))
    if anchors:
        for cond, th in anchors.items():
            e, c, i = th["exclusion"], th["crossover"], th["inclusion"]
            for which in ("exclusion", "crossover", "inclusion"):
                for f in anchor_shifts:
                    new = dict(th)
                    new[which] = th[which] + f * ((i - e) if which == "crossover" else (th[which] - c))
                    df = data.copy()
                    with warnings.catch_warnings():
                        warnings.simplefilter("ignore", GovstudyWarning)
                        try:
                            df[cond] = calibrate(raw[cond].to_numpy(float), thresholds=new, at_crossover="up")
                        except ArgumentError as err:
                            record("anchor", f"{cond}.{which}{f:+g}", None, str(err))
                            continue
                    record("anchor", f"{cond}.{which}{f:+g}", *run(df, incl_cut))
    notes = ["each variant changes one thing; same_as_baseline compares the full set of tied models"]
    return RobustnessResult(pd.DataFrame(rows), base.models, notes)
