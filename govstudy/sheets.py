"""Cells of one spreadsheet sheet, as stored: ``.xlsx``/``.xlsm`` (openpyxl), ``.xls`` (xlrd), ``.ods`` (odfpy).

Why our own code instead of ``pandas.read_excel``: pandas infers column types from the cell values
after reading, so a text cell ``'007'`` becomes the number 7 (even with ``dtype={...: str}`` the
number cells of the column are formatted by pandas, not as stored), it renames repeated header
names to ``数量.1`` and it takes a title row above the header as the header. Here every cell keeps
the type it has in the file: text cells are ``str``, numeric cells ``int`` (whole) or ``float``,
date cells ``datetime``, booleans ``bool``, error cells their text (``"#DIV/0!"``), empty cells
``None``. Header, title rows and types are then decided once, in :mod:`govstudy.io`.

>>> import tempfile, pathlib, openpyxl
>>> path = pathlib.Path(tempfile.mkdtemp()) / "codes.xlsx"
>>> wb = openpyxl.Workbook(); ws = wb.active
>>> for row in [["code", "n"], ["007", 7]]: ws.append(row)
>>> wb.save(path)
>>> read_sheet(path).rows
[['code', 'n'], ['007', 7]]
"""

from __future__ import annotations

import datetime
import zipfile
from dataclasses import dataclass
from pathlib import Path

from govstudy.errors import ReadError

__all__ = ["Sheet", "read_sheet", "SHEET_SUFFIXES"]

SHEET_SUFFIXES = {".xlsx": "xlsx", ".xlsm": "xlsx", ".xls": "xls", ".ods": "ods"}


@dataclass
class Sheet:
    """The non-empty rows of a sheet (``rows``) with their 1-based sheet row numbers (``row_numbers``)."""

    name: str
    rows: list[list[object]]
    row_numbers: list[int]


def _number(value: float) -> int | float:
    return int(value) if float(value).is_integer() and abs(value) < 2 ** 53 else float(value)


def _pick(names: list[str], sheet: int | str, path: Path) -> int:
    if isinstance(sheet, int) and not isinstance(sheet, bool):
        if not 0 <= sheet < len(names):
            raise ReadError(f"{path}: sheet {sheet} does not exist; the workbook has {len(names)} sheet(s): {names}")
        return sheet
    if sheet not in names:
        raise ReadError(f"{path}: no sheet named {sheet!r}; the workbook has {names}")
    return names.index(sheet)


def _keep(rows: list[tuple[int, list[object]]]) -> tuple[list[list[object]], list[int]]:
    kept = [(n, r) for n, r in rows if any(v is not None and v != "" for v in r)]
    width = max((max(i for i, v in enumerate(r) if v is not None and v != "") + 1 for _n, r in kept), default=0)
    return [list(r[:width]) + [None] * (width - len(r)) for _n, r in kept], [n for n, _r in kept]


def _xlsx(path: Path, sheet: int | str) -> Sheet:
    import openpyxl

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, EOFError, OSError, ValueError) as exc:
        raise ReadError(f"{path}: not a readable .xlsx workbook (truncated or corrupt? {type(exc).__name__}: "
                        f"{exc})") from None
    try:
        ws = book.worksheets[_pick(book.sheetnames, sheet, path)]
        ws.reset_dimensions()  # a wrong <dimension> tag must not cut rows off
        rows = []
        for number, values in enumerate(ws.iter_rows(values_only=True), start=1):
            rows.append((number, list(values)))
        kept, numbers = _keep(rows)
        return Sheet(ws.title, kept, numbers)
    finally:
        book.close()


