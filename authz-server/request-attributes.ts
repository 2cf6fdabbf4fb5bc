// Small parsers shared by the gRPC and HTTP front ends when building CheckAttributes.

/** Lower-cased host without port: "Api.Example.com:8443" -> "api.example.com", "[::1]:80" -> "[::1]". */
export function hostWithoutPort(hostHeader: string): string {
  let h = hostHeader.trim().toLowerCase();
  if (h.startsWith("[")) {
    const end = h.indexOf("]");
    return end === -1 ? h : h.slice(0, end + 1);
  }
  const colon = h.indexOf(":");
  // More than one colon without brackets: a bare IPv6 address, no port to strip.
  if (colon !== -1 && h.indexOf(":", colon + 1) === -1) h = h.slice(0, colon);
  return h;
}

/** Namespace from a Kubernetes SPIFFE id: spiffe://<trust-domain>/ns/<namespace>/sa/<account>. */
export function namespaceFromSpiffe(principal: string | undefined): string | undefined {
  if (principal === undefined || !principal.startsWith("spiffe://")) return undefined;
  const parts = principal.slice("spiffe://".length).split("/");
  const i = parts.indexOf("ns");
  if (i < 1 || i + 1 >= parts.length) return undefined;
  const ns = parts[i + 1];
  return ns !== undefined && ns !== "" ? ns : undefined;
}
