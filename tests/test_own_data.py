"""Slow tier: a team's own data, with real public data sets shipped inside PyPI packages.

The data sets are not ours: palmerpenguins' penguins (categorical columns, missing values,
three species) and penguins-raw (a yes/no target, an id column, a date, free-text
comments), and vega_datasets' local cars (a regression target, a free-text name, a date)
and seattle-weather (five kinds of weather, a date column). Each is brought into a copy of
an installed representative project with ``make data``, as the generated README says,
then ``make all``, ``make docs`` and a served prediction run. One project per stage swaps
data sets in sequence, which also shows that changing the data reruns the pipeline.
"""

from __future__ import annotations

import importlib.util
import json
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from conftest import FIGURES, project_env, run
from service import API_KEY, http_json, uvicorn
from test_generated_projects import GROWTH, Project, built, on

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


def copy_project(project: Project, destination: Path) -> Project:
    """A copy of a built project (its own fresh environment) to change freely."""
    ignore = shutil.ignore_patterns(".venv", "site", ".pytest_cache", ".ruff_cache")
    shutil.copytree(project.root, destination, symlinks=True, ignore=ignore)
    run(["uv", "sync", "--quiet"], destination, timeout=300)
    return Project(destination, project.answers, "")


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


def served_prediction(project: Project, tmp_path: Path) -> dict[str, Any]:
    """Serve the model with uvicorn and post a request built from the current test split."""
    body = json.loads(project.run("uv", "run", "python", "-m", project.package, "request").stdout)
    env = project_env({"API_KEY": API_KEY})
    with uvicorn(project.root, f"{project.package}.api:app", env, tmp_path / "uvicorn.log") as s:
        status, answer = http_json(s.base + "/predict", body, headers={"X-API-Key": API_KEY})
        openapi = http_json(s.base + "/openapi.json", None)[1]
    assert status == 200, answer
    record = openapi["components"]["schemas"]["PredictRequest"]["properties"]["records"]
    assert set(record["items"]["required"]) == set(body["records"][0])
    return answer


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


@pytest.fixture(scope="module")
def multiclass(template_src: Path, tmp_path_factory: pytest.TempPathFactory) -> Project:
    """A copy of the installed mvp multiclass project (realtime)."""
    source = built("multiclass-realtime-none-gcs", template_src, tmp_path_factory)
    return copy_project(source, tmp_path_factory.mktemp("own-multiclass") / "project")


@pytest.fixture(scope="module")
def regression(template_src: Path, tmp_path_factory: pytest.TempPathFactory) -> Project:
    """A copy of the installed mvp regression project (batch)."""
    source = built("regression-batch-gitlab-s3", template_src, tmp_path_factory)
    return copy_project(source, tmp_path_factory.mktemp("own-regression") / "project")


@pytest.fixture(scope="module")
def growth_copy(template_src: Path, tmp_path_factory: pytest.TempPathFactory) -> Project:
    """A copy of the installed growth project (binary, realtime)."""
    source = built(GROWTH, template_src, tmp_path_factory)
    return copy_project(source, tmp_path_factory.mktemp("own-growth") / "project")


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


@on("multiclass-realtime-none-gcs")
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


