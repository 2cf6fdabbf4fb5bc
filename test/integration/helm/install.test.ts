// helm install into the real kube-apiserver, then the chart's own ServiceAccounts at work: the
// operator, run with a token minted for its ServiceAccount, reconciles an example and publishes
// the plan; the authz-server, with its ServiceAccount's token, loads that plan. Verbs the chart
// does not grant are refused by the API server. helm uninstall leaves only the CRD behind.
// (No controller-manager runs, so the Deployments get no pods; the processes run here instead.)

import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { gunzipSync } from "node:zlib";
import {
  ApiException,
  ApiextensionsV1Api,
  AppsV1Api,
  CoordinationV1Api,
  CoreV1Api,
  CustomObjectsApi,
  EventsV1Api,
  type KubeConfig,
} from "@kubernetes/client-node";
import type { CompiledPlan } from "../../../api/plan/types.ts";
import type { TokenChaosExperiment } from "../../../api/v1alpha1/types.ts";
import {
  adminKubeConfig,
  createTestNamespace,
  kubeConfigForToken,
  kubeconfigPath,
  kubectl,
  serviceAccountToken,
} from "../../support/cluster.ts";
import { sampleValue } from "../../support/metrics-text.ts";
import { parseYaml } from "../../support/raw-yaml.ts";
import { until } from "../../support/until.ts";
import { CHART_DIR, helm, type K8sObject, one, parseManifests, REPO_ROOT } from "./helm.ts";
import {
  type RunningTokenChaos,
  startOperatorProcess,
  startTokenChaos,
} from "./token-chaos-process.ts";

const GROUP = "chaos.tokenchaos.dev";
const VERSION = "v1alpha1";
const PLURAL = "tokenchaosexperiments";
const CRD_NAME = `${PLURAL}.${GROUP}`;

/** Status code of a failed API call, or 0 when it succeeded. */
async function statusOf(call: () => Promise<unknown>): Promise<number> {
  try {
    await call();
    return 0;
  } catch (err) {
    if (err instanceof ApiException) return err.code;
    throw err;
  }
}

/** An example manifest moved into the test namespace (hosts included: experiments stay in it). */
function exampleIn(file: string, namespace: string): TokenChaosExperiment {
  const text = readFileSync(join(REPO_ROOT, "examples", file), "utf8").replaceAll(
    ".shop.svc",
    `.${namespace}.svc`,
  );
  const obj = parseYaml(text) as TokenChaosExperiment;
  obj.metadata.namespace = namespace;
  return obj;
}

function decodePlan(data: string): CompiledPlan {
  return JSON.parse(gunzipSync(Buffer.from(data, "base64")).toString("utf8")) as CompiledPlan;
}

async function helmInstall(release: string, namespace: string, set: string[] = []) {
  const args = [
    "install",
    release,
    CHART_DIR,
    "--namespace",
    namespace,
    "--kubeconfig",
    kubeconfigPath(),
  ];
  for (const s of set) args.push("--set", s);
  const res = await helm(args);
  assert.equal(res.code, 0, `helm install failed:\n${res.stdout}\n${res.stderr}`);
  return res;
}

async function releaseManifest(release: string, namespace: string): Promise<K8sObject[]> {
  const res = await helm([
    "get",
    "manifest",
    release,
    "--namespace",
    namespace,
    "--kubeconfig",
    kubeconfigPath(),
  ]);
  assert.equal(res.code, 0, res.stderr);
  return parseManifests(res.stdout);
}

