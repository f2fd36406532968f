/**
 * Amazon SNS message signatures (aws-js-sns-message-validator semantics): RSA-SHA1 (v1) or
 * RSA-SHA256 (v2) over "Key\nValue\n" of a fixed key list, with the certificate from a
 * SigningCertURL that must be https, end in .pem and be on an SNS host.
 */
import { createVerify } from 'node:crypto';
import { z } from 'zod';

export const SNS_HOST = /^sns\.[a-zA-Z0-9-]{3,}\.amazonaws\.com(\.cn)?$/;

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
