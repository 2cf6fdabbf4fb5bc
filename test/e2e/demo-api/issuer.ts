// A small OAuth 2.0 token issuer for the end-to-end tests and the demo: RS256 keys generated at
// start-up, a JWKS endpoint, OIDC discovery and a client_credentials token endpoint (RFC 6749
// section 4.4) that answers errors as section 5.2 says. It is test scaffolding, not product code.

import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { exportJWK, generateKeyPair, type JWK, SignJWT } from "jose";

export interface IssuerClient {
  secret: string;
  /** Scopes this client may be granted. */
  scopes: string[];
}

export interface IssuerOptions {
  /** The `iss` claim; fixed so tokens look the same whatever port the issuer listens on. */
  issuer: string;
  audience: string;
  clients: Record<string, IssuerClient>;
  /** Lifetime of issued tokens, default 300 s. */
  tokenTtlSeconds?: number;
  port?: number;
}

export interface MintOptions {
  sub: string;
  scope: string[];
  ttlSeconds?: number;
  /** Extra claims (e.g. role) for tamper scenarios. */
  claims?: Record<string, unknown>;
}

export interface Issuer {
  /** Base URL on loopback, e.g. http://127.0.0.1:40123 */
  url: string;
  port: number;
  issuer: string;
  audience: string;
  kid: string;
  /** The issuer's public key set, as served at /.well-known/jwks.json. */
  jwks: { keys: JWK[] };
  /** Signs a token directly (what /token does after authenticating the client). */
  mint(opts: MintOptions): Promise<string>;
  /** How many times the JWKS endpoint was fetched, to show cache behaviour. */
  jwksFetches(): number;
  close(): Promise<void>;
}

export const JWKS_PATH = "/.well-known/jwks.json";
export const TOKEN_PATH = "/token";
export const DISCOVERY_PATH = "/.well-known/openid-configuration";

export async function startIssuer(opts: IssuerOptions): Promise<Issuer> {
  const { privateKey, publicKey } = await generateKeyPair("RS256", { extractable: true });
  const kid = `demo-${randomUUID().slice(0, 8)}`;
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg: "RS256", use: "sig" };
  const jwks = { keys: [publicJwk] };
  const ttl = opts.tokenTtlSeconds ?? 300;
  let fetches = 0;

  const mint = async (m: MintOptions): Promise<string> =>
    new SignJWT({ scope: m.scope.join(" "), ...m.claims })
      .setProtectedHeader({ alg: "RS256", kid, typ: "JWT" })
      .setIssuer(opts.issuer)
      .setAudience(opts.audience)
      .setSubject(m.sub)
      .setJti(randomUUID())
      .setIssuedAt()
      .setExpirationTime(Math.floor(Date.now() / 1000) + (m.ttlSeconds ?? ttl))
      .sign(privateKey);

  const server = createServer((req, res) => {
    handle(req, res).catch(() => sendJson(res, 500, { error: "server_error" }));
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? "/").split("?")[0];
    if (req.method === "GET" && path === JWKS_PATH) {
      fetches++;
      sendJson(res, 200, jwks, { "cache-control": "public, max-age=300" });
      return;
    }
    if (req.method === "GET" && path === DISCOVERY_PATH) {
      sendJson(res, 200, {
        issuer: opts.issuer,
        jwks_uri: `${opts.issuer}${JWKS_PATH}`,
        token_endpoint: `${opts.issuer}${TOKEN_PATH}`,
        grant_types_supported: ["client_credentials"],
        token_endpoint_auth_methods_supported: ["client_secret_basic", "client_secret_post"],
        id_token_signing_alg_values_supported: ["RS256"],
      });
      return;
    }
    if (path === TOKEN_PATH) {
      if (req.method !== "POST") {
        sendJson(res, 405, { error: "invalid_request" }, { allow: "POST" });
        return;
      }
      await token(req, res);
      return;
    }
    sendJson(res, 404, { error: "not_found" });
  }

  async function token(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const form = new URLSearchParams(await readBody(req));
    const creds = clientCredentials(req, form);
    const client = creds ? opts.clients[creds.id] : undefined;
    if (creds === undefined || client === undefined || client.secret !== creds.secret) {
      // RFC 6749 5.2: 401 with a challenge when the client tried HTTP authentication.
      sendJson(res, 401, oauthError("invalid_client", "Client authentication failed"), {
        "www-authenticate": 'Basic realm="token-chaos-demo"',
      });
      return;
    }
    const grant = form.get("grant_type");
    if (grant === null) {
      sendJson(res, 400, oauthError("invalid_request", "grant_type is required"));
      return;
    }
    if (grant !== "client_credentials") {
      sendJson(res, 400, oauthError("unsupported_grant_type", `${grant} is not supported`));
      return;
    }
    const asked = (form.get("scope") ?? "").split(" ").filter((s) => s !== "");
    const granted = asked.length === 0 ? client.scopes : asked;
    if (granted.some((s) => !client.scopes.includes(s))) {
      sendJson(res, 400, oauthError("invalid_scope", "Scope not allowed for this client"));
      return;
    }
    const accessToken = await mint({ sub: creds.id, scope: granted });
    sendJson(res, 200, {
      access_token: accessToken,
      token_type: "Bearer",
      expires_in: ttl,
      scope: granted.join(" "),
    });
  }

  await new Promise<void>((resolve) => server.listen(opts.port ?? 0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    issuer: opts.issuer,
    audience: opts.audience,
    kid,
    jwks,
    mint,
    jwksFetches: () => fetches,
    close: () => closeServer(server),
  };
}

function clientCredentials(
  req: IncomingMessage,
  form: URLSearchParams,
): { id: string; secret: string } | undefined {
  const auth = req.headers.authorization;
  if (auth?.toLowerCase().startsWith("basic ")) {
    const decoded = Buffer.from(auth.slice(6).trim(), "base64").toString("utf8");
    const i = decoded.indexOf(":");
    if (i < 0) return undefined;
    return {
      id: decodeURIComponent(decoded.slice(0, i)),
      secret: decodeURIComponent(decoded.slice(i + 1)),
    };
  }
  const id = form.get("client_id");
  const secret = form.get("client_secret");
  return id !== null && secret !== null ? { id, secret } : undefined;
}

function oauthError(error: string, description: string): Record<string, string> {
  return { error, error_description: description };
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/json",
    "cache-control": "no-store",
    ...headers,
    "content-length": Buffer.byteLength(text),
  });
  res.end(text);
}

/** Reads a request body, bounded: test traffic is small and a runaway body is a bug. */
export async function readBody(req: IncomingMessage, limit = 64 * 1024): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const b = chunk as Buffer;
    size += b.length;
    if (size > limit) throw new Error("request body too large");
    chunks.push(b);
  }
  return Buffer.concat(chunks).toString("utf8");
}

export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
