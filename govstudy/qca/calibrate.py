"""Calibration of raw measures into set memberships: Ragin's direct method, crisp and multi-value cuts.

``method="direct"`` maps the named anchors (exclusion, crossover, inclusion) to log-odds ``-L, 0, +L``
by a piecewise-linear transformation of the raw value, then applies the logistic function. ``L = 3``
(membership 0.953 at full inclusion) is Ragin's (2008) choice; R QCA's ``calibrate`` uses
``idm = 0.95`` (``L = log(19) = 2.944``) -- pass ``inclusion_degree=0.95`` for that. Decreasing sets
(fewer cabinets = more stable) simply give ``inclusion < exclusion``.

A score of exactly 0.5 places a case in no truth-table row: it gives a :class:`QCAWarning`, or the
documented nudge on request (``at_crossover="up"`` -> 0.501, ``"down"`` -> 0.499; ``"error"`` raises).

Why our own code: no maintained Python QCA library is trustworthy, and the direct method is a
few lines checked here against Ragin's Lipset calibration (LR -> LF at 2 decimals).

>>> from govstudy.qca import calibrate
>>> calibrate([400, 550, 900], thresholds={"exclusion": 400, "crossover": 550, "inclusion": 900},
...           at_crossover="up").round(3).tolist()
[0.047, 0.501, 0.953]
>>> calibrate([500, 600, 900], method="multivalue", thresholds=[550, 850]).tolist()
[0, 1, 2]
"""

from __future__ import annotations

import numbers

import numpy as np
import pandas as pd

from govstudy.arguments import check_choice, check_probability
from govstudy.errors import ArgumentError, DataValidationError, warn
from govstudy.qca.data import QCAWarning

__all__ = ["calibrate"]

_ALIASES = {"e": "exclusion", "c": "crossover", "i": "inclusion"}


def _values(x, name):
    s = x if isinstance(x, pd.Series) else pd.Series(np.asarray(x, dtype=object) if not np.ndim(x) == 0 else [x])
    if s.isna().any():
        rows = [int(i) + 1 for i in np.flatnonzero(s.isna().to_numpy())]
        raise DataValidationError(f"{len(rows)} missing value(s) in rows {rows[:10]}: calibrate them by hand or "
                                  "drop the cases explicitly", column=name)
    try:
        return s, pd.to_numeric(s, errors="raise").to_numpy(float)
    except (ValueError, TypeError):
        raise DataValidationError("calibration needs numeric raw values", column=name) from None


def calibrate(x, method: str = "direct", thresholds=None, *, inclusion_degree: float | None = None,
              at_crossover: str = "warn", closed: str = "left", direction: str = "increasing", digits=None):
    """Calibrate raw values ``x`` (array or Series; a Series keeps its index and name).

    method="direct": ``thresholds`` is a dict with ``exclusion``, ``crossover``, ``inclusion`` (or
    ``e, c, i``); a decreasing set has ``inclusion < exclusion``. ``inclusion_degree`` (default
    ``None`` = Ragin's log-odds 3, i.e. 0.953) is the membership given at the inclusion anchor.

    method="crisp" (one cut) or "multivalue" (several): ``thresholds`` is a number or an increasing list;
    the score is the number of cuts passed (``x >= t`` with ``closed="left"``, ``x > t`` with
    ``closed="right"``); ``direction="decreasing"`` reverses the scale (``STB < 10`` -> 1).
    """
    method = check_choice(method, "method", ("direct", "crisp", "multivalue"))
    at_crossover = check_choice(at_crossover, "at_crossover", ("warn", "up", "down", "error"))
    name = getattr(x, "name", None)
    s, v = _values(x, name)
    if method == "direct":
        if not isinstance(thresholds, dict):
            raise ArgumentError("method='direct' needs thresholds={'exclusion': e, 'crossover': c, 'inclusion': i}")
        th = {_ALIASES.get(k, k): v_ for k, v_ in thresholds.items()}
        missing = {"exclusion", "crossover", "inclusion"} - set(th)
        extra = set(th) - {"exclusion", "crossover", "inclusion"}
        if missing or extra:
            raise ArgumentError(f"thresholds need exactly exclusion, crossover, inclusion; missing {sorted(missing)}, "
                                f"unknown {sorted(extra)}")
        e, c, i = (float(th[k]) for k in ("exclusion", "crossover", "inclusion"))
        if not (e < c < i or e > c > i):
            raise ArgumentError(f"anchors must be ordered exclusion < crossover < inclusion (or all reversed for a "
                                f"decreasing set); got e={e:g}, c={c:g}, i={i:g}")
        L = 3.0 if inclusion_degree is None else float(np.log(check_probability(inclusion_degree, "inclusion_degree")
                                                             / (1 - inclusion_degree)))
        if inclusion_degree is not None and inclusion_degree <= 0.5:
            raise ArgumentError("inclusion_degree must be above 0.5")
        sign = 1.0 if i > e else -1.0
        d = sign * (v - c)
        z = np.where(d >= 0, L * d / abs(i - c), L * d / abs(c - e))
        out = 1.0 / (1.0 + np.exp(-z))
        if digits is not None:
            out = np.round(out, int(digits))
        half = np.isclose(out, 0.5, rtol=0, atol=1e-12)
        if half.any():
            where = [str(s.index[k]) for k in np.flatnonzero(half)]
            if at_crossover == "error":
                raise DataValidationError(f"{half.sum()} score(s) at exactly 0.5 (cases {where[:10]})", column=name)
            if at_crossover == "warn":
                warn(f"{half.sum()} case(s) calibrated to exactly 0.5 ({', '.join(where[:10])}"
                     f"{'...' if len(where) > 10 else ''}) in {name or 'x'}: they belong to no truth-table row. "
                     "Move the crossover, or pass at_crossover='up'/'down' for the 0.501/0.499 nudge.", QCAWarning)
            else:
                out = np.where(half, 0.501 if at_crossover == "up" else 0.499, out)
    else:
        check_choice(closed, "closed", ("left", "right"))
        check_choice(direction, "direction", ("increasing", "decreasing"))
        cuts = [thresholds] if isinstance(thresholds, numbers.Real) else list(thresholds or [])
        if not cuts or not all(isinstance(t, numbers.Real) for t in cuts):
            raise ArgumentError("crisp/multivalue calibration needs thresholds: a number or a list of numbers")
        if any(b <= a for a, b in zip(cuts, cuts[1:])):
            raise ArgumentError(f"thresholds must increase; got {cuts}")
        if method == "crisp" and len(cuts) != 1:
            raise ArgumentError("method='crisp' takes one threshold; use method='multivalue' for several")
        passed = sum((v >= t) if closed == "left" else (v > t) for t in cuts)
        out = np.asarray(passed, dtype=int)
        if direction == "decreasing":
            out = len(cuts) - out
    if isinstance(x, pd.Series):
        return pd.Series(out, index=x.index, name=x.name)
    return out
