import { generateKeyPairSync } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLocalJWKSet, exportJWK, importSPKI, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createVonageRecordingFetcher, refuseVonageUrl, VONAGE_RECORDING_LIMITS } from '../../functions/adapters/vonage-recordings.ts';
import { RecordingRefused } from '../../functions/core/voice/ports.ts';
import { WORKER_TIMEOUT_SECONDS } from '../../functions/spec.ts';

const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const PRIVATE_PEM = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const PUBLIC_PEM = publicKey.export({ type: 'spki', format: 'pem' }).toString();
const APP = 'aaaaaaaa-1111-4222-8333-444444444444';
const AUDIO = Buffer.from('ID3 fake mp3 bytes');
/** Vonage file ids are uuids; the fetcher only requests `/v1/files/<uuid>`. */
const F = {
  rec1: 'a0000000-0000-4000-8000-000000000001',
  rec2: 'a0000000-0000-4000-8000-000000000002',
  rec3: 'a0000000-0000-4000-8000-000000000003',
  big: 'b0000000-0000-4000-8000-00000000000b',
  gone: 'c0000000-0000-4000-8000-00000000000c',
  busy: 'd0000000-0000-4000-8000-00000000000d',
  redirect: 'e0000000-0000-4000-8000-00000000000e',
  transcript: 'f0000000-0000-4000-8000-00000000000f',
  notJson: 'f0000000-0000-4000-8000-000000000010',
  endless: 'f0000000-0000-4000-8000-000000000011',
};
const TRANSCRIPT = { channels: [{ transcript: [{ sentence: 'Hello.' }, { sentence: 'Call me back.' }] }] };

