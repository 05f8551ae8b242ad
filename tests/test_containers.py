"""Real containers: each project's image built from its own Dockerfile, run as the cluster would.

Podman builds the Dockerfile unchanged with ``make docker-build OFFLINE=1`` (a uv cache
prepared from the lock, no package index), on local stand-ins of the base images
(``tests/containers/base-images``, ``--pull=never``). Each image then runs with the pods'
security context of ``deploy/k8s``: uid 10001, a read-only root, no capabilities, only the
manifests' volumes writable, the API key from the environment.

The projects (the BUILT cache of test_generated_projects): growth both (the growth
realtime image) and maturity both (the maturity realtime image, its drift job). The
maturity batch image comes from a maturity batch project rendered beside it, locked with
``uv lock`` and given the maturity project's trained models (the same answers but the
serving kind: the same pipeline, so the same model files). The mvp stage has no Dockerfile.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import threading
import time
import urllib.error
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import FIGURES, render, run
from engine import (
    UID,
    Image,
    build,
    engine_env,
    job,
    make,
    podman,
    require_podman,
    run_flags,
    serving,
    size_mb,
    volume,
    wait_ready,
)
from service import API_KEY, free_port, http_json
from test_generated_projects import GROWTH, MATURITY, built, on

pytestmark = pytest.mark.slow

PACKAGE = "my_ml_project"


def records(project: Path, rows: int = 3) -> list[dict[str, float]]:
    """Rows of the project's test split, without their target: a /predict body."""
    lines = (project / "data" / "processed" / "test.csv").read_text().splitlines()
    header = lines[0].split(",")
    return [
        {k: float(v) for k, v in zip(header, line.split(","), strict=True) if k != "target"}
        for line in lines[1 : rows + 1]
    ]


def said(result: subprocess.CompletedProcess[str]) -> str:
    """The last line of a failed make target's own error, before make's ``*** Error``."""
    return [line for line in result.stderr.splitlines() if not line.startswith("make: ***")][-1]


def drift_job(image: Image, logs: Path, reports: Path) -> None:
    """Run the drift CronJob's command on the log volume, mounted read-only as it is there."""
    drift = job(
        image.tag,
        run_flags(volumes={logs: "/app/logs", reports: "/app/reports"}, read_only=["/app/logs"]),
        "python",
        "-m",
        PACKAGE,
        "drift",
        "--current",
        "logs",
    )
    assert drift.returncode == 0, drift.stdout + drift.stderr


# Images being removed: deleting a 1 GB image's files took up to 48 s under load, so the
# worker goes on with its next tests meanwhile.
REMOVALS: list[threading.Thread] = []


@pytest.fixture(scope="session", autouse=True)
def images_removed() -> Iterator[None]:
    """The run ends once every image built here is removed."""
    yield
    for removal in REMOVALS:
        removal.join()


def image_fixture(name: str, project: Path) -> Iterator[Image]:
    """Build the project's image under a tag of this worker; remove it afterwards."""
    require_podman()
    image = build(project, f"localhost/mlstages-test-{name}-{os.getpid()}:latest")
    FIGURES.append(
        f"image {name}: {size_mb(image.tag):.0f} MB, built in {image.build_seconds:.0f} s"
    )
    yield image
    removal = threading.Thread(
        target=podman, args=("rmi", "--force", image.tag), kwargs={"check": False}
    )
    removal.start()
    REMOVALS.append(removal)


@pytest.fixture(scope="module")
def growth_image(template_src: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Image]:
    yield from image_fixture("growth", built(GROWTH, template_src, tmp_path_factory).root)


@pytest.fixture(scope="module")
def maturity_image(template_src: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Image]:
    yield from image_fixture("maturity", built(MATURITY, template_src, tmp_path_factory).root)


@pytest.fixture(scope="module")
def maturity_batch_image(
    template_src: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Image]:
    trained = built(MATURITY, template_src, tmp_path_factory).root
    root = render(
        template_src,
        tmp_path_factory.mktemp("maturity-batch") / "project",
        stage="maturity",
        serving="batch",
    )
    run(["git", "init", "--quiet"], root)
    run(["uv", "lock", "--quiet"], root)
    for name in [
        "models/model.joblib",
        "models/baseline.json",
        "models/reference.parquet",
        "reports/metrics.json",
        "reports/challenger_metrics.json",
        "data/processed/test.csv",
    ]:
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(trained / name, root / name)
    yield from image_fixture("maturity-batch", root)


# What an image's processes load as they start: the service (its modules and the models it
# unpickles) and, at maturity, the drift job (Evidently's report).
STARTS = {
    "growth": f"import joblib, {PACKAGE}.api; joblib.load('models/model.joblib')",
    "maturity": (
        f"import joblib, {PACKAGE}.api, {PACKAGE}.drift; joblib.load('models/model.joblib'); "
        "joblib.load('models/challenger.joblib'); "
        "from evidently import Report; from evidently.presets import DataDriftPreset"
    ),
}


