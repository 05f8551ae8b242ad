"""Benchmark: throughput of make online-eval's join (DuckDB) on a 1-million-row log.

A maturity project is generated and installed (no training: the join needs none); the
probe writes a prediction log of ROWS JSON lines with 30 features each and an outcome
log (90 % of the rows, plus duplicates), then times the generated ``join_outcomes``:
the JSON-lines logs of the service, and the same rows as Parquet (batch output and an
outcomes file). Throughput = outcomes read / seconds of the join (the outcomes it reads,
counted and deduplicated, whether they join or not).

    uv run python bench/online_join.py [ROWS]
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

from common import machine, project_env, render, sh, snapshot_template, summary

ROWS = 1_000_000
PROBE = Path(__file__).resolve().parent / "in_project" / "online_join_probe.py"


def main() -> None:
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else ROWS
    print("== online evaluation: DuckDB join of predictions and outcomes")
    print(machine())
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        root = render(snapshot_template(work / "template"), work / "project", stage="maturity")
        sh(["uv", "sync", "--quiet"], root, project_env())
        result = subprocess.run(
            [str(root / ".venv" / "bin" / "python"), str(PROBE), "my_ml_project", str(rows),
             str(work / "data")],
            cwd=root, env=project_env(), capture_output=True, text=True, check=True, timeout=1800,
        )  # fmt: skip
        figures = json.loads(result.stdout.splitlines()[-1])
    outcomes = figures["outcomes"]
    print(
        f"{figures['rows']:,} predictions ({figures['log_megabytes']:,.0f} MB of JSON lines with "
        f"30 features), {outcomes:,} outcomes ({figures['duplicates']:,} duplicates); "
        f"{figures['joined']:,} joined"
    )
    print(
        f"  JSON lines: {figures['json_seconds']:.2f} s, "
        f"{outcomes / figures['json_seconds']:,.0f} outcomes/s"
    )
    print(
        f"  Parquet:    {figures['parquet_seconds']:.2f} s, "
        f"{outcomes / figures['parquet_seconds']:,.0f} outcomes/s"
    )
    for source in ("json", "parquet"):
        rate = outcomes / figures[f"{source}_seconds"]
        label = "JSON lines" if source == "json" else "Parquet"
        summary(f"online join from {label}", f"{rate:,.0f} outcomes/s", "-", None)


if __name__ == "__main__":
    main()
