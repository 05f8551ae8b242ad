"""Quick tier: cookiecutter's front door gives the project Copier gives, or Copier's refusal.

The real ``cookiecutter`` command runs on a git copy of this template (cookiecutter.json,
the stub folder, hooks/ and the Copier template), with its cache and replay folders in
``tmp_path``; its projects are compared file by file with ``copier.run_copy``'s.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import copier
import pytest
import yaml
from combinations import AXES, answer_id, answer_sets
from conftest import ROOT

from hooks import cookiecutter_json
from hooks.cookiecutter_copy import TemplateSourceError, copy, template_source

STUB = "{{cookiecutter.__project_dir}}"
FRONT_DOOR = ["copier.yml", "template", "cookiecutter.json", STUB, "hooks"]
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


@pytest.fixture(scope="module")
def cookiecutter_home(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """Environment that keeps cookiecutter's clones and replays, and Copier's cache, in tmp."""
    home = tmp_path_factory.mktemp("cookiecutter-home")
    config = home / "config.yaml"
    config.write_text(f"cookiecutters_dir: {home / 'clones'}\nreplay_dir: {home / 'replay'}\n")
    return {"COOKIECUTTER_CONFIG": str(config), "COPIER_CACHE_DIR": str(home / "copier-cache")}


@pytest.fixture(scope="module")
def template_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A committed git copy of the template, as a clone of this repository would hold it."""
    repo = tmp_path_factory.mktemp("mlstages") / "mlstages"
    repo.mkdir()
    for name in FRONT_DOOR:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, repo / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(source, repo / name)
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "mlstages")
    return repo


def cookiecutter(
    template: str,
    out: Path,
    answers: dict[str, Any],
    env: dict[str, str],
    stdin: str | None = None,
    options: tuple[str, ...] = (),
) -> subprocess.CompletedProcess[str]:
    """Run the cookiecutter command: ``--no-input key=value ...``, or the prompts fed ``stdin``."""
    mode = ["--no-input"] if stdin is None else []
    extra = [f"{key}={value}" for key, value in answers.items()]
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "cookiecutter",
            *mode,
            *options,
            template,
            "--output-dir",
            str(out),
            *extra,
        ],
        env={**os.environ, **env},
        input=stdin,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def generated(result: subprocess.CompletedProcess[str], out: Path) -> Path:
    assert result.returncode == 0, result.stdout + result.stderr
    (project,) = out.iterdir()
    return project


def tree(root: Path) -> dict[str, tuple[bytes, bool]]:
    """Every file of a project: its bytes and whether it is executable."""
    return {
        str(path.relative_to(root)): (path.read_bytes(), os.access(path, os.X_OK))
        for path in sorted(root.rglob("*"))
        if path.is_file() and ".git" not in path.relative_to(root).parts
    }


def copier_project(src: str, dst: Path, answers: dict[str, Any], vcs_ref: str = "HEAD") -> Path:
    copier.run_copy(
        src, dst, data=answers, defaults=True, vcs_ref=vcs_ref, unsafe=False, quiet=True
    )
    return dst


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


ANSWER_SETS = [{}, *covering_sets()]


def set_id(answers: dict[str, Any]) -> str:
    return answer_id(answers) if answers else "defaults"


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
    answers: dict[str, Any], template_repo: Path, cookiecutter_home: dict[str, str], tmp_path: Path
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    ours = generated(cookiecutter(str(template_repo), out, answers, cookiecutter_home), out)
    theirs = copier_project(str(template_repo), tmp_path / "copier", answers)
    assert tree(ours) == tree(theirs)
    recorded = yaml.safe_load((ours / ".copier-answers.yml").read_text(encoding="utf-8"))
    assert recorded["_src_path"] == str(template_repo)
    assert ours.name == recorded["package_name"].replace("_", "-")


def typed(answers: dict[str, str]) -> str:
    """What a user types at cookiecutter's prompts: these answers, Enter for the others."""
    return "".join(f"{answers.get(name, '')}\n" for name in cookiecutter_json.asked_questions())


