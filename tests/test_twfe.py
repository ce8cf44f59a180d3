"""TWFE: organ donations reference (4 decimals: abs=5e-5) and pyfixest cross-checks (rel=1e-6)."""

import numpy as np
import pandas as pd
import pyfixest as pf
import pytest

import govstudy
from govstudy import DataValidationError, Panel, twfe
from govstudy.estimators import CollinearityWarning, FewTreatedClustersWarning
from govstudy.panel import PanelWarning


@pytest.fixture(scope="module")
def organ():
    df = govstudy.load("organ_donations")
    return df.assign(Treated=((df["State"] == "California") & (df["Quarter_Num"] > 3)).astype(int))


@pytest.fixture(scope="module")
def mpdta():
    df = govstudy.load("mpdta")
    return df.assign(D=((df["first.treat"] > 0) & (df["year"] >= df["first.treat"])).astype(int))


def test_bundled_benchmarks_equal_shared_copies(shared_dir):
    for name in ["kielmc", "organ_donations", "mpdta", "california_prop99"]:
        ref = pd.read_csv(shared_dir / "reference" / "estimators" / f"{name}.csv")
        pd.testing.assert_frame_equal(govstudy.load(name).reset_index(drop=True), ref, check_dtype=False)


def test_organ_donations_reference(organ):
    with pytest.warns(FewTreatedClustersWarning, match="only 1 treated cluster.*unreliable.*wild_cluster_bootstrap"):
        r = twfe(organ, y="Rate", treat="Treated", unit="State", time="Quarter_Num", vcov="cluster", cluster="State")
    assert r.estimate == pytest.approx(-0.0225, abs=5e-5)
    assert r.std_error == pytest.approx(0.0061, abs=5e-5)
    assert r.info["Treated clusters"] == 1
    assert any("1 treated cluster(s)" in n for n in r.notes)


@pytest.mark.parametrize("vcov, pvcov", [("iid", "iid"), ("hc1", "hetero"), ("cluster", {"CRV1": "State"})])
def test_organ_matches_pyfixest(organ, vcov, pvcov):
    m = pf.feols("Rate ~ Treated | State + Quarter_Num", organ, vcov=pvcov)
    with pytest.warns(FewTreatedClustersWarning) if vcov == "cluster" else _nowarn():
        r = twfe(organ, y="Rate", treat="Treated", unit="State", time="Quarter_Num", vcov=vcov)
    assert r.estimate == pytest.approx(m.coef().iloc[0], rel=1e-6)
    assert r.std_error == pytest.approx(m.se().iloc[0], rel=1e-6)


class _nowarn:
    def __enter__(self):
        return self

    def __exit__(self, *a):
        return False


def test_mpdta_covariates_weights_unbalanced_match_pyfixest(mpdta):
    rng = np.random.default_rng(7)
    df = mpdta.assign(w=rng.uniform(0.5, 2, len(mpdta)), x=rng.normal(size=len(mpdta)))
    df["w"] = df.groupby("countyreal")["w"].transform("first")
    ub = df.drop(index=rng.choice(len(df), 300, replace=False))
    for data in (df, ub):
        m = pf.feols("lemp ~ D + x | countyreal + year", data, vcov={"CRV1": "countyreal"}, weights="w")
        r = twfe(Panel(data, unit="countyreal", time="year", y="lemp", treat="D", covariates=["x"], weights="w", balance="keep"),
                 y="lemp", treat="D", covariates=["x"], weights="w")
        np.testing.assert_allclose(r.coef.to_numpy(), m.coef().to_numpy(), rtol=1e-6)
        np.testing.assert_allclose(r.std_errors.to_numpy(), m.se().to_numpy(), rtol=1e-6)


def test_singletons_dropped_like_fixest(mpdta):
    df = mpdta[~((mpdta["countyreal"] == 8001) & (mpdta["year"] > 2003))]  # county 8001 left with one row
    with pytest.warns(PanelWarning, match="1 singleton observation"):
        r = twfe(df, y="lemp", treat="D", unit="countyreal", time="year", vcov="iid")
    m = pf.feols("lemp ~ D | countyreal + year", df, vcov="iid")
    assert r.nobs == m._N == len(df) - 1
    assert r.std_error == pytest.approx(m.se().iloc[0], rel=1e-6)


def test_collinear_covariate_dropped_with_warning_and_treatment_error(mpdta):
    df = mpdta.assign(lpop2=2 * mpdta["lpop"] + 1, z=mpdta["lemp"] * 0 + mpdta["year"])
    with pytest.warns(CollinearityWarning, match=r"\['z'\]"):
        twfe(df, y="lemp", treat="D", unit="countyreal", time="year", covariates=["z"])  # absorbed by the year FE
    with pytest.raises(DataValidationError, match=r"\['D'\] is collinear"):
        twfe(df.assign(D=(df["year"] >= 2005).astype(int)), y="lemp", treat="D", unit="countyreal", time="year")


def test_bad_panels(mpdta):
    with pytest.raises(DataValidationError, match="duplicate unit-period row"):
        twfe(pd.concat([mpdta, mpdta.iloc[[5]]]), y="lemp", treat="D", unit="countyreal", time="year")
    df = mpdta.copy()
    df.loc[(df["countyreal"] == 8001) & (df["year"] == 2007), "D"] = 0
    df.loc[(df["countyreal"] == 8001) & (df["year"] == 2006), "D"] = 1
    r = twfe(df, y="lemp", treat="D", unit="countyreal", time="year")     # a treatment that switches off is fine
    m = pf.feols("lemp ~ D | countyreal + year", df, vcov={"CRV1": "countyreal"})
    assert r.estimate == pytest.approx(m.coef().iloc[0], rel=1e-6)
    with pytest.raises(DataValidationError, match="switches off for unit 8001.*twfe and did_2x2"):
        govstudy.event_study(df, y="lemp", treat="D", unit="countyreal", time="year")
    with pytest.raises(DataValidationError, match="every row"):
        twfe(mpdta.assign(lemp=np.nan), y="lemp", treat="D", unit="countyreal", time="year")


def test_result_interface(organ):
    with pytest.warns(FewTreatedClustersWarning):
        r = twfe(organ, y="Rate", treat="Treated", unit="State", time="Quarter_Num")
    t = r.tidy()
    assert t.loc[0, "ci_low"] < r.estimate < t.loc[0, "ci_high"]
    assert "CRV1" in r.summary() and "<table" in r._repr_html_()
    assert r.plot() is not None
