"""Benchmark 6: wall time of the template's own test suite, quick and slow tiers.

Runs ``uv run pytest`` on each tier, as CI does (``.ci/run``: two xdist workers, from
pyproject.toml's addopts), and prints the wall time, pytest's closing line, the load
average at the end (other jobs on the machine slow the suite down) and the slowest tests.

    uv run python bench/suite_time.py            # both tiers (the slow one takes minutes)
    uv run python bench/suite_time.py quick      # one tier
"""

from __future__ import annotations

import os
import subprocess
import sys
import time

from common import ROOT, machine, section, summary

TIERS = {"quick": "not slow", "slow": "slow"}
SLOWEST = 15


def slowest(output: str) -> list[str]:
    """The first lines of pytest's ``--durations`` table."""
    lines = output.splitlines()
    start = next(
        (i for i, line in enumerate(lines) if "slowest" in line and "durations" in line), None
    )
    if start is None:
        return []
    table = [line for line in lines[start + 1 :] if line[:1].isdigit()]
    return table[:SLOWEST]


def main() -> None:
    tiers = sys.argv[1:] or list(TIERS)
    section("6. template test suite wall time")
    print(machine())
    for tier in tiers:
        start = time.perf_counter()
        result = subprocess.run(
            [
                "uv",
                "run",
                "pytest",
                "-q",
                "-p",
                "no:cacheprovider",
                "-m",
                TIERS[tier],
                f"--durations={SLOWEST}",
            ],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
        )
        elapsed = time.perf_counter() - start
        closing = result.stdout.strip().splitlines()[-1] if result.stdout.strip() else "no output"
        print(f"{tier} tier: {elapsed:.0f} s ({elapsed / 60:.1f} min): {closing.strip('= ')}")
        print(f"  load average at the end: {os.getloadavg()[0]:.1f}; slowest tests:")
        summary(f"suite {tier} tier", f"{elapsed / 60:.1f} min", "-", None)
        for line in slowest(result.stdout):
            print(f"    {line}")
        if result.returncode != 0:
            print(result.stdout[-4000:])
            raise SystemExit(f"the {tier} tier failed")


if __name__ == "__main__":
    main()
