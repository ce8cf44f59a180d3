"""The input contract: one gate (Panel) for every estimator -- no silent wrong number, no false error.

Each class of the input-contract issue has a test here: time as researchers write it, cohort codes, treatment
that switches, missing / infinite / zero-weight rows, argument checks, few-cluster warnings, truthful messages,
synth's donor pool and p-value, randomization inference on treatment paths. Cross-checks against pyfixest and
csdid state their tolerance (1e-6 relative unless said otherwise); equivalent re-codings of the same panel must
agree to 1e-10.
"""

import warnings

import numpy as np
import pandas as pd
import pyfixest as pf
import pytest
from csdid.att_gt import ATTgt

import govstudy
from govstudy import (ArgumentError, DataValidationError, FewClustersWarning, FewTreatedClustersWarning, Panel,
                      PeriodMap, PeriodSpacingWarning, SampleWarning, att_gt, bacon_decomposition, did_2x2,
                      event_study, period_numbers, randomization_inference, synth, twfe, wild_cluster_bootstrap)

TOL = 1e-10   # re-codings of the same data: same numbers


def staggered(n_units=60, n_periods=10, seed=0):
    """A balanced staggered-adoption panel with integer periods 1..T, cohorts 4 / 7 / never, a covariate."""
    rng = np.random.default_rng(seed)
    u = np.repeat(np.arange(1, n_units + 1), n_periods)
    t = np.tile(np.arange(1, n_periods + 1), n_units)
    g_unit = rng.choice([4, 7, 0], n_units, p=[0.3, 0.3, 0.4])
    g = g_unit[u - 1]
    x = rng.normal(size=n_units)[u - 1]
    d = ((g > 0) & (t >= g)).astype(int)
    y = 0.5 * x + 0.1 * t + rng.normal(size=n_units)[u - 1] + d * (1 + 0.2 * (t - g)) + rng.normal(0, 0.3, len(u))
    return pd.DataFrame({"unit": u, "t": t, "g": g, "D": d, "x": x, "y": y})


def quiet(fn, *a, **k):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fn(*a, **k)


def months(t):
    """Integer periods 1..T as month labels starting 2022-11 (so the panel crosses a year boundary)."""
    p = pd.period_range("2022-11", periods=int(np.max(t)), freq="M")
    return np.array([str(p[i - 1]) if i > 0 else "" for i in t], dtype=object)


# --------------------------------------------------------------------------- 1. time as researchers write it
@pytest.mark.parametrize("form", ["string", "datetime", "period", "yyyymm", "chinese", "mid-month dates"])
def test_months_in_any_form_give_the_integer_results(form):
    df = staggered()
    lab = months(df["t"])
    glab = months(df["g"])
    if form == "string":
        t, g, kw = lab, glab, {}
    elif form == "datetime":
        t = pd.to_datetime(lab)
        g = pd.to_datetime(pd.Series(glab).replace("", None))
        kw = {}
    elif form == "period":
        t = pd.PeriodIndex(lab, freq="M")
        g = pd.Series([pd.Period(v, "M") if v else pd.NaT for v in glab], dtype="period[M]")
        kw = {}
    elif form == "yyyymm":
        t = np.array([int(v.replace("-", "")) for v in lab])
        g = np.array([int(v.replace("-", "")) if v else 0 for v in glab])
        kw = {"freq": "M"}
    elif form == "chinese":
        t = np.array([f"{v[:4]}年{int(v[5:])}月" for v in lab])
        g = np.array([f"{v[:4]}年{int(v[5:])}月" if v else "" for v in glab])
        kw = {}
    else:
        t = pd.to_datetime(lab) + pd.Timedelta(days=14)
        g = pd.to_datetime(pd.Series(glab).replace("", None)) + pd.Timedelta(days=14)  # inside the month
        kw = {}
    dd = df.assign(t=np.asarray(t), g=np.asarray(g))
    base = att_gt(df, y="y", unit="unit", time="t", cohort="g")
    other = att_gt(dd, y="y", unit="unit", time="t", cohort="g", **kw)
    np.testing.assert_allclose(other.att, base.att, atol=TOL)
    np.testing.assert_allclose(other.se, base.se, atol=TOL)
    written = {str(v) for v in t} if form in ("yyyymm", "chinese") else set(lab)
    assert set(other.tidy()["period"]) <= written            # labels as the user wrote them
    es0 = event_study(df, y="y", unit="unit", time="t", cohort="g")
    es1 = event_study(dd, y="y", unit="unit", time="t", cohort="g", **kw)
    np.testing.assert_allclose(es1.coef.to_numpy(), es0.coef.to_numpy(), atol=TOL)
    np.testing.assert_allclose(es1.std_errors.to_numpy(), es0.std_errors.to_numpy(), atol=TOL)


