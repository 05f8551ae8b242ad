"""Load the raw data, check its target and split it into train and test sets.

The default source is a data set bundled with scikit-learn, so the project runs
offline. To use your own data, run ``make data SOURCE=file TARGET=column``: it
versions the file with DVC and points ``data.source`` and ``data.target`` of
``params.yaml`` at it (editing them by hand gets the same checks).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .atomic import atomic_path, write_text
from .config import DataParams, Task

# The sample data sets bundled with scikit-learn, by name: the loader of each in
# sklearn.datasets. scikit-learn is imported where one is loaded or a split is made, so
# the steps that need neither (assess, validate) start without it.
SAMPLE_DATASETS = {
    "breast_cancer": "load_breast_cancer",
    "wine": "load_wine",
    "diabetes": "load_diabetes",
}
# Fewest rows of each class: enough for a stratified split and cross-validation.
MIN_ROWS_PER_CLASS = 5
# More distinct values than this in a numeric classification target: it is continuous.
MAX_CLASSES = 50
# Labels counted at most (a continuous target read in chunks keeps memory bounded).
MAX_LABELS = 10_000


class DataError(ValueError):
    """The data or its target cannot be used as configured; the message says the fix."""


def snake_case(name: str) -> str:
    """Turn a column name such as ``"mean radius"`` into ``"mean_radius"``."""
    return re.sub(r"[^0-9a-zA-Z]+", "_", str(name)).strip("_").lower()


def is_sample(source: str) -> bool:
    """Whether ``data.source`` names a sample data set rather than a file."""
    return source in SAMPLE_DATASETS


def read_table(path: Path) -> pd.DataFrame:
    """Read a CSV or Parquet file (by its extension)."""
    if path.suffix.lower() in (".parquet", ".pq"):
        return pd.read_parquet(path)
    return pd.read_csv(path)


def load_source(source: str | DataParams, target: str = "target") -> pd.DataFrame:
    """Load a bundled sample data set by name, or a CSV or Parquet file.

    Column names are normalised to snake case (the target too); a relative path is
    read from the project root when given :class:`DataParams`.
    """
    if isinstance(source, DataParams):
        params, source, target = source, source.source, source.target
        path = params.source_path()
    else:
        path = Path(source)
    if is_sample(source):
        from sklearn import datasets

        frame = getattr(datasets, SAMPLE_DATASETS[source])(as_frame=True).frame
    else:
        if not path.is_file():
            known = ", ".join(sorted(SAMPLE_DATASETS))
            raise DataError(
                f"data.source: {source!r} is not a file ({path}) nor a sample data set "
                f"({known}): run `make data SOURCE=your.csv TARGET=column` or fix the path "
                "in params.yaml"
            )
        frame = read_table(path)
    frame = frame.rename(columns=snake_case)
    require_target(list(frame.columns), source, target)
    return frame


def require_target(columns: list[str], source: str, target: str) -> None:
    """Raise :class:`DataError` unless the target is one of the (snake-case) columns."""
    if snake_case(target) not in columns:
        shown = ", ".join(columns[:20])
        raise DataError(
            f"data.target: column {snake_case(target)!r} is not in {source!r} (columns: "
            f"{shown}): set data.target in params.yaml to one of them"
        )


def require_columns(columns: list[str], params: DataParams) -> None:
    """Raise :class:`DataError` unless the target, id and time columns are in ``columns``."""
    require_target(columns, params.source, params.target)
    for key in ("id_column", "time_column"):
        column = getattr(params, key)
        if column is not None and snake_case(column) not in columns:
            raise DataError(
                f"data.{key}: column {snake_case(column)!r} is not in {params.source!r}: "
                "set it to a column of the file, or remove it from params.yaml"
            )


def positive_matches(label: Any, positive: str | int | bool) -> bool:
    """Whether a target value is the configured positive label (YAML may read yes as True)."""
    if isinstance(positive, bool):
        words = {"true", "yes", "y", "1"} if positive else {"false", "no", "n", "0"}
        return str(label).strip().lower() in words
    return str(label).strip().lower() == str(positive).strip().lower()


@dataclass
class TargetSummary:
    """What the target checks need of a target column; built whole or chunk by chunk."""

    rows: int = 0
    missing: int = 0
    numeric: bool = True
    integral: bool = True  # every value is a whole number
    counts: Counter[Any] = field(default_factory=Counter)  # rows of each label

    def add(self, target: pd.Series) -> TargetSummary:
        """Count one more part of the target column in."""
        present = target.dropna()
        numeric = pd.api.types.is_numeric_dtype(target) and not pd.api.types.is_bool_dtype(target)
        self.rows += len(target)
        self.missing += len(target) - len(present)
        self.numeric = self.numeric and numeric
        if numeric and not present.empty:
            self.integral = self.integral and bool(
                np.all(np.mod(present.to_numpy(dtype=float), 1) == 0)
            )
        if len(self.counts) <= MAX_LABELS:
            self.counts.update(present.value_counts().to_dict())
        return self


def check_summary(summary: TargetSummary, params: DataParams, task: Task) -> None:
    """Check a target against the problem type; one line naming the column and the fix."""
    name = snake_case(params.target)
    column = f"data.target {name!r}"
    if summary.missing:
        raise DataError(
            f"{column}: {summary.missing} of {summary.rows} rows have no target value: "
            "drop or fill those rows in the source file"
        )
    labels = sorted(summary.counts, key=str)
    shown = ", ".join(repr(label) for label in labels[:6]) + (", ..." if len(labels) > 6 else "")
    if task == "regression":
        if not summary.numeric:
            raise DataError(
                f"{column}: values such as {shown} are not numbers, and task is regression: "
                "choose a numeric target or a classification problem_type"
            )
        return
    if summary.numeric and (not summary.integral or len(labels) > MAX_CLASSES):
        raise DataError(
            f"{column}: {len(labels)} distinct numeric values look continuous, and task is "
            f"{task}: choose a class column or a regression problem_type"
        )
    if len(labels) < 2:
        raise DataError(
            f"{column}: one class only ({shown}): a classifier needs at least two classes"
        )
    if task == "binary_classification":
        if len(labels) != 2:
            raise DataError(
                f"{column}: {len(labels)} classes ({shown}), and task is binary_classification: "
                "choose a two-class target or a multiclass_classification problem_type"
            )
        if params.positive_label is not None:
            if not any(positive_matches(label, params.positive_label) for label in labels):
                raise DataError(
                    f"data.positive_label: {params.positive_label!r} is not a label of "
                    f"{name!r} ({shown}): set it to one of them"
                )
        elif set(map(str, labels)) != {"0", "1"} and set(labels) != {True, False}:
            raise DataError(
                f"{column}: labels {shown} are not 0/1: set data.positive_label "
                "(make data POSITIVE=label) to the label that means positive"
            )
    elif len(labels) == 2:
        raise DataError(
            f"{column}: 2 classes ({shown}), and task is multiclass_classification: "
            "choose a target with more classes or a binary_classification problem_type"
        )
    rare = [(label, count) for label, count in summary.counts.items() if count < MIN_ROWS_PER_CLASS]
    if rare:
        named = ", ".join(f"{label!r} ({count})" for label, count in rare)
        raise DataError(
            f"{column}: too few rows for class {named}: each class needs at least "
            f"{MIN_ROWS_PER_CLASS}; merge rare classes or bring more rows"
        )


def encode_target(frame: pd.DataFrame, params: DataParams, task: Task) -> pd.DataFrame:
    """A checked binary target as 1 for the positive label and 0 otherwise; others as they are."""
    if task != "binary_classification":
        return frame
    name = snake_case(params.target)
    target = frame[name]
    if params.positive_label is not None:
        positive = target.map(lambda label: positive_matches(label, params.positive_label))
        return frame.assign(**{name: positive.astype(int)})
    return frame.assign(**{name: target.astype(int)})


def check_target(frame: pd.DataFrame, params: DataParams, task: Task) -> pd.DataFrame:
    """Check the target against the problem type; return the table with a usable target.

    A binary target with a ``positive_label`` becomes 1 for that label and 0 otherwise.
    Every problem raises :class:`DataError` with one line naming the column and the fix.
    """
    check_summary(TargetSummary().add(frame[snake_case(params.target)]), params, task)
    return encode_target(frame, params, task)


def load_checked(params: DataParams, task: Task) -> pd.DataFrame:
    """Load the source named in the parameters and check its target and columns."""
    frame = load_source(params)
    require_columns(list(frame.columns), params)
    return check_target(frame, params, task)


def split(frame: pd.DataFrame, params: DataParams, task: Task) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Split rows into train and test sets.

    With a ``time_column`` the latest rows are the test set (no look-ahead); otherwise
    the split is random, stratified on the target for classification.
    """
    target = snake_case(params.target)
    if params.time_column is not None:
        ordered = frame.sort_values(snake_case(params.time_column), kind="stable")
        cut = len(ordered) - max(1, round(params.test_size * len(ordered)))
        return ordered.iloc[:cut].reset_index(drop=True), ordered.iloc[cut:].reset_index(drop=True)
    from sklearn.model_selection import train_test_split

    stratify = frame[target] if task != "regression" else None
    train, test = train_test_split(
        frame, test_size=params.test_size, random_state=params.seed, stratify=stratify
    )
    return train.reset_index(drop=True), test.reset_index(drop=True)


def fingerprint(frame: pd.DataFrame) -> str:
    """A short fingerprint of a table's content and columns: a new data set, a new value."""
    digest = hashlib.sha256(",".join(map(str, frame.columns)).encode())
    digest.update(pd.util.hash_pandas_object(frame, index=False).to_numpy().tobytes())
    return digest.hexdigest()[:16]


def write_csv(frame: pd.DataFrame, path: Path) -> None:
    """Write a table as CSV, creating the folder if needed (whole or not at all)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(path) as temporary:
        frame.to_csv(temporary, index=False)


def write_json(content: dict[str, Any], path: Path) -> None:
    """Write JSON whole or not at all, so that a reader never sees half of it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    write_text(path, json.dumps(content, indent=2) + "\n")
