"""Slow tier: install representative projects and run them with their own tools.

Each project is generated into a temporary folder, installed with uv, and driven through
its Makefile, DVC, pytest, ruff, MkDocs, pre-commit and a real uvicorn server.
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
import time
import urllib.error
import urllib.request
import warnings
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import FIGURES, locked, project_env, render, run, share_bytecode, shared_path
from service import API_KEY, free_port, http_json, http_raw, uvicorn

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
    "growth-binary-both-github-local": {"stage": "growth"},
    "maturity-binary-both-github-local": {"stage": "maturity"},
}
GROWTH = "growth-binary-both-github-local"
MATURITY = "maturity-binary-both-github-local"
BUILT: dict[str, Project] = {}


class Project:
    """A generated, installed project and the output of its ``make all``."""

    def __init__(self, root: Path, answers: dict[str, Any], make_all: str) -> None:
        self.root = root
        self.answers = answers
        self.make_all = make_all
        recorded = yaml.safe_load((root / ".copier-answers.yml").read_text(encoding="utf-8"))
        self.package: str = recorded["package_name"]
        self.realtime = recorded["serving"] != "batch"
        self.docs_built = False

    def run(self, *args: str, **kwargs: Any) -> subprocess.CompletedProcess[str]:
        return run(list(args), self.root, **kwargs)

    def docs(self) -> Path:
        """``make docs`` once (its wiki reads the trained model and metrics); the site."""
        if not self.docs_built:
            self.run("make", "docs")
            self.docs_built = True
        return self.root / "site"


def on(name: str) -> pytest.MarkDecorator:
    """The mark of a test that uses the BUILT project ``name``: it runs on that project's worker.

    Tests change the projects they share (git index, DVC lock, site/), so one worker owns
    each project: every test that calls ``built(name)``, directly or through a fixture,
    carries ``on(name)``. Without it the project is built again on the other worker (and a
    warning says so).
    """
    return pytest.mark.xdist_group(name)


def built(name: str, template_src: Path, tmp_path_factory: pytest.TempPathFactory) -> Project:
    """Generate a project and run ``make all`` in it (install, pipeline, tests, predict), once."""
    if name not in BUILT:
        answers = REPRESENTATIVE[name]
        worker = os.environ.get("PYTEST_XDIST_WORKER", "")
        builders = shared_path(tmp_path_factory, "built") / name
        with locked(builders):
            others = builders.read_text().split() if builders.is_file() else []
            builders.write_text(" ".join([*others, worker]))
        if others:
            warnings.warn(
                f"{name} is built again on {worker} (already on {', '.join(others)}): "
                f"mark the tests that use it with on({name!r})",
                stacklevel=2,
            )
        root = render(template_src, tmp_path_factory.mktemp(name) / "project", **answers)
        run(["make", "install"], root, timeout=900)
        share_bytecode(root, tmp_path_factory)  # for the environments made after this one
        result = run(["make", "all"], root, timeout=900)
        BUILT[name] = Project(root, answers, result.stdout)
    return BUILT[name]


@pytest.fixture(
    scope="module", params=[pytest.param(name, marks=on(name)) for name in REPRESENTATIVE], ids=str
)
def project(
    request: pytest.FixtureRequest, template_src: Path, tmp_path_factory: pytest.TempPathFactory
) -> Project:
    """Each representative project, built and run."""
    return built(request.param, template_src, tmp_path_factory)


@pytest.fixture(scope="module")
def maturity(template_src: Path, tmp_path_factory: pytest.TempPathFactory) -> Project:
    """The maturity-stage representative project."""
    return built(MATURITY, template_src, tmp_path_factory)


@pytest.fixture(scope="module")
def growth(template_src: Path, tmp_path_factory: pytest.TempPathFactory) -> Project:
    """The growth-stage representative project."""
    return built(GROWTH, template_src, tmp_path_factory)


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
    # money next to accuracy: the business value of the predictions and of the baseline
    assert "business_value_uplift" in shown
    uplift = metrics["business_value"] - metrics["business_value_baseline"]
    assert metrics["business_value_uplift"] == pytest.approx(uplift, abs=0.01)


def test_pipeline_is_up_to_date_after_make_all(project: Project) -> None:
    status = project.run("uv", "run", "dvc", "status").stdout
    assert "up to date" in status
    repro = project.run("uv", "run", "dvc", "repro").stdout
    assert "didn't change, skipping" in repro or "up to date" in repro


def test_lint_and_strict_docs(project: Project) -> None:
    project.run("make", "lint")
    assert (project.docs() / "index.html").is_file()


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
        env=project_env({"API_KEY": API_KEY}),  # growth's service wants it (service.AUTH)
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
        if body.get("variant", "champion") == "champion":  # maturity routes some to a challenger
            assert body["model_version"] == health["model_version"]
        del records[0][header[0]]
        status, body = http_json(f"{base}/predict", {"records": records})
        assert status == 422 and header[0] in json.dumps(body)
    finally:
        server.terminate()
        server.wait(timeout=20)


def python_in(project: Project, code: str) -> str:
    """Run Python code in the project's environment and return what it prints."""
    return project.run("uv", "run", "python", "-c", code).stdout


