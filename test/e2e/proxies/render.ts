// Fills a proxy config template: {{NAME}} placeholders, every one of which must be given, so a
// typo in a template fails loudly instead of producing a config that half works.

import { readFile } from "node:fs/promises";

export async function renderTemplate(
  templateUrl: URL,
  values: Record<string, string>,
): Promise<string> {
  const text = await readFile(templateUrl, "utf8");
  return text.replace(/\{\{([A-Z_]+)\}\}/g, (_, name: string) => {
    const v = values[name];
    if (v === undefined) throw new Error(`template ${templateUrl.pathname}: no value for ${name}`);
    return v;
  });
}

/** Routes from a Host to a loopback port, as the proxies are configured in the tests. */
export interface ProxyRoutes {
  /** Port of the backend for any Host not listed. */
  defaultPort: number;
  byHost?: Record<string, number>;
}
