"""Callaway & Sant'Anna (2021) group-time average treatment effects: prepare, compute, ATTgtResult.

``att_gt`` estimates ATT(g, t) for every treated cohort g and period t, each from a 2x2
comparison of cohort g with a control group (never treated, or not yet treated) between t and
a base period, by doubly robust (``"dr"``, Sant'Anna & Zhao 2020, locally efficient panel
version; ``"dr_imp"``, their improved locally efficient estimator with an inverse-probability-tilting
propensity score, R ``DRDID``'s ``drdid_imp_panel`` / ``drdid_imp_rc``), inverse probability weighting (``"ipw"``, normalised) or outcome regression
(``"reg"``). Each ATT(g, t) carries its influence function (one value per unit); standard errors
are analytic, ``sqrt(sum_i IF_i^2) / n``, or from a multiplier bootstrap (Mammen weights) with
uniform sup-t bands. ``ATTgtResult.aggregate()`` forms R ``did``'s ``aggte`` summaries (simple,
group, calendar, dynamic; :mod:`govstudy.estimators.aggte`), including the estimation error of the
cohort-share weights.

Why our own code: R ``did``'s Python ports build a data frame per (g, t) and refit everything through
pandas/statsmodels. Here each ATT(g, t) is computed from columns of the wide outcome array: without covariates
as a difference of weighted (cell) means, with covariates by the Sant'Anna-Zhao kernels of
:mod:`govstudy.estimators.drdid` on plain numpy arrays. Cells are computed one at a time (with covariates, in
blocks of up to 8 periods that share the propensity score and regression design), so besides the wide outcome
(and covariate) arrays only n-vectors (n x 8 blocks) are temporary; the one large allocation is the n_units x
n_(g,t) influence-function matrix that aggregation and inference need (its SEs and the pre-test use column
sums and the J x J cross-product, never a copy of it).

Conventions
-----------
* ``cohort`` = first treated period; **0 or missing = never treated**. Cohorts treated after the
  last period (net of anticipation) are treated as never treated; units treated in the first
  period are dropped (with a warning), as R ``did`` does.
* ``base_period="varying"``: pre-treatment ATT(g, t) compare t with t-1; post-treatment ones
  compare t with g-1-anticipation. ``"universal"``: always g-1-anticipation (reported as 0).
* Unbalanced panels (never balanced silently; a warning says what balancing would drop):
  ``unbalanced="keep"`` (default) estimates each ATT(g, t) from the units observed in both of its
  periods (the panel estimator on that pairwise-balanced subsample; with or without covariates);
  ``"rc"`` treats the two periods as repeated cross-sections, like R ``did``'s
  ``allow_unbalanced_panel``: every observation of a treated or control unit at either period enters,
  covariates are each observation's own values, and the 2x2 is estimated by Sant'Anna & Zhao's
  repeated-cross-section estimators (R ``DRDID``'s ``drdid_rc`` -- locally efficient DR --,
  ``std_ipw_did_rc``, ``reg_did_rc``; without covariates all three are the difference of four cell
  means); ``"drop"`` keeps only the units observed in every period. Influence functions are per unit
  (the per-observation ones, scaled by n_units / n_obs of the 2x2, summed over a unit's observations),
  so SEs stay clustered by unit. A balanced panel always uses the panel estimator. Data that really
  are repeated cross-sections: give every row its own ``unit`` id and pass ``unbalanced="rc"``
  (the ``panel=False`` mode of R did; estimates and SEs equal csdid's, tested).
* Sampling weights may vary over time. Panel estimators weigh each unit by its weight at the ATT(g,t)'s base
  period (the period whose covariates they use; R ``did`` requires time-invariant panel weights and, in its
  ``fix_weights`` versions, offers the base or first period); ``"rc"`` gives each observation its own weight, as
  for repeated cross-sections. The cohort shares of the aggregations weigh each unit by its weight at its first
  observed period (R ``did``: first-period weights). Time-invariant weights give the same numbers as before.
* Missing covariates are never imputed and never dropped silently: like a missing outcome, a unit whose
  covariate is missing at an ATT(g,t)'s base period (``"rc"``: an observation with a missing covariate) is
  left out of that ATT(g,t), with a warning and a note giving the counts; ``info["Units"]`` counts the units
  that enter at least one ATT(g,t). A propensity score that does not converge or has fitted probabilities of
  0 or 1 (quasi-separation) is reported the same way; complete separation raises.
* The DR repeated-cross-section influence function takes the estimation effect of the pre-period
  control regression with a minus sign (the ATT depends on it through -tau_pre), as csdid does.
  R ``DRDID``'s ``drdid_rc`` source adds the pre- and post-period terms (``inf.treat.or``,
  ``inf.cont.or``); the two agree exactly without covariates, and with covariates the SEs that
  formula gives differ from ours by at most 0.23% on mpdta (computed here, not run in R). Point
  estimates are unaffected.

Example
-------
>>> import govstudy
>>> res = govstudy.att_gt(govstudy.load("mpdta"), y="lemp", unit="countyreal", time="year",
...                       cohort="first.treat")
>>> round(res.aggregate("simple").estimate, 4)
-0.04
"""

from __future__ import annotations

import html
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import sparse, stats

from govstudy.arguments import (R_DID_NAMES, check_alpha, check_choice, check_draws, check_nonneg_int,
                                check_seed, names, renamed)
from govstudy.errors import ArgumentError, DataValidationError, SampleWarning, warn
from govstudy.estimators.logit import SeparationError
from govstudy.estimators.aggte import AggregateResult, aggregate, effect_points, influence_bands
from govstudy.estimators.drdid import did_rc, did_panel
from govstudy.estimators.results import Summary, ci_table, table_text
from govstudy.estimators.ols import collinear_columns
from govstudy.estimators.vcov import MIN_TREATED_CLUSTERS, cluster_sums, warn_few_clusters
from govstudy.panel import Panel, PanelWarning, as_panel
from govstudy.periods import PeriodMap
from govstudy.threads import one_blas_thread

__all__ = ["att_gt", "att_gt_wide", "ATTgtResult", "AggregateResult"]


