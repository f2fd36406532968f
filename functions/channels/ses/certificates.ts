/**
 * SNS signing certificates by URL, kept for the life of the container (SNS rotates them rarely; the
 * URL changes when it does). URLs the SNS host says do not exist are remembered for a while too,
 * so unsigned posts naming made-up certificates cannot make us fetch again and again.
 */
import { ClientError } from '../../core/errors.ts';
import { HttpNotFoundError } from '../../core/ports.ts';

const MAX_CERTS = 20;
const MAX_UNKNOWN = 200;
const UNKNOWN_TTL_MS = 10 * 60_000;

const certCache = new Map<string, Promise<string>>();
const unknown = new Map<string, number>();

class NotACertificate extends Error {}

const unknownCertificate = () => new ClientError(403, 'unknown_certificate', 'SigningCertURL does not name an SNS signing certificate.');

function fetchCertificate(url: string, fetchText: (u: string) => Promise<string>): Promise<string> {
  let p = certCache.get(url);
  if (!p) {
    if (certCache.size >= MAX_CERTS) certCache.delete(certCache.keys().next().value!);
    p = fetchText(url).then((pem) => {
      if (!pem.includes('-----BEGIN CERTIFICATE-----')) throw new NotACertificate('SigningCertURL did not return a PEM certificate');
      return pem;
    });
    p.catch(() => certCache.delete(url));
    certCache.set(url, p);
  }
  return p;
}

/**
 * The certificate at an (already allow-listed) SigningCertURL. A URL the host answers 4xx for, or
 * that is not a certificate, is 403 unknown_certificate; a network failure is 503
 * certificate_unavailable, so SNS retries.
 */
export async function certificate(url: string, fetchText: (u: string) => Promise<string>, now: number): Promise<string> {
  const until = unknown.get(url);
  if (until !== undefined && until > now) throw unknownCertificate();
  try {
    return await fetchCertificate(url, fetchText);
  } catch (e) {
    if (e instanceof HttpNotFoundError || e instanceof NotACertificate) {
      if (unknown.size >= MAX_UNKNOWN) unknown.delete(unknown.keys().next().value!);
      unknown.set(url, now + UNKNOWN_TTL_MS);
      throw unknownCertificate();
    }
    throw new ClientError(503, 'certificate_unavailable', 'The SNS signing certificate could not be fetched right now; nothing was stored, retry later.');
  }
}

/** For tests: forget cached certificates and unknown URLs. */
export function clearCertificateCache(): void {
  certCache.clear();
  unknown.clear();
}
