"""Run ``copier update`` away from the work tree, then apply its result in one git step.

Copier writes into a scratch clone of the project kept under the git directory, never
into the work tree. Its result is committed there and fetched to ``refs/mlstages/upgrade``;
one ``git read-tree`` then moves the work tree and the index from ``HEAD`` to that result.
Until that step the work tree is untouched, whatever stops the run (a signal, a Copier
error, a full disk); the scratch folder goes with the run, or with the next one after a
``SIGKILL``. The apply step ignores SIGINT and SIGTERM and runs in its own session; if
the machine dies during it, ``make upgrade RECOVER=1`` applies the saved result again.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml

RESULT_REF = "refs/mlstages/upgrade"
SCRATCH_NAME = "mlstages-upgrade"
APPLYING_NAME = "mlstages-upgrade-applying"
CONFLICT_MARKER = "<<<<<<< "
BOT = ("-c", "user.name=mlstages upgrade", "-c", "user.email=upgrade@mlstages.invalid")


class UpdateFailed(Exception):
    """Copier or git stopped before the work tree was touched."""


class Interrupted(BaseException):  # raised by a signal, like KeyboardInterrupt
    """SIGINT or SIGTERM arrived before the apply step."""


def git(*args: str, cwd: Path | None = None) -> str:
    """Run git and return its output; raise ``UpdateFailed`` with git's message."""
    result = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        message = (result.stderr or result.stdout).strip().splitlines() or ["(no output)"]
        raise UpdateFailed(f"git {args[0]} failed: {message[-1]}")
    return result.stdout


def git_dir() -> Path:
    """The project's git directory (absolute)."""
    return Path(git("rev-parse", "--absolute-git-dir").strip())


def applying_marker() -> Path:
    """The file that exists while a result is being applied."""
    return git_dir() / APPLYING_NAME


def die_with_parent() -> None:  # pragma: no cover - runs in the child
    """Ask Linux to kill this child when ``make upgrade`` dies (no orphaned Copier)."""
    with contextlib.suppress(Exception):
        import ctypes

        ctypes.CDLL(None).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


@contextlib.contextmanager
def _signals_raise() -> Iterator[None]:
    """Turn SIGINT and SIGTERM into ``Interrupted`` so that clean-up code runs."""

    def stop(signum: int, _frame: object) -> None:
        raise Interrupted(signal.Signals(signum).name)

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