# --------------------------------------------------------------------------- one ATT(g, t)
def _gt_panel_means(yt, yb, rows_t, rows_c, wu, out):
    """ATT(g,t) without covariates from the units observed at both periods (difference of weighted mean
    changes) of the treated rows ``rows_t`` and control rows ``rows_c``; writes the per-unit influence function
    (scaled by n) into ``out`` (zero elsewhere). Only those rows are read. Returns (att, ok, treated rows used)."""
    n = len(yt)
    mus, parts = [], []
    for rows in (rows_t, rows_c):
        dy = yt[rows] - yb[rows]
        fin = np.isfinite(dy)
        if not fin.all():
            rows, dy = rows[fin], dy[fin]
        w = wu[rows]
        W = w.sum()
        if W <= 0:
            return np.nan, False, rows_t[:0]
        mu = (w @ dy) / W
        mus.append(mu)
        parts.append((rows, (w * (dy - mu)) * (n / W)))
    out[parts[0][0]] = parts[0][1]
    out[parts[1][0]] = -parts[1][1]
    return mus[0] - mus[1], True, parts[0][0]


def _gt_rc(yt, yb, xt, xb, treat, ctrl, wt, wb, method, out):
    """ATT(g,t) treating the two periods as repeated cross-sections: every observation of a treated or
    control unit at period t (post) or at the base period enters, whether or not the unit is observed at
    the other period (R did's ``allow_unbalanced_panel``). Covariates are the observation's own values.
    The per-observation influence function is scaled by n / n_obs (n units, n_obs observations in this
    2x2) and summed within unit into ``out``. ``wt``, ``wb``: the units' weights at period t and at the base period
    (each observation's own weight). Returns (att, ok, problem), ``problem`` from the propensity score
    (see ``_logit``)."""
    n = len(yt)
    keep = treat | ctrl
    ot = keep & np.isfinite(yt)
    ob = keep & np.isfinite(yb)
    for x in xt:
        ot &= np.isfinite(x)
    for x in xb:
        ob &= np.isfinite(x)
    if min(wt[ot & treat].sum(), wt[ot & ctrl].sum(), wb[ob & treat].sum(), wb[ob & ctrl].sum()) <= 0:
        return np.nan, False, None
    if not xt:
        # intercept only: the locally efficient DR, IPW and regression estimators all reduce to the
        # difference of four weighted cell means (same estimate and influence function)
        att = 0.0
        out[:] = 0.0
        for m, yc, wp, sign in ((ot & treat, yt, wt, 1.0), (ob & treat, yb, wb, -1.0), (ot & ctrl, yt, wt, -1.0),
                                (ob & ctrl, yb, wb, 1.0)):
            wc = np.where(m, wp, 0.0)
            W = wc.sum()
            y0 = np.where(m, yc, 0.0)
            mu = (wc @ y0) / W
            att += sign * mu
            out += (sign * n / W) * (wc * (y0 - mu))
        return att, True, None
    it, ib = np.flatnonzero(ot), np.flatnonzero(ob)
    uid = np.concatenate([it, ib])
    y = np.concatenate([yt[it], yb[ib]])
    post = np.concatenate([np.ones(len(it)), np.zeros(len(ib))])
    D = treat[uid].astype(float)
    X = np.column_stack([np.ones(len(uid))] + [np.concatenate([a[it], b[ib]]) for a, b in zip(xt, xb)])
    att, f, problem = did_rc(y, post, D, X, np.concatenate([wt[it], wb[ib]]), method)
    out[:] = np.bincount(uid, weights=f * (n / len(uid)), minlength=n)
    return att, True, problem


# --------------------------------------------------------------------------- result
class ATTgtResult:
    """Group-time average treatment effects with influence functions.

    Attributes: ``groups``, ``times``, ``att``, ``se``, ``influence`` (n_units x n_gt), ``pretest``,
    ``treated_mean`` (each cell's E[Y_t | G=g]) and ``treated_mean_influence`` (sparse n_units x n_gt); for
    aggregation (:mod:`govstudy.estimators.aggte`) ``cohort_positions`` (each cell's cohort as a period position
    1..T), ``unit_cohorts``, ``unit_weights``, ``cluster_codes``, ``period_values`` and ``bootstrap_args``.
    The headline ``.estimate`` / ``.std_error`` is the ``"simple"`` aggregation.
    """

    def __init__(self, groups, times, bases, att, inf, se, crit, alpha, unit_cohort, unit_weight, cluster_codes,
                 info, notes, boot_args, pretest, *, event_times, period_map, period_values, units=None,
                 treated_means=None):
        self.groups, self.times, self.bases = groups, times, bases
        self.event_times, self.period_map = np.asarray(event_times, np.int64), period_map
        self.period_values = np.asarray(period_values)
        self.cohort_positions = np.searchsorted(self.period_values, groups) + 1     # cohorts as positions 1..T
        self.att, self.influence, self.se = att, inf, se
        self.crit, self.alpha = crit, alpha
        self.unit_cohorts, self.unit_weights, self.cluster_codes = unit_cohort, unit_weight, cluster_codes
        self.n = len(unit_cohort)
        self.info, self.notes = info, notes
        self.bootstrap_args = boot_args
        self.pretest = pretest
        self.units = units
        # E[Y_t | G=g] of each cell over the treated observations its ATT(g,t) uses, and its per-unit influence
        # functions (sparse n x J): the untreated mean E[Y_t(0) | G=g] = treated_mean - ATT(g,t) of relative effects
        self.treated_mean, self.treated_mean_influence = (None, None) if treated_means is None else treated_means

    # ---- inference helpers
    def bands(self, est, inf):
        """(se, crit) for estimates with influence functions ``inf``: analytic (crit None) or bootstrap."""
        return influence_bands(inf, self.cluster_codes, self.n, self.bootstrap_args, self.alpha)

    def shown(self, values) -> list:
        """Periods for messages: integers as integers, calendar periods as the data wrote them."""
        return [int(v) for v in values] if self.period_map.kind == "integer" else self.period_map.labels(values)

    @property
    def estimate(self) -> float:
        return self.aggregate("simple").estimate

    @property
    def std_error(self) -> float:
        return self.aggregate("simple").std_error

    def tidy(self) -> pd.DataFrame:
        """One row per (cohort, time): cohort, time, event_time, estimate, std_error, ci_low, ci_high, ..."""
        q = self.crit if self.crit is not None else stats.norm.ppf(1 - self.alpha / 2)
        t = ci_table(self.att, self.se, None, self.alpha, q)
        glab, tlab = self.period_map.labels(self.groups), self.period_map.labels(self.times)
        t.insert(0, "term", [f"ATT({g},{tt})" for g, tt in zip(glab, tlab)])
        t["cohort"], t["time"], t["event_time"] = self.groups, self.times, self.event_times
        t["post"] = self.times >= self.groups
        t["cohort_period"], t["period"] = glab, tlab
        return t

    def summary(self) -> Summary:
        lines = ["Callaway & Sant'Anna (2021) group-time average treatment effects"]
        lines += [f"{k}: {v}" for k, v in self.info.items()]
        lines += ["", table_text(self.tidy().drop(columns=["term"]))]
        if self.pretest:
            p = self.pretest
            lines.append(f"Pre-test of parallel trends (all pre-treatment ATT(g,t) = 0): "
                         f"chi2({p['df']}) = {p['stat']:.3f}, p = {p['p_value']:.4f}")
        lines += [f"Note: {n}" for n in self.notes]
        return Summary("\n".join(lines))

    def __repr__(self):
        return f"<ATTgtResult: {len(self.att)} ATT(g,t), {self.n} units, {self.info.get('Estimation method')}>"

    def _repr_html_(self):
        head = "".join(f"<div>{html.escape(f'{k}: {v}')}</div>" for k, v in self.info.items())
        t = self.tidy().drop(columns=["term"]).to_html(index=False, float_format=lambda v: f"{v:.4f}")
        return f"<div><strong>ATT(g,t) (Callaway &amp; Sant'Anna)</strong>{head}{t}</div>"

    def plot(self):
        """ATT(g,t) by period, one panel per cohort (periods labelled as the data wrote them); returns the Figure."""
        import matplotlib.pyplot as plt
        from govstudy.plots import cjk_figure

        t = self.tidy()
        gs = list(dict.fromkeys(t["cohort"]))
        fig, axes = plt.subplots(len(gs), 1, figsize=(7, 2.2 * len(gs)), sharex=True, squeeze=False)
        pos = {v: i for i, v in enumerate(sorted(set(t["time"])))}
        names = dict(zip(t["time"], t["period"]))
        for a, g in zip(axes[:, 0], gs):
            s = t[t["cohort"] == g]
            effect_points(a, s["time"].map(pos).to_numpy(), s, s["post"].to_numpy(), None)
            a.set_title(f"cohort {s['cohort_period'].iloc[0]}", fontsize=10)
        last = axes[-1, 0]
        last.set_xticks(list(pos.values()), [names[v] for v in pos], rotation=45 if len(pos) > 12 else 0)
        last.set_xlabel("period")
        return cjk_figure(fig)

    # ---- aggregation
    def aggregate(self, kind: str = "simple", min_e: float = -np.inf, max_e: float = np.inf, *, balance_e=None,
                  relative: bool = False) -> AggregateResult:
        """Aggregate ATT(g,t) like R did's ``aggte``: ``"simple"``, ``"group"``, ``"calendar"``, ``"dynamic"``.

        Cohort-share weights are estimated, and their estimation error enters the influence function.
        ``min_e``/``max_e`` restrict event times (dynamic; ``max_e`` also for simple/group); ``balance_e=k``
        balances the event study's cohorts (R did's ``balance_e``); ``relative=True`` gives percentage effects
        (100 x ATT / untreated mean of the same cells, delta-method SEs). See
        :func:`govstudy.estimators.aggte.aggregate`.
        """
        return aggregate(self, kind, min_e, max_e, balance_e=balance_e, relative=relative)


