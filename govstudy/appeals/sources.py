"""Where an appeal log comes from: a DataFrame, or CSV/Parquet paths and globs (larger than memory).

CSV files go through govstudy's one decoder (:class:`govstudy.decode.DecodedFile`): UTF-8 files are read in
place; any other encoding (GBK/GB18030 exports, UTF-8 with a BOM, UTF-16) is transcoded to UTF-8 in one streaming
pass into a temporary folder, and the report notes it. The separator is sniffed once from the first lines
(:func:`govstudy.delimited.sniff_separator`) and given to the engine, so both engines read the same fields.
Paths with a scheme (``s3a://``, ``hdfs://``) are passed to the engine as they are (Spark reads them).

>>> import pandas as pd
>>> src = open_source(pd.DataFrame({"record_id": ["a"], "received_at": ["2024-01-02"], "community": ["x"]}),
...                   None, by="community")
>>> src.label, src.mapping
('DataFrame', {'record_id': 'record_id', 'received_at': 'received_at', 'community': 'community'})
"""

from __future__ import annotations

import csv
import glob
import io
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from govstudy.appeals.fields import resolve_columns
from govstudy.decode import DecodedFile
from govstudy.delimited import field_limit, sniff_separator
from govstudy.errors import ArgumentError, DataValidationError, FileMissingError, ReadError

__all__ = ["Source", "open_source"]

_KINDS = {".csv": "csv", ".txt": "csv", ".tsv": "csv", ".parquet": "parquet", ".pq": "parquet"}


@dataclass
class Source:
    """A resolved source: a frame (``frame``) or files (``paths`` of one ``kind``) and the column mapping."""

    label: str
    mapping: dict
    frame: pa.Table | None = None
    paths: list = field(default_factory=list)
    kind: str = "frame"
    sep: str = ","
    notes: list = field(default_factory=list)
    tmpdir: tempfile.TemporaryDirectory | None = None

    def close(self) -> None:
        if self.tmpdir is not None:
            self.tmpdir.cleanup()


def _required(by: str) -> tuple[str, ...]:
    return ("record_id", "received_at", by)


def _frame_source(df: pd.DataFrame, columns, by: str, tz) -> Source:
    mapping = resolve_columns(columns, [str(c) for c in df.columns], source="DataFrame", required=_required(by))
    cols = {}
    for std, col in mapping.items():
        s = df[col]
        if isinstance(s, pd.DataFrame):
            raise DataValidationError(f"the column name {col!r} appears more than once", source="DataFrame",
                                      column=col, rule="unique-column-names")
        if isinstance(s.dtype, pd.DatetimeTZDtype):
            if tz is None:
                raise DataValidationError(f"{std} is time-zone aware ({s.dtype.tz}); pass tz= (e.g. 'Asia/Shanghai') "
                                          "to read it as that zone's wall-clock time", source="DataFrame", column=col,
                                          rule="time-zone")
            s = s.dt.tz_convert(tz).dt.tz_localize(None)
        if std in _CODES and pd.api.types.is_float_dtype(s.dtype) and _whole(s):
            s = s.astype("Int64")              # codes that pandas read as floats because some are missing
        if pd.api.types.is_datetime64_any_dtype(s.dtype):
            s = s.astype("datetime64[us]")
        elif pd.api.types.is_bool_dtype(s.dtype) or (s.dtype == object and not _all_text(s)):
            s = s.map(lambda v: None if pd.isna(v) else str(v)).astype("string")
        elif isinstance(s.dtype, pd.CategoricalDtype):
            s = s.astype("string")
        cols[col] = s
    table = pa.Table.from_pandas(pd.DataFrame(cols), preserve_index=False)
    return Source("DataFrame", mapping, frame=table)


_CODES = ("record_id", "community", "street", "district")


def _whole(s: pd.Series) -> bool:
    v = s.dropna().to_numpy(float)
    return bool(np.all(np.isfinite(v) & (np.floor(v) == v) & (np.abs(v) < 2 ** 53)))


def _all_text(s: pd.Series) -> bool:
    return all(isinstance(v, str) for v in s.dropna().head(1000))


