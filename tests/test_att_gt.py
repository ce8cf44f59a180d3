"""Callaway & Sant'Anna on mpdta: reference numbers (printed to 4 decimals: abs=5e-5) and csdid cross-checks (1e-6)."""

import warnings

import numpy as np
import pandas as pd
import pytest
from csdid.att_gt import ATTgt

import govstudy
from govstudy import DataValidationError, att_gt
from govstudy.panel import PanelWarning

ATT = [-0.0105, -0.0704, -0.1373, -0.1008, 0.0065, -0.0028, -0.0046, -0.0412, 0.0305, -0.0027, -0.0311, -0.0261]
SE = [0.0233, 0.0310, 0.0364, 0.0344, 0.0233, 0.0196, 0.0178, 0.0202, 0.0150, 0.0164, 0.0179, 0.0167]
AGG = {"simple": (-0.0400, 0.0119), "group": (-0.0310, 0.0126), "calendar": (-0.0417, 0.0175),
       "dynamic": (-0.0772, 0.0208)}
DYN = [0.0305, -0.0006, -0.0245, -0.0199, -0.0510, -0.1373, -0.1008]
KW = dict(y="lemp", unit="countyreal", time="year", cohort="first.treat")


@pytest.fixture(scope="module")
def mpdta():
    return govstudy.load("mpdta")


@pytest.fixture(scope="module")
def res(mpdta):
    return att_gt(mpdta, **KW)


def _csdid(df, method="dr", control="nevertreated", base="varying", xformla=None):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        m = ATTgt(yname="lemp", tname="year", idname="countyreal", gname="first.treat", data=df,
                  control_group=control, xformla=xformla)
        return m.fit(est_method=method, base_period=base, bstrap=False)


def test_reference_att_gt(res):
    t = res.tidy()
    assert t["cohort"].tolist() == [2004] * 4 + [2006] * 4 + [2007] * 4
    assert t["time"].tolist() == [2004, 2005, 2006, 2007] * 3
    np.testing.assert_allclose(t["estimate"], ATT, atol=5e-5)   # 4 printed decimals
    np.testing.assert_allclose(t["std_error"], SE, atol=5e-5)   # analytic IF SEs, 4 decimals
    assert {"cohort", "time", "estimate", "std_error", "ci_low", "ci_high"} <= set(t.columns)


def test_reference_aggregations(res):
    for kind, (est, se_boot) in AGG.items():
        a = res.aggregate(kind)
        assert a.estimate == pytest.approx(est, abs=5e-5)
        # the reference SEs are R did's multiplier-bootstrap draws (random): analytic within 15%
        assert a.std_error == pytest.approx(se_boot, rel=0.15)
    d = res.aggregate("dynamic").tidy(overall=False)
    assert d["event_time"].tolist() == [-3, -2, -1, 0, 1, 2, 3]
    np.testing.assert_allclose(d["estimate"], DYN, atol=5e-5)


def test_bootstrap_aggregation_ses_near_reference(mpdta):
    r = att_gt(mpdta, **KW, bootstrap=999, seed=1)
    for kind, (_, se_boot) in AGG.items():
        assert r.aggregate(kind).std_error == pytest.approx(se_boot, rel=0.15)  # both random: 15%
    np.testing.assert_allclose(r.se, SE, rtol=0.12)
    r2 = att_gt(mpdta, **KW, bootstrap=999, seed=1)
    np.testing.assert_array_equal(r.se, r2.se)  # seeded: reproducible
    assert r.crit > 1.96  # uniform band wider than pointwise


