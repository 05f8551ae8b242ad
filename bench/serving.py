"""Benchmark 4: real-time serving throughput and latency, against the practical limit.

The generated service (FastAPI under uvicorn) and a bare ASGI app that calls the same
model's ``predict`` (``in_project/minimal_app.py``, the same uvicorn) are loaded in turn
with the same client: CONCURRENCY keep-alive connections on 127.0.0.1 posting one record,
ROUNDS rounds of SECONDS each, alternating. The ratio of requests/s is the share of the
limit the service keeps; the profile below it shows where a request's time goes.

    uv run python bench/serving.py
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from common import (
    one_record,
    per_stage,
    project_env,
    trained_project,
    verdict,
)
from service import API_KEY, LoadResult, load, uvicorn

CONCURRENCY = 8
SECONDS = 10.0
ROUNDS = 3
TARGET = 0.70  # share of the minimal app's requests/s
IN_PROJECT = Path(__file__).resolve().parent / "in_project"


def combined(results: list[LoadResult]) -> LoadResult:
    merged = LoadResult(seconds=sum(result.seconds for result in results))
    for result in results:
        merged.latencies += result.latencies
        merged.failures += result.failures
        merged.statuses.update(result.statuses)
    return merged


def measure(stage: str, work: Path) -> None:
    root, package = trained_project(work, stage)
    body = one_record(root)
    model = root / "models" / "model.joblib"
    # MODEL_PATH for mvp/growth and the minimal app; maturity serves deploy/rollout.yaml.
    env = project_env({"MODEL_PATH": str(model), "API_KEY": API_KEY})
    apps = {
        "generated service (FastAPI)": (f"{package}.api:app", None),
        "minimal ASGI app (the limit)": ("minimal_app:app", IN_PROJECT),
    }
    results: dict[str, list[LoadResult]] = {name: [] for name in apps}
    for round_ in range(ROUNDS):
        for name, (app, app_dir) in apps.items():
            log = work / f"{name[:9]}-{round_}.log"
            with uvicorn(root, app, env, log, app_dir=app_dir) as server:
                results[name].append(load(f"{server.base}/predict", body, SECONDS, CONCURRENCY))
    print(f"{stage}: {CONCURRENCY} clients, 1 record a request, {ROUNDS} x {SECONDS:g} s each")
    merged = {name: combined(runs) for name, runs in results.items()}
    for name, result in merged.items():
        print(f"  {name:<30} {result.summary()}")
    ours, limit = merged.values()
    assert not ours.failures and set(ours.statuses) == {200}, ours.statuses  # no 401 measured
    ratio = ours.rps / limit.rps
    judged = verdict(ratio, TARGET, higher_is_better=True, percent=True)
    print(f"  ratio service / limit: {ratio:.0%}  [{judged}]")
    spread = {name: [f"{run.rps:.0f}" for run in runs] for name, runs in results.items()}
    print(f"  requests/s of each round: {spread}")
    print("  profile of one request, in process (median of 300):")
    profile = work / "body.json"
    profile.write_bytes(body)
    python = str(root / ".venv" / "bin" / "python")
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
    per_stage(
        "4. real-time serving: requests/s and latency under uvicorn",
        f"target >= {TARGET:.0%} of the limit",
        measure,
    )


if __name__ == "__main__":
    main()
