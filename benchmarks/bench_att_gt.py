"""CPU time of govstudy's att_gt against csdid, and of the ``dr_imp`` 2x2 kernel against drdid, in one run.

    .venv/bin/python benchmarks/bench_att_gt.py [--quick] [--profile]

Goal (issue 14): att_gt (dr, never-treated controls, no covariates) on a simulated 50,000 units x 20 periods panel
in at most 0.05x csdid's CPU time. CPU time is ``time.process_time`` (the machine is shared): best of 3 runs
after a warm-up for govstudy, best of 2 for csdid (it takes seconds), by ``cpu_time.best_cpu_time``, with one BLAS
thread for both. Before timing, the ATT(g,t) and SEs are checked against csdid (1e-8). The ``dr_imp`` kernel is timed on 2x2s against the ``drdid`` package's
``drdid_panel`` / ``drdid_rc`` (the traditional DR estimators: drdid has no improved ones, so this compares the
same kind of 2x2 computation, not the same estimator). ``--profile``: where att_gt's CPU time goes on the 50,000 x 20
panel, by stage (cProfile with a CPU-time clock, cumulative time of each stage's function).
"""

from __future__ import annotations

import contextlib
import io
import os
import sys
import time
import warnings

# one BLAS thread for both sides: CPU time then counts work, not the spinning of idle BLAS threads on a busy machine
for _v in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_v, "1")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

import govstudy  # noqa: E402
from cpu_time import best_cpu_time  # noqa: E402  (benchmarks/, on the path when run as a script)
from govstudy.estimators.drdid import did_panel, did_rc  # noqa: E402



def staggered_panel(n_units, n_periods, seed=1):
    rng = np.random.default_rng(seed)
    unit = np.repeat(np.arange(n_units), n_periods)
    t = np.tile(np.arange(1, n_periods + 1), n_units)
    g = rng.choice(np.array([0, 6, 9, 12, 15]), n_units)[unit]
    y = rng.normal(size=n_units)[unit] + 0.05 * t + np.where((g > 0) & (t >= g), 0.3, 0) + rng.normal(size=len(t))
    return pd.DataFrame({"unit": unit, "time": t, "g": g, "y": y})


def bench_att_gt(n_units):
    from csdid.att_gt import ATTgt
    from govstudy.panel import as_panel

    df = staggered_panel(n_units, 20)
    ours = lambda: govstudy.att_gt(df, y="y", unit="unit", time="time", cohort="g", method="dr", control="never")

    def theirs():
        with contextlib.redirect_stdout(io.StringIO()):
            return ATTgt(yname="y", tname="time", idname="unit", gname="g", data=df,
                         control_group="nevertreated").fit(est_method="dr", bstrap=False)
    a, b = ours(), theirs()
    assert np.allclose(a.att, b.results["att"], atol=1e-8) and np.allclose(a.se, b.results["se"], rtol=1e-8)
    t_ours, t_cs = best_cpu_time(ours), best_cpu_time(theirs, 2, warm=False)
    print(f"att_gt dr never-treated, {n_units:,} x 20 ({len(df):,} rows): govstudy {t_ours:.3f} s CPU, csdid "
          f"{t_cs:.3f} s CPU, ratio govstudy / csdid = {t_ours / t_cs:.4f} (goal <= 0.05)")
    P = as_panel(df, unit="unit", time="time", y="y", cohort="g", balance="keep")
    t_panel = best_cpu_time(lambda: as_panel(df, unit="unit", time="time", y="y", cohort="g", balance="keep"))
    t_est = best_cpu_time(lambda: govstudy.att_gt(P, y="y", cohort="g"))
    print(f"  of which: validating the panel (govstudy.panel.as_panel) {t_panel:.3f} s CPU; att_gt on the built "
          f"Panel {t_est:.3f} s CPU (ratio to csdid {t_est / t_cs:.4f})")


def two_by_two(n, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 3))
    D = (rng.random(n) < 1 / (1 + np.exp(-(x @ [0.4, -0.3, 0.2])))).astype(float)
    y0 = x @ [1.0, 0.5, -0.5] + rng.normal(size=n)
    y1 = y0 + 0.5 + D + x[:, 0] * 0.3 + rng.normal(size=n)
    post = rng.binomial(1, 0.5, n).astype(float)
    return D, x, y0, y1, post, np.where(post == 1, y1, y0)


def bench_dr_imp(n):
    from drdid.drdid import drdid_panel, drdid_rc

    D, x, y0, y1, post, y = two_by_two(n)
    X = np.column_stack([np.ones(n), x])
    w = np.ones(n)
    rows = []
    for name, ours, theirs in (
            ("panel", lambda: did_panel(y1 - y0, D, X, w, "dr_imp"), lambda: drdid_panel(y1, y0, D, x)),
            ("repeated cross-sections", lambda: did_rc(y, post, D, X, w, "dr_imp"), lambda: drdid_rc(y, post, D, x))):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            t_ours, t_dd = best_cpu_time(ours), best_cpu_time(theirs)
        rows.append((name, t_ours, t_dd))
        print(f"dr_imp 2x2 {name}, n = {n:,}: govstudy dr_imp {t_ours * 1e3:.1f} ms CPU, drdid (traditional dr) "
              f"{t_dd * 1e3:.1f} ms CPU, ratio govstudy / drdid = {t_ours / t_dd:.3f}")
    return rows


STAGES = (("as_panel", "panel validation, factorisation (govstudy.panel.as_panel)"),
          ("_prepare", "wide arrays, cohorts, weights (staggered._prepare)"),
          ("_estimate", "the ATT(g,t) 2x2s and their influence functions (staggered._estimate)"),
          ("influence_bands", "standard errors (aggte.influence_bands)"),
          ("_pretest", "pre-test of parallel trends (staggered._pretest)"))


def profile_att_gt(n_units=50_000, repeat=5):
    """CPU time of att_gt by stage (cumulative time of each stage's function under cProfile, best-effort)."""
    import cProfile
    import pstats

    df = staggered_panel(n_units, 20)
    f = lambda: govstudy.att_gt(df, y="y", unit="unit", time="time", cohort="g", method="dr", control="never")
    f()
    pr = cProfile.Profile(time.process_time)
    pr.enable()
    for _ in range(repeat):
        f()
    pr.disable()
    st = pstats.Stats(pr).stats
    total = sum(v[3] for k, v in st.items() if k[2] == "att_gt") / repeat
    print(f"att_gt under cProfile, {n_units:,} x 20: {total * 1e3:.1f} ms CPU per call")
    for name, what in STAGES:
        t = sum(v[3] for k, v in st.items() if k[2] == name) / repeat
        print(f"  {what}: {t * 1e3:.1f} ms ({t / total:.0%})")


def main(quick=False):
    warnings.simplefilter("ignore")
    bench_att_gt(5_000 if quick else 50_000)
    for n in ((2_000,) if quick else (2_000, 50_000)):
        bench_dr_imp(n)


if __name__ == "__main__":
    if "--profile" in sys.argv:
        warnings.simplefilter("ignore")
        profile_att_gt()
    else:
        main(quick="--quick" in sys.argv)
