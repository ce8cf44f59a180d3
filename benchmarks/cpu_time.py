"""The one timer of the benchmarks: best CPU time of several runs after a warm-up.

CPU time (``time.process_time``), not wall time, because the machines these run on are shared; the best of
``repeat`` runs because a loaded machine only ever adds time.

>>> best_cpu_time(lambda: sum(range(1000)), repeat=2) >= 0
True
"""

from __future__ import annotations

import time


def best_cpu_time(f, repeat: int = 3, warm: bool = True) -> float:
    """Best CPU time in seconds of ``repeat`` calls of ``f`` (after one untimed call when ``warm``)."""
    if warm:
        f()
    best = float("inf")
    for _ in range(repeat):
        t0 = time.process_time()
        f()
        best = min(best, time.process_time() - t0)
    return best
