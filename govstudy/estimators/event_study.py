"""Event studies: dynamic two-way fixed effects and Sun & Abraham's (2021) interaction-weighted estimator.

``method="twfe"`` regresses the outcome on relative-time indicators ``1[t - cohort = e]`` (for
e != ``ref``) with unit and period fixed effects. Under staggered adoption with effects that
differ across cohorts these coefficients mix cohorts with possibly negative weights.
``method="sun_abraham"`` fixes that: it interacts relative time with cohort (every treated
cohort x every relative period except ``ref``), with never-treated units as the control group (if
there are none, the last-treated cohort serves as control and periods from its treatment on are
dropped), then averages the cohort-specific effects at each e with weights equal to each cohort's
share of the treated observations at e (as fixest's ``sunab``); SEs by the delta method, treating
the shares as fixed.

Conventions: cohort = first treated period, 0 or missing = never treated. Relative periods
outside ``window=(lo, hi)`` are binned into the endpoints. The default variance is CRV1 clustered
by unit with fixest's small-sample factor (see :mod:`govstudy.estimators.vcov`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from govstudy.errors import DataValidationError
from govstudy.estimators.results import EventStudyResult
from govstudy.estimators.twfe import _vcov_label, fe_ols
from govstudy.estimators.vcov import parse_vcov, warn_few_treated_clusters
from govstudy.panel import Panel, as_panel

__all__ = ["event_study"]


def event_study(data: pd.DataFrame | Panel, y: str, unit: str | None = None, time: str | None = None,
                cohort: str | None = None, ref: int = -1, window: tuple[int, int] | None = None, vcov=None,
                method: str = "twfe", covariates: list[str] | None = None, weights: str | None = None,
                alpha: float = 0.05) -> EventStudyResult:
    """Event-study regression with a reference period, binned endpoints and a joint pre-trend test.

    Parameters
    ----------
    data : long DataFrame or Panel; y, unit, time, cohort : columns (cohort 0/missing = never treated).
    ref : reference relative period, normalised to 0 (default -1, the period before treatment).
    window : ``(lo, hi)``; relative periods below ``lo`` / above ``hi`` are binned into ``lo`` / ``hi``.
    vcov : ``"iid"``, ``"hc1"`` or ``{"cluster": col}``; default clustered by unit (CRV1, fixest convention).
    method : ``"twfe"`` (default) or ``"sun_abraham"``.

    Returns
    -------
    EventStudyResult: ``.event_times()`` per relative period (reference row included), ``.pretrend``
    (joint F test that all pre-period coefficients are zero), ``.plot()``; the headline ``.estimate``
    is the average of the e >= 0 coefficients.

    Example
    -------
    >>> import numpy as np, pandas as pd
    >>> from govstudy import event_study
    >>> rng = np.random.default_rng(1)
    >>> df = pd.DataFrame({"id": np.repeat(np.arange(60), 8), "t": np.tile(np.arange(1, 9), 60)})
    >>> df["g"] = np.where(df.id < 20, 5, np.where(df.id < 40, 6, 0))
    >>> df["y"] = np.where((df.g > 0) & (df.t >= df.g), 1.0, 0.0) + rng.normal(0, 0.1, len(df))
    >>> es = event_study(df, "y", "id", "t", "g", method="sun_abraham")
    >>> round(es.estimate, 1)
    1.0
    """
    if method not in ("twfe", "sun_abraham"):
        raise ValueError("method must be 'twfe' or 'sun_abraham'")
    covariates = list(covariates or [])
    p = as_panel(data, unit=unit, time=time, y=y, cohort=cohort, covariates=covariates, weights=weights,
                 balance="keep")
    kind, ccol = parse_vcov(vcov, default_cluster=p.unit)
    G = p.cohort_values
    tv = p.time_values
    if not (G > 0).any():
        raise DataValidationError("no treated units (every cohort is 0 / missing)", column=p.cohort_col,
                                  rule="treated-cohorts")
    rel = np.where(G > 0, tv - G, 0).astype(np.int64)
    if window is not None:
        lo, hi = window
        if not lo <= ref <= hi:
            raise ValueError(f"ref={ref} must lie inside window={window}")
        rel = np.clip(rel, lo, hi)
    rows = np.ones(len(G), bool)
    notes = []
    treated = G > 0
    if method == "sun_abraham" and not (G == 0).any():
        last = G.max()
        rows = tv < last
        treated = treated & (G != last)
        notes.append(f"no never-treated units: cohort {last} is the control group; periods >= {last} dropped")
    observed = np.isfinite(p.y_values)
    if not (treated & rows & observed).any():
        raise DataValidationError(f"the treated units (cohort > 0) have no observed outcomes: {p.y!r} is missing "
                                  "in every row of every treated unit", column=p.y, rule="treated-outcome-observed")
    if not (treated & rows & observed & (tv >= G)).any():
        raise DataValidationError(f"the treated units (cohort > 0) have no observed outcomes after treatment: {p.y!r} "
                                  "is missing in every post-treatment row", column=p.y, rule="treated-outcome-observed")
    es_vals = np.unique(rel[treated & rows])
    es_vals = es_vals[es_vals != ref]
    if ref not in np.unique(rel[treated & rows]):
        raise DataValidationError(f"reference period e={ref} is not observed for any treated unit",
                                  column=p.cohort_col, rule="reference-period")
    names, cols, cell = [], [], []
    if method == "twfe":
        for e in es_vals:
            names.append(f"e={e}")
            cols.append((treated & (rel == e)).astype(float))
    else:
        for g in np.unique(G[treated & rows]):
            for e in np.unique(rel[(G == g) & rows]):
                if e == ref:
                    continue
                names.append(f"cohort={g}, e={e}")
                cols.append(((G == g) & (rel == e)).astype(float))
                cell.append((g, e))
    X = np.column_stack(cols + [p.covariate_values[c] for c in covariates])
    names_all = names + covariates
    cl = None
    if kind == "cluster":
        if ccol not in p.data.columns:
            raise DataValidationError(f"cluster column {ccol!r} not found", column=ccol, rule="column-exists")
        cl = p.data[ccol].to_numpy()[rows]
    wv = None if p.weight_values is None else p.weight_values[rows]
    fit = fe_ols(p.y_values[rows], X[rows], names_all, [p.unit_codes[rows], p.time_codes[rows]],
                 [p.unit, p.time], wv, kind, cl, ccol, protected=())
    b, V = fit["coef"], fit["vcov"]
    if method == "twfe":
        terms = [n for n in names if n in b.index]
        coef = b[terms]
        Vc = V.loc[terms, terms]
        event_time = {n: int(n.split("=")[1]) for n in terms}
        label = "Event study (two-way fixed effects)"
    else:
        mask = fit["mask"]
        obs_g = G[rows][mask]
        obs_rel = rel[rows][mask]
        est_names, Wrows = [], []
        kept = [(n, c) for n, c in zip(names, cell) if n in b.index]
        for e in es_vals:
            idx = [i for i, (n, c) in enumerate(kept) if c[1] == e]
            if not idx:
                continue
            shares = np.array([np.sum((obs_g == kept[i][1][0]) & (obs_rel == e)) for i in idx], float)
            wrow = np.zeros(len(b))
            for i, s in zip(idx, shares):
                wrow[list(b.index).index(kept[i][0])] = s / shares.sum()
            est_names.append(f"e={e}")
            Wrows.append(wrow)
        Wm = np.array(Wrows)
        coef = pd.Series(Wm @ b.to_numpy(), index=est_names)
        Vc = pd.DataFrame(Wm @ V.to_numpy() @ Wm.T, index=est_names, columns=est_names)
        event_time = {n: int(n.split("=")[1]) for n in est_names}
        label = "Event study (Sun & Abraham interaction-weighted)"
        cohort_coef = b[[n for n, _ in kept]]
    # headline: average of post coefficients
    post = [n for n in coef.index if event_time[n] >= 0]
    if not post:
        raise DataValidationError("no post-treatment relative periods in the data", column=p.cohort_col,
                                  rule="post-periods")
    a = np.array([1.0 / len(post) if n in post else 0.0 for n in coef.index])
    avg_name = "avg(e>=0)"
    coef_all = pd.concat([coef, pd.Series({avg_name: float(a @ coef.to_numpy())})])
    Vm = Vc.to_numpy()
    va = Vm @ a
    Vfull = np.block([[Vm, va[:, None]], [va[None, :], np.array([[a @ va]])]])
    Vfull = pd.DataFrame(Vfull, index=coef_all.index, columns=coef_all.index)
    pre = [n for n in coef.index if event_time[n] < 0]
    pretrend = None
    if pre:
        bp = coef[pre].to_numpy()
        Vp = Vc.loc[pre, pre].to_numpy()
        q = len(pre)
        stat = float(bp @ np.linalg.solve(Vp, bp)) / q
        df2 = fit["df"]
        pretrend = {"stat": stat, "df1": q, "df2": int(df2), "p_value": float(stats.f.sf(stat, q, df2)),
                    "terms": pre}
    info = {"Fixed effects": f"{p.unit}, {p.time}", "Reference period": f"e = {ref}",
            "Standard errors": _vcov_label(kind, ccol, fit)}
    if window is not None:
        info["Window"] = f"{window} (endpoints binned)"
    if kind == "cluster":
        ntc = warn_few_treated_clusters(cl[fit["mask"]], treated[rows][fit["mask"]].astype(float), ccol)
        info["Treated clusters"] = ntc
    res = EventStudyResult(coef_all, Vfull, fit["df"], avg_name, label, fit["nobs"], info, notes + fit["notes"],
                           alpha, event_time=event_time, ref=ref, pretrend=pretrend)
    res.regression = fit
    if method == "sun_abraham":
        res.cohort_effects = cohort_coef
    return res
