// YAML streams to plain data, for the manifests people `kubectl apply` (the standalone plan
// source and `token-chaos validate`). The one place the product parses YAML.
//
// The parser is js-yaml, a direct dependency: importing YAML support through client-node would
// load the whole Kubernetes client (its generated models are one module graph of about 50 MB),
// which the standalone authz-server and `token-chaos validate` never need.

import { loadAll } from "js-yaml";

/**
 * Every document of a YAML stream, as plain data (timestamps come back as Date, as YAML's
 * timestamp type says). Throws on a syntax error, with the position in the message.
 */
export function loadYamlDocuments(text: string): unknown[] {
  return loadAll(text);
}
