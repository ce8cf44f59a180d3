"""Bootstrap and jackknife standard errors of a synthetic (DiD) estimate with fixed weights.

Arkhangelsky et al. (2021), Algorithms 2 and 3, as R ``synthdid::vcov(method="bootstrap" |
"jackknife")``: units are resampled (bootstrap, with replacement, N draws; draws with no donor or
no treated unit are redrawn; the weights are re-fitted, starting from the original donor weights
restricted to the donors drawn) or left out one at a time (jackknife, with the original weights
restricted and renormalised, the time weights kept). Both need more than one treated unit.

>>> import numpy as np
>>> Y = np.arange(20.0).reshape(5, 4) ** 1.5
>>> omega, lam = np.full(3, 1 / 3), np.array([0.5, 0.5])
>>> round(fixed_weight_estimate(Y, 3, 2, omega, lam), 4)
5.1927
"""

from __future__ import annotations

import numpy as np

from govstudy.errors import DataValidationError

__all__ = ["fixed_weight_estimate", "jackknife_se", "bootstrap_se"]


def fixed_weight_estimate(Y: np.ndarray, N0: int, T0: int, omega: np.ndarray, lam: np.ndarray) -> float:
    """``(Y1post - lam'Y1pre) - omega'(Y0post - Y0pre lam)`` with rows ``0..N0-1`` the donors (``omega``
    renormalised to sum to one) and the rest treated (averaged); ``lam`` all zero means no pre-period shift."""
    s = omega.sum()
    w = omega / s if s > 0 else np.full(N0, 1.0 / N0)     # synthdid's sum_normalize
    d = Y[N0:].mean(axis=0) - w @ Y[:N0]
    return float(d[T0:].mean() - lam @ d[:T0])


def _need_several_treated(N1: int, what: str) -> None:
    if N1 < 2:
        raise DataValidationError(f"the {what} standard error needs more than one treated unit, found {N1}; "
                                  "with one treated unit use vcov='placebo'", rule="several-treated-units")


def jackknife_se(Y: np.ndarray, N0: int, T0: int, omega: np.ndarray, lam: np.ndarray) -> float:
    """Leave-one-unit-out jackknife SE with fixed weights (``synthdid`` Algorithm 3)."""
    N = Y.shape[0]
    _need_several_treated(N - N0, "jackknife")
    if np.count_nonzero(omega) < 2:
        raise DataValidationError("the jackknife standard error needs at least two donors with positive weight, "
                                  f"found {np.count_nonzero(omega)}", rule="several-weighted-donors")
    u = np.empty(N)
    for i in range(N):
        keep = np.delete(np.arange(N), i)
        n0 = N0 - (i < N0)
        u[i] = fixed_weight_estimate(Y[keep], n0, T0, omega[keep[:n0]], lam)
    return float(np.sqrt((N - 1) / N * np.sum((u - u.mean()) ** 2)))


def bootstrap_se(Y: np.ndarray, N0: int, T0: int, omega: np.ndarray, n_reps: int, seed, refit) -> float:
    """Unit bootstrap SE (``synthdid`` Algorithm 2): the population sd of ``n_reps`` estimates
    ``refit(Y_draw, n_donors_drawn, start_omega)``; ``seed`` feeds ``numpy.random.default_rng``, drawn as
    ``synthdid-py`` draws."""
    N = Y.shape[0]
    _need_several_treated(N - N0, "bootstrap")
    rng = np.random.default_rng(seed)
    est = []
    while len(est) < n_reps:
        ind = np.sort(rng.integers(0, N, size=N))
        n0 = int((ind < N0).sum())
        if n0 == 0 or n0 == N:
            continue
        w = omega[ind[:n0]]
        est.append(refit(Y[ind], n0, w / w.sum() if w.sum() > 0 else np.full(n0, 1.0 / n0)))
    return float(np.std(np.array(est)))
