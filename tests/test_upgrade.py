"""Upgrading a generated repo with ``make upgrade``'s code and the real ``copier update``.

Projects are generated from a tagged git copy of this template, committed, edited the
way a team edits them, committed again, and moved up a stage. The quick tier runs the
generated ``upgrade`` module with the template's own Python (the module needs only
PyYAML and Copier); the slow tier runs ``make upgrade`` in an installed project and then
the project's own ``make all``.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import copier
import pytest
import yaml
from conftest import (
    FIGURES,
    ROOT,
    made_once,
    project_env,
    run,
    run_upgrade_module,
    shared_path,
    snapshot_template,
)

# Each test makes its own projects from the shared template repository: any worker may run
# it. The interruption table is grouped by transition (its prepared project, below).
pytestmark = pytest.mark.independent

GIT_USER = {
    "GIT_AUTHOR_NAME": "mlstages tests",
    "GIT_AUTHOR_EMAIL": "tests@mlstages.invalid",
    "GIT_COMMITTER_NAME": "mlstages tests",
    "GIT_COMMITTER_EMAIL": "tests@mlstages.invalid",
}
PACKAGE = "my_ml_project"


def git(cwd: Path, *args: str) -> str:
    result = subprocess.run(
        ["git", *args], cwd=cwd, env={**os.environ, **GIT_USER},
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    return result.stdout.strip()


def commit_all(cwd: Path, message: str) -> None:
    git(cwd, "add", "-A")
    git(cwd, "commit", "-q", "-m", message)


@pytest.fixture(scope="module")
def template_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A git copy of the template with two releases, made once a run (read only)."""
    return made_once(shared_path(tmp_path_factory, "template-repo"), release_template)


def release_template(repo: Path) -> Path:
    """A git copy of the template with two releases: v0.1.0, and v0.2.0 changing a file."""
    snapshot_template(repo)
    git(repo, "init", "-q")
    commit_all(repo, "Release 0.1.0")
    git(repo, "tag", "v0.1.0")
    readme = repo / "template" / "README.md.jinja"
    readme.write_text(readme.read_text() + "\nRelease note: a line added in v0.2.0.\n")
    commit_all(repo, "Release 0.2.0")
    git(repo, "tag", "v0.2.0")
    return repo


def generate(template_repo: Path, dst: Path, **answers: str) -> Path:
    """A project at template v0.1.0, committed as its first commit."""
    copier.run_copy(
        str(template_repo), dst, data=answers, defaults=True, vcs_ref="v0.1.0", quiet=True
    )
    git(dst, "init", "-q")
    commit_all(dst, "Generated")
    return dst


def record_metric(project: Path, value: float) -> None:
    """What the evaluate stage writes, for the stage gate (the slow tier runs the real one)."""
    reports = project / "reports"
    reports.mkdir(exist_ok=True)
    (reports / "metrics.json").write_text(json.dumps({"roc_auc": value}) + "\n")


def answers_of(project: Path) -> dict:
    return yaml.safe_load((project / ".copier-answers.yml").read_text())


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1))


def make_user_edits(project: Path) -> None:
    """Five kinds of edits a team makes, committed."""
    package = project / "src" / PACKAGE
    # 1. a generated source file, where the template does not change
    with (package / "features.py").open("a") as features:
        features.write('\n\nTEAM_NOTE = "features reviewed by the team"\n')
    # 2. a line the template also changes between stages
    edit(
        project / "README.md", "project at the **mvp** stage", "project at the **mvp** stage (team)"
    )
    # 3. a new file
    (package / "team_rules.py").write_text('"""Business rules of the team."""\n\nTHRESHOLD = 0.4\n')
    # 4. a generated file deleted
    (project / "tests" / "test_cli.py").unlink()
    # 5. a parameter changed
    edit(project / "params.yaml", "test_size: 0.2", "test_size: 0.25")
    record_metric(project, 0.99)
    commit_all(project, "Team edits")


