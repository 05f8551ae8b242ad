"""Write ``cookiecutter.json`` from ``copier.yml``: cookiecutter's view of the questions.

``copier.yml`` is the one source of the questions, their help, choices and defaults;
this module translates it for cookiecutter, and a quick test fails when the committed
``cookiecutter.json`` differs from what it generates. After editing ``copier.yml`` run:

    uv run python -m hooks.cookiecutter_json

Choice questions become plain text answers (the prompt lists the values): Copier then
checks them in ``hooks/pre_gen_project.py``, so a bad value gets Copier's message
whether it was typed or passed as ``key=value``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import jinja2
import yaml

ROOT = Path(__file__).resolve().parents[1]
COPIER_YML = ROOT / "copier.yml"
COOKIECUTTER_JSON = ROOT / "cookiecutter.json"
# The filters Copier puts in every template's Jinja environment (regex_replace, ...),
# so that a derived default renders the same in cookiecutter's prompts.
COPIER_JINJA_EXTENSIONS = ["jinja2_ansible_filters.AnsibleCoreFiltersExtension"]
# The generated project's folder: the stub `{{cookiecutter.__project_dir}}/` at the
# repository's root takes its name from this value. slugify keeps the name safe while
# the answers are still unchecked; a bad answer removes the folder again.
PROJECT_DIR = "{{ cookiecutter.package_name | slugify or 'mlstages-project' }}"
SUPPORTED_TYPES = {"str", "bool", "int", "float"}
UNSUPPORTED_KEYS = {"multiselect", "secret", "type_hint"}


def asked_questions(path: Path = COPIER_YML) -> dict[str, dict[str, Any]]:
    """The questions Copier asks, in the order of ``copier.yml`` (no settings or derived values)."""
    spec = yaml.safe_load(path.read_text(encoding="utf-8"))
    questions = {}
    for name, question in spec.items():
        if name.startswith("_"):
            continue
        question = question if isinstance(question, dict) else {"default": question}
        if question.get("when") is not False:
            questions[name] = question
    return questions


def is_conditional(question: dict[str, Any]) -> bool:
    """Whether Copier asks the question only under a condition (a templated ``when``)."""
    return "when" in question and question["when"] is not True


def choice_values(question: dict[str, Any]) -> list[Any]:
    choices = question.get("choices") or []
    return list(choices.values()) if isinstance(choices, dict) else list(choices)


def for_cookiecutter(expression: str, names: set[str]) -> str:
    """Rewrite a Copier Jinja expression for cookiecutter: answers live under ``cookiecutter.``."""
    if "{{" not in expression and "{%" not in expression:
        return expression
    parts = []
    previous = ""
    for _, kind, value in jinja2.Environment().lex(expression):
        if kind == "name" and value in names and previous not in {".", "|", "is"}:
            value = f"cookiecutter.{value}"
        parts.append(value)
        if kind != "whitespace":
            previous = value
    return "".join(parts)


def default_of(name: str, question: dict[str, Any], names: set[str]) -> Any:
    """The question's default as a cookiecutter value of the question's type."""
    kind = question.get("type", "yaml")
    unsupported = UNSUPPORTED_KEYS & question.keys()
    if kind not in SUPPORTED_TYPES or unsupported:
        raise NotImplementedError(
            f"{name}: cookiecutter.json cannot express type {kind!r} or {sorted(unsupported)}"
        )
    default = question.get("default", "")
    if isinstance(default, str) and default != "":
        return for_cookiecutter(default, names)
    if kind == "str":
        return "" if default is None else str(default)
    return default


def prompt_of(name: str, question: dict[str, Any]) -> str:
    """What cookiecutter shows: the name, Copier's help, the choices and the condition."""
    text = f"{name}: {' '.join(str(question.get('help', '')).split())}".rstrip(": ")
    values = choice_values(question)
    if values:
        text += f" One of: {', '.join(map(str, values))}."
    if is_conditional(question):
        condition = str(question["when"]).strip("{} ")
        text += f" Used when {condition}; leave empty otherwise."
    # cookiecutter prints prompts with rich, which reads "[...]" as markup
    return text.replace("[", "\\[")


def cookiecutter_context(path: Path = COPIER_YML) -> dict[str, Any]:
    """The content of ``cookiecutter.json`` for the questions of ``copier.yml``."""
    spec = yaml.safe_load(path.read_text(encoding="utf-8"))
    delimiters = {
        key for key in spec.get("_envops", {}) if key.endswith(("_start_string", "_end_string"))
    }
    if delimiters:
        raise NotImplementedError(
            f"cookiecutter.json needs Jinja's default delimiters: {delimiters}"
        )
    questions = asked_questions(path)
    names = set(questions)
    context: dict[str, Any] = {
        name: default_of(name, question, names) for name, question in questions.items()
    }
    context["__project_dir"] = PROJECT_DIR
    context["__prompts__"] = {
        name: prompt_of(name, question) for name, question in questions.items()
    }
    context["_extensions"] = COPIER_JINJA_EXTENSIONS + list(spec.get("_jinja_extensions", []))
    context["_generated_from"] = "copier.yml by `python -m hooks.cookiecutter_json`; do not edit"
    return context


def render(path: Path = COPIER_YML) -> str:
    return json.dumps(cookiecutter_context(path), indent=2, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Write cookiecutter.json; with ``--check``, exit 1 if it is out of date instead."""
    args = sys.argv[1:] if argv is None else argv
    expected = render()
    if "--check" in args:
        current = (
            COOKIECUTTER_JSON.read_text(encoding="utf-8") if COOKIECUTTER_JSON.exists() else ""
        )
        if current != expected:
            print(
                "cookiecutter.json is out of date: run `uv run python -m hooks.cookiecutter_json`"
            )
            return 1
        return 0
    COOKIECUTTER_JSON.write_text(expected, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
