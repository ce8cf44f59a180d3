"""Randomization inference permutes the treatment *timing* (each unit's adoption cohort; the 0/1
treated flag for a 2x2 design) across units, re-estimates the coefficient, and compares. When the
distinct re-assignments number at most ``B`` they are all enumerated and the p-value is exact.

>>> import numpy as np, pandas as pd
>>> from govstudy import twfe, randomization_inference
>>> rng = np.random.default_rng(0)
>>> df = pd.DataFrame({"id": np.repeat(np.arange(8), 4), "t": np.tile(np.arange(4), 8)})
>>> df["D"] = ((df.id < 2) & (df.t >= 2)).astype(int)
>>> df["y"] = rng.normal(0, 1, len(df)) + 3 * df.D
>>> ri = randomization_inference(twfe(df, y="y", treat="D", unit="id", time="t"), B=999, seed=1)
>>> ri.n_draws  # 8 choose 2 = 28 distinct assignments, all enumerated: the p-value is exact
28
"""

from __future__ import annotations

import itertools
import math

import numpy as np

from govstudy.arguments import check_choice, check_count, check_int, check_seed, renamed
from govstudy.errors import DataValidationError
from govstudy.estimators.demean import demean
from govstudy.estimators.inference import InferenceResult, estimated_design, fit_design_of, model_clusters
from govstudy.estimators.poisson import refuse_poisson
from govstudy.estimators.vcov import cluster_sums

__all__ = ["randomization_inference"]


# --------------------------------------------------------------------------- randomization inference
def _multiset_perms(labels: np.ndarray, limit: int):
    """All distinct rearrangements of ``labels`` (a list of arrays), or None if more than ``limit``."""
    vals, counts = np.unique(labels, return_counts=True)
    n = len(labels)
    total = math.factorial(n)
    for c in counts:
        total //= math.factorial(c)
    if total > limit:
        return None, total
    out = []

    def rec(pos_left, k, cur):
        if k == len(vals) - 1:
            cur = cur.copy()
            cur[list(pos_left)] = vals[k]
            out.append(cur)
            return
        for combo in itertools.combinations(pos_left, counts[k]):
            nxt = cur.copy()
            nxt[list(combo)] = vals[k]
            rest = [p for p in pos_left if p not in set(combo)]
            rec(rest, k + 1, nxt)

    rec(list(range(n)), 0, np.empty(n, dtype=labels.dtype))
    return np.array(out), total


@renamed({"unit": "(the fit knows its units: pass unit= to did_2x2 when fitting; twfe results have them)",
          "reps": "B", "n_reps": "B", "statistic": "stat"})
