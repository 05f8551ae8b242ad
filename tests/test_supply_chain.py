"""Supply chain and secrets of the generated project.

Slow tier: the real pre-commit secret hook on an installed representative project must
refuse each kind of secret a user is likely to paste, and local ``.env`` files stay out
of git.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from conftest import project_env
from test_generated_projects import Project, built

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
@pytest.mark.parametrize("name", list(LEAKS))
def test_secret_hook_refuses_the_secret(default: Project, name: str) -> None:
    content, kind = LEAKS[name]
    leak = default.root / name
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
    assert git(default, "status", "--porcelain", "--", ".secrets.baseline").stdout == ""


@pytest.mark.slow
def test_env_files_are_ignored_but_an_example_is_not(default: Project) -> None:
    ignored = git(default, "check-ignore", ".env", ".env.production", ".env.example")
    assert ignored.stdout.split() == [".env", ".env.production"]