# --------------------------------------------------------------------------- prepare, cells, compute
def _position_label(pos, period_values, period_map):
    """A period position 1..T as the user reads it: the period value (integer periods) or its label as written."""
    v = period_values[int(pos) - 1]
    return int(v) if period_map.kind == "integer" else period_map.label(v)


@dataclass(eq=False)
class _Prepared:
    """What ``att_gt`` reads from the Panel (see :func:`_prepare`); positions 1..T stand for periods."""
    Y: np.ndarray
    Xw: list
    G: np.ndarray
    wu: np.ndarray
    Ww: np.ndarray | None     # weights by unit and period when they vary within units (else None: ``wu``)
    tlist: np.ndarray
    glist: np.ndarray
    cl_codes: np.ndarray | None
    units: pd.Index
    period_values: np.ndarray
    period_map: object
    covariates: list
    cohort_col: str
    balanced: bool
    sizes: dict
    notes: list
    cluster: str | None

    def label(self, pos):
        """A position 1..T as the user reads it: the period value (integers) or its label."""
        return _position_label(pos, self.period_values, self.period_map)


_FEW_CLUSTERS = ("The multiplier bootstrap (bootstrap=999) is clustered the same way and needs many clusters too; "
                 "for inference built for few clusters, estimate govstudy.twfe or govstudy.event_study on the same "
                 "data and use govstudy.wild_cluster_bootstrap(result, bootstrap_weights=\"webb\") or "
                 "govstudy.randomization_inference(result).")


