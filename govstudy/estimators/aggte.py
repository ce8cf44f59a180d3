"""Aggregation of ATT(g, t) (R ``did``'s ``aggte``) and the multiplier bootstrap.

``aggregate(result, kind)`` forms the simple, group, calendar and dynamic summaries of an ``att_gt`` result,
with the estimation error of the cohort-share weights in their influence functions; ``AggregateResult`` is
what it returns (result protocol: ``estimate``, ``std_error``, ``tidy()``, ``summary()``, ``plot()``).
``multiplier_bootstrap`` draws Mammen weights over units or clusters for SEs and uniform sup-t bands.

Why our own code: aggregation is linear algebra on the influence-function matrix that ``att_gt`` already holds;
R ``did`` is R, and its Python ports recompute through data frames.

>>> import govstudy
>>> res = govstudy.att_gt(govstudy.load("mpdta"), y="lemp", unit="countyreal", time="year", cohort="first.treat")
>>> round(aggregate(res, "dynamic").estimate, 4)
-0.0772
"""

from __future__ import annotations

import html

import numpy as np
import pandas as pd
from scipy import stats

from govstudy.arguments import check_choice, check_int, check_nonneg_int
from govstudy.errors import ArgumentError
from govstudy.estimators.results import Summary, ci_table, table_text
from govstudy.estimators.vcov import cluster_sums

__all__ = ["AggregateResult", "aggregate", "influence_bands", "multiplier_bootstrap", "effect_points", "event_bound"]


class AggregateResult:
    """An aggregation of ATT(g, t) (like R did's ``aggte``): an overall effect plus per-element rows."""

    def __init__(self, kind, overall, overall_se, table, crit, alpha, n, inf_overall, inf_elems, boot,
                 cluster_codes=None, base_period=None, *, relative=False, balance_e=None):
        self.kind, self.alpha, self.n = kind, alpha, n
        self.relative, self.balance_e = relative, balance_e   # relative: estimates in % of the untreated mean
        self.cluster_codes, self.base_period = cluster_codes, base_period
        self.estimate, self.std_error = float(overall), float(overall_se)
        self._table = table
        self.crit = crit
        self.influence = inf_overall
        self.element_influence = inf_elems
        self.bootstrap = boot

    @property
    def coef(self) -> pd.Series:
        """The per-element estimates (event times, cohorts or periods) by term."""
        return pd.Series(self._table["estimate"].to_numpy(), index=self._table["term"].to_numpy()) if len(
            self._table) else pd.Series(dtype=float)

    @property
    def vcov(self) -> pd.DataFrame:
        """Analytic covariance of :attr:`coef`, ``F'F / n^2`` from the per-unit influence functions (summed within
        clusters), whose diagonal gives the analytic ``std_error``; not defined for bootstrap SEs."""
        if self.element_influence is None:
            raise ValueError("a 'simple' aggregation has no per-element estimates; its variance is std_error ** 2")
        if self.bootstrap is not None:
            raise ValueError("this aggregation has multiplier-bootstrap SEs, which give no covariance matrix; "
                             "re-run att_gt without bootstrap= for the analytic covariance")
        F = self.element_influence if self.cluster_codes is None else cluster_sums(self.cluster_codes,
                                                                                   self.element_influence)
        return pd.DataFrame(F.T @ F / self.n ** 2, index=self.coef.index, columns=self.coef.index)

    def tidy(self, overall: bool = True) -> pd.DataFrame:
        """Rows: the overall effect (``term="overall"``) then each element (event time, cohort or period)."""
        q = stats.norm.ppf(1 - self.alpha / 2)
        head = ci_table([self.estimate], [self.std_error], None, self.alpha, q)
        head.insert(0, "term", ["overall"])
        rows = self._table
        if self.relative:   # the scale of every row: percent of the untreated mean of the same cells
            head["scale"] = "relative (%)"
            rows = rows.assign(scale="relative (%)") if len(rows) else rows
        return pd.concat([head, rows], ignore_index=True) if overall and len(rows) else (
            head if overall else rows.reset_index(drop=True))

    def summary(self) -> Summary:
        what = {"simple": "weighted average of all post-treatment ATT(g,t)",
                "group": "average over cohorts of each cohort's average effect",
                "calendar": "average over periods of each period's average effect",
                "dynamic": "average of event-time effects e >= 0"}[self.kind]
        lines = [f"Aggregated ATT ({self.kind}): {what}", f"Units: {self.n}"]
        if self.balance_e is not None:
            lines.append(f"Balanced in event time: cohorts observed at least {self.balance_e} periods after treatment")
        if self.relative:
            lines.append("Scale: relative (%): 100 x ATT / untreated mean E[Y(0) | G=g] of the same cells")
        pct = " %" if self.relative else ""
        lines.append(f"Overall: {self.estimate:.4f}{pct} (SE {self.std_error:.4f}{pct})")
        if len(self._table):
            band = "uniform (sup-t) bands" if self.crit is not None else "pointwise intervals"
            lines += ["", f"By element ({band}):", table_text(self._table)]
        return Summary("\n".join(lines))

    def __repr__(self):
        what = "ATT (%)" if self.relative else "ATT"
        return f"<AggregateResult {self.kind}: {what} = {self.estimate:.4f} (SE {self.std_error:.4f})>"

    def _repr_html_(self):
        t = self.tidy().to_html(index=False, float_format=lambda v: f"{v:.4f}", na_rep="")
        return f"<div><strong>Aggregated ATT ({html.escape(self.kind)})</strong>{t}</div>"

    def plot(self, ax=None):
        import matplotlib.pyplot as plt
        from govstudy.plots import cjk_figure

        t = self._table
        if not len(t):
            raise ValueError("a 'simple' aggregation has a single number; nothing to plot")
        xcol = {"dynamic": "event_time", "group": "cohort", "calendar": "time"}[self.kind]
        if ax is None:
            _, ax = plt.subplots(figsize=(7, 4))
        post = t["event_time"].to_numpy() >= 0 if self.kind == "dynamic" else np.ones(len(t), bool)
        labels = None if self.kind == "dynamic" else t["cohort_period" if self.kind == "group" else "period"]
        effect_points(ax, np.arange(len(t)) if labels is not None else t[xcol].to_numpy(), t, post, labels)
        ax.set_xlabel(xcol.replace("_", " "))
        ax.set_ylabel("ATT, % of untreated mean" if self.relative else "ATT")
        ax.set_title(f"Callaway-Sant'Anna, {self.kind} aggregation")
        cjk_figure(ax.figure)
        return ax


