/**
 * MessageBird-Signature-JWT (messagebird-nodejs `webhook-signature-jwt.js`): HS256/384/512 signed
 * with the signing key; iss=MessageBird; nbf/exp window; url_hash = sha256 of the full URL with
 * its query string; payload_hash = sha256 of the raw body, present exactly when there is a body.
 */
import { sha256Hex, safeEqual } from '../shared/crypto.ts';
import { verifyHmacJwt } from '../shared/jwt.ts';

const LEEWAY_SECONDS = 5;

export type MessageBirdVerdict = { ok: true } | { ok: false; reason: string };

export function verifyMessageBirdRequest(args: {
  signingKey: string;
  token: string | undefined;
  url: string;
  rawBody: Buffer;
  now: Date;
}): MessageBirdVerdict {
  const token = args.token?.trim();
  if (!token) return { ok: false, reason: 'missing_signature' };
  const jwt = verifyHmacJwt(token, args.signingKey, ['HS256', 'HS384', 'HS512']);
  if (!jwt.ok) return { ok: false, reason: jwt.reason };
  const c = jwt.claims;
  if (c['iss'] !== 'MessageBird') return { ok: false, reason: 'bad_issuer' };
  const now = args.now.getTime() / 1000;
  if (typeof c['nbf'] !== 'number' || c['nbf'] > now + LEEWAY_SECONDS) return { ok: false, reason: 'not_yet_valid' };
  if (typeof c['exp'] !== 'number' || c['exp'] <= now - LEEWAY_SECONDS) return { ok: false, reason: 'stale_signature' };
  if (typeof c['url_hash'] !== 'string' || !safeEqual(sha256Hex(args.url), c['url_hash'])) return { ok: false, reason: 'url_hash_mismatch' };
  const hasBody = args.rawBody.length > 0;
  const hash = c['payload_hash'];
  if (hash === undefined && hasBody) return { ok: false, reason: 'payload_hash_missing' };
  if (hash !== undefined && !hasBody) return { ok: false, reason: 'payload_missing' };
  if (hasBody && (typeof hash !== 'string' || !safeEqual(sha256Hex(args.rawBody), hash))) return { ok: false, reason: 'payload_hash_mismatch' };
  return { ok: true };
}
