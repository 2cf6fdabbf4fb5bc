// The demo's live view, plain ANSI: on a terminal, a table redrawn in place twice a second with
// the last few events under it; when the output is not a terminal (captured to a file), event
// lines as they happen and the table of active lanes every five seconds.

import { lastSecond } from "./stats.ts";
import type { LaneTraffic } from "./traffic.ts";

export interface Row {
  lane: LaneTraffic;
  /** Faults the authz-server injected for the lane's experiment so far (from its metrics). */
  injected: number;
}

const SGR = {
  reset: "\x1b[0m",
  bold: "\x1b[1m",
  dim: "\x1b[2m",
  red: "\x1b[31m",
  green: "\x1b[32m",
  yellow: "\x1b[33m",
  cyan: "\x1b[36m",
};

type Color = keyof typeof SGR;

export class Screen {
  #out: NodeJS.WritableStream;
  #tty: boolean;
  #t0: number;
  #events: string[] = [];
  #drawnLines = 0;
  #lastPlain = 0;

  constructor(out: NodeJS.WritableStream, tty: boolean, t0: number) {
    this.#out = out;
    this.#tty = tty;
    this.#t0 = t0;
  }

  color(text: string, ...colors: Color[]): string {
    return this.#tty ? `${colors.map((c) => SGR[c]).join("")}${text}${SGR.reset}` : text;
  }

  clock(now: number): string {
    const s = (now - this.#t0) / 1000;
    return `t${s < 0 ? "-" : "+"}${Math.abs(s).toFixed(1).padStart(5)}s`;
  }

  line(text = ""): void {
    this.#out.write(`${text}\n`);
  }

  event(now: number, text: string): void {
    const line = `${this.clock(now)}  ${text}`;
    if (this.#tty) {
      this.#events.push(line);
      if (this.#events.length > 6) this.#events.shift();
    } else {
      this.line(line);
    }
  }

  draw(rows: Row[], now: number): void {
    if (!this.#tty) {
      if (now - this.#lastPlain < 5000) return;
      this.#lastPlain = now;
      const active = rows.filter((r) => now >= r.lane.trafficStart && now < r.lane.trafficEnd);
      if (active.length === 0) return;
      this.line(`${this.clock(now)}  ${this.header()}`);
      for (const r of active) this.line(`          ${this.row(r, now)}`);
      return;
    }
    const lines = [
      this.color(`${this.clock(now)}  ${this.header()}`, "bold"),
      ...rows.map((r) => `          ${this.row(r, now)}`),
      "",
      this.color("events:", "bold"),
      ...this.#events,
    ];
    // Move up over the previous frame and rewrite it line by line.
    let frame = this.#drawnLines > 0 ? `\x1b[${this.#drawnLines}F` : "";
    for (const l of lines) frame += `\x1b[2K${l}\n`;
    this.#out.write(frame);
    this.#drawnLines = lines.length;
  }

  header(): string {
    return `${"scenario".padEnd(36)}${"window".padEnd(16)}${"2xx/s".padStart(6)}${"4xx/s".padStart(6)}${"5xx/s".padStart(6)}${"injected".padStart(10)}${"p50 ms".padStart(9)}`;
  }

  row(r: Row, now: number): string {
    const lane = r.lane;
    let window: string;
    let wColor: Color;
    if (now < lane.windowStart) {
      window = `opens in ${Math.ceil((lane.windowStart - now) / 1000)}s`;
      wColor = "dim";
    } else if (now < lane.windowEnd) {
      window = `OPEN ${Math.ceil((lane.windowEnd - now) / 1000)}s left`;
      wColor = "yellow";
    } else {
      window = "closed";
      wColor = "green";
    }
    const live = now >= lane.trafficStart && now < lane.trafficEnd + 1000;
    const c = live ? lastSecond(lane, now) : undefined;
    const n = (v: number | undefined, bad = false): string => {
      const text = (v === undefined ? "-" : String(v)).padStart(6);
      return bad && v !== undefined && v > 0 ? this.color(text, "red") : text;
    };
    const p50 = c?.p50 === undefined ? "-" : c.p50.toFixed(1);
    return [
      lane.spec.label.padEnd(36),
      this.color(window.padEnd(16), wColor),
      n(c?.ok),
      n(c?.c4xx, true),
      n(c === undefined ? undefined : c.c5xx + c.failed, true),
      String(r.injected).padStart(10),
      p50.padStart(9),
    ].join("");
  }
}
