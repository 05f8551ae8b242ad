"""A generated project's image under podman, built and run the way the cluster runs it.

Shared by ``tests/test_containers.py`` and ``bench/images.py``. The base images are the
local stand-ins of ``tests/containers/base-images`` (tagged with the official names), so
the build never reaches a registry (``--pull=never``); the packages come from the uv cache
that ``make docker-cache`` prepares from the project's lock (``make docker-build OFFLINE=1``).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

CONTAINERS = Path(__file__).resolve().parent / "containers"
BASE_IMAGES = CONTAINERS / "base-images"
INSTALL = "apt-get install -y podman runc uidmap slirp4netns fuse-overlayfs debootstrap"
# The pods' user (runAsUser / runAsGroup of deploy/k8s) and the image's USER.
UID = 10001


def engine_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment for podman: runc, cgroupfs and explicit limits (containers.conf)."""
    env = {k: v for k, v in os.environ.items() if k not in {"VIRTUAL_ENV"}}
    env["CONTAINERS_CONF"] = str(CONTAINERS / "containers.conf")
    env.update(extra or {})
    return env


def require_podman() -> None:
    """Stop with the command that installs podman when it is missing."""
    if shutil.which("podman") is None:
        raise RuntimeError(f"podman is missing: {INSTALL} (.ci/run installs it)")


def podman(
    *args: str, timeout: float = 600, check: bool = True
) -> subprocess.CompletedProcess[str]:
    """Run podman; raise with its output when ``check`` and it fails."""
    result = subprocess.run(
        ["podman", *args], env=engine_env(), capture_output=True, text=True, timeout=timeout
    )
    if check and result.returncode != 0:
        raise RuntimeError(
            f"podman {' '.join(args)} exited {result.returncode}\n{result.stdout[-3000:]}"
            f"\n{result.stderr[-3000:]}"
        )
    return result


def base_images_for(dockerfile: Path) -> None:
    """Build (once per machine) the stand-ins of the base images a Dockerfile names."""
    text = dockerfile.read_text(encoding="utf-8")
    python = re.search(r"FROM python:(\S+)-slim", text)
    uv = re.search(r"ghcr\.io/astral-sh/uv:([\w.]+)", text)
    assert python and uv, f"{dockerfile}: no python:*-slim or uv image named"
    subprocess.run(
        [str(BASE_IMAGES), python.group(1), uv.group(1)],
        env=engine_env(),
        check=True,
        capture_output=True,
        text=True,
        timeout=900,
    )


def make(
    project: Path, *args: str, timeout: float = 900, env: Mapping[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run a make target of the project with podman; the result, failed or not."""
    environ = engine_env(env)
    environ.pop("UV_PROJECT_ENVIRONMENT", None)
    return subprocess.run(
        ["make", *args], cwd=project, env=environ, capture_output=True, text=True, timeout=timeout
    )


@dataclass
class Image:
    """An image built from a project's own Dockerfile."""

    tag: str
    project: Path
    build_seconds: float


def build(project: Path, tag: str) -> Image:
    """``make docker-build OFFLINE=1`` with podman and ``--pull=never``: the user's command."""
    base_images_for(project / "Dockerfile")
    started = time.monotonic()
    result = make(
        project,
        "docker-build",
        "OFFLINE=1",
        "CONTAINER=podman",
        f"IMAGE={tag}",
        "BUILD_FLAGS=--pull=never",
    )
    if result.returncode != 0:
        raise RuntimeError(
            f"make docker-build failed in {project}\n"
            f"{result.stdout[-4000:]}\n{result.stderr[-4000:]}"
        )
    return Image(tag, project, time.monotonic() - started)


def volume(folder: Path) -> Path:
    """A writable volume for the pods' user, as the manifests' fsGroup makes it."""
    folder.mkdir(parents=True, exist_ok=True)
    os.chown(folder, UID, UID)
    return folder


def run_flags(
    volumes: Mapping[Path, str] = {},
    env: Mapping[str, str] = {},
    read_only: Sequence[str] = (),
) -> list[str]:
    """The pod's security context: uid 10001, read-only root, no capabilities, /tmp scratch."""
    flags = [
        f"--user={UID}:{UID}",
        "--read-only",
        "--read-only-tmpfs=false",  # only the volumes the manifests mount are writable
        "--tmpfs=/tmp",  # the tmp emptyDir
        "--cap-drop=ALL",
        "--security-opt=no-new-privileges",
    ]
    for host, target in volumes.items():
        flags.append(f"--volume={host}:{target}{':ro' if target in read_only else ''}")
    for name, value in env.items():
        flags.append(f"--env={name}={value}")
    return flags


def job(
    image: str, flags: list[str], *command: str, timeout: float = 600
) -> subprocess.CompletedProcess[str]:
    """Run a job container to its end (the CronJobs' command and args)."""
    return podman("run", "--rm", *flags, image, *command, timeout=timeout, check=False)


@contextmanager
def serving(image: str, name: str, port: int, flags: list[str]) -> Iterator[str]:
    """The image's own command, published on 127.0.0.1:port; removed afterwards."""
    podman("run", "--detach", f"--name={name}", f"--publish=127.0.0.1:{port}:8000", *flags, image)
    try:
        yield name
    finally:
        podman("rm", "--force", "--time=0", name, check=False)


def wait_ready(port: int, name: str, timeout: float = 60) -> float:
    """Seconds until ``/ready`` answers 200; fail with the container's log if it never does."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/ready", timeout=2) as answer:
                if answer.status == 200:
                    return time.monotonic() - started
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.1)
    logs = podman("logs", name, check=False)
    raise AssertionError(
        f"/ready did not answer 200 within {timeout} s\n{logs.stdout}{logs.stderr}"
    )


def size_mb(tag: str) -> float:
    """The image's size in MB (the layers' uncompressed size)."""
    info = json.loads(podman("image", "inspect", tag).stdout)[0]
    return float(info["Size"]) / 1e6
