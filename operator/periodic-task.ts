// Runs an async step every interval. A step never overlaps the one before it: a tick that comes
// while a step is still running is skipped rather than queued, so a slow Prometheus or apiserver
// cannot pile up requests. The timer never keeps the process alive on its own.

export class PeriodicTask {
  private timer: NodeJS.Timeout | undefined;
  private busy = false;
  private readonly intervalMs: number;
  private readonly step: () => Promise<void>;

  constructor(intervalMs: number, step: () => Promise<void>) {
    this.intervalMs = intervalMs;
    this.step = step;
  }

  start(): void {
    if (this.timer !== undefined) return;
    this.timer = setInterval(() => void this.run(), this.intervalMs);

  }

  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Runs the step now, unless one is already running (then resolves at once). */
  async run(): Promise<void> {

    this.busy = true;
    try {
      await this.step();
    } finally {
      this.busy = false;
    }
  }
}