def _prepare(p: Panel, *, covariates: list, weights, control: str, anticipation: int, unbalanced: str) -> _Prepared:
    """Everything the (g, t) loop needs, read from the Panel once: wide outcome and covariate arrays over the
    kept units and periods, cohorts as period positions, unit weights and cluster codes (with the warnings and
    notes of every change to the sample)."""
    cluster = p.cluster_col
    notes: list[str] = []
    uneven = p.warn_uneven("att_gt")
    if uneven:
        notes.append(uneven)
    if not p.is_balanced:
        if unbalanced == "drop":
            p = p.balanced()
        else:
            rep = p.balance_report()
            how = ("each ATT(g,t) uses the units observed in both of its periods" if unbalanced == "keep" else
                   "each ATT(g,t) uses all observations at its two periods, as repeated cross-sections")
            msg = (f"unbalanced panel: {rep['incomplete_units']} of {rep['n_units']} units lack some of the "
                   f"{rep['n_periods']} periods; no unit is dropped ({how}). unbalanced='drop' would instead drop "
                   f"{rep['incomplete_units']} units ({rep['rows_dropped']} rows).")
            warn(msg, PanelWarning)
            notes.append(f"unbalanced panel: {how}")
    # periods are counted in order: positions 1..T (cohort 0 = never treated); reported back as period values
    period_values, period_map = p.periods.copy(), p.period_map
    G = p.unit_cohort_codes + 1
    tlist = np.arange(1, p.n_periods + 1, dtype=np.int64)

    def lab(pos):
        return _position_label(pos, period_values, period_map)
    # unit weights; time-varying weights are kept by unit and period (Ww): each ATT(g,t) weighs a unit by its
    # weight at the base period (panel estimators) or each observation by its own (rc); the unit's weight for the
    # cohort shares of the aggregations is its weight at its first observed period (R did: first period)
    Ww = None
    if p.weight_values is not None:
        wu = np.full(p.n_units, np.nan)
        wu[p.unit_codes] = p.weight_values
        wide_w = p.wide(p.weight_values)
        if np.nanmax(np.abs(wide_w - wu[:, None])) > 1e-12:
            Ww = wide_w
            wu = wide_w[np.arange(p.n_units), np.argmax(np.isfinite(wide_w), axis=1)]
    else:
        wu = np.ones(p.n_units)
    # drop units treated in the first period (cohorts after the last period are never treated: see Panel)
    keep_u = ~((G > 0) & (G <= tlist[0] + anticipation))
    if (~keep_u).any():
        warn(f"att_gt: dropped {int((~keep_u).sum())} of {len(G)} units already treated in the first period "
                      f"({lab(tlist[0])}{f', with anticipation {anticipation}' if anticipation else ''}): "
                      "they have no pre-treatment period", SampleWarning)
        notes.append(f"{int((~keep_u).sum())} units treated in the first period dropped")
    # wide arrays, column-major so that each period (one column) is contiguous
    def _wide(panel, col=None):  # the panel is passed in: `p` is deleted below to free its arrays
        w = panel.wide(col, order="F")
        return w if keep_u.all() else np.asfortranarray(w[keep_u])
    Y = _wide(p)
    Xw = [_wide(p, c) for c in covariates]
    balanced = p.is_balanced
    cohort_col = p.cohort_col
    tmask = np.ones(len(tlist), bool)
    if not (G[keep_u] == 0).any():
        if control == "never":
            raise DataValidationError(
                "control='never' but there are no never-treated units (cohort 0 or missing); use "
                "control='notyet' (not-yet-treated units as controls)", column=cohort_col, rule="never-treated")
        latest = G[keep_u].max()
        tmask = tlist < latest - anticipation
        warn(f"no never-treated units: cohort {lab(latest)} serves only as a not-yet-treated control, and "
                      f"periods from {lab(latest - anticipation)} on are dropped (no comparison units left)",
                      SampleWarning)
        notes.append(f"no never-treated units: periods >= {lab(latest - anticipation)} dropped")
    if Ww is not None:
        Ww = np.asfortranarray(Ww[keep_u][:, tmask] / wu[keep_u].mean())
    if not tmask.all():
        Y = np.asfortranarray(Y[:, tmask])
        Xw = [np.asfortranarray(x[:, tmask]) for x in Xw]
    G, wu = G[keep_u], wu[keep_u]
    wu = wu / wu.mean()
    tlist = tlist[tmask]
    d = _prepared(Y, Xw, G, wu, Ww, tlist, p.units[keep_u], period_values, period_map, covariates=covariates,
                  cohort_col=cohort_col, balanced=balanced, notes=notes, cluster=cluster, control=control,
                  anticipation=anticipation)
    single = [g for g, s in d.sizes.items() if s == 1]
    if single:
        warn(f"cohort(s) {single} contain a single unit: their ATT(g,t) rest on one unit and the "
                      "analytic standard errors are unreliable", PanelWarning)
        notes.append(f"single-unit cohort(s): {single}")
    if cluster is not None:
        codes = p.cluster_codes
        per_unit = pd.DataFrame({"u": p.unit_codes, "c": codes}).drop_duplicates()
        if per_unit["u"].duplicated().any():
            raise DataValidationError("the cluster variable must be constant within units", column=cluster,
                                      rule="unit-level-cluster")
        cu = np.zeros(p.n_units, np.int64)
        cu[per_unit["u"].to_numpy()] = per_unit["c"].to_numpy()
        d.cl_codes = pd.factorize(cu[keep_u])[0]
        # the same rule as twfe and event_study: clustered SEs from few clusters, or few treated ones, are flagged
        _, ntc = warn_few_clusters(d.cl_codes, G > 0, cluster, advice=_FEW_CLUSTERS)
        if ntc < MIN_TREATED_CLUSTERS:
            notes.append(f"{ntc} treated cluster(s): the clustered SE is unreliable")
    if covariates:
        allx = np.column_stack([np.ones(Y.size)] + [x.ravel() for x in Xw])
        fin = np.all(np.isfinite(allx), axis=1)
        bad = collinear_columns(allx[fin] - np.r_[0, allx[fin, 1:].mean(0)], ["(intercept)"] + covariates)
        del allx, fin
        if bad:
            raise DataValidationError(f"collinear covariates: {[(['(intercept)'] + covariates)[j] for j in bad]} "
                                      "are linear combinations of the other covariates (or constant); drop them",
                                      column=covariates[bad[0] - 1] if bad[0] > 0 else covariates[0],
                                      rule="not-collinear")
    return d


def _prepared(Y, Xw, G, wu, Ww, tlist, units, period_values, period_map, *, covariates, cohort_col, balanced, notes,
              cluster, control: str, anticipation: int, cl_codes=None) -> _Prepared:
    """The ``_Prepared`` of wide arrays over the kept units and periods (``G``: cohorts as positions 1..T, 0 = never
    treated): the treated cohorts that have an ATT(g,t) to estimate, and their sizes."""
    def lab(pos):
        return _position_label(pos, period_values, period_map)
    glist = np.unique(G[(G > 0)])
    if control == "notyet" and not (G == 0).any():
        glist = glist[glist < G.max()]
    glist = glist[glist > tlist[0] + anticipation]
    if len(glist) == 0:
        why = ("no unit is treated within the panel's periods (every cohort is never treated, or adopts after the "
               "last period)" if not (G > 0).any() else
               f"no treated cohort has a period before its treatment{f' and anticipation {anticipation}' if anticipation else ''} "
               f"(units treated from the first period {lab(tlist[0])} on have no pre-treatment period)")
        raise DataValidationError(why, column=cohort_col, rule="treated-cohorts")
    sizes = {lab(g): int((G == g).sum()) for g in glist}
    return _Prepared(Y=Y, Xw=Xw, G=G, wu=wu, Ww=Ww, tlist=tlist, glist=glist, cl_codes=cl_codes, units=units,
                     period_values=period_values, period_map=period_map, covariates=covariates, cohort_col=cohort_col,
                     balanced=balanced, sizes=sizes, notes=notes, cluster=cluster)


def _cells(tlist, glist, anticipation: int, base_period: str):
    """The ATT(g, t) to estimate: cohort, period, base-period index and period index of each (as positions)."""
    # (g, t) pairs
    gs, ts, bs, tis = [], [], [], []
    start = 1 if base_period == "varying" else 0
    for g in glist:
        pre_idx = np.flatnonzero(tlist + anticipation < g)
        if not len(pre_idx):
            continue
        ub = pre_idx[-1]
        for ti in range(start, len(tlist)):
            t = tlist[ti]
            b = ti - 1 if (base_period == "varying" and t < g - anticipation) else ub
            gs.append(g), ts.append(t), bs.append(b), tis.append(ti)
    gs, ts, bs, tis = map(np.array, (gs, ts, bs, tis))
    return gs, ts, bs, tis


