"""Quick tier: cookiecutter's front door gives the project Copier gives, or Copier's refusal.

The real ``cookiecutter`` command runs on a git copy of this template (cookiecutter.json,
the stub folder, hooks/ and the Copier template), with its clones, replays and Copier's
cache in ``tmp_path``; its projects are compared file by file with ``copier.run_copy``'s.
The module's cookiecutter commands all start at once on a small thread pool: they are
subprocesses, so they overlap with each other and with the tests' own Copier renders.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import copier
import pytest
import yaml
from combinations import AXES, answer_id, answer_sets
from conftest import ROOT, run_upgrade_module

from hooks import cookiecutter_json
from hooks.cookiecutter_copy import TemplateSourceError, copy, template_source

FRONT_DOOR = ["copier.yml", "template", "cookiecutter.json", "{{cookiecutter.__project_dir}}"]
GIT_USER = {
    "GIT_AUTHOR_NAME": "mlstages tests",
    "GIT_AUTHOR_EMAIL": "tests@mlstages.invalid",
    "GIT_COMMITTER_NAME": "mlstages tests",
    "GIT_COMMITTER_EMAIL": "tests@mlstages.invalid",
}


def git(cwd: Path, *args: str) -> str:
    env = {**os.environ, **GIT_USER}
    result = subprocess.run(
        ["git", *args], cwd=cwd, env=env, capture_output=True, text=True, check=True
    )
    return result.stdout.strip()


def covering_sets() -> list[dict[str, Any]]:
    """Few mvp answer sets that, with the defaults, use every value of every option axis."""
    defaults = {axis: cookiecutter_json.asked_questions()[axis]["default"] for axis in AXES}
    needed = {(axis, value) for answers in answer_sets("mvp") for axis, value in answers.items()}
    needed = {(axis, value) for axis, value in needed if axis in AXES} - set(defaults.items())
    chosen = []
    while needed:
        best = max(answer_sets("mvp"), key=lambda a: len(needed & set(a.items())))
        chosen.append(best)
        needed -= set(best.items())
    return chosen


def set_id(answers: dict[str, Any]) -> str:
    return answer_id(answers) if answers else "defaults"


def bad_id(answers: dict[str, Any]) -> str:
    return ",".join(f"{key}={value}" for key, value in answers.items())


def typed(answers: dict[str, str]) -> str:
    """What a user types at cookiecutter's prompts: these answers, Enter for the others."""
    return "".join(f"{answers.get(name, '')}\n" for name in cookiecutter_json.asked_questions())


ANSWER_SETS = [{}, *covering_sets(), answer_sets("growth")[2]]
BAD_ANSWERS = [
    {"stage": "growth", "mlflow_tracking_uri": "ftp://tracking"},
    {"stage": "maturity", "container_image": "Team/Model:latest"},
    {"ci_provider": "jenkins"},
    {"package_name": "../escaped"},
    {"data_remote": "s3"},
]
TYPED = {"project_name": "Churn Prédiction", "ci_provider": "gitlab", "serving": "batch"}
TYPED_BAD = {"description": "Costs {{ 7*7 }}"}
URL_ANSWERS = {"serving": "batch", "data_remote": "gcs", "gcs_bucket": "team-ml-data"}


@dataclass(frozen=True)
class Command:
    """One ``cookiecutter`` command: ``--no-input key=value ...``, or prompts fed ``stdin``."""

    template: str
    answers: dict[str, Any]
    stdin: str | None = None
    options: tuple[str, ...] = ()


@dataclass(frozen=True)
class Outcome:
    """A finished command; ``folder`` held only its output folder ``out`` before it ran."""

    result: subprocess.CompletedProcess[str]
    folder: Path

    @property
    def out(self) -> Path:
        return self.folder / "out"

    def project(self) -> Path:
        assert self.result.returncode == 0, self.result.stdout + self.result.stderr
        (project,) = self.out.iterdir()
        return project


