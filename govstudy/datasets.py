"""The bundled datasets: ``list_datasets()``, ``load(name)`` and ``load_text(name)``.

Every dataset is described once, in ``data/datapackage.json`` (a Frictionless Data Package):
title, description, sources, licence, citation, and a Table Schema with per-column descriptions,
units, types, constraints, primary and foreign keys, plus the file's sha256 hash. ``load`` checks
the hash and the schema and raises ``DataValidationError`` naming dataset, column, row and rule.

>>> import govstudy
>>> cases = govstudy.load("cases")
>>> sorted(cases.loc[cases["source_id"] == "seed", "case_id"])
['nancheng', 'yuan']
>>> cases.attrs["columns"]["admin_level"]["description"][:24]
'Administrative level of '

The descriptor uses the Data Package standard's keys (package, resource, Table Schema, field,
constraint, foreign key, source and licence keys, v1 and v2) plus these govstudy extensions, and
reading it fails on any other key (a typo such as ``"primarykey"`` would otherwise be ignored):

* package ``appealRecordSchema``: the standard fields of an appeal log (``govstudy.appeals``), a Table
  Schema whose fields carry ``presets`` (the column names of real exports);
* resource ``citation`` (how to cite it), ``rows`` (its row count, written by
  ``scripts/refresh_datapackage.py``) and ``simulated`` (true for simulated data);
* field ``unit`` (the unit of measurement).

A frame someone built in the layout of a bundled table is checked against the same schema with
:func:`check_frame`.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from functools import lru_cache
from pathlib import Path

import pandas as pd

from govstudy.errors import DataValidationError, DatasetNotFoundError
from govstudy.schema import check_column_type, check_constraints, check_foreign_key, check_primary_key, validate_table


def data_dir() -> Path:
    """The folder holding ``datapackage.json``: inside the installed package, or the repository's ``data/``."""
    bundled = Path(__file__).resolve().parent / "_bundled_data"
    if (bundled / "datapackage.json").exists():
        return bundled
    repo = Path(__file__).resolve().parent.parent / "data"
    if (repo / "datapackage.json").exists():
        return repo
    raise FileNotFoundError(f"govstudy's data folder is missing (looked in {bundled} and {repo})")


# The keys of the Data Package standard (v1 and v2: https://datapackage.org), per part of the descriptor,
# and govstudy's own (documented in the module docstring).
_STANDARD_KEYS = {
    "package": {"$schema", "profile", "name", "id", "title", "description", "homepage", "version", "created",
                "keywords", "image", "contributors", "licenses", "sources", "resources"},
    "resource": {"$schema", "profile", "name", "path", "data", "type", "title", "description", "homepage",
                 "format", "mediatype", "encoding", "bytes", "hash", "sources", "licenses", "dialect", "schema"},
    "schema": {"$schema", "profile", "fields", "fieldsMatch", "missingValues", "primaryKey", "foreignKeys",
               "uniqueKeys"},
    "field": {"name", "title", "type", "format", "description", "example", "constraints", "rdfType",
              "missingValues", "categories", "categoriesOrdered", "trueValues", "falseValues", "bareNumber",
              "groupChar", "decimalChar", "itemType", "itemDelimiter"},
    "constraints": {"required", "unique", "minLength", "maxLength", "minimum", "maximum", "exclusiveMinimum",
                    "exclusiveMaximum", "pattern", "enum", "jsonSchema"},
    "foreignKey": {"fields", "reference"},
    "reference": {"resource", "fields"},
    "source": {"title", "path", "email", "version"},
    "licence": {"name", "path", "title"},
    "contributor": {"title", "givenName", "familyName", "path", "email", "roles", "role", "organization"},
    "dialect": {"$schema", "header", "headerRows", "headerJoin", "commentRows", "commentChar", "delimiter",
                "lineTerminator", "quoteChar", "doubleQuote", "escapeChar", "nullSequence", "skipInitialSpace",
                "property", "itemType", "itemKeys", "sheetNumber", "sheetName", "table", "caseSensitiveHeader",
                "csvddfVersion"},
}
#: govstudy's extensions of the Data Package standard, per part of the descriptor (see the module docstring)
EXTENSION_KEYS = {
    "package": {"appealRecordSchema"},
    "resource": {"citation", "rows", "simulated"},
    "appealRecordSchema": {"name", "title", "description"},  # a Table Schema with a name, title and description
    "field": {"unit", "presets"},
}