def test_mvp_to_growth_keeps_every_kind_of_edit_and_reports_the_conflict(
    template_repo: Path, tmp_path: Path
) -> None:
    project = generate(template_repo, tmp_path / "project")
    make_user_edits(project)
    outcome = run_upgrade_module(project)
    assert outcome.code == 1, outcome
    assert "stage gate: go, roc_auc 0.9900 >= 0.85" in outcome.out
    assert outcome.last_line == "conflicts to resolve (marked inline): README.md"
    readme = (project / "README.md").read_text()
    assert "<<<<<<< before updating" in readme and "**mvp** stage (team)" in readme
    assert "**growth** stage" in readme
    package = project / "src" / PACKAGE
    assert 'TEAM_NOTE = "features reviewed by the team"' in (package / "features.py").read_text()
    assert (package / "team_rules.py").is_file()
    assert not (project / "tests" / "test_cli.py").exists()
    params = yaml.safe_load((project / "params.yaml").read_text())
    assert params["data"]["test_size"] == 0.25 and "tune" in params and "tracking" in params
    assert answers_of(project)["stage"] == "growth"
    assert answers_of(project)["_commit"] == "v0.1.0"
    for added in ("contracts/raw.yaml", f"src/{PACKAGE}/tracking.py", "Dockerfile"):
        assert (project / added).is_file(), added


def test_a_clean_upgrade_says_what_to_do_next(template_repo: Path, tmp_path: Path) -> None:
    project = generate(template_repo, tmp_path / "project", serving="batch")
    record_metric(project, 0.97)
    commit_all(project, "Evaluated")
    outcome = run_upgrade_module(project)
    assert outcome.code == 0, outcome
    assert "what changes for you:" in outcome.out, outcome.out
    assert "  new pipeline stages (make pipeline): validate, tune\n" in outcome.out
    assert "contract" in outcome.out.split("new commands (make help):")[1].splitlines()[0]
    assert "  new params.yaml sections: tune, tracking" in outcome.out
    assert "  tuned from now on, best value used: C (your 1.0 and [0.01, 0.1, 1.0, 10.0])" in (
        outcome.out
    )
    assert (
        outcome.last_line
        == "now at growth: review `git diff --cached`, run `make all`, then commit"
    )
    assert answers_of(project)["stage"] == "growth"
    assert git(project, "diff", "--name-only", "--diff-filter=U") == ""


@pytest.fixture
def growth_project(template_repo: Path, tmp_path: Path) -> Path:
    project = generate(template_repo, tmp_path / "project", stage="growth")
    record_metric(project, 0.95)
    commit_all(project, "Evaluated")
    return project


def test_downgrade_is_refused_in_one_line_with_the_tree_untouched(growth_project: Path) -> None:
    head = git(growth_project, "rev-parse", "HEAD")
    outcome = run_upgrade_module(growth_project, "--to", "mvp")
    assert outcome.code == 2
    assert (
        outcome.err.strip()
        == "make upgrade: cannot go back from growth to mvp; stages only move up"
    )
    assert git(growth_project, "status", "--porcelain") == ""
    assert git(growth_project, "rev-parse", "HEAD") == head


def test_copier_itself_refuses_a_downgrade_without_trust(growth_project: Path) -> None:
    with pytest.raises(ValueError, match="stage: cannot go back from growth to mvp"):
        copier.run_update(
            growth_project, data={"stage": "mvp"}, defaults=True, overwrite=True,
            vcs_ref="v0.1.0", unsafe=False, quiet=True,
        )  # fmt: skip
    assert git(growth_project, "status", "--porcelain") == ""
    assert answers_of(growth_project)["stage"] == "growth"


def test_dirty_tree_is_refused(template_repo: Path, tmp_path: Path) -> None:
    project = generate(template_repo, tmp_path / "project")
    record_metric(project, 0.99)  # not committed
    outcome = run_upgrade_module(project)
    assert outcome.code == 2
    assert outcome.last_line == (
        "make upgrade: uncommitted changes in reports/metrics.json: commit them "
        "(git add -A && git commit) or set them aside (git stash --include-untracked), "
        "then run make upgrade"
    )
    assert answers_of(project)["stage"] == "mvp"


