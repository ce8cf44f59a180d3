"""Benchmark (not a test): a 10-million-record appeal log -> community x month panel.

The log is SIMULATED (``govstudy.simulate_appeals``, one county of 300 communities per chunk, each chunk its own
seed, communities renumbered so they do not repeat) and written once to a Parquet file of ``--records`` rows with
timestamps as export text. Each contender then runs in its own subprocess, so that its peak resident memory
(``ru_maxrss``; DuckDB's memory is invisible to tracemalloc) is its own:

* ``govstudy``: ``govstudy.appeals.to_panel(path)`` on DuckDB (the default), validation report included;
* ``duckdb_sql``: hand-written DuckDB SQL computing the same measures in one pass (no validation report, no
  duplicate handling, one known timestamp format);
* ``pandas``: ``pd.read_parquet`` + ``pd.to_datetime`` + ``groupby`` with the same measures;
* ``spark``: ``to_panel(path, engine="spark")`` on a local Spark session (``--no-spark`` skips it).

Times start after the imports (``import govstudy`` loads the estimators, ~seconds, a fixed cost). Peak RSS
includes everything the subprocess did. Targets: govstudy at most 1.3x the hand-written DuckDB time; peak memory at most 1 GB. The totals of the panels
are checked against each other before the table is printed.

    .venv/bin/python benchmarks/bench_appeals.py [--records 10000000] [--no-spark]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "build" / "bench_appeals"


def make_log(path: Path, records: int) -> int:
    import pyarrow as pa
    import pyarrow.parquet as pq
    import govstudy

    writer, n, chunk = None, 0, 0
    while n < records:
        log, _, _ = govstudy.simulate_appeals({"n_counties": 1, "communities_per_county": 300, "n_months": 36},
                                              seed=1000 + chunk)
        log = log.drop(columns=["simulated_problem", "simulated"]).iloc[: records - n].copy()
        log["community"] = log["community"] + 300 * chunk
        log["record_id"] = [f"R{chunk:04d}{i:07d}" for i in range(len(log))]
        table = pa.Table.from_pandas(log, preserve_index=False)
        writer = writer or pq.ParquetWriter(path, table.schema)
        writer.write_table(table, row_group_size=1 << 20)
        n += len(log)
        chunk += 1
    writer.close()
    return n


GOVSTUDY = """
from govstudy import appeals
#--- timed from here
panel = appeals.to_panel(PATH)
totals = {"rows": len(panel), "n_received": int(panel["n_received"].sum()), "n_closed": int(panel["n_closed"].sum()),
          "median_sum": float(panel["median_hours_to_close"].sum())}
"""

SPARK = """
import warnings
warnings.simplefilter("ignore", FutureWarning)
from govstudy import appeals
#--- timed from here
panel = appeals.to_panel(PATH, engine="spark")
totals = {"rows": len(panel), "n_received": int(panel["n_received"].sum()), "n_closed": int(panel["n_closed"].sum()),
          "median_sum": float(panel["median_hours_to_close"].sum())}
"""

DUCKDB_SQL = """
import duckdb
#--- timed from here
con = duckdb.connect()
con.execute("SET autoinstall_known_extensions = false")
q = '''
WITH r AS (
  SELECT community, strftime(strptime(received_at, '%Y-%m-%d %H:%M:%S'), '%Y-%m') AS period, category,
         strptime(received_at, '%Y-%m-%d %H:%M:%S') AS recv, try_strptime(closed_at, '%Y-%m-%d %H:%M:%S') AS clos,
         status, satisfaction
  FROM read_parquet(?))
SELECT community, period, COUNT(*) AS n_received, COUNT(clos) AS n_closed,
       SUM(CASE WHEN status = '已办结' THEN 1 ELSE 0 END) AS n_resolved,
       quantile_cont((epoch_us(clos) - epoch_us(recv)) / 3600000000.0, 0.5) AS median_hours_to_close,
       quantile_cont((epoch_us(clos) - epoch_us(recv)) / 3600000000.0, 0.9) AS p90_hours_to_close,
       AVG((epoch_us(clos) - epoch_us(recv)) / 3600000000.0) AS mean_hours_to_close,
       AVG(CASE satisfaction WHEN '满意' THEN 1.0 WHEN '不满意' THEN 0.0 END) AS mean_satisfaction
FROM r GROUP BY community, period'''
panel = con.execute(q, [PATH]).df()
cats = con.execute('''SELECT community, strftime(strptime(received_at, '%Y-%m-%d %H:%M:%S'), '%Y-%m') AS period,
                      category, COUNT(*) AS n FROM read_parquet(?) GROUP BY ALL''', [PATH]).df()
totals = {"rows": len(panel), "n_received": int(panel["n_received"].sum()), "n_closed": int(panel["n_closed"].sum()),
          "median_sum": float(panel["median_hours_to_close"].sum())}
