"""Quick tier: the template's own docs build strict, with their generated pages filled in."""

from __future__ import annotations

import html
import importlib.util
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml
from conftest import ROOT, render


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


def load_module(path: Path, name: str) -> Any:
    """Import a Python file of a generated project by its path."""
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_stage_facts_are_those_of_the_stage_matrix(template_src: Path) -> None:
    """stages.yml names copier.yml's stages, and each item's file is in a project exactly
    from its stage on and under its `when` answers, in every variant the matrix renders."""
    matrix = load_module(ROOT / "docs" / "hooks" / "stage_matrix.py", "stage_matrix_check")
    facts = yaml.safe_load((ROOT / "template/docs/hooks/stages.yml").read_text(encoding="utf-8"))
    labels = matrix.stages()  # value -> "mvp - prove the value...": copier.yml's choices
    assert list(facts) == list(labels)
    for stage, label in labels.items():
        assert label == f"{stage} - {facts[stage]['goal']}"
    checked = 0
    for position, stage in enumerate(facts):
        for options in matrix.variants():
            answers = {"stage": stage, "package_name": matrix.PACKAGE, **options}
            files = matrix.render_files(answers)
            context = matrix.context(answers)
            for fact in list(facts.values())[: position + 1]:
                for item in fact["ships"]:
                    expected = all(
                        context[name] in allowed for name, allowed in item.get("when", {}).items()
                    )
                    assert (item["file"] in files) == expected, (stage, options, item["file"])
                    checked += 1
            for later in list(facts.values())[position + 1 :]:
                for item in later["ships"]:
                    assert item["file"] not in files, (stage, item["file"])
    assert checked > 100


def test_each_stage_shows_what_it_ships_and_not_another_stages_text(
    template_src: Path, tmp_path: Path
) -> None:
    """The live sections of the home page, Work in stages and the roadmap, rendered for a
    project at each of the three stages: each names its own stage and the files it holds."""
    facts = yaml.safe_load((ROOT / "template/docs/hooks/stages.yml").read_text(encoding="utf-8"))
    names = list(facts)
    for position, stage in enumerate(names):
        root = render(template_src, tmp_path / stage, stage=stage, serving="batch")
        module = load_module(root / "docs" / "hooks" / "stage_facts.py", f"stage_facts_{stage}")
        shown, following = module.current(), module.following()
        assert shown.startswith(f"**{stage}**: {facts[stage]['summary']}")
        for other in names:
            if other != stage:
                assert facts[other]["summary"] not in shown, (stage, other)
        for number, fact in enumerate(facts.values()):
            for item in fact["ships"]:
                present = (root / item["file"].replace("<package>", "my_ml_project")).exists()
                assert (item["text"] in shown) == (present and number <= position), item
        api = next(item for item in facts["mvp"]["ships"] if item["file"].endswith("/api.py"))
        assert api["text"] not in shown  # batch: no API, so no API item
        if position + 1 < len(names):
            upcoming = facts[names[position + 1]]
            assert upcoming["summary"] in following
            serving_only = [i for i in upcoming["ships"] if "serving" in i.get("when", {})]
            assert serving_only and all(item["text"] not in following for item in serving_only)
        else:
            assert following.startswith(f"Nothing: {stage} is the last stage")
        home = (root / "docs" / "index.md").read_text(encoding="utf-8")
        assert "<!-- live:stage -->" in home and "A baseline that runs" not in home
        for page in ("plan/stages.md", "status/roadmap.md"):
            text = (root / "docs" / page).read_text(encoding="utf-8")
            assert "<!-- live:next-stage -->" in text, page
