// `token-chaos halt` / `token-chaos resume`: the global safety lever. Halting creates the
// ConfigMap token-chaos-halt in the operator's namespace; while it exists the operator publishes
// a plan with halted: true and no experiments. Resuming deletes it.

import { hostname, userInfo } from "node:os";
import { ApiException, CoreV1Api } from "@kubernetes/client-node";
import type { CliIo, Subcommand } from "../cli/main.ts";
import { loadKubeConfig, operatorNamespace } from "./kube-config.ts";
import { FIELD_MANAGER, HALT_CONFIGMAP } from "./names.ts";

interface HaltFlags {
  kubeconfig?: string;
  operatorNamespace?: string;
  reason?: string;
  help: boolean;
}

function usage(cmd: "halt" | "resume"): string {
  return `Usage: token-chaos ${cmd} [--operator-namespace NS] [--kubeconfig PATH]${cmd === "halt" ? " [--reason TEXT]" : ""}

${cmd === "halt" ? "Stops every experiment at once: the operator publishes a halted plan within a second." : "Lifts a global halt: experiments continue where their schedules are."}
`;
}

export function parseHaltArgs(
  args: readonly string[],
  cmd: "halt" | "resume",
): HaltFlags | { error: string } {
  const flags: HaltFlags = { help: false };
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as string;
    const [name, inline] =
      a.startsWith("--") && a.includes("=")
        ? [a.slice(0, a.indexOf("=")), a.slice(a.indexOf("=") + 1)]
        : [a, undefined];
    const value = (): string | undefined => inline ?? args[++i];
    switch (name) {
      case "--help":
      case "-h":
        flags.help = true;
        break;
      case "--kubeconfig":
        flags.kubeconfig = value();
        if (!flags.kubeconfig) return { error: "--kubeconfig needs a value" };
        break;
      case "--operator-namespace":
        flags.operatorNamespace = value();
        if (!flags.operatorNamespace) return { error: "--operator-namespace needs a value" };
        break;
      case "--reason":
        if (cmd !== "halt") return { error: `unknown option '${a}'` };
        flags.reason = value();
        if (flags.reason === undefined) return { error: "--reason needs a value" };
        break;
      default:
        return { error: `unknown option '${a}'` };
    }
  }
  return flags;
}

async function execute(cmd: "halt" | "resume", args: string[], io: CliIo): Promise<number> {
  const flags = parseHaltArgs(args, cmd);
  if ("error" in flags) {
    io.stderr.write(`token-chaos ${cmd}: ${flags.error}\n\n${usage(cmd)}`);
    return 2;
  }
  if (flags.help) {
    io.stdout.write(usage(cmd));
    return 0;
  }
  let namespace: string;
  let api: CoreV1Api;
  try {
    api = loadKubeConfig(flags.kubeconfig, io.env).makeApiClient(CoreV1Api);
    namespace = operatorNamespace(flags.operatorNamespace, io.env);
  } catch (err) {
    io.stderr.write(`token-chaos ${cmd}: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
  try {
    if (cmd === "halt") {
      await api.createNamespacedConfigMap({
        namespace,
        fieldManager: FIELD_MANAGER,
        body: {
          metadata: {
            name: HALT_CONFIGMAP,
            namespace,
            labels: {
              "app.kubernetes.io/name": "token-chaos",
              "app.kubernetes.io/component": "halt",
            },
          },
          data: {
            reason: flags.reason ?? "",
            haltedAt: new Date().toISOString(),
            haltedBy: `${safeUser()}@${hostname()}`,
          },
        },
      });
      io.stdout.write(
        `halted: every experiment stops (ConfigMap ${namespace}/${HALT_CONFIGMAP}); run 'token-chaos resume' to lift\n`,
      );
    } else {
      await api.deleteNamespacedConfigMap({ name: HALT_CONFIGMAP, namespace });
      io.stdout.write(
        `resumed: ConfigMap ${namespace}/${HALT_CONFIGMAP} deleted; experiments follow their schedules again\n`,
      );
    }
    return 0;
  } catch (err) {
    if (err instanceof ApiException && cmd === "halt" && err.code === 409) {
      io.stdout.write(`already halted (ConfigMap ${namespace}/${HALT_CONFIGMAP} exists)\n`);
      return 0;
    }
    if (err instanceof ApiException && cmd === "resume" && err.code === 404) {
      io.stdout.write(`not halted (no ConfigMap ${namespace}/${HALT_CONFIGMAP})\n`);
      return 0;
    }
    const detail =
      err instanceof ApiException
        ? `HTTP ${err.code}: ${bodyMessage(err.body)}`
        : err instanceof Error
          ? err.message
          : String(err);
    io.stderr.write(`token-chaos ${cmd}: ${detail}\n`);
    return 1;
  }
}

function bodyMessage(body: unknown): string {
  if (typeof body === "string") {
    try {
      const parsed: unknown = JSON.parse(body);
      if (typeof parsed === "object" && parsed !== null && "message" in parsed)
        return String(parsed.message);
    } catch {
      return body;
    }
  }
  return String(body);
}

function safeUser(): string {
  try {
    return userInfo().username;
  } catch {
    return "unknown";
  }
}

export const haltCommand: Subcommand = {
  summary: "halt every experiment at once (global safety lever)",
  run: (args, io) => execute("halt", args, io),
};

export const resumeCommand: Subcommand = {
  summary: "lift a global halt",
  run: (args, io) => execute("resume", args, io),
};
