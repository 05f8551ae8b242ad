"""Batch scoring: add model predictions to the rows of a CSV file.

The model runs once per batch of rows: a classifier gives its class probabilities and
its prediction is the most probable class, so the two never disagree.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.pipeline import Pipeline

PREDICTION_COLUMN = "prediction"


def score_rows(model: Pipeline, frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray | None]:
    """Return the prediction for each row, and class probabilities for a classifier."""
    missing = [name for name in model.feature_names_in_ if name not in frame.columns]
    if missing:
        raise KeyError(f"input is missing feature columns: {', '.join(missing)}")
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