def run_cookiecutter(command: Command, work: Path, environ: dict[str, str]) -> Outcome:
    """Run the command with its own cookiecutter config (clones, replays) and Copier cache."""
    home, folder = work / "home", work / "run"
    home.mkdir()
    (folder / "out").mkdir(parents=True)
    config = home / "cookiecutter.yaml"
    config.write_text(f"cookiecutters_dir: {home / 'clones'}\nreplay_dir: {home / 'replay'}\n")
    env = {**environ, "COOKIECUTTER_CONFIG": str(config), "COPIER_CACHE_DIR": str(home / "cache")}
    mode = ["--no-input"] if command.stdin is None else []
    extra = [f"{key}={value}" for key, value in command.answers.items()]
    args = [sys.executable, "-m", "cookiecutter", *mode, *command.options, command.template]
    result = subprocess.run(
        [*args, "--output-dir", str(folder / "out"), *extra],
        cwd=work,  # not the test process's, which Copier changes while it renders
        env=env,
        input=command.stdin,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    return Outcome(result, folder)


@pytest.fixture(scope="module")
def template_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A committed git copy of the template, as a clone of this repository would hold it."""
    repo = tmp_path_factory.mktemp("mlstages") / "mlstages"
    repo.mkdir()
    for name in FRONT_DOOR:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, repo / name)
        else:
            shutil.copy2(source, repo / name)
    shutil.copytree(ROOT / "hooks", repo / "hooks", ignore=shutil.ignore_patterns("__pycache__"))
    # As in a clone: the bytecode cookiecutter's hooks leave behind stays untracked, so that
    # Copier does not see a dirty template (and record a commit of its own).
    shutil.copy2(ROOT / ".gitignore", repo / ".gitignore")
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "mlstages")
    return repo


@pytest.fixture(scope="module")
def template_url(template_repo: Path, tmp_path_factory: pytest.TempPathFactory) -> str:
    """A bare git remote of the template: release v0.1.0, then one more commit on main."""
    remote = tmp_path_factory.mktemp("remote") / "mlstages.git"
    git(remote.parent, "clone", "-q", "--bare", str(template_repo), str(remote))
    git(remote, "tag", "v0.1.0")
    work = remote.parent / "work"
    git(remote.parent, "clone", "-q", str(remote), str(work))
    git(work, "commit", "-q", "--allow-empty", "-m", "After the release")
    git(work, "push", "-q", "origin", "main")
    return remote.as_uri()


@pytest.fixture(scope="module")
def cookiecutter_runs(
    template_repo: Path, template_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, Future[Outcome]]]:
    """Every cookiecutter command of the module, started at once."""
    local = str(template_repo)
    # in the order the tests below use them
    commands = {f"same-{set_id(answers)}": Command(local, answers) for answers in ANSWER_SETS}
    commands["typed"] = Command(local, {}, stdin=typed(TYPED))
    commands |= {f"bad-{bad_id(answers)}": Command(local, answers) for answers in BAD_ANSWERS}
    commands["typed-bad"] = Command(local, {}, stdin=typed(TYPED_BAD))
    commands["update"] = Command(local, {})
    commands["upgrade"] = Command(local, {})
    commands["url"] = Command(template_url, URL_ANSWERS, options=("--checkout", "v0.1.0"))
    environ = dict(os.environ)  # read once, here: tests may change os.environ meanwhile
    root = tmp_path_factory.mktemp("cookiecutter")
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        futures = {}
        for key, command in commands.items():
            work = root / key.replace("/", "_")
            work.mkdir()
            futures[key] = pool.submit(run_cookiecutter, command, work, environ)
        yield futures


def tree(root: Path) -> dict[str, tuple[bytes, int]]:
    """Every file of a project: its bytes and its executable bits."""
    return {
        str(path.relative_to(root)): (path.read_bytes(), path.stat().st_mode & 0o111)
        for path in sorted(root.rglob("*"))
        if path.is_file() and ".git" not in path.relative_to(root).parts
    }


def copier_project(src: str, dst: Path, answers: dict[str, Any], vcs_ref: str = "HEAD") -> Path:
    copier.run_copy(
        src, dst, data=answers, defaults=True, vcs_ref=vcs_ref, unsafe=False, quiet=True
    )
    return dst


def copier_refusal(src: Path, dst: Path, answers: dict[str, Any]) -> str:
    """Copier's message for bad answers (and a check that it wrote nothing)."""
    with pytest.raises(ValueError) as error:
        copier_project(str(src), dst, answers)
    assert not dst.exists()
    return str(error.value)


# ---------------------------------------------------------------- one source of truth


def test_cookiecutter_json_is_generated_from_copier_yml() -> None:
    committed = cookiecutter_json.COOKIECUTTER_JSON.read_text(encoding="utf-8")
    assert committed == cookiecutter_json.render(), (
        "cookiecutter.json drifted from copier.yml: run `uv run python -m hooks.cookiecutter_json`"
    )
    assert cookiecutter_json.main(["--check"]) == 0


def test_a_change_to_copier_yml_is_caught(tmp_path: Path) -> None:
    changed = tmp_path / "copier.yml"
    text = cookiecutter_json.COPIER_YML.read_text(encoding="utf-8")
    changed.write_text(text.replace("default: ML Team", "default: Data Team"), encoding="utf-8")
    assert cookiecutter_json.render(changed) != cookiecutter_json.render()
    assert '"author_name": "Data Team"' in cookiecutter_json.render(changed)


def test_every_asked_question_has_a_prompt_with_its_help() -> None:
    context = cookiecutter_json.cookiecutter_context()
    for name, question in cookiecutter_json.asked_questions().items():
        assert name in context and name in context["__prompts__"], name
        assert " ".join(question["help"].split()) in context["__prompts__"][name]
    assert "stage_rank" not in context  # derived values are Copier's business


def test_derived_defaults_read_the_answers_from_cookiecutter() -> None:
    names = {"project_name", "stage"}
    rewrite = cookiecutter_json.for_cookiecutter
    assert rewrite("{{ project_name | lower }}", names) == "{{ cookiecutter.project_name | lower }}"
    untouched = '{{ "project_name" ~ other.stage ~ x | stage }}'  # string, attribute, filter
    assert rewrite(untouched, names) == untouched
    assert rewrite("A plain default", names) == "A plain default"


def test_questions_cookiecutter_cannot_ask_are_refused(tmp_path: Path) -> None:
    spec = tmp_path / "copier.yml"
    spec.write_text("tools:\n  type: str\n  multiselect: true\n  choices: [a, b]\n")
    with pytest.raises(NotImplementedError, match="tools"):
        cookiecutter_json.render(spec)


# ---------------------------------------------------------------- same project as Copier


@pytest.mark.parametrize("answers", ANSWER_SETS, ids=set_id)
def test_same_project_as_copier(
    answers: dict[str, Any],
    cookiecutter_runs: dict[str, Future[Outcome]],
    template_repo: Path,
    tmp_path: Path,
) -> None:
    theirs = copier_project(str(template_repo), tmp_path / "copier", answers)
    ours = cookiecutter_runs[f"same-{set_id(answers)}"].result().project()
    assert tree(ours) == tree(theirs)
    recorded = yaml.safe_load((ours / ".copier-answers.yml").read_text(encoding="utf-8"))
    assert recorded["_src_path"] == str(template_repo)
    assert ours.name == recorded["package_name"].replace("_", "-")


def test_prompts_answered_on_the_terminal(
    cookiecutter_runs: dict[str, Future[Outcome]], template_repo: Path, tmp_path: Path
) -> None:
    theirs = copier_project(str(template_repo), tmp_path / "copier", TYPED)
    outcome = cookiecutter_runs["typed"].result()
    assert tree(outcome.project()) == tree(theirs)
    asked = len(cookiecutter_json.asked_questions())
    assert f"[{asked}/{asked}]" in outcome.result.stdout  # every question was asked


# ---------------------------------------------------------------- bad answers


@pytest.mark.parametrize("answers", BAD_ANSWERS, ids=bad_id)
def test_bad_answer_gives_copiers_message_and_leaves_nothing(
    answers: dict[str, Any],
    cookiecutter_runs: dict[str, Future[Outcome]],
    template_repo: Path,
    tmp_path: Path,
) -> None:
    message = copier_refusal(template_repo, tmp_path / "copier", answers)
    outcome = cookiecutter_runs[f"bad-{bad_id(answers)}"].result()
    assert outcome.result.returncode != 0
    assert outcome.result.stderr.strip().splitlines()[-1] == message, outcome.result.stderr
    assert list(outcome.folder.rglob("*")) == [outcome.out]  # nothing written, here or beside


def test_typed_template_syntax_is_refused_like_copier(
    cookiecutter_runs: dict[str, Future[Outcome]], template_repo: Path, tmp_path: Path
) -> None:
    message = copier_refusal(template_repo, tmp_path / "copier", TYPED_BAD)
    outcome = cookiecutter_runs["typed-bad"].result()
    assert outcome.result.returncode != 0
    assert outcome.result.stderr.strip().splitlines()[-1] == message
    assert list(outcome.folder.rglob("*")) == [outcome.out]


# ---------------------------------------------------------------- later `copier update`


def test_copier_update_works_on_a_project_from_a_local_checkout(
    cookiecutter_runs: dict[str, Future[Outcome]],
) -> None:
    assert_update_is_a_no_op(cookiecutter_runs["update"].result().project())


def test_a_cookiecutter_project_moves_to_growth_with_make_upgrade(
    cookiecutter_runs: dict[str, Future[Outcome]],
) -> None:
    """The project's own upgrade module (what ``make upgrade`` runs) on a cookiecutter project."""
    project = cookiecutter_runs["upgrade"].result().project()
    git(project, "init", "-q")
    (project / "reports").mkdir()
    (project / "reports" / "metrics.json").write_text('{"roc_auc": 0.99}\n')  # the gate's input
    git(project, "add", "-A")
    git(project, "commit", "-q", "-m", "Generated with cookiecutter, evaluated")
    outcome = run_upgrade_module(project)
    assert outcome.code == 0, outcome
    assert "stage gate: go" in outcome.out
    recorded = yaml.safe_load((project / ".copier-answers.yml").read_text(encoding="utf-8"))
    assert recorded["stage"] == "growth"
    assert (project / "contracts" / "raw.yaml").is_file()


def test_project_from_a_git_url_records_the_url_and_updates(
    cookiecutter_runs: dict[str, Future[Outcome]], template_url: str, tmp_path: Path
) -> None:
    """A release tag is checked out while the default branch has moved on past it."""
    theirs = copier_project(template_url, tmp_path / "copier", URL_ANSWERS, vcs_ref="v0.1.0")
    project = cookiecutter_runs["url"].result().project()
    recorded = yaml.safe_load((project / ".copier-answers.yml").read_text(encoding="utf-8"))
    assert (recorded["_src_path"], recorded["_commit"]) == (template_url, "v0.1.0")
    assert tree(project) == tree(theirs)
    assert_update_is_a_no_op(project, vcs_ref="v0.1.0")


def assert_update_is_a_no_op(project: Path, vcs_ref: str = "HEAD") -> None:
    """Commit the project, run ``copier update`` to the template's ``vcs_ref``: nothing changes."""
    git(project, "init", "-q")
    git(project, "add", "-A")
    git(project, "commit", "-q", "-m", "Generated with cookiecutter")
    copier.run_update(
        project, defaults=True, overwrite=True, vcs_ref=vcs_ref, unsafe=False, quiet=True
    )
    assert git(project, "status", "--porcelain") == ""


# ---------------------------------------------------------------- where the template comes from


def test_a_cloned_url_is_rendered_from_cookiecutters_clone(
    template_repo: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Git fetches the recorded URL from cookiecutter's clone: an unreachable URL still works."""
    monkeypatch.setenv("COPIER_CACHE_DIR", str(tmp_path / "copier-cache"))
    url = "https://git.mlstages.invalid/team/mlstages"
    clone = tmp_path / "clones" / "mlstages"
    git(tmp_path, "clone", "-q", str(template_repo), str(clone))
    git(clone, "remote", "set-url", "origin", url)
    answers = {
        **cookiecutter_json.cookiecutter_context(),
        # what cookiecutter renders from the derived defaults
        "package_name": "my_ml_project",
        "latency_ms": "300",
        "minimum_metric": "0.85",
        "container_image": "ghcr.io/my-team/my-ml-project",
        "git_repository_url": "https://github.com/my-team/my-ml-project.git",
        "_template": url,
        "_repo_dir": str(clone),
    }
    environment = dict(os.environ)
    copy(answers, clone, tmp_path / "project")
    recorded = yaml.safe_load((tmp_path / "project" / ".copier-answers.yml").read_text())
    assert recorded["_src_path"] == f"{url}.git"
    assert dict(os.environ) == environment


def test_a_folder_without_git_history_is_refused(tmp_path: Path) -> None:
    unzipped = tmp_path / "mlstages-main"
    unzipped.mkdir()
    with pytest.raises(TemplateSourceError, match="not a git repository"):
        template_source("mlstages-main.zip", str(unzipped), unzipped)
