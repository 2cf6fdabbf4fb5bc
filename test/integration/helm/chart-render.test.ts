// The chart, checked with the real helm: lint and template with default values and with every
// optional feature on, schema failures that name the bad value, the single-source CRD through
// the symlink, and what the rendered objects promise (security, probes, least-privilege RBAC).

import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { lstatSync, mkdtempSync, readFileSync, readlinkSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { before, describe, it } from "node:test";
import type {
  V1ClusterRole,
  V1ConfigMap,
  V1Container,
  V1Deployment,
  V1PodSpec,
  V1PolicyRule,
  V1Role,
  V1RoleBinding,
  V1Service,
} from "@kubernetes/client-node";
import { parseYaml } from "../../support/raw-yaml.ts";
import {
  CHART_DIR,
  FIXTURES,
  find,
  helm,
  type K8sObject,
  KUBE_VERSION,
  one,
  parseManifests,
  REPO_ROOT,
  template,
  templateArgs,
} from "./helm.ts";

const NS = "token-chaos-system";
const ALL_FEATURES = join(FIXTURES, "all-features.yaml");
const SIDECAR = join(FIXTURES, "sidecar.yaml");

let defaults: K8sObject[];
let everything: K8sObject[];
let sidecar: K8sObject[];

before(async () => {
  [defaults, everything, sidecar] = await Promise.all([
    template(),
    template({ valuesFiles: [ALL_FEATURES] }),
    template({ valuesFiles: [SIDECAR] }),
  ]);
});

function deployments(objs: K8sObject[]): V1Deployment[] {
  return find(objs, "Deployment") as unknown as V1Deployment[];
}

function podSpec(d: V1Deployment): V1PodSpec {
  const spec = d.spec?.template.spec;
  assert.ok(spec, `${d.metadata?.name} has no pod spec`);
  return spec;
}

function container(d: V1Deployment): V1Container {
  const c = podSpec(d).containers[0];
  assert.ok(c);
  return c;
}

function rulesOf(objs: K8sObject[]): Array<{ owner: string; rule: V1PolicyRule }> {
  return objs
    .filter((o) => o.kind === "Role" || o.kind === "ClusterRole")
    .flatMap((o) =>
      ((o as unknown as V1Role | V1ClusterRole).rules ?? []).map((rule) => ({
        owner: `${o.kind}/${o.metadata.name}`,
        rule,
      })),
    );
}

describe("helm lint", () => {
  for (const [name, files] of [
    ["default values", []],
    ["every optional feature on", [ALL_FEATURES]],
    ["sidecar mode", [SIDECAR]],
  ] as const) {
    it(`passes with ${name} (--strict)`, async () => {
      const args = [
        "lint",
        CHART_DIR,
        "--strict",
        "--namespace",
        NS,
        "--kube-version",
        KUBE_VERSION,
      ];
      for (const f of files) args.push("--values", f);
      const res = await helm(args);
      assert.equal(res.code, 0, `${res.stdout}\n${res.stderr}`);
      assert.match(res.stdout, /1 chart\(s\) linted, 0 chart\(s\) failed/);
    });
  }
});

describe("values schema", () => {
  const cases = [
    { file: "wrong-type.yaml", mentions: [/operator/, /replicas/, /integer/i] },
    {
      file: "unknown-key.yaml",
      mentions: [/authz/, /replica\b|'replica'|"replica"/, /additional/i],
    },
    { file: "bad-mode.yaml", mentions: [/authz/, /mode/, /central/, /sidecar/] },
  ];
  for (const c of cases) {
    it(`rejects ${c.file} with a message naming the value`, async () => {
      const res = await helm(templateArgs({ valuesFiles: [join(FIXTURES, c.file)] }));
      assert.notEqual(res.code, 0, "helm accepted invalid values");
      assert.match(res.stderr, /values don't meet the specifications of the schema/);
      for (const m of c.mentions) assert.match(res.stderr, m, res.stderr);
    });
  }

  it("rejects a --set of the wrong type too", async () => {
    const res = await helm(templateArgs({ set: ["authz.ports.grpc=grpc"] }));
    assert.notEqual(res.code, 0);
    assert.match(res.stderr, /ports/);
    assert.match(res.stderr, /grpc/);
  });

  it("refuses several operator replicas without leader election", async () => {
    const res = await helm(templateArgs({ set: ["operator.leaderElection.enabled=false"] }));
    assert.notEqual(res.code, 0);
    assert.match(res.stderr, /leaderElection/);
    const single = await template({
      set: ["operator.leaderElection.enabled=false", "operator.replicas=1"],
    });
    const args = container(one(single, "Deployment", "operator") as V1Deployment).args ?? [];
    assert.ok(!args.includes("--leader-elect"));
    assert.equal(find(single, "Lease").length, 0);
  });
});

describe("CRD from the single source in crds/", () => {
  const source = join(REPO_ROOT, "crds/tokenchaosexperiments.yaml");

  it("is a symlink in the chart, not a copy", () => {
    const link = join(CHART_DIR, "crds/tokenchaosexperiments.yaml");
    assert.ok(lstatSync(link).isSymbolicLink());
    assert.equal(readlinkSync(link), "../../../crds/tokenchaosexperiments.yaml");
  });

  it("is what helm template --include-crds renders", async () => {
    const objs = await template({ extraArgs: ["--include-crds"] });
    const crd = one(objs, "CustomResourceDefinition");
    assert.deepEqual(crd, parseYaml(readFileSync(source, "utf8")));
  });

  it("is packaged by helm package with the source's exact bytes", async () => {
    const dir = mkdtempSync(join(tmpdir(), "tc-helm-package-"));
    try {
      const res = await helm(["package", CHART_DIR, "--destination", dir]);
      assert.equal(res.code, 0, res.stderr);
      const tgz = join(dir, "token-chaos-0.1.0.tgz");
      const packaged = execFileSync("tar", [
        "-xzOf",
        tgz,
        "token-chaos/crds/tokenchaosexperiments.yaml",
      ]);
      assert.ok(packaged.equals(readFileSync(source)), "packaged CRD differs from crds/");
      const listing = execFileSync("tar", ["-tzf", tgz], { encoding: "utf8" });
      assert.match(listing, /token-chaos\/dashboards\/token-chaos\.json/);
      assert.match(listing, /token-chaos\/rules\/token-chaos\.rules\.yaml/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("rendered with default values", () => {
  it("has the operator (2 replicas, leader election, PDB) and the central authz-server", () => {
    const op = one(defaults, "Deployment", "operator") as V1Deployment;
    assert.equal(op.spec?.replicas, 2);
    const args = container(op).args ?? [];
    assert.ok(args.includes("operator") && args.includes("--leader-elect"), args.join(" "));
    assert.ok(args.includes(`--operator-namespace=${NS}`));
    assert.ok(args.includes(`--authz-service=${NS}/token-chaos-authz`));
    assert.equal(one(defaults, "PodDisruptionBudget", "operator").spec !== undefined, true);

    const authz = one(defaults, "Deployment", "authz") as V1Deployment;
    assert.equal(authz.spec?.replicas, 2);
    const aargs = container(authz).args ?? [];
    assert.ok(aargs.includes("authz"));
    assert.ok(aargs.includes(`--plan-configmap=${NS}/token-chaos-plan`));
    assert.ok(aargs.includes("--host=0.0.0.0"));
    assert.ok(podSpec(authz).topologySpreadConstraints?.every((t) => t.labelSelector));
    assert.equal(find(defaults, "HorizontalPodAutoscaler").length, 0);
    assert.equal(find(defaults, "NetworkPolicy").length, 0);
    assert.equal(find(defaults, "ServiceMonitor").length, 0);
    assert.equal(find(defaults, "PrometheusRule").length, 0);
  });

  it("exposes grpc 9001, http 9002 and metrics 9090 on the authz Service", () => {
    const svc = one(defaults, "Service", "authz") as V1Service;
    const ports = Object.fromEntries((svc.spec?.ports ?? []).map((p) => [p.name, p.port]));
    assert.deepEqual(ports, { grpc: 9001, http: 9002, metrics: 9090 });
  });

  it("probes /healthz and /readyz on the metrics port of both components", () => {
    for (const d of deployments(defaults)) {
      const c = container(d);
      assert.equal(c.livenessProbe?.httpGet?.path, "/healthz", d.metadata?.name);
      assert.equal(c.readinessProbe?.httpGet?.path, "/readyz", d.metadata?.name);
      assert.equal(c.livenessProbe?.httpGet?.port, "metrics");
      assert.ok(c.ports?.some((p) => p.name === "metrics"));
    }
  });

  it("runs every pod non-root, read-only, without privileges or capabilities", () => {
    for (const objs of [defaults, everything]) {
      for (const d of deployments(objs)) {
        const pod = podSpec(d);
        assert.equal(pod.securityContext?.runAsNonRoot, true);
        assert.equal(pod.securityContext?.seccompProfile?.type, "RuntimeDefault");
        for (const c of [...pod.containers, ...(pod.initContainers ?? [])]) {
          const sc = c.securityContext;
          assert.equal(sc?.runAsNonRoot, true, c.name);
          assert.equal(sc?.readOnlyRootFilesystem, true, c.name);
          assert.equal(sc?.allowPrivilegeEscalation, false, c.name);
          assert.deepEqual(sc?.capabilities?.drop, ["ALL"], c.name);
          assert.equal(sc?.capabilities?.add, undefined, c.name);
          assert.equal(sc?.seccompProfile?.type, "RuntimeDefault", c.name);
          assert.ok(c.resources?.requests?.memory && c.resources.limits?.memory, c.name);
        }
      }
    }
  });

  it("labels every object with the release and puts it in the release namespace", () => {
    for (const o of defaults) {
      assert.equal(o.metadata.labels?.["app.kubernetes.io/instance"], "token-chaos", o.kind);
      assert.equal(o.metadata.labels?.["app.kubernetes.io/part-of"], "token-chaos", o.kind);
      const clusterScoped = o.kind === "ClusterRole" || o.kind === "ClusterRoleBinding";
      assert.equal(
        o.metadata.namespace,
        clusterScoped ? undefined : NS,
        `${o.kind}/${o.metadata.name}`,
      );
    }
  });

  it("ships the generated dashboard in a ConfigMap labelled for the Grafana sidecar", () => {
    const cm = one(defaults, "ConfigMap", "dashboard") as V1ConfigMap;
    assert.equal(cm.metadata?.labels?.grafana_dashboard, "1");
    const committed = readFileSync(join(CHART_DIR, "dashboards/token-chaos.json"), "utf8");
    assert.deepEqual(JSON.parse(cm.data?.["token-chaos.json"] ?? ""), JSON.parse(committed));
  });

  it("creates the plan ConfigMap and the Lease empty, so uninstall removes them", () => {
    const plan = one(defaults, "ConfigMap", "token-chaos-plan") as V1ConfigMap;
    assert.equal(plan.data, undefined);
    assert.equal(plan.binaryData, undefined);
    one(defaults, "Lease", "token-chaos-operator");
  });
});

describe("RBAC", () => {
  it("grants no wildcard anywhere", () => {
    for (const objs of [defaults, everything, sidecar]) {
      for (const { owner, rule } of rulesOf(objs)) {
        for (const field of [
          rule.verbs,
          rule.resources ?? [],
          rule.apiGroups ?? [],
          rule.resourceNames ?? [],
        ]) {
          assert.ok(!field.includes("*"), `${owner} has a wildcard: ${JSON.stringify(rule)}`);
        }
      }
    }
  });

  it("gives the operator exactly what it uses", () => {
    const cluster = one(defaults, "ClusterRole", "operator") as V1ClusterRole;
    assert.deepEqual(cluster.rules, [
      {
        apiGroups: ["chaos.tokenchaos.dev"],
        resources: ["tokenchaosexperiments"],
        verbs: ["get", "list", "watch"],
      },
      {
        apiGroups: ["chaos.tokenchaos.dev"],
        resources: ["tokenchaosexperiments/status"],
        verbs: ["get", "patch", "update"],
      },
      { apiGroups: ["events.k8s.io"], resources: ["events"], verbs: ["create", "patch"] },
    ]);
    const role = find(defaults, "Role", "operator")[0] as V1Role;
    assert.equal(role.metadata?.namespace, NS);
    assert.deepEqual(role.rules, [
      {
        apiGroups: [""],
        resources: ["configmaps"],
        resourceNames: ["token-chaos-plan", "token-chaos-halt"],
        verbs: ["get", "list", "watch", "update", "patch"],
      },
      { apiGroups: [""], resources: ["configmaps"], verbs: ["create"] },
      {
        apiGroups: ["coordination.k8s.io"],
        resources: ["leases"],
        resourceNames: ["token-chaos-operator"],
        verbs: ["get", "update"],
      },
      { apiGroups: ["coordination.k8s.io"], resources: ["leases"], verbs: ["create"] },
      { apiGroups: ["discovery.k8s.io"], resources: ["endpointslices"], verbs: ["list", "watch"] },
    ]);
  });

  it("gives the authz-server one ConfigMap by name and nothing else", () => {
    const roles = find(defaults, "Role", "authz") as unknown as V1Role[];
    assert.equal(roles.length, 1);
    assert.deepEqual(roles[0]?.rules, [
      {
        apiGroups: [""],
        resources: ["configmaps"],
        resourceNames: ["token-chaos-plan"],
        verbs: ["get", "list", "watch"],
      },
    ]);
    const binding = one(defaults, "RoleBinding", "authz") as unknown as V1RoleBinding;
    assert.deepEqual(binding.subjects, [
      { kind: "ServiceAccount", name: "token-chaos-authz", namespace: NS },
    ]);
    assert.equal(find(defaults, "ClusterRoleBinding", "authz").length, 0);
  });

  it("narrows the operator to one namespace with watchNamespace", () => {
    assert.equal(find(everything, "ClusterRole").length, 0);
    assert.equal(find(everything, "ClusterRoleBinding").length, 0);
    const role = one(everything, "Role", "operator-experiments");
    assert.equal(role.metadata.namespace, "shop");
    const args = container(one(everything, "Deployment", "operator") as V1Deployment).args ?? [];
    assert.ok(args.includes("--namespace=shop"));
    assert.ok(args.includes("--cross-namespace-allowed=gateways"));
    assert.ok(args.includes("--prometheus-url=http://prometheus-operated.monitoring:9090"));
  });
});

describe("rendered with every optional feature on", () => {
  it("adds the HPA, NetworkPolicies and monitoring objects", () => {
    const hpa = one(everything, "HorizontalPodAutoscaler");
    assert.equal((hpa.spec as { maxReplicas: number }).maxReplicas, 12);
    assert.equal(
      (one(everything, "Deployment", "authz") as V1Deployment).spec?.replicas,
      undefined,
    );
    assert.equal(find(everything, "NetworkPolicy").length, 2);
    one(everything, "ServiceMonitor");
    one(everything, "PodMonitor");
    one(everything, "PrometheusRule");
    assert.equal(one(everything, "ConfigMap", "dashboard").metadata.namespace, "monitoring");
  });

  it("lets the operator read the authz-servers' metrics through the NetworkPolicy", () => {
    const np = one(everything, "NetworkPolicy", "authz");
    const ingress = (
      np.spec as { ingress: Array<{ ports: Array<{ port: string }>; from: unknown[] }> }
    ).ingress;
    const metrics = ingress.find((r) => r.ports.some((p) => p.port === "metrics"));
    assert.ok(metrics);
    assert.ok(
      JSON.stringify(metrics.from).includes('"app.kubernetes.io/component":"operator"'),
      JSON.stringify(metrics.from),
    );
  });

  it("uses the per-component image", () => {
    const c = container(one(everything, "Deployment", "authz") as V1Deployment);
    assert.equal(c.image, "registry.example.com/token-chaos/authz:0.1.0-custom");
    const op = container(one(everything, "Deployment", "operator") as V1Deployment);
    assert.equal(op.image, "ghcr.io/tokenchaos/token-chaos:0.1.0-test");
  });

  it("puts the generated alert groups in the PrometheusRule, with the extra labels", () => {
    const rule = one(everything, "PrometheusRule");
    const groups = (
      rule.spec as { groups: Array<{ name: string; rules: Array<Record<string, unknown>> }> }
    ).groups;
    const file = parseYaml(
      readFileSync(join(REPO_ROOT, "monitoring/token-chaos.rules.yaml"), "utf8"),
    ) as { groups: typeof groups };
    assert.equal(groups.length, file.groups.length);
    for (const [i, g] of groups.entries()) {
      const fg = file.groups[i];
      assert.ok(fg);
      assert.equal(g.name, fg.name);
      assert.equal(g.rules.length, fg.rules.length);
      for (const [j, r] of g.rules.entries()) {
        const fr = fg.rules[j] as { labels: Record<string, string> };
        assert.deepEqual({ ...r, labels: undefined }, { ...fr, labels: undefined });
        assert.deepEqual(r.labels, { ...fr.labels, team: "platform" });
      }
    }
  });
});

describe("sidecar mode", () => {
  it("deploys no central authz-server and grants the listed ServiceAccounts plan read only", () => {
    assert.equal(find(sidecar, "Deployment", "authz").length, 0);
    assert.equal(find(sidecar, "Service", "authz").length, 0);
    assert.equal(find(sidecar, "ServiceAccount", "authz").length, 0);
    const binding = one(sidecar, "RoleBinding", "authz") as unknown as V1RoleBinding;
    assert.deepEqual(binding.subjects, [
      { kind: "ServiceAccount", name: "checkout", namespace: "shop" },
      { kind: "ServiceAccount", name: "api", namespace: "payments" },
    ]);
    const role = one(sidecar, "Role", "authz") as V1Role;
    assert.deepEqual(role.rules?.[0]?.resourceNames, ["token-chaos-plan"]);
    const args = container(one(sidecar, "Deployment", "operator") as V1Deployment).args ?? [];
    assert.ok(!args.some((a) => a.startsWith("--authz-service")));
  });

  it("matches the RBAC of the ready-made sidecar example", () => {
    const example = parseManifests(
      readFileSync(join(REPO_ROOT, "examples/sidecar/rbac.yaml"), "utf8"),
    );
    const exampleRole = one(example, "Role") as V1Role;
    const chartRole = one(sidecar, "Role", "authz") as V1Role;
    assert.deepEqual(exampleRole.rules, chartRole.rules);
  });
});
