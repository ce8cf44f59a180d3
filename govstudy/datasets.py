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
"""

from __future__ import annotations

import hashlib
import json
from functools import lru_cache
from pathlib import Path

import pandas as pd

from govstudy.errors import DataValidationError, DatasetNotFoundError
from govstudy.schema import check_foreign_key, validate_table


def data_dir() -> Path:
    """The folder holding ``datapackage.json``: inside the installed package, or the repository's ``data/``."""
    bundled = Path(__file__).resolve().parent / "_bundled_data"
    if (bundled / "datapackage.json").exists():
        return bundled
    repo = Path(__file__).resolve().parent.parent / "data"
    if (repo / "datapackage.json").exists():
        return repo
    raise FileNotFoundError(f"govstudy's data folder is missing (looked in {bundled} and {repo})")


@lru_cache(maxsize=1)
def descriptor() -> dict:
    """The parsed ``datapackage.json``."""
    return json.loads((data_dir() / "datapackage.json").read_text(encoding="utf-8"))


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


def _check_hash(name: str, res: dict) -> Path:
    file = data_dir() / res["path"]
    expected = res["hash"].removeprefix("sha256:")
    actual = sha256(file)
    if actual != expected:
        raise DataValidationError(
            f"file {res['path']} has sha256 {actual[:12]}… but the descriptor records {expected[:12]}…; "
            "the data changed since it was described (rebuild with scripts/refresh_datapackage.py if intended)",
            source=f"dataset {name!r}", rule="hash")
    return file


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
    file = _check_hash(name, res)
    raw = pd.read_csv(file, dtype=str, keep_default_na=False, encoding="utf-8")
    raw = raw.mask(raw == "")  # Table Schema's default missingValues: [""]
    source = f"dataset {name!r} ({res['path']})"
    df = validate_table(raw, res["schema"], source=source)
    for fk in res["schema"].get("foreignKeys", []):
        ref = fk["reference"]
        check_foreign_key(df, fk["fields"], _load_cached(ref["resource"]), ref["fields"],
                          source=source, parent_name=ref["resource"])
    df.attrs.update(_attrs(res))
    return df


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
    file = _check_hash(name, res)
    return file.read_bytes().decode(res.get("encoding", "utf-8"))  # bytes: no newline translation
