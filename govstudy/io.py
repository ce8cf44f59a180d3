"""Read a researcher's own tables: CSV (UTF-8 or GB18030/GBK), Excel, Parquet, Stata and SPSS.

``read_table`` never guesses silently: the encoding it used is recorded in ``df.attrs["encoding"]``,
text such as ``"1,234"``, ``"12.5%"`` or ``"3.2万"`` stays text unless ``parse_numbers`` asks for it,
and every problem raises a govstudy error that names the file, the row (and line), the column and
what was expected.

>>> import tempfile, pathlib
>>> path = pathlib.Path(tempfile.mkdtemp()) / "streets.csv"
>>> _ = path.write_bytes("街道,事项\\n城东,\\"1,234\\"\\n".encode("gb18030"))
>>> df = read_table(path, parse_numbers=["事项"])
>>> df["事项"].tolist(), df.attrs["encoding"]
([1234.0], 'gb18030')
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
import zipfile
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from govstudy.errors import DataValidationError, FileMissingError, ReadError
from govstudy.schema import cast_column, check_primary_key

FORMATS = {
    ".csv": "csv", ".tsv": "csv", ".txt": "csv",
    ".xlsx": "excel", ".xlsm": "excel",
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
    norm = unicodedata.normalize("NFKC", str(text)).strip().replace("，", ",")
    m = _NUMBER_TEXT.match(norm)
    if not m:
        raise ValueError(f"{text!r} is not a number such as 1,234 or 12.5% or 3.2万")
    value = float(m["num"].replace(",", "")) * _MAGNITUDE.get(m["mag"] or "", 1.0)
    return -value if m["sign"] == "-" else value


def _decode(raw: bytes, path: Path, encoding: str) -> tuple[str, str]:
    """Decode bytes as ``encoding`` or, with "auto", as UTF-8 (BOM or not) else GB18030 (a GBK superset)."""
    if encoding != "auto":
        try:
            return raw.decode(encoding), encoding
        except UnicodeDecodeError as exc:
            line = raw[: exc.start].count(b"\n") + 1
            raise ReadError(f"{path}: line {line}, byte {exc.start}: not valid {encoding} text ({exc.reason}); "
                            "try encoding='auto' or the file's real encoding") from None
        except LookupError:
            raise ReadError(f"{path}: unknown encoding {encoding!r}") from None
    if raw.startswith(b"\xef\xbb\xbf"):
        return raw[3:].decode("utf-8", errors="strict"), "utf-8-sig"
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as utf8_error:
        try:
            return raw.decode("gb18030"), "gb18030"
        except UnicodeDecodeError as gb_error:
            line = raw[: utf8_error.start].count(b"\n") + 1
            raise ReadError(
                f"{path}: line {line}: the file is neither UTF-8 (bad byte at {utf8_error.start}) nor GB18030/GBK "
                f"(bad byte at {gb_error.start}); pass encoding='...' with the file's encoding") from None


def _read_csv(path: Path, encoding: str, sep: str | None, options: Mapping) -> tuple[pd.DataFrame, list[int]]:
    raw = path.read_bytes()
    text, used = _decode(raw, path, encoding)
    if not text.strip():
        raise ReadError(f"{path}: the file is empty; expected a header row and data rows")
    if sep is None:
        sep = "\t" if path.suffix.lower() == ".tsv" else ","
    # One pass with the csv module to count fields per record and to know each record's line,
    # so a ragged row is an error that names its line instead of a row pandas pads with NaN.
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sep)
    header = next(reader)
    lines: list[int] = []
    width = len(header)
    for record in reader:
        if not record:
            continue
        if len(record) != width:
            raise DataValidationError(
                f"expected {width} fields as in the header {header}, found {len(record)}",
                source=str(path), row=len(lines) + 1, line=reader.line_num, rule="row width")
        lines.append(reader.line_num)
    df = pd.read_csv(io.StringIO(text), sep=sep, dtype=str, keep_default_na=False,
                     na_values=list(options.pop("na_values", NA_VALUES)), skip_blank_lines=True, **options)
    df.attrs["encoding"] = used
    return df, lines


def _read_excel(path: Path, sheet: int | str, options: Mapping) -> pd.DataFrame:
    try:
        df = pd.read_excel(path, sheet_name=sheet, engine="openpyxl", keep_default_na=False,
                           na_values=list(options.pop("na_values", NA_VALUES)), **options)
    except (zipfile.BadZipFile, KeyError, EOFError, OSError) as exc:
        raise ReadError(f"{path}: not a readable .xlsx workbook (truncated or corrupt? {type(exc).__name__}: {exc})") \
            from None
    except ValueError as exc:
        raise ReadError(f"{path}: {exc}") from None
    return df


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


def read_table(path: str | Path, *, encoding: str = "auto", sep: str | None = None,
               sheet: int | str = 0, columns: Sequence[str] | None = None,
               dtypes: Mapping[str, str] | None = None, key: str | Sequence[str] | None = None,
               parse_numbers: Sequence[str] | bool = False, **options) -> pd.DataFrame:
    """Read a table file into a DataFrame, validated, with clear errors.

    Parameters
    ----------
    path : the file; its suffix picks the format: ``.csv .tsv .txt`` (text), ``.xlsx .xlsm``,
        ``.parquet .pq``, ``.dta`` (Stata), ``.sav .zsav`` (SPSS).
    encoding : text files only. ``"auto"`` (default) reads UTF-8 (with or without BOM) and
        otherwise GB18030, the superset of GBK that Chinese Excel exports use; the encoding used
        is recorded in ``df.attrs["encoding"]``. Or name one, e.g. ``"big5"``.
    sep : field separator for text files (default ``,``; ``\\t`` for ``.tsv``).
    sheet : Excel sheet, by position or name.
    columns : columns that must be present (error names the missing ones and those found).
    dtypes : ``{column: type}`` with Table Schema types ``string integer number boolean date``;
        each cell must convert, or the error names its row and value.
    key : column(s) that must identify rows uniquely (error names the repeated row and its twin).
    parse_numbers : columns whose text numbers such as ``"1,234"``, ``"12.5%"`` (→ 12.5: percent
        stays in percent), ``"3.2万"`` (→ 32000) or full-width digits become floats; ``True`` for
        every text column. Off by default: nothing is converted unless asked. A cell that does not
        parse is an error (row and column named), never a silent NaN.
    **options : passed to the underlying pandas / pyreadstat reader.

    Text files are read as text (every column ``str``), so that nothing is coerced behind your back;
    use ``dtypes`` or ``parse_numbers`` to convert. Cells in ``NA_VALUES`` (``""``, ``NA``, ``N/A``,
    ``NaN``, ``nan``, ``null``, ``NULL``) are missing.

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
    lines: list[int] | None = None
    if kind == "csv":
        df, lines = _read_csv(path, encoding, sep, options)
        first_line = None
    elif kind == "excel":
        df = _read_excel(path, sheet, options)
        first_line = 2  # Excel row of the first data row (row 1 is the header)
    elif kind == "parquet":
        df = _read_parquet(path, options)
    else:
        df = _read_stat(path, kind, options)
    if kind == "excel":
        lines = list(range(first_line, first_line + len(df)))
    if df.shape[1] == 0 or (df.empty and kind in ("csv", "excel") and len(df.columns) == 0):
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
        df[col] = cast_column(df[col].astype("string") if not pd.api.types.is_string_dtype(df[col]) else df[col],
                              type_, source=source, column=col, lines=lines)
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
        try:
            out[i] = parse_number_text(cell)
        except ValueError as exc:
            raise DataValidationError(str(exc), source=source, column=col, row=i + 1,
                                      line=None if lines is None else lines[i], rule="number") from None
    return pd.Series(out, index=values.index, name=col)
