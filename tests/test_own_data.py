"""Slow tier: a team's own data, with real public data sets shipped inside PyPI packages.

The data sets are not ours (:data:`DATASETS`): palmerpenguins' penguins-raw (a yes/no
target, categorical columns and missing values, an id, a date, free-text comments),
vega_datasets' cars (a regression target, missing values, a free-text name, a date; as
the Parquet file a team would have) and seattle-weather (five kinds of weather, a date
column; imported from a ``file://`` URL, the stand-in for object storage). Each is brought
into a project at the MVP stage and at the growth stage with ``make data``, as the
generated README says, then ``make all``, ``make docs`` and a served prediction run; the
test body is the same for every data set. One own-data project is then upgraded to growth.
"""

from __future__ import annotations

import importlib.util
import json
import math
import shutil
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import yaml
from conftest import FIGURES, project_env, render, run
from service import API_KEY, http_json, uvicorn
from test_generated_projects import GROWTH, REPRESENTATIVE, Project, built, on

pytestmark = pytest.mark.slow


def package_file(package: str, *parts: str) -> Path:
    """A data file shipped inside an installed package (found without importing it)."""
    spec = importlib.util.find_spec(package)
    assert spec is not None and spec.submodule_search_locations, f"{package} is not installed"
    path = Path(next(iter(spec.submodule_search_locations)), *parts)
    assert path.is_file(), path
    return path


PENGUINS = package_file("palmerpenguins", "data", "penguins.csv")
PENGUINS_RAW = package_file("palmerpenguins", "data", "penguins-raw.csv")
CARS = package_file("vega_datasets", "_data", "cars.json")
WEATHER = package_file("vega_datasets", "_data", "seattle-weather.csv")
# what the pipeline does not learn from (assess.DROPPED of the generated project)
NOT_FEATURES = {"date", "text", "id", "time"}


def as_parquet(source: Path, folder: Path) -> str:
    """The table of a JSON file, as the Parquet file a team would have."""
    path = folder / f"{source.stem}.parquet"
    pd.read_json(source).to_parquet(path, index=False)
    return str(path)


@dataclass(frozen=True)
class DataSet:
    """A public data set: how a team would give it to ``make data``, and its target."""

    name: str
    problem_type: str
    source: Callable[[Path], str]  # writes what the team has into a folder, returns SOURCE
    arguments: tuple[str, ...]  # TARGET=..., and POSITIVE=, ID=, TIME= where needed

    def make_data_arguments(self, folder: Path) -> list[str]:
        return [f"SOURCE={self.source(folder)}", *self.arguments]


DATASETS = [
    DataSet(
        "penguins-raw",
        "binary_classification",
        lambda _: str(PENGUINS_RAW),
        ("TARGET=Clutch Completion", "POSITIVE=Yes", "ID=Individual ID"),
    ),
    DataSet(
        "cars", "regression", lambda folder: as_parquet(CARS, folder), ("TARGET=Acceleration",)
    ),
    DataSet(
        "seattle-weather",
        "multiclass_classification",
        lambda _: WEATHER.as_uri(),
        ("TARGET=weather", "TIME=date"),
    ),
]
# the installed project each data set starts from, by stage and problem type
MVP_PROJECTS = {
    "binary_classification": "binary-both-github-local",
    "regression": "regression-batch-gitlab-s3",
    "multiclass_classification": "multiclass-realtime-none-gcs",
}
assert set(MVP_PROJECTS.values()) <= set(REPRESENTATIVE)


def copy_project(project: Project, destination: Path) -> Project:
    """A copy of a built project (its own fresh environment) to change freely."""
    ignore = shutil.ignore_patterns(".venv", "site", ".pytest_cache", ".ruff_cache")
    shutil.copytree(project.root, destination, symlinks=True, ignore=ignore)
    run(["uv", "sync", "--quiet"], destination, timeout=300)
    return Project(destination, project.answers, "")


