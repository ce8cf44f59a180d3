"""Two-way fixed effects regression, and the fixed-effects OLS engine used by the event study.

The engine (:func:`fe_ols`) absorbs the fixed effects with :mod:`govstudy.estimators.demean`
(never a dummy per unit), solves the normal equations on the demeaned design, and computes
iid / HC1 / CRV1 variances with fixest's small-sample conventions (:mod:`.vcov`). We write it
ourselves rather than calling statsmodels because absorbing fixed effects is not available
there, and the exact two-factor projection is faster than iterating.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from govstudy.errors import DataValidationError
from govstudy.estimators.demean import demean, drop_singletons
from govstudy.estimators.results import EstimationResult
from govstudy.estimators.vcov import nested_in, parse_vcov, vcov_matrix, warn_few_treated_clusters
from govstudy.panel import Panel, PanelWarning, as_panel

__all__ = ["twfe", "fe_ols", "CollinearityWarning"]


class CollinearityWarning(UserWarning):
    """Regressors were dropped because they are collinear (with each other or the fixed effects)."""


def _collinear(Xd: np.ndarray, names: list[str], tol: float = 1e-9, Xraw: np.ndarray | None = None) -> list[int]:
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
           cluster_name: str | None = None, protected: tuple[str, ...] = (), drop_singleton: bool = True,
           stacklevel: int = 3) -> dict:
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
        notes.append(f"{n_missing} rows with missing values dropped")
    if fes and drop_singleton:
        keep = drop_singletons([f[ok] for f in fes])
        n_single = int((~keep).sum())
        if n_single:
            idx = np.flatnonzero(ok)
            ok[idx[~keep]] = False
            msg = f"{n_single} singleton observation(s) dropped (fixed-effect levels with one observation), as fixest does"
            notes.append(msg)
            warnings.warn(msg, PanelWarning, stacklevel=stacklevel)
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
    bad = _collinear(Xd if wk is None else Xd * np.sqrt(wk)[:, None], names, Xraw=Xk)
    if bad:
        badn = [names[j] for j in bad]
        hit = [b for b in badn if b in protected]
        if hit:
            raise DataValidationError(
                f"{hit} is collinear with the fixed effects ({', '.join(fe_names)}) or other regressors "
                f"{[b for b in badn if b not in hit]}: it cannot be estimated (e.g. treatment constant within "
                "units and periods, or every unit treated at the same time)", column=hit[0], rule="not-collinear")
        warnings.warn(f"collinear regressor(s) dropped: {badn} (collinear with the other regressors or the "
                      f"fixed effects {fe_names})", CollinearityWarning, stacklevel=stacklevel)
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


def twfe(data: pd.DataFrame | Panel, y: str, treat: str, unit: str | None = None, time: str | None = None,
         covariates: list[str] | None = None, vcov=None, weights: str | None = None,
         alpha: float = 0.05) -> EstimationResult:
    """Two-way fixed effects: ``y ~ treat + covariates | unit + time``.

    Unit and period fixed effects are absorbed (exact within transformation), on balanced or
    unbalanced panels; singleton observations are dropped as fixest does, with a warning.

    Parameters
    ----------
    data : DataFrame or Panel -- long format, one row per unit and period.
    y, treat, unit, time : column names; ``treat`` is 0/1 and absorbing.
    covariates : list of column names, optional.
    vcov : ``"iid"``, ``"hc1"`` or ``{"cluster": column}``. Default: clustered by unit (fixest's default).
        CRV1 follows fixest's small-sample convention: ``G/(G-1) * (n-1)/(n-K)`` where K does **not**
        count fixed effects nested in the clusters. Estimates and SEs equal pyfixest's.
        With a single treated cluster a :class:`FewTreatedClustersWarning` is raised.
    weights : column of analytic (WLS) weights, optional.

    Returns
    -------
    EstimationResult with headline term ``treat``.

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
    covariates = list(covariates or [])
    p = as_panel(data, unit=unit, time=time, y=y, treat=treat, covariates=covariates, weights=weights,
                 balance="keep")
    kind, ccol = parse_vcov(vcov, default_cluster=p.unit)
    names = [treat] + covariates
    X = np.column_stack([p.treat_values] + [p.covariate_values[c] for c in covariates])
    cl = None
    if kind == "cluster":
        if ccol not in p.data.columns:
            raise DataValidationError(f"cluster column {ccol!r} not found", column=ccol, rule="column-exists")
        cl = p.unit_codes if ccol == p.unit else p.data[ccol].to_numpy()
    fit = fe_ols(p.y_values, X, names, [p.unit_codes, p.time_codes], [p.unit, p.time], p.weight_values,
                 kind, cl, ccol, protected=(treat,))
    info = {"Fixed effects": f"{p.unit} ({fit['fe_levels'][p.unit]}), {p.time} ({fit['fe_levels'][p.time]})",
            "Standard errors": _vcov_label(kind, ccol, fit)}
    if kind == "cluster":
        ntc = warn_few_treated_clusters(cl[fit["mask"]], p.treat_values[fit["mask"]], ccol)
        info["Treated clusters"] = ntc
        if ntc <= 1:
            fit["notes"].append("one treated cluster: the clustered SE is unreliable; use a wild cluster "
                                "bootstrap or randomization inference")
    res = EstimationResult(fit["coef"], fit["vcov"], fit["df"], treat, "Two-way fixed effects (OLS)",
                           fit["nobs"], info, fit["notes"], alpha)
    # the estimation sample and design, for inference that re-estimates (wild cluster bootstrap,
    # randomization inference in govstudy.estimators.inference)
    m = fit["mask"]
    res.design = {"estimator": "twfe", "y": p.y_values[m], "X": X[m], "names": names, "treat": treat,
                  "fes": [p.unit_codes[m], p.time_codes[m]], "fe_names": [p.unit, p.time],
                  "weights": None if p.weight_values is None else p.weight_values[m],
                  "cluster": None if cl is None else cl[m], "cluster_name": ccol if kind == "cluster" else None,
                  "unit": p.unit_codes[m], "time": p.time_values[m], "cohort": p.cohort_values[m],
                  "df_k": fit["df_k"]}
    return res


def _vcov_label(kind, ccol, fit):
    if kind == "cluster":
        return f"CRV1 clustered by {ccol} ({fit['n_clusters']} clusters; fixest small-sample correction)"
    return {"iid": "iid", "hc1": "heteroskedasticity-robust (HC1)"}[kind]
