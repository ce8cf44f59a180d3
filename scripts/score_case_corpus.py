"""Out-of-sample precision and recall of ``govstudy.extract_indicators`` on the case corpus (issue 17).

    .venv/bin/python scripts/score_case_corpus.py

The scoring is :func:`govstudy.text.evaluate.score_corpus` (its docstring gives the matching rule).
"""

from govstudy.text.evaluate import score_corpus

if __name__ == "__main__":
    s = score_corpus()
    print(f"case corpus (out of sample): {s['units']} evidence units from {s['sources']} sources; expected {s['expected']}, "
          f"predicted {s['predicted']}, matched {s['matched']}; precision {s['precision']:.3f}, recall {s['recall']:.3f}")
