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
import pstats
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
    summary,
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


# The phases of ``make upgrade``: (label, module file, function) whose cumulative time
# cProfile measures in the upgrade process; the scratch-clone phase is ``prepare``
# less the Copier child and the conflict scan.
PHASES = (
    ("checks: clean tree, answers", "upgrade.py", "ensure_clean_tree"),
    ("stage gate: waiting for dvc status (it runs alongside Copier)", "upgrade.py", "stale_stages"),
    ("scratch: sweep a killed run's leftovers", "scratch_update.py", "sweep"),
    ("copier update in the scratch clone (child process)", "scratch_update.py", "_run_child"),
    ("conflict scan of the clone", "scratch_update.py", "_conflicts"),
    ("apply: git read-tree in one step", "scratch_update.py", "apply"),
    ("what changes for you (git show x 8)", "upgrade.py", "what_changes"),
)


def cumulative(stats: pstats.Stats, module: str, function: str) -> float:
    """Cumulative seconds cProfile gives ``function`` of ``module`` (0 when not called)."""
    return sum(
        row[3]
        for (filename, _, name), row in stats.stats.items()  # type: ignore[attr-defined]
        if name == function and filename.endswith(module)
    )


def installed_upgrade(repo: Path, work: Path, new: str) -> tuple[float, float]:
    """``make upgrade`` as a user runs it on an installed, committed mvp project.

    Print the wall time of the whole command (``uv run`` and ``dvc status`` included, median
    of RUNS) and its phases (cProfile of one run); return the median and ``uv run``'s share.
    """
    project = committed_project(repo, work / f"installed-{new}", "mvp")
    env = project_env()
    sh(["uv", "sync", "--quiet"], project, env)
    sh(["git", "add", "uv.lock"], project, env)
    sh(["git", "commit", "-q", "-m", "lock"], project, env)
    evaluated(project)
    package = next((project / "src").iterdir()).name

    def reset() -> None:
        sh(["git", "reset", "-q", "--hard", "HEAD"], project, env)
        sh(["git", "clean", "-fdq"], project, env)

    def make_upgrade(_: int) -> float:
        seconds = sh(["make", "upgrade", f"STAGE={new}", "FORCE=1"], project, env)
        reset()
        return seconds

    seconds, _ = median_seconds(make_upgrade, RUNS)
    uv_run = median_seconds(
        lambda i: sh(["uv", "run", "--frozen", "python", "-c", "pass"], project, env), RUNS
    )[0]
    imports = median_seconds(
        lambda i: sh(
            ["uv", "run", "--frozen", "python", "-c", f"import {package}.upgrade"], project, env
        ),
        RUNS,
    )[0]
    profile = work / f"upgrade-{new}.prof"
    command = ["python", "-m", "cProfile", "-o", str(profile), "-m", f"{package}.upgrade"]
    whole = sh(["uv", "run", "--frozen", *command, "--to", new, "--force"], project, env)
    reset()
    stats = pstats.Stats(str(profile))
    inside = cumulative(stats, "upgrade.py", "upgrade")
    print(f"make upgrade mvp -> {new} on an installed project (uv run, dvc status included):")
    print(f"  whole command: {seconds:.3f} s (median of {RUNS})  [{verdict(seconds, TARGET)}]")
    print(f"  phases of one profiled run ({whole:.3f} s, cProfile adds a little):")
    uv_label = "uv run --frozen python -c pass (uv start-up, its sync check)"
    print(f"    {uv_label:62} {uv_run:6.3f} s")
    print(f"    {'Python start-up + import of the upgrade module (less uv run)':62} "
          f"{imports - uv_run:6.3f} s")  # fmt: skip
    known = 0.0
    for label, module, function in PHASES:
        spent = cumulative(stats, module, function)
        known += spent
        print(f"    {label:62} {spent:6.3f} s")
    prepared = cumulative(stats, "scratch_update.py", "prepare")
    clone = (
        prepared
        - cumulative(stats, "scratch_update.py", "_run_child")
        - cumulative(stats, "scratch_update.py", "_conflicts")
        - cumulative(stats, "scratch_update.py", "sweep")
    )
    print(f"    {'scratch clone, commit, fetch of the result (git x 5)':62} {clone:6.3f} s")
    print(f"    {'the rest of upgrade() (answers, params, prints)':62} "
          f"{inside - known - clone:6.3f} s")  # fmt: skip
    print("    (no uv lock or uv sync runs during the upgrade: the next make install does it)")
    return seconds, uv_run


def main() -> None:
    section(f"2. copier update (median of {RUNS} runs)")
    print(machine())
    env = project_env()
    closing: list[tuple[str, str, str, bool | None]] = []
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
                closing.append((
                    f"copier update {old} -> {new}", f"{seconds:.2f} s", f"<= {TARGET:g} s",
                    seconds <= TARGET,
                ))  # fmt: skip
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
        section(f"2c. make upgrade as a user runs it: installed mvp project (median of {RUNS})")
        for new in ("growth",):
            if new not in STAGES:
                continue
            seconds, _ = installed_upgrade(repo, work, new)
            closing.append((
                f"make upgrade mvp -> {new} (installed project)", f"{seconds:.2f} s",
                f"<= {TARGET:g} s", seconds <= TARGET,
            ))  # fmt: skip
    for line in closing:
        summary(*line)


if __name__ == "__main__":
    main()