@contextlib.contextmanager
def _signals_ignored() -> Iterator[None]:
    """Let the apply step finish whatever arrives (SIGKILL aside)."""
    previous = {sig: signal.signal(sig, signal.SIG_IGN) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _run_child(command: Sequence[str], cwd: Path, env: dict[str, str]) -> tuple[int, str]:
    """Run Copier in its own process group, killed with it if this process is stopped."""
    child = subprocess.Popen(
        command, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        text=True, start_new_session=True, preexec_fn=die_with_parent,
    )  # fmt: skip
    try:
        output, _ = child.communicate()
    except BaseException:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(child.pid, signal.SIGKILL)
        child.wait()
        raise
    return child.returncode, output


@dataclass(frozen=True)
class Result:
    """What the update would change, saved under ``RESULT_REF`` before anything is applied."""

    commit: str
    conflicts: list[str]


def sweep() -> None:
    """Remove what a killed run left under the git directory."""
    shutil.rmtree(git_dir() / SCRATCH_NAME, ignore_errors=True)
    (git_dir() / f"{RESULT_REF}.lock").unlink(missing_ok=True)
    with contextlib.suppress(UpdateFailed):
        git("worktree", "prune")


def _repoint(clone: Path, answers_file: Path, source: str) -> None:
    """Record ``source`` as the template's location in the clone's answers file."""
    path = clone / answers_file
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    value = yaml.safe_dump({"_src_path": source}, default_flow_style=False).strip()
    path.write_text(
        "".join(value + "\n" if line.startswith("_src_path:") else line for line in lines),
        encoding="utf-8",
    )
    git(*BOT, "commit", "-q", "--no-verify", "-am", "Template source", cwd=clone)


def _conflicts(clone: Path) -> list[str]:
    """Files the update left with inline conflict markers (or .rej rejects)."""
    found = []
    for line in git("status", "--porcelain", "--untracked-files=all", cwd=clone).splitlines():
        name = line[3:].strip('"')
        path = clone / name
        if name.endswith(".rej"):
            found.append(name)
        elif path.is_file():
            text = path.read_text(encoding="utf-8", errors="replace")
            if any(row.startswith(CONFLICT_MARKER) for row in text.splitlines()):
                found.append(name)
    return sorted(found)


def prepare(
    copier_args: Sequence[str],
    answers_file: Path,
    source: str | None,
    progress: Callable[[str], None],
) -> Result:
    """Update a scratch clone with Copier and save its result; the work tree is not touched."""
    sweep()
    scratch = git_dir() / SCRATCH_NAME
    clone, tmp = scratch / "project", scratch / "tmp"
    try:
        with _signals_raise():
            tmp.mkdir(parents=True)
            git("clone", "-q", "--shared", "--no-tags", ".", str(clone))
            if source is not None:
                _repoint(clone, answers_file, source)
            progress("copier update (in a scratch clone; the work tree stays as it is)")
            env = {**os.environ, "TMPDIR": str(tmp), "TMP": str(tmp), "TEMP": str(tmp)}
            command = [sys.executable, "-m", "copier", "update", *copier_args]
            code, output = _run_child(command, clone, env)
            if code != 0:
                lines = output.strip().splitlines() or ["(no output)"]
                raise UpdateFailed(f"copier update failed: {lines[-1]}")
            conflicts = _conflicts(clone)
            git("add", "-A", cwd=clone)
            git(*BOT, "commit", "-q", "--no-verify", "--allow-empty", "-m", "Upgrade", cwd=clone)
            git("fetch", "-q", "--no-tags", str(clone), f"+HEAD:{RESULT_REF}")
            return Result(git("rev-parse", RESULT_REF).strip(), conflicts)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def drop(commit: str) -> None:
    """Forget a prepared result that will not be applied (the work tree was not touched)."""
    git("update-ref", "-d", RESULT_REF, commit)


def _added_paths(commit: str) -> list[str]:
    return git(
        "diff", "--name-only", "--no-renames", "--diff-filter=A", "HEAD", commit
    ).splitlines()


def _undo_partial(commit: str) -> None:
    """Put the work tree back to ``HEAD`` after a failed apply (it was clean before)."""
    with contextlib.suppress(FileNotFoundError):
        (git_dir() / "index.lock").unlink()
    git("reset", "-q", "--hard", "HEAD")
    for name in _added_paths(commit):
        with contextlib.suppress(FileNotFoundError, IsADirectoryError):
            Path(name).unlink()


def apply(commit: str, disposable: Sequence[str] = ()) -> None:
    """Move the work tree and the index from ``HEAD`` to ``commit``, all or nothing.

    Untracked ``disposable`` files (``uv.lock`` written by ``uv run``) give way to the
    result's own. A failure (a full disk) is undone; SIGINT and SIGTERM wait for the end.
    """
    marker = applying_marker()
    with _signals_ignored():
        for name in set(disposable) & set(_added_paths(commit)):
            Path(name).unlink(missing_ok=True)
        marker.write_text(commit + "\n", encoding="utf-8")
        result = subprocess.run(
            ["git", "read-tree", "-m", "-u", "HEAD", commit],
            capture_output=True, text=True, check=False, start_new_session=True,
        )  # fmt: skip
        if result.returncode != 0:
            _undo_partial(commit)
            marker.unlink()
            last = (result.stderr.strip().splitlines() or ["(no output)"])[-1]
            raise UpdateFailed(f"applying the result failed, nothing changed: {last}")
        marker.unlink()


def recover() -> str:
    """Finish an apply that a dead machine left half done: back to ``HEAD``, then apply."""
    try:
        commit = git("rev-parse", "--verify", "-q", RESULT_REF).strip()
    except UpdateFailed:
        raise UpdateFailed(f"nothing to recover: no saved upgrade ({RESULT_REF})") from None
    _undo_partial(commit)
    apply(commit)
    return commit


def show(commit: str, path: str) -> str:
    """A file's text at ``commit`` (empty when it has none)."""
    try:
        return git("show", f"{commit}:{path}")
    except UpdateFailed:
        return ""