def effect_points(ax, x, t, post, labels):
    """Estimates with confidence intervals: post-treatment in blue, pre-treatment in grey."""
    for mask, color, name in ((~post, "tab:grey", "pre"), (post, "tab:blue", "post")):
        if not mask.any():
            continue
        s = t[mask]
        ax.errorbar(x[mask], s["estimate"], yerr=[s["estimate"] - s["ci_low"], s["ci_high"] - s["estimate"]],
                    fmt="o", color=color, capsize=3, label=name)
    ax.axhline(0, color="black", lw=0.8)
    if labels is not None:
        ax.set_xticks(x, list(labels), rotation=45 if len(x) > 12 else 0)


def aggregate(res, kind: str = "simple", min_e: float = -np.inf, max_e: float = np.inf, *, balance_e=None,
              relative: bool = False) -> AggregateResult:
    """Aggregate ATT(g,t) like R did's ``aggte``: ``"simple"``, ``"group"``, ``"calendar"``, ``"dynamic"``.

    Cohort-share weights are estimated, and their estimation error enters the influence function.
    ``min_e``/``max_e`` restrict event times (dynamic; ``max_e`` also for simple/group).
    ``balance_e=k`` (dynamic only, as R did's ``balance_e``): only cohorts observed for at least k periods after
    treatment (last period - g >= k, periods counted in order) enter, and event times run from the earliest one
    all kept cohorts share up to k, so every event time averages the same cohorts.
    ``relative=True``: percentage effects, 100 * ATT_agg / mean_Y0_agg, where mean_Y0_agg aggregates each cell's
    untreated mean E[Y_t(0) | G=g] = E[Y_t | G=g] - ATT(g,t) with the same weights; delta-method SEs from the
    influence functions of both.

    >>> import govstudy
    >>> res = govstudy.att_gt(govstudy.load("mpdta"), y="lemp", unit="countyreal", time="year", cohort="first.treat")
    >>> aggregate(res, "dynamic", balance_e=1).tidy(overall=False)["event_time"].tolist()
    [-2, -1, 0, 1]
    >>> round(aggregate(res, "simple", relative=True).estimate, 2)   # percent of the untreated mean
    -0.65
    """
    check_choice(kind, "kind", ("simple", "group", "calendar", "dynamic"))
    min_e, max_e = event_bound(min_e, "min_e"), event_bound(max_e, "max_e")
    if balance_e is not None:
        if kind != "dynamic":
            raise ArgumentError(f"balance_e={balance_e!r} applies to kind='dynamic' only (got kind={kind!r})")
        balance_e = check_nonneg_int(balance_e, "balance_e")
    if relative and res.treated_mean is None:
        raise ArgumentError("relative=True needs the cells' treated means, which this result does not carry")
    inf = res.influence
    lev = _levels(res, kind, min_e, max_e, balance_e, res.att, lambda keep: inf[:, keep])
    labels, key, vals, F, overall, f_all = lev
    if relative:
        M = res.treated_mean_influence
        _, _, vals0, F0, overall0, f0 = _levels(res, kind, min_e, max_e, balance_e, res.treated_mean - res.att,
                                                lambda keep: M[:, keep].toarray() - inf[:, keep])
        if vals is not None:
            vals, F = _ratio(vals, F, vals0, F0)
        (overall,), f_all = _ratio(np.array([overall]), f_all[:, None], np.array([overall0]), f0[:, None])
        f_all = f_all[:, 0]
    se_all, _ = res.bands(np.array([overall]), f_all[:, None])
    if kind == "simple":
        return AggregateResult(kind, overall, se_all[0], pd.DataFrame(), None, res.alpha, res.n, f_all, None,
                               res.bootstrap_args, relative=relative)
    se_el, crit = res.bands(vals, F)
    q = crit if crit is not None else stats.norm.ppf(1 - res.alpha / 2)
    tab = ci_table(vals, se_el, None, res.alpha, q)
    if key == "event_time":
        tab.insert(0, "term", [f"{key}={v}" for v in labels])
        tab[key] = labels
        tab["post"] = labels >= 0
    else:
        values = res.period_values[np.asarray(labels, np.int64) - 1]
        written = res.period_map.labels(values)
        tab.insert(0, "term", [f"{key}={v}" for v in written])
        tab[key] = values
        tab["cohort_period" if key == "cohort" else "period"] = written
    return AggregateResult(kind, overall, se_all[0], tab, crit, res.alpha, res.n, f_all, F, res.bootstrap_args,
                           res.cluster_codes, res.info.get("Base period"), relative=relative, balance_e=balance_e)


