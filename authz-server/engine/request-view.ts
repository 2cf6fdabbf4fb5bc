// A lazy view of one request: the path without its query and the parsed credential are worked
// out on first use and then reused by every matcher and fault that asks.

import type { BoundedCache } from "./bounded-cache.ts";
import { type ParsedAuthorization, parseAuthorization } from "./token.ts";
import type { CheckAttributes } from "./types.ts";

/** The path without query string or fragment. */
export function pathWithoutQuery(path: string): string {
  const q = path.search(/[?#]/);
  return q === -1 ? path : path.slice(0, q);
}

export class RequestView {
  readonly attrs: CheckAttributes;
  readonly #cache: BoundedCache<ParsedAuthorization> | undefined;
  #path: string | undefined;
  #auth: ParsedAuthorization | undefined;
  #form: URLSearchParams | null | undefined;

  constructor(attrs: CheckAttributes, cache?: BoundedCache<ParsedAuthorization>) {
    this.attrs = attrs;
    this.#cache = cache;
  }

  /** The path without query string or fragment. */
  get path(): string {
    this.#path ??= pathWithoutQuery(this.attrs.path);
    return this.#path;
  }

  /** The raw Authorization header value, if any. */
  get rawAuthorization(): string | undefined {
    return this.attrs.headers.authorization;
  }

  /** The parsed credential; shared through the cache, so read-only (faults copy before editing). */
  get authorization(): ParsedAuthorization {
    if (this.#auth === undefined) {
      const raw = this.attrs.headers.authorization;
      const cached = raw === undefined ? undefined : this.#cache?.get(raw);
      if (cached !== undefined) {
        this.#auth = cached;
      } else {
        this.#auth = parseAuthorization(raw);
        if (raw !== undefined) this.#cache?.set(raw, this.#auth);
      }
    }
    return this.#auth;
  }

  /**
   * A parameter of an application/x-www-form-urlencoded body (OAuth endpoints), or undefined when
   * there is no body or it is of another type.
   */
  formParam(name: string): string | undefined {
    if (this.#form === undefined) {
      const body = this.attrs.body;
      const type = (this.attrs.headers["content-type"] ?? "").toLowerCase();
      const isForm = type === "" || type.startsWith("application/x-www-form-urlencoded");
      this.#form = body !== undefined && isForm ? new URLSearchParams(body) : null;
    }
    return this.#form?.get(name) ?? undefined;
  }
}
