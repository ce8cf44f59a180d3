"""Synthetic control and synthetic difference-in-differences for one (or a few) treated units.

``synth(data, y, unit, time, treated_unit, treat_time, method=...)`` with

* ``method="sc"`` -- synthetic control (Abadie, Diamond & Hainmueller 2010): non-negative donor
  weights summing to one. Without ``predictors`` the weights match the treated unit's pre-period
  outcome path (with a tiny ridge penalty, exactly as ``synthdid::sc_estimate``, the "SC" column of
  Arkhangelsky et al. 2021, Table 1). With ``predictors`` the ADH nested problem is solved: inner
  weights ``W(V) = argmin (X1 - X0 W)' V (X1 - X0 W)`` on the simplex, outer predictor weights ``V``
  (diagonal, summing to one) chosen to minimise the pre-period outcome MSPE, or fixed by the caller
  (``predictor_weights=``); ``predictor_weights="synth"`` runs R ``Synth``'s own V search
  (:mod:`govstudy.estimators.synth_vsearch`), which reproduces R's published Basque weights.
  Cross-checked against pysyncon (a port of R's ``Synth``) in the tests.
* ``method="sdid"`` -- synthetic difference-in-differences (Arkhangelsky, Athey, Hirshberg,
  Imbens & Wager 2021, AER): unit weights with an intercept and a ridge penalty
  ``zeta = (N_tr T_post)^(1/4) * sd(first differences of the donors' pre-period outcomes)``, and time
  weights with an intercept (and a negligible ridge), both solved by Frank-Wolfe with exact line
  search and one sparsification pass, as the R package ``synthdid`` does.
* ``method="did"`` -- plain difference-in-differences (uniform unit and time weights).

Inference (for any method): placebo in space (every donor in turn as a fake treated unit, fitted
with the same method; the treated unit's post/pre RMSPE ratio ranked among them gives a p-value),
and the placebo standard error of Arkhangelsky et al. (Algorithm 4): the standard deviation of the
estimate over random re-assignments of the treatment to donors. With one treated unit there are
only ``N_donors`` distinct assignments; whenever their number does not exceed ``n_reps`` they are
all enumerated, which is the ``n_reps -> infinity`` limit of the random version (deterministic).

The effect is the average over post-treatment periods of the gap between the treated unit and its
synthetic counterpart; for SDID and DiD the synthetic counterpart is shifted by the (time-weighted)
pre-period difference, so that the estimate equals the mean post-period gap.

>>> import govstudy
>>> df = govstudy.load("california_prop99")
>>> r = synth(df, y="PacksPerCapita", unit="State", time="Year", treated_unit="California", treat_time=1989, method="did", vcov=None)
>>> round(r.estimate, 1)
-27.3
"""

from __future__ import annotations

import itertools
import math
import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import optimize, stats

from govstudy.arguments import check_alpha, check_choice, check_count, check_seed, renamed, unique_names
from govstudy.errors import ArgumentError, DataValidationError, SampleWarning, warn
from govstudy.estimators.results import Report
from govstudy.estimators.synth_covariates import projected_beta
from govstudy.estimators.synth_resample import bootstrap_se, jackknife_se
from govstudy.estimators.synth_staggered import StaggeredSynthResult, fit_cohorts
from govstudy.estimators.synth_vsearch import r_synth_v, regression_start
from govstudy.panel import Panel, as_panel, show_value as _show

__all__ = ["synth", "SynthResult", "StaggeredSynthResult", "PoorFitWarning"]


class PoorFitWarning(UserWarning):
    """The synthetic counterpart does not reproduce the treated unit's pre-treatment path."""


# --------------------------------------------------------------------------- solvers
def _fw(A: np.ndarray, b: np.ndarray, eta: float, zeta2: float, x0: np.ndarray | None, min_decrease: float,
        max_iter: int, intercept: bool) -> np.ndarray:
    """Frank-Wolfe with exact line search for ``min ||A x - b||^2 + eta ||x||^2`` over the simplex.

    Batched: ``A`` is ``K x m x p`` and ``b`` is ``K x m`` (K independent problems solved in
    lockstep, which is how the placebo fits are run); returns ``K x p``. With ``intercept`` the
    columns of ``[A b]`` are centred first (a free intercept). A problem stops (its weights are
    frozen) when its penalised mean squared error ``zeta2 ||x||^2 + ||A x - b||^2 / m`` falls by
    less than ``min_decrease**2`` in an iteration (the ``synthdid`` rule). The iterations work on
    the Gram matrices ``A'A`` with scalar updates; these are refreshed exactly every 128 steps.
    """
    if intercept:
        A = A - A.mean(axis=1, keepdims=True)
        b = b - b.mean(axis=1, keepdims=True)
    K, m, p = A.shape
    if K == 1:   # one problem (a fit, not placebos): the same steps on vectors and Python floats, ~8x faster
        return _fw_one(A[0], b[0], eta, zeta2, None if x0 is None else x0[0], min_decrease, max_iter)[None]
    G = np.einsum("kmi,kmj->kij", A, A)
    c = np.einsum("kmi,km->ki", A, b)
    bb = np.einsum("km,km->k", b, b)
    Gd = np.einsum("kii->ki", G).copy()
    x = np.full((K, p), 1.0 / p) if x0 is None else np.array(x0, float, copy=True)
    rows = np.arange(K)
    prev = np.full(K, np.inf)
    active = np.ones(K, bool)
    tol = min_decrease ** 2
    for t in range(max_iter):
        if t % 128 == 0:
            Gx = np.einsum("kij,kj->ki", G, x)
            xGx, cx, xx = (x * Gx).sum(1), (c * x).sum(1), (x * x).sum(1)
        g = Gx - c
        g += eta * x
        i = g.argmin(axis=1)
        gi, xi, Gxi, Gdi = g[rows, i], x[rows, i], Gx[rows, i], Gd[rows, i]
        gd = gi - (g * x).sum(1)
        dd = 1.0 - 2.0 * xi + xx
        den = (Gdi - 2.0 * Gxi + xGx) + eta * dd
        with np.errstate(divide="ignore", invalid="ignore"):
            s = np.clip(-gd / den, 0.0, 1.0)
        s = np.where(active & (den > 0) & (dd > 1e-300) & np.isfinite(s), s, 0.0)
        u = 1.0 - s
        x *= u[:, None]
        x[rows, i] += s
        Gx *= u[:, None]
        Gx += s[:, None] * G[rows, i]
        xGx = u * u * xGx + 2.0 * s * u * Gxi + s * s * Gdi
        cx = u * cx + s * c[rows, i]
        xx = u * u * xx + 2.0 * s * u * xi + s * s
        val = zeta2 * xx + np.maximum(xGx - 2.0 * cx + bb, 0.0) / m
        if t >= 1:
            active &= (prev - val) > tol
            if not active.any():
                break
        prev = val
    return x


