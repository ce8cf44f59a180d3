"""Records of a delimited text file (CSV, TSV), each with the line it starts on.

Why our own pass instead of ``pandas.read_csv`` alone: pandas pads a ragged row with NaN, reports
an unclosed quote as a bare ``ParserError`` without the line where the field starts, renames
repeated header names, and its row numbers are not file lines once a field holds a line break.
One parse with the ``csv`` module gives every record with its starting line, so that
``read_table``'s errors can name rows and lines exactly. The separator is sniffed among
``,`` ``;`` tab and ``|`` by the share of records that agree on one field count; a tie is an error
asking for ``sep=``. The ``csv`` module's field size limit (a process-wide setting) is raised
only while a file is parsed and restored afterwards, so a 2 MB cell loads.

>>> parse_records('a;b\\n"x\\ny";2\\n', "t.csv", sep=sniff_separator('a;b\\n"x\\ny";2\\n', "t.csv"))
([['a', 'b'], ['x\\ny', '2']], [1, 2])
"""

from __future__ import annotations

import contextlib
import csv
import io
import sys
from collections import Counter
from collections.abc import Iterator

from govstudy.errors import DataValidationError, ReadError

__all__ = ["SEPARATORS", "sniff_separator", "parse_records", "field_limit"]

SEPARATORS = (",", ";", "\t", "|")
_NAMES = {",": "','", ";": "';'", "\t": "tab", "|": "'|'"}


@contextlib.contextmanager
def field_limit(size: int) -> Iterator[None]:
    """Raise ``csv.field_size_limit`` to at least ``size`` inside the block, then restore it.

    >>> before = csv.field_size_limit()
    >>> with field_limit(10 ** 8):
    ...     csv.field_size_limit() >= 10 ** 8
    True
    >>> csv.field_size_limit() == before
    True
    """
    old = csv.field_size_limit()
    csv.field_size_limit(max(old, min(size, sys.maxsize)))
    try:
        yield
    finally:
        csv.field_size_limit(old)


def sniff_separator(text: str, source: str, *, sample_lines: int = 200, quotechar: str = '"') -> str:
    """The separator among ``SEPARATORS`` on which most records agree on one field count (> 1).

    A text with one column everywhere gives ``,``. Two separators that fit equally well are an error.

    >>> sniff_separator("a|b\\n1|2\\n", "t.txt"), sniff_separator("name\\nx\\n", "t.txt")
    ('|', ',')
    """
    sample_text = "\n".join(text.splitlines()[:sample_lines])
    fits = []
    with field_limit(len(sample_text) + 1):
        for sep in SEPARATORS:
            widths = [len(r) for r in csv.reader(io.StringIO(sample_text, newline=""), delimiter=sep,
                                                 quotechar=quotechar) if r]
            if not widths:
                continue
            width, count = Counter(widths).most_common(1)[0]
            if width > 1:
                fits.append((count / len(widths), width, sep))
    if not fits:
        return ","
    fits.sort(key=lambda f: -f[0])
    if len(fits) > 1 and fits[0][0] == fits[1][0]:
        (share, w1, s1), (_, w2, s2) = fits[0], fits[1]
        raise ReadError(f"{source}: cannot tell the separator: {_NAMES[s1]} gives {w1} fields and {_NAMES[s2]} "
                        f"gives {w2} fields on {share:.0%} of the first lines; pass sep=")
    return fits[0][2]


def _unclosed_quote(text: str, start_line: int, sep: str, quotechar: str) -> tuple[int, int]:
    """(line, field number) where the quoted field left open at the end of ``text`` starts."""
    offset = 0
    for _ in range(start_line - 1):
        offset = text.index("\n", offset) + 1
    line, field, i, n = start_line, 1, offset, len(text)
    open_at = (line, field)
    in_quote, at_field_start = False, True
    while i < n:
        ch = text[i]
        if in_quote:
            if ch == quotechar:
                if i + 1 < n and text[i + 1] == quotechar:
                    i += 1
                else:
                    in_quote = False
            elif ch == "\n":
                line += 1
        elif ch == quotechar and at_field_start:
            in_quote, open_at = True, (line, field)
        elif ch == sep:
            field += 1
        elif ch == "\n":
            line, field = line + 1, 1
        at_field_start = not in_quote and ch in (sep, "\n")
        i += 1
    return open_at


def parse_records(text: str, source: str, *, sep: str, quotechar: str = '"') -> tuple[list[list[str]], list[int]]:
    """Every non-blank record of ``text`` and the line each starts on.

    An unclosed quote is an error naming the line and field where the quoted field starts.

    >>> parse_records('a,b\\n1,"x\\n2,3\\n', "t.csv", sep=",")
    Traceback (most recent call last):
    ...
    govstudy.errors.DataValidationError: t.csv, column 2, line 2: a quoted field starts here and is never closed (expected a closing '"' before the end of the file)
    """
    records: list[list[str]] = []
    starts: list[int] = []
    with field_limit(len(text) + 1):
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=sep, quotechar=quotechar, strict=True)
        previous = 0
        while True:
            try:
                record = next(reader)
            except StopIteration:
                break
            except csv.Error as exc:
                if "unexpected end of data" in str(exc):
                    line, field = _unclosed_quote(text, previous + 1, sep, quotechar)
                    raise DataValidationError(
                        f"a quoted field starts here and is never closed (expected a closing {quotechar!r} "
                        "before the end of the file)", source=source, column=field, line=line,
                        rule="quoting") from None
                raise DataValidationError(f"malformed quoting ({exc}); expected a field either quoted as a whole "
                                          f"or not at all", source=source, line=reader.line_num,
                                          rule="quoting") from None
            if record:
                records.append(record)
                starts.append(previous + 1)
            previous = reader.line_num
    return records, starts
