/** Small crypto helpers every channel's verifier uses. */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/** Constant-time equality of two strings as bytes (only their length can leak). */
export function safeEqual(a: string, b: string): boolean {
  const ab = Buffer.from(a, 'utf8');
  const bb = Buffer.from(b, 'utf8');
  if (ab.length !== bb.length) {
    timingSafeEqual(ab, ab); // keep the work similar
    return false;
  }
  return timingSafeEqual(ab, bb);
}

export const hmac = (alg: 'sha1' | 'sha256' | 'sha384' | 'sha512', key: string, data: string | Buffer) =>
  createHmac(alg, key).update(data).digest();

export const sha256Hex = (data: string | Buffer): string => createHash('sha256').update(data).digest('hex');
