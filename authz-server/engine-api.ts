// The engine as the front ends see it: the four functions of the engine contract, gathered in
// one object so a server can be started with the real engine (the default) or, in tests, with
// a decide that throws to prove the server fails open.

import type * as EngineModule from "./engine/engine.ts";

export type SigningKeys = Awaited<ReturnType<typeof EngineModule.createSigningKeys>>;
export type LoadedPlan = ReturnType<typeof EngineModule.loadPlan>;
export type EngineState = ReturnType<typeof EngineModule.createEngineState>;

export interface Engine {
  createSigningKeys: typeof EngineModule.createSigningKeys;
  loadPlan: typeof EngineModule.loadPlan;
  createEngineState: typeof EngineModule.createEngineState;
  decide: typeof EngineModule.decide;
}

/** The real engine, loaded on demand. */
export async function defaultEngine(): Promise<Engine> {
  const m = await import("./engine/engine.ts");
  return {
    createSigningKeys: m.createSigningKeys,
    loadPlan: m.loadPlan,
    createEngineState: m.createEngineState,
    decide: m.decide,
  };
}
