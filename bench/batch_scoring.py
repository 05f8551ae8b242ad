"""Benchmark 5: batch scoring throughput against the limit, and peak memory.

Throughput: rows/s of the generated batch path (``predict_file``: chunks of the default
size read, checked, scored and written through a temporary file) on ROWS rows, CSV in
and out and Parquet in and out, against the limit: a bare script that reads the same
file whole with Arrow, predicts the same columns (one ``predict_proba``, labels from
it) and writes the same output with Arrow. Both run alternately in one process, best of
three each. Next to them, the Dask path (``predict --dask``) on a local cluster of two
worker processes. The time of each part of the path explains the ratio.

The CPU time of one run of each, split between the calling thread and the others (the
batch path's writer thread, Arrow's reader threads), tells what the ratio becomes on two
free cores whatever the load: the wall time is at least the busiest thread's.

Memory: peak RSS of a fresh process scoring inputs of 1, 2, 4 and 8 times the chunk
size. Flat means the peak at 8 chunks is within FLAT of the peak at 2 chunks (one chunk
alone never holds a chunk being read next to one being written; the step from 1 to 2 is
printed too).

    uv run python bench/batch_scoring.py
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from common import per_stage, project_env, summary, trained_project, verdict

ROWS = 200_000
CHUNK = 50_000  # predict_file's default chunk size
MEMORY_MULTIPLES = [1, 2, 4, 8]
TARGET = 0.90  # share of the bare Arrow script's rows/s
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
    measure_project(stage, root, package, work)


def measure_project(stage: str, root: Path, package: str, work: Path) -> None:
    """Throughput against the bare Arrow script, Dask next to it, and peak memory."""
    dask = (root / "src" / package / "scale_out.py").is_file()
    print(f"{stage}: {ROWS:,} rows, chunks of {CHUNK:,}, load average {os.getloadavg()[0]:.1f}")
    for suffix in (".csv", ".parquet"):
        source = work / f"input{suffix}"
        size = probe(root, "make-input", str(ROWS), str(source))
        figures = probe(root, "throughput", package, str(source))
        batch = figures["rows"] / figures["batch_seconds"]
        limit = figures["rows"] / figures["limit_seconds"]
        ratio = batch / limit
        kind = suffix[1:].upper() if suffix == ".csv" else "Parquet"
        print(f"  {kind} in and out ({size['megabytes']:.0f} MB):")
        print(f"    batch path, local (predict_file):   {batch:12,.0f} rows/s")
        print(f"    limit, bare Arrow script:           {limit:12,.0f} rows/s")
        judged = verdict(ratio, TARGET, higher_is_better=True, percent=True)
        print(f"    ratio batch / limit: {ratio:.0%}  [{judged}]")
        summary(
            f"batch {stage} {kind}", f"{ratio:.0%} of the limit ({batch:,.0f} rows/s)",
            f">= {TARGET:.0%}", ratio >= TARGET,
        )  # fmt: skip
        if dask:
            seconds = probe(root, "dask", package, str(source))["dask_seconds"]
            dask_rows = figures["rows"] / seconds
            print(f"    batch path, Dask (2 local workers): {dask_rows:12,.0f} rows/s")
            faster = "the local path" if batch >= dask_rows else "Dask"
            times = max(batch, dask_rows) / min(batch, dask_rows)
            print(
                f"    which to use: on one machine {faster} ({times:.1f}x); Dask when a "
                "cluster is at hand and one machine cannot score the input in time"
            )
        else:
            print("    batch path, Dask:                   n/a: not in this stage's template")
        print("    where the batch path's time goes (all rows at once, each part alone):")
        for part in ("read", "predict_frame", "write"):
            print(f"      {part:<14} {figures[f'{part}_seconds']:6.2f} s")
        print(
            f"      (whole path   {figures['batch_seconds']:6.2f} s; bare script "
            f"{figures['limit_seconds']:.2f} s)"
        )
        print("    CPU time of one run (calling thread + the others; wall >= the busiest):")
        for name, key in (("batch path", "batch"), ("bare script", "limit")):
            whole, main = figures[f"{key}_cpu_seconds"], figures[f"{key}_main_thread_cpu_seconds"]
            print(f"      {name:<14} {whole:6.2f} s = {main:.2f} s + {whole - main:.2f} s")
        source.unlink()
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
    summary(
        f"batch {stage} memory", f"peak x{eight / two:.2f} from 2 to 8 chunks", f"<= x{FLAT:g}",
        eight / two <= FLAT,
    )  # fmt: skip
    print(f"  (peak at 8 x / 1 x the chunk: {eight / one:.2f})")


def main() -> None:
    if len(sys.argv) == 3:  # STAGE PROJECT: an already trained project
        root = Path(sys.argv[2]).resolve()
        measure_project(sys.argv[1], root, "my_ml_project", root.parent)
        return
    per_stage(
        "5. batch scoring: rows/s against a bare Arrow script, and peak memory",
        f"target >= {TARGET:.0%} of the limit",
        measure,
    )


if __name__ == "__main__":
    main()