def check_descriptor(dp: Mapping, *, source: str = "datapackage.json") -> None:
    """Raise ``DataValidationError`` naming the place of the first key that is neither a Data Package key
    nor a govstudy extension (see the module docstring).

    >>> check_descriptor({"name": "demo", "resources": [{"name": "t", "path": "t.csv", "schema": {
    ...     "fields": [{"name": "n", "type": "integer", "units": "persons"}]}}]})
    Traceback (most recent call last):
    ...
    govstudy.errors.DataValidationError: datapackage.json: unknown key 'units' in resources[0] ('t').schema.fields[0] ('n'); a field takes the Data Package keys ['bareNumber', 'categories', 'categoriesOrdered', 'constraints', 'decimalChar', 'description', 'example', 'falseValues', 'format', 'groupChar', 'itemDelimiter', 'itemType', 'missingValues', 'name', 'rdfType', 'title', 'trueValues', 'type'] and govstudy's ['presets', 'unit']
    """
    def keys(entry: object, part: str, where: str) -> None:
        if not isinstance(entry, Mapping):
            raise DataValidationError(f"{where} must be an object, not {type(entry).__name__}", source=source,
                                      rule="descriptor")
        standard = _STANDARD_KEYS.get(part, _STANDARD_KEYS["schema"])  # appealRecordSchema is a Table Schema
        allowed = standard | EXTENSION_KEYS.get(part, set())
        unknown = [k for k in entry if k not in allowed]
        if unknown:
            label = {"constraints": "a constraints object",
                     "appealRecordSchema": "appealRecordSchema"}.get(part, f"a {part}")
            raise DataValidationError(
                f"unknown key {unknown[0]!r} in {where}; {label} takes the Data Package keys "
                f"{sorted(standard, key=str.lower)} and govstudy's {sorted(EXTENSION_KEYS.get(part, ()))}",
                source=source, rule="descriptor")

    def named(i: int, entry: object) -> str:
        return f"[{i}] ({entry['name']!r})" if isinstance(entry, Mapping) and "name" in entry else f"[{i}]"

    def table_schema(schema: object, where: str, part: str = "schema") -> None:
        keys(schema, part, where)
        for i, field in enumerate(schema.get("fields", [])):
            at = f"{where}.fields{named(i, field)}"
            keys(field, "field", at)
            if "constraints" in field:
                keys(field["constraints"], "constraints", f"{at}.constraints")
        for i, fk in enumerate(schema.get("foreignKeys", [])):
            keys(fk, "foreignKey", f"{where}.foreignKeys[{i}]")
            keys(fk.get("reference", {}), "reference", f"{where}.foreignKeys[{i}].reference")

    def common(entry: Mapping, where: str) -> None:
        for part, key in (("source", "sources"), ("licence", "licenses"), ("contributor", "contributors")):
            for i, item in enumerate(entry.get(key, [])):
                keys(item, part, f"{where}{key}[{i}]")

    keys(dp, "package", "the package")
    common(dp, "")
    if "appealRecordSchema" in dp:
        table_schema(dp["appealRecordSchema"], "appealRecordSchema", "appealRecordSchema")
    for i, res in enumerate(dp.get("resources", [])):
        where = f"resources{named(i, res)}"
        keys(res, "resource", where)
        common(res, f"{where}.")
        if isinstance(res.get("dialect"), Mapping):
            keys(res["dialect"], "dialect", f"{where}.dialect")
        if "schema" in res:
            table_schema(res["schema"], f"{where}.schema")


@lru_cache(maxsize=1)
def descriptor() -> dict:
    """The parsed ``datapackage.json``, checked for unknown keys (:func:`check_descriptor`)."""
    file = data_dir() / "datapackage.json"
    dp = json.loads(file.read_text(encoding="utf-8"))
    check_descriptor(dp, source=str(file))
    return dp


def _one_name(name: object, function: str) -> None:
    if not isinstance(name, str):
        raise TypeError(f"{function}() takes one dataset name (a str) such as 'cases', not "
                        f"{type(name).__name__} {name!r}; call it once per dataset, e.g. "
                        f"[govstudy.{function}(n) for n in names]")


def resource(name: str) -> dict:
    """The descriptor entry of one dataset; a clear error lists the names that exist."""
    _one_name(name, "resource")
    for res in descriptor()["resources"]:
        if res["name"] == name:
            return res
    names = [r["name"] for r in descriptor()["resources"]]
    raise DatasetNotFoundError(f"no dataset named {name!r}; available: {names}")


