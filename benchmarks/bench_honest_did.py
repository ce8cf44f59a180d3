"""govstudy.honest_did against the honestdid Python port of R HonestDiD, CPU time in one run (issue 18).

    .venv/bin/python benchmarks/bench_honest_did.py

Both answer the same problems: the mpdta event study (att_gt, universal base period, 3 pre- and 4 post-periods),
first post-period, smoothness (FLCI, M = 0, 0.01, 0.02) and relative magnitudes (C-LF, Mbar = 0.5, 1). Before
timing it checks that the answers agree (the tolerances of tests/test_honest_did.py). CPU time is
time.process_time of one call each after a warm-up (the port takes about half a minute per value of Mbar).
Goal: govstudy at least as fast as the port, ratio port / govstudy >= 1.
"""

import time
import warnings

import honestdid as H
import numpy as np

import govstudy

mp = govstudy.load("mpdta")
res = govstudy.att_gt(mp, y="lemp", unit="countyreal", time="year", cohort="first.treat",
                      base_period="universal").aggregate("dynamic")
t = res.tidy(overall=False)
keep = t["event_time"].to_numpy() != -1
b, V = t["estimate"].to_numpy()[keep], res.vcov.to_numpy()[np.ix_(keep, keep)]
n_pre, n_post = 3, 4
M, MBAR = [0, 0.01, 0.02], [0.5, 1]
step = 40 * np.sqrt(V[n_pre, n_pre]) / 999          # the port's theta grid for relative magnitudes


def cpu(f):
    t0 = time.process_time()
    out = f()
    return out, time.process_time() - t0


warnings.simplefilter("ignore")
runs = {
    "smoothness (FLCI), 3 values of M": (
        lambda: govstudy.honest_did(res, M=M).tidy().iloc[1:],
        lambda: H.createSensitivityResults(b, V, n_pre, n_post, Mvec=M),
        lambda ours, port: np.abs(np.r_[ours["lb"] - port["lb"], ours["ub"] - port["ub"]]).max()
        <= 5e-3 * (ours["ub"] - ours["lb"]).min() / 2),
    "relative magnitudes (C-LF), 2 values of Mbar": (
        lambda: govstudy.honest_did(res, Mbar=MBAR).tidy().iloc[1:],
        lambda: H.createSensitivityResults_relativeMagnitudes(b, V, n_pre, n_post, Mbarvec=MBAR),
        lambda ours, port: np.abs(np.r_[ours["lb"].to_numpy() - port["lb"], ours["ub"].to_numpy() - port["ub"]]).max()
        <= 3 * step),
}
print(f"{'problem':48s} {'govstudy':>10s} {'honestdid':>10s} {'ratio':>8s}")
for name, (ours_f, port_f, agree) in runs.items():
    ours_f()                                          # warm-up (imports, first calls)
    ours, t_ours = cpu(ours_f)
    port, t_port = cpu(port_f)
    assert agree(ours.reset_index(drop=True), port.reset_index(drop=True)), (ours, port)
    print(f"{name:48s} {t_ours:9.3f}s {t_port:9.2f}s {t_port / t_ours:7.0f}x", flush=True)
