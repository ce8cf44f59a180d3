"""Variance estimators for (fixed-effects) least squares, with fixest's small-sample conventions.

With ``n`` observations, ``k`` slope coefficients, ``bread = (X'WX)^{-1}`` on the demeaned design
and ``df_k = k + K_fe``:

* ``"iid"``:  ``V = sum(w e^2) / (n - df_k) * bread``;
* ``"hc1"``:  ``V = n / (n - df_k) * bread (sum_i w_i^2 e_i^2 x_i x_i') bread``;
* cluster (CRV1): ``V = G/(G-1) * (n-1)/(n-df_k) * bread (sum_g s_g s_g') bread`` with
  ``s_g = sum_{i in g} w_i e_i x_i``.

``K_fe`` counts the fixed-effect parameters as fixest does: the sum of levels of every factor,
minus one for every factor after the first; **for clustered SEs, factors nested in the cluster
variable (e.g. unit FE when clustering by unit) are not counted** (fixest's ``ssc(fixef.K =
"nested")``, pyfixest's ``k_fixef="nonnested"``), except one parameter per fully nested factor.
linearmodels counts them; on short panels that moves SEs by ~20%.

P-values and intervals use the t distribution with ``n - df_k`` (iid, hc1) or ``G - 1``
(cluster) degrees of freedom, like fixest.

>>> import numpy as np
>>> from govstudy.estimators.vcov import vcov_matrix
>>> X = np.array([[1.0], [-1.0], [2.0], [-2.0]]); e = np.array([0.1, -0.2, 0.1, 0.0])
>>> V, df = vcov_matrix(X, e, "iid", df_k=1)
>>> round(float(V[0, 0]), 5), df
(0.002, 3)
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["vcov_matrix", "parse_vcov", "nested_in"]


def parse_vcov(vcov, default_cluster: str | None = None) -> tuple[str, str | None]:
    """Normalise the ``vcov`` argument to ``(kind, cluster_column)``."""
    if vcov is None:
        return ("cluster", default_cluster) if default_cluster else ("iid", None)
    if isinstance(vcov, dict):
        if set(vcov) != {"cluster"}:
            raise ValueError(f"vcov dict must be {{'cluster': column}}, got {vcov!r}")
        return "cluster", vcov["cluster"]
    if isinstance(vcov, str):
        v = vcov.lower()
        if v in ("iid", "hc1"):
            return v, None
        if v in ("hetero", "robust"):
            return "hc1", None
    raise ValueError(f"vcov must be 'iid', 'hc1' or {{'cluster': column}}, got {vcov!r}")


def nested_in(fe: np.ndarray, cluster: np.ndarray) -> bool:
    """True if every level of ``fe`` (integer codes) lies within a single cluster."""
    c = cluster if np.issubdtype(np.asarray(cluster).dtype, np.integer) else pd.factorize(cluster)[0]
    first = np.full(int(fe.max()) + 1, -1, dtype=np.int64)
    first[fe] = c
    return bool(np.array_equal(first[fe], c))


def vcov_matrix(X: np.ndarray, resid: np.ndarray, kind: str, df_k: int, weights: np.ndarray | None = None,
                cluster: np.ndarray | None = None, bread: np.ndarray | None = None) -> tuple[np.ndarray, int]:
    """Variance matrix and t degrees of freedom (see module docstring for the conventions)."""
    n = X.shape[0]
    w = np.ones(n) if weights is None else weights
    if bread is None:
        bread = np.linalg.inv(X.T @ (X * w[:, None]))
    if kind == "iid":
        s2 = float(np.sum(w * resid ** 2)) / (n - df_k)
        return s2 * bread, n - df_k
    scores = X * (w * resid)[:, None]
    if kind == "hc1":
        meat = scores.T @ scores
        return n / (n - df_k) * (bread @ meat @ bread), n - df_k
    if kind == "cluster":
        if np.issubdtype(np.asarray(cluster).dtype, np.integer) and cluster.min() >= 0:
            codes = cluster
            G = int(np.count_nonzero(np.bincount(codes)))
            codes = np.cumsum(np.bincount(codes) > 0)[codes] - 1 if G != codes.max() + 1 else codes
        else:
            codes, uniq = pd.factorize(cluster)
            G = len(uniq)
        if G < 2:
            raise ValueError("clustered standard errors need at least 2 clusters")
        S = cluster_sums(codes, scores, G)
        meat = S.T @ S
        adj = G / (G - 1) * (n - 1) / (n - df_k)
        return adj * (bread @ meat @ bread), G - 1
    raise ValueError(f"unknown vcov kind {kind!r}")


def cluster_sums(codes: np.ndarray, M: np.ndarray, n_groups: int | None = None) -> np.ndarray:
    """Column sums of ``M`` (n x m, or a vector) within groups ``codes`` (integers 0..G-1): G x m (or G).

    One ``np.bincount`` per column: linear in n, no n x G indicator matrix.

    >>> cluster_sums(np.array([0, 1, 0]), np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]))
    array([[6., 8.],
           [3., 4.]])
    """
    G = int(codes.max()) + 1 if n_groups is None else int(n_groups)
    if M.ndim == 1:
        return np.bincount(codes, weights=M, minlength=G)
    out = np.empty((G, M.shape[1]))
    for j in range(M.shape[1]):
        out[:, j] = np.bincount(codes, weights=M[:, j], minlength=G)
    return out


class FewTreatedClustersWarning(UserWarning):
    """Clustered SEs with (very) few treated clusters are unreliable."""


def warn_few_treated_clusters(cluster: np.ndarray, treated: np.ndarray, cluster_name: str,
                              stacklevel: int = 3) -> int:
    """Warn when at most one cluster contains treated observations; returns the count."""
    import warnings

    n_treated = int(pd.Series(cluster[np.asarray(treated) > 0]).nunique())
    if n_treated <= 1:
        warnings.warn(
            f"only {n_treated} treated cluster (by {cluster_name!r}): the cluster-robust (CRV1) standard "
            "error is unreliable with one treated cluster (it is typically far too small). Use inference "
            "designed for few treated clusters instead: a wild cluster bootstrap or randomization "
            "inference: govstudy.wild_cluster_bootstrap(result, weights=\"webb\") or "
            "govstudy.randomization_inference.",
            FewTreatedClustersWarning, stacklevel=stacklevel)
    return n_treated
