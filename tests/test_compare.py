"""compare_cases: the matrix matches the coded data, quotes are verbatim, N cases work, caveats are flagged."""

import matplotlib.pyplot as plt
import pandas as pd
import pytest

import govstudy
from govstudy import DataValidationError, compare_cases


@pytest.fixture(scope="module")
def cmp():
    # the seed's two cases: these tests check quotes and offsets against the seed report
    return compare_cases(["nancheng", "yuan"])


def test_matrix_matches_case_measures(cmp):
    cm = govstudy.load("case_measures")
    cm = cm[cm["case_id"].isin(cmp.case_ids)]
    marks = cmp.matrix().stack()
    marked = {(m, c) for (fam, m, zh, en, c), v in marks.items() if v}
    assert marked == set(zip(cm["measure_id"], cm["case_id"]))
    families = set(cmp.matrix().index.get_level_values("family"))
    assert "meta" not in families


def test_evidence_behind_every_mark_is_verbatim(cmp):
    text = govstudy.load_text("seed_report")
    ev = cmp.evidence()
    assert len(ev) == int(cmp.matrix().to_numpy().sum())
    for row in ev.itertuples():
        assert text[row.quote_start:row.quote_end] == row.evidence_quote
    quotes = cmp.matrix(evidence=True)
    assert all(q == "" or q in text for q in quotes.to_numpy().ravel())


def test_shared_and_unique_partition_the_marks(cmp):
    shared = set(cmp.shared()["measure_id"])
    only_y, only_n = set(cmp.unique("yuan")["measure_id"]), set(cmp.unique("nancheng")["measure_id"])
    m = cmp.matrix().reset_index().set_index("measure_id")
    assert shared == set(m.index[m["yuan"] & m["nancheng"]])
    assert only_y == set(m.index[m["yuan"] & ~m["nancheng"]])
    assert only_n == set(m.index[~m["yuan"] & m["nancheng"]])
    assert not (shared & only_y) and not (shared & only_n)


def test_similarity_is_jaccard(cmp):
    cm = govstudy.load("case_measures")
    a = set(cm.loc[cm["case_id"] == "yuan", "measure_id"])
    b = set(cm.loc[cm["case_id"] == "nancheng", "measure_id"])
    sim = cmp.similarity()
    assert sim.loc["yuan", "nancheng"] == pytest.approx(len(a & b) / len(a | b), abs=5e-4)
    assert sim.loc["yuan", "yuan"] == 1.0


def test_by_family_counts(cmp):
    fam = cmp.by_family()
    m = cmp.matrix().reset_index()
    for row in fam.itertuples():
        sub = m[m["family"] == row.family]
        assert row.reported == int(sub[row.case_id].sum()) and row.in_taxonomy == len(sub)


def test_indicator_caveats(cmp):
    ind = cmp.indicators()
    cur = govstudy.load("case_indicators")
    assert len(ind) == cur["case_id"].isin(cmp.case_ids).sum()
    bound = ind[ind["qualifier"] == "at_least"]
    assert len(bound) and bound["caveats"].str.contains("lower bound").all() and not bound["comparable"].any()
    rules = ind[ind["qualifier"].isin(["minimum_rule", "maximum_rule"])]
    assert len(rules) and rules["caveats"].str.contains("not a measurement").all()
    yoy = ind[ind["comparison"] == "yoy"]
    assert len(yoy) and yoy["evidence_type"].str.contains("before/after").all()
    # Yu'an reports over 今年以来, Nancheng never does: Yu'an's figures over that window are flagged
    this_year = ind[(ind["case_id"] == "yuan") & (ind["period"] == "今年以来")]
    assert len(this_year) and this_year["caveats"].str.contains("not one the other cases report over").all()
    assert set(cmp.indicators(kind="rate")["kind"]) == {"rate"}


