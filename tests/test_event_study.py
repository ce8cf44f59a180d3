"""Event study on mpdta: TWFE dynamic spec vs pyfixest (rel=1e-6); Sun & Abraham post periods vs the reference (abs=5e-5)."""

import numpy as np
import pandas as pd
import pyfixest as pf
import pytest

import govstudy
from govstudy import DataValidationError, event_study

KW = dict(y="lemp", unit="countyreal", time="year", cohort="first.treat")
SA_POST = [-0.0199, -0.0510, -0.1373, -0.1008]  # = CS dynamic e = 0..3 (reference README)


@pytest.fixture(scope="module")
def mpdta():
    df = govstudy.load("mpdta")
    return df.assign(rel=np.where(df["first.treat"] > 0, df["year"] - df["first.treat"], -1))


def test_twfe_event_study_matches_pyfixest(mpdta):
    r = event_study(mpdta, **KW)
    m = pf.feols("lemp ~ i(rel, ref=-1) | countyreal + year", mpdta, vcov={"CRV1": "countyreal"})
    t = r.event_times()
    t = t[t["event_time"] != -1]
    np.testing.assert_allclose(t["estimate"], m.coef().to_numpy(), rtol=1e-6)
    np.testing.assert_allclose(t["std_error"], m.se().to_numpy(), rtol=1e-6)
    # joint pre-trend Wald F from pyfixest's coefficients and vcov
    b = m.coef().to_numpy()[:3]
    V = m._vcov[:3, :3]
    assert r.pretrend["stat"] == pytest.approx(float(b @ np.linalg.solve(V, b)) / 3, rel=1e-6)
    assert r.pretrend["df1"] == 3 and 0 < r.pretrend["p_value"] < 1


def test_window_bins_endpoints(mpdta):
    r = event_study(mpdta, **KW, window=(-2, 2), vcov="hc1")
    d = mpdta.assign(rb=mpdta["rel"].clip(-2, 2))
    m = pf.feols("lemp ~ i(rb, ref=-1) | countyreal + year", d, vcov="hetero")
    t = r.event_times()
    assert t["event_time"].tolist() == [-2, -1, 0, 1, 2]
    np.testing.assert_allclose(t[t["event_time"] != -1]["estimate"], m.coef().to_numpy(), rtol=1e-6)
    np.testing.assert_allclose(t[t["event_time"] != -1]["std_error"], m.se().to_numpy(), rtol=1e-6)


def test_sun_abraham_reference_and_cohort_regression(mpdta):
    r = event_study(mpdta, **KW, method="sun_abraham")
    t = r.event_times()
    post = t[t["event_time"] >= 0]
    assert post["event_time"].tolist() == [0, 1, 2, 3]
    np.testing.assert_allclose(post["estimate"], SA_POST, atol=5e-5)  # 4 printed decimals
    assert r.estimate == pytest.approx(-0.0772, abs=5e-5)  # average of e >= 0 = CS dynamic overall
    # the saturated cohort x relative-time regression equals pyfixest's
    d = mpdta.assign(cr=np.where(mpdta["first.treat"] > 0, mpdta["first.treat"].astype(str) + "_" +
                                 mpdta["rel"].astype(str), "never"))
    d.loc[d["rel"] == -1, "cr"] = "never"
    m = pf.feols("lemp ~ C(cr, Treatment('never')) | countyreal + year", d, vcov={"CRV1": "countyreal"})
    ours = r.cohort_effects
    theirs = {k.split("[T.")[1].rstrip("]"): v for k, v in m.coef().items()}
    for name, val in ours.items():
        g, e = name.replace("cohort=", "").replace(" e=", "").split(",")
        assert val == pytest.approx(theirs[f"{g}_{e}"], rel=1e-6)


def test_plot_and_interface(mpdta):
    r = event_study(mpdta, **KW, window=(-3, 3))
    ax = r.plot()
    assert ax.get_xlabel() == "periods relative to treatment"
    assert "Pre-trend test" in r.summary()
    assert "avg(e>=0)" in r.tidy()["term"].tolist()


def test_bad_inputs(mpdta):
    with pytest.raises(DataValidationError, match="no unit is treated within the panel"):
        event_study(mpdta.assign(g=0), y="lemp", unit="countyreal", time="year", cohort="g")
    with pytest.raises(DataValidationError, match="duplicate unit-period"):
        event_study(pd.concat([mpdta, mpdta.iloc[[0]]]), **KW)
    with pytest.raises(ValueError, match="inside window"):
        event_study(mpdta, **KW, window=(0, 2))


@pytest.mark.parametrize("method", ["twfe", "sun_abraham"])
def test_treated_units_without_observed_outcomes_are_named(mpdta, method):
    """Used to say 'no post-treatment relative periods in the data' (the relative periods exist; the outcome
    does not): now the error names the outcome column."""
    df = mpdta.copy()
    df.loc[df["first.treat"] > 0, "lemp"] = np.nan
    with pytest.raises(DataValidationError, match="treated units have no observed outcome.*'lemp' is missing") as e:
        event_study(df, **KW, method=method)
    assert e.value.column == "lemp" and e.value.rule == "treated-outcome-observed"
    df = mpdta.copy()
    df.loc[(df["first.treat"] > 0) & (df["year"] >= df["first.treat"]), "lemp"] = np.nan
    with pytest.raises(DataValidationError, match="no observed outcome from their first treated period on: 'lemp'") as e:
        event_study(df, **KW, method=method)
    assert e.value.column == "lemp"
