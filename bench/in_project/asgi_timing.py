"""The time of one /predict request driven straight through an ASGI app, in process.

Run with the generated project's Python, in the project (``MODEL_PATH``, ``API_KEY``,
``LIMIT_PACKAGE`` set as for ``minimal_app``)::

    python asgi_timing.py PACKAGE BODY.json [REQUESTS] [--model-stubbed]

No uvicorn and no client: each request is one call of the app with a ready-made scope,
a ``receive`` giving the body and a ``send`` keeping the answer, so the figures hold
only the app's own work. The service and the bare app on the same fast path
(``minimal_app``, ``LIMIT_SCORING=array``) are timed in alternating blocks of 100
requests, after a warm-up; the median microseconds of each are printed, wall time
and CPU time (user + sys, a request's share of its block's). Steadier than
a uvicorn run on a shared machine. With ``--model-stubbed`` every model's scoring (the
service's and the bare app's) gives its precomputed answer for the body's rows, so
what is timed is the framework's own work.
"""

from __future__ import annotations

import asyncio
import importlib
import json
import os
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager, nullcontext
from pathlib import Path
from typing import Any

ASGIApp = Callable[[dict[str, Any], Any, Any], Awaitable[None]]
WARM_UP = 300
BLOCK = 100


def scope_of(body: bytes) -> dict[str, Any]:
    """A fresh HTTP scope of ``POST /predict`` with the key and a JSON body."""
    return {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.4"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/predict",
        "raw_path": b"/predict",
        "root_path": "",
        "query_string": b"",
        "headers": [
            (b"host", b"127.0.0.1:8000"),
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
            (b"x-api-key", os.environ.get("API_KEY", "").encode()),
        ],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
        "state": {},
    }


async def one_request(app: ASGIApp, body: bytes) -> int:
    """Send one request through ``app``; return the answer's status."""
    sent = False
    status = 0

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if sent:
            await asyncio.sleep(3600)  # a disconnect never comes while the answer is written
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]

    await app(scope_of(body), receive, send)
    return status


async def timed(app: ASGIApp, body: bytes, requests: int) -> list[float]:
    times = []
    for _ in range(requests):
        start = time.perf_counter()
        status = await one_request(app, body)
        times.append(time.perf_counter() - start)
        assert status == 200, status
    return times


async def timed_block(app: ASGIApp, body: bytes, requests: int) -> tuple[list[float], float]:
    """The wall time of each request, and the block's CPU time (user + sys) in all."""
    cpu = time.process_time()
    times = await timed(app, body, requests)
    return times, time.process_time() - cpu


def stub_models(service_module: Any, bare_module: Any, body: bytes) -> None:
    """Replace each model's scoring by its answer for ``body``'s rows, computed once."""
    records = json.loads(body)["records"]
    state = service_module.app.state
    scorers = state.service.scorers.values() if hasattr(state, "service") else []
    for scorer in scorers:  # maturity: every variant of the rollout plan
        answer = scorer.score_records(records)
        scorer.score_records = lambda _records, answer=answer: answer
    if hasattr(service_module, "score_records"):  # mvp, growth
        model = state.model
        answer = service_module.score_records(model.pipeline, records, model.fast)
        service_module.score_records = lambda *_args, answer=answer: answer
    bare_answer = bare_module.score(records)
    bare_module.score = lambda _records: bare_answer


async def main() -> None:
    arguments = [argument for argument in sys.argv[1:] if argument != "--model-stubbed"]
    package, body = arguments[0], Path(arguments[1]).read_bytes()
    requests = int(arguments[2]) if len(arguments) > 2 else 3_000
    os.environ["LIMIT_SCORING"] = "array"
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    bare_module = importlib.import_module("minimal_app")
    bare: ASGIApp = bare_module.app
    service_module = importlib.import_module(f"{package}.api")
    service: ASGIApp = service_module.app
    lifespan: AbstractAsyncContextManager[Any] = (
        service_module.app.router.lifespan_context(service_module.app)
        if hasattr(service_module.app.router, "lifespan_context")
        else nullcontext()
    )
    async with lifespan:
        if "--model-stubbed" in sys.argv:
            stub_models(service_module, bare_module, body)
        apps = {"service": service, "bare app, same fast path": bare}
        for app in apps.values():
            await timed(app, body, WARM_UP)
        times: dict[str, list[float]] = {name: [] for name in apps}
        cpu: dict[str, list[float]] = {name: [] for name in apps}  # per request, by block
        for _ in range(requests // BLOCK):
            for name, app in apps.items():
                block, seconds = await timed_block(app, body, BLOCK)
                times[name] += block
                cpu[name].append(seconds / BLOCK)
    medians = {name: statistics.median(values) * 1e6 for name, values in times.items()}
    for name, median in medians.items():
        used = statistics.median(cpu[name]) * 1e6
        print(
            f"    {name:<28} {median:7.0f} us  (median of {len(times[name])}),"
            f" CPU {used:5.0f} us  (user+sys, median of {len(cpu[name])} blocks)"
        )
    ratio = medians["bare app, same fast path"] / medians["service"]
    print(f"    bare app / service time: {ratio:.0%}")


if __name__ == "__main__":
    asyncio.run(main())
