"""Turn a report into ``case_indicators`` rows: :func:`extract_indicators`, :func:`extract_indicators_file`.

One row per quantity, with the columns of EXTRACTION.md (``value … sentence``) after ``case_id``.
``text[start:end] == span_text`` always (code-point offsets into the text as given), and
``sentence == text[s:e]`` for ``(s, e) = sentence_at(text, start)``.

Cases
-----
A report with level-1 headings (``# 安徽省六安市裕安区：…``) holds one case per heading
(:func:`govstudy.text.sentences.case_sections`); text before the first heading belongs to no case and
its rows get case_id ``None``. ``case_id`` may be

* ``None`` (default): ``case_1``, ``case_2`` … in heading order (a report without headings: ``case_1``);
* a string: every row gets it (one case per report);
* a list or tuple: the ids of the sections in heading order;
* a dict: heading (or any substring of it, e.g. the county name) → id;
* a callable: ``heading -> id``.

>>> text = "# 甲县：做法\\n今年以来，新建党群服务中心3个，投入资金86.5万元。\\n# 乙区：做法\\n满意率为99.78%。"
>>> df = extract_indicators(text, case_id={"甲县": "jia", "乙区": "yi"})
>>> df[["case_id", "span_text", "value", "unit", "kind", "period"]].values.tolist()
[['jia', '3个', 3.0, '个', 'count', '今年以来'], ['jia', '86.5万元', 865000.0, '元', 'amount', '今年以来'], ['yi', '99.78%', 99.78, '%', 'rate', nan]]
"""

from __future__ import annotations

import bisect
import re
from pathlib import Path
from typing import Callable, Mapping, Sequence

import pandas as pd

from govstudy.decode import decode_bytes
from govstudy.errors import FileMissingError, ReadError
from govstudy.text.exclusions import ExclusionList
from govstudy.text.quantities import CLAUSE_SEP, find_quantities
from govstudy.text.sentences import case_sections, sentence_spans
from govstudy.text.tagging import MeasureTagger, default_tagger

__all__ = ["extract_indicators", "extract_indicators_file", "COLUMNS"]

COLUMNS = ["case_id", "value", "value_max", "unit", "unit_raw", "qualifier", "kind", "comparison",
           "period", "subject", "measure", "span_text", "start", "end", "sentence"]

_SUBHEAD = re.compile(r"^##+\s*(.+?)\s*$", re.MULTILINE)

CaseIds = str | Sequence[str] | Mapping[str, str] | Callable[[str], str] | None


def _case_labeller(text: str, case_id: CaseIds):
    sections = case_sections(text)
    titled = [s for s in sections if s[0] != "" or len(sections) == 1]
    if isinstance(case_id, str):
        return lambda pos: case_id
    ids: list[str | None] = []
    for i, (title, _s, _e) in enumerate(titled):
        if case_id is None:
            ids.append(f"case_{i + 1}")
        elif callable(case_id) and not isinstance(case_id, Mapping):
            ids.append(case_id(title))
        elif isinstance(case_id, Mapping):
            hit = case_id.get(title)
            if hit is None:
                hit = next((v for k, v in case_id.items() if k and k in title), None)
            ids.append(hit if hit is not None else f"case_{i + 1}")
        elif isinstance(case_id, Sequence):
            if len(case_id) != len(titled):
                raise ValueError(f"case_id lists {len(case_id)} ids but the report has "
                                 f"{len(titled)} case sections: {[t for t, _, _ in titled]}")
            ids.append(case_id[i])
        else:
            raise TypeError("case_id must be None, a str, a list of str, a dict or a callable, "
                            f"not {type(case_id).__name__}")
    starts = [s for _t, s, _e in titled]

    def label(pos: int):
        j = bisect.bisect_right(starts, pos) - 1
        if j < 0:
            return None  # before the first heading
        return ids[j]

    return label


