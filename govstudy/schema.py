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

import re
from collections.abc import Callable, Mapping, Sequence

import numpy as np
import pandas as pd

from govstudy.errors import DataValidationError

TYPES = ("string", "integer", "number", "boolean", "date")
TRUE_VALUES = ("true", "True", "TRUE", "1")
FALSE_VALUES = ("false", "False", "FALSE", "0")

_INTEGER = re.compile(r"^[+-]?\d+$")
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$|^[+-]?(inf|Infinity)$|^NaN$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


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
    text = values.astype("string")
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
    stripped = text.str.strip()
    if pattern is not None:
        ok = stripped.str.match(pattern).fillna(True).to_numpy(dtype=bool)
    else:
        ok = (stripped.isin(TRUE_VALUES + FALSE_VALUES) | stripped.isna()).to_numpy(dtype=bool)
    if not ok.all():
        i = _first_bad(~ok)
        raise _fail(f"value {values.iloc[i]!r} is not {expected}", source=source, column=column,
                    index=i, rule="type", lines=lines)
    if type_ == "integer":  # nullable Int64 only where values are missing
        ints = stripped.astype("Int64")
        return ints.astype("int64") if present.all() else ints
    if type_ == "number":  # missing numbers are NaN, as everywhere in numpy/pandas
        return pd.to_numeric(stripped).astype("float64")
    if type_ == "date":
        try:
            return pd.Series(pd.to_datetime(stripped, format="%Y-%m-%d").to_numpy(), index=values.index)
        except ValueError as exc:
            raise _fail(f"not a valid calendar date ({exc})", source=source, column=column,
                        index=None, rule="type") from None
    return stripped.map({**{t: True for t in TRUE_VALUES}, **{f: False for f in FALSE_VALUES}}).astype("boolean")


def _check_constraints(col: pd.Series, field: Mapping, *, source: str,
                       lines: Sequence[int] | None) -> None:
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
        _check_constraints(pd.Series(col, index=raw.index), field, source=source, lines=lines)
        out[field["name"]] = col
    typed = pd.DataFrame(out, index=raw.index)
    if extra:
        typed = pd.concat([typed, raw[extra]], axis=1)
    if "primaryKey" in schema:
        check_primary_key(typed, schema["primaryKey"], source=source, lines=lines)
    return typed


def check_foreign_key(df: pd.DataFrame, fields: str | Sequence[str], parent: pd.DataFrame,
                      parent_fields: str | Sequence[str], *, source: str, parent_name: str) -> None:
    """Raise if a non-missing value of ``df[fields]`` has no matching row in ``parent``."""
    cols = [fields] if isinstance(fields, str) else list(fields)
    pcols = [parent_fields] if isinstance(parent_fields, str) else list(parent_fields)
    keys = set(map(tuple, parent[pcols].astype(object).to_numpy().tolist()))
    for i, row in enumerate(df[cols].astype(object).to_numpy().tolist()):
        if any(pd.isna(v) for v in row):
            continue
        if tuple(row) not in keys:
            raise _fail(f"value {tuple(row)!r} has no match in {parent_name}.{pcols}", source=source,
                        column=",".join(cols), index=i, rule="foreignKey")
