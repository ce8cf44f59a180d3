"""The extractor against the hand-curated ``case_indicators`` of the seed report.

Row match (one-to-one, greedy in text order): an extracted row *pairs* with a curated row when both
carry the same ``case_id`` and their character spans ``[start, end)`` overlap. A pair *agrees* when

* ``value`` is equal (relative tolerance 1e-9; signs included),
* ``unit`` is equal,
* the qualifier *group* is equal (:func:`govstudy.text.quantities.qualifier_group`: lower bounds
  {at_least, minimum_rule}, upper bounds {at_most, maximum_rule}, exact, about, vague),
* ``kind`` is equal.

precision = agreeing pairs / extracted rows; recall = agreeing pairs / curated rows. Both must be at
least 0.97. Case ids are mapped from the report's level-1 headings with the curated ``cases`` table
(``title_zh`` → ``case_id``), i.e. the user mapping that :func:`govstudy.extract_indicators` accepts.
The test prints its figures and every disagreement.
"""

from __future__ import annotations

import math

import pytest

import govstudy
from govstudy.text.quantities import CLAUSE_SEP, LOOKBACK, find_quantities, normalize_text, qualifier_group
from govstudy.text.sentences import sentence_at


@pytest.fixture(scope="module")
def seed():
    text = govstudy.load_text("seed_report")
    cases = govstudy.load("cases")
    cases = cases[cases["source_id"] == "seed"]
    mapping = dict(zip(cases["title_zh"], cases["case_id"]))
    got = govstudy.extract_indicators(text, case_id=mapping)
    cur = govstudy.load("case_indicators")
    cur = cur[cur["source_id"] == "seed"].reset_index(drop=True)  # the corpus is scored out of sample elsewhere
    return text, got, cur


def _agree(g, c) -> list[str]:
    bad = []
    if not math.isclose(float(g["value"]), float(c["value"]), rel_tol=1e-9, abs_tol=1e-12):
        bad.append(f"value {g['value']} != {c['value']}")
    if g["unit"] != c["unit"]:
        bad.append(f"unit {g['unit']} != {c['unit']}")
    if qualifier_group(g["qualifier"]) != qualifier_group(c["qualifier"]):
        bad.append(f"qualifier {g['qualifier']} != {c['qualifier']}")
    if g["kind"] != c["kind"]:
        bad.append(f"kind {g['kind']} != {c['kind']}")
    return bad


def test_seed_precision_recall(seed):
    text, got, cur = seed
    used: set[int] = set()
    agree = 0
    problems = []
    for _, c in cur.iterrows():
        pair = None
        for j, g in got.iterrows():
            if j in used or g["case_id"] != c["case_id"]:
                continue
            if g["start"] < c["end"] and c["start"] < g["end"]:
                pair = j
                break
        if pair is None:
            problems.append(f"missed {c['indicator_id']} {c['span_text']!r}")
            continue
        used.add(pair)
        bad = _agree(got.loc[pair], c)
        if bad:
            problems.append(f"{c['indicator_id']} {c['span_text']!r}: " + "; ".join(bad))
        else:
            agree += 1
    for j, g in got.iterrows():
        if j not in used:
            problems.append(f"extra {g['case_id']} {g['span_text']!r} at {g['start']}")
    precision = agree / max(len(got), 1)
    recall = agree / max(len(cur), 1)
    measure_ok = sum(1 for j in used for _, c in cur.iterrows()
                     if got.loc[j, "start"] < c["end"] and c["start"] < got.loc[j, "end"]
                     and got.loc[j, "measure"] == c["measure"])
    print(f"\nseed: curated {len(cur)}, extracted {len(got)}, agreeing {agree}; "
          f"precision {precision:.3f}, recall {recall:.3f}; "
          f"measure tag agrees on {measure_ok}/{len(used)} paired rows (not scored)")
    for p in problems:
        print("  ", p)
    assert precision >= 0.97
    assert recall >= 0.97


def test_seed_spans_and_sentences_exact(seed):
    text, got, _ = seed
    for _, g in got.iterrows():
        assert text[g["start"]:g["end"]] == g["span_text"]
        s, e = sentence_at(text, g["start"])
        assert text[s:e] == g["sentence"]


def test_seed_spans_equal_curated(seed):
    """Beyond overlap: the spans follow the curated span convention character for character."""
    _, got, cur = seed
    assert set(zip(cur["start"], cur["end"])) <= set(zip(got["start"], got["end"]))


def test_seed_case_labels(seed):
    _, got, cur = seed
    assert set(got["case_id"]) == set(cur["case_id"])
    assert got.groupby("case_id").size().to_dict() == cur.groupby("case_id").size().to_dict()


def test_seed_clause_bounds(seed):
    """Each quantity's clause holds its span, lies in its sentence and crosses no clause separator:
    it starts after one (or at the sentence start, or LOOKBACK before the span) and ends before one."""
    text, _, _ = seed
    norm = normalize_text(text)
    qs = find_quantities(text)
    assert qs
    for q in qs:
        assert q.span_text in text[q.clause_start:q.clause_end]
        assert q.sentence_start <= q.clause_start <= q.start <= q.end <= q.clause_end <= q.sentence_end
        assert CLAUSE_SEP.search(norm, q.clause_start, q.start) is None
        assert CLAUSE_SEP.search(norm, q.end, q.clause_end) is None
        assert (q.clause_start in (q.sentence_start, q.start - LOOKBACK)
                or CLAUSE_SEP.fullmatch(norm, q.clause_start - 1, q.clause_start))
        assert (q.clause_end in (q.sentence_end, q.end + LOOKBACK)
                or CLAUSE_SEP.match(norm, q.clause_end))
