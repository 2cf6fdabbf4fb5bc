// A small seeded generator for reproducible decisions (tests, benchmarks, replay). Each call
// advances a 32-bit counter by the golden-ratio increment and scrambles it with a murmur-style
// finaliser, which spreads consecutive counters evenly over [0, 1).

import type { Random } from "./types.ts";

export function seededRandom(seed: number): Random {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x9e3779b9) >>> 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    z ^= z >>> 16;
    return (z >>> 0) / 4294967296;
  };
}