def extract_indicators(text: str, case_id: CaseIds = None, *, taxonomy: pd.DataFrame | None = None,
                       exclusions: ExclusionList | None = None) -> pd.DataFrame:
    """One row per quantity of ``text`` (see the module docstring for ``case_id``).

    ``taxonomy`` replaces the bundled measure taxonomy (columns ``measure_id``, ``keywords_zh``);
    ``exclusions`` replaces the default list of non-quantities
    (:class:`govstudy.text.exclusions.ExclusionList`).

    >>> extract_indicators("")
    Empty DataFrame
    Columns: [case_id, value, value_max, unit, unit_raw, qualifier, kind, comparison, period, subject, measure, span_text, start, end, sentence]
    Index: []
    """
    if not isinstance(text, str):
        raise TypeError(f"text must be a str, not {type(text).__name__}")
    spans = sentence_spans(text)
    qs = find_quantities(text, exclusions=exclusions, spans=spans)
    if not qs:
        return _frame([])
    tagger = MeasureTagger(taxonomy) if taxonomy is not None else default_tagger()
    label = _case_labeller(text, case_id)
    heads = [(m.start(), m.group(1)) for m in _SUBHEAD.finditer(text)]
    index = tagger.index(text)
    head_pos = [p for p, _ in heads]
    sent_starts = [s for s, _ in spans]
    rows = []
    sentence_cache: dict[tuple[int, int], str] = {}  # one string per sentence, shared by its rows
    w = 300  # tagging context window: keeps very long "sentences" linear
    for q in qs:
        key = (q.sentence_start, q.sentence_end)
        sentence = sentence_cache.get(key)
        if sentence is None:
            sentence = sentence_cache[key] = text[q.sentence_start:q.sentence_end]
        near = (max(q.sentence_start, q.start - w), min(q.sentence_end, q.end + w))
        j = bisect.bisect_right(sent_starts, q.start) - 1
        k = bisect.bisect_right(head_pos, q.start) - 1
        lo = max(q.sentence_start, q.start - w)
        for m in CLAUSE_SEP.finditer(text, lo, q.start):
            lo = m.end()
        hi_m = CLAUSE_SEP.search(text, q.end, min(q.sentence_end, q.end + w))
        windows = [(lo, hi_m.start() if hi_m else near[1], 4.0), (near[0], near[1], 1.5)]
        windows += [(max(s, e - w), e, 0.5) for s, e in spans[max(0, j - 2):max(0, j)]]
        if k >= 0:
            windows.append((heads[k][0], heads[k][0] + len(heads[k][1]) + 4, 1.0))
        measure = tagger.tag_spans(index, windows, subject=q.subject)
        rows.append({
            "case_id": label(q.start), "value": q.value, "value_max": q.value_max, "unit": q.unit,
            "unit_raw": q.unit_raw, "qualifier": q.qualifier, "kind": q.kind,
            "comparison": q.comparison, "period": q.period, "subject": q.subject,
            "measure": measure, "span_text": q.span_text, "start": q.start, "end": q.end,
            "sentence": sentence,
        })
    return _frame(rows)


def _frame(rows: list[dict]) -> pd.DataFrame:
    # ``sentence`` stays object dtype: rows of one sentence share one string (a string dtype would
    # copy it per row, quadratic on a long line without 。)
    sentences = pd.Series([r["sentence"] for r in rows], dtype=object)
    df = pd.DataFrame([{k: v for k, v in r.items() if k != "sentence"} for r in rows],
                      columns=COLUMNS[:-1])
    df["sentence"] = sentences
    df["value"] = df["value"].astype("float64")
    df["value_max"] = pd.to_numeric(df["value_max"], errors="coerce").astype("float64")
    df["start"] = df["start"].astype("int64")
    df["end"] = df["end"].astype("int64")
    return df


def read_report(path: str | Path, *, encoding: str = "auto", encoding_errors: str = "strict") -> str:
    """The text of a report file, decoded by :mod:`govstudy.decode` (UTF-8, UTF-16 with BOM, or clearly
    GB18030, Big5 or cp1252; an ambiguous or mixed file is an error naming the line)."""
    p = Path(path)
    if not p.exists():
        raise FileMissingError(f"{p}: no such file")
    if p.is_dir():
        raise ReadError(f"{p} is a directory, not a report file")
    data = p.read_bytes()
    if b"\x00" in data[:4096] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ReadError(f"{p}: a binary file, not a text report")
    return decode_bytes(data, str(p), encoding=encoding, errors=encoding_errors).text


def extract_indicators_file(path: str | Path, case_id: CaseIds = None, *, encoding: str = "auto",
                            encoding_errors: str = "strict", **kwargs) -> pd.DataFrame:
    """:func:`extract_indicators` on a text file, decoded as :func:`read_report` does.

    Offsets are into the decoded text (as ``read_report(path)`` returns it).
    """
    return extract_indicators(read_report(path, encoding=encoding, encoding_errors=encoding_errors),
                              case_id, **kwargs)
