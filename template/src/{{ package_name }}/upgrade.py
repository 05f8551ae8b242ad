"""Move the project to a later stage with Copier, behind the project's own stage gate.

``make upgrade`` runs ``python -m <package>.upgrade``: it refuses a downgrade and a dirty
git tree, checks the stage gate (the primary metric of the latest evaluation against the
minimum in ``business.yaml``), then runs ``copier update`` at the template version the
project is on, with the new stage. Files you edited keep your edits; where the template
changed the same lines, the conflict is marked inline and listed, and the command exits 1.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml

from . import config

STAGES = ("mvp", "growth", "maturity")
ANSWERS_FILE = Path(".copier-answers.yml")
CONFLICT_MARKER = "<<<<<<< "


class UpgradeRefused(Exception):
    """The upgrade cannot start; the message says why and what to do."""


@dataclass(frozen=True)
class GateVerdict:
    """The stage gate's decision, with the numbers behind it."""

    metric: str
    value: float | None
    minimum: float

    @property
    def go(self) -> bool:
        return self.value is not None and self.value >= self.minimum

    def __str__(self) -> str:
        if self.value is None:
            return f"stage gate: no-go, no {self.metric} in {config.METRICS_FILE} (make pipeline)"
        verdict, sign = ("go", ">=") if self.go else ("no-go", "<")
        return f"stage gate: {verdict}, {self.metric} {self.value:.4f} {sign} {self.minimum}"


def stage_gate(params: config.Params, metrics_file: Path = config.METRICS_FILE) -> GateVerdict:
    """Compare the latest evaluation with the north-star minimum of ``business.yaml``."""
    from .business import load_business_case

    metric = params.evaluate.primary_metric
    minimum = load_business_case().minimum_metric
    value = None
    if metrics_file.is_file():
        value = json.loads(metrics_file.read_text(encoding="utf-8")).get(metric)
    return GateVerdict(metric=metric, value=value, minimum=minimum)


def current_stage(answers_file: Path = ANSWERS_FILE) -> str:
    """The stage recorded in Copier's answers file."""
    return yaml.safe_load(answers_file.read_text(encoding="utf-8"))["stage"]


def target_stage(current: str, requested: str | None) -> str:
    """The stage to move to: the requested one, or the next; never an earlier one."""
    rank = STAGES.index(current)
    if requested is None:
        if rank == len(STAGES) - 1:
            raise UpgradeRefused(f"already at {current}, the last stage")
        return STAGES[rank + 1]
    if requested not in STAGES:
        raise UpgradeRefused(f"unknown stage {requested!r}; choose one of {', '.join(STAGES)}")
    if STAGES.index(requested) < rank:
        raise UpgradeRefused(f"cannot go back from {current} to {requested}; stages only move up")
    if requested == current:
        raise UpgradeRefused(f"already at {current}")
    return requested


def git(*args: str) -> str:
    """Run git and return its output."""
    return subprocess.run(["git", *args], capture_output=True, text=True, check=True).stdout


def ensure_clean_tree() -> None:
    """Refuse to start with uncommitted changes: Copier's merge needs a clean tree."""
    changed = git("status", "--porcelain").splitlines()
    if changed:
        raise UpgradeRefused(
            f"{len(changed)} uncommitted change(s): commit or stash them, then run make upgrade"
        )


def conflicted_files() -> list[str]:
    """Files the update left with inline conflict markers (or .rej rejects)."""
    touched = git("status", "--porcelain", "--untracked-files=all").splitlines()
    found = []
    for line in touched:
        path = Path(line[3:].strip('"'))
        if path.suffix == ".rej":
            found.append(str(path))
        elif path.is_file():
            text = path.read_text(encoding="utf-8", errors="replace")
            if any(row.startswith(CONFLICT_MARKER) for row in text.splitlines()):
                found.append(str(path))
    return sorted(found)


def copier_update(stage: str, vcs_ref: str) -> None:
    """Run ``copier update`` with the new stage; raise with Copier's last line on failure."""
    command = [
        "copier", "update", "--defaults", "--conflict", "inline",
        f"--vcs-ref={vcs_ref}", "--data", f"stage={stage}",
    ]  # fmt: skip
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        lines = (result.stdout + result.stderr).strip().splitlines() or ["(no output)"]
        raise UpgradeRefused(f"copier update failed: {lines[-1]}")


def upgrade(requested: str | None, force: bool, vcs_ref: str) -> int:
    """Run the checks and the update; return the exit code."""
    current = current_stage()
    stage = target_stage(current, requested)
    ensure_clean_tree()
    verdict = stage_gate(config.load_params())
    print(verdict)
    if not verdict.go and not force:
        raise UpgradeRefused(f"{current} has not met its goal; pass FORCE=1 to upgrade anyway")
    print(f"upgrading {current} -> {stage} (template version {vcs_ref})")
    copier_update(stage, vcs_ref)
    conflicts = conflicted_files()
    if conflicts:
        print(f"conflicts to resolve (marked inline): {', '.join(conflicts)}", file=sys.stderr)
        return 1
    print(f"now at {stage}: review `git diff`, run `make all`, then commit")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Command line of ``make upgrade``."""
    parser = argparse.ArgumentParser(description="Move the project to a later stage.")
    parser.add_argument("--to", dest="stage", help="target stage (default: the next one)")
    parser.add_argument("--force", action="store_true", help="upgrade despite a no-go gate")
    parser.add_argument(
        "--vcs-ref", default=":current:", help="template version (default: the current one)"
    )
    args = parser.parse_args(argv)
    try:
        return upgrade(args.stage, args.force, args.vcs_ref)
    except UpgradeRefused as refusal:
        print(f"make upgrade: {refusal}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
