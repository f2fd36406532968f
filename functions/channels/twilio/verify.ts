/**
 * Twilio request validation (X-Twilio-Signature), as twilio-node's `validateRequest` and
 * `validateRequestWithBody` do it (shared/channels/WIRE-FACTS.md section 1):
 * base64(HMAC-SHA1(authToken, url + concat(sorted keys: key + value))), repeated keys'
 * values de-duplicated and sorted, checked with and without the port in the URL.
 */
import { createHash, createHmac } from 'node:crypto';
import { safeEqual } from '../shared/crypto.ts';
import { stringify as legacyQueryStringify } from 'node:querystring';

export type FormParams = ReadonlyArray<readonly [string, string]>;

export function expectedTwilioSignature(authToken: string, url: string, params: FormParams): string {
  const byKey = new Map<string, Set<string>>();
  for (const [k, v] of params) {
    let set = byKey.get(k);
    if (!set) byKey.set(k, (set = new Set()));
    set.add(v);
  }
  let data = url;
  for (const key of [...byKey.keys()].sort()) {
    for (const value of [...byKey.get(key)!].sort()) data += key + value;
  }
  return createHmac('sha1', authToken).update(data, 'utf8').digest('base64');
}

/** `https://host/path` and `https://host:443/path` (or the URL's own port), as Twilio signs either. */
export function urlVariants(url: string): string[] {
  const u = new URL(url);
  const withoutPort = new URL(u.toString());
  withoutPort.port = '';
  const withPort = u.port
    ? u.toString()
    : `${u.protocol}//${u.username}${u.password ? ':' + u.password : ''}${u.username || u.password ? '@' : ''}${u.host}${
        u.protocol === 'https:' ? ':443' : ':80'
      }${u.pathname}${u.search}${u.hash}`;
  const variants = [url, withoutPort.toString(), withPort];
  // Older SDKs re-encoded the query string with Node's legacy `querystring` before signing.
  for (const v of [...variants]) {
    const parsed = new URL(v);
    if (!parsed.search) continue;
    const legacy = legacyQueryStringify(Object.fromEntries(groupParams([...parsed.searchParams])));
    const rebuilt = v.slice(0, v.indexOf('?')) + '?' + legacy + parsed.hash;
    variants.push(rebuilt);
  }
  return [...new Set(variants)];
}

const groupParams = (pairs: Array<[string, string]>): Map<string, string | string[]> => {
  const m = new Map<string, string | string[]>();
  for (const [k, v] of pairs) {
    const prev = m.get(k);
    m.set(k, prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v]);
  }
  return m;
};

export interface TwilioVerifyInput {
  readonly authToken: string;
  readonly signature: string | undefined;
  /** The public URL Twilio called, query string included. */
  readonly url: string;
  /** Decoded form fields, in the order received. Ignored for JSON bodies (bodySHA256 in the URL). */
  readonly params: FormParams;
  /** The raw body, needed when the URL carries `bodySHA256`. */
  readonly rawBody: string;
}

export type VerifyResult = { readonly ok: true } | { readonly ok: false; readonly reason: 'missing_signature' | 'bad_signature' | 'body_hash_mismatch' };

export function verifyTwilioRequest(input: TwilioVerifyInput): VerifyResult {
  const sig = input.signature?.trim();
  if (!sig) return { ok: false, reason: 'missing_signature' };
  const bodyHash = new URL(input.url).searchParams.get('bodySHA256');
  const params = bodyHash !== null ? [] : input.params;
  let match = false;
  for (const variant of urlVariants(input.url)) {
    if (safeEqual(expectedTwilioSignature(input.authToken, variant, params), sig)) match = true;
  }
  if (!match) return { ok: false, reason: 'bad_signature' };
  if (bodyHash !== null) {
    const actual = createHash('sha256').update(input.rawBody, 'utf8').digest('hex');
    if (!safeEqual(actual, bodyHash)) return { ok: false, reason: 'body_hash_mismatch' };
  }
  return { ok: true };
}
