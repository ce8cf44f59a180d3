"""Goodman-Bacon (2021) decomposition of the two-way fixed effects DiD estimate.

On a balanced panel with an absorbing binary treatment, the TWFE coefficient is a weighted average
of all 2x2 DiD comparisons between timing groups (Goodman-Bacon 2021, Theorem 1):

* treated vs never treated;
* earlier vs later treated (the later group, not yet treated, as control);
* later vs earlier treated (the *already treated* earlier group as control -- the "forbidden"
  comparison that biases TWFE when effects change over time);
* treated vs always treated (units treated in every period as control).

With ``n_k`` the share of units in group k and ``D_k`` the share of periods in which it is treated,
the weights are proportional to ``(n_k + n_l)^2 n_kl (1 - n_kl) x`` the variance of treatment
within the pair's subsample (eq. 10 of the paper); they sum to one and the weighted sum of the
2x2 estimates equals the TWFE estimate exactly.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from govstudy.arguments import R_DID_NAMES, renamed
from govstudy.errors import ArgumentError, DataValidationError
from govstudy.estimators.results import Summary, table_text, tidy_frame
from govstudy.estimators.ols import fe_ols
from govstudy.panel import Panel, as_panel

__all__ = ["bacon_decomposition", "BaconResult"]


class BaconResult:
    """The 2x2 comparisons (``.table``), their weighted sum (``.estimate``) and the TWFE estimate."""

    def __init__(self, table: pd.DataFrame, twfe_estimate: float):
        self.table = table
        self.estimate = float((table["weight"] * table["estimate"]).sum())
        self.twfe_estimate = twfe_estimate
        self.std_error = np.nan  # a decomposition, not an estimator

    def by_type(self) -> pd.DataFrame:
        """Total weight and weighted-average estimate per comparison type."""
        g = self.table.assign(we=self.table["weight"] * self.table["estimate"]).groupby("type", sort=False)
        out = pd.DataFrame({"weight": g["weight"].sum(), "estimate": g["we"].sum() / g["weight"].sum()})
        return out.reset_index()

    def tidy(self) -> pd.DataFrame:
        """One row per 2x2 comparison: the protocol's core (SEs, tests and intervals NaN: a decomposition, not an
        estimator), then ``type, treated, control, weight``."""
        t = self.table.copy()
        t.insert(0, "term", [f"{a} vs {b}" for a, b in zip(t["treated"], t["control"])])
        return tidy_frame(t)

    def summary(self) -> Summary:
        return Summary("\n".join([
            "Goodman-Bacon decomposition of the TWFE estimate",
            f"TWFE estimate: {self.twfe_estimate:.4f}; weighted sum of 2x2 estimates: {self.estimate:.4f}", "",
            table_text(self.by_type()), "", table_text(self.table)]))

    def __repr__(self):
        return f"<BaconResult: {len(self.table)} comparisons, TWFE = {self.twfe_estimate:.4f}>"

    def _repr_html_(self):
        return ("<div><strong>Goodman-Bacon decomposition</strong>"
                f"<div>TWFE estimate: {self.twfe_estimate:.4f}</div>"
                + self.by_type().to_html(index=False, float_format=lambda v: f"{v:.4f}")
                + self.table.to_html(index=False, float_format=lambda v: f"{v:.4f}") + "</div>")

    def plot(self, ax=None):
        """Scatter of 2x2 estimates against their weights, by comparison type."""
        import matplotlib.pyplot as plt

        from govstudy.plots import cjk_figure

        if ax is None:
            _, ax = plt.subplots(figsize=(6, 4))
        for typ, s in self.table.groupby("type", sort=False):
            ax.scatter(s["weight"], s["estimate"], label=typ)
        ax.axhline(self.twfe_estimate, color="black", ls="--", lw=0.8, label="TWFE")
        ax.set_xlabel("weight")
        ax.set_ylabel("2x2 DiD estimate")
        ax.legend(frameon=False, fontsize=8)
        cjk_figure(ax.figure)
        return ax


@renamed(R_DID_NAMES)
def bacon_decomposition(data: pd.DataFrame | Panel, *, y: str | None = None, treat: str | None = None,
                        unit: str | None = None, time: str | None = None, cohort: str | None = None,
                        freq: str | None = None) -> BaconResult:
    """Decompose ``twfe(data, y=y, treat=treat, unit=unit, time=time)`` into 2x2 comparisons (balanced panels).

    Treatment is absorbing adoption: ``treat`` (0/1, never switching off) or ``cohort`` (first treated
    period; never treated 0, NaN, blank or ±inf). Periods are counted in order.

    Returns a :class:`BaconResult`; ``.table`` has columns ``type, treated, control, estimate, weight``
    (treated/control are timing groups: first treated period, ``"never"`` or ``"always"``).

    Example
    -------
    >>> import numpy as np, pandas as pd
    >>> from govstudy import bacon_decomposition, twfe
    >>> rng = np.random.default_rng(2)
    >>> df = pd.DataFrame({"id": np.repeat(np.arange(30), 6), "t": np.tile(np.arange(1, 7), 30)})
    >>> df["D"] = ((df.id < 10) & (df.t >= 3) | (df.id >= 10) & (df.id < 20) & (df.t >= 5)).astype(int)
    >>> df["y"] = df.D * (1 + 0.5 * (df.t - 3)) + rng.normal(0, 0.1, len(df))
    >>> b = bacon_decomposition(df, y="y", treat="D", unit="id", time="t")
    >>> bool(abs(b.estimate - b.twfe_estimate) < 1e-10)
    True
    """
    p = as_panel(data, unit=unit, time=time, y=y, treat=treat, cohort=cohort, freq=freq)
    if p.y is None or p.cohort_values is None:
        raise ArgumentError("bacon_decomposition needs y= and treat= (absorbing 0/1) or cohort=")
    if p.y_values is not None and np.isnan(p.y_values).any():
        miss = int(np.isnan(p.y_values).sum())
        raise DataValidationError(f"the Goodman-Bacon decomposition needs the outcome in every row; {miss} rows have "
                                  "a missing outcome (drop those units or balance the panel first)", column=p.y,
                                  rule="outcome-complete")
    if not p.is_balanced:
        rep = p.balance_report()
        raise DataValidationError(
            f"the Goodman-Bacon decomposition needs a balanced panel; {rep['incomplete_units']} units lack some "
            f"periods (balancing would drop {rep['rows_dropped']} rows). Balance it first: Panel(...).balanced()",
            column=p.unit, rule="balanced")
    p.warn_uneven("bacon_decomposition")
    Y = p.wide()
    T = p.n_periods
    per = p.periods
    # timing index: 0 = always treated (first treated at the first period), T = never treated, else the position
    # of the first treated period
    codes = p.unit_cohort_codes
    tidx = np.where(codes < 0, T, codes)
    groups = np.unique(tidx)
    if len(groups) < 2:
        raise DataValidationError("need at least two timing groups (e.g. treated and never treated)",
                                  column=p.cohort_col or p.treat_col, rule="timing-groups")
    share = {g: np.mean(tidx == g) for g in groups}
    Dbar = {g: (T - g) / T for g in groups}
    means = {g: Y[tidx == g].mean(0) for g in groups}

    def label(g):
        if g == 0:
            return "always"
        if g == T:
            return "never"
        return int(per[g]) if p.period_map.kind == "integer" else p.period_map.label(per[g])

    def dd(tr, co, lo, mid, hi):
        # periods [lo, mid) are pre, [mid, hi) are post for the treated group tr
        a, b = means[tr], means[co]
        return (a[mid:hi].mean() - a[lo:mid].mean()) - (b[mid:hi].mean() - b[lo:mid].mean())

    rows = []
    for i, k in enumerate(groups):
        for l in groups[i + 1:]:
            nk, nl = share[k], share[l]
            nkl = nk / (nk + nl)
            Dk, Dl = Dbar[k], Dbar[l]
            # k treated, l (later / never) control, periods before l's treatment
            if 0 < Dk < 1:
                s = ((nk + nl) * (1 - Dl)) ** 2 * nkl * (1 - nkl) * (Dk - Dl) / (1 - Dl) * (1 - Dk) / (1 - Dl)
                typ = "Treated vs never treated" if l == T else "Earlier vs later treated"
                rows.append((typ, label(k), label(l), dd(k, l, 0, k, l), s))
            # l treated, k (earlier / always) control, periods from k's treatment on
            if 0 < Dl < 1:
                s = ((nk + nl) * Dk) ** 2 * nkl * (1 - nkl) * (Dl / Dk) * (Dk - Dl) / Dk
                typ = "Treated vs always treated" if k == 0 else "Later vs earlier treated"
                rows.append((typ, label(l), label(k), dd(l, k, k, l, T), s))
    tab = pd.DataFrame(rows, columns=["type", "treated", "control", "estimate", "weight"])
    tab = tab[tab["weight"] > 0].reset_index(drop=True)
    tab["weight"] = tab["weight"] / tab["weight"].sum()
    fit = fe_ols(p.y_values, p.treat_values[:, None], ["treatment"], [p.unit_codes, p.time_codes], [p.unit, p.time],
                 vcov_kind="iid", protected=("treatment",))
    tw = float(fit.coef.iloc[0])
    return BaconResult(tab, tw)
