"""Sant'Anna & Zhao (2020) 2x2 difference-in-differences estimators: the kernels of every ATT(g, t).

``did_panel``: panel data (outcome changes), doubly robust (locally efficient), normalised IPW and outcome
regression, for several outcome columns that share one sample and design. ``did_rc``: two periods as
repeated cross-sections (R ``DRDID``'s ``drdid_rc``, ``std_ipw_did_rc``, ``reg_did_rc``). Both return the
ATT and its influence function, scaled as in DRDID. ``method="dr_imp"`` is the improved locally efficient doubly
robust estimator (R ``DRDID``'s ``drdid_imp_panel`` / ``drdid_imp_rc``): its propensity score is fitted by
inverse probability tilting (:func:`fit_ipt`, Graham, Pinto & Egel 2012) and the control outcome regressions are
weighted by the fitted odds, so the estimation effects of both vanish and the influence function is its leading term.

Why our own code: the estimators are a few matrix products; R ``DRDID``'s Python ports work on data frames one
2x2 at a time, and ``att_gt`` needs the influence functions as arrays for aggregation and the bootstrap.

>>> import numpy as np
>>> rng = np.random.default_rng(0)
>>> D = np.repeat([1.0, 0.0], 50)
>>> X = np.column_stack([np.ones(100), rng.normal(size=100)])
>>> dy = 2.0 * D + X[:, 1] + rng.normal(size=100)
>>> att, inf, problem = did_panel(dy, D, X, np.ones(100), "reg")
>>> round(att, 2), inf.shape
(2.15, (100,))
"""

from __future__ import annotations

import numpy as np

from govstudy.estimators.logit import fit_logit

__all__ = ["did_panel", "did_rc", "fit_ipt"]


# --------------------------------------------------------------------------- 2x2 estimators (panel)
def _ols_fit(dy, X, w, mask):
    Xc, wc = X[mask], w[mask]
    XtX = Xc.T @ (Xc * wc[:, None])
    beta = np.linalg.solve(XtX, Xc.T @ (wc * dy[mask]))
    return beta


def _propensity(D, X, w):
    """Logit propensity score (capped below 1), the trimming of controls with p >= 0.995, the score's asymptotic
    linear representation (n x k) and the fit's ``problem`` (see :func:`govstudy.estimators.logit.fit_logit`)."""
    fit = fit_logit(D, X, w)
    ps = np.minimum(fit.p, 1 - 1e-6)
    trim = np.where(D == 0, ps < 0.995, True)
    alr_ps = ((w * (D - ps))[:, None] * X) @ (fit.hinv * len(D))
    return ps, trim, alr_ps, fit.problem


def fit_ipt(D, X, w, start=None, *, maxiter: int = 100):
    """Propensity score by inverse probability tilting for the ATT (Graham, Pinto & Egel 2012; Sant'Anna & Zhao
    2020): ``gamma`` minimises ``mean(w * ((1 - D) * exp(X gamma) - D * X gamma))``, whose first-order condition
    balances the covariates exactly, ``sum_treated w X = sum_controls w exp(X gamma) X``. The loss is convex; it is
    minimised by Newton steps with backtracking from ``start`` (default: the logit fit). Returns
    ``(ps, gamma, problem)``, ``problem`` None or what went wrong in words (as :func:`fit_logit`'s).

    >>> D = np.array([1.0, 1, 0, 0, 0, 0]); X = np.column_stack([np.ones(6), [1.0, 2, 0, 1, 2, 3]])
    >>> ps, gamma, problem = fit_ipt(D, X, np.ones(6))
    >>> odds = ps / (1 - ps)
    >>> bool(np.allclose((odds * (1 - D))[:, None].T @ X, D @ X)), problem
    (True, None)
    """
    D, X = np.asarray(D, float), np.asarray(X, float)
    n = len(D)
    w = np.ones(n) if w is None else np.asarray(w, float)
    problem = None
    if start is None:
        fit = fit_logit(D, X, w)
        start, problem = fit.coef, fit.problem
    c, t = w * (1 - D), w * D
    target = X.T @ t / n
    tol = 1e-12 * max(1.0, float(np.abs(target).max()))

    def loss(g):
        v = X @ g
        return float((c * np.exp(np.minimum(v, 500.0)) - t * v).sum() / n)

    g = np.asarray(start, float).copy()
    f = loss(g)
    converged = False
    for _ in range(maxiter):
        e = c * np.exp(np.minimum(X @ g, 500.0))
        grad = X.T @ e / n - target
        if np.abs(grad).max() <= tol:
            converged = True
            break
        step = np.linalg.solve((X * e[:, None]).T @ X / n, grad)
        s, dec = 1.0, float(grad @ step)
        while s > 1e-10:                      # backtracking (Armijo, up to rounding): the loss must go down
            g_new = g - s * step
            f_new = loss(g_new)
            if np.isfinite(f_new) and f_new <= f - 1e-4 * s * dec + 1e-15 * abs(f):
                break
            s /= 2
        else:
            break
        g, f = g_new, f_new
    if not converged:
        problem = "; ".join(p for p in (problem, f"the inverse probability tilting did not converge in {maxiter} "
                                                 "Newton steps (covariate balance not reached)") if p)
    v = X @ g
    return 1 / (1 + np.exp(-v)), g, problem


