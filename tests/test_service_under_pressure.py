"""Slow tier: the generated HTTP service under attack and load, on 127.0.0.1 only.

Projects with real-time serving are generated with hostile (but legal) answers,
installed with uv, trained, and served by their own uvicorn:

- schemathesis fuzzes their OpenAPI schema: no 5xx, no response outside the schema;
- hostile requests (oversized, malformed, wrong types) get a 4xx and the server stays up;
- sustained concurrent load (30 s at maturity, 10 s at the earlier stages) gets no error
  (the figures are printed);
- a missing or corrupt model at start leaves the service up but not ready.
"""

from __future__ import annotations

import csv
import json
import pickle
import shutil
import subprocess
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from combinations import HOSTILE, STAGES
from conftest import FIGURES, project_env, render, run
from service import API_KEY, Server, http_json, http_raw, load, status_before_body, uvicorn

pytestmark = pytest.mark.slow

# Every problem type behind the API (their answers differ: labels, probabilities,
# numbers), at every stage. The first is the one put under load.
KINDS = {
    "binary": {"problem_type": "binary_classification", "serving": "both"},
    "multiclass": {"problem_type": "multiclass_classification", "serving": "realtime"},
    "regression": {"problem_type": "regression", "serving": "both"},
}
# Every kind at the first stage; the default kind at the later ones (what a later stage
# changes in the service, authentication and middleware, does not depend on the kind).
SERVED = [f"{STAGES[0]}-{kind}" for kind in KINDS] + [f"{stage}-binary" for stage in STAGES[1:]]
LOADED = [f"{stage}-binary" for stage in STAGES]
# Stages that serve one model file (MODEL_PATH); maturity serves a rollout plan instead.
SINGLE_MODEL = [key for key in LOADED if not key.startswith("maturity")]
# Generated cases per project: at least 1,000 on the default project of each stage.
FUZZ_CASES = {"binary": 1_000, "multiclass": 300, "regression": 300}
# Schemathesis's --max-examples counts per operation, and its other phases (the schema's
# own examples, the coverage phase) add a fixed number of cases: about 235 at mvp and growth
# (one body: POST /predict) and 306 at maturity (a second: POST /outcomes). These budgets
# give each default project just over its 1,000 cases (about 1,055 and 1,066, seed 42),
# where --max-examples=1000 gave 1,235-1,306 and kept both cores busy 20 s longer.
EXAMPLES_PER_OPERATION = {"mvp-binary": 820, "growth-binary": 820, "maturity-binary": 380}
# Seconds of sustained load: the 30 s on maturity's service, which holds every
# layer of the earlier stages' (the key check, request ids, access lines) and adds routing,
# metrics and the prediction log; 10 s on the mvp and growth services it contains. Each
# second of load keeps both cores busy (the client and the server).
LOAD_SECONDS = {"mvp-binary": 10, "growth-binary": 10, "maturity-binary": 30}


def keys(names: list[str]) -> list[object]:
    """Parameters of ``key``: the tests of one project run on one worker (xdist), which
    installs and trains it once."""
    return [pytest.param(key, marks=pytest.mark.xdist_group(f"served-{key}")) for key in names]


LOAD_CONCURRENCY = 8


@dataclass
class ServedProject:
    """A generated project, installed and trained, ready to be served."""

    root: Path
    package: str
    records: list[dict[str, float]]

    @contextmanager
    def serve(self, log: Path, **env: str) -> Iterator[Server]:
        env = {"API_KEY": API_KEY, **env}
        with uvicorn(self.root, f"{self.package}.api:app", project_env(env), log) as server:
            yield server


def records_of(root: Path) -> list[dict[str, float]]:
    """The test split's rows without their target, as the API takes them."""
    with (root / "data" / "processed" / "test.csv").open(encoding="utf-8") as rows:
        return [
            {name: float(value) for name, value in row.items() if name != "target"}
            for row in csv.DictReader(rows)
        ]


@pytest.fixture(scope="module")
def served(
    template_src: Path, tmp_path_factory: pytest.TempPathFactory
) -> Callable[[str], ServedProject]:
    """Generate, install and train a project once per key (``stage-kind``), on demand."""
    cache: dict[str, ServedProject] = {}

    def get(key: str) -> ServedProject:
        if key not in cache:
            stage, kind = key.split("-")
            workdir = tmp_path_factory.mktemp(key)
            root = render(template_src, workdir / "project", stage=stage, **HOSTILE, **KINDS[kind])
            package = yaml.safe_load((root / ".copier-answers.yml").read_text("utf-8"))[
                "package_name"
            ]
            run(["uv", "sync"], root)
            run(["uv", "run", "python", "-m", package, "prepare"], root)
            run(["uv", "run", "python", "-m", package, "train"], root)
            if stage == "maturity":  # the rest of what the rollout plan serves
                for step in ("challenger", "baseline", "reference"):
                    run(["uv", "run", "python", "-m", package, step], root)
            run(["uv", "run", "pytest", "-q", "tests/test_api.py"], root)
            assert not any(workdir.rglob("pwned")), "a hostile answer ran as a command"
            cache[key] = ServedProject(root, package, records_of(root))
        return cache[key]

    return get


