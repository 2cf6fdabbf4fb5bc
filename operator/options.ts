// Command-line flags of `token-chaos operator`, parsed without side effects.

export interface OperatorFlags {
  namespace?: string;
  operatorNamespace?: string;
  leaderElect: boolean;
  metricsPort: number;
  metricsHost: string;
  kubeconfig?: string;
  prometheusUrl?: string;
  authzService?: { namespace: string; name: string; portName: string };
  allowCrossNamespace: boolean;
  crossNamespaceAllowed: string[];
  identity?: string;
  logLevel: string;
  workers: number;
  help: boolean;
}

export const OPERATOR_USAGE = `Usage: token-chaos operator [options]

Reconciles TokenChaosExperiments into the plan the authz-servers enforce.

Options:
  --namespace NS               watch only this namespace (default: all namespaces)
  --operator-namespace NS      where the plan, halt ConfigMap and Lease live
                               (default: $POD_NAMESPACE, the pod's namespace, or token-chaos-system)
  --leader-elect               elect a leader on a Lease; only the leader writes
  --metrics-port N             port for /metrics, /healthz, /readyz (default 8080, 0 = any)
  --metrics-host HOST          address to listen on (default 0.0.0.0)
  --kubeconfig PATH            kubeconfig file (default: $KUBECONFIG, ~/.kube/config, in-cluster)
  --prometheus-url URL         Prometheus for guards, steady states and injection counts
  --authz-service NS/NAME[:PORT]  authz-server Service whose pods' /metrics give injection
                               counts (PORT: the port name, default "metrics")
  --allow-cross-namespace      experiments may target Services in any namespace
  --cross-namespace-allowed NS[,NS...]  namespaces any experiment may target
  --identity ID                leader-election identity (default: hostname-pid)
  --workers N                  concurrent reconciles (default 8)
  --log-level LEVEL            pino level (default info)
`;

const NAME_RE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

export function parseOperatorArgs(args: readonly string[]): OperatorFlags | { error: string } {
  const flags: OperatorFlags = {
    leaderElect: false,
    metricsPort: 8080,
    metricsHost: "0.0.0.0",
    allowCrossNamespace: false,
    crossNamespaceAllowed: [],
    logLevel: "info",
    workers: 8,
    help: false,
  };
  for (let i = 0; i < args.length; i++) {
    const raw = args[i] as string;
    const eq = raw.indexOf("=");
    const name = raw.startsWith("--") && eq > 0 ? raw.slice(0, eq) : raw;
    const inline = raw.startsWith("--") && eq > 0 ? raw.slice(eq + 1) : undefined;
    const value = (): string | undefined => {
      if (inline !== undefined) return inline;
      const v = args[i + 1];
      if (v === undefined || v.startsWith("--")) return undefined;
      i++;
      return v;
    };
    const need = (): string => {
      const v = value();
      if (v === undefined || v === "") throw new FlagError(`${name} needs a value`);
      return v;
    };
    try {
      switch (name) {
        case "--help":
        case "-h":
          flags.help = true;
          break;
        case "--namespace":
          flags.namespace = checkName(need(), name);
          break;
        case "--operator-namespace":
          flags.operatorNamespace = checkName(need(), name);
          break;
        case "--leader-elect": {
          if (inline !== undefined) flags.leaderElect = inline !== "false";
          else flags.leaderElect = true;
          break;
        }
        case "--metrics-port": {
          const v = need();
          const n = Number(v);
          if (!/^\d+$/.test(v) || n > 65535) throw new FlagError(`${name}: "${v}" is not a port`);
          flags.metricsPort = n;
          break;
        }
        case "--metrics-host":
          flags.metricsHost = need();
          break;
        case "--kubeconfig":
          flags.kubeconfig = need();
          break;
        case "--prometheus-url": {
          const v = need();
          if (!URL.canParse(v) || !/^https?:$/.test(new URL(v).protocol)) {
            throw new FlagError(`${name}: "${v}" is not an http(s) URL`);
          }
          flags.prometheusUrl = v;
          break;
        }
        case "--authz-service": {
          const v = need();
          const m = /^([^/]+)\/([^:]+)(?::(.+))?$/.exec(v);
          if (m === null)
            throw new FlagError(`${name}: expected NAMESPACE/NAME[:PORT], got "${v}"`);
          flags.authzService = {
            namespace: checkName(m[1] as string, name),
            name: checkName(m[2] as string, name),
            portName: m[3] ?? "metrics",
          };
          break;
        }
        case "--allow-cross-namespace":
          flags.allowCrossNamespace = inline === undefined ? true : inline !== "false";
          break;
        case "--cross-namespace-allowed":
          for (const ns of need().split(",")) {
            if (ns.trim() !== "") flags.crossNamespaceAllowed.push(checkName(ns.trim(), name));
          }
          break;
        case "--identity":
          flags.identity = need();
          break;
        case "--workers": {
          const v = need();
          const n = Number(v);
          if (!/^\d+$/.test(v) || n < 1 || n > 64)
            throw new FlagError(`${name}: expected 1-64, got "${v}"`);
          flags.workers = n;
          break;
        }
        case "--log-level":
          flags.logLevel = need();
          break;
        default:
          return { error: `unknown option '${raw}'` };
      }
    } catch (err) {
      if (err instanceof FlagError) return { error: err.message };
      throw err;
    }
  }
  return flags;
}

class FlagError extends Error {}

function checkName(v: string, flag: string): string {
  if (!NAME_RE.test(v) || v.length > 63) throw new FlagError(`${flag}: "${v}" is not a valid name`);
  return v;
}
