"""Extraction on a hand-written corpus of report-style sentences (tests/corpus/extraction_corpus.csv).

The corpus was written sentence by sentence, with its expected rows, before the extractor was run
on it; it covers every pattern of issue 7 (column ``pattern``) and includes sentences with no
quantity at all (one row with an empty ``span_text``).

A predicted row *matches* an expected row of the same sentence when ``span_text``, ``value``,
``value_max``, ``unit``, ``qualifier``, ``kind`` and ``comparison`` are all equal (values to 1e-9).
Precision = matched / predicted rows, recall = matched / expected rows, over the whole corpus.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from govstudy import extract_indicators
from govstudy.text.evaluate import MATCH_FIELDS, match_counts

CORPUS = Path(__file__).parent / "corpus" / "extraction_corpus.csv"


@pytest.fixture(scope="module")
def corpus() -> pd.DataFrame:
    return pd.read_csv(CORPUS, dtype=str, keep_default_na=False)


@pytest.fixture(scope="module")
def scored(corpus):
    results = []
    for sid, group in corpus.groupby("sentence_id", sort=True):
        sentence = group["sentence"].iloc[0]
        expected = group[group["span_text"] != ""]
        got = extract_indicators(sentence, case_id="t")
        _, _, matched = match_counts(expected, got)
        results.append((sid, group["pattern"].iloc[0], sentence, expected[MATCH_FIELDS].values.tolist(),
                        got[MATCH_FIELDS].values.tolist(), matched))
    return results


def test_corpus_size_and_coverage(corpus):
    sentences = corpus["sentence_id"].nunique()
    patterns = corpus.groupby("pattern")["sentence_id"].nunique()
    print(f"\ncorpus: {sentences} sentences, {(corpus['span_text'] != '').sum()} expected rows, "
          f"{(corpus.groupby('sentence_id')['span_text'].apply(lambda s: (s == '').all())).sum()} "
          f"sentences without a quantity, {len(patterns)} patterns")
    assert sentences >= 150
    for needed in ["arabic_count", "chinese_numeral", "magnitude", "fullwidth", "thousands", "money",
                   "qualifier_at_least", "qualifier_at_most", "qualifier_about",
                   "qualifier_minimum_rule", "qualifier_maximum_rule", "rate", "change_yoy",
                   "change_abs", "before_after", "area", "duration", "frequency", "ratio",
                   "enumeration", "exclusion_set_phrase", "exclusion_date", "exclusion_hotline",
                   "exclusion_plenum", "exclusion_ocr_dash", "traditional", "page_break",
                   "no_quantity"]:
        assert needed in patterns.index, needed


def test_corpus_precision_recall(scored):
    n_exp = sum(len(r[3]) for r in scored)
    n_got = sum(len(r[4]) for r in scored)
    n_ok = sum(r[5] for r in scored)
    precision, recall = n_ok / max(n_got, 1), n_ok / max(n_exp, 1)
    print(f"\ncorpus rows: expected {n_exp}, extracted {n_got}, matched {n_ok}; "
          f"precision {precision:.3f}, recall {recall:.3f}")
    for sid, pattern, sentence, exp, got, ok in scored:
        if ok != len(exp) or ok != len(got):
            print(f"  {sid} [{pattern}] {sentence!r}\n    expected {exp}\n    got      {got}")
    assert precision >= 0.97 and recall >= 0.97


def test_no_quantity_sentences_yield_nothing(scored):
    """Sentences written to contain no quantity produce no row at all."""
    bad = [(sid, s, got) for sid, p, s, exp, got, ok in scored if not exp and got]
    assert not bad, bad


def test_spans_exact_on_corpus(corpus):
    for sentence in corpus["sentence"].unique():
        df = extract_indicators(sentence)
        for _, r in df.iterrows():
            assert sentence[r["start"]:r["end"]] == r["span_text"]
