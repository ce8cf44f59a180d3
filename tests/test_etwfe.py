"""govstudy.etwfe against the ``etwfe`` Python package 0.1.4 (Wooldridge's extended TWFE) on mpdta and simulated panels.

Tolerances: gaussian ATTs to 1e-8 (absolute; both are exact least squares) and SEs to rel 1e-8 with the same
variance (HC1, or CRV1 by unit: the package's fit counts the cohort effects in K, as ours). Poisson: the package
fits pyfixest's fepois with cohort and period dummies, as we do; with both IRLS runs to a relative deviance
change of 1e-12 (the package's iwls_tol=1e-12; ours is fixed at 1e-12 in etwfe, the variance evaluated at the
final mu) ATTs (counts, of size 1 to 100) agree to rel 1e-8 and delta-method SEs to rel 1e-6.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import govstudy

pe = pytest.importorskip("etwfe")


@pytest.fixture(scope="module")
def mpdta(shared_dir):
    df = pd.read_csv(shared_dir / "reference/estimators/mpdta.csv").rename(columns={"first.treat": "gvar"})
    df["count"] = np.round(np.exp(df.lemp))
    return df


def simulated(seed=0, nu=300, nt=8):
    rng = np.random.default_rng(seed)
    df = pd.DataFrame({"unit": np.repeat(np.arange(nu), nt), "year": np.tile(np.arange(2000, 2000 + nt), nu)})
    g = rng.choice([0, 2003, 2005, 2006], nu)
    df["gvar"] = g[df.unit]
    treated = (df.gvar > 0) & (df.year >= df.gvar)
    a = rng.normal(0, 0.5, nu)[df.unit]
    df["y"] = a + 0.05 * (df.year - 2000) + treated * (0.3 + 0.1 * (df.year - df.gvar)) + rng.normal(size=len(df))
    df["count"] = rng.poisson(np.exp(1 + 0.5 * a + treated * 0.2)).astype(float)
    return df


def no_never(seed=0):
    """The simulated panel without never-treated units: not-yet-treated controls are the last cohort's rows."""
    df = simulated(seed)
    return df[df.gvar > 0].reset_index(drop=True)


def with_covariates(df):
    rng = np.random.default_rng(5)
    return df.assign(x=rng.normal(size=len(df)) + 0.1 * (df.year - df.year.min()), x2=rng.normal(size=len(df)))