def randomization_inference(result, *, B: int = 9999, seed: int | None = None, stat: str = "coef",
                            max_enumerate: int | None = None) -> InferenceResult:
    """Randomization (permutation) inference: re-assign treatment across units and re-estimate.

    For a :func:`govstudy.twfe` result each unit's whole treatment path (its treatment in every period:
    adoption timing, switching on and off, intensities) is permuted across units and the model is
    re-estimated with the same fixed effects and covariates; this needs every unit observed in the same
    periods (a balanced estimation sample), otherwise it refuses. For :func:`govstudy.did_2x2` (fitted
    with ``unit=``) the unit-level group is permuted. The statistic is the coefficient (``stat="coef"``) or
    its CRV1 t statistic (``stat="t"``, clustered as the model). Two-sided p-value: share of
    re-assignments with ``|stat| >= |observed|``. When the distinct re-assignments number at most ``B``
    (or ``max_enumerate``) they are all enumerated and the p-value is exact; otherwise ``B`` random
    permutations plus the observed one are used, ``p = (1 + #{|stat_b| >= |obs|}) / (B + 1)``.

    Example
    -------
    >>> import numpy as np, pandas as pd
    >>> from govstudy import twfe
    >>> df = pd.DataFrame({"id": np.repeat(np.arange(6), 2), "t": np.tile([0, 1], 6)})
    >>> df["D"] = ((df.id == 0) & (df.t == 1)).astype(int)
    >>> df["y"] = df.id * 0.5 + df.t + 3.0 * df.D
    >>> ri = randomization_inference(twfe(df, y="y", treat="D", unit="id", time="t", vcov="iid"))
    >>> ri.p_value, ri.n_draws      # only the treated unit jumps: p = 1/6, exactly
    (0.16666666666666666, 6)
    """
    check_choice(stat, "stat", ("coef", "t"))
    B = check_count(B, "B")
    seed = check_seed(seed)
    if max_enumerate is not None:
        max_enumerate = check_int(max_enumerate, "max_enumerate", minimum=1)
    refuse_poisson(result, "randomization inference")
    d = fit_design_of(result)
    names, X, yt, Zt = estimated_design(result, d)
    term = result.headline
    j = names.index(term)
    n = len(yt)
    if d.assignment is None or d.unit is None:
        raise DataValidationError("randomization inference needs the units of the fit: refit did_2x2 with unit= "
                                  "(and a group that is constant within units)", rule="needs-unit")
    ucodes = d.unit
    nu = int(ucodes.max()) + 1
    if d.estimator == "twfe":
        paths = d.assignment
        if np.isnan(paths).any():
            incomplete = int(np.isnan(paths).any(axis=1).sum())
            raise DataValidationError(
                f"randomization inference permutes whole treatment paths across units, but {incomplete} of {nu} "
                "units are not observed in every period of the estimation sample, so their paths cannot be "
                "swapped; balance the panel (Panel(...).balanced()) or use wild_cluster_bootstrap",
                rule="permutable-paths")
        uniq, labels = np.unique(paths, axis=0, return_inverse=True)
        labels = labels.ravel().astype(np.int64)
        tcodes = d.time

        def build(assign):  # assign: P x nu path labels -> n x P treatment columns
            return uniq[assign[:, ucodes].T, tcodes[:, None]]
    else:
        labels_f = d.assignment
        uniq, labels = np.unique(labels_f, return_inverse=True)
        labels = labels.ravel().astype(np.int64)
        post = d.post

        def build(assign):
            return uniq[assign[:, ucodes].T] * post[:, None]
    if len(np.unique(labels)) < 2:
        raise DataValidationError("every unit has the same treatment timing: nothing to permute",
                                  rule="varying-treatment")
    limit = max_enumerate if max_enumerate is not None else B
    perms, total = _multiset_perms(labels, limit)
    exact = perms is not None
    if not exact:
        rng = np.random.default_rng(seed)
        perms = np.array([rng.permutation(labels) for _ in range(B)])

    # everything except the re-assigned treatment is fixed: partial it out once (FWL)
    if d.estimator == "twfe":
        others = [i for i in range(len(names)) if i != j]
        W = Zt[:, others]
        fes = list(d.fes)
        extra = None
    else:  # did_2x2: the re-assigned group main effect moves with the interaction
        ti = names.index(d.treated_term) if d.treated_term in names else None
        others = [i for i in range(len(names)) if i not in (j, ti)]
        W = Zt[:, others]
        fes = []
        extra = ti
    Wq = np.linalg.qr(W)[0] if W.shape[1] else np.zeros((n, 0))

    def resid(M):
        M = demean(M, fes) if fes else M
        return M - Wq @ (Wq.T @ M)

    yr = resid(yt[:, None])[:, 0]
    codes, G = (None, None)
    if stat == "t":
        codes, G = model_clusters(d) if d.cluster is not None else (ucodes, nu)
        if G < 2:
            raise DataValidationError("stat='t' needs at least two clusters", rule="two-clusters")

    def stats_for(assign):
        Dm = build(assign)
        Dr = resid(Dm)
        if extra is None:
            dd = np.einsum("np,np->p", Dr, Dr)
            b = (Dr.T @ yr) / dd
            if stat == "coef":
                return b
            e = yr[:, None] - Dr * b
            s = cluster_sums(codes, Dr * e, G)
            return b / np.sqrt(np.sum(s ** 2, axis=0) / dd ** 2)
        # two re-assigned columns (treated main effect, interaction): 2x2 normal equations per permutation
        Tm = resid(uniq[assign[:, ucodes].T].astype(float))
        a11, a12, a22 = (np.einsum("np,np->p", Tm, Tm), np.einsum("np,np->p", Tm, Dr),
                         np.einsum("np,np->p", Dr, Dr))
        r1, r2 = Tm.T @ yr, Dr.T @ yr
        det = a11 * a22 - a12 ** 2
        b = (a11 * r2 - a12 * r1) / det
        if stat == "coef":
            return b
        b1 = (a22 * r1 - a12 * r2) / det
        e = yr[:, None] - Tm * b1 - Dr * b
        # influence of the interaction coefficient: (a11 * Dr - a12 * Tm) / det
        inf = (a11 * Dr - a12 * Tm) / det
        s = cluster_sums(codes, inf * e, G)
        return b / np.sqrt(np.sum(s ** 2, axis=0))

    obs_assign = labels[None, :]
    obs = float(stats_for(obs_assign)[0])
    P = len(perms)
    block = max(1, int(4e6 // max(n, 1)))
    draws = np.concatenate([stats_for(perms[s:s + block]) for s in range(0, P, block)])
    tol = 1e-9 * max(abs(obs), 1e-300)
    hits = np.abs(draws) >= abs(obs) - tol
    p = float(hits.mean()) if exact else float((1 + hits.sum()) / (P + 1))
    info = {"Permuted": ("whole treatment paths across units" if d.estimator == "twfe"
                         else "the group across units"),
            "Statistic": "coefficient" if stat == "coef" else "CRV1 t statistic",
            "Re-assignments": (f"all {P} distinct re-assignments enumerated (exact p-value)" if exact
                               else f"{P} random permutations of {total:,} possible (seed {seed})"),
            "Units": nu}
    se = float(result.std_error)
    return InferenceResult(kind="Randomization inference", term=term, estimate=float(result.estimate),
                           std_error=se, stat=obs, p_value=p, ci=(np.nan, np.nan), draws=draws, n_draws=P,
                           info=info, notes=[], alpha=result.alpha)
