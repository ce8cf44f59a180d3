"""SDID completions (issue 18 part 5): covariates (projected), jackknife and bootstrap SEs.

Oracles: a direct computation in the test (pyfixest OLS with unit and year fixed effects on the untreated
observations, residualise, run ``synth`` / ``synthdid-py`` on the residuals); the jackknife recomputed by
hand (leave one unit out, weights fixed); ``synthdid-py`` (a port of R ``synthdid``) for the SDID point
estimate and its jackknife and bootstrap SEs on the same matrix with the same seed.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import govstudy
from govstudy.errors import ArgumentError, DataValidationError, SampleWarning
from govstudy.estimators.synth import PoorFitWarning, synth

KW = {"y": "PacksPerCapita", "unit": "State", "time": "Year", "treat_time": 1989}
TREATED = ["California", "Nevada", "Utah"]


@pytest.fixture(scope="module")
def prop99x():
    df = govstudy.load("california_prop99").sort_values(["State", "Year"], ignore_index=True)
    rng = np.random.default_rng(18)
    # a time-varying covariate correlated with the unit and the year, and an outcome that loads on it
    code = df["State"].astype("category").cat.codes.to_numpy()
    df["x"] = 0.3 * code + 0.05 * (df["Year"] - 1970) * (code % 3) + rng.normal(size=len(df))
    df["y_x"] = df["PacksPerCapita"] + 4.0 * df["x"]
    return df


def _residualised(df, treated, ycol="y_x"):
    import pyfixest as pf

    d = df.assign(untreated=~(df["State"].isin(treated) & (df["Year"] >= 1989)))
    fit = pf.feols(f"{ycol} ~ x | State + Year", data=d[d["untreated"]])
    beta = float(fit.coef()["x"])
    return d.assign(y_res=d[ycol] - beta * d["x"]), beta


@pytest.mark.parametrize("treated", [["California"], TREATED])
def test_covariates_projected_equal_direct_residualisation(prop99x, treated):
    """Tolerance 1e-9 (beta) and 1e-8 (ATT): the same OLS and the same SDID on the same residuals."""
    kw = dict(KW, treated_unit=treated, vcov=None, placebo=False)
    r = synth(prop99x, **{**kw, "y": "y_x"}, method="sdid", covariates=["x"])
    d, beta = _residualised(prop99x, treated)
    ref = synth(d, **{**kw, "y": "y_res"}, method="sdid")
    assert r.covariate_coef["x"] == pytest.approx(beta, rel=1e-9)
    assert r.estimate == pytest.approx(ref.estimate, abs=1e-8)
    assert any("residualised" in n for n in r.notes)
    # the covariate matters: ignoring it gives a different answer
    assert abs(synth(prop99x, **{**kw, "y": "y_x"}, method="sdid").estimate - r.estimate) > 0.1


def _synthdid_matrix(df, treated, ycol):
    wide = df.pivot(index="State", columns="Year", values=ycol)
    donors = [s for s in wide.index if s not in treated]
    return wide.loc[donors + list(treated)].to_numpy(), len(donors)


def test_covariates_sdid_vs_synthdid_py(prop99x):
    """synthdid-py's SDID on the residualised matrix: ATT within 1e-6 (both Frank-Wolfe to the same rule)."""
    sd = pytest.importorskip("synthdid", reason="synthdid-py (R synthdid port) not installed")
    r = synth(prop99x, **{**KW, "y": "y_x"}, treated_unit=TREATED, method="sdid", covariates=["x"], vcov=None,
              placebo=False)
    d, _ = _residualised(prop99x, TREATED)
    Y, N0 = _synthdid_matrix(d, TREATED, "y_res")
    est = sd.synthdid_estimate(Y, N0, 19)
    assert r.estimate == pytest.approx(float(est), abs=1e-6)


def _jackknife_by_hand(Y, N0, T0, omega, lam):
    N = Y.shape[0]
    u = []
    for i in range(N):
        keep = [j for j in range(N) if j != i]
        w = np.array([omega[j] for j in keep if j < N0])
        w = w / w.sum()
        Yk = Y[keep]
        n0 = N0 - (i < N0)
        y1, y0 = Yk[n0:].mean(axis=0), w @ Yk[:n0]
        u.append((y1[T0:].mean() - y1[:T0] @ lam) - (y0[T0:].mean() - y0[:T0] @ lam))
    u = np.array(u)
    return np.sqrt((N - 1) / N * ((u - u.mean()) ** 2).sum())


