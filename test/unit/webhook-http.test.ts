/** The webhook poster (functions/adapters/webhook-http.ts) against a real local server: pinned addresses, bounded reads, timeouts. */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NodeWebhookPoster } from '../../functions/adapters/webhook-http.ts';

let server: Server;
let port = 0;
const seen: Array<{ host: string | undefined; path: string | undefined; body: string }> = [];
beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      seen.push({ host: req.headers.host, path: req.url, body: Buffer.concat(chunks).toString() });
      if (req.url === '/hang') return; // never answers
      if (req.url === '/big') return void res.writeHead(500).end('x'.repeat(100_000));
      res.writeHead(429, { 'retry-after': '30' }).end('slow down');
    });
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  port = (server.address() as AddressInfo).port;
});
afterAll(() => {
  server.closeAllConnections();
  server.close();
});

describe('NodeWebhookPoster', () => {
  const poster = new NodeWebhookPoster();
  it('connects to the checked address only (no DNS lookup of the name), keeping the Host header', async () => {
    const r = await poster.post(new URL(`http://receiver.invalid:${port}/hook`), ['127.0.0.1'], { 'content-type': 'application/json' }, '{"a":1}', 5000);
    expect(r).toMatchObject({ ok: true, status: 429, retryAfter: '30', excerpt: 'slow down' });
    expect(seen.at(-1)).toEqual({ host: `receiver.invalid:${port}`, path: '/hook', body: '{"a":1}' });
  });
  it('reads at most the excerpt of a large answer', async () => {
    const r = await poster.post(new URL(`http://127.0.0.1:${port}/big`), [], {}, '{}', 5000);
    expect(r.ok && r.status).toBe(500);
    expect(r.ok && r.excerpt.length).toBe(256);
  });
  it('gives up after the timeout with an error, not an exception', async () => {
    const r = await poster.post(new URL(`http://127.0.0.1:${port}/hang`), [], {}, '{}', 300);
    expect(r).toMatchObject({ ok: false, error: 'timed out after 300 ms' });
  });
  it('reports a refused connection as an error', async () => {
    const r = await poster.post(new URL('http://127.0.0.1:1/x'), [], {}, '{}', 2000);
    expect(r.ok).toBe(false);
  });
});
