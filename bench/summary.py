"""The closing table of ``bench/run_all``: every ``SUMMARY`` line the benchmarks printed.

Each benchmark ends with lines of the form (see ``common.summary``)::

    SUMMARY <name> | <figure> | <target or limit> | met|missed|n/a

``run_all`` saves each script's output to ``<log folder>/<script>.log`` and then runs
this script on that folder. A script that ran but printed no ``SUMMARY`` line, or that
failed, is listed too, so that no figure goes missing from the table silently.

    uv run python bench/summary.py <log folder> [script ...]
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

PREFIX = "SUMMARY "
STATUSES = ("met", "missed", "n/a")


def rows_of(log: Path) -> list[tuple[str, str, str, str]]:
    """The ``SUMMARY`` rows of one script's output, in order."""
    rows = []
    for line in log.read_text(encoding="utf-8", errors="replace").splitlines():
        if not line.startswith(PREFIX):
            continue
        fields = [field.strip() for field in line[len(PREFIX) :].split(" | ")]
        if len(fields) != 4 or fields[3] not in STATUSES:
            rows.append((line[len(PREFIX) :].strip(), "?", "?", "malformed SUMMARY line"))
        else:
            rows.append((fields[0], fields[1], fields[2], fields[3]))
    return rows


def table(rows: list[tuple[str, str, str, str]]) -> str:
    head = ("figure", "value", "limit or target", "status")
    widths = [max(len(row[i]) for row in [head, *rows]) for i in range(4)]

    def line(row: tuple[str, ...]) -> str:
        return " | ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True))

    rule = "-+-".join("-" * width for width in widths)
    return "\n".join([line(head), rule, *(line(row) for row in rows)])


def main(argv: list[str]) -> int:
    folder = Path(argv[0])
    scripts = argv[1:] or sorted(log.stem for log in folder.glob("*.log"))
    rows: list[tuple[str, str, str, str]] = []
    for script in scripts:
        log = folder / f"{script}.log"
        failed = (folder / f"{script}.failed").is_file()
        found = rows_of(log) if log.is_file() else []
        rows += found
        if failed:
            rows.append((script, "script failed", "-", "missed"))
        elif not found:
            rows.append((script, "no SUMMARY line printed", "-", "n/a"))
    load = os.getloadavg()
    print(f"\n== summary of issue #18's figures ({time.strftime('%Y-%m-%d %H:%M %Z')}, "
          f"load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f} at the end)")  # fmt: skip
    print(table(rows))
    counts = {status: sum(row[3] == status for row in rows) for status in STATUSES}
    print(f"met {counts['met']}, missed {counts['missed']}, without target {counts['n/a']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
