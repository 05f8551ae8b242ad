"""Rendering helpers shared by the template's tests.

Every project is generated with the real Copier API from this checkout into
``tmp_path``; the slow tier then installs and runs it with its own tools.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import resource
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import copier
import pytest
from mkdocs_forks import MkDocsForks

ROOT = Path(__file__).resolve().parents[1]

# Python writes the bytecode of what it imports, as it does by default, in every process of
# the run (xdist's workers and the generated projects' commands inherit this environment).
# With PYTHONDONTWRITEBYTECODE set (some machine images set it), each of the hundreds of
# processes that import scikit-learn, pandas or MLflow compiled them again: 3 s an import
# became 11 s on this machine.
os.environ.pop("PYTHONDONTWRITEBYTECODE", None)

# The run's temporary folders (the installed projects, their sites and image contexts) go
# under a root of this checkout's own: <tmp>/mlstages-tests-<digest of the checkout's
# path>/pytest-of-<user>/pytest-N. pytest keeps the last three runs there, as it does in
# <tmp>/pytest-of-<user>, where the runs of every other checkout (or a cleanup of that
# folder) would otherwise delete a running suite's projects under it.
TEMP_ROOT = Path(
    tempfile.gettempdir(), f"mlstages-tests-{hashlib.sha1(bytes(ROOT)).hexdigest()[:8]}"
)
TEMP_ROOT.mkdir(mode=0o700, exist_ok=True)
os.environ.setdefault("PYTEST_DEBUG_TEMPROOT", str(TEMP_ROOT))


@pytest.fixture(scope="session")
def template_src(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A snapshot of the template (copier.yml and template/) outside git.

    Copier renders a plain folder directly; rendering the git checkout would clone it
    (and commit uncommitted changes) for every project. Upgrade tests use git instead.
    One snapshot per run, shared by the xdist workers (read only: copy it to change it).
    """
    return made_once(shared_path(tmp_path_factory, "template"), snapshot_template)


def made_once(folder: Path, make: Callable[[Path], Path]) -> Path:
    """``folder``, made by ``make`` in a scratch folder and renamed, once for every worker."""
    with locked(folder):
        if not folder.is_dir():
            scratch = folder.with_name(f"{folder.name}.partial")
            shutil.rmtree(scratch, ignore_errors=True)
            make(scratch).rename(folder)
    return folder


# ---------------------------------------------------------------- parallel runs (xdist)
# pyproject.toml runs the suite on xdist workers (one more than the cores) with
# `--dist loadgroup`: tests that share an expensive module fixture or a BUILT project carry
# `pytest.mark.xdist_group(...)` so that they run on one worker, which builds it once.


def shared_path(tmp_path_factory: pytest.TempPathFactory, name: str) -> Path:
    """A path of this run that every xdist worker sees (the run's base temp without xdist)."""
    base = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        base = base.parent  # pytest-N/, the parent of every worker's popen-gwK/
    return base / name


def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    """One xdist worker more than the machine has cores (``-n auto``, as pyproject.toml sets).

    About a quarter of a worker's time goes to waiting: on servers starting, on Chromium,
    on podman and git, on subprocesses reading files. With one worker per core, that
    quarter of the machine stayed idle.
    """
    return len(os.sched_getaffinity(0)) + 1


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Group each test with its module, unless it names its group or is independent.

    Module fixtures then stay on one worker and are made once (xdist's own default, one
    test at a time to any worker, would set them up again on each worker, and again after
    every test of another module it ran in between).
    """
    for item in items:
        if not (item.get_closest_marker("xdist_group") or item.get_closest_marker("independent")):
            item.add_marker(pytest.mark.xdist_group(item.path.name))
    if config.getoption("loadgroup", default=False):  # an xdist worker under --dist loadgroup
        for item in items:
            if group := xdist_group(item):
                name_group(item, group)
        heaviest_groups_first(items)


def xdist_group(item: pytest.Item) -> str:
    """The name of the test's xdist group ("" for an independent test)."""
    return "_".join(sorted({str(mark.args[0]) for mark in item.iter_markers("xdist_group")}))


