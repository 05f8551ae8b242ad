"""Measurements of the generated batch path, run with the generated project's Python.

    python batch_probe.py make-input ROWS PATH       # a CSV of ROWS rows like the test split
    python batch_probe.py throughput PACKAGE PATH    # rows/s of the batch path and its limit
    python batch_probe.py limit PATH OUT             # the bare Arrow script alone (one run)
    python batch_probe.py dask PACKAGE PATH          # rows/s of --dask, 2 local workers
    python batch_probe.py memory PACKAGE PATH        # peak RSS while scoring PATH

Each prints one JSON object. Run from the project's root (the model is models/model.joblib).
"""

from __future__ import annotations

import importlib
import json
import resource
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

MODEL = Path("models/model.joblib")
TEST_SPLIT = Path("data/processed/test.csv")
RUNS = 3
DASK_BLOCKSIZE = "16MB"


def make_input(rows: int, path: Path) -> dict[str, float]:
    """Tile the test split (with a little noise) into ``rows`` rows without the target.

    CSV, or Parquet when ``path`` ends in ``.parquet``.
    """
    base = pd.read_csv(TEST_SPLIT).drop(columns=["target"])
    tiled = base.iloc[np.arange(rows) % len(base)].reset_index(drop=True)
    noise = np.random.default_rng(0).normal(1.0, 0.01, size=tiled.shape)
    if path.suffix == ".parquet":
        (tiled * noise).round(6).to_parquet(path, index=False)
    else:
        (tiled * noise).to_csv(path, index=False, float_format="%.6g")
    return {"rows": rows, "megabytes": path.stat().st_size / 2**20}