def test_yyyymm_without_freq_is_a_clear_error():
    df = staggered()
    lab = months(df["t"])
    df["t"] = [int(v.replace("-", "")) for v in lab]
    df["g"] = [int(v.replace("-", "")) if v else 0 for v in months(df["g"])]
    with pytest.raises(DataValidationError, match=r"yyyymm.*202301 - 202212 = 89.*freq='M'") as e:
        att_gt(df, y="y", unit="unit", time="t", cohort="g")
    assert e.value.column == "t"


def test_period_helper_round_trip_and_labels():
    nums, pm = period_numbers(["2023Q3", "2023Q4", "2024Q1"])
    assert nums.tolist() == [1, 2, 3] and pm.freq == "Q"
    assert pm.labels(nums) == ["2023Q3", "2023Q4", "2024Q1"]
    assert pm.cohorts(["2023-11-20", "", None, np.inf, 0]).tolist() == [2, 0, 0, 0, 0]
    assert pm.cohorts(["2023-11-20"], mid_period="next").tolist() == [3]
    assert pm.cohorts(["2023-10-01"], mid_period="next").tolist() == [2]   # first day: that quarter
    assert PeriodMap.from_values(["2019", "2020"]).numbers(["2020"]).tolist() == [2020]
    with pytest.raises(DataValidationError, match="not a period"):
        period_numbers(["2023-01", "soon"])


def test_date_column_freq_is_inferred_as_the_coarsest_distinct_one():
    assert period_numbers(pd.to_datetime(["2020-06-30", "2021-06-30"]))[1].freq == "Y"
    assert period_numbers(pd.to_datetime(["2020-01-15", "2020-02-15"]))[1].freq == "M"
    assert period_numbers(pd.to_datetime(["2020-01-06", "2020-01-13"]))[1].freq == "W"


def test_tidy_keeps_numeric_time_and_adds_labels():
    df = staggered()
    df["t"], df["g"] = months(df["t"]), months(df["g"])
    r = att_gt(df, y="y", unit="unit", time="t", cohort="g")
    t = r.tidy()
    assert t["time"].dtype.kind == "i" and t["cohort"].dtype.kind == "i"
    assert t.loc[0, "cohort_period"] == "2023-02" and t.loc[0, "period"] == "2022-12"
    g = r.aggregate("group").tidy(overall=False)
    assert g["cohort_period"].tolist() == ["2023-02", "2023-05"]


def test_uneven_integer_periods_are_valid_and_named():
    df = staggered(n_periods=6)
    years = {1: 2000, 2: 2002, 3: 2005, 4: 2006, 5: 2007, 6: 2010}
    dd = df.assign(t=df["t"].map(years), g=df["g"].map(lambda v: {4: 2006}.get(v, 0)))
    base = df.assign(g=np.where(df["g"] == 4, 4, 0))
    with pytest.warns(PeriodSpacingWarning, match=r"gaps 2000 -> 2002, 2002 -> 2005, 2007 -> 2010\).*counted in order"):
        r = att_gt(dd, y="y", unit="unit", time="t", cohort="g")
    r0 = att_gt(base, y="y", unit="unit", time="t", cohort="g")
    np.testing.assert_allclose(r.att, r0.att, atol=TOL)
    assert r.tidy()["event_time"].tolist() == r0.tidy()["event_time"].tolist()
    with warnings.catch_warnings():
        warnings.simplefilter("error", PeriodSpacingWarning)          # twfe does no period arithmetic
        twfe(dd, y="y", treat="D", unit="unit", time="t")
    kielmc = govstudy.load("kielmc")                                   # 1978 / 1981: two periods, valid
    assert did_2x2(kielmc, y="rprice", treated="nearinc", post="y81").estimate == pytest.approx(-11863.90, abs=5e-3)


