"""The business case in ``business.yaml``: demand, value of predictions, capacity, budget.

The file is the project's one record of what the model must sustain and what it is
worth. :func:`load_business_case` reads it and checks every value; a missing, unknown or
out-of-range value stops with a message that names the key and what is allowed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from .config import BUSINESS_FILE

# Allowed range of every number in business.yaml, by section and key.
RANGES: dict[str, dict[str, tuple[float, float]]] = {
    "demand": {
        "requests_per_day": (1, 1e10),
        "peak_factor": (1, 100),
        "users": (1, 1e10),
        "latency_ms": (1, 604_800_000),
        "record_kb": (0, 1e6),
    },
    "performance": {"minimum_metric": (-1, 1)},
    "capacity": {
        "replica_throughput_rps": (1e-3, 1e7),
        "target_utilisation": (0.01, 1),
        "replica_cost_per_month": (0, 1e9),
    },
    "budget": {
        "team_size": (0, 10_000),
        "daily_rate": (0, 1e6),
        "weeks": (0, 520),
        "data_cost": (0, 1e12),
    },
}
# Money per prediction: which keys each kind of task needs in the ``value`` section.
VALUE_KEYS = {
    "binary_classification": ("correct", "false_positive", "false_negative"),
    "multiclass_classification": ("correct", "error"),
    "regression": ("correct", "per_unit_error"),
}
MAX_AMOUNT = 1e9


class BusinessCaseError(ValueError):
    """A missing, unknown or out-of-range value in ``business.yaml``."""


@dataclass(frozen=True)
class Demand:
    """How many predictions are needed, how fast, and for whom."""

    requests_per_day: float
    peak_factor: float
    users: float
    latency_ms: float
    record_kb: float


@dataclass(frozen=True)
class Capacity:
    """What one serving replica can do, and what it costs."""

    replica_throughput_rps: float
    target_utilisation: float
    replica_cost_per_month: float


@dataclass(frozen=True)
class BudgetInputs:
    """People, time and data for the current stage."""

    team_size: float
    daily_rate: float
    weeks: float
    data_cost: float


@dataclass(frozen=True)
class BusinessCase:
    """The whole of ``business.yaml``, checked."""

    currency: str
    demand: Demand
    minimum_metric: float
    value: dict[str, float]
    capacity: Capacity
    budget: BudgetInputs

    def value_for(self, task: str) -> dict[str, float]:
        """The amounts that price predictions for this kind of task."""
        missing = [key for key in VALUE_KEYS[task] if key not in self.value]
        if missing:
            raise BusinessCaseError(
                f"{BUSINESS_FILE}: value.{missing[0]} is needed for {task}: "
                f"give {', '.join(VALUE_KEYS[task])} under 'value'"
            )
        return {key: self.value[key] for key in VALUE_KEYS[task]}


def number(raw: Any, name: str, low: float, high: float) -> float:
    """Return ``raw`` as a float if it is a number within ``[low, high]``."""
    if isinstance(raw, bool) or not isinstance(raw, int | float):
        raise BusinessCaseError(f"{BUSINESS_FILE}: {name} must be a number, got {raw!r}")
    if not low <= raw <= high:
        raise BusinessCaseError(
            f"{BUSINESS_FILE}: {name} must be from {low:g} to {high:g}, got {raw!r}"
        )
    return float(raw)


def section(raw: Mapping[str, Any], name: str) -> dict[str, float]:
    """Check one section of numbers against :data:`RANGES`."""
    values = raw.get(name)
    if not isinstance(values, dict):
        raise BusinessCaseError(f"{BUSINESS_FILE}: the '{name}' section is missing")
    allowed = RANGES[name]
    unknown = sorted(set(values) - set(allowed))
    if unknown:
        raise BusinessCaseError(
            f"{BUSINESS_FILE}: {name}.{unknown[0]} is not a known key (known: {', '.join(allowed)})"
        )
    checked = {}
    for key, (low, high) in allowed.items():
        if key not in values:
            raise BusinessCaseError(f"{BUSINESS_FILE}: {name}.{key} is missing")
        checked[key] = number(values[key], f"{name}.{key}", low, high)
    return checked


def value_section(raw: Mapping[str, Any]) -> dict[str, float]:
    """Check the ``value`` section: known keys, amounts from 0 to a billion."""
    values = raw.get("value")
    if not isinstance(values, dict):
        raise BusinessCaseError(f"{BUSINESS_FILE}: the 'value' section is missing")
    known = sorted({key for keys in VALUE_KEYS.values() for key in keys})
    for key in values:
        if key not in known:
            raise BusinessCaseError(
                f"{BUSINESS_FILE}: value.{key} is not a known key (known: {', '.join(known)})"
            )
    return {key: number(amount, f"value.{key}", 0, MAX_AMOUNT) for key, amount in values.items()}


def parse_business_case(raw: Any) -> BusinessCase:
    """Check the content of ``business.yaml`` and return it typed."""
    if not isinstance(raw, dict):
        raise BusinessCaseError(f"{BUSINESS_FILE}: expected a mapping of sections")
    currency = raw.get("currency")
    if not isinstance(currency, str) or not currency.strip():
        raise BusinessCaseError(f"{BUSINESS_FILE}: currency must be a name such as EUR")
    return BusinessCase(
        currency=currency.strip(),
        demand=Demand(**section(raw, "demand")),
        minimum_metric=section(raw, "performance")["minimum_metric"],
        value=value_section(raw),
        capacity=Capacity(**section(raw, "capacity")),
        budget=BudgetInputs(**section(raw, "budget")),
    )


def load_business_case(path: Path = BUSINESS_FILE) -> BusinessCase:
    """Read and check ``business.yaml``."""
    if not path.is_file():
        raise BusinessCaseError(f"{path}: not found; the business case lives in this file")
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        raise BusinessCaseError(f"{path}: not valid YAML: {error}") from error
    return parse_business_case(raw)
