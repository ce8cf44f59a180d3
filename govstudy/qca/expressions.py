"""Boolean expressions in R QCA notation: ``*`` and, ``+`` or, ``~`` not, ``DEV{1}`` a multi-value level.

A term (a conjunction) is coded as a tuple with one entry per condition: ``0`` = the condition is absent
from the term, ``v + 1`` = the condition takes value ``v`` (so ``1`` is ``~X`` and ``2`` is ``X`` for a
binary condition). Memberships use the fuzzy-set rules: ``~X = 1 - X``, AND = min, OR = max; a
multi-value literal ``X{v}`` is 1 where the case has value ``v``.

>>> from govstudy.qca.expressions import parse, format_term
>>> parse("~A*B + C", ["A", "B", "C"])
[(1, 2, 0), (0, 0, 2)]
>>> format_term((3, 0, 1), ["DEV", "URB", "LIT"], multivalue=True)
'DEV{2}*LIT{0}'
"""

from __future__ import annotations

import re

import numpy as np

from govstudy.errors import ArgumentError

__all__ = ["parse", "parse_term", "format_term", "format_sop", "term_membership", "sop_membership", "term_key",
           "sort_terms", "n_literals"]

_LIT = re.compile(r"^(~?)\s*([^\s{}\[\]~*+]+)\s*(?:[{\[]\s*([0-9,\s]+)\s*[}\]])?$")


def parse_term(text: str, conditions, levels=None) -> tuple:
    """One conjunction, e.g. ``"~A*B{1}"``, as a code tuple."""
    conditions = list(conditions)
    levels = list(levels) if levels is not None else [2] * len(conditions)
    code = [0] * len(conditions)
    text = text.strip()
    if not text:
        raise ArgumentError("empty term in the expression")
    for lit in text.split("*"):
        m = _LIT.match(lit.strip())
        if not m:
            raise ArgumentError(f"cannot read {lit.strip()!r}; write literals as X, ~X or X{{v}} joined by *")
        neg, name, val = m.groups()
        if name not in conditions:
            raise ArgumentError(f"{name!r} in {text!r} is not a condition; conditions are {conditions}")
        j = conditions.index(name)
        if val is not None:
            vals = [int(v) for v in val.replace(" ", "").split(",") if v]
            if len(vals) != 1:
                raise ArgumentError(f"{lit.strip()!r}: give one level per literal (write X{{1}} + X{{2}})")
            v = vals[0]
            if neg:
                if levels[j] != 2:
                    raise ArgumentError(f"{lit.strip()!r}: ~ of a multi-value level is ambiguous; name the levels")
                v = 1 - v
            if not 0 <= v < levels[j]:
                raise ArgumentError(f"{lit.strip()!r}: {name} has levels 0..{levels[j] - 1}")
        else:
            if levels[j] != 2:
                raise ArgumentError(f"{name!r} is multi-value: write {name}{{v}}")
            v = 0 if neg else 1
        if code[j] and code[j] != v + 1:
            return None  # a contradiction (X*~X): the empty set
        code[j] = v + 1
    return tuple(code)


def parse(text: str, conditions, levels=None) -> list:
    """A sum of products as a list of code tuples (contradictory terms such as ``A*~A`` are dropped)."""
    if not isinstance(text, str):
        raise ArgumentError(f"the expression must be a string; got {type(text).__name__}")
    text = text.replace("(", " ").replace(")", " ")
    terms = [parse_term(t, conditions, levels) for t in text.split("+")]
    return [t for t in terms if t is not None]


def format_term(code, conditions, multivalue: bool = False) -> str:
    """The R QCA spelling of one term; ``"1"`` for the empty term (the whole universe)."""
    parts = []
    for c, name in zip(code, conditions):
        if c == 0:
            continue
        if multivalue:
            parts.append(f"{name}{{{c - 1}}}")
        else:
            parts.append(name if c == 2 else f"~{name}")
    return "*".join(parts) if parts else "1"


def format_sop(codes, conditions, multivalue: bool = False) -> str:
    return " + ".join(format_term(c, conditions, multivalue) for c in codes)


def n_literals(code) -> int:
    return sum(1 for c in code if c)


def term_key(code) -> tuple:
    """Sort key of a term: fewer literals first; then condition by condition, a negated (lower) value
    before a higher one before the condition's absence (the order R QCA's prime-implicant charts use)."""
    return (n_literals(code),) + tuple(c if c else 10 ** 6 for c in code)


def sort_terms(codes) -> list:
    return sorted(codes, key=term_key)


def literal_membership(X: np.ndarray, j: int, c: int, levels) -> np.ndarray:
    x = X[:, j]
    if levels[j] == 2:
        return x if c == 2 else 1.0 - x
    return (x == c - 1).astype(float)


def term_membership(code, X: np.ndarray, levels) -> np.ndarray:
    """Fuzzy AND of the term's literals for every case (1 for the empty term)."""
    m = np.ones(X.shape[0])
    for j, c in enumerate(code):
        if c:
            m = np.minimum(m, literal_membership(X, j, c, levels))
    return m


def sop_membership(codes, X: np.ndarray, levels) -> np.ndarray:
    """Fuzzy OR of the terms (0 for an empty sum)."""
    m = np.zeros(X.shape[0])
    for code in codes:
        m = np.maximum(m, term_membership(code, X, levels))
    return m
