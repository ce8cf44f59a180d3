"""Speed and memory of govstudy's estimators against pyfixest and csdid, measured in one run.

    .venv/bin/python benchmarks/bench_estimators.py [--quick] [--att-gt-only]

Goals: TWFE with clustered SEs on a balanced 20,000 x 60 panel in at most 0.25x pyfixest's CPU time, with
peak memory (validation included) at most 2.5x the input frame (issue 14; issue 3 asked for 1x and 4x); att_gt (dr, never-treated) on 5,000 x 20 at least 2x faster than csdid; peak memory
(tracemalloc, measured in a separate pass so it does not slow the timings) under 4x the input frame.
Each timing is the best of ``REPEAT`` runs after one warm-up run (CPU time: ``cpu_time.best_cpu_time``).
"""

from __future__ import annotations

import sys
import time
import tracemalloc
import warnings

import numpy as np
import pandas as pd

import govstudy
from cpu_time import best_cpu_time  # benchmarks/, on the path when run as a script

REPEAT = 3


def twfe_panel(n_units, n_periods, seed=0):
    rng = np.random.default_rng(seed)
    unit = np.repeat(np.arange(n_units), n_periods)
    t = np.tile(np.arange(n_periods), n_units)
    g = rng.choice([0, n_periods // 3, n_periods // 2, 2 * n_periods // 3], n_units)[unit]
    D = ((g > 0) & (t >= g)).astype(np.int64)
    y = 0.5 * D + rng.normal(size=n_units)[unit] + 0.01 * t + rng.normal(size=len(t))
    return pd.DataFrame({"unit": unit, "time": t, "D": D, "y": y})


def staggered_panel(n_units, n_periods, seed=1):
    rng = np.random.default_rng(seed)
    unit = np.repeat(np.arange(n_units), n_periods)
    t = np.tile(np.arange(1, n_periods + 1), n_units)
    cohorts = np.array([0, 6, 9, 12, 15])
    g = rng.choice(cohorts, n_units)[unit]
    y = rng.normal(size=n_units)[unit] + 0.05 * t + np.where((g > 0) & (t >= g), 0.3, 0) + rng.normal(size=len(t))
    return pd.DataFrame({"unit": unit, "time": t, "g": g, "y": y})


def best(f, repeat=REPEAT):
    f()
    out = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        f()
        out.append(time.perf_counter() - t0)
    return min(out)


def peak_ratio(f, frame):
    tracemalloc.start()
    tracemalloc.reset_peak()
    f()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / frame.memory_usage(deep=True).sum(), peak


def main(quick=False, att_gt_only=False):
    from csdid.att_gt import ATTgt

    from threadpoolctl import threadpool_limits

    warnings.simplefilter("ignore")
    # one BLAS thread for both sides: on a loaded 2-core machine threaded BLAS made every timing erratic
    threadpool_limits(1)
    if not att_gt_only:
        bench_twfe(quick)
    bench_att_gt(quick, ATTgt)


def bench_twfe(quick):
    """Issue 14's goals: TWFE CPU time <= 0.25x pyfixest's, peak memory (validation included) <= 2.5x the input
    frame, SEs equal to pyfixest's; and where the time goes (validation, demeaning, the sandwich, the rest)."""
    import pyfixest as pf
    from govstudy.estimators.demean import demean
    from govstudy.estimators.ols import fe_ols
    from govstudy.estimators.vcov import vcov_matrix
    from govstudy.panel import as_panel

    nu, nt = (2_000, 60) if quick else (20_000, 60)
    df = twfe_panel(nu, nt)
    ours = lambda: govstudy.twfe(df, y="y", treat="D", unit="unit", time="time", vcov="cluster", cluster="unit")
    theirs = lambda: pf.feols("y ~ D | unit + time", df, vcov={"CRV1": "unit"})
    a, b = ours(), theirs()
    assert abs(a.estimate - b.coef().iloc[0]) < 1e-8 and abs(a.std_error - b.se().iloc[0]) < 1e-8
    t_ours, t_pf = best_cpu_time(ours), best_cpu_time(theirs)
    mem, peak = peak_ratio(ours, df)
    print(f"TWFE clustered, {nu:,} x {nt} ({len(df):,} rows): govstudy {t_ours:.3f} s, pyfixest {t_pf:.3f} s CPU, "
          f"ratio {t_ours / t_pf:.2f} (goal <= 0.25); peak memory {peak / 2**20:.0f} MiB = {mem:.2f} x input "
          f"frame (goal <= 2.5)")
    p = as_panel(df, unit="unit", time="time", y="y", treat="D", absorbing=False)
    X = p.treat_values[:, None]
    Z = np.column_stack([p.y_values, X])
    fit = fe_ols(p.y_values, X, ["D"], [p.unit_codes, p.time_codes], ["unit", "time"], None, "cluster",
                 p.unit_codes, "unit")
    Xd = demean(Z, [p.unit_codes, p.time_codes])[:, 1:]
    parts = {"validation (as_panel: ids, periods, duplicates, numbers)":
             best_cpu_time(lambda: as_panel(df, unit="unit", time="time", y="y", treat="D", absorbing=False)),
             "demeaning (exact two-way projection of y and D)":
             best_cpu_time(lambda: demean(Z.copy(), [p.unit_codes, p.time_codes], inplace=True)),
             "sandwich (CRV1)": best_cpu_time(lambda: vcov_matrix(Xd, fit.resid, "cluster", fit.df_k, None, p.unit_codes)),
             "fe_ols in all (sample, singletons, demeaning, collinearity, solve, sandwich)":
             best_cpu_time(lambda: fe_ols(p.y_values, X, ["D"], [p.unit_codes, p.time_codes], ["unit", "time"], None,
                                     "cluster", p.unit_codes, "unit"))}
    for what, t in parts.items():
        print(f"  {what}: {t:.3f} s ({t / t_ours:.0%} of twfe)")


def bench_att_gt(quick, ATTgt):
    from govstudy.panel import as_panel

    nu2, nt2 = (1_000, 20) if quick else (5_000, 20)
    sf = staggered_panel(nu2, nt2)
    ours2 = lambda: govstudy.att_gt(sf, y="y", unit="unit", time="time", cohort="g", method="dr", control="never")
    theirs2 = lambda: ATTgt(yname="y", tname="time", idname="unit", gname="g", data=sf,
                            control_group="nevertreated").fit(est_method="dr", bstrap=False)
    a2, b2 = ours2(), theirs2()
    assert np.allclose(a2.att, b2.results["att"], atol=1e-8)
    t2_ours, t2_cs = best(ours2), best(theirs2)
    mem2, peak2 = peak_ratio(ours2, sf)
    print(f"att_gt dr never-treated, {nu2:,} x {nt2} ({len(sf):,} rows): govstudy {t2_ours:.3f} s, csdid "
          f"{t2_cs:.3f} s, speed-up x{t2_cs / t2_ours:.2f} (goal >= 2); peak memory {peak2 / 2**20:.0f} MiB = "
          f"{mem2:.2f} x input frame (goal < 4)")
    mem_p, _ = peak_ratio(lambda: as_panel(sf, unit="unit", time="time", y="y", cohort="g", balance="keep"), sf)
    P = as_panel(sf, unit="unit", time="time", y="y", cohort="g", balance="keep")
    mem_e, _ = peak_ratio(lambda: govstudy.att_gt(P, y="y", cohort="g"), sf)
    print(f"  of which: validating the panel (govstudy.panel.as_panel) alone peaks at {mem_p:.2f} x; att_gt on an "
          f"already built Panel at {mem_e:.2f} x")
    ours3 = lambda: govstudy.att_gt(sf, y="y", unit="unit", time="time", cohort="g", method="dr", control="never",
                                    covariates=["x"])
    sf["x"] = np.random.default_rng(5).normal(size=nu2)[sf["unit"]]
    theirs3 = lambda: ATTgt(yname="y", tname="time", idname="unit", gname="g", data=sf, xformla="y~x",
                            control_group="nevertreated").fit(est_method="dr", bstrap=False)
    a3, b3 = ours3(), theirs3()
    assert np.allclose(a3.att, b3.results["att"], atol=1e-8)
    t3_ours, t3_cs = best(ours3, 1), best(theirs3, 1)
    mem3, _ = peak_ratio(ours3, sf)
    print(f"att_gt dr never-treated with 1 covariate, {nu2:,} x {nt2}: govstudy {t3_ours:.3f} s, csdid "
          f"{t3_cs:.3f} s, speed-up x{t3_cs / t3_ours:.2f}; peak memory {mem3:.2f} x input frame")
    # unbalanced panel (5% of rows dropped), repeated-cross-section path with a time-varying covariate
    ub = sf.assign(x=np.random.default_rng(6).normal(size=len(sf)))
    ub = ub.drop(index=np.random.default_rng(2).choice(len(ub), len(ub) // 20, replace=False))
    ours4 = lambda: govstudy.att_gt(ub, y="y", unit="unit", time="time", cohort="g", method="dr", control="never", covariates=["x"],
                                    unbalanced="rc")
    theirs4 = lambda: ATTgt(yname="y", tname="time", idname="unit", gname="g", data=ub, xformla="y~x",
                            control_group="nevertreated", allow_unbalanced_panel=True).fit(est_method="dr",
                                                                                           bstrap=False)
    a4, b4 = ours4(), theirs4()
    assert np.allclose(a4.att, b4.results["att"], atol=1e-8) and np.allclose(a4.se, b4.results["se"], rtol=1e-6)
    t4_ours, t4_cs = best(ours4, 1), best(theirs4, 1)
    mem4, _ = peak_ratio(ours4, ub)
    print(f"att_gt dr rc (unbalanced, 1 time-varying covariate), {nu2:,} x {nt2} minus 5% of rows: govstudy "
          f"{t4_ours:.3f} s, csdid (allow_unbalanced_panel) {t4_cs:.3f} s, speed-up x{t4_cs / t4_ours:.2f}; peak "
          f"memory {mem4:.2f} x input frame")


if __name__ == "__main__":
    main(quick="--quick" in sys.argv, att_gt_only="--att-gt-only" in sys.argv)
