"""The validation report of an appeal log: what was wrong, how often, with example record ids.

Nothing is dropped silently. Each check counts the records it finds and says which measures those records are
left out of; every other measure still counts them (a record closed before it was received has no duration but is
still received and closed). ``strict=True`` in :func:`govstudy.appeals.to_panel` turns any count above zero into a
:class:`DataValidationError`.

The report follows the result protocol: ``tidy()`` (``term`` = the check, ``estimate`` = its count; the other
core columns are NaN, since a count has no standard error), ``summary()``, ``plot()`` and an HTML table in Jupyter.

>>> r = ValidationReport("log.csv", n_records=3, n_placed=2, counts={"missing_unit": 1},
...                      examples={"missing_unit": ["A7"]}, columns={"community": "社区"})
>>> r.table().loc[0, ["check", "n", "examples"]].to_dict()
{'check': 'missing_unit', 'n': 1, 'examples': 'A7'}
>>> r.raise_if_problems()
Traceback (most recent call last):
...
govstudy.errors.DataValidationError: log.csv, column '社区': 1 record without a unit (example ids: A7); strict=True makes every problem of the validation report an error
"""

from __future__ import annotations

import html

import numpy as np
import pandas as pd

from govstudy.errors import DataValidationError
from govstudy.estimators.results import Summary, tidy_frame

__all__ = ["CHECKS", "ValidationReport"]

#: check -> (what it counts, the standard field it reads, the measures its records are left out of).
CHECKS: dict[str, tuple[str, str, str]] = {
    "missing_unit": ("record without a unit", "community", "every measure (it cannot be placed)"),
    "missing_received": ("record without a received time", "received_at", "every measure (it cannot be placed)"),
    "unparseable_received": ("received time in no known format", "received_at",
                             "every measure (it cannot be placed)"),
    "outside_window": ("record received outside the study window", "received_at", "every measure"),
    "duplicate_id": ("extra copy of a record id (the first copy is kept)", "record_id",
                     "every measure (the copy is the same record)"),
    "missing_id": ("record without an id (cannot be checked for duplicates)", "record_id", "no measure"),
    "unparseable_closed": ("closing time in no known format", "closed_at", "n_closed and durations"),
    "closed_before_received": ("record closed before it was received", "closed_at", "durations"),
    "closed_without_time": ("closed status without a closing time", "closed_at", "durations"),
    "open_with_closed_at": ("open status with a closing time (the time is ignored)", "status",
                            "n_closed and durations"),
    "unknown_status": ("status word in no table", "status", "share_resolved"),
    "unknown_resolved": ("resolved value in no table", "resolved", "share_resolved"),
    "unparseable_satisfaction": ("satisfaction neither a number nor a known word", "satisfaction",
                                 "mean_satisfaction"),
}


def _plural(n: int, what: str) -> str:
    return f"{n} {what}" if n == 1 else f"{n} {what.replace('record', 'records', 1).replace('copy', 'copies', 1)}"


