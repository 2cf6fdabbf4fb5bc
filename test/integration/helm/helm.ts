// Runs the real helm (built from its Go module, path in TOKEN_CHAOS_HELM) against the chart and
// parses what it renders. Shared by the chart tests.

import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { helmPath } from "../../support/cluster.ts";
import { parseYamlStream } from "../../support/raw-yaml.ts";
import { type CommandResult, runCommand } from "../../support/run-command.ts";

export const REPO_ROOT = fileURLToPath(new URL("../../../", import.meta.url));
export const CHART_DIR = fileURLToPath(new URL("../../../charts/token-chaos", import.meta.url));
export const FIXTURES = fileURLToPath(new URL("../../fixtures/helm/", import.meta.url));

/**
 * The Kubernetes release of the test cluster, as pinned in its tools module. `helm template` and
 * `helm lint` have no cluster to ask, and a helm built from its Go module without release
 * ldflags assumes v1.20, below the chart's kubeVersion; this is what the cluster would answer.
 */
export const KUBE_VERSION = (() => {
  const goMod = readFileSync(new URL("../../cluster/tools/kube/go.mod", import.meta.url), "utf8");
  const pin = /^require k8s\.io\/kubernetes v(\d+\.\d+\.\d+)$/m.exec(goMod)?.[1];
  if (pin === undefined)
    throw new Error("k8s.io/kubernetes pin not found in test/cluster/tools/kube/go.mod");
  return pin;
})();

/**
 * A rendered Kubernetes object. Tests view it as the client library's typed object of its kind
 * (`as V1Deployment`) once they have checked the kind.
 */
export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  [key: string]: unknown;
}

export function helm(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CommandResult> {
  // A private helm home per call: no repositories, caches or plugins of the machine leak in.
  return runCommand(helmPath(), args, {
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", ...env },
  });
}

/** Parses a multi-document YAML stream, dropping empty documents. */
export function parseManifests(text: string): K8sObject[] {
  return parseYamlStream(text).filter(
    (d): d is K8sObject => typeof d === "object" && d !== null && "kind" in d,
  );
}

export interface TemplateOptions {
  release?: string;
  namespace?: string;
  valuesFiles?: string[];
  set?: string[];
  extraArgs?: string[];
}

/** `helm template`; throws with helm's stderr when rendering fails. */
export async function template(opts: TemplateOptions = {}): Promise<K8sObject[]> {
  const res = await helm(templateArgs(opts));
  if (res.code !== 0) throw new Error(`helm template failed (${res.code}):\n${res.stderr}`);
  return parseManifests(res.stdout);
}

export function templateArgs(opts: TemplateOptions): string[] {
  const args = [
    "template",
    opts.release ?? "token-chaos",
    CHART_DIR,
    "--namespace",
    opts.namespace ?? "token-chaos-system",
    "--kube-version",
    KUBE_VERSION,
  ];
  for (const f of opts.valuesFiles ?? []) args.push("--values", f);
  for (const s of opts.set ?? []) args.push("--set", s);
  args.push(...(opts.extraArgs ?? []));
  return args;
}

export function find(objs: K8sObject[], kind: string, nameIncludes = ""): K8sObject[] {
  return objs.filter((o) => o.kind === kind && o.metadata.name.includes(nameIncludes));
}

export function one(objs: K8sObject[], kind: string, nameIncludes = ""): K8sObject {
  const found = find(objs, kind, nameIncludes);
  if (found.length !== 1) {
    throw new Error(
      `expected one ${kind} named like "${nameIncludes}", found ${found.length}: ` +
        objs.map((o) => `${o.kind}/${o.metadata.name}`).join(", "),
    );
  }
  return found[0] as K8sObject;
}
