"""Wild cluster bootstrap (WCR, Cameron, Gelbach & Miller 2008; the "fast and wild" algebra of
Roodman, MacKinnon, Nielsen & Webb 2019). For ``H0: beta_j = b0``:

1. the restricted model (``y - b0 D`` on the other regressors *and the fixed effects*) gives the
   fitted values ``yhat_r`` and residuals ``u_r``;
2. every draw builds ``y* = yhat_r + v_g u_r`` (``v_g`` Rademacher or Webb, one per cluster) and
   re-estimates the full model *with the fixed effects* on ``y*``, then forms the CRV1 t statistic
   ``(b*_j - b0) / se*_j``;
3. the p-value is the share of draws with ``|t*| >= |t|``; the confidence interval collects the
   ``b0`` not rejected (test inversion, solved by bisection).

Why this re-projects the fixed effects in every draw without a dummy per unit: the regressors
(``D``, covariates, fixed effects) are the same in every draw, so by Frisch-Waugh-Lovell the
estimate on ``y*`` with fixed-effect dummies is ``b* = (Z'Z)^{-1} Z' M_FE y*`` with ``Z = M_FE X``
the demeaned design, and its residuals are ``e* = M y*`` with ``M = M_Z M_FE`` the annihilator of
``[X, FE]``. Both are linear in ``y*``; ``yhat_r`` lies in the span of ``[X, FE]``, so
``b*_j - b0 = sum_g v_g a_j' Z_g' u_r,g`` and ``e* = sum_h v_h M (u_r 1[cluster h])``. We compute
``M (z_j 1[cluster g])`` for every cluster once (one demeaning of an ``n x G`` matrix, where
``z_j = Z a_j`` and ``a_j`` is row j of ``(Z'Z)^{-1}``), which gives the ``G x G`` matrix mapping
the draws ``v`` to the cluster scores of ``b*_j``. Each draw then costs ``O(G^2)`` -- identical,
draw by draw, to re-estimating ``y* ~ X + dummies`` (the test file checks this against
``wildboottest`` run with the fixed effects as dummies). Bootstrapping *pre-demeaned* data (taking
``M_FE y`` as the outcome and skipping the projection of ``v_g u_r``) is a different, wrong,
bootstrap whenever a fixed effect is not nested in the clusters (e.g. period effects).
Restricted residuals are linear in ``b0`` (``u_r(b0) = u_a - b0 u_b``), so ``t*(b0)`` for any
``b0`` needs three sums per draw: test inversion is cheap.

>>> import numpy as np, pandas as pd
>>> from govstudy import twfe, wild_cluster_bootstrap
>>> rng = np.random.default_rng(0)
>>> df = pd.DataFrame({"id": np.repeat(np.arange(20), 6), "t": np.tile(np.arange(6), 20)})
>>> df["D"] = ((df.id < 5) & (df.t >= 3)).astype(int)
>>> df["y"] = 0.1 * df.id + rng.normal(0, 1, len(df))
>>> wb = wild_cluster_bootstrap(twfe(df, y="y", treat="D", unit="id", time="t"), B=999, seed=1)
>>> bool(0.05 < wb.p_value < 1), wb.n_clusters
(True, 20)
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import scipy.sparse as sp

from govstudy.arguments import check_alpha, check_choice, check_count, check_seed, renamed
from govstudy.errors import ArgumentError, DataValidationError, FewClustersWarning, warn
from govstudy.estimators.demean import demean
from govstudy.estimators.inference import InferenceResult, estimated_design, fit_design_of, model_clusters
from govstudy.estimators.poisson import refuse_poisson
from govstudy.estimators.vcov import cluster_sums

__all__ = ["wild_cluster_bootstrap", "fe_cross"]


def _score_maps(Zt, A, z, codes, G, fes, us):
    """``Q[g, h] = (z 1_g)' M (u 1_h)`` for each ``u`` in ``us``, with ``M`` the annihilator of ``[X, FE]``.

    ``M = I - P_FE - Zt A Zt'`` (``Zt`` is orthogonal to the fixed effects), so
    ``Q = diag(sum_g z u) - FE - W A U'`` with ``W``, ``U`` the cluster sums of ``Zt * z`` and
    ``Zt * u``, and ``FE[g, h] = (z 1_g)' P_FE (u 1_h)`` computed from level-by-cluster sums
    (one or two factors: ``(F'F)^+`` by block elimination) -- O(n + levels x G), no n x G array.
    With more factors the fixed-effect part is projected column by column (blocks of clusters).
    """
    Wz = cluster_sums(codes, Zt * z[:, None], G)               # G x k
    AW = Wz @ A
    out = []
    fe_terms = fe_cross(fes, codes, G, z, us)
    for u, fe in zip(us, fe_terms):
        Q = np.diag(cluster_sums(codes, (z * u)[:, None], G)[:, 0])
        Q -= AW @ cluster_sums(codes, Zt * u[:, None], G).T
        if fe is not None:
            Q -= fe
        out.append(Q)
    return out


def fe_cross(fes, codes, G, z, us):
    """``[(z 1_g)' P_FE (u 1_h)]_{g,h}`` for each u (None without fixed effects)."""
    if not fes:
        return [None] * len(us)
    fcodes = [np.unique(f, return_inverse=True)[1].ravel() for f in fes]
    nlev = [int(f.max()) + 1 for f in fcodes]
    n = len(z)

    def lev_by_cl(f, L, w):               # L x G sums of w by (level, cluster)
        return np.asarray(sp.csr_matrix((w, (f, codes)), shape=(L, G)).todense())

    if len(fcodes) == 1:
        f, L = fcodes[0], nlev[0]
        cnt = np.bincount(f, minlength=L).astype(float)
        Sz = lev_by_cl(f, L, z) / cnt[:, None]
        return [Sz.T @ lev_by_cl(f, L, u) for u in us]
    if len(fcodes) == 2 and min(nlev) <= 5000:
        ia, ib = (0, 1) if nlev[0] >= nlev[1] else (1, 0)
        a, b, na, nb = fcodes[ia], fcodes[ib], nlev[ia], nlev[ib]
        wa = np.bincount(a, minlength=na).astype(float)
        wb = np.bincount(b, minlength=nb).astype(float)
        C = sp.csr_matrix((np.ones(n), (a, b)), shape=(na, nb))
        S = np.diag(wb) - (C.T @ sp.diags(1.0 / wa) @ C).toarray()
        S = (S + S.T) / 2
        ev, evec = np.linalg.eigh(S)
        cut = ev.max() * 1e-11 * nb
        Sinv = (evec * np.where(ev > cut, 1.0 / np.where(ev > cut, ev, 1.0), 0.0)) @ evec.T

        def solve(ra, rb):  # (F'F)^+ [ra; rb] by block elimination (Schur complement on the small factor)
            xb = Sinv @ (rb - C.T @ (ra / wa[:, None]))
            xa = (ra - C @ xb) / wa[:, None]
            return xa, xb

        xa, xb = solve(lev_by_cl(a, na, z), lev_by_cl(b, nb, z))
        return [xa.T @ lev_by_cl(a, na, u) + xb.T @ lev_by_cl(b, nb, u) for u in us]
    # general: project z 1_g on the fixed effects explicitly, a block of clusters at a time
    outs = [np.empty((G, G)) for _ in us]
    block = max(1, int(4e6 // max(n, 1)))
    for s in range(0, G, block):
        gs = np.arange(s, min(G, s + block))
        Zg = np.where(codes[:, None] == gs[None, :], z[:, None], 0.0)
        Pz = Zg - demean(Zg, fes)
        for o, u in zip(outs, us):
            o[gs, :] = cluster_sums(codes, Pz * u[:, None], G).T
    return outs


def _draw_weights(kind, G, B, rng):
    if kind == "rademacher" and 2 ** G <= B:
        v = np.array(list(itertools.product([-1.0, 1.0], repeat=G))).T
        return v, True
    if kind == "rademacher":
        return rng.choice(np.array([-1.0, 1.0]), size=(G, B)), False
    if kind == "webb":
        vals = np.sqrt(np.array([3, 2, 1, 1, 2, 3]) / 2) * np.array([-1, -1, -1, 1, 1, 1])
        return rng.choice(vals, size=(G, B)), False
    raise ValueError(f"weights must be 'rademacher' or 'webb', got {kind!r}")


# --------------------------------------------------------------------------- wild cluster bootstrap
@renamed({"weights": "bootstrap_weights ('rademacher' or 'webb'; weights= names a column of observation weights "
                      "everywhere in govstudy)",
          "cluster": "(the bootstrap uses the model's clusters: refit the model with vcov='cluster', "
                     "cluster='column')",
          "type": "bootstrap_weights", "weights_type": "bootstrap_weights", "reps": "B", "n_reps": "B"})
def wild_cluster_bootstrap(result, *, param: str | None = None, B: int = 9999, bootstrap_weights: str = "rademacher",
                           impose_null: bool = True, seed: int | None = None, alpha: float = 0.05,
                           null: float = 0.0) -> InferenceResult:
    """Wild cluster bootstrap (WCR by default) p-value and test-inversion CI for one coefficient.

    Parameters
    ----------
    result : a :func:`govstudy.twfe` or :func:`govstudy.did_2x2` result (clustered, or pass ``cluster``).
    param : coefficient to test (default: the headline, e.g. the treatment).
    B : bootstrap draws. With Rademacher weights and ``2**G <= B`` all ``2**G`` sign vectors are
        enumerated instead (deterministic).
    bootstrap_weights : ``"rademacher"`` or ``"webb"`` (six-point; recommended below 12 clusters, where
        Rademacher has too few distinct draws -- a warning says so).
    impose_null : WCR (True, recommended) or WCU (False).
    seed : random seed.  null : the tested value ``b0`` (default 0).

    Returns
    -------
    InferenceResult with ``p_value``, ``ci_low``/``ci_high`` (``1 - alpha``), ``statistic`` (CRV1 t with
    fixest's small-sample factor) and ``draws`` (bootstrap t statistics under the null).

    Example
    -------
    >>> import govstudy
    >>> df = govstudy.load("organ_donations")
    >>> df["D"] = ((df.State == "California") & (df.Quarter_Num > 3)).astype(int)
    >>> import warnings; warnings.simplefilter("ignore")
    >>> r = govstudy.twfe(df, y="Rate", treat="D", unit="State", time="Quarter_Num")
    >>> wb = wild_cluster_bootstrap(r, B=999, bootstrap_weights="webb", seed=1)
    >>> wb.p_value > 0.05   # one treated state: the CRV1 p-value is ~0.004, the bootstrap's is not small
    True
    """
    B = check_count(B, "B")
    check_choice(bootstrap_weights, "bootstrap_weights", ("rademacher", "webb"))
    seed = check_seed(seed)
    alpha = check_alpha(alpha)
    weights = bootstrap_weights
    refuse_poisson(result, "the wild cluster bootstrap")
    d = fit_design_of(result)
    names, X, yt, Zt = estimated_design(result, d)
    param = param or result.headline
    if param not in names:
        raise ArgumentError(f"param {param!r} is not an estimated coefficient; choose one of {names}")
    j = names.index(param)
    codes, G = model_clusters(d)
    cname = d.cluster_name or "cluster"
    if G < 2:
        raise DataValidationError(f"the wild cluster bootstrap needs at least two clusters; found {G} "
                                  f"(clustered by {cname!r})", column=d.cluster_name, rule="two-clusters")
    notes = []
    if G < 12 and weights == "rademacher":
        msg = (f"only {G} clusters: Rademacher weights give at most 2^{G} = {2 ** G} distinct bootstrap samples; "
               "Webb's six-point weights are recommended below 12 clusters (bootstrap_weights='webb')")
        warn(msg, FewClustersWarning)
        notes.append(msg)
    n, k = Zt.shape
    A = np.linalg.inv(Zt.T @ Zt)
    beta = A @ (Zt.T @ yt)
    bj = float(beta[j])
    zj = Zt @ A[j]                                           # b_j = z_j' y
    uhat = yt - Zt @ beta
    df_k = d.df_k or k
    ssc = G / (G - 1) * (n - 1) / (n - df_k)
    se = math.sqrt(ssc * float(np.sum(cluster_sums(codes, (zj * uhat)[:, None], G) ** 2)))

    if impose_null:
        others = [i for i in range(k) if i != j]
        Xo = Zt[:, others]
        R = np.column_stack([yt, Zt[:, j]])
        if others:
            R = R - Xo @ np.linalg.lstsq(Xo, R, rcond=None)[0]
        ua, ub = R[:, 0], R[:, 1]                               # u_r(b0) = ua - b0 * ub
    else:
        ua, ub = uhat, np.zeros(n)
    # numerator: b*_j - center = c' v ; cluster scores of b*_j: Q v
    ca = cluster_sums(codes, (zj * ua)[:, None], G)[:, 0]
    cb = cluster_sums(codes, (zj * ub)[:, None], G)[:, 0]
    Qa, Qb = _score_maps(Zt, A, zj, codes, G, list(d.fes), [ua, ub])

    rng = np.random.default_rng(seed)
    v, enumerated = _draw_weights(weights, G, B, rng)
    Bn = v.shape[1]
    Na, Nb = ca @ v, cb @ v
    QaV, QbV = Qa @ v, Qb @ v
    saa = np.einsum("gb,gb->b", QaV, QaV)
    sab = np.einsum("gb,gb->b", QaV, QbV)
    sbb = np.einsum("gb,gb->b", QbV, QbV)
    del QaV, QbV

    def tboot(b0):
        num = Na - b0 * Nb if impose_null else Na
        den = saa - 2 * b0 * sab + b0 * b0 * sbb if impose_null else saa
        with np.errstate(divide="ignore", invalid="ignore"):
            return num / np.sqrt(ssc * np.maximum(den, 0.0))

    def pval(b0):
        t = (bj - b0) / se
        tb = tboot(b0)
        return float(np.mean(np.abs(tb) >= abs(t) * (1 - 1e-10))), t, tb

    p, t0, draws = pval(null)
    # confidence interval by test inversion
    if impose_null:
        lo = _invert(lambda b0: pval(b0)[0], bj, -se, alpha)
        hi = _invert(lambda b0: pval(b0)[0], bj, se, alpha)
        if not (np.isfinite(lo) and np.isfinite(hi)):
            msg = (f"the {1 - alpha:.0%} confidence interval is unbounded: with {G} clusters the bootstrap p-value "
                   f"stays above {alpha:g} however far the null is moved (too few clusters to reject at this level)")
            warn(msg, FewClustersWarning)
            notes.append(msg)
    else:
        q = float(np.quantile(np.abs(draws[np.isfinite(draws)]), 1 - alpha))
        lo, hi = bj - q * se, bj + q * se
    info = {"Bootstrap": "WCR (null imposed)" if impose_null else "WCU (null not imposed)",
            "Weights": weights, "Draws": f"{Bn}" + (" (all 2^G sign vectors enumerated)" if enumerated else ""),
            "Clusters": G, "Cluster variable": cname, "Fixed effects": ", ".join(d.fe_names) or "none",
            "Tested": f"{param} = {null:g}; CRV1 t = {t0:.4f}"}
    if not enumerated and seed is None:
        notes.append("no seed given: the p-value varies from run to run by Monte-Carlo error")
    return InferenceResult(kind="Wild cluster bootstrap", term=param, estimate=bj, std_error=se, stat=t0,
                           p_value=p, ci=(lo, hi), draws=draws, n_draws=Bn, info=info, notes=notes, alpha=alpha)


def _invert(pfun, center, step, alpha, tol=1e-7, max_expand=16):
    """Outermost-from-centre crossing of p(b0) = alpha along direction sign(step), by bisection.

    Returns ±inf when p stays above alpha beyond 2**max_expand standard errors from the centre:
    the interval is unbounded (further out, rounding in the quadratic bootstrap denominator would
    produce spurious crossings).
    """
    if not np.isfinite(step) or step == 0:
        return np.nan
    inside = center
    out = center + step
    k = 0
    while pfun(out) > alpha:
        inside = out
        step *= 2
        out = center + step
        k += 1
        if k > max_expand:
            return np.inf * np.sign(step)
    scale = abs(step)
    for _ in range(200):  # bisection; also stops at the resolution of floating point
        if abs(out - inside) <= tol * scale:
            break
        mid = 0.5 * (inside + out)
        if mid in (inside, out):
            break
        if pfun(mid) > alpha:
            inside = mid
        else:
            out = mid
    return 0.5 * (inside + out)
