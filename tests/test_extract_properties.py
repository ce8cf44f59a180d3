"""Property-based tests (hypothesis) of the extractor and the numeral reader.

Deterministic: every test runs with ``derandomize=True`` so CI is never flaky.
"""

from __future__ import annotations

import math

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
