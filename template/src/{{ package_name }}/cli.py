"""Command-line interface: one subcommand per pipeline step.

- ``prepare``: raw data to data/raw, train/test splits to data/processed
- ``assess``: the data assessment to reports/data_assessment.json and .md
- ``train``: fit the model to models/model.joblib
- ``evaluate``: test metrics and business value to reports/metrics.json
- ``predict --input FILE.csv --output FILE.csv``: batch scoring
- ``benchmark``: requests per second one process serves (for business.yaml)

Run it as ``python -m <package> <step>``; DVC calls the first four.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from . import config
from .assess import assess_data, write_assessment
from .business import BusinessCaseError, load_business_case
from .data import load_source, snake_case, split, write_csv
from .evaluate import evaluate_model, write_metrics
from .predict import PREDICTION_COLUMN, measure_throughput, predict_file
from .train import load_model, save_model, train_model
from .value import business_metrics


def prepare(params: config.Params) -> None:
    """Load the raw data, keep a copy in data/raw and write the train/test split."""
    frame = load_source(params.data.source, params.data.target)
    write_csv(frame, config.RAW_DATA)
    train, test = split(frame, params.data, params.task)
    write_csv(train, config.TRAIN_DATA)
    write_csv(test, config.TEST_DATA)
    print(f"prepared {len(frame)} rows: {len(train)} train, {len(test)} test")


def assess(params: config.Params) -> None:
    """Measure the raw data and write the data assessment."""
    frame = pd.read_csv(config.RAW_DATA)
    report = assess_data(frame, snake_case(params.data.target), params.task)
    write_assessment(report, config.ASSESSMENT_JSON, config.ASSESSMENT_MARKDOWN)
    shape = f"{report['rows']} rows, {report['columns']} columns"
    print(f"assessed {shape} -> {config.ASSESSMENT_JSON}, {config.ASSESSMENT_MARKDOWN}")


def train(params: config.Params) -> None:
    """Fit the model on the training split and save it."""
    frame = pd.read_csv(config.TRAIN_DATA)
    model = train_model(frame, snake_case(params.data.target), params.task, params.train)
    save_model(model, config.MODEL_FILE)
    print(f"trained {params.train.estimator} on {len(frame)} rows -> {config.MODEL_FILE}")


def evaluate(params: config.Params) -> None:
    """Score the saved model on the test split: metrics, business value and the plot data."""
    case = load_business_case(config.BUSINESS_FILE)
    model = load_model(config.MODEL_FILE)
    target = snake_case(params.data.target)
    test = pd.read_csv(config.TEST_DATA)
    scores, comparison = evaluate_model(model, test, target, params.task)
    train_target = pd.read_csv(config.TRAIN_DATA, usecols=[target])[target]
    scores |= business_metrics(
        comparison["actual"],
        comparison["predicted"].to_numpy(),
        train_target,
        params.task,
        case.value_for(params.task),
    )
    write_metrics(scores, config.METRICS_FILE)
    write_csv(comparison, config.PREDICTIONS_PLOT)
    primary = params.evaluate.primary_metric
    verdict = "meets" if scores[primary] >= case.minimum_metric else "is BELOW"
    print(f"{primary} = {scores[primary]:.4f}: {verdict} the minimum {case.minimum_metric:g}")
    print(
        f"business value = {scores['business_value']:,.2f} {case.currency} "
        f"(trivial baseline {scores['business_value_baseline']:,.2f}, "
        f"uplift {scores['business_value_uplift']:+,.2f})"
    )
    print(json.dumps(scores, indent=2, sort_keys=True))


def predict(input_path: Path, output_path: Path, show: int) -> None:
    """Score a CSV file with the saved model and print the first predictions."""
    model = load_model(config.MODEL_FILE)
    rows = predict_file(model, input_path, output_path)
    print(f"scored {rows} rows from {input_path} -> {output_path}")
    head = pd.read_csv(output_path, nrows=show)
    print(head[[PREDICTION_COLUMN]].to_string())


def benchmark(requests: int) -> None:
    """Measure how many single-row requests per second one process scores."""
    model = load_model(config.MODEL_FILE)
    result = measure_throughput(model, pd.read_csv(config.TEST_DATA), requests)
    print(
        f"{result.requests_per_second:,.0f} requests/s, p95 latency "
        f"{result.p95_latency_ms:.2f} ms over {result.requests} requests, one row each"
    )
    print("Write the figure measured on the serving hardware into business.yaml")
    print("as capacity.replica_throughput_rps.")


def build_parser() -> argparse.ArgumentParser:
    """Describe the subcommands and their options."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--params", type=Path, default=config.PARAMS_FILE, help="params file")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("prepare", help="load the raw data and split it")
    commands.add_parser("assess", help="write the data assessment")
    commands.add_parser("train", help="fit the model on the training split")
    commands.add_parser("evaluate", help="write the test metrics and business value")
    scoring = commands.add_parser("predict", help="batch-score a CSV file")
    scoring.add_argument("--input", type=Path, default=config.TEST_DATA, help="CSV to score")
    scoring.add_argument(
        "--output", type=Path, default=Path("reports/batch_predictions.csv"), help="CSV to write"
    )
    scoring.add_argument("--show", type=int, default=5, help="predictions to print")
    timing = commands.add_parser("benchmark", help="measure requests per second")
    timing.add_argument("--requests", type=int, default=500, help="requests to time")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one pipeline step; return the process exit code."""
    args = build_parser().parse_args(argv)
    if args.command == "predict":
        predict(args.input, args.output, args.show)
        return 0
    if args.command == "benchmark":
        benchmark(args.requests)
        return 0
    params = config.load_params(args.params)
    steps = {"prepare": prepare, "assess": assess, "train": train, "evaluate": evaluate}
    try:
        steps[args.command](params)
    except BusinessCaseError as error:  # a value to fix in business.yaml: no traceback
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 0
