"""Benchmark (not a test): power for a 500-community x 36-month design, 1,000 simulations.

Target (issue 5): under 60 s on a 2-core machine. Run:

    .venv/bin/python benchmarks/bench_power.py

Prints the wall time with one and two worker processes, and the power found (SIMULATED DATA).
"""

from __future__ import annotations

import os
import platform
import time

from govstudy import Design, power


def main() -> None:
    design = Design(n_counties=5, communities_per_county=100, n_months=36)  # 500 communities
    power(design, n_sims=20, n_jobs=1, progress=False)  # warm-up (imports, caches)
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"Python {platform.python_version()}")
    for n_jobs in (1, 2):
        t0 = time.perf_counter()
        r = power(design, estimator="att_gt", n_sims=1000, seed=0, n_jobs=n_jobs, progress=False)
        dt = time.perf_counter() - t0
        row = r.table.iloc[0]
        print(f"att_gt, 500 communities x 36 months, 1000 simulations, n_jobs={n_jobs}: {dt:.1f} s "
              f"(power {row.power:.3f} ± {row.power_mcse:.3f}, MDE {100 * row.mde_rel:.1f}% ± "
              f"{100 * row.mde_rel_mcse:.1f}%)")
    t0 = time.perf_counter()
    r = power(design, estimator="twfe", n_sims=1000, seed=0, n_jobs=1, progress=False)
    print(f"twfe, same design, 1000 simulations, n_jobs=1: {time.perf_counter() - t0:.1f} s")


if __name__ == "__main__":
    main()
