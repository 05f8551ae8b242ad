"""Which answer sets the tests render, and which files each must produce.

Rendering the full product of the options (3 x 3 x 3 x 4 at each stage) would be slow
and mostly redundant: a greedy all-pairs selection covers every pair of option values
at least once, and the remaining options are rotated over it.
"""

from __future__ import annotations

from itertools import combinations, product
from typing import Any

import yaml
from conftest import ROOT

QUESTIONS = yaml.safe_load((ROOT / "copier.yml").read_text(encoding="utf-8"))


def choices(question: str) -> list[str]:
    """The values a choice question accepts, in the order copier.yml lists them."""
    options = QUESTIONS[question]["choices"]
    return list(options.values()) if isinstance(options, dict) else list(options)


# The stages whose layer exists; tests and benchmarks parametrised over stages use it.
STAGES = ["mvp", "growth", "maturity"]
AXES = ["problem_type", "serving", "ci_provider", "data_remote"]
ROTATED = ["python_version", "license"]
# Legal but awkward values, rotated over the answer sets: quotes, colons, hashes and
# non-ASCII letters must still render into files that parse.
NAMES = ["My ML Project", "Churn Prédiction", "Ann's fraud-model v2.0"]
DESCRIPTIONS = [
    "A machine-learning project generated with mlstages.",
    'Scores "risky" loans: fast & cheap #1',
    "Prévision: la demande # v2 {braces} `x` $(y)",
]
# Acceptable latencies rotated over the sets: the wikis compute real-time, asynchronous
# and batch requirements.
LATENCIES = ["300", "5000", "86400000"]
# Legal answers chosen to break naive rendering and to run code if anything ever
# evaluated them: quotes, backslashes and Python escapes, shell substitutions, YAML
# indicators, HTML, non-ASCII letters. Rendered and run by the safety and slow tests.
HOSTILE = {
    "project_name": "Ann's Prédiction-Modèle v2.0",
    "description": (
        'Says "hi" & \'bye\' """ \\ C:\\new\\users \\N{x} \\u12 $(touch pwned) `touch pwned` '
        "key: value # no comment - [a, b] *alias &anchor !tag <script>alert(1)</script> é\\"
    ),
    "author_name": 'O\'Brien "Bob" $(touch pwned) `id` #1: Zoë & co \\',
    "author_email": "o.brien+ml@example.co.uk",
}
REMOTE_ANSWERS = {
    "local": {},
    "s3": {"s3_bucket": "team-ml-data"},
    "gcs": {"gcs_bucket": "team-ml-data"},
    "azure": {"azure_account": "teamstorage", "azure_container": "ml-data"},
}


def all_pairs(axes: list[list[str]]) -> list[tuple[str, ...]]:
    """Greedily pick rows of the product until every pair of values is covered."""
    needed = {
        (i, a, j, b) for i, j in combinations(range(len(axes)), 2) for a in axes[i] for b in axes[j]
    }

    def pairs(row: tuple[str, ...]) -> set[tuple[int, str, int, str]]:
        return {(i, row[i], j, row[j]) for i, j in combinations(range(len(row)), 2)}

    chosen = []
    candidates = list(product(*axes))
    while needed:
        best = max(candidates, key=lambda row: len(pairs(row) & needed))
        chosen.append(best)
        needed -= pairs(best)
    return chosen


def answer_sets(stage: str = "mvp") -> list[dict[str, Any]]:
    """The pruned answer sets for one stage."""
    rows = all_pairs([choices(axis) for axis in AXES])
    sets = []
    for index, row in enumerate(rows):
        answers: dict[str, Any] = dict(zip(AXES, row, strict=True), stage=stage)
        for question in ROTATED:
            values = choices(question)
            answers[question] = values[index % len(values)]
        if stage != "mvp":
            answers["use_dask"] = index % 3 != 2
        answers["project_name"] = NAMES[index % len(NAMES)]
        answers["description"] = DESCRIPTIONS[index % len(DESCRIPTIONS)]
        answers["latency_ms"] = LATENCIES[index % len(LATENCIES)]
        answers.update(REMOTE_ANSWERS[answers["data_remote"]])
        sets.append(answers)
    return sets