@pytest.mark.parametrize("key", keys(SERVED))
def test_fuzzing_finds_no_server_error_and_no_schema_violation(
    key: str, served: Callable[[str], ServedProject], tmp_path: Path
) -> None:
    project = served(key)
    cases = FUZZ_CASES[key.split("-")[1]]
    examples = EXAMPLES_PER_OPERATION.get(key, cases)
    report = tmp_path / "schemathesis.json"
    with project.serve(tmp_path / "uvicorn.log") as server:
        # All checks but one: a record that fits the schema can still hold values the
        # model cannot score (1e308 overflows), which the API answers with a documented 422.
        result = subprocess.run(
            [
                shutil.which("schemathesis") or "schemathesis",
                "run",
                f"{server.base}/openapi.json",
                "--checks=all",
                "--exclude-checks=positive_data_acceptance",
                f"--max-examples={examples}",
                "--seed=42",
                # No example database: saving every case to it tripled the run's time.
                "--generation-database=none",
                "--workers=1",
                "--continue-on-failure",
                "--request-timeout=30",
                "--report=json",
                f"--report-json-path={report}",
                "--no-color",
                f"--header=X-API-Key: {API_KEY}",
            ],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=900,
            check=False,
        )
        assert server.alive(), server.output()
    summary = json.loads(report.read_text(encoding="utf-8"))
    counts = summary["test_cases"]
    FIGURES.append(
        f"fuzzing {key}: {counts['generated']} cases in {summary['running_time']:.0f} s, "
        f"{counts['with_failures']} failing, {counts['errored']} errored"
    )
    assert result.returncode == 0, result.stdout[-8000:]
    assert counts["generated"] >= cases, counts
    assert counts["with_failures"] == 0 and counts["errored"] == 0, summary["failures"]
    assert summary["operations"]["tested"] == summary["operations"]["total"] >= 3


JSON = "application/json"


def hostile_requests(records: list[dict[str, float]]) -> dict[str, tuple[bytes, str, int]]:
    """Requests no client should send: (body, content type, the status they must get)."""
    name = next(iter(records[0]))
    good = json.dumps({"records": records[:2]})

    def with_value(value: object) -> bytes:
        return json.dumps({"records": [{**records[0], name: value}]}).encode()

    return {
        "too many records": (json.dumps({"records": records[:1] * 1_001}).encode(), JSON, 422),
        "malformed JSON": (good[:-5].encode(), JSON, 422),
        "not JSON at all": (b"\x00\xff\xfe garbage", JSON, 400),
        "wrong type": (with_value([1.0]), JSON, 422),
        "string number": (with_value("1.5"), JSON, 422),
        "boolean": (with_value(True), JSON, 422),
        "NaN": (with_value(float("nan")), JSON, 422),
        "overflowing values": (
            json.dumps({"records": [dict.fromkeys(records[0], 1e308)]}).encode(),
            JSON,
            422,
        ),
        "empty records": (b'{"records": []}', JSON, 422),
        "missing records": (b"{}", JSON, 422),
        "a list, not an object": (b"[1, 2, 3]", JSON, 422),
        "deeply nested": (b"[" * 100_000 + b"]" * 100_000, JSON, 400),
        "text, not JSON": (good.encode(), "text/plain", 422),
    }


@pytest.mark.parametrize("key", keys(SERVED))
def test_hostile_requests_get_a_4xx_and_the_server_stays_up(
    key: str, served: Callable[[str], ServedProject], tmp_path: Path
) -> None:
    project = served(key)
    with project.serve(tmp_path / "uvicorn.log") as server:
        answers: dict[str, int] = {}
        for label, (body, content_type, _) in hostile_requests(project.records).items():
            answers[label], _ = http_raw(f"{server.base}/predict", body, content_type)
            assert server.alive(), f"{label}: the server died\n{server.output()}"
        answers["oversized body"] = status_before_body(f"{server.base}/predict", 9 * 2**20)
        status, _ = http_raw(f"{server.base}/predict", None)  # a GET
        answers["GET /predict"] = status
        status, _ = http_raw(f"{server.base}/../../etc/passwd", None)
        answers["path traversal"] = status
        body = json.dumps({"records": project.records[:1]}).encode()
        status, _ = http_raw(f"{server.base}/predict", body, auth=False)
        answers["no API key"] = status
        status, health = http_json(f"{server.base}/health")
        assert status == 200 and health["model_loaded"] is True
        status, body = http_json(f"{server.base}/predict", {"records": project.records[:3]})
        assert status == 200 and len(body["predictions"]) == 3
    expected = {label: want for label, (_, _, want) in hostile_requests(project.records).items()}
    expected |= {"oversized body": 413, "GET /predict": 405, "path traversal": 404}
    expected["no API key"] = 200 if key.startswith("mvp-") else 401
    assert answers == expected
    assert "Traceback" not in server.output()


