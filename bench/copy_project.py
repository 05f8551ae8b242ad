"""Benchmark 1: ``copier copy`` wall time per stage, against copying the rendered tree.

For each stage: the median of RUNS ``copier copy --defaults`` runs from this checkout
(from git, as the README does, and from a plain folder), the files generated, and the
floor: ``shutil.copytree`` of the same rendered tree. Python start-up plus imports and
the rendering in process are shown apart: they explain the figure.

    uv run python bench/copy_project.py
"""

from __future__ import annotations

import cProfile
import io
import pstats
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
    summary,
    verdict,
)
from copier import _main

RUNS = 7
TARGETS = {"mvp": 1.2, "maturity": 1.5}  # seconds, for the command a user runs (issue #18)


def measure(stage: str, folder: Path, repo: Path, work: Path) -> tuple[float, float]:
    """Print the copy figures of one stage; return the CLI time from git and the start-up."""
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
    return from_git, startup


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


def profile(stage: str, folder: Path, work: Path) -> tuple[float, Counter[str], Counter[str]]:
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
    return best


def cprofile(stage: str, folder: Path, work: Path, lines: int = 25) -> None:
    """Print cProfile's top functions by cumulative time for one in-process rendering."""
    profiler = cProfile.Profile()
    profiler.enable()
    copier.run_copy(
        str(folder), work / f"{stage}-cprofile", data={"stage": stage}, defaults=True, quiet=True
    )
    profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out).strip_dirs().sort_stats("cumulative")
    stats.print_stats(lines)
    body = out.getvalue().splitlines()
    start = next(i for i, line in enumerate(body) if line.lstrip().startswith("ncalls"))
    print(f"  cProfile of one rendering in process ({stage}; top {lines} by cumulative time;")
    print("  profiling slows it down about 2x; generators count each resumption as a call):")
    for line in body[start:]:
        if line.strip():
            print(f"    {line.rstrip()}")


def floor_note(stage: str, copy_seconds: float, startup: float, parts: Counter[str],
               calls: Counter[str]) -> None:  # fmt: skip
    """Print what of ``copy_seconds`` Copier itself costs whatever the template does."""
    git_label = PROFILED["_sync_git_index_executable_bit"]
    files = calls[git_label]
    per_call = parts[git_label] / files if files else 0.0
    fixed = startup + parts[git_label]
    print(
        f"  Copier's own floor at {stage}: start-up {startup:.3f} s + one `git config` "
        f"subprocess per file ({files} x {per_call * 1000:.1f} ms = {parts[git_label]:.3f} s) "
        f"= {fixed:.3f} s; the rest ({copy_seconds - fixed:.3f} s) is rendering, questions, "
        "path names and the template clone"
    )


def main() -> None:
    section(f"1. copier copy, per stage (median of {RUNS} runs)")
    print(machine())
    closing: list[tuple[str, str, str, bool | None]] = []
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        folder = snapshot_template(work / "template")
        repo = git_template(work / "repo")
        for stage in ALL_STAGES:
            if stage in STAGES:
                from_git, startup = measure(stage, folder, repo, work)
                _, parts, calls = profile(stage, folder, work)
                floor_note(stage, from_git, startup, parts, calls)
                if stage == "mvp":
                    cprofile(stage, folder, work)
                target = TARGETS.get(stage)
                closing.append((
                    f"copier copy at {stage} (CLI from git)", f"{from_git:.2f} s",
                    f"<= {target:g} s" if target else "-",
                    from_git <= target if target else None,
                ))  # fmt: skip
            else:
                target = f"target <= {TARGETS[stage]:g} s" if stage in TARGETS else "no target"
                print(f"{stage}: n/a: stage not available ({target})")
    for line in closing:
        summary(*line)


if __name__ == "__main__":
    main()
