"""Benchmark 3: time to first prediction, from nothing to one batch prediction.

copy (``copier copy``) -> install (``make install``: git init + ``uv sync``, with a warm
uv cache) -> pipeline (``make pipeline``: ``dvc repro``) -> predict (``make predict``:
batch scoring of the test split), broken down by step. The uv cache is warmed first by
the project's own loop, timed: ``make all`` (install, pipeline, tests, predict) in a new
copy, then ``make test`` (the generated test suite) again on its own. Median of RUNS runs
per step, per stage. Then
where the pipeline's time goes: each DVC stage's command run again alone, in order, in
the last project (the time of each includes its process start and imports, printed
apart as the import floors: ``import <package>.cli``, and with scikit-learn, which the
model steps import where they run), their sum against the pipeline's
time (the rest is DVC's own work: start-up, hashing, the lock file).

    uv run python bench/first_prediction.py                 # every stage, median of 3
    uv run python bench/first_prediction.py --runs 1 growth # one stage, one run
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
from pathlib import Path

import yaml
from common import (
    ALL_STAGES,
    COPIER,
    STAGES,
    machine,
    project_env,
    section,
    sh,
    snapshot_template,
    summary,
    verdict,
)

RUNS = 3
TARGETS = {"mvp": 20.0, "growth": 35.0, "maturity": 45.0}  # seconds, warm uv cache
STEPS = ["copy", "install", "pipeline", "predict"]
# The generated project's own loop (seconds, warm uv cache): make all at maturity, and the
# generated test suite at every stage.
MAKE_ALL_TARGETS = {"maturity": 60.0}
PYTEST_TARGET = 20.0


def own_env(dst: Path) -> dict[str, str]:
    """The project's environment, with a temporary folder of its own (TMPDIR).

    The generated tests keep pytest's folders in the project's ``.pytest_cache/d/tmp``
    (tests/conftest.py), so they no longer clean up other runs' folders in a shared
    ``/tmp/pytest-of-<user>`` (a template suite's thousands of files cost 15 s); the
    other temporary files of the project's processes stay apart from the machine's too.
    """
    folder = dst.parent / f"{dst.name}.tmp"
    folder.mkdir(exist_ok=True)
    return project_env({"TMPDIR": str(folder)})


def first_prediction(folder: Path, dst: Path, stage: str) -> dict[str, float]:
    """Go from nothing to a batch prediction; return each step's wall time."""
    env = own_env(dst)
    answers = ["--defaults", "--quiet", "--data", f"stage={stage}"]
    return {
        "copy": sh([COPIER, "copy", *answers, str(folder), str(dst)], dst.parent, env),
        "install": sh(["make", "install"], dst, env),
        "pipeline": sh(["make", "pipeline"], dst, env),
        "predict": sh(["make", "predict"], dst, env),
    }


def own_loop(folder: Path, dst: Path, stage: str) -> dict[str, float]:
    """A new project's ``make all``, then its test suite (``make test``) run again alone."""
    env = own_env(dst)
    answers = ["--defaults", "--quiet", "--data", f"stage={stage}"]
    sh([COPIER, "copy", *answers, str(folder), str(dst)], dst.parent, env)
    return {"make all": sh(["make", "all"], dst, env), "pytest": sh(["make", "test"], dst, env)}


def stage_times(project: Path) -> dict[str, float]:
    """Each DVC stage's command run alone, in the order of dvc.yaml, and the import floor.

    Run as ``make pipeline`` runs them, with compiled modules kept between processes: the
    generated Makefile unexports PYTHONDONTWRITEBYTECODE, and tests/conftest.py (which
    bench/common.py imports) drops it from this process's environment.
    """
    env = own_env(project)
    stages = yaml.safe_load((project / "dvc.yaml").read_text(encoding="utf-8"))["stages"]
    python = str(project / ".venv" / "bin" / "python")
    package = "my_ml_project"
    # Two floors: the CLI alone (the data steps: pandas), and with scikit-learn (the model
    # steps import it where they run).
    with_sklearn = f"import {package}.cli, {package}.train"
    times = {
        "(import floor)": sh([python, "-c", f"import {package}.cli"], project, env),
        "(+ scikit-learn)": sh([python, "-c", with_sklearn], project, env),
    }
    for name, stage in stages.items():
        command = stage["cmd"].split()
        times[name] = sh([python, *command[1:]], project, env)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("stages", nargs="*", metavar="stage", help="default: all")
    parser.add_argument("--runs", type=int, default=RUNS, help=f"runs per stage (default {RUNS})")
    args = parser.parse_args()
    if unknown := set(args.stages) - set(ALL_STAGES):
        parser.error(f"unknown stage {sorted(unknown)[0]}: choose from {', '.join(ALL_STAGES)}")
    runs_wanted = args.runs
    section(f"3. time to first prediction, warm uv cache (median of {runs_wanted} runs)")
    print(machine())
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        folder = snapshot_template(work / "template")
        for stage in args.stages or ALL_STAGES:
            if stage not in STAGES:
                print(f"{stage}: n/a: stage not available (target <= {TARGETS[stage]:g} s)")
                continue
            print(f"{stage}: load average at start {os.getloadavg()[0]:.1f}")
            loop = own_loop(folder, work / f"{stage}-loop", stage)
            make_all, pytest_time = loop["make all"], loop["pytest"]
            if stage in MAKE_ALL_TARGETS:
                judged = verdict(make_all, MAKE_ALL_TARGETS[stage])
                print(f"{stage}: make all in a new project {make_all:.1f} s [{judged}]")
            else:
                print(f"{stage}: make all in a new project {make_all:.1f} s")
            print(f"{stage}: make test {pytest_time:.1f} s [{verdict(pytest_time, PYTEST_TARGET)}]")
            runs = [
                first_prediction(folder, work / f"{stage}-{i}", stage) for i in range(runs_wanted)
            ]
            total = statistics.median(sum(run.values()) for run in runs)
            judged = verdict(total, TARGETS[stage])
            print(f"{stage}: {total:.1f} s from nothing to a prediction [{judged}]")
            for step in STEPS:
                seconds = statistics.median(run[step] for run in runs)
                print(f"  {step:<9} {seconds:6.2f} s")
            pipeline = statistics.median(run["pipeline"] for run in runs)
            print("  where the pipeline's time goes (each DVC stage alone, with its start-up):")
            times = stage_times(work / f"{stage}-{runs_wanted - 1}")
            for name, seconds in times.items():
                print(f"    {name:<16} {seconds:6.2f} s")
            stages_sum = sum(seconds for name, seconds in times.items() if name[0] != "(")
            share = f"of make pipeline's {pipeline:.2f} s"
            print(f"    {'(sum of stages)':<16} {stages_sum:6.2f} s {share}")
            print(f"  load average at end {os.getloadavg()[0]:.1f}")
            summary(
                f"first prediction {stage}", f"{total:.1f} s", f"<= {TARGETS[stage]:g} s",
                total <= TARGETS[stage],
            )  # fmt: skip
            target = MAKE_ALL_TARGETS.get(stage)
            summary(
                f"make all {stage}", f"{make_all:.1f} s", f"<= {target:g} s" if target else "-",
                make_all <= target if target else None,
            )  # fmt: skip
            summary(
                f"generated pytest {stage}", f"{pytest_time:.1f} s", f"<= {PYTEST_TARGET:g} s",
                pytest_time <= PYTEST_TARGET,
            )  # fmt: skip


if __name__ == "__main__":
    main()
