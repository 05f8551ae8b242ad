"""Benchmark 4: real-time serving throughput and latency, against the practical limit.

The generated service (FastAPI under uvicorn) and two bare ASGI apps giving the same
answer as its ``/predict`` from the same model file (``in_project/minimal_app.py``: the
model version, each row's label and class probabilities, the same JSON shape; under
the same uvicorn) are loaded in turn with the same client: CONCURRENCY keep-alive
connections on 127.0.0.1 posting one record, ROUNDS rounds of SECONDS each, alternating
within each round. The bare apps score either through the pipeline as saved (a
DataFrame, what a hand-written app does) or through the project's own single-row fast
path (the same model work as the service): the faster of the two is the limit the
ratio is judged against. Before the load, each app's answer is checked to carry the
same predictions and probabilities as the service's. Then one request's time through
the service and the bare app in process (``in_project/asgi_timing.py``: no uvicorn, no
client, so steadier on a shared machine), and where a request's time goes.

    uv run python bench/serving.py
"""

from __future__ import annotations

import math
import os
import subprocess
import sys
from pathlib import Path

from common import (
    one_record,
    per_stage,
    project_env,
    summary,
    trained_project,
    verdict,
)
from service import API_KEY, LoadResult, http_raw, load, uvicorn

CONCURRENCY = 8
ROUNDS = 3
SECONDS = 8.0
TARGETS = {"mvp": 0.85, "growth": 0.85, "maturity": 0.75}  # share of the limit's requests/s
IN_PROJECT = Path(__file__).resolve().parent / "in_project"


def combined(results: list[LoadResult]) -> LoadResult:
    merged = LoadResult(seconds=sum(result.seconds for result in results))
    for result in results:
        merged.latencies += result.latencies
        merged.failures += result.failures
        merged.statuses.update(result.statuses)
    return merged


def champion_answer(url: str, body: bytes) -> dict:
    """A /predict answer; at maturity one the champion gave (the limit scores with it).

    The rollout plan routes a request without a routing key at random, a tenth of them
    to the challenger.
    """
    for _ in range(50):
        status, answer = http_raw(url, body)
        assert status == 200, (url, status, answer)
        if answer.get("variant", "champion") == "champion":
            return answer
    raise AssertionError(f"no answer from the champion in 50 requests: {answer}")


def same_answer(service: dict, limit: dict) -> bool:
    """Whether two /predict answers carry the same predictions and probabilities."""
    ours, theirs = service["predictions"], limit["predictions"]
    if len(ours) != len(theirs) or set(service) != set(limit):
        return False
    for mine, other in zip(ours, theirs, strict=True):
        if mine["prediction"] != other["prediction"]:
            return False
        probabilities = mine.get("probabilities") or {}
        others = other.get("probabilities") or {}
        if probabilities.keys() != others.keys() or not all(
            math.isclose(probabilities[key], others[key], rel_tol=0, abs_tol=1e-12)
            for key in probabilities
        ):
            return False
    return True


def measure(stage: str, work: Path) -> None:
    root, package = trained_project(work, stage)
    measure_project(stage, root, package, work)