def heaviest_groups_first(items: list[pytest.Item]) -> None:
    """Order the groups by how much slow-tier work they hold, the heaviest first.

    xdist hands out whole groups in collection order (pyproject.toml turns its own order,
    by number of tests, off). A group that builds and runs projects (many slow tests)
    started last would keep one worker busy long after the other ran out of work; quick
    groups and single tests come last and fill the end of the run on both workers. The
    sort is stable: the tests of a group keep their order.
    """
    group_of = {item.nodeid: xdist_group(item) or item.nodeid for item in items}  # alone: own
    count = Counter(group_of.values())
    slow = Counter(group_of[item.nodeid] for item in items if item.get_closest_marker("slow"))

    def weight(item: pytest.Item) -> tuple[int, int, str]:
        group = group_of[item.nodeid]
        return (-slow[group], -count[group], group)

    items.sort(key=weight)


def name_group(item: pytest.Item, group: str) -> None:
    """Suffix the test's id with ``@group``, which is how xdist's scheduler reads groups.

    pytest-xdist 3.8 does this itself by setting ``Item._nodeid``, which pytest 9.2 no
    longer reads (it keeps a structured ``Item._id``), so its groups are silently ignored.
    """
    if item.nodeid.endswith(f"@{group}"):
        return  # xdist did it (pytest before 9.2)
    nodeid = f"{item.nodeid}@{group}"
    if hasattr(item, "_id"):
        from _pytest.nodeid import NodeId

        item._id = NodeId.parse(nodeid)
    else:
        item._nodeid = nodeid  # type: ignore[attr-defined]
    assert item.nodeid == nodeid, f"cannot name the xdist group of {item.nodeid}"


@contextmanager
def locked(path: Path) -> Iterator[None]:
    """Hold an exclusive lock (``path`` + ``.lock``) across processes while the block runs."""
    lock = path.with_name(f"{path.name}.lock")
    lock.parent.mkdir(parents=True, exist_ok=True)
    with lock.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


# ----------------------------------------------------- bytecode shared through uv's cache
# uv installs a package as hard links to the files it keeps in its cache (archive-v0/), and
# links every file there, __pycache__/ included. Python writes the bytecode of what it
# imports into the environment's own folders, so each of the run's forty-odd project
# environments compiled scikit-learn, pandas, MLflow, DVC and MkDocs again on first use:
# about 10 s of CPU each. Once a representative project is installed, share_bytecode()
# compiles its packages where uv keeps them: the environments made after that link the
# bytecode with the sources. Python checks a .pyc against its source's mtime and size,
# which a hard link shares; a copied file (a cache on another disk) just compiles again.
# MLSTAGES_SHARE_BYTECODE=0 leaves uv's cache as it is.


def uv_archives_of(environment: Path) -> list[Path]:
    """The folders of uv's cache whose files ``environment``'s packages are linked to."""
    linked = set()
    for metadata in environment.glob("lib/python3*/site-packages/*.dist-info/METADATA"):
        status = metadata.stat()
        if status.st_nlink > 1:
            linked.add((status.st_dev, status.st_ino))
    if not linked:
        return []
    cache = subprocess.run(
        ["uv", "cache", "dir"], capture_output=True, text=True, check=True
    ).stdout.strip()
    archives = []
    for archive in Path(cache, "archive-v0").iterdir():
        for metadata in archive.glob("*.dist-info/METADATA"):
            status = metadata.stat()
            if (status.st_dev, status.st_ino) in linked:
                archives.append(archive)
    return archives


# Compilations under way, in the background: the run waits for them at its end.
COMPILING: list[subprocess.Popen[bytes]] = []