/** Everything left in the cluster that carries the release's label, plus the fixed names. */
async function leftovers(release: string, namespace: string): Promise<string[]> {
  const selector = `app.kubernetes.io/instance=${release}`;
  const namespaced = await kubectl([
    "get",
    "deployments,services,serviceaccounts,configmaps,roles,rolebindings,poddisruptionbudgets,leases,networkpolicies,horizontalpodautoscalers",
    "-n",
    namespace,
    "-l",
    selector,
    "-o",
    "name",
  ]);
  assert.equal(namespaced.code, 0, namespaced.stderr);
  const cluster = await kubectl([
    "get",
    "clusterroles,clusterrolebindings",
    "-l",
    selector,
    "-o",
    "name",
  ]);
  assert.equal(cluster.code, 0, cluster.stderr);
  const named: string[] = [];
  const core = adminKubeConfig().makeApiClient(CoreV1Api);
  const coordination = adminKubeConfig().makeApiClient(CoordinationV1Api);
  // The operator rewrites the plan ConfigMap and the Lease with labels of its own, so look
  // them up by name too.
  if (
    (await statusOf(() =>
      core.readNamespacedConfigMap({ name: "token-chaos-plan", namespace }),
    )) !== 404
  ) {
    named.push("configmap/token-chaos-plan");
  }
  if (
    (await statusOf(() =>
      coordination.readNamespacedLease({ name: "token-chaos-operator", namespace }),
    )) !== 404
  ) {
    named.push("lease/token-chaos-operator");
  }
  return [...namespaced.stdout.split("\n"), ...cluster.stdout.split("\n"), ...named].filter(
    (l) => l.trim() !== "",
  );
}