def _fw_one(A: np.ndarray, b: np.ndarray, eta: float, zeta2: float, x0: np.ndarray | None, min_decrease: float,
            max_iter: int) -> np.ndarray:
    """:func:`_fw` for one problem (``A`` m x p, already centred when there is an intercept): the same updates in
    the same order, on 1-D arrays and Python floats, without the batch's per-step array bookkeeping."""
    m, p = A.shape
    G = np.einsum("kmi,kmj->kij", A[None], A[None])[0]      # as the batch computes them, to the last bit
    c = np.einsum("kmi,km->ki", A[None], b[None])[0]
    bb = float(np.einsum("km,km->k", b[None], b[None])[0])
    Gd = np.diagonal(G).copy()
    x = np.full(p, 1.0 / p) if x0 is None else np.array(x0, float, copy=True)
    prev, tol = np.inf, min_decrease ** 2
    for t in range(max_iter):
        if t % 128 == 0:
            Gx = np.einsum("kij,kj->ki", G[None], x[None])[0]
            xGx, cx, xx = float((x * Gx).sum()), float((c * x).sum()), float((x * x).sum())
        g = Gx - c
        g += eta * x
        i = int(g.argmin())
        gi, xi, Gxi, Gdi = float(g[i]), float(x[i]), float(Gx[i]), float(Gd[i])
        gd = gi - float((g * x).sum())
        dd = 1.0 - 2.0 * xi + xx
        den = (Gdi - 2.0 * Gxi + xGx) + eta * dd
        s = min(max(-gd / den, 0.0), 1.0) if den > 0 and dd > 1e-300 else 0.0
        if not math.isfinite(s):
            s = 0.0
        u = 1.0 - s
        x *= u
        x[i] += s
        Gx *= u
        Gx += s * G[i]
        xGx = u * u * xGx + 2.0 * s * u * Gxi + s * s * Gdi
        cx = u * cx + s * float(c[i])
        xx = u * u * xx + 2.0 * s * u * xi + s * s
        val = zeta2 * xx + max(xGx - 2.0 * cx + bb, 0.0) / m
        if t >= 1 and not (prev - val) > tol:
            break
        prev = val
    return x


def _sparsify(v: np.ndarray) -> np.ndarray:
    v = np.where(v <= v.max(axis=-1, keepdims=True) / 4, 0.0, v)
    return v / v.sum(axis=-1, keepdims=True)


def _fw_sparse(A, b, zeta, min_decrease, max_iter, intercept, x0=None, pre_iter=100):
    """The synthdid recipe: 100 Frank-Wolfe steps, sparsify (drop weights <= max/4), then run to convergence."""
    m = A.shape[1]
    eta, z2 = m * zeta ** 2, zeta ** 2
    x = _fw(A, b, eta, z2, x0, min_decrease, pre_iter, intercept)
    return _fw(A, b, eta, z2, _sparsify(x), min_decrease, max_iter, intercept)


