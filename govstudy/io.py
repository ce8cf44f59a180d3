"""Read a researcher's own tables: CSV/TSV (any of the encodings of :mod:`govstudy.decode`), Excel
(.xlsx, .xls), OpenDocument (.ods), Parquet, Stata and SPSS.

This module decides the header (title rows, multi-row headers, repeated names) and the column
types once for every format; :mod:`govstudy.decode` decodes text, :mod:`govstudy.delimited` cuts
records with their lines and :mod:`govstudy.sheets` reads cells as stored (pandas' readers would
turn the text cell ``'007'`` into 7 and rename a repeated ``数量`` to ``数量.1``).

``read_table`` never guesses silently: the encoding it used is recorded in ``df.attrs["encoding"]``,
text such as ``"1,234"``, ``"12.5%"`` or ``"3.2万"`` stays text unless ``parse_numbers`` asks for it,
and every problem raises a govstudy error that names the file, the row (and line), the column and
what was expected.

>>> import tempfile, pathlib
>>> path = pathlib.Path(tempfile.mkdtemp()) / "streets.csv"
>>> _ = path.write_bytes("街道,办结事项\\n城东街道,\\"1,234\\"\\n城西街道,９５\\n".encode("gb18030"))
>>> df = read_table(path, parse_numbers=["办结事项"])
>>> df["办结事项"].tolist(), df.attrs["encoding"]
([1234.0, 95.0], 'gb18030')
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from govstudy.decode import decode_bytes
from govstudy.delimited import parse_records, sniff_separator
from govstudy.errors import DataValidationError, FileMissingError, ReadError, TitleRowWarning, warn
from govstudy.schema import cast_column, cell_text, check_primary_key, number_text
from govstudy.sheets import read_sheet

FORMATS = {
    ".csv": "csv", ".tsv": "csv", ".txt": "csv",
    ".xlsx": "excel", ".xlsm": "excel", ".xls": "excel", ".ods": "excel",
    ".parquet": "parquet", ".pq": "parquet",
    ".dta": "stata",
    ".sav": "spss", ".zsav": "spss",
}
#: Cells read as missing in CSV and Excel files (pandas' longer default list would also turn
#: strings such as "NA" names or "None" into missing values without saying so).
NA_VALUES = ("", "NA", "N/A", "NaN", "nan", "null", "NULL")

_MAGNITUDE = {"万": 1e4, "萬": 1e4, "亿": 1e8, "億": 1e8, "千": 1e3, "百万": 1e6, "百萬": 1e6, "千万": 1e7}
_NUMBER_TEXT = re.compile(
    r"^(?P<sign>[+-]?)(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+)"
    r"(?P<mag>百万|千万|万|萬|亿|億|千)?(?P<pct>%)?$")


def parse_number_text(text: str) -> float:
    """Parse one cell such as ``"1,234"``, ``"12.5%"`` (→ 12.5, percent stays percent), ``"3.2万"``
    (→ 32000) or full-width ``"１２３"``. Raises ``ValueError`` on anything else.

    >>> [parse_number_text(t) for t in ["1,234", "12.5%", "3.2万", "１２３", "-0.5"]]
    [1234.0, 12.5, 32000.0, 123.0, -0.5]
    """
    norm = number_text(str(text)).strip()
    m = _NUMBER_TEXT.match(norm)
    if not m:
        raise ValueError(f"{text!r} is not a number such as 1,234 or 12.5% or 3.2万")
    value = float(m["num"].replace(",", "")) * _MAGNITUDE.get(m["mag"] or "", 1.0)
    return -value if m["sign"] == "-" else value


#: pandas' own spellings that read_table replaces with its own parameters (row numbers stay right).
_REPLACED_OPTIONS = {
    "header": "header_row= (1-based; a list such as [1, 2] joins a multi-row header)",
    "skiprows": "header_row= (rows above the header are skipped)",
    "names": "rename the columns after reading",
    "sep": "sep=", "delimiter": "sep=", "encoding": "encoding=", "encoding_errors": "encoding_errors=",
    "dtype": "dtypes=", "sheet_name": "sheet=", "usecols": "columns= (checks) and df[[...]]",
    "index_col": "df.set_index(...) after reading", "skipfooter": "removing the footer rows from the file",
    "converters": "dtypes= or parse_numbers=", "keep_default_na": "na_values=",
}
#: Pass-through options that text files and spreadsheets accept.
_TEXT_OPTIONS = {"csv": ("na_values", "quotechar"), "sheet": ("na_values",)}


def _check_options(path: Path, kind: str, options: Mapping) -> None:
    for name in options:
        if name in _REPLACED_OPTIONS:
            raise ReadError(f"{path}: read_table does not take pandas' option {name}=; use "
                            f"{_REPLACED_OPTIONS[name]}")
        group = "csv" if kind == "csv" else "sheet"
        if kind in ("csv", "excel") and name not in _TEXT_OPTIONS[group]:
            what = "text" if group == "csv" else "spreadsheet"
            raise ReadError(f"{path}: read_table does not take option {name}= for {what} files; it takes "
                            f"{list(_TEXT_OPTIONS[group])} besides its own parameters")


def _read_csv(path: Path, encoding: str, encoding_errors: str, sep: str | None,
              options: Mapping) -> tuple[list[list[str]], list[int], dict]:
    decoded = decode_bytes(path.read_bytes(), str(path), encoding=encoding, errors=encoding_errors)
    text = decoded.text
    if not text.strip():
        raise ReadError(f"{path}: the file is empty; expected a header row and data rows")
    quotechar = options.get("quotechar", '"')
    if sep is None:
        sep = "\t" if path.suffix.lower() == ".tsv" else sniff_separator(text, str(path), quotechar=quotechar)
    records, starts = parse_records(text, str(path), sep=sep, quotechar=quotechar)
    attrs = {"encoding": decoded.encoding, "encoding_evidence": decoded.evidence, "sep": sep}
    if "repair" in decoded.evidence:
        attrs["encoding_repairs"] = decoded.evidence["repair"]
    return records, starts, attrs


def _excel_column(i: int) -> str:
    letters = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        letters = chr(65 + r) + letters
    return letters


def _filled(row: Sequence[object]) -> int:
    return sum(v is not None and str(v).strip() != "" for v in row)


def _header_index(rows: list[list[object]], numbers: list[int], header_row, path: Path, unit: str) -> list[int]:
    """Positions (in ``rows``) of the header row(s); a likely title row above the header is warned about."""
    if header_row is None:
        i = 0
        while i + 1 < len(rows) and i < 5 and _filled(rows[i]) == 1 and _filled(rows[i + 1]) >= 2:
            i += 1
        if i:
            titles = "; ".join(f"{unit} {numbers[j]} ({next(str(v) for v in rows[j] if v not in (None, ''))!r})"
                               for j in range(i))
            warn(f"{path}: {titles} looks like a title above the header (one filled cell over a row of "
                 f"names); the header was read from {unit} {numbers[i]}; pass header_row=1 to read "
                 f"{unit} 1 as the header", TitleRowWarning)
        return [i]
    wanted = [header_row] if isinstance(header_row, int) else list(header_row)
    if not wanted or any(not isinstance(h, int) or isinstance(h, bool) or h < 1 for h in wanted) \
            or wanted != list(range(wanted[0], wanted[0] + len(wanted))):
        raise ReadError(f"{path}: header_row={header_row!r}; expected a {unit} number from 1, or consecutive "
                        "numbers such as [1, 2] for a header written over several rows")
    out = []
    for h in wanted:
        if h not in numbers:
            raise ReadError(f"{path}: header_row={header_row!r}: {unit} {h} is empty or inside a quoted field; "
                            f"the first non-empty {unit}s are {numbers[:5]}")
        out.append(numbers.index(h))
    return out


def _column_names(rows: list[list[object]], positions: list[int]) -> list[str]:
    width = max(len(rows[p]) for p in positions)
    parts = []
    for k, p in enumerate(positions):
        cells = [cell_text(v) if v is not None else "" for v in rows[p]] + [""] * (width - len(rows[p]))
        if k < len(positions) - 1:  # an upper header row: a merged cell covers the blanks to its right
            for j in range(1, width):
                cells[j] = cells[j] or cells[j - 1]
        parts.append(cells)
    names = []
    for j in range(width):
        words: list[str] = []
        for cells in parts:
            if cells[j] and (not words or words[-1] != cells[j]):
                words.append(cells[j])
        names.append(" ".join(words))
    return names


def _build_frame(rows: list[list[object]], numbers: list[int], path: Path, *, kind: str, header_row,
                 na_values: Sequence[str]) -> tuple[pd.DataFrame, list[int], dict]:
    """The frame below the header: checks widths, names and repeated names; records what it skipped."""
    unit = "line" if kind == "csv" else "row"
    source = str(path)
    if not rows:
        raise ReadError(f"{path}: no columns found; expected a header row")
    positions = _header_index(rows, numbers, header_row, path, unit)
    names = _column_names(rows, positions)
    data, lines = rows[positions[-1] + 1:], numbers[positions[-1] + 1:]
    width = len(names)
    label = (lambda j: f"column {j + 1}") if kind == "csv" else (lambda j: f"column {_excel_column(j)}")
    if kind == "csv":
        for r, (record, line) in enumerate(zip(data, lines)):
            if len(record) != width:
                column = names[len(record)] if len(record) < width else f"#{width + 1}"
                raise DataValidationError(
                    f"expected {width} fields as in the header {names}, found {len(record)}", source=source,
                    column=column, row=r + 1, line=line, rule="row width")
    else:
        width = max([width] + [len(r) for r in data])
        names += [""] * (width - len(names))
        data = [list(r) + [None] * (width - len(r)) for r in data]
    missing_value = set(na_values)
    columns: dict[str, list[object]] = {}
    dropped: list[str] = []
    seen: dict[str, int] = {}
    for j, name in enumerate(names):
        values = [None if v is None or (isinstance(v, str) and v in missing_value) else v
                  for v in (record[j] for record in data)]
        if name == "":
            filled = next((i for i, v in enumerate(values) if v is not None), None)
            if filled is None:
                dropped.append(label(j))
                continue
            raise DataValidationError(
                f"{label(j)} has no name in the header ({unit} {numbers[positions[-1]]}) but holds "
                f"{values[filled]!r}; expected a name for every column with data", source=source,
                column=label(j), row=filled + 1, line=lines[filled], rule="header")
        if name in seen:
            raise DataValidationError(
                f"the header ({unit} {numbers[positions[-1]]}) names {label(seen[name])} and {label(j)} both "
                f"{name!r}; expected distinct names (nothing is renamed: rename one in the file)",
                source=source, column=name, rule="header")
        seen[name] = j
        columns[name] = values
    df = pd.DataFrame({name: _typed(values, kind) for name, values in columns.items()},
                      index=pd.RangeIndex(len(data)))
    attrs = {"header_row": [numbers[p] for p in positions]}
    if positions[0] > 0:
        attrs["skipped_rows"] = numbers[:positions[0]]
    if dropped:
        attrs["dropped_empty_columns"] = dropped
    return df, lines, attrs


def _typed(values: list[object], kind: str) -> pd.Series:
    """Text files give text columns; a sheet column takes the type all its cells share, else stays object."""
    present = [v for v in values if v is not None]
    if kind == "csv" or (present and all(isinstance(v, str) for v in present)):
        return pd.Series(values, dtype="str")
    if present and all(isinstance(v, bool) for v in present) and len(present) == len(values):
        return pd.Series(values, dtype="bool")
    if present and all(isinstance(v, int) and not isinstance(v, bool) for v in present) \
            and len(present) == len(values):
        return pd.Series(values, dtype="int64")
    if present and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in present):
        return pd.Series([np.nan if v is None else v for v in values], dtype="float64")
    if present and all(isinstance(v, datetime.datetime) for v in present):
        return pd.Series([pd.NaT if v is None else v for v in values], dtype="datetime64[ns]")
    return pd.Series(values, dtype=object)


def _read_parquet(path: Path, options: Mapping) -> pd.DataFrame:
    import pyarrow  # noqa: F401  (a clear ImportError if missing)
    import pyarrow.lib

    try:
        return pd.read_parquet(path, **options)
    except (pyarrow.lib.ArrowException, OSError) as exc:
        raise ReadError(f"{path}: not a readable Parquet file ({exc})") from None


def _read_stat(path: Path, kind: str, options: Mapping) -> pd.DataFrame:
    import pyreadstat

    reader = pyreadstat.read_dta if kind == "stata" else pyreadstat.read_sav
    try:
        df, meta = reader(str(path), **options)
    except Exception as exc:  # pyreadstat raises its own ReadstatError / PyreadstatError
        raise ReadError(f"{path}: not a readable {kind.upper()} file ({type(exc).__name__}: {exc})") from None
    df.attrs["column_labels"] = dict(zip(meta.column_names, meta.column_labels))
    df.attrs["value_labels"] = {col: meta.value_labels[name]
                                for col, name in meta.variable_to_label.items() if name in meta.value_labels}
    return df


def read_table(path: str | Path, *, encoding: str = "auto", encoding_errors: str = "strict",
               sep: str | None = None, sheet: int | str = 0, header_row: int | Sequence[int] | None = None,
               columns: Sequence[str] | None = None,
               dtypes: Mapping[str, str] | None = None, key: str | Sequence[str] | None = None,
               parse_numbers: Sequence[str] | bool = False, **options) -> pd.DataFrame:
    """Read a table file into a DataFrame, validated, with clear errors.

    Parameters
    ----------
    path : the file; its suffix picks the format: ``.csv .tsv .txt`` (text), ``.xlsx .xlsm .xls .ods``
        (spreadsheets), ``.parquet .pq``, ``.dta`` (Stata), ``.sav .zsav`` (SPSS).
    encoding : text files only. ``"auto"`` (default): a BOM (UTF-8, UTF-16, UTF-32) decides; else
        UTF-8; else the one of GB18030/GBK, Big5 and cp1252 that clearly reads most plausibly
        (:mod:`govstudy.decode`); two close readings, or a file that is UTF-8 on some lines only,
        are errors naming the line. The encoding and its evidence are in ``df.attrs["encoding"]``
        and ``df.attrs["encoding_evidence"]``. Or name one, e.g. ``"big5"``.
    encoding_errors : ``"strict"`` (default); ``"replace"`` (bad bytes become U+FFFD) or an encoding
        such as ``"gb18030"`` for the lines that are not valid in the main one (a UTF-8 file with a
        hand-edited GBK line). What was repaired is in ``df.attrs["encoding_repairs"]``.
    sep : field separator for text files; by default sniffed among ``,`` ``;`` tab ``|`` (tab for
        ``.tsv``), recorded in ``df.attrs["sep"]``.
    sheet : spreadsheet sheet, by position or name.
    header_row : the 1-based line (text) or row (spreadsheet) of the header, or consecutive ones
        such as ``[1, 2]`` for a header over several rows (joined with a space; a merged upper cell
        covers the blanks to its right). By default row 1, or the row below a likely title row
        (one filled cell above a row of names), with a ``TitleRowWarning`` that names it.
    columns : columns that must be present (error names the missing ones and those found).
    dtypes : ``{column: type}`` with Table Schema types ``string integer number boolean date``;
        each cell must convert, or the error names its row and value.
    key : column(s) that must identify rows uniquely (error names the repeated row and its twin).
    parse_numbers : columns whose text numbers such as ``"1,234"``, ``"12.5%"`` (→ 12.5: percent
        stays in percent), ``"3.2万"`` (→ 32000) or full-width digits become floats; ``True`` for
        every text column. Off by default: nothing is converted unless asked. A cell that does not
        parse is an error (row and column named), never a silent NaN.
    **options : ``na_values`` (text and spreadsheets), ``quotechar`` (text); for Parquet, Stata and
        SPSS passed to pandas / pyreadstat. pandas' ``header``, ``skiprows``, ``dtype`` … are refused
        with the read_table parameter to use instead.

    Text files are read as text (every column ``str``), so that nothing is coerced behind your back;
    spreadsheet cells keep their stored type (text cells stay text: ``'007'``), and a column whose
    cells share one type gets it. Use ``dtypes`` or ``parse_numbers`` to convert: whole numbers
    stored as floats are integers, date cells are dates, full-width digits are read as digits.
    Cells in ``NA_VALUES`` (``""``, ``NA``, ``N/A``, ``NaN``, ``nan``, ``null``, ``NULL``) are
    missing. Repeated header names, a column with data but no name, ragged rows and unclosed
    quotes are errors naming file, row, line and column.

    Example: ``read_table("appeals.csv", dtypes={"month": "integer"}, key=["street", "month"])``
    reads a community appeals table, checks that ``month`` holds integers and that no
    (street, month) pair repeats (the module docstring has a runnable example).
    """
    path = Path(path)
    if not path.exists():
        raise FileMissingError(f"{path}: no such file (working directory: {Path.cwd()})")
    if path.is_dir():
        raise ReadError(f"{path}: is a folder; expected a table file")
    kind = FORMATS.get(path.suffix.lower())
    if kind is None:
        raise ReadError(f"{path}: unknown file type {path.suffix!r}; read_table reads {sorted(FORMATS)}")
    if path.stat().st_size == 0:
        raise ReadError(f"{path}: the file is empty (0 bytes); expected a header row and data rows")
    options = dict(options)
    _check_options(path, kind, options)
    lines: list[int] | None = None
    if kind in ("csv", "excel"):
        na_values = list(options.pop("na_values", NA_VALUES))
        if kind == "csv":
            rows, numbers, attrs = _read_csv(path, encoding, encoding_errors, sep, options)
        else:
            grid = read_sheet(path, sheet)
            rows, numbers, attrs = grid.rows, grid.row_numbers, {"sheet": grid.name}
        df, lines, more = _build_frame(rows, numbers, path, kind=kind, header_row=header_row, na_values=na_values)
        df.attrs.update(attrs | more)
    elif kind == "parquet":
        df = _read_parquet(path, options)
    else:
        df = _read_stat(path, kind, options)
    if df.shape[1] == 0:
        raise ReadError(f"{path}: no columns found; expected a header row")
    source = str(path)
    if columns is not None:
        missing = [c for c in columns if c not in df.columns]
        if missing:
            raise DataValidationError(f"required column(s) {missing} not found; the file has {list(df.columns)}",
                                      source=source, column=missing[0], rule="required column")
    if parse_numbers:
        targets = [c for c in df.columns if df[c].dtype == object or pd.api.types.is_string_dtype(df[c])] \
            if parse_numbers is True else list(parse_numbers)
        for col in targets:
            df[col] = _parse_number_column(df, col, source, lines)
    for col, type_ in (dtypes or {}).items():
        if col not in df.columns:
            raise DataValidationError(f"column in dtypes not found; the file has {list(df.columns)}",
                                      source=source, column=col, rule="required column")
        df[col] = cast_column(df[col], type_, source=source, column=col, lines=lines)
    if key is not None:
        check_primary_key(df, key, source=source, lines=lines)
    return df


def _parse_number_column(df: pd.DataFrame, col: str, source: str, lines: Sequence[int] | None) -> pd.Series:
    if col not in df.columns:
        raise DataValidationError(f"column in parse_numbers not found; the file has {list(df.columns)}",
                                  source=source, column=col, rule="required column")
    values = df[col]
    if pd.api.types.is_numeric_dtype(values):
        return values
    out = np.full(len(values), np.nan)
    for i, cell in enumerate(values.tolist()):
        if cell is None or (isinstance(cell, float) and np.isnan(cell)) or cell is pd.NA:
            continue
        if isinstance(cell, (int, float, np.integer, np.floating)) and not isinstance(cell, (bool, np.bool_)):
            out[i] = float(cell)  # a number cell of a spreadsheet: its stored value
            continue
        try:
            out[i] = parse_number_text(cell)
        except ValueError as exc:
            raise DataValidationError(str(exc), source=source, column=col, row=i + 1,
                                      line=None if lines is None else lines[i], rule="number") from None
    return pd.Series(out, index=values.index, name=col)