def test_time_valued_arguments_accept_the_same_forms():
    df = govstudy.load("california_prop99")
    a = synth(df, y="PacksPerCapita", unit="State", time="Year", treated_unit="California", treat_time=1989,
              method="did", vcov=None, placebo=False)
    b = synth(df, y="PacksPerCapita", unit="State", time="Year", treated_unit="California", treat_time="1989",
              method="did", vcov=None, placebo=False)
    assert a.estimate == b.estimate
    dfd = df.assign(Year=pd.to_datetime(df["Year"].astype(str)))
    c = synth(dfd, y="PacksPerCapita", unit="State", time="Year", treated_unit="California", treat_time="1989-01-01",
              method="did", vcov=None, placebo=False)
    assert c.estimate == pytest.approx(a.estimate, abs=TOL)
    with pytest.raises(DataValidationError, match="treat_time '1850' is not a period"):
        synth(df, y="PacksPerCapita", unit="State", time="Year", treated_unit="California", treat_time="1850")


# --------------------------------------------------------------------------- 2. cohort codes
@pytest.mark.parametrize("never", [0, np.nan, None, pd.NaT, "", np.inf, -np.inf, "inf"])
def test_never_treated_codes_are_equivalent(never):
    df = staggered()
    coded = df.assign(g=pd.Series(df["g"].astype(object)).where(df["g"] > 0, never))
    if never == "":
        coded["g"] = coded["g"].astype(str).replace({"0": ""})
    base = att_gt(df, y="y", unit="unit", time="t", cohort="g")
    r = att_gt(coded, y="y", unit="unit", time="t", cohort="g")
    np.testing.assert_allclose(r.att, base.att, atol=TOL)
    np.testing.assert_allclose(r.se, base.se, atol=TOL)
    for m in ("twfe", "sun_abraham"):
        e0 = event_study(df, y="y", unit="unit", time="t", cohort="g", method=m)
        e1 = event_study(coded, y="y", unit="unit", time="t", cohort="g", method=m)
        np.testing.assert_allclose(e1.coef.to_numpy(), e0.coef.to_numpy(), atol=TOL)
    b0 = bacon_decomposition(df, y="y", cohort="g", unit="unit", time="t")
    b1 = bacon_decomposition(coded, y="y", cohort="g", unit="unit", time="t")
    assert b1.estimate == pytest.approx(b0.estimate, abs=TOL)


def test_inf_never_treated_with_sun_abraham_matches_pyfixest():
    """fixest/didimputation code never-treated units as inf: Sun-Abraham's cohort x event-time regression on
    such data equals pyfixest's saturated regression (never treated and e = -1 as the reference)."""
    df = staggered()
    coded = df.assign(g=df["g"].astype(float).where(df["g"] > 0, np.inf))
    es = event_study(coded, y="y", unit="unit", time="t", cohort="g", method="sun_abraham")
    rel = (df["t"] - df["g"]).where(df["g"] > 0)
    d = df.assign(cr=np.where((df["g"] > 0) & (rel != -1), df["g"].astype(str) + "_" + rel.fillna(0).astype(int)
                              .astype(str), "never"))
    m = pf.feols("y ~ C(cr, Treatment('never')) | unit + t", d, vcov={"CRV1": "unit"})
    theirs = {k.split("[T.")[1].rstrip("]"): v for k, v in m.coef().items()}
    assert len(es.cohort_effects) == len(theirs)
    for name, val in es.cohort_effects.items():
        g, e = name.replace("cohort=", "").replace(" e=", "").split(",")
        assert val == pytest.approx(theirs[f"{g}_{e}"], rel=1e-6)


def test_cohorts_off_the_panel_follow_one_rule_with_counts():
    df = staggered()
    moved = df.assign(g=df["g"].replace({7: 15}))           # after the last period (10): never treated
    with pytest.warns(SampleWarning, match=r"adopt after the last period 10 \(15\): never treated"):
        r = att_gt(moved, y="y", unit="unit", time="t", cohort="g")
    r0 = att_gt(df.assign(g=df["g"].replace({7: 0})), y="y", unit="unit", time="t", cohort="g")
    np.testing.assert_allclose(r.att, r0.att, atol=TOL)
    early = df.assign(g=df["g"].replace({4: -3}))
    with pytest.raises(DataValidationError, match="cohort -3 is negative"):
        Panel(early, unit="unit", time="t", cohort="g")
    gappy = df[df["t"] != 4]                                 # cohort 4 is no longer a period: next one (5)
    with pytest.warns(SampleWarning, match=r"not a period of the panel: the next period.*4 -> 5"):
        p = Panel(gappy, unit="unit", time="t", y="y", cohort="g")
    assert sorted(p.cohorts.tolist()) == [5, 7]


