"""did_imputation (Borusyak, Jaravel & Spiess 2024) against a direct regression, the published variance formula
computed by hand, the Python port of Stata's did_imputation and pyfixest's did2s (point estimates)."""

import warnings

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

import govstudy
from govstudy import did_imputation
from govstudy.errors import ArgumentError, DataValidationError, SampleWarning


@pytest.fixture(scope="module")
def mpdta():
    return govstudy.load("mpdta")


def _direct_tau(df, y, unit, time, cohort):
    """OLS with unit and period dummies on untreated rows (statsmodels), Y(0) imputed for treated rows."""
    d = df.copy()
    d["treated"] = (d[cohort] > 0) & (d[time] >= d[cohort])
    X = pd.get_dummies(d[[unit, time]].astype(str), drop_first=True, dtype=float)
    X.insert(0, "const", 1.0)
    fit = sm.OLS(d.loc[~d.treated, y], X[~d.treated]).fit()
    tr = d[d.treated].copy()
    tr["tau"] = tr[y] - fit.predict(X[d.treated])
    tr["e"] = tr[time] - tr[cohort]
    return tr


def test_point_estimates_equal_direct_regression(mpdta):
    tr = _direct_tau(mpdta, "lemp", "countyreal", "year", "first.treat")
    res = did_imputation(mpdta, y="lemp", unit="countyreal", time="year", cohort="first.treat")
    assert abs(res.estimate - tr.tau.mean()) < 1e-10
    dyn = res.aggregate("dynamic")
    for e, v in tr.groupby("e").tau.mean().items():
        assert abs(dyn.coef[f"e={e}"] - v) < 1e-10
    assert abs(dyn.estimate - tr.groupby("e").tau.mean().mean()) < 1e-10
    grp = res.aggregate("group")
    for g, v in tr.groupby("first.treat").tau.mean().items():
        assert abs(grp.coef[f"cohort={g}"] - v) < 1e-10
    part = res.aggregate("dynamic", horizons=[0, 2])
    assert list(part.coef.index) == ["e=0", "e=2", "avg(e)"]
    assert abs(part.coef["e=2"] - dyn.coef["e=2"]) < 1e-12


def _simulated(seed=3, n=40, T=7):
    rng = np.random.default_rng(seed)
    df = pd.DataFrame({"id": np.repeat(np.arange(n), T), "t": np.tile(np.arange(1, T + 1), n)})
    df["g"] = np.select([df.id < 12, df.id < 24, df.id < 32], [4, 5, 6], 0)
    e = df.t - df.g
    eff = np.where((df.g > 0) & (e >= 0), 1.0 + 0.5 * e, 0.0)
    df["y"] = rng.normal(size=n)[df.id] + 0.3 * df.t + eff + rng.normal(0, 1, len(df))
    df["w"] = rng.uniform(0.5, 2, n)[df.id]
    df["region"] = df.id % 9
    return df


def test_simulated_panel_direct_regression():
    df = _simulated()
    tr = _direct_tau(df, "y", "id", "t", "g")
    res = did_imputation(df, y="y", unit="id", time="t", cohort="g", kind="dynamic")
    for e, v in tr.groupby("e").tau.mean().items():
        assert abs(res.coef[f"e={e}"] - v) < 1e-10