def _columns(Y, rows):
    """``Y[rows]`` column-major: each column contiguous, like the n-vectors of the cell-by-cell code."""
    out = np.empty((len(rows), Y.shape[1]), order="F")
    for c in range(Y.shape[1]):
        out[:, c] = Y[rows, c]
    return out


def _block_means(Yr, tcols, bcols, w, n: int):
    """``_gt_panel_means``'s computation for k cells sharing their rows (all observed) and weights ``w``: the
    weighted mean changes ``Yr[:, t] - Yr[:, b]`` (``Yr``: the rows' outcomes, column-major) for the column pairs
    (``tcols``, ``bcols``), their per-unit influence functions (rows x k, scaled by n) and the weight total."""
    DY = np.empty((len(Yr), len(tcols)), order="F")
    for k, (t, b) in enumerate(zip(tcols, bcols)):
        np.subtract(Yr[:, t], Yr[:, b], out=DY[:, k])
    W = w.sum()
    if not W > 0:
        return None, None, W
    mu = np.array([(w @ DY[:, k]) / W for k in range(DY.shape[1])])
    DY -= mu                  # in place, the same operations in the same order as w * (DY - mu) * (n / W)
    DY *= w[:, None]
    DY *= n / W
    return mu, DY, W


def _cell_mean(y, rows, wu, n: int):
    """Weighted mean of ``y[rows]`` and its per-unit influence function on ``rows`` (scaled by n, as the ATT's)."""
    return _mean_influence(y[rows], wu[rows], n)


def _mean_influence(yr, wr, n: int):
    """Weighted mean of ``yr`` (weights ``wr``) and its influence functions (scaled by n)."""
    W = wr.sum()
    m = float(wr @ yr / W) if W > 0 else np.nan
    return m, (n / W) * wr * (yr - m) if W > 0 else np.zeros(len(yr))


