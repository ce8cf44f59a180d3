"""The simulator: truth recovered, valid values, determinism, labelling, and clear errors on bad designs."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import govstudy
from govstudy.simulate import (COMMUNITY_TYPES, MEASURES, OUTCOMES, Design, DesignError, simulate_arrays,
                               calibration, simulate_panel)

SMALL = Design(n_counties=2, communities_per_county=15, n_months=24,
               rollout={"access_list": (9, 15), "community_partners": (10,), "service_upgrade": (12, 18),
                        "appeals_platform": (8, 16)})


def test_att_gt_recovers_the_truth_on_average_default_design():
    """Mean over 200 seeds of att_gt's simple ATT (public estimator, default design, 80 communities x
    36 months) lies within 2 Monte-Carlo SEs of the mean true ATT of the same cells (~15 s)."""
    diffs = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for s in range(200):
            panel, truth = simulate_panel(seed=s)
            est = govstudy.att_gt(panel, y="certificates", unit="community", time="month",
                                  cohort="cohort_access_list").aggregate("simple").estimate
            diffs.append(est - truth.att("certificates"))
    diffs = np.array(diffs)
    mcse = diffs.std(ddof=1) / np.sqrt(len(diffs))
    assert abs(diffs.mean()) < 2 * mcse, (diffs.mean(), mcse)


def test_values_are_valid_counts_and_rates():
    panel, _ = simulate_panel(SMALL.replace(dispersion=0.5), seed=3)
    df = panel.data
    for o, (_, kind, _, _) in OUTCOMES.items():
        v = df[o].to_numpy()
        assert np.all(np.isfinite(v)), o
        if kind == "count":
            assert pd.api.types.is_integer_dtype(df[o]), o
            assert v.min() >= 0, o
        elif kind == "rate":
            assert v.min() >= 0 and v.max() <= 1, o
        else:
            assert v.min() > 0, o
    assert (df["appeals_resolved"] <= df["appeals_received"]).all()
    assert ((df["participants"] == 0) | (df["events"] > 0)).all()
    assert set(df["community_type"].unique()) == set(COMMUNITY_TYPES)
    assert len(df) == SMALL.n_communities * SMALL.n_months


def test_same_seed_same_frame_and_truth_different_seed_differs():
    a, ta = simulate_panel(SMALL, seed=11)
    b, tb = simulate_panel(SMALL, seed=11)
    c, _ = simulate_panel(SMALL, seed=12)
    pd.testing.assert_frame_equal(a.data, b.data)
    pd.testing.assert_frame_equal(ta.gt, tb.gt)
    assert not a.data["certificates"].equals(c.data["certificates"])
    assert not a.data["cohort_access_list"].equals(c.data["cohort_access_list"])


def test_panel_says_it_is_simulated():
    panel, truth = simulate_panel(SMALL, seed=0)
    assert panel.data["simulated"].all()
    assert panel.data.attrs["simulated"] is True and panel.attrs["simulated"] is True
    assert "SIMULATED" in panel.data.attrs["note"]
    assert "SIMULATED" in repr(truth)
    assert isinstance(panel, govstudy.Panel) and panel.y == "certificates"


def test_lean_family_path_draws_the_same_numbers_as_the_full_panel():
    panel, _ = simulate_panel(SMALL, seed=5)
    for fam, out in [("certificates", "certificates"), ("appeals", "satisfaction"), ("events", "participants")]:
        st, arr = simulate_arrays(SMALL, 5, families=(fam,))
        np.testing.assert_allclose(panel.wide(out), arr[out][0], atol=1e-4)


def test_rollout_shares_and_cohorts():
    d = SMALL.replace(share_treated={"access_list": 0.4})
    panel, _ = simulate_panel(d, seed=2)
    per_unit = panel.data.drop_duplicates("community")
    for county, s in per_unit.groupby("county"):
        assert (s["cohort_access_list"] > 0).sum() == round(0.4 * d.communities_per_county)
        assert set(s["cohort_access_list"]) <= {0, 9, 15}
        # the treated indicator follows the cohort
    df = panel.data
    expect = ((df["cohort_access_list"] > 0) & (df["month"] >= df["cohort_access_list"])).astype(int)
    assert (df["treated_access_list"] == expect).all()


def test_county_assignment_treats_whole_counties():
    d = SMALL.replace(n_counties=6, communities_per_county=5, assignment="county",
                      share_treated={"access_list": 0.5})
    panel, _ = simulate_panel(d, seed=4)
    per_unit = panel.data.drop_duplicates("community")
    assert per_unit.groupby("county")["cohort_access_list"].nunique().max() == 1
    assert (per_unit.groupby("county")["cohort_access_list"].first() > 0).sum() == 3


def test_truth_equals_the_effect_parameter_without_ramp_or_heterogeneity():
    d = SMALL.replace(ramp_months=1, type_effect={t: 1.0 for t in COMMUNITY_TYPES})
    _, truth = simulate_panel(d, seed=1)
    assert truth.att("certificates", relative=True) == pytest.approx(-0.20, abs=1e-12)
    assert truth.att("completed_matters", relative=True) == pytest.approx(0.25, abs=1e-12)
    dyn = truth.att("certificates", "dynamic", relative=True)
    assert np.allclose(dyn.loc[dyn.event_time < 0, "true_att"], 0)
    # heterogeneity by type: multipliers rescaled to a share-weighted mean of 1
    d2 = SMALL.replace(ramp_months=1)
    _, t2 = simulate_panel(d2, seed=1)
    bt = t2.by_type("certificates", relative=True).set_index("community_type")["true_att"]
    assert bt["老旧"] < bt["新建"] < 0  # old compounds respond most in the default design


def test_growth_anticipation_and_spillover():
    _, t = simulate_panel(SMALL.replace(ramp_months=6, type_effect={k: 1.0 for k in COMMUNITY_TYPES}), seed=0)
    dyn = t.att("certificates", "dynamic", relative=True).set_index("event_time")["true_att"]
    assert dyn[0] == pytest.approx(-0.2 / 6) and dyn[5] == pytest.approx(-0.2)
    _, ta = simulate_panel(SMALL.replace(anticipation=2), seed=0)
    dyn = ta.att("certificates", "dynamic").set_index("event_time")["true_att"]
    assert dyn[-1] < 0 and dyn[-2] < 0 and dyn[-3] == 0
    p0, t0 = simulate_panel(SMALL, seed=0)
    p1, t1 = simulate_panel(SMALL.replace(spillover=0.5), seed=0)
    # spillovers move untreated communities (lower certificates) but not the truth (the direct effect)
    assert t1.att("certificates") == pytest.approx(t0.att("certificates"))
    never = p0.data["cohort_access_list"] == 0
    late = p0.data["month"] > 15
    assert p1.data.loc[never & late, "certificates"].sum() < p0.data.loc[never & late, "certificates"].sum()


def test_spring_festival_dip():
    panel, _ = simulate_panel(SMALL.replace(spring_festival=-0.5), seed=0)
    m = panel.data.groupby("spring_festival")["completed_matters"].mean()
    assert m[True] < 0.8 * m[False]


@pytest.mark.parametrize("changes, field, words", [
    ({"share_treated": {"access_list": 1.0}}, "share_treated", "no untreated"),
    ({"share_treated": {"access_list": 1.5}}, "share_treated", "[0, 1]"),
    ({"share_treated": {"service_upgrade": -0.1}}, "share_treated", "[0, 1]"),
    ({"n_months": 0}, "n_months", "positive integer"),
    ({"communities_per_county": 0}, "communities_per_county", "positive integer"),
    ({"baseline": {"certificates": -3.0}}, "baseline", "non-negative"),
    ({"baseline": {"satisfaction": 1.2}}, "baseline", "(0, 1)"),
    ({"type_shares": {"新建": 0.5, "商住": 0.5, "回迁安置": 0.5, "老旧": 0.0}}, "type_shares", "sum to 1"),
    ({"rollout": {"access_list": (1, 13)}}, "rollout", "2..n_months"),
    ({"rollout": {"access_list": (40,)}}, "rollout", "2..n_months"),
    ({"effects": {"certificates": -0.9}}, "effects", "negative"),
    ({"dispersion": -1.0}, "dispersion", "non-negative"),
    ({"ar_rho": 1.0}, "ar_rho", "(-1, 1)"),
    ({"assignment": "street"}, "assignment", "'community' or 'county'"),
    ({"start": "2023/13"}, "start", "YYYY-MM"),
])
def test_invalid_designs_raise_clear_errors(changes, field, words):
    with pytest.raises(DesignError) as e:
        simulate_panel(Design().replace(**changes), seed=0)
    assert e.value.field == field
    assert f"Design.{field}" in str(e.value) and words in str(e.value)


def test_unknown_field_and_bad_seed():
    with pytest.raises(DesignError, match="no such field"):
        Design().replace(communities=10)
    with pytest.raises(DesignError, match="unknown measure"):
        Design(share_treated={"red_property": 0.5}).validate()
    with pytest.raises(TypeError, match="seed"):
        simulate_panel(SMALL, seed=-1)
    assert isinstance(DesignError("x", "y"), govstudy.GovstudyError)


def test_calibration_quotes_come_from_the_seed():
    cal = calibration()
    ind = govstudy.load("case_indicators").set_index("indicator_id")
    for r in cal.itertuples():
        assert r.span_text in r.sentence
        assert ind.loc[r.indicator_id, "span_text"] == r.span_text
    d = Design()
    assert 100 * d.effects["certificates"] == ind.loc["nancheng_05", "value"]
    assert 100 * d.effects["completed_matters"] == ind.loc["nancheng_12", "value"]
    assert round(ind.loc["nancheng_14", "value"] / ind.loc["nancheng_13", "value"]) == d.participants_per_event
    assert set(MEASURES) == set(d.rollout)