def test_gate_no_go_stops_and_force_proceeds(template_repo: Path, tmp_path: Path) -> None:
    project = generate(template_repo, tmp_path / "project", serving="batch")
    record_metric(project, 0.61)
    commit_all(project, "A weak model")
    stopped = run_upgrade_module(project)
    assert stopped.code == 2
    assert "stage gate: no-go, roc_auc 0.6100 < 0.85" in stopped.out
    assert stopped.last_line == (
        "make upgrade: mvp has not met its goal; pass FORCE=1 to upgrade anyway"
    )
    assert answers_of(project)["stage"] == "mvp" and git(project, "status", "--porcelain") == ""
    forced = run_upgrade_module(project, "--force")
    assert forced.code == 0, forced
    assert answers_of(project)["stage"] == "growth"


def test_gate_without_metrics_is_a_no_go(template_repo: Path, tmp_path: Path) -> None:
    project = generate(template_repo, tmp_path / "project")
    outcome = run_upgrade_module(project)
    assert outcome.code == 2
    assert "stage gate: no-go, no roc_auc in reports/metrics.json (make pipeline)" in outcome.out


def test_a_copier_error_changes_nothing_and_leaves_no_temporary_folder(
    template_repo: Path, tmp_path: Path
) -> None:
    project = generate(template_repo, tmp_path / "project", serving="batch")
    record_metric(project, 0.97)
    commit_all(project, "Evaluated")
    before = snapshot(project)
    outcome = run_upgrade_module(project, "--vcs-ref", "v9.9.9")
    assert outcome.code == 2
    assert outcome.last_line.startswith("make upgrade: copier update failed: ")
    assert outcome.last_line.endswith(
        "(nothing changed; if the template moved: make upgrade TEMPLATE=<its git URL or folder>)"
    )
    assert snapshot(project) == before
    assert not (project / SCRATCH).exists()
    nothing = run_upgrade_module(project, "--recover")
    assert nothing.last_line == (
        "make upgrade: nothing to recover: no saved upgrade (refs/mlstages/upgrade)"
    )


MATURITY_ADDED = (
    "deploy/rollout.yaml",
    "deploy/k8s/base/kustomization.yaml",
    "deploy/k8s/overlays/production/kustomization.yaml",
    "deploy/argocd/staging.yaml",
    f"src/{PACKAGE}/service.py",
    f"src/{PACKAGE}/drift.py",
    "loadtest/locustfile.py",
    ".github/workflows/retrain.yml",
)


def test_growth_to_maturity_adds_the_layer_and_keeps_the_team_work(growth_project: Path) -> None:
    package = growth_project / "src" / PACKAGE
    (package / "team_rules.py").write_text('"""Business rules of the team."""\n\nLIMIT = 3\n')
    edit(growth_project / "params.yaml", "test_size: 0.2", "test_size: 0.3")
    edit(growth_project / "business.yaml", "team_size: 2", "team_size: 5")
    edit(growth_project / "contracts" / "raw.yaml", "min_rows:", "# reviewed\nmin_rows:")
    commit_all(growth_project, "Team edits at growth")
    outcome = run_upgrade_module(growth_project)
    assert outcome.code == 0, outcome
    assert "stage gate: go, roc_auc 0.9500 >= 0.85" in outcome.out
    assert (
        outcome.last_line
        == "now at maturity: review `git diff --cached`, run `make all`, then commit"
    )
    assert answers_of(growth_project)["stage"] == "maturity"
    for added in MATURITY_ADDED:
        assert (growth_project / added).is_file(), added
    params = yaml.safe_load((growth_project / "params.yaml").read_text())
    assert params["data"]["test_size"] == 0.3
    assert {"tune", "tracking", "challenger", "monitoring"} <= set(params)
    assert "team_size: 5" in (growth_project / "business.yaml").read_text()
    assert "# reviewed" in (growth_project / "contracts" / "raw.yaml").read_text()
    assert (package / "team_rules.py").is_file()
    assert git(growth_project, "diff", "--name-only", "--diff-filter=U") == ""


