"""Several results side by side, as in a paper's regression table (pyfixest's ``etable``, R ``modelsummary``).

Any result that follows govstudy's result protocol goes in: its ``tidy()`` gives the rows. The table is
exported as Markdown, LaTeX (booktabs) and HTML, and it can be declared an exhibit of the paper.

Why our own code: pyfixest's ``etable`` only takes pyfixest models, and ``modelsummary`` is R. What we need is
small (a frame of strings and three writers) and reads only the protocol.

>>> import govstudy
>>> from govstudy.model_table import model_table
>>> panel, _ = govstudy.simulate_panel(govstudy.Design(), seed=1)
>>> d = panel.data
>>> m1 = govstudy.twfe(d, y="certificates", treat="treated_access_list", unit="community", time="month")
>>> m2 = govstudy.att_gt(d, y="certificates", unit="community", time="month", cohort="cohort_access_list")
>>> table = model_table({"TWFE": m1, "Callaway-Sant'Anna": m2},
...                     terms={"treated_access_list": "Access list", "ATT (simple)": "Access list"})
>>> table.frame.iloc[:2].to_dict("list")
{'TWFE': ['−2.254', '(0.538)'], "Callaway-Sant'Anna": ['−2.194', '(1.532)']}
>>> list(table.frame.index)
['Access list', '', 'Estimator', 'Observations', 'Units', 'Fixed effects', 'Standard errors']
>>> print(table.to_markdown().splitlines()[2])
| Access list     | −2.254                                                                    | −2.194                          |
"""

from __future__ import annotations

import html
import math
from collections.abc import Mapping, Sequence

import pandas as pd

from govstudy.arguments import check_choice, check_int
from govstudy.estimators.aggte import AggregateResult
from govstudy.estimators.results import EstimationResult
from govstudy.estimators.staggered import ATTgtResult

__all__ = ["ModelTable", "model_table"]

#: What a cell shows under each estimate.
BELOW = ("std_error", "ci", "p_value", "statistic", "none")
#: p-value thresholds for stars (only with ``stars=True``): *** < 0.01, ** < 0.05, * < 0.1.
STARS = ((0.01, "***"), (0.05, "**"), (0.1, "*"))
#: footer rows read from a result's ``info`` (shown when any model has them).
INFO_ROWS = ("Fixed effects", "Standard errors")


def _rows(model) -> pd.DataFrame:
    """The rows a model contributes: every coefficient of a regression; the headline of an aggregate."""
    if isinstance(model, EstimationResult):         # a regression: all its coefficients
        return model.tidy()
    if isinstance(model, ATTgtResult):              # att_gt: its simple aggregation
        model = model.aggregate("simple")
    t = model.tidy()
    if isinstance(model, AggregateResult):
        t = t[t["term"] == "overall"].assign(term=f"ATT ({model.kind})")
    return t


def _estimator(model) -> str:
    if isinstance(model, ATTgtResult):
        return "Callaway-Sant'Anna ATT (simple)"
    if isinstance(model, AggregateResult):
        return f"Callaway-Sant'Anna ATT ({model.kind})"
    return str(getattr(model, "method", type(model).__name__))


def _number(x: float, digits: int) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return ""
    return f"{x + 0.0:.{digits}f}".replace("-", "−")


