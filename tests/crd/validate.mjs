// Validates custom resources against their CRDs' openAPIV3Schemas, as compiled by the
// @kubernetes-models packages (pinned in package.json), and prints what each breaks.
//
//   node validate.mjs NODE_MODULES_DIR < resources.json   ->   [{kind, name, errors: [...]}, ...]
//
// Modules are imported by file path so that their own imports resolve inside NODE_MODULES_DIR.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

// apiVersion/kind -> [package, module path, exported class]: the kinds the chart renders.
const MODELS = {
  "monitoring.coreos.com/v1/ServiceMonitor": ["@kubernetes-models/prometheus-operator", "monitoring.coreos.com/v1/ServiceMonitor.js", "ServiceMonitor"],
  "monitoring.coreos.com/v1/PrometheusRule": ["@kubernetes-models/prometheus-operator", "monitoring.coreos.com/v1/PrometheusRule.js", "PrometheusRule"],
  "keda.sh/v1alpha1/ScaledObject": ["@kubernetes-models/keda", "keda.sh/v1alpha1/ScaledObject.js", "ScaledObject"],
};

const modules = process.argv[2];
const resources = JSON.parse(readFileSync(0, "utf8"));
const report = [];
for (const resource of resources) {
  const gvk = `${resource.apiVersion}/${resource.kind}`;
  const model = MODELS[gvk];
  const name = resource.metadata?.name;
  if (!model) {
    report.push({ kind: gvk, name, errors: [`no CRD schema known for ${gvk}`] });
    continue;
  }
  const [pkg, path, exported] = model;
  const Model = (await import(pathToFileURL(join(modules, pkg, path)).href))[exported];
  let errors = [];
  try {
    new Model(resource).validate();
  } catch (error) {
    errors = (error.errors ?? [error]).map((e) => (e.instancePath !== undefined ? `${e.instancePath} ${e.message}` : String(e.message)));
  }
  report.push({ kind: gvk, name, errors });
}
process.stdout.write(JSON.stringify(report));
