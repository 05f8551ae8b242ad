"""Load the raw data and split it into train and test sets.

The default source is a data set bundled with scikit-learn, so the project runs
offline. To use your own data, set ``data.source`` in ``params.yaml`` to the path of a
CSV file and ``data.target`` to its target column.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
from sklearn import datasets
from sklearn.model_selection import train_test_split

from .atomic import atomic_path
from .config import DataParams, Task

SAMPLE_DATASETS = {
    "breast_cancer": datasets.load_breast_cancer,
    "wine": datasets.load_wine,
    "diabetes": datasets.load_diabetes,
}


def snake_case(name: str) -> str:
    """Turn a column name such as ``"mean radius"`` into ``"mean_radius"``."""
    return re.sub(r"[^0-9a-zA-Z]+", "_", name).strip("_").lower()


def load_source(source: str, target: str = "target") -> pd.DataFrame:
    """Load a bundled sample data set by name, or a CSV file by path.

    Column names are normalised to snake case; the target column keeps the name
    ``target`` given in the parameters.
    """
    if source in SAMPLE_DATASETS:
        frame = SAMPLE_DATASETS[source](as_frame=True).frame
    else:
        path = Path(source)
        if not path.is_file():
            known = ", ".join(sorted(SAMPLE_DATASETS))
            raise FileNotFoundError(
                f"data.source: {source!r} is neither a sample data set ({known}) nor a CSV file"
            )
        frame = pd.read_csv(path)
    frame = frame.rename(columns=snake_case)
    target = snake_case(target)
    if target not in frame.columns:
        raise KeyError(f"data.target: column {target!r} not found in {source!r}")
    return frame


def split(frame: pd.DataFrame, params: DataParams, task: Task) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Split rows into train and test sets, stratified on the target for classification."""
    target = snake_case(params.target)
    stratify = frame[target] if task != "regression" else None
    train, test = train_test_split(
        frame, test_size=params.test_size, random_state=params.seed, stratify=stratify
    )
    return train.reset_index(drop=True), test.reset_index(drop=True)


def write_csv(frame: pd.DataFrame, path: Path) -> None:
    """Write a table as CSV, creating the folder if needed."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(path) as temporary:
        frame.to_csv(temporary, index=False)