def _ratio(a, Fa, b, Fb):
    """100 * a / b and its delta-method influence functions (columns of Fa, Fb are those of a, b)."""
    r = 100 * a / b
    return r, 100 * (Fa * b - Fb * a) / b ** 2


def _levels(res, kind, min_e, max_e, balance_e, att, cols):
    """The aggregation of cell values ``att`` whose influence functions are ``cols(keep)`` (n x len(keep)):
    (labels, key, element values, element IFs, overall value, overall IF); labels/elements None for simple."""
    # positions 1..T: event time counts periods in order; labels are mapped back to period values below
    g = res.cohort_positions
    t = g + res.event_times
    glist = np.unique(g)
    ww = res.unit_weights
    pg_g = np.array([np.mean(ww * (res.unit_cohorts == gg)) for gg in glist])
    pg = pg_g[np.searchsorted(glist, g)]

    def wif(keep):
        # estimation error of the weights pg[keep] / sum(pg[keep])
        ind = np.column_stack([ww * (res.unit_cohorts == gg) for gg in g[keep]])  # n x k
        s = pg[keep].sum()
        if1 = (ind - pg[keep]) / s
        if2 = np.outer((ind - pg[keep]).sum(1), pg[keep] / s ** 2)
        return if1 - if2

    def agg(keep, weights, with_wif=True):
        keep = np.flatnonzero(keep)
        wa = weights / weights.sum()
        est = float(att[keep] @ wa)
        f = cols(keep) @ wa
        if with_wif:
            f = f + wif(keep) @ att[keep]
        return est, f

    e_all = t - g
    e_post = sorted(int(v) for v in np.unique(e_all[e_all >= 0]))

    def nothing(what):
        bal = "" if balance_e is None else f", balance_e={balance_e}"
        return ValueError(f"aggregate({kind!r}, min_e={min_e}, max_e={max_e}{bal}): {what}; the event times "
                          f"available are {sorted(int(v) for v in np.unique(e_all))} (post-treatment: {e_post})")

    if kind == "simple":
        keep = (g <= t) & (t - g <= max_e)
        if not keep.any():
            raise nothing("no post-treatment ATT(g,t) with event time e <= max_e")
        est, f = agg(keep, pg[keep])
        return None, None, None, None, est, f
    if kind == "group":
        empty = res.shown([res.period_values[gg - 1] for gg in glist
                           if not ((g == gg) & (gg <= t) & (t - gg <= max_e)).any()])
        if empty:
            raise nothing(f"cohort(s) {empty} have no post-treatment ATT(g,t) with event time e <= max_e")
        vals, fs = [], []
        for gg in glist:
            keep = (g == gg) & (gg <= t) & (t - gg <= max_e)
            est, f = agg(keep, np.ones(keep.sum()), with_wif=False)
            vals.append(est)
            fs.append(f)
        vals, F = np.array(vals), np.column_stack(fs)
        wa = pg_g / pg_g.sum()
        overall = float(vals @ wa)
        # wif over cohorts
        ind = np.column_stack([ww * (res.unit_cohorts == gg) for gg in glist])
        s = pg_g.sum()
        wf = (ind - pg_g) / s - np.outer((ind - pg_g).sum(1), pg_g / s ** 2)
        return glist, "cohort", vals, F, overall, F @ wa + wf @ vals
    if kind == "dynamic":
        e = t - g
        included = np.ones(len(g), bool)
        if balance_e is not None:
            # R did's balance_e: cohorts with at least balance_e periods after treatment (last period - g >= k);
            # event times of those cohorts between balance_e - (T - 1) and balance_e (T periods)
            T_last = int(t.max())
            included = T_last - g >= balance_e
            if not included.any():
                raise nothing(f"no cohort is observed for balance_e={balance_e} periods after treatment")
            eseq = np.unique(e[included])
            eseq = eseq[(eseq <= balance_e) & (eseq >= balance_e - T_last + 1)]
        else:
            eseq = np.unique(e)
        eseq = eseq[(eseq >= min_e) & (eseq <= max_e)]
        if not len(eseq):
            raise nothing("no event time e with min_e <= e <= max_e")
        if not (eseq >= 0).any():
            raise nothing("no post-treatment event time e >= 0 with min_e <= e <= max_e")
        vals, fs = [], []
        for ee in eseq:
            keep = (e == ee) & included
            est, f = agg(keep, pg[keep])
            vals.append(est)
            fs.append(f)
        vals, F = np.array(vals), np.column_stack(fs)
        post = eseq >= 0
        return eseq, "event_time", vals, F, float(vals[post].mean()), F[:, post].mean(1)
    # calendar
    tl = np.unique(t)
    tl = tl[tl >= glist.min()]
    vals, fs, lab = [], [], []
    for tt in tl:
        keep = (t == tt) & (g <= t)
        if not keep.any():
            continue
        est, f = agg(keep, pg[keep])
        vals.append(est)
        fs.append(f)
        lab.append(tt)
    vals, F = np.array(vals), np.column_stack(fs)
    return np.array(lab), "time", vals, F, float(vals.mean()), F.mean(1)


