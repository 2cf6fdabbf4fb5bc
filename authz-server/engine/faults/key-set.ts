// Shared by jwks and discovery: the identity provider's key set or discovery document fails.
//   unavailable (default)  `status` (default 503) with the load balancer's outage page
//   malformed              200 application/json whose body is cut off mid-document (not JSON)
//   empty                  200 application/json with an empty document ({"keys":[]} / {})
//   stale                  200 application/json with `staleKeys` as given (an old document)
// Slow answers are a `delay` fault with the same target.

import type { KeySetParams } from "../../../api/v1alpha1/types.ts";
import { fixedDeny } from "../decisions.ts";
import type { FaultBase, FaultRun } from "../fault-runner.ts";
import { outagePageDeny } from "../outage-page.ts";

export interface KeySetDocuments {
  /** An empty document of this kind. */
  empty: string;
  /** A cut-off document of this kind (not valid JSON). */
  truncated: string;
}

export function compileKeySet(p: KeySetParams, base: FaultBase, docs: KeySetDocuments): FaultRun {
  const json = [{ name: "content-type", value: "application/json" }];
  let deny: ReturnType<typeof fixedDeny>;
  switch (p.behaviour ?? "unavailable") {
    case "malformed":
      deny = fixedDeny(base, 200, json, docs.truncated);
      break;
    case "empty":
      deny = fixedDeny(base, 200, json, docs.empty);
      break;
    case "stale":
      deny = fixedDeny(base, 200, json, p.staleKeys ?? docs.empty);
      break;
    default: {
      const s = p.status;
      deny = outagePageDeny(
        base,
        s !== undefined && Number.isInteger(s) && s >= 400 && s <= 599 ? s : 503,
      );
    }
  }
  return () => deny;
}