class ValidationReport:
    """Counts and example ids of every problem found in a log (see :data:`CHECKS`).

    Attributes: ``source``; ``n_records`` (rows read); ``n_placed`` (records in the panel: with a unit and a
    received time, inside the window, first copies); ``counts`` and ``examples`` per check; ``formats``
    (standard field -> {timestamp format: records read with it}); ``notes`` (explicit repairs, e.g. a GBK file
    transcoded); ``columns`` (standard name -> file column).
    """

    def __init__(self, source: str, *, n_records: int, n_placed: int, counts: dict, examples: dict | None = None,
                 formats: dict | None = None, notes: list | None = None, columns: dict | None = None,
                 unit: str = "community"):
        self.source, self.n_records, self.n_placed, self.unit = str(source), int(n_records), int(n_placed), unit
        self.counts = {c: int(counts.get(c, 0)) for c in CHECKS}
        self.examples = {c: [str(x) for x in (examples or {}).get(c, [])] for c in CHECKS}
        self.formats = {k: dict(v) for k, v in (formats or {}).items()}
        self.notes = list(notes or [])
        self.columns = dict(columns or {})

    # ------------------------------------------------------------------ protocol
    @property
    def estimate(self) -> float:
        """NaN: a report has no headline estimate (its counts are in ``tidy()``)."""
        return float("nan")

    @property
    def std_error(self) -> float:
        return float("nan")

    @property
    def ok(self) -> bool:
        """True when every check counts zero."""
        return not any(self.counts.values())

    def _field(self, check: str) -> str:
        field = CHECKS[check][1]
        return self.unit if field == "community" else field

    def table(self) -> pd.DataFrame:
        """One row per check: ``check, n, share`` (of records read), ``examples``, ``excluded_from``, ``description``,
        ``column`` (the file column it reads)."""
        rows = [{"check": c, "n": self.counts[c], "share": self.counts[c] / self.n_records if self.n_records else np.nan,
                 "examples": ", ".join(self.examples[c]), "excluded_from": CHECKS[c][2], "description": CHECKS[c][0],
                 "column": self.columns.get(self._field(c), "")} for c in CHECKS]
        return pd.DataFrame(rows)

    def tidy(self) -> pd.DataFrame:
        t = self.table().rename(columns={"check": "term", "n": "estimate"})
        t["estimate"] = t["estimate"].astype(float)
        return tidy_frame(t)

    def _header(self) -> list[str]:
        lines = [f"Validation report: {self.source}",
                 f"Records read: {self.n_records}; placed in the panel: {self.n_placed}"]
        for field, fm in self.formats.items():
            if fm:
                lines.append(f"{field} formats: " + ", ".join(f"{k} ({v})" for k, v in fm.items()))
        return lines + [f"Note: {n}" for n in self.notes]

    def summary(self) -> Summary:
        t = self.table()[["check", "n", "examples", "excluded_from"]]
        return Summary("\n".join(self._header() + ["", t.to_string(index=False)]))

    def __repr__(self) -> str:
        bad = {c: n for c, n in self.counts.items() if n}
        return f"<ValidationReport {self.source}: {self.n_records} records, {self.n_placed} placed, problems {bad}>"

    def _repr_html_(self) -> str:
        head = "".join(f"<div>{html.escape(line)}</div>" for line in self._header())
        table = self.table().drop(columns="share").to_html(index=False)
        return f"<div><strong>ValidationReport</strong>{head}{table}</div>"

    def plot(self, ax=None):
        """Horizontal bars of the count of every check; returns the Axes."""
        import matplotlib.pyplot as plt
        from govstudy.plots import cjk_figure

        t = self.table()
        if ax is None:
            _, ax = plt.subplots(figsize=(7, 0.3 * len(t) + 1.2))
        yy = np.arange(len(t))
        ax.barh(yy, t["n"], color=["tab:red" if n else "tab:grey" for n in t["n"]])
        ax.set_yticks(yy, t["check"])
        ax.invert_yaxis()
        ax.set_xlabel(f"records (of {self.n_records} read)")
        ax.set_title(f"Validation report: {self.source}", fontsize=10)
        cjk_figure(ax.figure)
        return ax

    # ------------------------------------------------------------------ strict
    def raise_if_problems(self) -> None:
        """Raise :class:`DataValidationError` naming the first check with a count, its column and example ids."""
        bad = [c for c in CHECKS if self.counts[c]]
        if not bad:
            return
        first = bad[0]
        parts = [f"{_plural(self.counts[c], CHECKS[c][0])}" + (f" (example ids: {', '.join(self.examples[c])})"
                                                               if self.examples[c] else "") for c in bad]
        raise DataValidationError("; ".join(parts) + "; strict=True makes every problem of the validation report an "
                                  "error", source=self.source, column=self.columns.get(self._field(first)),
                                  rule="strict")
