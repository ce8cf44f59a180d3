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

Conventions: cohort = first treated period, 0 / missing / inf = never treated. Event times count periods in
order (as R did); relative periods
outside ``window=(lo, hi)`` are binned into the endpoints. The default variance is CRV1 clustered
by unit with fixest's small-sample factor (see :mod:`govstudy.estimators.vcov`).

Why our own code: both methods are one :func:`~govstudy.estimators.ols.fe_ols` fit (the engine and variance
conventions of ``twfe``) plus, for Sun & Abraham, a matrix of cohort shares; pyfixest, the oracle of the
TWFE specification in the tests, is a test-only dependency.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from govstudy.arguments import R_DID_NAMES, check_alpha, check_choice, check_int, names, renamed
from govstudy.errors import ArgumentError, DataValidationError
from govstudy.estimators.results import EventStudyResult
from govstudy.estimators.ols import fe_ols, vcov_label
from govstudy.estimators.vcov import parse_vcov, warn_few_clusters
from govstudy.panel import Panel, as_panel

__all__ = ["event_study"]


@renamed(dict(R_DID_NAMES, reference="ref", ref_p="ref", vcov_type="vcov"))
def event_study(data: pd.DataFrame | Panel, *, y: str | None = None, unit: str | None = None,
                time: str | None = None, cohort: str | None = None, treat: str | None = None, ref: int = -1,
                window: tuple[int, int] | None = None, method: str = "twfe", covariates=None,
                weights: str | None = None, cluster: str | None = None, vcov: str | None = None,
                freq: str | None = None, mid_period: str | None = None, alpha: float = 0.05) -> EventStudyResult:
    """Event-study regression with a reference period, binned endpoints and a joint pre-trend test.

    Parameters
    ----------
    data : long DataFrame or Panel (a Panel brings its columns).
    y, unit, time : columns; ``time`` in any form :mod:`govstudy.periods` reads.
    cohort : first treated period (never treated: 0, NaN, blank, ±inf), or ``treat`` : an absorbing 0/1
        treatment from which the cohort is derived. Event time counts periods in order (a warning names
        gaps in unevenly spaced periods).
    ref : reference event time, normalised to 0 (default -1, the period before treatment).
    window : ``(lo, hi)``; event times below ``lo`` / above ``hi`` are binned into ``lo`` / ``hi``.
    method : ``"twfe"`` (default) or ``"sun_abraham"``.
    cluster, vcov : as :func:`govstudy.twfe` (default: clustered by unit, CRV1 with fixest's convention).

    Returns
    -------
    EventStudyResult: ``.event_times()`` per event time (reference row included), ``.pretrend``
    (joint F test that all pre-period coefficients are zero; no p-value when the variance has lower rank
    than the number of restrictions), ``.plot()``; the headline ``.estimate`` is the average of the
    e >= 0 coefficients.

    Example
    -------
    >>> import numpy as np, pandas as pd
    >>> from govstudy import event_study
    >>> rng = np.random.default_rng(1)
    >>> df = pd.DataFrame({"id": np.repeat(np.arange(60), 8), "t": np.tile(np.arange(1, 9), 60)})
    >>> df["g"] = np.where(df.id < 20, 5, np.where(df.id < 40, 6, 0))
    >>> df["y"] = np.where((df.g > 0) & (df.t >= df.g), 1.0, 0.0) + rng.normal(0, 0.1, len(df))
    >>> es = event_study(df, y="y", unit="id", time="t", cohort="g", method="sun_abraham")
    >>> round(es.estimate, 1)
    1.0
    """
    check_choice(method, "method", ("twfe", "sun_abraham"))
    alpha = check_alpha(alpha)
    ref, window = _check_ref_window(ref, window)
    unit_col = unit if unit is not None else (data.unit if isinstance(data, Panel) else None)
    kind, ccol = parse_vcov(vcov, cluster, default_cluster=unit_col)
    p = as_panel(data, unit=unit, time=time, y=y, cohort=cohort, treat=treat, covariates=covariates,
                 weights=weights, cluster=ccol if ccol not in (None, unit_col) else None, freq=freq,
                 mid_period=mid_period)
    if p.y is None:
        raise ArgumentError("event_study needs y= (the outcome)")
    if p.cohort_values is None:
        raise ArgumentError("event_study needs cohort= (first treated period) or treat= (absorbing 0/1)")
    covariates = list(p.covariates) if covariates is None else names(covariates)
    G, rel, rows, treated, notes = _sample(p, method, window, covariates)
    es_vals = _event_times(p, rel[treated & rows], ref)
    names_, cols, cell = _design(p, method, G, rel, rows, treated, es_vals, ref)
    X = np.column_stack(cols + [p.covariate_values[c] for c in covariates])
    cl = None
    if kind == "cluster":
        cl = (p.unit_codes if ccol == p.unit else p.cluster_codes)[rows]
    wv = None if p.weight_values is None else p.weight_values[rows]
    fit = fe_ols(p.y_values[rows], X[rows], names_ + covariates, [p.unit_codes[rows], p.time_codes[rows]],
                 [p.unit, p.time], wv, kind, cl, ccol, protected=())
    b, V = fit.coef, fit.vcov
    if method == "twfe":
        terms = [n for n in names_ if n in b.index]
        coef, Vc, event_time = b[terms], V.loc[terms, terms], {n: int(n.split("=")[1]) for n in terms}
        label = "Event study (two-way fixed effects)"
    else:
        coef, Vc, event_time, cohort_coef = _sun_abraham(b, V, names_, cell, es_vals, G[rows][fit.mask],
                                                         rel[rows][fit.mask])
        label = "Event study (Sun & Abraham interaction-weighted)"
    avg_name = "avg(e>=0)"
    coef_all, Vfull = _with_post_average(p, coef, Vc, event_time, names_, b, avg_name)
    pre = [n for n in coef.index if event_time[n] < 0]
    pretrend = _wald(coef[pre].to_numpy(), Vc.loc[pre, pre].to_numpy(), fit.df, pre) if pre else None
    if pretrend and pretrend["rank"] < pretrend["df1"]:
        notes.append(f"pre-trend test: the variance of the {pretrend['df1']} pre-period coefficients has rank "
                     f"{pretrend['rank']} (e.g. fewer clusters than coefficients), so no p-value is reported")
    info = _info(p, ref, window, kind, ccol, fit, cl, treated[rows])
    res = EventStudyResult(coef_all, Vfull, fit.df, avg_name, label, fit.nobs, info, notes + fit.notes,
                           alpha, event_time=event_time, ref=ref, pretrend=pretrend)
    res.regression = fit
    if method == "sun_abraham":
        res.cohort_effects = cohort_coef
    return res


