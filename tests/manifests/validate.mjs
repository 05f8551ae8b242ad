// Validates the custom resources of rendered Kubernetes manifests and parses their PromQL.
//
// Usage: node validate.mjs FILE...  (multi-document YAML, e.g. `kubectl kustomize` output)
// Prints one JSON object: the kinds validated, the metric names the PromQL reads, and the
// errors; exits 1 when there is an error. Core kinds are left to kubernetes-validate.
import { readFileSync } from "node:fs";
import { parseAllDocuments } from "yaml";
import { AnalysisTemplate, Rollout } from "@kubernetes-models/argo-rollouts/argoproj.io/v1alpha1";
import { Application, AppProject } from "@kubernetes-models/argo-cd/argoproj.io/v1alpha1";
import {
  PodMonitor,
  PrometheusRule,
  ServiceMonitor,
} from "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1";
import { parser } from "@prometheus-io/lezer-promql";

const MODELS = {
  AnalysisTemplate,
  Application,
  AppProject,
  PodMonitor,
  PrometheusRule,
  Rollout,
  ServiceMonitor,
};
const CORE_GROUPS = new Set(["v1", "apps/v1", "batch/v1", "autoscaling/v2", "policy/v1", "networking.k8s.io/v1"]);

const validated = [];
const metrics = new Set();
const errors = [];

function checkPromql(where, expr) {
  // Argo Rollouts fills {{args.name}} before querying: stand in a label value or number.
  const query = expr.replace(/"\{\{args\.[\w-]+\}\}"/g, '"x"').replace(/\{\{args\.[\w-]+\}\}/g, "1");
  const tree = parser.parse(query);
  tree.iterate({
    enter(node) {
      if (node.type.isError) {
        errors.push(`${where}: PromQL does not parse at ${node.from}: ${query}`);
      }
      if (node.name === "VectorSelector") {
        const name = node.node.getChild("Identifier");
        if (name) metrics.add(query.slice(name.from, name.to));
      }
    },
  });
}

for (const file of process.argv.slice(2)) {
  for (const document of parseAllDocuments(readFileSync(file, "utf8"))) {
    const manifest = document.toJS();
    if (!manifest) continue;
    const where = `${file}: ${manifest.kind}/${manifest.metadata?.name}`;
    const Model = MODELS[manifest.kind];
    if (!Model) {
      if (!CORE_GROUPS.has(manifest.apiVersion)) errors.push(`${where}: no schema for this kind`);
      continue;
    }
    try {
      new Model(manifest).validate();
      validated.push(manifest.kind);
    } catch (error) {
      errors.push(`${where}: ${error.message}`);
    }
    if (manifest.kind === "PrometheusRule") {
      for (const group of manifest.spec.groups) {
        for (const rule of group.rules) {
          // The CRD keeps unknown keys: a rule must still be an alert or a recording rule.
          if (!rule.alert === !rule.record) errors.push(`${where}: a rule needs alert or record`);
          checkPromql(`${where} ${rule.alert ?? rule.record}`, String(rule.expr));
        }
      }
    }
    if (manifest.kind === "AnalysisTemplate") {
      for (const metric of manifest.spec.metrics) {
        checkPromql(`${where} ${metric.name}`, metric.provider.prometheus.query);
      }
    }
  }
}
console.log(JSON.stringify({ validated, metrics: [...metrics].sort(), errors }));
process.exit(errors.length ? 1 : 0);
