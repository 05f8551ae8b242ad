"""Static checks of the maturity deployment (deploy/, its CI), run by test_render.py.

Kustomize (kubectl's) renders each overlay; core kinds are validated strictly with
kubernetes-validate, custom resources (Argo Rollouts, Argo CD, Prometheus operator) with
models generated from their upstream schemas, and PromQL is parsed with Prometheus' own
grammar (tests/manifests/validate.mjs, node).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import kubernetes_validate
import yaml
from conftest import ROOT, project_env

CHECKER = ROOT / "tests" / "manifests"
KUBERNETES_VERSION = "1.33"
OVERLAYS = ("staging", "production")
# What each overlay renders: the canary-released service, or the scoring job; the drift
# job, its storage and the alerts either way.
SERVICE_KINDS = [
    "AnalysisTemplate",
    "CronJob",
    "HorizontalPodAutoscaler",
    "NetworkPolicy",
    "NetworkPolicy",
    "NetworkPolicy",
    "PersistentVolumeClaim",
    "PodDisruptionBudget",
    "PodMonitor",
    "PrometheusRule",
    "Rollout",
    "Service",
    "Service",
]
BATCH_KINDS = [
    "CronJob", "CronJob", "NetworkPolicy", "NetworkPolicy", "PersistentVolumeClaim",
    "PrometheusRule",
]  # fmt: skip
# The metrics the service exports and the drift job pushes (the maturity contract), and
# kube-state-metrics' job status.
CONTRACT_METRICS = {
    "predict_requests_total",
    "http_responses_total",
    "prediction_log_errors_total",
    "predict_latency_seconds_bucket",
    "fallback_answers_total",
    "model_up",
    "drift_detected",
    "drift_share",
    "kube_job_status_failed",
    # pushed by the online evaluation (make online-eval, job online-eval)
    "model_performance_degraded",
    "online_decision",
}


def install_checker() -> None:
    """``npm ci`` the checker's pinned packages once (.ci/run does it too)."""
    if not (CHECKER / "node_modules").is_dir():
        subprocess.run(
            ["npm", "ci", "--no-audit", "--no-fund"], cwd=CHECKER, check=True, capture_output=True
        )


