/**
 * POSTs one webhook with node:http(s), connecting only to the addresses the SSRF check approved
 * (a custom `lookup` answers with them, so no second DNS answer can point elsewhere; SNI and Host
 * stay the URL's host name). Bounded: one timeout for the whole attempt, at most 4 KiB of the answer
 * read, no redirects followed (a 3xx is a failed attempt).
 */
import { lookup as dnsLookup } from 'node:dns/promises';
import type { IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import type { PostResult, WebhookPoster } from '../core/events-out/types.ts';

const MAX_READ = 4096;

/**
 * node:http taken as the CommonJS module, not imported as ESM: on Node 24 building node:http's ESM
 * namespace reads every export, and its lazy WebSocket/undici getters load undici, ~25 ms at every
 * cold start of each function that imports this file (api, dispatcher, delivery; `bench/bundles.ts`).
 */
const httpRequest = process.getBuiltinModule('node:http').request;

/** Every address of a host (A and AAAA). */
export const resolveAll = async (host: string): Promise<readonly string[]> => (await dnsLookup(host, { all: true, verbatim: true })).map((a) => a.address);

const pinned = (addresses: readonly string[]): LookupFunction => (_host, options, cb) => {
  const all = addresses.map((a) => ({ address: a, family: isIP(a) }));
  if ((options as { all?: boolean }).all) (cb as unknown as (e: null, a: typeof all) => void)(null, all);
  else cb(null, all[0]!.address, all[0]!.family);
};

export class NodeWebhookPoster implements WebhookPoster {
  post(url: URL, addresses: readonly string[], headers: Readonly<Record<string, string>>, body: string, timeoutMs: number): Promise<PostResult> {
    const started = performance.now();
    const latency = () => performance.now() - started;
    return new Promise<PostResult>((resolve) => {
      let settled = false;
      const done = (r: PostResult) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(r);
      };
      const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
      const req = send(
        url,
        {
          method: 'POST',
          headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
          ...(addresses.length ? { lookup: pinned(addresses) } : {}),
          agent: false,
        },
        (res: IncomingMessage) => {
          const chunks: Buffer[] = [];
          let size = 0;
          const finish = () =>
            done({
              ok: true,
              status: res.statusCode ?? 0,
              ...(typeof res.headers['retry-after'] === 'string' ? { retryAfter: res.headers['retry-after'] } : {}),
              excerpt: Buffer.concat(chunks).toString('utf8').slice(0, 256),
              latencyMs: latency(),
            });
          res.on('data', (c: Buffer) => {
            if (size < MAX_READ) chunks.push(c.subarray(0, MAX_READ - size));
            size += c.length;
            if (size >= MAX_READ) {
              finish();
              res.destroy();
            }
          });
          res.on('end', finish);
          res.on('error', finish);
        },
      );
      const timer = setTimeout(() => {
        done({ ok: false, error: `timed out after ${timeoutMs} ms`, latencyMs: latency() });
        req.destroy();
      }, timeoutMs);
      req.on('error', (e) => done({ ok: false, error: e.message.slice(0, 200), latencyMs: latency() }));
      req.end(body);
    });
  }
}