def test_cohort_dates_before_the_data_become_always_treated():
    df = staggered()
    df["t"], df["g"] = months(df["t"]), months(df["g"])
    df.loc[df["g"] == "2023-02", "g"] = "2021-06"
    with pytest.warns(SampleWarning, match="adopt before the first period 2022-11: treated in every period"):
        p = Panel(df, unit="unit", time="t", y="y", cohort="g")
    assert p.period_map.label(p.cohorts.min()) == "2022-11"


def test_negative_anticipation_and_bad_arguments():
    df = staggered()
    kw = dict(y="y", unit="unit", time="t", cohort="g")
    with pytest.raises(ArgumentError, match="anticipation must be at least 0"):
        att_gt(df, **kw, anticipation=-1)
    with pytest.raises(ArgumentError, match="bootstrap=True: pass the number of bootstrap draws"):
        att_gt(df, **kw, bootstrap=True)
    with pytest.raises(ArgumentError, match="did you mean 0.05"):
        att_gt(df, **kw, alpha=95)
    with pytest.raises(ArgumentError, match="did you mean 0.05"):
        twfe(df, y="y", treat="D", unit="unit", time="t", alpha=5)
    with pytest.raises(ArgumentError, match="seed must be at least 0"):
        att_gt(df, **kw, bootstrap=99, seed=-1)
    r = twfe(df, y="y", treat="D", unit="unit", time="t")
    with pytest.raises(ArgumentError, match="B must be at least 1"):
        wild_cluster_bootstrap(r, B=0)
    with pytest.warns(govstudy.GovstudyWarning, match="fewer than 99 replications"):
        randomization_inference(r, B=20, seed=1)
    with pytest.raises(ArgumentError, match="n_reps must be at least 1"):
        synth(govstudy.load("california_prop99"), y="PacksPerCapita", unit="State", time="Year",
              treated_unit="California", treat_time=1989, n_reps=0)
    with pytest.raises(ArgumentError, match=r"target_power must be a number in \(0, 1\); got 80 -- did you mean 0.8"):
        govstudy.power(n_sims=10, target_power=80, progress=False)
    with pytest.raises(ArgumentError, match="n_sims must be at least 2"):
        govstudy.power(n_sims=1, progress=False)
    with pytest.raises(ArgumentError, match="min_e must be a whole number"):
        att_gt(df, **kw).aggregate("dynamic", min_e=1.5)


def test_r_did_names_and_old_spellings_name_the_govstudy_equivalent():
    df = staggered()
    with pytest.raises(ArgumentError, match=r"no argument 'yname'; write y= instead"):
        att_gt(df, yname="y", unit="unit", time="t", cohort="g")
    with pytest.raises(ArgumentError, match=r"'gname'; write cohort="):
        att_gt(df, y="y", unit="unit", time="t", gname="g")
    with pytest.raises(ArgumentError, match=r"'est_method'; write method="):
        att_gt(df, y="y", unit="unit", time="t", cohort="g", est_method="dr")
    with pytest.raises(ArgumentError, match=r"'control_group'"):
        att_gt(df, y="y", unit="unit", time="t", cohort="g", control_group="notyettreated")
    with pytest.raises(ArgumentError, match=r"vcov='cluster', cluster='unit'"):
        twfe(df, y="y", treat="D", unit="unit", time="t", vcov={"cluster": "unit"})
    r = twfe(df, y="y", treat="D", unit="unit", time="t")
    with pytest.raises(ArgumentError, match="write bootstrap_weights="):
        wild_cluster_bootstrap(r, weights="webb")
    with pytest.raises(ArgumentError, match="two-way .* clustering is not supported"):
        twfe(df, y="y", treat="D", unit="unit", time="t", cluster=["unit", "t"])
    with pytest.raises(TypeError):
        twfe(df, "y", "D", "unit", "t")              # column arguments are keyword-only


