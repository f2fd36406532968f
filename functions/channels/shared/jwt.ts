/**
 * HMAC-signed JWTs (HS256/384/512), as Vonage and MessageBird sign webhooks. Small and hot, so
 * hand-written and tested against the providers' published vectors. `alg: none` and every
 * non-HMAC algorithm are refused.
 */
import { hmac, safeEqual } from './crypto.ts';

const ALGS = { HS256: 'sha256', HS384: 'sha384', HS512: 'sha512' } as const;
export type HmacAlg = keyof typeof ALGS;

export type JwtResult =
  | { readonly ok: true; readonly claims: Record<string, unknown>; readonly alg: HmacAlg }
  | { readonly ok: false; readonly reason: string };

const b64urlJson = (part: string): unknown => JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));

/** Verify the signature of a compact JWT with `secret`, allowing only `algs`. Claims are not checked here. */
export function verifyHmacJwt(token: string, secret: string, algs: readonly HmacAlg[]): JwtResult {
  const parts = token.split('.');
  if (parts.length !== 3 || parts.some((p) => !/^[A-Za-z0-9_-]*$/.test(p))) return { ok: false, reason: 'malformed_token' };
  const [h, p, sig] = parts as [string, string, string];
  let header: unknown;
  let claims: unknown;
  try {
    header = b64urlJson(h);
    claims = b64urlJson(p);
  } catch {
    return { ok: false, reason: 'malformed_token' };
  }
  if (!header || typeof header !== 'object' || !claims || typeof claims !== 'object' || Array.isArray(claims)) {
    return { ok: false, reason: 'malformed_token' };
  }
  const alg = (header as { alg?: unknown }).alg;
  if (typeof alg !== 'string' || !(algs as readonly string[]).includes(alg)) return { ok: false, reason: 'unsupported_alg' };
  const expected = hmac(ALGS[alg as HmacAlg], secret, `${h}.${p}`).toString('base64url');
  if (!safeEqual(expected, sig)) return { ok: false, reason: 'bad_signature' };
  return { ok: true, claims: claims as Record<string, unknown>, alg: alg as HmacAlg };
}

/** Sign claims as a compact JWT (used by the simulator and tests). */
export function signHmacJwt(claims: Record<string, unknown>, secret: string, alg: HmacAlg = 'HS256'): string {
  const h = Buffer.from(JSON.stringify({ alg, typ: 'JWT' })).toString('base64url');
  const p = Buffer.from(JSON.stringify(claims)).toString('base64url');
  return `${h}.${p}.${hmac(ALGS[alg], secret, `${h}.${p}`).toString('base64url')}`;
}
