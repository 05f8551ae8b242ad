"""Benchmark 1: ``copier copy`` wall time per stage, against copying the rendered tree.

For each stage: the median of RUNS ``copier copy --defaults`` runs from this checkout
(from git, as the README does, and from a plain folder), the files generated, and the
floor: ``shutil.copytree`` of the same rendered tree. Python start-up plus imports and
the rendering in process are shown apart: they explain the figure.

    uv run python bench/copy_project.py
"""

from __future__ import annotations

import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import copier
from common import (
    ALL_STAGES,
    COPIER,
    STAGES,
    copytree_seconds,
    count_files,
    git_template,
    machine,
    median_seconds,
    project_env,
    section,
    sh,
    snapshot_template,
    verdict,
)
from copier import _main

RUNS = 7
TARGETS = {"mvp": 1.0, "maturity": 1.5}  # seconds, for the command a user runs


def measure(stage: str, folder: Path, repo: Path, work: Path) -> None:
    """Print the copy figures of one stage."""
    env = project_env()
    data = ["--defaults", "--quiet", "--data", f"stage={stage}"]

    def cli_from(source: list[str], name: str) -> float:
        return median_seconds(
            lambda i: sh([COPIER, "copy", *data, *source, f"{stage}-{name}-{i}"], work, env), RUNS
        )[0]

    def in_process(i: int) -> float:
        start = time.perf_counter()
        copier.run_copy(
            str(folder), work / f"{stage}-api-{i}", data={"stage": stage}, defaults=True, quiet=True
        )
        return time.perf_counter() - start

    from_git = cli_from(["--vcs-ref", "HEAD", str(repo)], "git")
    from_folder = cli_from([str(folder)], "folder")
    startup = median_seconds(lambda i: sh([COPIER, "--version"], work, env), RUNS)[0]
    api = median_seconds(in_process, RUNS)[0]
    rendered = work / f"{stage}-folder-0"
    floor = median_seconds(lambda i: copytree_seconds(rendered, work / f"{stage}-floor-{i}"), RUNS)[
        0
    ]
    target = TARGETS.get(stage)
    judged = f"  [{verdict(from_git, target)}]" if target else "  (no target for this stage)"
    print(f"{stage}: {count_files(rendered)} files generated")
    print(f"  copier copy, CLI from git (the README's command): {from_git:.3f} s{judged}")
    print(f"  copier copy, CLI from a plain folder:            {from_folder:.3f} s")
    print(f"    of which Python start-up + imports (copier --version): {startup:.3f} s")
    print(f"  rendering only (copier.run_copy in process):     {api:.3f} s")
    print(f"  floor, shutil.copytree of the rendered tree:     {floor * 1000:.1f} ms")
    print(f"  ratio copier copy (git) / floor: {from_git / floor:.0f}x")


@contextmanager
def timing(spent: Counter[str], calls: Counter[str], parts: dict[str, str]) -> Iterator[None]:
    """Time Copier's Worker methods named in ``parts`` (method -> label) while the block runs."""
    originals = {name: getattr(_main.Worker, name) for name in parts}

    def timed(name: str, original: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                spent[parts[name]] += time.perf_counter() - start
                calls[parts[name]] += 1
                if name == "_render_file":  # per template file: args are (worker, src, dst)
                    spent[f"file {args[1]}"] += time.perf_counter() - start

        return wrapper

    for name, original in originals.items():
        setattr(_main.Worker, name, timed(name, original))
    try:
        yield
    finally:
        for name, original in originals.items():
            setattr(_main.Worker, name, original)


PROFILED = {
    "_ask": "questions: defaults, validators and `when` of every question",
    "_external_data": "  of which _external_data (the previous answers, for the stage validator)",
    "_render_string": "path names: each part of each template path is a Jinja string",
    "_render_file": "files: Jinja compile + render, write",
    "_sync_git_index_executable_bit": "  of which Copier's git call per file (core.fileMode)",
}


def profile(stage: str, folder: Path, work: Path) -> None:
    """Print where one in-process rendering spends its time (best of 3 timed renderings)."""
    best: tuple[float, Counter[str], Counter[str]] | None = None
    for i in range(3):
        spent: Counter[str] = Counter()
        calls: Counter[str] = Counter()
        with timing(spent, calls, PROFILED):
            start = time.perf_counter()
            copier.run_copy(
                str(folder), work / f"{stage}-profile-{i}", data={"stage": stage},
                defaults=True, quiet=True,
            )  # fmt: skip
            total = time.perf_counter() - start
        if best is None or total < best[0]:
            best = (total, spent, calls)
    assert best is not None
    total, spent, calls = best
    print(f"  profile of the rendering in process ({total * 1000:.0f} ms, timed parts):")
    for label in PROFILED.values():
        print(f"    {label:75} {spent[label] * 1000:6.0f} ms  ({calls[label]} calls)")
    top = [label for label in PROFILED.values() if not label.startswith(" ")]
    rest = total - sum(spent[label] for label in top)
    rest_label = "the rest: loading copier.yml, answers file, walking the tree"
    print(f"    {rest_label:75} {rest * 1000:6.0f} ms")
    files = sorted(
        ((seconds, label[5:]) for label, seconds in spent.items() if label.startswith("file ")),
        reverse=True,
    )
    print("    slowest files: " + ", ".join(f"{name} {s * 1000:.0f} ms" for s, name in files[:4]))


def main() -> None:
    section(f"1. copier copy, per stage (median of {RUNS} runs)")
    print(machine())
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        folder = snapshot_template(work / "template")
        repo = git_template(work / "repo")
        for stage in ALL_STAGES:
            if stage in STAGES:
                measure(stage, folder, repo, work)
                profile(stage, folder, work)
            else:
                target = f"target <= {TARGETS[stage]:g} s" if stage in TARGETS else "no target"
                print(f"{stage}: n/a: stage not available ({target})")


if __name__ == "__main__":
    main()