@pytest.mark.parametrize("key", keys(LOADED))
def test_sustained_load_gets_no_error(
    key: str, served: Callable[[str], ServedProject], tmp_path: Path
) -> None:
    project = served(key)
    seconds = LOAD_SECONDS[key]
    body = json.dumps({"records": project.records[:1]}).encode()
    with project.serve(tmp_path / "uvicorn.log") as server:
        result = load(f"{server.base}/predict", body, seconds=seconds, concurrency=LOAD_CONCURRENCY)
        assert server.alive(), server.output()
    FIGURES.append(f"load {key} ({LOAD_CONCURRENCY} clients, 1 record): {result.summary()}")
    assert result.seconds >= seconds
    assert result.errors == 0, (result.statuses, result.failures[:5])
    assert result.requests > seconds  # it did serve, more than one request a second


def damage_model(model: Path, damage: str, target: Path) -> None:
    """Write a broken model file to ``target`` (nothing at all when it is "missing")."""
    if damage == "garbage":
        target.write_bytes(b"this is not a model\n" * 10)
    elif damage == "truncated":
        target.write_bytes(model.read_bytes()[:200])
    elif damage == "empty":
        target.write_bytes(b"")
    elif damage == "not a model":
        target.write_bytes(pickle.dumps({"weights": [1, 2, 3]}))
    elif damage == "a folder":
        target.mkdir()


@pytest.mark.parametrize(
    "damage", ["missing", "a folder", "garbage", "truncated", "empty", "not a model"]
)
@pytest.mark.parametrize("key", keys(SINGLE_MODEL))
def test_a_missing_or_corrupt_model_leaves_the_service_up_but_not_ready(
    key: str, damage: str, served: Callable[[str], ServedProject], tmp_path: Path
) -> None:
    project = served(key)
    broken = tmp_path / "model.joblib"
    damage_model(project.root / "models" / "model.joblib", damage, broken)
    with project.serve(tmp_path / "uvicorn.log", MODEL_PATH=str(broken)) as server:
        status, health = http_json(f"{server.base}/health")
        assert status == 200 and health == {
            "status": "ok",
            "model_loaded": False,
            "model_version": None,
        }
        status, ready = http_json(f"{server.base}/ready")
        assert status == 503 and "make pipeline" in ready["detail"]
        status, _ = http_json(f"{server.base}/predict", {"records": project.records[:1]})
        assert status == 503
        assert server.alive()
    assert "serving no model" in server.output()


@pytest.mark.xdist_group("served-maturity-binary")
@pytest.mark.parametrize("damage", ["missing", "garbage", "truncated", "not a model"])
def test_at_maturity_a_broken_model_degrades_and_nothing_left_is_a_503(
    damage: str, served: Callable[[str], ServedProject], tmp_path: Path
) -> None:
    project = served("maturity-binary")
    broken = tmp_path / "model.joblib"
    damage_model(project.root / "models" / "model.joblib", damage, broken)
    champion = {"name": "champion", "model": str(broken), "weight": 100}
    baseline = {"name": "baseline", "model": "models/baseline.json"}
    plans = {
        "degraded": {"variants": [champion], "fallbacks": [baseline]},
        "nothing": {"variants": [champion]},
    }
    for name, plan in plans.items():
        path = tmp_path / f"{name}.yaml"
        path.write_text(yaml.safe_dump(plan), encoding="utf-8")
        log = tmp_path / f"uvicorn-{name}.log"
        with project.serve(log, ROLLOUT_CONFIG=str(path)) as server:
            status, health = http_json(f"{server.base}/health")
            assert status == 200 and health["models"]["champion"] is False
            ready_status, ready = http_json(f"{server.base}/ready")
            status, body = http_json(f"{server.base}/predict", {"records": project.records[:3]})
            if name == "degraded":
                assert ready_status == 200 and ready["status"] == "degraded"
                assert status == 200 and body["degraded"] is True, body
                assert len(body["predictions"]) == 3
            else:
                assert ready_status == 503 and status == 503
                assert body["detail"].startswith("no model can answer: champion cannot"), body
                assert str(broken) not in body["detail"]
                assert ready["detail"] == body["detail"]  # no path, no exception text
            assert server.alive()
        assert "variant champion is down" in server.output()
