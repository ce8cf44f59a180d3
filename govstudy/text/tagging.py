"""Tag a quantity with the measure it reports, from the taxonomy's keywords plus context.

The taxonomy is a DataFrame with ``measure_id`` and ``keywords_zh`` (keywords separated by ``;``),
by default the bundled ``measures`` dataset (``govstudy.load("measures")``). Pass your own with
``taxonomy=``; its two columns are checked against the schema of ``measures`` (ids required, unique,
written ``[a-z][a-z0-9_]*``).

Scoring: every keyword occurrence adds a weight that depends on where it is found —

=====================================  ======
the quantity's subject                  4
the clause of the quantity              4
its sentence (clause included)          1.5
the two sentences before it             0.5
the nearest ``##`` section heading       1
=====================================  ======

— plus a small bonus for longer keywords (a more specific phrase wins a tie). The best measure is
returned when its score is at least ``min_score`` (2) and beats the runner-up by ``margin``
(0.5); otherwise ``unknown``.

>>> import pandas as pd
>>> tax = pd.DataFrame({"measure_id": ["red_property", "homeowner_committee"],
...                     "keywords_zh": ["红色物业;物业服务企业", "业委会;换届"]})
>>> tagger = MeasureTagger(tax)
>>> tagger.tag("今年以来新成立小区业委会13个", subject="小区业委会")
'homeowner_committee'
>>> tagger.tag("建成1个中心")
'unknown'
"""

from __future__ import annotations

import bisect
import re
from functools import lru_cache

import pandas as pd

from govstudy.datasets import check_frame, load

__all__ = ["MeasureTagger", "load_taxonomy", "default_tagger"]

UNKNOWN = "unknown"


def load_taxonomy() -> pd.DataFrame:
    """The bundled measure taxonomy: ``govstudy.load("measures")``, hash- and schema-checked."""
    return load("measures")


class MeasureTagger:
    """Keyword-and-context measure tagger built once from a taxonomy DataFrame."""

    def __init__(self, taxonomy: pd.DataFrame, *, min_score: float = 2.0, margin: float = 0.5):
        check_frame(taxonomy, "measures", fields=["measure_id", "keywords_zh"], source="taxonomy")
        self.min_score, self.margin = min_score, margin
        self._kw: dict[str, list[str]] = {}
        for mid, kws in zip(taxonomy["measure_id"], taxonomy["keywords_zh"]):
            if not isinstance(kws, str):
                continue
            for kw in (k.strip() for k in kws.split(";")):
                if kw:
                    self._kw.setdefault(kw, []).append(mid)
        self.measures = [m for m in taxonomy["measure_id"]]
        keys = sorted(self._kw, key=lambda k: (-len(k), k))
        if keys:
            first = "".join(sorted({k[0] for k in keys}))
            self._regex = re.compile(f"(?=[{re.escape(first)}])(?:" + "|".join(re.escape(k) for k in keys) + ")")
        else:
            self._regex = None

    def hits(self, text: str | None) -> list[str]:
        """Keywords found in ``text`` (leftmost-longest, non-overlapping)."""
        if not text or self._regex is None:
            return []
        return self._regex.findall(text)

    def index(self, text: str) -> "KeywordIndex":
        """All keyword hits of a whole text, once, for many windowed look-ups (linear time)."""
        return KeywordIndex(self, text)

    def scores(self, parts: list[tuple[str | None, float]]) -> dict[str, float]:
        """Score every measure over ``(text, weight)`` pairs."""
        score: dict[str, float] = {}
        for text, weight in parts:
            for kw in self.hits(text):
                for mid in self._kw[kw]:
                    score[mid] = score.get(mid, 0.0) + weight * (1.0 + 0.05 * min(len(kw), 8))
        return score

    def decide(self, score: dict[str, float]) -> str:
        if not score:
            return UNKNOWN
        ranked = sorted(score.items(), key=lambda kv: -kv[1])
        best, s1 = ranked[0]
        s2 = ranked[1][1] if len(ranked) > 1 else 0.0
        if s1 < self.min_score or s1 - s2 < self.margin:
            return UNKNOWN
        return best

    def tag_spans(self, index: "KeywordIndex", spans: list[tuple[int, int, float]],
                  subject: str | None = None) -> str:
        """Like :meth:`tag`, with the windows given as ``(start, end, weight)`` into the indexed text."""
        score: dict[str, float] = {}
        for kw in self.hits(subject):
            for mid in self._kw[kw]:
                score[mid] = score.get(mid, 0.0) + 4.0 * (1.0 + 0.05 * min(len(kw), 8))
        for lo, hi, weight in spans:
            for kw in index.within(lo, hi):
                for mid in self._kw[kw]:
                    score[mid] = score.get(mid, 0.0) + weight * (1.0 + 0.05 * min(len(kw), 8))
        return self.decide(score)

    def tag(self, sentence: str, *, subject: str | None = None, clause: str | None = None,
            context: str | None = None, heading: str | None = None) -> str:
        """The measure of one quantity (see the module docstring for the weights); without a
        ``clause`` the sentence is taken as the clause."""
        if clause is None:
            clause = sentence
        parts = [(subject, 4.0), (clause, 4.0), (sentence, 1.5), (context, 0.5), (heading, 1.0)]
        return self.decide(self.scores(parts))


class KeywordIndex:
    """Keyword hits of one text, sorted by position."""

    def __init__(self, tagger: MeasureTagger, text: str):
        hits = [(m.start(), m.end(), m.group(0)) for m in tagger._regex.finditer(text)] \
            if tagger._regex is not None else []
        self.starts = [h[0] for h in hits]
        self.hits = hits

    def within(self, lo: int, hi: int) -> list[str]:
        i = bisect.bisect_left(self.starts, lo)
        out = []
        while i < len(self.hits) and self.hits[i][1] <= hi:
            out.append(self.hits[i][2])
            i += 1
        return out


@lru_cache(maxsize=1)
def default_tagger() -> MeasureTagger:
    """A tagger over the bundled taxonomy (built once)."""
    return MeasureTagger(load_taxonomy())