def _estimate(d: _Prepared, gs, ts, bs, tis, *, control: str, method: str, anticipation: int, rc: bool):
    """ATT(g, t) and the n x J influence-function matrix; the number of units that enter some ATT(g, t); and each
    cell's treated mean E[Y_t | G=g] over the treated observations its ATT(g,t) uses, with its influence functions
    as a sparse n x J matrix (nonzero on cohort g only), for relative (percentage) aggregations."""
    Y, Xw, G, wu, tlist, covariates, cohort_col, notes = d.Y, d.Xw, d.G, d.wu, d.tlist, d.covariates, d.cohort_col, d.notes
    lab, n = d.label, len(d.G)
    J = len(gs)
    lim = np.maximum(ts, tlist[bs]) + anticipation
    is_ref = tis == bs
    # One (g, t) at a time (with covariates: small blocks sharing a design), so only n-vectors (n x 8 blocks)
    # are temporary; the n x J influence-function matrix (kept for aggregation and inference) is the one
    # large allocation, column-major so each column is contiguous.
    att = np.zeros(J)
    inf = np.zeros((n, J), order="F")
    ok_pair = np.ones(J, bool)
    never = G == 0
    ybar = np.full(J, np.nan)
    cohort_rows = {g: np.flatnonzero(G == g) for g in np.unique(gs)}
    # the treated means' influence functions, written straight into CSC arrays (a cell's rows are a subset of its
    # cohort's, so the cohort sizes bound each column)
    start = np.r_[0, np.cumsum([len(cohort_rows[g]) for g in gs])]
    m_vals, m_rows, m_count = np.zeros(start[-1]), np.zeros(start[-1], np.int32), np.zeros(J, np.int64)
    never_rows = np.flatnonzero(never)

    def wcol(ti):     # the units' weights at period position index ti
        return wu if d.Ww is None else d.Ww[:, ti]

    def treated_mean(j, rows, w):
        k = len(rows)
        ybar[j], m_vals[start[j]:start[j] + k] = _cell_mean(Y[:, tis[j]], rows, w, n)
        m_rows[start[j]:start[j] + k] = rows
        m_count[j] = k

    def singular(js, err=None):
        cells = ", ".join(f"({lab(gs[j])},{lab(ts[j])})" for j in js)
        if isinstance(err, SeparationError):
            return DataValidationError(
                f"ATT(g,t) {cells}: the propensity score (logit of cohort membership on the covariates {covariates}) "
                f"is separated: {err}. Treated and control units do not overlap in these covariates, so the "
                "ATT(g,t) is not identified with them; drop or coarsen covariates", column=cohort_col,
                rule="ps-overlap")
        return DataValidationError(
            f"ATT(g,t) {cells}: a propensity-score or outcome-regression design is singular (too few treated or "
            f"control observations at the periods compared for the covariates {covariates}); drop covariates or "
            "use fewer periods", column=cohort_col, rule="gt-design-rank")

    def controls(j, treat):
        return never if control == "never" else never | ((G > lim[j]) & ~treat)

    ps_problems = []   # (cells, problem) of propensity-score fits that did not converge or hit 0/1
    if covariates:
        # unit-periods whose covariates are all observed; ``pool`` marks the unit-periods some ATT(g,t) would use
        # if its covariates were observed, ``used`` the units that enter at least one ATT(g,t)
        xok = np.ones((n, len(tlist)), bool, order="F")
        for x in Xw:
            xok &= np.isfinite(x)
        pool = np.zeros((n, len(tlist)), bool, order="F")
        used = np.zeros(n, bool)
    if covariates and not rc:
        # panel estimator with covariates: cells of one cohort with the same base period and the same sample
        # (e.g. all post-treatment periods against g-1) share the propensity score and the regression design,
        # so they are estimated together, in blocks of up to 8 periods (bounded temporaries)
        groups: dict = {}
        for j in np.flatnonzero(~is_ref):
            treat = G == gs[j]
            sub = (treat | controls(j, treat)) & np.isfinite(Y[:, tis[j]]) & np.isfinite(Y[:, bs[j]])
            pool[:, bs[j]] |= sub           # covariates are taken at the base period
            sub &= xok[:, bs[j]]
            used |= sub
            groups.setdefault((gs[j], bs[j], sub.tobytes()), (sub, []))[1].append(j)
        for (g, b, _), (sub, js) in groups.items():
            idx = np.flatnonzero(sub)
            D = (G[idx] == g).astype(float)
            if D.sum() == 0 or (1 - D).sum() == 0:
                ok_pair[js] = False
                continue
            X = np.column_stack([np.ones(len(idx))] + [x[idx, b] for x in Xw])
            for c in range(0, len(js), 8):
                jj = np.array(js[c:c + 8])
                DY = Y[np.ix_(idx, tis[jj])] - Y[idx, b][:, None]
                try:
                    a, F, problem = did_panel(DY, D, X, wcol(b)[idx], method)
                except np.linalg.LinAlgError as e:
                    raise singular(jj, e) from None
                if problem:
                    ps_problems.append((jj, problem))
                att[jj] = a
                inf[np.ix_(idx, jj)] = (n / len(idx)) * F
                for j in jj:
                    treated_mean(j, idx[D == 1], wcol(b))
    else:
        todo = ~is_ref
        if not rc and not covariates and d.Ww is None and control == "never" and np.isfinite(Y).all():
            # balanced, no covariates, never-treated controls: a cohort's cells share their rows and weights, so
            # they are computed together (the same operations as ``_gt_panel_means``, on n_g x k blocks)
            Yc, wc = _columns(Y, never_rows), wu[never_rows]
            for g in np.unique(gs):
                js = np.flatnonzero((gs == g) & todo)
                rows = cohort_rows[g]
                Yt, wt = _columns(Y, rows), wu[rows]
                mu_t, F_t, W_t = _block_means(Yt, tis[js], bs[js], wt, n)
                mu_c, F_c, W_c = _block_means(Yc, tis[js], bs[js], wc, n)
                if not (W_t > 0 and W_c > 0):
                    continue     # left to the cell-by-cell loop (which reports it)
                att[js] = mu_t - mu_c
                np.negative(F_c, out=F_c)
                k = len(rows)
                for i, j in enumerate(js):     # column by column: each column of inf is contiguous
                    inf[rows, j] = F_t[:, i]
                    inf[never_rows, j] = F_c[:, i]
                    ybar[j], m_vals[start[j]:start[j] + k] = _mean_influence(Yt[:, tis[j]], wt, n)
                    m_rows[start[j]:start[j] + k] = rows
                    m_count[j] = k
                todo[js] = False
        for j in np.flatnonzero(todo):
            yt, yb = Y[:, tis[j]], Y[:, bs[j]]
            rows = cohort_rows[gs[j]]
            if not rc:
                rows_c = never_rows if control == "never" else np.flatnonzero(controls(j, G == gs[j]))
                att[j], ok_pair[j], used_t = _gt_panel_means(yt, yb, rows, rows_c, wcol(bs[j]), inf[:, j])
                treated_mean(j, used_t, wcol(bs[j]))
                continue
            treat = G == gs[j]
            ctrl = controls(j, treat)
            fin = np.isfinite(yt[rows])
            for x in Xw:
                fin &= np.isfinite(x[rows, tis[j]])
            treated_mean(j, rows[fin], wcol(tis[j]))
            if covariates:   # each observation's own covariates: the ones at t and at the base period
                ot, ob = (treat | ctrl) & np.isfinite(yt), (treat | ctrl) & np.isfinite(yb)
                pool[:, tis[j]] |= ot
                pool[:, bs[j]] |= ob
                used |= (ot & xok[:, tis[j]]) | (ob & xok[:, bs[j]])
            try:
                att[j], ok_pair[j], problem = _gt_rc(yt, yb, [x[:, tis[j]] for x in Xw], [x[:, bs[j]] for x in Xw],
                                                     treat, ctrl, wcol(tis[j]), wcol(bs[j]), method, inf[:, j])
            except np.linalg.LinAlgError as e:
                raise singular([j], e) from None
            if problem:
                ps_problems.append(([j], problem))
    n_used = n
    if covariates:
        lost = pool & ~xok
        if lost.any():
            # missing covariates are never imputed: as with a missing outcome, the unit (panel) or observation (rc)
            # is left out of each ATT(g,t) that needs the missing value -- said here, with counts
            per_cov = {c: int((pool & ~np.isfinite(x)).any(axis=1).sum()) for c, x in zip(covariates, Xw)}
            per_cov = {c: k for c, k in per_cov.items() if k}
            n_aff, n_obs_lost = int(lost.any(axis=1).sum()), int(lost.sum())
            n_none = int((pool.any(axis=1) & ~used).sum())
            n_used = n - n_none
            where = ("at an ATT(g,t)'s base period is left out of that ATT(g,t)" if not rc else
                     "at a period is left out of the ATT(g,t) that use that period (that observation only)")
            msg = (f"missing covariate values: {', '.join(f'{c!r} for {k} units' for c, k in per_cov.items())}. "
                   f"A unit with a missing covariate {where}: {n_aff} of {n} units lose {n_obs_lost} unit-period "
                   f"observations{f', and {n_none} units enter no ATT(g,t) at all' if n_none else ''}; no value is "
                   "imputed. Impute or drop the covariate to keep them.")
            warn(msg, SampleWarning)
            notes.append(f"missing covariate values ({', '.join(per_cov)}): {n_aff} units left out of some ATT(g,t) "
                         f"({n_obs_lost} unit-period observations), {n_none} of them out of all")
        del xok, pool, used
    if not ok_pair.all():
        bad = [f"({lab(g)},{lab(t)})" for g, t, o in zip(gs, ts, ok_pair) if not o]
        raise DataValidationError(f"ATT(g,t) {bad} have no treated or no control observations in their two periods; "
                                  "check the control group and the panel's coverage", column=cohort_col,
                                  rule="gt-has-data")
    if ps_problems:
        by_problem: dict = {}
        for js, pr in ps_problems:
            by_problem.setdefault(pr, []).extend(f"({lab(gs[j])},{lab(ts[j])})" for j in js)
        shown = "; ".join(f"{', '.join(c)}: {pr}" for pr, c in by_problem.items())
        cells = sorted({(lab(gs[j]), lab(ts[j])) for js, _ in ps_problems for j in js})
        warn(f"propensity score (logit of cohort membership on {covariates}) of ATT(g,t) {shown}. "
                      "Units with a fitted probability of 0 or 1 get no weight as controls, so these ATT(g,t) rest "
                      "only on the region where treated and control units overlap; consider coarser covariates",
                      PanelWarning)
        notes.append(f"propensity score not converged or at 0/1 (limited overlap) for ATT(g,t) "
                     f"{', '.join(f'({g},{t})' for g, t in cells)}")
    for j in np.flatnonzero(is_ref):        # reference cells (universal base): the treated mean at the base period
        rows = cohort_rows[gs[j]]
        treated_mean(j, rows[np.isfinite(Y[rows, tis[j]])], wcol(tis[j]))
    if (m_count < np.diff(start)).any():   # rows without the outcome (unbalanced panels): close the gaps
        used = np.arange(start[-1]) < np.repeat(start[:-1] + m_count, np.diff(start))
        m_vals, m_rows = m_vals[used], m_rows[used]
    M = sparse.csc_matrix((m_vals, m_rows, np.r_[0, np.cumsum(m_count)]), shape=(n, J))
    return att, inf, n_used, (ybar, M)


