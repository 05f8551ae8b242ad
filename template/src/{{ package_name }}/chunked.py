"""Prepare and assess data larger than memory, a chunk of rows at a time.

``prepare`` and ``assess`` take this path by themselves when ``data.chunk_rows`` in
``params.yaml`` is set, or when the file is larger than :data:`LARGE_FILE_BYTES`; the
commands stay the same. Memory then depends on the chunk size, not on the file:

- ``prepare`` reads the target column first and checks it (nothing is written on a bad
  target), then streams the rows into ``data/raw/dataset.csv`` and the train and test
  splits. The split is random by row (seeded, not stratified) or, with a time column, by
  the time that leaves ``test_size`` of the rows after it (that column is held in memory,
  8 bytes a row). The fingerprint is computed on the way.
- ``assess`` streams ``data/raw/dataset.csv``: exact row, missing and class counts,
  distinct values counted up to :data:`DISTINCT_CAP`, quantiles of a regression target
  from a uniform sample of :data:`SAMPLE_ROWS` rows; duplicated rows are not counted.

Validation, training and evaluation read the prepared splits whole: sample or aggregate
upstream when the training split itself does not fit in memory.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import IO, Any

import numpy as np
import pandas as pd

from .atomic import atomic_path
from .config import DataParams, Task
from .data import (
    DataError,
    TargetSummary,
    check_summary,
    encode_target,
    require_columns,
    snake_case,
)
from .features import MAX_CATEGORIES, plan_columns

# Above this size a file is read in chunks even without data.chunk_rows.
LARGE_FILE_BYTES = 256 * 1024**2
DEFAULT_CHUNK_ROWS = 100_000
# Distinct values counted per column at most (more than MAX_CATEGORIES: text is told apart).
DISTINCT_CAP = 10_000
# Rows of the uniform sample behind a regression target's quantiles.
SAMPLE_ROWS = 100_000
# Values per column kept to recognise dates (features.looks_like_dates reads 200).
FIRST_VALUES = 200
assert DISTINCT_CAP > MAX_CATEGORIES


def chunk_rows(path: Path, configured: int) -> int | None:
    """Rows per chunk for ``path``, or None to read it whole."""
    if configured > 0:
        return configured
    if path.is_file() and path.stat().st_size > LARGE_FILE_BYTES:
        return DEFAULT_CHUNK_ROWS
    return None


def chunks(path: Path, rows: int, columns: list[str] | None = None) -> Iterator[pd.DataFrame]:
    """The file as tables of at most ``rows`` rows, with snake-case column names."""
    from .predict import read_chunks  # the scoring module, with scikit-learn: only when chunked

    for chunk in read_chunks(path, rows):
        chunk = chunk.rename(columns=snake_case)
        yield chunk if columns is None else chunk[columns]


def source_columns(data: DataParams, rows: int) -> list[str]:
    """The source's column names (from its first chunk), checked against ``params.yaml``."""
    path = data.source_path()
    if not path.is_file():
        raise DataError(
            f"data.source: {data.source!r} is not a file ({path}): run `make data "
            "SOURCE=your.csv TARGET=column` or fix the path in params.yaml"
        )
    columns = list(next(chunks(path, min(rows, 1000))).columns)
    require_columns(columns, data)
    return columns


def check_in_chunks(data: DataParams, task: Task, rows: int) -> tuple[int, list[str]]:
    """Check the columns and the target, reading the target column only; rows and columns."""
    columns = source_columns(data, rows)
    target = snake_case(data.target)
    summary = TargetSummary()
    for chunk in chunks(data.source_path(), rows, [target]):
        summary.add(chunk[target])
    check_summary(summary, data, task)
    return summary.rows, columns


def time_cut(data: DataParams, rows: int) -> Any:
    """The time from which rows go to the test set: the latest ``test_size`` of them."""
    column = snake_case(data.time_column or "")
    times = pd.concat(
        [chunk[column] for chunk in chunks(data.source_path(), rows, [column])],
        ignore_index=True,
    ).sort_values(kind="stable", ignore_index=True)
    cut = len(times) - max(1, round(data.test_size * len(times)))
    return times.iloc[cut]


