/** Meta webhooks: X-Hub-Signature-256 = "sha256=" + hex HMAC-SHA256(app secret, raw body). */
import { hmac, safeEqual } from '../shared/crypto.ts';

export const metaSignature = (appSecret: string, rawBody: Buffer | string): string =>
  `sha256=${hmac('sha256', appSecret, rawBody).toString('hex')}`;

export type MetaVerdict = { ok: true } | { ok: false; reason: 'missing_signature' | 'bad_signature' };

export function verifyMetaSignature(appSecret: string, header: string | undefined, rawBody: Buffer): MetaVerdict {
  const value = header?.trim();
  if (!value) return { ok: false, reason: 'missing_signature' };
  // Hex is case-insensitive; compare in lower case.
  return safeEqual(metaSignature(appSecret, rawBody), value.toLowerCase()) ? { ok: true } : { ok: false, reason: 'bad_signature' };
}
