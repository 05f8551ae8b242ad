"""Slow tier: install representative projects and run them with their own tools.

Each project is generated into a temporary folder, installed with uv, and driven through
its Makefile, DVC, pytest, ruff, MkDocs, pre-commit and a real uvicorn server.
"""

from __future__ import annotations

import json
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import project_env, render, run
from service import free_port, http_json

pytestmark = pytest.mark.slow

REPRESENTATIVE = {
    # the defaults: what the README's first command generates
    "binary-both-github-local": {},
    "regression-batch-gitlab-s3": {
        "problem_type": "regression",
        "serving": "batch",
        "ci_provider": "gitlab",
        "data_remote": "s3",
        "s3_bucket": "team-ml-data",
    },
    "multiclass-realtime-none-gcs": {
        "problem_type": "multiclass_classification",
        "serving": "realtime",
        "ci_provider": "none",
        "data_remote": "gcs",
        "gcs_bucket": "team-ml-data",
        "project_name": "Wine Quality Prédiction",
        "license": "Apache-2.0",
    },
}


class Project:
    """A generated, installed project and the output of its ``make all``."""

    def __init__(self, root: Path, answers: dict[str, Any], make_all: str) -> None:
        self.root = root
        self.answers = answers
        self.make_all = make_all
        recorded = yaml.safe_load((root / ".copier-answers.yml").read_text(encoding="utf-8"))
        self.package: str = recorded["package_name"]
        self.realtime = recorded["serving"] != "batch"

    def run(self, *args: str, **kwargs: Any) -> subprocess.CompletedProcess[str]:
        return run(list(args), self.root, **kwargs)


@pytest.fixture(scope="module", params=list(REPRESENTATIVE), ids=str)
def project(
    request: pytest.FixtureRequest, template_src: Path, tmp_path_factory: pytest.TempPathFactory
) -> Project:
    """Generate the project and run ``make all`` in it: install, pipeline, tests, predict."""
    answers = REPRESENTATIVE[request.param]
    root = render(template_src, tmp_path_factory.mktemp(request.param) / "project", **answers)
    result = run(["make", "all"], root, timeout=900)
    return Project(root, answers, result.stdout)


def test_make_all_trains_tests_and_prints_predictions(project: Project) -> None:
    assert (project.root / "models" / "model.joblib").is_file()
    assert " passed" in project.make_all and " failed" not in project.make_all
    scored = (project.root / "reports" / "batch_predictions.csv").read_text().splitlines()
    assert f"scored {len(scored) - 1} rows" in project.make_all
    assert "prediction" in project.make_all.rsplit("scored", 1)[1]


def test_metrics_clear_the_sample_data_floor(project: Project) -> None:
    params = yaml.safe_load((project.root / "params.yaml").read_text(encoding="utf-8"))
    metrics = json.loads((project.root / "reports" / "metrics.json").read_text())
    primary = params["evaluate"]["primary_metric"]
    floor = {"roc_auc": 0.95, "f1_macro": 0.9, "r2": 0.3}[primary]
    assert metrics[primary] >= floor, metrics
    shown = project.run("uv", "run", "dvc", "metrics", "show").stdout
    assert primary in shown


def test_pipeline_is_up_to_date_after_make_all(project: Project) -> None:
    status = project.run("uv", "run", "dvc", "status").stdout
    assert "up to date" in status
    repro = project.run("uv", "run", "dvc", "repro").stdout
    assert "didn't change, skipping" in repro or "up to date" in repro


def test_lint_and_strict_docs(project: Project) -> None:
    project.run("make", "lint")
    project.run("make", "docs")
    assert (project.root / "site" / "index.html").is_file()


def test_pre_commit_passes_on_the_fresh_project(project: Project) -> None:
    project.run("git", "add", "-A")
    project.run("uv", "run", "pre-commit", "run", "--all-files", timeout=600)


def test_fresh_clone_reproduces_the_pipeline(project: Project, tmp_path: Path) -> None:
    project.run("git", "add", "-A")
    project.run("git", "commit", "-q", "-m", "Generated project with its first results")
    clone = tmp_path / "clone"
    run(["git", "clone", "-q", str(project.root), str(clone)], tmp_path)
    run(["uv", "sync"], clone)
    run(["uv", "run", "dvc", "repro"], clone)
    ours = json.loads((project.root / "reports" / "metrics.json").read_text())
    theirs = json.loads((clone / "reports" / "metrics.json").read_text())
    assert theirs == ours  # same data, same seed, same model


def test_dvc_push_to_the_local_remote(project: Project) -> None:
    if project.answers.get("data_remote", "local") != "local":
        config = (project.root / ".dvc" / "config").read_text()
        assert "url = s3://" in config or "url = gs://" in config
        return
    project.run("uv", "run", "dvc", "push")
    assert any((project.root / ".dvc-storage").rglob("*"))


def test_api_serves_predictions_over_http(project: Project) -> None:
    if not project.realtime:
        result = subprocess.run(
            ["make", "serve"], cwd=project.root, env=project_env(), capture_output=True, text=True
        )
        assert result.returncode != 0 and "make predict" in result.stderr
        return
    port = free_port()
    server = subprocess.Popen(
        [
            "uv",
            "run",
            "uvicorn",
            f"{project.package}.api:app",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        cwd=project.root,
        env=project_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                status, health = http_json(f"{base}/health")
                break
            except (urllib.error.URLError, ConnectionError):
                assert server.poll() is None, server.stdout.read() if server.stdout else ""
                assert time.monotonic() < deadline, "the API did not start within 60 s"
                time.sleep(0.3)
        assert status == 200 and health["model_loaded"] is True
        rows = (project.root / "data" / "processed" / "test.csv").read_text().splitlines()
        header = rows[0].split(",")
        records = [
            {
                name: float(value)
                for name, value in zip(header, row.split(","), strict=True)
                if name != "target"
            }
            for row in rows[1:4]
        ]
        status, body = http_json(f"{base}/predict", {"records": records})
        assert status == 200, body
        assert len(body["predictions"]) == 3
        assert body["model_version"] == health["model_version"]
        del records[0][header[0]]
        status, body = http_json(f"{base}/predict", {"records": records})
        assert status == 422 and header[0] in json.dumps(body)
    finally:
        server.terminate()
        server.wait(timeout=20)
