// Signing keys for the `rotate` fault, generated at start-up. The private halves live only in a
// module-private WeakMap: the SigningKeys object itself holds nothing but key ids and public
// JWKs, so logging or serialising it can never leak a private key.

import {
  constants,
  createHmac,
  createSecretKey,
  generateKeyPair,
  type KeyObject,
  randomBytes,
  sign,
} from "node:crypto";
import { promisify } from "node:util";

export type KeyFamily = "rsa" | "ec" | "ed25519" | "hmac";

/** A public key in JWK form, as published in a key set. */
export interface PublicJwk {
  kty: string;
  kid: string;
  use: "sig";
  alg?: string;
  n?: string;
  e?: string;
  crv?: string;
  x?: string;
  y?: string;
}

export interface SigningKeys {
  /** Key id per family; a re-signed token carries the one of its family in its header. */
  readonly kids: Readonly<Record<KeyFamily, string>>;
  /** Public keys (RSA, EC P-256, Ed25519). The HMAC secret has no public form. */
  readonly publicJwks: readonly Readonly<PublicJwk>[];
}

const privateKeys = new WeakMap<SigningKeys, Readonly<Record<KeyFamily, KeyObject>>>();

const generate = promisify(generateKeyPair);

function randomKid(): string {
  return randomBytes(16).toString("base64url");
}

function publicJwk(key: KeyObject, kid: string, alg: string | undefined): PublicJwk {
  const jwk = key.export({ format: "jwk" });
  const out: PublicJwk = { kty: String(jwk.kty), kid, use: "sig" };
  // RSA keys serve RS* and PS* alike, so they carry no alg (validators then accept either).
  if (alg !== undefined) out.alg = alg;
  for (const field of ["n", "e", "crv", "x", "y"] as const) {
    const v = jwk[field];
    if (typeof v === "string") out[field] = v;
  }
  return out;
}

/** Generates fresh RSA-2048, EC P-256 and Ed25519 key pairs and an HMAC secret, with random kids. */
export async function createSigningKeys(): Promise<SigningKeys> {
  const [rsa, ec, ed] = await Promise.all([
    generate("rsa", { modulusLength: 2048 }),
    generate("ec", { namedCurve: "P-256" }),
    generate("ed25519"),
  ]);
  const hmac = createSecretKey(randomBytes(64));
  const kids = Object.freeze({
    rsa: randomKid(),
    ec: randomKid(),
    ed25519: randomKid(),
    hmac: randomKid(),
  });
  const keys: SigningKeys = Object.freeze({
    kids,
    publicJwks: Object.freeze([
      Object.freeze(publicJwk(rsa.publicKey, kids.rsa, undefined)),
      Object.freeze(publicJwk(ec.publicKey, kids.ec, "ES256")),
      Object.freeze(publicJwk(ed.publicKey, kids.ed25519, "EdDSA")),
    ]),
  });
  privateKeys.set(
    keys,
    Object.freeze({
      rsa: rsa.privateKey,
      ec: ec.privateKey,
      ed25519: ed.privateKey,
      hmac,
    }),
  );
  return keys;
}

const HASH_BY_SUFFIX: Record<string, string> = {
  "256": "sha256",
  "384": "sha384",
  "512": "sha512",
};
const HASH_BYTES: Record<string, number> = { sha256: 32, sha384: 48, sha512: 64 };

/** The key family that signs a given JWS `alg`, or undefined when the engine cannot sign it. */
export function familyOf(alg: string): KeyFamily | undefined {
  if (/^(RS|PS)(256|384|512)$/.test(alg)) return "rsa";
  if (alg === "ES256") return "ec";
  if (alg === "EdDSA" || alg === "Ed25519") return "ed25519";
  if (/^HS(256|384|512)$/.test(alg)) return "hmac";
  return undefined;
}

/**
 * Signs a JWS signing input (`header.payload`) with the engine's key for `alg`; returns the
 * base64url signature, or undefined when the algorithm is not one the engine signs.
 */
export function signJws(keys: SigningKeys, alg: string, signingInput: string): string | undefined {
  const material = privateKeys.get(keys);
  const family = familyOf(alg);
  if (material === undefined || family === undefined) return undefined;
  const data = Buffer.from(signingInput, "ascii");
  const hash = HASH_BY_SUFFIX[alg.slice(2)] ?? "sha256";
  switch (family) {
    case "rsa":
      if (alg.startsWith("PS")) {
        return sign(hash, data, {
          key: material.rsa,
          padding: constants.RSA_PKCS1_PSS_PADDING,
          saltLength: HASH_BYTES[hash],
        }).toString("base64url");
      }
      return sign(hash, data, material.rsa).toString("base64url");
    case "ec":
      return sign("sha256", data, { key: material.ec, dsaEncoding: "ieee-p1363" }).toString(
        "base64url",
      );
    case "ed25519":
      return sign(null, data, material.ed25519).toString("base64url");
    case "hmac":
      return createHmac(hash, material.hmac).update(data).digest("base64url");
  }
}
