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

/**
 * Peer identities from an x-forwarded-client-cert header (Envoy / Istio XFCC): the last element
 * is the hop nearest to us; its URI is the client's SPIFFE id, its By the server's own.
 * Quoted values (which may contain ',' or ';') are honoured.
 */
export function peersFromXfcc(xfcc: string | undefined): { source?: string; destination?: string } {
  if (xfcc === undefined || xfcc === "") return {};
  const elements = splitQuoted(xfcc, ",");
  const last = elements.at(-1);
  if (last === undefined) return {};
  const out: { source?: string; destination?: string } = {};
  for (const pair of splitQuoted(last, ";")) {
    const eq = pair.indexOf("=");
    if (eq === -1) continue;
    const key = pair.slice(0, eq).trim().toLowerCase();
    let value = pair.slice(eq + 1).trim();
    if (value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
    if (key === "uri" && value !== "" && out.source === undefined) out.source = value;
    if (key === "by" && value !== "") out.destination = value;
  }
  return out;
}

function splitQuoted(s: string, sep: string): string[] {
  const out: string[] = [];
  let cur = "";
  let quoted = false;
  for (const ch of s) {
    if (ch === '"') quoted = !quoted;
    if (ch === sep && !quoted) {
      out.push(cur);
      cur = "";
    } else cur += ch;
  }
  out.push(cur);
  return out;
}