def _hand_variance(df, W_of, cluster):
    """BJS's conservative variance written out with dense matrices (independent of the module's code)."""
    d = df.copy()
    d["treated"] = (d.g > 0) & (d.t >= d.g)
    Z = pd.get_dummies(d[["id", "t"]].astype(str), drop_first=True, dtype=float)
    Z.insert(0, "const", 1.0)
    Z = Z.to_numpy()
    z0, z1 = Z[~d.treated.to_numpy()], Z[d.treated.to_numpy()]
    y0, y1 = d.y[~d.treated].to_numpy(), d.y[d.treated].to_numpy()
    beta = np.linalg.solve(z0.T @ z0, z0.T @ y0)
    tau = y1 - z1 @ beta
    out = []
    for w in W_of(d[d.treated]):
        v0 = -z0 @ np.linalg.solve(z0.T @ z0, z1.T @ w)
        eps0 = y0 - z0 @ beta
        t1 = d[d.treated].assign(v=w, tau=tau)
        t1["c"] = t1[cluster]
        # BJS: tau averaged within (cohort, period) cells with weights W_c = sum of v over the cell's rows in c
        Wc = t1.groupby(["g", "t", "c"]).v.transform("sum")
        num = (Wc * t1.v * t1.tau).groupby([t1.g, t1.t]).transform("sum")
        den = (Wc * t1.v).groupby([t1.g, t1.t]).transform("sum")
        eps1 = t1.tau - num / den
        score = pd.concat([pd.Series(v0 * eps0, index=d[~d.treated][cluster].to_numpy()),
                           pd.Series((t1.v * eps1).to_numpy(), index=t1.c.to_numpy())])
        out.append(float((score.groupby(level=0).sum() ** 2).sum()))
    return np.array(out)


def test_standard_errors_published_formula_hand_sized():
    df = _simulated(seed=5, n=8, T=5)
    df["g"] = np.select([df.id < 3, df.id < 5], [3, 4], 0)
    for cluster in (None, "region"):
        col = "id" if cluster is None else "region"
        res = did_imputation(df, y="y", unit="id", time="t", cohort="g", kind="dynamic", cluster=cluster)
        hs = [0, 1, 2]

        def weights(tr, hs=hs):
            e = (tr.t - tr.g).to_numpy()
            ws = [(e == h) / (e == h).sum() for h in hs]
            return ws + [np.mean(ws, axis=0)]

        v = _hand_variance(df, weights, col)
        np.testing.assert_allclose(res.std_errors[[f"e={h}" for h in hs] + ["avg(e)"]].to_numpy(), np.sqrt(v),
                                   rtol=1e-10)
        simple = res.aggregate("simple")
        v1 = _hand_variance(df, lambda tr: [np.full(len(tr), 1 / len(tr))], col)
        assert abs(simple.std_error - np.sqrt(v1[0])) < 1e-10


# the port recovers the fixed effects by alternating projections to tol 1e-6: agreement to 1e-6 (estimates)
# and relative 1e-5 (SEs); ours solve the normal equations directly (equal to statsmodels to 1e-10 above)
PORT_ATOL, PORT_RTOL = 1e-6, 1e-5


def test_equals_python_did_imputation_port(mpdta):
    di = pytest.importorskip("did_imputation")
    d = mpdta.copy()
    d["Ei"] = d["first.treat"].replace(0, np.nan)
    res = did_imputation(mpdta, y="lemp", unit="countyreal", time="year", cohort="first.treat")
    o = di.did_imputation(d, "lemp", "countyreal", "year", "Ei")
    assert abs(res.estimate - o.estimates["tau_ate"]) < PORT_ATOL
    assert res.std_error == pytest.approx(o.std_errors["tau_ate"], rel=PORT_RTOL)
    o = di.did_imputation(d, "lemp", "countyreal", "year", "Ei", allhorizons=True, pretrends=3, minn=0)
    dyn = res.aggregate("dynamic")
    for h in range(4):
        assert abs(dyn.coef[f"e={h}"] - o.estimates[f"tau{h}"]) < PORT_ATOL
        assert dyn.std_errors[f"e={h}"] == pytest.approx(o.std_errors[f"tau{h}"], rel=PORT_RTOL)
    for k in range(1, 4):
        assert abs(res.pretrend["coef"][f"lead{k}"] - o.pretrends_estimates[f"pre{k}"]) < PORT_ATOL


