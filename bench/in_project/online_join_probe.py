"""Run with a maturity project's Python: time make online-eval's DuckDB join on large logs.

    python online_join_probe.py PACKAGE ROWS FOLDER

Writes a prediction log of ROWS JSON lines (30 features each, like the service's) and an
outcome log with an outcome for 90 % of them plus about 1 % duplicates, in the formats the
service writes, then times the generated ``join_outcomes`` on them, and again on the same
rows as Parquet (a batch output and an outcomes file). Prints one JSON line.
"""

from __future__ import annotations

import importlib
import json
import sys
import time
from pathlib import Path

import duckdb

FEATURES = 30


def main() -> None:
    package, rows, folder = sys.argv[1], int(sys.argv[2]), Path(sys.argv[3])
    join_outcomes = importlib.import_module(f"{package}.online_eval").join_outcomes
    logs, outcomes = folder / "logs", folder / "logs" / "outcomes"
    outcomes.mkdir(parents=True, exist_ok=True)
    features = ", ".join(f"f{i} := random()" for i in range(FEATURES))
    con = duckdb.connect()
    start = time.perf_counter()
    con.sql(
        f"""COPY (SELECT 1.7e9 + i AS time, 'r' || i || ':0' AS id,
                  CASE WHEN i % 2 = 0 THEN 'champion' ELSE 'challenger' END AS variant,
                  'r' || i AS request_id, false AS degraded, false AS shadow,
                  struct_pack({features}) AS features, CAST(i % 2 AS INTEGER) AS prediction
            FROM range({rows}) t(i)) TO '{logs / "predictions.jsonl"}' (FORMAT JSON)"""
    )
    con.sql(
        f"""COPY (SELECT 1.7e9 + i + 3600 AS time, 'r' || (i % {rows}) || ':0' AS id,
                  CAST((i * 7) % 2 AS VARCHAR) AS outcome
            FROM range({int(rows * 1.01)}) t(i) WHERE i % 10 <> 9)
            TO '{outcomes / "outcomes.jsonl"}' (FORMAT JSON)"""
    )
    con.sql(
        f"""COPY (SELECT 'r' || i || ':0' AS row_id, CAST(i % 2 AS INTEGER) AS prediction
            FROM range({rows}) t(i)) TO '{folder / "scored.parquet"}' (FORMAT PARQUET)"""
    )
    con.sql(
        f"""COPY (SELECT id AS row_id, outcome FROM read_json('{outcomes / "outcomes.jsonl"}'))
            TO '{folder / "outcomes.parquet"}' (FORMAT PARQUET)"""
    )
    written = time.perf_counter() - start
    megabytes = sum(p.stat().st_size for p in logs.rglob("*.jsonl")) / 1e6
    start = time.perf_counter()
    joined, counts = join_outcomes([logs], [outcomes], horizon_days=30)
    json_seconds = time.perf_counter() - start
    start = time.perf_counter()
    batch, _ = join_outcomes(
        [folder / "scored.parquet"], [folder / "outcomes.parquet"], horizon_days=30
    )
    parquet_seconds = time.perf_counter() - start
    print(
        json.dumps(
            {
                "rows": rows,
                "log_megabytes": round(megabytes, 1),
                "write_seconds": round(written, 2),
                "outcomes": counts["outcomes"],
                "joined": len(joined),
                "duplicates": counts["duplicates"],
                "json_seconds": round(json_seconds, 2),
                "parquet_seconds": round(parquet_seconds, 2),
                "parquet_joined": len(batch),
            }
        )
    )


if __name__ == "__main__":
    main()