CHAMPION_QUERY = """
import json, mlflow
from mlflow import MlflowClient
mlflow.set_tracking_uri("sqlite:///mlruns/mlflow.db")
client = MlflowClient()
version = client.get_model_version_by_alias("MODEL", "champion")
run = client.get_run(version.run_id)
trials = client.search_runs([run.info.experiment_id], "tags.mlflow.runName LIKE 'trial-%'")
print(json.dumps({"version": str(version.version), "metrics": run.data.metrics,
                  "params": run.data.params, "trials": len(trials)}))
"""


@on(GROWTH)
def test_growth_pipeline_logged_and_registered_a_champion(growth: Project) -> None:
    assert "promoted to champion" in growth.make_all
    report = python_in(growth, CHAMPION_QUERY.replace("MODEL", growth.package))
    found = json.loads(report.splitlines()[-1])
    metrics = json.loads((growth.root / "reports" / "metrics.json").read_text())
    assert found["version"] == "1"
    assert found["metrics"]["roc_auc"] == pytest.approx(metrics["roc_auc"])
    assert found["params"]["estimator"] == "logistic_regression"
    assert found["trials"] == 4
    best = json.loads((growth.root / "models" / "best_params.json").read_text())
    assert float(found["params"]["C"]) == best["C"]


@on(GROWTH)
def test_growth_batch_prediction_through_dask(growth: Project) -> None:
    output = "reports/dask_predictions.parquet"
    printed = growth.run(
        "uv",
        "run",
        "python",
        "-m",
        growth.package,
        "predict",
        "--dask",
        "--input",
        "data/processed/test.csv",
        "--output",
        output,
    ).stdout
    rows = len((growth.root / "data" / "processed" / "test.csv").read_text().splitlines()) - 1
    assert f"scored {rows} rows" in printed and "(Dask)" in printed
    counted = python_in(growth, f"import pandas as pd; print(len(pd.read_parquet({output!r})))")
    assert int(counted) == rows


@on(GROWTH)
def test_growth_model_card_shows_the_trained_model(growth: Project) -> None:
    card = (growth.docs() / "status" / "model-card" / "index.html").read_text()
    run_id = json.loads((growth.root / "models" / "run.json").read_text())["run_id"]
    assert run_id in card and "data contract passed" in card and "(tuned)" in card
    assert "business_value" in card and "Not computed yet" not in card


@on(GROWTH)
def test_growth_broken_input_stops_the_pipeline_with_a_report(growth: Project) -> None:
    raw = (growth.root / "data" / "raw" / "dataset.csv").read_text().splitlines()
    header = raw[0].split(",")
    broken_row = raw[5].split(",")
    broken_row[header.index("mean_radius")] = "-50"
    broken = growth.root / "data" / "external" / "broken.csv"
    broken.parent.mkdir(parents=True, exist_ok=True)
    broken.write_text("\n".join([raw[0], *raw[1:5], ",".join(broken_row), *raw[6:]]) + "\n")
    params = growth.root / "params.yaml"
    original = params.read_text()
    params.write_text(original.replace("source: breast_cancer", f"source: {broken}"))
    try:
        result = subprocess.run(
            ["uv", "run", "dvc", "repro"],
            cwd=growth.root,
            env=project_env(),
            capture_output=True,
            text=True,
            timeout=600,
        )
    finally:
        params.write_text(original)
        growth.run("uv", "run", "dvc", "repro")  # back to the good data (DVC's run cache)
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert "column 'mean_radius'" in output and "greater_than_or_equal_to" in output, output
    assert "failed to reproduce 'validate'" in output


def maturity_records(project: Project, split: str) -> list[dict[str, float]]:
    """The maturity project's rows of a split, without their target."""
    with (project.root / "data" / "processed" / f"{split}.csv").open(encoding="utf-8") as rows:
        return [
            {name: float(value) for name, value in row.items() if name != "target"}
            for row in csv.DictReader(rows)
        ]


