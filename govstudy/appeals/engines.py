"""The two engines behind :func:`govstudy.appeals.to_panel`: DuckDB (embedded, the default) and Spark.

An engine is one small interface: register a source as a view of raw records, run SQL, materialise an
intermediate table, return Arrow; plus the handful of SQL spellings where the two dialects differ (quoting,
timestamp patterns, exact quantiles, microseconds since the epoch, period labels). The pipeline's SQL is written
once in :mod:`govstudy.appeals.pipeline` against these spellings. Arrow is the interchange format both ways.

DuckDB runs with extension auto-install off: nothing is downloaded at run time (Parquet, JSON and ICU are built
into the Python wheel).
"""

from __future__ import annotations

import os
import tempfile
import warnings
from pathlib import Path

import pyarrow as pa

from govstudy.errors import ArgumentError

__all__ = ["Engine", "DuckDBEngine", "SparkEngine", "get_engine", "ENGINES"]

ENGINES = ("duckdb", "spark")


class Engine:
    """The interface; see :class:`DuckDBEngine` and :class:`SparkEngine`."""

    name = "engine"
    text_type = "VARCHAR"

    def ident(self, name: str) -> str:
        raise NotImplementedError

    def literal(self, value: str) -> str:
        raise NotImplementedError

    def parse_time(self, expr: str, fmt: tuple[str, str, str], tz: str = "UTC") -> str:
        """Text -> TIMESTAMP (NULL where ``fmt`` does not read it); a format with an offset gives ``tz``'s
        wall-clock time."""
        raise NotImplementedError

    def quantile(self, expr: str, q: float) -> str:
        raise NotImplementedError

    def micros(self, expr: str) -> str:
        raise NotImplementedError

    def label(self, expr: str, pattern: str) -> str:
        """``pattern`` is 'month', 'day' or 'year' (quarters and weeks are built from these)."""
        raise NotImplementedError

    def try_double(self, expr: str) -> str:
        return f"TRY_CAST({expr} AS DOUBLE)"

    def hash64(self, expr: str) -> str:
        """A 64-bit hash (only to find candidates; every result is decided on the values themselves)."""
        return f"hash({expr})"

    def timestamp_literal(self, value: str) -> str:
        return f"TIMESTAMP '{value}'"


class DuckDBEngine(Engine):
    """DuckDB in process: an in-memory database that spills to a temporary folder beyond ``memory_limit``.

    ``memory_limit`` (e.g. ``"1GB"``) and ``threads`` are passed to DuckDB; None keeps its defaults.
    """

    name = "duckdb"

    def __init__(self, memory_limit: str | None = None, threads: int | None = None):
        try:
            import duckdb
        except ImportError:  # pragma: no cover - a dependency of govstudy
            raise ImportError("engine='duckdb' needs the duckdb package: pip install duckdb") from None
        self._dir = tempfile.TemporaryDirectory(prefix="govstudy-duckdb-")
        self.con = duckdb.connect(":memory:", config={"temp_directory": str(Path(self._dir.name) / "spill")})
        self.con.execute("SET autoinstall_known_extensions = false")
        self.con.execute("SET autoload_known_extensions = false")
        self.con.execute("SET preserve_insertion_order = false")
        if memory_limit:
            self.con.execute(f"SET memory_limit = '{memory_limit}'")
        if threads:
            self.con.execute(f"SET threads = {int(threads)}")

    def ident(self, name):
        return '"' + name.replace('"', '""') + '"'

    def literal(self, value):
        return "'" + str(value).replace("'", "''") + "'"

    def parse_time(self, expr, fmt, tz="UTC"):
        if not fmt[1].endswith("%z"):
            return f"try_strptime({expr}, {self.literal(fmt[1])})"
        # only a +HH:MM offset, as Spark's XXX reads it (DuckDB's %z would also read +0800 and +08)
        return (f"CASE WHEN regexp_matches({expr}, '[+-][0-9][0-9]:[0-9][0-9]$') THEN "
                f"timezone({self.literal(tz)}, try_strptime({expr}, {self.literal(fmt[1])})) END")

    def quantile(self, expr, q):
        return f"quantile_cont({expr}, {q!r})"

    def micros(self, expr):
        return f"epoch_us({expr})"

    def label(self, expr, pattern):
        return {"month": f"strftime({expr}, '%Y-%m')", "day": f"strftime({expr}, '%Y-%m-%d')",
                "year": f"CAST(year({expr}) AS VARCHAR)"}[pattern]

    def register_frame(self, name: str, table: pa.Table) -> None:
        self.con.register(name + "_arrow", table)
        self.con.execute(f"CREATE OR REPLACE TEMP VIEW {name} AS SELECT * FROM {name}_arrow")

    def register_files(self, name: str, paths: list[str], kind: str, sep: str = ",") -> None:
        files = "[" + ", ".join(self.literal(p) for p in paths) + "]"
        if kind == "parquet":
            sql = f"SELECT * FROM read_parquet({files}, union_by_name = true)"
        else:
            sql = (f"SELECT * FROM read_csv({files}, header = true, all_varchar = true, union_by_name = true, "
                   f"quote = '\"', escape = '\"', delim = {self.literal(sep)}, "
                   f"auto_detect = true, strict_mode = true)")
        self.con.execute(f"CREATE OR REPLACE TEMP VIEW {name} AS {sql}")

    def column_kinds(self, name: str) -> dict[str, str]:
        rel = self.con.sql(f"SELECT * FROM {name} LIMIT 0")
        return {c: _kind(str(t)) for c, t in zip(rel.columns, rel.types)}

    def materialize(self, name: str, sql: str) -> None:
        self.con.execute(f"CREATE OR REPLACE TABLE {name} AS {sql}")

    def arrow(self, sql: str) -> pa.Table:
        out = self.con.sql(sql).to_arrow_table()
        return out

    def close(self) -> None:
        self.con.close()
        self._dir.cleanup()


