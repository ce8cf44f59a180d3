"""Borusyak, Jaravel & Spiess (2024) imputation estimator for staggered adoption.

Unit and period effects are fitted by least squares on the untreated observations only (never treated, and
treated units before their cohort); for every treated observation Y(0) is imputed from them and
``tau_it = Y_it - a_i - b_t``. An estimand is a weighted average of the ``tau_it``: ``"simple"`` (all treated
observations), ``"dynamic"`` (one per horizon e = t - cohort) or ``"group"`` (one per cohort).

Each estimate is linear in the outcomes, ``sum_it v_it Y_it``, with ``v_it`` the estimand's weight on a
treated observation and minus its imputation weight on an untreated one. The conservative variance of BJS
(Theorem 3, as their Stata ``did_imputation``) is ``sum_c (sum_{it in c} v_it e_it)^2`` over clusters c
(units by default), with ``e_it`` the first-step residual on untreated observations and ``tau_it`` minus
its (cohort, period) average on treated ones, averaged with the weights ``W_c = sum_{it in c, cell} v_it``
(``sum_c W_c sum_{it in c} v_it tau_it / sum_c W_c^2``). No leave-out correction.

The pre-trend test (BJS Test 1) uses the untreated observations only: the outcome on unit and period effects
and indicators of the ``pretrends`` periods before treatment, with a joint F test (clustered like the
estimates) that their coefficients are zero.

Why our own code: the estimator is one sparse least-squares fit and a few sparse solves; the Python port of
the Stata command works through data frames and one weight column per estimand, and does not read a
``govstudy.Panel``. Point estimates equal those of pyfixest's ``did2s`` and of that port (tested).

>>> import govstudy
>>> res = govstudy.did_imputation(govstudy.load("mpdta"), y="lemp", unit="countyreal", time="year",
...                               cohort="first.treat")
>>> round(res.estimate, 4), round(float(res.aggregate("dynamic").coef["e=0"]), 4)
(-0.0477, -0.0311)
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy import stats
from scipy.sparse.linalg import splu

from govstudy.arguments import R_DID_NAMES, check_alpha, check_choice, check_int, renamed
from govstudy.errors import ArgumentError, DataValidationError, SampleWarning, warn
from govstudy.estimators.results import EstimationResult, tidy_frame
from govstudy.estimators.ols import fe_ols
from govstudy.panel import Panel, as_panel

__all__ = ["did_imputation", "ImputationResult"]


class ImputationResult(EstimationResult):
    """Imputation estimates (Borusyak, Jaravel & Spiess 2024) of one aggregation.

    ``kind`` is ``"simple"``, ``"dynamic"`` or ``"group"``; ``.coef``/``.vcov`` hold its terms (``ATT``; or
    ``e=h`` per horizon plus their equal-weight average ``avg(e)``; or ``cohort=g`` per cohort plus ``ATT``
    over them), normal-based inference. ``.pretrend`` is BJS's pre-trend test on untreated observations.
    ``.aggregate(kind, horizons=)`` gives another aggregation from the same fit.
    """

    def __init__(self, *args, kind, extra, pretrend, fit, **kw):
        super().__init__(*args, **kw)
        self.kind = kind
        self.extra = extra            # DataFrame per term: event_time / cohort / n_treated
        self.pretrend = pretrend
        self._fit = fit

    def aggregate(self, kind: str = "simple", horizons=None) -> "ImputationResult":
        """``"simple"``, ``"dynamic"`` (horizons e = t - cohort, all observed by default) or ``"group"``."""
        return _aggregate(self._fit, kind, horizons, self.pretrend, self.alpha)

    def tidy(self, alpha: float | None = None) -> pd.DataFrame:
        """TIDY_CORE columns, then ``event_time`` (dynamic), ``cohort`` (group) and ``n_treated``."""
        t = super().tidy(alpha)
        return tidy_frame(pd.concat([t, self.extra.reset_index(drop=True)], axis=1))

    def _header(self) -> list[str]:
        lines = super()._header()
        p = self.pretrend
        if p is not None:
            lines.append(f"Pre-trend test (untreated obs., {p['df1']} leads = 0): "
                         + (f"F({p['df1']}, {p['df2']}) = {p['stat']:.3f}, p = {p['p_value']:.4f}"
                            if np.isfinite(p["p_value"]) else "not available (singular variance)"))
        return lines

    def plot(self, ax=None):
        """Dynamic: estimates by horizon; otherwise the coefficient plot. Returns the Axes."""
        if self.kind != "dynamic":
            return super().plot(ax=ax)
        import matplotlib.pyplot as plt
        from govstudy.plots import cjk_figure

        t = self.tidy()
        t = t[t["event_time"].notna()]
        if ax is None:
            _, ax = plt.subplots(figsize=(7, 4))
        ax.errorbar(t["event_time"], t["estimate"], yerr=[t["estimate"] - t["ci_low"], t["ci_high"] - t["estimate"]],
                    fmt="o", capsize=3, color="tab:blue")
        ax.axhline(0, color="black", lw=0.8)
        ax.set_xlabel("periods since treatment")
        ax.set_ylabel(f"effect ({int(100 * (1 - self.alpha))}% CI)")
        ax.set_title(self.method)
        cjk_figure(ax.figure)
        return ax


@renamed(dict(R_DID_NAMES, i="unit", t="time", Ei="cohort", aw="weights"))
def did_imputation(data: pd.DataFrame | Panel, *, y: str | None = None, unit: str | None = None,
                   time: str | None = None, cohort: str | None = None, treat: str | None = None,
                   kind: str = "simple", horizons=None, pretrends: int | None = None, weights: str | None = None,
                   cluster: str | None = None, freq: str | None = None, mid_period: str | None = None,
                   alpha: float = 0.05) -> ImputationResult:
    """Imputation estimator of Borusyak, Jaravel & Spiess (2024) with their conservative clustered SEs.

    Parameters
    ----------
    data : long DataFrame or Panel (a Panel brings its columns).
    y, unit, time : columns; ``time`` in any form :mod:`govstudy.periods` reads.
    cohort : first treated period (never treated: 0, NaN, blank, ±inf), or ``treat`` : absorbing 0/1.
    kind : ``"simple"`` (default), ``"dynamic"`` or ``"group"``; ``.aggregate()`` gives the others.
    horizons : event times e >= 0 for ``"dynamic"`` (default: every one observed).
    pretrends : number of pre-treatment periods in the pre-trend test (default: up to 3, fewer when the
        data have fewer leads than 4); 0 skips it.
    weights : observation weights (weighted first step and weighted averages of ``tau_it``).
    cluster : a unit-level column (default: clustered by unit).

    Units treated in every observed period and treated observations in periods without untreated ones have
    no imputed Y(0): they are left out with a :class:`SampleWarning`.

    Example
    -------
    >>> import numpy as np, pandas as pd
    >>> from govstudy import did_imputation
    >>> df = pd.DataFrame({"id": np.repeat(np.arange(30), 6), "t": np.tile(np.arange(1, 7), 30)})
    >>> df["g"] = np.where(df.id < 10, 4, np.where(df.id < 20, 5, 0))
    >>> df["y"] = 0.1 * df.id + 0.2 * df.t + 2.0 * ((df.g > 0) & (df.t >= df.g))
    >>> round(did_imputation(df, y="y", unit="id", time="t", cohort="g").estimate, 6)
    2.0
    """
    check_choice(kind, "kind", ("simple", "dynamic", "group"))
    alpha = check_alpha(alpha)
    if pretrends is not None:
        pretrends = check_int(pretrends, "pretrends", minimum=0)
    if cluster is not None and not isinstance(cluster, str):
        raise ArgumentError(f"cluster= is one column name (two-way clustering is not supported), got {cluster!r}")
    p = as_panel(data, unit=unit, time=time, y=y, cohort=cohort, treat=treat, weights=weights, cluster=cluster,
                 freq=freq, mid_period=mid_period)
    if p.y is None:
        raise ArgumentError("did_imputation needs y= (the outcome)")
    if p.cohort_values is None:
        raise ArgumentError("did_imputation needs cohort= (first treated period) or treat= (absorbing 0/1)")
    fit = _first_step(p)
    pre = _pretrend(p, fit, pretrends)
    return _aggregate(fit, kind, horizons, pre, alpha)


def _first_step(p: Panel) -> dict:
    """Unit and period effects on the untreated rows; tau and what the variance needs."""
    notes = []
    uneven = p.warn_uneven("did_imputation")
    if uneven:
        notes.append(uneven)
    rows = p.complete_rows(estimator="did_imputation")
    G, tv, uc = p.cohort_codes, p.time_codes, p.unit_codes
    treated = (G >= 0) & (tv >= G)
    if not (treated & rows).any():
        raise DataValidationError("no treated observation with an observed outcome (every cohort is never treated, "
                                  "adopts after the last period, or has a missing outcome from adoption on)",
                                  column=p.cohort_col, rule="treated-cohorts")
    untr = rows & ~treated
    no_unit = treated & rows & ~np.isin(uc, uc[untr])
    no_time = treated & rows & ~np.isin(tv, tv[untr]) & ~no_unit
    for m, why in ((no_unit, "of units with no untreated period (treated from their first observed period on)"),
                   (no_time, ("in periods in which every unit is treated (no untreated observation to fit the "
                              "period effect)"))):
        if m.any():
            msg = f"did_imputation: {int(m.sum())} treated observation(s) {why} have no imputed Y(0); left out"
            notes.append(msg)
            warn(msg, SampleWarning)
    tr = treated & rows & ~no_unit & ~no_time
    if not tr.any():
        raise DataValidationError("no treated observation can be imputed: every treated unit lacks untreated "
                                  "periods, or every untreated period lacks untreated units", column=p.cohort_col,
                                  rule="imputable")
    i0, i1 = np.flatnonzero(untr), np.flatnonzero(tr)
    units = np.unique(uc[i0])
    periods = np.unique(tv[i0])
    Z = _design(uc, tv, units, periods)
    w = np.ones(len(uc)) if p.weight_values is None else np.asarray(p.weight_values, float)
    Z0, Z1 = Z[i0], Z[i1]
    A = (Z0.T @ sp.diags(w[i0]) @ Z0).tocsc()
    try:
        lu = splu(A)
    except RuntimeError:
        raise DataValidationError("the unit and period effects are not identified from the untreated observations "
                                  "(units and periods fall into disconnected groups)", column=p.unit,
                                  rule="connected") from None
    yv = p.y_values
    beta = lu.solve(Z0.T @ (w[i0] * yv[i0]))
    resid0 = yv[i0] - Z0 @ beta
    tau = yv[i1] - Z1 @ beta
    cl = uc if p.cluster_col is None else p.cluster_codes
    return {"p": p, "i0": i0, "i1": i1, "Z0": Z0, "Z1": Z1, "lu": lu, "w": w, "resid0": resid0, "tau": tau,
            "cl": cl, "e": (tv - G)[i1], "g": G[i1], "t": tv[i1], "notes": notes}


def _design(uc, tv, units, periods):
    """Sparse unit dummies and period dummies (first fitted period left out) for every row."""
    n = len(uc)
    cu = np.searchsorted(units, uc)
    ct = np.searchsorted(periods, tv)
    cu = np.where((cu < len(units)) & (units[np.minimum(cu, len(units) - 1)] == uc), cu, -1)
    ct = np.where((ct < len(periods)) & (periods[np.minimum(ct, len(periods) - 1)] == tv), ct, -1)
    r1 = np.flatnonzero(cu >= 0)
    r2 = np.flatnonzero(ct >= 1)
    rows = np.concatenate([r1, r2])
    cols = np.concatenate([cu[r1], len(units) + ct[r2] - 1])
    return sp.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(n, len(units) + len(periods) - 1))


def _aggregate(fit: dict, kind: str, horizons, pretrend, alpha) -> ImputationResult:
    check_choice(kind, "kind", ("simple", "dynamic", "group"))
    p, e, g, w1 = fit["p"], fit["e"], fit["g"], fit["w"][fit["i1"]]
    if horizons is not None and kind != "dynamic":
        raise ArgumentError(f"horizons= applies to kind='dynamic', not kind={kind!r}")
    if kind == "simple":
        sets, names_, extra = [np.ones(len(e), bool)], ["ATT"], pd.DataFrame({"n_treated": [len(e)]})
    elif kind == "dynamic":
        avail = sorted(int(v) for v in np.unique(e))
        hs = avail if horizons is None else [check_int(h, "horizons") for h in np.atleast_1d(horizons)]
        missing = [h for h in hs if h not in avail]
        if missing:
            raise ArgumentError(f"horizons {missing} have no imputed treated observation; the horizons (e = t - "
                                f"cohort) available are {avail}")
        sets = [e == h for h in hs]
        names_ = [f"e={h}" for h in hs]
        extra = pd.DataFrame({"event_time": hs, "n_treated": [int(s.sum()) for s in sets]})
    else:
        gl = np.unique(g)
        sets = [g == c for c in gl]
        labels = [p.period_map.label(p.periods[c]) for c in gl]
        names_ = [f"cohort={lab}" for lab in labels]
        extra = pd.DataFrame({"cohort": labels, "n_treated": [int(s.sum()) for s in sets]})
    W = np.column_stack([s * w1 / (s * w1).sum() for s in sets])
    if kind == "dynamic":
        W = np.column_stack([W, W.mean(1)])
        names_.append("avg(e)")
        extra = pd.concat([extra, pd.DataFrame({"n_treated": [len(e)] if horizons is None
                                                else [int(np.any(sets, axis=0).sum())]})], ignore_index=True)
    elif kind == "group":
        s = np.any(sets, axis=0)
        W = np.column_stack([W, s * w1 / (s * w1).sum()])
        names_.append("ATT")
        extra = pd.concat([extra, pd.DataFrame({"n_treated": [int(s.sum())]})], ignore_index=True)
    est = W.T @ fit["tau"]
    S = _score_sums(fit, W)
    V = S.T @ S
    coef = pd.Series(est, index=names_)
    vcov = pd.DataFrame(V, index=names_, columns=names_)
    headline = {"simple": "ATT", "dynamic": "avg(e)", "group": "ATT"}[kind]
    clus = p.unit if p.cluster_col is None else p.cluster_col
    info = {"Aggregation": kind, "Fixed effects (first step, untreated obs.)": f"{p.unit}, {p.time}",
            "Untreated / imputed treated obs.": f"{len(fit['i0'])} / {len(fit['i1'])}",
            "Standard errors": f"BJS conservative, clustered by {clus} ({len(np.unique(fit['cl']))} clusters)"}
    res = ImputationResult(coef, vcov, None, headline, "Imputation estimator (Borusyak, Jaravel & Spiess 2024)",
                           len(fit["i0"]) + len(fit["i1"]), info, fit["notes"], alpha, kind=kind, extra=extra,
                           pretrend=pretrend, fit=fit)
    return res


def _score_sums(fit: dict, W: np.ndarray) -> np.ndarray:
    """clusters x estimands: ``sum_{it in c} v_it e_it`` with BJS's residuals (module docstring)."""
    i0, i1, w, cl = fit["i0"], fit["i1"], fit["w"], fit["cl"]
    # v on untreated rows: -w0 * Z0 (Z0' W0 Z0)^{-1} Z1' W
    a = fit["lu"].solve(np.asarray(fit["Z1"].T @ W))
    v0 = -(w[i0][:, None] * np.asarray(fit["Z0"] @ a))
    codes, cl_idx = np.unique(cl, return_inverse=True)
    c0, c1 = cl_idx[i0], cl_idx[i1]
    C = len(codes)
    cells = pd.factorize(pd.MultiIndex.from_arrays([fit["g"], fit["t"]]))[0]
    nc = cells.max() + 1
    key = c1 * nc + cells                                # (cluster, cell) of each treated row
    cell_of = np.arange(C * nc) % nc
    tau = fit["tau"]
    S = np.zeros((C, W.shape[1]))
    np.add.at(S, c0, v0 * fit["resid0"][:, None])
    for k in range(W.shape[1]):
        v = W[:, k]
        Wc = np.bincount(key, weights=v, minlength=C * nc)
        Sc = np.bincount(key, weights=v * tau, minlength=C * nc)
        den = np.bincount(cell_of, weights=Wc ** 2, minlength=nc)
        num = np.bincount(cell_of, weights=Wc * Sc, minlength=nc)
        tbar = num / np.where(den > 0, den, 1.0)          # cells without weight in this estimand: v = 0 there
        S[:, k] += np.bincount(c1, weights=v * (tau - tbar[cells]), minlength=C)
    return S