@on(MATURITY)
def test_maturity_pipeline_trains_a_challenger_and_the_serving_assets(maturity: Project) -> None:
    for output in ("challenger.joblib", "baseline.json", "reference.parquet"):
        assert (maturity.root / "models" / output).is_file(), output
    assert "challenger random_forest: roc_auc = " in maturity.make_all
    shown = maturity.run("uv", "run", "dvc", "metrics", "show").stdout
    assert "challenger_metrics.json" in shown
    maturity.run("uv", "run", "python", "-m", f"{maturity.package}.sizing", "--check")
    for overlay in ("staging", "production"):
        rendered = maturity.run("kubectl", "kustomize", f"deploy/k8s/overlays/{overlay}").stdout
        assert "kind: Rollout" in rendered and "kind: HorizontalPodAutoscaler" in rendered


@on(MATURITY)
def test_maturity_service_routes_logs_survives_load_and_feeds_the_drift_job(
    maturity: Project, tmp_path: Path
) -> None:
    log = tmp_path / "predictions.jsonl"
    # Traffic like the training data: the drift job must find no drift in its log.
    records = maturity_records(maturity, "train")
    env = {"API_KEY": API_KEY, "PREDICTION_LOG": str(log)}
    app = f"{maturity.package}.api:app"
    with uvicorn(maturity.root, app, project_env(env), tmp_path / "uvicorn.log") as server:
        keys = [f"customer-{number}" for number in range(400)]
        variants = []
        for number, key in enumerate(keys):
            record = records[number % len(records)]
            status, body = http_json(
                f"{server.base}/predict", {"records": [record]}, headers={"X-Routing-Key": key}
            )
            assert status == 200 and body["degraded"] is False, body
            variants.append(body["variant"])
        again = [  # the same rows again, so that the log keeps the training distribution
            http_json(
                f"{server.base}/predict",
                {"records": [records[number % len(records)]]},
                headers={"X-Routing-Key": key},
            )[1]["variant"]
            for number, key in enumerate(keys[:50])
        ]
        assert again == variants[:50]  # a key sticks to its variant
        share = variants.count("challenger") / len(variants)
        FIGURES.append(f"maturity routing over 400 keys: challenger {share:.1%} (weight 10 %)")
        assert 0.05 < share < 0.16  # 10 % of 400 keys, within 3 standard deviations
        status, metrics = http_raw(f"{server.base}/metrics", None)
        assert status == 200
        assert 'predict_requests_total{outcome="ok",variant="challenger"}' in metrics
        assert server.alive()
    # The load test, on a server that logs nothing (PREDICTION_LOG empty).
    env = {"API_KEY": API_KEY, "PREDICTION_LOG": ""}
    with uvicorn(maturity.root, app, project_env(env), tmp_path / "uvicorn-load.log") as server:
        load = maturity.run(
            "make", "load-test", f"LOAD_HOST={server.base}", "LOAD_TIME=8s",
            env={"API_KEY": API_KEY}, timeout=120,
        )  # fmt: skip
        summary = load.stdout + load.stderr
        aggregated = next(line for line in summary.splitlines() if "Aggregated" in line)
        FIGURES.append(f"maturity locust, 20 users, 8 s: {' '.join(aggregated.split())}")
        assert int(aggregated.split()[1]) > 50 and aggregated.split()[2].startswith("0(")
        assert server.alive()
    assert len(log.read_text(encoding="utf-8").splitlines()) == 450
    drift = [
        "uv", "run", "python", "-m", maturity.package, "drift", "--current", str(log),
        "--fail-on-drift",
    ]  # fmt: skip
    quiet = maturity.run(*drift, timeout=300).stdout
    assert "drift: no drift" in quiet, quiet
    verdict = json.loads((maturity.root / "reports" / "drift.json").read_text())
    assert verdict["drift_detected"] is False and verdict["current_rows"] == 450
    shifted = tmp_path / "shifted.jsonl"
    with log.open(encoding="utf-8") as lines, shifted.open("w", encoding="utf-8") as out:
        for line in lines:
            entry = json.loads(line)
            entry["features"] = {name: value * 1.6 for name, value in entry["features"].items()}
            out.write(json.dumps(entry) + "\n")
    drift[drift.index(str(log))] = str(shifted)
    loud = subprocess.run(
        drift, cwd=maturity.root, env=project_env(), capture_output=True, text=True, check=False
    )
    assert loud.returncode == 1 and "drift: drift" in loud.stdout, loud.stdout + loud.stderr
    assert json.loads((maturity.root / "reports" / "drift.json").read_text())["drift_detected"]
    assert (maturity.root / "reports" / "drift.html").stat().st_size > 100_000