def _support(G, gs, lim, control: str) -> list:
    """Where the influence functions can be nonzero: for each cohort of units (``G``, 0 = never treated), its rows
    and the cells (boolean over the J cells) that use them -- as treated (their own cohort's cells) or as controls
    (never treated: every cell; not yet treated: the cells whose periods end before the cohort's treatment,
    ``lim``). Every other entry of the n x J influence-function matrix is exactly zero."""
    order = np.argsort(G, kind="stable")
    cohorts, first = np.unique(G[order], return_index=True)
    blocks = []
    for c, rows in zip(cohorts, np.split(order, first[1:])):
        used = (gs == c) | (c == 0) | ((control == "notyet") & (c > lim))
        if used.any():
            blocks.append((rows, used))
    return blocks


def _pretest(att, inf, pre, cl_codes, n: int, notes: list, support=None) -> dict | None:
    """Wald test that all pre-treatment ATT(g, t) are zero (R did's pre-test), or None without such cells.

    ``support`` (see :func:`_support`), when given and unclustered: the cross-product of the pre-treatment
    influence functions is summed over the blocks where they can be nonzero (a cohort's units never enter
    another cohort's cells as treated), not over all n x q entries."""
    if not pre.any():
        return None
    # B.T @ B on one BLAS thread: several times faster than einsum, and a multi-threaded product this small
    # stalls for up to ~0.1 s when the other core is busy
    with one_blas_thread():
        if cl_codes is None and support is not None:
            pj = np.flatnonzero(pre)
            P = inf[:, pj]          # the pre-treatment columns once (contiguous copies: inf is column-major)
            V = np.zeros((len(pj), len(pj)))
            for rows, used in support:
                c = np.flatnonzero(used[pj])
                if len(c):
                    B = (P if len(c) == len(pj) else P[:, c])[rows]
                    V[np.ix_(c, c)] += B.T @ B
            V /= n ** 2
            n_independent = n
        else:
            Fp = inf[:, pre]
            if cl_codes is not None:
                Fp = cluster_sums(cl_codes, Fp)
            V = (Fp.T @ Fp) / n ** 2
            n_independent = Fp.shape[0]  # units, or clusters when clustered
            del Fp
    df = int(np.linalg.matrix_rank(V))
    q = int(pre.sum())
    if df < q:   # fewer independent units or clusters than restrictions: no spurious p-value
        pretest = {"stat": np.nan, "df": df, "p_value": np.nan, "restrictions": q}
        notes.append(f"pre-test: the variance of the {q} pre-treatment ATT(g,t) has rank {df} (e.g. fewer clusters "
                     "than cells), so no p-value is reported")
    else:
        stat = float(att[pre] @ np.linalg.solve(V, att[pre]))
        pretest = {"stat": stat, "df": df, "p_value": float(stats.chi2.sf(stat, df)), "restrictions": q}
    # the chi2 approximation breaks down with many restrictions relative to the units (or clusters); a
    # handful of restrictions is fine even from few units (no note for, e.g., 1 restriction from 6 units)
    if df >= 10 and df > n_independent / 10:
        notes.append(
            f"the pre-test jointly tests {df} pre-period ATT(g,t) estimated from {n_independent} "
            f"{'clusters' if cl_codes is not None else 'units'}: with this many restrictions the chi2 "
            "approximation (as in R did) over-rejects badly (a true null is rejected most of the time in "
            "simulations); test a short pre-window instead, e.g. event_study(...).pretrend with a window")
    return pretest


# --------------------------------------------------------------------------- main
@renamed(R_DID_NAMES)
def att_gt(data: pd.DataFrame | Panel, *, y: str | None = None, unit: str | None = None, time: str | None = None,
           cohort: str | None = None, treat: str | None = None, covariates=None, control: str = "never",
           method: str = "dr", anticipation: int = 0, base_period: str = "varying", cluster: str | None = None,
           bootstrap: int | None = None, seed: int | None = None, weights: str | None = None,
           unbalanced: str = "keep", freq: str | None = None, mid_period: str | None = None,
           alpha: float = 0.05) -> ATTgtResult:
    """Callaway & Sant'Anna (2021) ATT(g, t) with analytic influence-function standard errors.

    Parameters
    ----------
    data : long DataFrame (or Panel, which brings its columns); y, unit, time : column names. ``time`` in
        any form :mod:`govstudy.periods` reads (integers, dates, ``"2023-01"``; ``freq="M"`` for yyyymm).
    cohort : first treated period, written like ``time`` (or adoption dates); **never treated: 0, NaN,
        blank, None, NaT or ±inf**. Or ``treat``: an absorbing 0/1 treatment (the cohort is derived).
    covariates : pre-treatment covariate column(s) (values at the base period are used).
    control : ``"never"`` (never-treated units) or ``"notyet"`` (never and not-yet treated).
    method : ``"dr"`` (doubly robust, default, as R ``did``), ``"dr_imp"`` (improved doubly robust: propensity
        score by inverse probability tilting, R ``DRDID``'s default ``drdid_imp``), ``"ipw"`` or ``"reg"``.
        Without covariates all four give the same ATT(g,t) and influence functions.
    anticipation : periods of anticipation (a whole number >= 0, default 0).
    base_period : ``"varying"`` (default) or ``"universal"``.
    cluster : a unit-level (time-invariant) column; influence functions are summed within clusters.
    bootstrap : number of multiplier-bootstrap draws (>= 2, e.g. 999) for SEs and uniform bands;
        ``None`` (default) uses analytic SEs and pointwise intervals. ``seed`` (>= 0) fixes the draws.
    weights : sampling weights (rows with weight 0 are removed; normalised to mean 1 over the units that
        remain). They may vary over time: with the panel estimators each ATT(g,t) weighs a unit by its weight
        at the base period (where its covariates are read); with ``unbalanced="rc"`` (repeated cross-sections)
        each observation carries its own weight. The cohort shares of the aggregations use each unit's weight
        at its first observed period (R ``did`` takes panel weights from the first period).
    unbalanced : ``"keep"`` (default), ``"rc"`` or ``"drop"``: how an unbalanced panel is used (see the
        module docstring); each warns, saying what balancing would drop. ``"rc"`` works with or without
        covariates (own-period covariate values) and also serves true repeated cross-sections (one
        unit id per row).

    Periods are counted in order (as R ``did``): event time, anticipation and the varying base period
    count observed periods; a warning names the gaps of unevenly spaced periods.

    Returns
    -------
    ATTgtResult; ``.tidy()`` has ``cohort, time, event_time, estimate, std_error, ci_low, ci_high`` and the
    labels ``cohort_period``, ``period``; ``.aggregate(kind)`` returns simple / group / calendar / dynamic
    summaries; ``.pretest`` holds the Wald pre-test of parallel trends.
    """
    check_choice(control, "control", ("never", "notyet"))
    check_choice(method, "method", ("dr", "dr_imp", "ipw", "reg"))
    check_choice(base_period, "base_period", ("varying", "universal"))
    check_choice(unbalanced, "unbalanced", ("keep", "drop", "rc"))
    anticipation = check_nonneg_int(anticipation, "anticipation")
    bootstrap = check_draws(bootstrap)
    seed = check_seed(seed)
    alpha = check_alpha(alpha)
    if cluster is not None and not isinstance(cluster, str):
        raise ArgumentError(f"cluster= is one column name (two-way clustering is not supported), got {cluster!r}")
    p = as_panel(data, unit=unit, time=time, y=y, cohort=cohort, treat=treat, covariates=covariates,
                 weights=weights, cluster=cluster, freq=freq, mid_period=mid_period)
    if p.y is None or p.cohort_codes is None:
        raise ArgumentError("att_gt needs y= (the outcome) and cohort= (first treated period) or treat= (absorbing 0/1)")
    p_y = p.y
    covariates = list(p.covariates) if covariates is None else names(covariates)
    d = _prepare(p, covariates=covariates, weights=weights, control=control, anticipation=anticipation,
                 unbalanced=unbalanced)
    balanced_input = d.balanced
    del p   # release the Panel's row-level arrays before the (g, t) loop
    gs, ts, bs, tis = _cells(d.tlist, d.glist, anticipation, base_period)
    att, inf, n_used, ybar = _estimate(d, gs, ts, bs, tis, control=control, method=method, anticipation=anticipation,
                                 rc=unbalanced == "rc" and not balanced_input)
    d.Y, d.Xw = None, []   # the wide arrays are no longer needed; free them before the pre-test
    info = {"Outcome": p_y, "Control group": {"never": "never treated", "notyet": "not yet treated"}[control],
            "Estimation method": {"dr": "doubly robust", "dr_imp": "improved doubly robust (IPT propensity score)",
                                  "ipw": "inverse probability weighting",
                                  "reg": "outcome regression"}[method],
            "Base period": base_period, "Anticipation": anticipation, "Units": n_used, "Cohort sizes": d.sizes,
            "Standard errors": ("analytic (influence function)" if bootstrap is None
                                else f"multiplier bootstrap ({bootstrap} draws), uniform bands")
            + (f", clustered by {d.cluster}" if d.cluster else "")}
    return _result(d, gs, ts, bs, tis, att, inf, ybar, control=control, anticipation=anticipation, alpha=alpha,
                   boot=None if bootstrap is None else (int(bootstrap), seed), info=info)


