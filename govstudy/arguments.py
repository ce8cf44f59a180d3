"""Argument checks shared by every public function: one rule, one message, everywhere.

Each check returns the cleaned value or raises :class:`govstudy.errors.ArgumentError` saying what was
expected, what was found and, where a common slip is likely, what was probably meant (``alpha=95`` →
"did you mean 0.05?", ``bootstrap=True`` → "pass the number of draws").

:func:`renamed` turns arguments spelled as in another package (R ``did``'s ``yname``, ``gname``,
``est_method``…) or as in an earlier govstudy into an error that names the govstudy spelling, instead
of Python's bare "unexpected keyword argument".

>>> check_alpha(0.1)
0.1
>>> check_alpha(95)
Traceback (most recent call last):
...
govstudy.errors.ArgumentError: alpha is the significance level, a number in (0, 1) (0.05 gives 95% intervals); got 95 -- did you mean 0.05?
>>> names("常住人口")
['常住人口']
"""

from __future__ import annotations

import functools
import numbers
from collections.abc import Callable, Iterable

import numpy as np

from govstudy.errors import ArgumentError, GovstudyWarning, warn

__all__ = ["check_alpha", "check_draws", "check_count", "check_seed", "check_probability", "check_choice",
           "check_nonneg_int", "check_int", "names", "unique_names", "renamed", "R_DID_NAMES"]


def _is_int(v) -> bool:
    return isinstance(v, numbers.Integral) and not isinstance(v, (bool, np.bool_))


def check_alpha(alpha, name: str = "alpha") -> float:
    """A significance level in (0, 1)."""
    if isinstance(alpha, (bool, np.bool_)) or not isinstance(alpha, numbers.Real) or not 0 < float(alpha) < 1:
        hint = ""
        if isinstance(alpha, numbers.Real) and not isinstance(alpha, (bool, np.bool_)):
            a = float(alpha)
            if 50 <= a < 100:
                hint = f" -- did you mean {round(1 - a / 100, 6):g}?"
            elif 1 <= a < 50:
                hint = f" -- did you mean {round(a / 100, 6):g}?"
        raise ArgumentError(f"{name} is the significance level, a number in (0, 1) (0.05 gives 95% intervals); "
                            f"got {alpha!r}{hint}")
    return float(alpha)


def check_probability(p, name: str) -> float:
    """A probability strictly between 0 and 1 (e.g. ``target_power``)."""
    if isinstance(p, (bool, np.bool_)) or not isinstance(p, numbers.Real) or not 0 < float(p) < 1:
        hint = f" -- did you mean {float(p) / 100:g}?" if isinstance(p, numbers.Real) and 1 < float(p) < 100 else ""
        raise ArgumentError(f"{name} must be a number in (0, 1); got {p!r}{hint}")
    return float(p)


def check_int(v, name: str, *, minimum: int | None = None) -> int:
    """A whole number (numpy integers and integral floats accepted), optionally at least ``minimum``."""
    if isinstance(v, (bool, np.bool_)):
        raise ArgumentError(f"{name} must be a whole number, got {v!r}")
    if isinstance(v, numbers.Real) and not _is_int(v) and float(v).is_integer():
        v = int(v)
    if not _is_int(v):
        raise ArgumentError(f"{name} must be a whole number, got {v!r}")
    if minimum is not None and v < minimum:
        raise ArgumentError(f"{name} must be at least {minimum}, got {v}")
    return int(v)


def check_nonneg_int(v, name: str) -> int:
    """A whole number >= 0 (e.g. ``anticipation``)."""
    return check_int(v, name, minimum=0)


def check_count(v, name: str, *, minimum: int = 1, recommended: int | None = 99) -> int:
    """A number of replications (``B``, ``n_reps``): at least ``minimum``; a warning below ``recommended``."""
    v = check_int(v, name, minimum=minimum)
    if recommended is not None and v < recommended:
        warn(f"{name}={v}: fewer than {recommended} replications give a coarse p-value or standard error "
                      f"(the smallest possible p-value is 1/{v + 1}); use at least {recommended}, e.g. 999",
                      GovstudyWarning)
    return v


def check_draws(bootstrap, name: str = "bootstrap") -> int | None:
    """``None`` (analytic) or a number of bootstrap draws >= 2."""
    if bootstrap is None:
        return None
    if isinstance(bootstrap, (bool, np.bool_)):
        raise ArgumentError(f"{name}={bootstrap!r}: pass the number of bootstrap draws, e.g. {name}=999 "
                            f"(or {name}=None for analytic standard errors)")
    return check_int(bootstrap, name, minimum=2)


def check_seed(seed, name: str = "seed") -> int | None:
    """``None`` or a whole number >= 0."""
    if seed is None:
        return None
    return check_int(seed, name, minimum=0)


def check_choice(value, name: str, choices: Iterable[str]) -> str:
    choices = tuple(choices)
    if not isinstance(value, str) or value not in choices:
        raise ArgumentError(f"{name} must be one of {', '.join(repr(c) for c in choices)}; got {value!r}")
    return value


def names(x, name: str = "columns") -> list:
    """A list of column names or ids: ``None`` -> ``[]``, one string -> ``[string]`` (never its characters)."""
    if x is None:
        return []
    if isinstance(x, (str, bytes)) or not isinstance(x, Iterable):
        return [x]
    return list(x)


def unique_names(x, name: str) -> list:
    """:func:`names`, with repeats removed (first occurrence kept) and a warning that lists them."""
    out = names(x, name)
    seen, dup = [], []
    for v in out:
        if v in seen:
            dup.append(v)
        else:
            seen.append(v)
    if dup:
        warn(f"{name} lists {sorted({str(d) for d in dup})} more than once; each is used once "
                      f"({len(out)} names given, {len(seen)} distinct)", GovstudyWarning)
    return seen


#: R ``did`` / ``DRDID`` argument names and their govstudy spelling.
R_DID_NAMES = {"yname": "y", "tname": "time", "idname": "unit", "gname": "cohort", "xformla": "covariates",
               "control_group": "control ('never' or 'notyet')", "est_method": "method ('dr', 'ipw', 'reg')",
               "clustervars": "cluster", "weightsname": "weights", "biters": "bootstrap",
               "bstrap": "bootstrap", "allow_unbalanced_panel": "unbalanced='rc'",
               "panel": "unbalanced='rc' with one unit id per row for "
               "repeated cross-sections"}


def renamed(mapping: dict[str, str]) -> Callable:
    """Decorator: a keyword argument named in ``mapping`` raises an error that names the govstudy spelling.

    >>> @renamed({"yname": "y"})
    ... def f(*, y): return y
    >>> f(yname="lemp")
    Traceback (most recent call last):
    ...
    govstudy.errors.ArgumentError: f() has no argument 'yname'; write y= instead
    """
    def wrap(fn):
        @functools.wraps(fn)
        def inner(*args, **kwargs):
            bad = [k for k in kwargs if k in mapping and mapping[k] != k]
            if bad:
                raise ArgumentError("; ".join(
                    f"{fn.__name__}() has no argument {k!r}: {mapping[k][1:-1]}" if mapping[k].startswith("(")
                    else f"{fn.__name__}() has no argument {k!r}; write {_spelling(mapping[k])} instead" for k in bad))
            return fn(*args, **kwargs)
        return inner
    return wrap


def _spelling(target: str) -> str:
    head, sep, rest = target.partition(" ")
    if "=" in head:
        return target
    return f"{head}={(' ' + rest) if sep else ''}"