def starting_project(dataset: DataSet, stage: str) -> str | None:
    """The installed representative project a data set starts from, if there is one."""
    if stage == "mvp":
        return MVP_PROJECTS[dataset.problem_type]
    if dataset.problem_type == REPRESENTATIVE[GROWTH].get("problem_type", "binary_classification"):
        return GROWTH
    return None


def own_data_cases() -> Iterator[Any]:
    """Each data set at mvp and growth, on the worker of the project it starts from."""
    for dataset in DATASETS:
        for stage in ("mvp", "growth"):
            name = starting_project(dataset, stage)
            mark = pytest.mark.independent if name is None else on(name)
            yield pytest.param(dataset, stage, id=f"{dataset.name}-{stage}", marks=mark)


def project_for(
    dataset: DataSet, stage: str, template_src: Path, factory: pytest.TempPathFactory
) -> Project:
    """A project of the data set's problem type at ``stage`` that still has the sample data.

    A copy of an installed representative project where there is one (the growth one has a
    sample-data champion in its registry); otherwise a fresh copy of the template, whose
    first pipeline run is then the one ``make data`` starts.
    """
    folder = factory.mktemp(f"own-{dataset.name}-{stage}") / "project"
    name = starting_project(dataset, stage)
    if name is not None:
        return copy_project(built(name, template_src, factory), folder)
    answers = {"stage": stage, "problem_type": dataset.problem_type, "serving": "both"}
    root = render(template_src, folder, **answers)
    run(["make", "install"], root, timeout=600)
    return Project(root, answers, "")


def make_data(project: Project, *args: str, check: bool = True) -> tuple[Any, float]:
    """``make data`` with ``args`` (NAME=value); the result and its duration in seconds."""
    start = time.monotonic()
    if check:
        result = run(["make", "data", *args], project.root, timeout=900)
    else:
        command = ["make", "data", *args]
        result = subprocess.run(
            command,
            cwd=project.root,
            env=project_env(),
            capture_output=True,
            text=True,
            timeout=900,
        )
    return result, time.monotonic() - start


def assessment(project: Project) -> dict[str, Any]:
    return json.loads((project.root / "reports" / "data_assessment.json").read_text())


def kinds(project: Project) -> dict[str, str]:
    return {column["name"]: column["kind"] for column in assessment(project)["column_details"]}


def data_params(project: Project) -> dict[str, Any]:
    return yaml.safe_load((project.root / "params.yaml").read_text())["data"]


def served_prediction(project: Project, tmp_path: Path) -> Any:
    """One prediction for a record of the current test split, from the served model.

    Over HTTP with uvicorn for a realtime project (its OpenAPI example a record of the
    current data); from ``make predict``'s output (run by ``make all``) for a batch one.
    """
    if not project.realtime:
        scored = pd.read_csv(project.root / "reports" / "batch_predictions.csv")
        test = pd.read_csv(project.root / "data" / "processed" / "test.csv")
        assert scored["prediction"].notna().all() and len(scored) == len(test)
        return scored["prediction"].iloc[0]
    body = json.loads(project.run("uv", "run", "python", "-m", project.package, "request").stdout)
    env = project_env({"API_KEY": API_KEY})
    with uvicorn(project.root, f"{project.package}.api:app", env, tmp_path / "uvicorn.log") as s:
        status, answer = http_json(s.base + "/predict", body, headers={"X-API-Key": API_KEY})
        openapi = http_json(s.base + "/openapi.json", None)[1]
    assert status == 200, answer
    record = openapi["components"]["schemas"]["PredictRequest"]["properties"]["records"]
    assert set(record["items"]["required"]) == set(body["records"][0])
    assert set(record["example"][0]) == set(body["records"][0])  # from the current data
    return answer["predictions"][0]["prediction"]


