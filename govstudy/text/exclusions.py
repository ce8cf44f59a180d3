"""What is *not* a quantity: numerals in names and set phrases, dates, clock times, hotlines …

The extractor (:mod:`govstudy.text.quantities`) finds every numeral followed by a measure word;
a candidate that overlaps a match of any rule here is dropped. Each rule has a name, a regular
expression (run on the *normalised* text: ASCII digits, simplified 万/亿/个/类…, see
:func:`govstudy.text.quantities.normalize_text`), a description and examples that the tests check.

The default rules (:data:`DEFAULT_RULES`):

======================  ==========================================================================
``set_phrase``          names and set phrases containing numerals (:data:`SET_PHRASES`):
                        三会一课, 一站式, 一老一小, 两企三新, 六好物业, 六安, 两个维护, 一件事, 千家万户 …
``ordinal``             第三, 第十二届, 第1批 — an ordinal, not an amount
``plenum``              二十届四中全会, 党的二十大, 十四五 — congress and plan names
``date``                2024年, 2024年3月, 6月28日, 二〇二四年, 2023-2024年, 1-6月
``clock``               8点, 8:30, 上午9时30分
``period_expression``   近两年来, 3年来, 近5年以来 — a period (it fills ``period``), not a duration
``hotline``             12345热线, 拨打12345, 110/119/120 …, phone numbers
``ocr_dash``            区一街道一社区: an OCR'd dash (—) read as 一 between administrative levels
``document_number``     〔2024〕3号 — document numbers
``model_name``          “1+N”, “1+3+N” — model names written with numerals
``lone_yi``             a lone 一 before a measure word (一个, 一件, 一场) is an article, not a count
======================  ==========================================================================

Extend it:

>>> ex = ExclusionList()
>>> ex.is_excluded("落实三会一课制度", 2, 3)   # the 三 of 三会一课
True
>>> ex.is_excluded("建立五星支部", 2, 4)
False
>>> ex = ex.with_phrases(["五星支部"])        # a user's own set phrase
>>> ex.is_excluded("建立五星支部", 2, 4)
True
>>> [r.name for r in ex.rules][:3]
['set_phrase', 'ordinal', 'plenum']
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Iterable

__all__ = ["ExclusionRule", "ExclusionList", "SET_PHRASES", "DEFAULT_RULES", "DEFAULT_EXCLUSIONS"]

_CN = "零〇一二两三四五六七八九十百千"

#: Names and set phrases that contain numerals but count nothing. Extend with
#: :meth:`ExclusionList.with_phrases`. Only phrases whose numeral could be followed by a measure word
#: matter to the extractor, but the list documents the others too (the tests check all of them).
SET_PHRASES: tuple[str, ...] = (
    # party-building formulae
    "三会一课", "两学一做", "两个维护", "两个确立", "四个意识", "四个自信", "四个全面", "三个代表",
    "两个覆盖", "五位一体", "一岗双责", "两新组织", "两新", "两委", "两代表一委员", "三务公开",
    "四议两公开", "三治融合", "五社联动", "两企三新", "三新", "一老一小", "一站式", "一门式",
    "一窗式", "一网通办", "一网统管", "一件事", "一次办", "一张网", "一张图", "一盘棋", "一条龙",
    "一把手", "一线", "一体化", "于一体", "一体", "进一步", "统一", "逐一", "唯一", "之一", "一起",
    "一直", "一定", "一致", "一批", "一些", "一般", "一切", "一律", "一贯", "一道", "一同",
    "一户一档", "一村一品", "一区一品", "一楼一策", "一事一议", "一人一档", "一格一员",
    "六好物业", "千家万户", "万家灯火", "千方百计", "三番五次", "一五一十", "十全十美", "四面八方",
    "三令五申", "五湖四海", "七上八下", "一清二楚", "独一无二", "三心二意", "一刀切", "一口受理",
    "一窗受理", "一次性", "数十年如一日", "十年如一日", "三天两头", "一年到头", "两手抓", "两不愁三保障", "三农", "三无小区", "三供一业", "四下基层",
    "四风", "八项规定", "双报到", "双积分", "十佳", "百强", "百姓", "千万工程", "万人空巷",
    # place names with numerals
    "六安", "六盘水", "三亚", "三明", "三门峡", "三河", "九江", "九龙坡", "四川", "五指山", "七台河",
    "十堰", "万州", "万宁", "百色", "千岛湖", "二连浩特", "五华", "七里河", "八宿", "九台", "三沙",
)


@dataclass(frozen=True)
class ExclusionRule:
    """One kind of non-quantity: ``pattern`` is a regular expression on the normalised text."""

    name: str
    pattern: str
    description: str = ""
    examples: tuple[str, ...] = ()
    #: every character a match can start with ("" = unknown); when all rules give them, the combined
    #: regex skips other positions quickly
    first_chars: str = ""

    def compile(self) -> re.Pattern:
        return re.compile(self.pattern)


DEFAULT_RULES: tuple[ExclusionRule, ...] = (
    ExclusionRule("ordinal", rf"第[{_CN}\d]+", "an ordinal number (第三, 第12届)",
                  ("第三批", "第12届", "第一书记"), "第"),
    ExclusionRule("plenum",
                  rf"[{_CN}]+届[{_CN}]+中全会|[{_CN}\d]+中全会|党的[{_CN}]+大|[{_CN}]+大精神"
                  rf"|十[一二三四五六七八九]五(?:规划|期间|时期)?|[{_CN}]+大(?:报告|代表|以来|召开|胜利)",
                  "party congress, plenum and five-year-plan names",
                  ("二十届四中全会", "党的二十大", "十四五规划"), _CN + "党0123456789"),
    ExclusionRule("date",
                  r"(?:19|20)\d{2}\s*[-—~～至到]\s*(?:19|20)\d{2}\s*年"
                  r"|(?:19|20)\d{2}\s*年(?:度)?(?:\s*\d{1,2}\s*(?:[-—~～至到]\s*\d{1,2}\s*)?月(?:\s*\d{1,2}\s*[日号])?)?"
                  r"|\d{1,2}\s*(?:[-—~～至到]\s*\d{1,2}\s*)?月(?:\s*\d{1,2}\s*[日号]|份)?"
                  r"|[零〇一二三四五六七八九]{4}年"
                  r"|[一二三四五六七八九十]{1,2}月(?:[一二三四五六七八九十]{1,3}[日号])?",
                  "calendar dates and months",
                  ("2024年", "2024年3月", "6月28日", "二〇二四年", "2023-2024年", "1-6月"),
                  _CN + "0123456789"),
    ExclusionRule("clock",
                  r"\d{1,2}\s*[:：]\s*\d{2}|(?<![\d.])\d{1,2}\s*[点时](?:\s*\d{1,2}\s*分|半)?(?![钟])",
                  "clock times", ("8点", "8:30", "9时30分"), "0123456789"),
    ExclusionRule("period_expression",
                  rf"近[{_CN}\d]+年(?:来|以来)?|(?<![\d{_CN}])[{_CN}\d]+年(?:来|以来)"
                  rf"|前[{_CN}\d]+个?(?:季度|月)|每[{_CN}\d]+个?(?:周|月|年|天|日|季度|小时|分钟)",
                  "a period expression (it becomes the `period`, not a duration row)",
                  ("近两年来", "3年来", "近5年以来", "前三季度", "每两周"), _CN + "近前每0123456789"),
    ExclusionRule("hotline",
                  r"(?<!\d)(?:12345|12315|12348|12320|12333|12366|12388|12319|12369|12338|12351"
                  r"|110|119|120|122|96\d{3,4})(?!\d)(?=\s*(?:热线|政务|便民|服务热线|平台|接诉|电话|专线|号码|工单|”))"
                  r"|(?<=拨打)\d+|(?<=热线)\d{3,}|(?<!\d)1[3-9]\d{9}(?!\d)|(?<!\d)0\d{2,3}-\d{7,8}(?!\d)"
                  r"|(?<!\d)400-?\d{3}-?\d{4}(?!\d)",
                  "hotline and telephone numbers", ("12345热线", "拨打110", "0551-12345678"), "0123456789"),
    ExclusionRule("ocr_dash",
                  r"(?<=[省市区县镇乡村组格道委部])一(?=(?:街道|社区|小区|网格|楼栋|单元|村|镇|乡|组|区|县|市|党支部|支部|党小组|党员|楼|户))",
                  "an OCR'd dash read as 一 between administrative levels (区—街道—社区)",
                  ("区一街道一社区", "县一乡一村"), "一"),
    ExclusionRule("document_number", r"[〔\[［(（]\s*(?:19|20)\d{2}\s*[〕\]］)）]\s*\d+\s*号",
                  "document numbers", ("〔2024〕3号",), "〔[［(（"),
    ExclusionRule("model_name",
                  r"\d+(?:\s*\+\s*(?:\d+|[NnXx]))+|[NnXx]\s*\+\s*\d+"
                  r"|\d+\s*个[\u4e00-\u9fff]{1,6}\s*\+\s*(?:\d+|[NnXx])",
                  "model names written with numerals", ("1+N", "1+3+N", "1个中心+N个站点"), "0123456789NnXx"),
    ExclusionRule("lone_yi",
                  rf"(?<![{_CN}几数\d.])一(?![{_CN}万亿余多几数点])",
                  "a lone 一 (一个, 一场, 一件) is an article, not a count of one",
                  ("一个中心", "一场评选活动"), "一"),
)


def _phrase_rule(phrases: Iterable[str]) -> ExclusionRule:
    uniq = sorted(set(p for p in phrases if p), key=lambda p: (-len(p), p))
    pattern = "|".join(re.escape(p) for p in uniq) or r"(?!x)x"
    return ExclusionRule("set_phrase", pattern, "names and set phrases with numerals",
                         tuple(uniq[:5]), "".join(sorted({p[0] for p in uniq})) or "x")


@dataclass(frozen=True)
class ExclusionList:
    """An immutable list of exclusion rules, compiled once into a single regex.

    ``ExclusionList()`` holds :data:`SET_PHRASES` and :data:`DEFAULT_RULES`.
    """

    phrases: tuple[str, ...] = SET_PHRASES
    extra_rules: tuple[ExclusionRule, ...] = DEFAULT_RULES
    _regex: re.Pattern = field(init=False, repr=False, compare=False)
    _names: dict = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        rules = self.rules
        for r in rules:  # fail early with the rule's name
            try:
                r.compile()
            except re.error as exc:
                raise ValueError(f"exclusion rule {r.name!r} has an invalid pattern: {exc}") from None
        names = {f"x{i}": r.name for i, r in enumerate(rules)}
        body = "|".join(f"(?P<x{i}>{r.pattern})" for i, r in enumerate(rules))
        if all(r.first_chars for r in rules):  # fast rejection of positions no rule can start at
            chars = "".join(sorted(set("".join(r.first_chars for r in rules))))
            body = f"(?=[{re.escape(chars)}])(?:{body})"
        regex = re.compile(body)
        object.__setattr__(self, "_regex", regex)
        object.__setattr__(self, "_names", names)

    @property
    def rules(self) -> list[ExclusionRule]:
        return [_phrase_rule(self.phrases), *self.extra_rules]

    def with_phrases(self, phrases: Iterable[str]) -> "ExclusionList":
        """A copy with more set phrases (names, slogans) that must not yield quantities."""
        if isinstance(phrases, str):
            phrases = [phrases]
        return ExclusionList(tuple(self.phrases) + tuple(phrases), self.extra_rules)

    def with_rule(self, name: str, pattern: str, description: str = "",
                  examples: Iterable[str] = (), first_chars: str = "") -> "ExclusionList":
        """A copy with one more rule (a regular expression on the normalised text).

        >>> ex = ExclusionList().with_rule("grade", r"\\d+A级", "scenic-area grades", ["5A级"])
        >>> ex.is_excluded("5A级景区", 0, 1)
        True
        """
        rule = ExclusionRule(name, pattern, description, tuple(examples), first_chars)
        return ExclusionList(self.phrases, tuple(self.extra_rules) + (rule,))

    def without(self, *names: str) -> "ExclusionList":
        """A copy without the named rules (``set_phrase`` clears the phrase list)."""
        phrases = () if "set_phrase" in names else self.phrases
        return ExclusionList(phrases, tuple(r for r in self.extra_rules if r.name not in names))

    def matches(self, text: str, pos: int = 0, endpos: int | None = None) -> list[tuple[int, int, str]]:
        """Every ``(start, end, rule_name)`` in ``text[pos:endpos]`` (lookbehinds see before ``pos``)."""
        endpos = len(text) if endpos is None else endpos
        return [(m.start(), m.end(), self._names[m.lastgroup])
                for m in self._regex.finditer(text, pos, endpos) if m.end() > m.start()]

    def hit(self, text: str, start: int, end: int, window: int = 12) -> str | None:
        """The name of the first rule whose match overlaps ``text[start:end]``, else ``None``."""
        lo = max(0, start - window)
        hi = min(len(text), end + window)
        for s, e, name in self.matches(text, lo, hi):
            if s < end and e > start:
                return name
            if s >= end:
                break
        return None

    def is_excluded(self, text: str, start: int, end: int) -> bool:
        """Whether ``text[start:end]`` overlaps a non-quantity (on text normalised by the caller)."""
        return self.hit(text, start, end) is not None


#: The default list used by :func:`govstudy.extract_indicators`.
DEFAULT_EXCLUSIONS = ExclusionList()
