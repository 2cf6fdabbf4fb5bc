// A minimal Kubernetes API client for the data plane's one job: GET and watch a single
// ConfigMap. The full client library costs tens of MB of resident memory for its generated
// models, more than the data plane's whole budget; this needs node:https and a YAML parser.
//
// Credentials come from a kubeconfig (KUBECONFIG, then ~/.kube/config) or from the pod's
// ServiceAccount. Only bearer tokens and client certificates are supported: exec plugins and
// auth providers would pull in what this file exists to avoid.

import { readFile } from "node:fs/promises";
import * as http from "node:http";
import * as https from "node:https";
import { homedir } from "node:os";
import { delimiter, dirname, isAbsolute, join } from "node:path";
import { loadYamlDocuments } from "../../api/yaml.ts";

/** Where the credentials came from, and what they say; file references not yet read. */
export interface KubeAccessSpec {
  /** Human-readable origin for errors, e.g. "kubeconfig /etc/kube/config" or "in-cluster". */
  origin: string;
  server: string;
  /** Base64 of PEM, as kubeconfig's *-data fields hold it. */
  caData?: string;
  caFile?: string;
  certData?: string;
  certFile?: string;
  keyData?: string;
  keyFile?: string;
  token?: string;
  /** Re-read before every connection: projected ServiceAccount tokens rotate. */
  tokenFile?: string;
  insecureSkipTlsVerify?: boolean;
  tlsServerName?: string;
}

/** A spec with its certificate files read; the token file stays a path. */
export interface KubeAccess {
  origin: string;
  server: string;
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
  token?: string;
  tokenFile?: string;
  insecureSkipTlsVerify?: boolean;
  tlsServerName?: string;
}

/** The parts of @kubernetes/client-node's KubeConfig this reads, so one can be passed in. */
export interface KubeConfigLike {
  getCurrentCluster(): {
    server: string;
    caData?: string;
    caFile?: string;
    skipTLSVerify?: boolean;
    tlsServerName?: string;
  } | null;
  getCurrentUser(): {
    name?: string;
    token?: string;
    certData?: string;
    certFile?: string;
    keyData?: string;
    keyFile?: string;
    authProvider?: unknown;
    exec?: unknown;
  } | null;
}

export const SERVICE_ACCOUNT_DIR = "/var/run/secrets/kubernetes.io/serviceaccount";

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function str(o: Obj, key: string): string | undefined {
  const v = o[key];
  return typeof v === "string" && v !== "" ? v : undefined;
}

/** The named entries of a kubeconfig list (clusters, users, contexts); the first name wins. */
function entries(
  doc: Obj,
  list: string,
  inner: string,
  base: string,
  into: Map<string, [Obj, string]>,
): void {
  const items = doc[list];
  if (!Array.isArray(items)) return;
  for (const item of items) {
    if (!isObj(item) || typeof item.name !== "string" || into.has(item.name)) continue;
    const body = item[inner];
    into.set(item.name, [isObj(body) ? body : {}, base]);
  }
}

/**
 * The current context's cluster and user from one or more parsed kubeconfig files (in the
 * order KUBECONFIG lists them: the first definition of a name, and the first current-context,
 * win). Relative file references are resolved against the file that holds them. Pure.
 */
export function resolveKubeconfig(files: { path: string; doc: unknown }[]): KubeAccessSpec {
  const clusters = new Map<string, [Obj, string]>();
  const users = new Map<string, [Obj, string]>();
  const contexts = new Map<string, [Obj, string]>();
  let current: string | undefined;
  for (const { path, doc } of files) {
    if (doc === null || doc === undefined) continue;
    if (!isObj(doc)) throw new Error(`kubeconfig ${path} is not a YAML mapping`);
    const base = dirname(path);
    entries(doc, "clusters", "cluster", base, clusters);
    entries(doc, "users", "user", base, users);
    entries(doc, "contexts", "context", base, contexts);
    current ??= str(doc, "current-context");
  }
  const origin = `kubeconfig ${files.map((f) => f.path).join(delimiter)}`;
  if (current === undefined) throw new Error(`${origin} has no current-context`);
  const context = contexts.get(current)?.[0];
  if (context === undefined) throw new Error(`${origin}: context '${current}' is not defined`);
  const clusterName = str(context, "cluster");
  const found = clusterName === undefined ? undefined : clusters.get(clusterName);
  if (found === undefined) {
    throw new Error(`${origin}: context '${current}' names no defined cluster`);
  }
  const [cluster, clusterBase] = found;
  const server = str(cluster, "server");
  if (server === undefined) throw new Error(`${origin}: cluster '${clusterName}' has no server`);
  const at = (base: string, p: string | undefined) =>
    p === undefined || isAbsolute(p) ? p : join(base, p);
  const spec: KubeAccessSpec = { origin, server };
  setDefined(spec, "caData", str(cluster, "certificate-authority-data"));
  setDefined(spec, "caFile", at(clusterBase, str(cluster, "certificate-authority")));
  if (cluster["insecure-skip-tls-verify"] === true) spec.insecureSkipTlsVerify = true;
  setDefined(spec, "tlsServerName", str(cluster, "tls-server-name"));

  const userName = str(context, "user");
  const userFound = userName === undefined ? undefined : users.get(userName);
  if (userFound === undefined) return spec; // anonymous: the API server decides
  const [user, userBase] = userFound;
  if (user.exec !== undefined || user["auth-provider"] !== undefined) {
    throw new Error(
      `${origin}: user '${userName}' uses an exec plugin or auth provider; give a token or a client certificate`,
    );
  }
  setDefined(spec, "token", str(user, "token"));
  setDefined(spec, "tokenFile", at(userBase, str(user, "tokenFile")));
  setDefined(spec, "certData", str(user, "client-certificate-data"));
  setDefined(spec, "certFile", at(userBase, str(user, "client-certificate")));
  setDefined(spec, "keyData", str(user, "client-key-data"));
  setDefined(spec, "keyFile", at(userBase, str(user, "client-key")));
  return spec;
}

