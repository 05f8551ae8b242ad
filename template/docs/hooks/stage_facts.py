"""What this stage ships and what the next one adds, from ``stages.yml`` and the repository.

The stage comes from ``.copier-answers.yml``. An item of this stage or an earlier one is
listed when its file is in the repository, so the pages say what the project holds, never
what another stage would; an item of the next stage is listed when the project's answers
match its ``when``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]


def load(relative: str, root: Path = ROOT) -> Any:
    """A YAML file of the project."""
    return yaml.safe_load((root / relative).read_text(encoding="utf-8"))


def stages() -> dict[str, dict[str, Any]]:
    """Every stage of the template, in order, with its goal, summary and items."""
    loaded: dict[str, dict[str, Any]] = yaml.safe_load(
        (HERE / "stages.yml").read_text(encoding="utf-8")
    )
    return loaded


def answers(root: Path = ROOT) -> dict[str, Any]:
    """The project's answers to the template's questions."""
    recorded: dict[str, Any] = load(".copier-answers.yml", root)
    return recorded


def path_of(item: dict[str, Any], package: str) -> str:
    return str(item["file"]).replace("<package>", package)


def applies(item: dict[str, Any], given: dict[str, Any]) -> bool:
    """Whether the project's answers are among those under which the item is added."""
    return all(given.get(name) in allowed for name, allowed in item.get("when", {}).items())


def current(root: Path = ROOT) -> str:
    """The stage this project was generated or upgraded to, with its summary and the items
    of this stage and the earlier ones that the repository holds."""
    given = answers(root)
    lines = [f"**{given['stage']}**: {stages()[given['stage']]['summary']}", ""]
    package = given["package_name"]
    for name, stage in stages().items():
        present = [item for item in stage["ships"] if (root / path_of(item, package)).exists()]
        if present:
            heading = "From the mvp stage" if name == "mvp" else f"Added at the {name} stage"
            lines += [f"{heading}:", ""]
            lines += [f"- {item['text']}" for item in present]
            lines.append("")
        if name == given["stage"]:
            break
    return "\n".join(lines)


def following(root: Path = ROOT) -> str:
    """The next stage: its goal, its summary and what it would add to this project."""
    given = answers(root)
    names = list(stages())
    position = names.index(given["stage"])
    if position + 1 == len(names):
        return (
            f"Nothing: {given['stage']} is the last stage. Iterate within it while the gains "
            "pay for the work.\n"
        )
    name = names[position + 1]
    stage = stages()[name]
    lines = [f"**{name}** ({stage['goal']}): {stage['summary']}", ""]
    lines += [f"- {item['text']}" for item in stage["ships"] if applies(item, given)]
    return "\n".join(lines) + "\n"
