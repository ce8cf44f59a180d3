"""Sensitivity of event-study conclusions to violations of parallel trends (Rambachan & Roth 2023).

The event-study coefficients ``beta = tau + delta`` are split into pre-periods (e < -1; e = -1 is the reference,
normalised to 0) and post-periods (e >= 0); ``tau_pre = 0`` and the target is ``theta = l' tau_post``.

``restriction="smoothness"`` bounds how fast the trend difference may bend, Delta^SD(M): every second
difference of ``(delta_pre, 0, delta_post)`` is at most M in absolute value (M = 0: linear trends). The
confidence set is the optimal fixed-length confidence interval (FLCI, Armstrong & Kolesar), HonestDiD's default
for Delta^SD: among affine estimators ``l' beta_post + w' beta_pre`` whose bias is bounded on Delta^SD, the one
whose interval ``estimate +- sd * cv_alpha(maxbias / sd)`` is shortest, ``cv_alpha(b)`` being the 1 - alpha
quantile of ``|N(b, 1)|``. The worst-case bias is ``M * min ||u||_1`` over ``u`` with ``D'u = (w, l)``, D the
second-difference operator (LP duality); since D has full row rank, u is linear in w, and the interval is found
by minimising the bias at each sd (a small convex program) and then the length over sd.

``restriction="relative_magnitudes"`` bounds each post-period change of the trend difference by Mbar times the
largest pre-period one, Delta^RM(Mbar) (Mbar = 0: the trend difference stops at the reference period). It is a
union, over which pre-period difference s is the largest and its sign, of polyhedra; for each, theta is tested
with Andrews, Roth & Pakes' conditional moment-inequality test on the post-period moments
``+-(D(beta_post - tau_post))_t - Mbar * sign * (beta_{s+1} - beta_s) <= 0`` (D: first differences), with the
other post-period effects as nuisance parameters, and the set is the hull of the thetas some (s, sign) does
not reject. The default, as in HonestDiD, is the conditional-least-favourable hybrid "C-LF": reject if the
statistic exceeds the least-favourable critical value at size kappa = alpha / 10 (simulated), otherwise apply
the conditional test at size (alpha - kappa) / (1 - kappa) truncated at that value; ``method="Conditional"``
is the conditional test alone. The statistic is the value of a linear program, ``eta = max lambda'Y`` over the
dual polytope ``{lambda >= 0, sd'lambda = 1, lambda'X = 0}``; here X'lambda = 0 says ``p - q`` is a multiple
of ``r = D'^{-1} l`` (p, q: the weights on the + and - moments), so the polytope has at most n_post + 2
vertices, known in closed form (``p, q = (mu r)^+, (mu r)^-`` for mu > 0 and mu < 0, and ``p = q = e_t``).
The test is then exact arithmetic on them: the maximising vertex, and the interval of its value over which it
stays the maximum (the truncation points that HonestDiD finds by bisection over linear programs), for a whole
theta grid at once; the ends of the accepted region are bisected to 1e-10 of its width, where HonestDiD
reports the nearest accepted point of a 1,000-point grid.

Why our own code: the ``honestdid`` Python port pulls in torch and cvxpy for problems of a few variables, and
neither it nor R HonestDiD reads a govstudy result (base periods, clusters); we solve the same programs with
numpy/scipy and check the intervals against the port (tests). For relative magnitudes the closed-form vertices
replace the port's thousands of linear programs per value of Mbar (benchmarks/bench_honest_did.py).

>>> import numpy as np
>>> r = honest_did(betahat=[0.01, -0.02, 0.3, 0.4], sigma=np.diag([0.01, 0.01, 0.02, 0.02]) ** 2,
...                n_pre=2, n_post=2, restriction="smoothness", M=[0, 0.05])
>>> r.tidy()[["M", "method"]].to_dict("list")
{'M': [nan, 0.0, 0.05], 'method': ['Original', 'FLCI', 'FLCI']}
>>> r = honest_did(betahat=[0.01, -0.02, 0.3, 0.4], sigma=np.diag([0.01, 0.01, 0.02, 0.02]) ** 2,
...                n_pre=2, n_post=2, Mbar=[0, 1, 2])
>>> t = r.tidy()
>>> t["method"].tolist(), bool((t["lb"].diff().iloc[2:] < 0).all()), r.breakdown
(['Original', 'C-LF', 'C-LF', 'C-LF'], True, nan)
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import optimize, special, stats

from govstudy.arguments import check_alpha, check_choice
from govstudy.errors import ArgumentError
from govstudy.estimators.aggte import AggregateResult
from govstudy.estimators.results import EventStudyResult, Summary, table_text

__all__ = ["honest_did", "HonestDiDResult"]


class HonestDiDResult:
    """A sensitivity table: the original confidence set and one robust set per value of M (or Mbar).

    The documented exception to the result protocol's core columns: ``tidy()`` has ``M, lb, ub, method``
    (``Mbar`` instead of ``M`` for relative magnitudes; the ``"Original"`` row has NaN there).
    ``estimate``/``std_error`` are those of ``l' beta_post``; ``breakdown`` is the smallest M (Mbar) in the table
    whose set contains 0 (NaN if none does).
    """

    def __init__(self, table: pd.DataFrame, estimate: float, std_error: float, restriction: str, l_vec, alpha,
                 source: str):
        self._table = table
        self._param = table.columns[0]
        self.estimate, self.std_error = float(estimate), float(std_error)
        self.restriction, self.l_vec, self.alpha, self.source = restriction, np.asarray(l_vec), alpha, source

    @property
    def breakdown(self) -> float:
        t = self._table[self._table["method"] != "Original"]
        hit = t[(t["lb"] <= 0) & (t["ub"] >= 0)]
        return float(hit[self._param].min()) if len(hit) else np.nan

    def tidy(self) -> pd.DataFrame:
        """Columns ``M`` (or ``Mbar``), ``lb, ub, method``: the original set first, then the robust set at each."""
        return self._table.copy()

    def summary(self) -> Summary:
        what = ("Delta^SD(M): second differences of the trend difference at most M" if self._param == "M" else
                "Delta^RM(Mbar): post-period changes of the trend difference at most Mbar times the largest "
                "pre-period one")
        lines = [f"Sensitivity to parallel trends (Rambachan & Roth 2023), {self.restriction} restriction ({what})",
                 f"Input: {self.source}", f"Target: l' tau_post with l = {np.round(self.l_vec, 4).tolist()}",
                 f"Estimate {self.estimate:.4f} (SE {self.std_error:.4f}); {int(100 * (1 - self.alpha))}% sets", "",
                 table_text(self._table),
                 f"Breakdown: the smallest {self._param} whose set contains 0 is "
                 + ("none in the table" if np.isnan(self.breakdown) else f"{self.breakdown:g}")]
        return Summary("\n".join(lines))

    def __repr__(self):
        return f"<HonestDiDResult {self.restriction}: {len(self._table) - 1} values of {self._param}>"

    def _repr_html_(self):
        return Summary(self.summary())._repr_html_()

    def plot(self, ax=None):
        """Sensitivity plot: the original set and the robust set at each M (Mbar). Returns the Axes."""
        import matplotlib.pyplot as plt

        from govstudy.plots import bilingual, cjk_figure

        t = self._table
        orig, rob = t[t["method"] == "Original"], t[t["method"] != "Original"]
        if ax is None:
            _, ax = plt.subplots(figsize=(7, 4))
        Ms = rob[self._param].to_numpy()
        step = np.min(np.diff(Ms)) if len(Ms) > 1 and np.min(np.diff(Ms)) > 0 else max(abs(Ms[0]), 1.0)
        x0 = Ms.min() - step
        mid = (orig["lb"] + orig["ub"]) / 2
        ax.errorbar([x0], mid, yerr=[mid - orig["lb"], orig["ub"] - mid], fmt="none", capsize=4, color="tab:grey",
                    label=bilingual("原始", "original"))
        mid = (rob["lb"] + rob["ub"]) / 2
        ax.errorbar(Ms, mid, yerr=[mid - rob["lb"], rob["ub"] - mid], fmt="none", capsize=4, color="tab:blue",
                    label=rob["method"].iloc[0])
        ax.axhline(0, color="black", lw=0.8)
        ax.set_xticks(np.r_[x0, Ms], [bilingual("原始", "original")] + [f"{m:g}" for m in Ms])
        ax.set_xlabel(bilingual("违背程度上限", self._param))
        ax.set_ylabel(bilingual("置信集", f"{int(100 * (1 - self.alpha))}% confidence set"))
        ax.set_title(bilingual("平行趋势敏感性", f"sensitivity to parallel trends ({self.restriction})"))
        ax.legend(frameon=False)
        cjk_figure(ax.figure)
        return ax


def honest_did(result=None, *, restriction: str | None = None, M=None, Mbar=None, l_vec=None,
               post: int | None = None, betahat=None, sigma=None, n_pre: int | None = None,
               n_post: int | None = None, alpha: float = 0.05, method: str | None = None) -> HonestDiDResult:
    """Rambachan & Roth (2023) confidence sets for an event-study effect when parallel trends may fail.

    Parameters
    ----------
    result : an :func:`govstudy.event_study` result (reference period ``ref=-1``) or
        ``att_gt(..., base_period="universal").aggregate("dynamic")`` (analytic SEs); or pass
        ``betahat, sigma, n_pre, n_post``: pre-period coefficients (oldest first, reference left out) then
        post-period ones, and their covariance.
    restriction : ``"smoothness"`` (Delta^SD(M), with ``M=``) or ``"relative_magnitudes"`` (Delta^RM(Mbar), with
        ``Mbar=``); by default the one whose parameter is given.
    M : the values of M (>= 0) for the sensitivity table, in the outcome's units per period squared.
    Mbar : the values of Mbar (>= 0): post-period first differences of the trend difference at most Mbar times
        the largest pre-period one.
    l_vec : weights on the post-periods (default: the first post-period); or ``post=k`` for the k-th
        post-period (0 = the first), or ``l_vec="average"`` for the mean of the post-periods.
    method : for relative magnitudes, ``"C-LF"`` (default, HonestDiD's) or ``"Conditional"`` (the conditional
        test without the least-favourable first stage); smoothness has ``"FLCI"`` only.

    Returns
    -------
    HonestDiDResult: ``tidy()`` with ``M`` (or ``Mbar``), ``lb, ub, method`` (the original set first),
    ``summary()``, ``plot()``.

    Example
    -------
    >>> import govstudy
    >>> mp = govstudy.load("mpdta")
    >>> es = govstudy.att_gt(mp, y="lemp", unit="countyreal", time="year", cohort="first.treat",
    ...                      base_period="universal").aggregate("dynamic")
    >>> r = honest_did(es, M=[0, 0.01])
    >>> r.tidy().round(3).to_dict("list")["ub"]
    [0.003, 0.007, 0.037]
    """
    alpha = check_alpha(alpha)
    if restriction is None:
        if M is not None and Mbar is not None:
            raise ArgumentError("pass M= (restriction='smoothness') or Mbar= (restriction='relative_magnitudes'), "
                                "not both")
        restriction = "relative_magnitudes" if Mbar is not None else "smoothness"
    check_choice(restriction, "restriction", ("smoothness", "relative_magnitudes"))
    name, other = ("M", "Mbar") if restriction == "smoothness" else ("Mbar", "M")
    if (Mbar if restriction == "smoothness" else M) is not None:
        raise ArgumentError(f"restriction={restriction!r} takes {name}=[...], got {other}=; pass "
                            f"restriction={'relative_magnitudes' if other == 'Mbar' else 'smoothness'!r} to use "
                            f"{other}")
    methods = ("FLCI",) if restriction == "smoothness" else ("C-LF", "Conditional")
    method = methods[0] if method is None else method
    check_choice(method, "method", methods)
    b, V, n_pre, n_post, source = _inputs(result, betahat, sigma, n_pre, n_post)
    lv = _l_vec(l_vec, post, n_post)
    grid = M if restriction == "smoothness" else Mbar
    if grid is None:
        raise ArgumentError("honest_did needs M=[...]: the bounds on the second differences of the trend "
                            "difference, e.g. M=[0, 0.01, 0.02] in the outcome's units (restriction='smoothness'), "
                            "or Mbar=[...], e.g. Mbar=[0, 0.5, 1, 2]: post-period changes in the trend difference at "
                            "most Mbar times the largest pre-period one (restriction='relative_magnitudes')")
    Ms = np.atleast_1d(np.asarray(grid, float))
    if Ms.ndim != 1 or not len(Ms) or not np.all(np.isfinite(Ms)) or (Ms < 0).any():
        raise ArgumentError(f"{name} must be a list of finite numbers >= 0, got {grid!r}")
    est = float(lv @ b[n_pre:])
    se = float(np.sqrt(lv @ V[n_pre:, n_pre:] @ lv))
    z = stats.norm.ppf(1 - alpha / 2)
    rows = [{name: np.nan, "lb": est - z * se, "ub": est + z * se, "method": "Original"}]
    if restriction == "smoothness":
        for m in Ms:
            centre, half = _flci(b, V, n_pre, n_post, lv, float(m), alpha)
            rows.append({"M": float(m), "lb": centre - half, "ub": centre + half, "method": "FLCI"})
    else:
        w, U = np.linalg.eigh(V)
        draws = np.random.default_rng(0).standard_normal((LF_DRAWS, len(b))) @ (U * np.sqrt(np.maximum(w, 0))).T
        for m in Ms:
            lb, ub = _rm_ci(b, V, n_pre, n_post, lv, float(m), alpha, draws, method == "C-LF")
            rows.append({"Mbar": float(m), "lb": lb, "ub": ub, "method": method})
    return HonestDiDResult(pd.DataFrame(rows), est, se, restriction, lv, alpha, source)


def _inputs(result, betahat, sigma, n_pre, n_post):
    raw = [x is not None for x in (betahat, sigma, n_pre, n_post)]
    if result is not None and any(raw):
        raise ArgumentError("pass either a result or betahat=, sigma=, n_pre=, n_post=, not both")
    if result is None:
        if not all(raw):
            raise ArgumentError("honest_did needs a result (event_study, or att_gt(..., base_period='universal')"
                                ".aggregate('dynamic')) or all of betahat=, sigma=, n_pre=, n_post=")
        b = np.asarray(betahat, float).ravel()
        V = np.asarray(sigma, float)
        n_pre, n_post = int(n_pre), int(n_post)
        if n_pre < 1 or n_post < 1 or len(b) != n_pre + n_post:
            raise ArgumentError(f"betahat has {len(b)} entries; it must hold n_pre={n_pre} >= 1 pre-period then "
                                f"n_post={n_post} >= 1 post-period coefficients")
        if V.shape != (len(b), len(b)):
            raise ArgumentError(f"sigma must be {len(b)} x {len(b)} (the covariance of betahat), got {V.shape}")
        if not np.allclose(V, V.T) or np.linalg.eigvalsh((V + V.T) / 2).min() < -1e-12 * max(np.abs(V).max(), 1):
            raise ArgumentError("sigma must be a symmetric positive semi-definite covariance matrix")
        return b, (V + V.T) / 2, n_pre, n_post, "betahat and sigma as given"
    if isinstance(result, EventStudyResult):
        if result.ref != -1:
            raise ArgumentError(f"honest_did needs the event study's reference period at e = -1 (the period before "
                                f"treatment), got ref={result.ref}; re-run event_study with ref=-1")
        terms = sorted(result.event_time, key=result.event_time.get)
        et = np.array([result.event_time[t] for t in terms])
        b, V = result.coef[terms].to_numpy(), result.vcov.loc[terms, terms].to_numpy()
        source = result.method
    elif isinstance(result, AggregateResult):
        if result.kind != "dynamic":
            raise ArgumentError(f"honest_did needs an event-time ('dynamic') aggregation, got kind={result.kind!r}")
        if result.base_period != "universal":
            raise ArgumentError(
                f"honest_did needs att_gt(..., base_period='universal'): with base_period={result.base_period!r} "
                "the pre-treatment estimates compare consecutive periods (t with t-1), not each period with the "
                "one before treatment, so they do not measure the trend difference Rambachan & Roth bound")
        if result.relative:
            raise ArgumentError(
                "honest_did needs an aggregation in levels, not aggregate(..., relative=True): each relative event-time "
                "effect is divided by its own untreated mean, so a bound on the trend difference in levels is not a "
                "bound on the percentages; run honest_did on aggregate('dynamic') and divide by the untreated mean")
        t = result.tidy(overall=False)
        keep = t["event_time"].to_numpy() != -1
        V = result.vcov.to_numpy()[np.ix_(keep, keep)]
        b, et = t["estimate"].to_numpy()[keep], t["event_time"].to_numpy()[keep].astype(int)
        source = "att_gt dynamic aggregation (universal base period)"
    else:
        raise ArgumentError(f"honest_did takes an event_study result or an att_gt(...).aggregate('dynamic') "
                            f"result, got {type(result).__name__}")
    pre, post = et[et < 0], et[et >= 0]
    if not len(pre) or not len(post):
        raise ArgumentError(f"honest_did needs at least one pre-period (e <= -2) and one post-period (e >= 0); "
                            f"the event times are {et.tolist()}")
    if not (np.array_equal(pre, np.arange(pre.min(), -1)) and np.array_equal(post, np.arange(post.max() + 1))):
        raise ArgumentError(f"honest_did needs consecutive event times around the reference e = -1; got "
                            f"{et.tolist()} (with an event time missing, the differences of the trend difference that "
                            "both restrictions bound are not defined)")
    return b, V, len(pre), len(post), source


def _l_vec(l_vec, post, n_post):
    if post is not None and l_vec is not None:
        raise ArgumentError("pass l_vec= or post=, not both")
    if post is not None:
        if not isinstance(post, (int, np.integer)) or not 0 <= post < n_post:
            raise ArgumentError(f"post= is the index of a post-period, 0..{n_post - 1}, got {post!r}")
        return np.eye(n_post)[post]
    if l_vec is None:
        return np.eye(n_post)[0]
    if isinstance(l_vec, str):
        if l_vec != "average":
            raise ArgumentError(f"l_vec is a vector of {n_post} weights or 'average', got {l_vec!r}")
        return np.full(n_post, 1 / n_post)
    lv = np.asarray(l_vec, float).ravel()
    if len(lv) != n_post or not np.all(np.isfinite(lv)) or not lv.any():
        raise ArgumentError(f"l_vec needs {n_post} finite weights (one per post-period), not all zero, got {l_vec!r}")
    return lv


def _cv(bias, alpha):
    """1 - alpha quantile of |N(bias, 1)|."""
    f = lambda c: stats.norm.cdf(c - bias) - stats.norm.cdf(-c - bias) - (1 - alpha)
    return optimize.brentq(f, 0, bias + 10, xtol=1e-14)


def _flci(b, V, n_pre, n_post, lv, M, alpha):
    """(centre, half-length) of the optimal FLCI for l' tau_post under Delta^SD(M) (module docstring)."""
    times = np.r_[np.arange(-n_pre, 0), np.arange(1, n_post + 1)]
    full = np.r_[np.arange(-n_pre, 0), 0, np.arange(1, n_post + 1)]       # with the reference at 0
    D2 = np.diff(np.eye(len(full)), 2, axis=0)[:, full != 0]             # (T - 1) x T second differences of delta
    Pinv = np.linalg.pinv(D2.T)                                          # u = Pinv (w, l) when (w, l) has no trend
    lt = times[n_pre:] @ lv
    # w = w0 + N z: all pre-period weights with sum_s w_s t_s = -sum_t l_t t (bias bounded on linear trends)
    tp = times[:n_pre].astype(float)
    w0 = -lt * tp / (tp @ tp)
    N = np.linalg.svd(tp[None, :])[2][1:].T                              # n_pre x (n_pre - 1) null space of tp'
    k = N.shape[1]

    def parts(z):
        v = np.r_[w0 + N @ z, lv]
        return v, Pinv @ v
    Vv = lambda v: float(v @ V @ v)
    if k == 0 or M == 0:
        # one admissible estimator, or M = 0: no bias, the shortest interval is the least-variance one
        if k:
            Q = N.T @ V[:n_pre, :n_pre] @ N
            g = N.T @ (V[:n_pre, :] @ np.r_[w0, lv])
            z = -np.linalg.lstsq(Q, g, rcond=None)[0]
        else:
            z = np.zeros(0)
        v, u = parts(z)
        sd = np.sqrt(Vv(v))
        return float(v @ b), sd * _cv(M * np.abs(u).sum() / sd, alpha)
    # inner problem at a given sd h: least worst-case bias, variables (z, s) with s >= |u(z)|
    A = Pinv @ np.r_[N, np.zeros((n_post, k))]
    c0 = Pinv @ np.r_[w0, lv]
    nu = len(c0)

    def least_bias(h, start):
        cons = [{"type": "ineq", "fun": lambda x: x[k:] - (A @ x[:k] + c0), "jac": lambda x: np.c_[-A, np.eye(nu)]},
                {"type": "ineq", "fun": lambda x: x[k:] + (A @ x[:k] + c0), "jac": lambda x: np.c_[A, np.eye(nu)]},
                {"type": "ineq", "fun": lambda x: h ** 2 - Vv(parts(x[:k])[0]),
                 "jac": lambda x: np.r_[-2 * N.T @ (V[:n_pre, :] @ parts(x[:k])[0]), np.zeros(nu)]}]
        x0 = np.r_[start, np.abs(A @ start + c0)]
        r = optimize.minimize(lambda x: x[k:].sum(), x0, jac=lambda x: np.r_[np.zeros(k), np.ones(nu)],
                              constraints=cons, method="SLSQP", options={"ftol": 1e-13, "maxiter": 500})
        return r.x[:k]
    # least-variance estimator (smallest sd) and least-bias estimator (LP) bracket the optimal sd
    Q = N.T @ V[:n_pre, :n_pre] @ N
    z_var = -np.linalg.lstsq(Q, N.T @ (V[:n_pre, :] @ np.r_[w0, lv]), rcond=None)[0]
    lp = optimize.linprog(np.r_[np.zeros(k), np.ones(nu)], A_ub=np.r_[np.c_[A, -np.eye(nu)], np.c_[-A, -np.eye(nu)]],
                          b_ub=np.r_[-c0, c0], bounds=[(None, None)] * k + [(0, None)] * nu, method="highs")
    z_bias = lp.x[:k]
    h_lo, h_hi = np.sqrt(Vv(parts(z_var)[0])), np.sqrt(Vv(parts(z_bias)[0]))

    def half(h):
        z = least_bias(h, z_var)
        v, u = parts(z)
        sd = np.sqrt(Vv(v))
        return sd * _cv(M * np.abs(u).sum() / sd, alpha), v
    if h_hi <= h_lo * (1 + 1e-10):
        hl, v = half(h_lo)
        return float(v @ b), hl
    r = optimize.minimize_scalar(lambda h: half(h)[0], bounds=(h_lo, h_hi), method="bounded",
                                 options={"xatol": 1e-10 * h_hi})
    cands = [half(h) for h in (h_lo, r.x, h_hi)]
    hl, v = min(cands, key=lambda c: c[0])
    return float(v @ b), hl


