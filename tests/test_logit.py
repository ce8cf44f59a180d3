"""The propensity-score logit (govstudy.estimators.logit): R glm.fit's IRLS with step-halving, LP separation check.

Tolerances are stated per test. statsmodels' GLM(Binomial) is the independent reference; csdid for att_gt.
"""

import warnings

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from csdid.att_gt import ATTgt

import govstudy
from govstudy.estimators.logit import LogitFit, SeparationError, fit_logit, separated
from govstudy.panel import PanelWarning


def _sm(D, X, w=None, tol=1e-13):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return sm.GLM(D, X, family=sm.families.Binomial(), freq_weights=w).fit(tol=tol, maxiter=200)


def _lalonde_like(seed, n=700):
    """NSW/CPS-like covariates: earnings in dollars (many zeros, lognormal, top-coded at 40,000)."""
    rng = np.random.default_rng(seed)
    age = rng.integers(17, 56, n).astype(float)
    educ = np.clip(np.round(rng.normal(10.5, 2.5, n)), 3, 18)
    black = (rng.uniform(size=n) < 0.6).astype(float)
    hisp = ((rng.uniform(size=n) < 0.25) & (black == 0)).astype(float)
    married = (rng.uniform(size=n) < 0.3).astype(float)
    nodeg = (educ < 12).astype(float)
    re74 = np.minimum(rng.lognormal(8.8, 1.0, n) * (rng.uniform(size=n) > 0.5), 40000.0)
    re75 = np.minimum(rng.lognormal(8.8, 1.0, n) * (rng.uniform(size=n) > 0.45), 40000.0)
    X = np.column_stack([np.ones(n), age, educ, black, hisp, married, nodeg, re74, re75])
    idx = -0.8 - 0.04 * (age - 30) - 0.1 * (educ - 10) + 0.9 * black + 0.4 * hisp - 0.6 * married + 0.5 * nodeg \
        - 1.2e-4 * re74 - 0.8e-4 * re75
    D = (rng.uniform(size=n) < 1 / (1 + np.exp(-idx))).astype(float)
    return D, X


