/** HTTP basic auth for providers that offer nothing stronger (SendGrid Inbound Parse, Postmark). */
import { createHash, timingSafeEqual } from 'node:crypto';
import { ClientError } from '../../core/errors.ts';

const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();

/** Throws 401 (with a Basic challenge, so clients that wait for one send their credentials). */
export function requireBasicAuth(authorization: string | undefined, expected: string, provider: string): void {
  const challenge = { 'www-authenticate': `Basic realm="${provider} webhook", charset="UTF-8"` };
  const m = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(authorization ?? '');
  if (!m) throw new ClientError(401, 'missing_credentials', `The ${provider} webhook needs basic auth credentials in its URL.`, undefined, challenge);
  const presented = Buffer.from(m[1]!, 'base64').toString('utf8');
  // Compare digests so length does not leak and the comparison is constant-time.
  if (!timingSafeEqual(digest(presented), digest(expected))) {
    throw new ClientError(401, 'bad_credentials', `The ${provider} webhook credentials are wrong.`, undefined, challenge);
  }
}