def _pretrend(p: Panel, fit: dict, K: int | None) -> dict | None:
    """BJS Test 1: leads 1..K of treatment on the untreated rows, joint F test (clustered like the estimates)."""
    i0 = fit["i0"]
    G, tv = p.cohort_codes[i0], p.time_codes[i0]
    lead = np.where(G >= 0, G - tv, 0)                   # 1 = the period before adoption
    avail = int(lead.max()) if len(lead) else 0
    if K == 0:
        return None
    if K is None:
        K = min(3, avail - 1)
        if K < 1:
            return None
    elif K > avail - 1:
        raise ArgumentError(f"pretrends={K}: the untreated observations have leads 1..{avail} before treatment; "
                            f"at most {max(avail - 1, 0)} can be tested (one more would be collinear with the "
                            "unit effects)")
    names_ = [f"lead{k}" for k in range(1, K + 1)]
    X = np.column_stack([(lead == k).astype(float) for k in range(1, K + 1)])
    w = None if p.weight_values is None else fit["w"][i0]
    cl = fit["cl"][i0]
    r = fe_ols(p.y_values[i0], X, names_, [p.unit_codes[i0], tv], [p.unit, p.time], w, "cluster", cl,
               p.cluster_col or p.unit, drop_singleton=False)
    b = r.coef.to_numpy()
    V = r.vcov.to_numpy()
    q = len(b)
    try:
        stat = float(b @ np.linalg.solve(V, b)) / q
        pv = float(stats.f.sf(stat, q, r.df))
    except np.linalg.LinAlgError:
        stat, pv = np.nan, np.nan
    return {"stat": stat, "df1": q, "df2": int(r.df), "p_value": pv, "coef": r.coef,
            "std_error": pd.Series(np.sqrt(np.diag(V)), index=r.coef.index)}
