"""The classic 2x2 difference-in-differences by OLS.

``y ~ 1 + treated + post + treated:post + covariates``; the headline is the interaction. The input gate
(columns, 0/1 post, missing and zero-weight rows counted with the first row named) is here; the fit is the one
engine, :func:`govstudy.estimators.ols.fe_ols` without fixed effects.
"""

from __future__ import annotations


import numpy as np
import pandas as pd

from govstudy.arguments import check_alpha, names, renamed
from govstudy.errors import DataValidationError, SampleWarning, warn
from govstudy.estimators.ols import fe_ols
from govstudy.estimators.results import EstimationResult, FitDesign
from govstudy.estimators.vcov import parse_vcov, warn_few_clusters
from govstudy.panel import numeric_column

__all__ = ["did_2x2"]


def _binary(data, col, source):
    v = numeric_column(data, col, source=source)
    bad = np.flatnonzero(~np.isnan(v) & (v != 0) & (v != 1))
    if bad.size:
        raise DataValidationError(f"must be 0/1, found {data[col].iloc[bad[0]]!r}", source=source, column=col,
                                  row=int(bad[0]) + 1, rule="binary")
    return v


@renamed({"treat": "treated (the group: 0/1 or an intensity; twfe's treat= is the unit-period regressor)",
          "yname": "y", "vcov_type": "vcov", "clusters": "cluster"})
def did_2x2(data: pd.DataFrame, *, y: str, treated: str, post: str, covariates=None, unit: str | None = None,
            weights: str | None = None, cluster: str | None = None, vcov: str = "iid", source: str | None = None,
            alpha: float = 0.05) -> EstimationResult:
    """2x2 difference-in-differences: OLS (WLS with ``weights``) of ``y`` on treated, post, their product
    and covariates.

    Parameters
    ----------
    data : DataFrame (repeated cross-sections or a panel in long format); no unit id is required.
    y : outcome column.
    treated : the group: 0/1, or any numeric treatment intensity of the group (distinct from
        :func:`govstudy.twfe`'s ``treat``, the unit-period regressor).
    post : 0/1 column, the post period.
    covariates : column name(s), optional.
    unit : unit ids, optional: needed only for randomization inference (it permutes the group across units).
    weights : analytic weights; rows with weight 0 are removed (with a warning).
    cluster, vcov : ``vcov="iid"`` (default), ``"hc1"`` or ``"cluster"`` with ``cluster="column"``
        (CRV1, small-sample factor ``G/(G-1) * (n-1)/(n-k)``, as statsmodels and fixest).

    Rows with a missing outcome, group, post or covariate are left out with a :class:`SampleWarning`;
    ±inf and missing cluster ids are errors naming the rows.

    Example
    -------
    >>> import pandas as pd
    >>> from govstudy import did_2x2
    >>> df = pd.DataFrame({"y": [1, 2, 3, 6, 1.1, 2.1, 2.9, 6.1], "g": [0, 0, 1, 1] * 2,
    ...                    "p": [0, 1, 0, 1] * 2})
    >>> round(did_2x2(df, y="y", treated="g", post="p").estimate, 2)
    2.1
    """
    alpha = check_alpha(alpha)
    if not isinstance(data, pd.DataFrame):
        raise TypeError(f"data must be a pandas DataFrame, got {type(data).__name__}")
    covariates = names(covariates)
    kind, ccol = parse_vcov(vcov, cluster)
    for col in [y, treated, post] + covariates + [c for c in (unit, weights, ccol) if c]:
        if col not in data.columns:
            raise DataValidationError(f"column {col!r} not found; available: {list(data.columns)}", source=source,
                                      column=col, rule="column-exists")
    yv = numeric_column(data, y, source=source, what="outcome")
    if np.all(np.isnan(yv)):
        raise DataValidationError("the outcome is missing (NaN) in every row", source=source, column=y,
                                  rule="outcome-not-all-nan")
    d = numeric_column(data, treated, source=source, what="group value")
    pst = _binary(data, post, source)
    inter = f"{treated}:{post}"
    cols = {"const": np.ones(len(data)), treated: d, post: pst, inter: d * pst}
    for c in covariates:
        cols[c] = numeric_column(data, c, source=source, what="covariate")
    X = pd.DataFrame(cols)
    w = None
    ok = ~np.isnan(yv) & X.notna().all(axis=1).to_numpy()
    extra = {}
    if weights:
        w = numeric_column(data, weights, source=source, allow_nan=False, what="weight")
        if (w < 0).any():
            r = int(np.flatnonzero(w < 0)[0])
            raise DataValidationError(f"weights must be non-negative, found {w[r]:g}", source=source, column=weights,
                                      row=r + 1, rule="non-negative")
        extra["zero weight"] = w == 0
    for c in (ccol, unit):
        if c:
            na = np.flatnonzero(data[c].isna().to_numpy())
            if na.size:
                raise DataValidationError(f"{na.size} missing {'cluster' if c == ccol else 'unit'} id(s) (rows "
                                          f"{', '.join(str(i + 1) for i in na[:5])})", source=source, column=c,
                                          row=int(na[0]) + 1, rule="id-not-null")
    notes = []
    drop = ~ok
    for m in extra.values():
        drop |= m
    if drop.any():
        first = int(np.flatnonzero(drop)[0]) + 1
        parts = []
        if (~ok).any():
            parts.append(f"{int((~ok).sum())} with a missing outcome, group, post or covariate")
        parts += [f"{int(m.sum())} with {why}" for why, m in extra.items() if m.any()]
        msg = f"did_2x2: {int(drop.sum())} of {len(drop)} rows left out ({'; '.join(parts)}; first: row {first})"
        warn(msg, SampleWarning)
        notes.append(msg)
    keep = ~drop
    X, yk = X[keep], yv[keep]
    wk = None if w is None else w[keep]
    cl_codes = None
    if kind == "cluster":
        cl_codes = pd.factorize(data.loc[keep, ccol].to_numpy(), sort=True)[0]
        warn_few_clusters(cl_codes, d[keep] * (d[keep] != 0), ccol)
    fit = fe_ols(yk, X.to_numpy(dtype=float), list(X.columns), [], [], wk, kind, cl_codes, ccol,
                 protected=(inter, "const", treated, post), source=source,
                 hint="the 2x2 design is degenerate: it needs treated and control units both before and after")
    notes += fit.notes
    names_ = list(fit.coef.index)
    label = {"iid": "iid", "hc1": "HC1"}.get(kind, f"CRV1 clustered by {ccol}")
    res = EstimationResult(fit.coef, fit.vcov, fit.df, inter, "2x2 difference-in-differences (OLS)", int(keep.sum()),
                           {"Standard errors": label}, notes, alpha)
    ucodes = assignment = None
    if unit:
        ucodes = pd.factorize(data.loc[keep, unit].to_numpy(), sort=True)[0]
        assignment = np.full(int(ucodes.max()) + 1, np.nan)
        assignment[ucodes] = d[keep]
        varies = np.flatnonzero(assignment[ucodes] != d[keep])
        if varies.size:
            assignment = None     # the group varies within a unit: randomization inference will refuse
    res.fit_design = FitDesign(
        estimator="did_2x2", y=yk, X=X[names_].to_numpy(dtype=float), names=tuple(names_), term=inter, weights=wk,
        cluster=cl_codes, cluster_name=ccol if kind == "cluster" else None, df_k=fit.df_k, unit=ucodes,
        assignment=assignment, post=pst[keep], treated_term=treated)
    res.unit_name = unit
    return res
