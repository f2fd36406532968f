import { readFileSync } from 'node:fs';
import { buildConfig, type Config } from '../../functions/config.ts';
import type { HttpRequest } from '../../functions/http.ts';
import { defaultFollowUps } from '../../functions/core/follow-ups/settings.ts';
import type { CoreSettings } from '../../functions/core/ports.ts';
import { defaultPolicies } from '../../functions/core/sla-policy.ts';

export const fixtureBytes = (path: string): Buffer => readFileSync(new URL(`../fixtures/${path}`, import.meta.url));
export const fixtureText = (path: string): string => fixtureBytes(path).toString('utf8');
export const fixtureJson = <T = any>(path: string): T => JSON.parse(fixtureText(path)) as T;

export const testConfig = (env: Record<string, string> = {}): Config =>
  buildConfig({ STAGE: 'local', FOLLOWUP_QUEUE_URL: 'http://localhost:1/q/f', INGEST_QUEUE_URL: 'http://localhost:1/q/i', ...env });

/** Core settings for unit tests: the default SLA policies (1 h, email 4 h), no acknowledgement. */
export const coreSettings = (over: Partial<CoreSettings> = {}): CoreSettings => ({
  sla: { policies: defaultPolicies({ sms: 3600, whatsapp: 3600, email: 14400, messenger: 3600, instagram: 3600, telegram: 3600, x: 3600, viber: 3600, api: 3600, voice: 3600 }), calendars: {} },
  autoAck: { enabled: false, text: '' },
  automationRateLimitPerHour: 5,
  dedupeTtlDays: 14,
  cursorKey: 'test-cursor-key',
  followUps: defaultFollowUps(),
  ...over,
});

export function request(method: string, path: string, body: string | Buffer, headers: Record<string, string> = {}, rawQuery = ''): HttpRequest {
  return {
    method,
    path,
    rawQuery,
    headers: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v])),
    body: Buffer.isBuffer(body) ? body : Buffer.from(body, 'utf8'),
    pathParams: {},
    query: new URLSearchParams(rawQuery),
    requestId: 'test',
  };
}

/** Run a channel module and return what it threw, for assertions on 4xx errors. */
export function thrown(fn: () => unknown): any {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw new Error('expected a throw');
}

/** A raw HTTP capture (status line, headers, blank line, body) -> its headers and body bytes. */
export function httpCapture(path: string): { headers: Record<string, string>; body: Buffer } {
  const raw = fixtureBytes(path);
  const sep = raw.indexOf('\r\n\r\n') >= 0 ? raw.indexOf('\r\n\r\n') : raw.indexOf('\n\n');
  const sepLen = raw.indexOf('\r\n\r\n') >= 0 ? 4 : 2;
  const head = raw.subarray(0, sep).toString('utf8').split(/\r?\n/).slice(1);
  const headers: Record<string, string> = {};
  for (const line of head) {
    const i = line.indexOf(':');
    if (i > 0) headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
  }
  return { headers, body: raw.subarray(sep + sepLen) };
}

export interface FakeIo {
  fetchText(url: string): Promise<string>;
  getObject(bucket: string, key: string): Promise<Buffer>;
  claimNonce(scope: string, value: string, ttl: number, binding: string): Promise<boolean>;
  fetched: string[];
}

/** In-memory ChannelIO: serves the given certificates and objects, remembers nonces. */
export function fakeIo(opts: { certs?: Record<string, string>; objects?: Record<string, Buffer> } = {}): FakeIo {
  const nonces = new Map<string, string>();
  const fetched: string[] = [];
  return {
    fetched,
    async fetchText(url) {
      fetched.push(url);
      if (opts.certs?.[url]) return opts.certs[url]!;
      if (url.includes('Action=ConfirmSubscription')) return '<ConfirmSubscriptionResponse/>';
      throw new Error(`no fake for ${url}`);
    },
    async getObject(bucket, key) {
      const o = opts.objects?.[`${bucket}/${key}`];
      if (!o) throw new Error(`no object ${bucket}/${key}`);
      return o;
    },
    async claimNonce(scope, value, _ttl, binding) {
      const k = `${scope}#${value}`;
      const prev = nonces.get(k);
      if (prev !== undefined && prev !== binding) return false;
      nonces.set(k, binding);
      return true;
    },
  };
}
