"""The classic 2x2 difference-in-differences by OLS (statsmodels underneath).

``y ~ 1 + treated + post + treated:post + covariates``; the headline is the interaction.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from govstudy.errors import DataValidationError
from govstudy.estimators.results import EstimationResult
from govstudy.estimators.twfe import CollinearityWarning, _collinear
from govstudy.estimators.vcov import parse_vcov, warn_few_treated_clusters
from govstudy.panel import PanelWarning, numeric_column

__all__ = ["did_2x2"]


def _binary(data, col):
    v = numeric_column(data, col)
    bad = np.flatnonzero(~np.isnan(v) & (v != 0) & (v != 1))
    if bad.size:
        raise DataValidationError(f"must be 0/1, found {data[col].iloc[bad[0]]!r}", column=col,
                                  row=int(bad[0]) + 1, rule="binary")
    return v


def did_2x2(data: pd.DataFrame, y: str, treated: str, post: str, covariates: list[str] | None = None,
            vcov="iid", alpha: float = 0.05) -> EstimationResult:
    """2x2 difference-in-differences: OLS of ``y`` on treated, post, their product and covariates.

    Parameters
    ----------
    data : DataFrame (repeated cross-sections or a panel in long format).
    y : outcome column.  treated, post : 0/1 columns.
    covariates : list of columns, optional.
    vcov : ``"iid"`` (default), ``"hc1"`` or ``{"cluster": column}`` (CRV1, small-sample factor
        ``G/(G-1) * (n-1)/(n-k)``, as statsmodels and fixest).

    Example
    -------
    >>> import pandas as pd
    >>> from govstudy import did_2x2
    >>> df = pd.DataFrame({"y": [1, 2, 3, 6, 1.1, 2.1, 2.9, 6.1], "g": [0, 0, 1, 1] * 2,
    ...                    "p": [0, 1, 0, 1] * 2})
    >>> round(did_2x2(df, "y", treated="g", post="p").estimate, 2)
    2.1
    """
    covariates = list(covariates or [])
    yv = numeric_column(data, y)
    if np.all(np.isnan(yv)):
        raise DataValidationError("the outcome is missing (NaN) in every row", column=y, rule="outcome-not-all-nan")
    d, pst = _binary(data, treated), _binary(data, post)
    inter = f"{treated}:{post}"
    cols = {"const": np.ones(len(data)), treated: d, post: pst, inter: d * pst}
    for c in covariates:
        cols[c] = numeric_column(data, c)
    X = pd.DataFrame(cols, index=data.index)
    kind, ccol = parse_vcov(vcov)
    if kind == "cluster" and ccol not in data.columns:
        raise DataValidationError(f"cluster column {ccol!r} not found; available: {list(data.columns)}",
                                  column=ccol, rule="column-exists")
    ok = ~np.isnan(yv) & X.notna().all(axis=1).to_numpy()
    if kind == "cluster":
        ok &= data[ccol].notna().to_numpy()
    notes = []
    if not ok.all():
        first = int(np.flatnonzero(~ok)[0]) + 1
        msg = (f"{int((~ok).sum())} of {len(ok)} rows have a missing value in the outcome, treated, post, "
               f"covariates or cluster and are left out (first: row {first})")
        warnings.warn(msg, PanelWarning, stacklevel=2)
        notes.append(msg)
    X, yk = X[ok], yv[ok]
    bad = _collinear(X.to_numpy(), list(X.columns))
    if bad:
        badn = [X.columns[j] for j in bad]
        if any(b in (inter, "const", treated, post) for b in badn):
            raise DataValidationError(f"the 2x2 design is degenerate: {badn} collinear (need treated and "
                                      "control units both before and after)", column=treated, rule="not-collinear")
        warnings.warn(f"collinear covariate(s) dropped: {badn}", CollinearityWarning, stacklevel=2)
        notes.append(f"collinear covariate(s) dropped: {badn}")
        X = X.drop(columns=badn)
    import statsmodels.api as sm  # imported here: it adds about a second to `import govstudy`

    model = sm.OLS(yk, X)
    if kind == "iid":
        fit = model.fit()
        df = int(fit.df_resid)
    elif kind == "hc1":
        fit = model.fit(cov_type="HC1")
        df = int(fit.df_resid)
    else:
        cl = data.loc[ok, ccol].to_numpy()
        warn_few_treated_clusters(cl, d[ok], ccol)
        fit = model.fit(cov_type="cluster", cov_kwds={"groups": pd.factorize(cl)[0]})
        df = int(pd.Series(cl).nunique()) - 1
    names = list(X.columns)
    coef = pd.Series(np.asarray(fit.params), index=names)
    V = pd.DataFrame(np.asarray(fit.cov_params()), index=names, columns=names)
    label = {"iid": "iid", "hc1": "HC1"}.get(kind, f"CRV1 clustered by {ccol}")
    res = EstimationResult(coef, V, df, inter, "2x2 difference-in-differences (OLS)", int(ok.sum()),
                           {"Standard errors": label}, notes, alpha)
    # the estimation sample and design, for govstudy.estimators.inference (wild bootstrap, RI)
    res.design = {"estimator": "did_2x2", "y": yk, "X": X.to_numpy(dtype=float), "names": names,
                  "treat": inter, "treated": treated, "post": post, "fes": [], "fe_names": [], "weights": None,
                  "cluster": data.loc[ok, ccol].to_numpy() if kind == "cluster" else None,
                  "cluster_name": ccol if kind == "cluster" else None, "data": data, "mask": ok,
                  "df_k": X.shape[1]}
    return res
