"""Two-way fixed effects regression, and the fixed-effects OLS engine used by the event study.

The engine (:func:`fe_ols`) absorbs the fixed effects with :mod:`govstudy.estimators.demean`
(never a dummy per unit), solves the normal equations on the demeaned design, and computes
iid / HC1 / CRV1 variances with fixest's small-sample conventions (:mod:`.vcov`). We write it
ourselves rather than calling statsmodels because absorbing fixed effects is not available
there, and the exact two-factor projection is faster than iterating.
"""

from __future__ import annotations


import numpy as np
import pandas as pd

from govstudy.arguments import R_DID_NAMES, check_alpha, names, renamed
from govstudy.errors import ArgumentError, DataValidationError, SampleWarning, warn
from govstudy.estimators.demean import demean, drop_singletons
from govstudy.estimators.results import EstimationResult, FitDesign
from govstudy.estimators.vcov import MIN_TREATED_CLUSTERS, nested_in, parse_vcov, vcov_matrix, warn_few_clusters
from govstudy.panel import Panel, as_panel

__all__ = ["twfe", "fe_ols", "CollinearityWarning"]


class CollinearityWarning(UserWarning):
    """Regressors were dropped because they are collinear (with each other or the fixed effects)."""


def collinear_columns(Xd: np.ndarray, names: list[str], tol: float = 1e-9, Xraw: np.ndarray | None = None) -> list[int]:
    """Indices of columns that are (near-)linear combinations of the others or of the fixed effects."""
    if Xd.shape[1] == 0:
        return []
    scale = np.sqrt((Xd ** 2).sum(axis=0))
    raw_scale = scale if Xraw is None else np.sqrt((Xraw ** 2).sum(axis=0))
    bad = set(np.flatnonzero(scale <= 1e-8 * np.maximum(raw_scale, 1e-300)).tolist())
    good = [j for j in range(Xd.shape[1]) if j not in bad]
    if good:
        # unpivoted QR in the given order: a column is dropped when it adds (almost) nothing to the
        # span of the columns before it, so the later of two collinear columns goes (as fixest)
        Z = Xd[:, good] / scale[good]
        R = np.linalg.qr(Z, mode="r")
        d = np.abs(np.diag(R))
        bad |= {good[i] for i in np.flatnonzero(d < tol ** 0.5 * 1e-2)}
    return sorted(bad)


