#!/usr/bin/env python3
"""Runs costscope's benchmark query set with DuckDB on the same CUR 2.0 source files,
checks that both engines return the same figures, and prints the speed ratios.

Usage:
    costscope bench --rows 10000000 --dir /tmp/bench > /tmp/bench/costscope.json
    python3 bench/duckdb_compare.py --bench-json /tmp/bench/costscope.json \
        --costscope target/release/costscope

DuckDB's `cur_amortized` view is written here independently of costscope's, so the
comparison checks the amortized formula as well as the engines.
"""

import argparse
import json
import math
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

import duckdb

AMORTIZED = """CASE line_item_line_item_type
  WHEN 'SavingsPlanCoveredUsage' THEN savings_plan_savings_plan_effective_cost
  WHEN 'SavingsPlanRecurringFee' THEN savings_plan_total_commitment_to_date - savings_plan_used_commitment
  WHEN 'SavingsPlanNegation' THEN 0
  WHEN 'SavingsPlanUpfrontFee' THEN 0
  WHEN 'DiscountedUsage' THEN reservation_effective_cost
  WHEN 'RIFee' THEN reservation_unused_amortized_upfront_fee_for_billing_period + reservation_unused_recurring_fee
  WHEN 'Fee' THEN CASE WHEN coalesce(reservation_reservation_a_r_n, '') <> '' THEN 0 ELSE line_item_unblended_cost END
  ELSE line_item_unblended_cost END"""


def connect(source):
    con = duckdb.connect()
    pattern = os.path.join(source, "data", "*", "*.parquet")
    con.execute(
        f"CREATE VIEW cur AS SELECT * FROM read_parquet('{pattern}', hive_partitioning = true)"
    )
    con.execute(f"CREATE VIEW cur_amortized AS SELECT *, {AMORTIZED} AS amortized_cost FROM cur")
    return con


def timed(fn, runs):
    times = []
    result = None
    for _ in range(runs):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def same(a, b):
    if isinstance(a, float) or isinstance(b, float):
        try:
            a, b = float(a), float(b)
        except (TypeError, ValueError):
            return False
        return math.isclose(a, b, rel_tol=1e-6, abs_tol=1e-6)
    # Timestamps: DuckDB prints `2026-09-01 00:00:00`, costscope's JSON `2026-09-01T00:00:00`.
    return str(a).replace("T", " ") == str(b).replace("T", " ")


def flow_log_ingest(bench):
    """DuckDB reading the benchmark's gzip flow-log file and writing it as Parquet, like
    `costscope ingest flowlogs`: every field typed, `-` as NULL, snappy-compressed."""
    source = bench.get("flow_log_source")
    if not source:
        return {}
    files = [
        os.path.join(d, f)
        for d, _, names in os.walk(source)
        for f in names
        if f.endswith(".log.gz")
    ]
    out = tempfile.mkdtemp(prefix="duckdb-flowlogs-")
    con = duckdb.connect()
    start = time.perf_counter()
    con.execute(
        f"COPY (SELECT * FROM read_csv({files!r}, delim = ' ', header = true, nullstr = '-')) "
        f"TO '{out}/flow_logs.parquet' (FORMAT parquet, COMPRESSION snappy)"
    )
    seconds = time.perf_counter() - start
    lines = con.execute(f"SELECT count(*) FROM '{out}/flow_logs.parquet'").fetchone()[0]
    shutil.rmtree(out, ignore_errors=True)
    ours = bench["flow_log_ingest_lines_per_second"]
    return {
        "flow_log_lines": lines,
        "flow_log_ingest_duckdb_lines_per_second": lines / seconds,
        "flow_log_ingest_costscope_lines_per_second": ours,
        "flow_log_ingest_throughput_ratio": ours / (lines / seconds),
    }


def costscope_rows(binary, lake, sql):
    out = subprocess.run(
        [binary, "--lake", lake, "--quiet", "sql", sql, "--format", "json"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return [list(row.values()) for row in json.loads(out)]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bench-json", required=True, help="output of `costscope bench`")
    parser.add_argument("--costscope", default="costscope", help="the costscope binary")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()

    with open(args.bench_json) as f:
        bench = json.load(f)
    source, lake = bench["source"], bench["lake"]
    queries = json.load(open(os.path.join(os.path.dirname(__file__), "queries.json")))
    con = connect(source)

    # Ingest peer: DuckDB writing the same partitioned Parquet.
    out = tempfile.mkdtemp(prefix="duckdb-lake-")
    shutil.rmtree(out)
    start = time.perf_counter()
    con.execute(
        f"COPY (SELECT * FROM cur ORDER BY line_item_usage_start_date) TO '{out}' "
        "(FORMAT parquet, PARTITION_BY (BILLING_PERIOD), COMPRESSION snappy)"
    )
    duck_ingest = time.perf_counter() - start
    rows = con.execute("SELECT count(*) FROM cur").fetchone()[0]
    shutil.rmtree(out, ignore_errors=True)

    report = {"rows": rows, "queries": []}
    mismatches = 0
    ours = {q["name"]: q["median_seconds"] for q in bench["queries"]}
    for query in queries:
        seconds, result = timed(lambda: con.execute(query["sql"]).fetchall(), args.runs)
        theirs = costscope_rows(args.costscope, lake, query["sql"])
        # Compared as multisets: rows whose sort keys tie (equal to the last bits of a
        # float sum) may come in either order.
        ordered = lambda rows: sorted(rows, key=lambda r: [str(v) for v in r if not isinstance(v, float)])
        equal = len(result) == len(theirs) and all(
            len(r) == len(t) and all(same(x, y) for x, y in zip(r, t))
            for r, t in zip(ordered(result), ordered(theirs))
        )
        mismatches += 0 if equal else 1
        report["queries"].append(
            {
                "name": query["name"],
                "duckdb_seconds": seconds,
                "costscope_seconds": ours.get(query["name"]),
                "ratio": (ours.get(query["name"]) or 0) / seconds if seconds else None,
                "same_result": equal,
            }
        )
    duck_total = sum(q["duckdb_seconds"] for q in report["queries"])
    report["query_total_duckdb_seconds"] = duck_total
    report["query_total_costscope_seconds"] = bench["query_total_seconds"]
    report["query_total_ratio"] = bench["query_total_seconds"] / duck_total
    report["ingest_duckdb_rows_per_second"] = rows / duck_ingest
    report["ingest_costscope_rows_per_second"] = bench["ingest_rows_per_second"]
    report["ingest_throughput_ratio"] = bench["ingest_rows_per_second"] / (rows / duck_ingest)
    report["ingest_costscope_peak_rss_bytes"] = bench["ingest_peak_rss_bytes"]
    report.update(flow_log_ingest(bench))
    json.dump(report, sys.stdout, indent=2)
    print()
    return 1 if mismatches else 0


if __name__ == "__main__":
    sys.exit(main())