def _check_ref_window(ref, window) -> tuple[int, tuple[int, int] | None]:
    """``ref`` as an integer and ``window`` as ``(lo, hi)`` integers around it (or None)."""
    ref = check_int(ref, "ref")
    if window is not None:
        if len(window) != 2:
            raise ArgumentError(f"window must be (lo, hi), got {window!r}")
        window = (check_int(window[0], "window[0]"), check_int(window[1], "window[1]"))
        if not window[0] <= ref <= window[1]:
            raise ArgumentError(f"ref={ref} must lie inside window={window}")
    return ref, window


def _sample(p: Panel, method: str, window, covariates: list[str]):
    """Cohort positions, (binned) event times, the rows kept, the treated rows and the notes so far."""
    notes = []
    uneven = p.warn_uneven("event_study")
    if uneven:
        notes.append(uneven)
    G = p.cohort_codes                          # positions; -1 = never treated
    tv = p.time_codes
    if not (G >= 0).any():
        raise DataValidationError("no unit is treated within the panel's periods (every cohort is never treated, "
                                  "or adopts after the last period)", column=p.cohort_col, rule="treated-cohorts")
    rel = np.where(G >= 0, tv - G, 0).astype(np.int64)
    if window is not None:
        rel = np.clip(rel, *window)
    rows = p.complete_rows(estimator="event_study", covariates=covariates)
    treated = G >= 0
    if method == "sun_abraham" and not (G < 0).any():
        last = G.max()
        late = tv >= last
        rows = rows & ~late
        treated = treated & (G != last)
        notes.append(f"no never-treated units: cohort {p.period_map.label(p.periods[last])} is the control group; "
                     f"periods from {p.period_map.label(p.periods[last])} on dropped")
    if not (treated & rows).any():
        raise DataValidationError(f"the treated units have no observed outcomes: {p.y!r} is missing in every row of "
                                  "every treated unit", column=p.y, rule="treated-outcome-observed")
    if not (treated & rows & (tv >= G)).any():
        raise DataValidationError(f"the treated units have no observed outcome from their first treated period on: "
                                  f"{p.y!r} is missing in every post-treatment row", column=p.y,
                                  rule="treated-outcome-observed")
    return G, rel, rows, treated, notes


def _event_times(p: Panel, treated_rel: np.ndarray, ref: int) -> np.ndarray:
    """The event times observed for treated units, without ``ref`` (which must be among them)."""
    es_obs = np.unique(treated_rel)
    if ref not in es_obs:
        raise DataValidationError(f"reference event time e={ref} is not observed for any treated unit (observed: "
                                  f"{es_obs.tolist()[:12]})", column=p.cohort_col, rule="reference-period")
    return es_obs[es_obs != ref]


