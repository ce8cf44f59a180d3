"""``to_panel`` and ``validate``: an appeal log -> its validation report and a unit x period panel.

Definitions (the same on every engine):

* every measure belongs to the period in which the record was **received**;
* a record is *placed* when it has a unit and a readable received time, lies inside the study window and is the
  first copy of its id (copies are ordered by received time, closing time, unit, category, status and
  satisfaction); only placed records enter the panel, and the report counts the others;
* ``n_received`` counts placed records; ``n_closed`` those closed by their closing time or their status word
  (a still-open record counts as received, not closed); ``n_open = n_received - n_closed``;
* durations are in hours, closing time minus received time; an open record, and a record closed before it was
  received, has no duration; ``median_hours_to_close`` and ``p90_hours_to_close`` are exact quantiles with linear
  interpolation (DuckDB ``quantile_cont``, Spark ``percentile``: position ``(n - 1) q`` in the sorted durations),
  ``mean_hours_to_close`` their mean, ``n_timed`` how many there are;
* ``n_resolved`` counts records resolved by the ``resolved`` column or, where it is absent or empty, by the status
  word (a closed word counts as resolved); ``share_resolved = n_resolved / n_resolution_known``;
* ``mean_satisfaction`` is the mean over ``n_rated`` records with a score (numbers, or words of the satisfaction
  table);
* ``n_category_<name>``: placed records by category;
* every unit in the log has a row for every period from the log's first to its last (or the window's), with zero
  counts and missing (NaN) quantiles and means where it had no records.

Time: naive timestamps are local wall-clock times and are used as written (no zone is assumed or applied);
a time-zone-aware DataFrame column, and text with an offset (``2024-01-05T08:00:00+08:00``), are converted to the
wall-clock time of ``tz=`` (text with an offset: UTC when ``tz`` is None, noted in the report).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from govstudy.appeals.engines import get_engine
from govstudy.appeals.fields import standard_fields
from govstudy.appeals.report import CHECKS, ValidationReport
from govstudy.appeals.sources import open_source
from govstudy.appeals.words import TIME_FORMATS, YES_NO_WORDS, satisfaction_table, status_table, time_formats
from govstudy.arguments import check_choice
from govstudy.errors import ArgumentError, DataValidationError, ReadError

__all__ = ["to_panel", "validate", "FREQS"]

#: freq -> pandas period frequency of the labels written in the ``period`` column.
FREQS = {"M": "M", "Q": "Q", "Y": "Y", "W": "W-SUN", "D": "D"}
_EXAMPLES = 5


def _text(e, expr):
    return f"NULLIF(TRIM(CAST({expr} AS {e.text_type})), '')"


def _case(expr, table: dict, cast=lambda v: v) -> str:
    whens = " ".join(f"WHEN {k} THEN {cast(v)}" for k, v in table.items())
    return f"CASE {expr} {whens} END" if whens else "CAST(NULL AS DOUBLE)"


class _Sql:
    """The pipeline's SQL, written once against an engine's spellings."""

    def __init__(self, e, mapping: dict, kinds: dict, by: str, freq: str, window, status_words, satisfaction_words,
                 formats, tz=None):
        self.e, self.m, self.kinds, self.by, self.freq = e, mapping, kinds, by, freq
        self.window = window
        self.status = status_table(status_words)
        self.sat = satisfaction_table(satisfaction_words)
        self.formats = time_formats(formats)
        self.order: dict = {}
        self.tz, self.tz_given = tz or "UTC", tz is not None

    def col(self, std):
        return self.e.ident(self.m[std]) if std in self.m else None

    def kind(self, std):
        return self.kinds.get(self.m.get(std), "string")

    def text(self, std):
        c = self.col(std)
        return _text(self.e, c) if c else f"CAST(NULL AS {self.e.text_type})"

    def fmt_case(self, raw, std) -> str:
        """The index of the first format that reads ``raw`` (-1: none); CASE stops at the first that does."""
        order = self.order.get(std, range(len(self.formats)))
        whens = " ".join(f"WHEN {self.e.parse_time(raw, self.formats[i], self.tz)} IS NOT NULL THEN {i}"
                         for i in order)
        return f"CASE WHEN {raw} IS NULL THEN -1 {whens} ELSE -1 END"

    def time_cols(self, std, name):
        """Columns ``{name}_raw`` (text or 'timestamp') and ``{name}_ts`` or ``{name}_fmt`` for the inner select."""
        if self.col(std) is None:
            return [f"CAST(NULL AS {self.e.text_type}) AS {name}_raw", f"CAST(NULL AS TIMESTAMP) AS {name}_ts"]
        if self.kind(std) == "timestamp":
            return [f"CASE WHEN {self.col(std)} IS NULL THEN NULL ELSE 'timestamp' END AS {name}_raw",
                    f"CAST({self.col(std)} AS TIMESTAMP) AS {name}_ts"]
        raw = self.text(std)
        return [f"{raw} AS {name}_raw", f"{self.fmt_case(raw, std)} AS {name}_fmt"]

    def time_outer(self, std, name):
        if self.col(std) is None or self.kind(std) == "timestamp":
            return [f"{name}_raw", f"{name}_ts AS {name}", f"CASE WHEN {name}_ts IS NULL THEN -1 ELSE 0 END AS {name}_fmt"]
        whens = " ".join(f"WHEN {i} THEN {self.e.parse_time(name + '_raw', f, self.tz)}"
                         for i, f in enumerate(self.formats))
        return [f"{name}_raw", f"CASE {name}_fmt {whens} END AS {name}", f"{name}_fmt"]

    def sample_formats(self, raw_view: str, std: str, n: int = 10000) -> str:
        """How many of (up to) ``n`` values each format reads: only to try the frequent formats first."""
        return (f"SELECT f, COUNT(*) AS n FROM (SELECT {self.fmt_case('x', std)} AS f FROM "
                f"(SELECT {self.text(std)} AS x FROM {raw_view} LIMIT {n}) s) t GROUP BY f")

    def set_order(self, std: str, counts: dict) -> None:
        """Try the built-in formats most frequent first (they are mutually exclusive, so the order changes no
        result); formats given with ``time_formats=`` keep their place after them."""
        builtin = [i for i in range(len(TIME_FORMATS))]
        builtin.sort(key=lambda i: -counts.get(i, 0))
        self.order[std] = builtin + list(range(len(TIME_FORMATS), len(self.formats)))

    def parsed(self, raw_view: str) -> str:
        e = self.e
        unit = self.col(self.by)
        unit_expr = unit if self.kind(self.by) == "integer" else _text(e, unit)
        status_key = f"LOWER({self.text('status')})"
        states = {e.literal(w): e.literal(s) for w, (s, _) in self.status.items()}
        yes_no = {e.literal(w): ("TRUE" if v else "FALSE") for w, v in YES_NO_WORDS.items()}
        sat_words = {e.literal(w): repr(float(v)) for w, v in self.sat.items()}
        if self.col("satisfaction") is not None and self.kind("satisfaction") in ("integer", "other"):
            sat = f"CAST({self.col('satisfaction')} AS DOUBLE)"
            sat_raw = f"CASE WHEN {self.col('satisfaction')} IS NULL THEN NULL ELSE 'number' END"
        else:
            sat_raw = self.text("satisfaction")
            sat = f"COALESCE({e.try_double(sat_raw)}, {_case(f'LOWER({sat_raw})', sat_words)})"
        inner = [f"{self.text('record_id')} AS rid", f"{unit_expr} AS unit", f"{self.text('category')} AS category",
                 f"{self.text('status')} AS status_raw", f"{_case(status_key, states)} AS state",
                 f"{self.text('resolved')} AS resolved_raw",
                 f"{_case('LOWER(' + self.text('resolved') + ')', yes_no)} AS resolved_col",
                 f"{sat_raw} AS sat_raw", f"{sat} AS sat"]
        inner += self.time_cols("received_at", "recv") + self.time_cols("closed_at", "clos")
        outer = ["rid", "unit", "category", "status_raw", "state", "resolved_raw", "resolved_col", "sat_raw", "sat"]
        outer += self.time_outer("received_at", "recv") + self.time_outer("closed_at", "clos")
        return f"SELECT {', '.join(outer)} FROM (SELECT {', '.join(inner)} FROM {raw_view}) q"

    def dups(self) -> str:
        """Ids that occur more than once: first 64-bit hashes that repeat (a small hash table of numbers, not of
        10 million strings), then the exact ids among the records with those hashes."""
        h = self.e.hash64
        repeated = (f"SELECT h FROM (SELECT {h('rid')} AS h FROM parsed WHERE rid IS NOT NULL) a GROUP BY h "
                    "HAVING COUNT(*) > 1")
        return (f"SELECT p.rid FROM parsed p JOIN ({repeated}) c ON {h('p.rid')} = c.h WHERE p.rid IS NOT NULL "
                "GROUP BY p.rid HAVING COUNT(*) > 1")

    def period(self, ts) -> str:
        e = self.e
        if self.freq == "M":
            return e.label(ts, "month")
        if self.freq == "D":
            return e.label(ts, "day")
        if self.freq == "W":
            return e.label(f"date_trunc('week', {ts})", "day")
        if self.freq == "Y":
            return e.label(ts, "year")
        return f"concat({e.label(ts, 'year')}, 'Q', CAST(quarter({ts}) AS {e.text_type}))"

    def records(self) -> str:
        e = self.e
        order = ("recv ASC NULLS LAST, clos ASC NULLS LAST, unit ASC NULLS LAST, category ASC NULLS LAST, "
                 "status_raw ASC NULLS LAST, sat ASC NULLS LAST")
        cols = "p.rid, p.unit, p.category, p.status_raw, p.state, p.resolved_raw, p.resolved_col, p.sat_raw, p.sat, " \
               "p.recv_raw, p.recv, p.recv_fmt, p.clos_raw, p.clos, p.clos_fmt"
        union = (f"SELECT {cols}, TRUE AS first_copy FROM parsed p LEFT JOIN dups d ON p.rid = d.rid WHERE d.rid IS NULL "
                 f"UNION ALL SELECT {cols}, (ROW_NUMBER() OVER (PARTITION BY p.rid ORDER BY {order}) = 1) AS first_copy "
                 f"FROM parsed p JOIN dups d ON p.rid = d.rid")
        if self.window is None:
            in_window = "TRUE"
        else:
            lo, hi = self.window
            in_window = f"(recv >= {e.timestamp_literal(lo)} AND recv < {e.timestamp_literal(hi)})"
        open_state = "(state IN ('open', 'returned'))"
        clos_ok = f"(clos IS NOT NULL AND NOT COALESCE({open_state}, FALSE))"
        flags = {
            "missing_unit": "unit IS NULL",
            "missing_received": "recv_raw IS NULL",
            "unparseable_received": "recv_raw IS NOT NULL AND recv IS NULL",
            "outside_window": f"recv IS NOT NULL AND NOT {in_window}",
            "duplicate_id": "NOT first_copy",
            "missing_id": "rid IS NULL",
            "unparseable_closed": "clos_raw IS NOT NULL AND clos IS NULL",
            "closed_before_received": f"{clos_ok} AND recv IS NOT NULL AND clos < recv",
            "closed_without_time": "state IN ('closed', 'cancelled') AND clos_raw IS NULL",
            "open_with_closed_at": f"COALESCE({open_state}, FALSE) AND clos IS NOT NULL",
            "unknown_status": "status_raw IS NOT NULL AND state IS NULL",
            "unknown_resolved": "resolved_raw IS NOT NULL AND resolved_col IS NULL",
            "unparseable_satisfaction": "sat_raw IS NOT NULL AND sat IS NULL",
        }
        assert list(flags) == list(CHECKS)
        micros = f"({e.micros('clos')} - {e.micros('recv')})"
        sel = [
            "rid", "unit", "category", "sat", "recv_fmt", "clos_fmt",
            f"(unit IS NOT NULL AND recv IS NOT NULL AND {in_window} AND first_copy) AS placed",
            f"CASE WHEN recv IS NULL THEN NULL ELSE {self.period('recv')} END AS period",
            f"({clos_ok} OR COALESCE(state IN ('closed', 'cancelled'), FALSE)) AS is_closed",
            f"CASE WHEN {clos_ok} AND recv IS NOT NULL AND clos >= recv THEN {micros} / 3600000000.0 END AS dur",
            "CASE WHEN resolved_col IS NOT NULL THEN resolved_col WHEN state = 'closed' THEN TRUE "
            "WHEN state IN ('open', 'returned') THEN FALSE END AS resolved",
        ] + [f"COALESCE({cond}, FALSE) AS f_{name}" for name, cond in flags.items()]
        return f"SELECT {', '.join(sel)} FROM ({union}) u"

    def aggregate(self) -> str:
        e = self.e
        return ("SELECT unit, period, COUNT(*) AS n_received, "
                "CAST(SUM(CASE WHEN is_closed THEN 1 ELSE 0 END) AS BIGINT) AS n_closed, "
                "CAST(SUM(CASE WHEN resolved THEN 1 ELSE 0 END) AS BIGINT) AS n_resolved, "
                "COUNT(resolved) AS n_resolution_known, "
                f"{e.quantile('dur', 0.5)} AS median_hours_to_close, {e.quantile('dur', 0.9)} AS p90_hours_to_close, "
                "AVG(dur) AS mean_hours_to_close, COUNT(dur) AS n_timed, AVG(sat) AS mean_satisfaction, "
                "COUNT(sat) AS n_rated FROM rec WHERE placed GROUP BY unit, period")

    def categories(self) -> str:
        return ("SELECT unit, period, category, COUNT(*) AS n FROM rec WHERE placed AND category IS NOT NULL "
                "GROUP BY unit, period, category")

    def counts(self) -> str:
        sums = ", ".join(f"CAST(SUM(CASE WHEN f_{c} THEN 1 ELSE 0 END) AS BIGINT) AS {c}" for c in CHECKS)
        return (f"SELECT COUNT(*) AS n_records, CAST(SUM(CASE WHEN placed THEN 1 ELSE 0 END) AS BIGINT) AS n_placed, "
                f"{sums} FROM rec")

    def examples(self, checks) -> str:
        """The first ids (in text order) of the records each check finds, in one query."""
        parts = [f"SELECT * FROM (SELECT {self.e.literal(c)} AS chk, CAST(rid AS {self.e.text_type}) AS rid FROM rec "
                 f"WHERE f_{c} AND rid IS NOT NULL ORDER BY rid LIMIT {_EXAMPLES}) t{i}" for i, c in enumerate(checks)]
        return " UNION ALL ".join(parts)

    def format_counts(self) -> str:
        return ("SELECT 'received_at' AS field, recv_fmt AS fmt, COUNT(*) AS n FROM rec GROUP BY recv_fmt "
                "UNION ALL SELECT 'closed_at' AS field, clos_fmt AS fmt, COUNT(*) AS n FROM rec GROUP BY clos_fmt")


def _window(window, freq):
    if window is None:
        return None
    if not (isinstance(window, (tuple, list)) and len(window) == 2):
        raise ArgumentError(f"window= is (first period, last period), e.g. ('2023-01', '2023-12'), got {window!r}")
    try:
        lo, hi = (pd.Period(str(w), FREQS[freq]) for w in window)
    except (ValueError, TypeError) as exc:
        raise ArgumentError(f"window={window!r}: expected two periods of freq {freq!r} ({exc})") from None
    if hi < lo:
        raise ArgumentError(f"window={window!r}: the last period is before the first")
    return (lo.start_time.strftime("%Y-%m-%d %H:%M:%S"), (hi + 1).start_time.strftime("%Y-%m-%d %H:%M:%S")), (lo, hi)


def _check_tz(tz) -> None:
    if tz is None:
        return
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(str(tz))
    except (ZoneInfoNotFoundError, ValueError):
        raise ArgumentError(f"tz={tz!r} is not a time zone name; expected e.g. 'Asia/Shanghai' or 'UTC'") from None


def _label(p: pd.Period, freq: str) -> str:
    return p.start_time.strftime("%Y-%m-%d") if freq == "W" else str(p)


def _run(source, columns, *, by, freq, window, engine, strict, status_words, satisfaction_words, time_formats,
         encoding, tz, panel: bool, engine_options):
    check_choice(freq, "freq", tuple(FREQS))
    _check_tz(tz)
    if by not in standard_fields() or by not in ("community", "street", "district"):
        raise ArgumentError(f"by={by!r}; expected 'community', 'street' or 'district'")
    win = _window(window, freq)
    src = open_source(source, columns, by=by, encoding=encoding, tz=tz)
    e = get_engine(engine, **(engine_options or {}))
    try:
        if src.frame is not None:
            e.register_frame("raw_records", src.frame)
        else:
            e.register_files("raw_records", src.paths, src.kind, src.sep)
        kinds = e.column_kinds("raw_records")
        q = _Sql(e, src.mapping, kinds, by, freq, win[0] if win else None, status_words, satisfaction_words,
                 time_formats, tz)
        for std in ("received_at", "closed_at"):
            if q.col(std) is not None and q.kind(std) != "timestamp":
                q.set_order(std, {r["f"]: r["n"] for r in e.arrow(q.sample_formats("raw_records", std)).to_pylist()})
        _view(e, "parsed", q.parsed("raw_records"))
        e.materialize("dups", q.dups())
        e.materialize("rec", q.records())
        report = _report(e, q, src, by)
        if strict:
            report.raise_if_problems()
        if not panel:
            return report
        if report.n_records == 0:
            raise ReadError(f"{src.label}: the log has a header but no records")
        if report.n_placed == 0:
            raise DataValidationError(f"no record could be placed in a {by} and period: {report!r}", source=src.label,
                                      column=src.mapping.get(by), rule="no-records")
        agg = e.arrow(q.aggregate()).to_pandas()
        cats = e.arrow(q.categories()).to_pandas()
    finally:
        if not hasattr(engine, "arrow"):
            e.close()
        src.close()
    out = _fill(agg, cats, by, freq, win[1] if win else None)
    out.attrs.update({"report": report, "unit": by, "period": "period", "freq": freq, "engine": e.name,
                      "source": src.label, "definitions": __doc__.split("Definitions (the same on every engine):")[1]
                      .split("Time:")[0].strip()})
    if isinstance(source, pd.DataFrame) and source.attrs.get("simulated"):
        out.attrs.update({"simulated": True, "note": source.attrs.get("note", "SIMULATED DATA")})
    return out


def _view(e, name, sql):
    """A view (parsing runs inside the queries that read it)."""
    if e.name == "duckdb":
        e.con.execute(f"CREATE OR REPLACE TEMP VIEW {name} AS {sql}")
    else:
        e.spark.sql(sql).createOrReplaceTempView(name)


def _report(e, q: _Sql, src, by) -> ValidationReport:
    counts = e.arrow(q.counts()).to_pylist()[0]
    found = [c for c in CHECKS if counts[c]]
    examples = {c: [] for c in found}
    rows = e.arrow(q.examples(found)).to_pylist() if found else []
    for r in sorted(rows, key=lambda r: (r["chk"], r["rid"])):
        examples[r["chk"]].append(r["rid"])
    labels = [f[0] for f in q.formats]
    formats: dict = {"received_at": {}, "closed_at": {}}
    for r in sorted(e.arrow(q.format_counts()).to_pylist(), key=lambda r: (r["field"], r["fmt"])):
        if r["fmt"] >= 0:
            kind = q.kind(r["field"])
            formats[r["field"]]["timestamp column" if kind == "timestamp" else labels[r["fmt"]]] = int(r["n"])
    notes = list(src.notes)
    aware = {f: sum(n for k, n in fm.items() if k.endswith("+HH:MM")) for f, fm in formats.items()}
    for field, n in aware.items():
        if n:
            notes.append(f"{field}: {n} times carry an offset and are read as {q.tz} wall-clock time"
                         + ("" if q.tz != "UTC" or q.tz_given else " (tz=None; pass tz= for local time)"))
    for field, fm in formats.items():
        if len(fm) > 1:
            notes.append(f"{field} is written in {len(fm)} formats, each read as stated: "
                         + ", ".join(f"{k} ({v} records)" for k, v in fm.items()))
    return ValidationReport(src.label, n_records=counts["n_records"] or 0, n_placed=counts["n_placed"] or 0,
                            counts={c: counts[c] or 0 for c in CHECKS}, examples=examples, formats=formats,
                            notes=notes, columns=src.mapping, unit=by)


def _fill(agg: pd.DataFrame, cats: pd.DataFrame, by: str, freq: str, window) -> pd.DataFrame:
    pf = FREQS[freq]
    if window is None:
        found = [pd.Period(v, pf) for v in agg["period"].unique()]
        lo, hi = min(found), max(found)
    else:
        lo, hi = window
    periods = [_label(p, freq) for p in pd.period_range(lo, hi, freq=pf)]
    units = sorted(agg["unit"].unique().tolist())
    idx = pd.MultiIndex.from_product([units, periods], names=["unit", "period"])
    counts = ["n_received", "n_closed", "n_resolved", "n_resolution_known", "n_timed", "n_rated"]
    a = agg.set_index(["unit", "period"]).reindex(idx)
    out = pd.DataFrame(index=idx)
    for c in counts:
        out[c] = a[c].fillna(0).astype("int64")
    out.insert(2, "n_open", out["n_received"] - out["n_closed"])
    with np.errstate(invalid="ignore", divide="ignore"):
        share = out["n_resolved"].to_numpy(float) / out["n_resolution_known"].to_numpy(float)
    out.insert(4, "share_resolved", np.where(out["n_resolution_known"] > 0, share, np.nan))
    for c in ("median_hours_to_close", "p90_hours_to_close", "mean_hours_to_close", "mean_satisfaction"):
        out[c] = a[c].astype("float64")
    order = ["n_received", "n_closed", "n_open", "n_resolved", "n_resolution_known", "share_resolved",
             "median_hours_to_close", "p90_hours_to_close", "mean_hours_to_close", "n_timed", "mean_satisfaction",
             "n_rated"]
    out = out[order]
    if len(cats):
        wide = cats.pivot_table(index=["unit", "period"], columns="category", values="n", aggfunc="sum")
        wide = wide.reindex(idx).fillna(0).astype("int64")
        wide = wide[sorted(wide.columns)]
        wide.columns = [f"n_category_{c}" for c in wide.columns]
        out = pd.concat([out, wide], axis=1)
    out = out.reset_index().rename(columns={"unit": by})
    if out[by].dtype == object or pd.api.types.is_string_dtype(out[by]):
        out[by] = out[by].astype("str")
    out.columns.name = None
    return out


def to_panel(source, columns=None, freq: str = "M", by: str = "community", engine="duckdb", *, window=None,
             strict: bool = False, status_words=None, satisfaction_words=None, time_formats=None,
             encoding: str = "auto", tz=None, engine_options=None) -> pd.DataFrame:
    """An appeal log as a unit x period panel (one row per ``by`` unit and period; see the module docstring).

    ``source``: a DataFrame, a CSV/Parquet path or glob, or a list of them. ``columns``: a preset ('12345',
    'open311', 'sf311'), a dict ``{standard_name: file_column}`` (may include ``"preset"``) or None (the file uses
    the standard names). ``freq``: 'M', 'Q', 'Y', 'W' (weeks labelled by their Monday) or 'D'. ``engine``:
    'duckdb' (embedded, default), 'spark', or an engine instance (e.g. ``SparkEngine(spark=session)``).
    ``window=(first, last)``: the study window in periods of ``freq``. ``strict=True``: any problem counted by the
    validation report is an error. ``status_words`` / ``satisfaction_words`` / ``time_formats`` extend the tables
    of :mod:`govstudy.appeals.words`.

    The frame's ``.attrs["report"]`` is the :class:`ValidationReport`; the frame goes straight into
    :class:`govstudy.Panel` with ``unit=by, time="period"``.

    >>> import pandas as pd, govstudy
    >>> log = pd.DataFrame({"record_id": ["a", "b", "c"], "community": ["东", "东", None],
    ...                     "received_at": ["2024-01-05 09:00:00", "2024-02-01 08:00", "2024-01-09"],
    ...                     "closed_at": ["2024-01-05 21:00:00", None, None]})
    >>> panel = to_panel(log)
    >>> panel[["community", "period", "n_received", "n_closed", "median_hours_to_close"]]
      community   period  n_received  n_closed  median_hours_to_close
    0         东  2024-01           1         1                   12.0
    1         东  2024-02           1         0                    NaN
    >>> panel.attrs["report"].counts["missing_unit"]
    1
    >>> govstudy.Panel(panel, unit="community", time="period", y="n_received").n_periods
    2
    """
    return _run(source, columns, by=by, freq=freq, window=window, engine=engine, strict=strict,
                status_words=status_words, satisfaction_words=satisfaction_words, time_formats=time_formats,
                encoding=encoding, tz=tz, panel=True, engine_options=engine_options)


def validate(source, columns=None, by: str = "community", engine="duckdb", *, window=None, freq: str = "M",
             strict: bool = False, status_words=None, satisfaction_words=None, time_formats=None,
             encoding: str = "auto", tz=None, engine_options=None) -> ValidationReport:
    """The validation report of a log alone (the same checks as :func:`to_panel`).

    >>> import pandas as pd
    >>> log = pd.DataFrame({"record_id": ["a", "a"], "community": ["x", "x"],
    ...                     "received_at": ["2024-01-05 09:00", "31/01/2024"], "status": ["已办结", "挂起"]})
    >>> r = validate(log)
    >>> {c: n for c, n in r.counts.items() if n}
    {'unparseable_received': 1, 'duplicate_id': 1, 'closed_without_time': 1, 'unknown_status': 1}
    """
    return _run(source, columns, by=by, freq=freq, window=window, engine=engine, strict=strict,
                status_words=status_words, satisfaction_words=satisfaction_words, time_formats=time_formats,
                encoding=encoding, tz=tz, panel=False, engine_options=engine_options)