class ModelTable:
    """A regression table: ``frame`` (a DataFrame of text cells) and its Markdown, LaTeX and HTML forms.

    Rows are the terms, each with the estimate and, on the line below, what ``below`` asks for; then the
    footer (estimator, observations, units, fixed effects, standard errors). Built by :func:`model_table`.
    """

    def __init__(self, frame: pd.DataFrame, n_terms: int, notes: list[str]):
        self.frame = frame
        self.n_term_lines = n_terms
        self.notes = notes

    def tidy(self) -> pd.DataFrame:
        """The table as a frame with the row labels as its first column ``""`` (for ``exhibits.table``)."""
        return self.frame.reset_index(names="")

    def to_markdown(self) -> str:
        """A pipe table (GitHub/pandoc Markdown)."""
        esc = lambda text: str(text).replace("|", r"\|")  # noqa: E731 -- a pipe would end the cell
        rows = [[esc(i)] + [esc(c) for c in r] for i, r in zip(self.frame.index, self.frame.itertuples(index=False))]
        head = [""] + [esc(c) for c in self.frame.columns]
        width = [max(len(x) for x in col) for col in zip(head, *rows)]
        line = lambda cells: "| " + " | ".join(c.ljust(w) for c, w in zip(cells, width)) + " |"  # noqa: E731
        out = [line(head), "|" + "|".join(":" + "-" * (w + 1) for w in width) + "|"] + [line(r) for r in rows]
        return "\n".join(out + [f"\n{n}" for n in self.notes])

    def to_latex(self, caption: str | None = None, label: str | None = None) -> str:
        """A booktabs ``table`` environment; text is escaped for LaTeX."""
        cols = "l" + "c" * self.frame.shape[1]
        body = [" & ".join([""] + [_tex(c) for c in self.frame.columns]) + r" \\", r"\midrule"]
        for k, (name, row) in enumerate(zip(self.frame.index, self.frame.itertuples(index=False))):
            if k == self.n_term_lines:
                body.append(r"\midrule")
            body.append(" & ".join([_tex(name)] + [_tex(c) for c in row]) + r" \\")
        lines = [r"\begin{table}[htbp]", r"\centering"]
        if caption:
            lines.append(r"\caption{" + _tex(caption) + "}")
        if label:
            lines.append(r"\label{" + label + "}")
        lines += [r"\begin{tabular}{" + cols + "}", r"\toprule", *body, r"\bottomrule", r"\end{tabular}"]
        lines += [r"\par\smallskip{\footnotesize " + _tex(n) + "}" for n in self.notes]
        return "\n".join(lines + [r"\end{table}"])

    def to_html(self) -> str:
        """An HTML table, footer rows in ``<tfoot>``."""
        head = "".join(f"<th>{html.escape(str(c))}</th>" for c in self.frame.columns)
        rows = [f"<tr><th>{html.escape(str(i))}</th>" + "".join(f"<td>{html.escape(c)}</td>" for c in r) + "</tr>"
                for i, r in zip(self.frame.index, self.frame.itertuples(index=False))]
        notes = "".join(f"<p class='table-note'>{html.escape(n)}</p>" for n in self.notes)
        return (f"<table class='model-table'><thead><tr><th></th>{head}</tr></thead>"
                f"<tbody>{''.join(rows[:self.n_term_lines])}</tbody>"
                f"<tfoot>{''.join(rows[self.n_term_lines:])}</tfoot></table>{notes}")

    def _repr_html_(self) -> str:
        return self.to_html()

    def __repr__(self) -> str:
        return self.to_markdown()

    def save(self, path) -> None:
        """Write ``.md``, ``.tex`` or ``.html`` by the file's extension (UTF-8)."""
        from pathlib import Path

        path = Path(path)
        writers = {".md": self.to_markdown, ".tex": self.to_latex, ".html": self.to_html}
        if path.suffix.lower() not in writers:
            raise ValueError(f"{path}: write .md, .tex or .html, not {path.suffix!r}")
        path.write_text(writers[path.suffix.lower()]() + "\n", encoding="utf-8")


#: LaTeX's special characters, and the minus sign the cells use
TEX = {"\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_", "{": r"\{",
       "}": r"\}", "~": r"\textasciitilde{}", "^": r"\^{}", "−": "$-$"}


def _tex(text) -> str:
    return "".join(TEX.get(ch, ch) for ch in str(text))


