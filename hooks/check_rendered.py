"""Checks of a rendered project: no template syntax left, every data file parses.

Used by the template's tests on every rendered combination, and runnable by hand:

    python hooks/check_rendered.py path/to/generated/project
"""

from __future__ import annotations

import ast
import json
import re
import sys
import tomllib
from collections.abc import Callable, Iterator
from pathlib import Path

import yaml

# "vendor" holds third-party files copied as published (the docs' mermaid.min.js).
SKIPPED_DIRS = {".git", ".venv", ".dvc-storage", "site", "__pycache__", ".ruff_cache", "vendor"}
# GitHub Actions expressions (`${{ ... }}`) and Argo Rollouts' analysis arguments
# (`{{args.name}}`) are legitimate; any other `{{` or `{%` is a Jinja leftover.
LEFTOVER = re.compile(r"(?<!\$)\{\{(?!args\.[\w-]+\}\})|\{%|%\}")


class YamlLoader(yaml.SafeLoader):
    """A safe loader that reads MkDocs' tags (``!!python/name:``, ``!ENV``) as plain text.

    mkdocs.yml names Python objects (e.g. the Mermaid fence of pymdownx.superfences); the
    check is that the file parses, not that those objects exist here.
    """


def tag_as_text(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> str:
    """Read a tagged value as its tag, e.g. ``tag:yaml.org,2002:python/name:x.y``."""
    return str(node.tag)


YamlLoader.add_multi_constructor("tag:yaml.org,2002:python/name:", tag_as_text)
YamlLoader.add_multi_constructor("!", tag_as_text)


def load_yaml(text: str) -> object:
    """Parse YAML safely, MkDocs' tags included."""
    return yaml.load(text, Loader=YamlLoader)


def load_yaml_documents(text: str) -> list[object]:
    """Parse every document of a YAML stream (Kubernetes manifests may hold several)."""
    return list(yaml.load_all(text, Loader=YamlLoader))


PARSERS: dict[str, Callable[[str], object]] = {
    ".yml": load_yaml_documents,
    ".yaml": load_yaml_documents,
    ".toml": tomllib.loads,
    ".json": json.loads,
    ".py": ast.parse,
}


def text_files(root: Path) -> Iterator[Path]:
    """Yield the project's text files, skipping environments, caches and binaries."""
    for path in sorted(root.rglob("*")):
        if not path.is_file() or SKIPPED_DIRS.intersection(path.relative_to(root).parts):
            continue
        try:
            path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
        yield path


def leftover_jinja(root: Path) -> list[str]:
    """Return ``file:line`` of every Jinja delimiter left in a rendered project."""
    found = []
    for path in text_files(root):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if LEFTOVER.search(line):
                found.append(f"{path.relative_to(root)}:{number}: {line.strip()}")
    return found


def unparseable_files(root: Path) -> list[str]:
    """Return the YAML, TOML, JSON and Python files that fail to parse, with the error."""
    broken = []
    for path in text_files(root):
        parser = PARSERS.get(path.suffix)
        if parser is None:
            continue
        try:
            parser(path.read_text(encoding="utf-8"))
        except Exception as error:  # each parser raises its own error type
            broken.append(f"{path.relative_to(root)}: {type(error).__name__}: {error}")
    return broken


def main(argv: list[str] | None = None) -> int:
    """Check each project given on the command line; exit 1 if any problem is found."""
    problems = []
    for root in map(Path, argv if argv is not None else sys.argv[1:]):
        problems += [f"{root}/{item}" for item in leftover_jinja(root) + unparseable_files(root)]
    print("\n".join(problems) or "ok")
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
