/**
 * Amazon SNS message signatures (aws-js-sns-message-validator semantics): RSA-SHA1 (v1) or
 * RSA-SHA256 (v2) over "Key\nValue\n" of a fixed key list, with the certificate from a
 * SigningCertURL that must be https, end in .pem and be on an SNS host.
 */
import { createVerify } from 'node:crypto';
import * as z from 'zod';

/** `sns.<region>.amazonaws.com` (or `.com.cn`), the region region-shaped (not, e.g., an S3 bucket host). */
export const SNS_HOST = /^sns\.[a-z]{2}(-[a-z]+)+-\d\.amazonaws\.com(\.cn)?$/;

export const SnsEnvelopeSchema = z
  .object({
    Type: z.enum(['Notification', 'SubscriptionConfirmation', 'UnsubscribeConfirmation']),
    MessageId: z.string().min(1).max(128),
    TopicArn: z.string().min(1).max(256),
    Subject: z.string().optional(),
    Message: z.string(),
    Timestamp: z.string(),
    SignatureVersion: z.enum(['1', '2']),
    Signature: z.string().min(1),
    SigningCertURL: z.string().min(1),
    SubscribeURL: z.string().optional(),
    Token: z.string().optional(),
    UnsubscribeURL: z.string().optional(),
  })
  .loose();

export type SnsEnvelope = z.infer<typeof SnsEnvelopeSchema>;

/** Is this an https URL on an SNS host (and, for certificates, a .pem)? */
export function isSnsUrl(url: string | undefined, pem: boolean): boolean {
  if (!url) return false;
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return false;
  }
  return u.protocol === 'https:' && SNS_HOST.test(u.hostname) && !u.username && !u.password && (!u.port || u.port === '443') && (!pem || u.pathname.endsWith('.pem'));
}

const NOTIFICATION_KEYS = ['Message', 'MessageId', 'Subject', 'Timestamp', 'TopicArn', 'Type'] as const;
const SUBSCRIPTION_KEYS = ['Message', 'MessageId', 'SubscribeURL', 'Timestamp', 'Token', 'TopicArn', 'Type'] as const;

export function stringToSign(m: SnsEnvelope): string {
  const keys = m.Type === 'Notification' ? NOTIFICATION_KEYS : SUBSCRIPTION_KEYS;
  let out = '';
  for (const k of keys) {
    const v = (m as Record<string, unknown>)[k];
    if (typeof v === 'string') out += `${k}\n${v}\n`;
  }
  return out;
}

export function verifySnsSignature(m: SnsEnvelope, certPem: string): boolean {
  try {
    return createVerify(m.SignatureVersion === '2' ? 'RSA-SHA256' : 'RSA-SHA1')
      .update(stringToSign(m), 'utf8')
      .verify(certPem, m.Signature, 'base64');
  } catch {
    return false;
  }
}

/** RSA signature sizes (1024 to 4096-bit keys): SNS certificates are 2048-bit today. */
const RSA_SIGNATURE_BYTES = new Set([128, 256, 384, 512]);

/** Is `Signature` base64 (line breaks allowed) of an RSA signature's length? Checked before any fetch. */
export function plausibleSignature(signature: string): boolean {
  const b64 = signature.replace(/[\r\n \t]/g, '');
  if (b64.length % 4 !== 0 || !/^[A-Za-z0-9+/]+={0,2}$/.test(b64)) return false;
  const bytes = (b64.length / 4) * 3 - (b64.endsWith('==') ? 2 : b64.endsWith('=') ? 1 : 0);
  return RSA_SIGNATURE_BYTES.has(bytes);
}

/**
 * SNS stops retrying a delivery an hour after it was published (the delivery policy caps retries at
 * 3,600 s), and every retry carries the original signed Timestamp: anything older is a replay.
 */
export const SNS_MAX_AGE_SECONDS = 3600;
/** Clock skew tolerated either way. */
export const SNS_SKEW_SECONDS = 300;

/** Why the Timestamp is not acceptable at `now`, or undefined when it is. */
export function snsTimestampProblem(timestamp: string, now: Date): string | undefined {
  const at = /^\d{4}-\d\d-\d\dT/.test(timestamp) ? Date.parse(timestamp) : Number.NaN;
  if (Number.isNaN(at)) return 'the Timestamp is not an ISO 8601 time';
  const age = (now.getTime() - at) / 1000;
  if (age > SNS_MAX_AGE_SECONDS + SNS_SKEW_SECONDS) return `the message was published ${Math.round(age)} s ago; SNS never delivers one older than ${SNS_MAX_AGE_SECONDS} s`;
  if (age < -SNS_SKEW_SECONDS) return 'the Timestamp is in the future';
  return undefined;
}