def third_case_data():
    """The seed's two cases plus a made-up third, coded in the full schema of the bundled tables
    (compare_cases checks every table against it: required fields, keys and foreign keys)."""
    seed = lambda df: df[df["source_id"] == "seed"]
    sources = govstudy.load("sources")
    demo_source = sources[sources["source_id"] == "seed"].assign(source_id="demo_report", title_zh="示例报告")
    cases = seed(govstudy.load("cases"))
    third = cases.iloc[[0]].assign(case_id="demo", name_zh="示例区", name_en="Demo District", source_id="demo_report")
    cm = seed(govstudy.load("case_measures"))
    demo_cm = pd.DataFrame({"case_id": "demo", "measure_id": ["facility_upgrade", "red_property", "hotline_response"],
                            "evidence_quote": ["示例一", "示例二", "示例三"], "source_id": "demo_report"})
    ind = seed(govstudy.load("case_indicators"))
    demo_ind = pd.DataFrame({"indicator_id": ["demo_1"], "case_id": ["demo"], "value": [12.0], "unit": ["个"],
                             "unit_raw": ["个"], "qualifier": ["exact"], "kind": ["count"], "period": ["今年以来"],
                             "subject": ["示例"], "measure": ["facility_upgrade"], "span_text": ["12个"],
                             "source_id": ["demo_report"], "quote": ["示例12个"], "optional": [False],
                             "report_basis": ["self_reported"]})
    return {"sources": pd.concat([sources, demo_source], ignore_index=True),
            "cases": pd.concat([cases, third], ignore_index=True),
            "case_measures": pd.concat([cm, demo_cm], ignore_index=True),
            "case_indicators": pd.concat([ind, demo_ind], ignore_index=True)}


def test_a_third_case_works():
    cmp3 = compare_cases(data=third_case_data())
    assert cmp3.case_ids == ["demo", "nancheng", "yuan"]
    assert cmp3.matrix().shape[1] == 3
    assert set(cmp3.shared()["measure_id"]) == {"facility_upgrade"}
    assert set(cmp3.unique("demo")["measure_id"]) == {"hotline_response"}
    assert "red_property" not in set(cmp3.unique("yuan")["measure_id"])
    sim = cmp3.similarity()
    assert sim.shape == (3, 3) and (sim.to_numpy() == sim.to_numpy().T).all()
    ind = cmp3.indicators()
    demo = ind[ind["case_id"] == "demo"].iloc[0]
    assert demo["comparable"]  # exact count over 今年以来, which Yu'an also reports over
    ax = cmp3.plot()
    assert len(ax.get_xticklabels()) == 3 and "示例区" in ax.get_xticklabels()[0].get_text()
    plt.close("all")


def test_bad_comparison_input():
    data = third_case_data()
    with pytest.raises(DataValidationError, match="not in the cases table"):
        compare_cases(data={**data, "cases": govstudy.load("cases")})
    with pytest.raises(DataValidationError, match=r"\['evidence_quote'\]"):
        compare_cases(data={"case_measures": data["case_measures"].drop(columns="evidence_quote")})
    with pytest.raises(KeyError, match="unknown case"):
        compare_cases(["yuan", "atlantis"])
    with pytest.raises(ValueError, match="more than once"):
        compare_cases(["yuan", "yuan"])
    with pytest.raises(KeyError, match="not in this comparison"):
        compare_cases(["yuan"]).unique("nancheng")


def test_indicator_measure_must_be_in_measures():
    # the case_indicators.measure foreign key of datapackage.json (compare.py once missed it)
    data = third_case_data()
    ind = data["case_indicators"]
    bad = ind.assign(measure=ind["measure"].where(ind["case_id"] != "demo", "no_such_measure"))
    row = int((bad["measure"] == "no_such_measure").to_numpy().argmax()) + 1
    with pytest.raises(DataValidationError, match="'no_such_measure'.*not in the measures table") as err:
        compare_cases(data={**data, "case_indicators": bad})
    e = err.value
    assert (e.column, e.row, e.rule) == ("measure", row, "foreignKey")
    assert "case_indicators" in str(e) and "no_such_measure" in str(e)


def test_own_tables_are_checked_against_the_schema():
    data = third_case_data()
    cm = data["case_measures"]
    with pytest.raises(DataValidationError, match="repeats row") as err:  # primary key (case_id, measure_id)
        compare_cases(data={**data, "case_measures": pd.concat([cm, cm.tail(1)], ignore_index=True)})
    assert err.value.rule == "primaryKey"
    ind = data["case_indicators"]
    with pytest.raises(DataValidationError, match="not one of the allowed values") as err:
        compare_cases(data={**data, "case_indicators": ind.assign(qualifier="roughly")})
    assert (err.value.column, err.value.row, err.value.rule) == ("qualifier", 1, "enum")
    with pytest.raises(DataValidationError, match="is not a number") as err:
        compare_cases(data={**data, "case_indicators": ind.assign(value=ind["value"].astype(str))})
    assert (err.value.column, err.value.rule) == ("value", "type")
    with pytest.raises(DataValidationError, match="'demo_report'.*not in the sources table"):
        compare_cases(data={k: v for k, v in data.items() if k != "sources"})
