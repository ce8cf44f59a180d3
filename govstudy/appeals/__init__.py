"""Appeal and service records (12345 hotlines, 311, Open311) -> validated unit x period panels.

>>> import govstudy
>>> from govstudy import appeals
>>> panel = appeals.to_panel(govstudy.datasets.path("sf311_sample"), columns="sf311", by="community")
>>> report = panel.attrs["report"]
>>> report.n_records, report.counts["closed_before_received"], report.counts["missing_unit"]
(10000, 129, 320)

Modules: :mod:`~govstudy.appeals.fields` (the record schema, presets, ``columns=``), :mod:`~.words` (status,
satisfaction and yes/no words, timestamp formats), :mod:`~.report` (the validation report), :mod:`~.sources`
(DataFrames, CSV/Parquet paths and globs, GBK transcoding), :mod:`~.engines` (DuckDB and Spark),
:mod:`~.pipeline` (``to_panel``, ``validate`` and the definitions of every measure), :mod:`~.simulate`
(``simulate_appeals``).

Why one small engine interface rather than Ibis: the pipeline needs exact quantiles with one definition
(linear interpolation), timestamp parsing by explicit patterns that must accept and reject the same strings on
both engines, and null-safe flag logic whose every line we can read as SQL. Behind Ibis each of these is a
compiler decision made per backend and per Ibis release (its quantile on PySpark, for example, is not
guaranteed to be the exact ``percentile``), and Ibis adds a large dependency for six spellings
(:class:`~govstudy.appeals.engines.Engine`: quoting, literals, timestamp patterns, quantile, microseconds,
period labels). So the SQL is written once, the spellings twice, and a test runs both engines on the same logs
and asserts identical panels.

On a cluster: ``to_panel("s3a://bucket/12345/*.parquet", columns="12345", engine=SparkEngine(spark=session))``
with a session built for the cluster (``SparkSession.builder.master("spark://host:7077")`` or ``yarn``); paths
with a scheme go to Spark unchanged. Convert GBK CSV exports to UTF-8 Parquet first (``to_panel`` transcodes
local files only); write the panel with ``panel.to_parquet(...)``, or partitioned logs with Spark's
``df.write.partitionBy("year").parquet(...)``.
"""

from govstudy.appeals.engines import DuckDBEngine, Engine, SparkEngine
from govstudy.appeals.fields import PRESETS, preset, record_schema, standard_fields
from govstudy.appeals.pipeline import FREQS, to_panel, validate
from govstudy.appeals.report import CHECKS, ValidationReport
from govstudy.appeals.simulate import simulate_appeals
from govstudy.appeals.words import SATISFACTION_WORDS, STATUS_WORDS, TIME_FORMATS, YES_NO_WORDS

__all__ = ["to_panel", "validate", "simulate_appeals", "ValidationReport", "CHECKS", "PRESETS", "preset", "record_schema",
           "standard_fields", "STATUS_WORDS", "SATISFACTION_WORDS", "YES_NO_WORDS", "TIME_FORMATS", "FREQS",
           "Engine", "DuckDBEngine", "SparkEngine"]
