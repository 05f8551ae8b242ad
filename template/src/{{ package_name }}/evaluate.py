"""Score the model on the held-out test set."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn import metrics
from sklearn.pipeline import Pipeline

from .atomic import write_text
from .config import Task
from .features import coerce_types, model_feature_kinds


def one_vs_rest_auc(y_true: pd.Series, y_proba: np.ndarray, classes: np.ndarray) -> float:
    """Macro-averaged one-vs-rest ROC AUC over the classes the test set holds.

    A split by time can leave a rare class out of the test set; its AUC is undefined.
    """
    present = [index for index, label in enumerate(classes) if (y_true == label).any()]
    if len(present) == len(classes):
        return metrics.roc_auc_score(y_true, y_proba, multi_class="ovr", labels=classes)
    scores = [metrics.roc_auc_score(y_true == classes[i], y_proba[:, i]) for i in present]
    return float(np.mean(scores))


def classification_metrics(
    y_true: pd.Series,
    y_pred: np.ndarray,
    y_proba: np.ndarray,
    binary: bool,
    classes: np.ndarray | None = None,
) -> dict[str, float]:
    """Accuracy, F1 and ROC AUC (one-vs-rest when there are more than two classes)."""
    scores = {
        "accuracy": metrics.accuracy_score(y_true, y_pred),
        "f1_macro": metrics.f1_score(y_true, y_pred, average="macro"),
    }
    if binary:
        scores["f1"] = metrics.f1_score(y_true, y_pred)
        scores["precision"] = metrics.precision_score(y_true, y_pred)
        scores["recall"] = metrics.recall_score(y_true, y_pred)
        scores["roc_auc"] = metrics.roc_auc_score(y_true, y_proba[:, 1])
    else:
        labels = np.unique(y_true) if classes is None else classes
        scores["roc_auc_ovr"] = one_vs_rest_auc(y_true, y_proba, labels)
    return scores


def regression_metrics(y_true: pd.Series, y_pred: np.ndarray) -> dict[str, float]:
    """Root mean squared error, mean absolute error and R²."""
    return {
        "rmse": float(np.sqrt(metrics.mean_squared_error(y_true, y_pred))),
        "mae": metrics.mean_absolute_error(y_true, y_pred),
        "r2": metrics.r2_score(y_true, y_pred),
    }


def evaluate_model(
    model: Pipeline, test: pd.DataFrame, target: str, task: Task
) -> tuple[dict[str, float], pd.DataFrame]:
    """Return the test metrics and a table of actual against predicted values."""
    y_true = test[target]
    test = coerce_types(test, model_feature_kinds(model))
    y_pred = model.predict(test)
    if task == "regression":
        scores = regression_metrics(y_true, y_pred)
    else:
        y_proba = model.predict_proba(test)
        binary = task == "binary_classification"
        classes = getattr(model, "classes_", None)
        scores = classification_metrics(y_true, y_pred, y_proba, binary, classes)
    scores = {name: round(float(value), 6) for name, value in scores.items()}
    scores["n_test"] = len(test)
    comparison = pd.DataFrame({"actual": y_true.to_numpy(), "predicted": y_pred})
    return scores, comparison


def write_metrics(scores: dict[str, float], path: Path) -> None:
    """Write metrics as JSON, the format ``dvc metrics`` reads."""
    write_text(path, json.dumps(scores, indent=2, sort_keys=True) + "\n")
