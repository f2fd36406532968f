/** The local gateway's throttling: a token bucket per route key with the deployed rate and burst. */
import { describe, expect, it } from 'vitest';
import { RouteThrottle, throttledResponse, TokenBucket } from '../../bin/local-throttle.ts';
import { DEFAULT_THROTTLE } from '../../lib/throttle.ts';

const takeN = (b: { take: (now: number) => { ok: boolean } }, n: number, now: number) => Array.from({ length: n }, () => b.take(now).ok);

describe('TokenBucket', () => {
  it('allows a burst, then refuses with the whole seconds until a token is back', () => {
    const b = new TokenBucket({ rateLimit: 2, burstLimit: 3 }, 0);
    expect(takeN(b, 3, 0)).toEqual([true, true, true]);
    expect(b.take(0)).toEqual({ ok: false, retryAfterSeconds: 1 });
    // half a second later one token (rate 2/s) is back, and only one
    expect(takeN(b, 2, 500)).toEqual([true, false]);
  });

  it('refills at the rate up to the burst, never beyond', () => {
    const b = new TokenBucket({ rateLimit: 10, burstLimit: 5 }, 0);
    takeN(b, 5, 0);
    expect(takeN(b, 6, 60_000)).toEqual([true, true, true, true, true, false]);
  });

  it('a slow rate gives a long Retry-After', () => {
    const b = new TokenBucket({ rateLimit: 0.1, burstLimit: 1 }, 0);
    expect(b.take(0).ok).toBe(true);
    expect(b.take(0)).toEqual({ ok: false, retryAfterSeconds: 10 });
    expect(b.take(4_000)).toEqual({ ok: false, retryAfterSeconds: 6 });
  });

  it('a clock stepping back refills nothing', () => {
    const b = new TokenBucket({ rateLimit: 1, burstLimit: 1 }, 10_000);
    expect(b.take(10_000).ok).toBe(true);
    expect(b.take(0).ok).toBe(false);
    expect(b.take(10_500).ok).toBe(false);
    expect(b.take(11_000).ok).toBe(true);
  });

  it('refuses settings that could never admit a request', () => {
    expect(() => new TokenBucket({ rateLimit: 0, burstLimit: 1 }, 0)).toThrow(RangeError);
    expect(() => new TokenBucket({ rateLimit: 1, burstLimit: 0 }, 0)).toThrow(RangeError);
  });
});

describe('RouteThrottle', () => {
  it('gives each route key its own bucket with its function’s limits, and $default the API’s', () => {
    const now = 0;
    const t = new RouteThrottle(DEFAULT_THROTTLE, () => now);
    const burst = (key: string) => {
      let n = 0;
      while (t.take(key).ok) n++;
      return n;
    };
    expect(burst('GET /v1/tickets')).toBe(DEFAULT_THROTTLE.api.burstLimit);
    expect(burst('GET /v1/tickets/{id}')).toBe(DEFAULT_THROTTLE.api.burstLimit); // not used up by the list
    expect(burst('POST /webhooks/twilio')).toBe(DEFAULT_THROTTLE.webhook.burstLimit);
    expect(burst('$default')).toBe(DEFAULT_THROTTLE.api.burstLimit);
    expect(t.take('GET /nowhere').ok).toBe(false); // an unknown key is the $default route
  });

  it('answers 429 in the API’s error shape with Retry-After', () => {
    const r = throttledResponse('GET /v1/tickets', 3);
    expect(r.statusCode).toBe(429);
    expect(r.headers['retry-after']).toBe('3');
    expect(JSON.parse(r.body)).toEqual({ error: { code: 'throttled', message: 'Too many requests to GET /v1/tickets; retry after 3 s.', details: { retryAfterSeconds: 3 } } });
  });
});
