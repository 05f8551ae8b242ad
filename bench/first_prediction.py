"""Benchmark 3: time to first prediction, from nothing to one batch prediction.

copy (``copier copy``) -> install (``make install``: git init + ``uv sync``, with a warm
uv cache) -> pipeline (``make pipeline``: ``dvc repro``) -> predict (``make predict``:
batch scoring of the test split), broken down by step. The uv cache is warmed first by
an untimed install of the same project. Median of RUNS runs per step, per stage.

    uv run python bench/first_prediction.py
"""

from __future__ import annotations

import statistics
import tempfile
from pathlib import Path

from common import (
    ALL_STAGES,
    COPIER,
    STAGES,
    machine,
    project_env,
    section,
    sh,
    snapshot_template,
    verdict,
)

RUNS = 3
TARGET = 30.0  # seconds, with a warm uv cache
STEPS = ["copy", "install", "pipeline", "predict"]


def first_prediction(folder: Path, dst: Path, stage: str) -> dict[str, float]:
    """Go from nothing to a batch prediction; return each step's wall time."""
    env = project_env()
    answers = ["--defaults", "--quiet", "--data", f"stage={stage}"]
    return {
        "copy": sh([COPIER, "copy", *answers, str(folder), str(dst)], dst.parent, env),
        "install": sh(["make", "install"], dst, env),
        "pipeline": sh(["make", "pipeline"], dst, env),
        "predict": sh(["make", "predict"], dst, env),
    }


def main() -> None:
    section(f"3. time to first prediction, warm uv cache (median of {RUNS} runs)")
    print(machine())
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        folder = snapshot_template(work / "template")
        for stage in ALL_STAGES:
            if stage not in STAGES:
                print(f"{stage}: n/a: stage not available (target <= {TARGET:g} s)")
                continue
            first_prediction(folder, work / f"{stage}-warm-up", stage)
            runs = [first_prediction(folder, work / f"{stage}-{i}", stage) for i in range(RUNS)]
            totals = [sum(run.values()) for run in runs]
            total = statistics.median(totals)
            print(f"{stage}: {total:.1f} s from nothing to a prediction [{verdict(total, TARGET)}]")
            for step in STEPS:
                seconds = statistics.median(run[step] for run in runs)
                print(f"  {step:<9} {seconds:6.2f} s")


if __name__ == "__main__":
    main()
