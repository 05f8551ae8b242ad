"""Bring your own data set in: ``make data SOURCE=path/or/url TARGET=column``.

``python -m <package>.intake SOURCE --target COLUMN`` checks the target against the
project's problem type, versions the file with DVC under ``data/external/`` (``dvc add``
for a local file, ``dvc import-url`` for a URL such as ``s3://``, ``https://`` or
``file://``), points ``data`` in ``params.yaml`` at it and, from the growth stage on,
drafts ``contracts/raw.yaml`` from the new data. ``make data`` then runs the pipeline,
whose ``prepare`` stage records the data set's fingerprint. A bad file or target stops
with one line naming it and the fix, before ``params.yaml`` or the contract change.
"""

from __future__ import annotations

import argparse
import importlib.util
import re
import shutil
import subprocess
import sys
import urllib.parse
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import yaml

from . import config
from .atomic import atomic_path, write_text
from .chunked import check_in_chunks, chunk_rows
from .data import DataError, fingerprint, load_checked, snake_case

URL = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*://")
DATA_KEYS = ("source", "target", "positive_label", "id_column", "time_column")


def is_url(source: str) -> bool:
    """Whether the source is a URL (``s3://``, ``https://``, ``file://``...) for DVC."""
    return bool(URL.match(source))


def local_path(url: str) -> Path:
    """The path a ``file://`` URL names."""
    return Path(urllib.parse.unquote(urllib.parse.urlsplit(url).path))


def dvc(*args: str) -> None:
    """Run a DVC command; its own message explains a failure."""
    result = subprocess.run(["dvc", *args], capture_output=True, text=True, check=False)
    if result.returncode != 0:
        detail = (result.stderr or result.stdout).strip().splitlines()
        raise DataError(f"dvc {' '.join(args)} failed: {detail[-1] if detail else '?'}")


def bring_in(source: str, destination: Path) -> None:
    """Version ``source`` at ``destination`` with DVC: import a URL, add a local file."""
    destination.parent.mkdir(parents=True, exist_ok=True)
    if is_url(source):
        # DVC imports a local path itself; a file:// URL names one (a mounted share, say)
        location = local_path(source) if source.startswith("file://") else source
        dvc("import-url", "--force", str(location), str(destination))
        return
    path = Path(source).resolve()
    if path != destination.resolve():
        with atomic_path(destination) as partial:
            shutil.copyfile(path, partial)
    dvc("add", str(destination))


def set_data_params(text: str, values: dict[str, object]) -> str:
    """``params.yaml`` with the ``data`` section's keys set (None removes one), comments kept."""
    lines = text.splitlines()
    start = lines.index("data:")
    end = next(
        (i for i in range(start + 1, len(lines)) if lines[i] and not lines[i].startswith(" ")),
        len(lines),
    )
    section = lines[start + 1 : end]
    for key, value in values.items():
        found = [i for i, line in enumerate(section) if line.startswith(f"  {key}:")]
        if value is None:
            section = [line for i, line in enumerate(section) if i not in found]
            continue
        rendered = yaml.safe_dump({key: value}, default_flow_style=True, width=1000)
        line = "  " + rendered.strip().removeprefix("{").removesuffix("}")
        if found:
            section[found[0]] = line
        else:
            last = max(i for i, text in enumerate(section) if text.startswith("  ") and ":" in text)
            section.insert(last + 1, line)
    return "\n".join([*lines[: start + 1], *section, *lines[end:]]) + "\n"


def check_source(data: config.DataParams, task: config.Task) -> str:
    """Check a source and its target (in chunks when it is large); describe it briefly."""
    rows = chunk_rows(data.source_path(), data.chunk_rows)
    if rows is not None:
        count, columns = check_in_chunks(data, task, rows)
        return f"{count} rows, {len(columns)} columns, read in chunks of {rows} rows"
    frame = load_checked(data, task)
    return f"{len(frame)} rows, {len(frame.columns)} columns, fingerprint {fingerprint(frame)}"


def draft_contract(params: config.Params) -> bool:
    """Draft contracts/raw.yaml from the new data (growth stage on); False without contracts.

    Data read in chunks gets its contract from the prepared table instead (`make contract`).
    """
    if importlib.util.find_spec(f"{__package__}.contracts") is None:
        return False
    if chunk_rows(params.data.source_path(), params.data.chunk_rows) is not None:
        return False
    from .contracts import CONTRACT_FILE, infer_contract, write_contract

    frame = load_checked(params.data, params.task)
    target = snake_case(params.data.target)
    write_contract(infer_contract(frame, target, params.task != "regression"), CONTRACT_FILE)
    return True


def bring_data(args: argparse.Namespace) -> str:
    """Check, version and configure a data set; return a summary line."""
    params = config.load_params(config.PARAMS_FILE)
    name = Path(args.source.split("?")[0].rstrip("/")).name or "dataset.csv"
    destination = config.EXTERNAL_DATA / name
    values = {
        "source": destination.as_posix(),
        "target": args.target,
        "positive_label": args.positive or None,
        "id_column": args.id or None,
        "time_column": args.time or None,
    }
    data = replace(params.data, **values)
    local = None if is_url(args.source) else Path(args.source)
    if args.source.startswith("file://"):
        local = local_path(args.source)
    if local is not None:
        if not local.is_file():
            raise DataError(f"SOURCE: {args.source!r} is not a file: give a CSV or Parquet file")
        check_source(replace(data, source=str(local.resolve())), params.task)
    bring_in(args.source, destination)
    try:
        described = check_source(data, params.task)
    except DataError:
        if is_url(args.source):  # an import that cannot be used is not kept
            destination.unlink(missing_ok=True)
            destination.with_name(destination.name + ".dvc").unlink(missing_ok=True)
        raise
    text = set_data_params(config.PARAMS_FILE.read_text(encoding="utf-8"), values)
    write_text(config.PARAMS_FILE, text)
    drafted = draft_contract(config.load_params(config.PARAMS_FILE))
    contract = ", drafted contracts/raw.yaml (review it)" if drafted else ""
    return f"data: {destination} ({described}), target {snake_case(args.target)!r}{contract}"


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``make data``'s first half; the Makefile then runs the pipeline."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", help="a CSV or Parquet file, or a URL DVC can import")
    parser.add_argument("--target", required=True, help="the column to predict")
    parser.add_argument("--positive", default="", help="positive label of a binary target")
    parser.add_argument("--id", default="", help="an id column (never a feature)")
    parser.add_argument("--time", default="", help="a time column (orders the split)")
    args = parser.parse_args(argv)
    try:
        print(bring_data(args))
    except DataError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