def uncompiled(name: str, imports: str) -> list[str]:
    """Modules of the image's /app that ``imports`` loads without bytecode in the image: under
    a read-only root every process would compile them again."""
    probe = (
        f"import os, sys; {imports}; "
        "print(*sorted(m.__name__ for m in list(sys.modules.values()) "
        "if str(getattr(m, '__cached__', None) or '').startswith('/app/') "
        "and not os.path.exists(m.__cached__)))"
    )
    result = podman("exec", name, "python", "-c", probe, check=False)
    assert result.returncode == 0, result.stderr
    return result.stdout.split()


def check_service(image: Image, name: str, port: int, label: str) -> None:
    """/ready and /predict from the host, the image's HEALTHCHECK, uid 10001, read-only root,
    and the bytecode of what starts in it."""
    cold = wait_ready(port, name)
    FIGURES.append(f"image {label}: cold start to /ready {cold:.1f} s")
    status, body = http_json(
        f"http://127.0.0.1:{port}/predict",
        {"records": records(image.project)},
        headers={"X-API-Key": API_KEY},
    )
    assert status == 200 and len(body["predictions"]) == 3, body
    status, body = http_json(
        f"http://127.0.0.1:{port}/predict",
        {"records": records(image.project)},
        headers={"X-API-Key": "wrong"},
    )
    assert status == 401, body
    health = podman("healthcheck", "run", name, check=False)
    assert health.returncode == 0, f"the image's HEALTHCHECK failed: {health.stdout}{health.stderr}"
    assert podman("exec", name, "id", "-u").stdout.strip() == str(UID)
    for path in ["/app/written", "/app/models/written", "/written"]:
        write = podman("exec", name, "python", "-c", f"open({path!r}, 'w')", check=False)
        assert write.returncode != 0 and "Read-only file system" in write.stderr, (path, write)
    assert uncompiled(name, STARTS[label]) == []


@on(GROWTH)
def test_growth_image_serves_as_the_cluster_runs_it(growth_image: Image) -> None:
    port = free_port()
    name = f"mlstages-growth-{os.getpid()}-{port}"
    flags = run_flags(env={"API_KEY": API_KEY})
    with serving(growth_image.tag, name, port, flags):
        check_service(growth_image, name, port, "growth")
        # the service writes nowhere, so a read-only root without volumes is enough
        assert podman("exec", name, "python", "-c", "open('/tmp/ok', 'w')").returncode == 0


