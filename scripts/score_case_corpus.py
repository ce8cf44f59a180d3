"""Out-of-sample precision and recall of ``govstudy.extract_indicators`` on the case corpus (issue 17).

    .venv/bin/python scripts/score_case_corpus.py

Uses public functions only (``govstudy.load``, ``govstudy.load_text``, ``govstudy.extract_indicators``)
and the matching rule of ``tests/test_extract_corpus.py``: a predicted row matches an expected row of
the same evidence unit when ``span_text``, ``value``, ``value_max``, ``unit``, ``qualifier``, ``kind`` and
``comparison`` are all equal (values to 1e-9); precision = matched / predicted, recall = matched /
expected, summed over units.

Evidence units: the whole text of each bundled source (``case_text_<source_id>``), and each distinct
quote of a quote-only source (the extractor sees the quote only, as the coder's evidence). Optional rows
(debatable items, EXTRACTION.md) are neither expected nor counted when predicted. The seed report is
excluded: the extractor's rules were written on it (its in-sample score is in tests/test_extract_seed.py).
"""

from __future__ import annotations

import math
from collections import Counter

import pandas as pd

import govstudy

FIELDS = ["span_text", "value", "value_max", "unit", "qualifier", "kind", "comparison"]


def _norm(v):
    if v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NA or v == "":
        return ""
    try:
        return round(float(v), 9)
    except (TypeError, ValueError):
        return str(v)


def evidence_units() -> list[tuple[str, str, str, pd.DataFrame]]:
    """(unit id, source_id, text given to the extractor, the coded rows of that text)."""
    ind = govstudy.load("case_indicators")
    src = govstudy.load("sources").set_index("source_id")
    ind = ind[ind["source_id"] != "seed"]
    units = []
    for sid, rows in ind.groupby("source_id", sort=True):
        if pd.notna(src.loc[sid, "bundled_path"]) and src.loc[sid, "bundled_path"]:
            units.append((f"text_{sid}", sid, govstudy.load_text(f"case_text_{sid}"), rows))
        else:
            for k, (quote, qrows) in enumerate(rows.groupby("quote", sort=False)):
                units.append((f"{sid}#{k + 1}", sid, quote, qrows))
    return units


def score(by_unit: bool = False) -> pd.DataFrame | dict:
    """Counts and scores over the corpus (``by_unit=True``: one row per evidence unit)."""
    out = []
    for uid, sid, text, rows in evidence_units():
        req = rows[~rows["optional"].astype(bool)]
        optional_spans = set(rows.loc[rows["optional"].astype(bool), "span_text"])
        exp = [tuple(_norm(r[f]) for f in FIELDS) for _, r in req.iterrows()]
        got = govstudy.extract_indicators(text, case_id=str(rows["case_id"].iloc[0]))
        got = got[~got["span_text"].isin(optional_spans)]
        pred = [tuple(_norm(r[f]) for f in FIELDS) for _, r in got.iterrows()]
        matched = sum((Counter(exp) & Counter(pred)).values())
        out.append({"unit": uid, "source_id": sid, "expected": len(exp), "predicted": len(pred), "matched": matched})
    df = pd.DataFrame(out)
    if by_unit:
        return df
    n_exp, n_got, n_ok = int(df["expected"].sum()), int(df["predicted"].sum()), int(df["matched"].sum())
    return {"units": len(df), "sources": int(df["source_id"].nunique()), "expected": n_exp, "predicted": n_got,
            "matched": n_ok, "precision": n_ok / max(n_got, 1), "recall": n_ok / max(n_exp, 1)}


if __name__ == "__main__":
    s = score()
    print(f"case corpus (out of sample): {s['units']} evidence units from {s['sources']} sources; expected {s['expected']}, "
          f"predicted {s['predicted']}, matched {s['matched']}; precision {s['precision']:.3f}, recall {s['recall']:.3f}")
