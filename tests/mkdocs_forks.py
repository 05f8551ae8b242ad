"""Strict MkDocs builds of many generated wikis, each in a fork of one warm process.

The quick tier builds the wiki of every rendered project (`mkdocs build --strict`). A new
Python process for each build spent about half of it importing MkDocs, its plugins and the
libraries the wiki's hooks import (scikit-learn, pandas, Matplotlib). Here one server
process per xdist worker imports them once; each build runs in a fork of it, so every build
still starts from the same clean state (the project's own package is never imported by the
server) and runs the real `mkdocs build` command line, with its exit code and output.

After each build the server imports the libraries the build loaded from outside the
project, so the next fork finds them loaded.
"""

from __future__ import annotations

import importlib
import json
import os
import select
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, TextIO

# Loaded before the first build; the rest is learnt from the builds themselves.
WARM = ["mkdocs.__main__", "mkdocs.commands.build", "material", "mkdocstrings", "griffe"]
BUILD_TIMEOUT = 600.0


class Build:
    """The outcome of one build: MkDocs's exit code and its output."""

    def __init__(self, returncode: int, output: str) -> None:
        self.returncode = returncode
        self.output = output


class MkDocsForks:
    """A client of the fork server (one per xdist worker, started on first use)."""

    def __init__(self, scratch: Path) -> None:
        self.scratch = scratch
        self.count = 0
        self.process = subprocess.Popen(
            [sys.executable, __file__],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
            env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
        )  # fmt: skip

    def build(self, project: Path, site: Path) -> Build:
        """`mkdocs build --strict --site-dir site` in ``project``, its package importable."""
        self.count += 1
        output = self.scratch / f"mkdocs-{self.count}.log"
        request = {"project": str(project), "site": str(site), "output": str(output)}
        assert self.process.stdin and self.process.stdout
        self.process.stdin.write(json.dumps(request) + "\n")
        self.process.stdin.flush()
        answer = self.process.stdout.readline()
        assert answer, f"the MkDocs fork server stopped (exit code {self.process.poll()})"
        return Build(json.loads(answer)["returncode"], output.read_text(errors="replace"))

    def close(self) -> None:
        if self.process.stdin:
            self.process.stdin.close()
        self.process.wait(timeout=30)


# ---------------------------------------------------------------- the server


def serve(requests: TextIO, answers: TextIO) -> None:
    """Build each requested wiki in a fork; answer with its exit code."""
    warm(WARM)
    for line in requests:
        request = json.loads(line)
        loaded = Path(request["output"]).with_suffix(".modules")
        pid = os.fork()
        if pid == 0:
            build_in_child(request, loaded)  # never returns
        returncode = wait(pid)
        answers.write(json.dumps({"returncode": returncode}) + "\n")
        answers.flush()
        if loaded.is_file():
            warm(loaded.read_text().split())
            loaded.unlink()


def build_in_child(request: dict[str, Any], loaded: Path) -> None:
    """Run MkDocs's command line as `python -m mkdocs build --strict` would, then exit."""
    code = 1
    try:
        with open(request["output"], "w") as output:
            os.dup2(output.fileno(), 1)
            os.dup2(output.fileno(), 2)
        project = Path(request["project"])
        os.chdir(project)
        source = str(project / "src")  # the docs hooks import the package
        os.environ["PYTHONPATH"] = source
        sys.path.insert(0, source)
        from mkdocs.__main__ import cli

        try:
            cli.main(["build", "--strict", "--site-dir", request["site"]], prog_name="mkdocs")
            code = 0
        except SystemExit as stop:
            code = stop.code if isinstance(stop.code, int) else 1
        loaded.write_text("\n".join(libraries_loaded(project)))
    except BaseException as error:
        print(f"the fork could not build: {error!r}", file=sys.stderr)
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


def libraries_loaded(project: Path) -> list[str]:
    """Modules loaded from outside the project, in the order they were imported."""
    names = []
    for name, module in list(sys.modules.items()):
        file = getattr(module, "__file__", None)
        if file and not file.startswith(str(project)) and name != "__main__":
            names.append(name)
    return names


def warm(names: list[str]) -> None:
    """Import what is not loaded yet; a module that fails to import here is skipped."""
    for name in names:
        if name not in sys.modules:
            try:
                importlib.import_module(name)
            except Exception:
                sys.modules.pop(name, None)


def wait(pid: int) -> int:
    """The child's exit code; killed after BUILD_TIMEOUT seconds."""
    deadline = time.monotonic() + BUILD_TIMEOUT
    while time.monotonic() < deadline:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return os.waitstatus_to_exitcode(status)
        select.select([], [], [], 0.02)
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    return -signal.SIGKILL


if __name__ == "__main__":
    # Answers go to the client on a copy of stdout; anything printed while importing goes
    # to stderr, so it cannot garble them.
    answers = os.fdopen(os.dup(1), "w")
    os.dup2(2, 1)
    serve(sys.stdin, answers)
