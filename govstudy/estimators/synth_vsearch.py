"""R ``Synth``'s data-driven predictor weights V: ``synth(..., predictors=..., predictor_weights="synth")``.

The procedure of ``Synth::synth`` (Abadie, Diamond & Hainmueller 2011, J. Stat. Softw. 42(13)) with its
defaults: V is diagonal, parametrised by a vector ``v`` with ``V = diag(|v|) / sum(|v|)``; for each V the
donor weights ``W(V)`` solve the inner quadratic programme on the simplex, and the outer loss is the
pre-period outcome MSPE ``(Z1 - Z0 W)'(Z1 - Z0 W) / T``. The outer problem is run by each method of
``optimxmethod = c("Nelder-Mead", "BFGS")`` from two starts, equal weights ``1/k`` and the
regression-based start (``diag(B B')`` normalised, with ``B`` the coefficients of the regression of the
pre-period outcomes on an intercept and the standardised predictors, across units), and the lowest loss
is kept. The optimisers follow R's ``optim`` settings: Nelder-Mead with an initial simplex stepping
``0.1 * max|v|`` along each axis, relative tolerance ``1e-8`` and at most 500 function evaluations;
BFGS with central-difference gradients (step ``1e-3``) and at most 100 iterations.

Why own code rather than pysyncon (a Python port of ``Synth`` and the reference of the tests): pysyncon
runs one optimiser from one start chosen by the user, not R's best of four runs; its inner QP (SLSQP at
scipy's default tolerance) is off the optimum by up to 0.03 in the weights on Proposition 99, and one V
search on the Basque data takes about 90 s against well under a second here; and it is a test-only
dependency, not one of the package's. The inner problem here is the exact simplex least squares of
:func:`govstudy.estimators.synth.simplex_lstsq` (NNLS), which R's ``ipop`` approximates.

The outer loss is flat in V near its optimum and has many local minima (V enters only through W(V),
piecewise smooth): R's answer is the best of its four local searches, not a global minimum. On the
Basque data the default search of ``synth`` (``predictor_weights=None``) finds a lower MSPE with other
weights; ``"synth"`` is the mode that reproduces R's published weights.

>>> X = np.array([[0.0, 1, 2, 3], [1, 0, 0, 1]])      # 2 predictors x 4 units
>>> Z = np.array([[1.0, 3, 5, 7], [0, 2, 4, 6]])       # the outcome moves with the first predictor only
>>> regression_start(X, Z).round(6).tolist()
[1.0, 0.0]
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from scipy import optimize

__all__ = ["r_synth_v", "regression_start"]


def regression_start(X: np.ndarray, Z: np.ndarray) -> np.ndarray | None:
    """R ``Synth``'s regression-based starting V: ``diag(B B') / sum``, ``B`` from OLS across units of each
    pre-period outcome (rows of ``Z``, T x N) on an intercept and the predictors (rows of ``X``, k x N).
    None when the regression is singular (R then keeps the equal-weights run only)."""
    design = np.column_stack([np.ones(X.shape[1]), X.T])
    gram = design.T @ design
    if np.linalg.matrix_rank(gram) < gram.shape[0]:
        return None
    beta = np.linalg.solve(gram, design.T @ Z.T)[1:]
    sv = np.einsum("ij,ij->i", beta, beta)
    return sv / sv.sum() if sv.sum() > 0 else None


def _nelder_mead(fun, x0, maxfev=500, reltol=1e-8):
    """R ``optim(method="Nelder-Mead")``: simplex steps ``0.1 max|x0|``, stop on relative spread of f."""
    step = 0.1 * max(float(np.max(np.abs(x0))), 1e-12)
    simplex = np.vstack([x0, x0 + step * np.eye(len(x0))])
    f0 = fun(x0)
    res = optimize.minimize(fun, x0, method="Nelder-Mead",
                            options={"initial_simplex": simplex, "maxfev": maxfev, "xatol": np.inf,
                                     "fatol": reltol * (abs(f0) + reltol), "adaptive": False})
    return res.x, float(res.fun)


def _bfgs(fun, x0, maxiter=100, h=1e-3, reltol=1e-8):
    """R ``optim(method="BFGS")`` without an analytic gradient: central differences with step ``h``."""
    def grad(x):
        g = np.empty_like(x)
        for i in range(len(x)):
            e = np.zeros_like(x)
            e[i] = h
            g[i] = (fun(x + e) - fun(x - e)) / (2 * h)
        return g

    res = optimize.minimize(fun, x0, jac=grad, method="BFGS",
                            options={"maxiter": maxiter, "gtol": reltol, "xrtol": 0.0})
    return res.x, float(res.fun)


def r_synth_v(loss: Callable[[np.ndarray], float], starts: list[np.ndarray]) -> tuple[np.ndarray, float, list]:
    """Best of Nelder-Mead and BFGS from each start: ``(V, loss, runs)``, V normalised ``|v| / sum|v|``.

    ``loss(V)`` takes normalised weights; ``runs`` lists ``(start, method, loss)`` for every run.
    """
    def fun(v):
        s = float(np.abs(v).sum())
        return loss(np.abs(v) / s) if s > 0 and np.isfinite(s) else np.inf

    best, runs = None, []
    for name, x0 in zip(("equal", "regression"), starts):
        if x0 is None:
            continue
        for method, run in (("Nelder-Mead", _nelder_mead), ("BFGS", _bfgs)):
            x, f = run(fun, np.asarray(x0, float))
            runs.append((name, method, f))
            if np.isfinite(f) and (best is None or f < best[1]):
                best = (x, f)
    v = np.abs(best[0]) / np.abs(best[0]).sum()
    return v, best[1], runs