def peer(df, y, family, cgroup, vcov, rhs="0", **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return pe.etwfe(f"{y} ~ {rhs}", tvar="year", gvar="gvar", data=df, cgroup=cgroup, family=family, vcov=vcov, **kw)


KINDS = ["simple", "event", "group", "calendar"]


def assert_same(ours, theirs, family):
    """Ours vs the package's emfx table: gaussian ATTs abs 1e-8 and SEs rel 1e-8; Poisson ATTs rel 1e-8, SEs rel 1e-6."""
    assert len(ours.coef) == len(theirs)
    gaussian = family == "gaussian"
    np.testing.assert_allclose(ours.coef.to_numpy(), theirs["estimate"].to_numpy(),
                               rtol=0 if gaussian else 1e-8, atol=1e-8 if gaussian else 0)
    np.testing.assert_allclose(ours.std_errors.to_numpy(), theirs["std.error"].to_numpy(),
                               rtol=1e-8 if gaussian else 1e-6, atol=0)


@pytest.mark.parametrize("data", ["mpdta", "simulated"])
@pytest.mark.parametrize("cgroup", ["notyet", "never"])
@pytest.mark.parametrize("family", ["gaussian", "poisson"])
def test_equals_etwfe_package(mpdta, data, cgroup, family):
    """Every emfx type, HC1 and CRV1 by unit; gaussian ATTs abs 1e-8 and SEs rel 1e-8, Poisson ATTs rel 1e-8 and
    SEs rel 1e-6 (see the module docstring); event times equal."""
    df = mpdta if data == "mpdta" else simulated()
    unit = "countyreal" if data == "mpdta" else "unit"
    y = "count" if family == "poisson" else ("lemp" if data == "mpdta" else "y")
    kw = {"iwls_tol": 1e-12} if family == "poisson" else {}
    for vcov, pv in (("hc1", "hetero"), ("cluster", {"CRV1": unit})):
        m = peer(df, y, None if family == "gaussian" else "poisson", cgroup, pv, **kw)
        for kind in KINDS:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                ours = govstudy.etwfe(df, y=y, unit=unit, time="year", cohort="gvar", family=family, cgroup=cgroup,
                                      kind=kind, vcov=vcov)
                theirs = m.emfx(type=kind)
            assert_same(ours, theirs, family)
            if kind == "event":
                assert ours.tidy()["event_time"].tolist() == theirs["event"].tolist()


@pytest.mark.parametrize("data", ["mpdta", "simulated", "no_never"])
@pytest.mark.parametrize("cgroup", ["notyet", "never"])
@pytest.mark.parametrize("family", ["gaussian", "poisson"])
def test_covariates_equal_etwfe_package(mpdta, data, cgroup, family):
    """Covariates as the package's ``"y ~ x1 + x2"`` controls (demeaned by cohort, x every treated cell, plus
    cohort and period interactions); CRV1 by unit. Tolerances as above: gaussian ATTs abs 1e-8 and SEs rel 1e-8,
    Poisson ATTs rel 1e-8 and SEs rel 1e-6. mpdta: lpop (time-invariant); simulated: two time-varying ones.
    Without never-treated units cgroup='never' is an error in both."""
    df = mpdta if data == "mpdta" else with_covariates(simulated() if data == "simulated" else no_never())
    unit, covs = ("countyreal", ["lpop"]) if data == "mpdta" else ("unit", ["x", "x2"])
    y = "count" if family == "poisson" else ("lemp" if data == "mpdta" else "y")
    kw = dict(y=y, unit=unit, time="year", cohort="gvar", covariates=covs, family=family, cgroup=cgroup)
    if data == "no_never" and cgroup == "never":
        with pytest.raises(govstudy.ArgumentError, match="never-treated"):
            govstudy.etwfe(df, **kw)
        with pytest.raises(ValueError):
            peer(df, y, None, cgroup, "hetero", rhs=" + ".join(covs))
        return
    m = peer(df, y, family if family == "poisson" else None, cgroup, {"CRV1": unit}, rhs=" + ".join(covs),
             **({"iwls_tol": 1e-12} if family == "poisson" else {}))
    for kind in KINDS:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ours = govstudy.etwfe(df, kind=kind, **kw)
            theirs = m.emfx(type=kind)
        assert_same(ours, theirs, family)
    assert "covariates" in ours.summary()


def test_notyet_equals_imputation_never_does_not(mpdta):
    """Wooldridge (2021): with not-yet-treated controls and no covariates the ETWFE simple ATT is the imputation
    estimator's (BJS 2024) on a balanced panel (to 1e-12 absolute); with never-treated controls the pre-periods of
    treated cohorts get their own cells, so the simple ATT differs (by more than 1e-4)."""
    kw = dict(y="lemp", unit="countyreal", time="year", cohort="gvar")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        imp = govstudy.did_imputation(mpdta, **kw)
        notyet = govstudy.etwfe(mpdta, **kw)
        never = govstudy.etwfe(mpdta, cgroup="never", **kw)
    assert notyet.estimate == pytest.approx(imp.estimate, abs=1e-12)
    assert abs(never.estimate - imp.estimate) > 1e-4


def test_result_protocol_and_summary(mpdta):
    """tidy() core columns and estimate/std_error equal to its first row (exact); simple ATT -0.0477 as the R
    etwfe vignette prints it (abs 5e-5, its rounding); an unknown kind is an ArgumentError."""
    res = govstudy.etwfe(mpdta, y="lemp", unit="countyreal", time="year", cohort="gvar", kind="event")
    t = res.tidy()
    assert t.columns[:7].tolist() == govstudy.estimators.results.TIDY_CORE
    assert res.estimate == t.loc[0, "estimate"] and res.std_error == t.loc[0, "std_error"]
    assert "Extended TWFE" in str(res.summary())
    assert res.aggregate("simple").estimate == pytest.approx(-0.0477, abs=5e-5)   # R etwfe vignette: -0.0477
    with pytest.raises(govstudy.ArgumentError, match="kind must be one of"):
        res.aggregate("dynamic")


def _codes(df, never):
    """gvar with never-treated written as ``never`` (0 stays 0)."""
    return df.assign(gvar=df.gvar.astype(object).where(df.gvar > 0, never))


@pytest.mark.parametrize("never", [0, np.nan, np.inf, ""])
def test_never_treated_codes_agree(mpdta, never):
    """Never treated as 0, NaN, inf or blank: the same fit (estimates and SEs equal to 1e-12 absolute)."""
    kw = dict(y="lemp", unit="countyreal", time="year", cohort="gvar", kind="group")
    base = govstudy.etwfe(mpdta, **kw)
    res = govstudy.etwfe(_codes(mpdta, never), **kw)
    np.testing.assert_allclose(res.coef.to_numpy(), base.coef.to_numpy(), rtol=0, atol=1e-12)
    np.testing.assert_allclose(res.std_errors.to_numpy(), base.std_errors.to_numpy(), rtol=0, atol=1e-12)
    assert res.tidy()["cohort"].tolist() == ["2004", "2006", "2007"]


def test_month_strings_dates_chinese_names_and_panel(mpdta):
    """Years recoded as months "2023-01".. (cohorts too, never treated blank), as Timestamps, with Chinese column
    names, and a govstudy.Panel: the same event-time effects and SEs as the integer years (1e-12 absolute);
    group terms are labelled as the periods are written."""
    base = govstudy.etwfe(mpdta, y="lemp", unit="countyreal", time="year", cohort="gvar", kind="event")
    month = {yr: f"2023-{yr - 2002:02d}" for yr in range(2003, 2008)}
    zh = pd.DataFrame({"县": mpdta.countyreal, "月份": mpdta.year.map(month), "就业对数": mpdta.lemp,
                       "首次处理": mpdta.gvar.map(month).fillna("")})
    dates = zh.assign(月份=pd.to_datetime(zh["月份"]), 首次处理=pd.to_datetime(zh["首次处理"].replace("", None)))
    kw = dict(y="就业对数", unit="县", time="月份", cohort="首次处理")
    panel = govstudy.Panel(mpdta, y="lemp", unit="countyreal", time="year", cohort="gvar")
    for res in (govstudy.etwfe(zh, kind="event", **kw), govstudy.etwfe(dates, kind="event", freq="M", **kw),
                govstudy.etwfe(panel, kind="event")):
        np.testing.assert_allclose(res.coef.to_numpy(), base.coef.to_numpy(), rtol=0, atol=1e-12)
        np.testing.assert_allclose(res.std_errors.to_numpy(), base.std_errors.to_numpy(), rtol=0, atol=1e-12)
        assert res.tidy()["event_time"].tolist() == [0, 1, 2, 3]
    assert govstudy.etwfe(zh, kind="group", **kw).tidy()["cohort"].tolist() == ["2023-02", "2023-04", "2023-05"]
    assert "县" in str(govstudy.etwfe(zh, **kw).summary())


def test_bad_input_names_column_and_expectation(mpdta):
    """Errors are govstudy errors naming the column (``.column``) and what was expected."""
    kw = dict(y="lemp", unit="countyreal", time="year", cohort="gvar")
    bad = mpdta.assign(lemp=mpdta.lemp.astype(object))
    bad.loc[3, "lemp"] = "n/a?"
    with pytest.raises(govstudy.DataValidationError, match="number") as e:
        govstudy.etwfe(bad, **kw)
    assert e.value.column == "lemp"
    with pytest.raises(govstudy.DataValidationError, match=">= 0") as e:
        govstudy.etwfe(mpdta.assign(lemp=mpdta.lemp - mpdta.lemp.mean()), family="poisson", **kw)
    assert e.value.column == "lemp"
    with pytest.raises(govstudy.DataValidationError, match="not found") as e:
        govstudy.etwfe(mpdta, covariates=["lpopp"], **kw)
    assert e.value.column == "lpopp"
    with pytest.raises(govstudy.DataValidationError) as e:
        govstudy.etwfe(mpdta.assign(year=mpdta.year.astype(str).where(mpdta.index != 5, "soon")), **kw)
    assert e.value.column == "year"
    with pytest.raises(govstudy.ArgumentError, match="never-treated"):
        govstudy.etwfe(no_never(), y="y", unit="unit", time="year", cohort="gvar", cgroup="never")
    with pytest.raises(govstudy.ArgumentError, match="family must be one of"):
        govstudy.etwfe(mpdta, family="logit", **kw)
    with pytest.raises(govstudy.ArgumentError, match="cohort="):
        govstudy.etwfe(mpdta, y="lemp", unit="countyreal", time="year")


@pytest.mark.parametrize("kind", KINDS)
def test_plot_renders_png_with_bilingual_labels(mpdta, kind):
    """plot() saves as a non-blank PNG; by event / cohort / period it draws one point per term at the estimate
    (exact equality), pre-periods apart (cgroup='never'), Chinese and English labels."""
    from io import BytesIO

    import matplotlib.pyplot as plt

    res = govstudy.etwfe(mpdta, y="lemp", unit="countyreal", time="year", cohort="gvar", cgroup="never", kind=kind)
    ax = res.plot()
    buf = BytesIO()
    ax.figure.savefig(buf, format="png")
    img = plt.imread(BytesIO(buf.getvalue()), format="png")
    assert img.shape[0] > 100 and img[..., :3].std() > 0.02          # a PNG, not blank
    if kind != "simple":
        ys = np.concatenate([c.lines[0].get_ydata() for c in ax.containers])
        np.testing.assert_array_equal(np.sort(ys), np.sort(res.coef.to_numpy()))
        assert "ATT" in ax.get_ylabel() and "处理效应" in ax.get_ylabel()
        assert "扩展双向固定效应" in ax.get_title() and kind in ax.get_title()
    if kind == "event":
        assert len(ax.containers) == 2          # pre-periods (grey) and post-periods (blue)
    plt.close(ax.figure)
