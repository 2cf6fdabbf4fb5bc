// What the operator lists and watches: TokenChaosExperiments (one namespace or all), and the
// halt ConfigMap by name (a field selector, so no other ConfigMap is ever read).

import {
  CoreV1Api,
  CustomObjectsApi,
  type KubeConfig,
  type V1ConfigMap,
} from "@kubernetes/client-node";
import { GROUP, PLURAL, type TokenChaosExperiment, VERSION } from "../../api/v1alpha1/types.ts";
import type { ListPage, ListWatchSource } from "./list-watcher.ts";

const PAGE = 500;

interface RawList {
  items?: unknown[];
  metadata?: { resourceVersion?: string; _continue?: string; continue?: string };
}

function page<T>(raw: RawList): ListPage<T> {
  return {
    items: (raw.items ?? []) as T[],
    resourceVersion: raw.metadata?.resourceVersion ?? "",
    continueToken: raw.metadata?._continue ?? raw.metadata?.continue,
  };
}

export function experimentSource(
  kc: KubeConfig,
  namespace: string | undefined,
): ListWatchSource<TokenChaosExperiment> {
  const api = kc.makeApiClient(CustomObjectsApi);
  return {
    resource: PLURAL,
    async list(cont) {
      const raw: RawList =
        namespace === undefined
          ? await api.listCustomObjectForAllNamespaces({
              group: GROUP,
              version: VERSION,
              resourcePlural: PLURAL,
              limit: PAGE,
              _continue: cont,
            })
          : await api.listNamespacedCustomObject({
              group: GROUP,
              version: VERSION,
              namespace,
              plural: PLURAL,
              limit: PAGE,
              _continue: cont,
            });
      return page<TokenChaosExperiment>(raw);
    },
    watchPath:
      namespace === undefined
        ? `/apis/${GROUP}/${VERSION}/${PLURAL}`
        : `/apis/${GROUP}/${VERSION}/namespaces/${namespace}/${PLURAL}`,
  };
}

export function namedConfigMapSource(
  kc: KubeConfig,
  namespace: string,
  name: string,
): ListWatchSource<V1ConfigMap> {
  const api = kc.makeApiClient(CoreV1Api);
  const fieldSelector = `metadata.name=${name}`;
  return {
    resource: `configmap/${name}`,
    async list() {
      const list = await api.listNamespacedConfigMap({ namespace, fieldSelector });
      return {
        items: list.items,
        resourceVersion: list.metadata?.resourceVersion ?? "",
        continueToken: undefined,
      };
    },
    watchPath: `/api/v1/namespaces/${namespace}/configmaps`,
    watchQuery: { fieldSelector },
  };
}
