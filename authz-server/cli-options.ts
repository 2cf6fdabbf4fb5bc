// `token-chaos authz` options: every flag also settable from the environment (containers),
// flags win over the environment. Pure: parsing never touches the file system or the network,
// so every bad value is reported with the flag (or variable) that carried it.

import { parseArgs } from "node:util";
import { PLAN_CONFIGMAP } from "../api/plan/codec.ts";
import { parseDuration } from "../api/plan/schedule.ts";
import { HTTP_FLAVORS, type HttpFlavor } from "./http/forward-auth.ts";
import { isLogLevel, LOG_LEVELS, type LogLevel } from "./observability/logger.ts";

export const DEFAULT_PORTS = { grpc: 9001, http: 9002, metrics: 9090 } as const;

export interface AuthzCliOptions {
  experiments?: string;
  planConfigMap?: { namespace: string; name: string };
  host: string;
  grpcPort: number;
  httpPort: number;
  metricsPort: number;
  logLevel: LogLevel;
  httpFlavor: HttpFlavor;
  httpPathPrefix: string;
  drainTimeoutMs: number;
}

export type ParseResult =
  | { ok: true; options: AuthzCliOptions }
  | { ok: false; help: true }
  | { ok: false; help?: false; error: string };

interface FlagSpec {
  flag: string;
  env: string[];
}

const FLAGS = {
  experiments: { flag: "experiments", env: ["TOKEN_CHAOS_EXPERIMENTS"] },
  "plan-configmap": { flag: "plan-configmap", env: ["TOKEN_CHAOS_PLAN_CONFIGMAP"] },
  host: { flag: "host", env: ["TOKEN_CHAOS_HOST"] },
  "grpc-port": { flag: "grpc-port", env: ["TOKEN_CHAOS_GRPC_PORT"] },
  "http-port": { flag: "http-port", env: ["TOKEN_CHAOS_HTTP_PORT"] },
  "metrics-port": { flag: "metrics-port", env: ["TOKEN_CHAOS_METRICS_PORT"] },
  "log-level": { flag: "log-level", env: ["TOKEN_CHAOS_LOG_LEVEL", "LOG_LEVEL"] },
  "http-flavor": { flag: "http-flavor", env: ["TOKEN_CHAOS_HTTP_FLAVOR"] },
  "http-path-prefix": { flag: "http-path-prefix", env: ["TOKEN_CHAOS_HTTP_PATH_PREFIX"] },
  "drain-timeout": { flag: "drain-timeout", env: ["TOKEN_CHAOS_DRAIN_TIMEOUT"] },
} as const satisfies Record<string, FlagSpec>;

type FlagName = keyof typeof FLAGS;

export const AUTHZ_USAGE = `Usage: token-chaos authz [options]

Runs the ext_authz data plane: gRPC (Envoy ext_authz v3), HTTP mode (Envoy http_service,
nginx auth_request, Caddy forward_auth, Traefik ForwardAuth) and a metrics port.
Exactly one plan source: --experiments (standalone) or --plan-configmap (Kubernetes).

Options (each also read from the environment variable shown):
  --experiments PATH        TokenChaosExperiment YAML file or folder; reloaded on change
                            [TOKEN_CHAOS_EXPERIMENTS]
  --plan-configmap NS[/NAME]
                            ConfigMap the operator publishes the plan to (NAME defaults to
                            ${PLAN_CONFIGMAP}) [TOKEN_CHAOS_PLAN_CONFIGMAP]
  --host ADDR               interface to listen on (default 127.0.0.1) [TOKEN_CHAOS_HOST]
  --grpc-port N             gRPC port, 0 for any free port (default ${DEFAULT_PORTS.grpc}) [TOKEN_CHAOS_GRPC_PORT]
  --http-port N             HTTP mode port (default ${DEFAULT_PORTS.http}) [TOKEN_CHAOS_HTTP_PORT]
  --metrics-port N          /metrics, /healthz, /readyz (default ${DEFAULT_PORTS.metrics}) [TOKEN_CHAOS_METRICS_PORT]
  --log-level LEVEL         ${LOG_LEVELS.join(", ")} (default info)
                            [TOKEN_CHAOS_LOG_LEVEL, LOG_LEVEL]
  --http-flavor NAME        ${HTTP_FLAVORS.join(", ")} (default auto); nginx maps denials to 401/403
                            [TOKEN_CHAOS_HTTP_FLAVOR]
  --http-path-prefix P      path prefix Envoy http_service adds, stripped before matching
                            [TOKEN_CHAOS_HTTP_PATH_PREFIX]
  --drain-timeout D         bound on the graceful drain at SIGTERM, e.g. 10s (default 10s)
                            [TOKEN_CHAOS_DRAIN_TIMEOUT]
  -h, --help                this text

On start, one JSON line with the bound ports is printed to stdout:
  {"listening":{"host":"127.0.0.1","grpc":9001,"http":9002,"metrics":9090}}
`;

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;

function parsePort(text: string, where: string): number | string {
  if (!/^[0-9]{1,5}$/.test(text)) return `${where}: '${text}' is not a port number (0-65535)`;
  const n = Number(text);
  if (n > 65535) return `${where}: ${n} is out of range (0-65535)`;
  return n;
}

