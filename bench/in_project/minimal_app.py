"""The practical limit of real-time serving: a bare ASGI app giving /predict's answer.

No framework, no validation, no key, no logs: read the JSON body, score its records with
the same model file (one ``predict_proba`` call; the labels are the most probable
classes), answer the same JSON as the service's ``/predict`` (model version, and each
row's prediction with its class probabilities; at maturity also the variant, the
degraded flag and the prediction ids). Served by the project's uvicorn
(``--app-dir bench/in_project``) with:

- ``MODEL_PATH``: the trained model;
- ``LIMIT_SCORING``: ``pipeline`` (a DataFrame through the pipeline as saved, what a
  hand-written app does) or ``array`` (the project's own single-row fast path,
  ``predict.array_scorer``, the same model work as the service);
- ``LIMIT_PACKAGE``: the project's package (for ``array``);
- ``LIMIT_ROLLOUT_FIELDS``: ``1`` to add the maturity fields.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import os
import uuid
from pathlib import Path
from typing import Any

import joblib
import numpy as np
import pandas as pd

PATH = Path(os.environ["MODEL_PATH"])
MODEL = joblib.load(PATH)
VERSION = hashlib.sha256(PATH.read_bytes()).hexdigest()[:12]
CLASSES = [str(label) for label in getattr(MODEL, "classes_", [])]
ROLLOUT_FIELDS = os.environ.get("LIMIT_ROLLOUT_FIELDS") == "1"
FAST = None
if os.environ.get("LIMIT_SCORING", "pipeline") == "array":
    predict = importlib.import_module(f"{os.environ['LIMIT_PACKAGE']}.predict")
    FAST = predict.array_scorer(MODEL)
    if FAST is None:
        raise SystemExit("this model has no array fast path; use LIMIT_SCORING=pipeline")


def score(records: list[dict[str, Any]]) -> tuple[np.ndarray, np.ndarray | None]:
    """Labels and class probabilities (None for a regressor), one model call."""
    if FAST is not None:
        return FAST.score(FAST.rows(records))
    frame = pd.DataFrame.from_records(records)
    if CLASSES:
        probabilities = MODEL.predict_proba(frame)
        return MODEL.classes_[probabilities.argmax(axis=1)], probabilities
    return MODEL.predict(frame), None


def answer(body: bytes) -> bytes:
    """The service's /predict answer for a request body."""
    records = json.loads(body)["records"]
    labels, probabilities = score(records)
    if probabilities is None:
        rows = [{"prediction": label, "probabilities": None} for label in labels.tolist()]
    else:
        rows = [
            {"prediction": label, "probabilities": dict(zip(CLASSES, row, strict=True))}
            for label, row in zip(labels.tolist(), probabilities.tolist(), strict=True)
        ]
    reply: dict[str, Any] = {"model_version": VERSION}
    if ROLLOUT_FIELDS:
        request_id = uuid.uuid4().hex
        reply |= {
            "variant": "champion",
            "degraded": False,
            "prediction_ids": [f"{request_id}:{row}" for row in range(len(records))],
        }
    reply["predictions"] = rows
    return json.dumps(reply).encode()


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """Answer every POST with the predictions for its records, every GET with ``{}``."""
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            kind = message["type"].removeprefix("lifespan.")
            await send({"type": f"lifespan.{kind}.complete"})
            if kind == "shutdown":
                return
    body = b""
    more = True
    while more:
        message = await receive()
        body += message.get("body", b"")
        more = message.get("more_body", False)
    # a GET is the readiness probe of the benchmark
    payload = answer(body) if scope["method"] == "POST" else b"{}"
    headers = [(b"content-type", b"application/json")]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": payload})
