import { readFileSync } from 'node:fs';
import { buildConfig, type Config } from '../../functions/config.ts';
import type { HttpRequest } from '../../functions/http.ts';

export const fixtureBytes = (path: string): Buffer => readFileSync(new URL(`../fixtures/${path}`, import.meta.url));
export const fixtureText = (path: string): string => fixtureBytes(path).toString('utf8');
export const fixtureJson = <T = any>(path: string): T => JSON.parse(fixtureText(path)) as T;

export const testConfig = (env: Record<string, string> = {}): Config =>
  buildConfig({ STAGE: 'local', FOLLOWUP_QUEUE_URL: 'http://localhost:1/q/f', INGEST_QUEUE_URL: 'http://localhost:1/q/i', ...env });

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
