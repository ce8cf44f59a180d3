"""Fixed-effects Poisson regression (PPML) by iteratively reweighted least squares.

:func:`fe_poisson` fits ``log E[y] = X b + fixed effects`` as fixest's ``fepois`` and pyfixest's ``fepois`` do:
each IRLS step is one weighted least-squares fit of the working outcome ``z = eta + y / mu - 1`` on ``X`` with
the fixed effects absorbed by :func:`govstudy.estimators.demean.demean` under the weights ``mu`` (the exact
two-way projection, no dummies); the start is ``mu = (y + mean(y)) / 2`` and iteration stops when the relative
change in deviance ``|dev - dev_last| / (0.1 + |dev_last|)`` falls below ``tol`` (fixest's criterion).

* sample: rows with a missing value are left out; singleton fixed-effect levels and levels whose outcome is
  zero in every row (their effect is -inf: *separation*) are dropped, repeatedly until none is left, each with
  a :class:`SampleWarning` that counts them (fixest drops the all-zero levels too);
* variance at the estimate (the design demeaned under the final weights ``mu``): iid ``(n-1)/(n-K) (X'WX)^{-1}``; HC1 and CRV1 by
  :func:`govstudy.estimators.vcov.vcov_matrix` on the weighted-demeaned design (scores ``(y - mu) x``), with
  fixest's small-sample conventions (fixed effects nested in the clusters not counted in K);
* :func:`twfe_poisson` is ``twfe(..., family="poisson")``; its result, :class:`PPMLResult`, reports
  ``exp(b) - 1`` (the proportional effect) with a delta-method SE in :meth:`PPMLResult.relative`.

Why our own code: statsmodels' Poisson has no absorbed fixed effects and pyfixest (our test oracle) is a
test-only dependency; with our exact two-way demeaning each IRLS step needs no inner iteration.

>>> import numpy as np
>>> x = np.tile([0.0, 1.0], 50)
>>> y = np.where(x == 1, 6.0, 3.0)
>>> fit = fe_poisson(y, np.column_stack([np.ones(100), x]), ["const", "x"], [], [])
>>> round(float(np.exp(fit.coef["x"])), 6)       # the ratio of the two means
2.0
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from govstudy.arguments import check_alpha, names
from govstudy.errors import ArgumentError, DataValidationError, GovstudyWarning, SampleWarning, warn
from govstudy.estimators.demean import demean, drop_singletons, fe_dof
from govstudy.estimators.ols import CollinearityWarning, collinear_columns, vcov_label
from govstudy.estimators.results import EstimationResult
from govstudy.estimators.vcov import MIN_TREATED_CLUSTERS, nested_in, parse_vcov, vcov_matrix, warn_few_clusters
from govstudy.panel import Panel, as_panel

__all__ = ["fe_poisson", "PoissonFit", "PPMLResult", "twfe_poisson", "refuse_poisson", "check_counts"]


@dataclass
class PoissonFit:
    """What :func:`fe_poisson` returns: estimates on the kept rows (``mask`` marks them in the input order);
    ``mu`` and ``eta`` are the fitted means and linear predictors (fixed effects included) on those rows."""
    coef: pd.Series
    vcov: pd.DataFrame
    df: int
    nobs: int
    mask: np.ndarray
    df_k: int
    mu: np.ndarray
    eta: np.ndarray
    deviance: float
    iterations: int
    fe_levels: dict
    n_clusters: int | None
    notes: list = field(default_factory=list)


def fe_poisson(y: np.ndarray, X: np.ndarray, names: list[str], fes: list[np.ndarray], fe_names: list[str],
               weights: np.ndarray | None = None, vcov_kind: str = "iid", cluster: np.ndarray | None = None,
               protected: tuple[str, ...] = (), tol: float = 1e-8, maxiter: int = 100,
               source: str | None = None) -> PoissonFit:
    """Poisson pseudo-maximum likelihood of ``y`` (>= 0) on ``X`` with the fixed effects ``fes`` absorbed.

    Without fixed effects pass an intercept column in ``X``. A collinear regressor is dropped with a
    :class:`CollinearityWarning`, or is an error when it is in ``protected``.
    """
    y = np.asarray(y, float)
    ok = np.isfinite(y) & np.all(np.isfinite(X), axis=1)
    if weights is not None:
        ok &= np.isfinite(weights)
    if cluster is not None:
        ok &= ~pd.isna(cluster)
    notes = []
    if not ok.all():
        _note(notes, f"{int((~ok).sum())} of {len(y)} rows with a missing or infinite value left out")
    if np.any(y[ok] < 0):
        r = int(np.flatnonzero(ok & (y < 0))[0])
        raise DataValidationError(f"a Poisson outcome must be >= 0 (a count or a non-negative amount), found "
                                  f"{y[r]:g}", source=source, row=r + 1, rule="non-negative")
    if fes:
        _drop_separated(y, fes, fe_names, ok, notes)
    if not ok.any():
        raise DataValidationError("no observations left after dropping missing values, singletons and all-zero "
                                  "fixed-effect levels", source=source, rule="non-empty")
    if not (y[ok] > 0).any():
        raise DataValidationError("the outcome is 0 in every row: a Poisson model has no finite estimate",
                                  source=source, rule="positive-outcome")
    yk, Xk = y[ok], np.asarray(X, float)[ok]
    wk = np.ones(len(yk)) if weights is None else np.asarray(weights, float)[ok]
    fk = [np.asarray(f)[ok] for f in fes]
    ck = None if cluster is None else np.asarray(cluster)[ok]
    mu = (yk + yk.mean()) / 2
    eta = np.log(mu)
    last = _deviance(yk, mu, wk)
    names = list(names)
    for it in range(1, maxiter + 1):
        z = eta + yk / mu - 1
        W = wk * mu
        Z = np.column_stack([z, Xk])
        Zd = demean(Z, fk, W) if fk else Z
        zd, Xd = Zd[:, 0], Zd[:, 1:]
        if it == 1:
            Xk, Xd, names = _drop_collinear(Xk, Xd, W, names, fe_names, protected, notes, source)
        bread = np.linalg.inv(Xd.T @ (Xd * W[:, None]))
        beta = bread @ (Xd.T @ (W * zd))
        resid = zd - Xd @ beta
        eta = z - resid
        mu = np.exp(eta)
        dev = _deviance(yk, mu, wk)
        crit = abs(dev - last) / (0.1 + abs(last))
        last = dev
        if crit < tol:
            break
    else:
        _note(notes, f"IRLS did not converge in {maxiter} iterations (relative deviance change {crit:.2e} >= "
                     f"{tol:g}): the estimates are not reliable", GovstudyWarning)
    # the variance at the estimate: the design demeaned under the final weights, scores (y - mu) x
    W = wk * mu
    Xd = demean(Xk, fk, W) if fk else Xk
    bread = np.linalg.inv(Xd.T @ (Xd * W[:, None]))
    resid = (yk - mu) / mu
    n, k = Xd.shape
    levels = [int(np.count_nonzero(np.bincount(f))) for f in fk]
    df_k = k + _fe_params(fk, ck if vcov_kind == "cluster" else None)
    if vcov_kind == "iid":       # Poisson: dispersion 1, fixest's (n-1)/(n-K)
        V, df_t = (n - 1) / (n - df_k) * bread, n - df_k
    else:
        V, df_t = vcov_matrix(Xd, resid, vcov_kind, df_k, W, ck, bread=bread)
    return PoissonFit(coef=pd.Series(beta, index=names), vcov=pd.DataFrame(V, index=names, columns=names),
                      df=df_t, nobs=n, mask=ok, df_k=df_k, mu=mu, eta=eta, deviance=float(dev), iterations=it,
                      fe_levels=dict(zip(fe_names, levels)),
                      n_clusters=None if ck is None else int(pd.Series(ck).nunique()), notes=notes)


def _note(notes, msg, category=SampleWarning):
    notes.append(msg)
    warn(msg, category)


def _deviance(y, mu, w):
    with np.errstate(divide="ignore", invalid="ignore"):
        t = np.where(y > 0, y * np.log(y / mu), 0.0)
    return float(2 * np.sum(w * (t - (y - mu))))


def _drop_separated(y, fes, fe_names, ok, notes):
    """Drop (in ``ok``) singleton levels and levels whose outcome is 0 in every row, until none is left."""
    n_single, zero = 0, {name: [0, 0] for name in fe_names}
    while True:
        keep = drop_singletons([f[ok] for f in fes])
        n_single += int((~keep).sum())
        ok[np.flatnonzero(ok)[~keep]] = False
        changed = False
        for f, name in zip(fes, fe_names):
            fo = f[ok]
            pos = np.bincount(fo, weights=(y[ok] > 0).astype(float), minlength=int(f.max()) + 1)
            cnt = np.bincount(fo, minlength=int(f.max()) + 1)
            bad = (cnt > 0) & (pos == 0)
            if bad.any():
                rows = np.flatnonzero(ok)[bad[fo]]
                zero[name][0] += int(bad.sum())
                zero[name][1] += len(rows)
                ok[rows] = False
                changed = True
        if not changed:
            break
    if n_single:
        _note(notes, f"{n_single} singleton observation(s) dropped (fixed-effect levels with one observation), as "
                     "fixest does")
    parts = [f"{lv} level(s) of {name!r} ({nr} rows)" for name, (lv, nr) in zero.items() if lv]
    if parts:
        _note(notes, "outcome 0 in every row of " + " and ".join(parts) + ": dropped, their fixed effect is -inf "
                     "(separation), as fixest does")


def _drop_collinear(Xk, Xd, W, names, fe_names, protected, notes, source):
    bad = collinear_columns(Xd * np.sqrt(W)[:, None], names, Xraw=Xk)
    if not bad:
        return Xk, Xd, names
    badn = [names[j] for j in bad]
    hit = [b for b in badn if b in protected]
    span = f"the fixed effects ({', '.join(fe_names)}) or other regressors" if fe_names else "other regressors"
    if hit:
        raise DataValidationError(f"{hit} is collinear with {span}: it cannot be estimated", source=source,
                                  column=hit[0], rule="not-collinear")
    _note(notes, f"collinear regressor(s) dropped: {badn} (collinear with {span})", CollinearityWarning)
    keep = [j for j in range(len(names)) if j not in bad]
    return Xk[:, keep], Xd[:, keep], [names[j] for j in keep]


def _fe_params(fes, cluster) -> int:
    """Fixed-effect parameters counted in K, as fixest: with clustering, factors nested in the clusters are not
    counted (one parameter each stays)."""
    if not fes:
        return 0
    k_fe, levels = fe_dof(fes)
    if cluster is None:
        return k_fe
    nested = [nested_in(f, cluster) for f in fes]
    return k_fe - sum(lv for lv, ns in zip(levels, nested) if ns) + sum(nested)


class PPMLResult(EstimationResult):
    """A Poisson (PPML) fit: coefficients on the log scale; ``exp(b) - 1`` is the proportional effect.

    ``.relative()`` gives it for every term with a delta-method SE ``exp(b) * se(b)``.
    """

    family = "poisson"

    def relative(self, alpha: float | None = None) -> pd.DataFrame:
        """Proportional effects ``exp(b) - 1`` per term: ``std_error`` by the delta method (``exp(b) se(b)``),
        ``statistic``/``p_value`` of the test ``b = 0`` (the same hypothesis as ``exp(b) - 1 = 0``) and the
        interval ``exp(ci of b) - 1`` (the coefficient's interval, transformed; inside (-1, inf))."""
        t = self.tidy(alpha)
        b = t["estimate"].to_numpy()
        return t.assign(estimate=np.expm1(b), std_error=np.exp(b) * t["std_error"].to_numpy(),
                        ci_low=np.expm1(t["ci_low"].to_numpy()), ci_high=np.expm1(t["ci_high"].to_numpy()),
                        scale="exp(b) - 1")

    def _header(self) -> list[str]:
        r = self.relative().set_index("term").loc[self.headline]
        return super()._header() + [
            f"Proportional effect of {self.headline}: exp(b) - 1 = {r['estimate']:.4f} (delta-method SE "
            f"{r['std_error']:.4f}; {int(100 * (1 - self.alpha))}% CI {r['ci_low']:.4f} to {r['ci_high']:.4f})"]


def refuse_poisson(result, procedure: str) -> None:
    """Raise :class:`ArgumentError` when ``result`` is a Poisson fit: ``procedure`` re-estimates linear models only.

    >>> refuse_poisson(object(), "the wild cluster bootstrap")   # anything not Poisson passes
    """
    if getattr(result, "family", "gaussian") == "poisson":
        raise ArgumentError(f"{procedure} does not support Poisson (PPML) fits: it re-estimates a linear model "
                            "draw by draw. It supports least-squares fits of govstudy.twfe (family='gaussian') and "
                            "govstudy.did_2x2; for a PPML fit use its clustered (CRV1) standard errors")


def twfe_panel(data: pd.DataFrame | Panel, *, y, treat, unit, time, covariates, weights, cluster, vcov, freq,
               alpha: float) -> tuple[Panel, list[str], str, str | None, float]:
    """The checked inputs of a TWFE fit (``twfe`` and ``twfe_poisson``): the panel, its covariates, the vcov kind,
    the cluster column and ``alpha``; the cluster defaults to the unit."""
    alpha = check_alpha(alpha)
    unit_col = unit if unit is not None else (data.unit if isinstance(data, Panel) else None)
    kind, ccol = parse_vcov(vcov, cluster, default_cluster=unit_col)
    p = as_panel(data, unit=unit, time=time, y=y, treat=treat, covariates=covariates, weights=weights,
                 cluster=ccol if ccol not in (None, unit_col) else None, freq=freq, absorbing=False)
    if p.y is None or p.treat_col is None:
        raise ArgumentError("twfe needs y= (the outcome) and treat= (the regressor of interest)")
    covariates = list(p.covariates) if covariates is None else names(covariates)
    return p, covariates, kind, ccol, alpha


def twfe_poisson(data: pd.DataFrame | Panel, *, y=None, treat=None, unit=None, time=None, covariates=None,
                 weights=None, cluster=None, vcov=None, freq=None, alpha: float = 0.05) -> PPMLResult:
    """``twfe(..., family="poisson")``: PPML ``log E[y] = b treat + covariates + unit + time``, clustered by unit.

    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> df = pd.DataFrame({"id": np.repeat(np.arange(60), 6), "t": np.tile(np.arange(6), 60)})
    >>> df["D"] = ((df.id < 30) & (df.t >= 3)).astype(int)
    >>> df["y"] = rng.poisson(np.exp(0.5 + 0.4 * df.D + 0.05 * df.t))
    >>> res = twfe_poisson(df, y="y", treat="D", unit="id", time="t")
    >>> round(res.estimate, 1), res.relative().loc[0, "scale"]
    (0.4, 'exp(b) - 1')
    """
    p, covariates, kind, ccol, alpha = twfe_panel(data, y=y, treat=treat, unit=unit, time=time,
                                                  covariates=covariates, weights=weights, cluster=cluster,
                                                  vcov=vcov, freq=freq, alpha=alpha)
    check_counts(p, data)
    keep = p.complete_rows(estimator="twfe", covariates=covariates)
    X = np.column_stack([p.treat_values] + [p.covariate_values[c] for c in covariates])[keep]
    cl = None
    if kind == "cluster":
        cl = (p.unit_codes if ccol == p.unit else p.cluster_codes)[keep]
    fit = fe_poisson(p.y_values[keep], X, [p.treat_col] + covariates, [p.unit_codes[keep], p.time_codes[keep]],
                     [p.unit, p.time], None if p.weight_values is None else p.weight_values[keep], kind, cl,
                     protected=(p.treat_col,), source=p.source)
    info = {"Model": f"Poisson pseudo-maximum likelihood (PPML): log E[{p.y}] = b {p.treat_col} + ... + unit + "
                     "period effects; exp(b) - 1 is the proportional effect",
            "Fixed effects": f"{p.unit} ({fit.fe_levels[p.unit]}), {p.time} ({fit.fe_levels[p.time]})",
            "Standard errors": vcov_label(kind, ccol, fit),
            "IRLS iterations": fit.iterations}
    if kind == "cluster":
        rows = np.flatnonzero(keep)[fit.mask]
        _, ntc = warn_few_clusters(cl[fit.mask], p.treat_values[rows], ccol)
        info["Treated clusters"] = ntc
        if ntc < MIN_TREATED_CLUSTERS:
            fit.notes.append(f"{ntc} treated cluster(s): the clustered SE is unreliable")
    return PPMLResult(fit.coef, fit.vcov, fit.df, p.treat_col, "Two-way fixed effects Poisson (PPML)", fit.nobs,
                      info, fit.notes, alpha)


def check_counts(p: Panel, data) -> None:
    """A Poisson outcome must be >= 0: the first negative value is an error naming its unit, period and row of
    ``data`` (the user's frame, or the Panel itself)."""
    neg = np.flatnonzero(p.y_values < 0)
    if neg.size:
        r = int(neg[0])
        raise DataValidationError(
            f"family='poisson' needs an outcome >= 0 (a count), found {p.y_values[r]:g} at unit "
            f"{p.units[p.unit_codes[r]]!r}, period {p.period_map.label(p.time_values[r])}", source=p.source,
            column=p.y, row=_user_row(data, p, r), rule="non-negative")


def _user_row(data, p, r):
    """1-based row of the user's frame for panel row ``r`` (None when ``data`` is a Panel)."""
    if not isinstance(data, pd.DataFrame) or not data.index.is_unique:
        return None
    return int(data.index.get_indexer([p.data.index[r]])[0]) + 1
