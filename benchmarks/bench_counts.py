"""Speed of govstudy's PPML (``twfe(..., family="poisson")``) against pyfixest's ``fepois``, measured in one run.

    .venv/bin/python benchmarks/bench_counts.py [--quick]

Goal (issue 18): at least as fast as the peer (CPU-time ratio ours / peer <= 1), on a simulated staggered count
panel of 5,000 units x 20 periods with a covariate and some all-zero units, clustered by unit. Both fits are
checked to agree (coefficients to rel 1e-6) before timing. CPU time by ``time.process_time`` (the machine is
shared), best of 3 (``cpu_time.best_cpu_time``) runs after one warm-up run, one BLAS thread for both.
"""

from __future__ import annotations

import sys
import warnings

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

import govstudy
from cpu_time import best_cpu_time  # benchmarks/, on the path when run as a script



def count_panel(n_units, n_periods, seed=0):
    rng = np.random.default_rng(seed)
    unit = np.repeat(np.arange(n_units), n_periods)
    t = np.tile(np.arange(n_periods), n_units)
    g = rng.choice([0, n_periods // 3, n_periods // 2, 2 * n_periods // 3], n_units)[unit]
    D = ((g > 0) & (t >= g)).astype(np.int64)
    x = rng.normal(size=len(t))
    y = rng.poisson(np.exp(0.2 * D + 0.1 * x + rng.normal(0, 0.8, n_units)[unit] + 0.02 * t)).astype(float)
    y[unit < n_units // 100] = 0.0
    return pd.DataFrame({"unit": unit, "time": t, "D": D, "x": x, "y": y})


def main(quick=False):
    import pyfixest as pf

    nu, nt = (1000, 10) if quick else (5000, 20)
    df = count_panel(nu, nt)
    ours = lambda: govstudy.twfe(df, y="y", treat="D", unit="unit", time="time", covariates="x", family="poisson")
    peer = lambda: pf.fepois("y ~ D + x | unit + time", data=df, vcov={"CRV1": "unit"})
    with warnings.catch_warnings(), threadpool_limits(1):   # one BLAS thread for both: idle spinning is not counted
        warnings.simplefilter("ignore")
        a, b = ours(), peer()
        assert np.allclose(a.coef.to_numpy(), b.coef().to_numpy(), rtol=1e-6, atol=0)
        t_ours, t_peer = best_cpu_time(ours), best_cpu_time(peer)
    print(f"PPML {nu} x {nt} (CRV1): govstudy {t_ours:.3f} s, pyfixest fepois {t_peer:.3f} s, "
          f"ratio {t_ours / t_peer:.2f}")


if __name__ == "__main__":
    main(quick="--quick" in sys.argv)
