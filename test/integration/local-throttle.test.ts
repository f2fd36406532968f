/** The local gateway's per-route throttling over real HTTP: 429, Retry-After, the API's error shape; LOCAL_THROTTLE. */
import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { startLocalStack, type LocalStack } from '../../bin/local-stack.ts';
import { LOCAL_DEFAULTS } from '../../functions/config.ts';

// One request a day after the burst: deterministic, whatever the machine's speed.
const LIMITS = { api: { rateLimit: 1 / 86_400, burstLimit: 2 }, webhook: { rateLimit: 1 / 86_400, burstLimit: 1 } };

let stack: LocalStack | undefined;
afterEach(async () => {
  await stack?.stop();
  stack = undefined;
});

const start = (env: Record<string, string>, throttle: boolean | typeof LIMITS) => {
  const id = randomBytes(4).toString('hex');
  return startLocalStack({ port: 0, engines: inject('engines'), tableName: `thr-${id}`, queuePrefix: `thr-${id}-`, bucket: `thr-${id}`, worker: false, env, throttle });
};
const get = async (path: string) => {
  const r = await fetch(`${stack!.url}${path}`, { headers: { authorization: `Bearer ${LOCAL_DEFAULTS.API_KEY}` } });
  return { status: r.status, retryAfter: r.headers.get('retry-after'), json: (await r.json()) as any };
};

describe('local throttling', () => {
  it('answers 429 with Retry-After in the API’s error shape once a route’s burst is spent; other routes keep theirs', async () => {
    stack = await start({}, LIMITS);
    expect((await get('/health')).status).toBe(200);
    expect((await get('/health')).status).toBe(200);
    const throttled = await get('/health');
    expect(throttled.status).toBe(429);
    expect(Number(throttled.retryAfter)).toBeGreaterThan(86_000);
    expect(throttled.json).toEqual({ error: { code: 'throttled', message: expect.stringContaining('GET /health'), details: { retryAfterSeconds: Number(throttled.retryAfter) } } });
    // its own bucket: the ticket list is not throttled by /health's
    expect((await get('/v1/tickets')).status).toBe(200);
    // unknown paths share the $default route's bucket
    expect((await get('/nowhere')).status).toBe(404);
    expect((await get('/nowhere/else')).status).toBe(404);
    expect((await get('/nowhere')).status).toBe(429);
  });

  it('LOCAL_THROTTLE=off turns it off whatever the stack was started with', async () => {
    stack = await start({ LOCAL_THROTTLE: 'off' }, LIMITS);
    for (let i = 0; i < 5; i++) expect((await get('/health')).status).toBe(200);
  });

  it('a bad LOCAL_THROTTLE stops the stack before it starts, naming the variable', async () => {
    await expect(start({ LOCAL_THROTTLE: 'yes' }, true)).rejects.toThrow(/LOCAL_THROTTLE/);
  });
});
