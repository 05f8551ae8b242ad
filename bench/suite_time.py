"""Benchmark 6: wall time of the template's own test suite, quick and slow tiers.

Runs ``uv run pytest`` on each tier, as CI does (``.ci/run``), and prints the wall time
and pytest's closing line.

    uv run python bench/suite_time.py            # both tiers (the slow one takes minutes)
    uv run python bench/suite_time.py quick      # one tier
"""

from __future__ import annotations

import subprocess
import sys
import time

from common import ROOT, machine, section

TIERS = {"quick": "not slow", "slow": "slow"}


def main() -> None:
    tiers = sys.argv[1:] or list(TIERS)
    section("6. template test suite wall time")
    print(machine())
    for tier in tiers:
        start = time.perf_counter()
        result = subprocess.run(
            ["uv", "run", "pytest", "-q", "-p", "no:cacheprovider", "-m", TIERS[tier]],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
        )
        elapsed = time.perf_counter() - start
        closing = result.stdout.strip().splitlines()[-1] if result.stdout.strip() else "no output"
        print(f"{tier} tier: {elapsed:.0f} s ({elapsed / 60:.1f} min): {closing.strip('= ')}")
        if result.returncode != 0:
            print(result.stdout[-4000:])
            raise SystemExit(f"the {tier} tier failed")


if __name__ == "__main__":
    main()
