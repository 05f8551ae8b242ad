"""Measurements of the generated batch path, run with the generated project's Python.

    python batch_probe.py make-input ROWS PATH       # a CSV of ROWS rows like the test split
    python batch_probe.py throughput PACKAGE PATH    # rows/s of the batch path and its limit
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
import pyarrow.csv as pa_csv

MODEL = Path("models/model.joblib")
TEST_SPLIT = Path("data/processed/test.csv")


def make_input(rows: int, path: Path) -> dict[str, float]:
    """Tile the test split (with a little noise) into ``rows`` rows without the target."""
    base = pd.read_csv(TEST_SPLIT).drop(columns=["target"])
    tiled = base.iloc[np.arange(rows) % len(base)].reset_index(drop=True)
    noise = np.random.default_rng(0).normal(1.0, 0.01, size=tiled.shape)
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


def throughput(package: str, path: Path) -> dict[str, float]:
    """Rows/s of predict_file (CSV in, CSV out, chunked) and of one vectorised predict.

    The in-memory parts are timed at their best of three; the whole path once.
    """
    predict = importlib.import_module(f"{package}.predict")
    model = importlib.import_module(f"{package}.train").load_model(MODEL)
    rows = sum(1 for _ in path.open()) - 1
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "scored.csv"
        batch = seconds(lambda: predict.predict_file(model, path, out))
        frame = pd.read_csv(path)
        read = seconds(lambda: pd.read_csv(path), runs=3)
        limit = seconds(lambda: model.predict(frame), runs=3)
        scoring = seconds(lambda: predict.predict_frame(model, frame), runs=3)
        scored = predict.predict_frame(model, frame)
        table = pa.Table.from_pandas(scored, preserve_index=False)
        write = seconds(lambda: pa_csv.write_csv(table, Path(tmp) / "again.csv"))  # as the path
    return {
        "rows": rows,
        "batch_seconds": batch,
        "limit_seconds": limit,
        "read_csv_seconds": read,
        "predict_frame_seconds": scoring,
        "write_csv_seconds": write,
    }


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
    else:
        result = memory(args[0], Path(args[1]))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
