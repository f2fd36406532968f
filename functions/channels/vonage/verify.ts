/**
 * Vonage signed webhooks: `Authorization: Bearer <JWT>`, HS256 with the account's signature secret.
 * We also check what the official SDKs skip: `payload_hash` (sha256 hex of the raw body) must match,
 * and `iat` must be recent.
 */
import { sha256Hex, safeEqual } from '../shared/crypto.ts';
import { verifyHmacJwt } from '../shared/jwt.ts';

export type VonageVerdict = { ok: true; claims: Record<string, unknown> } | { ok: false; reason: string };

/** How far in the future a token's `iat` may be (clock skew): a token is accepted up to max age + this. */
export const CLOCK_SKEW_SECONDS = 300;

export function verifyVonageRequest(args: {
  secret: string;
  authorization: string | undefined;
  rawBody: Buffer;
  now: Date;
  maxAgeSeconds: number;
}): VonageVerdict {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(args.authorization ?? '');
  if (!m) return { ok: false, reason: 'missing_signature' };
  const jwt = verifyHmacJwt(m[1]!, args.secret, ['HS256']);
  if (!jwt.ok) return { ok: false, reason: jwt.reason };
  const { iat, iss, payload_hash: hash } = jwt.claims;
  if (iss !== undefined && iss !== 'Vonage') return { ok: false, reason: 'bad_issuer' };
  if (typeof iat !== 'number') return { ok: false, reason: 'missing_iat' };
  const now = args.now.getTime() / 1000;
  if (iat > now + CLOCK_SKEW_SECONDS) return { ok: false, reason: 'token_from_future' };
  if (now - iat > args.maxAgeSeconds) return { ok: false, reason: 'stale_signature' };
  if (typeof hash !== 'string') return { ok: false, reason: 'missing_payload_hash' };
  if (!safeEqual(sha256Hex(args.rawBody), hash.toLowerCase())) return { ok: false, reason: 'payload_hash_mismatch' };
  return { ok: true, claims: jwt.claims };
}
