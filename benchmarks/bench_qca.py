"""QCA minimisation speed: 10 conditions, 200 cases, every equally minimal model.

Run from the repository root:  .venv/bin/python benchmarks/bench_qca.py

Data: SIMULATED by ``govstudy.qca.simulate_configurations`` (seed 1): ten fuzzy conditions C1..C10 and an outcome
that follows ``C1*C2*~C3 + C4*C5 + ~C6*C7*C8`` up to noise. Two truth tables of the same cases:

A. fuzzy, ``incl_cut=0.9, pri_cut=0.6`` -- rows the noise pushes across the cut make the parsimonious solution
   highly ambiguous (thousands of tied models): the hard case for "every minimal model";
B. crisp (each score dichotomised at 0.5), ``incl_cut=1`` -- the textbook case.

For each, the conservative and parsimonious solutions (and for B the intermediate one, all conditions expected
present) are timed end to end (``minimize``: prime implicants, every minimum cover, the fit of every term within its own model),
best of ``REPEAT`` wall-clock runs after a warm-up. No peer: no other exact QCA minimiser is installed in the
project environment (R's QCA package is not on CRAN mirrors reachable here, and the Python packages on PyPI are
not project dependencies), so the times are absolute. A's intermediate solution is not timed: R's procedure, which govstudy follows, solves
one chart per pair of conservative and parsimonious models (4 x 2,708 here).
"""

from __future__ import annotations

import os
import platform
import time

from govstudy import qca

REPEAT = 3
CONDS = [f"C{k}" for k in range(1, 11)]
TRUTH = "C1*C2*~C3 + C4*C5 + ~C6*C7*C8"


def best(f, repeat=REPEAT):
    f()
    ts, out = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        out = f()
        ts.append(time.perf_counter() - t)
    return min(ts), out


def tables():
    d = qca.simulate_configurations(TRUTH, CONDS, n_cases=200, seed=1)
    crisp = d.assign(**{c: (d[c] > 0.5).astype(int) for c in CONDS + ["Y"]})
    return {"A fuzzy incl 0.9 / PRI 0.6": qca.truth_table(d, "Y", CONDS, incl_cut=0.9, pri_cut=0.6),
            "B crisp": qca.truth_table(crisp, "Y", CONDS)}


def main():
    print(f"python {platform.python_version()}, {platform.machine()}, load average {os.getloadavg()[0]:.2f}")
    print("| truth table | rows (OUT=1/0) | solution | models | terms per model | seconds |")
    print("| --- | --- | --- | --- | --- | --- |")
    for name, tt in tables().items():
        n1 = len(tt.rows("1"))
        for sol in ("conservative", "parsimonious") + (("intermediate",) if name.startswith("B") else ()):
            dir_exp = ", ".join(CONDS) if sol == "intermediate" else None
            t, s = best(lambda: qca.minimize(tt, sol, dir_exp))
            sizes = sorted({len(m) for m in s.model_terms})
            print(f"| {name} | {len(tt.table)} ({n1}/{len(tt.table) - n1}) | {sol} | {len(s.models)} | "
                  f"{'/'.join(map(str, sizes))} | {t:.3f} |")


if __name__ == "__main__":
    main()
