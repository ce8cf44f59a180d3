"""Parse a numeral that has already been cut out of a Chinese text.

:func:`parse_numeral` turns the characters of one number into ``(value, value_max)``:

* Arabic digits, full-width digits (``１２３``), thousands separators (``1,300`` / ``1，300``) and
  decimals (``86.5``, full-width ``８６．５``);
* Chinese numerals (``两``, ``十二``, ``一千三百``, ``二〇二四``, ``一万二``), simplified or traditional
  (``萬``, ``億``, ``兩``, ``幾``), also with a decimal point (``零点五``);
* mixtures of Arabic digits with a magnitude word (``1.8万``, ``9.2萬``, ``3千``, ``2亿``);
* vague numerals, which also give an upper end: ``十几`` → (10, 19), ``几十`` / ``数十`` → (20, 99),
  ``二十几`` → (20, 29), ``几百`` → (200, 999), ``数万`` → (20000, 99999);
* ``百`` / ``千`` / ``万`` standing alone (as in ``百余名``) → 100 / 1000 / 10000.

Why cn2an, and where not
------------------------
`cn2an <https://github.com/Ailln/cn2an>`_ is used for what it does well: converting a *pure*
Chinese numeral (``一千三百``, ``二十万零三``, ``一万二``, ``二〇二四``) — its grammar of 十/百/千/万/亿,
零 and colloquial abbreviations is well tested. It is **not** used for

* Arabic numbers and Arabic+magnitude mixtures: ``float`` and one multiplication are exact and
  about 50× faster than cn2an's validation regexes (this sits on the extractor's hot path);
* vague numerals with 几/数 and the bare magnitude 百/千/万: cn2an rejects them (``十几`` raises);
* running text: cn2an's ``transform`` rewrites numerals inside names (六安 → 6安), so finding the
  numbers is done by :mod:`govstudy.text.quantities`, and only the cut-out numeral comes here.

Results of the Chinese path are cached, since the same numerals recur across reports.

>>> parse_numeral("1.8万")
(18000.0, None)
>>> parse_numeral("9.2萬")
(92000.0, None)
>>> parse_numeral("一千三百")
(1300.0, None)
>>> parse_numeral("十几")
(10.0, 19.0)
>>> parse_numeral("１，２００")
(1200.0, None)
>>> format_numeral(1300, style="chinese")
'一千三百'
>>> parse_numeral(format_numeral(86.5, style="chinese"))
(86.5, None)
"""

from __future__ import annotations

import re
from functools import lru_cache

from govstudy.errors import GovstudyError

__all__ = ["NumeralError", "parse_numeral", "format_numeral", "normalize_digits", "MAGNITUDES",
           "CHINESE_DIGITS", "CHARACTERS", "character_table"]


class NumeralError(GovstudyError, ValueError):
    """The string is not a numeral this module can read."""


# ---------------------------------------------------------------------------------------------
# The one character table of govstudy. Every entry maps one code point to one code point, so a
# normalised copy of a text keeps the offsets of the original (the extractor relies on it).
_WIDTH = {**{chr(0xFF10 + i): str(i) for i in range(10)},  # full-width digits
          "＋": "+", "－": "-", "．": ".", "，": ",", "％": "%", "～": "~", "／": "/", "\u3000": " "}
_SIGNS = {"−": "-", "﹣": "-", "﹢": "+"}  # U+2212 minus sign, small hyphen-minus, small plus
_TRADITIONAL = ("萬万億亿兩两類类時时個个項项場场處处張张條条餘余戶户間间臺台輛辆冊册組组隊队級级種种"
                "點点約约減减增增達达為为幾几數数雙双來来內内過过於于與与週周鐘钟歲岁屆届區区縣县鎮镇鄉乡"
                "辦办務务會会員员麼么這这們们較较長长現现從从將将確确須须規规範范進进實实經经額额購购"
                "門门塊块畝亩噸吨輪轮棟栋體体統统網网課课黨党熱热線线撥拨號号樓楼單单證证積积覆覆準准")