def test_mvp_to_maturity_in_one_step(template_repo: Path, tmp_path: Path) -> None:
    project = generate(template_repo, tmp_path / "project", ci_provider="gitlab")
    record_metric(project, 0.97)
    commit_all(project, "Evaluated")
    outcome = run_upgrade_module(project, "--to", "maturity")
    assert outcome.code == 0, outcome
    assert answers_of(project)["stage"] == "maturity"
    recorded = answers_of(project)
    assert recorded["container_image"] == "registry.gitlab.com/my-team/my-ml-project"
    for added in (*MATURITY_ADDED[:-1], "contracts/raw.yaml", ".gitlab/ci/retrain.yml"):
        assert (project / added).is_file(), added


def test_maturity_is_the_last_stage(template_repo: Path, tmp_path: Path) -> None:
    project = generate(template_repo, tmp_path / "project", stage="maturity")
    record_metric(project, 0.97)
    commit_all(project, "Evaluated")
    outcome = run_upgrade_module(project)
    assert outcome.code == 2
    assert outcome.last_line == "make upgrade: already at maturity, the last stage"
    assert git(project, "status", "--porcelain") == ""


def test_update_to_a_newer_template_release_keeps_the_stage(growth_project: Path) -> None:
    copier.run_update(
        growth_project, defaults=True, overwrite=True, vcs_ref="v0.2.0", quiet=True,
        conflict="inline",
    )  # fmt: skip
    recorded = answers_of(growth_project)
    assert recorded["_commit"] == "v0.2.0" and recorded["stage"] == "growth"
    assert "Release note: a line added in v0.2.0." in (growth_project / "README.md").read_text()


CUSTOM_FEATURE = """

# Team: the features are rounded after the generated preprocessing.
import numpy as np  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import FunctionTransformer  # noqa: E402

_generated_preprocessor = build_preprocessor


def round_features(values: np.ndarray) -> np.ndarray:
    \"\"\"Round standardised values to six decimals.\"\"\"
    return np.round(values, 6)


def build_preprocessor(features: list[str]):  # type: ignore[no-redef]
    \"\"\"The generated preprocessing, then the team's rounding.\"\"\"
    return make_pipeline(
        _generated_preprocessor(features),
        FunctionTransformer(round_features, feature_names_out="one-to-one"),
    )
"""


def readme_copy_command() -> str:
    """The set-up command of the README, as a reader copies it (copier run by ``uvx``)."""
    readme = (ROOT / "README.md").read_text()
    line = next(row for row in readme.splitlines() if "uvx copier copy --defaults" in row)
    command = next(part.strip() for part in line.split("&&") if "copier copy" in part)
    return command.removeprefix("uvx ")


def make_upgrade(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["make", "upgrade", *args], cwd=project, env=project_env(), capture_output=True,
        text=True, timeout=900, check=False,
    )  # fmt: skip


