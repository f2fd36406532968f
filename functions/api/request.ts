/** Request parsing shared by every REST route: zod validation, JSON bodies, If-Match, ETags. */
import * as z from 'zod';
import { ClientError } from '../core/errors.ts';
import type { HttpRequest } from '../http.ts';

/** Ticket and contact ids are ULIDs. */
export const ULID = /^[0-9A-HJKMNP-TV-Z]{26}$/;

/** Text from a client, repaired on write: lone surrogates become U+FFFD, control characters (but tab and newlines) go. */
export const cleanText = (s: string) => s.toWellFormed().replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g, '');

const issues = (e: z.ZodError) => e.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));

export function parse<T extends z.ZodType>(schema: T, value: unknown, code: string, what: string): z.infer<T> {
  const r = schema.safeParse(value);
  if (!r.success) throw new ClientError(400, code, `${what} is not valid.`, issues(r.error));
  return r.data;
}

/** The query string as an object; a repeated parameter is a 400 (it would otherwise be silently dropped). */
export function queryObject(req: HttpRequest): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of req.query) {
    if (k in out) throw new ClientError(400, 'invalid_query', `The query parameter "${k.slice(0, 64)}" is given more than once; use a comma list where one is allowed.`);
    out[k] = v;
  }
  return out;
}

export function jsonBody(req: HttpRequest): unknown {
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/json') throw new ClientError(415, 'unsupported_media_type', 'Send the body as application/json.');
  try {
    return JSON.parse(req.body.toString('utf8'));
  } catch {
    throw new ClientError(400, 'invalid_json', 'The body is not valid JSON.');
  }
}

/** The version a write is conditional on (`If-Match: "3"`, weak tags accepted), if any. */
export function ifMatchVersion(req: HttpRequest): number | undefined {
  const ifMatch = req.headers['if-match'];
  if (ifMatch === undefined) return undefined;
  const version = Number(ifMatch.trim().replace(/^W\//, '').replaceAll('"', ''));
  if (!Number.isInteger(version) || version < 1) throw new ClientError(400, 'invalid_if_match', 'If-Match must be the version as its ETag gives it, e.g. "3".');
  return version;
}

/** A version as an entity tag, for If-Match on the next write. */
export const etag = (version: number) => ({ etag: `"${version}"` });

/** A path id that must be a ULID; anything else is a 404 for that kind of thing. */
export function idParam(params: Readonly<Record<string, string | undefined>>, what: 'ticket' | 'contact'): string {
  const id = params['id'] ?? '';
  if (!ULID.test(id)) throw new ClientError(404, 'not_found', `No ${what} with id "${id.slice(0, 64)}".`);
  return id;
}
