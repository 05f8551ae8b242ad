"""ONNX Runtime against scikit-learn for the bundled model kinds, with a parity check.

Run with a generated project's Python after ``uv pip install skl2onnx onnxruntime``
into it: ``python onnx_probe.py PACKAGE``. For each bundled estimator (logistic
regression and random forest on the project's classification data; ridge and random
forest on scikit-learn's diabetes data), the project's pipeline is trained, converted
with skl2onnx (one float32 input per feature, probabilities as a plain tensor: ONNX
Runtime's Imputer has no float64 kernel), and timed on
one row at a time (the serving case: the pipeline as saved, the project's numpy fast
path, ONNX Runtime) and on the whole test split tiled to BATCH_ROWS rows. Parity: the
labels (classifiers) or values (regressors) of the whole test split, ONNX against
scikit-learn. Prints one JSON object per model kind.
"""

from __future__ import annotations

import importlib
import json
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import onnxruntime as ort
import pandas as pd
from batch_probe import seconds  # the same folder: best wall time of a few runs
from skl2onnx import to_onnx
from skl2onnx.common.data_types import FloatTensorType
from sklearn.datasets import load_diabetes
from sklearn.model_selection import train_test_split

BATCH_ROWS = 200_000
SINGLE_ROWS = 300


def median_us(step: Callable[[int], Any], runs: int = SINGLE_ROWS) -> float:
    times = []
    for index in range(runs):
        start = time.perf_counter()
        step(index)
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1e6


def measure(package: str, name: str, task: str, train: pd.DataFrame, test: pd.DataFrame) -> dict:
    config = importlib.import_module(f"{package}.config")
    train_module = importlib.import_module(f"{package}.train")
    predict = importlib.import_module(f"{package}.predict")
    hyper = {"max_iter": 1000} if name == "logistic_regression" else {}
    params = config.TrainParams(estimator=name, hyperparameters=hyper, seed=42)
    model = train_module.train_model(train, "target", task, params)
    features = list(model.feature_names_in_)
    frame = test[features].astype(float)
    classifier = hasattr(model, "predict_proba")
    options = {id(model.steps[-1][1]): {"zipmap": False}} if classifier else None
    result: dict[str, Any] = {"model": name, "task": task, "features": len(features)}
    try:  # single precision: ONNX Runtime's Imputer has no double kernel
        onnx_model = to_onnx(
            model,
            initial_types=[(feature, FloatTensorType([None, 1])) for feature in features],
            options=options,
            target_opset={"": 17, "ai.onnx.ml": 3},
        )
    except Exception as error:  # a pipeline skl2onnx cannot convert
        result["converted"] = f"no: {type(error).__name__}: {str(error)[:160]}"
        return result
    session = ort.InferenceSession(
        onnx_model.SerializeToString(), providers=["CPUExecutionProvider"]
    )
    outputs = [output.name for output in session.get_outputs()]

    def onnx_run(rows: pd.DataFrame) -> list[np.ndarray]:
        feeds = {feature: rows[[feature]].to_numpy(np.float32) for feature in features}
        return session.run(outputs, feeds)

    def sklearn_run(rows: pd.DataFrame) -> np.ndarray:
        return model.predict_proba(rows) if classifier else model.predict(rows)

    fast = predict.array_scorer(model)
    records = frame.to_dict("records")
    one_rows = [frame.iloc[[index % len(frame)]] for index in range(SINGLE_ROWS)]
    onnx_labels = onnx_run(frame)[0].ravel()
    sklearn_labels = model.predict(frame)
    if classifier:
        same = bool(np.array_equal(onnx_labels, sklearn_labels))
        probability_gap = float(np.abs(onnx_run(frame)[1] - model.predict_proba(frame)).max())
    else:
        same = bool(np.array_equal(onnx_labels, sklearn_labels))
        probability_gap = float(np.abs(onnx_labels - sklearn_labels).max())
    tiled = frame.iloc[np.arange(BATCH_ROWS) % len(frame)].reset_index(drop=True)
    result |= {
        "converted": "yes",
        "identical_predictions": same,
        "max_abs_difference": probability_gap,
        "one_row_us_sklearn_pipeline": median_us(lambda index: sklearn_run(one_rows[index])),
        "one_row_us_sklearn_fast_path": (
            median_us(lambda index: fast.score(fast.rows([records[index % len(records)]])))
            if fast is not None
            else None
        ),
        "one_row_us_onnx": median_us(lambda index: onnx_run(one_rows[index])),
        "batch_rows_per_s_sklearn": BATCH_ROWS / seconds(lambda: sklearn_run(tiled), runs=3),
        "batch_rows_per_s_onnx": BATCH_ROWS / seconds(lambda: onnx_run(tiled), runs=3),
    }
    return result


def main() -> None:
    package = sys.argv[1]
    train = pd.read_csv("data/processed/train.csv")
    test = pd.read_csv("data/processed/test.csv")
    task = importlib.import_module(f"{package}.config").load_params().task
    diabetes = load_diabetes(as_frame=True).frame
    diabetes_train, diabetes_test = train_test_split(diabetes, test_size=0.2, random_state=42)
    kinds = [
        ("logistic_regression", task, train, test),
        ("random_forest", task, train, test),
        ("ridge", "regression", diabetes_train, diabetes_test),
        ("random_forest", "regression", diabetes_train, diabetes_test),
    ]
    for name, kind, fit_on, score_on in kinds:
        print(json.dumps(measure(package, name, kind, fit_on, score_on)), flush=True)


if __name__ == "__main__":
    main()
