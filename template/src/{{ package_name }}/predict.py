"""Batch scoring of CSV files, and a measure of how fast one process scores requests."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from sklearn.pipeline import Pipeline

PREDICTION_COLUMN = "prediction"


@dataclass(frozen=True)
class Throughput:
    """How fast one process scores requests of one row each."""

    requests: int
    requests_per_second: float
    p95_latency_ms: float


def predict_frame(model: Pipeline, frame: pd.DataFrame) -> pd.DataFrame:
    """Return the input rows with a ``prediction`` column (and class probabilities)."""
    missing = [name for name in model.feature_names_in_ if name not in frame.columns]
    if missing:
        raise KeyError(f"input is missing feature columns: {', '.join(missing)}")
    scored = frame.copy()
    scored[PREDICTION_COLUMN] = model.predict(frame)
    if hasattr(model, "predict_proba"):
        probabilities = model.predict_proba(frame)
        for index, label in enumerate(model.classes_):
            scored[f"proba_{label}"] = probabilities[:, index]
    return scored


def score_chunks(
    model: Pipeline, input_path: Path, chunksize: int = 50_000
) -> Iterator[pd.DataFrame]:
    """Score a CSV file chunk by chunk, so memory stays flat however large the file is."""
    for chunk in pd.read_csv(input_path, chunksize=chunksize):
        yield predict_frame(model, chunk)


def predict_file(
    model: Pipeline, input_path: Path, output_path: Path, chunksize: int = 50_000
) -> int:
    """Score ``input_path`` into ``output_path`` (CSV) and return the number of rows."""
    output_path.parent.mkdir(parents=True, exist_ok=True)
    rows = 0
    for chunk in score_chunks(model, input_path, chunksize):
        chunk.to_csv(output_path, mode="a" if rows else "w", header=not rows, index=False)
        rows += len(chunk)
    return rows


def measure_throughput(model: Pipeline, frame: pd.DataFrame, requests: int = 200) -> Throughput:
    """Score ``requests`` single rows one after the other, as a serving replica would."""
    durations = []
    for index in range(requests):
        row = frame.iloc[[index % len(frame)]]
        start = time.perf_counter()
        predict_frame(model, row)
        durations.append(time.perf_counter() - start)
    durations.sort()
    return Throughput(
        requests=requests,
        requests_per_second=requests / sum(durations),
        p95_latency_ms=1000 * durations[int(0.95 * (requests - 1))],
    )
