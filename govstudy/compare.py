"""Compare cases measure by measure: what each does, what they share, and what their numbers can say.

Works for any number of cases coded in the schema of the bundled ``cases``, ``measures``,
``case_measures`` and ``case_indicators`` tables.

>>> import govstudy
>>> cmp = govstudy.compare_cases(["nancheng", "yuan"])
>>> cmp.case_ids
['nancheng', 'yuan']
>>> "facility_upgrade" in set(cmp.shared()["measure_id"])
True
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from govstudy.datasets import check_frame, load

TABLES = ("cases", "measures", "case_measures", "case_indicators")
#: families that are bookkeeping tags (context, unknown), not measures a report describes
META_FAMILIES = ("meta",)

_BOUND = {"at_least": "lower bound (余/多/超过/以上): the true figure is higher",
          "at_most": "upper bound (以内/不到): the true figure is lower",
          "about": "approximate (约/近/左右)",
          "vague": "vague range (几十/数十)"}
_RULE = {"minimum_rule": "a rule (minimum norm), not a measurement",
         "maximum_rule": "a rule (maximum norm), not a measurement"}


def _evidence_type(row) -> str:
    if row["qualifier"] in _RULE or row["kind"] == "frequency":
        return "rule / norm"
    if row["kind"] == "enumeration":
        return "enumeration"
    if row["measure"] == "context":
        return "background stock"
    if isinstance(row.get("comparison"), str) and row["comparison"] in ("yoy", "before_after"):
        return "uncontrolled before/after, self-reported"
    if row["kind"] == "rate" and "满意" in str(row["subject"]):
        return "self-reported satisfaction rate"
    return "descriptive, self-reported"


@dataclass
class Comparison:
    """Case × measure comparison; build it with ``compare_cases``."""

    cases: pd.DataFrame
    measures: pd.DataFrame
    case_measures: pd.DataFrame
    case_indicators: pd.DataFrame

    @property
    def case_ids(self) -> list[str]:
        return list(self.cases["case_id"])

    def _measure_index(self) -> pd.DataFrame:
        return (self.measures[~self.measures["family"].isin(META_FAMILIES)]
                [["family", "family_zh", "measure_id", "name_zh", "name_en"]])

    def matrix(self, evidence: bool = False) -> pd.DataFrame:
        """Measures (rows, in taxonomy order) × cases: ``True`` where the case's report describes the measure
        (reported; a measure a showcase report does not mention may still be in place).

        With ``evidence=True`` the cells hold the verbatim evidence quote ('' where absent).
        Measures no selected case reports are kept, so gaps are visible.
        """
        index = self._measure_index()
        cm = self.case_measures
        wide = cm.pivot(index="measure_id", columns="case_id", values="evidence_quote")
        wide = wide.reindex(index=index["measure_id"], columns=self.case_ids)
        out = wide.fillna("") if evidence else wide.notna()
        out.index = pd.MultiIndex.from_frame(index[["family", "measure_id", "name_zh", "name_en"]])
        out.columns.name = "case_id"
        return out

    def evidence(self) -> pd.DataFrame:
        """The quotes behind the marks: one row per (case, measure), with the report's section."""
        cols = [c for c in ("case_id", "measure_id", "section_zh", "evidence_quote", "quote_start", "quote_end")
                if c in self.case_measures.columns]
        return self.case_measures[cols].merge(self._measure_index(), on="measure_id")

    def _present(self) -> pd.DataFrame:
        return self.matrix().reset_index()

    def shared(self) -> pd.DataFrame:
        """Measures every selected case reports."""
        m = self._present()
        return m[m[self.case_ids].all(axis=1)].drop(columns=self.case_ids).reset_index(drop=True)

    def unique(self, case_id: str) -> pd.DataFrame:
        """Measures ``case_id`` reports and no other selected case does."""
        if case_id not in self.case_ids:
            raise KeyError(f"case {case_id!r} is not in this comparison; cases: {self.case_ids}")
        m = self._present()
        others = [c for c in self.case_ids if c != case_id]
        mask = m[case_id] & ~m[others].any(axis=1) if others else m[case_id]
        return m[mask].drop(columns=self.case_ids).reset_index(drop=True)

    def by_family(self) -> pd.DataFrame:
        """Per family and case: measures reported, of how many in the taxonomy, and the share."""
        m = self._present().merge(self._measure_index()[["measure_id", "family_zh"]], on="measure_id")
        total = m.groupby(["family", "family_zh"], sort=False).size().rename("in_taxonomy")
        counts = m.groupby(["family", "family_zh"], sort=False)[self.case_ids].sum()
        long = counts.stack().rename("reported").reset_index().rename(columns={"level_2": "case_id"})
        long = long.merge(total.reset_index(), on=["family", "family_zh"])
        long["share"] = (long["reported"] / long["in_taxonomy"]).round(3)
        return long

    def indicators(self, kind: str | Sequence[str] | None = None) -> pd.DataFrame:
        """The reported quantities side by side, with what each can and cannot support.

        Columns add ``family``, ``evidence_type`` and ``caveats`` (reasons a figure is not comparable
        across cases: a bound rather than a count, a rule rather than a measurement, no stated
        period, or a period none of the other cases reports over), and
        ``comparable`` (no caveat).
        """
        ind = self.case_indicators.copy()
        if kind is not None:
            kinds = [kind] if isinstance(kind, str) else list(kind)
            ind = ind[ind["kind"].isin(kinds)]
        fam = self.measures.set_index("measure_id")["family"]
        ind["family"] = ind["measure"].map(fam).fillna("meta")
        ind["evidence_type"] = [_evidence_type(r) for _, r in ind.iterrows()]
        periods = self.case_indicators.groupby("case_id")["period"].agg(lambda s: frozenset(s.dropna()))
        caveats = []
        for _, r in ind.iterrows():
            why = []
            if r["qualifier"] in _BOUND:
                why.append(_BOUND[r["qualifier"]])
            if r["qualifier"] in _RULE or r["kind"] == "frequency":
                why.append(_RULE.get(r["qualifier"], "a rule (frequency norm), not a measurement"))
            if r["kind"] == "enumeration":
                why.append("an enumeration of listed items, not a measurement")
            if r["measure"] == "context":
                why.append("a background stock, not an outcome of a measure")
            if pd.isna(r["period"]):
                why.append("no reference period stated")
            else:
                other = set().union(*[periods.get(c, frozenset()) for c in self.case_ids if c != r["case_id"]])
                if other and r["period"] not in other:
                    why.append(f"period {r['period']} is not one the other cases report over "
                               f"({', '.join(sorted(other))})")
            caveats.append("; ".join(why))
        ind["caveats"] = caveats
        ind["comparable"] = ind["caveats"] == ""
        cols = ["indicator_id", "family", "measure", "case_id", "subject", "value", "value_max", "unit", "qualifier",
                "kind", "comparison", "period", "evidence_type", "comparable", "caveats", "sentence"]
        order = {f: i for i, f in enumerate(pd.unique(self.measures["family"]))}
        ind = ind.assign(_f=ind["family"].map(order))
        key = "start" if "start" in ind.columns else "value"
        return ind.sort_values(["_f", "measure", "case_id", key])[[c for c in cols if c in ind.columns]] \
                  .reset_index(drop=True)

    def similarity(self) -> pd.DataFrame:
        """Jaccard similarity of the cases' measure sets: |A ∩ B| / |A ∪ B| (1 = same measures, 0 = none shared)."""
        m = self.matrix().to_numpy(dtype=bool)
        inter = m.T.astype(int) @ m.astype(int)
        sizes = m.sum(axis=0)
        union = sizes[:, None] + sizes[None, :] - inter
        with np.errstate(invalid="ignore", divide="ignore"):
            jac = np.where(union > 0, inter / np.where(union == 0, 1, union), 1.0)
        return pd.DataFrame(jac.round(3), index=self.case_ids, columns=self.case_ids)

    def plot(self, ax=None):
        """Heatmap of the matrix, measures labelled in Chinese and English, grouped by family."""
        import matplotlib.pyplot as plt
        import seaborn as sns

        from govstudy.plots import bilingual, cjk_figure

        mat = self.matrix()
        names = self.cases.set_index("case_id")
        data = mat.astype(int)
        data.index = [bilingual(zh, en) for _, _, zh, en in mat.index]
        data.columns = [bilingual(names.loc[c, "name_zh"], names.loc[c, "name_en"], "\n") for c in mat.columns]
        if ax is None:
            _, ax = plt.subplots(figsize=(7.0 + 1.3 * len(self.case_ids), 0.34 * len(data) + 1.8))
        sns.heatmap(data, cmap=sns.color_palette(["#f0f0f0", "#b2182b"], as_cmap=True), cbar=False,
                    linewidths=0.5, linecolor="white", ax=ax, vmin=0, vmax=1)
        families = list(mat.index.get_level_values("family"))
        family_zh = self.measures.drop_duplicates("family").set_index("family")["family_zh"]
        starts = [i for i in range(len(families)) if i == 0 or families[i] != families[i - 1]]
        for k, i in enumerate(starts):
            if i:
                ax.axhline(i, color="black", linewidth=1.2)
            end = starts[k + 1] if k + 1 < len(starts) else len(families)
            ax.text(len(mat.columns) + 0.15, (i + end) / 2, bilingual(family_zh.get(families[i], ""), families[i], "\n"),
                    va="center", ha="left", fontsize=9)
        ax.xaxis.tick_top()
        ax.set_xlabel("")
        ax.set_ylabel("")
        ax.set_title(bilingual("案例措施对照", "Measures by case (red = reported)"), pad=40)
        ax.tick_params(axis="x", labelrotation=0, length=0)
        cjk_figure(ax.figure)
        return ax


