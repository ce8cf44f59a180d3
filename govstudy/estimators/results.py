"""Result objects shared by the estimators.

Every result has ``.estimate`` and ``.std_error`` (the headline effect), ``.tidy()`` (a DataFrame
with ``term, estimate, std_error, ci_low, ci_high, p_value``), ``.summary()``, ``.plot()`` and a
readable HTML representation in notebooks.

>>> import numpy as np, pandas as pd
>>> from govstudy.estimators.results import EstimationResult
>>> r = EstimationResult(pd.Series({"D": 1.0}), pd.DataFrame([[0.25]], ["D"], ["D"]), df=None,
...                      headline="D", method="example", nobs=10)
>>> r.tidy()[["term", "estimate", "std_error"]].to_dict("records")
[{'term': 'D', 'estimate': 1.0, 'std_error': 0.5}]
"""

from __future__ import annotations

import html
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats


__all__ = ["EstimationResult", "EventStudyResult", "FitDesign", "Summary", "ci_table", "TIDY_CORE", "tidy_frame", "table_text"]

#: The fixed first columns of every result's ``tidy()``, in this order; documented extras follow.
TIDY_CORE = ["term", "estimate", "std_error", "statistic", "p_value", "ci_low", "ci_high"]


def tidy_frame(df: pd.DataFrame) -> pd.DataFrame:
    """``df`` with the :data:`TIDY_CORE` columns first (NaN where a result has none), then its other columns.

    >>> tidy_frame(pd.DataFrame({"weight": [0.5], "term": ["a"], "estimate": [1.0]})).columns.tolist()
    ['term', 'estimate', 'std_error', 'statistic', 'p_value', 'ci_low', 'ci_high', 'weight']
    """
    out = df.copy()
    for c in TIDY_CORE:
        if c not in out.columns:
            out[c] = np.nan
    return out[TIDY_CORE + [c for c in out.columns if c not in TIDY_CORE]].reset_index(drop=True)


@dataclass(frozen=True, eq=False)
class FitDesign:
    """The validated estimation sample of a regression, for inference that re-estimates it.

    The wild cluster bootstrap and randomization inference read this, never the raw frame. Rows are
    the estimation sample (missing values, zero weights and singletons already left out).

    ``assignment`` is what randomization inference permutes across units: for ``twfe`` the units x
    periods matrix of treatment paths (NaN where a unit is unobserved), for ``did_2x2`` the unit-level
    treated flag; ``post`` is the 2x2's post flag per row.
    """

    estimator: str
    y: np.ndarray
    X: np.ndarray
    names: tuple
    term: str
    fes: tuple = ()
    fe_names: tuple = ()
    weights: np.ndarray | None = None
    cluster: np.ndarray | None = None          # integer codes 0..G-1 per row
    cluster_name: str | None = None
    df_k: int = 0
    unit: np.ndarray | None = None             # integer unit codes per row
    time: np.ndarray | None = None             # integer period positions per row
    assignment: np.ndarray | None = None
    post: np.ndarray | None = None
    treated_term: str | None = None            # did_2x2: the group main effect that moves with the interaction


class Summary(str):
    """A printable summary: shows as plain text in a notebook and in the console.

    >>> s = Summary("ATT = 1.0"); s, s._repr_html_()
    (ATT = 1.0, '<pre>ATT = 1.0</pre>')
    """

    def __repr__(self) -> str:
        return str(self)

    def _repr_html_(self) -> str:
        return f"<pre>{html.escape(str(self))}</pre>"


def ci_table(est, se, df=None, alpha=0.05, crit=None) -> pd.DataFrame:
    """Intervals and p-values from estimates and SEs (t with ``df`` d.o.f., normal if None).

    ``crit`` overrides the critical value (e.g. a sup-t value for uniform bands).
    """
    est = np.asarray(est, float)
    se = np.asarray(se, float)
    dist = stats.norm if df is None else stats.t(df)
    q = dist.ppf(1 - alpha / 2) if crit is None else crit
    with np.errstate(divide="ignore", invalid="ignore"):
        z = est / se
    p = 2 * dist.sf(np.abs(z))
    return pd.DataFrame({"estimate": est, "std_error": se, "statistic": z, "p_value": p, "ci_low": est - q * se,
                         "ci_high": est + q * se})


def _fmt(x, d=4):
    if x is None or (isinstance(x, float) and np.isnan(x)):
        return ""
    return f"{x:.{d}f}"


def table_text(df: pd.DataFrame, digits=4) -> str:
    return df.to_string(index=False, float_format=lambda v: f"{v:.{digits}f}")


class Report:
    """Text and HTML reports shared by result objects that have ``_header()``, ``tidy()`` and ``notes``."""

    def _header(self) -> list[str]:
        raise NotImplementedError

    def summary(self) -> Summary:
        lines = self._header() + ["", table_text(self.tidy())] + [f"Note: {n}" for n in self.notes]
        return Summary("\n".join(lines))

    def _repr_html_(self) -> str:
        head = "".join(f"<div>{html.escape(str(line))}</div>" for line in self._header())
        table = self.tidy().to_html(index=False, float_format=lambda v: f"{v:.4f}")
        notes = "".join(f"<div><em>Note:</em> {html.escape(n)}</div>" for n in self.notes)
        return f"<div><strong>{html.escape(type(self).__name__)}</strong>{head}{table}{notes}</div>"