def fe_ols(y: np.ndarray, X: np.ndarray, names: list[str], fes: list[np.ndarray], fe_names: list[str],
           weights: np.ndarray | None = None, vcov_kind: str = "iid", cluster: np.ndarray | None = None,
           cluster_name: str | None = None, protected: tuple[str, ...] = (), drop_singleton: bool = True) -> dict:
    """Least squares with absorbed fixed effects.

    Rows with a missing value in y, X, weights or cluster are dropped (and counted); singleton
    fixed-effect levels are dropped iteratively as fixest does (with a warning); collinear
    regressors are dropped with a :class:`CollinearityWarning` naming them, unless they are in
    ``protected`` (the effect of interest), which raises :class:`DataValidationError`.
    """
    n0 = len(y)
    ok = np.isfinite(y) & np.all(np.isfinite(X), axis=1)
    if weights is not None:
        ok &= np.isfinite(weights)
    if cluster is not None:
        ok &= ~pd.isna(cluster)
    n_missing = int(n0 - ok.sum())
    notes = []
    if n_missing:
        msg = f"{n_missing} of {n0} rows with a missing or infinite value left out"
        notes.append(msg)
        warn(msg, SampleWarning)
    if fes and drop_singleton:
        keep = drop_singletons([f[ok] for f in fes])
        n_single = int((~keep).sum())
        if n_single:
            idx = np.flatnonzero(ok)
            ok[idx[~keep]] = False
            msg = f"{n_single} singleton observation(s) dropped (fixed-effect levels with one observation), as fixest does"
            notes.append(msg)
            warn(msg, SampleWarning)
    if ok.sum() == 0:
        raise DataValidationError("no observations left after dropping missing values and singletons",
                                  rule="non-empty")
    full = bool(ok.all())
    yk = y if full else y[ok]
    Xk = X if full else X[ok]
    wk = None if weights is None else (weights if full else weights[ok])
    fk = [f if full else f[ok] for f in fes]
    ck = None if cluster is None else (cluster if full else cluster[ok])
    n = len(yk)
    Z = np.empty((n, Xk.shape[1] + 1))
    Z[:, 0] = yk
    Z[:, 1:] = Xk
    Z = demean(Z, fk, wk, inplace=True)
    yd, Xd = Z[:, 0], Z[:, 1:]
    bad = collinear_columns(Xd if wk is None else Xd * np.sqrt(wk)[:, None], names, Xraw=Xk)
    if bad:
        badn = [names[j] for j in bad]
        hit = [b for b in badn if b in protected]
        if hit:
            raise DataValidationError(
                f"{hit} is collinear with the fixed effects ({', '.join(fe_names)}) or other regressors "
                f"{[b for b in badn if b not in hit]}: it cannot be estimated (e.g. treatment constant within "
                "units and periods, or every unit treated at the same time)", column=hit[0], rule="not-collinear")
        warn(f"collinear regressor(s) dropped: {badn} (collinear with the other regressors or the "
                      f"fixed effects {fe_names})", CollinearityWarning)
        notes.append(f"collinear regressor(s) dropped: {badn}")
        keepc = [j for j in range(Xd.shape[1]) if j not in bad]
        Xd = Xd[:, keepc]
        names = [names[j] for j in keepc]
    w = np.ones(n) if wk is None else wk
    XtX = Xd.T @ (Xd * w[:, None])
    bread = np.linalg.inv(XtX)
    beta = bread @ (Xd.T @ (w * yd))
    resid = yd - Xd @ beta
    k = Xd.shape[1]
    levels = [int(np.count_nonzero(np.bincount(f))) for f in fk]
    k_fe = sum(levels) - (len(fk) - 1) if fk else 0
    if vcov_kind == "cluster" and fk:
        nested = [nested_in(f, ck) for f in fk]
        k_nested = sum(lv for lv, ns in zip(levels, nested) if ns)
        df_k = k + k_fe - k_nested + sum(nested)
    else:
        df_k = k + k_fe
    V, df_t = vcov_matrix(Xd, resid, vcov_kind, df_k, wk, ck, bread=bread)
    return {"coef": pd.Series(beta, index=names), "vcov": pd.DataFrame(V, index=names, columns=names),
            "df": df_t, "nobs": n, "notes": notes, "mask": ok, "df_k": df_k, "resid": resid,
            "fe_levels": dict(zip(fe_names, levels)),
            "n_clusters": None if ck is None else int(pd.Series(ck).nunique())}


