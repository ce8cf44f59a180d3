"""Wild cluster bootstrap and randomization inference.

Checks, from the strongest to the most practical:

* brute force: with few clusters all 2^G Rademacher sign vectors are enumerated, and every bootstrap t
  statistic equals the one obtained by literally re-estimating ``y* ~ D + x + unit dummies + period
  dummies`` by least squares (1e-8 relative) -- the fixed effects are re-projected in every draw;
* ``wildboottest`` (run on the same model with the fixed effects as dummies): p-values agree within
  Monte-Carlo error. Both use B = 9,999 independent draws, so the difference of two p-values has
  standard deviation sqrt(2 p (1 - p) / B) (<= 0.0071); we allow 4 such standard deviations;
* randomization inference: exact p-values on tiny panels equal a brute-force loop over every
  re-assignment with statsmodels OLS and dummies.
"""

from __future__ import annotations

import itertools
import warnings

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from govstudy import ArgumentError, did_2x2, twfe
from govstudy.errors import DataValidationError
from govstudy import FewClustersWarning, randomization_inference, wild_cluster_bootstrap
from govstudy.estimators.wild_bootstrap import fe_cross


def panel(N=20, T=8, n_treated=3, start=4, effect=0.5, seed=3):
    rng = np.random.default_rng(seed)
    df = pd.DataFrame({"id": np.repeat(np.arange(N), T), "t": np.tile(np.arange(T), N)})
    df["D"] = ((df.id < n_treated) & (df.t >= start)).astype(int)
    df["x"] = rng.normal(size=len(df))
    df["y"] = (0.3 * df.x + 0.2 * df.id + 0.1 * df.t + rng.normal(0, 1, len(df)) + rng.normal(0, 1, N)[df.id]
               + effect * df.D)
    return df


def dummies(df):
    return pd.concat([df[["D", "x"]], pd.get_dummies(df.id, prefix="u", dtype=float),
                      pd.get_dummies(df.t, prefix="t", drop_first=True, dtype=float)], axis=1)


def test_bootstrap_equals_brute_force_reestimation_with_dummies():
    df = panel(N=8, T=5, n_treated=2, start=3)
    res = twfe(df, y="y", treat="D", unit="id", time="t", covariates=["x"])
    with pytest.warns(FewClustersWarning, match="Webb"):
        wb = wild_cluster_bootstrap(res, B=9999)
    assert wb.n_draws == 2 ** 8 and "enumerated" in wb.info["Draws"]
    X = dummies(df).to_numpy()
    y = df.y.to_numpy()
    cl = df.id.to_numpy()
    # restricted model (D coefficient = 0) with every fixed effect as a dummy
    Xr = np.delete(X, 0, axis=1)
    yhat_r = Xr @ np.linalg.lstsq(Xr, y, rcond=None)[0]
    u_r = y - yhat_r
    n, G = len(y), 8
    df_k = res.fit_design.df_k
    ssc = G / (G - 1) * (n - 1) / (n - df_k)
    XtXi = np.linalg.pinv(X.T @ X)
    t_star = []
    for signs in itertools.product([-1.0, 1.0], repeat=G):
        ys = yhat_r + u_r * np.asarray(signs)[cl]
        b = XtXi @ (X.T @ ys)
        e = ys - X @ b
        scores = np.array([X[cl == g].T @ e[cl == g] for g in range(G)])
        V = ssc * XtXi @ (scores.T @ scores) @ XtXi
        t_star.append(b[0] / np.sqrt(V[0, 0]))
    t_star = np.array(t_star)
    np.testing.assert_allclose(wb.draws, t_star, rtol=1e-8, atol=1e-10)
    assert wb.std_error == pytest.approx(res.std_error, rel=1e-10)
    assert wb.p_value == pytest.approx(np.mean(np.abs(t_star) >= abs(wb.statistic) * (1 - 1e-10)))


@pytest.mark.parametrize("weights,impose_null", [("rademacher", True), ("webb", True), ("rademacher", False)])
def test_agrees_with_wildboottest(weights, impose_null):
    from wildboottest.wildboottest import wildboottest

    df = panel()
    res = twfe(df, y="y", treat="D", unit="id", time="t", covariates=["x"])
    B = 9999
    ours = wild_cluster_bootstrap(res, B=B, bootstrap_weights=weights, impose_null=impose_null, seed=11).p_value
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = wildboottest(sm.OLS(df.y, dummies(df)), B=B, cluster=df.id.to_numpy(), param="D",
                           weights_type=weights, impose_null=impose_null, seed=12, show=False, parallel=False)
    p_ref = float(ref["p-value"].iloc[0])
    sd = np.sqrt(2 * max(p_ref, 0.01) * (1 - p_ref) / B)
    assert abs(ours - p_ref) < 4 * sd, (ours, p_ref)


