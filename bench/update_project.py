"""Benchmark 2: ``copier update`` wall time per stage transition, and a no-op update.

A project is copied from a git snapshot of this checkout, committed, then updated:
to the next stage (one figure per transition), and to the same template version with
the same answers (the no-op: nothing may change). Then the whole ``make upgrade`` path
(the project's ``upgrade`` module: checks, Copier in a scratch clone, the one-step apply)
per transition, mvp -> maturity included, run with this environment's Python as the
template's tests do (``uv run`` adds its own start-up on top). Median of RUNS runs each.

    uv run python bench/update_project.py
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from itertools import pairwise
from pathlib import Path

from common import (
    ALL_STAGES,
    COPIER,
    STAGES,
    git_template,
    machine,
    median_seconds,
    project_env,
    section,
    sh,
    verdict,
)

RUNS = 5
TARGET = 3.0  # seconds, for a stage upgrade


def committed_project(repo: Path, dst: Path, stage: str) -> Path:
    """Copy a project at ``stage`` from the git template and commit it."""
    env = project_env()
    answers = ["--defaults", "--quiet", "--data", f"stage={stage}"]
    sh([COPIER, "copy", *answers, "--vcs-ref", "HEAD", str(repo), str(dst)], dst.parent, env)
    sh(["git", "init", "-q"], dst, env)
    sh(["git", "add", "-A"], dst, env)
    sh(["git", "commit", "-q", "-m", "copy"], dst, env)
    return dst


def changes(project: Path) -> str:
    return subprocess.run(
        ["git", "status", "--porcelain"], cwd=project, capture_output=True, text=True, check=True
    ).stdout


UPGRADES = (("mvp", "growth"), ("growth", "maturity"), ("mvp", "maturity"))


def evaluated(project: Path) -> Path:
    """Give the stage gate a metric, committed, as ``make pipeline`` would."""
    reports = project / "reports"
    reports.mkdir(exist_ok=True)
    (reports / "metrics.json").write_text(json.dumps({"roc_auc": 0.99}) + "\n")
    env = project_env()
    sh(["git", "add", "-A"], project, env)
    sh(["git", "commit", "-q", "-m", "evaluated"], project, env)
    return project


def upgrade_module(project: Path, new: str) -> float:
    """Wall time of ``make upgrade STAGE=<new>`` without uv's start-up."""
    env = project_env()
    env["PYTHONPATH"] = str(project / "src")
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env['PATH']}"
    package = next((project / "src").iterdir()).name
    command = [sys.executable, "-m", f"{package}.upgrade", "--to", new]
    return sh(command, project, env)


def main() -> None:
    section(f"2. copier update (median of {RUNS} runs)")
    print(machine())
    env = project_env()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        repo = git_template(work / "repo")
        for old, new in pairwise(ALL_STAGES):
            if old in STAGES and new in STAGES:
                projects = [committed_project(repo, work / f"{old}-{i}", old) for i in range(RUNS)]
                seconds, _ = median_seconds(
                    lambda i, projects=projects, new=new: sh(
                        [COPIER, "update", "--defaults", "--quiet", "--data", f"stage={new}"],
                        projects[i],
                        env,
                    ),
                    RUNS,
                )
                print(f"{old} -> {new}: {seconds:.3f} s  [{verdict(seconds, TARGET)}]")
            else:
                print(f"{old} -> {new}: n/a: stage not available (target <= {TARGET:g} s)")
        for stage in STAGES:
            project = committed_project(repo, work / f"noop-{stage}", stage)
            seconds, _ = median_seconds(
                lambda i, project=project: sh(
                    [COPIER, "update", "--defaults", "--quiet"], project, env
                ),
                RUNS,
            )
            left = changes(project)
            print(
                f"no-op update at {stage}: {seconds:.3f} s "
                f"(files changed: {len(left.splitlines())}; "
                f"for reference, the upgrade target is <= {TARGET:g} s)"
            )
            if left:
                raise SystemExit(f"the no-op update changed files:\n{left}")
        section(f"2b. make upgrade: checks, scratch clone, apply (median of {RUNS} runs)")
        for old, new in UPGRADES:
            if old not in STAGES or new not in STAGES:
                continue
            projects = [
                evaluated(committed_project(repo, work / f"up-{old}-{new}-{i}", old))
                for i in range(RUNS)
            ]
            seconds, _ = median_seconds(
                lambda i, projects=projects, new=new: upgrade_module(projects[i], new), RUNS
            )
            print(f"make upgrade {old} -> {new}: {seconds:.3f} s  [{verdict(seconds, TARGET)}]")


if __name__ == "__main__":
    main()
