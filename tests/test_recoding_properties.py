"""Property: every equivalent way of writing the same panel gives the same numbers (to 1e-10).

A valid staggered panel is re-coded as a researcher might: never-treated as 0 / NaN / inf / blank, rows
shuffled, Chinese column names, months as dates or "2023-01" strings instead of integers, unit ids as text.
Every estimator's point estimates and analytic standard errors must not move. (Seeded bootstrap draws follow
unit order and are exempt; no bootstrap is run here.) Derandomised, bounded ``max_examples`` so CI stays short.
"""

import warnings

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from govstudy import att_gt, bacon_decomposition, did_2x2, event_study, synth, twfe

TOL = 1e-10


def panel(n_units, n_periods, seed):
    rng = np.random.default_rng(seed)
    g_unit = np.array([0, 0, 3, 5] * n_units)[:n_units]
    rng.shuffle(g_unit)
    g_unit[:2] = [0, 3]
    u = np.repeat(np.arange(1, n_units + 1), n_periods)
    t = np.tile(np.arange(1, n_periods + 1), n_units)
    g = g_unit[u - 1]
    d = ((g > 0) & (t >= g)).astype(int)
    z = rng.normal(size=len(u))
    y = rng.normal(size=n_units)[u - 1] + 0.2 * t + d * (1.0 + 0.3 * (t - g)) + 0.5 * z + rng.normal(0, 0.5, len(u))
    return pd.DataFrame({"unit": u, "t": t, "g": g, "D": d, "z": z, "y": y})


def estimates(df, c):
    """Every estimator on one coding; ``c`` maps the role to the column name of this coding."""
    kw = dict(unit=c["unit"], time=c["t"])
    out = {}
    r = twfe(df, y=c["y"], treat=c["D"], covariates=c["z"], **kw)
    out["twfe"] = np.r_[r.coef.to_numpy(), r.std_errors.to_numpy()]
    for m in ("twfe", "sun_abraham"):
        e = event_study(df, y=c["y"], cohort=c["g"], method=m, **kw)
        out[f"es_{m}"] = np.r_[e.coef.to_numpy(), e.std_errors.to_numpy()]
    a = att_gt(df, y=c["y"], cohort=c["g"], control="notyet", **kw)
    out["att_gt"] = np.r_[a.att, a.se, [a.aggregate(k).estimate for k in ("simple", "group", "dynamic")],
                          [a.aggregate(k).std_error for k in ("simple", "group", "dynamic")]]
    out["bacon"] = np.r_[bacon_decomposition(df, y=c["y"], cohort=c["g"], **kw).table["estimate"].sort_values()]
    post = df[c["t"]].rank(method="dense") >= 3
    treated = df[c["g"]].astype(str).isin(["3", "3.0"]) | (df["_cohort_pos"] == 3)
    dd = did_2x2(df.assign(_post=post.astype(int), _tr=treated.astype(int)), y=c["y"], treated="_tr", post="_post")
    out["did_2x2"] = np.r_[dd.estimate, dd.std_error]
    first_treated = df.loc[df["_cohort_pos"] == 3].sort_values("_uid")[c["unit"]].iloc[0]
    never = df.loc[df["_cohort_pos"] == 0, c["unit"]].unique().tolist()
    tt = df.loc[df["_time_pos"] == 3, c["t"]].iloc[0]
    s = synth(df, y=c["y"], unit=c["unit"], time=c["t"], treated_unit=first_treated, treat_time=tt,
              donors=never, method="sdid", vcov=None, placebo=False)
    out["synth"] = np.r_[s.estimate]
    return out


@settings(max_examples=25, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(n_units=st.integers(10, 16), n_periods=st.integers(6, 8), seed=st.integers(0, 10_000),
       never=st.sampled_from([np.nan, np.inf, -np.inf, "", None]), chinese=st.booleans(),
       dates=st.sampled_from(["integer", "month-string", "datetime"]), text_ids=st.booleans(),
       order_seed=st.integers(0, 1_000))
def test_every_equivalent_coding_gives_the_same_numbers(n_units, n_periods, seed, never, chinese, dates, text_ids,
                                                        order_seed):
    base = panel(n_units, n_periods, seed)
    base["_cohort_pos"], base["_time_pos"], base["_uid"] = base["g"], base["t"], base["unit"]
    names = {k: k for k in ("unit", "t", "g", "D", "z", "y")}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = estimates(base, names)

        df = base.copy()
        months = pd.period_range("2022-10", periods=n_periods, freq="M")
        if dates == "month-string":
            df["t"] = [str(months[i - 1]) for i in df["t"]]
            df["g"] = [str(months[i - 1]) if i else "" for i in df["g"]]
        elif dates == "datetime":
            df["t"] = [months[i - 1].to_timestamp() for i in df["t"]]
            df["g"] = pd.Series([months[i - 1].to_timestamp() if i else pd.NaT for i in df["g"]],
                                dtype="datetime64[ns]")
        if dates != "datetime":
            df["g"] = df["g"].astype(object).where(df["_cohort_pos"] > 0, never)
        if text_ids:
            df["unit"] = "社区" + df["unit"].astype(str)
        df = df.sample(frac=1.0, random_state=order_seed).reset_index(drop=True)
        if chinese:
            zh = {"unit": "社区", "t": "月份", "g": "首次处理", "D": "处理", "z": "常住人口", "y": "办结事项"}
            df = df.rename(columns=zh)
            names = zh
        got = estimates(df, names)
    for k in ref:
        np.testing.assert_allclose(got[k], ref[k], atol=TOL, rtol=0, err_msg=k)
