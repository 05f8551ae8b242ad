"""Benchmark: the generated images, per stage: size, build time, cold start to /ready.

For growth (realtime), maturity (realtime) and maturity (batch): generate the project,
``make install`` and ``make pipeline``, then build its image with podman the way a user
behind a firewall does (``make docker-build OFFLINE=1``: the uv cache of
``make docker-cache``, no package index) on the local stand-in base images
(``tests/containers/base-images``). Measured:

- size: the image's uncompressed size, and the largest packages of its environment;
- build, warm uv cache: the whole build with no layer cached (``--no-cache``);
- rebuild after a source change: the layer cache warm, ``src/`` touched;
- cold start: ``podman run`` to the first 200 of ``/ready`` (median of RUNS).

    uv run python bench/images.py
    uv run python bench/images.py growth=PATH maturity-batch=PATH   # trained projects
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

from common import machine, project_env, render, section, sh, snapshot_template, verdict
from engine import (  # tests/, on the path of common
    build,
    make,
    podman,
    require_podman,
    run_flags,
    serving,
    size_mb,
    wait_ready,
)
from service import API_KEY, free_port

RUNS = 3
SIZE_TARGET = 600.0  # MB, the growth serving image
START_TARGET = 10.0  # seconds to /ready
PROJECTS = {
    "growth (realtime)": {"stage": "growth", "serving": "realtime"},
    "maturity (realtime)": {"stage": "maturity", "serving": "realtime"},
    "maturity (batch)": {"stage": "maturity", "serving": "batch"},
}


def largest_packages(tag: str, count: int = 6) -> str:
    """The biggest folders of the image's site-packages, in MB."""
    listing = podman(
        "run", "--rm", "--entrypoint=sh", tag, "-c",
        "du -sm /app/.venv/lib/python*/site-packages/* | sort -rn | head -n " + str(count),
    ).stdout  # fmt: skip
    return ", ".join(
        f"{Path(path).name} {size}"
        for size, path in (line.split() for line in listing.splitlines())
    )


def cold_start(tag: str) -> float:
    """Seconds from ``podman run`` to the first 200 of /ready, as the pods run it."""
    port = free_port()
    started = time.monotonic()
    with serving(tag, f"bench-{port}", port, run_flags(env={"API_KEY": API_KEY})) as name:
        wait_ready(port, name)
        return time.monotonic() - started


def measure(root: Path, label: str, realtime: bool) -> bool:
    """Print the figures of one trained project's image; whether it meets its targets."""
    ok = True
    tag = f"localhost/mlstages-bench-{root.name}:latest"
    cache_seconds = sh(["make", "docker-cache"], root, project_env())
    build(root, tag)  # fill the layer cache
    started = time.monotonic()
    result = make(root, "docker-build", "OFFLINE=1", "CONTAINER=podman", f"IMAGE={tag}",
                  "BUILD_FLAGS=--pull=never --no-cache")  # fmt: skip
    assert result.returncode == 0, result.stderr
    full = time.monotonic() - started
    touched = root / "src" / "touched.txt"
    touched.write_text("a source change\n")
    rebuilt = build(root, tag).build_seconds
    touched.unlink()
    size = size_mb(tag)
    print(f"{label}: {size:.0f} MB; largest packages (MB): {largest_packages(tag)}")
    print(f"  make docker-cache {cache_seconds:.1f} s; build (warm uv cache, no layer "
          f"cache) {full:.1f} s; rebuild after a src/ change {rebuilt:.1f} s")  # fmt: skip
    if realtime:
        start = statistics.median(cold_start(tag) for _ in range(RUNS))
        print(f"  cold start to /ready: median {start:.1f} s of {RUNS}, "
              f"{verdict(start, START_TARGET)}")  # fmt: skip
        ok &= start <= START_TARGET
    if label.startswith("growth"):
        print(f"  growth serving image (MB): {verdict(size, SIZE_TARGET)}")
        ok &= size <= SIZE_TARGET
    podman("rmi", "--force", tag, check=False)
    return ok


def main(argv: list[str]) -> int:
    """Measure the projects of PROJECTS, or trained projects given as STAGE-SERVING=PATH."""
    require_podman()
    print(machine())
    section("Images (podman, stand-in base images, offline build from the uv cache)")
    ok = True
    if argv:  # e.g. growth-realtime=/path/to/a/trained/project
        for given in argv:
            label, _, path = given.partition("=")
            ok &= measure(Path(path), label, not label.endswith("batch"))
        return 0 if ok else 1
    with tempfile.TemporaryDirectory() as scratch:
        template = snapshot_template(Path(scratch) / "template")
        for label, answers in PROJECTS.items():
            root = render(template, Path(scratch) / label.replace(" ", ""), **answers)
            env = project_env()
            sh(["git", "init", "--quiet"], root, env)
            sh(["make", "install"], root, env)
            sh(["make", "pipeline"], root, env)
            ok &= measure(root, label, answers["serving"] == "realtime")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