class EstimationResult(Report):
    """Coefficients, their variance, and how they were obtained.

    Parameters
    ----------
    coef : Series (term -> estimate)
    vcov : DataFrame (terms x terms)
    df : int or None -- t degrees of freedom for inference (None: normal)
    headline : str -- the term reported as ``.estimate``
    method, nobs, info, notes : description shown by ``summary()``
    """

    def __init__(self, coef: pd.Series, vcov: pd.DataFrame, df: int | None, headline: str, method: str,
                 nobs: int, info: dict | None = None, notes: list[str] | None = None, alpha: float = 0.05):
        self.coef = coef.astype(float)
        self.vcov = vcov
        self.df = df
        self.headline = headline
        self.method = method
        self.nobs = nobs
        self.info = dict(info or {})
        self.notes = list(notes or [])
        self.alpha = alpha

    @property
    def estimate(self) -> float:
        return float(self.coef[self.headline])

    @property
    def std_error(self) -> float:
        return float(np.sqrt(self.vcov.loc[self.headline, self.headline]))

    @property
    def std_errors(self) -> pd.Series:
        return pd.Series(np.sqrt(np.diag(self.vcov.to_numpy())), index=self.vcov.index)

    def tidy(self, alpha: float | None = None) -> pd.DataFrame:
        """One row per coefficient: term, estimate, std_error, ci_low, ci_high, p_value."""
        t = ci_table(self.coef.to_numpy(), self.std_errors.reindex(self.coef.index).to_numpy(), self.df,
                     alpha or self.alpha)
        t.insert(0, "term", list(self.coef.index))
        return t

    def _header(self) -> list[str]:
        lines = [self.method, f"Observations: {self.nobs}"]
        for k, v in self.info.items():
            lines.append(f"{k}: {v}")
        return lines

    def __repr__(self) -> str:
        return (f"<{type(self).__name__} {self.method}: {self.headline} = {self.estimate:.4f} "
                f"(SE {self.std_error:.4f}), n = {self.nobs}>")

    def plot(self, ax=None, terms: list[str] | None = None):
        """Coefficient plot with confidence intervals; returns the matplotlib Axes."""
        import matplotlib.pyplot as plt
        from govstudy.plots import cjk_figure

        t = self.tidy()
        if terms is not None:
            t = t[t["term"].isin(terms)]
        if ax is None:
            _, ax = plt.subplots(figsize=(6, 0.4 * len(t) + 1.2))
        yy = np.arange(len(t))
        ax.errorbar(t["estimate"], yy, xerr=[t["estimate"] - t["ci_low"], t["ci_high"] - t["estimate"]],
                    fmt="o", capsize=3)
        ax.axvline(0, color="grey", lw=0.8)
        ax.set_yticks(yy, t["term"])
        ax.set_xlabel(f"estimate ({int(100 * (1 - self.alpha))}% CI)")
        cjk_figure(ax.figure)
        return ax


class EventStudyResult(EstimationResult):
    """Event-study coefficients by relative period, with a joint pre-trend test.

    ``.event_times`` maps each event time to its estimate (the reference period is 0 by
    construction); ``.pretrend`` holds the joint Wald test that all pre-period effects are zero.
    The headline ``.estimate`` is the average of the post-period (e >= 0) coefficients.
    """

    def __init__(self, *args, event_time: dict, ref: int, pretrend: dict | None, **kw):
        super().__init__(*args, **kw)
        self.event_time = event_time  # term -> event time
        self.ref = ref
        self.pretrend = pretrend

    def tidy(self, alpha: float | None = None) -> pd.DataFrame:
        t = super().tidy(alpha)
        t["event_time"] = [self.event_time.get(term, np.nan) for term in t["term"]]
        return t

    def event_times(self, alpha: float | None = None) -> pd.DataFrame:
        """Per event time rows (including the reference period at 0), sorted by event time."""
        t = self.tidy(alpha)
        t = t[t["event_time"].notna()].copy()
        ref = pd.DataFrame({"term": [f"ref e={self.ref}"], "estimate": [0.0], "std_error": [0.0],
                            "statistic": [np.nan], "p_value": [np.nan], "ci_low": [0.0], "ci_high": [0.0],
                            "event_time": [self.ref]})
        t = pd.concat([t, ref], ignore_index=True)
        t["event_time"] = t["event_time"].astype(int)
        return t.sort_values("event_time", ignore_index=True)

    def _header(self) -> list[str]:
        lines = super()._header()
        if self.pretrend:
            p = self.pretrend
            if np.isnan(p["p_value"]):
                lines.append(f"Pre-trend test (all pre-period effects = 0): not available -- the variance of the "
                             f"{p['df1']} pre-period coefficients has rank {p['rank']}")
            else:
                lines.append(f"Pre-trend test (all pre-period effects = 0): F({p['df1']}, {p['df2']}) = "
                             f"{p['stat']:.3f}, p = {p['p_value']:.4f}")
        return lines

    def plot(self, ax=None, alpha: float | None = None):
        """Event-study plot: estimates and confidence intervals by event time."""
        import matplotlib.pyplot as plt
        from govstudy.plots import cjk_figure

        t = self.event_times(alpha)
        if ax is None:
            _, ax = plt.subplots(figsize=(7, 4))
        pre = t["event_time"] < 0
        for mask, color, label in [(pre, "tab:grey", "pre"), (~pre, "tab:blue", "post")]:
            s = t[mask]
            ax.errorbar(s["event_time"], s["estimate"], yerr=[s["estimate"] - s["ci_low"],
                        s["ci_high"] - s["estimate"]], fmt="o", capsize=3, color=color, label=label)
        ax.axhline(0, color="black", lw=0.8)
        ax.axvline(-0.5, color="grey", ls="--", lw=0.8)
        ax.set_xlabel("periods relative to treatment")
        ax.set_ylabel(f"effect ({int(100 * (1 - (alpha or self.alpha)))}% CI)")
        ax.set_title(self.method)
        ax.legend(frameon=False)
        cjk_figure(ax.figure)
        return ax
