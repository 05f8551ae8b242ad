"""The template's own tooling: the rendered-project checks and its documentation."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import yaml
from conftest import ROOT

from docs.hooks.copier_options import options_table
from hooks.check_rendered import leftover_jinja, main, unparseable_files


def test_leftover_jinja_finds_delimiters_but_not_github_expressions(tmp_path: Path) -> None:
    (tmp_path / "ok.yml").write_text("run: echo ${{ github.sha }}\nquery: x{{args.ns}}\n")
    (tmp_path / "bad.md").write_text("line one\nHello {{ name }}\n{% if x %}\n{{args.x }}\n")
    assert leftover_jinja(tmp_path) == [
        "bad.md:2: Hello {{ name }}",
        "bad.md:3: {% if x %}",
        "bad.md:4: {{args.x }}",
    ]


def test_unparseable_files_reports_each_format(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text("key: [unclosed\n")
    (tmp_path / "b.toml").write_text("x = \n")
    (tmp_path / "c.json").write_text("{'single': 'quotes'}")
    (tmp_path / "d.py").write_text("def f(:\n")
    (tmp_path / "fine.yml").write_text("a: 1\n")
    (tmp_path / "manifests.yaml").write_text("kind: A\n---\nkind: B\n")  # a stream is fine
    (tmp_path / "z.yaml").write_text("kind: A\n---\nkind: [\n")  # a broken 2nd document
    broken = unparseable_files(tmp_path)
    assert [line.split(":")[0] for line in broken] == [
        "a.yaml", "b.toml", "c.json", "d.py", "z.yaml"
    ]  # fmt: skip


def test_checks_skip_virtual_environments(tmp_path: Path) -> None:
    (tmp_path / ".venv").mkdir()
    (tmp_path / ".venv" / "x.py").write_text("{{ not rendered }}")
    assert leftover_jinja(tmp_path) == [] and unparseable_files(tmp_path) == []


def test_check_rendered_command_exit_codes(tmp_path: Path, capsys) -> None:
    (tmp_path / "fine.toml").write_text("a = 1\n")
    assert main([str(tmp_path)]) == 0
    (tmp_path / "bad.toml").write_text("a = \n")
    assert main([str(tmp_path)]) == 1
    assert "bad.toml" in capsys.readouterr().out


def test_options_table_lists_every_asked_question() -> None:
    spec = yaml.safe_load((ROOT / "copier.yml").read_text(encoding="utf-8"))
    asked = [k for k, v in spec.items() if not k.startswith("_") and v.get("when") is not False]
    table = options_table()
    rows = table.splitlines()[2:]
    assert [row.split("`")[1] for row in rows] == asked
    assert "`binary_classification`" in table and "Asked when `data_remote == 's3'`" in table


def test_template_docs_build_strict(template_site: Path) -> None:
    options = (template_site / "options" / "index.html").read_text(encoding="utf-8")
    assert "package_name" in options and "copier-options" not in options


def test_shipped_contracts_match_what_the_generated_code_drafts() -> None:
    """template/.contracts/ is written by hooks/make_contracts.py: rerun it after changes."""
    from hooks.make_contracts import CONTRACTS_DIR, SAMPLES, contract_text

    for sample in SAMPLES:
        shipped = (CONTRACTS_DIR / f"{sample}.yaml").read_text(encoding="utf-8")
        assert shipped == contract_text(sample), f"{sample}: run hooks/make_contracts.py"


def test_the_templates_own_code_passes_ruff() -> None:
    """tests/, hooks/, bench/ and docs/hooks/ (template/ is checked once rendered)."""
    for args in (["check", "--no-cache", "."], ["format", "--check", "--no-cache", "."]):
        result = subprocess.run(
            [sys.executable, "-m", "ruff", *args], cwd=ROOT, capture_output=True, text=True
        )
        assert result.returncode == 0, result.stdout + result.stderr