@pytest.fixture(scope="module")
def sdid3(prop99x):
    r = synth(prop99x, **KW, treated_unit=TREATED, method="sdid", vcov="jackknife", placebo=False)
    Y, N0 = _synthdid_matrix(prop99x, TREATED, "PacksPerCapita")
    donors = prop99x.pivot(index="State", columns="Year", values="PacksPerCapita").index
    donors = [s for s in donors if s not in TREATED]
    omega = r.unit_weights.set_index("State")["weight"].reindex(donors).to_numpy()
    return r, Y, N0, omega, r.time_weights["weight"].to_numpy()


def test_jackknife_equals_hand_computation(sdid3):
    """Leave-one-unit-out with fixed weights, recomputed here: equal to 1e-10 relative."""
    r, Y, N0, omega, lam = sdid3
    assert r.std_error == pytest.approx(_jackknife_by_hand(Y, N0, 19, omega, lam), rel=1e-10)
    assert "jackknife" in r.se_info and r.std_error > 0


def test_jackknife_and_bootstrap_vs_synthdid_py(sdid3, prop99x):
    """synthdid-py on the same matrix (same row order): estimate 1e-6, jackknife 1e-5 relative, and the
    bootstrap with the same seed (same unit draws, weights re-fitted from the fitted ones) 1e-5 relative; the bootstrap is seeded (repeatable)."""
    sd = pytest.importorskip("synthdid", reason="synthdid-py (R synthdid port) not installed")
    r, Y, N0, omega, lam = sdid3
    est = sd.synthdid_estimate(Y, N0, 19)
    assert r.estimate == pytest.approx(float(est), abs=1e-6)
    assert np.abs(np.asarray(est.weights.omega) - omega).max() < 1e-6
    assert r.std_error == pytest.approx(sd.jackknife_se(est), rel=1e-5)
    kw = dict(KW, treated_unit=TREATED, method="sdid", vcov="bootstrap", n_reps=20, seed=7, placebo=False)
    with pytest.warns(UserWarning, match="n_reps=20"):
        b, again = synth(prop99x, **kw), synth(prop99x, **kw)
    assert b.std_error == pytest.approx(sd.bootstrap_se(est, 20, random_state=7), rel=1e-5)
    assert again.std_error == b.std_error and "20 unit resamples" in b.se_info


def test_bootstrap_against_its_definition(sdid3, prop99x):
    """Algorithm 2 by hand: resample units with replacement (redraw when no donor or no treated unit) and
    re-run ``synth`` from scratch on each draw (duplicates become distinct units). Our bootstrap warm-starts
    Frank-Wolfe at the fitted weights, as synthdid does, so the draws agree only to the solver's stopping
    rule: SE within 2% relative (measured below 0.5%)."""
    r, Y, N0, omega, lam = sdid3
    n = 20
    with pytest.warns(UserWarning, match="n_reps=20"):
        b = synth(prop99x, **KW, treated_unit=TREATED, method="sdid", vcov="bootstrap", n_reps=n, seed=3,
                  placebo=False)
    wide = prop99x.pivot(index="State", columns="Year", values="PacksPerCapita")
    names = [s for s in wide.index if s not in TREATED] + TREATED
    rng = np.random.default_rng(3)
    N, est = Y.shape[0], []
    while len(est) < n:
        ind = np.sort(rng.integers(0, N, size=N))
        if (ind < N0).all() or (ind >= N0).all():
            continue
        parts = [prop99x[prop99x["State"] == names[i]].assign(State=f"u{k}") for k, i in enumerate(ind)]
        d = pd.concat(parts, ignore_index=True)
        trt = [f"u{k}" for k, i in enumerate(ind) if i >= N0]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", PoorFitWarning)   # some draws fit badly; that is the point
            est.append(synth(d, **KW, treated_unit=trt, method="sdid", vcov=None, placebo=False).estimate)
    assert b.std_error == pytest.approx(np.std(est), rel=0.02)


