"""govstudy.text.tagging: measure tags from the taxonomy's keywords plus context."""

import pandas as pd
import pytest

from govstudy import extract_indicators
from govstudy.errors import DataValidationError
from govstudy.text.tagging import MeasureTagger, default_tagger, load_taxonomy

TAX = pd.DataFrame({"measure_id": ["red_property", "homeowner_committee", "plaque_cleanup"],
                    "keywords_zh": ["红色物业;物业服务企业", "业委会;换届", "挂牌;牌子;标牌"]})


def test_bundled_taxonomy_loads():
    tax = load_taxonomy()
    assert {"measure_id", "keywords_zh"} <= set(tax.columns)
    assert "unknown" in set(tax["measure_id"])
    assert default_tagger() is default_tagger()


def test_keywords_decide():
    t = MeasureTagger(TAX)
    assert t.tag("新成立小区业委会13个") == "homeowner_committee"
    assert t.tag("清理牌子1300余块") == "plaque_cleanup"


def test_unknown_when_unsure():
    t = MeasureTagger(TAX)
    assert t.tag("建成1个中心") == "unknown"
    # a tie between two measures is unsure too
    assert t.tag("业委会和牌子") == "unknown"


def test_clause_outweighs_sentence():
    t = MeasureTagger(TAX)
    assert t.tag("清理牌子，新成立业委会13个", clause="新成立业委会13个") == "homeowner_committee"


def test_custom_taxonomy_in_extract():
    df = extract_indicators("今年以来新成立小区业委会13个。", taxonomy=TAX)
    assert list(df["measure"]) == ["homeowner_committee"]


def test_bad_taxonomy():
    with pytest.raises(DataValidationError, match="keywords_zh"):
        MeasureTagger(pd.DataFrame({"measure_id": ["x"]}))