def test_ci_by_test_inversion():
    res = twfe(panel(), y="y", treat="D", unit="id", time="t", covariates=["x"])
    wb = wild_cluster_bootstrap(res, B=1999, seed=5)
    assert wb.ci_low < wb.estimate < wb.ci_high
    h = 1e-3 * wb.std_error
    for edge, out in ((wb.ci_low, -h), (wb.ci_high, h)):
        assert wild_cluster_bootstrap(res, B=1999, seed=5, null=edge + out).p_value <= 0.05
        assert wild_cluster_bootstrap(res, B=1999, seed=5, null=edge - out).p_value > 0.05
    t = wb.tidy()
    assert list(t.columns)[:7] == ["term", "estimate", "std_error", "statistic", "p_value", "ci_low", "ci_high"]
    assert "Wild cluster bootstrap" in str(wb.summary())


def test_did_2x2_and_unclustered_models():
    df = panel(N=14)
    df["tr"] = (df.id < 3).astype(int)
    df["post"] = (df.t >= 4).astype(int)
    r = did_2x2(df, y="y", treated="tr", post="post", vcov="cluster", cluster="id")
    wb = wild_cluster_bootstrap(r, B=999, seed=1)
    assert wb.term == "tr:post" and 0 <= wb.p_value <= 1
    assert wb.std_error == pytest.approx(r.std_error, rel=1e-8)  # statsmodels' CRV1, same factor
    r_iid = did_2x2(df, y="y", treated="tr", post="post")
    with pytest.raises(DataValidationError, match="not fitted with clustered"):
        wild_cluster_bootstrap(r_iid)
    with pytest.raises(ArgumentError, match="refit the model with vcov='cluster', cluster='column'"):
        wild_cluster_bootstrap(r_iid, cluster=df.id.to_numpy(), B=999, seed=1)


def test_fewer_than_two_clusters():
    df = panel(N=10)
    res = twfe(df, y="y", treat="D", unit="id", time="t")
    with pytest.raises(ValueError, match="at least 2 clusters"):
        twfe(df.assign(one=0), y="y", treat="D", unit="id", time="t", cluster="one")
    with pytest.raises(ValueError, match="not an estimated coefficient"):
        wild_cluster_bootstrap(res, param="nope")
    with pytest.raises(TypeError, match="twfe or govstudy.did_2x2"):
        wild_cluster_bootstrap(object())


def test_fixed_effect_algebra_general_path():
    """The closed-form (F'F)^+ fixed-effect term equals explicit projection (the >2-factor fallback)."""
    df = panel(N=9, T=6)
    rng = np.random.default_rng(0)
    codes = (df.id % 4).to_numpy()
    z, u = rng.normal(size=len(df)), rng.normal(size=len(df))
    fes = [df.id.to_numpy(), df.t.to_numpy()]
    two = fe_cross(fes, codes, 4, z, [u])[0]
    three = fe_cross(fes + [np.zeros(len(df), int)], codes, 4, z, [u])[0]  # constant factor: same span
    one = fe_cross([df.id.to_numpy()], codes, 4, z, [u])[0]
    one_general = fe_cross([df.id.to_numpy(), np.zeros(len(df), int)], codes, 4, z, [u])[0]
    np.testing.assert_allclose(two, three, atol=1e-10)
    np.testing.assert_allclose(one, one_general, atol=1e-10)


# ------------------------------------------------------------------ randomization inference
def _brute_ri(df, cohort_by_unit):
    """Coefficient on D with unit and period dummies for every distinct re-assignment of cohorts."""
    units = sorted(cohort_by_unit)
    perms = sorted(set(itertools.permutations([cohort_by_unit[u] for u in units])))
    out = []
    for perm in perms:
        c = dict(zip(units, perm))
        g = df.id.map(c)
        D = ((g > 0) & (df.t >= g)).astype(float)
        X = pd.concat([D.rename("D"), pd.get_dummies(df.id, dtype=float),
                       pd.get_dummies(df.t, drop_first=True, dtype=float)], axis=1)
        out.append(sm.OLS(df.y, X).fit().params["D"])
    return np.array(out)


