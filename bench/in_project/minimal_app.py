"""The practical limit of real-time serving: a bare ASGI app around the same model.

No framework, no validation, no probabilities: read the JSON body, build the frame the
pipeline needs, call ``model.predict``, answer JSON. Served by the project's uvicorn
(``--app-dir bench/in_project``) with ``MODEL_PATH`` pointing at the trained model.
"""

from __future__ import annotations

import json
import os
from typing import Any

import joblib
import pandas as pd

MODEL = joblib.load(os.environ["MODEL_PATH"])
FEATURES = list(MODEL.feature_names_in_)


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """Answer every HTTP request with the model's predictions for its records."""
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
    if scope["method"] == "POST":
        frame = pd.DataFrame.from_records(json.loads(body)["records"], columns=FEATURES)
        payload = json.dumps({"predictions": MODEL.predict(frame).tolist()}).encode()
    else:  # a GET, such as the readiness probe of the benchmark
        payload = b"{}"
    headers = [(b"content-type", b"application/json")]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": payload})