def event_bound(v, name):
    """An event-time bound: a whole number, or ±inf for no bound."""
    if isinstance(v, (float, np.floating)) and np.isinf(v):
        return float(v)
    return check_int(v, name)


def influence_bands(inf, cl, n: int, bootstrap_args, alpha: float):
    """(se, crit) of estimates with per-unit influence functions ``inf`` (n x k): analytic,
    ``sqrt(sum IF^2) / n`` summed within clusters ``cl`` (crit None), or the multiplier bootstrap's
    SEs and sup-t critical value when ``bootstrap_args = (B, seed)``."""
    if bootstrap_args is not None:
        B, seed = bootstrap_args
        return multiplier_bootstrap(inf, cl, n, B, seed, alpha)
    inf = np.atleast_2d(inf.T).T
    if cl is not None:
        inf = cluster_sums(cl, inf)
    return np.sqrt(np.einsum("ij,ij->j", inf, inf)) / n, None


def multiplier_bootstrap(inf, cl, n, B, seed, alpha):
    """Multiplier bootstrap (Mammen weights): SEs by the normalised IQR and a sup-t critical value."""
    rng = np.random.default_rng(seed)
    inf = np.atleast_2d(inf.T).T
    if cl is not None:
        inf = cluster_sums(cl, inf)
    m = inf.shape[0]
    k = (np.sqrt(5) + 1) / 2
    p = k / np.sqrt(5)
    out = np.empty((B, inf.shape[1]))
    step = max(1, 250_000 // max(m, 1))  # draws in row blocks of ~2 MB (same stream as one block)
    for s in range(0, B, step):
        b = min(step, B - s)
        v = np.where(rng.random((b, m)) < p, 1 - k, k)
        out[s:s + b] = v @ inf / n
    q75, q25 = np.quantile(out, [0.75, 0.25], axis=0)
    se = (q75 - q25) / (stats.norm.ppf(0.75) - stats.norm.ppf(0.25))
    ok = se > np.sqrt(np.finfo(float).eps) * 10
    if ok.sum() == 0:
        return se, None
    tstat = np.max(np.abs(out[:, ok]) / se[ok], axis=1)
    crit = float(np.quantile(tstat, 1 - alpha))
    return se, crit