# --------------------------------------------------------------------------- 3. treatment that switches
def test_twfe_accepts_switching_and_continuous_treatments_like_pyfixest():
    df = staggered()
    rng = np.random.default_rng(3)
    df["grant"] = (rng.random(len(df)) < 0.3).astype(int)        # on and off, year by year
    df["intensity"] = rng.gamma(2.0, 1.0, len(df)) * df["D"]
    df["常住人口"] = rng.normal(size=len(df))
    for treat in ("grant", "intensity"):
        r = twfe(df, y="y", treat=treat, unit="unit", time="t", covariates="常住人口")
        m = pf.feols(f"y ~ {treat} + 常住人口 | unit + t", df, vcov={"CRV1": "unit"})
        np.testing.assert_allclose(r.coef.to_numpy(), m.coef().to_numpy(), rtol=1e-6)
        np.testing.assert_allclose(r.std_errors.to_numpy(), m.se().to_numpy(), rtol=1e-6)
        assert list(r.coef.index) == [treat, "常住人口"]
    with pytest.raises(DataValidationError, match="switches off.*twfe and did_2x2 estimate a treatment"):
        event_study(df, y="y", unit="unit", time="t", treat="grant")
    with pytest.raises(DataValidationError, match="switches off.*event_study, att_gt and bacon_decomposition"):
        att_gt(df, y="y", unit="unit", time="t", treat="grant")


def test_did_2x2_accepts_a_group_intensity_like_statsmodels():
    import statsmodels.formula.api as smf
    df = govstudy.load("kielmc")
    df = df.assign(dose=df["nearinc"] * (1 + (df["rprice"] > df["rprice"].median())))
    r = did_2x2(df, y="rprice", treated="dose", post="y81")
    m = smf.ols("rprice ~ dose * y81", df).fit()
    assert r.estimate == pytest.approx(m.params["dose:y81"], rel=1e-9)
    assert r.std_error == pytest.approx(m.bse["dose:y81"], rel=1e-9)


def test_randomization_inference_permutes_whole_paths():
    df = staggered(n_units=8, n_periods=4, seed=5)
    df["grant"] = ((df["unit"] <= 2) & df["t"].isin([2, 3])).astype(int)   # on, then off again
    r = twfe(df, y="y", treat="grant", unit="unit", time="t", vcov="iid")
    ri = randomization_inference(r)
    assert ri.n_draws == 28                                     # C(8, 2) distinct re-assignments of 2 paths
    # brute force: every choice of 2 units gets the on-off path, refit
    import itertools
    stats_ = []
    for pair in itertools.combinations(range(1, 9), 2):
        dd = df.assign(grant=(df["unit"].isin(pair) & df["t"].isin([2, 3])).astype(int))
        stats_.append(twfe(dd, y="y", treat="grant", unit="unit", time="t", vcov="iid").estimate)
    np.testing.assert_allclose(np.sort(ri.draws), np.sort(stats_), atol=1e-10)
    unbalanced = df.drop(index=[0])
    r2 = quiet(twfe, unbalanced, y="y", treat="grant", unit="unit", time="t", vcov="iid")
    with pytest.raises(DataValidationError, match="permutes whole treatment paths.*1 of 8 units"):
        randomization_inference(r2)
    with pytest.raises(DataValidationError, match="refit did_2x2 with unit="):
        randomization_inference(did_2x2(df.assign(post=df["t"] > 2, grp=df["unit"] <= 2), y="y", treated="grp",
                                        post="post"))


# --------------------------------------------------------------------------- 4. missing, infinite, degenerate
def test_missing_outcomes_and_covariates_are_counted_and_match_pyfixest():
    df = staggered()
    df.loc[[3, 50], "y"] = np.nan
    df.loc[[7], "x"] = np.nan
    with pytest.warns(SampleWarning, match=r"twfe: 3 of 600 rows left out \(2 with a missing outcome 'y'; 1 with a "
                                           r"missing covariate 'x'; first: rows 4, 8, 51\)"):
        r = twfe(df, y="y", treat="D", unit="unit", time="t", covariates=["x"])
    m = pf.feols("y ~ D + x | unit + t", df.dropna(subset=["y", "x"]), vcov={"CRV1": "unit"})
    assert r.nobs == 597
    np.testing.assert_allclose(r.coef.to_numpy(), m.coef().to_numpy(), rtol=1e-6)
    with pytest.warns(SampleWarning, match="event_study: 2 of 600 rows left out"):
        event_study(df, y="y", unit="unit", time="t", cohort="g")


