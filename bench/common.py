"""Helpers shared by the benchmarks: this checkout as a template, timing, verdicts.

Each benchmark renders from the working tree as the tests do (a plain snapshot of
``copier.yml`` and ``template/``), or from a git repository made of that snapshot when
Copier needs one (``copier update``).
"""

from __future__ import annotations

import csv
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from combinations import STAGES, choices  # noqa: E402
from conftest import project_env, render, snapshot_template  # noqa: E402

ALL_STAGES = choices("stage")
COPIER = str(Path(sys.executable).with_name("copier"))

__all__ = [
    "ALL_STAGES",
    "COPIER",
    "ROOT",
    "STAGES",
    "copytree_seconds",
    "count_files",
    "git_template",
    "machine",
    "median_seconds",
    "one_record",
    "project_env",
    "render",
    "section",
    "sh",
    "snapshot_template",
    "summary",
    "trained_project",
    "verdict",
]


def machine() -> str:
    """One line about the machine the figures were measured on."""
    cpuinfo = Path("/proc/cpuinfo")
    lines = cpuinfo.read_text().splitlines() if cpuinfo.exists() else []
    cpu = next(
        (line.split(":", 1)[1].strip() for line in lines if line.startswith("model name")),
        platform.processor() or "unknown CPU",
    )
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    load = os.getloadavg()[0]
    return (
        f"{cpu}, {os.cpu_count()} cores, {memory:.0f} GiB, Python {platform.python_version()}, "
        f"{platform.system()} {platform.release()}, load average {load:.1f} at start"
    )


def section(title: str) -> None:
    print(f"\n== {title}")


def per_stage(title: str, target: str, measure: Callable[[str, Path], None]) -> None:
    """Print a benchmark's section and run ``measure`` in a scratch folder for each stage.

    Stages whose layer does not exist yet print ``n/a`` with their ``target``.
    """
    section(title)
    print(machine())
    for stage in ALL_STAGES:
        if stage not in STAGES:
            print(f"{stage}: n/a: stage not available ({target})")
            continue
        with tempfile.TemporaryDirectory() as scratch:
            measure(stage, Path(scratch))


def sh(
    args: Sequence[str], cwd: Path, env: Mapping[str, str] | None = None, timeout: float = 900
) -> float:
    """Run a command (it must succeed) and return its wall time in seconds."""
    start = time.perf_counter()
    result = subprocess.run(
        list(args),
        cwd=cwd,
        env=dict(env) if env is not None else None,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        sys.exit(
            f"{' '.join(args)} exited {result.returncode} in {cwd}\n"
            f"{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
        )
    return elapsed


def median_seconds(run: Callable[[int], float], runs: int) -> tuple[float, list[float]]:
    """Call ``run(i)`` ``runs`` times; return the median and every time."""
    times = [run(index) for index in range(runs)]
    return statistics.median(times), times


def verdict(
    value: float, target: float, higher_is_better: bool = False, percent: bool = False
) -> str:
    """``target met`` or ``TARGET MISSED``, with the target, for one figure."""
    met = value >= target if higher_is_better else value <= target
    sign = ">=" if higher_is_better else "<="
    shown = f"{target:.0%}" if percent else f"{target:g}"
    return f"target {sign} {shown}: {'met' if met else 'TARGET MISSED'}"


def summary(name: str, figure: str, target: str, met: bool | None) -> None:
    """Print one ``SUMMARY`` line, which ``bench/run_all`` gathers into its closing table.

    Format (one line, fields separated by `` | ``)::

        SUMMARY <name> | <figure> | <target or limit> | met|missed|n/a

    ``met`` is None for a figure without a target (printed ``n/a``).
    """
    status = "n/a" if met is None else "met" if met else "missed"
    print(f"SUMMARY {name} | {figure} | {target} | {status}")


def git_template(folder: Path) -> Path:
    """A git repository holding a snapshot of this checkout, tagged v0.1.0."""
    snapshot_template(folder)
    env = project_env()
    for args in (
        ["git", "init", "-q", "-b", "main"],
        ["git", "add", "-A"],
        ["git", "commit", "-q", "-m", "template snapshot"],
        ["git", "tag", "v0.1.0"],
    ):
        sh(args, folder, env)
    return folder


def count_files(root: Path) -> int:
    return sum(1 for path in root.rglob("*") if path.is_file())


def copytree_seconds(source: Path, target: Path) -> float:
    start = time.perf_counter()
    shutil.copytree(source, target)
    return time.perf_counter() - start


def trained_project(work: Path, stage: str) -> tuple[Path, str]:
    """Generate the default project at ``stage``, install it and train its model."""
    root = render(snapshot_template(work / "template"), work / "project", stage=stage)
    package = "my_ml_project"
    env = project_env()
    sh(["uv", "sync", "--quiet"], root, env)
    steps = ["prepare", "train"]
    if stage == "maturity":  # the rest of what the rollout plan serves
        steps += ["challenger", "baseline", "reference"]
    for step in steps:
        sh(["uv", "run", "python", "-m", package, step], root, env)
    return root, package


def one_record(root: Path) -> bytes:
    """A request body with the first row of the project's test split."""
    with (root / "data" / "processed" / "test.csv").open(encoding="utf-8") as rows:
        row = next(csv.DictReader(rows))
    record = {name: float(value) for name, value in row.items() if name != "target"}
    return json.dumps({"records": [record]}).encode()
