"""twfe(..., family="poisson"): PPML with absorbed unit and period effects, checked against pyfixest's fepois.

Tolerances. Both implementations run the same IRLS (start mu = (y + mean y) / 2, stop when the relative change
in deviance is below ``tol``, 1e-8 by default). With pyfixest run to ``iwls_tol = 1e-12`` (and its demeaning to
fixef_tol = 1e-12; ours is an exact projection) it sits at the converged point, and ours at its default stops
within rel 1e-9 of it in coefficients and SEs (we evaluate the variance at the final mu). At pyfixest's own
defaults it evaluates the variance at the weights of its last-but-one step (and its demeaning stops at 1e-6):
SEs agree to rel 1e-5 then, coefficients still to 1e-9.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import govstudy
from govstudy import ArgumentError, DataValidationError, SampleWarning, twfe
from govstudy.estimators.poisson import fe_poisson

pf = pytest.importorskip("pyfixest")

VCOVS = {"cluster": {"CRV1": "unit"}, "hc1": "hetero", "iid": "iid"}


def sim(nu=80, nt=8, seed=0, unbalanced=False, zero_units=3, zero_period=False):
    rng = np.random.default_rng(seed)
    df = pd.DataFrame({"unit": np.repeat(np.arange(nu), nt), "time": np.tile(np.arange(nt), nu)})
    a = rng.normal(0, 0.7, nu)
    g = rng.choice([3, 5, 99], nu)
    df["D"] = (df.time >= g[df.unit]).astype(int)
    df["x"] = rng.normal(size=len(df))
    df["y"] = rng.poisson(np.exp(0.3 + a[df.unit] + 0.1 * df.time + 0.25 * df.D + 0.2 * df.x)).astype(float)
    df.loc[df.unit < zero_units, "y"] = 0.0
    if zero_period:
        df.loc[df.time == 0, "y"] = 0.0
    if unbalanced:
        df = df.sample(frac=0.85, random_state=seed).reset_index(drop=True)
    df["w"] = rng.uniform(0.5, 2.0, len(df))
    return df


def quiet(f, *a, **k):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return f(*a, **k)


def assert_same(ours, peer, rtol, rtol_coef=1e-9):
    np.testing.assert_allclose(ours.coef.to_numpy(), peer.coef().to_numpy(), rtol=rtol_coef, atol=0)
    np.testing.assert_allclose(ours.std_errors.to_numpy(), peer.se().to_numpy(), rtol=rtol, atol=0)
    assert ours.nobs == peer._N


@pytest.mark.parametrize("unbalanced", [False, True])
@pytest.mark.parametrize("vcov", list(VCOVS))
def test_equals_fepois_converged(unbalanced, vcov):
    df = sim(unbalanced=unbalanced, seed=1)
    ours = quiet(twfe, df, y="y", treat="D", unit="unit", time="time", covariates="x", vcov=vcov, family="poisson")
    peer = quiet(pf.fepois, "y ~ D + x | unit + time", data=df, vcov=VCOVS[vcov], fixef_tol=1e-12, iwls_tol=1e-12)
    assert list(ours.coef.index) == ["D", "x"]
    assert_same(ours, peer, 1e-9)    # converged points; our default tol 1e-8 is already this close here
    assert ours.df == (peer._N - peer._df_k if vcov != "cluster" else peer._G[0] - 1)


@pytest.mark.parametrize("unbalanced", [False, True])
def test_equals_fepois_defaults_weights_no_covariate(unbalanced):
    df = sim(unbalanced=unbalanced, seed=3)
    ours = quiet(twfe, df, y="y", treat="D", unit="unit", time="time", family="poisson")
    assert_same(ours, quiet(pf.fepois, "y ~ D | unit + time", data=df, vcov={"CRV1": "unit"}), 1e-5)
    ours = quiet(twfe, df, y="y", treat="D", unit="unit", time="time", covariates="x", weights="w", family="poisson")
    assert_same(ours, quiet(pf.fepois, "y ~ D + x | unit + time", data=df, vcov={"CRV1": "unit"}, weights="w"), 1e-5)


def test_all_zero_units_and_periods_dropped_with_a_count():
    df = sim(zero_units=4, zero_period=True, seed=5)
    with pytest.warns(SampleWarning, match=r"outcome 0 in every row of 4 level\(s\) of 'unit' \(32 rows\) and "
                                           r"1 level\(s\) of 'time' \(76 rows\)"):
        ours = twfe(df, y="y", treat="D", unit="unit", time="time", family="poisson")
    assert ours.nobs == len(df) - 32 - 76
    assert ours.info["Fixed effects"] == "unit (76), time (7)"
    peer = quiet(pf.fepois, "y ~ D | unit + time", data=df, vcov={"CRV1": "unit"}, fixef_tol=1e-12,
                 iwls_tol=1e-12)
    assert_same(ours, peer, 1e-9)


@pytest.fixture(scope="module")
def sf311_quarters():
    from govstudy import appeals
    p = quiet(appeals.to_panel, govstudy.datasets.path("sf311_sample"), columns="sf311", freq="Q")
    p = p[["community", "period", "n_received", "n_category_Street Defects"]].rename(
        columns={"n_category_Street Defects": "street_defects"})
    # a placebo adoption (neighbourhoods A-L from 2012 on): the check is numerical, on a real count outcome
    # with zeros, an unbalanced panel and all-zero neighbourhoods
    p["placebo"] = ((p.community < "M") & (p.period.str[:4] >= "2012")).astype(int)
    p["unit"] = pd.factorize(p.community)[0]
    p["time"] = pd.factorize(p.period, sort=True)[0]
    return p


def test_equals_fepois_on_sf311_counts(sf311_quarters):
    df = sf311_quarters
    assert (df.groupby("community").street_defects.sum() == 0).any()
    with pytest.warns(SampleWarning, match="outcome 0 in every row"):
        ours = twfe(df, y="street_defects", treat="placebo", unit="community", time="period", family="poisson")
    peer = quiet(pf.fepois, "street_defects ~ placebo | unit + time", data=df, vcov={"CRV1": "unit"},
                 fixef_tol=1e-12, iwls_tol=1e-12)
    assert_same(ours, peer, 1e-9)


def test_relative_effect_delta_method():
    df = sim(seed=2)
    res = quiet(twfe, df, y="y", treat="D", unit="unit", time="time", covariates="x", family="poisson")
    rel = res.relative().set_index("term")
    b, se = res.coef["D"], res.std_error
    assert rel.loc["D", "estimate"] == pytest.approx(np.exp(b) - 1, rel=1e-14)
    # the delta method: gradient of exp(b) - 1 by a central difference, times the SE
    h = 1e-6
    grad = (np.expm1(b + h) - np.expm1(b - h)) / (2 * h)
    assert rel.loc["D", "std_error"] == pytest.approx(grad * se, rel=1e-8)
    lo, hi = res.tidy().set_index("term").loc["D", ["ci_low", "ci_high"]]
    assert rel.loc["D", ["ci_low", "ci_high"]].tolist() == pytest.approx([np.expm1(lo), np.expm1(hi)], rel=1e-12)
    text = str(res.summary())
    assert "PPML" in text and "exp(b) - 1 is the proportional effect" in text
    assert f"exp(b) - 1 = {np.expm1(b):.4f}" in text


def test_gaussian_default_unchanged():
    df = sim(seed=4)
    a = quiet(twfe, df, y="y", treat="D", unit="unit", time="time", covariates="x")
    b = quiet(twfe, df, y="y", treat="D", unit="unit", time="time", covariates="x", family="gaussian")
    assert a.method == b.method == "Two-way fixed effects (OLS)"
    assert a.coef.to_numpy().tobytes() == b.coef.to_numpy().tobytes()
    assert a.vcov.to_numpy().tobytes() == b.vcov.to_numpy().tobytes()
    assert a.fit_design is not None and getattr(quiet(twfe, df, y="y", treat="D", unit="unit", time="time",
                                                      family="poisson"), "fit_design", None) is None


def test_bad_inputs():
    df = sim(seed=6)
    with pytest.raises(ArgumentError, match="family must be one of 'gaussian', 'poisson'"):
        twfe(df, y="y", treat="D", unit="unit", time="time", family="logit")
    df.loc[10, "y"] = -1.0
    with pytest.raises(DataValidationError, match=r"column 'y', row 11: family='poisson' needs an outcome >= 0"):
        twfe(df, y="y", treat="D", unit="unit", time="time", family="poisson")


def test_engine_without_fixed_effects_is_a_glm():
    # no fixed effects: an intercept column; the MLE of a saturated two-group Poisson model is the log ratio
    # of the group means, with iid variance 1/sum(y) per group (here (n-1)/(n-k) scaled, as fixest)
    rng = np.random.default_rng(7)
    x = np.repeat([0.0, 1.0], 200)
    y = rng.poisson(np.where(x == 1, 4.0, 2.0)).astype(float)
    fit = fe_poisson(y, np.column_stack([np.ones(400), x]), ["const", "x"], [], [])
    m0, m1 = y[x == 0].mean(), y[x == 1].mean()
    assert fit.coef["x"] == pytest.approx(np.log(m1 / m0), rel=1e-9)
    var = (1 / y[x == 0].sum() + 1 / y[x == 1].sum()) * 399 / 398
    assert fit.vcov.loc["x", "x"] == pytest.approx(var, rel=1e-7)


@pytest.mark.parametrize("which", ["wild", "ri"])
def test_resampling_refuses_poisson(which):
    df = sim(seed=8)
    res = quiet(twfe, df, y="y", treat="D", unit="unit", time="time", family="poisson")
    f = govstudy.wild_cluster_bootstrap if which == "wild" else govstudy.randomization_inference
    with pytest.raises(ArgumentError, match="Poisson .*least-squares fits of govstudy.twfe"):
        f(res, B=99, seed=1)