_CHINESE = {"〇": "零", **{_TRADITIONAL[i]: _TRADITIONAL[i + 1] for i in range(0, len(_TRADITIONAL), 2)}}

#: Code point -> code point: full-width digits and punctuation (＋－．，％～／) and the ideographic space
#: as ASCII, the other written minus and plus signs as ``-`` / ``+``, 〇 as 零 and common traditional
#: characters as simplified. The one table: take it through :func:`character_table`.
CHARACTERS: dict[str, str] = {**_WIDTH, **_SIGNS, **_CHINESE}


def character_table(*, chinese: bool = True, keep: str = "") -> dict[int, int]:
    """:data:`CHARACTERS` as a ``str.translate`` table; ``chinese=False`` leaves Chinese characters
    (〇 and traditional forms) as written, ``keep`` lists further characters to leave as written.

    >>> "１２，３萬".translate(character_table()), "１２，３萬".translate(character_table(chinese=False, keep="，"))
    ('12,3万', '12，3萬')
    """
    unknown = [c for c in keep if c not in CHARACTERS]
    if unknown:
        raise ValueError(f"keep={keep!r}: {unknown} are not in the character table")
    return str.maketrans({k: v for k, v in CHARACTERS.items()
                          if k not in keep and (chinese or k not in _CHINESE)})


#: what :func:`normalize_digits` applies: the whole table
_DIGIT_TABLE = character_table()

MAGNITUDES = {"十": 10.0, "百": 100.0, "千": 1000.0, "万": 1e4, "亿": 1e8}
CHINESE_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5,
                  "六": 6, "七": 7, "八": 8, "九": 9}

_ARABIC = re.compile(r"(\d+(?:,\d{3})*(?:\.\d+)?|\.\d+)([十百千万亿]*)")
_CN_CHARS = re.compile(r"[零一二两三四五六七八九十百千万亿点]+")
_VAGUE = re.compile(r"([零一二两三四五六七八九十百千万亿]*)([几数])([十百千万亿]*)")


def normalize_digits(s: str) -> str:
    """Full-width digits to ASCII, 萬/億/兩/幾/數 to 万/亿/两/几/数 (the whole :data:`CHARACTERS` table);
    the length is unchanged.

    >>> normalize_digits("１２．５萬"), normalize_digits("十幾")
    ('12.5万', '十几')
    """
    return s.translate(_DIGIT_TABLE)


def _magnitude(word: str) -> float:
    m = 1.0
    for ch in word:
        m *= MAGNITUDES[ch]
    return m


@lru_cache(maxsize=4096)
def _chinese(s: str) -> float:
    """A pure Chinese numeral through cn2an (plus the bare magnitudes 百/千/万 it rejects)."""
    if s in ("百", "千", "万", "亿"):
        return MAGNITUDES[s]
    if len(s) > 1 and s[0] in "百千" and s[1] in CHINESE_DIGITS:  # 千二 is not a numeral
        raise NumeralError(f"not a numeral: {s!r}")
    import cn2an  # a dependency, imported lazily: ~0.1 s, and only Chinese numerals need it

    try:
        return float(cn2an.cn2an(s, "smart"))
    except (ValueError, KeyError, IndexError, TypeError) as exc:
        raise NumeralError(f"not a Chinese numeral: {s!r} ({exc})") from None


def _vague(head: str, marker: str, tail: str, s: str) -> tuple[float, float]:
    """十几 → 10..19, 二十几 → 20..29, 十几万 → 10万..19万, 几十 / 数十 → 20..99, 几百 → 200..999."""
    mag = _magnitude(tail) if tail else 1.0
    if not head:
        if not tail:
            raise NumeralError(f"a lone {marker!r} is not a numeral")
        return 2 * mag, 10 * mag - 1
    if head[-1] not in MAGNITUDES:
        raise NumeralError(f"not a numeral: {s!r}")
    base = _chinese(head)
    step = MAGNITUDES[head[-1]] / 10.0
    return base * mag, (base + 9 * step) * mag