def _design(p: Panel, method: str, G, rel, rows, treated, es_vals, ref: int):
    """Names, indicator columns and (cohort, e) cells of the event-time (TWFE) or cohort x event-time
    (Sun & Abraham) regressors."""
    names_, cols, cell = [], [], []
    if method == "twfe":
        for e in es_vals:
            names_.append(f"e={e}")
            cols.append((treated & (rel == e)).astype(float))
        return names_, cols, cell
    for g in np.unique(G[treated & rows]):
        for e in np.unique(rel[(G == g) & rows]):
            if e == ref:
                continue
            names_.append(f"cohort={p.period_map.label(p.periods[g])}, e={e}")
            cols.append(((G == g) & (rel == e)).astype(float))
            cell.append((g, e))
    return names_, cols, cell


def _with_post_average(p: Panel, coef: pd.Series, Vc: pd.DataFrame, event_time: dict, names_: list[str],
                       b: pd.Series, avg_name: str) -> tuple[pd.Series, pd.DataFrame]:
    """The event-time coefficients and their variance with the average of the e >= 0 ones appended."""
    post = [n for n in coef.index if event_time[n] >= 0]
    if not post:
        dropped = [n for n in names_ if n not in b.index and int(n.rsplit("=", 1)[1]) >= 0]
        if dropped:
            raise DataValidationError(
                f"every post-treatment event-time coefficient {dropped[:6]} is collinear with the fixed effects or "
                "the other regressors (e.g. all units adopt at once and there are no never-treated units, or the "
                "window bins every post period together with the unit effects); it cannot be estimated",
                column=p.cohort_col, rule="not-collinear")
        raise DataValidationError("no post-treatment event times in the data", column=p.cohort_col,
                                  rule="post-periods")
    a = np.array([1.0 / len(post) if n in post else 0.0 for n in coef.index])
    coef_all = pd.concat([coef, pd.Series({avg_name: float(a @ coef.to_numpy())})])
    Vm = Vc.to_numpy()
    va = Vm @ a
    Vfull = np.block([[Vm, va[:, None]], [va[None, :], np.array([[a @ va]])]])
    return coef_all, pd.DataFrame(Vfull, index=coef_all.index, columns=coef_all.index)


def _info(p: Panel, ref: int, window, kind: str, ccol, fit, cl, treated_rows: np.ndarray) -> dict:
    """The result's info lines: fixed effects, reference period, SEs, window and treated clusters."""
    info = {"Fixed effects": f"{p.unit}, {p.time}", "Reference period": f"e = {ref}",
            "Standard errors": vcov_label(kind, ccol, fit)}
    if window is not None:
        info["Window"] = f"{window} (endpoints binned)"
    if kind == "cluster":
        _, ntc = warn_few_clusters(cl[fit.mask], treated_rows[fit.mask].astype(float), ccol)
        info["Treated clusters"] = ntc
    return info


def _sun_abraham(b, V, names_, cell, es_vals, obs_g, obs_rel):
    """Interaction-weighted averages: at each event time, cohort effects weighted by cohort shares."""
    est_names, Wrows = [], []
    kept = [(n, c) for n, c in zip(names_, cell) if n in b.index]
    index = list(b.index)
    for e in es_vals:
        idx = [i for i, (n, c) in enumerate(kept) if c[1] == e]
        if not idx:
            continue
        shares = np.array([np.sum((obs_g == kept[i][1][0]) & (obs_rel == e)) for i in idx], float)
        wrow = np.zeros(len(b))
        for i, s in zip(idx, shares):
            wrow[index.index(kept[i][0])] = s / shares.sum()
        est_names.append(f"e={e}")
        Wrows.append(wrow)
    Wm = np.array(Wrows)
    coef = pd.Series(Wm @ b.to_numpy(), index=est_names)
    Vc = pd.DataFrame(Wm @ V.to_numpy() @ Wm.T, index=est_names, columns=est_names)
    return coef, Vc, {n: int(n.split("=")[1]) for n in est_names}, b[[n for n, _ in kept]]


def _wald(bp: np.ndarray, Vp: np.ndarray, df2, terms) -> dict:
    """Joint F test that ``bp = 0``; with a rank-deficient variance, the rank and no p-value."""
    q = len(bp)
    ev = np.linalg.eigvalsh((Vp + Vp.T) / 2)
    rank = int(np.sum(ev > max(ev.max(), 0) * q * 1e-10)) if ev.size else 0
    if rank < q:
        return {"stat": np.nan, "df1": q, "df2": int(df2), "p_value": np.nan, "terms": terms, "rank": rank}
    stat = float(bp @ np.linalg.solve(Vp, bp)) / q
    return {"stat": stat, "df1": q, "df2": int(df2), "p_value": float(stats.f.sf(stat, q, df2)), "terms": terms,
            "rank": rank}