def path(name: str) -> Path:
    """The file behind a dataset, e.g. ``path("seed_report")`` for the raw report text."""
    return data_dir() / resource(name)["path"]


def sha256(file: Path) -> str:
    return hashlib.sha256(file.read_bytes()).hexdigest()


def check_hash(name: str) -> str:
    """The sha256 of the file behind dataset ``name``, after checking it is the hash the descriptor records
    (else ``DataValidationError``, rule ``hash``).

    >>> check_hash("seed_report")[:12]
    '5437b1387dc1'
    """
    res = resource(name)
    expected = res["hash"].removeprefix("sha256:")
    actual = sha256(data_dir() / res["path"])
    if actual != expected:
        raise DataValidationError(
            f"file {res['path']} has sha256 {actual[:12]}… but the descriptor records {expected[:12]}…; "
            "the data changed since it was described (rebuild with scripts/refresh_datapackage.py if intended)",
            source=f"dataset {name!r}", rule="hash")
    return actual


def _sources_text(res: dict) -> str:
    return "; ".join(s.get("title", "") + (f" ({s['path']})" if s.get("path") else "") for s in res.get("sources", []))


def _licence_text(res: dict) -> str:
    return "; ".join(lic.get("name", lic.get("title", "")) for lic in res.get("licenses", []))


def list_datasets() -> pd.DataFrame:
    """One row per bundled dataset: name, title, format, rows, description, source, licence.

    >>> import govstudy
    >>> "case_indicators" in set(govstudy.list_datasets()["name"])
    True
    """
    rows = [{"name": r["name"], "title": r.get("title", ""), "format": r.get("format", ""),
             "rows": r.get("rows"), "description": r.get("description", ""),
             "source": _sources_text(r), "licence": _licence_text(r)}
            for r in descriptor()["resources"]]
    df = pd.DataFrame(rows)
    df["rows"] = df["rows"].astype("Int64")
    return df


@lru_cache(maxsize=None)
def _load_cached(name: str) -> pd.DataFrame:
    res = resource(name)
    if res.get("format") != "csv":
        raise DatasetNotFoundError(f"dataset {name!r} is a {res.get('format')} document, not a table; "
                                   f"use govstudy.load_text({name!r})")
    check_hash(name)
    file = data_dir() / res["path"]
    dialect = res.get("dialect", {})
    unread = sorted(set(dialect) - {"header", "commentRows"})
    if unread:
        raise DataValidationError(f"the dialect keys {unread} are not read by govstudy (it reads comma-separated "
                                  "UTF-8 with header and commentRows)", source=f"dataset {name!r}", rule="descriptor")
    if dialect.get("header", True):
        raw = pd.read_csv(file, dtype=str, keep_default_na=False, encoding="utf-8")
    else:  # the file's header row does not name the columns (sf311_sample): the schema names them, by position
        raw = pd.read_csv(file, dtype=str, keep_default_na=False, encoding="utf-8", header=None,
                          names=[f["name"] for f in res["schema"]["fields"]],
                          skiprows=[r - 1 for r in dialect.get("commentRows", [])])
    raw = raw.mask(raw == "")  # Table Schema's default missingValues: [""]
    source = f"dataset {name!r} ({res['path']})"
    df = validate_table(raw, res["schema"], source=source)
    _check_foreign_keys(df, res, source=source, tables={})
    df.attrs.update(_attrs(res))
    return df


def _check_foreign_keys(df: pd.DataFrame, res: Mapping, *, source: str, tables: Mapping[str, pd.DataFrame],
                        fields: Sequence[str] | None = None) -> None:
    """The resource's declared foreign keys; a parent comes from ``tables``, else it is the bundled table."""
    for fk in res["schema"].get("foreignKeys", []):
        cols = [fk["fields"]] if isinstance(fk["fields"], str) else list(fk["fields"])
        if fields is not None and not set(cols) <= set(fields):
            continue
        ref = fk["reference"]
        parent_name = ref["resource"] or res["name"]  # "" is the resource itself
        parent = df if not ref["resource"] else tables.get(parent_name)
        if parent is None:
            parent = _load_cached(parent_name)
        check_foreign_key(df, cols, parent, ref["fields"], source=source, parent_name=parent_name)