@renamed(dict(R_DID_NAMES, vcov_type="vcov", clusters="cluster", cluster_var="cluster", fe="(unit and time)"))
def twfe(data: pd.DataFrame | Panel, *, y: str | None = None, treat: str | None = None, unit: str | None = None,
         time: str | None = None, covariates=None, weights: str | None = None, cluster: str | None = None,
         vcov: str | None = None, freq: str | None = None, alpha: float = 0.05) -> EstimationResult:
    """Two-way fixed effects: ``y ~ treat + covariates | unit + time``.

    Unit and period fixed effects are absorbed (exact within transformation), on balanced or
    unbalanced panels; singleton observations are dropped as fixest does, with a warning.

    Parameters
    ----------
    data : DataFrame or Panel -- long format, one row per unit and period (a Panel brings its columns).
    y, unit, time : column names; ``time`` in any form :mod:`govstudy.periods` reads (``freq=`` for yyyymm).
    treat : the regressor of interest: any numeric column -- a 0/1 treatment, one that switches on and
        off (e.g. a grant year), or an intensity.
    covariates : column name(s), optional.
    weights : column of analytic (WLS) weights; rows with weight 0 are removed (with a warning).
    cluster : column to cluster by (default: the unit).
    vcov : ``"iid"``, ``"hc1"`` or ``"cluster"`` (default). CRV1 follows fixest's small-sample convention:
        ``G/(G-1) * (n-1)/(n-K)`` where K does **not** count fixed effects nested in the clusters.
        Estimates and SEs equal pyfixest's. With few (treated) clusters a :class:`FewClustersWarning` says so.

    Rows with a missing outcome or covariate are left out with a :class:`SampleWarning` that counts them.

    Returns
    -------
    EstimationResult with headline term ``treat``; ``.fit_design`` holds the estimation sample.

    Example
    -------
    >>> import numpy as np, pandas as pd
    >>> from govstudy import twfe
    >>> rng = np.random.default_rng(0)
    >>> df = pd.DataFrame({"id": np.repeat(np.arange(40), 6), "t": np.tile(np.arange(6), 40)})
    >>> df["D"] = ((df.id < 20) & (df.t >= 3)).astype(int)
    >>> df["y"] = 2.0 * df.D + 0.1 * df.id + 0.3 * df.t + rng.normal(0, 0.1, len(df))
    >>> round(twfe(df, y="y", treat="D", unit="id", time="t").estimate, 1)
    2.0
    """
    alpha = check_alpha(alpha)
    unit_col = unit if unit is not None else (data.unit if isinstance(data, Panel) else None)
    kind, ccol = parse_vcov(vcov, cluster, default_cluster=unit_col)
    p = as_panel(data, unit=unit, time=time, y=y, treat=treat, covariates=covariates, weights=weights,
                 cluster=ccol if ccol not in (None, unit_col) else None, freq=freq, absorbing=False)
    if p.y is None or p.treat_col is None:
        raise ArgumentError("twfe needs y= (the outcome) and treat= (the regressor of interest)")
    covariates = list(p.covariates) if covariates is None else names(covariates)
    treat = p.treat_col
    names_ = [treat] + covariates
    keep = p.complete_rows(estimator="twfe", covariates=covariates)
    X = np.column_stack([p.treat_values] + [p.covariate_values[c] for c in covariates])[keep]
    cl = None
    if kind == "cluster":
        cl = (p.unit_codes if ccol == p.unit else p.cluster_codes)[keep]
    fit = fe_ols(p.y_values[keep], X, names_, [p.unit_codes[keep], p.time_codes[keep]], [p.unit, p.time],
                 None if p.weight_values is None else p.weight_values[keep], kind, cl, ccol, protected=(treat,))
    info = {"Fixed effects": f"{p.unit} ({fit['fe_levels'][p.unit]}), {p.time} ({fit['fe_levels'][p.time]})",
            "Standard errors": vcov_label(kind, ccol, fit)}
    m = fit["mask"]
    rows = np.flatnonzero(keep)[m]
    if kind == "cluster":
        _, ntc = warn_few_clusters(cl[m], p.treat_values[rows], ccol)
        info["Treated clusters"] = ntc
        if ntc < MIN_TREATED_CLUSTERS:
            fit["notes"].append(f"{ntc} treated cluster(s): the clustered SE is unreliable; use a wild cluster "
                                "bootstrap or randomization inference")
    res = EstimationResult(fit["coef"], fit["vcov"], fit["df"], treat, "Two-way fixed effects (OLS)",
                           fit["nobs"], info, fit["notes"], alpha)
    # units and periods of the estimation sample only (a unit with no row left is not re-assigned a path)
    fu, units_fit = pd.factorize(p.unit_codes[rows], sort=True)
    ft, periods_fit = pd.factorize(p.time_codes[rows], sort=True)
    paths = np.full((len(units_fit), len(periods_fit)), np.nan)
    paths[fu, ft] = p.treat_values[rows]
    res.fit_design = FitDesign(
        estimator="twfe", y=p.y_values[rows], X=X[m], names=tuple(names_), term=treat,
        fes=(p.unit_codes[rows], p.time_codes[rows]), fe_names=(p.unit, p.time),
        weights=None if p.weight_values is None else p.weight_values[rows],
        cluster=None if cl is None else pd.factorize(cl[m])[0], cluster_name=ccol if kind == "cluster" else None,
        df_k=fit["df_k"], unit=fu.astype(np.int64), time=ft.astype(np.int64), assignment=paths)
    return res


def vcov_label(kind, ccol, fit):
    if kind == "cluster":
        return f"CRV1 clustered by {ccol} ({fit['n_clusters']} clusters; fixest small-sample correction)"
    return {"iid": "iid", "hc1": "heteroskedasticity-robust (HC1)"}[kind]
