"""Synthetic control / synthetic DiD: Arkhangelsky et al. (2021) Table 1 on California's Proposition 99.

Published (Table 1): SDID -15.6 (8.4), SC -19.6 (9.9), DiD -27.3 (17.7); SEs by placebo (Algorithm 4,
200 random replications in the authors' code).

Point estimates are checked at the published precision (one decimal). Standard errors: with one treated
unit there are only 38 distinct placebo assignments, and we enumerate them all, which is the
replications -> infinity limit of the published random version. The published value is itself a
200-draw Monte-Carlo estimate of that limit: resampling our 38 placebo estimates 200 at a time gives a
Monte-Carlo standard deviation of about 7% (SDID) and 8% (SC) of the SE. We require agreement within
15% (about two Monte-Carlo standard deviations). We get 9.37, 10.62 and 17.29.
"""

from __future__ import annotations

import matplotlib
import numpy as np
import pytest

import govstudy
from govstudy.errors import DataValidationError
from govstudy.estimators.synth import PoorFitWarning, SynthResult, simplex_lstsq, synth

matplotlib.use("Agg")

PUBLISHED = {"sdid": (-15.6, 8.4), "sc": (-19.6, 9.9), "did": (-27.3, 17.7)}
SE_TOL = 0.15
ARGS = {"y": "PacksPerCapita", "unit": "State", "time": "Year", "treated_unit": "California", "treat_time": 1989}


@pytest.fixture(scope="module")
def prop99():
    return govstudy.load("california_prop99")


@pytest.fixture(scope="module")
def fits(prop99):
    return {m: synth(prop99, **ARGS, method=m) for m in PUBLISHED}


@pytest.mark.parametrize("method", list(PUBLISHED))
def test_prop99_point_estimates(fits, method):
    assert round(fits[method].estimate, 1) == PUBLISHED[method][0]


@pytest.mark.parametrize("method", list(PUBLISHED))
def test_prop99_placebo_se_within_placebo_noise(fits, method):
    se, pub = fits[method].std_error, PUBLISHED[method][1]
    assert abs(se - pub) / pub < SE_TOL, (method, se, pub)
    assert "enumerated" in fits[method].se_info


def test_prop99_unit_and_time_weights(fits):
    for m, r in fits.items():
        w = r.unit_weights["weight"].to_numpy()
        assert len(w) == 38 and (w >= 0).all() and abs(w.sum() - 1) < 1e-12
        assert "California" not in set(r.unit_weights["State"])
    tw = fits["sdid"].time_weights["weight"].to_numpy()
    assert (tw >= 0).all() and abs(tw.sum() - 1) < 1e-12
    assert fits["sc"].time_weights is None
    # SC concentrates on a few states (Utah, Montana, Nevada, Connecticut ...), SDID spreads weight
    top_sc = fits["sc"].unit_weights.head(4)["State"].tolist()
    assert set(top_sc) == {"Utah", "Montana", "Nevada", "Connecticut"}
    assert (fits["sdid"].unit_weights["weight"] > 0.01).sum() > (fits["sc"].unit_weights["weight"] > 0.01).sum()


def test_prop99_fit_placebos_and_output(fits):
    r = fits["sdid"]
    traj = r.trajectory
    assert len(traj) == 31 and traj["post"].sum() == 12
    assert np.isclose(traj.loc[traj["post"], "gap"].mean(), r.estimate)
    assert r.pre_rmspe < 3  # good pre-treatment fit
    # California's post/pre RMSPE ratio is the largest of the 39 states under SDID
    assert len(r.placebos) == 38 and r.rmspe_p_value == pytest.approx(1 / 39)
    t = r.tidy()
    assert list(t.columns) == ["term", "estimate", "std_error", "statistic", "p_value", "ci_low", "ci_high", "p_value_method"]
    assert t["ci_low"].iloc[0] < r.estimate < t["ci_high"].iloc[0]
    s = str(r.summary())
    assert "Nevada" in s and "RMSPE" in s
    assert "<div>" in r._repr_html_() and "SynthResult sdid" in repr(r)
    for kind in ("trajectory", "gap", "placebo", "weights"):
        ax = r.plot(kind)
        assert ax.get_title()
    assert "合成" in fits["sc"].plot().get_legend().get_texts()[1].get_text()
    matplotlib.pyplot.close("all")


def test_random_placebo_draws_are_seeded(prop99):
    kw = dict(method="did", n_reps=20, seed=3, placebo=False)
    a, b = synth(prop99, **ARGS, **kw), synth(prop99, **ARGS, **kw)
    assert a.std_error == b.std_error and "20 random" in a.se_info
    assert abs(a.std_error - 17.29) / 17.29 < 0.5


def test_several_treated_units(prop99):
    df = prop99.copy()
    r = synth(df, y="PacksPerCapita", unit="State", time="Year", treated_unit=["California", "Nevada"], treat_time=1989, method="sdid",
              vcov="placebo", n_reps=30, seed=1, placebo=False)
    assert len(r.unit_weights) == 37 and np.isfinite(r.std_error)
    assert abs(r.unit_weights["weight"].sum() - 1) < 1e-12