def _propensity_ipt(D, X, w):
    """IPT propensity score capped below 1 as R DRDID's ``drdid_imp_*`` (``pmin(ps, 1 - 1e-6)``), the trimming
    of controls with p >= 0.995, and the fit's ``problem``."""
    ps, _, problem = fit_ipt(D, X, w)
    ps = np.minimum(ps, 1 - 1e-6)
    return ps, np.where(D == 0, ps < 0.995, True), problem


def did_panel(DY, D, X, w, method):
    """ATTs and influence functions (scaled as in DRDID: per subsample unit) of the panel 2x2 estimators.

    ``DY`` is an (n, m) matrix of outcome changes sharing one treated/control sample, design X and weights
    (e.g. the post-treatment periods of one cohort against its base period): the propensity score and the
    control-regression design are fitted once, the m outcome regressions in one solve. Returns (m,) ATTs
    and an (n, m) influence-function matrix; a 1-D ``dy`` gives a scalar and a vector. The third value is the
    propensity-score fit's ``problem`` (see :func:`govstudy.estimators.logit.fit_logit`; None for ``"reg"``).
    """
    one = DY.ndim == 1
    DY = DY[:, None] if one else DY
    n = len(D)
    problem = None
    if method == "dr_imp":
        # R DRDID's drdid_imp_panel: IPT score, control regression weighted by the odds, leading-term IF only
        ps, trim, problem = _propensity_ipt(D, X, w)
        odds = ps / (1 - ps)
        wc = w * (1 - D) * odds
        beta = np.linalg.solve(X.T @ (X * wc[:, None]), X.T @ (wc[:, None] * DY))
        s = trim * (1 - (1 - D) / (1 - ps))
        mD = (w * D).mean()
        R = s[:, None] * (DY - X @ beta)
        att = (w[:, None] * R).mean(0) / mD
        inf = (w * trim)[:, None] * (R - D[:, None] * att) / mD
        return (float(att[0]), inf[:, 0], problem) if one else (att, inf, problem)
    if method in ("dr", "reg"):
        wols = w * (1 - D)
        XtX = X.T @ (X * wols[:, None])
        beta = np.linalg.solve(XtX, X.T @ (wols[:, None] * DY))
        OUT = X @ beta
        XpX_inv = np.linalg.inv(XtX / n)
        E = wols[:, None] * (DY - OUT)          # alr_ols of column c is E[:, c, None] * (X @ XpX_inv)

        def alr_ols_at(v):                      # alr_ols @ v for every column
            return E * (X @ (XpX_inv @ v))[:, None]
    if method in ("dr", "ipw"):
        ps, trim, alr_ps, problem = _propensity(D, X, w)
        w_t = trim * w * D
        w_c = trim * w * ps * (1 - D) / (1 - ps)
        mt, mc = w_t.mean(), w_c.mean()
    if method == "dr":
        R = DY - OUT
        at, ac = w_t[:, None] * R, w_c[:, None] * R
        eta_t, eta_c = at.mean(0) / mt, ac.mean(0) / mc
        inf_t = (at - w_t[:, None] * eta_t - alr_ols_at((w_t[:, None] * X).mean(0))) / mt
        M2 = X.T @ (w_c[:, None] * (R - eta_c)) / n
        inf_c = (ac - w_c[:, None] * eta_c + alr_ps @ M2 - alr_ols_at((w_c[:, None] * X).mean(0))) / mc
    elif method == "ipw":
        at, ac = w_t[:, None] * DY, w_c[:, None] * DY
        eta_t, eta_c = at.mean(0) / mt, ac.mean(0) / mc
        inf_t = (at - w_t[:, None] * eta_t) / mt
        M2 = X.T @ (w_c[:, None] * (DY - eta_c)) / n
        inf_c = (ac - w_c[:, None] * eta_c + alr_ps @ M2) / mc
    else:  # reg
        w_t = w * D
        mt = w_t.mean()
        eta_t = (w_t[:, None] * DY).mean(0) / mt
        eta_c = (w_t[:, None] * OUT).mean(0) / mt
        inf_t = w_t[:, None] * (DY - eta_t) / mt
        inf_c = (w_t[:, None] * (OUT - eta_c) + alr_ols_at((w_t[:, None] * X).mean(0))) / mt
    att, inf = eta_t - eta_c, inf_t - inf_c
    return (float(att[0]), inf[:, 0], problem) if one else (att, inf, problem)