@pytest.mark.parametrize("seed", range(6))
def test_agrees_with_statsmodels_on_random_designs(seed):
    """Random designs, prior weights, both tight: coefficients rel 1e-8, probabilities and (X'WX)^-1 abs/rel 1e-8."""
    rng = np.random.default_rng(seed)
    n, k = 300 + 100 * seed, 2 + seed % 4
    X = np.column_stack([np.ones(n), rng.normal(size=(n, k - 1)) * rng.uniform(0.5, 3, k - 1)])
    beta = rng.normal(size=k) * 0.7
    D = (rng.uniform(size=n) < 1 / (1 + np.exp(-(X @ beta)))).astype(float)
    w = rng.uniform(0.2, 3, n)
    f = fit_logit(D, X, w, tol=1e-13)
    r = _sm(D, X, w)
    assert isinstance(f, LogitFit) and f.converged and f.problem is None
    np.testing.assert_allclose(f.coef, r.params, rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(f.p, r.fittedvalues, atol=1e-8)
    np.testing.assert_allclose(f.hinv, r.cov_params(), rtol=1e-6)     # sm's cov uses the previous IRLS weights
    # R's defaults (tol 1e-8, at most 25 iterations): the same MLE to 1e-6 in probabilities
    d = fit_logit(D, X, w)
    assert d.converged and d.iterations <= 10
    np.testing.assert_allclose(d.p, r.fittedvalues, atol=1e-6)


@pytest.mark.parametrize("seed", range(4))
def test_lalonde_like_dollar_covariates_converge_and_match_statsmodels(seed):
    """~700 units, age, educ, black, hispanic, married, nodegree, re74, re75 (dollars, 0..40,000, half zeros),
    ~30% treated, overlapping. The old _logit (full Newton steps from the mean, no step-halving, normal-equation
    solves, step-size convergence 1e-10 within 50 iterations) is what the DRDID LaLonde report was about; this
    fit: R's IRLS from mustart with QR solves. Converges in R-like iteration counts (<= 10), no problem, matches
    statsmodels (probabilities abs 1e-8, coefficients rel 1e-7 -- the dollar slopes are ~1e-4), and the fit is the
    same with earnings in thousands (probabilities abs 1e-10: QR makes column scale irrelevant)."""
    D, X = _lalonde_like(seed)
    assert 0.15 < D.mean() < 0.5
    f = fit_logit(D, X, tol=1e-13)
    r = _sm(D, X)
    assert f.converged and f.problem is None and f.iterations <= 10 and not f.separated.any()
    np.testing.assert_allclose(f.p, r.fittedvalues, atol=1e-8)
    np.testing.assert_allclose(f.coef, r.params, rtol=1e-7, atol=1e-12)
    Xk = X.copy()
    Xk[:, 7:] /= 1000
    g = fit_logit(D, Xk, tol=1e-13)
    np.testing.assert_allclose(g.p, f.p, atol=1e-10)
    np.testing.assert_allclose(g.coef[7:] / 1000, f.coef[7:], rtol=1e-7)


def test_step_halving_rescues_an_overshooting_start():
    """A single strong dollar-scale covariate (slope ~ 1/2,000 per dollar, range 0..60,000): every fit here must
    converge to statsmodels' MLE (probabilities abs 1e-8) without a problem report, and a deliberately huge
    prior weight on a few rows (large first steps) must not make it diverge."""
    rng = np.random.default_rng(11)
    n = 700
    x = rng.uniform(0, 60000, n)
    X = np.column_stack([np.ones(n), x])
    D = (rng.uniform(size=n) < 1 / (1 + np.exp(-(x - 30000) / 2000))).astype(float)
    w = np.ones(n)
    w[:5] = 200.0
    f = fit_logit(D, X, w, tol=1e-13)
    r = _sm(D, X, w)
    assert f.converged and not f.separated.any()
    np.testing.assert_allclose(f.p, r.fittedvalues, atol=1e-8)


def test_near_separation_well_posed_converges_without_a_report():
    """x separates the groups except for two units on the wrong side: the MLE is finite (large slope, fitted
    probabilities down to ~1e-5). Converges, no separation found by the LP, no problem text; probabilities
    match statsmodels to abs 1e-8."""
    rng = np.random.default_rng(3)
    n = 400
    D = np.repeat([0.0, 1.0], n // 2)
    x = np.where(D == 1, rng.uniform(0.05, 2, n), rng.uniform(-2, -0.05, n))
    x[0], x[-1] = 0.3, -0.3               # one control among the treated, one treated among the controls
    X = np.column_stack([np.ones(n), x, rng.normal(size=n)])
    f = fit_logit(D, X, tol=1e-13)
    r = _sm(D, X)
    assert f.converged and f.problem is None and not f.separated.any()
    assert f.p.min() < 1e-4                 # genuinely hard: near 0/1
    mask, complete = separated(D, X)
    assert not mask.any() and not complete
    np.testing.assert_allclose(f.p, r.fittedvalues, atol=1e-8)


def test_complete_separation_raises():
    """x > 0 exactly for the treated: SeparationError (a numpy LinAlgError, which att_gt's handlers catch)."""
    rng = np.random.default_rng(0)
    D = np.repeat([0.0, 1.0], 30)
    x = np.where(D == 1, rng.uniform(1, 2, 60), rng.uniform(-2, -1, 60))
    X = np.column_stack([np.ones(60), x])
    with pytest.raises(SeparationError, match="complete separation"):
        fit_logit(D, X)
    assert issubclass(SeparationError, np.linalg.LinAlgError)
    # one-sided: every treated unit separated (x > 1 only for treated, controls spread below): still complete
    x2 = np.where(D == 1, rng.uniform(1, 2, 60), rng.uniform(-2, 1, 60))
    with pytest.raises(SeparationError):
        fit_logit(D, np.column_stack([np.ones(60), x2]))


def test_quasi_separation_is_reported_not_raised():
    """z = 1 for three controls only: those three are separated (MLE fitted probability 0), the rest overlap.
    Reported in ``problem`` (quasi-separation, count 3 of 60), the separated mask is exactly those rows; the
    other probabilities match a fit without z and those rows (abs 1e-6)."""
    rng = np.random.default_rng(0)
    D = np.repeat([0.0, 1.0], 30)
    x = rng.normal(size=60)
    z = np.zeros(60)
    z[:3] = 1.0
    f = fit_logit(D, np.column_stack([np.ones(60), x, z]))
    assert "quasi-separation" in f.problem and "3 of 60" in f.problem
    np.testing.assert_array_equal(np.flatnonzero(f.separated), [0, 1, 2])
    assert f.p[:3].max() < 1e-6
    ref = fit_logit(D[3:], np.column_stack([np.ones(57), x[3:]]))
    np.testing.assert_allclose(f.p[3:], ref.p, atol=1e-6)


def test_singular_design_is_a_plain_linalg_error():
    """A duplicated column: numpy LinAlgError, not SeparationError (att_gt reports a singular design)."""
    X = np.column_stack([np.ones(50), np.arange(50.0), np.arange(50.0)])
    D = (np.arange(50) % 2).astype(float)
    with pytest.raises(np.linalg.LinAlgError) as err:
        fit_logit(D, X)
    assert not isinstance(err.value, SeparationError)


def _dollar_panel(seed=0, n=600, T=4):
    rng = np.random.default_rng(seed)
    inc = np.minimum(rng.lognormal(9.5, 0.8, n), 60000.0)       # dollars
    age = rng.integers(20, 60, n).astype(float)
    idx = 0.5 - 4e-5 * (inc - 15000) + 0.02 * (age - 40)
    treated = rng.uniform(size=n) < 1 / (1 + np.exp(-idx))
    g = np.where(treated, rng.choice([3, 4], n), 0)
    t = np.tile(np.arange(1, T + 1), n)
    gg, ii, aa = np.repeat(g, T), np.repeat(inc, T), np.repeat(age, T)
    y = 1e-4 * ii + 0.05 * aa + 0.3 * t + np.where((gg > 0) & (t >= gg), 1.0 + 0.2 * (t - gg), 0.0) \
        + rng.normal(size=n * T)
    return pd.DataFrame({"id": np.repeat(np.arange(n), T), "t": t, "g": gg, "y": y, "inc": ii, "age": aa})


@pytest.mark.parametrize("method", ["dr", "ipw"])
def test_att_gt_with_dollar_covariates_matches_csdid(method):
    """att_gt with income in dollars (up to 60,000) and age: no propensity-score warning, ATT(g,t) equal to
    csdid's (rel 1e-6, abs 1e-9) and SEs (rel 1e-6)."""
    df = _dollar_panel()
    with warnings.catch_warnings():
        warnings.simplefilter("error", PanelWarning)
        ours = govstudy.att_gt(df, y="y", unit="id", time="t", cohort="g", covariates=["inc", "age"], method=method)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cs = ATTgt(yname="y", tname="t", idname="id", gname="g", data=df, control_group="nevertreated",
                   xformla="y~inc+age").fit(est_method=method, base_period="varying", bstrap=False)
    assert not any("propensity" in note for note in ours.notes)
    np.testing.assert_allclose(ours.att, np.asarray(cs.results["att"], float), rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(ours.se, np.asarray(cs.results["se"], float), rtol=1e-6)