def test_adh_predictors(prop99):
    preds = [("PacksPerCapita", [1975]), ("PacksPerCapita", [1980]), ("PacksPerCapita", [1988]), "PacksPerCapita"]
    r = synth(prop99, **ARGS, predictors=preds, vcov=None, placebo=False)
    w = r.unit_weights["weight"].to_numpy()
    assert (w >= 0).all() and abs(w.sum() - 1) < 1e-9
    assert abs(r.predictor_weights.sum() - 1) < 1e-9 and len(r.predictor_weights) == 4
    assert -30 < r.estimate < -10


def test_adh_outer_optimisation_beats_equal_weights(prop99):
    """With one predictor per pre-period the outer problem must do at least as well as equal V."""
    years = list(range(1970, 1989, 2))
    preds = [("PacksPerCapita", [yr]) for yr in years]
    r = synth(prop99, **ARGS, predictors=preds, vcov=None, placebo=False)
    wide = prop99.pivot(index="State", columns="Year", values="PacksPerCapita")
    donors = r.unit_weights["State"].tolist()
    X0, X1 = wide.loc[donors, years].to_numpy().T, wide.loc["California", years].to_numpy()
    sd = np.vstack([X0.T, X1]).std(axis=0, ddof=1)
    w_eq = simplex_lstsq(X0 / sd[:, None], X1 / sd)
    pre = list(range(1970, 1989))
    Z0, Z1 = wide.loc[donors, pre].to_numpy(), wide.loc["California", pre].to_numpy()
    rmspe_eq = np.sqrt(np.mean((Z1 - w_eq @ Z0) ** 2))
    assert r.pre_rmspe <= rmspe_eq + 1e-9
    # and no better than the best outcome-path fit, which is the lower bound
    w_best = simplex_lstsq(Z0.T, Z1)
    assert r.pre_rmspe >= np.sqrt(np.mean((Z1 - w_best @ Z0) ** 2)) - 1e-6


def test_simplex_lstsq_matches_slsqp():
    from scipy import optimize

    rng = np.random.default_rng(0)
    A, b = rng.normal(size=(15, 8)), rng.normal(size=15)
    w = simplex_lstsq(A, b)
    res = optimize.minimize(lambda x: np.sum((A @ x - b) ** 2), np.full(8, 1 / 8), method="SLSQP",
                            bounds=[(0, 1)] * 8, constraints={"type": "eq", "fun": lambda x: x.sum() - 1},
                            options={"ftol": 1e-14, "maxiter": 1000})
    assert np.sum((A @ w - b) ** 2) <= res.fun + 1e-8


# ------------------------------------------------------------------ bad input
def test_unknown_treated_unit(prop99):
    with pytest.raises(DataValidationError, match="'Californa' not found") as e:
        synth(prop99, y="PacksPerCapita", unit="State", time="Year", treated_unit="Californa", treat_time=1989)
    assert e.value.column == "State"


def test_no_pre_period(prop99):
    with pytest.raises(DataValidationError, match="no pre-treatment period") as e:
        synth(prop99, y="PacksPerCapita", unit="State", time="Year", treated_unit="California", treat_time=1970)
    assert e.value.rule == "has-pre-period"
    with pytest.raises(DataValidationError, match="not a period"):
        synth(prop99, y="PacksPerCapita", unit="State", time="Year", treated_unit="California", treat_time=2005)


def test_donors_with_missing_outcomes(prop99):
    df = prop99.copy()
    df.loc[(df.State == "Utah") & (df.Year == 1980), "PacksPerCapita"] = np.nan
    df = df[~((df.State == "Nevada") & (df.Year == 1985))]
    with pytest.raises(DataValidationError, match=r"2 donor\(s\) have missing outcomes.*Nevada.*Utah") as e:
        synth(df, **ARGS, method="did")
    assert e.value.column == "PacksPerCapita"
    with pytest.warns(UserWarning, match="dropped 2 donor"):
        r = synth(df, **ARGS, method="did", missing="drop", vcov=None, placebo=False)
    assert len(r.unit_weights) == 36
    bad = prop99.copy()
    bad.loc[(bad.State == "California") & (bad.Year == 1975), "PacksPerCapita"] = np.nan
    with pytest.raises(DataValidationError, match="treated unit 'California' has a missing outcome"):
        synth(bad, **ARGS)


def test_missing_periods_named_as_the_data_wrote_them(prop99):
    """Periods written as text ("1975年1月") are named that way in the error, not by their period numbers."""
    df = prop99.assign(Year=prop99["Year"].astype(str) + "年1月")
    df = df[~((df.State == "California") & (df.Year == "1975年1月")) & ~((df.State == "Utah") & (df.Year == "1980年1月"))]
    with pytest.raises(DataValidationError, match=r"'California' has a missing outcome in period\(s\) \['1975年1月'\]"):
        synth(df, y="PacksPerCapita", unit="State", time="Year", treated_unit="California", treat_time="1989年1月")
    with pytest.raises(DataValidationError, match=r"'Utah' \(\['1980年1月'\]\)"):
        synth(df[df.State != "California"], y="PacksPerCapita", unit="State", time="Year", treated_unit="Nevada",
              treat_time="1989年1月")