# --------------------------------------------------------------------------- 2x2 estimators (repeated cross-sections)
def _lead(wk, v):
    """Weighted mean E[wk v] / E[wk] and its influence function (no estimation effect of nuisances)."""
    m = wk.mean()
    est = (wk * v).mean() / m
    return est, wk * (v - est) / m


def _ols_alr(y, X, w, mask):
    """OLS of y on X over ``mask`` (weights w): fitted values for every row and the asymptotic linear
    representation of the coefficients (n x k, scaled per row of the whole 2x2 sample)."""
    n = len(y)
    beta = _ols_fit(y, X, w, mask)
    fit = X @ beta
    ww = w * mask
    XpX = (X * ww[:, None]).T @ X / n
    if np.linalg.matrix_rank(XpX) < X.shape[1]:
        raise np.linalg.LinAlgError("singular outcome-regression design")
    return fit, ((ww * (y - fit))[:, None] * X) @ np.linalg.inv(XpX)


def did_rc(y, post, D, X, w, method):
    """One ATT from repeated cross-sections (two periods) and its per-observation influence function.

    The estimators of Sant'Anna & Zhao (2020) for repeated cross-sections, as in R ``DRDID``
    (``drdid_rc``: locally efficient doubly robust; ``std_ipwdid_rc``: normalised IPW; ``regdid_rc``:
    outcome regression), derived here from the estimating equations: y observed at the post (post=1)
    or base (post=0) period; D = treated-cohort indicator; X with an intercept column. The influence
    function is scaled per observation of this 2x2 sample (mean zero, SE = sqrt(sum IF^2) / n_obs).
    The propensity score is trimmed as in the panel estimators (controls with p >= 0.995 get weight 0).
    The third value is the propensity-score fit's ``problem`` (see :func:`govstudy.estimators.logit.fit_logit`; None for ``"reg"``).
    ``"dr_imp"``: R ``DRDID``'s ``drdid_imp_rc`` (improved, locally efficient; IPT score, odds-weighted control and
    plain treated outcome regressions by period, leading-term influence function).
    """
    w = w / w.mean()
    problem = None
    c0, c1 = (D == 0) & (post == 0), (D == 0) & (post == 1)
    t0, t1 = (D == 1) & (post == 0), (D == 1) & (post == 1)
    if method == "dr_imp":
        ps, trim, problem = _propensity_ipt(D, X, w)
        odds = ps * (1 - D) / (1 - ps)
        fitted = {}
        for key, mask, wk in (("c0", c0, w * odds), ("c1", c1, w * odds), ("t0", t0, w), ("t1", t1, w)):
            fitted[key] = X @ _ols_fit(y, X, wk, mask)
        r = y - np.where(post == 1, fitted["c1"], fitted["c0"])
        w_t1, w_t0 = trim * w * D * post, trim * w * D * (1 - post)
        w_c1, w_c0 = trim * w * odds * post, trim * w * odds * (1 - post)
        d1, d0 = fitted["t1"] - fitted["c1"], fitted["t0"] - fitted["c0"]
        parts = [(_lead(w_t1, r), 1), (_lead(w_t0, r), -1), (_lead(w_c1, r), -1), (_lead(w_c0, r), 1),
                 (_lead(w_t0 + w_t1, d1), 1), (_lead(w_t1, d1), -1), (_lead(w_t0 + w_t1, d0), -1), (_lead(w_t0, d0), 1)]
        return sum(s * a for (a, _), s in parts), sum(s * f for (_, f), s in parts), problem
    if method in ("dr", "ipw"):
        ps, trim, alr_ps, problem = _propensity(D, X, w)
        odds = trim * w * ps * (1 - D) / (1 - ps)
        w_c0, w_c1 = odds * (1 - post), odds * post
        w_t0, w_t1 = trim * w * D * (1 - post), trim * w * D * post
    if method in ("dr", "reg"):
        out_c0, alr_c0 = _ols_alr(y, X, w, c0)
        out_c1, alr_c1 = _ols_alr(y, X, w, c1)

    if method == "ipw":
        a_t1, f_t1 = _lead(w_t1, y)
        a_t0, f_t0 = _lead(w_t0, y)
        a_c1, f_c1 = _lead(w_c1, y)
        a_c0, f_c0 = _lead(w_c0, y)
        M2 = ((w_c1 * (y - a_c1))[:, None] * X).mean(0) / w_c1.mean() \
            - ((w_c0 * (y - a_c0))[:, None] * X).mean(0) / w_c0.mean()
        return (a_t1 - a_t0) - (a_c1 - a_c0), (f_t1 - f_t0) - (f_c1 - f_c0 + alr_ps @ M2), problem

    if method == "reg":
        w_d = w * D
        a_t1, f_t1 = _lead(w_d * post, y)
        a_t0, f_t0 = _lead(w_d * (1 - post), y)
        a_c, f_c = _lead(w_d, out_c1 - out_c0)
        M1 = (w_d[:, None] * X).mean(0) / w_d.mean()
        return (a_t1 - a_t0) - a_c, (f_t1 - f_t0) - (f_c + (alr_c1 - alr_c0) @ M1), problem

    # dr (locally efficient): control outcome regressions by period, treated ones for the efficiency terms
    out_t0, alr_t0 = _ols_alr(y, X, w, t0)
    out_t1, alr_t1 = _ols_alr(y, X, w, t1)
    r = y - np.where(post == 1, out_c1, out_c0)
    w_d = w_t0 + w_t1
    a_t1, f_t1 = _lead(w_t1, r)
    a_t0, f_t0 = _lead(w_t0, r)
    a_c1, f_c1 = _lead(w_c1, r)
    a_c0, f_c0 = _lead(w_c0, r)
    d1, d0 = out_t1 - out_c1, out_t0 - out_c0
    a_d1, f_d1 = _lead(w_d, d1)
    a_dt1, f_dt1 = _lead(w_t1, d1)
    a_d0, f_d0 = _lead(w_d, d0)
    a_dt0, f_dt0 = _lead(w_t0, d0)
    att = (a_t1 - a_t0) - (a_c1 - a_c0) + (a_d1 - a_dt1) - (a_d0 - a_dt0)

    def xbar(wk):  # E[wk X] / E[wk]
        return (wk[:, None] * X).mean(0) / wk.mean()
    # estimation effect of the control regressions (beta_post, beta_pre): derivative of the ATT, term by term
    #   -(tau_treat_post - tau_treat_pre) enters through r; +(tau_cont_post - tau_cont_pre) likewise; the
    #   efficiency terms through d1, d0.  Post-period coefficients with a + sign, pre-period with a -.
    g1 = -xbar(w_t1) + xbar(w_c1)          # from (tau_treat_post - tau_cont_post)
    g0 = -xbar(w_t0) + xbar(w_c0)          # from (tau_treat_pre - tau_cont_pre)
    mom1 = xbar(w_d) - xbar(w_t1)
    mom0 = xbar(w_d) - xbar(w_t0)
    f_or = alr_c1 @ (g1 - mom1) - alr_c0 @ (g0 - mom0) + alr_t1 @ mom1 - alr_t0 @ mom0
    M2 = ((w_c1 * (r - a_c1))[:, None] * X).mean(0) / w_c1.mean() \
        - ((w_c0 * (r - a_c0))[:, None] * X).mean(0) / w_c0.mean()
    inf = (f_t1 - f_t0) - (f_c1 - f_c0 + alr_ps @ M2) + (f_d1 - f_dt1) - (f_d0 - f_dt0) + f_or
    return att, inf, problem
