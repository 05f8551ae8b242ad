"""Move the project to a later stage with Copier, behind the project's own stage gate.

``make upgrade`` runs ``python -m <package>.upgrade``: it refuses a downgrade and a dirty
git tree, checks the stage gate (the primary metric of the latest evaluation against the
minimum in ``business.yaml``, and ``dvc status``: no stage may be out of date), runs
``copier update`` at the template version the project is on, with the new stage, in a
scratch clone (``scratch_update``), and applies the result in one git step. ``dvc status``
runs while Copier does (the clone is not the work tree); a no-go on stale stages drops the
prepared result before anything is applied. Files you edited keep your edits; where the
template changed the same lines, the conflict is marked inline and listed. Exit codes:
0 done, 1 done with conflicts, 2 refused (nothing touched).
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import json
import re
import subprocess
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import yaml

from . import config, scratch_update
from .scratch_update import UpdateFailed, git

STAGES = ("mvp", "growth", "maturity")
ANSWERS_FILE = Path(".copier-answers.yml")
DONE, CONFLICTS, REFUSED = 0, 1, 2
LOCK_FILE = "uv.lock"
SHOWN_PATHS = 10


class UpgradeRefused(Exception):
    """The upgrade cannot start; the message says why and what to do."""


@dataclass(frozen=True)
class GateVerdict:
    """The stage gate's decision, with the numbers behind it."""

    metric: str
    value: float | None
    minimum: float
    stale: tuple[str, ...] = ()

    @property
    def go(self) -> bool:
        return not self.stale and self.value is not None and self.value >= self.minimum

    def __str__(self) -> str:
        if self.stale:
            return (
                f"stage gate: no-go, stages out of date: {', '.join(self.stale)} "
                f"({config.METRICS_FILE} may be old: make pipeline, then commit)"
            )
        if self.value is None:
            return f"stage gate: no-go, no {self.metric} in {config.METRICS_FILE} (make pipeline)"
        verdict, sign = ("go", ">=") if self.go else ("no-go", "<")
        return f"stage gate: {verdict}, {self.metric} {self.value:.4f} {sign} {self.minimum}"


