"""Data assessment: what the data holds, measured before any model is trained.

Counts rows, columns, types, missing values and duplicated rows, says what the pipeline
does with each column (a feature of which kind, or dropped and why), and describes the
target: the balance of the classes for classification, its distribution for regression.
The ``assess`` stage of the pipeline writes the result to ``reports/data_assessment.json``
and ``reports/data_assessment.md``; the wiki's *Data assessment* page shows the latter.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd

from .atomic import write_text
from .config import DataParams, Task
from .data import snake_case
from .features import plan_columns

DROPPED = ("date", "text", "id", "time")


def describe_target(target: pd.Series, task: Task) -> dict[str, Any]:
    """Class counts and shares, or the distribution of a numeric target."""
    if task == "regression":
        stats = target.describe(percentiles=[0.25, 0.5, 0.75])
        return {
            "kind": "distribution",
            **{name: round(float(stats[name]), 6) for name in ("mean", "std", "min", "max")},
            "q25": round(float(stats["25%"]), 6),
            "median": round(float(stats["50%"]), 6),
            "q75": round(float(stats["75%"]), 6),
        }
    return describe_classes(target.value_counts())


def describe_classes(counts: pd.Series) -> dict[str, Any]:
    """The rows and share of each class, from the rows of each label."""
    rows = int(counts.sum()) or 1
    return {
        "kind": "classes",
        "classes": [
            {"label": str(label), "count": int(count), "share": round(count / rows, 6)}
            for label, count in counts.sort_index().items()
        ],
    }


def assess_data(frame: pd.DataFrame, data: DataParams | str, task: Task) -> dict[str, Any]:
    """Measure a table: its shape, types, missing values, duplicates, target and columns.

    ``data`` is the ``data`` section of the parameters, or just the target's name.
    """
    if isinstance(data, str):
        data = DataParams(source="", target=data)
    target = snake_case(data.target)
    ignored = [snake_case(name) if name else None for name in (data.id_column, data.time_column)]
    plans = {plan.name: plan for plan in plan_columns(frame, target, *ignored)}
    missing = frame.isna().sum()
    rows = len(frame) or 1
    return {
        "source": data.source,
        "rows": len(frame),
        "columns": frame.shape[1],
        "duplicate_rows": int(frame.duplicated().sum()),
        "missing_cells": int(missing.sum()),
        "target": target,
        "dropped_columns": [name for name, plan in plans.items() if plan.kind in DROPPED],
        "target_summary": describe_target(frame[target].dropna(), task),
        "column_details": [
            {
                "name": str(name),
                "type": str(frame[name].dtype),
                "kind": plans[str(name)].kind,
                "missing": int(missing[name]),
                "missing_share": round(int(missing[name]) / rows, 6),
                "unique": int(frame[name].nunique()),
                "treatment": plans[str(name)].treatment,
            }
            for name in frame.columns
        ],
    }


def to_markdown(report: dict[str, Any]) -> str:
    """The assessment as Markdown tables, for the wiki."""
    rows = report["rows"] or 1
    dropped = ", ".join(f"`{name}`" for name in report["dropped_columns"]) or "none"
    duplicates = report["duplicate_rows"]
    if duplicates is None:  # read in chunks: memory would grow with the rows
        duplicates = f"not counted (read in chunks of {report['read_in_chunks_of']} rows)"
    lines = [
        "| Measure | Value |",
        "| --- | --- |",
        f"| Rows | {report['rows']} |",
        f"| Columns | {report['columns']} |",
        f"| Duplicated rows | {duplicates} |",
        f"| Missing cells | {report['missing_cells']} |",
        f"| Source | `{report['source']}` |",
        f"| Target | `{report['target']}` |",
        f"| Dropped columns | {dropped} |",
        "",
    ]
    summary = report["target_summary"]
    if summary["kind"] == "classes":
        lines += ["**Class balance**", "", "| Class | Rows | Share |", "| --- | --- | --- |"]
        lines += [
            f"| {c['label']} | {c['count']} | {100 * c['share']:.1f} % |"
            for c in summary["classes"]
        ]
    else:
        stats = ("min", "q25", "median", "mean", "q75", "max", "std")
        lines += ["**Target distribution**", "", "| Statistic | Value |", "| --- | --- |"]
        lines += [f"| {name} | {summary[name]:.4g} |" for name in stats]
    lines += ["", "**Columns**", ""]
    lines += ["| Column | Type | Kind | Missing | Missing share | Distinct | In the pipeline |"]
    lines += ["| --- | --- | --- | --- | --- | --- | --- |"]
    for column in report["column_details"]:
        share = 100 * column["missing"] / rows
        lines.append(
            f"| `{column['name']}` | {column['type']} | {column['kind']} | {column['missing']} "
            f"| {share:.1f} % | {column['unique']}{'+' if column.get('unique_capped') else ''} "
            f"| {column['treatment']} |"
        )
    return "\n".join(lines) + "\n"


def write_assessment(report: dict[str, Any], json_path: Path, markdown_path: Path) -> None:
    """Write the assessment as JSON and as Markdown."""
    write_text(json_path, json.dumps(report, indent=2) + "\n")
    write_text(markdown_path, to_markdown(report))
