"""Quick tier: business.yaml carries the answers, and an update of the template leaves it alone."""

from __future__ import annotations

import subprocess
from pathlib import Path

import copier
import yaml
from conftest import project_env, render, snapshot_template


def git(*args: str, cwd: Path) -> None:
    subprocess.run(["git", *args], cwd=cwd, env=project_env(), check=True, capture_output=True)


def test_business_yaml_carries_the_business_answers(template_src: Path, tmp_path: Path) -> None:
    answers = {
        "problem_type": "regression",
        "requests_per_day": "250000",
        "peak_factor": "4.5",
        "users": "12",
        "latency_ms": "5000",
        "minimum_metric": "0.42",
    }
    root = render(template_src, tmp_path / "project", **answers)
    case = yaml.safe_load((root / "business.yaml").read_text(encoding="utf-8"))
    assert case["demand"] == {
        "requests_per_day": 250_000,
        "peak_factor": 4.5,
        "users": 12,
        "latency_ms": 5_000,
        "record_kb": 2.0,
    }
    assert case["performance"] == {"minimum_metric": 0.42}
    assert set(case["value"]) == {"correct", "per_unit_error"}


def test_latency_defaults_to_a_day_for_batch_serving(template_src: Path, tmp_path: Path) -> None:
    root = render(template_src, tmp_path / "project", serving="batch")
    case = yaml.safe_load((root / "business.yaml").read_text(encoding="utf-8"))
    assert case["demand"]["latency_ms"] == 86_400_000


def test_copier_update_leaves_business_yaml_to_the_team(tmp_path: Path) -> None:
    template = snapshot_template(tmp_path / "template")
    git("init", "-q", cwd=template)
    git("add", "-A", cwd=template)
    git("commit", "-q", "-m", "v1", cwd=template)
    git("tag", "v1", cwd=template)

    project = tmp_path / "project"
    copier.run_copy(str(template), project, defaults=True, quiet=True, vcs_ref="v1")
    business = project / "business.yaml"
    edited = business.read_text(encoding="utf-8").replace("users: 100", "users: 7")
    business.write_text(edited, encoding="utf-8")
    git("init", "-q", cwd=project)
    git("add", "-A", cwd=project)
    git("commit", "-q", "-m", "generated, business case edited", cwd=project)

    # v2 of the template changes business.yaml and another file
    source = template / "template" / "business.yaml.jinja"
    source.write_text(source.read_text().replace("currency: EUR", "currency: USD"))
    readme = template / "template" / "README.md.jinja"
    readme.write_text(readme.read_text() + "\nUpdated by v2.\n")
    git("commit", "-q", "-am", "v2", cwd=template)
    git("tag", "v2", cwd=template)

    copier.run_update(project, defaults=True, quiet=True, overwrite=True, unsafe=False)
    assert "Updated by v2." in (project / "README.md").read_text()
    assert business.read_text(encoding="utf-8") == edited  # neither USD nor users reset
