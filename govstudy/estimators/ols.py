"""One fixed-effects least-squares engine: every linear estimator of govstudy fits through :func:`fe_ols`.

``twfe``, ``did_2x2`` (no fixed effects, an intercept column), ``event_study``, the Bacon decomposition, the
imputation estimator's pre-trend test and ``power`` call it; the wild bootstrap and randomization inference
re-use the design it leaves in ``result.fit_design``. In one place:

* the sample: rows with a missing or infinite value are left out (counted in a warning), singleton
  fixed-effect levels are dropped iteratively as fixest does;
* the Frisch-Waugh-Lovell projection: fixed effects absorbed by :func:`govstudy.estimators.demean.demean`
  (never a dummy per unit);
* collinearity: a regressor that adds nothing to the span of those before it (or of the fixed effects) is
  dropped with a :class:`CollinearityWarning` naming it, or is an error when it is the effect of interest;
* the variance: iid / HC1 / CRV1 with fixest's small-sample conventions (:mod:`.vcov`).

Why our own code: statsmodels has no absorbed fixed effects, and pyfixest (our oracle in the tests) is a
test-only dependency with a formula front end; the exact two-factor projection is also faster than iterating.

>>> import numpy as np
>>> x = np.arange(8.0)
>>> fit = fe_ols(2 * x + 1, np.column_stack([np.ones(8), x]), ["const", "x"], [], [])
>>> fit.coef.round(6).tolist(), fit.nobs
([1.0, 2.0], 8)
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from govstudy.errors import DataValidationError, SampleWarning, warn
from govstudy.estimators.demean import demean, drop_singletons
from govstudy.estimators.vcov import count_levels, nested_in, vcov_matrix

__all__ = ["fe_ols", "OLSFit", "CollinearityWarning", "collinear_columns", "vcov_label"]


@dataclass
class OLSFit:
    """What :func:`fe_ols` returns: estimates on the kept rows (``mask`` marks them in the input order)."""
    coef: pd.Series
    vcov: pd.DataFrame
    df: int
    nobs: int
    mask: np.ndarray
    df_k: int
    resid: np.ndarray
    fe_levels: dict
    n_clusters: int | None
    notes: list = field(default_factory=list)


class CollinearityWarning(UserWarning):
    """Regressors were dropped because they are collinear (with each other or the fixed effects)."""


def collinear_columns(Xd: np.ndarray, names: list[str], tol: float = 1e-9, Xraw: np.ndarray | None = None) -> list[int]:
    """Indices of columns that are (near-)linear combinations of the columns before them (or of the fixed effects).

    >>> collinear_columns(np.array([[1.0, 2.0, 1.0], [2.0, 4.0, 0.0], [3.0, 6.0, 1.0]]), ["a", "b", "c"])
    [1]
    """
    if Xd.shape[1] == 0:
        return []
    scale = np.sqrt((Xd ** 2).sum(axis=0))
    raw_scale = scale if Xraw is None else np.sqrt((Xraw ** 2).sum(axis=0))
    bad = set(np.flatnonzero(scale <= 1e-8 * np.maximum(raw_scale, 1e-300)).tolist())
    good = [j for j in range(Xd.shape[1]) if j not in bad]
    if len(good) > 1:
        # unpivoted QR in the given order: a column is dropped when it adds (almost) nothing to the
        # span of the columns before it, so the later of two collinear columns goes (as fixest)
        Z = Xd[:, good] / scale[good]
        R = np.linalg.qr(Z, mode="r")
        d = np.abs(np.diag(R))
        bad |= {good[i] for i in np.flatnonzero(d < tol ** 0.5 * 1e-2)}
    return sorted(bad)


TWFE_HINT = "e.g. treatment constant within units and periods, or every unit treated at the same time"


def fe_ols(y: np.ndarray, X: np.ndarray, names: list[str], fes: list[np.ndarray], fe_names: list[str],
           weights: np.ndarray | None = None, vcov_kind: str = "iid", cluster: np.ndarray | None = None,
           cluster_name: str | None = None, protected: tuple[str, ...] = (), drop_singleton: bool = True,
           hint: str = TWFE_HINT, source: str | None = None) -> OLSFit:
    """Least squares of ``y`` on ``X`` (columns ``names``) with the fixed effects ``fes`` absorbed.

    Rows with a missing value in y, X, weights or cluster are dropped (and counted); singleton
    fixed-effect levels are dropped iteratively as fixest does (with a warning); collinear
    regressors are dropped with a :class:`CollinearityWarning` naming them, unless they are in
    ``protected`` (the effect of interest), which raises :class:`DataValidationError` explained by ``hint``.
    Without fixed effects, pass an intercept column in ``X``.
    """
    ok = _complete(y, X, weights, cluster)
    notes = []
    if not ok.all():
        msg = f"{int((~ok).sum())} of {len(y)} rows with a missing or infinite value left out"
        notes.append(msg)
        warn(msg, SampleWarning)
    if fes and drop_singleton:
        keep = drop_singletons(fes if ok.all() else [f[ok] for f in fes])
        if not keep.all():
            ok[np.flatnonzero(ok)[~keep]] = False
            msg = (f"{int((~keep).sum())} singleton observation(s) dropped (fixed-effect levels with one "
                   "observation), as fixest does")
            notes.append(msg)
            warn(msg, SampleWarning)
    if not ok.any():
        raise DataValidationError("no observations left after dropping missing values and singletons",
                                  source=source, rule="non-empty")
    full = bool(ok.all())
    yk, Xk = (y, X) if full else (y[ok], X[ok])
    wk = None if weights is None else (weights if full else weights[ok])
    fk = [f if full else f[ok] for f in fes]
    ck = None if cluster is None else (cluster if full else cluster[ok])
    yd, Xd = _project(yk, Xk, fk, wk)
    bad = collinear_columns(Xd if wk is None else Xd * np.sqrt(wk)[:, None], names, Xraw=Xk)
    if bad:
        Xd, names, note = _drop_collinear(Xd, names, bad, fe_names, protected, hint, source)
        notes.append(note)
    n, k = Xd.shape
    bread = np.linalg.inv(Xd.T @ (Xd if wk is None else Xd * wk[:, None]))
    beta = bread @ (Xd.T @ (yd if wk is None else wk * yd))
    resid = yd if yk is not yd else yd.copy()     # yd is fe_ols's own (demeaned) copy: reused for the residuals
    resid -= Xd @ beta
    levels = [int(np.count_nonzero(np.bincount(f))) for f in fk]
    df_k = k + _fe_dof(levels, fk, ck if vcov_kind == "cluster" else None)
    V, df_t = vcov_matrix(Xd, resid, vcov_kind, df_k, wk, ck, bread=bread)
    return OLSFit(coef=pd.Series(beta, index=names), vcov=pd.DataFrame(V, index=names, columns=names), df=df_t,
                  nobs=n, mask=ok, df_k=df_k, resid=resid, fe_levels=dict(zip(fe_names, levels)),
                  n_clusters=None if ck is None else count_levels(ck), notes=notes)


def _complete(y, X, weights, cluster) -> np.ndarray:
    ok = np.isfinite(y) & np.all(np.isfinite(X), axis=1)
    if weights is not None:
        ok &= np.isfinite(weights)
    if cluster is not None:
        ok &= ~pd.isna(cluster)
    return ok


def _project(y, X, fes, w):
    """The Frisch-Waugh-Lovell step: y and X with the fixed effects projected out (one demeaning pass)."""
    if not fes:
        return y, X
    Z = np.empty((len(y), X.shape[1] + 1))
    Z[:, 0] = y
    Z[:, 1:] = X
    Z = demean(Z, fes, w, inplace=True)
    return Z[:, 0], Z[:, 1:]


def _drop_collinear(Xd, names, bad, fe_names, protected, hint, source):
    badn = [names[j] for j in bad]
    hit = [b for b in badn if b in protected]
    if hit:
        span = f"the fixed effects ({', '.join(fe_names)}) or other regressors" if fe_names else "other regressors"
        raise DataValidationError(f"{hit} is collinear with {span} {[b for b in badn if b not in hit]}: it cannot "
                                  f"be estimated ({hint})", source=source, column=hit[0], rule="not-collinear")
    span = f"the other regressors or the fixed effects {fe_names}" if fe_names else "the other regressors"
    warn(f"collinear regressor(s) dropped: {badn} (collinear with {span})", CollinearityWarning)
    keep = [j for j in range(Xd.shape[1]) if j not in bad]
    return Xd[:, keep], [names[j] for j in keep], f"collinear regressor(s) dropped: {badn}"


def _fe_dof(levels, fes, cluster) -> int:
    """Degrees of freedom the fixed effects use; with clustering, those nested in the clusters are not counted
    (fixest's small-sample convention)."""
    if not fes:
        return 0
    k_fe = sum(levels) - (len(fes) - 1)
    if cluster is None:
        return k_fe
    nested = [nested_in(f, cluster) for f in fes]
    return k_fe - sum(lv for lv, ns in zip(levels, nested) if ns) + sum(nested)


def vcov_label(kind: str, ccol: str | None, fit: OLSFit) -> str:
    """The "Standard errors" line of a summary.

    >>> vcov_label("hc1", None, None)
    'heteroskedasticity-robust (HC1)'
    """
    if kind == "cluster":
        return f"CRV1 clustered by {ccol} ({fit.n_clusters} clusters; fixest small-sample correction)"
    return {"iid": "iid", "hc1": "heteroskedasticity-robust (HC1)"}[kind]