def test_infinite_values_are_errors_naming_the_rows():
    df = staggered()
    df.loc[[5, 9], "y"] = -np.inf                          # log(0)
    with pytest.raises(DataValidationError, match=r"2 infinite outcome\(s\) \(-inf, rows 6, 10\), e.g. log\(0\)") as e:
        twfe(df, y="y", treat="D", unit="unit", time="t")
    assert e.value.row == 6 and e.value.column == "y"
    with pytest.raises(DataValidationError, match="infinite outcome"):
        att_gt(df, y="y", unit="unit", time="t", cohort="g")
    with pytest.raises(DataValidationError, match="infinite outcome"):
        did_2x2(df.assign(post=df["t"] > 5, grp=df["g"] > 0), y="y", treated="grp", post="post")


def test_missing_cluster_ids_are_errors_and_zero_weights_are_removed():
    df = staggered()
    df["county"] = (df["unit"] - 1) // 2
    df.loc[[11, 12], "county"] = np.nan
    with pytest.raises(DataValidationError, match=r"2 missing cluster id\(s\) \(rows 12, 13\)") as e:
        twfe(df, y="y", treat="D", unit="unit", time="t", cluster="county")
    assert e.value.row == 12
    df = staggered()
    df["w"] = 1.0 + (df["unit"] % 3)
    df.loc[df["unit"] == 5, "w"] = 0.0
    with pytest.warns(SampleWarning, match=r"10 of 600 rows have weight 0 in 'w' and are removed.*1 units have no row"):
        r = twfe(df, y="y", treat="D", unit="unit", time="t", weights="w")
    kept = df[df["w"] > 0]
    m = pf.feols("y ~ D | unit + t", kept, vcov={"CRV1": "unit"}, weights="w")
    assert r.nobs == 590 and "59 clusters" in r.info["Standard errors"]
    assert r.std_error == pytest.approx(m.se().iloc[0], rel=1e-6)
    a = quiet(att_gt, df, y="y", unit="unit", time="t", cohort="g", weights="w")
    a0 = att_gt(kept, y="y", unit="unit", time="t", cohort="g", weights="w")
    np.testing.assert_allclose(a.att, a0.att, atol=TOL)
    assert a.n == 59


# --------------------------------------------------------------------------- 5. few clusters, rank-deficient Wald
def test_few_cluster_warnings_are_one_family():
    assert issubclass(FewTreatedClustersWarning, FewClustersWarning)
    df = staggered()
    df["county"] = (df["unit"] - 1) // 6                       # 10 counties
    with pytest.warns(FewClustersWarning, match=r"only 10 clusters .*wild_cluster_bootstrap.*randomization_inference"):
        twfe(df, y="y", treat="D", unit="unit", time="t", cluster="county")
    organ = govstudy.load("organ_donations")
    organ["D"] = ((organ["State"] == "California") & (organ["Quarter_Num"] > 3)).astype(int)
    with pytest.warns(FewTreatedClustersWarning, match="only 1 treated cluster"):
        twfe(organ, y="Rate", treat="D", unit="State", time="Quarter_Num")


def test_pretrend_wald_with_fewer_clusters_than_restrictions_reports_the_rank():
    df = staggered(n_periods=10)
    df["county"] = (df["unit"] - 1) % 3                          # 3 clusters, 5 pre-period coefficients
    es = quiet(event_study, df, y="y", unit="unit", time="t", cohort="g", cluster="county")
    assert es.pretrend["rank"] < es.pretrend["df1"]
    assert np.isnan(es.pretrend["p_value"]) and np.isnan(es.pretrend["stat"])
    assert "rank" in es.summary() and any("no p-value" in n for n in es.notes)


# --------------------------------------------------------------------------- 6. messages that tell the truth
def test_messages_name_the_real_cause():
    df = staggered()
    with pytest.raises(DataValidationError, match="no unit is treated within the panel"):
        quiet(event_study, df.assign(g=df["g"].where(df["g"] == 0, 99)), y="y", unit="unit", time="t", cohort="g")
    allsame = df.assign(g=4)                                      # every unit adopts at 4, no never treated
    with pytest.raises(DataValidationError, match="collinear with the fixed effects"):
        quiet(event_study, allsame, y="y", unit="unit", time="t", cohort="g", window=(-1, 0))
    p = govstudy.load("california_prop99")
    with pytest.raises(DataValidationError, match="did you mean 'California'|unit ids are"):
        synth(p.assign(State=pd.factorize(p["State"])[0]), y="PacksPerCapita", unit="State", time="Year",
              treated_unit="0", treat_time=1989)


