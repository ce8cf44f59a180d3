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

from itertools import product

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


def _lower_bound(unc: int, col_pis: list, col_bits: list, banned: frozenset) -> int:
    """Columns that share no usable implicant each need their own: a greedy packing of such columns,
    taken in order of fewest candidates, bounds the implicants still needed from below."""
    used: set = set()
    bound = 0
    for j in col_bits:
        if not unc >> j & 1:
            continue
        cands = col_pis[j] - banned
        if not cands:
            return 1 << 30                      # a column no usable implicant covers: a dead end
        if used.isdisjoint(cands):
            used |= cands
            bound += 1
    return bound


def _component_covers(cols: list, bits: dict, max_models: int) -> list:
    """Every minimum cover of one connected block of the chart (columns as sets of implicants)."""
    m = len(cols)
    full = (1 << m) - 1
    order = sorted(range(m), key=lambda j: len(cols[j]))     # columns with few candidates first
    best = [len(bits) + 1]
    found: list = []

    def rec(chosen, covered, banned):
        if covered == full:
            if len(chosen) < best[0]:
                best[0] = len(chosen)
                found.clear()
            found.append(tuple(sorted(chosen)))
            if len(found) > max_models:
                raise ArgumentError(f"more than {max_models} equally minimal models; the truth table is too "
                                    "ambiguous to list them all (raise max_models or add cases)")
            return
        unc = full & ~covered
        if len(chosen) + _lower_bound(unc, cols, order, banned) > best[0]:
            return
        j = min((j for j in order if unc >> j & 1), key=lambda j: len(cols[j] - banned))
        ban = set(banned)
        for p in sorted(cols[j] - banned, key=lambda p: -bin(bits[p] & unc).count("1")):
            rec(chosen + [p], covered | bits[p], frozenset(ban))
            ban.add(p)                           # later branches leave p out: each cover is found once

    rec([], 0, frozenset())
    return sorted(set(found))


def minimum_covers(chart: np.ndarray, *, max_models: int = 10_000) -> list:
    """Every set of rows of ``chart`` (implicants x positive configurations) of minimum size that covers
    all columns, as sorted tuples of row indices.

    Exact and complete: implicants that alone cover a column (essential) are in every minimum cover;
    a column whose implicants include all of another column's is implied by it and dropped; the rest
    splits into blocks that share no implicant, each solved by branch and bound (bound: columns that
    share no implicant need one each), and the minimum covers are every combination of the blocks'.

    >>> minimum_covers(np.array([[1, 1, 0], [0, 1, 1], [1, 0, 1]], bool))
    [(0, 1), (0, 2), (1, 2)]
    """
    chart = np.asarray(chart, bool)
    n_pi, n_col = chart.shape
    if n_col == 0:
        return [()]
    if not chart.any(axis=0).all():
        raise ArgumentError("a positive configuration is covered by no implicant")
    cols = {frozenset(np.flatnonzero(chart[:, j]).tolist()) for j in range(n_col)}
    essential = {next(iter(c)) for c in cols if len(c) == 1}
    cols = sorted((c for c in cols if not c & essential), key=len)
    cols = [c for k, c in enumerate(cols) if not any(o < c for o in cols[:k])]
    blocks: list = []                            # connected blocks: columns linked by a shared implicant
    for c in cols:
        joined = [b for b in blocks if b[1] & c]
        rest = [b for b in blocks if not b[1] & c]
        cs, ps = [c], set(c)
        for b in joined:
            cs += b[0]
            ps |= b[1]
        blocks = rest + [(cs, ps)]
    per_block = []
    for cs, ps in blocks:
        bits = {p: sum(1 << j for j, c in enumerate(cs) if p in c) for p in ps}
        per_block.append(_component_covers(cs, bits, max_models))
    n_models = int(np.prod([len(b) for b in per_block], dtype=float))
    if n_models > max_models:
        raise ArgumentError(f"{n_models} equally minimal models (more than max_models={max_models}); the truth "
                            "table is too ambiguous to list them all (raise max_models or add cases)")
    base = tuple(sorted(essential))
    return sorted(tuple(sorted(base + sum(combo, ()))) for combo in product(*per_block))