def answer_id(answers: dict[str, Any]) -> str:
    """A readable test id such as ``mvp-regression-batch-gitlab-s3``."""
    short = {"binary_classification": "binary", "multiclass_classification": "multiclass"}
    values = [answers["stage"], *(answers[axis] for axis in AXES)]
    return "-".join(short.get(value, value) for value in values)


MVP_FILES = {
    ".copier-answers.yml",
    ".dvc/.gitignore",
    ".dvc/config",
    ".dvcignore",
    ".gitignore",
    ".pre-commit-config.yaml",
    ".secrets.baseline",
    ".python-version",
    "LICENSE",
    "Makefile",
    "README.md",
    "business.yaml",
    "data/external/README.md",
    "dvc.yaml",
    "mkdocs.yml",
    "params.yaml",
    "pyproject.toml",
    "docs/index.md",
    "docs/assets/accessibility.js",
    "docs/assets/extra.css",
    "docs/assets/vendor/mermaid/LICENSE",
    "docs/assets/vendor/mermaid/NOTICE.txt",
    "docs/assets/vendor/mermaid/mermaid.min.js",
    "docs/hooks/charts.py",
    "docs/hooks/live_pages.py",
    "docs/hooks/results.py",
    "docs/hooks/stage_facts.py",
    "docs/hooks/stages.yml",
    "docs/status/pipeline.md",
    "docs/status/requirements.md",
    "docs/status/roadmap.md",
    "docs/status/reference/index.md",
    "docs/assess/product-discovery.md",
    "docs/assess/data-assessment.md",
    "docs/plan/stages.md",
    "docs/plan/prioritisation.md",
    "docs/plan/architecture.md",
    "docs/plan/strategic-planning.md",
    "docs/plan/tactical-planning.md",
    "docs/execute/data-pipeline.md",
    "docs/execute/training-pipeline.md",
    "docs/execute/production-pipeline.md",
    "docs/execute/testing-in-production.md",
    "docs/execute/monitoring.md",
    "docs/execute/documentation.md",
    "docs/iterate.md",
    "src/{package}/__init__.py",
    "src/{package}/__main__.py",
    "src/{package}/assess.py",
    "src/{package}/atomic.py",
    "src/{package}/business.py",
    "src/{package}/cli.py",
    "src/{package}/config.py",
    "src/{package}/chunked.py",
    "src/{package}/data.py",
    "src/{package}/evaluate.py",
    "src/{package}/features.py",
    "src/{package}/intake.py",
    "src/{package}/predict.py",
    "src/{package}/requirements.py",
    "src/{package}/scratch_update.py",
    "src/{package}/train.py",
    "src/{package}/upgrade.py",
    "src/{package}/value.py",
    "tests/conftest.py",
    "tests/test_assess.py",
    "tests/test_bad_files.py",
    "tests/test_business.py",
    "tests/test_cli.py",
    "tests/test_chunked.py",
    "tests/test_data.py",
    "tests/test_evaluate.py",
    "tests/test_predict.py",
    "tests/test_requirements.py",
    "tests/test_train.py",
    "tests/test_value.py",
}
REALTIME_FILES = {"src/{package}/api.py", "tests/test_api.py", "docs/status/http-api.md"}
GROWTH_REALTIME_FILES = {
    "src/{package}/middleware.py",
    "src/{package}/security.py",
    "tests/test_service_hardening.py",
}
CI_FILES = {
    "github": {".github/workflows/ci.yml", ".github/workflows/upgrade.yml"},
    "gitlab": {".gitlab-ci.yml"},
    "none": set(),
}
GROWTH_FILES = {
    "docs/status/model-card.md",
    ".dockerignore",
    "Dockerfile",
    "contracts/raw.yaml",
    "src/{package}/contracts.py",
    "src/{package}/tracking.py",
    "src/{package}/tuning.py",
    "tests/test_contracts.py",
    "tests/test_tracking.py",
    "tests/test_tuning.py",
}
GROWTH_DASK_FILES = {"src/{package}/scale_out.py", "tests/test_scale_out.py"}
GROWTH_CI_FILES = {"github": {".github/workflows/train.yml"}, "gitlab": set(), "none": set()}
# Maturity: monitoring and the drift job at every serving; routing, fallbacks and the
# load test with an API; the deployment (Kustomize, Argo) and its workflows.
MATURITY_FILES = {
    "docs/status/online-evaluation.md",
    "src/{package}/drift.py",
    "src/{package}/online_eval.py",
    "src/{package}/promotion.py",
    "src/{package}/roi.py",
    "src/{package}/scorers.py",
    "src/{package}/sequential.py",
    "tests/test_drift.py",
    "tests/test_online_eval.py",
    "tests/test_promotion.py",
    "tests/test_scorers.py",
}
MATURITY_REALTIME_FILES = {
    "deploy/rollout.yaml",
    "loadtest/locustfile.py",
    "src/{package}/monitoring.py",
    "src/{package}/outcomes.py",
    "src/{package}/routing.py",
    "src/{package}/service.py",
    "src/{package}/simulate.py",
    "tests/test_outcomes.py",
    "tests/test_routing.py",
    "tests/test_service.py",
}
MATURITY_DEPLOY_FILES = {
    "deploy/argocd/production.yaml",
    "deploy/argocd/project.yaml",
    "deploy/argocd/staging.yaml",
    "deploy/k8s/base/data-pvc.yaml",
    "deploy/k8s/base/drift-cronjob.yaml",
    "deploy/k8s/base/kustomization.yaml",
    "deploy/k8s/base/network-policy.yaml",
    "deploy/k8s/base/prometheus-rule.yaml",
    "deploy/k8s/overlays/production/kustomization.yaml",
    "deploy/k8s/overlays/staging/kustomization.yaml",
    "docs/execute/deployment.md",
}
MATURITY_DEPLOY_REALTIME_FILES = {
    "deploy/k8s/base/analysis-template.yaml",
    "deploy/k8s/base/hpa.yaml",
    "deploy/k8s/base/pdb.yaml",
    "deploy/k8s/base/pod-monitor.yaml",
    "deploy/k8s/base/rollout.yaml",
    "deploy/k8s/base/service.yaml",
    "deploy/k8s/base/service-canary.yaml",
    "deploy/k8s/base/slo.yaml",
    "deploy/k8s/overlays/production/sizing.yaml",
    "src/{package}/sizing.py",
    "tests/test_sizing.py",
}
MATURITY_DEPLOY_BATCH_FILES = {"deploy/k8s/base/score-cronjob.yaml"}
MATURITY_CI_FILES: dict[str, set[str]] = {
    "github": {
        ".github/workflows/deploy.yml",
        ".github/workflows/promote.yml",
        ".github/workflows/retrain.yml",
    },
    "gitlab": {".gitlab/ci/deploy.yml", ".gitlab/ci/retrain.yml"},
    "none": set(),
}
STAGE_RANK = {"mvp": 0, "growth": 1, "maturity": 2}


def expected_files(answers: dict[str, Any], package: str) -> set[str]:
    """The exact set of files a fresh copy with these answers must contain."""
    files = set(MVP_FILES)
    if answers["serving"] in ("realtime", "both"):
        files |= REALTIME_FILES
    files |= CI_FILES[answers["ci_provider"]]
    if STAGE_RANK[answers.get("stage", "mvp")] >= 1:
        files |= GROWTH_FILES | GROWTH_CI_FILES[answers["ci_provider"]]
        if answers.get("use_dask", True):
            files |= GROWTH_DASK_FILES
        if answers["serving"] in ("realtime", "both"):
            files |= GROWTH_REALTIME_FILES
    if STAGE_RANK[answers.get("stage", "mvp")] >= 2:
        files |= MATURITY_FILES | MATURITY_DEPLOY_FILES | MATURITY_CI_FILES[answers["ci_provider"]]
        if answers["serving"] in ("realtime", "both"):
            files |= MATURITY_REALTIME_FILES | MATURITY_DEPLOY_REALTIME_FILES
        else:
            files |= MATURITY_DEPLOY_BATCH_FILES
    return {name.format(package=package) for name in files}
