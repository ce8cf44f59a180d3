"""Sentence and section boundaries in Chinese practice reports.

A sentence ends at 。！？ (with any closing quotes or brackets that follow), or at the end of a
heading line (a line starting with ``#`` or ``■``). A line break inside a sentence — the page-break
artefacts of PDF/OCR sources, as in ``投入资金\\n\\n86.5万元`` — does *not* end it: a break ends a
sentence only when the line before it ends with a terminator or is a heading. Offsets are code-point
offsets into the text, so ``text[start:end]`` is the sentence verbatim.

>>> text = "投入资金\\n\\n86.5万元。建成1个中心！"
>>> [text[s:e] for s, e in sentence_spans(text)]
['投入资金\\n\\n86.5万元。', '建成1个中心！']
"""

from __future__ import annotations

import re

TERMINATORS = "。！？!?"
CLOSERS = "”’」』）)》"
HEADING_MARKS = ("#", "■")

_END = re.compile(f"[{TERMINATORS}]+[{CLOSERS}]*")


def _is_heading(line: str) -> bool:
    return line.lstrip().startswith(HEADING_MARKS)


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Return ``(start, end)`` of every sentence; whitespace between sentences is not included.

    >>> sentence_spans("## 标题\\n正文一。正文二")
    [(0, 5), (6, 10), (10, 13)]
    """
    cuts: set[int] = set()
    for m in _END.finditer(text):
        cuts.add(m.end())
    pos = 0
    for line in text.splitlines(keepends=True):
        stripped = line.rstrip("\r\n")
        if _is_heading(stripped):
            cuts.add(pos)  # a heading starts a sentence of its own
            cuts.add(pos + len(stripped))
        pos += len(line)
    cuts.add(len(text))
    spans = []
    start = 0
    for cut in sorted(cuts):
        seg = text[start:cut]
        lead = len(seg) - len(seg.lstrip())
        trail = len(seg.rstrip())
        if trail > lead:
            spans.append((start + lead, start + trail))
        start = cut
    return spans


def sentence_at(text: str, offset: int) -> tuple[int, int]:
    """The ``(start, end)`` of the sentence that contains character ``offset``.

    >>> t = "甲乙。丙丁2个。"
    >>> s, e = sentence_at(t, 5); t[s:e]
    '丙丁2个。'
    """
    for s, e in sentence_spans(text):
        if s <= offset < e:
            return s, e
    raise ValueError(f"offset {offset} is not inside a sentence (between sentences or out of range)")


_CASE_HEADING = re.compile(r"^#(?!#)\s*(.+?)\s*$", re.MULTILINE)


def case_sections(text: str) -> list[tuple[str, int, int]]:
    """Split a multi-case report at its level-1 headings (``# title``): ``(title, start, end)``.

    Text before the first heading belongs to no case and is not returned. A report without
    level-1 headings is one section spanning the whole text, titled ``""``.

    >>> case_sections("# 甲区：做法\\n正文。\\n# 乙县：做法\\n正文。")
    [('甲区：做法', 0, 12), ('乙县：做法', 12, 23)]
    """
    heads = list(_CASE_HEADING.finditer(text))
    if not heads:
        return [("", 0, len(text))]
    out = []
    for i, m in enumerate(heads):
        end = heads[i + 1].start() if i + 1 < len(heads) else len(text)
        out.append((m.group(1), m.start(), end))
    return out
