"""Exact Boolean minimisation: all prime implicants, then every minimum cover of the positive rows.

Prime implicants come from a zeta transform over the ``prod(L_j + 1)`` implicant space (code 0 = the
condition is left out): a term is an implicant when it covers no forbidden configuration, prime when
no term with one literal fewer is an implicant. This is equivalent to Quine-McCluskey for binary and
multi-value conditions and costs ``O(k * 3^k)`` array operations for ``k`` binary conditions.

The covering step returns **every** cover with the minimum number of prime implicants (R QCA's
default: no row dominance, ties all kept), by branch and bound on the positive row with the fewest
candidates. Dominated columns are removed first (this cannot change the set of minimum covers).

Why our own code: no maintained Python QCA library is trustworthy -- the ones we tried return only
one of several tied models. This module is tested against a brute-force enumeration of all minimal
covers on random truth tables.

>>> import numpy as np
>>> from govstudy.qca.implicants import prime_implicants, minimum_covers
>>> on = np.array([[1, 1], [1, 0]]); bad = np.array([[0, 0], [0, 1]])
>>> prime_implicants([2, 2], on, bad)
[(2, 0)]
"""

from __future__ import annotations

import numpy as np

from govstudy.errors import ArgumentError

__all__ = ["prime_implicants", "coverage", "minimum_covers", "covered_configs"]

MAX_CELLS = 20_000_000


def _grid(levels, configs):
    shape = tuple(int(lv) + 1 for lv in levels)
    a = np.zeros(shape, bool)
    if len(configs):
        a[tuple(np.asarray(configs, int).T + 1)] = True
    return a


def _zeta_any(a: np.ndarray) -> np.ndarray:
    """Fill every implicant cell (some code 0) with OR over the configurations it covers."""
    a = a.copy()
    for ax in range(a.ndim):
        sl0 = [slice(None)] * a.ndim
        sl1 = [slice(None)] * a.ndim
        sl0[ax] = 0
        sl1[ax] = slice(1, None)
        a[tuple(sl0)] = a[tuple(sl1)].any(axis=ax)
    return a


def prime_implicants(levels, on_configs, bad_configs) -> list:
    """Prime implicants (code tuples) covering >= 1 of ``on_configs`` and none of ``bad_configs``
    (configurations as value arrays, 0..L-1). Everything else is a "don't care" (a usable remainder)."""
    levels = [int(v) for v in levels]
    if int(np.prod([lv + 1 for lv in levels], dtype=float)) > MAX_CELLS:
        raise ArgumentError(f"{len(levels)} conditions with levels {levels} make too many implicants to search "
                            "exactly; use fewer conditions")
    bad = _zeta_any(_grid(levels, bad_configs))
    on = _zeta_any(_grid(levels, on_configs))
    ok = ~bad
    valid = ok & on
    has_parent = np.zeros_like(valid)
    for ax in range(valid.ndim):
        sl0 = [slice(None)] * valid.ndim
        sl0[ax] = slice(0, 1)
        sl1 = [slice(None)] * valid.ndim
        sl1[ax] = slice(1, None)
        has_parent[tuple(sl1)] |= ok[tuple(sl0)]
    prime = valid & ~has_parent
    return [tuple(int(v) for v in t) for t in np.argwhere(prime)]


def coverage(terms, configs) -> np.ndarray:
    """Boolean matrix terms x configs: does the term cover the configuration?"""
    T = np.asarray(terms, int).reshape(len(terms), -1)
    C = np.asarray(configs, int).reshape(len(configs), -1)
    return np.all((T[:, None, :] == 0) | (T[:, None, :] == C[None, :, :] + 1), axis=2)


def covered_configs(term, levels) -> np.ndarray:
    """Every configuration a term covers."""
    axes = [np.arange(lv) if c == 0 else np.array([c - 1]) for c, lv in zip(term, levels)]
    return np.array(np.meshgrid(*axes, indexing="ij")).reshape(len(levels), -1).T


def minimum_covers(chart: np.ndarray, *, max_models: int = 10_000) -> list:
    """Every set of rows of ``chart`` (implicants x positive configurations) of minimum size that covers
    all columns, as sorted tuples of row indices."""
    chart = np.asarray(chart, bool)
    n_pi, n_col = chart.shape
    if n_col == 0:
        return [()]
    if not chart.any(axis=0).all():
        raise ArgumentError("a positive configuration is covered by no implicant")
    # remove dominated columns: a column whose implicants include all of another column's is implied
    cols = [frozenset(np.flatnonzero(chart[:, j]).tolist()) for j in range(n_col)]
    uniq = sorted(set(cols), key=len)
    keep = [c for k, c in enumerate(uniq) if not any(o < c for o in uniq[:k] if len(o) < len(c))]
    colbits = {}
    for j, c in enumerate(keep):
        for p in c:
            colbits[p] = colbits.get(p, 0) | (1 << j)
    m = len(keep)
    full = (1 << m) - 1
    pis = sorted(colbits)
    bits = {p: colbits[p] for p in pis}
    col_pis = [sorted(c) for c in keep]

    def search(k):
        found = []

        def rec(chosen, covered, banned, depth):
            if covered == full:
                found.append(tuple(sorted(chosen)))
                if len(found) > max_models:
                    raise ArgumentError(f"more than {max_models} equally minimal models; the truth table is too "
                                        "ambiguous to list them all (raise max_models or add cases)")
                return
            if depth == 0:
                return
            unc = full & ~covered
            best_gain = max((bin(bits[p] & unc).count("1") for p in pis if p not in banned), default=0)
            if best_gain == 0 or -(-bin(unc).count("1") // best_gain) > depth:
                return
            # the uncovered column with the fewest usable implicants
            cand, best = None, None
            for j in range(m):
                if unc >> j & 1:
                    cs = [p for p in col_pis[j] if p not in banned]
                    if best is None or len(cs) < len(best):
                        cand, best = j, cs
                        if len(cs) <= 1:
                            break
            if not best:
                return
            newban = set(banned)
            for p in best:
                rec(chosen + [p], covered | bits[p], frozenset(newban), depth - 1)
                newban.add(p)

        rec([], 0, frozenset(), k)
        return found

    for k in range(1, len(pis) + 1):
        res = search(k)
        if res:
            return sorted(set(res))
    raise ArgumentError("no cover found")  # pragma: no cover
