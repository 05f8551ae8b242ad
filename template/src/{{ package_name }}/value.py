"""The money the model makes: the business value of its predictions on the test set.

value = correct x (number of correct predictions) - the cost of every error, with the
amounts of ``business.yaml``: a false positive or a false negative (binary; the positive
class is the larger label), a wrong class (multiclass), or each unit of absolute error
(regression, where ``correct`` is the value of a prediction without error).

The baseline is a trivial model priced the same way: the most frequent class of the
training set, or the median of its target. The uplift is what the model adds over it.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from .config import Task


def prediction_values(
    y_true: np.ndarray,
    y_pred: np.ndarray,
    task: Task,
    value: Mapping[str, float],
    positive: object = None,
) -> np.ndarray:
    """Money made by each prediction of ``y_pred`` given the outcome in ``y_true``."""
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    if task == "regression":
        errors = np.abs(y_true.astype(float) - y_pred.astype(float))
        return value["correct"] - value["per_unit_error"] * errors
    correct = y_true == y_pred
    if task == "multiclass_classification":
        return np.where(correct, value["correct"], -value["error"])
    false_positive = (y_pred == positive) & (y_true != positive)
    false_negative = (y_pred != positive) & (y_true == positive)
    return np.select(
        [correct, false_positive, false_negative],
        [value["correct"], -value["false_positive"], -value["false_negative"]],
        0.0,
    )


def business_value(
    y_true: np.ndarray,
    y_pred: np.ndarray,
    task: Task,
    value: Mapping[str, float],
    positive: object = None,
) -> float:
    """Money made by the predictions ``y_pred`` of the outcomes ``y_true``."""
    return float(prediction_values(y_true, y_pred, task, value, positive).sum())


def trivial_predictions(train_target: pd.Series, rows: int, task: Task) -> np.ndarray:
    """The baseline's predictions: the most frequent class, or the median of the target."""
    if task == "regression":
        constant = float(train_target.median())
    else:
        counts = train_target.value_counts()
        constant = counts[counts == counts.max()].index.min()  # ties: the smallest label
    return np.full(rows, constant)


def business_metrics(
    y_true: pd.Series,
    y_pred: np.ndarray,
    train_target: pd.Series,
    task: Task,
    value: Mapping[str, float],
) -> dict[str, float]:
    """The model's business value, the trivial baseline's, and the uplift between them."""
    positive = max(train_target.unique()) if task == "binary_classification" else None
    model = business_value(y_true, y_pred, task, value, positive)
    baseline_pred = trivial_predictions(train_target, len(y_true), task)
    baseline = business_value(y_true, baseline_pred, task, value, positive)
    return {
        "business_value": round(model, 2),
        "business_value_baseline": round(baseline, 2),
        "business_value_uplift": round(model - baseline, 2),
    }
