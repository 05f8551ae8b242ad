"""Render a project with Copier from cookiecutter's answers (see hooks/pre_gen_project.py).

Cookiecutter asks the questions of ``cookiecutter.json`` and creates an empty project
folder. This module hands the answers to Copier, which checks every one of them with the
rules of ``copier.yml`` before it writes anything, then renders ``template/`` into the
folder, ``.copier-answers.yml`` included: the project is the one ``copier copy`` makes
for the same answers, and ``copier update`` moves it on later.

What ``.copier-answers.yml`` records as the template (``_src_path``, ``_commit``):

- a local folder: its absolute path, rendered at its ``HEAD`` (uncommitted changes
  included, as cookiecutter would use them);
- a git URL, which cookiecutter cloned: the URL, at the commit cookiecutter checked out.
  Git is told to fetch that URL from cookiecutter's clone, so nothing is downloaded twice.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hooks.cookiecutter_json import asked_questions, is_conditional


class TemplateSourceError(Exception):
    """The template reached cookiecutter in a form Copier cannot update from later."""


@dataclass(frozen=True)
class Source:
    """What Copier renders from and records; ``clone`` is where git fetches ``src_path`` from."""

    src_path: str
    vcs_ref: str | None
    clone: Path | None = None


def git(folder: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(folder), *args], capture_output=True, text=True, check=True
    ).stdout.strip()


def is_git_checkout(folder: Path) -> bool:
    try:
        return Path(git(folder, "rev-parse", "--show-toplevel")).resolve() == folder.resolve()
    except (OSError, subprocess.CalledProcessError):
        return False


def template_source(template: str, repo_dir: str, template_dir: Path) -> Source:
    """Where Copier renders from, given cookiecutter's ``_template`` and ``_repo_dir``.

    ``template_dir`` is ``repo_dir`` as an absolute path.
    """
    if template == repo_dir:  # a local folder: cookiecutter uses it where it is
        return Source(str(template_dir), "HEAD")
    if not is_git_checkout(template_dir):
        raise TemplateSourceError(
            f"mlstages: {template!r} is not a git repository, so `copier update` could not "
            "follow it; give cookiecutter the template's git URL or a local checkout."
        )
    url = git(template_dir, "config", "--get", "remote.origin.url")
    # Copier recognises a git URL by its ending (or a few known hosts).
    url = url if url.endswith(".git") else f"{url}.git"
    return Source(url, git(template_dir, "rev-parse", "HEAD"), template_dir)


@contextmanager
def fetched_from(source: Source) -> Iterator[None]:
    """Let git fetch ``source.src_path`` from cookiecutter's clone (``url.<clone>.insteadOf``)."""
    if source.clone is None:
        yield
        return
    # Copier runs git through plumbum, which keeps its own copy of the environment.
    from plumbum import local

    count = int(os.environ.get("GIT_CONFIG_COUNT", "0"))
    variables = {
        "GIT_CONFIG_COUNT": str(count + 1),
        f"GIT_CONFIG_KEY_{count}": f"url.{source.clone}.insteadOf",
        f"GIT_CONFIG_VALUE_{count}": source.src_path,
    }
    saved = {key: os.environ.get(key) for key in variables}
    os.environ.update(variables)
    try:
        with local.env(**variables):
            yield
    finally:
        for key, value in saved.items():
            if value is None:
                del os.environ[key]
            else:
                os.environ[key] = value


def copier_data(answers: Mapping[str, Any], questions: Mapping[str, Any]) -> dict[str, Any]:
    """Cookiecutter's answers as Copier's ``--data``.

    Cookiecutter asks every question. A question that Copier asks only under a condition
    (such as ``s3_bucket``) and that was left empty or at its default is not passed on:
    Copier then treats it as ``copier copy --defaults`` would.
    """
    return {
        name: answers[name]
        for name, question in questions.items()
        if not (is_conditional(question) and left_at_default(answers[name], question))
    }


def left_at_default(value: Any, question: Mapping[str, Any]) -> bool:
    default = question.get("default")
    return value in ("", None) or (value == default and "{{" not in str(default))


def copy(answers: Mapping[str, Any], template_dir: Path, project_dir: Path) -> None:
    """Check the answers and render the project with Copier; raise ValueError on a bad answer."""
    import copier  # the hook's one dependency beyond cookiecutter

    source = template_source(answers["_template"], answers["_repo_dir"], template_dir)
    data = copier_data(answers, asked_questions(template_dir / "copier.yml"))
    with fetched_from(source):
        copier.run_copy(
            source.src_path,
            project_dir,
            data=data,
            vcs_ref=source.vcs_ref,
            defaults=True,
            overwrite=True,
            unsafe=False,
            quiet=True,
        )


def main(answers: Mapping[str, Any], template_dir: Path, project_dir: Path) -> int:
    """Run :func:`copy`; print the reason of a refusal as the last line and return 1."""
    try:
        copy(answers, template_dir, project_dir)
    except (ValueError, TemplateSourceError) as error:
        print(error, file=sys.stderr)
        return 1
    return 0
