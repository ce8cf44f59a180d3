"""The result protocol shared by every QCA result object.

QCA reports set-theoretic fit (inclusion, PRI, coverage), not estimates with sampling error, so
``.estimate`` and ``.std_error`` are NaN and so are the ``estimate, std_error, statistic, p_value,
ci_low, ci_high`` columns of ``tidy()`` (the protocol's core, :data:`TIDY_CORE`); they are there so that QCA
tables stack with the estimators' tables. The QCA measures follow as extra columns (documented by each
result). ``plot()`` draws on its own figure and names the CJK font with :func:`govstudy.plots.cjk_figure`.

>>> import pandas as pd
>>> from govstudy.qca.results import QCAResult
>>> class R(QCAResult):
...     def _table(self):
...         return pd.DataFrame({"term": ["A"], "inclS": [1.0]})
>>> list(R().tidy().columns)
['term', 'estimate', 'std_error', 'statistic', 'p_value', 'ci_low', 'ci_high', 'inclS']
"""

from __future__ import annotations

import html

import pandas as pd

from govstudy.estimators.results import Summary, tidy_frame

__all__ = ["QCAResult", "xy_axes"]


class QCAResult:
    """Base class: subclasses implement ``_table()`` (a DataFrame starting with ``term``), ``_header()``
    and ``plot()``."""

    notes: list = []
    estimate = float("nan")    #: no point estimate in QCA: always NaN
    std_error = float("nan")   #: no sampling error in QCA: always NaN

    def _table(self) -> pd.DataFrame:
        raise NotImplementedError

    def _header(self) -> list:
        return [type(self).__name__]

    def tidy(self) -> pd.DataFrame:
        """``term, estimate, std_error, statistic, p_value, ci_low, ci_high`` (NaN), then the QCA measures."""
        t = self._table().reset_index(drop=True)
        return tidy_frame(t.assign(term=t["term"].astype(str)))

    def summary(self) -> Summary:
        t = self._table()
        text = t.to_string(index=False, float_format=lambda v: f"{v:.3f}")
        lines = list(self._header()) + ["", text] + [f"Note: {n}" for n in self.notes]
        return Summary("\n".join(lines))

    def __repr__(self) -> str:
        return str(self.summary())

    def _repr_html_(self) -> str:
        head = "".join(f"<div>{html.escape(str(line))}</div>" for line in self._header())
        table = self._table().to_html(index=False, float_format=lambda v: f"{v:.3f}")
        notes = "".join(f"<div><em>Note:</em> {html.escape(n)}</div>" for n in self.notes)
        return f"<div><strong>{html.escape(type(self).__name__)}</strong>{head}{table}{notes}</div>"


def xy_axes(x, y, *, ax=None, labels=None, xlabel="", ylabel="", title="", annotate: bool = True):
    """An XY plot of set memberships: sufficiency shows as points on or above the diagonal, necessity as points
    on or below it."""
    import matplotlib.pyplot as plt
    from govstudy.plots import cjk_figure

    if ax is None:
        _, ax = plt.subplots(figsize=(5, 5))
    ax.plot([0, 1], [0, 1], color="grey", lw=1, ls="--")
    ax.axhline(0.5, color="lightgrey", lw=0.8)
    ax.axvline(0.5, color="lightgrey", lw=0.8)
    ax.scatter(x, y, s=28, color="tab:blue", zorder=3)
    if annotate and labels is not None and len(labels) <= 40:
        for xi, yi, lab in zip(x, y, labels):
            ax.annotate(str(lab), (xi, yi), fontsize=7, xytext=(3, 3), textcoords="offset points")
    ax.set_xlim(-0.03, 1.03)
    ax.set_ylim(-0.03, 1.03)
    ax.set_aspect("equal")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title, fontsize=10)
    cjk_figure(ax.figure)
    return ax
