/**
 * "Kill the store mid-burst": the stack reaches DynamoDB Local through a proxy this test cuts for
 * ten seconds. Webhooks keep answering 200 (their messages parked), and once the store is back
 * every message is stored within 30 s, exactly once.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { api, sendSms, startTestStack, uniquePhone, type TestStack } from '../helpers/stack.ts';

/**
 * A TCP proxy to DynamoDB Local that can drop every connection (the store "dies": each call fails at
 * once) and come back. It keeps its port while down, so nothing else can take it meanwhile.
 */
class StoreProxy {
  #server: Server | undefined;
  #alive = true;
  readonly #sockets = new Set<Socket>();
  readonly #target: URL;
  constructor(target: string) {
    this.#target = new URL(target);
  }
  async start(): Promise<void> {
    this.#server = createServer((client) => {
      client.on('error', () => undefined);
      if (!this.#alive) return void client.destroy();
      const upstream = connect(Number(this.#target.port), this.#target.hostname);
      for (const s of [client, upstream]) {
        this.#sockets.add(s);
        s.on('error', () => undefined);
        s.on('close', () => this.#sockets.delete(s));
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((r) => this.#server!.listen(0, '127.0.0.1', () => r()));
  }
  down(): void {
    this.#alive = false;
    for (const s of this.#sockets) s.destroy();
  }
  up(): void {
    this.#alive = true;
  }
  async stop(): Promise<void> {
    this.down();
    await new Promise<void>((r) => (this.#server ? this.#server.close(() => r()) : r()));
  }
  get url(): string {
    return `http://127.0.0.1:${(this.#server!.address() as AddressInfo).port}`;
  }
}

let stack: TestStack;
let proxy: StoreProxy;
beforeAll(async () => {
  proxy = new StoreProxy(inject('engines').dynamoEndpoint);
  await proxy.start();
  stack = await startTestStack({ AUTO_ACK_ENABLED: 'false' }, { dynamoEndpoint: proxy.url });
});
afterAll(async () => {
  proxy?.up();
  await stack?.stop();
  await proxy?.stop();
});

describe('the store dies mid-burst', () => {
  it('every webhook is answered 200 during the outage, and everything is stored within 30 s of the store coming back', async () => {
    const senders = Array.from({ length: 30 }, () => uniquePhone());
    const before = senders.slice(0, 10);
    const during = senders.slice(10);
    for (const from of before) expect((await sendSms(stack, { from, body: 'before' })).status).toBe(200);

    proxy.down();
    const outageStart = Date.now();
    const answers = await Promise.all(during.map((from) => sendSms(stack, { from, body: 'during the outage' }).then((r) => r.status)));
    expect(answers.every((s) => s === 200)).toBe(true); // parked, not refused
    const parked = stack.metrics.events.filter((e) => e.name === 'IngestParked').length;
    expect(parked).toBeGreaterThanOrEqual(during.length);
    await new Promise((r) => setTimeout(r, Math.max(0, 10_000 - (Date.now() - outageStart))));

    proxy.up();
    const back = Date.now();
    const want = new Set(senders);
    let stored = new Set<string>();
    while (Date.now() - back < 30_000) {
      const r = await api(stack, 'GET', '/v1/tickets?limit=100');
      if (r.status === 200) stored = new Set((r.json.tickets as Array<Record<string, string>>).map((t) => t['customerAddress']!).filter((a) => want.has(a)));
      if (stored.size === want.size) break;
      await new Promise((res) => setTimeout(res, 500));
    }
    const recoverySeconds = (Date.now() - back) / 1000;
    expect(stored.size, `stored ${stored.size} of ${want.size} after ${recoverySeconds} s`).toBe(want.size);
    expect(recoverySeconds).toBeLessThan(30);
    // Exactly once: one ticket per sender, one inbound message each.
    const r = await api(stack, 'GET', '/v1/tickets?limit=100');
    const mine = (r.json.tickets as Array<Record<string, any>>).filter((t) => want.has(t['customerAddress']));
    expect(mine).toHaveLength(want.size);
    expect(mine.every((t) => t['messageCount'] === 1)).toBe(true);
  }, 90_000);
});