def measure_project(stage: str, root: Path, package: str, work: Path) -> None:
    """Load the service and the bare apps of a trained project; print the figures."""
    body = one_record(root)
    model = root / "models" / "model.joblib"
    # MODEL_PATH for mvp/growth and the bare apps; maturity serves deploy/rollout.yaml.
    env = project_env({"MODEL_PATH": str(model), "API_KEY": API_KEY, "LIMIT_PACKAGE": package})
    if stage == "maturity":
        env["LIMIT_ROLLOUT_FIELDS"] = "1"
    apps = {
        "generated service (FastAPI)": (f"{package}.api:app", None, {}),
        "bare app, pipeline as saved": (
            "minimal_app:app",
            IN_PROJECT,
            {"LIMIT_SCORING": "pipeline"},
        ),
        "bare app, same fast path": ("minimal_app:app", IN_PROJECT, {"LIMIT_SCORING": "array"}),
    }
    results: dict[str, list[LoadResult]] = {name: [] for name in apps}
    answers: dict[str, dict] = {}
    for round_ in range(ROUNDS):
        for name, (app, app_dir, extra) in apps.items():
            log = work / f"{name[:9]}-{round_}.log"
            with uvicorn(root, app, {**env, **extra}, log, app_dir=app_dir) as server:
                if round_ == 0:
                    answers[name] = champion_answer(f"{server.base}/predict", body)
                results[name].append(load(f"{server.base}/predict", body, SECONDS, CONCURRENCY))
    service_answer = answers.pop("generated service (FastAPI)")
    for name, answer in answers.items():
        assert same_answer(service_answer, answer), (name, service_answer, answer)
    print(f"{stage}: {CONCURRENCY} clients, 1 record a request, {ROUNDS} x {SECONDS:g} s each")
    print(f"  load average at start of the stage: {os.getloadavg()[0]:.1f}; same answers: yes")
    merged = {name: combined(runs) for name, runs in results.items()}
    for name, result in merged.items():
        print(f"  {name:<30} {result.summary()}")
    ours = merged["generated service (FastAPI)"]
    assert not ours.failures and set(ours.statuses) == {200}, ours.statuses  # no 401 measured
    limit_name = max(
        (name for name in merged if name.startswith("bare")), key=lambda name: merged[name].rps
    )
    limit = merged[limit_name]
    ratio = ours.rps / limit.rps
    judged = verdict(ratio, TARGETS[stage], higher_is_better=True, percent=True)
    print(f"  ratio service / limit ({limit_name}): {ratio:.0%}  [{judged}]")
    summary(
        f"serving {stage}", f"{ratio:.0%} of the limit ({ours.rps:.0f} vs {limit.rps:.0f} req/s)",
        f">= {TARGETS[stage]:.0%}", ratio >= TARGETS[stage],
    )  # fmt: skip
    pipeline = merged["bare app, pipeline as saved"]
    print(f"  (service / bare app with the pipeline as saved: {ours.rps / pipeline.rps:.0%})")
    spread = {name: [f"{run.rps:.0f}" for run in runs] for name, runs in results.items()}
    print(f"  requests/s of each round: {spread}")
    profile = work / "body.json"
    profile.write_bytes(body)
    python = str(root / ".venv" / "bin" / "python")
    timings = {
        "one request through the ASGI app in process, no uvicorn (steadier on a busy machine):": [],
        "the same with every model's scoring stubbed (the framework's own time):": [
            "--model-stubbed"
        ],
    }
    for number, (title, flags) in enumerate(timings.items()):
        print(f"  {title}")
        # The access lines go to a file, as uvicorn's output above: through a pipe, each
        # line would wait for this process to read it (80-100 us a request on a busy machine).
        with (work / f"asgi-timing-{number}.log").open("wb") as log:
            timing = subprocess.run(
                [python, str(IN_PROJECT / "asgi_timing.py"), package, str(profile), *flags],
                cwd=root,
                env={**env, "PREDICTION_LOG": str(work / f"predictions-{number}.jsonl")},
                stdout=subprocess.PIPE,
                stderr=log,
                text=True,
                check=True,
            )
        print(timing.stdout.rstrip())
    print("  profile of one request, in process (median of 300):")
    script = str(IN_PROJECT / "serving_profile.py")
    steps = subprocess.run(
        [python, script, package, str(profile)],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    print(steps.stdout.rstrip())


def main() -> None:
    if len(sys.argv) == 3:  # STAGE PROJECT: an already trained project, for profiling
        root = Path(sys.argv[2]).resolve()
        measure_project(sys.argv[1], root, "my_ml_project", root.parent)
        return
    per_stage(
        "4. real-time serving: requests/s and latency under uvicorn",
        "target >= 85% of the limit at mvp and growth, >= 75% at maturity",
        measure,
    )


if __name__ == "__main__":
    main()
