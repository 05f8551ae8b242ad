"""Print how long the wikis take to build: a generated project's and the template's own.

    uv run python bench/docs_build.py [runs]

The generated project is rendered with the defaults into a temporary folder and built
with the template's environment (its hook imports the package from src/); the template's
docs build includes the stage matrix, which renders the template once per variant.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import copier
from common import ROOT, snapshot_template


def timed_build(cwd: Path, site: Path, **env: str) -> float:
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--quiet", "--site-dir", str(site)],
        cwd=cwd,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1", **env},
        check=True,
    )
    return time.perf_counter() - start


def main(runs: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        snapshot, project = Path(folder) / "template", Path(folder) / "project"
        snapshot_template(snapshot)
        start = time.perf_counter()
        copier.run_copy(str(snapshot), project, defaults=True, quiet=True)
        print(f"copier copy (defaults): {time.perf_counter() - start:.2f} s")
        generated = [
            timed_build(project, Path(folder) / "site", PYTHONPATH=str(project / "src"))
            for _ in range(runs)
        ]
        template = [timed_build(ROOT, Path(folder) / "template-site") for _ in range(runs)]
    print(f"generated project, mkdocs build --strict: median {statistics.median(generated):.2f} s")
    print(f"template docs, mkdocs build --strict:     median {statistics.median(template):.2f} s")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 3)
