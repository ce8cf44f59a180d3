"""govstudy.text.numerals: reading a numeral cut out of the text."""

import numpy as np
import pytest

from govstudy.text.numerals import NumeralError, format_numeral, normalize_digits, parse_numeral


@pytest.mark.parametrize("s, value, vmax", [
    ("3000", 3000, None), ("86.5", 86.5, None), ("1,300", 1300, None), ("1，300", 1300, None),
    ("１２３", 123, None), ("８６．５", 86.5, None), ("1.8万", 18000, None), ("9.2萬", 92000, None),
    ("3千", 3000, None), ("2亿", 2e8, None), ("1.35万", 13500, None), ("2.35亿", 2.35e8, None),
    ("两", 2, None), ("兩", 2, None), ("十", 10, None), ("十二", 12, None), ("二十", 20, None),
    ("一百零五", 105, None), ("一千三百", 1300, None), ("一千零一十", 1010, None), ("两万", 20000, None),
    ("一万二", 12000, None), ("二十万零三", 200003, None), ("一亿二千万", 1.2e8, None),
    ("九萬", 90000, None), ("零点五", 0.5, None), ("二〇二四", 2024, None), ("百", 100, None),
    ("千", 1000, None), ("十几", 10, 19), ("二十几", 20, 29), ("十几万", 1e5, 1.9e5),
    ("几十", 20, 99), ("数十", 20, 99), ("几百", 200, 999), ("数百", 200, 999), ("数万", 2e4, 99999),
])
def test_parse(s, value, vmax):
    v, m = parse_numeral(s)
    assert v == pytest.approx(value)
    assert (m is None and vmax is None) or m == pytest.approx(vmax)


@pytest.mark.parametrize("s", ["", "六安", "几", "数", "abc", "1.2.3", "千二", "万万", "十几几", "-3"])
def test_not_numerals(s):
    with pytest.raises(NumeralError):
        parse_numeral(s)


def test_not_a_string():
    with pytest.raises(NumeralError, match="string"):
        parse_numeral(12)


def test_numeral_error_is_value_error():
    assert issubclass(NumeralError, ValueError)


def test_normalize_digits_keeps_length():
    s = "１２．５萬億兩〇"
    assert len(normalize_digits(s)) == len(s)


@pytest.mark.parametrize("n, text", [(0, "零"), (10, "十"), (11, "十一"), (105, "一百零五"),
                                     (1300, "一千三百"), (10001, "一万零一"), (100000, "十万"),
                                     (123456789, "一亿二千三百四十五万六千七百八十九")])
def test_format_chinese(n, text):
    assert format_numeral(n, "chinese") == text
    assert parse_numeral(text) == (float(n), None)


def test_format_styles():
    assert format_numeral(18000, "wan") == "1.8万"
    assert format_numeral(865000, "wan") == "86.5万"
    assert format_numeral(99.78) == "99.78"
    assert format_numeral(86.5, "chinese") == "八十六点五"
    for bad in (float("nan"), -1.0):
        with pytest.raises(NumeralError):
            format_numeral(bad)
    with pytest.raises(NumeralError, match="style"):
        format_numeral(1, "roman")


def test_format_numeral_against_cn2an():
    # an independent oracle: cn2an reads back what format_numeral writes
    import cn2an

    rng = np.random.default_rng(0)
    numbers = [0, 7, 10, 19, 105, 1300, 20003, 100000, 123456789, 10 ** 12 + 1] + rng.integers(1, 10 ** 9, 300).tolist()
    for n in numbers:
        text = format_numeral(n, "chinese")
        assert float(cn2an.cn2an(text, "strict")) == float(n), (n, text)
    for x in [0.5, 86.5, 3.25, 1300.75]:
        assert float(cn2an.cn2an(format_numeral(x, "chinese"), "strict")) == x
