"""Exceptions raised by govstudy.

Every error that is caused by the user's data says *where* (file or dataset, column, row)
and *what was expected*, so that the researcher can fix the input without reading a traceback.

Example
-------
>>> from govstudy.errors import DataValidationError
>>> err = DataValidationError("age must be an integer", source="survey.csv", column="age", row=3)
>>> print(err)
survey.csv, column 'age', row 3: age must be an integer

govstudy's own warnings print without a file path, so notebook outputs are the same on every machine:

>>> import warnings
>>> from govstudy.errors import SampleWarning
>>> print(warnings.formatwarning("2 rows dropped", SampleWarning, "/home/me/x.py", 3), end="")
SampleWarning: 2 rows dropped
"""

from __future__ import annotations


class GovstudyError(Exception):
    """Base class of every error govstudy raises on purpose."""


class DataValidationError(GovstudyError, ValueError):
    """A table breaks a rule: names the source, the column, the row and the rule.

    ``row`` is the 1-based data row (the header is not counted); ``line`` is the line of
    the file, where the format has lines.
    """

    def __init__(self, message: str, *, source: str | None = None, column: str | None = None,
                 row: int | None = None, line: int | None = None, rule: str | None = None):
        self.source, self.column, self.row, self.line, self.rule = source, column, row, line, rule
        where = []
        if source is not None:
            where.append(str(source))
        if column is not None:
            where.append(f"column {column!r}")
        if row is not None:
            where.append(f"row {row}" + (f" (line {line})" if line is not None else ""))
        elif line is not None:
            where.append(f"line {line}")
        self.message = message
        super().__init__(f"{', '.join(where)}: {message}" if where else message)


class ReadError(GovstudyError, ValueError):
    """A file could not be read at all (empty, truncated, wrong encoding, unknown format)."""


class FileMissingError(GovstudyError, FileNotFoundError):
    """The path does not exist."""


class DatasetNotFoundError(GovstudyError, KeyError):
    """No bundled dataset has that name."""

    def __str__(self) -> str:  # KeyError would print the repr of the message
        return str(self.args[0])


class ArgumentError(GovstudyError, ValueError):
    """An argument has a value the function cannot use; the message says what was expected."""


# --------------------------------------------------------------------------- warnings
class GovstudyWarning(UserWarning):
    """Base class of every warning govstudy issues on purpose."""


class PanelWarning(GovstudyWarning):
    """Something about the panel that the researcher should know (unbalanced, uneven periods)."""


class SampleWarning(PanelWarning):
    """The estimation sample differs from the input: which rows or units were dropped, why, and how many.

    Every estimator uses this one class, so ``warnings.simplefilter("error", SampleWarning)`` makes any
    change to the sample an error.
    """


class TitleRowWarning(GovstudyWarning):
    """``read_table``: a row above the header looked like a title and was skipped (its line is named)."""


class PeriodSpacingWarning(PanelWarning):
    """The periods are unevenly spaced; estimators that count periods count them in order."""


class FewClustersWarning(GovstudyWarning):
    """Cluster-robust inference with few clusters (or few treated clusters) is unreliable.

    The advice is the same in every case: a wild cluster bootstrap (``govstudy.wild_cluster_bootstrap``)
    or randomization inference (``govstudy.randomization_inference``).
    """


class FewTreatedClustersWarning(FewClustersWarning):
    """Clustered SEs with few *treated* clusters are unreliable (typically far too small)."""


def _format_warning(message, category, filename, lineno, line=None, *, _previous=None):
    """govstudy's warnings print as ``Category: message``, without the file path and source line that
    Python adds, so output (a notebook's, a log's) does not depend on where the code lives. Other
    warnings keep Python's format.
    """
    if isinstance(category, type) and issubclass(category, GovstudyWarning):
        return f"{category.__name__}: {message}\n"
    return _previous(message, category, filename, lineno, line)


def _install_warning_format() -> None:
    import functools
    import warnings

    if getattr(warnings.formatwarning, "_govstudy", False):
        return
    formatter = functools.partial(_format_warning, _previous=warnings.formatwarning)
    formatter._govstudy = True
    warnings.formatwarning = formatter


_install_warning_format()


def warn(message: str, category: type[Warning]) -> None:
    """``warnings.warn`` attributed to the first caller outside govstudy (the user's line), however deep inside
    the package the warning is raised -- no hand-counted ``stacklevel``.
    """
    import os
    import sys
    import warnings

    package = os.path.dirname(os.path.abspath(__file__))
    level, frame = 2, sys._getframe(1)
    while frame is not None and os.path.abspath(frame.f_code.co_filename).startswith(package + os.sep):
        frame, level = frame.f_back, level + 1
    warnings.warn(message, category, stacklevel=level)
