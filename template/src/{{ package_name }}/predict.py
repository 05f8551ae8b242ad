"""Batch scoring: add model predictions to the rows of a CSV or Parquet file.

Files are read and written chunk by chunk, so memory stays flat however large the
input is. The format follows the file extension (``.parquet`` or CSV otherwise). The
model runs once per batch of rows: a classifier gives its class probabilities and its
prediction is the most probable class, so the two never disagree.
:func:`measure_throughput` tells how fast one process scores single requests.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq
from sklearn.pipeline import Pipeline

from .features import coerce_types, model_feature_kinds

PREDICTION_COLUMN = "prediction"
CHUNK_ROWS = 50_000


@dataclass(frozen=True)
class Throughput:
    """How fast one process scores requests of one row each."""

    requests: int
    requests_per_second: float
    p95_latency_ms: float


def score_rows(model: Pipeline, frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray | None]:
    """Return the prediction for each row, and class probabilities for a classifier."""
    missing = [name for name in model.feature_names_in_ if name not in frame.columns]
    if missing:
        raise KeyError(f"input is missing feature columns: {', '.join(missing)}")
    frame = coerce_types(frame, model_feature_kinds(model))
    if hasattr(model, "predict_proba"):
        probabilities = model.predict_proba(frame)
        return model.classes_[probabilities.argmax(axis=1)], probabilities
    return model.predict(frame), None


def predict_frame(model: Pipeline, frame: pd.DataFrame) -> pd.DataFrame:
    """Return the input rows with a ``prediction`` column (and class probabilities)."""
    predictions, probabilities = score_rows(model, frame)
    columns = {PREDICTION_COLUMN: predictions}
    if probabilities is not None:
        for index, label in enumerate(model.classes_):
            columns[f"proba_{label}"] = probabilities[:, index]
    return frame.assign(**columns)


def is_parquet(path: Path) -> bool:
    """Whether a path names a Parquet file."""
    return path.suffix.lower() in (".parquet", ".pq")


def read_chunks(path: Path, chunk_rows: int = CHUNK_ROWS) -> Iterator[pd.DataFrame]:
    """Yield a CSV or Parquet file as tables of at most ``chunk_rows`` rows."""
    if is_parquet(path):
        for batch in pq.ParquetFile(path).iter_batches(batch_size=chunk_rows):
            yield batch.to_pandas()
    else:
        yield from pd.read_csv(path, chunksize=chunk_rows)


def predict_file(
    model: Pipeline,
    input_path: Path,
    output_path: Path,
    chunk_rows: int = CHUNK_ROWS,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Score ``input_path`` into ``output_path`` and return the number of rows.

    ``progress`` is called with the running row count after each chunk.
    """
    output_path.parent.mkdir(parents=True, exist_ok=True)
    rows = 0
    writer: pq.ParquetWriter | pa_csv.CSVWriter | None = None
    schema: pa.Schema | None = None
    try:
        for chunk in read_chunks(input_path, chunk_rows):
            table = pa.Table.from_pandas(predict_frame(model, chunk), preserve_index=False)
            if writer is None:
                schema = table.schema  # every chunk is written with the first one's types
                kind = pq.ParquetWriter if is_parquet(output_path) else pa_csv.CSVWriter
                writer = kind(output_path, schema)
            # Arrow's writers format numbers far faster than pandas' to_csv.
            writer.write_table(table.cast(schema))
            rows += table.num_rows
            if progress is not None:
                progress(rows)
    finally:
        if writer is not None:
            writer.close()
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