def start_status() -> subprocess.Popen[str] | None:
    """Start ``dvc status --json`` in the background (None when DVC is not installed)."""
    if importlib.util.find_spec("dvc") is None or not Path("dvc.yaml").is_file():
        return None
    return subprocess.Popen(
        [sys.executable, "-m", "dvc", "status", "--json"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        preexec_fn=scratch_update.die_with_parent,
    )  # fmt: skip


@contextlib.contextmanager
def status_running() -> Iterator[subprocess.Popen[str] | None]:
    """``dvc status`` running alongside the block; stopped if the block leaves early."""
    status = start_status()
    try:
        yield status
    finally:
        if status is not None and status.poll() is None:
            status.kill()
            status.communicate()


def stale_stages(status: subprocess.Popen[str] | None) -> tuple[str, ...]:
    """Pipeline stages the ``dvc status`` run reports out of date (none without DVC)."""
    if status is None:
        return ()
    stdout, stderr = status.communicate()
    try:
        report = json.loads(stdout or "{}")
    except json.JSONDecodeError:
        raise UpgradeRefused(f"dvc status failed: {stderr.strip()[-300:]}") from None
    return tuple(name.rsplit(":", 1)[-1] for name in report)


def metric_verdict(params: config.Params, metrics_file: Path = config.METRICS_FILE) -> GateVerdict:
    """The gate on the latest evaluation's primary metric alone (stale stages not yet known)."""
    from .business import load_business_case

    metric = params.evaluate.primary_metric
    minimum = load_business_case().minimum_metric
    value = None
    if metrics_file.is_file():
        value = json.loads(metrics_file.read_text(encoding="utf-8")).get(metric)
    return GateVerdict(metric=metric, value=value, minimum=minimum)


def read_answers(answers_file: Path = ANSWERS_FILE) -> dict:
    """Copier's answers file."""
    return yaml.safe_load(answers_file.read_text(encoding="utf-8"))


def current_stage(answers_file: Path = ANSWERS_FILE) -> str:
    """The stage recorded in Copier's answers file."""
    return read_answers(answers_file)["stage"]


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


def lock_written_by_uv() -> bool:
    """True when ``uv.lock`` exists untracked: ``uv run`` wrote it, the team did not."""
    return Path(LOCK_FILE).is_file() and not git("ls-files", LOCK_FILE).strip()


def ensure_clean_tree() -> None:
    """Refuse uncommitted changes, named: the upgrade applies on top of the last commit."""
    changed = [
        line[3:].strip('"')
        for line in git("status", "--porcelain", "--untracked-files=all").splitlines()
    ]
    if lock_written_by_uv():
        changed.remove(LOCK_FILE)
    if changed:
        shown = ", ".join(changed[:SHOWN_PATHS])
        more = f" and {len(changed) - SHOWN_PATHS} more" if len(changed) > SHOWN_PATHS else ""
        raise UpgradeRefused(
            f"uncommitted changes in {shown}{more}: commit them (git add -A && git commit) "
            "or set them aside (git stash --include-untracked), then run make upgrade"
        )


def is_local(source: str) -> bool:
    """True for a folder, False for a URL (git, https, ssh, gh:, gl:)."""
    return not re.match(r"^([a-z][a-z0-9+.-]*://|[\w.-]+@|gh:|gl:)", source)


def template_source(answers: dict, requested: str | None) -> str | None:
    """The source to record instead of the answers' one, or None to keep it.

    A relative folder is recorded as an absolute one (it would resolve against the scratch
    clone); a folder that no longer holds the template is refused, naming ``TEMPLATE=``.
    """
    recorded = str(answers.get("_src_path", ""))
    source = requested or recorded
    if is_local(source):
        folder = Path(source).expanduser().resolve()
        if not any((folder / name).is_file() for name in ("copier.yml", "copier.yaml")):
            where = "TEMPLATE" if requested else f"_src_path in {ANSWERS_FILE}"
            raise UpgradeRefused(
                f"the template source ({where}: {source}) is not found at {folder}: "
                "point to the template with make upgrade TEMPLATE=<its git URL or folder>"
            )
        source = str(folder)
    return None if source == recorded else source


def copier_arguments(stage: str, vcs_ref: str | None, data: Sequence[str]) -> list[str]:
    """Arguments of ``copier update``: the new stage, the version, answers passed on."""
    arguments = ["--defaults", "--conflict", "inline", "--data", f"stage={stage}"]
    for answer in data:
        arguments += ["--data", answer]
    return [*arguments, f"--vcs-ref={vcs_ref}" if vcs_ref else "--vcs-ref=:current:"]


def stage_names(dvc_yaml: str) -> list[str]:
    return list((yaml.safe_load(dvc_yaml) or {}).get("stages", {}))


def make_targets(makefile: str) -> list[str]:
    return re.findall(r"^([\w-]+):.*## ", makefile, flags=re.MULTILINE)


def tuning_note(params_before: str, params_after: str) -> list[str]:
    """Say which of the team's hyper-parameters the new ``tune`` stage searches."""
    before = yaml.safe_load(params_before) or {}
    after = yaml.safe_load(params_after) or {}
    if "tune" in before or "tune" not in after:
        return []
    team = after.get("train", {}).get("hyperparameters", {})
    searched = [
        f"{name} (your {team[name]} and {after['tune']['space'][name]})"
        for name in after["tune"].get("space", {})
        if name in team
    ]
    if not searched:
        return []
    return [f"  tuned from now on, best value used: {', '.join(searched)}"]


def what_changes(commit: str, before: dict) -> list[str]:
    """Short lines on what the new stage brings: stages, commands, settings."""
    show = scratch_update.show

    def new(key: str, old: list[str], now: list[str]) -> list[str]:
        added = [item for item in now if item not in old]
        return [f"  {key}: {', '.join(added)}"] if added else []

    after = yaml.safe_load(show(commit, str(ANSWERS_FILE))) or {}
    settings = [
        f"{key}={value}" for key, value in after.items()
        if not key.startswith("_") and key not in before
    ]  # fmt: skip
    lines = [
        *new("new pipeline stages (make pipeline)", stage_names(show("HEAD", "dvc.yaml")),
             stage_names(show(commit, "dvc.yaml"))),
        *new("new commands (make help)", make_targets(show("HEAD", "Makefile")),
             make_targets(show(commit, "Makefile"))),
        *new("new params.yaml sections", list(yaml.safe_load(show("HEAD", "params.yaml")) or {}),
             list(yaml.safe_load(show(commit, "params.yaml")) or {})),
    ]  # fmt: skip
    lines += tuning_note(show("HEAD", "params.yaml"), show(commit, "params.yaml"))
    if settings:
        lines.append(
            "  new settings, defaults taken (change with copier update --data): "
            + ", ".join(settings)
        )
    return ["what changes for you:", *lines] if lines else []


def upgrade(
    requested: str | None,
    force: bool,
    vcs_ref: str | None,
    template: str | None = None,
    data: Sequence[str] = (),
) -> int:
    """Run the checks, the update in a scratch clone and the apply; return the exit code."""
    if scratch_update.applying_marker().is_file():
        raise UpgradeRefused(
            "an earlier upgrade stopped while applying its result: "
            "run make upgrade RECOVER=1 to finish it"
        )
    answers = read_answers()
    current = answers["stage"]
    stage = target_stage(current, requested)
    ensure_clean_tree()
    source = template_source(answers, template)
    params = config.load_params()
    with status_running() as status:
        # A missing or low metric refuses at once; stale stages (dvc status, which takes
        # seconds) are known after the result Copier prepares meanwhile in the scratch clone.
        verdict = metric_verdict(params)
        if not verdict.go and not force:
            print(replace(verdict, stale=stale_stages(status)))
            raise UpgradeRefused(f"{current} has not met its goal; pass FORCE=1 to upgrade anyway")
        version = vcs_ref or answers.get("_commit", "unknown")
        print(
            f"upgrading {current} -> {stage} "
            f"(template {source or answers['_src_path']} at {version})"
        )
        try:
            result = scratch_update.prepare(
                copier_arguments(stage, vcs_ref, data), ANSWERS_FILE, source, print
            )
        except UpdateFailed as failure:
            raise UpdateFailed(
                f"{failure} (nothing changed; if the template moved: "
                "make upgrade TEMPLATE=<its git URL or folder>)"
            ) from None
        try:
            verdict = replace(verdict, stale=stale_stages(status))
        except UpgradeRefused:
            scratch_update.drop(result.commit)
            raise
    print(verdict)
    if not verdict.go and not force:
        scratch_update.drop(result.commit)
        raise UpgradeRefused(f"{current} has not met its goal; pass FORCE=1 to upgrade anyway")
    scratch_update.apply(result.commit, disposable=[LOCK_FILE] if lock_written_by_uv() else [])
    print("\n".join(what_changes(result.commit, answers)))
    if result.conflicts:
        print(
            f"conflicts to resolve (marked inline): {', '.join(result.conflicts)}", file=sys.stderr
        )
        return CONFLICTS
    print(f"now at {stage}: review `git diff --cached`, run `make all`, then commit")
    return DONE


def main(argv: Sequence[str] | None = None) -> int:
    """Command line of ``make upgrade``."""
    parser = argparse.ArgumentParser(description="Move the project to a later stage.")
    parser.add_argument("--to", dest="stage", help="target stage (default: the next one)")
    parser.add_argument("--force", action="store_true", help="upgrade despite a no-go gate")
    parser.add_argument("--vcs-ref", help="template version (default: the current one)")
    parser.add_argument("--template", help="where the template is now (git URL or folder)")
    parser.add_argument(
        "--data", action="append", default=[], metavar="NAME=VALUE", help="an answer to pass on"
    )
    parser.add_argument(
        "--recover", action="store_true", help="finish an apply a dead machine left half done"
    )
    args = parser.parse_args(argv)
    try:
        if args.recover:
            commit = scratch_update.recover()
            print(f"applied the saved upgrade {commit[:12]}: review `git diff --cached`")
            return DONE
        return upgrade(args.stage, args.force, args.vcs_ref, args.template, args.data)
    except (UpgradeRefused, UpdateFailed) as refusal:
        print(f"make upgrade: {refusal}", file=sys.stderr)
        return REFUSED
    except scratch_update.Interrupted as signal_name:
        print(f"make upgrade: stopped by {signal_name}; nothing was changed", file=sys.stderr)
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
