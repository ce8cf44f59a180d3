"""Property-based tests (hypothesis) of the extractor and the numeral reader.

Deterministic: every test runs with ``derandomize=True`` so CI is never flaky.
"""

from __future__ import annotations

import math

import cn2an  # a dependency of govstudy: the independent writer the tests compare with
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from govstudy import extract_indicators
from govstudy.text.numerals import format_numeral, parse_numeral
from govstudy.text.quantities import find_quantities

DET = settings(derandomize=True, max_examples=200, deadline=None,
               suppress_health_check=[HealthCheck.too_slow])

# text made of the characters the grammar cares about, plus arbitrary Unicode
_REPORT_CHARS = ("0123456789０１２３.,，。；、%％万萬亿余多约近以上内不少于超过减少下降同比增长从为至到"
                 "一二两三四五六七八九十百千几数个名人次场家项件块元平方米小时天周每年月日点"
                 "“”《》（）#■\n 　")
report_text = st.text(alphabet=st.sampled_from(_REPORT_CHARS), max_size=300)
any_text = st.text(max_size=300)


def _check(text: str):
    df = extract_indicators(text)
    for _, r in df.iterrows():
        assert text[r["start"]:r["end"]] == r["span_text"]
        assert r["span_text"] in r["sentence"]
        assert not math.isnan(r["value"])
    return df


@DET
@given(any_text)
def test_arbitrary_unicode_never_raises(text):
    _check(text)


@DET
@given(report_text)
def test_report_like_text_spans_exact(text):
    _check(text)


@DET
@given(st.lists(st.sampled_from(["投入资金", "86.5万元", "，", "。", "\n\n", "350余场次", "三会一课",
                                 "同比下降", "20%", "<p>", "</p>", "&nbsp;", "每周不少于", "2天",
                                 "2024年", "12345热线", "区一街道一社区", "三级", "1.8万余人次"]),
                max_size=40).map("".join))
def test_fragments_spans_exact(text):
    _check(text)


@DET
@given(st.integers(min_value=0, max_value=10**12))
def test_chinese_integers_round_trip(n):
    assert parse_numeral(format_numeral(n, "chinese")) == (float(n), None)


@DET
@given(st.integers(min_value=0, max_value=10**12))
def test_chinese_integers_equal_cn2an(n):
    """An independent oracle for the writer: cn2an.an2cn writes every integer the same way."""
    assert format_numeral(n, "chinese") == cn2an.an2cn(n)


@DET
@given(st.decimals(min_value=0, max_value=10**6, places=2, allow_nan=False, allow_infinity=False))
def test_chinese_decimals_equal_cn2an(d):
    """Decimals too (cn2an reads the digits as written, so it is given repr of the float we write)."""
    x = float(d)
    assert format_numeral(x, "chinese") == cn2an.an2cn(str(int(x)) if x.is_integer() else repr(x))


@DET
@given(st.decimals(min_value=0, max_value=10**9, places=2, allow_nan=False, allow_infinity=False))
def test_arabic_round_trip(d):
    x = float(d)
    assert parse_numeral(format_numeral(x)) == (x, None)
    v, _ = parse_numeral(format_numeral(x, "wan"))
    assert math.isclose(v, x, rel_tol=1e-12, abs_tol=1e-9)


@DET
@given(st.integers(min_value=1, max_value=99999), st.sampled_from(["个", "名", "家", "件", "万元", "%"]))
def test_formatted_quantity_is_found(n, unit):
    """A number written into a sentence is found again with its value."""
    text = f"今年以来，全区建成{n}{unit}，成效明显。"
    qs = find_quantities(text)
    assert len(qs) == 1
    expected = n * 10000 if unit == "万元" else n
    assert qs[0].value == expected
    assert qs[0].span_text == f"{n}{unit}"


def test_empty_and_whitespace():
    assert extract_indicators("").empty
    assert extract_indicators("   \n\n\t").empty


def test_html_fragment():
    html = "<div class='p'><p>今年以来，新建党群服务中心<b>3个</b>，投入资金86.5万元。</p><br/>&nbsp;</div>"
    df = _check(html)
    assert list(df["span_text"]) == ["3个", "86.5万元"]