def share_bytecode(project: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    """Compile, in the background, the packages of ``project``'s environment in uv's cache.

    Each package once a run, whichever worker first asks for it; the worker goes on with
    its tests meanwhile. A file that does not compile (a template shipped as .py, say)
    keeps no bytecode there and compiles on import as before.
    """
    if os.environ.get("MLSTAGES_SHARE_BYTECODE") == "0":
        return
    claimed = shared_path(tmp_path_factory, "bytecode-compiled")
    with locked(claimed):
        done = set(claimed.read_text().splitlines()) if claimed.is_file() else set()
        archives = [a for a in uv_archives_of(project / ".venv") if str(a) not in done]
        with claimed.open("a") as record:
            record.writelines(f"{archive}\n" for archive in archives)
    if archives:
        python = project / ".venv" / "bin" / "python"
        # Not the libraries' test suites, nor a wheel's .data/ folder: uv checks each file
        # it moves from there against the wheel's RECORD, and refuses to install a package
        # with a file RECORD does not list (Evidently ships Alembic migrations as .py data).
        skipped = r"/tests/|\.data/"
        command = [str(python), "-m", "compileall", "-qq", "-j", "0", "-x", skipped]
        # exit code 1 when some file does not compile: see above
        compiling = subprocess.Popen(
            [*command, *map(str, archives)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        COMPILING.append(compiling)


def pytest_unconfigure(config: pytest.Config) -> None:
    """Wait for the compilations this process started (share_bytecode)."""
    for compiling in COMPILING:
        compiling.wait()


@pytest.fixture(scope="session")
def mkdocs_forks(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MkDocsForks]:
    """Strict MkDocs builds of generated wikis, each in a fork of one warm process."""
    forks = MkDocsForks(tmp_path_factory.mktemp("mkdocs-forks"))
    yield forks
    forks.close()


@pytest.fixture(scope="session")
def template_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """This template's own docs (docs/, mkdocs.yml) built with ``--strict``, once a run.

    Shared by the xdist workers; read only. A failed build fails every test that uses it,
    with MkDocs's output.
    """
    return made_once(shared_path(tmp_path_factory, "template-site"), build_template_docs)


def build_template_docs(site: Path) -> Path:
    """Build this template's docs into ``site``; fail the test with MkDocs's output."""
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site)],
        cwd=ROOT, env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    if result.returncode != 0:
        pytest.fail(f"mkdocs build --strict failed:\n{result.stdout}\n{result.stderr}")
    return site


def snapshot_template(folder: Path) -> Path:
    """Copy copier.yml and template/ of this checkout into ``folder`` (outside git)."""
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy2(ROOT / "copier.yml", folder / "copier.yml")
    shutil.copytree(  # a stray bytecode cache would be a path Copier tries to render
        ROOT / "template", folder / "template", ignore=shutil.ignore_patterns("__pycache__")
    )
    return folder


def render(src: Path, dst: Path, **answers: Any) -> Path:
    """Generate a project with Copier's defaults overridden by ``answers``."""
    copier.run_copy(
        str(src), dst, data=answers, defaults=True, unsafe=False, quiet=True, vcs_ref=None
    )
    return dst


def project_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """Environment for commands run inside a generated project.

    The template's own virtual environment is hidden so that uv uses the project's.
    """
    env = {
        k: v for k, v in os.environ.items() if k not in {"VIRTUAL_ENV", "UV_PROJECT_ENVIRONMENT"}
    }
    env.update(
        UV_PYTHON_DOWNLOADS="never",
        DVC_NO_ANALYTICS="1",
        NO_MKDOCS_2_WARNING="1",
        GIT_AUTHOR_NAME="mlstages tests",
        GIT_AUTHOR_EMAIL="tests@mlstages.invalid",
        GIT_COMMITTER_NAME="mlstages tests",
        GIT_COMMITTER_EMAIL="tests@mlstages.invalid",
    )
    env.update(extra or {})
    return env


def run(
    args: list[str], cwd: Path, timeout: float = 600, env: Mapping[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run a command in a generated project; fail the test with its output if it fails."""
    result = subprocess.run(
        args,
        cwd=cwd,
        env=project_env(env),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if result.returncode != 0:
        pytest.fail(
            f"{' '.join(args)} exited {result.returncode} in {cwd}\n"
            f"--- stdout\n{result.stdout[-4000:]}\n--- stderr\n{result.stderr[-4000:]}"
        )
    return result


# Figures measured by the slow tier (load, fuzzing), printed at the end of the run. A test
# appends to FIGURES; its report carries them to the process that prints the summary (the
# xdist controller, which runs no test itself).
FIGURES: list[str] = []
REPORTED_FIGURES: list[str] = []


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> pytest.TestReport:
    report = yield
    report.user_properties.extend(("figure", line) for line in FIGURES)
    FIGURES.clear()
    return report


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    REPORTED_FIGURES.extend(str(value) for key, value in report.user_properties if key == "figure")
    for key, value in report.user_properties:
        if key == "cpu":
            CPU_OF_TEST[report.nodeid] = float(value)


# CPU time of each test, setup and teardown included: the worker's own and that of the
# processes it waited for (a project's make, uv, pytest, the servers a test stopped). On
# two busy cores the suite's time follows its CPU time, which --durations (wall time, under
# contention) shows only roughly; the summary adds it up by file.
CPU_AT_START: list[float] = []
CPU_OF_TEST: dict[str, float] = {}


def cpu_seconds() -> float:
    """User and system time of this process and of its waited-for children."""
    own, children = (
        resource.getrusage(resource.RUSAGE_SELF),
        resource.getrusage(resource.RUSAGE_CHILDREN),
    )
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def pytest_runtest_logstart(nodeid: str, location: tuple[str, int | None, str]) -> None:
    CPU_AT_START[:] = [cpu_seconds()]


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item) -> Iterator[None]:
    try:
        return (yield)
    finally:
        if CPU_AT_START:
            item.user_properties.append(("cpu", cpu_seconds() - CPU_AT_START[0]))


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Show the measured figures even when the tests pass (their output is captured), and
    where the run's CPU time went."""
    if REPORTED_FIGURES:
        terminalreporter.section("figures")
        for line in REPORTED_FIGURES:
            terminalreporter.write_line(line)
    if len(CPU_OF_TEST) > 1:
        by_file = Counter[str]()
        for nodeid, seconds in CPU_OF_TEST.items():
            by_file[nodeid.split("::")[0]] += seconds
        terminalreporter.section("CPU time by test file (with the processes each test ran)")
        for name, seconds in by_file.most_common(15):
            terminalreporter.write_line(f"{seconds:8.0f} s  {name}")
        terminalreporter.write_line(f"{sum(by_file.values()):8.0f} s  in all")
        terminalreporter.section("CPU time, the 15 heaviest tests")
        heaviest = sorted(CPU_OF_TEST.items(), key=lambda item: -item[1])[:15]
        for nodeid, seconds in heaviest:
            terminalreporter.write_line(f"{seconds:8.0f} s  {nodeid}")


@dataclass
class Outcome:
    """Exit code and output of a command."""

    code: int
    out: str
    err: str

    @property
    def last_line(self) -> str:
        return (self.out + self.err).strip().splitlines()[-1]


def run_upgrade_module(project: Path, *args: str, package: str = "my_ml_project") -> Outcome:
    """``make upgrade`` without uv: the generated module, run from the project's sources.

    The module needs only PyYAML and Copier, which the template's own environment has.
    """
    env = project_env({"PYTHONPATH": str(project / "src")})
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env['PATH']}"  # copier
    result = subprocess.run(
        [sys.executable, "-m", f"{package}.upgrade", *args],
        cwd=project, env=env, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    return Outcome(result.returncode, result.stdout, result.stderr)