@on("multiclass-realtime-none-gcs")
def test_categorical_and_missing_then_a_swap_reruns_the_pipeline(
    multiclass: Project, tmp_path: Path
) -> None:
    result, seconds = make_data(multiclass, f"SOURCE={PENGUINS}", "TARGET=species")
    start = time.monotonic()
    assert "Running stage 'prepare'" in result.stdout and "Running stage 'train'" in result.stdout
    found = kinds(multiclass)
    assert found["island"] == found["sex"] == "categorical" and found["body_mass_g"] == "numeric"
    sex = next(c for c in assessment(multiclass)["column_details"] if c["name"] == "sex")
    assert sex["missing"] == 11 and "one-hot" in sex["treatment"]
    fingerprint = json.loads((multiclass.root / "reports/data_fingerprint.json").read_text())
    assert fingerprint["rows"] == 344 and fingerprint["source"] == "data/external/penguins.csv"
    check_make_all_and_docs(multiclass, "penguins.csv")
    answer = served_prediction(multiclass, tmp_path)
    assert answer["predictions"][0]["prediction"] in ("Adelie", "Chinstrap", "Gentoo")
    record_figure("penguins (mvp multiclass)", seconds + time.monotonic() - start, multiclass)

    # the same project, other data, from a URL (a file:// stand-in for object storage,
    # imported with dvc import-url): the pipeline reruns from prepare on
    source = f"SOURCE={WEATHER.as_uri()}"
    result, seconds = make_data(multiclass, source, "TARGET=weather", "TIME=date")
    imported = (multiclass.root / "data" / "external" / "seattle-weather.csv.dvc").read_text()
    assert "frozen: true" in imported and str(WEATHER) in imported
    start = time.monotonic()
    assert (
        "Running stage 'prepare'" in result.stdout and "Running stage 'evaluate'" in result.stdout
    )
    assert (
        kinds(multiclass)["date"] == "time" and "date" in assessment(multiclass)["dropped_columns"]
    )
    answer = served_prediction(multiclass, tmp_path)
    assert answer["predictions"][0]["prediction"] in ("drizzle", "fog", "rain", "snow", "sun")
    record_figure(
        "seattle-weather (mvp multiclass)", seconds + time.monotonic() - start, multiclass
    )
    # overwriting the file reruns the pipeline too (DVC tracks data/external/)
    weather = multiclass.root / "data" / "external" / "seattle-weather.csv"
    weather.write_text("\n".join(weather.read_text().splitlines()[:-200]) + "\n")
    status = multiclass.run("uv", "run", "dvc", "status", "prepare").stdout
    assert "prepare:" in status and "modified:" in status and "data/external" in status


@on("regression-batch-gitlab-s3")
def test_regression_from_parquet_with_text_and_dates(regression: Project, tmp_path: Path) -> None:
    cars = tmp_path / "cars.parquet"
    pd.read_json(CARS).to_parquet(cars, index=False)
    result, seconds = make_data(regression, f"SOURCE={cars}", "TARGET=Acceleration")
    start = time.monotonic()
    report = assessment(regression)
    assert set(report["dropped_columns"]) == {"name", "year"}, report["dropped_columns"]
    assert kinds(regression)["origin"] == "categorical"
    assert "not a feature: 'name'" in result.stdout
    check_make_all_and_docs(regression, "cars.parquet")
    scored = pd.read_csv(regression.root / "reports" / "batch_predictions.csv")
    test = pd.read_csv(regression.root / "data" / "processed" / "test.csv")
    assert scored["prediction"].notna().all() and len(scored) == len(test)
    record_figure("cars (mvp regression, batch)", seconds + time.monotonic() - start, regression)


@on(GROWTH)
def test_growth_yes_no_target_with_an_id_starts_a_new_lineage(
    growth_copy: Project, tmp_path: Path
) -> None:
    target = "TARGET=Clutch Completion"
    refused, _ = make_data(growth_copy, f"SOURCE={PENGUINS_RAW}", target, check=False)
    errors = [line for line in refused.stderr.splitlines() if line.startswith("error: ")]
    assert errors == [
        "error: data.target 'clutch_completion': labels 'No', 'Yes' are not 0/1: set "
        "data.positive_label (make data POSITIVE=label) to the label that means positive"
    ]
    arguments = ("POSITIVE=Yes", "ID=Individual ID")
    result, seconds = make_data(growth_copy, f"SOURCE={PENGUINS_RAW}", target, *arguments)
    start = time.monotonic()
    # the first model on new data is champion, whatever the sample data's champion scored
    assert "promoted to champion" in result.stdout and "vs champion None" in result.stdout
    contract = (growth_copy.root / "contracts" / "raw.yaml").read_text()
    assert "target: clutch_completion" in contract and "individual_id" in contract
    found = kinds(growth_copy)
    assert found["individual_id"] == "id" and found["date_egg"] == "date"
    assert found["sex"] == "categorical" and found["delta_15_n_o_oo"] == "numeric"
    check_make_all_and_docs(growth_copy, "penguins-raw.csv")
    answer = served_prediction(growth_copy, tmp_path)
    assert answer["predictions"][0]["prediction"] in (0, 1)
    record_figure("penguins-raw (growth binary)", seconds + time.monotonic() - start, growth_copy)