def test_very_long_line():
    line = "全区建成党群服务中心12个，投入资金86.5万元，" * 20000  # ~0.5 M characters, no 。
    df = _check(line)
    assert len(df) == 40000


# --- written signs (quantities.py, "Signed numbers") ----------------------------------------------
_MINUS = ["-", "－", "−"]
_PLUS = ["+", "＋"]
_FULLWIDTH = str.maketrans({**{str(i): chr(0xFF10 + i) for i in range(10)}, ".": "．", "%": "％"})
# cue before the number -> (cue sign, comparison)
_SIGN_CUES = {"同比": (1.0, "yoy"), "环比": (1.0, "previous_period"), "较上年": (1.0, "yoy"),
              "同比增长": (1.0, "yoy"), "同比上升": (1.0, "yoy"), "同比下降": (-1.0, "yoy"),
              "同比减少": (-1.0, "yoy"), "环比下降": (-1.0, "previous_period")}


@DET
@given(st.decimals(min_value=0, max_value=10**6, places=2, allow_nan=False, allow_infinity=False),
       st.booleans(), st.data(), st.sampled_from(sorted(_SIGN_CUES)),
       st.sampled_from(["%", "个百分点", "名", "个"]), st.booleans())
def test_signed_value_round_trips(d, negative, data, cue, unit, fullwidth):
    """A signed number written after a comparison or change cue is read back with the product of
    the written sign and the cue sign, as a change, with the sign inside the span."""
    x = float(d)
    sign_char = data.draw(st.sampled_from(_MINUS if negative else _PLUS))
    number = format_numeral(x)
    if fullwidth:
        number = number.translate(_FULLWIDTH)
    written = f"{sign_char}{number}{unit}"
    text = f"今年以来，社区服务事项{cue}{written}，成效明显。"
    qs = find_quantities(text)
    assert len(qs) == 1, [q.span_text for q in qs]
    q = qs[0]
    cue_sign, comparison = _SIGN_CUES[cue]
    assert q.span_text == written and text[q.start:q.end] == written
    assert q.value == (-1.0 if negative else 1.0) * cue_sign * x
    assert q.kind == ("change_pct" if unit in ("%", "个百分点") else "change_abs")
    assert q.comparison == comparison


@DET
@given(st.integers(min_value=0, max_value=999), st.integers(min_value=1, max_value=999),
       st.sampled_from(["-", "－", "~", "至"]), st.sampled_from(["名", "个", "%", "天"]))
def test_range_dash_is_not_a_sign(a, step, sep, unit):
    """3-5名 is a range: no negative value, whatever the separator."""
    b = a + step
    text = f"每个小区配备{a}{sep}{b}{unit}志愿者。"
    qs = find_quantities(text)
    assert len(qs) == 1
    assert (qs[0].value, qs[0].value_max) == (float(a), float(b))
    assert qs[0].span_text == f"{a}{sep}{b}{unit}"


@DET
@given(st.integers(min_value=1990, max_value=2030), st.integers(min_value=1, max_value=12),
       st.integers(min_value=1, max_value=28), st.integers(min_value=1, max_value=9999),
       st.sampled_from(["-", "－", "−"]))
def test_dates_and_phone_numbers_are_not_signs(y, mo, day, n, dash):
    """Dates (2024-06, 2024-06-28) and phone numbers (0564-3312345) give no signed value."""
    text = (f"{y}{dash}{mo:02d}{dash}{day:02d}，热线0564{dash}3312345接听来电{n}次；"
            f"{y}{dash}{mo:02d}新增志愿者{n}名。")
    qs = find_quantities(text)
    assert [q.span_text for q in qs] == [f"{n}次", f"{n}名"]
    assert all(q.value == n for q in qs)


@DET
@given(st.text(alphabet=st.sampled_from("0123456789０１２.%％-－−﹣+＋~至同比增长下降名个元万月年，。1+N“”"),
               max_size=120))
def test_signed_text_spans_exact(text):
    """Random text dense in signs and dashes keeps ``text[start:end] == span_text``; a negative value
    comes from a written minus (in the span) or a decrease cue before it."""
    df = _check(text)
    for _, r in df.iterrows():
        if r["value"] < 0 and r["span_text"][:1] not in "-－−﹣":
            assert r["kind"] in ("change_pct", "change_abs")