# relative magnitudes: the conditional-least-favourable hybrid test (module docstring)
KAPPA_SHARE = 0.1       # first-stage size kappa = alpha / 10, HonestDiD's default
LF_DRAWS = 10_000       # draws for the least-favourable critical value (HonestDiD: 1,000); fixed seed
GRID = 1000             # theta grid on which the accepted region is located before its ends are bisected


def _rm_vertices(V, n_pre, n_post, lv, Mbar):
    """For each s (the pre-period first difference taken as the largest) and sign: the vertices of the dual
    polytope {lambda >= 0, sd'lambda = 1, lambda'X = 0} of the ARP linear program on the post-period moments, as
    rows ``W = lambda'A`` in beta space with ``mu = lambda'a``, the coefficient of theta."""
    T = n_pre + n_post
    D = np.eye(n_post) - np.eye(n_post, k=-1)                            # post first differences (delta_0 = 0)
    r = np.linalg.solve(D.T, lv)
    post = np.zeros((n_post, T))
    post[:, n_pre:] = D
    with_ref = np.insert(np.eye(T), n_pre, 0.0, axis=0)                  # (T + 1) x T, the reference row is 0
    pre_diff = np.diff(with_ref, axis=0)[:n_pre]                         # beta_{s+1} - beta_s for the pre-periods
    pieces = []
    for s in range(n_pre):
        for sign in (1.0, -1.0):
            A = np.r_[post, -post] - sign * Mbar * pre_diff[s]           # moments: A beta - A_post tau <= 0
            sd = np.sqrt(np.einsum("ij,jk,ik->i", A, V, A))
            if not np.all(sd > 0):
                raise ArgumentError("sigma gives a relative-magnitudes moment zero variance; honest_did needs a "
                                    "covariance under which every post-period first difference is random")
            sp, sm = sd[:n_post], sd[n_post:]
            lam, mu = [], []
            for direction in (1.0, -1.0):                                # p - q = mu r with mu > 0, mu < 0
                p, q = np.maximum(direction * r, 0), np.maximum(-direction * r, 0)
                scale = 1 / (sp @ p + sm @ q)
                lam.append(np.r_[p, q] * scale)
                mu.append(direction * scale)
            for t in range(n_post):                                      # p = q = e_t, a vertex unless r ~ e_t
                if np.delete(r, t).any():
                    e = np.eye(n_post)[t] / (sp[t] + sm[t])
                    lam.append(np.r_[e, e])
                    mu.append(0.0)
            pieces.append((np.array(lam) @ A, np.array(mu)))
    return pieces


