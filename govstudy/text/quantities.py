"""Find the quantities of a Chinese report: numeral + magnitude + qualifier + measure word, with cues.

Why our own code: pure Chinese numerals are read by cn2an where it is reliable
(:mod:`govstudy.text.numerals`); the grammar around them (measure words, cues, signs, what is not a
quantity) is that of Chinese government practice reports, pinned by a hand-written corpus and the
seed report's curated rows.

The grammar (applied by one precompiled regular expression on a *normalised* copy of the text, so
offsets stay those of the original — every normalisation maps one code point to one code point):

``[prefix cue] NUMERAL [range] [magnitude] [余|多] [magnitude] MEASURE-WORD [/per] [postfix cue]``

* NUMERAL: Arabic (``1,300``, ``86.5``, full-width ``１２``) with magnitude words (``1.8万``), or Chinese
  (``十二``, ``一千三百``, ``十几``, ``几十``, ``数百``), or ``百分之…``; read by
  :func:`govstudy.text.numerals.parse_numeral`.
* MEASURE-WORD: the unit lexicon :data:`UNITS` (名/位/人 → 人; 万元 → 元 with the magnitude applied;
  ``%``; 平方米; 小时 …). A Chinese numeral without a measure word is never a quantity; an Arabic one
  needs a measure word or a 万/亿 magnitude.
* prefix cues (in the same clause): 约/近/左右 (about), 超过/逾 (at_least), 不到/不足 (at_most),
  不少于/不低于/至少 (minimum_rule), 不超过/不得超过 (maximum_rule); 同比/较上年 (comparison yoy);
  增长/下降/减少/提高… directly before the number (a change: ``change_pct`` for %, else
  ``change_abs``; decreases negative); 每周/每月… (``frequency`` for time and event units);
  人均/每个社区/每名… (``ratio``).
* postfix cues: 以上 (at_least, or minimum_rule in a norm: 确保/要求/必须/不得/原则上…), 以内/以下/内
  (at_most, or maximum_rule in a norm), 左右 (about); ``N分钟…圈/区`` is a reach standard (maximum_rule).
* pairs: 从295项精简为142项, 由…增至…, 原…现… → both numbers get ``comparison = before_after``.
* what is not a quantity: :mod:`govstudy.text.exclusions`.

Decisions beyond EXTRACTION.md (documented here; the test corpus pins them):

* a range (``3至5名``, ``2-3天``, ``30～50人``) gives ``value`` = lower end, ``value_max`` = upper end,
  qualifier ``vague``; 十几/二十几 give ``at_least`` with ``value_max``; 几十/数十/数百 ``vague``;
* a bare 百/千/万 counts only after a cue (逾千人, 近万名, 上千名 → at_least/about) or before 余/多;
* ``comparison`` is ``yoy`` for 同比/较上年/比去年…, ``previous_period`` for 环比/较上月, and
  ``before_after`` for pairs; a change without a stated baseline has none;
* a change verb may govern a number after its object only for cuts (压减各类会议120个 → −120);
  增长/提高… must stand right before the number; 减少到/精简为 + number is the level reached;
* ``frequency`` is any non-money, non-rate quantity governed by 每周/每月/每年… in its clause;
  money under 每年 stays ``amount``; ``ratio`` needs 人均/户均/每人/每名…, 每个社区/每万人…, or ``/人``;
* enumerations: a Chinese numeral 2–12 with 类/级/种/大, or with 张/项/个/支 after 等 or inside quotes;
* ages (岁), 起 (cases), 成 (tenths) and 半 are not in the unit lexicon: no row;
* a lone Chinese 一 before a measure word (一个, 一场) is an article, not a count;
* written signs (see "Signed numbers" below).

Signed numbers
--------------
A sign glued to an Arabic number (``-5%``, full-width ``－８．５％``, U+2212 ``−4.1%``, ``+12.5%``,
``＋２０％``; U+FE63/U+FE62 too) is read as part of the number:

* it is **inside the span**: ``span_text`` of 同比-3.2% is ``-3.2%`` (still ``text[start:end]``), like
  the decimal point it belongs to the numeral as written, whereas cue words (同比, 下降) stay outside;
* it multiplies the value together with the cue sign: 同比增长-5% → −5, 同比下降-5% → **+5** (a
  double negative: "fell by −5%" is a rise of 5%), 同比减少-3项 → +3, 结余为-12万元 → −120000;
* a comparison word directly before a signed number makes it a change, as if 增长 stood there:
  同比-3.2% → ``change_pct`` −3.2, ``yoy``; 环比+12.5% → ``change_pct`` +12.5, ``previous_period``;
  较上年-0.3个百分点 → ``change_pct``; 同比-3名 → ``change_abs``.  An *unsigned* number right after
  同比 (同比90%) is left a level: it may be a ratio to last year, not a change;
* a dash or plus is **not** a sign when it follows a digit, letter, ``.``, ``%``/``‰``, a closing
  bracket or quote, a Chinese numeral, 余/多, ``/``, a dash (—) or another sign (ranges ``3-5名``,
  dates ``2024-06-28``, phone numbers ``0564-3312345``, times ``8:30-17:30``, formulas ``1+3``),
  nor when it directly follows a previous number with its measure word (``100元-200元``,
  ``85%-90%``: a range written with two units, which stays two positive rows as before); after a
  ``~``/至 it is a sign (``-5%~-3%`` → −5 and −3);
* ``+`` is also a conjunction in Chinese (党建+物业, 1个中心+6个站点), so it counts as a sign only at
  the start of a clause (after punctuation, an opening quote or bracket) or right after a
  comparison or change cue or a level verb (同比, 环比, 较上年, 增长, 净增, 下降, 减少, 为, 达, 是,
  至, 到);
* a range keeps each end's own sign: ``-5~-3%`` → −5..−3, ``-3-5%`` → −3..5 (the second end may
  carry a sign only when the first one does);
* in a before/after pair (从-3%提高到5%) the value is the written level, sign included.

>>> [(q.span_text, q.value, q.unit, q.qualifier, q.kind) for q in find_quantities("投入资金86.5万元，召开板凳会350余场次。")]
[('86.5万元', 865000.0, '元', 'exact', 'amount'), ('350余场次', 350.0, '场次', 'at_least', 'count')]
>>> [(q.value, q.kind, q.comparison) for q in find_quantities("证明事项同比下降20%。")]
[(-20.0, 'change_pct', 'yoy')]
>>> [(q.span_text, q.value, q.kind, q.comparison) for q in find_quantities("收入同比-3.2%，利润同比增长-5%。")]
[('-3.2%', -3.2, 'change_pct', 'yoy'), ('-5%', -5.0, 'change_pct', 'yoy')]
>>> [(q.span_text, q.value) for q in find_quantities("支出同比下降-5%，每组3-5名。")]
[('-5%', 5.0), ('3-5名', 3.0)]
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, asdict

from govstudy.text.exclusions import DEFAULT_EXCLUSIONS, ExclusionList
from govstudy.text.numerals import NumeralError, character_table, parse_numeral
from govstudy.text.sentences import sentence_spans

__all__ = ["Quantity", "find_quantities", "normalize_text", "UNITS", "QUALIFIERS", "KINDS",
           "qualifier_group"]

QUALIFIERS = ("exact", "at_least", "at_most", "about", "minimum_rule", "maximum_rule", "vague")
KINDS = ("count", "amount", "rate", "change_pct", "change_abs", "area", "duration", "frequency",
         "ratio", "enumeration")

_QUAL_GROUP = {"exact": "exact", "at_least": "lower", "minimum_rule": "lower", "at_most": "upper",
               "maximum_rule": "upper", "about": "about", "vague": "vague"}


def qualifier_group(qualifier: str) -> str:
    """Group of a qualifier: lower bounds (at_least, minimum_rule), upper bounds (at_most,
    maximum_rule), exact, about, vague.

    >>> qualifier_group("minimum_rule"), qualifier_group("at_least"), qualifier_group("exact")
    ('lower', 'lower', 'exact')
    """
    return _QUAL_GROUP.get(qualifier, qualifier)


# ---------------------------------------------------------------------------------------------
# normalisation: one code point to one code point, so offsets are unchanged
#: govstudy's one character table (:data:`govstudy.text.numerals.CHARACTERS`) except two characters that
#: stay as written: the full-width comma ， (the cue and scope patterns below stop at it as a clause
#: boundary, while an ASCII comma may sit inside a number: 1,300) and the ideographic space U+3000
#: (the range pattern allows only ASCII blanks between a range's two ends: 3 - 5名).
_NORM_TABLE = character_table(keep="，\u3000")


def normalize_text(text: str) -> str:
    """Full-width digits to ASCII and common traditional characters to simplified, one for one.

    >>> normalize_text("９．２萬個")
    '9.2万个'
    """
    return text.translate(_NORM_TABLE)


# ---------------------------------------------------------------------------------------------
# the unit lexicon: regex fragment of the measure word -> (normalised unit, kind hint)
UNITS: dict[str, tuple[str, str]] = {
    "元": ("元", "amount"),
    "人次": ("人次", "count"), "人(?![员才民大口力士群])": ("人", "count"),
    "名(?![单称额片誉])": ("人", "count"), "位(?![置于列])": ("人", "count"),
    "户次": ("户次", "count"), "户(?![籍外口型])": ("户", "count"),
    "场次": ("场次", "count"), "场(?![所地景馆])": ("场", "count"), "次": ("次", "count"),
    "期(?![间限末满])": ("期", "count"), "轮": ("轮", "count"), "批次": ("批次", "count"),
    "批(?![准示复])": ("批", "count"), "届": ("届", "count"),
    "个百分点": ("百分点", "rate"), "百分点": ("百分点", "rate"),
    "个工作日": ("工作日", "duration"), "工作日": ("工作日", "duration"),
    "个小时": ("小时", "duration"), "小时": ("小时", "duration"), "分钟": ("分钟", "duration"),
    "个月": ("个月", "duration"), "个季度": ("季度", "duration"), "季度": ("季度", "duration"),
    "天(?![然气津])": ("天", "duration"), "周(?![边末年岁])": ("周", "duration"),
    "年(?![度级轻龄代])": ("年", "duration"), "秒": ("秒", "duration"),
    "个多月": ("个月", "duration"), "个多小时": ("小时", "duration"),
    "年多(?![元样])": ("年", "duration"), "天多(?![元样])": ("天", "duration"),
    "个(?![性体人])": ("个", "count"), "项(?![目])": ("项", "count"), "件": ("件", "count"),
    "条(?![例件款])": ("条", "count"), "家(?![庭门园风属乡])": ("家", "count"),
    "所(?![有在属以谓])": ("所", "count"), "座(?![谈])": ("座", "count"),
    "处(?![理置室长])": ("处", "count"), "间(?![隔断])": ("间", "count"), "套": ("套", "count"),
    "台(?![账])": ("台", "count"), "辆": ("辆", "count"), "本(?![地级身着])": ("本", "count"),
    "册": ("册", "count"), "份(?![额])": ("份", "count"), "篇": ("篇", "count"),
    "栋": ("栋", "count"), "幢": ("幢", "count"), "块": ("块", "count"), "张": ("张", "count"),
    "类": ("类", "count"), "级(?![别])": ("级", "count"), "种": ("种", "count"),
    "支(?![部持援出])": ("支", "count"), "组(?![织建成])": ("组", "count"),
    "队(?![伍员])": ("队", "count"), "门(?![口店户])": ("门", "count"), "床": ("床", "count"),
    "盏": ("盏", "count"), "部(?![门署分长队位委])": ("部", "count"), "大(?=[\u4e00-\u9fff])": ("大", "count"), "棵": ("棵", "count"), "株": ("株", "count"), "倍": ("倍", "ratio"),
    "平方米": ("平方米", "area"), "平米": ("平方米", "area"), "㎡": ("平方米", "area"),
    "平方公里": ("平方公里", "area"), "平方千米": ("平方公里", "area"), "亩": ("亩", "area"),
    "公顷": ("公顷", "area"), "公里": ("公里", "count"), "千米": ("公里", "count"),
    "米": ("米", "count"), "吨": ("吨", "count"), "公斤": ("公斤", "count"),
    "千克": ("公斤", "count"), "%": ("%", "rate"), "‰": ("‰", "rate"),
}
_UNIT_KEYS = sorted(UNITS, key=lambda k: -len(re.sub(r"\(.*?\)", "", k)))
_UNIT_LOOKUP = {re.sub(r"\(.*?\)", "", k): v for k, v in UNITS.items()}

_CN_DIG = "零一二两三四五六七八九"
_AR = r"\d+(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
_CNN = rf"[{_CN_DIG}十几数][{_CN_DIG}十百千万亿几数]*|[百千万](?=[余多])|(?<=[逾近上超约达破之])[百千万亿]"
_NUM = rf"(?:{_AR})[十百千万亿]{{0,2}}|{_CNN}"

_CANDIDATE = re.compile(
    rf"""(?<![\d.A-Za-z])
    (?:百分之(?P<pnum>{_AR}|{_CNN})
     |(?P<sign>[-+](?=\d))?(?P<num>{_NUM})
      (?:[ \t]*(?P<rsep>[-~—至到])[ \t]*(?(sign)(?P<sign2>[-+](?=\d))?)(?P<num2>{_NUM}))?
      (?P<suf>[余多])?
      (?P<mag2>(?<=[余多])[万亿])?
      (?P<ws>\s{{0,4}})
      (?P<unit>{"|".join(_UNIT_KEYS)})?
      (?P<per>/(?:人|户|月|年|次|天|平方米|小时))?
    )""", re.VERBOSE)

# cues, all matched against the text *before* the number (within its clause), anchored at the end
_PREFIX_QUAL = re.compile(
    r"(?:(?P<maxr>不得超过|不得多于|不得高于|不超过|不多于|不高于|最多|上限为?)"
    r"|(?P<minr>不得少于|不得低于|不少于|不低于|至少|最少|最低)"
    r"|(?P<atl>超过|逾|高达|多达|突破|超)"
    r"|(?P<abt>大约|大概|约为|约|将近|接近|近)"
    r"|(?P<atm>不到|不足|少于|低于|未满|不满))(?:达到|达|为|在|了|是|有)?$"
    # 至少/最多 are adverbs: a verb phrase may stand between them and the number (至少走访群众10户)
    r"|(?:(?P<minr2>至少|最少)|(?P<maxr2>最多))[^\d，,。；;、：:]{1,8}$")
_CHANGE = re.compile(
    # a cutting verb may also have its object between it and the number (压减各类会议120个),
    # unless the number is the level reached (减少到5份)
    r"(?P<dec2>压减|精简|削减|缩减|减少)(?![^，,。；;、]*?(?:为|到|至))[^\d，,。；;、]{1,8}$|"
    r"(?:(?P<dec>减少|下降|降低|压减|精简|缩减|缩短|削减|压缩|下滑|回落|(?<![缩削压])减|(?<![下])降)"
    r"|(?P<inc>增长|增加|上升|提高|提升|扩大|(?<![新])增|(?<![提上])升))(?:了)?(?:约|近|超过|达)?$")
_COMPARE = re.compile(r"同比|较上年同期|比去年同期|较去年同期|与去年同期相比|较上年|较去年|比上年|比去年"
                      r"|(?:较|比|与)(?:19|20)\d{2}年(?:同期)?"
                      r"|(?P<mom>环比|较上月|比上月|较上季度)")
_FREQ = re.compile(r"每[零一二两三四五六七八九十\d]*个?(?:周|月|年|季度|季|天|日|半年|双周|学期|年度|小时|分钟)")
_FREQ_UNITS = {"次", "场", "场次", "期", "轮", "天", "小时", "分钟", "周", "工作日", "批", "批次"}
_RATIO = re.compile(r"人均|户均|平均每|每[万千百十]?[名位个户人家栋]|每[万千百]")
_PER_PERSON = re.compile(r"人均|户均|每人|每户|每名|每位")
_NORM_CONTEXT = re.compile(r"确保|要求|必须|务必|应当|原则上|规定|控制在|不得|(?<![无必])须|力争")
_POSTFIX = re.compile(r"\s*(?:(?P<up>及以上|以上)|(?P<down>及以下|以下|以内|之内|内(?![容部外涵在设])|之下)"
                      r"|(?P<abt>左右))")
_REACH = re.compile(r"^[^，。；、”]{0,6}?(?:圈|服务区|生活区|便民区)")
_FROM = re.compile(r"(?:从|由)(?:原来的|原有的|原先的|原|过去的)?(?:不到|不足|超过|约|近)?\s*$")
_TO = re.compile(r"^[^，。；]{0,12}?(?:为|到|至)\s*$")
_BEFORE_WORD = re.compile(r"原来|原有|原先|以前|此前|改革前|过去")
_AFTER_WORD = re.compile(r"现在|现有|如今|目前|改革后|现")
#: punctuation that separates clauses (the extractor cuts sentences into clauses at it)
CLAUSE_SEP = re.compile(r"[，,；;：:、。！？!?]")
_SEMI_SEP = re.compile(r"[；;]")
_PERIOD = re.compile(
    r"(?:截至|截止到?)[^，。；]{1,14}?(?:底|末|止|前)"
    r"|(?:(?:19|20)\d{2}年(?:\d{1,2}月)?|[今去]年|近年|近[\d一二两三四五六七八九十]+年|[\d一二两三四五六七八九十]+年)"
    r"[^，。；]{0,6}?(?:以来|来)|(?<![较比与])(?:19|20)\d{2}年(?:\d{1,2}月)?(?:起|开始)"
    r"|(?<![较比与])(?:今年|(?:19|20)\d{2}年)(?:\d{1,2}\s*[-—~至到]\s*\d{1,2}月(?:份)?)"
    r"|(?<![较比与])今年(?:上半年|下半年|前三季度|一季度|\d{1,2}月(?:份)?)?|(?<![较比与])去年(?:同期)?"
    r"|上半年|下半年|前三季度"
    r"|(?<![较比与])(?:19|20)\d{2}年(?:上半年|下半年|度|底|末|\d{1,2}月(?:份)?)?"
    r"|目前|当前|至今|近期|每[零一二两三四五六七八九十\d]*个?(?:周|月|年|季度|季|天|日|半年|双周|学期|年度|小时|分钟)")
# written signs (see "Signed numbers" in the module docstring). The sign is inside the span; a dash or
# plus after one of these characters (looked up before any spaces) is a range dash, a date or phone
# separator or a formula plus, never a sign. Digits, letters and "." are already refused by the
# candidate's look-behind; this set adds the rest.
_SIGN_BLOCK = frozenset("0123456789.%‰)）]】〕」』”’零一二两三四五六七八九十百千万亿几数余多-+—/")
# "+" is a conjunction too (党建+物业): a sign only at a clause start or right after one of these cues
_PLUS_CONTEXT = re.compile(
    r"(?:^|[（(“‘\[【《，,；;：:、。！？!?=\s]|同比|环比|同期|上年|去年|上月|上季度|(?:19|20)\d{2}年"
    r"|增长|增加|上升|提高|提升|增幅|增速|涨幅|降幅|变化|变动|净增|增|升|减少|下降|降低|下滑|回落|减|降"
    r"|为|达|是|至|到)[ \t]*$")
_NEG_CHARS = "-－−﹣"


def _written_sign(span_text: str) -> float:
    """-1.0 if a span starts with a written minus, else 1.0 (the sign is inside the span)."""
    return -1.0 if span_text[:1] in _NEG_CHARS else 1.0


def _is_sign(norm: str, pos: int, prev_end: int) -> bool:
    """Whether the ``-``/``+`` at ``norm[pos]`` (glued to a digit) is a sign, not a separator."""
    j = pos
    while j > 0 and norm[j - 1] in " \t":
        j -= 1
    if j == prev_end:
        return False  # 100元-200元, 85%-90%: a range written with two units
    if j > 0 and norm[j - 1] in _SIGN_BLOCK:
        return False
    if norm[pos] == "+":
        return _PLUS_CONTEXT.search(norm, max(0, j - 8), j) is not None
    return True


_ENUM_UNITS = {"类", "级", "种", "张", "项", "个", "支", "方面", "大"}
_ENUM_ALWAYS = {"类", "级", "种", "大"}

# subject heuristics
_VERBS = re.compile(
    r"(?:召开|收集解决|收集|解决|开展|建成|建立|打造|培育引进|培育|引进|引入|发布|清退|清理|投入|"
    r"改造升级|升级改造|改造|升级|加装|整合|新成立|成立|划分为|划分|分为|吸纳|帮助解决|帮助|协商解决|挖掘|推出|完成|实现|"
    r"覆盖(?![率面])|惠及|参与|受理|办结|化解|调解|新增|设立|配备|招录|招聘|选派|走访|排查|发放|举办|"
    r"累计|共计|合计|共有|已有|现有|拥有|达到|规划|精简|压减|减少|增加|提供|开发|办理|"
    r"评选出|评选|选举|吸引|带动|争取|筹集|落实|推动|明确|确保|打通|组建|创建|认定|命名|构建|搭建)"
    r"(?![率量数额])")  # 办结率, 覆盖率: a noun, not a verb
_SUBJECT_AFTER_STOP = re.compile(
    r"进驻|报名|纳入|完成|参与|参加|开展|实现|以|到|和|与|及|、|，|。|；|的|为|用于|入驻|加入|投入|覆盖|获|被|"
    r"得到|通过|共同|下沉|发挥|进行|作为|成为|达到|提供|帮助|受益|累计|共")


_WS = re.compile(r"\s+")
_TRAIL_COMPARE = re.compile(r"(?:同比|环比|(?:较|比|与)(?:上年|去年|上月|(?:19|20)\d{2}年)(?:同期)?(?:相比)?)$")
_LEAD_POSTFIX = re.compile(r"^(?:及以上|以上|以内|之内|内|左右|余)")
_TRAIL_CUES = re.compile(r"(?:同比|环比)?(?:不得超过|不超过|不少于|不低于|至少|超过|不到|不足|约|近|减少|下降|降低|"
                         r"增长|增加|上升|提高|提升|压缩|精简|达到|达|为|共计|共|累计|合计|在|均在|是|由|从|"
                         r"了|到|至)+$")
_LEAD_WORDS = re.compile(r"^(?:其中|共|有|达|为|是|对|将|把|已|已有|先后|全区|全县|全市|全镇|全街道)+")
_QUOTES = re.compile(r"[“”\"'《》（）()\s]")
_NON_CJK = re.compile(r"[^\u4e00-\u9fff]")


@dataclass
class Quantity:
    """One quantity found in a text; offsets are code-point offsets into the original text.

    ``clause_start``/``clause_end`` bound the clause the cues are read in: from after the last
    :data:`CLAUSE_SEP` before the span to the next one after it, within the sentence (and at most
    :data:`LOOKBACK` characters either side of the span).
    """

    value: float
    value_max: float | None
    unit: str
    unit_raw: str
    qualifier: str
    kind: str
    comparison: str | None
    period: str | None
    subject: str | None
    span_text: str
    start: int
    end: int
    sentence_start: int
    sentence_end: int
    clause_start: int
    clause_end: int

    def as_dict(self) -> dict:
        """The fields as a dict."""
        return asdict(self)


#: cues, clauses and periods are looked for at most this many characters before a number, so that
#: a very long "sentence" (a page without 。) stays linear
LOOKBACK = 300


def _segment_start(norm: str, lo: int, pos: int, separator: re.Pattern = CLAUSE_SEP) -> int:
    """Start of the segment containing ``pos``: after the last ``separator`` match in ``norm[lo:pos]``
    (clauses by default; ``_SEMI_SEP`` for the ；-delimited spans that bound a period's scope)."""
    lo = max(lo, pos - LOOKBACK)
    best = lo
    for m in separator.finditer(norm, lo, pos):
        best = m.end()
    return best


def _period(norm: str, text: str, sent_lo: int, start: int) -> str | None:
    """The last period expression before ``start`` in its semicolon-clause, else one that
    heads the sentence."""
    lo = _segment_start(norm, sent_lo, start, _SEMI_SEP)
    found = None
    for m in _PERIOD.finditer(norm, lo, start):
        found = m
    if found is None and lo > sent_lo:
        m = _PERIOD.match(norm, sent_lo, start)
        found = m
    if found is None:
        return None
    return text[found.start():found.end()]


def _subject(norm: str, clause_lo: int, start: int, end: int, unit_kind: str,
             post_text: str) -> str | None:
    """What the number counts: the words before it after the last verb, else those after its measure word."""
    pre = norm[clause_lo:start]
    pre = _WS.sub("", pre)
    pm = None
    for pm in _PERIOD.finditer(pre):
        pass
    if pm is not None:
        pre = pre[pm.end():]
    # strip trailing cue words
    pre = _TRAIL_CUES.sub("", pre)
    pre = _TRAIL_CUES.sub("", _TRAIL_COMPARE.sub("", pre))  # 满意度较去年同期提高
    last = None
    for last in _VERBS.finditer(pre):
        pass
    tail = pre[last.end():] if last is not None else pre
    tail = _LEAD_WORDS.sub("", tail)
    tail = _QUOTES.sub("", tail)
    if tail.endswith("等"):
        tail = ""
    if len(tail) >= 2:
        return tail[-16:]
    # the subject follows the measure word: 改造10个小区居民之家
    m = _SUBJECT_AFTER_STOP.search(post_text)
    after = post_text[:m.start()] if m else post_text
    after = _LEAD_POSTFIX.sub("", after)
    after = _NON_CJK.sub("", after)[:16]
    if len(after) >= 2:
        return after
    return tail or None


def find_quantities(text: str, exclusions: ExclusionList | None = None, *,
                    spans: list[tuple[int, int]] | None = None) -> list[Quantity]:
    """Every quantity of ``text``, in order of position.

    ``exclusions`` replaces the default list of non-quantities
    (:data:`govstudy.text.exclusions.DEFAULT_EXCLUSIONS`); ``spans`` may pass
    ``sentence_spans(text)`` when the caller has it already.

    >>> [q.span_text for q in find_quantities("落实“三会一课”，6月28日召开会议2次，拨打12345热线。")]
    ['2次']
    """
    if not isinstance(text, str):
        raise TypeError(f"text must be a str, not {type(text).__name__}")
    if not text:
        return []
    excl = DEFAULT_EXCLUSIONS if exclusions is None else exclusions
    norm = normalize_text(text)
    starts: list[int] = [s for s, _ in spans] if spans is not None else []
    out: list[Quantity] = []
    prev_end = -1
    for m in _CANDIDATE.finditer(norm):
        this_prev_end, prev_end = prev_end, m.end()
        if not _has_measure(m):
            continue
        if spans is None:
            spans = sentence_spans(text)
            starts = [s for s, _ in spans]
        q = _quantity(text, norm, m, this_prev_end, excl, spans, starts, out)
        if q is not None:
            out.append(q)
    _pair_before_after(norm, out)
    return out


def _has_measure(m: re.Match) -> bool:
    """Whether a candidate has a measure word, 百分之, or a 万/亿 magnitude (else it is no quantity)."""
    if m.group("pnum") is not None or m.group("unit") is not None:
        return True
    num = m.group("num")
    return bool(num and num[0].isdigit() and num[-1] in "万亿") or m.group("mag2") is not None


def _quantity(text: str, norm: str, m: re.Match, prev_end: int, excl: ExclusionList,
              spans: list[tuple[int, int]], starts: list[int], out: list[Quantity]) -> Quantity | None:
    """The quantity of one candidate match (``out``: those found before it), or None if it is none."""
    start, wsign, signed = _span_start(norm, m, prev_end)
    unit_key = m.group("unit")
    if unit_key is not None and unit_key.startswith("大") and (
            m.group("pnum") is not None or m.group("num")[0].isdigit()):
        return None  # 三大行动 is an enumeration; 3大 is not Chinese report style
    end = _span_end(m)
    if excl.hit(norm, start, end) is not None:
        return None
    values = _values(m, wsign)
    if values is None:
        return None
    value, vmax = values
    s_lo, s_hi = _sentence(spans, starts, start, end)
    unit, hint, unit_raw = _unit(text, m)
    clause_lo = _segment_start(norm, s_lo, start)
    clause_hi = _clause_end(norm, end, s_hi)
    pre = norm[clause_lo:start].rstrip()
    post = norm[end:min(len(norm), end + 8)]
    qualifier = _qualifier(norm, m, start, unit, vmax, pre, post, s_lo)
    kind, sign, comparison = _change(pre, unit, hint, signed)
    if kind not in ("change_pct", "change_abs"):
        kind = _level_kind(norm, m, (s_lo, clause_lo, start), unit, hint, value, vmax, pre, post)
    value = sign * value
    if vmax is not None:
        vmax = sign * vmax
    period = _period(norm, text, s_lo, start)
    subj_lo = clause_lo
    if out and out[-1].sentence_start == s_lo and out[-1].end > subj_lo:
        subj_lo = out[-1].end  # 建成650平方米新就业群体…综合体1个: the subject starts after 650平方米
    subject = _subject(norm, subj_lo, start, end, hint, norm[end:min(len(norm), end + 24)])
    return Quantity(value, vmax, unit, unit_raw, qualifier, kind, comparison, period, subject,
                    text[start:end], start, end, s_lo, s_hi, clause_lo, clause_hi)


def _span_start(norm: str, m: re.Match, prev_end: int) -> tuple[int, float, bool]:
    """Start of the span, the written sign of its first number and whether one was written."""
    start = m.start()
    if m.group("sign"):
        if _is_sign(norm, start, prev_end):
            return start, (-1.0 if m.group("sign") == "-" else 1.0), True
        start = m.start("num")  # a separator, outside the span
    return start, 1.0, False


def _span_end(m: re.Match) -> int:
    """End of the span: after the measure word (or the magnitude when there is none)."""
    if m.group("unit") is None and m.group("pnum") is None:
        return m.start("ws")
    return m.end()


def _values(m: re.Match, wsign: float) -> tuple[float, float | None] | None:
    """Value and upper end of a candidate, signed as written; None if it is not a number or range."""
    pnum, num = m.group("pnum"), m.group("num")
    try:
        if pnum is not None:
            value, vmax = parse_numeral(pnum)
        else:
            value, vmax = parse_numeral(num)
            if m.group("mag2"):
                mag = 1e4 if m.group("mag2") == "万" else 1e8
                value *= mag
                vmax = None if vmax is None else vmax * mag
    except NumeralError:
        return None
    value *= wsign  # the written sign (only an Arabic number can carry one)
    if m.group("num2"):
        return _range(m, num, value)
    return value, vmax


def _range(m: re.Match, num: str, value: float) -> tuple[float, float | None] | None:
    """Lower and upper end of a written range ``num``-``num2``; None if it is not a rising range."""
    try:
        v2, v2max = parse_numeral(m.group("num2"))
    except NumeralError:
        return None
    num_mag = re.search(r"[万亿]$", num)
    mag2m = re.search(r"[万亿]$", m.group("num2"))
    if mag2m and not num_mag:  # 3至5万元: the magnitude applies to both ends
        value *= 1e4 if mag2m.group(0) == "万" else 1e8
    if m.group("sign2") == "-":  # -5~-3%: each end keeps its own sign
        v2, v2max = -v2, None if v2max is None else -v2max
    if v2 <= value:
        return None  # 2023-2022, not a range
    return value, (v2max if v2max is not None else v2)


def _sentence(spans: list[tuple[int, int]], starts: list[int], start: int, end: int) -> tuple[int, int]:
    """Bounds of the sentence holding the span ``[start, end)``."""
    i = bisect.bisect_right(starts, start) - 1
    if i < 0 or spans[i][1] < end:
        s_lo, s_hi = max(0, start), end  # defensive: a number outside every sentence
        if i >= 0 and spans[i][0] <= start:
            s_lo, s_hi = spans[i][0], max(spans[i][1], end)
        return s_lo, s_hi
    return spans[i]


def _clause_end(norm: str, end: int, s_hi: int) -> int:
    """End of the clause of a span ending at ``end``: the next clause separator, else the sentence end."""
    hi = min(s_hi, end + LOOKBACK)  # looked for at most LOOKBACK characters on, as _segment_start looks back
    sep = CLAUSE_SEP.search(norm, end, hi)
    return sep.start() if sep else hi


def _unit(text: str, m: re.Match) -> tuple[str, str, str]:
    """Normalised unit, kind hint and ``unit_raw`` (magnitude plus measure word as written)."""
    pnum, unit_key = m.group("pnum"), m.group("unit")
    if pnum is not None:
        return "%", "rate", "百分之"
    unit, hint = _UNIT_LOOKUP[unit_key] if unit_key is not None else ("", "count")
    unit_raw = _unit_raw(text, m)
    if m.group("per"):
        unit_raw += text[m.start("per"):m.end("per")]
        unit += m.group("per")
    return unit, hint, unit_raw


def _unit_raw(text: str, m: re.Match) -> str:
    """The number's magnitude plus the measure word, as written: 86.5万元 -> 万元, 1.8万余人次 -> 万人次."""
    # 萬 stays 萬; 余/多 and whitespace are left out
    last = "num2" if m.group("num2") else "num"
    lnum = m.group(last)
    nm = re.search(r"[十百千万亿]+$" if lnum[0].isdigit() else r"[万亿]+$", lnum)
    raw_lo = m.end(last) - (len(nm.group(0)) if nm else 0)
    raw_hi = m.end("unit") if m.group("unit") else (m.end("mag2") if m.group("mag2") else m.end(last))
    return re.sub(r"[\s余多]", "", text[raw_lo:raw_hi])


_PREFIX_QUALIFIER = {"maxr": "maximum_rule", "minr": "minimum_rule", "atl": "at_least", "abt": "about",
                     "atm": "at_most", "minr2": "minimum_rule", "maxr2": "maximum_rule"}


def _qualifier(norm: str, m: re.Match, start: int, unit: str, vmax: float | None, pre: str,
               post: str, s_lo: int) -> str:
    """The qualifier: from the number's own form, then postfix cues, prefix cues and reach standards."""
    num, unit_key = m.group("num"), m.group("unit")
    sent_pre = norm[max(s_lo, start - LOOKBACK):start]
    qualifier = "exact"
    if vmax is not None:
        qualifier = "vague"
        if m.group("pnum") is None and re.search(r"[十百千]几$", num or ""):
            qualifier = "at_least"  # 十几 / 二十几
    if m.group("suf") or (unit_key and "多" in unit_key):
        qualifier = "at_least"  # 350余场次, 1个多月
    if num in ("百", "千", "万", "亿") and norm[start - 1:start] == "上":
        qualifier = "at_least"  # 上千名
    pm = _PREFIX_QUAL.search(pre)
    postm = _POSTFIX.match(post)
    if postm:
        qualifier = _postfix_qualifier(postm, sent_pre)
    if pm:
        qualifier = _PREFIX_QUALIFIER[pm.lastgroup]
        if pm.lastgroup == "atl" and postm and postm.group("up") and _NORM_CONTEXT.search(sent_pre):
            qualifier = "minimum_rule"
    if unit in ("分钟", "公里", "米") and _REACH.match(post):
        qualifier = "maximum_rule"  # “15分钟生活圈”: within 15 minutes
    return qualifier


def _postfix_qualifier(postm: re.Match, sent_pre: str) -> str:
    """Qualifier of a postfix cue (以上/以下/左右), a rule when the sentence so far states a norm."""
    if postm.group("up"):
        return "minimum_rule" if _NORM_CONTEXT.search(sent_pre) else "at_least"
    if postm.group("down"):
        return "maximum_rule" if _NORM_CONTEXT.search(sent_pre) else "at_most"
    return "about"


def _change(pre: str, unit: str, hint: str, signed: bool) -> tuple[str, float, str | None]:
    """Kind, sign and comparison from the change and comparison cues before the number."""
    cm = _CHANGE.search(pre)
    cmp_m = None
    for cmp_m in _COMPARE.finditer(pre):
        pass
    pct = unit in ("%", "‰", "百分点")
    if cm:
        sign = -1.0 if (cm.group("dec") or cm.group("dec2")) else 1.0
        comparison = None
        if cmp_m is not None:
            comparison = "previous_period" if cmp_m.group("mom") else "yoy"
        return ("change_pct" if pct else "change_abs"), sign, comparison
    if signed and cmp_m is not None and cmp_m.end() == len(pre):
        # 同比-3.2%, 环比+12.5%: a comparison directly before a signed number is a change
        comparison = "previous_period" if cmp_m.group("mom") else "yoy"
        return ("change_pct" if pct else "change_abs"), 1.0, comparison
    if unit == "百分点":
        return "change_pct", 1.0, None
    return hint, 1.0, None


def _level_kind(norm: str, m: re.Match, bounds: tuple[int, int, int], unit: str, hint: str,
                value: float, vmax: float | None, pre: str, post: str) -> str:
    """Kind of a level (not a change): enumeration, frequency, ratio, else the unit's hint."""
    # bounds: the sentence start, the clause start and the span start
    if _is_enumeration(norm, m, bounds, unit, value, vmax, pre, post):
        return "enumeration"
    if _FREQ.search(pre) and hint not in ("amount", "rate"):
        return "frequency"  # a per-period rule or rate: 每周不少于2天, 每月召开1次
    if m.group("per") or (hint == "amount" and _PER_PERSON.search(pre)) or (
            hint not in ("duration", "amount") and _RATIO.search(pre)):
        return "ratio"  # per capita / per unit: 人均, 每个社区配备9名, 200元/人
    return hint


def _is_enumeration(norm: str, m: re.Match, bounds: tuple[int, int, int], unit: str, value: float,
                    vmax: float | None, pre: str, post: str) -> bool:
    """Whether a Chinese numeral counts listed kinds (三大行动, “五个一”, 物业、业委会、社区三家)."""
    s_lo, clause_lo, start = bounds
    num = m.group("num")
    small = bool(num and not num[0].isdigit() and vmax is None and 2 <= value <= 12
                 and not m.group("suf"))
    if small and unit in _ENUM_UNITS and (
            unit in _ENUM_ALWAYS or re.search(r"[等“”\"]$", pre) or post[:1] in "”\""
            or norm.count("“", clause_lo, start) > norm.count("”", clause_lo, start)):
        return True
    if small and clause_lo > s_lo and norm[clause_lo - 1] == "、":
        return True  # 物业、业委会、社区三家: the count of the listed items
    return bool(unit in _ENUM_ALWAYS and num and re.search(r"等$", pre))


def _pair_before_after(norm: str, qs: list[Quantity]) -> None:
    """Mark 从A精简为B / 由A增至B / 原A…现B pairs in one sentence as ``before_after`` stocks."""
    for a, b in zip(qs, qs[1:]):
        if a.sentence_start != b.sentence_start or a.unit != b.unit:
            continue
        lo = a.clause_start
        between = norm[a.end:b.start]
        paired = False
        if _FROM.search(norm[lo:a.start]) and _TO.match(between):
            paired = True
        else:
            b_lo = b.clause_start
            if (_BEFORE_WORD.search(norm[lo:a.start]) and _AFTER_WORD.search(norm[b_lo:b.start])
                    and b_lo > a.end):
                paired = True
        if paired:
            for q in (a, b):
                q.comparison = "before_after"
                if q.kind in ("change_abs", "change_pct"):
                    q.kind = "rate" if q.unit in ("%", "‰") else "count"
                    q.value = _written_sign(q.span_text) * abs(q.value)  # the level as written
