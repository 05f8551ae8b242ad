"""Print how long cookiecutter's front door takes next to ``copier copy`` (wall time).

    uv run python bench/cookiecutter_front_door.py [runs]

Both commands generate the default project from a committed git copy of this template;
cookiecutter also refuses ``stage=growth``. Median and best of ``runs`` (default 5).
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FRONT_DOOR = ["copier.yml", "template", "cookiecutter.json", "{{cookiecutter.__project_dir}}"]
GIT = ["git", "-c", "user.name=bench", "-c", "user.email=bench@mlstages.invalid"]


def template_copy(work: Path) -> Path:
    repo = work / "mlstages"
    repo.mkdir()
    for name in FRONT_DOOR:
        (shutil.copytree if (ROOT / name).is_dir() else shutil.copy2)(ROOT / name, repo / name)
    shutil.copytree(ROOT / "hooks", repo / "hooks", ignore=shutil.ignore_patterns("__pycache__"))
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "bench"]):
        subprocess.run([*GIT, *args], cwd=repo, check=True)
    return repo


def timed(command: list[str], env: dict[str, str], expect_failure: bool = False) -> float:
    start = time.perf_counter()
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - start
    if (result.returncode != 0) != expect_failure:
        raise SystemExit(f"{' '.join(command)} exited {result.returncode}\n{result.stderr}")
    return elapsed


def main(runs: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        repo = template_copy(work)
        (work / "cookiecutter.yaml").write_text(
            f"cookiecutters_dir: {work / 'clones'}\nreplay_dir: {work / 'replay'}\n"
        )
        env = {**os.environ, "COOKIECUTTER_CONFIG": str(work / "cookiecutter.yaml")}
        py = sys.executable
        commands = {
            "copier copy --defaults": lambda i: [
                *[py, "-m", "copier", "copy", "-q", "--defaults", "--vcs-ref", "HEAD"],
                *[str(repo), str(work / f"copier-{i}")],
            ],
            "cookiecutter --no-input": lambda i: [
                *[py, "-m", "cookiecutter", "--no-input", str(repo)],
                *["--output-dir", str(work / f"cookiecutter-{i}")],
            ],
            "cookiecutter, refused (stage=growth)": lambda i: [
                *[py, "-m", "cookiecutter", "--no-input", str(repo)],
                *["--output-dir", str(work / f"refused-{i}"), "stage=growth"],
            ],
        }
        for label, command in commands.items():
            times = [timed(command(i), env, "refused" in label) for i in range(runs)]
            print(f"{label:40s} median {statistics.median(times):5.2f} s  best {min(times):5.2f} s")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5)
