"""Exceptions raised by govstudy.

Every error that is caused by the user's data says *where* (file or dataset, column, row)
and *what was expected*, so that the researcher can fix the input without reading a traceback.

Example
-------
>>> from govstudy.errors import DataValidationError
>>> err = DataValidationError("age must be an integer", source="survey.csv", column="age", row=3)
>>> print(err)
survey.csv, column 'age', row 3: age must be an integer
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
