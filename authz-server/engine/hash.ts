// Fast, non-cryptographic string hashing for sampling and per-token state keys. The sticky
// verdict must be stable and uniformly spread, not secret: an FNV-1a pass followed by a
// murmur-style avalanche is enough, and costs far less than a SHA-256 per request.

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

function feed(h: number, s: string, from = 0, to = s.length): number {
  let x = h;
  for (let i = from; i < to; i++) {
    x ^= s.charCodeAt(i);
    x = Math.imul(x, FNV_PRIME);
  }
  return x;
}

function avalanche(h: number): number {
  let x = h;
  x ^= x >>> 16;
  x = Math.imul(x, 0x85ebca6b);
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae35);
  x ^= x >>> 16;
  return x >>> 0;
}

/** 32-bit hash of a string under a seed. */
export function hash32(s: string, seed = 0): number {
  return avalanche(feed(FNV_OFFSET ^ seed, s));
}

/** Keys longer than this are sampled: their head, their tail and their length. */
const STICKY_WHOLE = 256;

/**
 * A number in [0, 1) fixed by (key, salt, windowStart): the same token gets the same draw for
 * the same experiment fault in the same window, and an independent one in the next window.
 * A long key is hashed by its first 64 and last 192 characters and its length: for a JWT the
 * tail is signature bytes, unique per token, and the cost stays flat in the token's size.
 */
export function stickyUnit(key: string, salt: string, windowStart: number): number {
  let h: number;
  if (key.length <= STICKY_WHOLE) {
    h = feed(FNV_OFFSET, key);
  } else {
    h = feed(FNV_OFFSET, key, 0, 64);
    h = feed(h, key, key.length - 192, key.length);
    h = Math.imul(h ^ key.length, FNV_PRIME);
  }
  h = feed(h ^ 0x9e3779b9, salt);
  h = Math.imul(h ^ (windowStart >>> 0), FNV_PRIME);
  h = Math.imul(h ^ Math.floor(windowStart / 4294967296), FNV_PRIME);
  return avalanche(h) / 4294967296;
}

/** A 64-bit digest as 16 hex characters: a compact key for a token that never stores the token. */
export function digest64(s: string): string {
  const a = hash32(s, 0x5bd1e995);
  const b = hash32(s, 0x27d4eb2f);
  return a.toString(16).padStart(8, "0") + b.toString(16).padStart(8, "0");
}