@pytest.mark.slow
def test_readme_project_upgrades_right_after_copy_then_keeps_going_after_the_template_moved(
    template_repo: Path, tmp_path: Path
) -> None:
    checkout = tmp_path / "mlstages"
    git(tmp_path, "clone", "-q", str(template_repo), str(checkout))
    env = project_env()
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env['PATH']}"  # copier, as uvx
    subprocess.run(
        ["bash", "-c", readme_copy_command()], cwd=checkout, env=env, check=True,
        capture_output=True, text=True,
    )  # fmt: skip
    project = tmp_path / "my-ml-project"
    with (project / "src" / PACKAGE / "features.py").open("a") as features:
        features.write(CUSTOM_FEATURE)
    edit(project / "params.yaml", "C: 1.0", "C: 0.5")
    git(project, "init", "-q")
    commit_all(project, "Generated with the README's command, and the team's feature")
    # right after the copy, no install: the gate has no numbers, FORCE=yes is accepted
    upgraded = make_upgrade(project, "FORCE=yes")
    assert upgraded.returncode == 0, upgraded.stdout + upgraded.stderr
    assert "stage gate: no-go, stages out of date: prepare" in upgraded.stdout
    assert "tuned from now on, best value used: C (your 0.5 and" in upgraded.stdout
    assert "now at growth" in upgraded.stdout
    assert "uv.lock" not in git(project, "diff", "--cached", "--name-only")
    commit_all(project, "Growth stage")
    result = run(["make", "all"], project, timeout=900)
    assert "promoted to champion" in result.stdout and " passed" in result.stdout
    assert "round_features" in (project / "src" / PACKAGE / "features.py").read_text()
    commit_all(project, "Growth results")
    # stale numbers: the gate names the stages that are out of date
    edit(project / "params.yaml", "test_size: 0.2", "test_size: 0.25")
    commit_all(project, "A new split, not run yet")
    stale = make_upgrade(project)
    assert stale.returncode != 0 and "stages out of date: prepare" in stale.stdout, stale.stdout
    assert answers_of(project)["stage"] == "growth"
    git(project, "reset", "-q", "--hard", "HEAD~1")
    # the template moved: the error names TEMPLATE=, which repoints the project
    moved = checkout.rename(tmp_path / "mlstages-moved")
    lost = make_upgrade(project)
    assert lost.returncode != 0
    assert "point to the template with make upgrade TEMPLATE=" in lost.stderr, lost.stderr
    upgraded = make_upgrade(project, f"TEMPLATE={moved}")
    assert upgraded.returncode == 0, upgraded.stdout + upgraded.stderr
    assert "stage gate: go" in upgraded.stdout and "now at maturity" in upgraded.stdout
    assert answers_of(project)["_src_path"] == str(moved)
    commit_all(project, "Maturity stage")
    result = run(["make", "all"], project, timeout=900)
    assert "challenger random_forest" in result.stdout and " passed" in result.stdout
    assert (project / "models" / "reference.parquet").is_file()
    assert "round_features" in (project / "src" / PACKAGE / "features.py").read_text()


# Interruptions: the real upgrade process, stopped at points found on disk while it runs.
SCRATCH = Path(".git/mlstages-upgrade")
POINTS = {
    # a scratch folder exists: the clone is being made, Copier has not started
    "early": lambda project, new_file: (project / SCRATCH / "tmp").is_dir(),
    # Copier is writing the new stage's files into the scratch clone
    "mid-write": lambda project, new_file: (project / SCRATCH / "project" / new_file).is_file(),
    # the result is saved and being applied to the work tree
    "late": lambda project, new_file: (project / ".git/mlstages-upgrade-applying").is_file(),
}
TRANSITIONS = {
    # name: (first stage, arguments, a file Copier writes for the new stage)
    "mvp->growth": ("mvp", (), f"src/{PACKAGE}/tracking.py"),
    "growth->maturity": ("growth", (), f"src/{PACKAGE}/drift.py"),
    "mvp->maturity": ("mvp", ("--to", "maturity"), f"src/{PACKAGE}/drift.py"),
}


def snapshot(project: Path) -> tuple[dict[str, bytes], str]:
    """Every file of the work tree, byte for byte, and what git says about it.

    Bytecode caches aside: Python writes them (git-ignored) when the upgrade module runs.
    """
    files = {
        str(path.relative_to(project)): path.read_bytes()
        for path in sorted(project.rglob("*"))
        if path.is_file() and not {".git", "__pycache__"} & set(path.relative_to(project).parts)
    }
    return files, git(project, "status", "--porcelain", "--untracked-files=all")


def upgrade_process(project: Path, *args: str, tmp: Path) -> subprocess.Popen[str]:
    """``make upgrade``'s module as a real process of its own (a session, as in a terminal)."""
    env = project_env({"PYTHONPATH": str(project / "src"), "TMPDIR": str(tmp)})
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env['PATH']}"
    return subprocess.Popen(
        [sys.executable, "-m", f"{PACKAGE}.upgrade", *args], cwd=project, env=env,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True,
    )  # fmt: skip


