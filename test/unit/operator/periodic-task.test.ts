import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, it, mock } from "node:test";
import { PeriodicTask } from "../../../operator/periodic-task.ts";

/** A task whose step is the given function. */
class TaskOf extends PeriodicTask {
  private readonly fn: () => Promise<void>;

  constructor(intervalMs: number, fn: () => Promise<void>) {
    super(intervalMs);
    this.fn = fn;
  }

  protected step(): Promise<void> {
    return this.fn();
  }
}

/** A step that stays pending until released, counting how often it was started. */
function gatedStep() {
  let calls = 0;
  const waiting: Array<() => void> = [];
  const step = () => {
    calls++;
    return new Promise<void>((resolve) => {
      waiting.push(resolve);
    });
  };
  const release = () => {
    for (const resolve of waiting.splice(0)) resolve();
  };
  return { step, calls: () => calls, release };
}

const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

describe("periodic task: tick", () => {
  it("skips a run while the previous one is still going, and runs again once it is done", async () => {
    const gate = gatedStep();
    const task = new TaskOf(1000, gate.step);
    const first = task.tick();
    const overlapping = task.tick();
    assert.equal(gate.calls(), 1, "the overlapping run did not start the step");
    await overlapping;
    gate.release();
    await first;
    const third = task.tick();
    assert.equal(gate.calls(), 2);
    gate.release();
    await third;
  });

  it("passes a failing step's error on and is free to run again after it", async () => {
    let calls = 0;
    const task = new TaskOf(1000, async () => {
      calls++;
      if (calls === 1) throw new Error("boom");
    });
    await assert.rejects(task.tick(), /boom/);
    await task.tick();
    assert.equal(calls, 2);
  });
});

describe("periodic task: timer", () => {
  beforeEach(() => mock.timers.enable({ apis: ["setInterval"] }));
  afterEach(() => mock.timers.reset());

  it("runs the step once an interval until stopped", async () => {
    let calls = 0;
    const task = new TaskOf(100, async () => {
      calls++;
    });
    task.start();
    assert.equal(calls, 0, "the first run waits for the first interval");
    for (let i = 0; i < 3; i++) {
      mock.timers.tick(100);
      await settle();
    }
    assert.equal(calls, 3);
    task.stop();
    mock.timers.tick(500);
    await settle();
    assert.equal(calls, 3, "no run after stop");
  });

  it("one stop ends a task started twice; it can start again after a stop", async () => {
    let calls = 0;
    const task = new TaskOf(100, async () => {
      calls++;
    });
    task.start();
    task.start();
    task.stop();
    mock.timers.tick(100);
    await settle();
    assert.equal(calls, 0);
    task.start();
    mock.timers.tick(100);
    await settle();
    assert.equal(calls, 1);
    task.stop();
  });

  it("ticks that come while a slow step is running are skipped, not queued", async () => {
    const gate = gatedStep();
    const task = new TaskOf(100, gate.step);
    task.start();
    for (let i = 0; i < 5; i++) {
      mock.timers.tick(100);
      await settle();
    }
    assert.equal(gate.calls(), 1);
    gate.release();
    await settle();
    assert.equal(gate.calls(), 1, "the skipped ticks do not run afterwards");
    mock.timers.tick(100);
    await settle();
    assert.equal(gate.calls(), 2);
    task.stop();
    gate.release();
  });
});

describe("periodic task: process lifetime", () => {
  it("its timer does not keep the process alive", () => {
    const timers: NodeJS.Timeout[] = [];
    const real = globalThis.setInterval;
    const spy = mock.method(globalThis, "setInterval", (fn: () => void, ms: number) => {
      const t = real(fn, ms);
      timers.push(t);
      return t;
    });
    const task = new TaskOf(60_000, async () => {});
    try {
      task.start();
    } finally {
      task.stop();
      spy.mock.restore();
    }
    assert.equal(timers.length, 1);
    assert.equal(timers[0]?.hasRef(), false);
  });
});