def test_resampling_se_needs_several_treated(prop99x):
    for v in ("jackknife", "bootstrap"):
        with pytest.raises(DataValidationError, match="more than one treated unit, found 1.*placebo") as e:
            synth(prop99x, **KW, treated_unit="California", method="sdid", vcov=v, placebo=False)
        assert e.value.rule == "several-treated-units"
    with pytest.raises(ArgumentError, match="'placebo', 'bootstrap', 'jackknife'"):
        synth(prop99x, **KW, treated_unit="California", vcov="hc1")
    with pytest.raises(ArgumentError, match="cannot be combined"):
        synth(prop99x, **KW, treated_unit="California", covariates=["x"], predictors=["x"])


# ------------------------------------------------------------------ staggered SDID in one call
STAG = dict(y="PacksPerCapita", unit="State", time="Year", method="sdid", vcov=None, placebo=False)


@pytest.fixture(scope="module")
def staggered_panel(prop99x):
    """Two cohorts (1985: Nevada, Utah; 1989: California, Montana); the other 35 states never treated (NaN)."""
    first = {"Nevada": 1985, "Utah": 1985, "California": 1989, "Montana": 1989}
    return prop99x.assign(first_treat=prop99x["State"].map(first))


@pytest.fixture(scope="module")
def staggered_fit(staggered_panel):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PoorFitWarning)
        return synth(staggered_panel, cohort="first_treat", **STAG)


@pytest.mark.filterwarnings("ignore::govstudy.estimators.synth.PoorFitWarning")
def test_staggered_equals_separate_fits_combined_by_hand(staggered_panel, staggered_fit):
    """Aggregate = sum over cohorts of N_a T_post,a / sum(N T_post) * ATT_a, each ATT_a from a separate
    ``synth`` call on the never-treated plus that cohort: equal to 1e-12."""
    d, r = staggered_panel, staggered_fit
    never = d["first_treat"].isna()
    by_hand = {}
    for g, units in ((1985, ["Nevada", "Utah"]), (1989, ["California", "Montana"])):
        sub = d[never | d["State"].isin(units)]
        by_hand[g] = (synth(sub, treated_unit=units, treat_time=g, **STAG).estimate, len(units) * (2001 - g))
    tot = sum(n for _, n in by_hand.values())
    assert r.estimate == pytest.approx(sum(e * n / tot for e, n in by_hand.values()), abs=1e-12)
    assert r.cohorts["cohort"].tolist() == [1985, 1989]
    assert r.cohorts["estimate"].tolist() == pytest.approx([by_hand[1985][0], by_hand[1989][0]], abs=1e-12)
    assert r.cohorts["weight"].tolist() == pytest.approx([32 / 56, 24 / 56])
    t = r.tidy()
    assert t["term"].tolist() == ["ATT", "cohort 1985", "cohort 1989"] and np.isnan(t["std_error"].iloc[0])


def test_staggered_vs_synthdid_py(staggered_panel, staggered_fit):
    """synthdid-py's staggered estimator (never-treated controls, N_a T_post,a weights): ATT within 1e-6."""
    sd = pytest.importorskip("synthdid", reason="synthdid-py (R synthdid port) not installed")
    d = staggered_panel.assign(D=lambda x: (x["Year"] >= x["first_treat"]).astype(int))
    ref = sd.staggered_synthdid_estimate(d[["State", "Year", "PacksPerCapita", "D"]], unit="State", time="Year",
                                         outcome="PacksPerCapita", treatment="D")
    assert abs(float(ref)) > 1 and staggered_fit.estimate == pytest.approx(float(ref), abs=1e-6)


@pytest.mark.filterwarnings("ignore::govstudy.estimators.synth.PoorFitWarning")
@pytest.mark.parametrize("code", [0, np.inf, 2010])
def test_staggered_never_treated_codes(staggered_panel, staggered_fit, code):
    """The Panel's (and att_gt's) never-treated codes: 0, inf and a cohort after the last period (2000) give
    the same fit as NaN, to 1e-12; 2010 also warns that those units are never treated within the panel."""
    d = staggered_panel.assign(first_treat=staggered_panel["first_treat"].fillna(code))
    if code == 2010:
        with pytest.warns(govstudy.errors.SampleWarning, match="after the last period"):
            r = synth(d, cohort="first_treat", **STAG)
    else:
        r = synth(d, cohort="first_treat", **STAG)
    assert r.cohorts["cohort"].tolist() == [1985, 1989]
    assert r.estimate == pytest.approx(staggered_fit.estimate, abs=1e-12)