# --------------------------------------------------------------------------- 7. synth
def test_synth_treated_never_donors_and_repeats_removed():
    df = govstudy.load("california_prop99")
    kw = dict(y="PacksPerCapita", unit="State", time="Year", treat_time=1989, method="sdid", n_reps=50, seed=1)
    donors = [s for s in df["State"].unique() if s != "California"][:15]
    base = synth(df, treated_unit="California", donors=donors, **kw)
    with pytest.warns(govstudy.GovstudyWarning, match="treated_unit lists \\['California'\\] more than once"):
        rep = synth(df, treated_unit=["California", "California"], donors=donors, **kw)
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        dup = synth(df, treated_unit="California", donors=donors + donors[:3] + ["California"], **kw)
    said = [str(w.message) for w in rec]
    assert any("donors lists" in m and "more than once" in m for m in said)
    assert any(issubclass(w.category, SampleWarning) and "treated unit(s) ['California']" in str(w.message)
               for w in rec)
    for r in (rep, dup):
        assert r.estimate == pytest.approx(base.estimate, abs=TOL)
        assert r.std_error == pytest.approx(base.std_error, abs=TOL)
        assert "California" not in set(r.unit_weights["State"])
    t = base.tidy()
    assert t.loc[0, "p_value"] == base.rmspe_p_value
    assert t.loc[0, "p_value_method"].startswith("placebo rank")
    nop = synth(df, treated_unit="California", donors=donors, placebo=False, **kw)
    assert nop.tidy().loc[0, "p_value_method"].startswith("normal approximation")


# --------------------------------------------------------------------------- 8. one gate: Panels carry columns
def test_a_panel_carries_its_columns_and_explicit_columns_override():
    df = staggered()
    df["z"] = np.random.default_rng(9).normal(size=len(df))     # time-varying
    p = Panel(df, unit="unit", time="t", y="y", treat="D", covariates="z")
    assert p.covariates == ["z"]
    r = twfe(p)
    assert list(r.coef.index) == ["D", "z"]
    assert twfe(p, covariates=[]).coef.index.tolist() == ["D"]
    a = att_gt(p, covariates="x")
    a0 = att_gt(df, y="y", unit="unit", time="t", cohort="g", covariates=["x"])
    np.testing.assert_allclose(a.att, a0.att, atol=TOL)
    assert att_gt(p, y="z", covariates=[]).info["Outcome"] == "z"


def test_att_gt_on_months_matches_csdid_on_integers():
    df = staggered()
    ours = att_gt(df.assign(t=months(df["t"]), g=months(df["g"])), y="y", unit="unit", time="t", cohort="g",
                  covariates="x")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cs = ATTgt(yname="y", tname="t", idname="unit", gname="g", data=df, xformla="y~x").fit(est_method="dr",
                                                                                              bstrap=False)
    np.testing.assert_allclose(ours.att, cs.results["att"], rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(ours.se, cs.results["se"], rtol=1e-6)


def test_periods_numbered_from_zero_or_negative_keep_treated_units_treated():
    """A unit treated from period 0 (derived from treat=) is treated, not 'cohort 0 = never'; event-time panels
    with negative periods keep their negative cohorts. Results equal the same panel numbered 1..T."""
    df = staggered()
    df.loc[df["unit"] <= 3, "D"] = 1                      # three units treated from the first period on
    shifted = df.assign(t=df["t"] - 1)                     # periods 0..9
    p = Panel(shifted, unit="unit", time="t", y="y", treat="D")
    assert set(p.unit_cohort_codes[:3]) == {0} and 0 in p.cohorts
    b1 = bacon_decomposition(df, y="y", treat="D", unit="unit", time="t")
    b0 = bacon_decomposition(shifted, y="y", treat="D", unit="unit", time="t")
    assert b0.estimate == pytest.approx(b1.estimate, abs=TOL) and "always" in set(b0.table["control"])
    neg = df.assign(t=df["t"] - 6, g=np.where(df["g"] > 0, df["g"] - 6, np.nan))   # periods -5..4, cohorts -2, 1
    base = df.assign(g=df["g"].where(df["g"] > 0, 0))
    e0 = event_study(base, y="y", unit="unit", time="t", cohort="g")
    e1 = event_study(neg, y="y", unit="unit", time="t", cohort="g")
    np.testing.assert_allclose(e1.coef.to_numpy(), e0.coef.to_numpy(), atol=TOL)
    with pytest.warns(govstudy.PanelWarning, match="0 is also a period of this panel"):
        Panel(shifted.assign(g=df["g"]), unit="unit", time="t", y="y", cohort="g")
