"""Extended two-way fixed effects (Wooldridge 2021, 2023) for staggered adoption, linear or Poisson.

What: one regression with a separate coefficient for every treated cohort x period cell: ``y ~ sum_(g,t) b_gt
1[cohort g, period t, treated cell] + cohort effects + period effects`` (least squares with the cohort and period
effects absorbed, or Poisson with cohort and period dummies and the ATT on the response scale). Treated cells
are, as in the ``etwfe`` package (R and Python), ``t >= g`` with not-yet-treated controls (``cgroup="notyet"``;
without never-treated units the last cohort is the control and rows from its first period on are left out) or
every ``t != g - 1`` with never-treated controls (``cgroup="never"``). ``covariates=`` are the package's
controls (``"y ~ x1 + x2"``): each is demeaned within cohorts and interacted with every treated cell, and enters
with its own cohort and period slopes. Marginal effects are averaged over the treated rows like the package's
``emfx(type=...)``: ``"simple"``, ``"event"`` (by t - g, counted in periods), ``"group"`` (by cohort),
``"calendar"`` (by period); SEs by the delta method from the regression's variance (HC1, CRV1 or iid).

Why our own code: the ``etwfe`` package (our test oracle, a test-only dependency with pyfixest behind it)
builds a formula and a patsy design per fit and per ``emfx`` call, and does not read a ``govstudy.Panel`` (dates,
"2023-01" periods, cohorts coded 0 / NaN / inf). Here the cells are integer codes, the fits go through govstudy's
engines (:func:`~govstudy.estimators.ols.fe_ols`, :func:`~govstudy.estimators.poisson.fe_poisson`, IRLS to a
relative deviance change of 1e-12) and every aggregation re-uses the treated rows' design. Estimates and SEs
equal the package's (tested; covariates too).

>>> import govstudy
>>> res = govstudy.etwfe(govstudy.load("mpdta"), y="lemp", unit="countyreal", time="year", cohort="first.treat")
>>> round(res.estimate, 4)
-0.0477
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from govstudy.arguments import check_alpha, check_choice, names
from govstudy.errors import ArgumentError
from govstudy.estimators.aggte import effect_points
from govstudy.estimators.ols import fe_ols, vcov_label
from govstudy.estimators.poisson import check_counts, fe_poisson
from govstudy.estimators.results import EstimationResult, tidy_frame
from govstudy.estimators.vcov import parse_vcov
from govstudy.panel import Panel, as_panel

__all__ = ["etwfe", "ETWFEResult"]

KINDS = ("simple", "event", "group", "calendar")
IRLS_TOL = 1e-12     # relative deviance change: ATTs agree with etwfe at iwls_tol=1e-12 to rel 1e-8 (1e-8 is not enough)


class ETWFEResult(EstimationResult):
    """ETWFE marginal effects of one aggregation (``kind``); ``.aggregate(kind)`` gives another from the same fit.

    ``tidy()`` has the core columns, then ``n_rows`` (treated rows averaged) and ``event_time`` (an integer) /
    ``cohort`` / ``time`` (periods as written) by kind. Normal-based intervals, as the ``etwfe`` package.
    """

    def __init__(self, *args, kind, extra, fit, **kw):
        super().__init__(*args, **kw)
        self.kind, self.extra, self._fit = kind, extra, fit

    def aggregate(self, kind: str = "simple") -> "ETWFEResult":
        """``"simple"``, ``"event"``, ``"group"`` or ``"calendar"`` (the ``etwfe`` package's ``emfx`` types)."""
        return _aggregate(self._fit, kind, self.alpha)

    def tidy(self, alpha: float | None = None) -> pd.DataFrame:
        return tidy_frame(pd.concat([super().tidy(alpha), self.extra.reset_index(drop=True)], axis=1))

    def plot(self, ax=None):
        """Effects by event time (pre-periods grey), cohort or period with CIs; ``"simple"``: the coefficient plot."""
        if self.kind == "simple":
            return super().plot(ax=ax)
        import matplotlib.pyplot as plt
        from govstudy.plots import bilingual, cjk_figure

        t = self.tidy()
        if ax is None:
            _, ax = plt.subplots(figsize=(7, 4))
        col = {"event": "event_time", "group": "cohort", "calendar": "time"}[self.kind]
        if self.kind == "event":
            effect_points(ax, t["event_time"].to_numpy(), t, t["event_time"].to_numpy() >= 0, None)
            ax.axvline(-0.5, color="grey", ls="--", lw=0.8)
        else:
            effect_points(ax, np.arange(len(t)), t, np.ones(len(t), bool), t[col])
        ax.set_xlabel({"event": bilingual("处理后期数", "periods since treatment"),
                       "group": bilingual("处理队列", "cohort (first treated period)"),
                       "calendar": bilingual("时期", "period")}[self.kind])
        ax.set_ylabel(bilingual("处理效应", f"ATT ({int(round(100 * (1 - self.alpha)))}% CI)"))
        ax.set_title(bilingual("扩展双向固定效应", f"extended TWFE (Wooldridge), {self.kind}"))
        cjk_figure(ax.figure)
        return ax


def etwfe(data: pd.DataFrame | Panel, *, y: str | None = None, unit: str | None = None, time: str | None = None,
          cohort: str | None = None, covariates=None, family: str = "gaussian", cgroup: str = "notyet",
          kind: str = "simple", vcov: str | None = None, cluster: str | None = None, freq: str | None = None,
          alpha: float = 0.05) -> ETWFEResult:
    """Wooldridge's extended TWFE with cohort and period effects; returns the ``kind`` aggregation.

    time : any form :mod:`govstudy.periods` reads (integers, dates, ``"2023-01"``, ``"2023Q1"``, ``"2023年1月"``).
    cohort : first treated period, written like ``time`` (never treated: 0, NaN, blank, inf). ``cgroup``:
    ``"notyet"`` (default, as the package) or ``"never"``. ``family``: ``"gaussian"`` or ``"poisson"`` (ATT on
    the response scale). ``covariates``: numeric columns, demeaned within cohorts (over the rows with observed
    outcome and covariates, before the not-yet cut, as the package) and interacted with every treated cell,
    plus their cohort and period slopes (the package's ``"y ~ x1 + x2"`` controls).
    ``vcov``: ``"hc1"``, ``"iid"`` or ``"cluster"`` (default, by unit). Units treated in the first period have
    no untreated period and are dropped with a :class:`SampleWarning`. Event times count periods (positions).
    """
    check_choice(family, "family", ("gaussian", "poisson"))
    check_choice(cgroup, "cgroup", ("notyet", "never"))
    check_choice(kind, "kind", KINDS)
    alpha = check_alpha(alpha)
    unit_col = unit if unit is not None else (data.unit if isinstance(data, Panel) else None)
    vkind, ccol = parse_vcov(vcov, cluster, default_cluster=unit_col)
    p = as_panel(data, unit=unit, time=time, y=y, cohort=cohort, covariates=covariates, freq=freq,
                 cluster=ccol if ccol not in (None, unit_col) else None)
    if p.y is None or p.cohort_codes is None:
        raise ArgumentError("etwfe needs y= (the outcome) and cohort= (the first treated period)")
    covs = list(p.covariates) if covariates is None else names(covariates)
    if family == "poisson":
        check_counts(p, data)
    keep, demean_rows, D = _sample(p, cgroup, covs)
    X, xnames, ncell = _design(p, keep, demean_rows, D, covs, family)
    cl = None if vkind != "cluster" else (p.unit_codes if ccol == p.unit else p.cluster_codes)[keep]
    yk, protected = p.y_values[keep], tuple(xnames[:ncell])
    if family == "gaussian":
        fes = [pd.factorize(p.cohort_codes[keep], sort=True)[0], p.time_codes[keep]]
        fit = fe_ols(yk, X, xnames, fes, ["cohort", p.time], None, vkind, cl, ccol, protected=protected,
                     drop_singleton=False, hint="a treated cohort x period cell spanned by the cohort and period "
                                                "effects", source=p.source)
    else:
        fit = fe_poisson(yk, X, xnames, [], [], None, vkind, cl, protected=protected, tol=IRLS_TOL,
                         source=p.source)
    state = _state(p, fit, X, xnames, ncell, keep, D, cgroup, family)
    state["info"] = {"Model": f"extended TWFE (Wooldridge), {family}, {cgroup} controls: one coefficient per "
                              "treated cohort x period cell, cohort and period effects"
                              + (f"; covariates {covs} (demeaned by cohort) x cells" if covs else ""),
                     "Standard errors": vcov_label(vkind, ccol, fit), "Treated cells": ncell // (1 + len(covs))}
    return _aggregate(state, kind, alpha)


def _sample(p, cgroup, covs):
    """Rows fitted, rows the covariates are demeaned over (the package: before the not-yet cut) and treated cells."""
    g, t = p.cohort_codes, p.time_codes
    keep = p.complete_rows(estimator="etwfe", covariates=covs, extra={"treated in the first period": g == 0})
    demean_rows = keep.copy()
    if (g[keep] < 0).any():
        gref = -1
    elif cgroup == "notyet":     # no never-treated: the last cohort is the control until it is treated
        gref = int(g[keep].max())
        keep &= t < gref
    else:
        raise ArgumentError("cgroup='never' needs never-treated units (cohort 0, NaN or inf); none are left")
    if cgroup == "notyet":
        D = (g != gref) & (t >= g) & (g >= 0)
    else:
        D = (g != gref) & (t != g - 1)
    return keep, demean_rows, D


def _design(p, keep, demean_rows, D, covs, family):
    """Columns: treated-cell dummies, cells x demeaned covariates, then the nuisance (covariates by cohort and
    period; for Poisson also the intercept and cohort and period dummies). ``ncell``: the treated columns."""
    g, t, Dk = p.cohort_codes[keep], p.time_codes[keep], D[keep]
    lab = p.period_map.label
    cells, code = np.unique(np.where(Dk, g * p.n_periods + t, -1)[Dk], return_inverse=True)
    C = np.zeros((len(g), len(cells)))
    C[np.flatnonzero(Dk), code] = 1.0
    cnames = [f"D[g={lab(p.periods[c // p.n_periods])}, t={lab(p.periods[c % p.n_periods])}]" for c in cells]
    glev, tlev = np.unique(g), np.unique(t)
    Gd = (g[:, None] == glev[None, 1:]).astype(float)
    Td = (t[:, None] == tlev[None, 1:]).astype(float)
    gn = [f"cohort={lab(p.periods[v]) if v >= 0 else 'never'}" for v in glev[1:]]
    tn = [f"{p.time}={lab(p.periods[v])}" for v in tlev[1:]]
    cols, xn = [C], list(cnames)
    for c in covs:
        x = p.covariate_values[c]
        xdm = (x - _cohort_means(x, p.cohort_codes, demean_rows))[keep]
        cols.append(C * xdm[:, None])
        xn += [f"{n}:{c}_dm" for n in cnames]
    nuis, nn = [], []
    if family == "poisson":
        nuis += [np.ones((len(g), 1)), Gd, Td]
        nn += ["(Intercept)"] + gn + tn
    for c in covs:
        x = p.covariate_values[c][keep][:, None]
        nuis += [x, Gd * x, Td * x]
        nn += [c] + [f"{n}:{c}" for n in gn + tn]
    return np.column_stack(cols + nuis), xn + nn, len(xn)


def _cohort_means(x, g, rows):
    codes, inv = np.unique(g, return_inverse=True)
    s = np.bincount(inv[rows], weights=x[rows], minlength=len(codes))
    n = np.bincount(inv[rows], minlength=len(codes))
    return (s / np.maximum(n, 1))[inv]


def _state(p, fit, X, xnames, ncell, keep, D, cgroup, family):
    """What the aggregations need: the treated rows' design (columns as fitted), cohort, period, event time."""
    pos = {n: j for j, n in enumerate(xnames)}
    idx = [pos[n] for n in fit.coef.index]
    rows = np.flatnonzero(D[keep])
    g, t = p.cohort_codes[keep][rows], p.time_codes[keep][rows]
    return dict(family=family, fit=fit, X1=X[rows][:, idx], treated=np.array([j < ncell for j in idx]), g=g, t=t,
                e=t - g, post=t >= g if cgroup == "never" else np.ones(len(rows), bool), label=p.period_map.label,
                periods=p.periods, nobs=fit.nobs)


def _aggregate(s, kind, alpha):
    """Average the treated rows' effects (response scale) by ``kind``; delta-method variance, as ``emfx``."""
    check_choice(kind, "kind", KINDS)
    fit = s["fit"]
    beta, V = fit.coef.to_numpy(), fit.vcov.to_numpy()
    use = np.flatnonzero(s["post"] if kind != "event" else np.ones(len(s["e"]), bool))
    X1 = s["X1"][use]
    X0 = np.where(s["treated"][None, :], 0.0, X1)
    if s["family"] == "gaussian":
        slope, J = (X1 - X0) @ beta, X1 - X0
    else:
        mu0, mu1 = np.exp(X0 @ beta), np.exp(X1 @ beta)
        slope, J = mu1 - mu0, mu1[:, None] * X1 - mu0[:, None] * X0
    key = {"simple": np.zeros(len(use), int), "event": s["e"][use], "group": s["g"][use],
           "calendar": s["t"][use]}[kind]
    levels, inv = np.unique(key, return_inverse=True)
    n = np.bincount(inv, minlength=len(levels))
    G = np.vstack([J[inv == j].mean(axis=0) for j in range(len(levels))])
    est = np.bincount(inv, weights=slope, minlength=len(levels)) / n
    terms, extra = _terms(s, kind, levels)
    extra.insert(0, "n_rows", n)
    return ETWFEResult(pd.Series(est, index=terms), pd.DataFrame(G @ V @ G.T, index=terms, columns=terms), None,
                       terms[0], f"Extended TWFE (Wooldridge), {kind} aggregation", s["nobs"], s["info"], fit.notes,
                       alpha, kind=kind, extra=extra, fit=s)


def _terms(s, kind, levels):
    if kind == "simple":
        return ["ATT"], pd.DataFrame(index=range(1))
    if kind == "event":
        ev = [int(v) for v in levels]
        return [f"event_time={v}" for v in ev], pd.DataFrame({"event_time": ev})
    col = "cohort" if kind == "group" else "time"
    labs = [s["label"](s["periods"][v]) for v in levels]
    return [f"{col}={v}" for v in labs], pd.DataFrame({col: labs})
