// The demo's closing report: per scenario what the client saw inside the window, what the
// authz-server says it injected, latency inside and outside, and how long the client took to
// recover once the window closed; then the findings worth reading.

import type { TokenChaosExperiment } from "../../../api/v1alpha1/types.ts";
import type { Screen } from "./screen.ts";
import {
  counts,
  inWindow,
  outsideWindow,
  percentile,
  recoveryAfterClose,
  recoveryInWindow,
} from "./stats.ts";
import type { LaneTraffic } from "./traffic.ts";

export interface ReportLane {
  lane: LaneTraffic;
  experiment: TokenChaosExperiment;
  injected: number;
}

export function faultSummary(exp: TokenChaosExperiment): string {
  const ramp = exp.spec.schedule.ramp;
  return exp.spec.faults
    .map((f) => {
      const at = f.at ?? (f.type === "tamper" ? "upstream" : "edge");
      const pct = ramp
        ? `${ramp.from}->${Math.min(ramp.to, f.percent ?? 100)}%`
        : `${f.percent ?? 100}%`;
      return `${f.type}@${at} ${pct}`;
    })
    .join(", ");
}

const ms = (v: number | undefined): string => (v === undefined ? "-" : `${v.toFixed(0)} ms`);

export function printReport(screen: Screen, lanes: ReportLane[]): void {
  screen.line();
  screen.line(screen.color("Report", "bold"));
  screen.line(
    `${"scenario".padEnd(36)}${"fault (from the example)".padEnd(28)}${"reqs".padStart(6)}${"non-2xx".padStart(9)}${"injected".padStart(10)}${"p50 in/out".padStart(16)}${"recovered".padStart(12)}`,
  );
  for (const r of lanes) {
    const w = inWindow(r.lane);
    const c = counts(w);
    const share = c.total === 0 ? "-" : `${(((c.total - c.ok) / c.total) * 100).toFixed(1)}%`;
    const p50In = percentile(w, 50);
    const p50Out = percentile(outsideWindow(r.lane), 50);
    const rec = recoveryAfterClose(r.lane);
    screen.line(
      [
        r.lane.spec.label.padEnd(36),
        faultSummary(r.experiment).slice(0, 27).padEnd(28),
        String(c.total).padStart(6),
        share.padStart(9),
        String(r.injected).padStart(10),
        `${p50In?.toFixed(1) ?? "-"}/${p50Out?.toFixed(1) ?? "-"} ms`.padStart(16),
        (rec === undefined ? "not yet" : `+${rec} ms`).padStart(12),
      ].join(""),
    );
  }
  for (const l of [
    "reqs, non-2xx: client requests sent inside the window, and the share not answered 2xx.",
    "injected: the authz-server's token_chaos_injections_total for the experiment (shared by lanes",
    "  of one example). recovered: from the window closing to the client's first success after its",
    "  last failure.",
  ]) {
    screen.line(l);
  }
  screen.line();
  screen.line(screen.color("Findings", "bold"));
  for (const line of findings(lanes)) screen.line(`- ${line}`);
}

function byLabel(lanes: ReportLane[], label: string): ReportLane | undefined {
  return lanes.find((l) => l.lane.spec.label === label);
}

function findings(lanes: ReportLane[]): string[] {
  const out: string[] = [];
  const careless = byLabel(lanes, "payload tampered (careless API)");
  const careful = byLabel(lanes, "payload tampered (careful API)");
  if (careless && careful) {
    const forged = inWindow(careless.lane).filter((s) => s.forgedSub !== undefined);
    const rejected = counts(inWindow(careful.lane));
    out.push(
      `payload tampered: the careful API refused ${rejected.c4xx} of ${rejected.total} requests (401, signature); ` +
        (forged.length > 0
          ? `FINDING: the careless API (no signature check) accepted ${forged.length} tampered tokens and served the account of ${forged[0]?.forgedSub}.`
          : "the careless API accepted no tampered token."),
    );
  }
  const refetch = byLabel(lanes, "rotated key (refetching)");
  const trust = byLabel(lanes, "rotated key (trust-cache 8 s)");
  if (refetch && trust) {
    out.push(
      `rotated key with JWKS takeover: the validator that refetches on an unknown kid recovered ${ms(recoveryInWindow(refetch.lane))} after the window opened; the one that trusts its cache for 8 s recovered after ${ms(recoveryInWindow(trust.lane))}.`,
    );
  }
  const slow = byLabel(lanes, "slow validation");
  if (slow) {
    const w = inWindow(slow.lane);
    const o = outsideWindow(slow.lane);
    const [a50, b50, a90, b90] = [
      percentile(w, 50),
      percentile(o, 50),
      percentile(w, 90),
      percentile(o, 90),
    ];
    if (a50 !== undefined && b50 !== undefined && a90 !== undefined && b90 !== undefined) {
      out.push(
        `slow validation: client latency p50 ${b50.toFixed(0)} -> ${a50.toFixed(0)} ms, p90 ${b90.toFixed(0)} -> ${a90.toFixed(0)} ms inside the window (the example delays up to half the checks by ~300 ms, ramping from 10 %).`,
      );
    }
  }
  const closed = byLabel(lanes, "auth service failing (fail closed)");
  const open = byLabel(lanes, "auth service failing (fail open)");
  if (closed && open) {
    const c = counts(inWindow(closed.lane));
    const o = counts(inWindow(open.lane));
    out.push(
      `auth service failing: with failure_mode_allow false the client got ${c.c4xx + c.c5xx} errors in ${c.total} requests (status_on_error); with failure_mode_allow true, ${o.total - o.ok} errors in ${o.total}: every request went through unchecked.`,
    );
  }
  const recoveries = lanes.map((l) => ({ l, rec: recoveryAfterClose(l.lane) }));
  const stuck = recoveries.filter((x) => x.rec === undefined);
  const slowest = recoveries
    .filter((x) => x.rec !== undefined)
    .sort((a, b) => (b.rec ?? 0) - (a.rec ?? 0))[0];
  if (stuck.length > 0) {
    out.push(
      `NOT recovered when the traffic stopped: ${stuck.map((x) => x.l.lane.spec.label).join(", ")}.`,
    );
  } else if (slowest?.rec === 0) {
    out.push(
      "recovery after close: every client's first request after its window closed succeeded; no fault outlived its window.",
    );
  } else if (slowest) {
    out.push(
      `recovery after close: every client was back to 2xx within ${slowest.rec} ms of its window closing (slowest: ${slowest.l.lane.spec.label}); no fault outlived its window.`,
    );
  }
  return out;
}
