"""Fit the model: the preprocessing and the estimator in one scikit-learn pipeline."""

from __future__ import annotations

from pathlib import Path

import joblib
import pandas as pd
from sklearn.base import BaseEstimator
from sklearn.ensemble import RandomForestClassifier, RandomForestRegressor
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.pipeline import Pipeline

from .atomic import atomic_path
from .config import Task, TrainParams
from .features import build_preprocessor, coerce_types, feature_kinds

ESTIMATORS: dict[str, dict[str, type[BaseEstimator]]] = {
    "classification": {
        "logistic_regression": LogisticRegression,
        "random_forest": RandomForestClassifier,
    },
    "regression": {"ridge": Ridge, "random_forest": RandomForestRegressor},
}


def make_estimator(task: Task, params: TrainParams) -> BaseEstimator:
    """Instantiate the estimator named in ``params.yaml`` for this kind of task."""
    family = "regression" if task == "regression" else "classification"
    choices = ESTIMATORS[family]
    if params.estimator not in choices:
        allowed = ", ".join(sorted(choices))
        raise ValueError(f"train.estimator: {params.estimator!r} is not one of {allowed}")
    estimator = choices[params.estimator](**params.hyperparameters)
    if "random_state" in estimator.get_params():
        estimator.set_params(random_state=params.seed)
    return estimator


def build_model(features: dict[str, str] | list[str], task: Task, params: TrainParams) -> Pipeline:
    """The unfitted model: preprocessing of ``features`` (name: kind), then the estimator."""
    return Pipeline(
        [("features", build_preprocessor(features)), ("estimator", make_estimator(task, params))]
    )


def train_model(frame: pd.DataFrame, target: str, task: Task, params: TrainParams) -> Pipeline:
    """Fit preprocessing and estimator on a training table that contains the target.

    Every column but the target is a candidate feature: drop the id and time columns first.
    """
    kinds = feature_kinds(frame, target)
    if not kinds:
        raise ValueError(f"no usable feature column besides the target {target!r}")
    model = build_model(kinds, task, params)
    model.fit(coerce_types(frame[list(kinds)], kinds), frame[target])
    return model


def save_model(model: Pipeline, path: Path) -> None:
    """Persist a fitted pipeline with joblib (whole or not at all: the previous one stays)."""
    with atomic_path(path) as temporary:
        joblib.dump(model, temporary)


def load_model(path: Path) -> Pipeline:
    """Load a pipeline saved by :func:`save_model`."""
    if not path.is_file():
        raise FileNotFoundError(f"no model at {path}: run the pipeline first (make pipeline)")
    return joblib.load(path)
