/**
 * Standard Webhooks (https://www.standardwebhooks.com/) signing and verification, hand-written
 * because it is small and on every delivery: `webhook-signature` is a space-separated list of
 * `v1,<base64 HMAC-SHA256(key, "<id>.<timestamp>.<body>")>`, the key being the base64 part of a
 * `whsec_…` secret. Several signatures are sent while a rotated secret is still valid. Tested
 * against the `standardwebhooks` package (test/unit/standard-webhooks.test.ts).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const SECRET_PREFIX = 'whsec_';
/** Seconds a timestamp may be off from now, either way, before verification refuses it. */
export const DEFAULT_TOLERANCE_SECONDS = 300;
/** Message ids we accept inbound: printable, no separators that would change the signed content. */
const MESSAGE_ID = /^[A-Za-z0-9_\-:]{1,128}$/;

/** A new secret: `whsec_` + base64 of 32 random bytes (the caller supplies them: the core is pure). */
export const formatSecret = (random32: Uint8Array): string => `${SECRET_PREFIX}${Buffer.from(random32).toString('base64')}`;

/** The HMAC key of a `whsec_…` secret, or undefined when it is not one (16–64 key bytes). */
export function secretKey(secret: string): Buffer | undefined {
  if (!secret.startsWith(SECRET_PREFIX)) return undefined;
  const b64 = secret.slice(SECRET_PREFIX.length);
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(b64) || b64.length % 4 !== 0) return undefined;
  const key = Buffer.from(b64, 'base64');
  return key.length >= 16 && key.length <= 64 ? key : undefined;
}

function signature(key: Buffer, id: string, timestamp: number, body: string | Uint8Array): Buffer {
  return createHmac('sha256', key).update(`${id}.${timestamp}.`).update(body).digest();
}

export type SignedHeaders = {
  readonly 'webhook-id': string;
  readonly 'webhook-timestamp': string;
  readonly 'webhook-signature': string;
};

/** Headers for one delivery, signed with every given secret (newest first). */
export function signHeaders(secrets: readonly string[], id: string, timestampSeconds: number, body: string | Uint8Array): SignedHeaders {
  if (!MESSAGE_ID.test(id)) throw new RangeError('webhook-id must be 1-128 characters of [A-Za-z0-9_-:]');
  const sigs = secrets.map((s) => {
    const key = secretKey(s);
    if (!key) throw new RangeError('not a whsec_ secret');
    return `v1,${signature(key, id, timestampSeconds, body).toString('base64')}`;
  });
  return { 'webhook-id': id, 'webhook-timestamp': String(timestampSeconds), 'webhook-signature': sigs.join(' ') };
}

export type VerifyResult =
  | { readonly ok: true; readonly id: string; readonly timestamp: number }
  | { readonly ok: false; readonly reason: 'missing_headers' | 'bad_id' | 'bad_timestamp' | 'stale_timestamp' | 'bad_signature' };

/**
 * Verify an inbound request against any of `secrets`. Headers by lower-case name. The timestamp
 * must be within `toleranceSeconds` of `nowSeconds`; the signature list may hold other versions
 * (ignored) and up to 10 entries.
 */
export function verify(
  secrets: readonly string[],
  headers: Readonly<Record<string, string | undefined>>,
  body: string | Uint8Array,
  nowSeconds: number,
  toleranceSeconds = DEFAULT_TOLERANCE_SECONDS,
): VerifyResult {
  const id = headers['webhook-id'];
  const ts = headers['webhook-timestamp'];
  const sig = headers['webhook-signature'];
  if (id === undefined || ts === undefined || sig === undefined) return { ok: false, reason: 'missing_headers' };
  if (!MESSAGE_ID.test(id)) return { ok: false, reason: 'bad_id' };
  if (!/^\d{1,12}$/.test(ts)) return { ok: false, reason: 'bad_timestamp' };
  const timestamp = Number(ts);
  if (Math.abs(nowSeconds - timestamp) > toleranceSeconds) return { ok: false, reason: 'stale_timestamp' };
  const presented = sig
    .split(' ')
    .slice(0, 10)
    .flatMap((part) => {
      const [version, value] = part.split(',', 2);
      return version === 'v1' && value && /^[A-Za-z0-9+/]{43}=$/.test(value) ? [Buffer.from(value, 'base64')] : [];
    });
  for (const secret of secrets) {
    const key = secretKey(secret);
    if (!key) continue;
    const expected = signature(key, id, timestamp, body);
    if (presented.some((p) => p.length === expected.length && timingSafeEqual(p, expected))) return { ok: true, id, timestamp };
  }
  return { ok: false, reason: 'bad_signature' };
}