function setDefined<K extends keyof KubeAccessSpec>(
  spec: KubeAccessSpec,
  key: K,
  value: KubeAccessSpec[K] | undefined,
): void {
  if (value !== undefined) spec[key] = value;
}

/** The pod's own ServiceAccount, as the kubelet mounts it. Pure. */
export function inClusterSpec(
  env: Record<string, string | undefined>,
  dir = SERVICE_ACCOUNT_DIR,
): KubeAccessSpec {
  const host = env.KUBERNETES_SERVICE_HOST;
  const port = env.KUBERNETES_SERVICE_PORT;
  if (host === undefined || host === "" || port === undefined || port === "") {
    throw new Error("not in a cluster: KUBERNETES_SERVICE_HOST/PORT are not set");
  }
  const h = host.includes(":") ? `[${host}]` : host;
  return {
    origin: "in-cluster",
    server: `https://${h}:${port}`,
    caFile: join(dir, "ca.crt"),
    tokenFile: join(dir, "token"),
  };
}

/** Converts a client-node KubeConfig's current cluster and user (for callers that hold one). */
export function specFromKubeConfig(kc: KubeConfigLike): KubeAccessSpec {
  const cluster = kc.getCurrentCluster();
  if (cluster === null) throw new Error("the KubeConfig has no current cluster");
  const spec: KubeAccessSpec = { origin: "KubeConfig", server: cluster.server };
  setDefined(spec, "caData", cluster.caData);
  setDefined(spec, "caFile", cluster.caFile);
  if (cluster.skipTLSVerify === true) spec.insecureSkipTlsVerify = true;
  setDefined(spec, "tlsServerName", cluster.tlsServerName);
  const user = kc.getCurrentUser();
  if (user === null) return spec;
  // client-node's in-cluster loader describes the rotating token file as an auth provider.
  const provider = user.authProvider as
    | { name?: unknown; config?: { tokenFile?: unknown } }
    | undefined;
  if (provider?.name === "tokenFile" && typeof provider.config?.tokenFile === "string") {
    spec.tokenFile = provider.config.tokenFile;
  } else if (user.exec !== undefined || user.authProvider !== undefined) {
    throw new Error(`user '${user.name ?? ""}' uses an exec plugin or auth provider`);
  }
  setDefined(spec, "token", user.token);
  setDefined(spec, "certData", user.certData);
  setDefined(spec, "certFile", user.certFile);
  setDefined(spec, "keyData", user.keyData);
  setDefined(spec, "keyFile", user.keyFile);
  return spec;
}