"""

PANDAS = """
import pandas as pd
#--- timed from here
df = pd.read_parquet(PATH, columns=["community", "received_at", "closed_at", "category", "status", "satisfaction"])
recv = pd.to_datetime(df["received_at"], format="%Y-%m-%d %H:%M:%S")
clos = pd.to_datetime(df["closed_at"], format="%Y-%m-%d %H:%M:%S")
d = pd.DataFrame({"community": df["community"], "period": recv.dt.strftime("%Y-%m"),
                  "hours": (clos - recv).dt.total_seconds() / 3600, "closed": clos.notna(),
                  "resolved": df["status"] == "已办结",
                  "sat": df["satisfaction"].map({"满意": 1.0, "不满意": 0.0})})
g = d.groupby(["community", "period"])
panel = pd.DataFrame({"n_received": g.size(), "n_closed": g["closed"].sum(), "n_resolved": g["resolved"].sum(),
                      "median_hours_to_close": g["hours"].median(), "p90_hours_to_close": g["hours"].quantile(0.9),
                      "mean_hours_to_close": g["hours"].mean(), "mean_satisfaction": g["sat"].mean()})
cats = d.assign(category=df["category"]).groupby(["community", "period", "category"]).size()
totals = {"rows": len(panel), "n_received": int(panel["n_received"].sum()), "n_closed": int(panel["n_closed"].sum()),
          "median_sum": float(panel["median_hours_to_close"].sum())}
"""

WRAP = """
import json, resource, sys, time
PATH = sys.argv[1]
{imports}
t0 = time.perf_counter()
{body}
seconds = time.perf_counter() - t0
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
print("RESULT " + json.dumps({{"seconds": seconds, "peak_rss": rss, "totals": totals}}))
"""


def run(name: str, body: str, path: Path) -> dict:
    imports, work = body.split("#--- timed from here")     # imports are not timed (govstudy imports its estimators)
    out = subprocess.run([sys.executable, "-c", WRAP.format(imports=imports, body=work), str(path)],
                         capture_output=True, text=True,
                         cwd=ROOT)
    # DuckDB's progress bar may share the last line with the result
    line = next((x[x.index("RESULT ") + 7:] for x in out.stdout.splitlines() if "RESULT " in x), None)
    if line is None:
        raise SystemExit(f"{name} failed (exit {out.returncode}):\n{out.stderr[-3000:]}")
    res = json.loads(line)
    print(f"{name:12s} {res['seconds']:8.2f} s   peak RSS {res['peak_rss'] / 2 ** 20:7.0f} MiB   {res['totals']}",
          flush=True)
    return res


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--records", type=int, default=10_000_000)
    ap.add_argument("--no-spark", action="store_true")
    ap.add_argument("--repeat", type=int, default=2, help="runs of govstudy and duckdb_sql, interleaved; best kept")
    args = ap.parse_args()
    DATA.mkdir(parents=True, exist_ok=True)
    path = DATA / f"log_{args.records}.parquet"
    if not path.exists():
        t = time.perf_counter()
        n = make_log(path, args.records)
        print(f"wrote {n:,} SIMULATED records to {path} ({path.stat().st_size / 2 ** 20:.0f} MiB) in "
              f"{time.perf_counter() - t:.0f} s", flush=True)
    results: dict = {}
    for _ in range(args.repeat):
        for name, body in (("govstudy", GOVSTUDY), ("duckdb_sql", DUCKDB_SQL)):
            r = run(name, body, path)
            if name not in results or r["seconds"] < results[name]["seconds"]:
                results[name] = r
    results["pandas"] = run("pandas", PANDAS, path)
    if not args.no_spark:
        results["spark"] = run("spark", SPARK, path)
    base = results["govstudy"]["totals"]
    for name, r in results.items():
        t = r["totals"]
        assert (t["n_received"], t["n_closed"]) == (base["n_received"], base["n_closed"]), (name, t, base)
        assert abs(t["median_sum"] - base["median_sum"]) <= 1e-6 * abs(base["median_sum"]), (name, t, base)
    ratio = results["govstudy"]["seconds"] / results["duckdb_sql"]["seconds"]
    print(f"\n| contender | wall time | peak RSS | time / hand-written DuckDB SQL |\n| --- | --- | --- | --- |")
    for name, r in results.items():
        print(f"| {name} | {r['seconds']:.1f} s | {r['peak_rss'] / 2 ** 20:.0f} MiB | "
              f"{r['seconds'] / results['duckdb_sql']['seconds']:.2f} |")
    print(f"\ngovstudy / hand-written DuckDB SQL = {ratio:.2f} (target <= 1.3); govstudy peak RSS "
          f"{results['govstudy']['peak_rss'] / 2 ** 30:.2f} GiB (target <= 1 GB)")


if __name__ == "__main__":
    main()
