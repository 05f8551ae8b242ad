"""Rendering helpers shared by the template's tests.

Every project is generated with the real Copier API from this checkout into
``tmp_path``; the slow tier then installs and runs it with its own tools.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import copier
import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def template_src(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A snapshot of the template (copier.yml and template/) outside git.

    Copier renders a plain folder directly; rendering the git checkout would clone it
    (and commit uncommitted changes) for every project. Upgrade tests use git instead.
    """
    return snapshot_template(tmp_path_factory.mktemp("template"))


def snapshot_template(folder: Path) -> Path:
    """Copy copier.yml and template/ of this checkout into ``folder`` (outside git)."""
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy2(ROOT / "copier.yml", folder / "copier.yml")
    shutil.copytree(ROOT / "template", folder / "template")
    return folder


def render(src: Path, dst: Path, **answers: Any) -> Path:
    """Generate a project with Copier's defaults overridden by ``answers``."""
    copier.run_copy(
        str(src), dst, data=answers, defaults=True, unsafe=False, quiet=True, vcs_ref=None
    )
    return dst


def project_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """Environment for commands run inside a generated project.

    The template's own virtual environment is hidden so that uv uses the project's.
    """
    env = {
        k: v for k, v in os.environ.items() if k not in {"VIRTUAL_ENV", "UV_PROJECT_ENVIRONMENT"}
    }
    env.update(
        UV_PYTHON_DOWNLOADS="never",
        DVC_NO_ANALYTICS="1",
        NO_MKDOCS_2_WARNING="1",
        GIT_AUTHOR_NAME="mlstages tests",
        GIT_AUTHOR_EMAIL="tests@mlstages.invalid",
        GIT_COMMITTER_NAME="mlstages tests",
        GIT_COMMITTER_EMAIL="tests@mlstages.invalid",
    )
    env.update(extra or {})
    return env


def run(
    args: list[str], cwd: Path, timeout: float = 600, env: Mapping[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run a command in a generated project; fail the test with its output if it fails."""
    result = subprocess.run(
        args,
        cwd=cwd,
        env=project_env(env),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if result.returncode != 0:
        pytest.fail(
            f"{' '.join(args)} exited {result.returncode} in {cwd}\n"
            f"--- stdout\n{result.stdout[-4000:]}\n--- stderr\n{result.stderr[-4000:]}"
        )
    return result


# Figures measured by the slow tier (load, fuzzing), printed at the end of the run.
FIGURES: list[str] = []


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Show the measured figures even when the tests pass (their output is captured)."""
    if FIGURES:
        terminalreporter.section("figures")
        for line in FIGURES:
            terminalreporter.write_line(line)


@dataclass
class Outcome:
    """Exit code and output of a command."""

    code: int
    out: str
    err: str

    @property
    def last_line(self) -> str:
        return (self.out + self.err).strip().splitlines()[-1]


def run_upgrade_module(project: Path, *args: str, package: str = "my_ml_project") -> Outcome:
    """``make upgrade`` without uv: the generated module, run from the project's sources.

    The module needs only PyYAML and Copier, which the template's own environment has.
    """
    env = project_env({"PYTHONPATH": str(project / "src")})
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env['PATH']}"  # copier
    result = subprocess.run(
        [sys.executable, "-m", f"{package}.upgrade", *args],
        cwd=project, env=env, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    return Outcome(result.returncode, result.stdout, result.stderr)