@on(MATURITY)
def test_maturity_compare_champion_opens_a_pr_only_on_a_gain(maturity: Project) -> None:
    maturity.run("git", "add", "-A")
    maturity.run("git", "commit", "-q", "--allow-empty", "-m", "Champion")
    compare = ["uv", "run", "python", "-m", maturity.package, "compare-champion", "--ref", "HEAD"]
    same = subprocess.run(
        compare, cwd=maturity.root, env=project_env(), capture_output=True, text=True
    )
    assert same.returncode == 1 and "does not beat the champion" in same.stdout, same
    metrics_file = maturity.root / "reports" / "metrics.json"
    committed = metrics_file.read_text()
    better = json.loads(committed)
    better["roc_auc"] = min(1.0, better["roc_auc"] + 0.001)
    metrics_file.write_text(json.dumps(better))
    try:
        gained = maturity.run(*compare).stdout
    finally:
        metrics_file.write_text(committed)
    assert "beats the champion of `HEAD`" in gained
    body = (maturity.root / "reports" / "champion_comparison.md").read_text()
    assert "| roc_auc |" in body


@on(MATURITY)
def test_maturity_roi_loop_promotes_a_challenger_that_truly_makes_more_money(
    maturity: Project, tmp_path: Path
) -> None:
    """Simulated traffic end to end: outcomes posted, joined, priced, decided and exported.

    The champion serves a copy of its model that answers wrong on 30 % of the rows (a
    hash picks them), the challenger its own model, 50/50: the challenger is truly better
    by the printed margin. The test split (114 rows) is replayed 4 times (456 outcomes);
    the sequential test must say `promote` within them. Nothing of the project is changed:
    plan, logs and report live in tmp_path.
    """
    package = maturity.package
    sim, logs, report_path = tmp_path / "sim", tmp_path / "logs", tmp_path / "online.json"
    degrade = ["uv", "run", "python", "-m", f"{package}.simulate", "degrade"]
    shown = maturity.run(
        *degrade, "--variant", "champion", "--amount", "0.3", "--split", "50", "--out", str(sim)
    ).stdout
    margin = float(shown.split("(margin ")[1].split(")")[0])
    assert margin > 0.1, shown
    env = {
        "API_KEY": API_KEY,
        "ROLLOUT_CONFIG": str(sim / "rollout.yaml"),
        "PREDICTION_LOG": str(logs / "predictions.jsonl"),
        "OUTCOME_LOG": str(logs / "outcomes" / "outcomes.jsonl"),
    }
    app = f"{package}.api:app"
    with uvicorn(maturity.root, app, project_env(env), tmp_path / "uvicorn.log") as server:
        replayed = maturity.run(
            "make", "simulate-traffic", f"SIM_HOST={server.base}", "PASSES=4", "DELAY=1",
            env={"API_KEY": API_KEY}, timeout=600,
        ).stdout  # fmt: skip
        assert "replayed 456 predictions; posted 456 outcomes (456 accepted)" in replayed
        first = json.loads((logs / "predictions.jsonl").open().readline())["id"]
        status, body = http_json(
            f"{server.base}/outcomes",
            {"outcomes": [{"prediction_id": first, "outcome": 0}, {"prediction_id": first}]},
        )
        assert status == 422  # a malformed batch is refused whole
        status, body = http_json(
            f"{server.base}/outcomes", {"outcomes": [{"prediction_id": first, "outcome": 0}]}
        )
        assert status == 200 and body["results"][0]["status"] == "duplicate"
        _, exposed = http_raw(f"{server.base}/metrics", None)
        assert 'outcomes_received_total{status="accepted"} 456.0' in exposed
        assert server.alive()
    evaluate = ["uv", "run", "python", "-m", f"{package}.online_eval", "--predictions", str(logs)]
    evaluate += ["--outcomes", str(logs / "outcomes"), "--output", str(report_path)]
    printed = maturity.run(*evaluate).stdout
    report = json.loads(report_path.read_text())
    assert report["counts"] == {
        "outcomes": 456, "duplicates": 0, "unmatched": 0, "late": 0, "used": 456
    }  # fmt: skip
    decision = report["decision"]
    assert decision["verdict"] == "promote", printed
    assert decision["difference"] > 0 and decision["ci95"][0] > 0
    champion, challenger = report["variants"]["champion"], report["variants"]["challenger"]
    assert champion["degraded"] and not challenger["degraded"]
    assert challenger["value"] > champion["value"]
    FIGURES.append(
        f"ROI loop: challenger better by {margin:.3f} {report['currency']}/prediction on the "
        f"test split; online difference {decision['difference']:+.3f}; promote after "
        f"{decision['outcomes']} outcomes ({decision['champion_outcomes']} champion, "
        f"{decision['challenger_outcomes']} challenger) of 456; always-valid p "
        f"{decision['p_value']:.4f}"
    )
    aa = maturity.run(
        "uv", "run", "python", "-m", f"{package}.sequential", "--experiments", "200",
        "--outcomes", "2000",
    ).stdout  # fmt: skip
    FIGURES.append(aa.strip())