def prepare_in_chunks(
    data: DataParams, task: Task, rows: int, outputs: tuple[Path, Path, Path]
) -> dict[str, Any]:
    """Check, split and write the source chunk by chunk; return its fingerprint facts.

    ``outputs`` are the raw, train and test files; each is whole or not written at all.
    """
    total, columns = check_in_chunks(data, task, rows)
    cut = time_cut(data, rows) if data.time_column else None
    random = np.random.default_rng(data.seed)
    digest = hashlib.sha256(",".join(columns).encode())
    counts = [0, 0, 0]
    with ExitStack() as stack:
        files: list[IO[str]] = []
        for path in outputs:
            path.parent.mkdir(parents=True, exist_ok=True)
            temporary = stack.enter_context(atomic_path(path))
            files.append(stack.enter_context(temporary.open("w", encoding="utf-8", newline="")))
        for chunk in chunks(data.source_path(), rows):
            chunk = encode_target(chunk, data, task)
            digest.update(pd.util.hash_pandas_object(chunk, index=False).to_numpy().tobytes())
            if cut is not None:
                test = (chunk[snake_case(data.time_column or "")] >= cut).to_numpy()
            else:
                test = random.random(len(chunk)) < data.test_size
            for index, part in enumerate((chunk, chunk[~test], chunk[test])):
                part.to_csv(files[index], header=counts[index] == 0, index=False)
                counts[index] += len(part)
        if not counts[1] or not counts[2]:
            raise DataError(
                f"data.test_size: {data.test_size} leaves the train or the test split empty "
                f"({counts[1]} and {counts[2]} rows): choose a value between 0 and 1"
            )
    return {
        "fingerprint": digest.hexdigest()[:16],
        "rows": total,
        "columns": len(columns),
        "train": counts[1],
        "test": counts[2],
    }


class ColumnStats:
    """Streamed facts of one column: missing values, distinct values, first values, type."""

    def __init__(self) -> None:
        self.missing = 0
        self.distinct: set[Any] = set()
        self.first: list[Any] = []
        self.dtypes: set[str] = set()

    def add(self, values: pd.Series) -> None:
        present = values.dropna()
        self.missing += len(values) - len(present)
        self.dtypes.add(str(values.dtype))
        if len(self.distinct) <= DISTINCT_CAP:
            self.distinct.update(present.unique().tolist())
        if len(self.first) < FIRST_VALUES:
            self.first += present.head(FIRST_VALUES - len(self.first)).tolist()

    def proxy(self, length: int) -> pd.Series:
        """A short column with the same kind: its first values, then its distinct ones.

        ``features.column_kind`` reads the type, the first values and the number of
        distinct values: the proxy gives the same answers as the whole column.
        """
        values = [*self.first, *sorted(self.distinct, key=str)[:DISTINCT_CAP]] or [None]
        values += [values[-1]] * (length - len(values))
        # one type in every chunk is kept; chunks that disagree (int and float) are inferred
        dtype = next(iter(self.dtypes)) if len(self.dtypes) == 1 else None
        return pd.Series(values, dtype=dtype)


def assess_in_chunks(path: Path, data: DataParams, task: Task, rows: int) -> dict[str, Any]:
    """The data assessment of ``assess.assess_data``, streamed over a CSV file."""
    from .assess import DROPPED, describe_classes, describe_target

    stats: dict[str, ColumnStats] = {}
    target = snake_case(data.target)
    summary = TargetSummary()
    samples: list[pd.DataFrame] = []
    random = np.random.default_rng(data.seed)
    total = 0
    for chunk in chunks(path, rows):
        total += len(chunk)
        for name in chunk.columns:
            stats.setdefault(str(name), ColumnStats()).add(chunk[name])
        summary.add(chunk[target])
        if task == "regression":  # a uniform sample: the rows with the smallest random keys
            keyed = pd.DataFrame({"key": random.random(len(chunk)), "value": chunk[target]})
            samples = [pd.concat([*samples, keyed.dropna()]).nsmallest(SAMPLE_ROWS, "key")]
    length = max(len(s.first) + min(len(s.distinct), DISTINCT_CAP) for s in stats.values()) or 1
    frame = pd.DataFrame({name: column.proxy(length) for name, column in stats.items()})
    ignored = [snake_case(name) if name else None for name in (data.id_column, data.time_column)]
    plans = {plan.name: plan for plan in plan_columns(frame, target, *ignored)}
    if task == "regression":
        described = describe_target(samples[0]["value"], task)
    else:
        described = describe_classes(pd.Series(summary.counts))
    return {
        "source": data.source,
        "rows": total,
        "columns": len(stats),
        "duplicate_rows": None,
        "missing_cells": sum(column.missing for column in stats.values()),
        "target": target,
        "dropped_columns": [name for name, plan in plans.items() if plan.kind in DROPPED],
        "target_summary": described,
        "read_in_chunks_of": rows,
        "column_details": [
            {
                "name": name,
                "type": str(frame[name].dtype),
                "kind": plans[name].kind,
                "missing": column.missing,
                "missing_share": round(column.missing / (total or 1), 6),
                "unique": min(len(column.distinct), DISTINCT_CAP),
                "unique_capped": len(column.distinct) >= DISTINCT_CAP,
                "treatment": plans[name].treatment,
            }
            for name, column in stats.items()
        ],
    }