def test_weighted_equals_python_port():
    di = pytest.importorskip("did_imputation")
    df = _simulated()
    d = df.assign(Ei=df.g.replace(0, np.nan))
    res = did_imputation(df, y="y", unit="id", time="t", cohort="g", weights="w")
    o = di.did_imputation(d, "y", "id", "t", "Ei", aw="w")
    assert abs(res.estimate - o.estimates["tau_ate"]) < PORT_ATOL
    assert res.std_error == pytest.approx(o.std_errors["tau_ate"], rel=PORT_RTOL)


def test_point_estimate_equals_pyfixest_did2s():
    # Gardner's two-stage estimator with a static second stage has the BJS point estimate (not its SEs);
    # pyfixest demeans iteratively, hence 1e-8
    pf = pytest.importorskip("pyfixest")
    df = _simulated()
    d = df.assign(treat=((df.g > 0) & (df.t >= df.g)).astype(int))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = pf.did2s(d, yname="y", first_stage="~0|id+t", second_stage="~treat", treatment="treat", cluster="id")
    res = did_imputation(df, y="y", unit="id", time="t", cohort="g")
    assert abs(res.estimate - fit.coef()["treat"]) < 1e-8


def test_pretrend_detects_violation():
    df = _simulated(seed=9, n=200)
    lead = (df.g > 0) & (df.t - df.g >= -2) & (df.t < df.g)
    df["y2"] = df.y + 2.0 * lead
    assert did_imputation(df, y="y", unit="id", time="t", cohort="g").pretrend["p_value"] > 0.01
    assert did_imputation(df, y="y2", unit="id", time="t", cohort="g").pretrend["p_value"] < 1e-6
    assert did_imputation(df, y="y", unit="id", time="t", cohort="g", pretrends=0).pretrend is None
    assert did_imputation(df, y="y", unit="id", time="t", cohort="g", pretrends=1).pretrend["df1"] == 1


def test_panel_input_and_r_names(mpdta):
    p = govstudy.Panel(mpdta, unit="countyreal", time="year", y="lemp", cohort="first.treat")
    a = did_imputation(p)
    b = did_imputation(mpdta, y="lemp", unit="countyreal", time="year", cohort="first.treat")
    assert abs(a.estimate - b.estimate) < 1e-14
    with pytest.raises(ArgumentError, match="write y= instead"):
        did_imputation(mpdta, yname="lemp", idname="countyreal", tname="year", gname="first.treat")


def test_units_treated_throughout_left_out_with_warning():
    df = _simulated()
    df.loc[df.id == 0, "g"] = 1
    with pytest.warns(SampleWarning, match="no untreated period"):
        res = did_imputation(df, y="y", unit="id", time="t", cohort="g")
    assert np.isfinite(res.estimate)


def test_bad_inputs(mpdta):
    kw = dict(unit="countyreal", time="year", cohort="first.treat")
    with pytest.raises(ArgumentError, match="needs y="):
        did_imputation(mpdta, **kw)
    with pytest.raises(ArgumentError, match=r"horizons \[7\].*available are \[0, 1, 2, 3\]"):
        did_imputation(mpdta, y="lemp", kind="dynamic", horizons=[0, 7], **kw)
    with pytest.raises(ArgumentError, match="horizons= applies to kind='dynamic'"):
        did_imputation(mpdta, y="lemp", horizons=[0], **kw)
    with pytest.raises(ArgumentError, match="pretrends=9.*at most 3"):
        did_imputation(mpdta, y="lemp", pretrends=9, **kw)
    with pytest.raises(ArgumentError, match="kind"):
        did_imputation(mpdta, y="lemp", kind="calendar", **kw)
    with pytest.raises(ArgumentError, match="one column name"):
        did_imputation(mpdta, y="lemp", cluster=["countyreal", "year"], **kw)
    never = mpdta.assign(g=0)
    with pytest.raises(DataValidationError, match="no treated observation"):
        did_imputation(never, y="lemp", unit="countyreal", time="year", cohort="g")
    with pytest.raises(DataValidationError, match="not found"):
        did_imputation(mpdta, y="nope", **kw)
