// A step run every interval, for the monitors that poll Prometheus or the data plane. A step
// never overlaps the one before it: a tick that comes while a step is still running is skipped
// rather than queued, so a slow Prometheus or apiserver cannot pile up requests. The timer never
// keeps the process alive on its own.

export abstract class PeriodicTask {
  private timer: NodeJS.Timeout | undefined;
  private busy = false;
  private readonly intervalMs: number;

  constructor(intervalMs: number) {
    this.intervalMs = intervalMs;
  }

  /** One round of work; errors are the caller's to handle (tick passes them on). */
  protected abstract step(): Promise<void>;

  start(): void {
    if (this.timer !== undefined) return;
    this.timer = setInterval(() => void this.tick(), this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Runs the step now, unless one is already running (then resolves at once). */
  async tick(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      await this.step();
    } finally {
      this.busy = false;
    }
  }
}