def seconds(step: Callable[[], object], runs: int = 1) -> float:
    """The best wall time of ``runs`` calls of ``step``."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        step()
        times.append(time.perf_counter() - start)
    return min(times)


def cpu_seconds(step: Callable[[], object]) -> tuple[float, float]:
    """CPU time of one call of ``step``: the whole process's, and its calling thread's.

    What the other threads (Arrow's readers, the batch path's writer) do is the
    difference; on two free cores the wall time is at least the busiest thread's.
    """
    start = resource.getrusage(resource.RUSAGE_SELF)
    thread = time.thread_time()
    step()
    end = resource.getrusage(resource.RUSAGE_SELF)
    process = end.ru_utime + end.ru_stime - start.ru_utime - start.ru_stime
    return process, time.thread_time() - thread


def bare_script(model: object, path: Path, out: Path) -> int:
    """The limit: read the whole file with Arrow, predict, write the same columns with Arrow.

    The same output as the batch path (the input's columns, ``prediction``, one
    ``proba_<class>`` per class, ``row_id``), with one ``predict_proba`` (labels from it),
    no chunks, no checks and no temporary file.
    """
    parquet = path.suffix == ".parquet"
    table = pq.read_table(path) if parquet else pa_csv.read_csv(path)
    frame = table.to_pandas()
    features = frame[list(model.feature_names_in_)]
    columns: dict[str, object] = {}
    if hasattr(model, "predict_proba"):
        probabilities = model.predict_proba(features)
        columns["prediction"] = model.classes_[probabilities.argmax(axis=1)]
        for index, label in enumerate(model.classes_):
            columns[f"proba_{label}"] = probabilities[:, index]
    else:
        columns["prediction"] = model.predict(features)
    scored = pa.Table.from_pandas(frame.assign(**columns), preserve_index=False)
    numbers = pa.array(np.arange(len(frame))).cast(pa.string())
    ids = pc.binary_join_element_wise(f"{path.stem}", numbers, "-")
    scored = scored.append_column("row_id", ids)
    if parquet:
        pq.write_table(scored, out)
    else:
        pa_csv.write_csv(scored, out)
    return scored.num_rows


def throughput(package: str, path: Path) -> dict[str, float]:
    """Rows/s of predict_file (chunked, checked, atomic) and of the bare Arrow script.

    Both run on the same file, CSV or Parquet, alternating, best of RUNS each; the
    parts of the path are timed alone for the profile.
    """
    predict = importlib.import_module(f"{package}.predict")
    model = importlib.import_module(f"{package}.train").load_model(MODEL)
    rows = pq.ParquetFile(path).metadata.num_rows if path.suffix == ".parquet" else None
    rows = rows if rows is not None else sum(1 for _ in path.open()) - 1
    out = f"scored{path.suffix}"
    with tempfile.TemporaryDirectory() as tmp:
        batch_times, limit_times = [], []
        for _ in range(RUNS):
            batch_times.append(seconds(lambda: predict.predict_file(model, path, Path(tmp) / out)))
            limit_times.append(seconds(lambda: bare_script(model, path, Path(tmp) / ("b" + out))))
        batch_cpu = cpu_seconds(lambda: predict.predict_file(model, path, Path(tmp) / out))
        limit_cpu = cpu_seconds(lambda: bare_script(model, path, Path(tmp) / ("b" + out)))
        frame = pd.read_parquet(path) if path.suffix == ".parquet" else pd.read_csv(path)
        read = seconds(lambda: next(predict.read_chunks(path, len(frame))), runs=3)
        scoring = seconds(lambda: predict.predict_frame(model, frame), runs=3)
        scored = predict.predict_frame(model, frame)
        table = pa.Table.from_pandas(scored, preserve_index=False)
        if path.suffix == ".parquet":
            write = seconds(lambda: pq.write_table(table, Path(tmp) / "again.parquet"))
        else:
            write = seconds(lambda: pa_csv.write_csv(table, Path(tmp) / "again.csv"))
    return {
        "rows": rows,
        "batch_seconds": min(batch_times),
        "limit_seconds": min(limit_times),
        "read_seconds": read,
        "predict_frame_seconds": scoring,
        "write_seconds": write,
        "batch_cpu_seconds": batch_cpu[0],
        "batch_main_thread_cpu_seconds": batch_cpu[1],
        "limit_cpu_seconds": limit_cpu[0],
        "limit_main_thread_cpu_seconds": limit_cpu[1],
    }


def dask_throughput(package: str, path: Path) -> dict[str, float]:
    """Rows/s of the Dask path on a local cluster of 2 worker processes (1 thread each).

    The cluster is started before the clock (a real cluster is running already); CSV
    inputs are split into DASK_BLOCKSIZE blocks so that both workers get partitions.
    """
    from dask.distributed import LocalCluster

    scale_out = importlib.import_module(f"{package}.scale_out")
    model = importlib.import_module(f"{package}.train").load_model(MODEL)
    out = f"scored{path.suffix}"
    with (
        LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=None) as cluster,
        tempfile.TemporaryDirectory() as tmp,
    ):
        times = []
        for run in range(RUNS):
            target = Path(tmp) / f"{run}-{out}"
            times.append(
                seconds(
                    lambda target=target: scale_out.predict_with_dask(
                        model, path, target, cluster.scheduler_address, DASK_BLOCKSIZE
                    )
                )
            )
    return {"dask_seconds": min(times)}


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def memory(package: str, path: Path) -> dict[str, float]:
    """Peak RSS before and after scoring ``path`` with the default chunk size."""
    predict = importlib.import_module(f"{package}.predict")
    model = importlib.import_module(f"{package}.train").load_model(MODEL)
    with tempfile.TemporaryDirectory() as tmp:
        warm = Path(tmp) / "warm.csv"
        pd.read_csv(path, nrows=100).to_csv(warm, index=False)
        predict.predict_file(model, warm, Path(tmp) / "warm-out.csv")
        before = peak_mib()
        rows = predict.predict_file(model, path, Path(tmp) / "scored.csv")
    return {"rows": rows, "baseline_mib": before, "peak_mib": peak_mib()}


def main() -> None:
    command, *args = sys.argv[1:]
    if command == "make-input":
        result = make_input(int(args[0]), Path(args[1]))
    elif command == "throughput":
        result = throughput(args[0], Path(args[1]))
    elif command == "dask":
        result = dask_throughput(args[0], Path(args[1]))
    elif command == "limit":
        model = importlib.import_module("joblib").load(MODEL)
        result = {"rows": bare_script(model, Path(args[0]), Path(args[1]))}
    else:
        result = memory(args[0], Path(args[1]))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
