"""Technical requirements, budget and return on investment, from the business case.

The formulas, also written on the wiki's *Requirements and budget* page:

- average rate = requests_per_day / 86 400 s; peak rate = average rate x peak_factor;
- serving mode: real-time below 1 s of acceptable latency, batch from 1 hour, and in
  between asynchronous (a queue in front of the model);
- design rate: the peak rate, except in batch, where the day's requests must be scored
  within the latency: requests_per_day / min(latency in s, 86 400);
- replicas = ceil(design rate / (replica_throughput_rps x target_utilisation)), at least 1;
- autoscaling of the real-time service (the production overlay's HorizontalPodAutoscaler,
  written by `make sizing` at maturity): min replicas = max(2, replicas at the average
  rate), never one pod, so that a node drain or a canary never leaves the service alone
  on one replica; max replicas = max(min + 1, 2 x replicas at the design rate), headroom
  for a peak above peak_factor and for the canary's extra pods; CPU target =
  target_utilisation;
- a queue in asynchronous mode; a fallback whenever someone waits for the answer
  (real-time or asynchronous);
- storage per day = requests_per_day x record_kb / 1 000 000 GB;
- budget = team_size x daily_rate x 5 days x weeks
  + replicas x replica_cost_per_month x weeks x 12 / 52 + data_cost;
- yearly value = value uplift per prediction x requests_per_day x 365, the uplift being
  the model's business value over the trivial baseline's on the test set;
- yearly running cost = replicas x replica_cost_per_month x 12;
- return on investment over the first year = (yearly value - running cost - budget) / budget;
  payback = budget / monthly net value (yearly value - running cost) / 12.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from .business import BusinessCase

SECONDS_PER_DAY = 86_400
REAL_TIME_BELOW_MS = 1_000
BATCH_FROM_MS = 3_600_000
WORKING_DAYS_PER_WEEK = 5
# Fewest replicas of an autoscaled service: one pod alone is an outage at each restart.
MIN_REPLICAS = 2


@dataclass(frozen=True)
class TechnicalRequirements:
    """What the serving must sustain, derived from the demand and the capacity."""

    mode: str
    average_rps: float
    peak_rps: float
    design_rps: float
    replicas: int
    queue: bool
    fallback: bool
    storage_gb_per_day: float
    storage_gb_per_year: float


@dataclass(frozen=True)
class Autoscaling:
    """Bounds and target of the real-time service's horizontal autoscaler."""

    min_replicas: int
    max_replicas: int
    target_cpu_percent: int


@dataclass(frozen=True)
class Budget:
    """The cost of the current stage, split by kind."""

    people: float
    infrastructure: float
    data: float

    @property
    def total(self) -> float:
        """People, infrastructure and data together."""
        return self.people + self.infrastructure + self.data


@dataclass(frozen=True)
class ReturnOnInvestment:
    """What the model returns in its first year in production, against the budget."""

    yearly_value: float
    yearly_running_cost: float
    roi: float
    payback_months: float | None


def serving_mode(latency_ms: float) -> str:
    """``real-time``, ``asynchronous`` (a queue) or ``batch``, by acceptable latency."""
    if latency_ms < REAL_TIME_BELOW_MS:
        return "real-time"
    if latency_ms >= BATCH_FROM_MS:
        return "batch"
    return "asynchronous"


def replicas_needed(design_rps: float, throughput_rps: float, utilisation: float) -> int:
    """Replicas that serve ``design_rps`` at the target utilisation of each (at least 1)."""
    # Rounded first, so that float noise (2.0000000001) does not add a replica.
    return max(1, math.ceil(round(design_rps / (throughput_rps * utilisation), 9)))


def technical_requirements(case: BusinessCase) -> TechnicalRequirements:
    """Translate the business case into serving requirements."""
    demand = case.demand
    average = demand.requests_per_day / SECONDS_PER_DAY
    peak = average * demand.peak_factor
    mode = serving_mode(demand.latency_ms)
    if mode == "batch":
        window_s = min(demand.latency_ms / 1000, SECONDS_PER_DAY)
        design = demand.requests_per_day / window_s
    else:
        design = peak
    storage = demand.requests_per_day * demand.record_kb / 1_000_000
    return TechnicalRequirements(
        mode=mode,
        average_rps=average,
        peak_rps=peak,
        design_rps=design,
        replicas=replicas_needed(
            design, case.capacity.replica_throughput_rps, case.capacity.target_utilisation
        ),
        queue=mode == "asynchronous",
        fallback=mode != "batch",
        storage_gb_per_day=storage,
        storage_gb_per_year=storage * 365,
    )


def autoscaling_bounds(case: BusinessCase) -> Autoscaling:
    """Min and max replicas, and the CPU target, of the real-time service's autoscaler."""
    needs = technical_requirements(case)
    capacity = case.capacity
    at_average = replicas_needed(
        needs.average_rps, capacity.replica_throughput_rps, capacity.target_utilisation
    )
    low = max(MIN_REPLICAS, at_average)
    return Autoscaling(
        min_replicas=low,
        max_replicas=max(low + 1, 2 * needs.replicas),
        target_cpu_percent=round(capacity.target_utilisation * 100),
    )


def budget(case: BusinessCase, replicas: int) -> Budget:
    """People x time + infrastructure for the stage + data."""
    inputs = case.budget
    months = inputs.weeks * 12 / 52
    return Budget(
        people=inputs.team_size * inputs.daily_rate * WORKING_DAYS_PER_WEEK * inputs.weeks,
        infrastructure=replicas * case.capacity.replica_cost_per_month * months,
        data=inputs.data_cost,
    )


def return_on_investment(
    case: BusinessCase, replicas: int, total_budget: float, uplift_per_prediction: float
) -> ReturnOnInvestment:
    """First-year return of the model, given its value uplift per prediction."""
    yearly_value = uplift_per_prediction * case.demand.requests_per_day * 365
    running = replicas * case.capacity.replica_cost_per_month * 12
    net = yearly_value - running
    roi = (net - total_budget) / total_budget if total_budget > 0 else math.inf
    payback = total_budget / (net / 12) if net > 0 else None
    return ReturnOnInvestment(
        yearly_value=yearly_value, yearly_running_cost=running, roi=roi, payback_months=payback
    )