export function parseAuthzArgs(args: string[], env: NodeJS.ProcessEnv): ParseResult {
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args,
      strict: true,
      allowPositionals: false,
      options: {
        ...Object.fromEntries(Object.keys(FLAGS).map((k) => [k, { type: "string" as const }])),
        help: { type: "boolean", short: "h" },
      },
    });
  } catch (err) {
    return { ok: false, error: err instanceof Error ? err.message : String(err) };
  }
  const values = parsed.values as Record<string, string | boolean | undefined>;
  if (values.help === true) return { ok: false, help: true };

  /** The flag's value, else the first set environment variable; with where it came from. */
  const get = (name: FlagName): { value: string; where: string } | undefined => {
    const v = values[name];
    if (typeof v === "string") return { value: v, where: `--${name}` };
    for (const e of FLAGS[name].env) {
      const ev = env[e];
      if (ev !== undefined && ev !== "") return { value: ev, where: e };
    }
    return undefined;
  };

  const errors: string[] = [];
  const port = (name: "grpc-port" | "http-port" | "metrics-port", dflt: number): number => {
    const v = get(name);
    if (v === undefined) return dflt;
    const p = parsePort(v.value.trim(), v.where);
    if (typeof p === "string") {
      errors.push(p);
      return dflt;
    }
    return p;
  };
  const grpcPort = port("grpc-port", DEFAULT_PORTS.grpc);
  const httpPort = port("http-port", DEFAULT_PORTS.http);
  const metricsPort = port("metrics-port", DEFAULT_PORTS.metrics);
  const fixed = [
    ["--grpc-port", grpcPort],
    ["--http-port", httpPort],
    ["--metrics-port", metricsPort],
  ] as const;
  for (let i = 0; i < fixed.length; i++) {
    for (let j = i + 1; j < fixed.length; j++) {
      const a = fixed[i];
      const b = fixed[j];
      if (a !== undefined && b !== undefined && a[1] !== 0 && a[1] === b[1]) {
        errors.push(`${a[0]} and ${b[0]} are both ${a[1]}; each needs its own port`);
      }
    }
  }

  const hostArg = get("host");
  const host = hostArg?.value.trim() ?? "127.0.0.1";
  if (host === "" || /[\s/]/.test(host)) {
    errors.push(`${hostArg?.where ?? "--host"}: '${host}' is not a host or IP address`);
  }

  const levelArg = get("log-level");
  let logLevel: LogLevel = "info";
  if (levelArg !== undefined) {
    const l = levelArg.value.trim().toLowerCase();
    if (isLogLevel(l)) logLevel = l;
    else
      errors.push(`${levelArg.where}: '${levelArg.value}' is not one of ${LOG_LEVELS.join(", ")}`);
  }

  const flavorArg = get("http-flavor");
  let httpFlavor: HttpFlavor = "auto";
  if (flavorArg !== undefined) {
    const f = flavorArg.value.trim().toLowerCase();
    if ((HTTP_FLAVORS as readonly string[]).includes(f)) httpFlavor = f as HttpFlavor;
    else {
      errors.push(
        `${flavorArg.where}: '${flavorArg.value}' is not one of ${HTTP_FLAVORS.join(", ")}`,
      );
    }
  }

  const prefixArg = get("http-path-prefix");
  let httpPathPrefix = "";
  if (prefixArg !== undefined) {
    httpPathPrefix = prefixArg.value.trim().replace(/\/+$/, "");
    if (httpPathPrefix !== "" && !httpPathPrefix.startsWith("/")) {
      errors.push(`${prefixArg.where}: '${prefixArg.value}' must start with '/'`);
    }
  }

  const drainArg = get("drain-timeout");
  let drainTimeoutMs = 10_000;
  if (drainArg !== undefined) {
    const ms = parseDuration(drainArg.value.trim());
    if (ms === undefined || ms > 600_000) {
      errors.push(
        `${drainArg.where}: '${drainArg.value}' is not a duration up to 10m (e.g. 10s, 500ms)`,
      );
    } else drainTimeoutMs = ms;
  }

  const expArg = get("experiments");
  const cmArg = get("plan-configmap");
  let experiments: string | undefined;
  let planConfigMap: AuthzCliOptions["planConfigMap"];
  if (expArg !== undefined && cmArg !== undefined) {
    errors.push(`${expArg.where} and ${cmArg.where} are exclusive: give one plan source`);
  } else if (expArg === undefined && cmArg === undefined) {
    errors.push("a plan source is required: --experiments PATH or --plan-configmap NS/NAME");
  } else if (expArg !== undefined) {
    if (expArg.value.trim() === "") errors.push(`${expArg.where}: empty path`);
    else experiments = expArg.value.trim();
  } else if (cmArg !== undefined) {
    const parts = cmArg.value.trim().split("/");
    const namespace = parts[0] ?? "";
    const name = parts[1] ?? PLAN_CONFIGMAP;
    if (parts.length > 2 || !DNS_LABEL.test(namespace) || namespace.length > 63) {
      errors.push(`${cmArg.where}: '${cmArg.value}' is not NAMESPACE or NAMESPACE/NAME`);
    } else if (!DNS_SUBDOMAIN.test(name) || name.length > 253) {
      errors.push(`${cmArg.where}: '${name}' is not a valid ConfigMap name`);
    } else planConfigMap = { namespace, name };
  }

  if (errors.length > 0) return { ok: false, error: errors.join("\n") };
  const options: AuthzCliOptions = {
    host,
    grpcPort,
    httpPort,
    metricsPort,
    logLevel,
    httpFlavor,
    httpPathPrefix,
    drainTimeoutMs,
  };
  if (experiments !== undefined) options.experiments = experiments;
  if (planConfigMap !== undefined) options.planConfigMap = planConfigMap;
  return { ok: true, options };
}
