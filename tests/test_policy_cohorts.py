"""adoption_cohorts: dated policy events → adoption cohorts on a researcher's own panel periods."""

import pandas as pd
import pytest

import govstudy
from govstudy import DataValidationError, PeriodMap, adoption_cohorts


@pytest.fixture
def events():
    return pd.DataFrame({"event_id": ["e1", "e2", "e3", "e4", "e5"],
                         "unit": ["甲区", "甲区", "乙区", "丙县", "戊县"],
                         "measure": ["hotline_response", "plaque_cleanup", "hotline_response", "hotline_response",
                                     "plaque_cleanup"],
                         "date": ["2021-06", "2020-11-04", "2022-01-31", "2021", "2018-05"]})


MONTHS = pd.period_range("2020-01", "2022-12", freq="M").astype(str)


def test_first_event_per_unit_and_period_numbers(events):
    out = adoption_cohorts(events, MONTHS, unit="unit").set_index("unit")
    assert out.loc["甲区", "adoption_date"] == "2020-11-04" and out.loc["甲区", "cohort"] == 11
    assert out.loc["甲区", "events"] == 2 and out.loc["甲区", "event_ids"] == "e2;e1"
    assert out.loc["乙区", "cohort"] == 25 and out.loc["乙区", "cohort_label"] == "2022-01"
    assert out.loc["戊县", "cohort"] < 0          # adopted before the panel starts: negative, never 0
    assert pd.isna(out.loc["丙县", "cohort"]) and "coarser" in out.loc["丙县", "note"]


def test_measure_filter_and_never_treated_units(events):
    out = adoption_cohorts(events, MONTHS, unit="unit", measure="hotline_response", units=["丁县", "甲区"])
    assert list(out["unit"][:2]) == ["丁县", "甲区"]
    d = out.set_index("unit")
    assert d.loc["丁县", "cohort"] == 0 and d.loc["甲区", "adoption_date"] == "2021-06" and d.loc["甲区", "cohort"] == 18
    assert "戊县" not in d.index


def test_coarse_dates_are_placed_only_on_request(events):
    first = adoption_cohorts(events, MONTHS, unit="unit", coarse="first").set_index("unit")
    last = adoption_cohorts(events, MONTHS, unit="unit", coarse="last").set_index("unit")
    assert first.loc["丙县", "cohort"] == 13 and last.loc["丙县", "cohort"] == 24
    with pytest.raises(DataValidationError, match="coarser"):
        adoption_cohorts(events, MONTHS, unit="unit", coarse="error")
    # on a yearly panel the year is precise enough
    years = adoption_cohorts(events, ["2019", "2020", "2021", "2022"], unit="unit").set_index("unit")
    assert years.loc["丙县", "cohort"] == 2021 and years.loc["甲区", "cohort"] == 2020


def test_mid_period_rule_and_a_ready_period_map(events):
    pm = PeriodMap.from_values(pd.Series(["2020Q1", "2020Q2", "2020Q3", "2020Q4", "2021Q1", "2021Q2", "2021Q3"]))
    treated = adoption_cohorts(events, pm, unit="unit").set_index("unit")
    nxt = adoption_cohorts(events, pm, unit="unit", mid_period="next").set_index("unit")
    assert treated.loc["甲区", "cohort"] == 4 and nxt.loc["甲区", "cohort"] == 5     # 2020-11-04 is inside Q4
    assert treated.loc["丙县", "note"].startswith("date 2021 is coarser (year)")


def test_on_the_bundled_policy_events():
    ev = govstudy.load("policy_events")
    months = pd.period_range("2019-01", "2023-12", freq="M").astype(str)
    out = adoption_cohorts(ev, months, measure="hotline_response").set_index("unit")
    assert out.loc["鄂尔多斯市", "cohort_label"] == "2020-07"
    assert out.loc["君山区", "cohort_label"] == "2020-11"
    assert pd.isna(out.loc["北京市", "cohort"])        # 2019 (year precision) on a monthly panel
    assert set(out["date_precision"]) <= {"day", "month", "year"}


def test_bad_input_is_explained(events):
    with pytest.raises(DataValidationError, match="no column 'place'"):
        adoption_cohorts(events, MONTHS, unit="place")
    bad = events.assign(date=["March 2021"] + list(events["date"][1:]))
    with pytest.raises(DataValidationError, match="not YYYY"):
        adoption_cohorts(bad, MONTHS, unit="unit")
    with pytest.raises(ValueError, match="coarse must be"):
        adoption_cohorts(events, MONTHS, unit="unit", coarse="guess")
