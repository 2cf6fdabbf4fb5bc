// Reads and writes the plan ConfigMap. Writes carry the resourceVersion they were based on, so a
// stale leader (one that lost its lease without noticing) cannot overwrite a newer plan.

import {
  ApiException,
  CoreV1Api,
  type KubeConfig,
  type V1ConfigMap,
} from "@kubernetes/client-node";
import { decodePlan, encodePlan, PLAN_CONFIGMAP, PLAN_KEY } from "../../api/plan/codec.ts";
import type { CompiledPlan } from "../../api/plan/types.ts";
import { FIELD_MANAGER, PLAN_EXPERIMENTS_ANNOTATION, PLAN_VERSION_ANNOTATION } from "../names.ts";

export interface StoredPlan {
  plan?: CompiledPlan;
  /** undefined when the ConfigMap does not exist. */
  resourceVersion?: string;
  /** Version from the annotation, when the data could not be decoded. */
  annotatedVersion?: number;
}

/** The 1 MiB object limit, minus room for metadata. */
export const MAX_PLAN_BYTES = 1024 * 1024 - 16 * 1024;

export class PlanTooLargeError extends Error {}

export class ConfigMapPlanStore {
  private readonly api: CoreV1Api;
  private readonly namespace: string;

  constructor(kc: KubeConfig, namespace: string) {
    this.api = kc.makeApiClient(CoreV1Api);
    this.namespace = namespace;
  }

  async read(): Promise<StoredPlan> {
    let cm: V1ConfigMap;
    try {
      cm = await this.api.readNamespacedConfigMap({
        name: PLAN_CONFIGMAP,
        namespace: this.namespace,
      });
    } catch (err) {
      if (err instanceof ApiException && err.code === 404) return {};
      throw err;
    }
    const out: StoredPlan = { resourceVersion: cm.metadata?.resourceVersion };
    const annotated = Number(cm.metadata?.annotations?.[PLAN_VERSION_ANNOTATION]);
    if (Number.isFinite(annotated)) out.annotatedVersion = annotated;
    const data = cm.binaryData?.[PLAN_KEY];
    if (data !== undefined) {
      try {
        out.plan = decodePlan(data);
      } catch {
        // An unreadable plan is replaced by the next write; its version still counts.
      }
    }
    return out;
  }

  /** Creates or replaces the plan; returns the new resourceVersion and the encoded size. */
  async write(
    plan: CompiledPlan,
    resourceVersion: string | undefined,
  ): Promise<{ resourceVersion: string; bytes: number }> {
    const encoded = encodePlan(plan);
    if (encoded.length > MAX_PLAN_BYTES) {
      throw new PlanTooLargeError(
        `plan of ${plan.experiments.length} experiments is ${encoded.length} bytes encoded, over the ${MAX_PLAN_BYTES} limit`,
      );
    }
    const body: V1ConfigMap = {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: {
        name: PLAN_CONFIGMAP,
        namespace: this.namespace,
        labels: {
          "app.kubernetes.io/name": "token-chaos",
          "app.kubernetes.io/component": "plan",
          "app.kubernetes.io/managed-by": "token-chaos-operator",
        },
        annotations: {
          [PLAN_VERSION_ANNOTATION]: String(plan.version),
          [PLAN_EXPERIMENTS_ANNOTATION]: String(plan.experiments.length),
        },
      },
      binaryData: { [PLAN_KEY]: encoded },
    };
    let result: V1ConfigMap;
    if (resourceVersion === undefined) {
      result = await this.api.createNamespacedConfigMap({
        namespace: this.namespace,
        body,
        fieldManager: FIELD_MANAGER,
      });
    } else {
      (body.metadata as { resourceVersion?: string }).resourceVersion = resourceVersion;
      result = await this.api.replaceNamespacedConfigMap({
        name: PLAN_CONFIGMAP,
        namespace: this.namespace,
        body,
        fieldManager: FIELD_MANAGER,
      });
    }
    return { resourceVersion: result.metadata?.resourceVersion ?? "", bytes: encoded.length };
  }
}
