"""Run many ``copier`` command lines in one Python process, each as a terminal shows it.

    python tests/copier_cli.py CASES.json

``CASES.json`` holds a list of argument lists (what follows ``copier`` on the command line).
Prints a JSON list of ``[exit code, output]``, stdout and stderr together. Copier's own
command line runs each case; an exception that escapes it is printed as Python's default
hook prints it (the traceback, on stderr, exit code 1), so the output ends with the line a
user sees. Copier's start-up (about a second a process) is paid once instead of per case.
"""

from __future__ import annotations

import contextlib
import io
import json
import sys
import traceback
from pathlib import Path

from copier._cli import CopierApp


def run_one(arguments: list[str]) -> tuple[int, str]:
    """Run ``copier *arguments``; return its exit code and everything it printed."""
    output = io.StringIO()
    with contextlib.redirect_stdout(output), contextlib.redirect_stderr(output):
        try:
            _, code = CopierApp.run(["copier", *arguments], exit=False)
        except SystemExit as stop:
            code = stop.code if isinstance(stop.code, int) else 1
        except Exception:  # what the interpreter does with an uncaught exception
            traceback.print_exc()
            code = 1
    return int(code or 0), output.getvalue()


def main(cases_file: str) -> None:
    cases = json.loads(Path(cases_file).read_text(encoding="utf-8"))
    print(json.dumps([run_one(arguments) for arguments in cases]))


if __name__ == "__main__":
    main(sys.argv[1])