def check_make_all_and_docs(project: Project, source: str) -> str:
    """``make all`` passes (the project's own tests included) and ``make docs`` shows the data."""
    result = project.run("make", "all", timeout=900)
    assert " passed" in result.stdout and " failed" not in result.stdout, result.stdout[-3000:]
    assert "skipped" in result.stdout  # the sample-data tests, with their reason
    project.run("make", "docs", timeout=300)
    page = project.root / "site" / "assess" / "data-assessment" / "index.html"
    html = page.read_text(encoding="utf-8")
    assert source in html and "breast_cancer (569" not in html
    return result.stdout


def record_figure(name: str, seconds: float, project: Project) -> None:
    report = assessment(project)
    dropped = ", ".join(report["dropped_columns"]) or "none"
    counts: dict[str, int] = {}
    for kind in kinds(project).values():
        counts[kind] = counts.get(kind, 0) + 1
    FIGURES.append(
        f"own data {name}: make data to a served prediction {seconds:.0f} s; "
        f"{report['rows']} rows, kinds {counts}, dropped: {dropped}"
    )


def check_assessment(project: Project) -> None:
    """Every column of the data has a kind; what is not a feature is listed as dropped."""
    raw = pd.read_csv(project.root / "data" / "raw" / "dataset.csv")
    report = assessment(project)
    found = kinds(project)
    assert list(found) == list(raw.columns) and report["rows"] == len(raw)
    assert found[report["target"]] == "target"
    assert report["dropped_columns"] == [n for n, k in found.items() if k in NOT_FEATURES]
    features = [name for name, kind in found.items() if kind not in (*NOT_FEATURES, "target")]
    assert features, found
    for column in report["column_details"]:
        assert column["treatment"], column


@pytest.fixture(scope="module")
def multiclass(template_src: Path, tmp_path_factory: pytest.TempPathFactory) -> Project:
    """A copy of the installed mvp multiclass project, for refusals (nothing may change)."""
    source = built(MVP_PROJECTS["multiclass_classification"], template_src, tmp_path_factory)
    return copy_project(source, tmp_path_factory.mktemp("own-refusals") / "project")


def snapshot(project: Project) -> dict[str, str]:
    """The files a refused ``make data`` must leave alone."""
    names = [
        "params.yaml",
        "dvc.lock",
        *(p.name for p in (project.root / "data/external").iterdir()),
    ]
    files = [project.root / "params.yaml", project.root / "dvc.lock"]
    if (project.root / "contracts" / "raw.yaml").is_file():
        files.append(project.root / "contracts" / "raw.yaml")
    return {"names": ",".join(sorted(names)), **{p.name: p.read_text() for p in files}}


@on(MVP_PROJECTS["multiclass_classification"])
def test_bad_targets_give_one_line_and_change_nothing(multiclass: Project) -> None:
    """A few through make data; the generated test_data.py checks every kind of bad target."""
    before = snapshot(multiclass)
    cases = [
        (PENGUINS, "TARGET=sex", "data.target 'sex': 11 of 344 rows have no target value"),
        (PENGUINS_RAW, "TARGET=Clutch Completion", "2 classes ('No', 'Yes')"),
        (WEATHER, "TARGET=temp_max", "distinct numeric values look continuous"),
        ("no/such/file.csv", "TARGET=species", "SOURCE: 'no/such/file.csv' is not a file"),
    ]
    for source, target, expected in cases:
        result, _ = make_data(multiclass, f"SOURCE={source}", target, check=False)
        lines = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
        assert result.returncode != 0, (source, target)
        assert len(lines) == 1 and expected in lines[0], result.stderr
        assert snapshot(multiclass) == before, (source, target)


OWN_PROJECTS: dict[tuple[str, str], Project] = {}