def kustomize(overlay: Path) -> list[dict[str, Any]]:
    """The manifests ``kubectl kustomize`` renders for an overlay."""
    result = subprocess.run(
        ["kubectl", "kustomize", str(overlay)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, f"kubectl kustomize {overlay}\n{result.stderr}"
    return [doc for doc in yaml.safe_load_all(result.stdout) if doc]


def validate_core(manifest: dict[str, Any]) -> None:
    """Strict schema check of a core kind; a Rollout's pod template as a Deployment's."""
    if manifest["kind"] == "Rollout":
        spec = manifest["spec"]
        manifest = {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": manifest["metadata"],
            "spec": {"selector": spec["selector"], "template": spec["template"]},
        }
    try:
        kubernetes_validate.validate(manifest, KUBERNETES_VERSION, strict=True)
    except kubernetes_validate.SchemaNotFoundError:
        assert "/" in manifest["apiVersion"] and "k8s.io" not in manifest["apiVersion"]


def check_custom_resources(files: list[Path]) -> dict[str, Any]:
    """Run the node checker; return what it validated and the metrics its PromQL reads."""
    install_checker()
    result = subprocess.run(
        ["node", str(CHECKER / "validate.mjs"), *map(str, files)],
        capture_output=True, text=True, check=False, env=project_env(),
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    return json.loads(result.stdout)


def by_kind(manifests: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [m for m in manifests if m["kind"] == kind]


def check_deployment(root: Path, answers: dict[str, Any], package: str, tmp: Path) -> None:
    """Every overlay renders, validates and carries the answers; Argo CD points at them."""
    realtime = answers["serving"] != "batch"
    dist = package.replace("_", "-")
    registry = "registry.gitlab.com" if answers["ci_provider"] == "gitlab" else "ghcr.io"
    image = answers.get("container_image", f"{registry}/my-team/{dist}")
    rendered = []
    for name in OVERLAYS:
        manifests = kustomize(root / "deploy" / "k8s" / "overlays" / name)
        for manifest in manifests:
            validate_core(manifest)
            assert manifest["metadata"]["namespace"] == f"{dist}-{name}"
        kinds = sorted(m["kind"] for m in manifests)
        assert kinds == (SERVICE_KINDS if realtime else BATCH_KINDS), kinds
        images = {c["image"] for m in manifests for c in pod_spec(m).get("containers", [])}
        assert images == {f"{image}:unreleased"}
        if realtime:
            check_service(manifests, answers, dist, production=name == "production")
        check_isolation(manifests, dist, realtime)
        path = tmp / f"{name}.yaml"
        path.write_text(yaml.safe_dump_all(manifests), encoding="utf-8")
        rendered.append(path)
    argocd = sorted((root / "deploy" / "argocd").glob("*.yaml"))
    report = check_custom_resources([*rendered, *argocd])
    assert set(report["metrics"]) <= CONTRACT_METRICS, report["metrics"]
    assert "drift_detected" in report["metrics"]
    if realtime:
        assert {"http_responses_total", "predict_latency_seconds_bucket"} <= set(report["metrics"])
        assert report["validated"].count("Rollout") == len(OVERLAYS)
    assert [p.name for p in argocd] == ["production.yaml", "project.yaml", "staging.yaml"]
    project = yaml.safe_load((root / "deploy" / "argocd" / "project.yaml").read_text("utf-8"))
    check_project(project, answers, dist, kinds={(m["apiVersion"], m["kind"]) for m in manifests})
    for path in argocd:
        if path.name != "project.yaml":
            app = yaml.safe_load(path.read_text(encoding="utf-8"))
            check_application(app, answers, root, path, dist)


def pod_spec(manifest: dict[str, Any]) -> dict[str, Any]:
    """The pod spec of a Rollout or a CronJob (empty for other kinds)."""
    if manifest["kind"] == "Rollout":
        return manifest["spec"]["template"]["spec"]
    if manifest["kind"] == "CronJob":
        return manifest["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    return {}


def check_service(
    manifests: list[dict[str, Any]], answers: dict[str, Any], dist: str, production: bool
) -> None:
    """Probes, user, secret, budgets and autoscaling of the real-time service."""
    rollout = by_kind(manifests, "Rollout")[0]
    spec = pod_spec(rollout)
    container = spec["containers"][0]
    assert spec["securityContext"]["runAsUser"] == 10001
    assert container["livenessProbe"]["httpGet"]["path"] == "/health"
    assert container["readinessProbe"]["httpGet"]["path"] == "/ready"
    env = {e["name"]: e for e in container["env"]}
    assert env["API_KEY"]["valueFrom"]["secretKeyRef"] == {
        "name": f"{dist}-api-key",
        "key": "api-key",
    }
    assert env["ROLLOUT_CONFIG"]["value"] == "deploy/rollout.yaml"
    steps = rollout["spec"]["strategy"]["canary"]["steps"]
    assert [s for s in steps if "analysis" in s] and [s for s in steps if "setWeight" in s]
    budget = f"{int(answers['latency_ms']) / 1000:.3f}".rstrip("0").rstrip(".")
    analysis = by_kind(manifests, "AnalysisTemplate")[0]
    args = {a["name"]: a.get("value") for a in analysis["spec"]["args"]}
    assert args["latency-budget-seconds"] == budget
    rules = [
        r for g in by_kind(manifests, "PrometheusRule")[0]["spec"]["groups"] for r in g["rules"]
    ]
    latency = next(r for r in rules if r.get("alert") == "PredictLatencyOverBudget")
    assert latency["expr"].endswith(f" > {budget}")
    hpa = by_kind(manifests, "HorizontalPodAutoscaler")[0]["spec"]
    assert hpa["scaleTargetRef"] == {
        "apiVersion": "argoproj.io/v1alpha1", "kind": "Rollout", "name": dist,
    }  # fmt: skip
    if production:
        low, high = expected_bounds(answers)
        assert (hpa["minReplicas"], hpa["maxReplicas"]) == (low, high)
    else:
        assert (hpa["minReplicas"], hpa["maxReplicas"]) == (1, 2)


def expected_bounds(answers: dict[str, Any]) -> tuple[int, int]:
    """The autoscaling formula of requirements.py, on business.yaml's capacity defaults."""
    per_replica = 50 * 0.7
    per_day = int(answers.get("requests_per_day", 10000))
    peak = float(answers.get("peak_factor", 3))
    latency = int(answers["latency_ms"])
    design = (
        per_day / min(latency / 1000, 86400) if latency >= 3_600_000 else per_day / 86400 * peak
    )
    low = max(2, -(-round(per_day / 86400 / per_replica, 9) // 1))
    high = max(low + 1, 2 * max(1, -(-round(design / per_replica, 9) // 1)))
    return int(low), int(high)


def check_application(
    app: dict[str, Any], answers: dict[str, Any], root: Path, path: Path, dist: str
) -> None:
    """An Argo CD Application per overlay, automated for staging only."""
    name = path.stem
    source = app["spec"]["source"]
    host = "gitlab.com" if answers["ci_provider"] == "gitlab" else "github.com"
    url = answers.get("git_repository_url", f"https://{host}/my-team/{dist}.git")
    assert source["repoURL"] == url
    assert (root / source["path"] / "kustomization.yaml").is_file()
    assert source["path"] == f"deploy/k8s/overlays/{name}"
    assert app["spec"]["project"] == dist  # the AppProject of project.yaml, not `default`
    automated = app["spec"].get("syncPolicy", {}).get("automated")
    if name == "staging":
        assert automated == {"prune": True, "selfHeal": True}
    else:
        assert automated is None


def selects(selector: dict[str, str], labels: dict[str, str]) -> bool:
    return all(labels.get(key) == value for key, value in selector.items())


def pod_labels(manifest: dict[str, Any]) -> dict[str, str]:
    template = manifest["spec"].get("jobTemplate", manifest)["spec"]["template"]
    return template["metadata"]["labels"]


def check_isolation(manifests: list[dict[str, Any]], dist: str, realtime: bool) -> None:
    """Job pods are not the service's; the network is closed except what is allowed."""
    selectors = [m["spec"]["selector"] for m in by_kind(manifests, "Service")]
    selectors += [
        m["spec"]["selector"]["matchLabels"]
        for m in manifests
        if m["kind"] in ("PodDisruptionBudget", "Rollout", "PodMonitor")
    ]
    jobs = by_kind(manifests, "CronJob")
    assert jobs
    for job in jobs:
        labels = pod_labels(job)
        assert labels["app.kubernetes.io/name"] != dist
        assert not any(selects(selector, labels) for selector in selectors), labels
    policies = {m["metadata"]["name"]: m["spec"] for m in by_kind(manifests, "NetworkPolicy")}
    deny = policies.pop(f"{dist}-default-deny")
    assert deny == {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}
    drift = policies.pop(f"{dist}-drift")
    drift_job = next(j for j in jobs if j["metadata"]["name"] == f"{dist}-drift")
    assert selects(drift["podSelector"]["matchLabels"], pod_labels(drift_job))
    assert "ingress" not in drift
    assert {p["port"] for rule in drift["egress"] for p in rule["ports"]} == {53, 9091}
    if realtime:
        api = policies.pop(f"{dist}-api")
        rollout = by_kind(manifests, "Rollout")[0]
        assert selects(api["podSelector"]["matchLabels"], pod_labels(rollout))
        port = pod_spec(rollout)["containers"][0]["ports"][0]["name"]
        assert api["ingress"] == [{"ports": [{"port": port, "protocol": "TCP"}]}]
        assert {p["port"] for rule in api["egress"] for p in rule["ports"]} == {53}
        pdb = by_kind(manifests, "PodDisruptionBudget")[0]["spec"]
        assert pdb["maxUnavailable"] == 1
        assert selects(pdb["selector"]["matchLabels"], pod_labels(rollout))
    assert policies == {}


def check_project(
    project: dict[str, Any], answers: dict[str, Any], dist: str, kinds: set[tuple[str, str]]
) -> None:
    """The AppProject: this repository, the two namespaces, and the kinds rendered."""
    assert project["kind"] == "AppProject" and project["metadata"]["name"] == dist
    spec = project["spec"]
    host = "gitlab.com" if answers["ci_provider"] == "gitlab" else "github.com"
    assert spec["sourceRepos"] == [
        answers.get("git_repository_url", f"https://{host}/my-team/{dist}.git")
    ]
    assert {d["namespace"] for d in spec["destinations"]} == {f"{dist}-{o}" for o in OVERLAYS}
    allowed = {(k["group"], k["kind"]) for k in spec["namespaceResourceWhitelist"]}
    groups = {(version.rpartition("/")[0], kind) for version, kind in kinds}
    assert allowed == groups, allowed ^ groups


def check_sizing_command(root: Path, package: str) -> None:
    """The project's `make sizing --check` agrees with the rendered overlay and budget."""
    result = subprocess.run(
        [sys.executable, "-m", f"{package}.sizing", "--check"],
        cwd=root, capture_output=True, text=True, check=False,
        env=project_env({"PYTHONPATH": str(root / "src")}),
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr


def check_gitops_workflows(root: Path, provider: str) -> None:
    """Deployment by commits to the overlays: never a kubectl apply from CI."""
    files = {
        "github": [root / ".github" / "workflows" / f for f in ("deploy.yml", "promote.yml")],
        "gitlab": [root / ".gitlab" / "ci" / "deploy.yml"],
    }[provider]
    text = "\n".join(p.read_text(encoding="utf-8") for p in files)
    assert "kubectl" not in text
    assert text.count("kustomize edit set image") == 2
    assert "deploy/k8s/overlays/staging" in text and "deploy/k8s/overlays/production" in text