/** A stand-in for Vonage's file API: serves /v1/files/<id>, records every request it gets. */
let server: Server;
let base = '';
const seen: Array<{ url: string; authorization: string | undefined }> = [];
beforeAll(async () => {
  server = createServer((req: IncomingMessage, res) => {
    seen.push({ url: req.url ?? '', authorization: req.headers.authorization });
    if (req.url === `/v1/files/${F.redirect}`) {
      res.writeHead(302, { location: `/v1/files/${F.rec1}` }).end();
      return;
    }
    if (req.url === `/v1/files/${F.transcript}`) {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(TRANSCRIPT));
      return;
    }
    if (req.url === `/v1/files/${F.notJson}`) {
      res.writeHead(200, { 'content-type': 'application/json' }).end('<html>');
      return;
    }
    if (req.url === `/v1/files/${F.endless}`) {
      // No Content-Length, and it never ends: only a cap counted while reading stops it.
      res.writeHead(200, { 'content-type': 'application/json' });
      const chunk = Buffer.alloc(64 * 1024, 0x20);
      const pump = () => {
        while (!res.destroyed && res.write(chunk));
        if (!res.destroyed) res.once('drain', pump);
      };
      res.on('close', () => res.removeAllListeners('drain'));
      pump();
      return;
    }
    if (req.url === `/v1/files/${F.big}`) {
      res.writeHead(200, { 'content-type': 'audio/mpeg' });
      res.end(Buffer.alloc(2048));
      return;
    }
    if (req.url === `/v1/files/${F.gone}`) {
      res.writeHead(404).end();
      return;
    }
    if (req.url === `/v1/files/${F.busy}`) {
      res.writeHead(503).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'audio/mpeg' });
    res.end(AUDIO);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

const fetcher = (extra: Partial<Parameters<typeof createVonageRecordingFetcher>[0]> = {}) =>
  createVonageRecordingFetcher({ applicationId: APP, privateKey: PRIVATE_PEM, apiBaseUrl: base, ...extra });

async function refusal(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    if (e instanceof RecordingRefused) return e.reason;
    throw e;
  }
  throw new Error('expected a refusal');
}

describe('Vonage recording downloads', () => {
  it('fetches with an RS256 JWT that verifies with the application public key and carries the right claims', async () => {
    seen.length = 0;
    const now = new Date();
    const rec = await fetcher({ now: () => now }).fetch(`${base}/v1/files/${F.rec1}`);
    expect(Buffer.from(rec.bytes)).toEqual(AUDIO);
    expect(rec.contentType).toBe('audio/mpeg');
    expect(seen).toHaveLength(1);
    const token = seen[0]!.authorization!.replace(/^Bearer /, '');
    const { payload, protectedHeader } = await jwtVerify(token, await importSPKI(PUBLIC_PEM, 'RS256'), { algorithms: ['RS256'], currentDate: now });
    expect(protectedHeader.alg).toBe('RS256');
    expect(payload.application_id).toBe(APP);
    // Files only: a leaked download token cannot read call logs or control calls.
    expect(payload['acl']).toEqual({ paths: { '/*/files/**': {} } });
    expect(typeof payload.jti).toBe('string');
    expect(payload.iat).toBe(Math.floor(now.getTime() / 1000));
    expect(payload.exp! - payload.iat!).toBeLessThanOrEqual(60);
    // Another key does not verify it (the test would catch a token signed with anything else).
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey;
    await expect(jwtVerify(token, createLocalJWKSet({ keys: [{ ...(await exportJWK(other)), alg: 'RS256' }] }))).rejects.toThrow();
  });

  it('accepts a private key given with \\n escapes (an env var on one line)', async () => {
    const rec = await fetcher({ privateKey: PRIVATE_PEM.replaceAll('\n', '\\n') }).fetch(`${base}/v1/files/${F.rec2}`);
    expect(Buffer.from(rec.bytes)).toEqual(AUDIO);
  });

  it('refuses a foreign host, plain http to a Vonage host, credentials in the URL, and junk, without any request', async () => {
    seen.length = 0;
    const calls: string[] = [];
    const spy = (async (url: string | URL | Request) => {
      calls.push(String(url));
      throw new Error('must not be called');
    }) as typeof fetch;
    const f = fetcher({ fetch: spy });
    expect(await refusal(f.fetch('https://evil.example/v1/files/x'))).toBe('foreign_host');
    expect(await refusal(f.fetch('https://api.nexmo.com.evil.example/v1/files/x'))).toBe('foreign_host');
    expect(await refusal(f.fetch('http://api.nexmo.com/v1/files/x'))).toBe('foreign_host');
    expect(await refusal(f.fetch('https://api.nexmo.com:8443/v1/files/x'))).toBe('foreign_host');
    expect(await refusal(f.fetch(`http://127.0.0.2:${new URL(base).port}/v1/files/x`))).toBe('foreign_host');
    expect(await refusal(f.fetch('https://user:pw@api.nexmo.com/v1/files/x'))).toBe('bad_url');
    expect(await refusal(f.fetch('not a url'))).toBe('bad_url');
    expect(calls).toEqual([]);
    expect(seen).toEqual([]);
  });

  it('allows every Vonage API host over https', () => {
    for (const h of ['api.nexmo.com', 'api-us.nexmo.com', 'api-eu.nexmo.com', 'api-ap.nexmo.com', 'api-us-3.vonage.com', 'api-eu-4.vonage.com', 'API-AP-4.VONAGE.COM']) {
      expect(refuseVonageUrl(`https://${h}/v1/files/${F.rec1}`, 'https://api.nexmo.com')).toBeUndefined();
    }
  });

  it('only a file path (/v1/files/<uuid>) is fetched, on Vonage hosts and on the local base URL alike; nothing else is requested', async () => {
    seen.length = 0;
    const paths = ['/v1/calls?page_size=100', '/v1/calls', `/v1/files/${F.rec1}/..%2F..%2Fcalls`, `/v1/files/${F.rec1}/x`, '/v1/files/rec-1', '/v2/files/' + F.rec1, '/', `/v1/files/${F.rec1}x`];
    for (const p of paths) {
      expect(refuseVonageUrl(`https://api.nexmo.com${p}`, 'https://api.nexmo.com'), p).toBe('bad_url');
      expect(await refusal(fetcher().fetch(`${base}${p}`)), p).toBe('bad_url');
    }
    expect(seen).toEqual([]);
    expect(refuseVonageUrl(`https://api-eu.nexmo.com/v1/files/${F.rec1}`, 'https://api.nexmo.com')).toBeUndefined();
    expect(refuseVonageUrl(`${base}/v1/files/${F.rec1}`, base)).toBeUndefined();
  });

  it('tricky spellings of a Vonage host are refused (SOUND)', () => {
    for (const u of [
      'https://api.nexmo.com.evil.com/v1/files/x',
      'http://api.nexmo.com/v1/files/x',
      'https://api.nexmo.com:8443/v1/files/x',
      'https://user:pw@api.nexmo.com/v1/files/x',
      'https://api.nexmo.com@evil.com/v1/files/x',
      'https://evil.com\\@api.nexmo.com/',
      'https://[::1]/v1/files/x',
      'https://169.254.169.254/latest/meta-data',
      'https://api.nexmo.com./v1/files/x',
      'https://evilapi.nexmo.com/x',
      'file:///etc/passwd',
      'not a url',
    ]) expect(refuseVonageUrl(u, 'https://api.nexmo.com'), u).toBeDefined();
    expect(refuseVonageUrl(`https://API-US.nexmo.com:443/v1/files/${F.rec1}`, 'https://api.nexmo.com')).toBeUndefined();
  });

  it('a redirect is refused for good (bad_url, not retried) and its target is never requested', async () => {
    seen.length = 0;
    expect(await refusal(fetcher().fetch(`${base}/v1/files/${F.redirect}`))).toBe('bad_url');
    expect(seen.map((r) => r.url)).toEqual([`/v1/files/${F.redirect}`]);
  });

  it('every download is bounded well inside the worker (downloads never run in a webhook request)', () => {
    expect(VONAGE_RECORDING_LIMITS.timeoutMs).toBeLessThan(WORKER_TIMEOUT_SECONDS * 1000);
    expect(VONAGE_RECORDING_LIMITS.transcriptTimeoutMs).toBeLessThan(WORKER_TIMEOUT_SECONDS * 1000);
  });

  it('caps the size (refused for good), maps 404 to not_found, and leaves 5xx retryable', async () => {
    expect(await refusal(fetcher({ limits: { maxBytes: 1024 } }).fetch(`${base}/v1/files/${F.big}`))).toBe('too_large');
    expect(await refusal(fetcher().fetch(`${base}/v1/files/${F.gone}`))).toBe('not_found');
    await expect(fetcher().fetch(`${base}/v1/files/${F.busy}`)).rejects.toThrow(/503/);
  });

  it('without the application id or key, or with a key that is no RSA PEM: not_configured (final), and nothing is requested', async () => {
    seen.length = 0;
    expect(await refusal(fetcher({ privateKey: undefined }).fetch(`${base}/v1/files/${F.rec1}`))).toBe('not_configured');
    expect(await refusal(fetcher({ applicationId: undefined }).fetch(`${base}/v1/files/${F.rec1}`))).toBe('not_configured');
    expect(await refusal(fetcher({ privateKey: '-----BEGIN PRIVATE KEY-----\nnot a key\n-----END PRIVATE KEY-----' }).fetch(`${base}/v1/files/${F.rec1}`))).toBe('not_configured');
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    expect(await refusal(fetcher({ privateKey: ec }).fetch(`${base}/v1/files/${F.rec1}`))).toBe('not_configured');
    expect(seen).toEqual([]);
  });

  it('transcripts: the spoken text; capped at 1 MB while streaming (an endless body is cut off), not JSON is unreadable', async () => {
    expect(await fetcher().transcript(`${base}/v1/files/${F.transcript}`)).toBe('Hello. Call me back.');
    expect(VONAGE_RECORDING_LIMITS.maxTranscriptBytes).toBe(1_000_000);
    expect(await refusal(fetcher().transcript(`${base}/v1/files/${F.endless}`))).toBe('too_large');
    expect(await refusal(fetcher().transcript(`${base}/v1/files/${F.notJson}`))).toBe('unreadable');
    // A 5 MiB file with no Content-Length is refused without being read whole (the recording cap is 25 MiB).
    let read = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(c) {
        if (read >= 5 * 1024 * 1024) return c.close();
        read += 64 * 1024;
        c.enqueue(new Uint8Array(64 * 1024));
      },
    });
    const f = fetcher({ fetch: (async () => new Response(body, { status: 200, headers: { 'content-type': 'application/json' } })) as typeof fetch });
    expect(await refusal(f.transcript(`https://api.nexmo.com/v1/files/${F.transcript}`))).toBe('too_large');
    expect(read).toBeLessThan(2 * 1024 * 1024);
    expect(await refusal(fetcher().transcript(`${base}/v1/calls`))).toBe('bad_url');
  });

  it('accepts a PKCS#1 RSA key too', async () => {
    const pkcs1 = privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
    expect(Buffer.from((await fetcher({ privateKey: pkcs1 }).fetch(`${base}/v1/files/${F.rec3}`)).bytes)).toEqual(AUDIO);
  });
});