@pytest.mark.parametrize(("dataset", "stage"), list(own_data_cases()))
def test_make_data_then_make_all_docs_and_a_served_prediction(
    dataset: DataSet,
    stage: str,
    template_src: Path,
    tmp_path_factory: pytest.TempPathFactory,
    tmp_path: Path,
) -> None:
    project = project_for(dataset, stage, template_src, tmp_path_factory)
    result, seconds = make_data(project, *dataset.make_data_arguments(tmp_path))
    start = time.monotonic()
    assert "Running stage 'prepare'" in result.stdout and "Running stage 'train'" in result.stdout
    check_assessment(project)
    fingerprint = json.loads((project.root / "reports/data_fingerprint.json").read_text())
    source = data_params(project)["source"]
    assert fingerprint["source"] == source and source.startswith("data/external/")
    if stage != "mvp":  # the first model on this data is champion, whatever came before
        assert "promoted to champion" in result.stdout and "vs champion None" in result.stdout
        contract = yaml.safe_load((project.root / "contracts" / "raw.yaml").read_text())
        assert contract["target"] == assessment(project)["target"]
    check_make_all_and_docs(project, Path(source).name)
    prediction = served_prediction(project, tmp_path)
    target = pd.read_csv(project.root / "data" / "processed" / "train.csv")[
        assessment(project)["target"]
    ]
    if dataset.problem_type == "regression":
        assert math.isfinite(float(prediction)), prediction
    else:
        assert prediction in set(target.tolist()), prediction
    record_figure(
        f"{dataset.name} ({stage}, {dataset.problem_type})",
        seconds + time.monotonic() - start,
        project,
    )
    # changing the data reruns the pipeline: DVC tracks data/external/
    external = project.root / source
    original = external.read_bytes()
    external.write_bytes(original + b"\n")
    status = project.run("uv", "run", "dvc", "status", "prepare").stdout
    assert "prepare:" in status and "data/external" in status, status
    external.write_bytes(original)
    OWN_PROJECTS[dataset.name, stage] = project


@on(MVP_PROJECTS[DATASETS[0].problem_type])  # the worker that brought DATASETS[0] in at mvp
def test_an_own_data_project_keeps_working_after_make_upgrade(
    template_src: Path, tmp_path_factory: pytest.TempPathFactory, tmp_path: Path
) -> None:
    """MVP on own data, then ``make upgrade``: ``make all`` passes at growth, no extra step.

    The upgrade brings the sample data's contract; ``validate`` drafts one from the
    project's data in its place (what ``make data`` does at growth).
    """
    dataset = DATASETS[0]
    project = OWN_PROJECTS.get((dataset.name, "mvp"))
    if project is None:  # run alone, or on another worker: bring the data in first
        project = project_for(dataset, "mvp", template_src, tmp_path_factory)
        make_data(project, *dataset.make_data_arguments(tmp_path))
    # the project was rendered from a plain copy of the template; Copier updates from git:
    # the same files as a tagged git repo, and the version Copier records for one
    template = tmp_path / "template-git"
    shutil.copytree(template_src, template)
    for command in (["init", "-q"], ["add", "-A"], ["commit", "-qm", "v0.0.0"], ["tag", "v0.0.0"]):
        run(["git", *command], template)
    answers = project.root / ".copier-answers.yml"
    answers.write_text(answers.read_text() + "_commit: v0.0.0\n")
    project.run("git", "add", "-A")
    project.run("git", "commit", "-qm", "Our own data")
    start = time.monotonic()
    upgraded = project.run("make", "upgrade", "FORCE=1", f"TEMPLATE={template}", timeout=900)
    assert "now at growth" in upgraded.stdout, upgraded.stdout
    result = project.run("make", "all", timeout=900)
    assert " passed" in result.stdout and " failed" not in result.stdout, result.stdout[-3000:]
    assert "was the sample data's contract: drafted it from" in result.stdout
    contract = yaml.safe_load((project.root / "contracts" / "raw.yaml").read_text())
    assert contract["target"] == assessment(project)["target"]
    assert set(contract["columns"]) == set(kinds(project))
    status = project.run("uv", "run", "dvc", "status").stdout
    assert "up to date" in status, status
    served_prediction(project, tmp_path)
    FIGURES.append(
        f"own data {dataset.name}: make upgrade to growth, make all and a served prediction "
        f"{time.monotonic() - start:.0f} s"
    )


PEAK_RSS = """
import resource, subprocess, sys
subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL)
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024)
"""


