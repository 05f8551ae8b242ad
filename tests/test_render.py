"""Quick tier: render the pruned product of the options and check every file statically."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml
from combinations import STAGES, answer_id, answer_sets, expected_files
from conftest import render
from deploy_checks import check_deployment, check_gitops_workflows, check_sizing_command
from mkdocs_forks import MkDocsForks

from hooks.check_rendered import leftover_jinja, load_yaml, unparseable_files

ANSWER_SETS = [answers for stage in STAGES for answers in answer_sets(stage)]


def checked(args: list[str], cwd: Path, **env: str) -> None:
    """Run a checker from the template's environment and fail with its output."""
    result = subprocess.run(
        args, cwd=cwd, capture_output=True, text=True, env={**os.environ, **env}, check=False
    )
    assert result.returncode == 0, f"{args}\n{result.stdout}\n{result.stderr}"


# One render per answer set, checked by every test below on one xdist worker.
@pytest.fixture(
    scope="module",
    params=[
        pytest.param(answers, marks=pytest.mark.xdist_group(f"render-{answer_id(answers)}"))
        for answers in ANSWER_SETS
    ],
    ids=answer_id,
)
def project(
    request: pytest.FixtureRequest, template_src: Path, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, dict[str, Any]]:
    """One rendered project per answer set, shared by the checks below."""
    answers: dict[str, Any] = request.param
    dst = tmp_path_factory.mktemp(answer_id(answers)) / "project"
    return render(template_src, dst, **answers), answers


def recorded_answers(root: Path) -> dict[str, Any]:
    return yaml.safe_load((root / ".copier-answers.yml").read_text(encoding="utf-8"))


def test_exact_file_set(project: tuple[Path, dict[str, Any]]) -> None:
    root, answers = project
    package = recorded_answers(root)["package_name"]
    files = {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()}
    assert files == expected_files(answers, package)
    empty = [
        str(p.relative_to(root)) for p in root.rglob("*") if p.is_dir() and not any(p.iterdir())
    ]
    assert empty == []  # a folder of conditional files is conditional itself


def test_no_template_syntax_left(project: tuple[Path, dict[str, Any]]) -> None:
    assert leftover_jinja(project[0]) == []


def test_every_data_and_python_file_parses(project: tuple[Path, dict[str, Any]]) -> None:
    assert unparseable_files(project[0]) == []


def test_answers_are_recorded(project: tuple[Path, dict[str, Any]]) -> None:
    root, answers = project
    recorded = recorded_answers(root)
    for question, value in answers.items():
        assert recorded[question] == value, question
    assert "stage_rank" not in recorded  # derived values are not answers


def test_project_metadata_carries_the_answers(project: tuple[Path, dict[str, Any]]) -> None:
    root, answers = project
    meta = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert meta["description"] == answers["description"]
    assert meta["requires-python"] == f">={answers['python_version']}"
    site = load_yaml((root / "mkdocs.yml").read_text(encoding="utf-8"))
    assert site["site_name"] == answers["project_name"]
    assert (root / ".python-version").read_text().strip() == answers["python_version"]


def test_params_match_the_problem(project: tuple[Path, dict[str, Any]]) -> None:
    root, answers = project
    params = yaml.safe_load((root / "params.yaml").read_text(encoding="utf-8"))
    assert params["task"] == answers["problem_type"]
    dataset = {"binary_classification": "breast_cancer", "multiclass_classification": "wine"}
    assert params["data"]["source"] == dataset.get(answers["problem_type"], "diabetes")


def test_dvc_config_names_the_remote(project: tuple[Path, dict[str, Any]]) -> None:
    root, answers = project
    config = (root / ".dvc" / "config").read_text(encoding="utf-8")
    assert "analytics = false" in config
    expected = {
        "local": "url = ../.dvc-storage",
        "s3": f"url = s3://{answers.get('s3_bucket')}/",
        "gcs": f"url = gs://{answers.get('gcs_bucket')}/",
        "azure": f"url = azure://{answers.get('azure_container')}/",
    }[answers["data_remote"]]
    assert expected in config


def test_generated_python_passes_ruff(project: tuple[Path, dict[str, Any]]) -> None:
    root = project[0]
    checked([sys.executable, "-m", "ruff", "check", "--no-cache", "."], root)
    checked([sys.executable, "-m", "ruff", "format", "--check", "--no-cache", "."], root)


def test_pre_commit_hooks_are_local(project: tuple[Path, dict[str, Any]]) -> None:
    config = yaml.safe_load((project[0] / ".pre-commit-config.yaml").read_text(encoding="utf-8"))
    assert [repo["repo"] for repo in config["repos"]] == ["local"]


CI_SCHEMAS = {"github": "vendor.github-workflows", "gitlab": "vendor.gitlab-ci"}