def _expand(source) -> list[str]:
    items = [source] if isinstance(source, (str, os.PathLike)) else list(source)
    if not items:
        raise ArgumentError("source= is an empty list; expected a DataFrame or CSV/Parquet paths or globs")
    paths = []
    for item in items:
        if not isinstance(item, (str, os.PathLike)):
            raise ArgumentError(f"source=: expected a DataFrame, a path or a list of paths, got {type(item).__name__}")
        text = os.fspath(item)
        if "://" in text:
            paths.append(text)
        elif any(ch in text for ch in "*?["):
            found = sorted(glob.glob(text, recursive=True))
            if not found:
                raise FileMissingError(f"{text}: no file matches this pattern (working directory: {Path.cwd()})")
            paths.extend(found)
        else:
            if not Path(text).exists():
                raise FileMissingError(f"{text}: no such file (working directory: {Path.cwd()})")
            paths.append(text)
    return paths


def _kind_of(path: str) -> str:
    suffix = Path(path.split("://")[-1]).suffix.lower()
    if suffix not in _KINDS:
        raise ReadError(f"{path}: cannot read a {suffix or 'file without a suffix'} as a log; expected "
                        f"{sorted(_KINDS)}")
    return _KINDS[suffix]


def _csv_header(first_chunk: str, path: str) -> tuple[list[str], str]:
    if not first_chunk.strip():
        raise ReadError(f"{path}: the file is empty; expected a header row naming the columns")
    sep = sniff_separator(first_chunk, path)
    with field_limit(len(first_chunk) + 1):
        header = next(csv.reader(io.StringIO(first_chunk, newline=""), delimiter=sep), [])
    return [h.strip() for h in header], sep


def _prepare_csv(path: str, encoding: str, tmp: Path, notes: list) -> tuple[str, list[str], str]:
    """(path to read, header, separator); transcodes a non-UTF-8 file into ``tmp``."""
    if Path(path).stat().st_size == 0:
        raise ReadError(f"{path}: the file is empty (0 bytes); expected a header row naming the columns")
    decoded = DecodedFile(path, encoding=encoding)
    chunks = iter(decoded)
    first = next(chunks, "")
    header, sep = _csv_header(first, path)
    if decoded.encoding == "utf-8":
        return path, header, sep
    out = tmp / f"{len(list(tmp.iterdir())):04d}_{Path(path).stem}.utf8.csv"
    with open(out, "w", encoding="utf-8", newline="") as fh:
        fh.write(first.lstrip("\ufeff"))
        for chunk in chunks:
            fh.write(chunk)
    repaired = decoded.evidence.get("repair")
    notes.append(f"{path}: read as {decoded.encoding} and transcoded to UTF-8 in one streaming pass"
                 + (f" ({repaired})" if repaired else ""))
    return str(out), header, sep


def _file_source(paths: list[str], columns, by: str, encoding: str) -> Source:
    kinds = {_kind_of(p) for p in paths}
    if len(kinds) > 1:
        raise ReadError(f"source= mixes CSV and Parquet files ({paths[:4]}…); read them as one kind")
    kind = kinds.pop()
    first = paths[0] if "://" in paths[0] else os.path.relpath(paths[0])   # the same in any clone
    label = first if len(paths) == 1 else f"{first} and {len(paths) - 1} more files"
    src = Source(label, {}, paths=[], kind=kind)
    mappings, seps = {}, set()
    for p in paths:
        if "://" in p:
            src.paths.append(p)
            continue
        if kind == "parquet":
            import pyarrow.parquet as pq

            names = pq.read_schema(p).names
            src.paths.append(p)
        else:
            if src.tmpdir is None:
                src.tmpdir = tempfile.TemporaryDirectory(prefix="govstudy-appeals-")
            readable, names, sep = _prepare_csv(p, encoding, Path(src.tmpdir.name), src.notes)
            src.paths.append(readable)
            seps.add(sep)
        mappings[p] = resolve_columns(columns, names, source=p, required=_required(by))
    distinct = {tuple(sorted(m.items())) for m in mappings.values()}
    if len(distinct) > 1:
        (p1, m1), (p2, m2) = list(mappings.items())[:2]
        raise DataValidationError(f"the files name their columns differently ({m1} here, {m2} in {p2}); pass "
                                  "columns= explicitly or read them separately", source=p1, rule="same-columns")
    if len(seps) > 1:
        raise ReadError(f"{label}: the files use different separators {sorted(seps)}; read them separately")
    src.sep = seps.pop() if seps else ","
    src.mapping = next(iter(mappings.values())) if mappings else resolve_columns(columns, list(columns or {}),
                                                                               source=label,
                                                                               required=_required(by))
    return src


def open_source(source, columns, *, by: str = "community", encoding: str = "auto", tz=None) -> Source:
    """Resolve ``source`` and its column mapping, checking every file's header before any engine reads it."""
    if isinstance(source, pd.DataFrame):
        return _frame_source(source, columns, by, tz)
    return _file_source(_expand(source), columns, by, encoding)