@pytest.mark.parametrize("method", ["dr", "ipw", "reg"])
def test_matches_csdid_with_covariates(mpdta, method):
    ours = att_gt(mpdta, **KW, covariates=["lpop"], method=method)
    cs = _csdid(mpdta, method, xformla="lemp~lpop")
    np.testing.assert_allclose(ours.att, cs.results["att"], rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(ours.se, cs.results["se"], rtol=1e-6)


@pytest.mark.parametrize("control, cscontrol, base", [("never", "nevertreated", "varying"),
                                                     ("notyet", "notyettreated", "varying"),
                                                     ("never", "nevertreated", "universal")])
def test_matches_csdid_no_covariates(mpdta, control, cscontrol, base):
    ours = att_gt(mpdta, **KW, control=control, base_period=base)
    cs = _csdid(mpdta, "dr", cscontrol, base)
    np.testing.assert_allclose(ours.att, cs.results["att"], rtol=1e-6, atol=1e-9)
    cse = np.nan_to_num(np.asarray(cs.results["se"], float))
    np.testing.assert_allclose(ours.se, cse, rtol=1e-6, atol=1e-9)


def test_aggregation_ses_match_csdid_analytic(res, mpdta):
    cs = _csdid(mpdta)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import contextlib, io
        with contextlib.redirect_stdout(io.StringIO()):
            for kind in AGG:
                cs.aggte(typec=kind, bstrap=False)
                a = cs.atte
                assert res.aggregate(kind).std_error == pytest.approx(a["overall_se"], rel=1e-6)
                if kind != "simple":
                    np.testing.assert_allclose(res.aggregate(kind).tidy(overall=False)["std_error"],
                                               a["se_egt"], rtol=1e-6)


def test_pretest_and_interface(res):
    assert res.pretest["df"] == 5 and 0 < res.pretest["p_value"] < 1
    assert "Pre-test" in res.summary()
    assert "<table" in res._repr_html_() and "<table" in res.aggregate("dynamic")._repr_html_()
    assert res.aggregate("dynamic").plot() is not None
    assert res.estimate == pytest.approx(-0.0400, abs=5e-5)


def test_unbalanced_panel_paths(mpdta):
    rng = np.random.default_rng(3)
    ub = mpdta.drop(index=rng.choice(len(mpdta), 150, replace=False))
    with pytest.warns(PanelWarning, match=r"unbalanced panel: \d+ of 500 units.*no unit is dropped.*would instead drop"):
        r = att_gt(ub, **KW)
    assert r.n == 500 and np.all(np.isfinite(r.att)) and np.all(np.isfinite(r.se)) and np.all(r.se > 0)
    # "keep": ATT(2006, 2007) from the units observed in 2005 and 2007 (exact, 1e-12)
    w = ub.pivot(index="countyreal", columns="year", values="lemp")
    g = ub.groupby("countyreal")["first.treat"].first()
    dy = (w[2007] - w[2005]).dropna()
    manual = dy[g[dy.index] == 2006].mean() - dy[g[dy.index] == 0].mean()
    j = int(np.flatnonzero((r.groups == 2006) & (r.times == 2007))[0])
    assert r.att[j] == pytest.approx(manual, abs=1e-12)
    with pytest.warns(PanelWarning):
        rc = att_gt(ub, **KW, unbalanced="rc")
    assert np.all(np.isfinite(rc.att)) and np.all(rc.se > 0)
    with pytest.warns(PanelWarning, match="no unit is dropped"):
        rx = att_gt(ub, **KW, covariates=["lpop"])
    assert np.all(np.isfinite(rx.att)) and np.all(np.isfinite(rx.se))
    with pytest.warns(PanelWarning, match="Dropped them"):
        rd = att_gt(ub, **KW, unbalanced="drop")
    assert rd.n < 500 and np.all(np.isfinite(rd.se))
    # the repeated-cross-section path now takes covariates (validated against csdid below)
    with pytest.warns(PanelWarning, match="as repeated cross-sections"):
        rcx = att_gt(ub, **KW, covariates=["lpop"], unbalanced="rc")
    assert rcx.n == 500 and np.all(np.isfinite(rcx.att)) and np.all(rcx.se > 0)


def test_rc_path_equals_panel_estimator_on_balanced_data(mpdta):
    base = att_gt(mpdta, **KW)
    df = mpdta.copy()
    df.loc[0, "lemp"] = np.nan   # formally unbalanced, so the rc path runs; compare on the other cohorts
    with pytest.warns(PanelWarning):
        rc = att_gt(df, **KW, unbalanced="rc")
    cnty = mpdta.loc[0, "countyreal"]
    g0 = mpdta.loc[0, "first.treat"]
    other = rc.groups != g0
    # removing one observation of one unit moves cell means only for that unit's cohort and period 2003
    assert rc.n == 500 and cnty
    np.testing.assert_allclose(rc.att[other & (rc.times > 2004)], base.att[other & (base.times > 2004)], atol=1e-12)


def test_bad_inputs(mpdta):
    treated_only = mpdta[mpdta["first.treat"] > 0]
    with pytest.raises(DataValidationError, match="no never-treated units.*control='notyet'"):
        att_gt(treated_only, **KW)
    with pytest.warns(PanelWarning, match="no never-treated units: cohort 2007"):
        r = att_gt(treated_only, **KW, control="notyet")
    assert set(r.groups) == {2004, 2006}
    one = mpdta[(mpdta["first.treat"] != 2006) | (mpdta["countyreal"] == mpdta.loc[mpdta["first.treat"] == 2006,
                                                                                 "countyreal"].min())]
    with pytest.warns(PanelWarning, match=r"cohort\(s\) \[2006\] contain a single unit"):
        att_gt(one, **KW)
    with pytest.raises(DataValidationError, match=r"collinear covariates: \['lpop2'\]"):
        att_gt(mpdta.assign(lpop2=2 * mpdta["lpop"]), **KW, covariates=["lpop", "lpop2"])
    with pytest.raises(DataValidationError, match="every row"):
        att_gt(mpdta.assign(lemp=np.nan), **KW)
    with pytest.raises(DataValidationError, match="duplicate unit-period"):
        att_gt(pd.concat([mpdta, mpdta.iloc[[3]]]), **KW)
    df = mpdta.copy()
    df.loc[0, "first.treat"] = 2004
    with pytest.raises(DataValidationError, match="cohort is not constant"):
        att_gt(df, **KW)


def test_cluster_and_first_period_treated(mpdta):
    df = mpdta.assign(state=mpdta["countyreal"] // 1000)
    with pytest.warns(govstudy.FewClustersWarning, match=r"only 29 clusters \(by 'state'\)"):   # just under 30
        r = att_gt(df, **KW, cluster="state")
    assert np.all(r.se > 0) and not np.allclose(r.se, SE, atol=5e-5)
    early = mpdta.assign(ft=np.where(mpdta["countyreal"] % 7 == 0, 2003, mpdta["first.treat"]))
    with pytest.warns(PanelWarning, match="already treated in the first period"):
        att_gt(early, y="lemp", unit="countyreal", time="year", cohort="ft")


def test_few_clusters_are_flagged_as_for_twfe(mpdta):
    # clustered SEs from 6 streets (or from few treated ones) are unreliable: att_gt says so with the same rule as
    # twfe, names the cluster column, points to inference built for few clusters, and notes it in the summary
    df = mpdta.assign(street=pd.factorize(mpdta["countyreal"])[0] % 6)
    with pytest.warns(govstudy.FewClustersWarning, match=r"only 6 clusters \(by 'street'\)") as w:
        att_gt(df, **KW, cluster="street")
    assert "wild_cluster_bootstrap" in str(w[0].message) and "bootstrap=999" in str(w[0].message)
    treated_in = df.loc[df["first.treat"] > 0, "countyreal"].unique()[:40]
    few = df.assign(street=np.where(df["countyreal"].isin(treated_in), df["countyreal"].isin(treated_in[:20]) * 1,
                                    2 + pd.factorize(df["countyreal"])[0] % 40),
                    **{"first.treat": np.where(df["countyreal"].isin(treated_in) | (df["first.treat"] == 0),
                                               df["first.treat"], 0)})
    with pytest.warns(govstudy.FewTreatedClustersWarning, match=r"only 2 treated clusters \(by 'street', of 42\)"):
        r = att_gt(few, **KW, cluster="street")
    assert any("2 treated cluster(s)" in n for n in r.notes)


# ---------------------------------------------------------------------------- repeated cross-sections (rc)
def _csdid_rc(df, method, idname, control="nevertreated", base="varying", xformla=None, panel=False,
              unbalanced=False):
    import contextlib, io
    with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
        warnings.simplefilter("ignore")
        m = ATTgt(yname="lemp", tname="year", idname=idname, gname="first.treat", data=df, control_group=control,
                  xformla=xformla, panel=panel, allow_unbalanced_panel=unbalanced)
        return m.fit(est_method=method, base_period=base, bstrap=False)


@pytest.fixture(scope="module")
def mpdta_x(mpdta):
    # a time-varying covariate, so that "each observation's own-period covariate" is actually exercised
    x = mpdta["lpop"] + np.random.default_rng(7).normal(scale=0.5, size=len(mpdta))
    return mpdta.reset_index(drop=True).assign(xtv=x.to_numpy(), obs_id=np.arange(1, len(mpdta) + 1))


def _assert_same(ours, cs):
    # the definitions coincide (DRDID's RC estimators, n/n_obs scaling, IF summed within unit):
    # estimates and analytic SEs to rel 1e-6 (observed: <= 1e-11)
    np.testing.assert_allclose(ours.att, np.asarray(cs.results["att"], float), rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(ours.se, np.nan_to_num(np.asarray(cs.results["se"], float)), rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("method", ["dr", "ipw", "reg"])
@pytest.mark.parametrize("covariates", [None, ["lpop"], ["lpop", "xtv"]])
@pytest.mark.parametrize("control, cscontrol", [("never", "nevertreated"), ("notyet", "notyettreated")])
def test_rc_matches_csdid_repeated_cross_sections(mpdta_x, method, covariates, control, cscontrol):
    """The balanced mpdta panel as repeated cross-sections: every row its own unit (obs_id), so our rc path
    (per-observation influence functions) meets csdid's panel=False (R did's panel=FALSE)."""
    with pytest.warns(PanelWarning, match="as repeated cross-sections"):
        ours = att_gt(mpdta_x, y="lemp", unit="obs_id", time="year", cohort="first.treat", covariates=covariates,
                      method=method, control=control, unbalanced="rc")
    assert ours.n == len(mpdta_x)
    cs = _csdid_rc(mpdta_x, method, "obs_id", cscontrol,
                   xformla=None if covariates is None else "lemp~" + "+".join(covariates))
    _assert_same(ours, cs)


@pytest.mark.parametrize("method", ["dr", "ipw", "reg"])
def test_rc_universal_base_matches_csdid(mpdta_x, method):
    with pytest.warns(PanelWarning):
        ours = att_gt(mpdta_x, y="lemp", unit="obs_id", time="year", cohort="first.treat", covariates=["xtv"],
                      method=method, base_period="universal", unbalanced="rc")
    _assert_same(ours, _csdid_rc(mpdta_x, method, "obs_id", base="universal", xformla="lemp~xtv"))


@pytest.mark.parametrize("method", ["dr", "ipw", "reg"])
@pytest.mark.parametrize("covariates", [None, ["lpop", "xtv"]])
def test_rc_unbalanced_panel_matches_csdid(mpdta_x, method, covariates):
    """A genuinely unbalanced panel (real unit ids): influence functions per observation, scaled by
    n_units / n_obs of each 2x2 and summed within unit, as csdid's allow_unbalanced_panel=True (R did's)."""
    ub = mpdta_x.drop(index=np.random.default_rng(3).choice(len(mpdta_x), 150, replace=False))
    with pytest.warns(PanelWarning, match="as repeated cross-sections"):
        ours = att_gt(ub, **KW, covariates=covariates, method=method, unbalanced="rc")
    cs = _csdid_rc(ub, method, "countyreal", panel=True, unbalanced=True,
                   xformla=None if covariates is None else "lemp~" + "+".join(covariates))
    _assert_same(ours, cs)
    assert ours.n == ub["countyreal"].nunique()


def test_rc_singular_cell_design_is_a_clear_error(mpdta_x):
    # a covariate that is constant within the treated cohort at its base period: its outcome regression
    # (dr) is singular there -> a DataValidationError naming the cell, not a LinAlgError
    df = mpdta_x.copy()
    df.loc[df["first.treat"] == 2004, "xtv"] = 1.0
    df = df.drop(index=df.index[(df["countyreal"] == df["countyreal"].iloc[0]) & (df["year"] == 2005)])
    with pytest.warns(PanelWarning), pytest.raises(DataValidationError, match=r"ATT\(g,t\) \(2004,\d+\).*singular"):
        att_gt(df, **KW, covariates=["xtv"], unbalanced="rc")


def test_pretest_warns_when_restrictions_are_many_relative_to_units():
    """With 48 pre-period cells from 80 units the chi2 pre-test over-rejects a true null (here: in more than
    half of 40 simulated panels with parallel trends), so the result carries a note saying so; mpdta
    (5 restrictions, 500 units) carries none."""
    rng = np.random.default_rng(7)
    units, periods = 80, 20
    cohorts = np.repeat([0, 8, 12, 16, 20], units // 5)
    rejections = []
    for _ in range(40):
        y = rng.normal(size=units)[:, None] + rng.normal(size=periods)[None, :] + rng.normal(size=(units, periods))
        df = pd.DataFrame({"unit": np.repeat(np.arange(units), periods),
                           "time": np.tile(np.arange(1, periods + 1), units),
                           "g": np.repeat(cohorts, periods), "y": y.ravel()})
        res = att_gt(df, y="y", unit="unit", time="time", cohort="g")
        rejections.append(res.pretest["p_value"] < 0.05)
    assert np.mean(rejections) > 0.5
    assert any("over-rejects" in note for note in res.notes) and "over-rejects" in str(res.summary())
    mp = att_gt(govstudy.load("mpdta"), y="lemp", unit="countyreal", time="year", cohort="first.treat")
    assert not any("over-rejects" in note for note in mp.notes)


# ---------------------------------------------------------------------------- missing covariates, empty aggregations,
# pre-test note, propensity-score separation
def test_missing_covariate_is_reported_and_units_reflect_what_was_used(mpdta):
    """Missing covariates are treated like missing outcomes (never imputed, each ATT(g,t) uses the units it can),
    but no longer silently: a PanelWarning names the covariate and the counts, the result carries a note, and
    info["Units"] counts the units used. Units whose covariate is missing everywhere drop out completely, so the
    estimates and SEs equal those without them (abs 1e-12)."""
    gone = mpdta["countyreal"].drop_duplicates().iloc[[0, 10, 300]].tolist()
    df = mpdta.copy()
    df.loc[df["countyreal"].isin(gone), "lpop"] = np.nan
    with pytest.warns(PanelWarning, match=r"missing covariate values: 'lpop' for 3 units.*3 of 500 units lose "
                                          r"\d+ unit-period observations, and 3 units enter no ATT\(g,t\)"):
        r = att_gt(df, **KW, covariates=["lpop"])
    assert r.info["Units"] == 497
    assert any("missing covariate values (lpop)" in note for note in r.notes) and "lpop" in str(r.summary())
    ref = att_gt(mpdta[~mpdta["countyreal"].isin(gone)], **KW, covariates=["lpop"])
    np.testing.assert_allclose(r.att, ref.att, atol=1e-12)
    np.testing.assert_allclose(r.se, ref.se, atol=1e-12)
    # a covariate missing at one period only: the unit is left out of the cells with that base period only
    df = mpdta.copy()
    df.loc[(df["countyreal"] == gone[0]) & (df["year"] == 2003), "lpop"] = np.nan
    with pytest.warns(PanelWarning, match=r"'lpop' for 1 units.*1 of 500 units lose 1 unit-period observations; "):
        r1 = att_gt(df, **KW, covariates=["lpop"])
    assert r1.info["Units"] == 500


def test_missing_covariate_in_repeated_cross_sections_is_reported(mpdta):
    df = mpdta.drop(index=mpdta.index[[1, 7]]).copy()          # unbalanced -> the rc path
    df.loc[df.index[[20, 21, 22]], "lpop"] = np.nan
    with pytest.warns(PanelWarning) as rec:
        r = att_gt(df, **KW, covariates=["lpop"], unbalanced="rc")
    msgs = [str(w.message) for w in rec]
    assert any("missing covariate values: 'lpop' for 1 units" in m and "that observation only" in m
               and "lose 3 unit-period observations" in m for m in msgs), msgs
    assert r.info["Units"] == 500 and any("missing covariate" in note for note in r.notes)


def test_aggregate_with_no_selected_cells_is_a_clear_error(res):
    avail = r"available are \[-3, -2, -1, 0, 1, 2, 3\] \(post-treatment: \[0, 1, 2, 3\]\)"
    with pytest.raises(ValueError, match=r"aggregate\('group', min_e=-inf, max_e=-1\): cohort\(s\) "
                                         r"\[2004, 2006, 2007\] have no post-treatment.*" + avail):
        res.aggregate("group", max_e=-1)
    with pytest.raises(ValueError, match=r"aggregate\('simple', min_e=-inf, max_e=-1\).*" + avail):
        res.aggregate("simple", max_e=-1)
    with pytest.raises(ValueError, match=r"aggregate\('dynamic', min_e=5, max_e=inf\): no event time.*" + avail):
        res.aggregate("dynamic", min_e=5)
    with pytest.raises(ValueError, match=r"max_e=-1\): no post-treatment event time.*" + avail):
        res.aggregate("dynamic", max_e=-1)
    # a non-empty selection still works (R did's aggte with max_e=1: e = 0, 1 only)
    assert res.aggregate("dynamic", min_e=0, max_e=1).tidy(overall=False)["event_time"].tolist() == [0, 1]


def test_pretest_note_only_with_many_restrictions(mpdta):
    """One restriction from 6 units (and 5 from 40 counties of mpdta) used to trigger the 'over-rejects badly'
    note (df > n/10); it now needs df >= 10 as well."""
    df = pd.DataFrame({"id": np.repeat(np.arange(6), 3), "t": np.tile([1, 2, 3], 6),
                       "g": np.repeat([3, 3, 3, 0, 0, 0], 3),
                       "y": np.random.default_rng(0).normal(size=18)})
    small = att_gt(df, y="y", unit="id", time="t", cohort="g")
    assert small.pretest["df"] == 1 and not any("over-rejects" in note for note in small.notes)
    sub = mpdta[mpdta["countyreal"].isin(mpdta["countyreal"].drop_duplicates().iloc[::12])]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PanelWarning)       # a single-unit cohort in this subset
        r = att_gt(sub, **KW)
    assert r.pretest["df"] == 5 and r.n < 50 and not any("over-rejects" in note for note in r.notes)


def _separation_panel(kind):
    rng = np.random.default_rng(0)
    n, T = 60, 4
    g = np.repeat([0, 3], n // 2)
    if kind == "complete":      # x > 0 exactly for the treated cohort: no overlap at all
        x = np.where(g > 0, rng.uniform(1, 2, n), rng.uniform(-2, -1, n))
    else:
        x = rng.normal(size=n)
    z = np.zeros(n)
    z[:3] = 1.0                 # a category only three controls have: quasi-separation
    y = rng.normal(size=(n, T)) + x[:, None]
    return pd.DataFrame({"id": np.repeat(np.arange(n), T), "t": np.tile(np.arange(1, T + 1), n),
                         "g": np.repeat(g, T), "x": np.repeat(x, T), "z": np.repeat(z, T), "y": y.ravel()})


@pytest.mark.parametrize("method", ["dr", "ipw"])
def test_complete_separation_of_the_propensity_score_is_an_error(method):
    # before: silently an ATT with SEs of ~1e16
    with pytest.raises(DataValidationError, match=r"ATT\(g,t\) \(3,2\): the propensity score.*separated") as err:
        att_gt(_separation_panel("complete"), y="y", unit="id", time="t", cohort="g", covariates=["x"], method=method)
    assert err.value.rule == "ps-overlap"


@pytest.mark.parametrize("unbalanced", ["keep", "rc"])
def test_quasi_separation_of_the_propensity_score_warns(unbalanced):
    """Three controls with z = 1 (no treated unit has it): the logit does not converge and their fitted
    probabilities hit 0. Now a PanelWarning naming the cells and a note; the IPW estimate equals the one without
    those controls and without z (abs 1e-8: their weight is ~exp(-50))."""
    df = _separation_panel("quasi")
    if unbalanced == "rc":
        df = df.drop(index=[10])
    kw = dict(y="y", unit="id", time="t", cohort="g", method="ipw", unbalanced=unbalanced)
    with pytest.warns(PanelWarning, match=r"propensity score .*ATT\(g,t\) \(3,2\).*did not converge.*numerically 0 "
                                          r"or 1 for \d+ of \d+ observations \(quasi-separation\)"):
        r = att_gt(df, **kw, covariates=["x", "z"])
    assert any("limited overlap" in note and "(3,2), (3,3), (3,4)" in note for note in r.notes)
    with warnings.catch_warnings():
        warnings.simplefilter("error", PanelWarning)        # a well-behaved propensity score stays silent
        ref = att_gt(df[df["z"] == 0], **kw, covariates=["x"])
    np.testing.assert_allclose(r.att, ref.att, atol=1e-8)
