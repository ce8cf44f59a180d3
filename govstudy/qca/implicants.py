"""Exact Boolean minimisation: all prime implicants, then every minimum cover of the positive rows.

Prime implicants come from a zeta transform over the ``prod(L_j + 1)`` implicant space (code 0 = the
condition is left out): a term is an implicant when it covers no forbidden configuration, prime when
no term with one literal fewer is an implicant. This is equivalent to Quine-McCluskey for binary and
multi-value conditions and costs ``O(k * 3^k)`` array operations for ``k`` binary conditions.

The covering step returns **every** cover with the minimum number of prime implicants (R QCA's
default: no row dominance, ties all kept). It recurses on the columns still to cover: dominated columns
are dropped and independent blocks solved apart (neither changes the set of minimum covers); the minimum
size comes from branch and bound over remembered sub-problems, and the covers are then listed only along
the branches that reach it (see :func:`minimum_covers`).

Why our own code: the Python QCA implementations describe themselves as experimental, and their users
report that only one of several equally minimal models is returned; R's QCA is not a Python dependency.
This module is tested against a brute-force enumeration of all minimal covers on random truth tables.

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


def _bits(mask: int):
    while mask:
        low = mask & -mask
        yield low.bit_length() - 1
        mask ^= low


def _reduce(cols: int, col_pis: list) -> list:
    """The columns of ``cols`` that matter: a column whose implicants include all of another column's is
    covered whenever that one is, so it is dropped (of equal columns one is kept)."""
    order = sorted(_bits(cols), key=lambda j: (col_pis[j].bit_count(), j))
    kept, masks = [], []
    for j in order:
        cj = col_pis[j]
        for ck in masks:
            if ck & cj == ck:
                break
        else:
            kept.append(j)
            masks.append(cj)
    return kept


def _blocks(kept: list, col_pis: list) -> list:
    """Column masks of the blocks of ``kept`` that share no implicant."""
    blocks: list = []                            # (column mask, implicant mask)
    for j in kept:
        cm, pm = 1 << j, col_pis[j]
        rest = []
        for b in blocks:
            if b[1] & pm:
                cm, pm = cm | b[0], pm | b[1]
            else:
                rest.append(b)
        blocks = rest + [(cm, pm)]
    return [b[0] for b in blocks]


def minimum_covers(chart: np.ndarray, *, max_models: int = 10_000) -> list:
    """Every set of rows of ``chart`` (implicants x positive configurations) of minimum size that covers
    all columns, as sorted tuples of row indices.

    Exact and complete, by recursion on the columns still to cover: a column whose implicants include all
    of another column's is dropped (it is covered whenever the other is); columns that share no implicant
    form blocks solved apart, whose minimum covers combine; within a block, every minimum cover contains
    one of the implicants of the column with the fewest, and the rest of it is a minimum cover of what that
    implicant leaves uncovered. Sub-problems are remembered, so tied alternatives are found once.

    >>> minimum_covers(np.array([[1, 1, 0], [0, 1, 1], [1, 0, 1]], bool))
    [(0, 1), (0, 2), (1, 2)]
    """
    chart = np.asarray(chart, bool)
    n_pi, n_col = chart.shape
    if n_col == 0:
        return [()]
    if not chart.any(axis=0).all():
        raise ArgumentError("a positive configuration is covered by no implicant")
    col_pis = [sum(1 << int(p) for p in np.flatnonzero(chart[:, j])) for j in range(n_col)]
    pi_cols = [sum(1 << int(j) for j in np.flatnonzero(chart[p])) for p in range(n_pi)]
    exact: dict = {}                             # columns -> minimum cover size
    lower: dict = {}                             # columns -> a proven lower bound

    def reduced(cols: int) -> tuple:
        kept = _reduce(cols, col_pis)
        return kept, sum(1 << j for j in kept)

    def bound(kept: list) -> int:
        """Columns that share no implicant need one each: a greedy packing of such columns."""
        used, n = 0, 0
        for j in kept:
            if not col_pis[j] & used:
                used |= col_pis[j]
                n += 1
        return n

    def greedy(cols: int) -> int:
        n = 0
        while cols:
            cols &= ~pi_cols[max(range(n_pi), key=lambda p: (pi_cols[p] & cols).bit_count())]
            n += 1
        return n

    def size(cols: int, ub: int) -> int:
        """The minimum number of implicants covering ``cols`` if it is at most ``ub``; otherwise a number
        above ``ub`` that bounds it from below (branch and bound; both kinds of answer are remembered)."""
        if cols == 0:
            return 0
        if cols in exact:
            return exact[cols]
        if lower.get(cols, 1) > ub:
            return lower.get(cols, 1)
        kept, key = reduced(cols)
        lb = bound(kept)
        if lb > ub:
            lower[cols] = max(lb, lower.get(cols, 0))
            return lower[cols]
        blocks = _blocks(kept, col_pis)
        if len(blocks) > 1:
            lbs = [bound(_reduce(b, col_pis)) for b in blocks]
            total = 0
            for i, b in enumerate(blocks):
                total += size(b, ub - total - sum(lbs[i + 1:]))
                if total + sum(lbs[i + 1:]) > ub:
                    lower[cols] = max(total + sum(lbs[i + 1:]), lower.get(cols, 0))
                    return lower[cols]
            exact[cols] = total
            return total
        best = ub + 1
        cands = sorted(_bits(col_pis[kept[0]]), key=lambda p: -(pi_cols[p] & key).bit_count())
        for p in cands:
            best = min(best, 1 + size(key & ~pi_cols[p], best - 2))
        if best <= ub:
            exact[cols] = best
            return best
        lower[cols] = max(ub + 1, lower.get(cols, 0))
        return lower[cols]

    memo: dict = {}

    def too_many(n):
        raise ArgumentError(f"more than {max_models} equally minimal models (n = {n}); the truth table is too "
                            "ambiguous to list them all (raise max_models or add cases)")

    def covers(cols: int) -> list:
        """Every minimum cover of the columns in ``cols``, as implicant bit masks."""
        if cols == 0:
            return [0]
        if cols not in memo:
            kept, key = reduced(cols)
            blocks = _blocks(kept, col_pis)
            if len(blocks) > 1:
                out = [0]
                for b in blocks:
                    out = [a | c for a in out for c in covers(b)]
                    if len(out) > max_models:
                        too_many(len(out))
            else:
                target = size(cols, greedy(cols)) - 1    # every branch that can still reach the minimum
                found = set()
                for p in _bits(col_pis[kept[0]]):
                    rest = key & ~pi_cols[p]
                    if size(rest, target) == target:
                        found.update(c | 1 << p for c in covers(rest))
                if len(found) > max_models:
                    too_many(len(found))
                out = list(found)
            memo[cols] = out
        return memo[cols]

    return sorted(tuple(_bits(c)) for c in covers((1 << n_col) - 1))
