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

from govstudy.errors import ArgumentError, FewClustersWarning, FewTreatedClustersWarning, warn
from govstudy.estimators.demean import dense_codes

__all__ = ["vcov_matrix", "parse_vcov", "nested_in", "count_levels", "cluster_sums", "warn_few_clusters", "MIN_CLUSTERS",
           "MIN_TREATED_CLUSTERS", "FewClustersWarning", "FewTreatedClustersWarning"]


def parse_vcov(vcov, cluster=None, default_cluster: str | None = None) -> tuple[str, str | None]:
    """Normalise ``vcov`` (``"iid"``, ``"hc1"``, ``"cluster"`` or None) and ``cluster`` (a column name).

    ``vcov=None`` clusters by ``cluster`` when given, else by ``default_cluster`` (the unit) when there is
    one, else iid. ``cluster=`` alone implies ``vcov="cluster"``.

    >>> parse_vcov(None, default_cluster="id"), parse_vcov("hc1"), parse_vcov(None, cluster="county")
    (('cluster', 'id'), ('hc1', None), ('cluster', 'county'))
    """
    if isinstance(vcov, dict):
        col = next(iter(vcov.values()), None) if len(vcov) == 1 else None
        raise ArgumentError(f"vcov={vcov!r}: govstudy writes the clustering column as its own argument: "
                            f"vcov='cluster', cluster={col!r}" if col is not None else
                            f"vcov={vcov!r}: write vcov='cluster', cluster='column'")
    if cluster is not None and not isinstance(cluster, str):
        if isinstance(cluster, (list, tuple)) and len(cluster) > 1:
            raise ArgumentError(f"cluster={list(cluster)!r}: two-way (multi-way) clustering is not supported; cluster "
                                "by one column (usually the level at which treatment is assigned)")
        if isinstance(cluster, (list, tuple)) and len(cluster) == 1:
            cluster = cluster[0]
        else:
            raise ArgumentError(f"cluster= is a column name, got {type(cluster).__name__}")
    if vcov is None:
        vcov = "cluster" if (cluster or default_cluster) else "iid"
    if not isinstance(vcov, str):
        raise ArgumentError(f"vcov must be 'iid', 'hc1' or 'cluster' (with cluster='column'), got {vcov!r}")
    v = {"hetero": "hc1", "robust": "hc1", "crv1": "cluster"}.get(vcov.lower(), vcov.lower())
    if v == "cluster":
        col = cluster or default_cluster
        if col is None:
            raise ArgumentError("vcov='cluster' needs the clustering column: cluster='column'")
        return "cluster", col
    if v in ("iid", "hc1"):
        if cluster is not None:
            raise ArgumentError(f"cluster={cluster!r} was given with vcov={vcov!r}; pass vcov='cluster' (or drop "
                                "cluster=)")
        return v, None
    raise ArgumentError(f"vcov must be 'iid', 'hc1' or 'cluster' (with cluster='column'), got {vcov!r}")


def count_levels(codes: np.ndarray) -> int:
    """Number of distinct values (one bincount for non-negative integer codes).

    >>> count_levels(np.array([3, 0, 3])), count_levels(np.array(["a", "b", "a"], dtype=object))
    (2, 2)
    """
    codes = np.asarray(codes)
    if np.issubdtype(codes.dtype, np.integer) and len(codes) and codes.min() >= 0:
        return int(np.count_nonzero(np.bincount(codes)))
    return int(pd.Series(codes).nunique())


def nested_in(fe: np.ndarray, cluster: np.ndarray) -> bool:
    """True if every level of ``fe`` (integer codes) lies within a single cluster."""
    if fe is cluster or (fe.dtype == np.asarray(cluster).dtype and np.array_equal(fe, cluster)):
        return True
    c = cluster if np.issubdtype(np.asarray(cluster).dtype, np.integer) else pd.factorize(cluster)[0]
    first = np.full(int(fe.max()) + 1, -1, dtype=np.int64)
    first[fe] = c
    return bool(np.array_equal(first[fe], c))


def vcov_matrix(X: np.ndarray, resid: np.ndarray, kind: str, df_k: int, weights: np.ndarray | None = None,
                cluster: np.ndarray | None = None, bread: np.ndarray | None = None) -> tuple[np.ndarray, int]:
    """Variance matrix and t degrees of freedom (see module docstring for the conventions)."""
    n = X.shape[0]
    if bread is None:
        bread = np.linalg.inv(X.T @ (X if weights is None else X * weights[:, None]))
    wr = resid if weights is None else weights * resid
    if kind == "iid":
        s2 = float(resid @ wr) / (n - df_k)
        return s2 * bread, n - df_k
    scores = X * wr[:, None]
    if kind == "hc1":
        meat = scores.T @ scores
        return n / (n - df_k) * (bread @ meat @ bread), n - df_k
    if kind == "cluster":
        if np.issubdtype(np.asarray(cluster).dtype, np.integer) and cluster.min() >= 0:
            codes, G = dense_codes(cluster)
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


#: Below these counts clustered (CRV1) inference is flagged. Cameron, Gelbach & Miller (2008) and Cameron &
#: Miller (2015, J. Human Resources) find CRV1 t-tests over-reject with fewer than about 30 clusters (their "few"
#: is 20-50); MacKinnon & Webb (2017, J. Applied Econometrics; 2018, Econometrics Journal) show severe
#: over-rejection when few clusters are treated, whatever the total -- notebook 06 measures 29% rejections at
#: 5% with 2 of 30 clusters treated and 7% with 6.
MIN_CLUSTERS = 30
MIN_TREATED_CLUSTERS = 6


FEW_CLUSTER_ADVICE = ("Use inference designed for few clusters: govstudy.wild_cluster_bootstrap(result, "
                      "bootstrap_weights=\"webb\") or govstudy.randomization_inference(result).")


def warn_few_clusters(cluster: np.ndarray, treated: np.ndarray | None, cluster_name: str, *,
                      advice: str = FEW_CLUSTER_ADVICE) -> tuple[int, int | None]:
    """Warn when clustered SEs rest on fewer than 30 clusters or fewer than 6 treated clusters; ``advice`` ends
    the warning (what to do instead, for the estimator at hand).

    Returns ``(n_clusters, n_treated_clusters)`` (the latter None without ``treated``).
    """
    n_cl = count_levels(cluster)
    n_tr = None if treated is None else count_levels(cluster[np.asarray(treated) != 0])
    if n_tr is not None and n_tr < MIN_TREATED_CLUSTERS:
        warn(f"only {n_tr} treated cluster{'s' if n_tr != 1 else ''} (by {cluster_name!r}, of {n_cl}): the "
                      "cluster-robust (CRV1) standard error is unreliable with fewer than "
                      f"{MIN_TREATED_CLUSTERS} treated clusters (typically far too small; MacKinnon & Webb 2017). "
                      + advice, FewTreatedClustersWarning)
    elif n_cl < MIN_CLUSTERS:
        warn(f"only {n_cl} clusters (by {cluster_name!r}): cluster-robust (CRV1) tests over-reject with fewer "
                      f"than about {MIN_CLUSTERS} clusters (Cameron, Gelbach & Miller 2008). " + advice,
                      FewClustersWarning)
    return n_cl, n_tr
