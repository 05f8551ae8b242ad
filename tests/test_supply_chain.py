"""Supply chain and secrets of the generated project.

Slow tier: the real pre-commit secret hook on an installed representative project must
refuse each kind of secret a user is likely to paste, and local ``.env`` files stay out
of git.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import project_env, render
from test_generated_projects import Project, built, on

# Fake credentials in the shapes the scanners look for, assembled at run time so that
# this file itself carries none.
AWS_KEY = "AKIA" + "Q3EGRV7XNZ2W5KTB"
GITHUB_TOKEN = "ghp_" + "x7Yk2pQ9mZ4rT1vB8nC3dF6gH0jL5sW2eR4u"
PRIVATE_KEY = (
    "-----BEGIN RSA " + "PRIVATE KEY-----\n"
    "MIIEowIBAAKCAQEA0Z3VS5JJcds3xfn/ygWyF8PbnGy0AHB7MhgHcTz6sE2I2yPB\n"
    "-----END RSA PRIVATE KEY-----\n"
)
LEAKS = {
    "settings_aws.py": (f'AWS_ACCESS_KEY_ID = "{AWS_KEY}"\n', "AWS Access Key"),
    "settings_github.py": (f'TOKEN = "{GITHUB_TOKEN}"\n', "GitHub Token"),
    "deploy_key.pem": (PRIVATE_KEY, "Private Key"),
    ".env": ("API_KEY=9f8e7d6c5b4a3f2e1d0c\n", "Secret Keyword"),
}


@pytest.fixture(scope="module")
def default(template_src: Path, tmp_path_factory: pytest.TempPathFactory) -> Project:
    """The default representative project (what the README's first command generates)."""
    return built("binary-both-github-local", template_src, tmp_path_factory)


def git(project: Project, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["git", *args], cwd=project.root, env=project_env(), capture_output=True, text=True
    )


@pytest.mark.slow
@on("binary-both-github-local")
@pytest.mark.parametrize("name", list(LEAKS))
def test_secret_hook_refuses_the_secret(default: Project, name: str) -> None:
    content, kind = LEAKS[name]
    leak = default.root / name
    baseline = (default.root / ".secrets.baseline").read_text(encoding="utf-8")
    leak.write_text(content, encoding="utf-8")
    try:
        # .env is git-ignored: a user would have to force it in
        assert git(default, "add", "-f", name).returncode == 0
        result = subprocess.run(
            ["uv", "run", "pre-commit", "run", "detect-secrets", "--files", name],
            cwd=default.root, env=project_env(), capture_output=True, text=True, timeout=600,
        )  # fmt: skip
        assert result.returncode == 1, result.stdout + result.stderr
        assert "Potential secrets about to be committed" in result.stdout
        assert f"Secret Type: {kind}" in result.stdout and f"Location:    {name}:1" in result.stdout
    finally:
        git(default, "rm", "-q", "--cached", "-f", name)
        leak.unlink()
    assert (default.root / ".secrets.baseline").read_text(encoding="utf-8") == baseline


@pytest.mark.slow
@on("binary-both-github-local")
def test_env_files_are_ignored_but_an_example_is_not(default: Project) -> None:
    ignored = git(default, "check-ignore", ".env", ".env.production", ".env.example")
    assert ignored.stdout.split() == [".env", ".env.production"]


@pytest.mark.slow
@on("binary-both-github-local")
def test_the_first_install_writes_the_lock_and_says_to_commit_it(default: Project) -> None:
    assert (default.root / "uv.lock").is_file()
    assert "uv.lock pins every dependency: commit it (git add uv.lock)" in default.make_all
    check = subprocess.run(
        ["uv", "lock", "--check"], cwd=default.root, env=project_env(), capture_output=True,
        text=True, timeout=300,
    )  # fmt: skip
    assert check.returncode == 0, check.stderr


@pytest.mark.slow
@on("binary-both-github-local")
def test_a_dependency_added_without_locking_fails_the_locked_install(default: Project) -> None:
    """What CI runs (UV_LOCKED=1, `uv lock --check`) refuses a stale lock and names the fix."""
    pyproject = default.root / "pyproject.toml"
    original = pyproject.read_text(encoding="utf-8")
    lock = (default.root / "uv.lock").read_text(encoding="utf-8")
    # a new requirement (a bound on one the project has: no download needed to resolve it)
    changed = original.replace('"joblib>=1.3"', '"joblib>=1.3,<99"', 1)
    assert changed != original
    pyproject.write_text(changed, encoding="utf-8")
    try:
        for args, env in (
            (["uv", "lock", "--check"], {}),
            (["make", "install"], {"UV_LOCKED": "1"}),
        ):
            result = subprocess.run(
                args, cwd=default.root, env=project_env(env), capture_output=True, text=True,
                timeout=300,
            )  # fmt: skip
            assert result.returncode != 0, args
            assert "needs to be updated" in result.stderr, result.stderr
            assert "hint: To update the lockfile, run `uv lock`." in result.stderr
        assert (default.root / "uv.lock").read_text(encoding="utf-8") == lock  # untouched
    finally:
        pyproject.write_text(original, encoding="utf-8")


# ---------------------------------------------------------------- quick tier: CI files


@pytest.fixture(scope="module")
def ci_projects(template_src: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Maturity projects (every workflow file exists there), one per CI provider."""
    folder = tmp_path_factory.mktemp("ci")
    return {
        ci: render(template_src, folder / ci, stage="maturity", ci_provider=ci)
        for ci in ("github", "gitlab")
    }


def github_workflows(root: Path) -> dict[str, dict[str, Any]]:
    folder = root / ".github" / "workflows"
    flows = {p.name: yaml.safe_load(p.read_text(encoding="utf-8")) for p in folder.glob("*.yml")}
    for flow in flows.values():
        flow["on"] = flow.pop(True)  # YAML 1.1 reads the key `on` as true
    return flows


def test_ci_installs_exactly_the_lock(ci_projects: dict[str, Path]) -> None:
    workflows = github_workflows(ci_projects["github"])
    installing = {
        name for name, flow in workflows.items()
        if any("make install" in str(step.get("run", "")) for job in flow["jobs"].values()
               for step in job.get("steps", []))
    }  # fmt: skip
    assert {"ci.yml", "train.yml", "deploy.yml", "retrain.yml"} <= installing
    for name in installing - {"upgrade.yml"}:
        assert workflows[name]["env"]["UV_LOCKED"] == "1", name
    steps = workflows["ci.yml"]["jobs"]["test"]["steps"]
    runs = [step.get("run") for step in steps]
    assert runs.index("uv lock --check") < runs.index("make install")
    gitlab = yaml.safe_load((ci_projects["gitlab"] / ".gitlab-ci.yml").read_text(encoding="utf-8"))
    assert gitlab["variables"]["UV_LOCKED"] == "1"


PINNED = re.compile(r"uses: [\w.-]+/[\w./-]+@[0-9a-f]{40} # v\d+(\.\d+)*$")


def steps_text(job: dict[str, Any]) -> str:
    return "\n".join(str(step.get("run", "")) for step in job.get("steps", []))


def test_every_github_job_has_least_privilege_and_a_timeout(
    ci_projects: dict[str, Path],
) -> None:
    root = ci_projects["github"]
    workflows = github_workflows(root)
    assert set(workflows) == {
        "ci.yml", "deploy.yml", "promote.yml", "retrain.yml", "train.yml", "upgrade.yml"
    }  # fmt: skip
    for name, flow in workflows.items():
        assert flow["permissions"] == {}, name  # nothing granted at the workflow level
        assert "secrets." not in str(flow.get("env", {})), name  # no secret for every job
        for job_name, job in flow["jobs"].items():
            where = f"{name}:{job_name}"
            assert isinstance(job["timeout-minutes"], int), where
            assert "permissions" in job, where
            assert "secrets." not in str(job.get("env", {})), where
            writes = {scope for scope, level in job["permissions"].items() if level == "write"}
            # a job that runs the project's code (install, pipeline) may write nothing,
            # except the scheduled retraining and the upgrade, which run main's code only
            if "make " in steps_text(job) and name not in {"retrain.yml", "upgrade.yml"}:
                assert writes == set(), where
        text = (root / ".github" / "workflows" / name).read_text(encoding="utf-8")
        uses = [line.strip().removeprefix("- ") for line in text.splitlines() if "uses:" in line]
        assert uses and all(PINNED.fullmatch(line) for line in uses), uses


def test_the_tracking_token_never_reaches_a_pull_request(ci_projects: dict[str, Path]) -> None:
    train = github_workflows(ci_projects["github"])["train.yml"]
    assert "pull_request" in train["on"]
    holders = [
        step for job in train["jobs"].values() for step in job["steps"]
        if "MLFLOW_TRACKING_TOKEN" in step.get("env", {})
    ]  # fmt: skip
    assert len(holders) == 1 and holders[0]["run"] == "make pipeline"
    for value in holders[0]["env"].values():
        assert value.startswith("${{ github.event_name != 'pull_request' && secrets."), value
    # the pull request comment runs in its own job, without the branch's code
    comment = train["jobs"]["comment"]
    assert comment["permissions"] == {"pull-requests": "write"}
    assert not any("checkout" in step.get("uses", "") for step in comment["steps"])


def test_deploy_waits_for_ci_on_that_commit(ci_projects: dict[str, Path]) -> None:
    deploy = github_workflows(ci_projects["github"])["deploy.yml"]
    trigger = deploy["on"]
    assert "push" not in trigger
    assert trigger["workflow_run"] == {
        "workflows": ["CI"], "types": ["completed"], "branches": ["main"]
    }  # fmt: skip
    first = deploy["jobs"]["models"]
    assert "workflow_run.conclusion == 'success'" in first["if"]
    assert "github.event.workflow_run.head_sha" in deploy["env"]["SHA"]
    checkouts = [
        step["with"]["ref"] for job in ("models", "image") for step in deploy["jobs"][job]["steps"]
        if "checkout" in step.get("uses", "")
    ]  # fmt: skip
    assert checkouts == ["${{ env.SHA }}"] * 2  # the commit CI passed on
    assert deploy["jobs"]["image"]["needs"] == "models"
    assert deploy["jobs"]["staging"]["needs"] == "image"


def test_gitlab_jobs_have_a_timeout(ci_projects: dict[str, Path]) -> None:
    gitlab = yaml.safe_load((ci_projects["gitlab"] / ".gitlab-ci.yml").read_text(encoding="utf-8"))
    assert gitlab["default"]["timeout"] == "1 hour"