def test_ri_exact_pvalue_matches_brute_force():
    rng = np.random.default_rng(2)
    df = pd.DataFrame({"id": np.repeat(np.arange(6), 4), "t": np.tile(np.arange(1, 5), 6)})
    cohorts = {0: 3, 1: 4, 2: 0, 3: 0, 4: 0, 5: 0}       # staggered: 6!/4! = 30 re-assignments
    g = df.id.map(cohorts)
    df["D"] = ((g > 0) & (df.t >= g)).astype(int)
    df["y"] = rng.normal(size=len(df)) + 1.5 * df.D
    res = twfe(df, y="y", treat="D", unit="id", time="t", vcov="iid")
    ri = randomization_inference(res)
    brute = _brute_ri(df, cohorts)
    assert ri.n_draws == 30 and "exact" in ri.info["Re-assignments"]
    np.testing.assert_allclose(np.sort(ri.draws), np.sort(brute), atol=1e-10)
    obs = res.estimate
    assert ri.statistic == pytest.approx(obs)
    assert ri.p_value == pytest.approx(np.mean(np.abs(brute) >= abs(obs) - 1e-9))


def test_ri_by_hand():
    # unit 0 is treated in period 1 and is the only unit whose outcome jumps: p = 1/6 exactly
    df = pd.DataFrame({"id": np.repeat(np.arange(6), 2), "t": np.tile([0, 1], 6)})
    df["D"] = ((df.id == 0) & (df.t == 1)).astype(int)
    df["y"] = df.id * 0.5 + df.t + 3.0 * df.D
    ri = randomization_inference(twfe(df, y="y", treat="D", unit="id", time="t", vcov="iid"))
    assert ri.n_draws == 6 and ri.p_value == pytest.approx(1 / 6)
    # by hand: moving treatment to any other unit gives 1 - (1 + 3)/5 ... = -0.6
    assert sorted(np.round(ri.draws, 10).tolist()) == [-0.6] * 5 + [3.0]


def test_ri_random_permutations_and_did_2x2():
    df = panel(N=16, T=6, n_treated=4, start=3)
    res = twfe(df, y="y", treat="D", unit="id", time="t")
    a = randomization_inference(res, B=300, seed=4, max_enumerate=100, stat="t")
    b = randomization_inference(res, B=300, seed=4, max_enumerate=100, stat="t")
    assert a.p_value == b.p_value and a.n_draws == 300 and "random" in a.info["Re-assignments"]
    assert 1 / 301 <= a.p_value <= 1
    df["tr"] = (df.id < 4).astype(int)
    df["post"] = (df.t >= 3).astype(int)
    small = df[df.id < 8]
    r2 = did_2x2(small, y="y", treated="tr", post="post", vcov="cluster", cluster="id", unit="id")
    ri = randomization_inference(r2)                      # C(8, 4) = 70 assignments
    assert ri.n_draws == 70
    brute = []
    for combo in itertools.combinations(range(8), 4):
        tr = small.id.isin(combo).astype(float)
        X = sm.add_constant(pd.DataFrame({"tr": tr, "post": small.post, "i": tr * small.post}))
        brute.append(sm.OLS(small.y, X).fit().params["i"])
    np.testing.assert_allclose(np.sort(ri.draws), np.sort(brute), atol=1e-10)
    with pytest.raises(DataValidationError, match="refit did_2x2 with unit="):
        randomization_inference(did_2x2(small, y="y", treated="tr", post="post"))


def test_two_clusters_give_an_unbounded_interval_not_a_huge_one():
    """With 2 clusters a Rademacher WCR p-value is at least 2/4, so no finite 95% interval exists."""
    import warnings

    import numpy as np
    import pandas as pd

    from govstudy import twfe, wild_cluster_bootstrap

    rng = np.random.default_rng(3)
    # two counties of ten communities; five in each county adopt from period 3
    rows = [(u, t, int(u % 10 < 5 and t >= 3), u // 10) for u in range(20) for t in range(6)]
    df = pd.DataFrame(rows, columns=["unit", "time", "d", "county"])
    df["y"] = rng.normal(size=len(df)) + 0.5 * df["d"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = twfe(df, y="y", treat="d", unit="unit", time="time", vcov="cluster", cluster="county")
        out = wild_cluster_bootstrap(res, B=999, seed=1)
    assert out.p_value >= 0.5
    assert (out.ci_low, out.ci_high) == (-np.inf, np.inf)
    assert any("unbounded" in note for note in out.notes)
