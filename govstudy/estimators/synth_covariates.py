"""Residualising a synthetic-DiD outcome on time-varying covariates (the "projected" method).

Kranz (2022), as Clarke, Pailañir, Athey & Imbens's Stata ``sdid ..., covariates(x, projected)``:
regress the outcome on the covariates with unit and period fixed effects using the untreated
observations only (donors in every period, treated units before treatment), then subtract
``X beta`` from the outcome of every observation; SDID is run on the residualised outcome.

>>> import numpy as np
>>> rng = np.random.default_rng(0)
>>> X = rng.normal(size=(1, 6, 5))
>>> Y = 3.0 * X[0] + np.arange(6)[:, None] + np.arange(5)[None, :]
>>> untreated = np.ones((6, 5), bool); untreated[5, 3:] = False
>>> beta = projected_beta(Y, X, untreated)
>>> round(float(beta[0]), 8)
3.0
"""

from __future__ import annotations

import numpy as np

from govstudy.errors import DataValidationError

__all__ = ["projected_beta"]


def projected_beta(Y: np.ndarray, X: np.ndarray, untreated: np.ndarray) -> np.ndarray:
    """OLS slopes of ``Y`` (N x T) on covariates ``X`` (k x N x T) with unit and period fixed effects,
    fitted on the cells where ``untreated`` (N x T, bool) is true."""
    N, T = Y.shape
    k = X.shape[0]
    ii, tt = np.nonzero(untreated)
    D = np.zeros((ii.size, k + N + T - 1))
    D[:, :k] = X[:, ii, tt].T
    D[np.arange(ii.size), k + ii] = 1.0
    keep = tt > 0                                      # period 0 is the reference period
    D[np.flatnonzero(keep), k + N + tt[keep] - 1] = 1.0
    if np.isnan(D).any():
        raise DataValidationError("covariates have missing values in untreated observations; SDID with "
                                  "covariates needs them observed", rule="covariates-complete")
    coef, _, rank, _ = np.linalg.lstsq(D, Y[ii, tt], rcond=None)
    if rank < D.shape[1]:
        raise DataValidationError(f"the covariates are collinear with the unit and period fixed effects "
                                  f"(rank {rank} of {D.shape[1]} columns)", rule="covariates-identified")
    return coef[:k]