def _tn_quantile(p, lo, hi):
    """p-quantile of N(0, 1) truncated to [lo, hi], elementwise, in log space (either tail)."""
    lo, hi = np.broadcast_arrays(np.asarray(lo, float), np.asarray(hi, float))
    with np.errstate(divide="ignore", invalid="ignore"):
        low = special.ndtri_exp(np.logaddexp(np.log1p(-p) + special.log_ndtr(lo), np.log(p) + special.log_ndtr(hi)))
        high = -special.ndtri_exp(np.logaddexp(np.log1p(-p) + special.log_ndtr(-lo),
                                               np.log(p) + special.log_ndtr(-hi)))
    return np.where(lo >= hi, lo, np.where(lo > 0, high, low))


def _rm_accept(piece, cv, b, V, theta, size):
    """The hybrid test of theta for one (s, sign): True where it does not reject (vectorised over theta)."""
    W, mu = piece
    P = (W @ b)[:, None] - mu[:, None] * theta[None, :]                  # lambda_v' (Y - a theta) per vertex
    g = np.argmax(P, axis=0)
    cols = np.arange(len(theta))
    eta = P[g, cols]
    G = W @ V @ W.T
    s2 = G[g, g]
    sB = np.sqrt(np.maximum(s2, 0))
    with np.errstate(divide="ignore", invalid="ignore"):
        rho = G[:, g] / s2                                               # rho_v = Cov(v, gamma) / Var(gamma)
        bound = (P - rho * eta) / (1 - rho)                              # gamma stays optimal while c is on the
        vlo = np.where(1 - rho > 1e-10, bound, -np.inf).max(axis=0)      # right side of each of these
        vup = np.where(1 - rho < -1e-10, bound, np.inf).min(axis=0)
        zlo, zup = vlo / sB, np.minimum(vup, cv) / sB
        cval = np.maximum(0.0, _tn_quantile(1 - size, zlo, zup))
        reject = np.where(s2 > 1e-300, eta / sB > cval, eta > 0) | (eta > cv)
    return ~reject