def parse_numeral(s: str) -> tuple[float, float | None]:
    """``(value, value_max)`` of one numeral; ``value_max`` is set only for vague numerals.

    Raises :class:`NumeralError` (a ``ValueError``) when ``s`` is not a numeral.

    >>> parse_numeral("两")
    (2.0, None)
    >>> parse_numeral("几十")
    (20.0, 99.0)
    >>> parse_numeral("3000")
    (3000.0, None)
    >>> parse_numeral("六安")  # doctest: +IGNORE_EXCEPTION_DETAIL
    Traceback (most recent call last):
    ...
    govstudy.text.numerals.NumeralError: not a numeral: '六安'
    """
    if not isinstance(s, str):
        raise NumeralError(f"a numeral must be a string, not {type(s).__name__}")
    t = normalize_digits(s.strip())
    if not t:
        raise NumeralError("empty numeral")
    m = _ARABIC.fullmatch(t)
    if m:
        return float(m.group(1).replace(",", "")) * _magnitude(m.group(2)), None
    m = _VAGUE.fullmatch(t)
    if m:
        lo, hi = _vague(m.group(1), m.group(2), m.group(3), s)
        return lo, hi
    if _CN_CHARS.fullmatch(t):
        return _chinese(t), None
    raise NumeralError(f"not a numeral: {s!r}")


_CN_UNITS = ["", "十", "百", "千"]
_CN_DIGIT_LIST = "零一二三四五六七八九"


def _chinese_below_10000(n: int) -> str:
    out, zero = [], False
    for place in range(3, -1, -1):
        d = (n // 10 ** place) % 10
        if d == 0:
            zero = bool(out)
            continue
        if zero:
            out.append("零")
            zero = False
        out.append(_CN_DIGIT_LIST[d] + _CN_UNITS[place])
    return "".join(out)


def _chinese_int(n: int) -> str:
    if n == 0:
        return "零"
    parts = []
    for mag_word, size in (("亿", 10 ** 8), ("万", 10 ** 4), ("", 1)):
        chunk = n // size
        n %= size
        if chunk:
            text = _chinese_int(chunk) if chunk >= 10 ** 4 else _chinese_below_10000(chunk)
            if parts and chunk < 1000:
                text = "零" + text
            parts.append(text + mag_word)
        elif parts and n:
            pass
    s = "".join(parts)
    s = re.sub("零+", "零", s)
    if s.startswith("一十"):
        s = s[1:]
    return s


def format_numeral(value: float, style: str = "arabic") -> str:
    """Write a number the way a report would: ``arabic`` (``1300``, ``86.5``), ``wan``
    (``1.8万`` for values of at least 10 000) or ``chinese`` (``一千三百``, ``八十六点五``).

    :func:`parse_numeral` reads every output back to the same value.

    >>> format_numeral(18000, "wan"), format_numeral(2.5), format_numeral(105, "chinese")
    ('1.8万', '2.5', '一百零五')
    """
    if value != value or value in (float("inf"), float("-inf")):
        raise NumeralError(f"cannot write {value!r} as a numeral")
    if value < 0:
        raise NumeralError("a numeral in a report carries no sign; negative values come from cue words")
    if style == "arabic":
        return repr(int(value)) if float(value).is_integer() else repr(float(value))
    if style == "wan":
        if value >= 1e4:
            return format_numeral(value / 1e4, "arabic") + "万"
        return format_numeral(value, "arabic")
    if style == "chinese":
        if float(value).is_integer():
            return _chinese_int(int(value))
        whole, _, frac = repr(float(value)).partition(".")
        if "e" in frac or "e" in whole:
            raise NumeralError(f"cannot write {value!r} in Chinese numerals")
        return _chinese_int(int(whole)) + "点" + "".join(_CN_DIGIT_LIST[int(c)] for c in frac)
    raise NumeralError(f"unknown style {style!r}; use 'arabic', 'wan' or 'chinese'")