def simplex_lstsq(A: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``argmin ||A w - b||`` over the simplex (w >= 0, sum w = 1), by non-negative least squares.

    The sum-to-one constraint is a heavily weighted extra row (Lawson-Hanson NNLS underneath); the
    result is renormalised. Accurate to ~1e-8 for well-scaled problems.
    """
    scale = max(float(np.abs(A).max()), 1e-12)
    big = 1e4 * scale
    Aa = np.vstack([A, np.full((1, A.shape[1]), big)])
    ba = np.concatenate([b, [big]])
    w, _ = optimize.nnls(Aa, ba, maxiter=50 * A.shape[1])
    s = w.sum()
    return w / s if s > 0 else np.full(A.shape[1], 1.0 / A.shape[1])


# --------------------------------------------------------------------------- one fit
def _noise_level(Y0pre: np.ndarray) -> float:
    """sd (n-1) of the first differences over time of the donors' pre-period outcomes."""
    if Y0pre.shape[1] < 2:
        return float(np.std(Y0pre, ddof=1)) if Y0pre.size > 1 else 1.0
    d = np.diff(Y0pre, axis=1).ravel()
    return float(np.std(d, ddof=1)) if d.size > 1 else 1.0


def _fit(Y: np.ndarray, N0: int, T0: int, method: str, opts: dict, X: np.ndarray | None = None) -> dict:
    """One fit: rows 0..N0-1 of ``Y`` are donors, the rest treated; columns 0..T0-1 are pre-periods."""
    if method == "sc" and X is not None:
        Y0, Y1 = Y[:N0], Y[N0:].mean(axis=0)
        omega, v = _adh_weights(X[:, :N0], X[:, N0:].mean(axis=1), Y0[:, :T0], Y1[:T0], opts.get("V"),
                                opts.get("v_mode", "search"))
        out = _finish(Y0[None], Y1[None], omega[None], np.zeros((1, T0)), T0, method)
        out = {k: val[0] for k, val in out.items()}
        out["V"] = v
        return out
    ctrl = np.arange(N0)[None]
    trt = np.arange(N0, Y.shape[0])[None]
    out = _fit_many(Y, ctrl, trt, T0, method, opts)
    return {k: val[0] for k, val in out.items()}


def _fit_many(Y: np.ndarray, ctrl: np.ndarray, trt: np.ndarray, T0: int, method: str, opts: dict,
              init: tuple | None = None) -> dict:
    """K fits at once: row k uses units ``ctrl[k]`` as donors and the mean of ``trt[k]`` as treated.

    ``opts`` carries the regularisation fixed at the original fit (as ``synthdid`` keeps ``zeta``
    fixed in its placebo replications). ``init`` = ``(omega0, lambda0)`` (K x N0, K x T0) starts
    Frank-Wolfe there instead of at uniform weights (``synthdid``'s bootstrap). Returns arrays with a
    leading dimension K.
    """
    om0, lam0 = (None, None) if init is None else init
    K, N0 = ctrl.shape
    Y0 = Y[ctrl]                      # K x N0 x T
    Y1 = Y[trt].mean(axis=1)          # K x T
    if method == "did":
        omega, lam = np.full((K, N0), 1.0 / N0), np.full((K, T0), 1.0 / T0)
    elif method == "sdid":
        post0 = Y0[:, :, T0:].mean(axis=2)
        lam = _fw_sparse(Y0[:, :, :T0], post0, opts["zeta_lambda"], opts["min_decrease"], opts["max_iter"], True,
                         lam0)
        omega = _fw_sparse(Y0[:, :, :T0].transpose(0, 2, 1), Y1[:, :T0], opts["zeta_omega"], opts["min_decrease"],
                           opts["max_iter"], True, om0)
    elif method == "sc":
        lam = np.zeros((K, T0))
        omega = _fw_sparse(Y0[:, :, :T0].transpose(0, 2, 1), Y1[:, :T0], opts["zeta_sc"], opts["min_decrease"],
                           opts["max_iter"], False, om0)
    else:  # pragma: no cover - checked by synth()
        raise ValueError(method)
    return _finish(Y0, Y1, omega, lam, T0, method)


def _finish(Y0, Y1, omega, lam, T0, method):
    synth_path = np.einsum("kn,knt->kt", omega, Y0)
    diff = Y1 - synth_path
    shift = (lam * diff[:, :T0]).sum(1) if method in ("sdid", "did") else np.zeros(len(diff))
    gap = diff - shift[:, None]
    return {"omega": omega, "lambda": lam, "shift": shift, "synthetic": synth_path + shift[:, None],
            "treated": Y1, "gap": gap, "estimate": gap[:, T0:].mean(axis=1)}


def _adh_weights(X0, X1, Z0, Z1, v_fixed=None, v_mode="search"):
    """ADH nested optimisation: predictor weights V (outer) and donor weights W(V) (inner).

    ``X0`` (k x N0) and ``X1`` (k) are standardised predictors; ``Z0`` (N0 x T0) and ``Z1`` (T0)
    the pre-period outcomes whose MSPE the outer problem minimises. V is parametrised by a softmax
    and searched by Nelder-Mead from equal weights and from inverse-variance-of-fit starts; with
    ``v_mode="synth"`` R ``Synth``'s own procedure is run instead (:mod:`synth_vsearch`). With
    ``v_fixed`` (k non-negative weights summing to one) the outer problem is skipped: W(v_fixed).
    """
    k = X0.shape[0]

    def inner(v):
        sv = np.sqrt(v)[:, None]
        return simplex_lstsq(sv * X0, sv[:, 0] * X1)

    if v_fixed is not None:
        v = np.asarray(v_fixed, float)
        return inner(v), v

    def loss(theta):
        v = np.exp(theta - theta.max())
        v /= v.sum()
        w = inner(v)
        return float(np.mean((Z1 - w @ Z0) ** 2))

    if k == 1:
        v = np.ones(1)
        return inner(v), v
    if v_mode == "synth":
        X = np.column_stack([X1, X0])
        Z = np.column_stack([Z1, Z0.T])
        v, _, _ = r_synth_v(lambda v_: float(np.mean((Z1 - inner(v_) @ Z0) ** 2)),
                            [np.full(k, 1.0 / k), regression_start(X, Z)])
        return inner(v), v
    best = None
    starts = [np.zeros(k)]
    # a data-driven start: weight predictors by how well they are matched by the outcome-fitted W
    w_out = simplex_lstsq(Z0.T, Z1)
    err = np.abs(X0 @ w_out - X1) + 1e-6
    starts.append(-np.log(err) + np.log(err).mean())
    for s in starts:
        res = optimize.minimize(loss, s, method="Nelder-Mead",
                                options={"maxiter": 400 * k, "xatol": 1e-4, "fatol": 1e-10})
        if best is None or res.fun < best.fun:
            best = res
    v = np.exp(best.x - best.x.max())
    v /= v.sum()
    return inner(v), v


# --------------------------------------------------------------------------- result
class SynthResult(Report):
    """Result of :func:`synth`: effect, weights, fit, trajectories and placebo inference.

    Attributes
    ----------
    estimate, std_error : the average post-period effect and its placebo SE (NaN if not computed).
    unit_weights : DataFrame ``unit, weight`` (donors, largest first).
    time_weights : DataFrame ``time, weight`` (pre-periods; SDID and DiD), or None.
    predictor_weights : Series (ADH with predictors), or None.
    pre_rmspe, post_rmspe : root mean squared gap before / after treatment.
    trajectory : DataFrame ``time, treated, synthetic, gap, post``.
    placebos : DataFrame per donor (fake treated): ``unit, estimate, pre_rmspe, post_rmspe, ratio``.
    rmspe_p_value : share of units (treated included) with a post/pre RMSPE ratio at least the treated one's.
    """

    def __init__(self, fit, *, method, y, unit, time, treated_units, donors, periods, T0, alpha, placebos,
                 se, se_info, notes, predictors, period_labels=None):
        self._fit = fit
        self.method = method
        self.y, self.unit, self.time = y, unit, time
        self.treated_units = list(treated_units)
        self.alpha = alpha
        self.estimate = float(fit["estimate"])
        self.std_error = se
        self.se_info = se_info
        self.notes = list(notes)
        pre = np.asarray(periods[:T0])
        self.treat_time = int(periods[T0])
        self.unit_weights = (pd.DataFrame({unit: list(donors), "weight": fit["omega"]})
                             .sort_values("weight", ascending=False, kind="stable", ignore_index=True))
        self.time_weights = (pd.DataFrame({time: pre, "weight": fit["lambda"]})
                             if method in ("sdid", "did") else None)
        self.predictor_weights = (pd.Series(fit["V"], index=predictors, name="V")
                                  if fit.get("V") is not None else None)
        gap = fit["gap"]
        self.pre_rmspe = float(np.sqrt(np.mean(gap[:T0] ** 2)))
        self.post_rmspe = float(np.sqrt(np.mean(gap[T0:] ** 2)))
        self.trajectory = pd.DataFrame({time: np.asarray(periods), "treated": fit["treated"],
                                        "synthetic": fit["synthetic"], "gap": gap,
                                        "post": np.arange(len(periods)) >= T0,
                                        "period": list(period_labels) if period_labels is not None
                                        else [str(v) for v in periods]})
        self.placebos = placebos
        self.rmspe_p_value = np.nan
        if placebos is not None and len(placebos):
            ratio = self.post_rmspe / self.pre_rmspe if self.pre_rmspe > 0 else np.inf
            self.rmspe_ratio = ratio
            self.rmspe_p_value = float((1 + np.sum(placebos["ratio"].to_numpy() >= ratio - 1e-12))
                                       / (1 + len(placebos)))
        self.nobs = len(donors) + len(self.treated_units)

    @property
    def label(self) -> str:
        return {"sc": "Synthetic control", "sdid": "Synthetic difference-in-differences",
                "did": "Difference-in-differences"}[self.method]

    @property
    def normal_p_value(self) -> float:
        """Two-sided p-value of the normal approximation with the placebo SE (NaN without an SE)."""
        se = self.std_error
        return float(2 * stats.norm.sf(abs(self.estimate / se))) if se and np.isfinite(se) and se > 0 else np.nan

    @property
    def p_value(self) -> float:
        """The one reported p-value: the placebo rank (RMSPE ratio) when placebos were run, else the normal
        approximation with the placebo SE; ``p_value_method`` says which."""
        return self.rmspe_p_value if np.isfinite(self.rmspe_p_value) else self.normal_p_value

    @property
    def p_value_method(self) -> str:
        if np.isfinite(self.rmspe_p_value):
            return f"placebo rank of the post/pre RMSPE ratio among {len(self.placebos) + 1} units"
        if np.isfinite(self.normal_p_value):
            return "normal approximation with the placebo standard error"
        return "none (no placebo fits and no standard error)"

    def tidy(self, alpha: float | None = None) -> pd.DataFrame:
        """One row ``ATT``: estimate, placebo SE, normal CI, the p-value and ``p_value_method`` naming it."""
        a = check_alpha(alpha) if alpha is not None else self.alpha
        q = stats.norm.ppf(1 - a / 2)
        se = self.std_error
        stat = self.estimate / se if se and np.isfinite(se) and se > 0 else np.nan
        return pd.DataFrame({"term": ["ATT"], "estimate": [self.estimate], "std_error": [se], "statistic": [stat],
                             "p_value": [self.p_value], "ci_low": [self.estimate - q * se],
                             "ci_high": [self.estimate + q * se], "p_value_method": [self.p_value_method]})

    def _header(self) -> list[str]:
        lines = [f"{self.label} ({self.method})",
                 f"Treated: {', '.join(map(str, self.treated_units))} from {self.time} = {self.treat_time}; "
                 f"{len(self.unit_weights)} donors; {len(self.trajectory)} periods "
                 f"({int((~self.trajectory['post']).sum())} before)",
                 f"Pre-period RMSPE: {self.pre_rmspe:.4g}; post-period RMSPE: {self.post_rmspe:.4g}"]
        if self.se_info:
            lines.append(f"Standard error: {self.se_info}")
        if np.isfinite(self.rmspe_p_value):
            lines.append(f"Placebo in space: post/pre RMSPE ratio {self.rmspe_ratio:.3g}, "
                         f"p = {self.rmspe_p_value:.4f} (rank among {len(self.placebos) + 1} units)")
        top = self.unit_weights[self.unit_weights["weight"] > 0.001].head(8)
        lines.append("Top donor weights: " + ", ".join(f"{u} {w:.3f}" for u, w in top.itertuples(index=False)))
        return lines

    def __repr__(self) -> str:
        return (f"<SynthResult {self.method}: ATT = {self.estimate:.4f} (SE {self.std_error:.4f}), "
                f"{len(self.unit_weights)} donors>")

    def plot(self, kind: str = "trajectory", ax=None):
        """``kind="trajectory"`` (treated vs synthetic), ``"gap"``, ``"placebo"`` (gaps of every
        placebo in grey) or ``"weights"`` (donor weights). Labels are Chinese + English."""
        import matplotlib.pyplot as plt

        from govstudy.plots import bilingual, cjk_figure

        if ax is None:
            _, ax = plt.subplots(figsize=(7, 4.2))
        tr = self.trajectory
        x = tr[self.time]
        treated = ", ".join(map(str, self.treated_units))
        if kind == "weights":
            w = self.unit_weights[self.unit_weights["weight"] > 1e-4].iloc[::-1]
            ax.barh(w[self.unit].astype(str), w["weight"], color="tab:blue")
            ax.set_xlabel(bilingual("权重", "weight"))
            ax.set_title(bilingual("对照单位权重", f"donor weights ({self.label})"))
            cjk_figure(ax.figure)
            return ax
        if kind == "trajectory":
            ax.plot(x, tr["treated"], color="black", lw=2, label=bilingual("处理单位", f"treated ({treated})"))
            ax.plot(x, tr["synthetic"], color="tab:blue", ls="--", lw=2,
                    label=bilingual("合成对照", f"synthetic ({self.method})"))
            ax.set_ylabel(self.y)
            if self.time_weights is not None and self.method == "sdid":
                tw = self.time_weights
                lo, hi = ax.get_ylim()
                ax.bar(tw[self.time], tw["weight"] * 0.25 * (hi - lo), bottom=lo, color="tab:orange", alpha=0.5,
                       width=0.8, label=bilingual("时间权重", "time weights"))
                ax.set_ylim(lo, hi)
        elif kind in ("gap", "placebo"):
            if kind == "placebo" and self._placebo_gaps is not None:
                for g in self._placebo_gaps:
                    ax.plot(x, g, color="grey", lw=0.7, alpha=0.5)
                ax.plot([], [], color="grey", lw=0.7, label=bilingual("安慰剂", "placebo (donors)"))
            ax.plot(x, tr["gap"], color="black", lw=2, label=bilingual("处理单位差值", f"gap ({treated})"))
            ax.axhline(0, color="grey", lw=0.8)
            ax.set_ylabel(bilingual("差值", f"gap in {self.y}"))
        else:
            raise ValueError("kind must be 'trajectory', 'gap', 'placebo' or 'weights'")
        first_post = int(np.argmax(tr["post"].to_numpy()))
        ax.axvline((x.iloc[first_post - 1] + x.iloc[first_post]) / 2, color="grey", ls=":", lw=1)
        if list(tr["period"]) != [str(v) for v in x]:          # calendar periods: label ticks as written
            step = max(1, len(x) // 8)
            ax.set_xticks(x.iloc[::step], tr["period"].iloc[::step], rotation=30)
        ax.set_xlabel(bilingual("时间", str(self.time)))
        ax.set_title(bilingual("处理单位与合成对照", f"{self.label}: ATT = {self.estimate:.2f}"))
        ax.legend(frameon=False, fontsize=8)
        cjk_figure(ax.figure)
        return ax

    _placebo_gaps = None
    covariate_coef = None


# --------------------------------------------------------------------------- main
def _predictor_matrix(p: Panel, predictors, periods, T0, order_units):
    """k x N matrix of predictors (unit order ``order_units``), each averaged over its periods."""
    rows, names = [], []
    pre = periods[:T0]
    for spec in predictors:
        if isinstance(spec, str):
            col, per = spec, pre
        else:
            col = spec[0]
            per = np.array([p.period_of(q, f'predictor {col!r} period') for q in np.atleast_1d(spec[1]).tolist()])
        if col not in p.data.columns:
            raise DataValidationError(f"predictor column {col!r} not found", column=col, rule="column-exists")
        bad = [q for q in per if q not in set(pre.tolist())]
        if bad:
            raise DataValidationError(f"predictor {col!r}: periods {bad} are not pre-treatment periods",
                                      column=col, rule="pre-period-predictor")
        W = p.wide(col)[:, np.isin(periods, per)]
        W = W[order_units]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            v = np.nanmean(W, axis=1)
        if np.isnan(v).any():
            u = p.units[order_units][np.flatnonzero(np.isnan(v))[0]]
            raise DataValidationError(f"predictor {col!r} is missing for unit {_show(u)} in every period used",
                                      column=col, rule="predictor-not-missing")
        rows.append(v)
        per = list(per)
        names.append(f"{col}(mean {per[0]}..{per[-1]})" if isinstance(spec, str) or len(per) > 3
                     else f"{col}({', '.join(map(str, per))})")
    X = np.vstack(rows)
    sd = X.std(axis=1, ddof=1, keepdims=True)
    sd[~np.isfinite(sd) | (sd == 0)] = 1.0
    return X / sd, names


V_MODES = ("search", "synth")


def _v_option(predictor_weights, predictors) -> tuple[np.ndarray | None, str]:
    """``(fixed V or None, search mode)`` from ``predictor_weights=``: None/"search", "synth" or k weights."""
    if predictor_weights is None:
        return None, "search"
    if predictors is None:
        raise ArgumentError("predictor_weights needs predictors")
    if isinstance(predictor_weights, str):
        check_choice(predictor_weights, "predictor_weights", V_MODES)
        return None, predictor_weights
    v = np.asarray(predictor_weights, float).ravel()
    if v.size != len(predictors):
        raise ArgumentError(f"predictor_weights has {v.size} values for {len(predictors)} predictors")
    if not np.isfinite(v).all() or (v < 0).any() or v.sum() <= 0:
        raise ArgumentError("predictor_weights must be finite, non-negative and not all zero")
    return v / v.sum(), "fixed"


@renamed({"treated": "treated_unit", "treatment_time": "treat_time", "t0": "treat_time",
          "controls": "donors", "donor_pool": "donors"})
def synth(data: pd.DataFrame | Panel, *, y: str | None = None, unit: str | None = None, time: str | None = None,
          treated_unit=None, treat_time=None, predictors: Sequence | None = None, method: str = "sc",
          vcov: str | None = "placebo", n_reps: int = 200, seed: int | None = None, placebo: bool = True,
          donors: Sequence | None = None, missing: str = "error", freq: str | None = None, alpha: float = 0.05,
          predictor_weights: Sequence[float] | None = None, covariates: Sequence[str] | None = None,
          cohort: str | None = None) -> SynthResult | StaggeredSynthResult:
    """Synthetic control (``"sc"``), synthetic DiD (``"sdid"``) or DiD (``"did"``) for treated unit(s).

    Parameters
    ----------
    data : long DataFrame (one row per unit and period) or Panel.
    y, unit, time : outcome, unit id and period columns (``time`` in any form :mod:`govstudy.periods` reads).
    treated_unit : id of the treated unit, or a list of ids treated at the same time (their mean path is
        the treated path); repeats are removed with a warning.
    treat_time : first treated period, written like the time column (``1989``, ``"1989"``, ``"2023-03"``).
    predictors : ADH predictors (``method="sc"`` only): column names (averaged over the pre-period) or
        ``(column, [periods])`` pairs, e.g. ``("PacksPerCapita", [1975])``.
    vcov : ``"placebo"`` (Arkhangelsky et al. Algorithm 4), ``"bootstrap"`` (Algorithm 2: units resampled,
        weights re-fitted starting from the fitted ones, as ``synthdid::vcov``; uses ``n_reps`` and
        ``seed``) or ``"jackknife"`` (Algorithm 3, weights fixed); both need more than one treated unit.
        Or None.
    n_reps, seed : placebo replications (>= 1; a warning below 99); when the distinct assignments number at
        most ``n_reps`` they are enumerated (exact limit, no randomness).
    placebo : also run placebo-in-space fits (RMSPE-ratio p-value, placebo gap plot).
    donors : restrict the donor pool (default: every other unit). Treated units are never donors: listed
        ones are excluded with a warning, and repeats are removed with a warning.
    missing : ``"error"`` (default) or ``"drop"`` -- donors with a missing outcome are dropped (warning).
    predictor_weights : fixed ADH predictor weights V (needs ``predictors``): one non-negative weight per
        predictor, in the order of ``predictors``, applied to the standardised predictors (each divided by
        its standard deviation across units, as R's ``Synth``); rescaled to sum to one. The outer
        optimisation is then skipped and the donor weights are ``W(V)``; placebo fits use the same V.
        Passing a result's ``predictor_weights`` reproduces its fit. Or a search for V (minimising the
        pre-period outcome MSPE): None or ``"search"`` (default; Nelder-Mead on a softmax of V from two
        starts) or ``"synth"``: R ``Synth``'s procedure (Nelder-Mead and BFGS from equal weights and from
        the regression-based start, the best kept; :mod:`govstudy.estimators.synth_vsearch`), which
        reproduces R's published weights. The outer loss has local minima, so the two searches can end
        at different V and W: on the Basque data with raw school counts the default finds a lower MSPE
        (0.0043) than R's procedure (0.0089), with other donor weights.
    covariates : time-varying covariate columns (not with ``predictors``). The outcome is residualised
        on them by the "projected" method (Kranz 2022; Stata ``sdid ..., covariates(x, projected)``):
        ``y - x'beta`` with ``beta`` from OLS of ``y`` on ``x`` with unit and period fixed effects on the
        untreated observations; the chosen method is then run on the residualised outcome, which is what
        ``trajectory`` shows. ``covariate_coef`` holds ``beta``.
    cohort : column with each unit's first treated period, instead of ``treated_unit``/``treat_time``:
        staggered adoption. Never treated = 0, NaN, blank or +-inf (the :class:`~govstudy.panel.Panel`
        rules, as ``att_gt``); units treated from the first period on are dropped with a warning. Each
        cohort is fitted against the never-treated units alone (``donors``, if given, must be never
        treated; other arguments passed on) and the ATT weights the cohorts by their
        treated unit-periods (Clarke, Pailañir, Athey & Imbens, Stata ``sdid``): a
        :class:`StaggeredSynthResult`.

    Returns
    -------
    SynthResult; its one ``p_value`` is named by ``p_value_method`` (placebo rank, or normal approximation).

    Example
    -------
    >>> import govstudy
    >>> df = govstudy.load("california_prop99")
    >>> r = synth(df, y="PacksPerCapita", unit="State", time="Year", treated_unit="California",
    ...           treat_time=1989, method="sdid", vcov=None, placebo=False)
    >>> round(r.estimate, 1), round(float(r.unit_weights["weight"].sum()), 6)
    (-15.6, 1.0)
    """
    check_choice(method, "method", ("sc", "sdid", "did"))
    if cohort is not None:
        if treated_unit is not None or treat_time is not None:
            raise ArgumentError("pass either cohort= (staggered adoption) or treated_unit= and treat_time=, not both")
        kw = dict(y=y, unit=unit, time=time, method=method, vcov=vcov, n_reps=n_reps, seed=seed, placebo=placebo,
                  missing=missing, freq=freq, alpha=alpha, covariates=covariates, predictors=predictors,
                  predictor_weights=predictor_weights)
        fits = fit_cohorts(data, cohort=cohort, unit=unit, time=time, y=y, freq=freq, donors=donors,
                           fit_one=lambda sub, **c: synth(sub, **kw, **c))
        return StaggeredSynthResult(fits, method=method, cohort=cohort, alpha=alpha, notes=[])
    if vcov not in ("placebo", "bootstrap", "jackknife", None):
        raise ArgumentError(f"vcov must be 'placebo', 'bootstrap', 'jackknife' or None, got {vcov!r}")
    check_choice(missing, "missing", ("error", "drop"))
    alpha = check_alpha(alpha)
    n_reps = check_count(n_reps, "n_reps")
    seed = check_seed(seed)
    if predictors is not None and method != "sc":
        raise ArgumentError("predictors are used by method='sc' (ADH) only")
    covariates = None if covariates is None else ([covariates] if isinstance(covariates, str) else list(covariates))
    if covariates is not None and predictors is not None:
        raise ArgumentError("covariates (residualising the outcome) and predictors (ADH matching) cannot be "
                            "combined; pass one of them")
    if treated_unit is None or treat_time is None:
        raise ArgumentError("synth needs treated_unit= (an id or a list of ids) and treat_time= (first treated period)")
    predictors = None if predictors is None else ([predictors] if isinstance(predictors, str) else list(predictors))
    v_fixed, v_mode = _v_option(predictor_weights, predictors)
    pcols = [] if predictors is None else [s_ if isinstance(s_, str) else s_[0] for s_ in predictors]
    p = as_panel(data, unit=unit, time=time, y=y, covariates=sorted((set(pcols) | set(covariates or [])) - {y})
                 or None, freq=freq)
    unit, time, y = p.unit, p.time, p.y
    units = p.units
    treated = unique_names(treated_unit, "treated_unit")
    for t in treated:
        if t not in units:
            near = [str(u) for u in units[:8]]
            same_text = [u for u in units if str(u) == str(t)]
            hint = (f"; the unit ids are {type(units[0]).__name__}s: did you mean {same_text[0]!r}?" if same_text
                    else "")
            raise DataValidationError(f"treated unit {_show(t)} not found among the {len(units)} units "
                                      f"(e.g. {near}){hint}", column=unit, rule="treated-unit-exists")
    periods = p.periods
    tt = p.period_of(treat_time, "treat_time")
    if tt not in set(periods.tolist()):
        raise DataValidationError(f"treat_time {treat_time!r} is not a period in the data "
                                  f"({p.period_labels[0]}..{p.period_labels[-1]})", column=time,
                                  rule="treat-time-exists")
    treat_time = tt
    T0 = int(np.searchsorted(periods, treat_time))
    if T0 == 0:
        raise DataValidationError(f"no pre-treatment period: treatment starts at {p.period_map.label(treat_time)}, the "
                                  "first period in the data; synthetic control needs earlier periods",
                                  column=time, rule="has-pre-period")
    if T0 == len(periods):
        raise DataValidationError(f"no post-treatment period at or after {treat_time}", column=time,
                                  rule="has-post-period")
    tr_idx = [int(units.get_loc(t)) for t in treated]
    if donors is None:
        co_idx = [i for i in range(len(units)) if i not in set(tr_idx)]
    else:
        donors = unique_names(donors, "donors")
        listed_treated = [d for d in donors if d in treated]
        if listed_treated:
            warn(f"donors lists the treated unit(s) {listed_treated}: a treated unit is "
                          "never a donor, so they are excluded from the donor pool", SampleWarning)
        co_idx = []
        for d in donors:
            if d in treated:
                continue
            if d not in units:
                raise DataValidationError(f"donor {_show(d)} not found", column=unit, rule="donor-exists")
            co_idx.append(int(units.get_loc(d)))
    W = p.wide()
    notes = []
    # the treated unit must be complete in its own right
    for i in tr_idx:
        miss = np.flatnonzero(np.isnan(W[i]))
        if miss.size:
            raise DataValidationError(f"treated unit {_show(units[i])} has a missing outcome in period(s) "
                                      f"{p.period_map.labels(periods[miss])}: synthetic control needs every treated "
                                      "unit observed in every period (missing='drop' drops donors only); impute "
                                      "those periods or leave the unit out", column=y, rule="treated-complete")
    bad = [i for i in co_idx if np.isnan(W[i]).any()]
    if bad:
        desc = "; ".join(f"{_show(units[i])} ({p.period_map.labels(periods[np.isnan(W[i])][:5])})" for i in bad[:5])
        if missing == "error":
            raise DataValidationError(
                f"{len(bad)} donor(s) have missing outcomes (unit (periods)): {desc}. Synthetic control needs "
                "every donor observed in every period: impute them, or pass missing='drop' to drop these "
                "donors", column=y, rule="donor-complete")
        warn(f"dropped {len(bad)} donor(s) with missing outcomes: {desc}", SampleWarning)
        notes.append(f"{len(bad)} donor(s) with missing outcomes dropped")
        co_idx = [i for i in co_idx if i not in set(bad)]
    if len(co_idx) < 2:
        raise DataValidationError(f"need at least 2 donors, found {len(co_idx)}", column=unit,
                                  rule="enough-donors")
    order = np.array(co_idx + tr_idx)
    Y = W[order]
    N0 = len(co_idx)
    N1, T1 = len(tr_idx), len(periods) - T0
    beta = None
    if covariates is not None:
        Xc = np.stack([p.wide(c)[order] for c in covariates])
        untreated = np.ones(Y.shape, bool)
        untreated[N0:, T0:] = False
        beta = projected_beta(Y, Xc, untreated)
        Y = Y - np.tensordot(beta, Xc, axes=1)
        if np.isnan(Y).any():
            raise DataValidationError("covariates have missing values; SDID with covariates needs them in "
                                      "every unit and period", rule="covariates-complete")
        notes.append("outcome residualised on " + ", ".join(covariates) + " (projected: unit and period fixed "
                     "effects, fitted on untreated observations)")
    noise = _noise_level(Y[:N0, :T0])
    opts = {"zeta_omega": (N1 * T1) ** 0.25 * noise, "zeta_lambda": 1e-6 * noise, "zeta_sc": 1e-6 * noise,
            "min_decrease": 1e-5 * noise, "max_iter": 10_000, "V": v_fixed,
            "v_mode": v_mode}
    X = pnames = None
    if predictors is not None:
        X, pnames = _predictor_matrix(p, predictors, periods, T0, order)
    fit = _fit(Y, N0, T0, method, opts, X)
    _check_fit(fit, Y, N0, T0, method, treated, notes)
    if fit.get("V") is not None and v_fixed is None and float(np.max(fit["V"])) >= 0.99:
        top = pnames[int(np.argmax(fit["V"]))]
        notes.append(f"the optimised predictor weights V put {float(np.max(fit['V'])):.1%} on {top}: at such a "
                     "corner the treated unit is often matched exactly on the few weighted predictors and the "
                     "donor weights are not unique (Kloessner et al. 2018); check robustness with "
                     "predictor_weights= or other predictors")

    placebos = gaps = None
    if placebo:
        pf = _fit_fakes(Y, np.arange(N0)[:, None], N0, T0, method, opts, X)
        g = pf["gap"]
        pre, post = np.sqrt(np.mean(g[:, :T0] ** 2, axis=1)), np.sqrt(np.mean(g[:, T0:] ** 2, axis=1))
        with np.errstate(divide="ignore"):
            ratio = np.where(pre > 0, post / np.where(pre > 0, pre, 1.0), np.inf)
        placebos = pd.DataFrame({unit: units[co_idx], "estimate": pf["estimate"], "pre_rmspe": pre,
                                 "post_rmspe": post, "ratio": ratio})
        gaps = list(g)
        if N1 > 1:
            notes.append(f"placebo in space: each donor alone is compared with the mean of the {N1} treated "
                         "units (a single unit's path is noisier than a mean of several; the RMSPE-ratio "
                         "p-value is then conservative)")
    se, se_info = np.nan, ""
    if vcov == "placebo":
        se, se_info = _placebo_se(Y, N0, N1, T0, method, opts, X, n_reps, seed, placebos)
    elif vcov == "jackknife":
        se = jackknife_se(Y, N0, T0, fit["omega"], fit["lambda"])
        se_info = "jackknife (Arkhangelsky et al. 2021, Algorithm 3), leave one unit out, weights fixed"
    elif vcov == "bootstrap":
        if X is not None:
            raise ArgumentError("vcov='bootstrap' is not available with ADH predictors; use 'jackknife' or "
                                "'placebo'")

        def refit(Yb, n0, omega0):
            init = (omega0[None], fit["lambda"][None])
            out = _fit_many(Yb, np.arange(n0)[None], np.arange(n0, len(Yb))[None], T0, method, opts, init)
            return float(out["estimate"][0])

        se = bootstrap_se(Y, N0, T0, fit["omega"], n_reps, seed, refit)
        se_info = (f"bootstrap (Arkhangelsky et al. 2021, Algorithm 2), {n_reps} unit resamples, weights "
                   f"re-fitted from the fitted ones (seed {seed})")
    res = SynthResult(fit, method=method, y=y, unit=unit, time=time, treated_units=treated,
                      donors=units[co_idx], periods=periods, T0=T0, alpha=alpha, placebos=placebos, se=se,
                      se_info=se_info, notes=notes, predictors=pnames, period_labels=p.period_labels)
    res._placebo_gaps = gaps
    res.covariate_coef = None if beta is None else pd.Series(beta, index=covariates, name="coef")
    return res


def _check_fit(fit, Y, N0, T0, method, treated, notes):
    """Warn when the treated pre-period path lies outside the donors' range (outside their convex hull)."""
    y1 = fit["treated"][:T0]
    Y0 = Y[:N0, :T0]
    if method == "sc":
        out = (y1 > Y0.max(axis=0) + 1e-12) | (y1 < Y0.min(axis=0) - 1e-12)
        scale = np.std(y1) if T0 > 1 else abs(float(y1.mean()))
    else:  # with an intercept only the shape matters: compare deviations from the pre-period mean
        d1, d0 = y1 - y1.mean(), Y0 - Y0.mean(axis=1, keepdims=True)
        out = (d1 > d0.max(axis=0) + 1e-12) | (d1 < d0.min(axis=0) - 1e-12)
        scale = np.std(y1)
    rmspe = float(np.sqrt(np.mean(fit["gap"][:T0] ** 2)))
    msg = None
    if out.mean() > 0.5:
        msg = (f"the treated unit {treated} lies outside the donors' range in {int(out.sum())} of {T0} "
               f"pre-treatment periods: it is outside the donors' convex hull and the synthetic control "
               f"cannot reproduce it (pre-period RMSPE {rmspe:.4g})")
    elif scale > 0 and rmspe > 0.5 * scale:
        msg = (f"poor pre-treatment fit: RMSPE {rmspe:.4g} is more than half the treated unit's own "
               f"pre-period standard deviation ({scale:.4g})")
    if msg and method == "did":  # DiD does not try to fit the path: report, do not warn
        notes.append(msg + " (DiD assumes parallel trends, which the pre-period gap calls into question)")
    elif msg:
        warn(msg + "; the estimate is not credible.", PoorFitWarning)
        notes.append(msg)


def _fit_fakes(Y, fakes, N0, T0, method, opts, X, chunk=256):
    """Fits with the donors in each row of ``fakes`` (K x N1) as fake treated units, the other donors as
    controls (the real treated units are left out)."""
    K, N1 = fakes.shape
    ctrl = np.array([[i for i in range(N0) if i not in set(f)] for f in fakes.tolist()], dtype=np.int64)
    if method == "sc" and X is not None:
        outs = [_fit(Y[np.r_[c, f]], N0 - N1, T0, method, opts, X[:, np.r_[c, f]]) for c, f in zip(ctrl, fakes)]
        return {k: np.array([o[k] for o in outs]) for k in ("estimate", "gap")}
    parts = [_fit_many(Y, ctrl[s:s + chunk], fakes[s:s + chunk], T0, method, opts) for s in range(0, K, chunk)]
    return {k: np.concatenate([p_[k] for p_ in parts]) for k in ("estimate", "gap")}


def _placebo_se(Y, N0, N1, T0, method, opts, X, n_reps, seed, placebos):
    """Placebo SE (Arkhangelsky et al. 2021, Algorithm 4), enumerating assignments when feasible.

    ``sqrt((B-1)/B) * sd(estimates)`` over B random assignments of the treatment to N1 donors, i.e.
    the population standard deviation; with all assignments enumerated, its exact limit.
    """
    if N0 <= N1:
        raise DataValidationError(f"the placebo SE needs more donors ({N0}) than treated units ({N1})",
                                  rule="more-donors-than-treated")
    n_assign = math.comb(N0, N1)
    if n_assign <= n_reps:
        if N1 == 1 and placebos is not None:
            vals = placebos["estimate"].to_numpy()
        else:
            fakes = np.array(list(itertools.combinations(range(N0), N1)), dtype=np.int64)
            vals = _fit_fakes(Y, fakes, N0, T0, method, opts, X)["estimate"]
        return float(np.std(vals)), (f"placebo (Arkhangelsky et al. 2021, Algorithm 4), all {n_assign} "
                                     "assignments of the treatment to donors enumerated")
    rng = np.random.default_rng(seed)
    draws = np.sort(np.array([rng.choice(N0, N1, replace=False) for _ in range(n_reps)]), axis=1)
    uniq, inv = np.unique(draws, axis=0, return_inverse=True)
    est = _fit_fakes(Y, uniq, N0, T0, method, opts, X)["estimate"]
    vals = est[np.ravel(inv)]
    return float(np.std(vals)), (f"placebo (Arkhangelsky et al. 2021, Algorithm 4), {n_reps} random "
                                 f"assignments (seed {seed})")