async function readNamed(path: string, what: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (err) {
    throw new Error(
      `cannot read ${what} ${path}: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
}

/** Reads the certificate files a spec refers to; the token file is read per connection. */
export async function materialize(spec: KubeAccessSpec): Promise<KubeAccess> {
  const pick = async (data: string | undefined, file: string | undefined, what: string) =>
    data !== undefined
      ? Buffer.from(data, "base64")
      : file !== undefined
        ? await readNamed(file, what)
        : undefined;
  const access: KubeAccess = { origin: spec.origin, server: spec.server };
  const ca = await pick(spec.caData, spec.caFile, "certificate authority");
  const cert = await pick(spec.certData, spec.certFile, "client certificate");
  const key = await pick(spec.keyData, spec.keyFile, "client key");
  if (ca !== undefined) access.ca = ca;
  if (cert !== undefined) access.cert = cert;
  if (key !== undefined) access.key = key;
  if (spec.token !== undefined) access.token = spec.token;
  if (spec.tokenFile !== undefined) access.tokenFile = spec.tokenFile;
  if (spec.insecureSkipTlsVerify === true) access.insecureSkipTlsVerify = true;
  if (spec.tlsServerName !== undefined) access.tlsServerName = spec.tlsServerName;
  return access;
}

/**
 * The credentials a process finds by default, in client-go's order: the files KUBECONFIG
 * lists, else ~/.kube/config, else the pod's ServiceAccount.
 */
export async function defaultKubeAccess(
  env: Record<string, string | undefined> = process.env,
): Promise<KubeAccess> {
  const listed = (env.KUBECONFIG ?? "").split(delimiter).filter((p) => p !== "");
  let paths = listed;
  if (paths.length === 0) {
    const home = join(env.HOME ?? homedir(), ".kube", "config");
    const exists = await readFile(home).then(
      () => true,
      () => false,
    );
    if (exists) paths = [home];
  }
  if (paths.length === 0) return materialize(inClusterSpec(env));
  const files: { path: string; doc: unknown }[] = [];
  for (const path of paths) {
    const text = (await readNamed(path, "kubeconfig")).toString("utf8");
    let docs: unknown[];
    try {
      docs = loadYamlDocuments(text);
    } catch (err) {
      throw new Error(`kubeconfig ${path}: ${err instanceof Error ? err.message : String(err)}`);
    }
    files.push({ path, doc: docs[0] });
  }
  return materialize(resolveKubeconfig(files));
}

/** An API error: the HTTP status (or a socket error code) and the API server's own message. */
export class KubeHttpError extends Error {
  readonly code: number | string | undefined;
  constructor(message: string, code?: number | string) {
    super(message);
    this.name = "KubeHttpError";
    this.code = code;
  }
}

/**
 * Splits a stream of newline-delimited JSON into lines without copying each chunk more than
 * once; a line longer than maxLineBytes is an error (a ConfigMap is at most 1 MiB). Pure.
 */
export class LineSplitter {
  #pending: Buffer[] = [];
  #pendingBytes = 0;
  #max: number;

  constructor(maxLineBytes: number) {
    this.#max = maxLineBytes;
  }

  push(chunk: Buffer): string[] {
    const lines: string[] = [];
    let from = 0;
    for (let nl = chunk.indexOf(10, from); nl !== -1; nl = chunk.indexOf(10, from)) {
      const part = chunk.subarray(from, nl);
      this.#check(part.length);
      const whole = this.#pending.length === 0 ? part : Buffer.concat([...this.#pending, part]);
      this.#pending = [];
      this.#pendingBytes = 0;
      const line = whole.toString("utf8").trim();
      if (line !== "") lines.push(line);
      from = nl + 1;
    }
    if (from < chunk.length) {
      const rest = chunk.subarray(from);
      this.#check(rest.length);
      this.#pending.push(rest);
      this.#pendingBytes += rest.length;
    }
    return lines;
  }

  /** What is left without a final newline (a watch's last event may lack one). */
  flush(): string[] {
    const line = Buffer.concat(this.#pending).toString("utf8").trim();
    this.#pending = [];
    this.#pendingBytes = 0;
    return line === "" ? [] : [line];
  }

  #check(more: number): void {
    if (this.#pendingBytes + more > this.#max) {
      this.#pending = [];
      this.#pendingBytes = 0;
      throw new Error(`watch event longer than ${this.#max} bytes`);
    }
  }
}

/** The API server's message from a Status body, if the body is one. */
export function statusMessage(body: string): string | undefined {
  try {
    const doc: unknown = JSON.parse(body);
    if (isObj(doc) && typeof doc.message === "string") return doc.message;
  } catch {
    // not JSON: the caller reports the HTTP status alone
  }
  return undefined;
}

export interface StreamOptions {
  signal: AbortSignal;
  /** Abort when no byte arrives for this long (a half-open connection never ends by itself). */
  stallMs: number;
  maxLineBytes: number;
  onLine(line: string): void;
}

/** GET requests to one API server over a keep-alive connection. */
export class KubeHttp {
  #access: KubeAccess;
  #base: URL;
  #agent: http.Agent;
  #request: typeof https.request;

  constructor(access: KubeAccess) {
    this.#access = access;
    this.#base = new URL(access.server);
    const tls = this.#base.protocol === "https:";
    if (!tls && this.#base.protocol !== "http:") {
      throw new Error(`${access.origin}: server ${access.server} is not an http(s) URL`);
    }
    this.#request = tls ? https.request : http.request;
    const agentOpts: https.AgentOptions = { keepAlive: true, maxSockets: 2, maxFreeSockets: 1 };
    if (tls) {
      if (access.ca !== undefined) agentOpts.ca = access.ca;
      if (access.cert !== undefined) agentOpts.cert = access.cert;
      if (access.key !== undefined) agentOpts.key = access.key;
      if (access.insecureSkipTlsVerify === true) agentOpts.rejectUnauthorized = false;
      if (access.tlsServerName !== undefined) agentOpts.servername = access.tlsServerName;
    }
    this.#agent = tls ? new https.Agent(agentOpts) : new http.Agent(agentOpts);
  }

  close(): void {
    this.#agent.destroy();
  }

  async #headers(): Promise<Record<string, string>> {
    const headers: Record<string, string> = {
      accept: "application/json",
      "user-agent": "token-chaos-authz",
    };
    let token = this.#access.token;
    if (this.#access.tokenFile !== undefined) {
      token = (await readNamed(this.#access.tokenFile, "token file")).toString("utf8").trim();
    }
    if (token !== undefined && token !== "") headers.authorization = `Bearer ${token}`;
    return headers;
  }

  #url(pathAndQuery: string): URL {
    const prefix = this.#base.pathname.replace(/\/+$/, "");
    return new URL(`${prefix}${pathAndQuery}`, this.#base);
  }

  async #open(pathAndQuery: string, signal: AbortSignal): Promise<http.IncomingMessage> {
    const headers = await this.#headers();
    return new Promise((resolve, reject) => {
      const req = this.#request(this.#url(pathAndQuery), {
        method: "GET",
        headers,
        agent: this.#agent,
        signal,
      });
      req.once("response", resolve);
      req.once("error", (err) =>
        reject(
          new KubeHttpError(
            `${this.#access.server}: ${err.message}`,
            (err as NodeJS.ErrnoException).code,
          ),
        ),
      );
      req.end();
    });
  }

  /** Reads a whole response body, bounded; rejects on a non-2xx status with its message. */
  async getJson(
    pathAndQuery: string,
    opts: { signal: AbortSignal; maxBytes: number },
  ): Promise<unknown> {
    const res = await this.#open(pathAndQuery, opts.signal);
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of res as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > opts.maxBytes) {
        res.destroy();
        throw new KubeHttpError(`response larger than ${opts.maxBytes} bytes`);
      }
      chunks.push(chunk);
    }
    const body = Buffer.concat(chunks).toString("utf8");
    const status = res.statusCode ?? 0;
    if (status < 200 || status > 299) {
      throw new KubeHttpError(statusMessage(body) ?? `HTTP ${status}`, status);
    }
    try {
      return JSON.parse(body) as unknown;
    } catch {
      throw new KubeHttpError("response is not JSON", status);
    }
  }

  /**
   * Streams a watch: resolves when the server ends the response, rejects on a non-2xx status,
   * a socket error, a stall, or an event line onLine throws on.
   */
  async stream(pathAndQuery: string, opts: StreamOptions): Promise<void> {
    const res = await this.#open(pathAndQuery, opts.signal);
    const status = res.statusCode ?? 0;
    if (status < 200 || status > 299) {
      const chunks: Buffer[] = [];
      for await (const chunk of res as AsyncIterable<Buffer>) chunks.push(chunk);
      throw new KubeHttpError(
        statusMessage(Buffer.concat(chunks).toString("utf8")) ?? `HTTP ${status}`,
        status,
      );
    }
    const splitter = new LineSplitter(opts.maxLineBytes);
    await new Promise<void>((resolve, reject) => {
      let watchdog: NodeJS.Timeout | undefined;
      const fail = (err: Error) => {
        clearTimeout(watchdog);
        res.destroy();
        reject(err);
      };
      const arm = () => {
        clearTimeout(watchdog);
        watchdog = setTimeout(
          () => fail(new KubeHttpError(`watch silent for ${opts.stallMs} ms`, "STALLED")),
          opts.stallMs,
        );
        watchdog.unref();
      };
      arm();
      res.on("data", (chunk: Buffer) => {
        arm();
        try {
          for (const line of splitter.push(chunk)) opts.onLine(line);
        } catch (err) {
          fail(err instanceof Error ? err : new Error(String(err)));
        }
      });
      res.once("end", () => {
        clearTimeout(watchdog);
        try {
          for (const line of splitter.flush()) opts.onLine(line);
        } catch (err) {
          reject(err instanceof Error ? err : new Error(String(err)));
          return;
        }
        resolve();
      });
      res.once("error", (err) =>
        fail(new KubeHttpError(err.message, (err as NodeJS.ErrnoException).code)),
      );
      res.once("close", () => {
        // Closed before "end": the connection dropped mid-watch.
        if (!res.complete) fail(new KubeHttpError("watch connection closed", "ECONNRESET"));
      });
    });
  }
}
