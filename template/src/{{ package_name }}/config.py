"""Paths of the pipeline's files and typed access to ``params.yaml``.

Every stage of the pipeline runs from the project root (DVC does that), so the paths
below are relative to it. Change a path here and in ``dvc.yaml`` together.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import yaml

Task = Literal["binary_classification", "multiclass_classification", "regression"]

PARAMS_FILE = Path("params.yaml")
BUSINESS_FILE = Path("business.yaml")
EXTERNAL_DATA = Path("data/external")
RAW_DATA = Path("data/raw/dataset.csv")
DATA_FINGERPRINT = Path("reports/data_fingerprint.json")
TRAIN_DATA = Path("data/processed/train.csv")
TEST_DATA = Path("data/processed/test.csv")
MODEL_FILE = Path("models/model.joblib")
METRICS_FILE = Path("reports/metrics.json")
PREDICTIONS_PLOT = Path("reports/predictions.csv")
VALIDATION_REPORT = Path("reports/data_validation.json")
TRAINING_RUN = Path("models/run.json")
ASSESSMENT_JSON = Path("reports/data_assessment.json")
ASSESSMENT_MARKDOWN = Path("reports/data_assessment.md")
# Maturity stage: the challenger, the fallback rule, the drift reference and reports.
CHALLENGER_FILE = Path("models/challenger.joblib")
CHALLENGER_METRICS = Path("reports/challenger_metrics.json")
BASELINE_FILE = Path("models/baseline.json")
REFERENCE_FILE = Path("models/reference.parquet")
ROLLOUT_FILE = Path("deploy/rollout.yaml")
PREDICTION_LOG = Path("logs/predictions.jsonl")
DRIFT_JSON = Path("reports/drift.json")
DRIFT_HTML = Path("reports/drift.html")
CHAMPION_COMPARISON = Path("reports/champion_comparison.md")


@dataclass(frozen=True)
class DataParams:
    """Where the data comes from and how it is split.

    ``source`` is a sample data set's name or a CSV/Parquet file; a relative path is
    read from the folder of ``params.yaml`` (the project root), wherever the command runs.
    ``positive_label`` names the positive class of a binary target that is not 0/1;
    ``id_column`` is never a feature; ``time_column`` orders the split (the latest rows
    are the test set) and is not a feature either. ``chunk_rows`` makes ``prepare`` and
    ``assess`` read that many rows at a time (see ``chunked.py``); 0 decides by file size.
    """

    source: str
    target: str = "target"
    test_size: float = 0.2
    seed: int = 42
    positive_label: str | int | bool | None = None
    id_column: str | None = None
    time_column: str | None = None
    chunk_rows: int = 0
    root: Path = Path(".")

    def source_path(self) -> Path:
        """The source file, resolved against the project root (relative paths)."""
        path = Path(self.source).expanduser()
        return path if path.is_absolute() else self.root / path


@dataclass(frozen=True)
class TrainParams:
    """Which estimator to fit, with its hyper-parameters."""

    estimator: str
    hyperparameters: dict[str, Any] = field(default_factory=dict)
    seed: int = 42


@dataclass(frozen=True)
class EvaluateParams:
    """How the model is judged."""

    primary_metric: str


@dataclass(frozen=True)
class TrackingParams:
    """Where experiments and models are recorded (growth stage and later)."""

    experiment: str
    registered_model: str
    uri: str = ""


@dataclass(frozen=True)
class TuneParams:
    """The hyper-parameter grid searched before training (growth stage and later)."""

    space: dict[str, list[Any]]
    folds: int = 3


@dataclass(frozen=True)
class MonitoringParams:
    """How the drift job compares production with training (maturity stage)."""

    drift_share: float = 0.5
    min_rows: int = 100
    window: int = 5_000
    reference_rows: int = 5_000


@dataclass(frozen=True)
class Params:
    """All the parameters of the pipeline, as written in ``params.yaml``.

    Sections that a later stage adds are ``None`` until the project reaches it.
    """

    task: Task
    data: DataParams
    train: TrainParams
    evaluate: EvaluateParams
    tracking: TrackingParams | None = None
    tune: TuneParams | None = None
    challenger: TrainParams | None = None
    monitoring: MonitoringParams | None = None


def load_params(path: Path = PARAMS_FILE) -> Params:
    """Read ``params.yaml`` into typed parameters."""
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    task = raw["task"]
    if task not in ("binary_classification", "multiclass_classification", "regression"):
        raise ValueError(f"{path}: task must be a classification or regression task, got {task!r}")
    return Params(
        task=task,
        data=DataParams(**raw["data"], root=path.resolve().parent),
        train=TrainParams(**raw["train"]),
        evaluate=EvaluateParams(**raw["evaluate"]),
        tracking=TrackingParams(**raw["tracking"]) if "tracking" in raw else None,
        tune=TuneParams(**raw["tune"]) if "tune" in raw else None,
        challenger=TrainParams(**raw["challenger"]) if "challenger" in raw else None,
        monitoring=MonitoringParams(**raw["monitoring"]) if "monitoring" in raw else None,
    )
