"""What the resampling procedures share: their result type and access to a fitted model's design.

:func:`govstudy.wild_cluster_bootstrap` (:mod:`govstudy.estimators.wild_bootstrap`) and
:func:`govstudy.randomization_inference` (:mod:`govstudy.estimators.ritest`) take a fitted :func:`govstudy.twfe`
or :func:`govstudy.did_2x2` result, which keeps its estimation sample and design in ``result.fit_design``
(a :class:`~govstudy.estimators.results.FitDesign`), and return an :class:`InferenceResult`.

>>> from govstudy.estimators.inference import fit_design_of
>>> fit_design_of(object())
Traceback (most recent call last):
...
TypeError: pass a result of govstudy.twfe or govstudy.did_2x2 (it keeps its validated estimation sample in result.fit_design); got object
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from govstudy.errors import DataValidationError
from govstudy.estimators.demean import demean
from govstudy.estimators.results import FitDesign, Report

__all__ = ["InferenceResult", "fit_design_of", "estimated_design", "model_clusters"]


class InferenceResult(Report):
    """A resampling test of one coefficient: p-value, interval, and the resampled statistics.

    ``tidy()`` gives one row ``term, estimate, std_error, statistic, p_value, ci_low, ci_high`` (then ``method``,
    ``n_draws``); ``std_error`` is
    the model's CRV1 SE (the bootstrap does not produce an SE); ``ci_*`` are NaN for
    randomization inference. ``.draws`` holds the bootstrap / permutation statistics.
    """

    def __init__(self, *, kind, term, estimate, std_error, stat, p_value, ci, draws, n_draws, info, notes,
                 alpha):
        self.kind, self.term = kind, term
        self.estimate, self.std_error, self.statistic = float(estimate), float(std_error), float(stat)
        self.p_value = float(p_value)
        self.ci_low, self.ci_high = (float(ci[0]), float(ci[1]))
        self.draws = draws
        self.n_draws = int(n_draws)
        self.info = dict(info)
        self.notes = list(notes)
        self.alpha = alpha
        self.n_clusters = info.get("Clusters")

    def tidy(self) -> pd.DataFrame:
        """One row: the coefficient, the model's SE, the observed statistic, the resampling p-value and interval."""
        return pd.DataFrame({"term": [self.term], "estimate": [self.estimate], "std_error": [self.std_error],
                             "statistic": [self.statistic], "p_value": [self.p_value], "ci_low": [self.ci_low],
                             "ci_high": [self.ci_high], "method": [self.kind], "n_draws": [self.n_draws]})

    def _header(self):
        return [self.kind] + [f"{k}: {v}" for k, v in self.info.items()]

    def __repr__(self) -> str:
        return f"<InferenceResult {self.kind}: {self.term} = {self.estimate:.4f}, p = {self.p_value:.4f}>"

    def plot(self, ax=None):
        """Histogram of the resampled statistics with the observed one marked."""
        import matplotlib.pyplot as plt

        from govstudy.plots import bilingual, cjk_figure

        if ax is None:
            _, ax = plt.subplots(figsize=(6, 3.5))
        d = self.draws[np.isfinite(self.draws)]
        ax.hist(d, bins=min(60, max(10, int(np.sqrt(len(d))))), color="tab:blue", alpha=0.6)
        ax.axvline(self.statistic, color="black", lw=2, label=bilingual("观测值", "observed"))
        ax.axvline(-self.statistic, color="black", lw=1, ls=":")
        ax.set_xlabel(bilingual("重抽样统计量", "resampled statistic"))
        ax.set_title(f"{self.kind}: p = {self.p_value:.3f}")
        ax.legend(frameon=False)
        cjk_figure(ax.figure)
        return ax


def fit_design_of(result) -> FitDesign:
    """The typed fit design a resampling procedure re-estimates (twfe and did_2x2 results keep it)."""
    d = getattr(result, "fit_design", None)
    if not isinstance(d, FitDesign):
        raise TypeError("pass a result of govstudy.twfe or govstudy.did_2x2 (it keeps its validated estimation sample "
                        f"in result.fit_design); got {type(result).__name__}")
    if d.weights is not None:
        raise NotImplementedError("wild bootstrap / randomization inference for weighted (WLS) models is not "
                                  "implemented yet")
    return d


def estimated_design(result, d: FitDesign):
    """Demeaned design restricted to the coefficients actually estimated (collinear ones dropped)."""
    names = list(result.coef.index)
    cols = [d.names.index(n) for n in names]
    X = d.X[:, cols]
    Z = demean(np.column_stack([d.y, X]), list(d.fes)) if d.fes else np.column_stack([d.y, X])
    return names, X, Z[:, 0], Z[:, 1:]


def model_clusters(d: FitDesign):
    """The model's cluster codes 0..G-1 and G; an error when it was not fitted with clusters."""
    if d.cluster is None:
        raise DataValidationError("the model was not fitted with clustered standard errors: refit it with "
                                  "vcov='cluster' and cluster='column'", rule="needs-clusters")
    return d.cluster, int(d.cluster.max()) + 1