def _xls(path: Path, sheet: int | str) -> Sheet:
    import xlrd

    try:
        book = xlrd.open_workbook(str(path), on_demand=True)
    except xlrd.XLRDError as exc:
        hint = " (it is an .xlsx workbook: rename it to .xlsx)" if "xlsx" in str(exc) else ""
        raise ReadError(f"{path}: not a readable .xls workbook{hint} ({exc})") from None
    except (OSError, ValueError, AssertionError, IndexError, KeyError) as exc:
        raise ReadError(f"{path}: not a readable .xls workbook (truncated or corrupt? {type(exc).__name__}: "
                        f"{exc})") from None
    try:
        ws = book.sheet_by_index(_pick(book.sheet_names(), sheet, path))
        rows = []
        for r in range(ws.nrows):
            out: list[object] = []
            for c in range(ws.ncols):
                cell = ws.cell(r, c)
                if cell.ctype in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK):
                    out.append(None)
                elif cell.ctype == xlrd.XL_CELL_TEXT:
                    out.append(cell.value)
                elif cell.ctype == xlrd.XL_CELL_NUMBER:
                    out.append(_number(cell.value))
                elif cell.ctype == xlrd.XL_CELL_DATE:
                    out.append(xlrd.xldate.xldate_as_datetime(cell.value, book.datemode))
                elif cell.ctype == xlrd.XL_CELL_BOOLEAN:
                    out.append(bool(cell.value))
                else:  # error cell
                    out.append(xlrd.error_text_from_code.get(cell.value, "#ERROR"))
            rows.append((r + 1, out))
        kept, numbers = _keep(rows)
        return Sheet(ws.name, kept, numbers)
    finally:
        book.release_resources()


def _ods_value(cell) -> object:
    from odf import teletype
    from odf.namespaces import OFFICENS

    kind = cell.attributes.get((OFFICENS, "value-type"))
    if kind in ("float", "percentage", "currency"):
        return _number(float(cell.attributes.get((OFFICENS, "value"))))
    if kind == "date":
        text = cell.attributes.get((OFFICENS, "date-value"))
        value = datetime.datetime.fromisoformat(text)
        return value
    if kind == "boolean":
        return cell.attributes.get((OFFICENS, "boolean-value")) == "true"
    from odf.text import P

    paragraphs = cell.getElementsByType(P)
    if not paragraphs:
        return None
    return "\n".join(teletype.extractText(p) for p in paragraphs)


def _ods(path: Path, sheet: int | str) -> Sheet:
    from xml.parsers.expat import ExpatError

    from odf.namespaces import TABLENS
    from odf.opendocument import load
    from odf.table import Table, TableRow

    try:
        doc = load(str(path))
    except (zipfile.BadZipFile, KeyError, EOFError, OSError, ExpatError, ValueError) as exc:
        raise ReadError(f"{path}: not a readable .ods spreadsheet (truncated or corrupt? {type(exc).__name__}: "
                        f"{exc})") from None
    tables = doc.spreadsheet.getElementsByType(Table)
    names = [t.attributes.get((TABLENS, "name")) for t in tables]
    table = tables[_pick(names, sheet, path)]
    rows = []
    number = 0
    for row in table.getElementsByType(TableRow):
        repeat = int(row.attributes.get((TABLENS, "number-rows-repeated"), 1))
        values: list[object] = []
        for cell in row.childNodes:
            if cell.qname[1] not in ("table-cell", "covered-table-cell"):
                continue
            times = int(cell.attributes.get((TABLENS, "number-columns-repeated"), 1))
            value = _ods_value(cell)
            values.extend([value] * (times if value is not None or times < 1024 else 1))
        filled = any(v is not None and v != "" for v in values)
        for _ in range(repeat if filled else 1):
            number += 1
            rows.append((number, list(values)))
        number += 0 if filled else repeat - 1
    kept, numbers = _keep(rows)
    return Sheet(names[names.index(table.attributes.get((TABLENS, "name")))], kept, numbers)


def read_sheet(path: str | Path, sheet: int | str = 0) -> Sheet:
    """The cells of ``sheet`` (position or name) of a ``.xlsx``, ``.xlsm``, ``.xls`` or ``.ods`` file."""
    path = Path(path)
    kind = SHEET_SUFFIXES.get(path.suffix.lower())
    if kind is None:
        raise ReadError(f"{path}: not a spreadsheet; expected one of {sorted(SHEET_SUFFIXES)}")
    return {"xlsx": _xlsx, "xls": _xls, "ods": _ods}[kind](path, sheet)