def _kind(type_name: str) -> str:
    t = type_name.upper()
    if t.startswith("TIMESTAMP") or t == "DATE":
        return "timestamp"
    if t in ("VARCHAR", "STRING"):
        return "string"
    if any(t.startswith(k) for k in ("BIGINT", "INTEGER", "SMALLINT", "TINYINT", "HUGEINT", "UBIGINT", "UINTEGER",
                                      "INT", "LONG", "SHORT", "BYTE")):
        return "integer"
    return "other"


class SparkEngine(Engine):
    """Apache Spark through pyspark: a session you pass (``spark=``, e.g. on a cluster) or a local one.

    The session's time zone is set to UTC for the run (naive timestamps are wall-clock times and must not move);
    ANSI mode stays as configured, since the pipeline uses ``try_`` functions only.
    """

    name = "spark"
    text_type = "STRING"

    def __init__(self, spark=None, master: str | None = None):
        try:
            from pyspark.sql import SparkSession
        except ImportError:
            raise ImportError("engine='spark' needs pyspark and Java 17: pip install 'govstudy[spark]'") from None
        if spark is None:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", FutureWarning)  # pyspark's "pandas >= 3 not fully supported"
                spark = (SparkSession.builder.master(master or os.environ.get("GOVSTUDY_SPARK_MASTER", "local[2]"))
                         .appName("govstudy.appeals").config("spark.ui.enabled", "false")
                         .config("spark.ui.showConsoleProgress", "false")
                         .config("spark.sql.shuffle.partitions", "8").getOrCreate())
            spark.sparkContext.setLogLevel("ERROR")
        self.spark = spark
        self._tz = spark.conf.get("spark.sql.session.timeZone")
        spark.conf.set("spark.sql.session.timeZone", "UTC")
        self._cached = []

    def ident(self, name):
        return "`" + name.replace("`", "``") + "`"

    def literal(self, value):
        return "'" + str(value).replace("\\", "\\\\").replace("'", "\\'") + "'"

    def parse_time(self, expr, fmt, tz="UTC"):
        if not fmt[2].endswith("XXX"):
            return f"try_to_timestamp({expr}, {self.literal(fmt[2])})"
        # only a +HH:MM offset (XXX would also read Z); the session's zone is UTC
        return (f"CASE WHEN {expr} RLIKE '[+-][0-9][0-9]:[0-9][0-9]$' THEN "
                f"from_utc_timestamp(try_to_timestamp({expr}, {self.literal(fmt[2])}), {self.literal(tz)}) END")

    def quantile(self, expr, q):
        return f"percentile({expr}, {q!r})"

    def micros(self, expr):
        return f"unix_micros({expr})"

    def label(self, expr, pattern):
        return {"month": f"date_format({expr}, 'yyyy-MM')", "day": f"date_format({expr}, 'yyyy-MM-dd')",
                "year": f"CAST(year({expr}) AS STRING)"}[pattern]

    def try_double(self, expr):
        return f"try_cast({expr} AS DOUBLE)"

    def hash64(self, expr):
        return f"xxhash64({expr})"

    def register_frame(self, name: str, table: pa.Table) -> None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)
            self.spark.createDataFrame(table).createOrReplaceTempView(name)

    def register_files(self, name: str, paths: list[str], kind: str, sep: str = ",") -> None:
        reader = self.spark.read
        if kind == "parquet":
            df = reader.option("mergeSchema", "true").parquet(*paths)
        else:
            df = reader.csv(paths, sep=sep, header=True, multiLine=True, quote='"', escape='"', inferSchema=False,
                            encoding="UTF-8")
        df.createOrReplaceTempView(name)

    def column_kinds(self, name: str) -> dict[str, str]:
        df = self.spark.table(name)
        return {f.name: _kind(f.dataType.simpleString()) for f in df.schema.fields}

    def materialize(self, name: str, sql: str) -> None:
        df = self.spark.sql(sql).persist()
        self._cached.append(df)
        df.createOrReplaceTempView(name)

    def arrow(self, sql: str) -> pa.Table:
        return self.spark.sql(sql).toArrow()

    def close(self) -> None:
        for df in self._cached:
            df.unpersist()
        self.spark.conf.set("spark.sql.session.timeZone", self._tz)


def get_engine(engine, **options) -> Engine:
    """An engine from its name ('duckdb', 'spark') or an :class:`Engine` instance passed through."""
    if isinstance(engine, Engine):
        return engine
    if engine == "duckdb":
        return DuckDBEngine(**options)
    if engine == "spark":
        return SparkEngine(**options)
    raise ArgumentError(f"engine={engine!r}; expected one of {list(ENGINES)} or an Engine instance")