def test_prompts_answered_on_the_terminal(
    template_repo: Path, cookiecutter_home: dict[str, str], tmp_path: Path
) -> None:
    questions = list(cookiecutter_json.asked_questions())
    answers = {"project_name": "Churn Prédiction", "ci_provider": "gitlab", "serving": "batch"}
    out = tmp_path / "out"
    out.mkdir()
    result = cookiecutter(str(template_repo), out, {}, cookiecutter_home, stdin=typed(answers))
    ours = generated(result, out)
    assert f"[{len(questions)}/{len(questions)}]" in result.stdout  # every question was asked
    theirs = copier_project(str(template_repo), tmp_path / "copier", answers)
    assert tree(ours) == tree(theirs)


# ---------------------------------------------------------------- bad answers


BAD_ANSWERS = [
    {"stage": "growth"},
    {"stage": "maturity"},
    {"ci_provider": "jenkins"},
    {"package_name": "../escaped"},
    {"data_remote": "s3"},
]


@pytest.mark.parametrize(
    "answers", BAD_ANSWERS, ids=lambda a: ",".join(f"{k}={v}" for k, v in a.items())
)
def test_bad_answer_gives_copiers_message_and_leaves_nothing(
    answers: dict[str, Any], template_repo: Path, cookiecutter_home: dict[str, str], tmp_path: Path
) -> None:
    with pytest.raises(ValueError) as copier_error:
        copier_project(str(template_repo), tmp_path / "copier", answers)
    assert not (tmp_path / "copier").exists()
    out = tmp_path / "work" / "out"
    out.mkdir(parents=True)
    result = cookiecutter(str(template_repo), out, answers, cookiecutter_home)
    assert result.returncode != 0
    hook_output = result.stderr.strip().splitlines()
    assert hook_output[-1] == str(copier_error.value), result.stderr
    assert list((tmp_path / "work").rglob("*")) == [out]  # nothing written, here or beside


def test_typed_template_syntax_is_refused_like_copier(
    template_repo: Path, cookiecutter_home: dict[str, str], tmp_path: Path
) -> None:
    answers = {"description": "Costs {{ 7*7 }}"}
    with pytest.raises(ValueError) as copier_error:
        copier_project(str(template_repo), tmp_path / "copier", answers)
    out = tmp_path / "out"
    out.mkdir()
    result = cookiecutter(str(template_repo), out, {}, cookiecutter_home, stdin=typed(answers))
    assert result.returncode != 0
    assert result.stderr.strip().splitlines()[-1] == str(copier_error.value)
    assert list(out.iterdir()) == []


# ---------------------------------------------------------------- later `copier update`


def test_copier_update_works_on_a_project_from_a_local_checkout(
    template_repo: Path, cookiecutter_home: dict[str, str], tmp_path: Path
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    project = generated(cookiecutter(str(template_repo), out, {}, cookiecutter_home), out)
    assert_update_is_a_no_op(project)


def test_project_from_a_git_url_records_the_url_and_updates(
    template_repo: Path, cookiecutter_home: dict[str, str], tmp_path: Path
) -> None:
    """A release tag is checked out while the default branch has moved on past it."""
    remote = tmp_path / "remote" / "mlstages.git"
    git(tmp_path, "clone", "-q", "--bare", str(template_repo), str(remote))
    git(remote, "tag", "v0.1.0")
    work = tmp_path / "work"
    git(tmp_path, "clone", "-q", str(remote), str(work))
    git(work, "commit", "-q", "--allow-empty", "-m", "After the release")
    git(work, "push", "-q", "origin", "main")
    url = remote.as_uri()
    out = tmp_path / "out"
    out.mkdir()
    answers = {"serving": "batch", "data_remote": "gcs", "gcs_bucket": "team-ml-data"}
    result = cookiecutter(url, out, answers, cookiecutter_home, options=("--checkout", "v0.1.0"))
    project = generated(result, out)
    recorded = yaml.safe_load((project / ".copier-answers.yml").read_text(encoding="utf-8"))
    assert (recorded["_src_path"], recorded["_commit"]) == (url, "v0.1.0")
    theirs = copier_project(url, tmp_path / "copier", answers, vcs_ref="v0.1.0")
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
        "package_name": "my_ml_project",
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