describe("helm install with default values", () => {
  const release = `tc-${randomBytes(3).toString("hex")}`;
  let ns: string;
  let manifest: K8sObject[];
  let operatorSa: string;
  let authzSa: string;
  let operatorKc: KubeConfig;
  let authzKc: KubeConfig;
  let operator: RunningTokenChaos | undefined;
  let authz: RunningTokenChaos | undefined;
  const admin = adminKubeConfig();

  before(async () => {
    ns = await createTestNamespace("helm-install");
    const res = await helmInstall(release, ns);
    assert.match(res.stdout, /STATUS: deployed/);
    assert.match(res.stdout, /kubectl get tce/, "NOTES.txt tells the user what to do next");
    manifest = await releaseManifest(release, ns);
    operatorSa = one(manifest, "ServiceAccount", "operator").metadata.name;
    authzSa = one(manifest, "ServiceAccount", "authz").metadata.name;
    operatorKc = kubeConfigForToken(await serviceAccountToken(ns, operatorSa));
    authzKc = kubeConfigForToken(await serviceAccountToken(ns, authzSa));
  });

  after(async () => {
    await operator?.stop();
    await authz?.stop();
  });

  it("creates the chart's objects in the real API server", async () => {
    const apps = admin.makeApiClient(AppsV1Api);
    for (const d of manifest.filter((o) => o.kind === "Deployment")) {
      const live = await apps.readNamespacedDeployment({ name: d.metadata.name, namespace: ns });
      assert.equal(live.metadata?.labels?.["app.kubernetes.io/instance"], release);
    }
    assert.ok(manifest.some((o) => o.kind === "ClusterRole"));
    assert.ok(manifest.some((o) => o.kind === "PodDisruptionBudget"));
  });

  it("serves the CRD", async () => {
    const ext = admin.makeApiClient(ApiextensionsV1Api);
    const crd = await until("the CRD to be Established", 10_000, async () => {
      const c = await ext.readCustomResourceDefinition({ name: CRD_NAME });
      const ok = c.status?.conditions?.some((x) => x.type === "Established" && x.status === "True");
      return ok ? c : undefined;
    });
    assert.deepEqual(crd.spec.names.shortNames, ["tce"]);
    const objects = admin.makeApiClient(CustomObjectsApi);
    // Right after it is Established the API server may still answer 429 while its storage
    // for the new resource initialises.
    await until("the experiments API to answer", 10_000, () =>
      objects.listNamespacedCustomObject({
        group: GROUP,
        version: VERSION,
        namespace: ns,
        plural: PLURAL,
      }),
    );
  });

  it("lets the operator, with its ServiceAccount's token, reconcile an example and publish the plan", async () => {
    // The chart grants cluster-wide watch; one namespace keeps this test off other tests' objects.
    operator = await startOperatorProcess(ns, operatorKc);
    await until("the operator to lead", 20_000, async () =>
      sampleValue(await (operator as RunningTokenChaos).metrics(), "token_chaos_leader") === 1
        ? true
        : undefined,
    );

    const experiment = exampleIn("missing-token.yaml", ns);
    const objects = admin.makeApiClient(CustomObjectsApi);
    await objects.createNamespacedCustomObject({
      group: GROUP,
      version: VERSION,
      namespace: ns,
      plural: PLURAL,
      body: experiment,
    });

    const core = admin.makeApiClient(CoreV1Api);
    const id = `${ns}/${experiment.metadata.name}`;
    const plan = await until("the plan with the example", 15_000, async () => {
      const cm = await core.readNamespacedConfigMap({ name: "token-chaos-plan", namespace: ns });
      const data = cm.binaryData?.["plan.json.gz"];
      if (data === undefined) return undefined;
      const p = decodePlan(data);
      return p.experiments.some((e) => e.id === id) ? p : undefined;
    });
    assert.equal(plan.halted, false);

    // Status through the status subresource, and an events.k8s.io Event: both granted by the chart.
    const status = await until("status.phase", 15_000, async () => {
      const obj = (await objects.getNamespacedCustomObject({
        group: GROUP,
        version: VERSION,
        namespace: ns,
        plural: PLURAL,
        name: experiment.metadata.name,
      })) as TokenChaosExperiment;
      return obj.status?.phase;
    });
    assert.equal(status, "Running");
    const events = admin.makeApiClient(EventsV1Api);
    await until("an Event about the experiment", 15_000, async () => {
      const list = await events.listNamespacedEvent({ namespace: ns });
      return list.items.some((e) => e.regarding?.name === experiment.metadata.name)
        ? true
        : undefined;
    });

    // It took the chart's pre-created Lease.
    const lease = await admin
      .makeApiClient(CoordinationV1Api)
      .readNamespacedLease({ name: "token-chaos-operator", namespace: ns });
    assert.ok((lease.spec?.holderIdentity ?? "") !== "");
  });

  it("lets the authz-server, with its ServiceAccount's token, load the published plan", async () => {
    const core = admin.makeApiClient(CoreV1Api);
    const cm = await core.readNamespacedConfigMap({ name: "token-chaos-plan", namespace: ns });
    const published = decodePlan(cm.binaryData?.["plan.json.gz"] ?? "");
    authz = await startTokenChaos({
      name: "authz",
      subcommand: "authz",
      kubeConfig: authzKc,
      args: [
        `--plan-configmap=${ns}/token-chaos-plan`,
        "--grpc-port=0",
        "--http-port=0",
        "--log-level=warn",
      ],
      readyPath: "/healthz",
    });
    const version = await until("the authz-server to load the plan", 15_000, async () => {
      const v = sampleValue(
        await (authz as RunningTokenChaos).metrics(),
        "token_chaos_plan_version",
      );
      return v !== undefined && v > 0 ? v : undefined;
    });
    assert.ok(
      version >= published.version,
      `authz has plan ${version}, published ${published.version}`,
    );
  });

  it("refuses the operator what the chart does not grant", async () => {
    const core = operatorKc.makeApiClient(CoreV1Api);
    const admincore = admin.makeApiClient(CoreV1Api);
    await admincore.createNamespacedConfigMap({
      namespace: ns,
      body: { metadata: { name: "unrelated" }, data: { a: "b" } },
    });
    assert.equal(await statusOf(() => core.listNamespacedSecret({ namespace: ns })), 403);
    assert.equal(await statusOf(() => core.listSecretForAllNamespaces()), 403);
    assert.equal(
      await statusOf(() => core.readNamespacedConfigMap({ name: "unrelated", namespace: ns })),
      403,
    );
    assert.equal(await statusOf(() => core.listNamespacedConfigMap({ namespace: ns })), 403);
    assert.equal(await statusOf(() => core.listNamespacedPod({ namespace: ns })), 403);
    const objects = operatorKc.makeApiClient(CustomObjectsApi);
    assert.equal(
      await statusOf(() =>
        objects.deleteNamespacedCustomObject({
          group: GROUP,
          version: VERSION,
          namespace: ns,
          plural: PLURAL,
          name: "missing-token",
        }),
      ),
      403,
    );
    const apps = operatorKc.makeApiClient(AppsV1Api);
    assert.equal(await statusOf(() => apps.listNamespacedDeployment({ namespace: ns })), 403);
    // ...while what it was given works.
    assert.equal(
      await statusOf(() =>
        core.readNamespacedConfigMap({ name: "token-chaos-plan", namespace: ns }),
      ),
      0,
    );
  });

  it("refuses the authz-server everything but reading the plan", async () => {
    const core = authzKc.makeApiClient(CoreV1Api);
    assert.equal(
      await statusOf(() =>
        core.readNamespacedConfigMap({ name: "token-chaos-plan", namespace: ns }),
      ),
      0,
    );
    assert.equal(
      await statusOf(() => core.readNamespacedConfigMap({ name: "unrelated", namespace: ns })),
      403,
    );
    assert.equal(
      await statusOf(() =>
        core.readNamespacedConfigMap({ name: "token-chaos-halt", namespace: ns }),
      ),
      403,
    );
    assert.equal(await statusOf(() => core.listNamespacedConfigMap({ namespace: ns })), 403);
    assert.equal(await statusOf(() => core.listNamespacedSecret({ namespace: ns })), 403);
    const plan = await core.readNamespacedConfigMap({ name: "token-chaos-plan", namespace: ns });
    assert.equal(
      await statusOf(() =>
        core.replaceNamespacedConfigMap({ name: "token-chaos-plan", namespace: ns, body: plan }),
      ),
      403,
    );
    const objects = authzKc.makeApiClient(CustomObjectsApi);
    assert.equal(
      await statusOf(() =>
        objects.listNamespacedCustomObject({
          group: GROUP,
          version: VERSION,
          namespace: ns,
          plural: PLURAL,
        }),
      ),
      403,
    );
  });

  it("helm uninstall leaves nothing of the release behind but the CRD", async () => {
    // Stop the processes first: a running operator would publish the plan again.
    await operator?.stop();
    operator = undefined;
    await authz?.stop();
    authz = undefined;
    assert.ok(
      (await leftovers(release, ns)).length > 0,
      "the release's objects were not found before uninstall",
    );
    const res = await helm([
      "uninstall",
      release,
      "--namespace",
      ns,
      "--kubeconfig",
      kubeconfigPath(),
      "--wait",
      "--timeout",
      "60s",
    ]);
    assert.equal(res.code, 0, res.stderr);
    assert.deepEqual(await leftovers(release, ns), []);
    const ext = admin.makeApiClient(ApiextensionsV1Api);
    await ext.readCustomResourceDefinition({ name: CRD_NAME });
  });
});

