"""Benchmark 5: batch scoring throughput against the limit, and peak memory.

Throughput: rows/s of the generated batch path (``predict_file``: CSV in, chunks of the
default size scored, CSV out) on ROWS rows, against one vectorised ``model.predict`` on
the same rows already in memory (the limit). The time of each part of the path (reading
the CSV, scoring, writing the CSV) explains the ratio.

Memory: peak RSS of a fresh process scoring inputs of 1, 2, 4 and 8 times the chunk
size. Flat means the peak at 8 chunks is within FLAT of the peak at 2 chunks (one chunk
alone never holds a chunk being read next to one being written; the step from 1 to 2 is
printed too).

    uv run python bench/batch_scoring.py
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from common import per_stage, project_env, trained_project, verdict

ROWS = 200_000
CHUNK = 50_000  # predict_file's default chunk size
MEMORY_MULTIPLES = [1, 2, 4, 8]
TARGET = 0.90  # share of the vectorised predict's rows/s
FLAT = 1.10  # peak RSS at 8 chunks / at 2 chunks
PROBE = Path(__file__).resolve().parent / "in_project" / "batch_probe.py"


def probe(root: Path, *args: str) -> dict[str, float]:
    """Run the batch probe with the project's Python; return what it measured."""
    result = subprocess.run(
        [str(root / ".venv" / "bin" / "python"), str(PROBE), *args],
        cwd=root,
        env=project_env(),
        capture_output=True,
        text=True,
        check=True,
        timeout=900,
    )
    return json.loads(result.stdout.splitlines()[-1])


def measure(stage: str, work: Path) -> None:
    root, package = trained_project(work, stage)
    source = work / "input.csv"
    size = probe(root, "make-input", str(ROWS), str(source))
    figures = probe(root, "throughput", package, str(source))
    batch = figures["rows"] / figures["batch_seconds"]
    limit = figures["rows"] / figures["limit_seconds"]
    ratio = batch / limit
    print(f"{stage}: {ROWS:,} rows ({size['megabytes']:.0f} MB of CSV), chunks of {CHUNK:,}")
    print(f"  batch path, local (predict_file):   {batch:12,.0f} rows/s")
    if stage == "mvp":
        print("  batch path, Dask:                   n/a: not in this stage's template")
    else:
        print("  batch path, Dask:                   not measured by this benchmark yet")
    print(f"  limit, one vectorised model.predict: {limit:10,.0f} rows/s")
    judged = verdict(ratio, TARGET, higher_is_better=True, percent=True)
    print(f"  ratio batch / limit: {ratio:.1%}  [{judged}]")
    print("  where the batch path's time goes (same rows, each part alone):")
    for part in ("read_csv", "predict_frame", "write_csv"):
        print(f"    {part:<14} {figures[f'{part}_seconds']:6.2f} s")
    print(
        f"    (whole path   {figures['batch_seconds']:6.2f} s; model.predict alone "
        f"{figures['limit_seconds']:.2f} s)"
    )
    peaks = {}
    for multiple in MEMORY_MULTIPLES:
        path = work / f"memory-{multiple}.csv"
        probe(root, "make-input", str(CHUNK * multiple), str(path))
        peaks[multiple] = probe(root, "memory", package, str(path))
        path.unlink()
    print("  peak memory of the batch path (fresh process each):")
    for multiple, peak in peaks.items():
        print(
            f"    {multiple} x chunk ({CHUNK * multiple:>7,} rows): "
            f"peak {peak['peak_mib']:6.0f} MiB "
            f"(after imports and a warm-up: {peak['baseline_mib']:.0f} MiB)"
        )
    one, two, eight = (peaks[multiple]["peak_mib"] for multiple in (1, 2, 8))
    print(f"  peak at 8 x / 2 x the chunk: {eight / two:.2f}  [flat: {verdict(eight / two, FLAT)}]")
    print(f"  (peak at 8 x / 1 x the chunk: {eight / one:.2f})")


def main() -> None:
    per_stage(
        "5. batch scoring: rows/s against one vectorised predict, and peak memory",
        f"target >= {TARGET:.0%} of the limit",
        measure,
    )


if __name__ == "__main__":
    main()