def _rm_ci(b, V, n_pre, n_post, lv, Mbar, alpha, draws, hybrid):
    """(lb, ub) of the confidence set for l' tau_post under Delta^RM(Mbar): the hull of the union over s and sign
    of the thetas the test does not reject (NaN, NaN if it rejects every theta). ``hybrid``: the least-favourable
    first stage (C-LF), else the conditional test alone."""
    kappa = KAPPA_SHARE * alpha
    size = (alpha - kappa) / (1 - kappa) if hybrid else alpha
    pieces = _rm_vertices(V, n_pre, n_post, lv, Mbar)
    cvs = [float(np.quantile((draws @ W.T).max(axis=1), 1 - kappa)) for W, _ in pieces]
    # the first stage rejects once the mu > 0 or the mu < 0 vertex exceeds cv: theta lies between these ends
    ends = np.array([((W[0] @ b - cv) / mu[0], (W[1] @ b - cv) / mu[1]) for (W, mu), cv in zip(pieces, cvs)])
    ends = ends[ends[:, 0] < ends[:, 1]]
    if hybrid and not len(ends):
        return np.nan, np.nan
    lo, hi = (ends[:, 0].min(), ends[:, 1].max()) if len(ends) else (lv @ b[n_pre:] - 1, lv @ b[n_pre:] + 1)
    tests = cvs if hybrid else [np.inf] * len(pieces)
    accept = lambda th: np.any([_rm_accept(p, cv, b, V, th, size) for p, cv in zip(pieces, tests)], axis=0)
    for _ in range(30):          # the conditional test alone has no such ends: widen until both ends reject
        pad = 1e-6 * (hi - lo) + 1e-12
        grid = np.linspace(lo - pad, hi + pad, GRID)
        ok = np.flatnonzero(accept(grid))
        if hybrid or not len(ok) or (ok[0] > 0 and ok[-1] < GRID - 1):
            break
        lo, hi = lo - (hi - lo), hi + (hi - lo)
    if not len(ok):
        return np.nan, np.nan

    def edge(out, inn):          # bisect between a rejected and an accepted theta
        while abs(inn - out) > 1e-10 * (hi - lo):
            mid = (out + inn) / 2
            out, inn = (out, mid) if accept(np.array([mid]))[0] else (mid, inn)
        return inn
    i, j = ok[0], ok[-1]
    lb = edge(grid[i - 1], grid[i]) if i > 0 else -np.inf
    ub = edge(grid[j + 1], grid[j]) if j < GRID - 1 else np.inf
    return float(lb), float(ub)