def orders(rows: int, path: Path) -> Path:
    """A generated table of ``rows`` orders: numbers with gaps, categories, a flag, an id."""
    random = np.random.default_rng(0)
    signal = random.normal(size=rows)
    pd.DataFrame(
        {
            "order_id": np.arange(rows),
            "amount": np.where(random.random(rows) < 0.05, np.nan, random.gamma(2, 50, rows)),
            "visits": random.poisson(3, rows),
            "region": random.choice(["north", "south", "east", "west", None], rows),
            "member": random.choice([True, False], rows),
            "signal": signal.round(4),
            "segment": np.select([signal < -0.5, signal < 0.5], ["low", "mid"], "high"),
        }
    ).to_csv(path, index=False)
    return path


def peak_rss_mb(project: Project, step: str) -> int:
    """Peak resident memory (MB) of one pipeline step, run as DVC runs it."""
    python = str(project.root / ".venv" / "bin" / "python")
    env = {"PATH": f"{project.root / '.venv' / 'bin'}:{project_env()['PATH']}"}
    args = [python, "-c", PEAK_RSS, python, "-m", project.package, step]
    return int(run(args, project.root, env=env, timeout=600).stdout.split()[-1])


@on(MVP_PROJECTS["multiclass_classification"])
def test_data_larger_than_memory_goes_through_the_same_commands_in_chunks(
    multiclass: Project, tmp_path: Path
) -> None:
    """``data.chunk_rows``: ``make data`` from a file:// URL, then prepare and assess with
    memory flat as the file grows four times (and the whole-table path growing)."""
    small, big = orders(100_000, tmp_path / "small.csv"), orders(400_000, tmp_path / "big.csv")
    params = multiclass.root / "params.yaml"
    text = params.read_text()
    assert "  chunk_rows: 0\n" in text
    params.write_text(text.replace("  chunk_rows: 0\n", "  chunk_rows: 20000\n"))
    result, seconds = make_data(
        multiclass, f"SOURCE={big.as_uri()}", "TARGET=segment", "ID=order_id"
    )
    assert "400000 rows, 7 columns, read in chunks of 20000 rows" in result.stdout
    assert "prepared 400000 rows in chunks of 20000" in result.stdout
    report = assessment(multiclass)
    assert report["rows"] == 400_000 and report["duplicate_rows"] is None
    assert kinds(multiclass) == {
        "order_id": "id", "amount": "numeric", "visits": "numeric", "region": "categorical",
        "member": "boolean", "signal": "numeric", "segment": "target",
    }  # fmt: skip
    chunked = {step: peak_rss_mb(multiclass, step) for step in ("prepare", "assess")}
    fingerprint = json.loads((multiclass.root / "reports/data_fingerprint.json").read_text())
    text = params.read_text()
    params.write_text(text.replace("  chunk_rows: 20000\n", "  chunk_rows: 0\n"))
    whole = peak_rss_mb(multiclass, "prepare")
    same = json.loads((multiclass.root / "reports/data_fingerprint.json").read_text())
    assert same["fingerprint"] == fingerprint["fingerprint"]  # one data set, either way
    source = f"source: {data_params(multiclass)['source']}\n"
    params.write_text(text.replace(source, f"source: {small}\n"))
    smaller = {step: peak_rss_mb(multiclass, step) for step in ("prepare", "assess")}
    for step in chunked:  # four times the rows, about the same memory
        assert chunked[step] < smaller[step] + 25, (step, chunked, smaller)
    assert whole > chunked["prepare"] + 25, (whole, chunked)
    FIGURES.append(
        f"own data in chunks of 20000 rows: make data of 400000 rows {seconds:.0f} s; peak RSS "
        f"prepare {smaller['prepare']} -> {chunked['prepare']} MB and assess "
        f"{smaller['assess']} -> {chunked['assess']} MB for 100000 -> 400000 rows "
        f"(whole table: prepare {whole} MB at 400000 rows)"
    )
