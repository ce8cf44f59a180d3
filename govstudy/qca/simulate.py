"""SIMULATED case sets with a known configurational truth, to show that minimisation recovers it.

Conditions are fuzzy scores drawn near 0 or 1; the outcome is the fuzzy membership in the true
expression (e.g. ``"A*B + C*~D"``) plus small noise, so the truth is sufficient by construction. The
returned frame carries ``attrs["simulated"] = True``, ``attrs["truth"]`` and a ``simulated`` column.

>>> from govstudy.qca import simulate_configurations
>>> d = simulate_configurations("A*B + C", ["A", "B", "C"], n_cases=30, seed=1)
>>> d.attrs["simulated"], bool(d["simulated"].all()), d.shape
(True, True, (30, 5))
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from govstudy.arguments import check_count, check_seed, names
from govstudy.errors import ArgumentError
from govstudy.qca.expressions import parse, sop_membership

__all__ = ["simulate_configurations"]


def simulate_configurations(truth: str, conditions, *, n_cases: int = 40, noise: float = 0.05, seed=0,
                            outcome: str = "Y") -> pd.DataFrame:
    """A SIMULATED fuzzy-set data set of ``n_cases`` whose outcome follows ``truth`` exactly up to
    ``noise`` (uniform, subtracted from the outcome so that the truth stays sufficient)."""
    conditions = names(conditions, "conditions")
    n_cases = check_count(n_cases, "n_cases", minimum=2, recommended=None)
    seed = check_seed(seed)
    if not 0 <= noise < 0.5:
        raise ArgumentError(f"noise must be in [0, 0.5); got {noise!r}")
    rng = np.random.default_rng(seed)
    high = rng.random((n_cases, len(conditions))) < 0.5
    X = np.where(high, rng.uniform(0.6, 1.0, high.shape), rng.uniform(0.0, 0.4, high.shape)).round(2)
    terms = parse(truth, conditions)
    y = sop_membership(terms, X, [2] * len(conditions))
    y = np.clip(y - rng.uniform(0, noise, n_cases), 0, 1).round(2)
    y = np.where(y == 0.5, 0.49, y)
    df = pd.DataFrame(X, columns=conditions, index=[f"sim{k + 1:03d}" for k in range(n_cases)])
    df.index.name = "case"
    df[outcome] = y
    df["simulated"] = True
    df.attrs["simulated"] = True
    df.attrs["truth"] = truth
    return df
