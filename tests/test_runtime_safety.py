"""Slow tier: interrupted runs and hostile inputs against an installed maturity project.

Batch scoring and training are killed (SIGKILL) at several points: the previous output is
left whole, or the new one is complete. Bad input files get a one-line answer. Hostile
log lines do not blow up the drift job's memory. The real uvicorn server logs JSON only,
counts a full-disk log and 401s, and closes a slow client's connection.
The project is the maturity representative of ``test_generated_projects`` (built once);
destructive checks run on a copy of it.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
from pathlib import Path

import pytest
from conftest import FIGURES, project_env
from service import API_KEY, free_port, http_json, http_raw
from test_generated_projects import MATURITY, Project, built, on

pytestmark = [pytest.mark.slow, on(MATURITY)]

BIG_ROWS = 150_000  # three chunks of the batch path


@pytest.fixture(scope="module")
def maturity(template_src: Path, tmp_path_factory: pytest.TempPathFactory) -> Project:
    """The maturity-stage representative project, shared with the other slow tests."""
    return built(MATURITY, template_src, tmp_path_factory)


@pytest.fixture(scope="module")
def big_input(maturity: Project, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The test split repeated to ``BIG_ROWS`` rows."""
    path = tmp_path_factory.mktemp("batch") / "big.csv"
    code = (
        "import pandas as pd; f = pd.read_csv('data/processed/test.csv'); "
        f"n = -(-{BIG_ROWS} // len(f)); "
        f"pd.concat([f] * n).head({BIG_ROWS}).to_csv({str(path)!r}, index=False)"
    )
    maturity.run("uv", "run", "python", "-c", code)
    return path


def command(project: Project, *args: str) -> list[str]:
    """The project's own Python running its CLI (no uv in between, so signals reach it)."""
    return [str(project.root / ".venv" / "bin" / "python"), "-m", project.package, *args]


def lines_of(path: Path) -> int:
    with path.open("rb") as lines:
        return sum(1 for _ in lines)


@pytest.mark.parametrize("after_chunks", [0, 1, 2])
def test_a_killed_batch_scoring_leaves_the_previous_output_whole(
    maturity: Project, big_input: Path, tmp_path: Path, after_chunks: int
) -> None:
    output = tmp_path / "scored.csv"
    previous = "mean_radius,prediction\n1.0,0\n"
    output.write_text(previous)
    predict = command(maturity, "predict", "--input", str(big_input), "--output", str(output))
    process = subprocess.Popen(
        predict, cwd=maturity.root, env=project_env(), stderr=subprocess.PIPE, text=True
    )
    assert process.stderr is not None
    for _ in range(after_chunks):  # one progress line per chunk of 50,000 rows
        assert "rows scored" in process.stderr.readline()
    if after_chunks == 0:
        time.sleep(1.0)  # while it loads the model
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    assert output.read_text() == previous
    assert [path.name for path in tmp_path.iterdir() if not path.name.startswith(".")] == [
        "scored.csv"
    ]
    if after_chunks == 2:  # left alone, the same run replaces it whole
        subprocess.run(predict, cwd=maturity.root, env=project_env(), check=True)
        assert lines_of(output) == BIG_ROWS + 1


def test_a_stopped_batch_scoring_removes_its_temporary_file(
    maturity: Project, big_input: Path, tmp_path: Path
) -> None:
    output = tmp_path / "scored.csv"
    predict = command(maturity, "predict", "--input", str(big_input), "--output", str(output))
    process = subprocess.Popen(
        predict, cwd=maturity.root, env=project_env(), stderr=subprocess.PIPE, text=True
    )
    assert process.stderr is not None and "rows scored" in process.stderr.readline()
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=30) == 128 + signal.SIGTERM
    assert "nothing half-written" in process.stderr.read()
    assert list(tmp_path.iterdir()) == []


