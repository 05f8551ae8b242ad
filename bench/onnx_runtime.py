"""Benchmark 7: ONNX Runtime (skl2onnx) against scikit-learn, for the bundled model kinds.

Trains the default mvp project, installs skl2onnx and onnxruntime into its virtual
environment (from PyPI, with uv), and runs ``in_project/onnx_probe.py``: one-row latency
(the pipeline as saved, the project's numpy fast path, ONNX Runtime), batch rows/s, and
whether ONNX gives the same predictions on the test split. The template adopts ONNX
Runtime as an option only if it is at least ADOPT times faster with identical
predictions.

    uv run python bench/onnx_runtime.py
"""

from __future__ import annotations

import json
import subprocess
import tempfile
from pathlib import Path

from common import machine, project_env, section, sh, summary, trained_project

ADOPT = 3.0
PROBE = Path(__file__).resolve().parent / "in_project" / "onnx_probe.py"


def main() -> None:
    section("7. ONNX Runtime against scikit-learn (bundled model kinds)")
    print(machine())
    with tempfile.TemporaryDirectory() as scratch:
        root, package = trained_project(Path(scratch), "mvp")
        python = str(root / ".venv" / "bin" / "python")
        sh(["uv", "pip", "install", "-q", "--python", python, "skl2onnx", "onnxruntime"], root)
        output = subprocess.run(
            [python, str(PROBE), package],
            cwd=root,
            env=project_env(),
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    for line in output.splitlines():
        row = json.loads(line)
        print(f"{row['model']} ({row['task']}, {row['features']} features):")
        if row["converted"] != "yes":
            print(f"  not converted: {row['converted']}")
            continue
        fast = row["one_row_us_sklearn_fast_path"]
        onnx = row["one_row_us_onnx"]
        best = min(value for value in (row["one_row_us_sklearn_pipeline"], fast) if value)
        print(
            f"  one row: scikit-learn {row['one_row_us_sklearn_pipeline']:,.0f} us "
            f"(fast path {fast or float('nan'):,.0f} us), ONNX Runtime {onnx:,.0f} us: "
            f"ONNX {best / onnx:.2f}x the faster scikit-learn path"
        )
        batch = row["batch_rows_per_s_onnx"] / row["batch_rows_per_s_sklearn"]
        print(
            f"  batch: scikit-learn {row['batch_rows_per_s_sklearn']:,.0f} rows/s, "
            f"ONNX Runtime {row['batch_rows_per_s_onnx']:,.0f} rows/s ({batch:.2f}x)"
        )
        print(
            f"  identical predictions on the test split: {row['identical_predictions']} "
            f"(largest difference {row['max_abs_difference']:.3g}; ONNX computes in float32)"
        )
        wins = best / onnx >= ADOPT and row["identical_predictions"]
        print(f"  adopt (>= {ADOPT:g}x and identical): {'yes' if wins else 'no'}")
        summary(
            f"ONNX {row['model']}", f"one row {best / onnx:.2f}x, batch {batch:.2f}x",
            f">= {ADOPT:g}x and identical", bool(wins),
        )  # fmt: skip


if __name__ == "__main__":
    main()