@pytest.mark.filterwarnings("ignore::govstudy.estimators.synth.PoorFitWarning")
def test_staggered_drops_first_period_cohort_and_restricts_donors(staggered_panel, staggered_fit):
    """Ohio treated from 1970 (the first year) has no pre-period: dropped with a SampleWarning, so the fit
    equals the one without Ohio (1e-12). ``donors`` restricts the never-treated pool of every cohort fit."""
    d = staggered_panel.assign(first_treat=staggered_panel["first_treat"].mask(staggered_panel["State"] == "Ohio",
                                                                              1970))
    with pytest.warns(govstudy.errors.SampleWarning, match="dropped 1 unit"):
        r = synth(d, cohort="first_treat", **STAG)
    assert r.estimate == pytest.approx(synth(d[d["State"] != "Ohio"], cohort="first_treat", **STAG).estimate,
                                       abs=1e-12)
    assert abs(r.estimate - staggered_fit.estimate) > 1e-6    # Ohio was a donor
    pool = ["Alabama", "Arkansas", "Colorado", "Connecticut", "Delaware", "Georgia"]
    r2 = synth(staggered_panel, cohort="first_treat", donors=pool, **STAG)
    for f in r2.fits.values():
        assert sorted(f.unit_weights["State"]) == pool
    assert abs(r2.estimate - staggered_fit.estimate) > 1e-3


def test_staggered_plot_renders_png(staggered_fit):
    import io

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    ax = staggered_fit.plot()
    assert len(ax.patches) == 2              # one bar per cohort
    buf = io.BytesIO()
    ax.figure.savefig(buf, format="png")
    plt.close(ax.figure)
    assert buf.getvalue()[:8] == b"\x89PNG\r\n\x1a\n" and len(buf.getvalue()) > 5000


def test_staggered_bad_input(staggered_panel):
    kw = dict(y="PacksPerCapita", unit="State", time="Year", vcov=None, placebo=False)
    with pytest.raises(ArgumentError, match="not both"):
        synth(staggered_panel, cohort="first_treat", treated_unit="California", treat_time=1989, **kw)
    with pytest.raises(DataValidationError, match="no never-treated") as e:
        synth(staggered_panel.assign(first_treat=1989), cohort="first_treat", **kw)
    assert e.value.rule == "has-never-treated" and e.value.column == "first_treat"
    bad = staggered_panel.copy()
    bad.loc[(bad.State == "Utah") & (bad.Year == 1970), "first_treat"] = 1980
    with pytest.raises(DataValidationError, match="not constant within unit 'Utah'") as e:
        synth(bad, cohort="first_treat", **kw)
    assert e.value.column == "first_treat"
    with pytest.raises(DataValidationError, match="donors 'Nevada' are treated") as e:
        synth(staggered_panel, cohort="first_treat", donors=["Nevada", "Ohio", "Iowa"], **kw)
    assert e.value.rule == "donors-never-treated"
    with pytest.raises(DataValidationError, match="column 'nope'|'nope'"):
        synth(staggered_panel, cohort="nope", **kw)


def test_staggered_warnings_name_their_cohort(staggered_panel):
    """A warning raised inside one cohort's fit says which cohort it concerns (here a donor dropped for a
    missing outcome, in both cohorts' fits)."""
    d = staggered_panel.copy()
    d.loc[(d.State == "Ohio") & (d.Year == 1975), "PacksPerCapita"] = np.nan
    with pytest.warns(SampleWarning) as rec:
        synth(d, y="PacksPerCapita", unit="State", time="Year", cohort="first_treat", method="sdid", vcov=None,
              placebo=False, missing="drop")
    dropped = sorted(str(w.message).split(":")[0] for w in rec if "dropped 1 donor" in str(w.message))
    assert dropped == ["cohort 1985", "cohort 1989"]