@pytest.fixture(scope="module")
def team_projects(template_repo: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """Per transition, made when first asked: a committed project with team edits, and its
    uninterrupted upgrade. Every case of a transition clones that one project."""
    return Prepared(template_repo, tmp_path_factory)


class Prepared(dict):
    """Transition name -> (project, snapshot of its uninterrupted upgrade), made on demand."""

    def __init__(self, template_repo: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
        super().__init__()
        self.template_repo = template_repo
        self.tmp_path_factory = tmp_path_factory

    def __missing__(self, name: str) -> tuple[Path, tuple[dict[str, bytes], str]]:
        stage, args, _ = TRANSITIONS[name]
        template_repo, tmp_path_factory = self.template_repo, self.tmp_path_factory
        base = tmp_path_factory.mktemp(name.replace(">", ""))
        project = generate(template_repo, base / "project", stage=stage)
        if stage == "mvp":
            make_user_edits(project)
        else:
            edit(project / "params.yaml", "test_size: 0.2", "test_size: 0.3")
            edit(project / "business.yaml", "team_size: 2", "team_size: 5")
            record_metric(project, 0.95)
            commit_all(project, "Team edits at growth")
        reference = base / "reference"
        git(base, "clone", "-q", str(project), str(reference))
        outcome = run_upgrade_module(reference, *args)
        assert outcome.code in (0, 1), outcome
        self[name] = (project, snapshot(reference))
        return self[name]


@pytest.mark.parametrize("signal_name", ["SIGINT", "SIGKILL"])
@pytest.mark.parametrize("point", list(POINTS))
@pytest.mark.parametrize(
    "transition",
    [pytest.param(t, marks=pytest.mark.xdist_group(f"interrupted-{t}")) for t in TRANSITIONS],
)
def test_an_interrupted_upgrade_leaves_the_tree_as_before_or_fully_upgraded(
    team_projects: dict, transition: str, point: str, signal_name: str, tmp_path: Path
) -> None:
    original, upgraded = team_projects[transition]
    project = tmp_path / "project"
    git(tmp_path, "clone", "-q", str(original), str(project))
    before = snapshot(project)
    temp = tmp_path / "tmp"
    temp.mkdir()
    process = upgrade_process(project, *TRANSITIONS[transition][1], tmp=temp)
    reached = POINTS[point]
    deadline = time.monotonic() + 120
    while process.poll() is None and not reached(project, TRANSITIONS[transition][2]):
        assert time.monotonic() < deadline, "the upgrade never reached the point"
        time.sleep(0.002)
    hit = process.poll() is None
    if signal_name == "SIGINT":  # Ctrl-C in a terminal: the whole foreground group
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGINT)
    else:
        with contextlib.suppress(ProcessLookupError):
            process.kill()
    output, _ = process.communicate(timeout=120)
    time.sleep(0.2)  # a child still applying (its own session) finishes its step
    for _ in range(100):
        if not (project / ".git/index.lock").exists():
            break
        time.sleep(0.05)
    after = snapshot(project)
    if after == before:
        outcome = "as before"
    else:
        if (project / ".git/mlstages-upgrade-applying").exists():  # killed while applying
            refused = run_upgrade_module(project)
            assert refused.last_line.endswith("run make upgrade RECOVER=1 to finish it")
            recovered = run_upgrade_module(project, "--recover")
            assert recovered.code == 0, recovered
            outcome = "fully upgraded after RECOVER=1"
        else:
            outcome = "fully upgraded"
        assert snapshot(project) == upgraded, f"{outcome}? {output}"
    if signal_name == "SIGINT":
        assert not (project / SCRATCH).exists()
    assert list(temp.iterdir()) == [], "temporary folders left behind"
    FIGURES.append(
        f"upgrade interrupted: {transition:17} {point:9} {signal_name:7} -> {outcome}"
        + ("" if hit else " (the run ended before the point)")
    )
    # after a kill, the next upgrade sweeps what was left and runs to its end
    if outcome == "as before" and signal_name == "SIGKILL" and point == "mid-write":
        again = run_upgrade_module(project, *TRANSITIONS[transition][1])
        assert again.code in (0, 1), again
        assert snapshot(project) == upgraded
        assert not (project / SCRATCH).exists()


# The CI upgrade scripts, run as written in a clean clone whose origin is a bare repository;
# only the forge's API call (gh pr create, curl to GitLab's API) is a recording stand-in.
RECORDER = """#!/bin/sh
printf '%s\\n' "$@" > "$RECORD/args"
while [ $# -gt 0 ]; do [ "$1" = --body-file ] && cp "$2" "$RECORD/body"; shift; done
exit 0
"""


def ci_clone(project: Path, tmp_path: Path, forge_command: str) -> tuple[Path, Path, dict]:
    """A bare origin, a fresh installed clone of it, and the environment of a CI runner."""
    origin = tmp_path / "origin.git"
    git(tmp_path, "clone", "-q", "--bare", str(project), str(origin))
    work = tmp_path / "work"
    git(tmp_path, "clone", "-q", str(origin), str(work))
    run(["make", "install"], work, timeout=600)
    record, stand_ins = tmp_path / "record", tmp_path / "bin"
    record.mkdir()
    stand_ins.mkdir()
    (stand_ins / forge_command).write_text(RECORDER)
    (stand_ins / forge_command).chmod(0o755)
    env = project_env(
        {"RECORD": str(record), "PATH": f"{stand_ins}{os.pathsep}{os.environ['PATH']}"}
    )
    return origin, work, env


def run_script(script: str, cwd: Path, env: dict) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", "--noprofile", "--norc", "-e", "-c", script], cwd=cwd, env=env,
        capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip


def conflicting_project(template_repo: Path, dst: Path, ci_provider: str) -> Path:
    project = generate(template_repo, dst, ci_provider=ci_provider, serving="batch")
    edit(
        project / "README.md", "project at the **mvp** stage", "project at the **mvp** stage (team)"
    )
    record_metric(project, 0.99)
    commit_all(project, "Team edits")
    return project


@pytest.mark.slow
def test_github_upgrade_step_as_written_pushes_a_branch_and_opens_a_draft_listing_conflicts(
    template_repo: Path, tmp_path: Path
) -> None:
    project = conflicting_project(template_repo, tmp_path / "project", "github")
    workflow = yaml.safe_load((project / ".github/workflows/upgrade.yml").read_text())
    steps = {step.get("name"): step for step in workflow["jobs"]["upgrade"]["steps"]}
    origin, work, env = ci_clone(project, tmp_path, "gh")
    runner = tmp_path / "runner-temp"
    runner.mkdir()
    env.update(
        GITHUB_RUN_ID="7", GITHUB_REPOSITORY="My-Team/My-ML-Project",
        GITHUB_SERVER_URL="https://github.com", RUNNER_TEMP=str(runner), REF="", FORCE="1",
        GH_TOKEN="token",
    )  # fmt: skip
    # no token: one line naming the secret
    check = run_script(steps["Check the upgrade token"]["run"], work, {**env, "UPGRADE_TOKEN": ""})
    assert check.returncode == 1
    assert check.stdout.strip().startswith(
        "::error::the repository secret UPGRADE_TOKEN is not set"
    )
    script = steps["Upgrade on a branch and open a pull request"]["run"]
    # a refused upgrade fails the job: nothing pushed, no pull request
    failed = run_script(script, work, {**env, "STAGE": "mvp"})
    assert failed.returncode == 2, failed.stdout + failed.stderr
    assert failed.stdout.splitlines()[-1].startswith("::error::the upgrade failed (exit 2): ")
    assert "upgrade/mvp-7" not in git(origin, "branch", "--list")
    assert not (tmp_path / "record" / "args").exists()
    # an upgrade with a conflict: the branch is pushed, the PR is a draft naming the file
    done = run_script(script, work, {**env, "STAGE": "maturity"})
    FIGURES.append("CI upgrade with a conflict (GitHub step output):\n" + done.stdout + done.stderr)
    assert done.returncode == 0, done.stdout + done.stderr
    answers = yaml.safe_load(git(origin, "show", "upgrade/maturity-7:.copier-answers.yml"))
    assert answers["stage"] == "maturity"
    assert answers["container_image"] == "ghcr.io/my-team/my-ml-project"
    assert answers["git_repository_url"] == "https://github.com/My-Team/My-ML-Project.git"
    assert "<<<<<<< " in git(origin, "show", "upgrade/maturity-7:README.md")
    args = (tmp_path / "record" / "args").read_text().splitlines()
    assert args[:2] == ["pr", "create"] and "--draft" in args
    body = (tmp_path / "record" / "body").read_text()
    assert "- `README.md`" in body and "what changes for you:" in body
    assert git(work, "status", "--porcelain") == ""
    assert "upgrade.log" not in git(origin, "ls-tree", "-r", "--name-only", "upgrade/maturity-7")


@pytest.mark.slow
def test_gitlab_upgrade_job_as_written_pushes_a_branch_and_opens_a_draft_listing_conflicts(
    template_repo: Path, tmp_path: Path
) -> None:
    project = conflicting_project(template_repo, tmp_path / "project", "gitlab")
    job = yaml.safe_load((project / ".gitlab-ci.yml").read_text())["upgrade"]
    script = next(line for line in job["script"] if "set -euo pipefail" in line)
    origin, work, env = ci_clone(project, tmp_path, "curl")
    push_url = "https://oauth2:token@gitlab.example/my-team/my-ml-project.git"
    env.update(
        CI_PIPELINE_ID="9", CI_SERVER_HOST="gitlab.example",
        CI_PROJECT_PATH="my-team/my-ml-project",
        CI_REGISTRY_IMAGE="registry.gitlab.example/my-team/my-ml-project",
        CI_PROJECT_URL="https://gitlab.example/my-team/my-ml-project",
        CI_DEFAULT_BRANCH="master",
        CI_API_V4_URL="https://gitlab.example/api/v4", CI_PROJECT_ID="42", FORCE="1",
        TEMPLATE_REF="", UPGRADE_TOKEN="token",
        # git sends the job's push to the bare origin instead of the GitLab host
        GIT_CONFIG_COUNT="1", GIT_CONFIG_KEY_0=f"url.{origin}.insteadOf",
        GIT_CONFIG_VALUE_0=push_url,
    )  # fmt: skip
    missing = run_script(script, work, {**env, "UPGRADE_TOKEN": ""})
    assert missing.returncode == 1
    assert missing.stdout.strip() == (
        "the CI/CD variable UPGRADE_TOKEN is not set: add a project access token with the api "
        "and write_repository scopes"
    )
    failed = run_script(script, work, {**env, "UPGRADE_STAGE": "mvp"})
    assert failed.returncode == 2, failed.stdout + failed.stderr
    assert "upgrade/mvp-9" not in git(origin, "branch", "--list")
    done = run_script(script, work, {**env, "UPGRADE_STAGE": ""})
    assert done.returncode == 0, done.stdout + done.stderr
    answers = yaml.safe_load(git(origin, "show", "upgrade/next-stage-9:.copier-answers.yml"))
    assert answers["stage"] == "growth" and "container_image" not in answers
    args = (tmp_path / "record" / "args").read_text()
    assert "title=Draft: Upgrade: upgrade/next-stage-9" in args
    assert "- `README.md`" in args and "source_branch=upgrade/next-stage-9" in args
    assert args.rstrip().endswith("https://gitlab.example/api/v4/projects/42/merge_requests")
    assert git(work, "status", "--porcelain") == ""
