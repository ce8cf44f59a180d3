"""How well ``extract_indicators`` reproduces hand-coded quantities: precision and recall on coded texts.

A predicted row matches an expected row of the same text when ``span_text``, ``value``, ``value_max``,
``unit``, ``qualifier``, ``kind`` and ``comparison`` are all equal (values to 1e-9); each row matches at most
once. Precision = matched / predicted, recall = matched / expected, summed over texts.

``score_corpus()`` applies this to the case corpus, out of sample: the extractor's rules were written on the
seed report, which is excluded. Its evidence units are the whole text of each bundled source and each distinct
quote of a quote-only source (the extractor sees the quote, as the coder's evidence). Rows marked optional
(debatable items, EXTRACTION.md) are neither expected nor counted when predicted.

>>> import pandas as pd
>>> row = {"span_text": "12项", "value": 12.0, "value_max": None, "unit": "项", "qualifier": "exact",
...        "kind": "count", "comparison": None}
>>> match_counts(pd.DataFrame([row]), pd.DataFrame([row, {**row, "span_text": "3项", "value": 3.0}]))
(1, 2, 1)
"""

from __future__ import annotations

import math
from collections import Counter

import pandas as pd

__all__ = ["MATCH_FIELDS", "match_counts", "score_corpus"]

#: the fields that must agree for a predicted quantity to count as the coded one
MATCH_FIELDS = ["span_text", "value", "value_max", "unit", "qualifier", "kind", "comparison"]


def _norm(v):
    if v is None or v is pd.NA or v == "" or (isinstance(v, float) and math.isnan(v)):
        return ""
    try:
        return round(float(v), 9)
    except (TypeError, ValueError):
        return str(v)


def match_counts(expected: pd.DataFrame, predicted: pd.DataFrame) -> tuple[int, int, int]:
    """(expected, predicted, matched) rows of one text under the matching rule of the module docstring."""
    exp = Counter(tuple(_norm(r[f]) for f in MATCH_FIELDS) for _, r in expected.iterrows())
    got = Counter(tuple(_norm(r[f]) for f in MATCH_FIELDS) for _, r in predicted.iterrows())
    return sum(exp.values()), sum(got.values()), sum((exp & got).values())


def _evidence_units():
    from govstudy.datasets import load, load_text

    ind = load("case_indicators")
    sources = load("sources").set_index("source_id")
    ind = ind[ind["source_id"] != "seed"]
    for sid, rows in ind.groupby("source_id", sort=True):
        bundled = sources.loc[sid, "bundled_path"]
        if pd.notna(bundled) and bundled:
            yield f"text_{sid}", sid, load_text(f"case_text_{sid}"), rows
        else:
            for k, (quote, qrows) in enumerate(rows.groupby("quote", sort=False)):
                yield f"{sid}#{k + 1}", sid, quote, qrows


def score_corpus(by_unit: bool = False) -> dict | pd.DataFrame:
    """The extractor's out-of-sample precision and recall on the case corpus (``by_unit=True``: one row per
    evidence unit with its counts). Returns ``{units, sources, expected, predicted, matched, precision, recall}``."""
    from govstudy.text.extract import extract_indicators

    out = []
    for uid, sid, text, rows in _evidence_units():
        optional = rows["optional"].astype(bool)
        got = extract_indicators(text, case_id=str(rows["case_id"].iloc[0]))
        got = got[~got["span_text"].isin(set(rows.loc[optional, "span_text"]))]
        n_exp, n_got, n_ok = match_counts(rows[~optional], got)
        out.append({"unit": uid, "source_id": sid, "expected": n_exp, "predicted": n_got, "matched": n_ok})
    df = pd.DataFrame(out)
    if by_unit:
        return df
    n_exp, n_got, n_ok = (int(df[c].sum()) for c in ("expected", "predicted", "matched"))
    return {"units": len(df), "sources": int(df["source_id"].nunique()), "expected": n_exp, "predicted": n_got,
            "matched": n_ok, "precision": n_ok / max(n_got, 1), "recall": n_ok / max(n_exp, 1)}