def test_ci_files_pass_schema_and_lint(
    project: tuple[Path, dict[str, Any]], tmp_path: Path
) -> None:
    root, answers = project
    provider = answers["ci_provider"]
    if provider == "none":
        assert not (root / ".github").exists() and not (root / ".gitlab-ci.yml").exists()
        return
    paths = sorted((root / ".github" / "workflows").glob("*.yml"))
    if provider == "gitlab":  # the main file and the files it includes
        paths = [root / ".gitlab-ci.yml", *sorted((root / ".gitlab" / "ci").glob("*.yml"))]
    assert paths
    checked(["check-jsonschema", "--builtin-schema", CI_SCHEMAS[provider], *map(str, paths)], root)
    if answers["stage"] == "maturity":
        check_gitops_workflows(root, provider)
    if provider == "github":
        # actionlint wants a git repository around the workflows
        shutil.copytree(root / ".github", tmp_path / ".github")
        checked(["git", "init", "-q"], tmp_path)
        checked(["actionlint"], tmp_path)


def dockerfile_instructions(path: Path) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs of a Dockerfile, continuation lines joined."""
    logical = path.read_text(encoding="utf-8").replace("\\\n", " ")
    pairs = []
    for line in logical.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            keyword, _, rest = line.partition(" ")
            pairs.append((keyword.upper(), rest.strip()))
    return pairs


def test_dockerfile_follows_the_rules(project: tuple[Path, dict[str, Any]]) -> None:
    root, answers = project
    dockerfile = root / "Dockerfile"
    if answers["stage"] == "mvp":
        assert not dockerfile.exists()
        return
    steps = dockerfile_instructions(dockerfile)
    stages = [i for i, (keyword, _) in enumerate(steps) if keyword == "FROM"]
    for index in stages:
        image = steps[index][1].split()[0]
        if image == "scratch":  # the empty uv cache stage (filled by an offline build)
            continue
        assert ":" in image and not image.endswith(":latest"), f"pinned base image: {image}"
    final = steps[stages[-1] :]
    users = [args for keyword, args in final if keyword == "USER"]
    assert users and users[-1] not in ("root", "0"), "runs as a non-root user"
    last_user = max(i for i, (keyword, _) in enumerate(final) if keyword == "USER")
    assert all(keyword != "RUN" for keyword, _ in final[last_user:]), "no RUN after USER"
    runs = " ".join(args for keyword, args in steps if keyword == "RUN")
    assert "uv sync --frozen" in runs and "--no-default-groups" in runs
    # uv is mounted for the installs, never copied into the image
    assert "from=ghcr.io/astral-sh/uv:" in runs and "target=/usr/local/bin/uv" in runs
    assert not any(keyword == "COPY" and "astral-sh/uv" in args for keyword, args in final)
    assert any(keyword == "COPY" and "models/model.joblib" in args for keyword, args in final)
    package = recorded_answers(root)["package_name"]
    command = " ".join(args for keyword, args in final if keyword in ("CMD", "ENTRYPOINT"))
    if answers["serving"] == "batch":
        assert f'"{package}", "predict"' in command
    else:
        assert f"{package}.api:app" in command and (root / "src" / package / "api.py").is_file()
        assert ("EXPOSE", "8000") in final and any(k == "HEALTHCHECK" for k, _ in final)
    ignored = (root / ".dockerignore").read_text(encoding="utf-8").splitlines()
    assert ignored[ignored.index("*") + 1 :] and "!src/" in ignored and "!.venv" not in ignored


def test_deployment_renders_and_validates(
    project: tuple[Path, dict[str, Any]], tmp_path: Path
) -> None:
    """Maturity: Kustomize overlays, their schemas, PromQL, Argo CD and the sizing agree."""
    root, answers = project
    if answers["stage"] != "maturity":
        assert not (root / "deploy").exists()
        return
    package = recorded_answers(root)["package_name"]
    check_deployment(root, answers, package, tmp_path)
    if answers["serving"] != "batch":
        check_sizing_command(root, package)


def test_docs_build_strict(
    project: tuple[Path, dict[str, Any]], tmp_path: Path, mkdocs_forks: MkDocsForks
) -> None:
    """The wiki of a fresh project (no pipeline run yet) builds; its hook imports the package."""
    site = tmp_path / "site"
    build = mkdocs_forks.build(project[0], site)
    assert build.returncode == 0, f"mkdocs build --strict failed:\n{build.output}"
    requirements = (site / "status" / "requirements" / "index.html").read_text(encoding="utf-8")
    assert "Replicas" in requirements and "Not computed yet" in requirements
    assert (site / "assets" / "vendor" / "mermaid" / "mermaid.min.js").is_file()


def test_the_longest_package_name_passes_ruff(template_src: Path, tmp_path: Path) -> None:
    """Lines that name the package stay within ruff's limits at its 40 characters."""
    name = "customer_lifetime_value_forecasting_v3xy"
    assert len(name) == 40  # the most package_name's validator allows
    root = render(template_src, tmp_path / "project", package_name=name)
    checked([sys.executable, "-m", "ruff", "check", "--no-cache", "."], root)
    checked([sys.executable, "-m", "ruff", "format", "--check", "--no-cache", "."], root)
