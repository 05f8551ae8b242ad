"""MkDocs hook: the stage matrix, computed by rendering the template at every stage.

The page holds the marker ``<!-- stage-matrix -->``; this hook renders the template with
Copier for each stage listed in ``copier.yml`` and for a few option sets, and lists the
files each stage adds with what they are (a module's docstring, a page's title, a file's
first comment). A new stage or a new conditional file shows up without editing this hook;
a stage that the template still refuses is listed as not available.
"""

from __future__ import annotations

import ast
import shutil
import tempfile
from functools import cache
from pathlib import Path
from typing import Any

import copier
import yaml

MARKER = "<!-- stage-matrix -->"
ROOT = Path(__file__).resolve().parents[2]
PACKAGE = "stage_matrix_pkg"
# Options that may add files: each stage is rendered with the defaults, then with each
# other value of one of these options at a time, so a file's condition can be named.
# (data_remote only changes the content of .dvc/config, so it is not varied.)
VARIED = ("problem_type", "serving", "ci_provider")
# Files that cannot say what they are in a first comment.
KNOWN = {
    ".copier-answers.yml": "Copier's record of the answers, for `copier update`",
    ".dvc/.gitignore": "What git ignores inside DVC's folder",
    ".dvc/config": "DVC settings: the remote, analytics off",
    ".gitignore": "What git ignores",
    ".python-version": "Python version that uv uses",
    "LICENSE": "License of the project",
    "README.md": "Quick start, commands and layout",
    "docs/index.md": "Home page of the wiki",
    "src/<package>/__init__.py": "The package, with its version",
    "docs/assets/vendor/mermaid/LICENSE": "Mermaid's license",
    "docs/assets/vendor/mermaid/NOTICE.txt": "Where the vendored Mermaid comes from",
    "docs/assets/vendor/mermaid/mermaid.min.js": "Mermaid, vendored: diagrams render offline",
}


def questions() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "copier.yml").read_text(encoding="utf-8"))


def values(question: dict[str, Any]) -> list[str]:
    choices = question["choices"]
    return list(choices.values()) if isinstance(choices, dict) else list(choices)


def stages() -> dict[str, str]:
    """Stage name to its label, in the order of ``copier.yml``."""
    choices = questions()["stage"]["choices"]
    return {value: label for label, value in choices.items()}


def variants() -> list[dict[str, str]]:
    """The defaults, then one other value of one varied option at a time."""
    spec = questions()
    sets: list[dict[str, str]] = [{}]
    for name in VARIED:
        default = spec[name]["default"]
        sets += [{name: value} for value in values(spec[name]) if value != default]
    return sets


def describe(path: Path) -> str:
    """What a file is: a module's docstring, a page's title or a file's first comment."""
    if path.suffix == ".py":
        docstring = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""
        return docstring.strip().splitlines()[0] if docstring.strip() else ""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except UnicodeDecodeError:
        return ""
    for line in lines[:5]:
        if path.suffix == ".md" and line.startswith("# "):
            return line[2:].strip()
        if line.startswith("# ") and path.suffix != ".md":
            return line[2:].strip()
    return ""


def render_files(snapshot: Path, answers: dict[str, str]) -> dict[str, str] | None:
    """Render once; return file name to description, or None if the answers are refused."""
    with tempfile.TemporaryDirectory() as folder:
        dst = Path(folder) / "project"
        try:
            copier.run_copy(
                str(snapshot), dst, data=answers, defaults=True, quiet=True, unsafe=False
            )
        except ValueError:
            return None
        names = {
            str(path.relative_to(dst)).replace(PACKAGE, "<package>"): path
            for path in sorted(dst.rglob("*"))
            if path.is_file()
        }
        return {name: KNOWN.get(name) or describe(path) for name, path in names.items()}


@cache
def renders() -> dict[str, list[tuple[dict[str, str], dict[str, str]]] | None]:
    """For each stage, (options, files) of every variant, or None if Copier refuses it."""
    results: dict[str, list[tuple[dict[str, str], dict[str, str]]] | None] = {}
    with tempfile.TemporaryDirectory() as folder:
        snapshot = Path(folder)
        shutil.copy2(ROOT / "copier.yml", snapshot / "copier.yml")
        shutil.copytree(ROOT / "template", snapshot / "template")
        for stage in stages():
            rendered = []
            for options in variants():
                files = render_files(snapshot, {"stage": stage, "package_name": PACKAGE, **options})
                if files is None:
                    break
                rendered.append((options, files))
            results[stage] = rendered or None
    return results


def condition(name: str, rendered: list[tuple[dict[str, str], dict[str, str]]]) -> str:
    """When a file is present: always, or for which values of which option."""
    having = [options for options, files in rendered if name in files]
    lacking = [options for options, files in rendered if name not in files]
    if not lacking:
        return "always"
    if {} in lacking:  # absent with the defaults: present only with some variants
        return "when " + " or ".join(f"{k} = {v}" for o in having for k, v in o.items())
    keys = {key for options in lacking for key in options}
    if len(keys) == 1:
        key = keys.pop()
        spec = questions()[key]
        absent = {options[key] for options in lacking}
        shown = [value for value in values(spec) if value not in absent]
        return f"when {key} = " + " or ".join(shown)
    return "unless " + " or ".join(f"{k} = {v}" for o in lacking for k, v in o.items())


def cell(text: str) -> str:
    return text.replace("|", "\\|")


def matrix() -> str:
    """One section per stage: the files it adds, what they are and when they are present."""
    out: list[str] = []
    before: set[str] = set()
    for stage, label in stages().items():
        rendered = renders()[stage]
        out.append(f"## {label}\n")
        if rendered is None:
            out.append("Not available in this version of the template: Copier refuses it.\n")
            continue
        present = set().union(*(files for _, files in rendered))
        described = {name: text for _, files in rendered for name, text in files.items()}
        added = sorted(present - before)
        verb = "Adds" if before else "Starts with"
        out += [f"{verb} {len(added)} files.\n", "| File | What it is | Present |"]
        out.append("| --- | --- | --- |")
        out += [
            f"| `{name}` | {cell(described[name])} | {condition(name, rendered)} |"
            for name in added
        ]
        out.append("")
        before |= present
    return "\n".join(out)


def on_page_markdown(markdown: str, **_: Any) -> str:
    """Replace the marker with the generated matrix."""
    return markdown.replace(MARKER, matrix()) if MARKER in markdown else markdown