def check_frame(df: pd.DataFrame, name: str, *, tables: Mapping[str, pd.DataFrame] | None = None,
                fields: Sequence[str] | None = None, source: str | None = None) -> None:
    """Check a typed frame in the layout of the bundled table ``name`` against that table's schema in
    ``datapackage.json``; raise ``DataValidationError`` naming source, column, row, rule and value.

    Checked: every field the schema marks required is a column; every declared column holds values of
    its type (missing values pass; whole floats pass as integers) and keeps its constraints (required,
    unique, enum, minimum, maximum, pattern); the primary key; every foreign key the descriptor
    declares, against ``tables[parent]`` when given, else the bundled parent table. Columns the
    schema does not declare are allowed. With ``fields`` only those columns are checked, each of them
    must be there, and a key is checked when all its columns are among them (a consumer that uses
    only some columns, such as a tagger's taxonomy).

    >>> ind = load("case_indicators").head(3)
    >>> check_frame(ind, "case_indicators")
    >>> check_frame(ind.assign(measure=["red_property", "no_such_measure", "context"]), "case_indicators")
    Traceback (most recent call last):
    ...
    govstudy.errors.DataValidationError: frame 'case_indicators', column 'measure', row 2: value ('no_such_measure',) is not in the measures table (no match in measures.['measure_id']) (rule: foreignKey)
    """
    res = resource(name)
    if "schema" not in res:
        raise DatasetNotFoundError(f"dataset {name!r} is a {res.get('format')} document, not a table")
    schema = res["schema"]
    source = f"frame {name!r}" if source is None else source
    declared = {f["name"]: f for f in schema["fields"]}
    if fields is not None:
        unknown = [c for c in fields if c not in declared]
        if unknown:
            raise ValueError(f"{unknown} are not fields of {name!r}; its fields are {list(declared)}")
        wanted = [c for c in fields if c not in df.columns]
        if wanted:
            raise DataValidationError(f"column(s) {wanted} are missing; the frame has {list(df.columns)}",
                                      source=source, column=wanted[0], rule="schema")
    else:
        required = [c for c, f in declared.items() if f.get("constraints", {}).get("required")]
        missing = [c for c in required if c not in df.columns]
        if missing:
            raise DataValidationError(f"required column(s) {missing} are missing; the frame has {list(df.columns)}",
                                      source=source, column=missing[0], rule="schema")
    checked = [c for c in (declared if fields is None else fields) if c in df.columns]
    for c in checked:
        col = df[c].reset_index(drop=True)
        check_column_type(col, declared[c].get("type", "string"), source=source, column=c)
        check_constraints(col, declared[c], source=source)
    key = schema.get("primaryKey")
    if key:
        key = [key] if isinstance(key, str) else list(key)
        if set(key) <= set(checked):
            check_primary_key(df.reset_index(drop=True), key, source=source)
    _check_foreign_keys(df.reset_index(drop=True), res, source=source, tables=tables or {}, fields=checked)


def _attrs(res: dict) -> dict:
    return {
        "name": res["name"], "title": res.get("title", ""), "description": res.get("description", ""),
        "source": _sources_text(res), "sources": res.get("sources", []), "licence": _licence_text(res),
        "citation": res.get("citation", ""), "simulated": bool(res.get("simulated", False)),
        "columns": {f["name"]: {k: f[k] for k in ("title", "description", "unit", "type") if k in f}
                    for f in res.get("schema", {}).get("fields", [])},
    }


def load(name: str) -> pd.DataFrame:
    """Load a bundled table, checked against its hash and schema, with its documentation in ``.attrs``.

    ``.attrs`` carries ``title``, ``description``, ``source``, ``licence``, ``citation`` and
    ``columns`` (per-column ``description`` and ``unit``). Each call returns a fresh copy.

    >>> import govstudy
    >>> ind = govstudy.load("case_indicators")
    >>> row = ind.iloc[0]
    >>> text = govstudy.load_text("seed_report")
    >>> text[row["start"]:row["end"]] == row["span_text"]
    True
    """
    _one_name(name, "load")
    df = _load_cached(name).copy(deep=True)
    df.attrs = json.loads(json.dumps(_load_cached(name).attrs))  # independent copy of nested metadata
    return df


def load_text(name: str) -> str:
    """Load a bundled text document (e.g. ``"seed_report"``), hash-checked, exactly as stored.

    >>> load_text(["seed_report"])
    Traceback (most recent call last):
    ...
    TypeError: load_text() takes one dataset name (a str) such as 'cases', not list ['seed_report']; call it once per dataset, e.g. [govstudy.load_text(n) for n in names]
    """
    _one_name(name, "load_text")
    res = resource(name)
    check_hash(name)
    return (data_dir() / res["path"]).read_bytes().decode(res.get("encoding", "utf-8"))  # bytes: no newline translation
