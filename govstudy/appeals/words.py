"""The word tables an appeal log is read through: status words, satisfaction words, yes/no words and timestamp
formats. Each is a plain, documented table that a caller extends per call (``status_words={"待回访": "closed"}``).

A status word maps to a *state* and, where the word says so, to whether the appeal was resolved:

========== ===================================================== ==============================
state      meaning                                               counted as
========== ===================================================== ==============================
open       received, still being handled (已受理, 办理中, Open)     received, not closed
returned   sent back to the receiving desk (退回)                 received, not closed
closed     handling finished (已办结, Closed)                      closed; resolved unless a
                                                                 ``resolved`` column says no
cancelled  withdrawn or void (已撤销, 撤单)                         closed, resolution unknown
========== ===================================================== ==============================

Words are matched after trimming spaces, Latin letters without regard to case. A word in no table is counted
in the validation report (``unknown_status``); its record stays received, with unknown resolution.

>>> status_table({"待回访": "closed"})["待回访"], status_table()["已办结"], status_table()["open"]
(('closed', True), ('closed', True), ('open', False))
"""

from __future__ import annotations

from collections.abc import Mapping

from govstudy.errors import ArgumentError

__all__ = ["STATES", "STATUS_WORDS", "SATISFACTION_WORDS", "YES_NO_WORDS", "TIME_FORMATS", "status_table",
           "satisfaction_table", "time_formats"]

#: state -> resolved flag it implies (None: unknown).
STATES: dict[str, bool | None] = {"open": False, "returned": False, "closed": True, "cancelled": None}

#: Status word -> state. 12345 practice (办结 = handling completed) and Open311 / 311 words.
STATUS_WORDS: dict[str, str] = {
    **dict.fromkeys(["已办结", "办结", "已完成", "完成", "已解决", "已结案", "结案", "已归档", "归档", "已回访",
                     "closed", "completed", "resolved", "done"], "closed"),
    **dict.fromkeys(["已受理", "受理", "办理中", "处理中", "待处理", "待办理", "已派单", "派单", "已转办", "转办",
                     "已签收", "签收", "延期", "open", "opened", "new", "in progress", "acknowledged", "assigned",
                     "pending"], "open"),
    **dict.fromkeys(["退回", "已退回", "回退", "退单", "returned", "rejected"], "returned"),
    **dict.fromkeys(["已撤销", "撤销", "撤单", "作废", "无效工单", "cancelled", "canceled", "void", "duplicate"],
                    "cancelled"),
}

#: Satisfaction word -> score in [0, 1]. Numbers pass through unchanged.
SATISFACTION_WORDS: dict[str, float] = {"非常满意": 1.0, "满意": 1.0, "基本满意": 0.5, "一般": 0.5,
                                        "不满意": 0.0, "非常不满意": 0.0,
                                        "satisfied": 1.0, "neutral": 0.5, "unsatisfied": 0.0, "dissatisfied": 0.0}

#: Words of a ``resolved`` column.
YES_NO_WORDS: dict[str, bool] = {
    **dict.fromkeys(["是", "已解决", "解决", "1", "true", "yes", "y", "t"], True),
    **dict.fromkeys(["否", "未解决", "0", "false", "no", "n", "f"], False),
}

#: Timestamp formats tried in this order; the first that reads the whole text wins (label, DuckDB, Spark).
#: Month-first US dates (as 311 and Open311 exports write them) are the only day-month order read with slashes
#: after the day: no DD/MM/YYYY format, so an ambiguous date is never read two ways. A time with an offset
#: (``+08:00``) is an instant, read as the wall-clock time of ``to_panel(tz=...)`` (UTC when tz is None).
TIME_FORMATS: tuple[tuple[str, str, str], ...] = (
    ("YYYY-MM-DD HH:MM:SS", "%Y-%m-%d %H:%M:%S", "yyyy-M-d H:m:s"),
    ("YYYY-MM-DDTHH:MM:SS", "%Y-%m-%dT%H:%M:%S", "yyyy-M-d'T'H:m:s"),
    ("YYYY-MM-DD HH:MM", "%Y-%m-%d %H:%M", "yyyy-M-d H:m"),
    ("YYYY/MM/DD HH:MM:SS", "%Y/%m/%d %H:%M:%S", "yyyy/M/d H:m:s"),
    ("YYYY/MM/DD HH:MM", "%Y/%m/%d %H:%M", "yyyy/M/d H:m"),
    ("MM/DD/YYYY HH:MM:SS AM", "%m/%d/%Y %I:%M:%S %p", "M/d/yyyy h:m:s a"),
    ("MM/DD/YYYY HH:MM AM", "%m/%d/%Y %I:%M %p", "M/d/yyyy h:m a"),
    ("YYYY年MM月DD日 HH:MM:SS", "%Y年%m月%d日 %H:%M:%S", "yyyy年M月d日 H:m:s"),
    ("YYYY年MM月DD日 HH:MM", "%Y年%m月%d日 %H:%M", "yyyy年M月d日 H:m"),
    ("YYYY-MM-DDTHH:MM:SS+HH:MM", "%Y-%m-%dT%H:%M:%S%z", "yyyy-M-d'T'H:m:sXXX"),
    ("YYYY-MM-DD HH:MM:SS+HH:MM", "%Y-%m-%d %H:%M:%S%z", "yyyy-M-d H:m:sXXX"),
    ("YYYY-MM-DD", "%Y-%m-%d", "yyyy-M-d"),
    ("YYYY/MM/DD", "%Y/%m/%d", "yyyy/M/d"),
    ("YYYY年MM月DD日", "%Y年%m月%d日", "yyyy年M月d日"),
)


def _key(word: object) -> str:
    return str(word).strip().lower()


def status_table(extra: Mapping[str, str] | None = None) -> dict[str, tuple[str, bool | None]]:
    """Status word (trimmed, lower case) -> (state, resolved), with ``extra`` words added or overriding."""
    words = {_key(w): s for w, s in STATUS_WORDS.items()}
    for w, s in (extra or {}).items():
        if s not in STATES:
            raise ArgumentError(f"status_words: {w!r} maps to {s!r}; expected one of the states {list(STATES)}")
        words[_key(w)] = s
    return {w: (s, STATES[s]) for w, s in words.items()}


def satisfaction_table(extra: Mapping[str, float] | None = None) -> dict[str, float]:
    """Satisfaction word (trimmed, lower case) -> score, with ``extra`` words added or overriding.

    >>> satisfaction_table({"较满意": 0.75})["较满意"]
    0.75
    """
    out = {_key(w): float(v) for w, v in SATISFACTION_WORDS.items()}
    out.update({_key(w): float(v) for w, v in (extra or {}).items()})
    return out


def time_formats(extra: tuple[tuple[str, str, str], ...] | None = None) -> tuple[tuple[str, str, str], ...]:
    """:data:`TIME_FORMATS` followed by ``extra`` (label, DuckDB strptime format, Spark datetime pattern)."""
    extra = tuple(extra or ())
    for f in extra:
        if not (isinstance(f, tuple) and len(f) == 3 and all(isinstance(x, str) for x in f)):
            raise ArgumentError(f"time_formats: expected (label, duckdb_format, spark_pattern) tuples, got {f!r}")
    return TIME_FORMATS + extra
