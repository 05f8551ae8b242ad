"""MkDocs hook: the stage matrix, computed from the template's file names and copier.yml.

The page holds the marker ``<!-- stage-matrix -->``. The template's conditional files carry
their condition in their names (``{% if stage_rank >= 2 %}drift.py{% endif %}``), so this
hook renders only the file names, with the answers of ``copier.yml`` (defaults, then one
other value of a few options at a time), and lists the files each stage adds with what
they are (a module's docstring, a page's title, a file's first comment: first sentence
in full). Rendering names instead of whole projects keeps the build to a second or two;
a new stage or a new conditional file shows up without editing this hook.
"""

from __future__ import annotations

import contextlib
import fnmatch
import re
from functools import cache
from pathlib import Path
from typing import Any

import jinja2
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


@cache
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


DOCSTRING = re.compile(r'^[^"]*?"""(.*?)(?:"""|\n\s*\n)', re.S)


def first_sentences(text: str) -> str:
    """The first paragraph of ``text`` on one line, up to the end of its first sentence."""
    paragraph = " ".join(line.strip() for line in text.strip().split("\n\n")[0].splitlines())
    match = re.match(r"(.+?\.)(\s|$)", paragraph)
    return match.group(1) if match else paragraph


def describe(path: Path, name: str, context: dict[str, Any]) -> str:
    """What a template file is: a module's docstring, a page's title or a file's first
    comment, with its Jinja rendered for the answers."""
    try:
        source = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        return ""
    text = ""
    if name.endswith(".py"):
        match = DOCSTRING.match(source)
        text = match.group(1) if match else ""
    else:
        comment: list[str] = []
        for line in source.splitlines()[:12]:
            if name.endswith(".md"):
                if line.startswith("# "):
                    text = line[2:]
                    break
                continue
            if line.startswith("# ") and not line.startswith(("# syntax=", "#!")):
                comment.append(line[2:])
            elif comment:
                break
        text = text or "\n".join(comment)
    with contextlib.suppress(jinja2.TemplateError):
        text = jinja2.Environment().from_string(text).render(context)
    return first_sentences(text)


def context(answers: dict[str, str]) -> dict[str, Any]:
    """Every answer of copier.yml: the given ones, then the defaults, rendered in order."""
    env = jinja2.Environment()
    values: dict[str, Any] = {"_copier_conf": {"answers_file": ".copier-answers.yml"}}
    for name, question in questions().items():
        if name.startswith("_"):
            continue
        value = answers.get(name, question.get("default"))
        if isinstance(value, str) and "{" in value:
            try:
                value = env.from_string(value).render(values).strip()
            except (jinja2.TemplateError, TypeError, ValueError):
                value = None
        kind = question.get("type", "str")
        if kind == "bool" and isinstance(value, str):
            value = value.lower() == "true"
        elif kind == "int" and isinstance(value, str):
            value = int(value) if value.lstrip("-").isdigit() else value
        values[name] = value
    return values


def excluded(relative: str) -> bool:
    patterns = questions().get("_exclude", [])
    return any(
        fnmatch.fnmatch(part, pattern) for part in relative.split("/") for pattern in patterns
    )


def render_files(answers: dict[str, str]) -> dict[str, str]:
    """The files a project with these answers holds: rendered name to description."""
    values = context(answers)
    env = jinja2.Environment()
    template = ROOT / questions().get("_subdirectory", "template")
    suffix = questions().get("_templates_suffix", ".jinja")
    files: dict[str, str] = {}
    for path in sorted(template.rglob("*")):
        relative = path.relative_to(template).as_posix()
        if not path.is_file() or excluded(relative):
            continue
        # The suffix comes off first: "{% if ... %}Dockerfile{% endif %}.jinja" is no file.
        parts = [
            env.from_string(part).render(values)
            for part in relative.removesuffix(suffix).split("/")
        ]
        if any(not part for part in parts):
            continue
        name = "/".join(parts).replace(str(values["package_name"]), "<package>")
        files[name] = KNOWN.get(name) or describe(path, name, values)
    return files


@cache
def renders() -> dict[str, list[tuple[dict[str, str], dict[str, str]]] | None]:
    """For each stage, (options, files) of every variant."""
    return {
        stage: [
            (options, render_files({"stage": stage, "package_name": PACKAGE, **options}))
            for options in variants()
        ]
        for stage in stages()
    }


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


@cache
def ships() -> dict[str, Any]:
    """What each stage ships, the facts the generated wiki shows for its own stage."""
    path = ROOT / questions().get("_subdirectory", "template") / "docs" / "hooks" / "stages.yml"
    loaded: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    return loaded


def shipped(stage: str) -> list[str]:
    """The stage's summary and the items it adds, with the answers they need."""
    facts = ships()[stage]
    lines = [facts["summary"], ""]
    for item in facts["ships"]:
        when = "; ".join(
            f"when {name} = {' or '.join(str(v).lower() for v in allowed)}"
            for name, allowed in item.get("when", {}).items()
        )
        lines.append(f"- {item['text']} (`{item['file']}`{', ' + when if when else ''})")
    return [*lines, ""]


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
        out += shipped(stage)
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
