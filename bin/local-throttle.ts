/**
 * The local gateway's throttling: a token bucket per route key with the rate and burst CDK deploys
 * (lib/throttle.ts), like API Gateway's route settings, so clients can be tried against 429s
 * locally. A throttled request gets `429` with `Retry-After` (whole seconds until a token is back)
 * and the API's JSON error shape. The deployed gateway answers its own 429 instead (see README).
 */
import { ROUTES, type FunctionName } from '../functions/spec.ts';
import { DEFAULT_THROTTLE, type ThrottleSettings } from '../lib/throttle.ts';

export type Take = { readonly ok: true } | { readonly ok: false; readonly retryAfterSeconds: number };

/** `burst` tokens at most, refilled at `rate` per second; each request takes one. */
export class TokenBucket {
  readonly #rate: number;
  readonly #burst: number;
  #tokens: number;
  #last: number;

  constructor(s: ThrottleSettings, nowMs: number) {
    if (!(s.rateLimit > 0) || !(s.burstLimit >= 1)) throw new RangeError('a token bucket needs rate > 0 and burst >= 1');
    this.#rate = s.rateLimit;
    this.#burst = s.burstLimit;
    this.#tokens = s.burstLimit;
    this.#last = nowMs;
  }

  take(nowMs: number): Take {
    // A clock that steps back refills nothing (and never drains).
    this.#tokens = Math.min(this.#burst, this.#tokens + (Math.max(0, nowMs - this.#last) / 1000) * this.#rate);
    this.#last = Math.max(this.#last, nowMs);
    if (this.#tokens >= 1) {
      this.#tokens -= 1;
      return { ok: true };
    }
    return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - this.#tokens) / this.#rate)) };
  }
}

/** One bucket per route key of functions/spec.ts, and one for `$default` (API limits), as lib/api.ts configures. */
export class RouteThrottle {
  readonly #buckets = new Map<string, TokenBucket>();
  readonly #now: () => number;

  constructor(limits: Readonly<Record<FunctionName, ThrottleSettings>> = DEFAULT_THROTTLE, now: () => number = Date.now) {
    this.#now = now;
    const t = now();
    for (const r of ROUTES) this.#buckets.set(`${r.method} ${r.path}`, new TokenBucket(limits[r.fn], t));
    this.#buckets.set('$default', new TokenBucket(limits.api, t));
  }

  /** Take a token for a route key (`$default` for anything no route matches). */
  take(routeKey: string): Take {
    return (this.#buckets.get(routeKey) ?? this.#buckets.get('$default')!).take(this.#now());
  }
}

/** The local 429: our JSON error shape, with Retry-After. */
export const throttledResponse = (routeKey: string, retryAfterSeconds: number) => ({
  statusCode: 429,
  headers: { 'content-type': 'application/json; charset=utf-8', 'retry-after': String(retryAfterSeconds) },
  body: JSON.stringify({
    error: {
      code: 'throttled',
      message: `Too many requests to ${routeKey}; retry after ${retryAfterSeconds} s.`,
      details: { retryAfterSeconds },
    },
  }),
});
