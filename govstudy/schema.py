"""Table Schema validation: cast text columns to declared types and check the declared rules.

govstudy describes every bundled table with a Frictionless Table Schema (``data/datapackage.json``)
and lets researchers declare types for their own files (``read_table(..., dtypes=...)``). Both go
through this module, so every violation reads the same way: source, column, row, rule, and what
was expected. We implement the subset of Table Schema we use ourselves (types string / integer /
number / boolean / date; constraints required, unique, enum, minimum, maximum, pattern; primary and
foreign keys) rather than depending on ``frictionless``: its reports do not name our exceptions, it
brings a large dependency tree, and the subset is small.

>>> import pandas as pd
>>> raw = pd.DataFrame({"id": ["a", "b"], "n": ["1", "x"]}, dtype=str)
>>> schema = {"fields": [{"name": "id", "type": "string"}, {"name": "n", "type": "integer"}]}
>>> validate_table(raw, schema, source="demo.csv")
Traceback (most recent call last):
...
govstudy.errors.DataValidationError: demo.csv, column 'n', row 2: value 'x' is not an integer (rule: type)
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable, Mapping, Sequence

import numpy as np
import pandas as pd

from govstudy.errors import DataValidationError
from govstudy.text.numerals import character_table

TYPES = ("string", "integer", "number", "boolean", "date")
TRUE_VALUES = ("true", "True", "TRUE", "1")
FALSE_VALUES = ("false", "False", "FALSE", "0")

_INTEGER = re.compile(r"^[+-]?[0-9]+$")
_NUMBER = re.compile(r"^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?$|^[+-]?(inf|Infinity)$|^NaN$")
_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")

#: The rule for number text in a cell: full-width digits, signs, point, comma and percent (and U+2212 minus)
#: become ASCII wherever govstudy parses a number; the text itself is never changed. It is govstudy's one
#: character table (:data:`govstudy.text.numerals.CHARACTERS`) without its Chinese characters (〇 and
#: traditional forms: a cell's magnitude word is read as written, 3.2萬 by ``io.parse_number_text``).
NUMBER_CHARACTERS = character_table(chinese=False)


def number_text(text: str) -> str:
    """``text`` with full-width digits and signs as ASCII, for parsing a number (see ``NUMBER_CHARACTERS``).

    >>> number_text("－１２．５％")
    '-12.5%'
    """
    return text.translate(NUMBER_CHARACTERS)


def cell_text(value: object) -> str | None:
    """The text of one cell as stored: ``None`` for missing, whole floats without ``.0`` (Excel and Stata
    store every number as a float), dates as ISO text, booleans as ``TRUE``/``FALSE``.

    >>> import datetime
    >>> [cell_text(v) for v in ["007", 7, 7.0, 2.5, float("nan"), True, datetime.datetime(2024, 1, 31)]]
    ['007', '7', '7', '2.5', None, 'TRUE', '2024-01-31']
    """
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, (bool, np.bool_)):
        return "TRUE" if value else "FALSE"
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        if np.isnan(value):
            return None
        if float(value).is_integer() and abs(value) < 2 ** 53:
            return str(int(value))
        return repr(float(value))
    if isinstance(value, datetime.datetime):
        if value == value.replace(hour=0, minute=0, second=0, microsecond=0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, (datetime.date, datetime.time)):
        return value.isoformat()
    if isinstance(value, np.datetime64):
        return cell_text(pd.Timestamp(value))
    return str(value)


def _as_text(values: pd.Series) -> pd.Series:
    """Text columns as they are; numbers, dates and mixed cells through :func:`cell_text`."""
    if pd.api.types.is_string_dtype(values) and not values.dtype == object:
        return values.astype("string")
    return pd.Series([cell_text(v) for v in values.tolist()], index=values.index, dtype="string")


def _fail(message: str, *, source: str, column: str | None, index: int | None,
          rule: str, lines: Sequence[int] | None = None) -> DataValidationError:
    row = None if index is None else index + 1
    line = None if (index is None or lines is None) else lines[index]
    return DataValidationError(f"{message} (rule: {rule})", source=source, column=column,
                               row=row, line=line, rule=rule)


def _first_bad(mask: np.ndarray) -> int:
    return int(np.flatnonzero(mask)[0])


def cast_column(values: pd.Series, type_: str, *, source: str, column: str,
                lines: Sequence[int] | None = None) -> pd.Series:
    """Cast a column of text (missing = NA) to a Table Schema ``type_``, or raise naming the first bad row.

    ``lines`` optionally maps row positions to file line numbers for the error message.

    >>> cast_column(pd.Series(["1", None, "3"]), "integer", source="t", column="n").tolist()
    [1, <NA>, 3]
    """
    if type_ not in TYPES:
        raise ValueError(f"{source}, column {column!r}: unknown type {type_!r}; expected one of {TYPES}")
    if type_ == "date" and pd.api.types.is_datetime64_any_dtype(values):
        timed = (values.notna() & (values != values.dt.normalize())).to_numpy()
        if timed.any():
            i = _first_bad(timed)
            raise _fail(f"value {cell_text(values.iloc[i])!r} has a time of day; expected a date",
                        source=source, column=column, index=i, rule="type", lines=lines)
        return pd.Series(values.dt.tz_localize(None).to_numpy() if values.dt.tz is not None else values.to_numpy(),
                         index=values.index).astype("datetime64[ns]")
    if type_ in ("integer", "number") and pd.api.types.is_numeric_dtype(values) \
            and not pd.api.types.is_bool_dtype(values):
        return _cast_stored_number(values, type_, source=source, column=column, lines=lines)
    text = _as_text(values)
    present = text.notna().to_numpy()
    if type_ == "string":
        return text.astype("str") if present.all() else text.astype(object).where(present, None).astype("str")
    checks: Mapping[str, tuple[re.Pattern | None, str]] = {
        "integer": (_INTEGER, "an integer"),
        "number": (_NUMBER, "a number"),
        "date": (_DATE, "a date written YYYY-MM-DD"),
        "boolean": (None, f"a boolean ({'/'.join(TRUE_VALUES + FALSE_VALUES)})"),
    }
    pattern, expected = checks[type_]
    stripped = text.str.translate(NUMBER_CHARACTERS).str.strip() if type_ in ("integer", "number") \
        else text.str.strip()
    if pattern is not None:
        ok = stripped.str.match(pattern).fillna(True).to_numpy(dtype=bool)
    else:
        ok = (stripped.isin(TRUE_VALUES + FALSE_VALUES) | stripped.isna()).to_numpy(dtype=bool)
    if not ok.all():
        i = _first_bad(~ok)
        raise _fail(f"value {text.iloc[i]!r} is not {expected}", source=source, column=column,
                    index=i, rule="type", lines=lines)
    if type_ == "integer":  # nullable Int64 only where values are missing
        ints = stripped.str.removeprefix("+").astype("Int64")  # pyarrow does not read a leading +
        return ints.astype("int64") if present.all() else ints
    if type_ == "number":  # missing numbers are NaN, as everywhere in numpy/pandas
        return pd.to_numeric(stripped).astype("float64")
    if type_ == "date":
        dates = pd.to_datetime(stripped.astype(object), format="%Y-%m-%d", errors="coerce")
        bad = (pd.isna(dates) & stripped.notna()).to_numpy(dtype=bool)
        if bad.any():
            i = _first_bad(bad)
            raise _fail(f"value {text.iloc[i]!r} is not a valid calendar date (YYYY-MM-DD)", source=source,
                        column=column, index=i, rule="type", lines=lines)
        return pd.Series(dates.to_numpy(), index=values.index).astype("datetime64[ns]")
    return stripped.map({**{t: True for t in TRUE_VALUES}, **{f: False for f in FALSE_VALUES}}).astype("boolean")


def _cast_stored_number(values: pd.Series, type_: str, *, source: str, column: str,
                        lines: Sequence[int] | None) -> pd.Series:
    """Numbers stored as numbers (Stata, SPSS, Parquet): whole floats are integers, others are not."""
    if type_ == "number":
        return values.astype("float64")
    if pd.api.types.is_integer_dtype(values):
        return values
    arr = values.to_numpy(dtype="float64", na_value=np.nan)
    present = ~np.isnan(arr)
    bad = present & ~(np.isfinite(arr) & (np.floor(arr) == arr) & (np.abs(arr) < 2 ** 53))
    if bad.any():
        i = _first_bad(bad)
        raise _fail(f"value {cell_text(values.iloc[i])!r} is not an integer", source=source, column=column,
                    index=i, rule="type", lines=lines)
    ints = pd.array(np.where(present, arr, 0).astype("int64"), dtype="Int64")
    ints[~present] = pd.NA
    out = pd.Series(ints, index=values.index)
    return out.astype("int64") if present.all() else out


def _is_whole(v: object) -> bool:
    return isinstance(v, (int, np.integer)) or (isinstance(v, (float, np.floating)) and float(v).is_integer())


#: per type: does a column of this dtype hold it, and (for object columns) does one value
_TYPED: Mapping[str, tuple[Callable[[pd.Series], bool], Callable[[object], bool], str]] = {
    "string": (lambda c: pd.api.types.is_string_dtype(c) and c.dtype != object,
               lambda v: isinstance(v, str), "a string"),
    "integer": (lambda c: pd.api.types.is_integer_dtype(c) and not pd.api.types.is_bool_dtype(c),
                lambda v: not isinstance(v, (bool, np.bool_)) and _is_whole(v), "an integer"),
    "number": (lambda c: pd.api.types.is_numeric_dtype(c) and not pd.api.types.is_bool_dtype(c),
               lambda v: not isinstance(v, (bool, np.bool_)) and isinstance(v, (int, float, np.integer, np.floating)),
               "a number"),
    "boolean": (pd.api.types.is_bool_dtype, lambda v: isinstance(v, (bool, np.bool_)), "a boolean"),
    "date": (pd.api.types.is_datetime64_any_dtype,
             lambda v: isinstance(v, (datetime.date, np.datetime64)), "a date"),
}


def check_column_type(values: pd.Series, type_: str, *, source: str, column: str) -> None:
    """Raise if a typed column (not text to cast: see :func:`cast_column`) holds a value that is not of the
    Table Schema ``type_``; missing values pass. Whole floats count as integers (a missing value turns an
    integer column into floats).

    >>> check_column_type(pd.Series([1.0, None, 2.5]), "integer", source="t", column="n")
    Traceback (most recent call last):
    ...
    govstudy.errors.DataValidationError: t, column 'n', row 3: value 2.5 is not an integer (rule: type)
    """
    if type_ not in TYPES:
        raise ValueError(f"{source}, column {column!r}: unknown type {type_!r}; expected one of {TYPES}")
    dtype_ok, value_ok, expected = _TYPED[type_]
    if dtype_ok(values):
        return
    if type_ == "integer" and pd.api.types.is_float_dtype(values):
        arr = values.to_numpy(dtype="float64", na_value=np.nan)
        bad = ~np.isnan(arr) & ~(np.isfinite(arr) & (np.floor(arr) == arr))
    else:
        present = values.notna().to_numpy()
        bad = present & ~np.fromiter((value_ok(v) for v in values.tolist()), dtype=bool, count=len(values))
    if bad.any():
        i = _first_bad(bad)
        raise _fail(f"value {values.tolist()[i]!r} is not {expected}", source=source, column=column,
                    index=i, rule="type")


def check_constraints(col: pd.Series, field: Mapping, *, source: str,
                      lines: Sequence[int] | None = None) -> None:
    """Raise if a typed column breaks a constraint of its Table Schema ``field`` (required, enum, minimum,
    maximum, pattern, unique), naming the first bad row.

    >>> check_constraints(pd.Series(["a", None]), {"name": "k", "constraints": {"required": True}}, source="t")
    Traceback (most recent call last):
    ...
    govstudy.errors.DataValidationError: t, column 'k', row 2: value is missing but the column is required (rule: required)
    """
    name = field["name"]
    cons = field.get("constraints", {})
    present = col.notna().to_numpy()

    def fail(mask: np.ndarray, message: Callable[[object], str], rule: str) -> None:
        if mask.any():
            i = _first_bad(mask)
            raise _fail(message(col.iloc[i]), source=source, column=name, index=i, rule=rule, lines=lines)

    if cons.get("required"):
        fail(~present, lambda v: "value is missing but the column is required", "required")
    if "enum" in cons:
        allowed = list(cons["enum"])
        fail(present & ~col.isin(allowed).to_numpy(dtype=bool),
             lambda v: f"value {v!r} is not one of the allowed values {allowed}", "enum")
    if "minimum" in cons:
        fail(present & (col < cons["minimum"]).fillna(False).to_numpy(dtype=bool),
             lambda v: f"value {v!r} is below the minimum {cons['minimum']}", "minimum")
    if "maximum" in cons:
        fail(present & (col > cons["maximum"]).fillna(False).to_numpy(dtype=bool),
             lambda v: f"value {v!r} is above the maximum {cons['maximum']}", "maximum")
    if "pattern" in cons:
        regex = re.compile(cons["pattern"])
        fail(present & ~col.astype("string").map(lambda v: bool(regex.fullmatch(v)) if v is not pd.NA else True)
             .to_numpy(dtype=bool),
             lambda v: f"value {v!r} does not match the pattern {cons['pattern']!r}", "pattern")
    if cons.get("unique"):
        dup = col.duplicated(keep="first").to_numpy() & present
        fail(dup, lambda v: f"value {v!r} appears more than once but the column must be unique", "unique")


def check_primary_key(df: pd.DataFrame, key: str | Sequence[str], *, source: str,
                      lines: Sequence[int] | None = None) -> None:
    """Raise if the key columns are missing or repeat; names the first duplicated row and its twin.

    >>> check_primary_key(pd.DataFrame({"k": [1, 2, 1]}), "k", source="t")
    Traceback (most recent call last):
    ...
    govstudy.errors.DataValidationError: t, column 'k', row 3: key (1,) repeats row 1 (rule: primaryKey)
    """
    cols = [key] if isinstance(key, str) else list(key)
    missing = [c for c in cols if c not in df.columns]
    if missing:
        raise DataValidationError(f"key column(s) {missing} not found; columns are {list(df.columns)}",
                                  source=source, column=missing[0], rule="primaryKey")
    for c in cols:
        if df[c].isna().any():
            i = _first_bad(df[c].isna().to_numpy())
            raise _fail("key value is missing", source=source, column=c, index=i, rule="primaryKey", lines=lines)
    dup = df.duplicated(subset=cols, keep=False).to_numpy()
    if dup.any():
        first_dup = _first_bad(df.duplicated(subset=cols, keep="first").to_numpy())
        keyval = tuple(df[cols].iloc[first_dup].tolist())
        twin = next(i for i in np.flatnonzero(dup) if tuple(df[cols].iloc[i].tolist()) == keyval)
        raise _fail(f"key {keyval!r} repeats row {twin + 1}", source=source, column=",".join(cols),
                    index=first_dup, rule="primaryKey", lines=lines)


def validate_table(raw: pd.DataFrame, schema: Mapping, *, source: str,
                   lines: Sequence[int] | None = None, allow_extra: bool = False) -> pd.DataFrame:
    """Check ``raw`` (all text, missing as NA) against a Table Schema and return the typed frame.

    Columns must be exactly those declared (in any order; extra ones only with ``allow_extra``).
    Foreign keys are checked by the caller, who can see the other tables (see ``check_foreign_key``).
    A frame that is already typed is checked with ``govstudy.datasets.check_frame`` instead.
    """
    fields = list(schema["fields"])
    declared = [f["name"] for f in fields]
    missing = [c for c in declared if c not in raw.columns]
    if missing:
        raise DataValidationError(f"required column(s) {missing} are missing; the file has {list(raw.columns)}",
                                  source=source, column=missing[0], rule="schema")
    extra = [c for c in raw.columns if c not in declared]
    if extra and not allow_extra:
        raise DataValidationError(f"column(s) {extra} are not declared in the schema {declared}",
                                  source=source, column=extra[0], rule="schema")
    out = {}
    for field in fields:
        col = cast_column(raw[field["name"]], field.get("type", "string"), source=source,
                          column=field["name"], lines=lines)
        check_constraints(pd.Series(col, index=raw.index), field, source=source, lines=lines)
        out[field["name"]] = col
    typed = pd.DataFrame(out, index=raw.index)
    if extra:
        typed = pd.concat([typed, raw[extra]], axis=1)
    if "primaryKey" in schema:
        check_primary_key(typed, schema["primaryKey"], source=source, lines=lines)
    return typed


def check_foreign_key(df: pd.DataFrame, fields: str | Sequence[str], parent: pd.DataFrame,
                      parent_fields: str | Sequence[str], *, source: str, parent_name: str) -> None:
    """Raise if a non-missing value of ``df[fields]`` has no matching row in ``parent``.

    >>> check_foreign_key(pd.DataFrame({"m": ["a", "z"]}), "m", pd.DataFrame({"id": ["a"]}), "id",
    ...                   source="t", parent_name="measures")
    Traceback (most recent call last):
    ...
    govstudy.errors.DataValidationError: t, column 'm', row 2: value ('z',) is not in the measures table (no match in measures.['id']) (rule: foreignKey)
    """
    cols = [fields] if isinstance(fields, str) else list(fields)
    pcols = [parent_fields] if isinstance(parent_fields, str) else list(parent_fields)
    keys = set(map(tuple, parent[pcols].astype(object).to_numpy().tolist()))
    for i, row in enumerate(df[cols].astype(object).to_numpy().tolist()):
        if any(pd.isna(v) for v in row):
            continue
        if tuple(row) not in keys:
            raise _fail(f"value {tuple(row)!r} is not in the {parent_name} table (no match in {parent_name}.{pcols})",
                        source=source, column=",".join(cols), index=i, rule="foreignKey")
