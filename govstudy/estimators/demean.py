"""Absorbing fixed effects: the within transformation.

Why our own code: statsmodels has no absorbed fixed effects, and a dummy per unit would
need a dense ``n x n_units`` design. We use sparse group sums instead:

* one factor: subtract (weighted) group means;
* two factors forming a balanced panel (each pair of levels once, no weights): the closed form
  ``x - mean_A - mean_B + mean``, O(n) per column;
* two factors whose smaller one has at most ``_EXACT_MAX`` levels (the usual unit x period
  panel): an *exact* projection by Frisch-Waugh-Lovell. With ``A`` the larger factor and
  ``B`` the smaller, ``M x = M_A x - M_A B theta`` where ``theta`` solves the small
  ``(B' W M_A B) theta = B' W M_A x`` system (solved by pseudo-inverse, so disconnected
  designs are handled). No iteration, no tolerance;
* otherwise: alternating projections to a tolerance of ``tol`` (max abs change).

Singletons (fixed-effect levels with a single observation) are removed iteratively before
demeaning, as fixest / pyfixest do by default (``fixef_rm="singleton"``); the caller reports
how many were dropped.

>>> import numpy as np
>>> from govstudy.estimators.demean import demean
>>> x = np.array([[1.0], [2.0], [3.0], [5.0]])
>>> u = np.array([0, 0, 1, 1]); t = np.array([0, 1, 0, 1])
>>> demean(x, [u, t]).ravel().round(3).tolist()
[0.25, -0.25, -0.25, 0.25]
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

__all__ = ["demean", "drop_singletons", "fe_dof", "dense_codes"]

_EXACT_MAX = 5000


def drop_singletons(fes: list[np.ndarray]) -> np.ndarray:
    """Boolean mask of observations kept after iteratively removing singleton FE levels."""
    n = len(fes[0])
    keep = np.ones(n, bool)
    if not fes:
        return keep
    while True:
        changed = False
        for f in fes:
            cnt = np.bincount(f if keep.all() else f[keep], minlength=f.max() + 1 if n else 0)
            if not (cnt == 1).any():
                continue
            single = keep & (cnt[f] == 1)
            if single.any():
                keep &= ~single
                changed = True
        if not changed:
            return keep


def dense_codes(f: np.ndarray) -> tuple[np.ndarray, int]:
    """Dense 0..L-1 codes in sorted order (O(n), no sort, for non-negative integer codes; np.unique otherwise)
    and the number of levels L.

    >>> dense_codes(np.array([5, 2, 5, 9]))[0].tolist()
    [1, 0, 1, 2]
    """
    if np.issubdtype(f.dtype, np.integer) and len(f) and f.min() >= 0:
        present = np.bincount(f) > 0
        if present.all():
            return f, len(present)
        return (np.cumsum(present) - 1)[f], int(present.sum())
    u, inv = np.unique(f, return_inverse=True)
    return inv.astype(np.int64), len(u)


def _indicator(codes: np.ndarray, n_levels: int, w: np.ndarray | None) -> sp.csr_matrix:
    n = len(codes)
    data = np.ones(n) if w is None else w
    # column i has its single entry in row codes[i]: build CSC directly (no COO copies)
    return sp.csc_matrix((data, codes, np.arange(n + 1)), shape=(n_levels, n))


def demean(x: np.ndarray, fes: list[np.ndarray], weights: np.ndarray | None = None,
           tol: float = 1e-10, maxiter: int = 100_000, inplace: bool = False) -> np.ndarray:
    """Project the columns of ``x`` (n x k) off the fixed effects ``fes`` (integer codes).

    ``weights`` gives weighted (WLS) projections. Returns a new array (``x`` is overwritten only
    with ``inplace=True``, to save memory on large panels).
    """
    x = np.asarray(x, dtype=float)
    if x.ndim == 1:
        x = x[:, None]
    if not fes:
        return x.copy()
    fes = [dense_codes(np.asarray(f))[0] for f in fes]
    nlev = [int(f.max()) + 1 for f in fes]
    w = None if weights is None else np.asarray(weights, float)
    if len(fes) == 1:
        return x - _group_means(x, fes[0], nlev[0], w)
    if len(fes) == 2 and min(nlev) <= _EXACT_MAX:
        return _demean_two_exact(x, fes, nlev, w, out=x if inplace else None)
    return _demean_ap(x, fes, nlev, w, tol, maxiter)


def _gmean_col(col, f, nl, w, wsum):
    """Group means of one column, broadcast back to rows (O(n) memory)."""
    s = np.bincount(f, weights=col if w is None else col * w, minlength=nl)
    return (s / wsum)[f]


def _wsum(f, nl, w):
    ws = np.bincount(f, weights=w, minlength=nl).astype(float)
    ws[ws == 0] = 1.0
    return ws


def _group_means(x, f, nl, w):
    ws = _wsum(f, nl, w)
    return np.column_stack([_gmean_col(x[:, j], f, nl, w, ws) for j in range(x.shape[1])])


def _demean_two_exact(x, fes, nlev, w, out=None):
    ia, ib = (0, 1) if nlev[0] >= nlev[1] else (1, 0)
    a, b = fes[ia], fes[ib]
    na, nb = nlev[ia], nlev[ib]
    key = a * nb + b if w is None and len(a) == na * nb else None
    if key is not None and np.array_equal(key, np.arange(na * nb)):
        # a balanced panel sorted by A then B: each column is an na x nb table (a view), two axis means
        out = x.copy() if out is None or not out.flags.c_contiguous else out
        cube = out.reshape(na, nb, out.shape[1])
        for j in range(out.shape[1]):
            tab = cube[:, :, j]
            rows, cols = tab.mean(axis=1), tab.mean(axis=0)
            tab -= rows[:, None]
            tab -= cols[None, :] - rows.mean()
        return out
    if key is not None and np.bincount(key, minlength=na * nb).max() == 1:
        # a balanced panel (every level of A with every level of B once): M x = x - A-mean - B-mean + mean
        out = x.copy() if out is None else out
        for j in range(out.shape[1]):
            col = out[:, j]
            col -= (np.bincount(a, weights=col, minlength=na) / nb)[a] + (np.bincount(b, weights=col, minlength=nb) / na)[b] \
                - col.mean()
        return out
    wa, wb = _wsum(a, na, w), _wsum(b, nb, w)
    out = x.copy() if out is None else out
    k = out.shape[1]
    r = np.empty((nb, k))
    for j in range(k):  # M_A x, column by column (keeps temporaries at O(n))
        col = np.ascontiguousarray(out[:, j])
        col -= _gmean_col(col, a, na, w, wa)
        out[:, j] = col
        r[:, j] = np.bincount(b, weights=col if w is None else col * w, minlength=nb)
    # S = B'W M_A B = diag(wb) - C' diag(1/wa) C, with C[a, b] = sum of weights
    if na * nb <= 4 * len(a):  # dense cross-tabulation (typical unit x period panels)
        C = np.bincount(a * nb + b, weights=w, minlength=na * nb).reshape(na, nb).astype(float)
        S = np.diag(wb) - (C / wa[:, None]).T @ C
    else:
        C = sp.csr_matrix((np.ones(len(a)) if w is None else w, (a, b)), shape=(na, nb))
        S = np.diag(wb) - (C.T @ sp.diags(1.0 / wa) @ C).toarray()
    S = (S + S.T) / 2
    evals, evecs = np.linalg.eigh(S)
    cut = evals.max() * 1e-11 * nb
    inv = np.where(evals > cut, 1.0 / np.where(evals > cut, evals, 1.0), 0.0)
    theta = evecs @ (inv[:, None] * (evecs.T @ r))      # nb x k
    for j in range(k):  # subtract M_A B theta
        bt = theta[b, j]
        bt -= _gmean_col(bt, a, na, w, wa)
        out[:, j] -= bt
    return out


def _demean_ap(x, fes, nlev, w, tol, maxiter):
    out = x.copy()
    Ds, wsums = [], []
    for f, nl in zip(fes, nlev):
        D = _indicator(f, nl, w)
        ws = np.asarray(D.sum(axis=1)).ravel()
        Ds.append(D)
        wsums.append(np.where(ws == 0, 1.0, ws))
    for _ in range(maxiter):
        delta = 0.0
        for f, D, ws in zip(fes, Ds, wsums):
            m = (D @ out) / ws[:, None]
            delta = max(delta, float(np.abs(m).max()))
            out -= m[f]
        if delta < tol:
            return out
    raise RuntimeError(f"fixed-effect demeaning did not converge in {maxiter} iterations (last change {delta:.2e})")


def fe_dof(fes: list[np.ndarray]) -> tuple[int, list[int]]:
    """Levels per factor and the fixest count of FE parameters: sum(levels) - (n_factors - 1)."""
    levels = [dense_codes(np.asarray(f))[1] for f in fes]
    return (sum(levels) - (len(fes) - 1) if fes else 0), levels
