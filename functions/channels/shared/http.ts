/** Request helpers shared by channel modules. */
import { ClientError } from '../../core/errors.ts';
import type { HttpRequest, HttpResponse } from '../../http.ts';

export const mediaType = (req: HttpRequest): string => (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();

export function requireMediaType(req: HttpRequest, allowed: readonly string[], provider: string): void {
  if (!allowed.includes(mediaType(req))) {
    throw new ClientError(415, 'unsupported_media_type', `${provider} webhooks must be ${allowed.join(' or ')}.`);
  }
}

export function parseJsonBody(req: HttpRequest): unknown {
  try {
    return JSON.parse(req.body.toString('utf8'));
  } catch {
    throw new ClientError(400, 'invalid_json', 'The body is not valid JSON.');
  }
}

export const forbidden = (code: string, message: string) => new ClientError(403, code, message);

export const ok = (body = '', contentType = 'text/plain; charset=utf-8'): HttpResponse => ({
  statusCode: 200,
  headers: { 'content-type': contentType },
  body,
});

export const okJson = (body: unknown = { ok: true }): HttpResponse => ok(JSON.stringify(body), 'application/json; charset=utf-8');

/** Unix seconds or milliseconds (number or string) -> ISO, or undefined when absent/invalid. */
export function isoFromEpoch(v: unknown, unit: 's' | 'ms'): string | undefined {
  const n = typeof v === 'string' ? Number(v) : typeof v === 'number' ? v : NaN;
  if (!Number.isFinite(n) || n <= 0) return undefined;
  const d = new Date(unit === 's' ? n * 1000 : n);
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
}

/** The issues of a failed zod parse, as error details. */
export const zodDetails = (issues: ReadonlyArray<{ path: PropertyKey[]; message: string }>) =>
  issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message }));

/** The public URL a provider called (and signed): the configured base URL plus path and query. */
export const signedUrl = (publicBaseUrl: string, req: Pick<HttpRequest, 'path' | 'rawQuery'>): string =>
  `${publicBaseUrl}${req.path}${req.rawQuery ? `?${req.rawQuery}` : ''}`;
