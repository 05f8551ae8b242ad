"""Where the time of one /predict request goes, step by step, in process.

Run with the generated project's Python: ``python serving_profile.py PACKAGE BODY.json``.
Prints the median microseconds of each step of the service's request path, next to the
bare apps' work (the pipeline as saved, and the single-row fast path).
"""

from __future__ import annotations

import importlib
import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
from fastapi.testclient import TestClient


def median_us(step: Callable[[], Any], runs: int = 300) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        step()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1e6


def maturity_steps(state: Any, model: Any, records: list, labels: Any) -> dict[str, Any]:
    """At maturity: the routing, and the metrics and prediction log of one answer."""
    service = getattr(state, "service", None)
    if service is None:
        return {}
    predictions = labels.tolist()
    return {
        "route the request (rollout plan)": lambda: service.plan.route("profile-key"),
        "metrics + prediction log (one write)": lambda: service.record(
            "champion",
            predictions,
            model,
            time.perf_counter(),
            records,
            request_id="profile",
            source="champion",
            degraded=False,
            shadow=False,
        ),
    }


def main() -> None:
    package, body_path = sys.argv[1], Path(sys.argv[2])
    api = importlib.import_module(f"{package}.api")
    predict = importlib.import_module(f"{package}.predict")
    features = importlib.import_module(f"{package}.features")
    body = body_path.read_bytes()
    headers = {"Content-Type": "application/json", "X-API-Key": os.environ.get("API_KEY", "")}
    # Later stages add fields to the answer: the routed variant (maturity).
    routed = {"variant": "champion", "degraded": False, "prediction_ids": ["profile:0"]}
    extra = {
        name: value for name, value in routed.items() if name in api.PredictResponse.model_fields
    }
    with TestClient(api.app) as client:
        state = api.app.state
        # mvp and growth serve one model; maturity serves the rollout plan's champion first.
        model = state.model if hasattr(state, "model") else state.service.scorers["champion"]
        payload = api.PredictRequest.model_validate_json(body)
        records = payload.records
        frame = pd.DataFrame.from_records(records, columns=model.features)
        fast = predict.array_scorer(model.pipeline)
        labels, probabilities = predict.score_records(model.pipeline, records, fast)
        classes = [str(label) for label in getattr(model.pipeline, "classes_", [])] or None
        numeric = features.all_numeric(model.kinds)  # known with the model, as the service does
        steps = {
            "parse + validate the body (pydantic)": lambda: api.PredictRequest.model_validate_json(
                body
            ),
            "check the features": lambda: api.check_features(records, model.kinds, numeric),
            "build the DataFrame": lambda: pd.DataFrame.from_records(
                records, columns=model.features
            ),
            "pipeline as saved: predict_proba (DataFrame)": lambda: (
                model.pipeline.predict_proba(frame)
                if hasattr(model.pipeline, "predict_proba")
                else model.pipeline.predict(frame)
            ),
            "fast path: array + predict_proba (numpy)": lambda: (
                fast.score(fast.rows(records)) if fast is not None else None
            ),
            "score_records (what the service calls)": lambda: predict.score_records(
                model.pipeline, records, fast
            ),
            "build the response (JSON)": lambda: api.reply_json(
                {
                    "model_version": model.version,
                    **extra,
                    "predictions": api.to_predictions(labels, probabilities, classes),
                },
                labels,
                probabilities,
            ),
            **maturity_steps(state, model, records, labels),
            "whole request through the ASGI app (TestClient)": lambda: client.post(
                "/predict", content=body, headers=headers
            ),
            "bare app's work: json.loads + frame + predict_proba": lambda: (
                model.pipeline.predict_proba(
                    pd.DataFrame.from_records(json.loads(body)["records"], columns=model.features)
                )
            ),
        }
        for name, step in steps.items():
            print(f"    {name:<52} {median_us(step):8.0f} us")


if __name__ == "__main__":
    main()
