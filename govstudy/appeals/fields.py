"""The appeal-record schema: standard field names, presets for real exports, and the ``columns=`` mapping.

The schema lives in the data package descriptor (``data/datapackage.json``, key ``appealRecordSchema``), so
its descriptions and presets are written once. A log is read through a mapping ``{standard_name: file_column}``:
``columns="12345"`` (Chinese 12345 exports), ``columns="open311"`` (GeoReport v2) or ``columns="sf311"`` (the
bundled SF311 sample), or a dict, which may start from a preset: ``columns={"preset": "12345",
"community": "所在社区"}``. With ``columns=None`` the file's columns are the standard names themselves.

>>> resolve_columns("12345", ["工单号", "来电时间", "所属社区", "办理状态"], source="export.csv")
{'record_id': '工单号', 'received_at': '来电时间', 'community': '所属社区', 'status': '办理状态'}
>>> resolve_columns(None, ["record_id", "community"], source="log.csv")
Traceback (most recent call last):
...
govstudy.errors.DataValidationError: log.csv, column 'received_at': the standard field 'received_at' (When the record was received (受理时间), local wall-clock time unless the text carries an offset.) has no column: the file has ['record_id', 'community']; name it with columns={'received_at': <file column>} or a preset ('12345', 'open311', 'sf311')
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from govstudy.errors import ArgumentError, DataValidationError

__all__ = ["record_schema", "standard_fields", "PRESETS", "preset", "resolve_columns"]

PRESETS = ("12345", "open311", "sf311")


def record_schema() -> dict:
    """The ``appealRecordSchema`` entry of the data package descriptor."""
    from govstudy.datasets import descriptor

    return descriptor()["appealRecordSchema"]


def standard_fields() -> dict[str, dict]:
    """Standard name -> its field entry (type, description, required, presets), in schema order.

    >>> list(standard_fields())[:3]
    ['record_id', 'received_at', 'closed_at']
    """
    return {f["name"]: f for f in record_schema()["fields"]}


def preset(name: str) -> dict[str, list[str]]:
    """Standard name -> the file column names a preset knows for it (first present wins).

    >>> preset("sf311")["received_at"], preset("12345")["closed_at"][0]
    (['Opened'], '办结时间')
    """
    if name not in PRESETS:
        raise ArgumentError(f"unknown preset {name!r}; expected one of {list(PRESETS)}")
    out = {}
    for std, f in standard_fields().items():
        cols = f["presets"].get(name)
        if cols:
            out[std] = [cols] if isinstance(cols, str) else list(cols)
    return out


def _candidates(columns) -> dict[str, list[str]]:
    fields = standard_fields()
    if columns is None:
        return {std: [std] for std in fields}
    if isinstance(columns, str):
        return preset(columns)
    if not isinstance(columns, Mapping):
        raise ArgumentError(f"columns= is a preset name {list(PRESETS)} or a dict {{standard_name: file_column}}, "
                            f"got {type(columns).__name__}")
    base = dict(preset(columns["preset"])) if "preset" in columns else {}
    for std, col in columns.items():
        if std == "preset":
            continue
        if std not in fields:
            raise ArgumentError(f"columns=: {std!r} is not a standard field; standard fields are {list(fields)}")
        if col is None:
            base.pop(std, None)
        elif not isinstance(col, str):
            raise ArgumentError(f"columns=: {std!r} maps to {col!r}; expected a file column name (str) or None")
        else:
            base[std] = [col]
    return base


def resolve_columns(columns, available: Sequence[str], *, source: str,
                    required: Sequence[str] = ("record_id", "received_at")) -> dict[str, str]:
    """Standard name -> file column for one file, checked against its ``available`` columns.

    A required field (``record_id``, ``received_at`` and the unit) without a column is an error naming the file
    and the field; an optional field whose column is absent is left out.
    """
    fields = standard_fields()
    cands = _candidates(columns)
    explicit = set(columns) - {"preset"} if isinstance(columns, Mapping) else set()
    have = set(available)
    out = {}
    for std in fields:
        found = next((c for c in cands.get(std, []) if c in have), None)
        if found is not None:
            out[std] = found
        elif std in explicit:
            raise DataValidationError(f"columns= maps {std!r} to {cands[std][0]!r}, which the file does not have; "
                                      f"the file has {list(available)}", source=source, column=cands[std][0],
                                      rule="column-exists")
    for std in required:
        if std not in out:
            tried = cands.get(std, [])
            hint = f" (tried {tried})" if tried and tried != [std] else ""
            raise DataValidationError(
                f"the standard field {std!r} ({fields[std]['description']}) has no column{hint}: the file has "
                f"{list(available)}; name it with columns={{{std!r}: <file column>}} or a preset {PRESETS}",
                source=source, column=std, rule="required-field")
    return out
