"""MkDocs hook: render the questions of ``copier.yml`` as a table in the docs.

The options page holds the marker ``<!-- copier-options -->``; this hook replaces it with
one row per question (name, help, choices, default), read from ``copier.yml`` at build
time, so the docs never drift from the template.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

MARKER = "<!-- copier-options -->"
COPIER_YML = Path(__file__).resolve().parents[2] / "copier.yml"


def cell(text: Any) -> str:
    """Make a value safe inside a Markdown table cell."""
    return " ".join(str(text).split()).replace("|", "\\|")


def choices_of(question: dict[str, Any]) -> str:
    choices = question.get("choices")
    if not choices:
        return ""
    values = choices.values() if isinstance(choices, dict) else choices
    return ", ".join(f"`{value}`" for value in values)


def options_table(path: Path = COPIER_YML) -> str:
    """A Markdown table of the asked questions (settings and derived values left out)."""
    spec = yaml.safe_load(path.read_text(encoding="utf-8"))
    rows = ["| Question | What it sets | Choices | Default |", "| --- | --- | --- | --- |"]
    for name, question in spec.items():
        if name.startswith("_") or question.get("when") is False:
            continue
        default = question.get("default", "")
        shown = f"`{cell(default)}`" if default != "" and "{{" not in str(default) else "derived"
        if default == "":
            shown = "none (required when asked)"
        when = question.get("when")
        note = f" Asked when `{cell(when).strip('{} ')}`." if isinstance(when, str) else ""
        what = cell(question.get("help", "")) + note
        rows.append(f"| `{name}` | {what} | {choices_of(question)} | {shown} |")
    return "\n".join(rows)


def on_page_markdown(markdown: str, **_: Any) -> str:
    """Replace the marker with the generated table."""
    return markdown.replace(MARKER, options_table()) if MARKER in markdown else markdown
