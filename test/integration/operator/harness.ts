// Shared pieces of the operator's integration tests: the CRD, an operator started in-process
// against the real API server, the published plan, and polling with a deadline.

import { readFileSync } from "node:fs";
import { after } from "node:test";
import { fileURLToPath } from "node:url";
import {
  ApiException,
  CoreV1Api,
  CustomObjectsApi,
  EventsV1Api,
  type EventsV1Event,
  loadYaml,
  PatchStrategy,
  setHeaderOptions,
} from "@kubernetes/client-node";
import { decodePlan, PLAN_CONFIGMAP, PLAN_KEY } from "../../../api/plan/codec.ts";
import type { CompiledPlan, PlanExperiment } from "../../../api/plan/types.ts";
import {
  GROUP,
  type Phase,
  PLURAL,
  type TokenChaosExperiment,
  VERSION,
} from "../../../api/v1alpha1/types.ts";
import { createLogger } from "../../../operator/observability/log.ts";
import {
  type OperatorHandle,
  type OperatorOptions,
  startOperator,
} from "../../../operator/start.ts";
import { adminKubeConfig, createTestNamespace } from "../../support/cluster.ts";
import { installCrd } from "../../support/crd.ts";

export const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const MERGE = setHeaderOptions("Content-Type", PatchStrategy.MergePatch);

/**
 * The CRD installed and two fresh namespaces named from `prefix`: one for the experiments and
 * one for the operator's own objects (plan, halt, lease), deleted after the file's tests.
 */
export async function operatorNamespaces(prefix: string): Promise<{ ns: string; opNs: string }> {
  await installCrd();
  const ns = await createTestNamespace(prefix);
  const opNs = await createTestNamespace(`${prefix}-sys`);
  return { ns, opNs };
}

export function customApi(): CustomObjectsApi {
  return adminKubeConfig().makeApiClient(CustomObjectsApi);
}

/** An example manifest moved into `namespace` (hosts included, so it stays in scope). */
export function example(file: string, namespace: string, name?: string): TokenChaosExperiment {
  const text = readFileSync(`${ROOT}examples/${file}`, "utf8");
  const obj = loadYaml<TokenChaosExperiment>(text);
  const original = obj.metadata.namespace ?? "default";
  obj.metadata = { name: name ?? obj.metadata.name, namespace };
  const hosts = obj.spec.target.hosts;
  if (hosts !== undefined) {
    obj.spec.target.hosts = hosts.map((h) => h.replace(`.${original}.svc`, `.${namespace}.svc`));
  }
  return obj;
}

export async function createExperiment(obj: TokenChaosExperiment): Promise<TokenChaosExperiment> {
  return (await customApi().createNamespacedCustomObject({
    group: GROUP,
    version: VERSION,
    namespace: obj.metadata.namespace ?? "default",
    plural: PLURAL,
    body: obj,
  })) as TokenChaosExperiment;
}

export async function getExperiment(
  namespace: string,
  name: string,
): Promise<TokenChaosExperiment | undefined> {
  try {
    return (await customApi().getNamespacedCustomObject({
      group: GROUP,
      version: VERSION,
      namespace,
      plural: PLURAL,
      name,
    })) as TokenChaosExperiment;
  } catch (err) {
    if (err instanceof ApiException && err.code === 404) return undefined;
    throw err;
  }
}

export async function patchExperiment(
  namespace: string,
  name: string,
  body: unknown,
): Promise<TokenChaosExperiment> {
  return (await customApi().patchNamespacedCustomObject(
    { group: GROUP, version: VERSION, namespace, plural: PLURAL, name, body },
    MERGE,
  )) as TokenChaosExperiment;
}

export async function deleteExperiment(namespace: string, name: string): Promise<void> {
  await customApi().deleteNamespacedCustomObject({
    group: GROUP,
    version: VERSION,
    namespace,
    plural: PLURAL,
    name,
  });
}

export async function readPlan(operatorNamespace: string): Promise<CompiledPlan | undefined> {
  try {
    const cm = await adminKubeConfig()
      .makeApiClient(CoreV1Api)
      .readNamespacedConfigMap({ name: PLAN_CONFIGMAP, namespace: operatorNamespace });
    const data = cm.binaryData?.[PLAN_KEY];
    return data === undefined ? undefined : decodePlan(data);
  } catch (err) {
    if (err instanceof ApiException && err.code === 404) return undefined;
    throw err;
  }
}

export function planEntry(plan: CompiledPlan | undefined, id: string): PlanExperiment | undefined {
  return plan?.experiments.find((e) => e.id === id);
}

export async function eventsFor(namespace: string, name: string): Promise<EventsV1Event[]> {
  const list = await adminKubeConfig()
    .makeApiClient(EventsV1Api)
    .listNamespacedEvent({ namespace });
  return list.items.filter((e) => e.regarding?.name === name);
}

/**
 * Polls `probe` until it returns something other than undefined; returns it with the time it
 * took. Throws with `what` and the last value seen when the deadline passes.
 */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs: number,
  intervalMs = 20,
): Promise<{ value: T; ms: number }> {
  const started = performance.now();
  let lastError: unknown;
  for (;;) {
    try {
      const v = await probe();
      const ms = performance.now() - started;
      if (v !== undefined) {
        if (ms > timeoutMs)
          throw new Error(`${what} took ${ms.toFixed(0)} ms, over the ${timeoutMs} ms limit`);
        return { value: v, ms };
      }
    } catch (err) {
      lastError = err;
    }
    if (performance.now() - started > timeoutMs) {
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${what}${lastError ? ` (last error: ${String(lastError)})` : ""}`,
      );
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** Waits until the experiment's status reports `phase`; returns it with the time it took. */
export function waitForPhase(
  namespace: string,
  name: string,
  phase: Phase,
  timeoutMs: number,
  intervalMs?: number,
): Promise<{ value: TokenChaosExperiment; ms: number }> {
  return waitFor(
    `${namespace}/${name} in phase ${phase}`,
    async () => {
      const o = await getExperiment(namespace, name);
      return o?.status?.phase === phase ? o : undefined;
    },
    timeoutMs,
    intervalMs,
  );
}

// Clean-ups registered while tests run, executed by one hook on the file's root (a hook
// registered from inside a before() would run as soon as that before() ends).
const cleanups: Array<() => Promise<unknown> | unknown> = [];
after(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** Runs `fn` after all tests of the file. */
export function atEnd(fn: () => Promise<unknown> | unknown): void {
  cleanups.push(fn);
}

/** Starts an operator in this process, stopped after the file's tests. */
export async function startTestOperator(
  opts: Omit<OperatorOptions, "kubeConfig"> & { kubeConfig?: OperatorOptions["kubeConfig"] },
): Promise<OperatorHandle> {
  const handle = await startOperator({
    kubeConfig: adminKubeConfig(),
    logger: createLogger(process.env.TOKEN_CHAOS_TEST_LOG ?? "silent"),
    ...opts,
  });
  atEnd(() => handle.stop());
  await handle.ready;
  return handle;
}

export function condition(obj: TokenChaosExperiment | undefined, type: string) {
  return obj?.status?.conditions?.find((c) => c.type === type);
}
