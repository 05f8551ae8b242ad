"""Quick tier: the template's own docs build strict, with their generated pages filled in."""

from __future__ import annotations

import html
import os
import subprocess
import sys
from pathlib import Path

import yaml
from conftest import ROOT


def test_template_docs_build_strict_with_options_and_stage_matrix(tmp_path: Path) -> None:
    site = tmp_path / "site"
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site)],
        cwd=ROOT,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr

    options = html.unescape((site / "options" / "index.html").read_text(encoding="utf-8"))
    spec = yaml.safe_load((ROOT / "copier.yml").read_text(encoding="utf-8"))
    asked = [
        name for name, q in spec.items() if not name.startswith("_") and q.get("when") is not False
    ]
    for name in asked:
        assert f"<code>{name}</code>" in options, name
    assert spec["peak_factor"]["help"].split()[0] in options

    matrix = html.unescape((site / "stages" / "index.html").read_text(encoding="utf-8"))
    assert "Starts with" in matrix
    for name in ("business.yaml", "src/<package>/business.py", "src/<package>/requirements.py"):
        assert f"<code>{name}</code>" in matrix, name
    assert "when serving = realtime or both" in matrix  # api.py, from the rendered variants
    assert "when ci_provider = gitlab" in matrix
    assert "<code>.copier-answers.yml</code>" in matrix