@on(GROWTH)
def test_make_docker_run_serves_the_image(growth_image: Image) -> None:
    port = free_port()
    refused = make(
        growth_image.project,
        "docker-run",
        "CONTAINER=podman",
        f"IMAGE={growth_image.tag}",
        env={"API_KEY": ""},
    )
    assert refused.returncode == 2 and "set API_KEY" in said(refused)
    env = {"API_KEY": API_KEY}
    command = [
        "make",
        "docker-run",
        "CONTAINER=podman",
        f"IMAGE={growth_image.tag}",
        f"PORT={port}",
    ]
    server = subprocess.Popen(
        command,
        cwd=growth_image.project,
        env=engine_env(env),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                status, _ = http_json(f"http://127.0.0.1:{port}/ready")
                if status == 200:
                    break
            except (urllib.error.URLError, ConnectionError):
                pass
            assert server.poll() is None, server.stdout.read() if server.stdout else ""
            assert time.monotonic() < deadline, "make docker-run: /ready not 200 within 60 s"
            time.sleep(0.2)
        status, body = http_json(
            f"http://127.0.0.1:{port}/predict", {"records": records(growth_image.project)}
        )
        assert status == 200, body
    finally:
        # Ctrl-C in a terminal: make and podman run get it, podman passes it to the
        # service; --rm removes the container.
        os.killpg(server.pid, signal.SIGINT)
        server.wait(timeout=60)
    assert not podman("ps", "--quiet", "--filter", f"ancestor={growth_image.tag}").stdout.strip()


@on(GROWTH)
def test_no_container_engine_is_said_in_one_line(growth_image: Image, tmp_path: Path) -> None:
    tools = tmp_path / "bin"
    tools.mkdir()
    for tool in ["make", "bash", "uname", "env"]:
        found = shutil.which(tool)
        assert found
        (tools / tool).symlink_to(found)
    for target in ["docker-build", "docker-run"]:
        result = make(growth_image.project, target, env={"PATH": str(tools), "API_KEY": "x"})
        assert result.returncode == 2
        assert "neither docker nor podman is installed" in said(result)


@on(GROWTH)
def test_a_missing_model_stops_the_build(growth_image: Image, tmp_path: Path) -> None:
    source = growth_image.project
    context = tmp_path / "project"
    context.mkdir()
    for name in [
        "pyproject.toml",
        "uv.lock",
        "README.md",
        "Dockerfile",
        ".dockerignore",
        "Makefile",
        "src",
    ]:
        copy = shutil.copytree if (source / name).is_dir() else shutil.copy2
        copy(source / name, context / name)
    (context / "models").mkdir()
    result = make(context, "docker-build", "CONTAINER=podman", "IMAGE=mlstages-test-no-model")
    assert result.returncode == 2
    assert said(result) == (
        "make docker-build: models/model.joblib is missing: run make pipeline (or dvc pull) first"
    )
    # docker build / podman build straight away (as a CI job may): the COPY names the file
    tag = f"localhost/mlstages-test-no-model-{os.getpid()}"
    direct = podman(
        "build",
        "--pull=never",
        "--format=docker",
        f"--build-context=uv-cache={source / '.docker' / 'uv-cache'}",
        "--build-arg=UV_OFFLINE=1",
        "-t",
        tag,
        str(context),
        check=False,
    )
    podman("rmi", "--force", tag, check=False)
    assert direct.returncode != 0
    assert "models/model.joblib" in direct.stderr and "no such file" in direct.stderr.lower()


@on(MATURITY)
def test_maturity_image_serves_logs_and_feeds_the_drift_job(
    maturity_image: Image, tmp_path: Path
) -> None:
    logs = volume(tmp_path / "predictions")  # the data volume's predictions/ subPath
    port = free_port()
    name = f"mlstages-maturity-{os.getpid()}-{port}"
    flags = run_flags(
        volumes={logs: "/app/logs"},
        env={
            "API_KEY": API_KEY,
            "PREDICTION_LOG": "logs/pod-a.jsonl",
            "OUTCOME_LOG": "logs/outcomes/pod-a.jsonl",
        },
    )
    with serving(maturity_image.tag, name, port, flags):
        check_service(maturity_image, name, port, "maturity")
    logged = (logs / "pod-a.jsonl").read_text().splitlines()
    assert logged and all(json.loads(line) for line in logged)
    reports = volume(tmp_path / "reports")  # the drift job's reports emptyDir
    drift_job(maturity_image, logs, reports)
    assert "drift_share" in (reports / "drift.json").read_text()


@on(MATURITY)
def test_killing_the_container_mid_request_leaves_the_log_readable(
    maturity_image: Image, tmp_path: Path
) -> None:
    logs = volume(tmp_path / "predictions")
    port = free_port()
    name = f"mlstages-kill-{os.getpid()}-{port}"
    flags = run_flags(
        volumes={logs: "/app/logs"}, env={"API_KEY": API_KEY, "PREDICTION_LOG": "logs/pod-a.jsonl"}
    )
    body = {"records": records(maturity_image.project, rows=50)}
    answered: list[int] = []

    def client() -> None:
        while True:
            try:
                status, _ = http_json(f"http://127.0.0.1:{port}/predict", body, timeout=5)
                answered.append(status)
            except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
                return

    with serving(maturity_image.tag, name, port, flags):
        wait_ready(port, name)
        clients = [threading.Thread(target=client) for _ in range(4)]
        for thread in clients:
            thread.start()
        while len(answered) < 5:
            time.sleep(0.05)
        podman("kill", "--signal=KILL", name)  # mid-request: the clients are still sending
        for thread in clients:
            thread.join(timeout=30)
    assert answered and set(answered) == {200}
    lines = (logs / "pod-a.jsonl").read_bytes().splitlines()
    assert len(lines) >= len(answered) * 50, "an answered request's rows are in the log"
    complete = [line for line in lines if line.endswith(b"}")]
    assert len(lines) - len(complete) <= 1, "only the last line may be cut by the kill"
    assert all(json.loads(line) for line in complete)
    reports = volume(tmp_path / "reports")
    drift_job(maturity_image, logs, reports)


@on(MATURITY)
def test_maturity_batch_image_scores_and_checks_drift_on_mounted_files(
    maturity_batch_image: Image, tmp_path: Path
) -> None:
    data = volume(tmp_path / "data")  # the data volume of the score and drift CronJobs
    test_split = maturity_batch_image.project / "data" / "processed" / "test.csv"
    shutil.copy2(test_split, data / "input.csv")
    os.chown(data / "input.csv", UID, UID)
    score = job(maturity_batch_image.tag, run_flags(volumes={data: "/data"}))
    assert score.returncode == 0, score.stdout + score.stderr
    scored = (data / "predictions.csv").read_text().splitlines()
    assert len(scored) == len(test_split.read_text().splitlines())
    reports = volume(tmp_path / "reports")
    drift = job(
        maturity_batch_image.tag,
        [
            *run_flags(volumes={data: "/data", reports: "/app/reports"}, read_only=["/data"]),
            "--entrypoint=python",
        ],
        "-m",
        PACKAGE,
        "drift",
        "--current",
        "/data/predictions.csv",
    )
    assert drift.returncode == 0, drift.stdout + drift.stderr
    assert "drift_share" in (reports / "drift.json").read_text()
    write = job(
        maturity_batch_image.tag,
        [*run_flags(volumes={data: "/data"}), "--entrypoint=python"],
        "-c",
        "open('/app/written', 'w')",
    )
    assert write.returncode != 0 and "Read-only file system" in write.stderr