def test_a_bad_value_deep_in_a_big_file_writes_nothing(
    maturity: Project, big_input: Path, tmp_path: Path
) -> None:
    broken = tmp_path / "broken.csv"
    lines = big_input.read_text().splitlines()
    cells = lines[120_000].split(",")
    cells[0] = "twelve"
    lines[120_000] = ",".join(cells)
    broken.write_text("\n".join(lines) + "\n")
    output = tmp_path / "scored.csv"
    output.write_text("previous\n")
    result = subprocess.run(
        command(maturity, "predict", "--input", str(broken), "--output", str(output)),
        cwd=maturity.root, env=project_env(), capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 2 and "Traceback" not in result.stderr
    last = result.stderr.strip().splitlines()[-1]
    assert last == (
        f"error: {broken}: row 120000, column 'mean_radius': 'twelve' is not a number: "
        "correct it or leave the cell empty"
    )
    assert output.read_text() == "previous\n"
    assert sorted(path.name for path in tmp_path.iterdir()) == ["broken.csv", "scored.csv"]


BAD_FILES = {  # the generated tests cover every kind in-process; these run the command
    "empty.csv": (b"", "the file is empty", False),
    "fake.parquet": (b"mean_radius\n1\n", "cannot be read as Parquet", False),
    "semicolons.csv": (b"mean_radius;mean_texture\n1;2\n", "separated by ';'", True),
}


@pytest.mark.parametrize("name", list(BAD_FILES))
def test_bad_files_get_one_line_from_the_command_line(
    maturity: Project, tmp_path: Path, name: str
) -> None:
    content, message, dask = BAD_FILES[name]
    source, output = tmp_path / name, tmp_path / "out.csv"
    source.write_bytes(content)
    result = subprocess.run(
        command(
            maturity, "predict", "--input", str(source), "--output", str(output),
            *(["--dask"] if dask else []),
        ),
        cwd=maturity.root, env=project_env(), capture_output=True, text=True, check=False,
    )  # fmt: skip
    out = (result.stdout + result.stderr).strip()
    assert result.returncode == 2 and "Traceback" not in out, out
    assert out.splitlines()[-1].startswith(f"error: {source}: "), out
    assert message in out.splitlines()[-1], out
    assert not output.exists()


def test_a_killed_training_leaves_the_previous_model_and_run(
    maturity: Project, tmp_path: Path
) -> None:
    copy = tmp_path / "project"  # the project's own environment, in a copy of its files
    shutil.copytree(maturity.root, copy, symlinks=True, ignore=shutil.ignore_patterns(".venv"))
    models = copy / "models"
    before = {name: (models / name).read_bytes() for name in ("model.joblib", "run.json")}
    params = copy / "params.yaml"
    params.write_text(params.read_text().replace("max_iter: 1000", "max_iter: 1001", 1))
    venv = maturity.root / ".venv" / "bin"
    env = project_env({"PATH": f"{venv}{os.pathsep}{os.environ['PATH']}"})
    repro = [str(venv / "python"), "-m", "dvc", "repro", "train"]
    # The local MLflow store's model files: the experiment keeps the artifact folder it was
    # created with (the project's), the copy's own store would be used for a new one.
    stores = [root / "mlruns" / "artifacts" for root in (maturity.root, copy)]

    def model_files() -> set[Path]:
        return {path for store in stores for path in store.rglob("*")}

    for point in ("starting or fitting", "logging the model to MLflow"):
        logged = model_files()
        process = subprocess.Popen(
            repro, cwd=copy, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            text=True, start_new_session=True,
        )  # fmt: skip
        assert process.stdout is not None
        output = []
        for line in process.stdout:
            output.append(line)
            if "Running stage 'train'" in line:
                break
        if point == "starting or fitting":
            time.sleep(1.0)
        else:  # the run's first model file is on disk: MLflow is writing the model
            deadline = time.monotonic() + 300
            while not model_files() - logged and process.poll() is None:
                assert time.monotonic() < deadline, "MLflow wrote no model file"
                time.sleep(0.005)
        assert process.poll() is None, (point, "".join(output))
        os.killpg(process.pid, signal.SIGKILL)  # DVC and the stage it runs
        process.wait(timeout=30)
        for name, content in before.items():
            assert (models / name).read_bytes() == content, (point, name)
    finished = subprocess.run(repro, cwd=copy, env=env, capture_output=True, text=True, check=False)
    assert finished.returncode == 0, finished.stdout + finished.stderr
    run = json.loads((models / "run.json").read_text())
    assert run["run_id"] != json.loads(before["run.json"])["run_id"]
    assert "trained" in finished.stdout


DRIFT_PEAK_LIMIT_MB = 1024  # the drift job's pod has 2 Gi


def test_hostile_log_lines_cannot_blow_up_the_drift_job(maturity: Project, tmp_path: Path) -> None:
    log = tmp_path / "predictions.jsonl"
    rows = (maturity.root / "data" / "processed" / "train.csv").read_text().splitlines()
    header = rows[0].split(",")
    hostile = json.dumps(
        {"time": 1.0, "shadow": False, "prediction": 1,
         "features": {f"junk_{number}": float(number) for number in range(400_000)}}
    )  # fmt: skip
    assert len(hostile) > 8_000_000
    with log.open("w", encoding="utf-8") as out:
        for number in range(10_000):
            values = rows[1 + number % (len(rows) - 1)].split(",")
            features = {n: float(v) for n, v in zip(header, values, strict=True) if n != "target"}
            entry = {"time": 2.0 + number, "shadow": False, "features": features, "prediction": 1}
            out.write(json.dumps(entry) + "\n")
            if number % 1_000 == 999:  # ten 9 MB lines among the rows
                out.write(hostile + "\n")
    measure = (
        "import resource, subprocess, sys; "
        "code = subprocess.run(sys.argv[1:]).returncode; "
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024); "
        "sys.exit(code)"
    )
    drift = command(maturity, "drift", "--current", str(log))
    result = subprocess.run(
        [drift[0], "-c", measure, *drift], cwd=maturity.root, env=project_env(),
        capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    peak_mb = int(result.stdout.strip().splitlines()[-1])
    assert "scored rows against" in result.stdout
    verdict = json.loads((maturity.root / "reports" / "drift.json").read_text())
    FIGURES.append(
        f"drift job on a 10,000-row log with ten 9 MB hostile lines: peak {peak_mb} MB "
        f"({verdict['current_rows']} rows read)"
    )
    assert verdict["current_rows"] == min(10_000, drift_window(maturity))
    assert peak_mb < DRIFT_PEAK_LIMIT_MB


def drift_window(project: Project) -> int:
    """The drift window of the project's params.yaml."""
    import yaml

    params = yaml.safe_load((project.root / "params.yaml").read_text(encoding="utf-8"))
    return int(params["monitoring"]["window"])


def test_the_service_logs_json_only_counts_what_it_serves_and_drops_slow_bodies(
    maturity: Project, tmp_path: Path
) -> None:
    (tmp_path / "broken.joblib").write_bytes(b"not a model")
    plan = tmp_path / "rollout.yaml"
    plan.write_text(
        "variants:\n"
        "  - {name: champion, model: models/model.joblib, weight: 100}\n"
        f"  - {{name: challenger, model: {tmp_path / 'broken.joblib'}, shadow: true}}\n",
        encoding="utf-8",
    )
    env = {
        "API_KEY": API_KEY,
        "ROLLOUT_CONFIG": str(plan),
        "PREDICTION_LOG": "/dev/full",  # every write: no space left on device
        "BODY_TIMEOUT_SECONDS": "2",
    }
    port = free_port()
    log = tmp_path / "service.log"
    uvicorn = [str(maturity.root / ".venv" / "bin" / "uvicorn"), f"{maturity.package}.api:app"]
    with log.open("wb") as sink:
        server = subprocess.Popen(
            [*uvicorn, "--host", "127.0.0.1", "--port", str(port)],
            cwd=maturity.root, env=project_env(env), stdout=sink, stderr=sink,
        )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(base, server, log)
        record = dict(first_record(maturity))
        status, body = http_json(f"{base}/predict", {"records": [record]})
        assert status == 200 and body["degraded"] is False, body  # the log write failed
        status, _ = http_raw(f"{base}/predict", b"{}", auth=False)
        assert status == 401
        started = time.monotonic()
        answer = slow_client(port, declared=1_000, sent=12)
        closed_after = time.monotonic() - started
        assert answer.startswith(b"HTTP/1.1 408"), answer
        assert closed_after < 6, closed_after
        FIGURES.append(f"slow client, 1,000 bytes announced, 12 sent: closed in {closed_after:.1f}")
        _, metrics = http_raw(f"{base}/metrics", None)
        assert "prediction_log_errors_total 1.0" in metrics
        assert 'http_responses_total{code="401",handler="/predict"} 1.0' in metrics
        assert 'http_responses_total{code="200",handler="/predict"} 1.0' in metrics
    finally:
        server.terminate()
        server.wait(timeout=20)
    lines = [line for line in log.read_text(encoding="utf-8").splitlines() if line.strip()]
    entries = [json.loads(line) for line in lines]  # every line is one JSON object
    messages = " ".join(entry["message"] for entry in entries)
    assert "variant challenger is down" in messages
    assert "prediction log not written: OSError" in messages
    access = [entry for entry in entries if entry["logger"].endswith(".access")]
    assert {entry["logger"] for entry in access} == {"service.access"}  # one line a request
    # one line each, in the order they finished (a 200 logs after its background task)
    assert sorted(entry["status"] for entry in access if entry["path"] == "/predict") == [
        200,
        401,
        408,
    ]
    assert "Uvicorn running" in messages


def wait_until_up(base: str, server: subprocess.Popen[bytes], log: Path) -> None:
    """Wait for /health to answer (90 s at most)."""
    deadline = time.monotonic() + 90
    while True:
        try:
            http_raw(f"{base}/health", None, timeout=5)
            return
        except (urllib.error.URLError, ConnectionError):
            assert server.poll() is None, log.read_text()
            assert time.monotonic() < deadline, "uvicorn did not start"
            time.sleep(0.3)


def first_record(project: Project) -> dict[str, float]:
    """The first test row of the project, without its target."""
    rows = (project.root / "data" / "processed" / "test.csv").read_text().splitlines()
    names, values = rows[0].split(","), rows[1].split(",")
    return {n: float(v) for n, v in zip(names, values, strict=True) if n != "target"}


def slow_client(port: int, declared: int, sent: int) -> bytes:
    """Declare a body of ``declared`` bytes, send ``sent``, return all the server says."""
    head = (
        f"POST /predict HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        f"X-API-Key: {API_KEY}\r\nContent-Length: {declared}\r\n\r\n"
    )
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(head.encode() + b"{" + b" " * (sent - 1))
        answer = b""
        while chunk := sock.recv(4096):  # until the server closes the connection
            answer += chunk
    return answer
