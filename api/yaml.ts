// YAML streams to plain data, for the manifests people `kubectl apply` (the standalone plan
// source and `token-chaos validate`). The one place the product parses YAML.
//
// The parser is js-yaml, the one @kubernetes/client-node's own loadAllYaml wraps. Importing it
// through client-node would load the whole Kubernetes client (its generated models are one
// module graph of about 50 MB), which the standalone authz-server never needs, and client-node
// has no lighter entry point: even its yaml module pulls in every model for the serializer.
// js-yaml is not (yet) a direct dependency, so it is resolved from client-node's own location,
// where npm puts its dependency whatever the tree layout; resolving does not load client-node.
// Once js-yaml is a direct dependency this becomes `import { loadAll } from "js-yaml";`.

import { createRequire } from "node:module";

interface JsYaml {
  loadAll(text: string): unknown[];
}

const jsYaml = createRequire(import.meta.resolve("@kubernetes/client-node"))("js-yaml") as JsYaml;

/**
 * Every document of a YAML stream, as plain data (timestamps come back as Date, as YAML's
 * timestamp type says). Throws on a syntax error, with the position in the message.
 */
export function loadYamlDocuments(text: string): unknown[] {
  return jsYaml.loadAll(text);
}