def compare_cases(case_ids: Sequence[str] | None = None,
                  data: Mapping[str, pd.DataFrame] | None = None) -> Comparison:
    """Build a :class:`Comparison` of ``case_ids`` (default: every case, sorted by id).

    ``data`` lets you pass your own coded tables, keyed ``cases``, ``measures``, ``case_measures``
    and ``case_indicators``, in the schema of the bundled datasets of the same names (see
    ``govstudy.load(name).attrs["columns"]``); missing keys fall back to the bundled tables. Every
    table is checked against that schema, foreign keys included (``govstudy.datasets.check_frame``);
    a ``sources`` key gives the table their ``source_id`` must be in (default: the bundled one).

    >>> import govstudy
    >>> float(govstudy.compare_cases(["yuan", "nancheng"]).similarity().loc["yuan", "nancheng"])
    0.095
    """
    tables = {name: (data[name] if data is not None and name in data else load(name)) for name in TABLES}
    parents = {**({"sources": data["sources"]} if data is not None and "sources" in data else {}), **tables}
    for name, df in parents.items():  # parents first: cases, measures, then the tables that refer to them
        check_frame(df, name, tables=parents, source=f"compare_cases data[{name!r}]")
    cases = tables["cases"]
    known = set(cases["case_id"])
    ids = sorted(known) if case_ids is None else list(case_ids)
    repeated = sorted({c for c in ids if ids.count(c) > 1})
    if repeated:
        raise ValueError(f"case(s) {repeated} named more than once in case_ids")
    missing = [c for c in ids if c not in known]
    if missing:
        raise KeyError(f"unknown case(s) {missing}; available: {sorted(known)}")
    if len(ids) < 1:
        raise ValueError("compare_cases needs at least one case")
    sel = cases.set_index("case_id").loc[ids].reset_index()
    return Comparison(cases=sel, measures=tables["measures"].reset_index(drop=True),
                      case_measures=tables["case_measures"][tables["case_measures"]["case_id"].isin(ids)]
                      .reset_index(drop=True),
                      case_indicators=tables["case_indicators"][tables["case_indicators"]["case_id"].isin(ids)]
                      .reset_index(drop=True))
