"""govstudy.text.exclusions: the documented list of non-quantities, and extending it."""

import pytest

from govstudy import extract_indicators
from govstudy.text.exclusions import DEFAULT_RULES, SET_PHRASES, ExclusionList
from govstudy.text.quantities import normalize_text


@pytest.mark.parametrize("rule", DEFAULT_RULES, ids=lambda r: r.name)
def test_every_rule_matches_its_examples(rule):
    ex = ExclusionList()
    assert rule.examples, f"rule {rule.name} documents no example"
    for example in rule.examples:
        norm = normalize_text(example)
        assert any(name == rule.name for _, _, name in ex.matches(norm)), (rule.name, example)


@pytest.mark.parametrize("phrase", SET_PHRASES)
def test_set_phrases_yield_no_row(phrase):
    # the phrase followed by a measure word still gives no row for its own numerals
    df = extract_indicators(f"全面落实{phrase}工作。")
    assert df.empty, df[["span_text"]]


@pytest.mark.parametrize("sentence", [
    "2024年6月28日，召开推进会。", "上午8点30分开始办公。", "请拨打12345热线。",
    "学习二十届四中全会精神。", "搭建“区一街道一社区”平台。", "第三批名单公布。",
    "根据〔2024〕3号文件执行。", "推行“1+N”模式。", "召开一场评选活动。", "近两年来成效明显。"])
def test_rule_sentences_yield_no_row(sentence):
    assert extract_indicators(sentence).empty


def test_user_phrases_and_rules():
    text = "建立五星支部3个，创建5A级景区2个。"
    assert list(extract_indicators(text)["span_text"]) == ["3个", "2个"]
    ex = ExclusionList().with_phrases(["五星支部3个"]).with_rule("grade", r"\d+A级景区\d+个", "grades",
                                                                   ["5A级景区2个"])
    assert extract_indicators(text, exclusions=ex).empty


def test_without_rule():
    ex = ExclusionList().without("lone_yi")
    assert list(extract_indicators("建成一个中心。", exclusions=ex)["span_text"]) == ["一个"]
    assert extract_indicators("建成一个中心。").empty


def test_invalid_rule_is_named():
    with pytest.raises(ValueError, match="bad"):
        ExclusionList().with_rule("bad", "(unclosed")