def _result(d: _Prepared, gs, ts, bs, tis, att, inf, ybar, *, control: str, anticipation: int, alpha: float, boot,
            info: dict) -> ATTgtResult:
    """The ATTgtResult, built once: SEs (or bootstrap bands) and the pre-test from the influence functions."""
    is_ref = tis == bs
    n = len(d.G)
    se, crit = influence_bands(inf, d.cl_codes, n, boot, alpha)
    se = np.where(is_ref, 0.0, se)  # reference cells (universal base) are 0 by construction
    lim = np.maximum(ts, d.tlist[bs]) + anticipation
    pretest = _pretest(att, inf, (ts < gs) & ~is_ref, d.cl_codes, n, d.notes, _support(d.G, gs, lim, control))
    pv = d.period_values
    return ATTgtResult(pv[gs - 1], pv[ts - 1], pv[d.tlist[bs] - 1], att, inf, se, crit, alpha, d.G, d.wu, d.cl_codes,
                       info, d.notes, boot, pretest, event_times=ts - gs, period_map=d.period_map, period_values=pv,
                       units=d.units, treated_means=ybar)


def att_gt_wide(Y: np.ndarray, cohorts: np.ndarray, *, cluster: np.ndarray | None = None,
                alpha: float = 0.05) -> ATTgtResult:
    """``att_gt`` on a balanced wide outcome array without covariates: the computation ``att_gt`` runs once it has
    read its Panel (never-treated controls, varying base period, no anticipation, analytic SEs).

    ``Y`` is n units x T periods (periods numbered 1..T, no missing values), ``cohorts`` each unit's first treated
    period (1..T; 0 = never treated) and ``cluster`` optional unit-level cluster codes. This is what
    :func:`govstudy.power` re-estimates in every simulation, without building a DataFrame.

    >>> import numpy as np
    >>> Y = np.tile(np.arange(4.0), (3, 1))
    >>> Y[0, 2:] += 1.5                                     # unit 0 treated from period 3
    >>> float(att_gt_wide(Y, np.array([3, 0, 0])).aggregate("simple").estimate)
    1.5
    """
    Y = np.asfortranarray(np.asarray(Y, dtype=float))
    G = np.asarray(cohorts, dtype=np.int64)
    if Y.ndim != 2 or not np.isfinite(Y).all():
        raise ArgumentError("Y must be a units x periods array without missing values; use att_gt for other panels")
    n, T = Y.shape
    if G.shape != (n,) or (G < 0).any() or (G > T).any():
        raise ArgumentError(f"cohorts must hold one first treated period in 0..{T} per unit (0 = never treated)")
    if (G == 1).any() or not (G == 0).any() or not (G > 1).any():
        raise ArgumentError("att_gt_wide needs never-treated units, treated units, and no unit treated in period 1 "
                            "(use att_gt, which handles these cases with warnings)")
    periods = np.arange(1, T + 1, dtype=np.int64)
    d = _prepared(Y, [], G, np.ones(n), None, periods, pd.RangeIndex(n), periods, PeriodMap("integer"), covariates=[],
                  cohort_col="cohort", balanced=True, notes=[], cluster=None if cluster is None else "cluster",
                  control="never", anticipation=0,
                  cl_codes=None if cluster is None else pd.factorize(np.asarray(cluster))[0])
    gs, ts, bs, tis = _cells(d.tlist, d.glist, 0, "varying")
    att, inf, n_used, ybar = _estimate(d, gs, ts, bs, tis, control="never", method="dr", anticipation=0, rc=False)
    info = {"Control group": "never treated", "Base period": "varying", "Units": n_used, "Cohort sizes": d.sizes,
            "Standard errors": "analytic (influence function)" + (", clustered" if cluster is not None else "")}
    return _result(d, gs, ts, bs, tis, att, inf, ybar, control="never", anticipation=0, alpha=alpha, boot=None,
                   info=info)