def model_table(models, *, terms: Mapping[str, str] | Sequence[str] | None = None, below: str = "std_error",
                digits: int = 3, stars: bool = False) -> ModelTable:
    """Results side by side: one column per model, one row (plus a line below) per term.

    Parameters
    ----------
    models : a result, a list of results (columns "(1)", "(2)", …) or ``{column name: result}``.
        Regressions (``twfe``, ``event_study``, ``did_2x2``) contribute every coefficient; ``att_gt``
        its simple aggregation; an aggregation (``.aggregate("dynamic")``) its overall effect, as
        ``"ATT (dynamic)"``; any other result (e.g. ``did_imputation``) the rows of its ``tidy()``.
    terms : which terms to show and in what order: a list, or ``{term: label}`` to rename (several terms
        may share one label, e.g. the treatment term of different estimators). Default: every term, in
        the order first seen.
    below : under each estimate, ``"std_error"`` (in parentheses, the default), ``"ci"`` ([low, high]),
        ``"p_value"``, ``"statistic"`` or ``"none"``.
    digits : decimals of every number.
    stars : add *, **, *** for p < 0.1, 0.05, 0.01 (off by default, as the AEA asks).

    Returns
    -------
    :class:`ModelTable` -- ``to_markdown()``, ``to_latex()``, ``to_html()``, ``save(path)``, ``frame``.
    """
    check_choice(below, "below", BELOW)
    digits = check_int(digits, "digits", minimum=0)
    if isinstance(models, Mapping):
        named = {str(k): v for k, v in models.items()}
    elif isinstance(models, Sequence) and not isinstance(models, str):
        named = {f"({i})": m for i, m in enumerate(models, start=1)}
    else:
        named = {"(1)": models}
    if not named:
        raise ValueError("model_table needs at least one result")
    for name, m in named.items():
        if not callable(getattr(m, "tidy", None)):
            raise TypeError(f"model {name!r} is a {type(m).__name__}, which has no tidy(); pass govstudy results")
    tidies = {name: _rows(m) for name, m in named.items()}
    seen = list(dict.fromkeys(t for df in tidies.values() for t in df["term"]))
    if terms is None:
        labels = {t: t for t in seen}
    else:
        labels = dict(terms) if isinstance(terms, Mapping) else {t: t for t in terms}
        unknown = [t for t in labels if t not in seen]
        if unknown:
            raise ValueError(f"terms {unknown} are in no model; the models' terms are {seen}")
    order = list(dict.fromkeys(labels.values()))
    cells: dict[str, list[str]] = {}
    for name, t in tidies.items():
        t = t[t["term"].isin(labels)]
        by_label = {}
        for row in t.itertuples(index=False):
            lab = labels[row.term]
            if lab in by_label:
                raise ValueError(f"model {name!r} has two terms labelled {lab!r}; give them different labels")
            by_label[lab] = row
        col = []
        for lab in order:
            row = by_label.get(lab)
            if row is None:
                col += ["", ""] if below != "none" else [""]
                continue
            star = next((s for cut, s in STARS if row.p_value < cut), "") if stars and not math.isnan(row.p_value) else ""
            col.append(_number(row.estimate, digits) + star)
            if below == "std_error":
                col.append(f"({_number(row.std_error, digits)})" if not math.isnan(row.std_error) else "")
            elif below == "ci":
                col.append(f"[{_number(row.ci_low, digits)}, {_number(row.ci_high, digits)}]"
                           if not math.isnan(row.ci_low) else "")
            elif below != "none":
                col.append(_number(getattr(row, below), digits))
        cells[name] = col
    index = [x for lab in order for x in ([lab, ""] if below != "none" else [lab])]
    footer = {"Estimator": [_estimator(m) for m in named.values()],
              "Observations": [str(m.nobs) if hasattr(m, "nobs") else "" for m in named.values()],
              "Units": ["" if hasattr(m, "nobs") or not hasattr(m, "n") else str(m.n) for m in named.values()]}
    for key in INFO_ROWS:
        footer[key] = [str(getattr(m, "info", {}).get(key, "")) for m in named.values()]
    footer = {k: v for k, v in footer.items() if any(v)}
    for name, col in zip(named, zip(*footer.values())):
        cells[name] += list(col)
    frame = pd.DataFrame(cells, index=index + list(footer))
    notes = []
    if stars:
        notes.append("* p < 0.1, ** p < 0.05, *** p < 0.01.")
    if below == "std_error":
        notes.append("Standard errors in parentheses.")
    elif below == "ci":
        notes.append("95% confidence intervals in brackets (each model's own alpha).")
    return ModelTable(frame, len(index), notes)
