"""Staggered synthetic DiD: one fit per adoption cohort against the never-treated, aggregated.

Clarke, Pailañir, Athey & Imbens (Stata ``sdid``): for each adoption period ``a`` the cohort's units
are compared with the never-treated units only, and the ATT is the average of the cohort ATTs
weighted by their numbers of treated unit-periods ``N_a * T_post,a``.

>>> cohort_weights([2, 1], [3, 6]).tolist()
[0.5, 0.5]
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from scipy import stats

from govstudy.arguments import check_alpha, unique_names
from govstudy.errors import DataValidationError, SampleWarning, warn
from govstudy.estimators.results import Report
from govstudy.panel import as_panel, show_value

__all__ = ["cohort_weights", "fit_cohorts", "StaggeredSynthResult"]


def cohort_weights(n_units, n_post) -> np.ndarray:
    """Weights ``N_a T_post,a / sum(N T_post)`` of the cohorts (numbers of treated unit-periods)."""
    w = np.asarray(n_units, float) * np.asarray(n_post, float)
    return w / w.sum()


def fit_cohorts(data, *, cohort: str, unit, time, y, freq, donors, fit_one) -> dict:
    """``{cohort: fit_one(frame, treated_unit=..., treat_time=..., donors=...)}``, one fit per adoption cohort.

    The cohort codes are read by :class:`govstudy.panel.Panel`, as for ``att_gt``: 0, NaN, blank and
    +-inf mean never treated, cohorts after the last period are never treated within the panel, and
    units treated from the first period on (no pre-period) are dropped with a :class:`SampleWarning`.
    Each fit sees the never-treated units (or the listed ``donors``, which must be never treated) and
    the cohort's own units only.
    """
    p = as_panel(data, unit=unit, time=time, y=y, cohort=cohort, freq=freq)
    codes = p.unit_cohort_codes
    never = p.units[codes < 0]
    if not len(never):
        raise DataValidationError(f"no never-treated unit (cohort {cohort!r} 0, missing or inf): staggered "
                                  "synthetic estimates compare each cohort with the never-treated units",
                                  column=cohort, rule="has-never-treated")
    if donors is not None:
        donors = unique_names(donors, "donors")
        treated = [d for d in donors if d in set(p.units[codes >= 0])]
        if treated:
            raise DataValidationError(f"donors {', '.join(show_value(d) for d in treated[:5])} are treated (column "
                                      f"{cohort!r}); with cohort= the donors must be never-treated units",
                                      column=cohort, rule="donors-never-treated")
    first = codes == 0
    if first.any():
        warn(f"synth(cohort=): dropped {int(first.sum())} unit(s) treated from the first period "
             f"({p.period_labels[0]}): they have no pre-treatment period", SampleWarning)
    frame, integer = p.data, p.period_map.kind == "integer"
    fits = {}
    for c in np.unique(codes[codes > 0]).tolist():
        ids = p.units[codes == c]
        sub = frame[frame[p.unit].isin(never.union(ids))]
        key = int(p.periods[c]) if integer else p.period_labels[c]
        with warnings.catch_warnings(record=True) as caught:   # re-raised naming the cohort they concern
            warnings.simplefilter("always")
            fits[key] = fit_one(sub, treated_unit=list(ids), treat_time=key, donors=donors)
        for w in caught:
            warn(f"cohort {key}: {w.message}", w.category)
    if not fits:
        raise DataValidationError(f"no cohort in {cohort!r} is treated after the first period: nothing to estimate",
                                  column=cohort, rule="treated-cohorts")
    return fits


def _label(g) -> str:
    """A cohort as written: ``1985`` rather than ``1985.0`` (cohort columns with missing values are floats)."""
    return str(int(g)) if isinstance(g, (float, np.floating)) and float(g).is_integer() else str(g)


class StaggeredSynthResult(Report):
    """Result of ``synth(..., cohort=...)``: the aggregated ATT and one :class:`SynthResult` per cohort.

    ``cohorts`` is a DataFrame ``cohort, n_units, n_post, weight, estimate, std_error``; ``fits`` maps each
    cohort to its fit. ``std_error`` is NaN: the cohort fits share the never-treated donors, so their SEs
    cannot be combined as if independent (per-cohort SEs are in ``cohorts``).
    """

    def __init__(self, fits: dict, *, method: str, cohort: str, alpha: float, notes: list[str]):
        self.fits, self.method, self.cohort, self.alpha = fits, method, cohort, alpha
        rows = [{"cohort": g, "n_units": len(f.treated_units), "n_post": int(f.trajectory["post"].sum()),
                 "estimate": f.estimate, "std_error": f.std_error} for g, f in fits.items()]
        self.cohorts = pd.DataFrame(rows)
        self.cohorts.insert(3, "weight", cohort_weights(self.cohorts["n_units"], self.cohorts["n_post"]))
        self.estimate = float(self.cohorts["weight"] @ self.cohorts["estimate"])
        self.std_error = np.nan
        self.notes = list(notes) + ["each cohort is compared with the never-treated units only; the ATT weights "
                                    "cohorts by their treated unit-periods (Clarke et al., Stata sdid)"]

    def tidy(self, alpha: float | None = None) -> pd.DataFrame:
        """Row ``ATT`` (aggregate) then one row per cohort, with normal p-values and CIs where a cohort SE exists."""
        a = check_alpha(alpha) if alpha is not None else self.alpha
        q = stats.norm.ppf(1 - a / 2)
        est = np.r_[self.estimate, self.cohorts["estimate"].to_numpy()]
        se = np.r_[self.std_error, self.cohorts["std_error"].to_numpy(float)]
        with np.errstate(divide="ignore", invalid="ignore"):
            z = np.where(se > 0, est / se, np.nan)
        return pd.DataFrame({"term": ["ATT"] + [f"cohort {_label(g)}" for g in self.cohorts["cohort"]],
                             "estimate": est, "std_error": se, "statistic": z, "p_value": 2 * stats.norm.sf(np.abs(z)),
                             "ci_low": est - q * se, "ci_high": est + q * se,
                             "weight": np.r_[1.0, self.cohorts["weight"].to_numpy()]})

    def _header(self) -> list[str]:
        return [f"Staggered synthetic estimates ({self.method}), {len(self.fits)} cohorts of {self.cohort}",
                f"ATT (treated unit-period weighted) = {self.estimate:.4f}"]

    def __repr__(self) -> str:
        return f"<StaggeredSynthResult {self.method}: ATT = {self.estimate:.4f}, {len(self.fits)} cohorts>"

    def plot(self, ax=None):
        """Cohort ATTs (bars, with CIs where available) and the aggregate (line)."""
        import matplotlib.pyplot as plt

        from govstudy.plots import bilingual, cjk_figure

        if ax is None:
            _, ax = plt.subplots(figsize=(7, 4.2))
        t = self.tidy().iloc[1:]
        err = np.where(np.isfinite(t["std_error"]), t["std_error"] * stats.norm.ppf(1 - self.alpha / 2), 0.0)
        ax.bar(t["term"], t["estimate"], yerr=err, color="tab:blue", alpha=0.7, capsize=3)
        ax.axhline(self.estimate, color="black", lw=1.5, label=bilingual("总体", f"ATT {self.estimate:.2f}"))
        ax.axhline(0, color="grey", lw=0.8)
        ax.set_ylabel(bilingual("效应", "effect"))
        ax.set_title(bilingual("分批次合成双重差分", f"staggered {self.method}: cohort ATTs"))
        ax.legend(frameon=False, fontsize=8)
        cjk_figure(ax.figure)
        return ax