describe("helm install in sidecar mode", () => {
  const release = `tc-sidecar-${randomBytes(3).toString("hex")}`;
  let ns: string;
  let appNs: string;
  const admin = adminKubeConfig();

  before(async () => {
    ns = await createTestNamespace("helm-sidecar");
    appNs = await createTestNamespace("shop");
    await admin.makeApiClient(CoreV1Api).createNamespacedServiceAccount({
      namespace: appNs,
      body: { metadata: { name: "checkout" } },
    });
    await helmInstall(release, ns, [
      "authz.mode=sidecar",
      `authz.sidecar.serviceAccounts[0].namespace=${appNs}`,
      "authz.sidecar.serviceAccounts[0].name=checkout",
    ]);
  });

  it("lets a workload's ServiceAccount read the plan and nothing else", async () => {
    const kc = kubeConfigForToken(await serviceAccountToken(appNs, "checkout"));
    const core = kc.makeApiClient(CoreV1Api);
    await admin
      .makeApiClient(CoreV1Api)
      .createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: "unrelated" } } });
    assert.equal(
      await statusOf(() =>
        core.readNamespacedConfigMap({ name: "token-chaos-plan", namespace: ns }),
      ),
      0,
    );
    assert.equal(
      await statusOf(() =>
        core.listNamespacedConfigMap({
          namespace: ns,
          fieldSelector: "metadata.name=token-chaos-plan",
        }),
      ),
      0,
    );
    assert.equal(
      await statusOf(() => core.readNamespacedConfigMap({ name: "unrelated", namespace: ns })),
      403,
    );
    assert.equal(await statusOf(() => core.listNamespacedConfigMap({ namespace: ns })), 403);
    assert.equal(await statusOf(() => core.listNamespacedConfigMap({ namespace: appNs })), 403);
    assert.equal(await statusOf(() => core.listNamespacedSecret({ namespace: appNs })), 403);
  });

  it("uninstalls cleanly", async () => {
    const res = await helm([
      "uninstall",
      release,
      "--namespace",
      ns,
      "--kubeconfig",
      kubeconfigPath(),
    ]);
    assert.equal(res.code, 0, res.stderr);
    assert.deepEqual(await leftovers(release, ns), []);
  });
});
