"""Two-way fixed effects regression: ``y ~ treat + covariates | unit + time``.

The front end of the one fixed-effects engine (:func:`govstudy.estimators.ols.fe_ols`): it validates the panel
(:func:`govstudy.panel.as_panel`), fits, warns about few treated clusters, and keeps the typed
:class:`~govstudy.estimators.results.FitDesign` that the wild bootstrap and randomization inference re-use.

Why our own code: that of :mod:`govstudy.estimators.ols` (statsmodels has no absorbed fixed effects;
pyfixest is the test oracle only).
"""

from __future__ import annotations


import numpy as np
import pandas as pd

from govstudy.arguments import R_DID_NAMES, check_choice, renamed
from govstudy.estimators.demean import dense_codes
from govstudy.estimators.ols import fe_ols, vcov_label
from govstudy.estimators.poisson import twfe_panel, twfe_poisson
from govstudy.estimators.results import EstimationResult, FitDesign
from govstudy.estimators.vcov import MIN_TREATED_CLUSTERS, warn_few_clusters
from govstudy.panel import Panel

__all__ = ["twfe"]


@renamed(dict(R_DID_NAMES, vcov_type="vcov", clusters="cluster", cluster_var="cluster", fe="(unit and time)"))
def twfe(data: pd.DataFrame | Panel, *, y: str | None = None, treat: str | None = None, unit: str | None = None,
         time: str | None = None, covariates=None, weights: str | None = None, cluster: str | None = None,
         vcov: str | None = None, freq: str | None = None, alpha: float = 0.05,
         family: str = "gaussian") -> EstimationResult:
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
    family : ``"gaussian"`` (default; least squares) or ``"poisson"``: PPML for counts, ``log E[y] = b treat + ...
        + unit + period effects``, equal to pyfixest's ``fepois`` (:func:`govstudy.estimators.poisson.twfe_poisson`;
        units or periods whose outcome is 0 in every row are dropped with a warning; ``exp(b) - 1`` is the
        proportional effect, ``.relative()``).

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
    if check_choice(family, "family", ("gaussian", "poisson")) == "poisson":
        return twfe_poisson(data, y=y, treat=treat, unit=unit, time=time, covariates=covariates, weights=weights,
                            cluster=cluster, vcov=vcov, freq=freq, alpha=alpha)
    p, covariates, kind, ccol, alpha = twfe_panel(data, y=y, treat=treat, unit=unit, time=time,
                                                  covariates=covariates, weights=weights, cluster=cluster,
                                                  vcov=vcov, freq=freq, alpha=alpha)
    treat = p.treat_col
    names_ = [treat] + covariates
    keep = p.complete_rows(estimator="twfe", covariates=covariates)
    sub = (lambda a: a) if keep.all() else (lambda a: a[keep])      # no copies when every row is kept
    X = sub(np.column_stack([p.treat_values] + [p.covariate_values[c] for c in covariates]))
    cl = None
    if kind == "cluster":
        cl = sub(p.unit_codes if ccol == p.unit else p.cluster_codes)
    fit = fe_ols(sub(p.y_values), X, names_, [sub(p.unit_codes), sub(p.time_codes)], [p.unit, p.time],
                 None if p.weight_values is None else sub(p.weight_values), kind, cl, ccol, protected=(treat,))
    info = {"Fixed effects": f"{p.unit} ({fit.fe_levels[p.unit]}), {p.time} ({fit.fe_levels[p.time]})",
            "Standard errors": vcov_label(kind, ccol, fit)}
    m = fit.mask
    rows = np.flatnonzero(keep)[m]
    if kind == "cluster":
        _, ntc = warn_few_clusters(cl[m], p.treat_values[rows], ccol)
        info["Treated clusters"] = ntc
        if ntc < MIN_TREATED_CLUSTERS:
            fit.notes.append(f"{ntc} treated cluster(s): the clustered SE is unreliable; use a wild cluster "
                                "bootstrap or randomization inference")
    res = EstimationResult(fit.coef, fit.vcov, fit.df, treat, "Two-way fixed effects (OLS)",
                           fit.nobs, info, fit.notes, alpha)
    # units and periods of the estimation sample only (a unit with no row left is not re-assigned a path)
    full = len(rows) == p.n_obs
    fit_rows = (lambda a: a) if full else (lambda a: a[rows])
    fu, ft = (dense_codes(fit_rows(c))[0] for c in (p.unit_codes, p.time_codes))
    paths = np.full((int(fu.max()) + 1, int(ft.max()) + 1), np.nan)
    paths[fu, ft] = fit_rows(p.treat_values)
    res.fit_design = FitDesign(
        estimator="twfe", y=fit_rows(p.y_values), X=X if m.all() else X[m], names=tuple(names_), term=treat,
        fes=(fit_rows(p.unit_codes), fit_rows(p.time_codes)), fe_names=(p.unit, p.time),
        weights=None if p.weight_values is None else fit_rows(p.weight_values),
        cluster=None if cl is None else appearance_codes(cl if m.all() else cl[m]),
        cluster_name=ccol if kind == "cluster" else None,
        df_k=fit.df_k, unit=fu.astype(np.int64), time=ft.astype(np.int64), assignment=paths)
    return res


def appearance_codes(codes: np.ndarray) -> np.ndarray:
    """``pd.factorize(codes)[0]`` (numbered in order of first appearance); integer codes already so numbered,
    as a panel sorted by its clusters gives them, are returned as they are (no hash table).

    >>> appearance_codes(np.array([0, 0, 1, 2])).tolist(), appearance_codes(np.array([2, 0, 2])).tolist()
    ([0, 0, 1, 2], [0, 1, 0])
    """
    if codes.dtype.kind in "iu" and len(codes) and codes[0] == 0:
        step = np.diff(codes)
        if ((step == 0) | (step == 1)).all():
            return codes
    return pd.factorize(codes)[0]
