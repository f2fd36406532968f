/**
 * POST /webhooks/ses: an SNS HTTPS subscription carrying SES receipt notifications. Verified with
 * the SNS signature (v1/v2), certificates only from SNS hosts (cached), topics allow-listed
 * (SNS_TOPIC_ARNS); a post with an implausible signature or a stale Timestamp is refused before any
 * certificate is fetched. SubscriptionConfirmation is confirmed by fetching SubscribeURL. Mail content
 * is read inline (SNS action) or from S3 (S3 action).
 */
import * as z from 'zod';
import { ClientError } from '../../core/errors.ts';
import { HttpNotFoundError } from '../../core/ports.ts';
import type { HttpRequest } from '../../http.ts';
import { emailEvent } from '../email/normalize.ts';
import { parseMime } from '../email/parse.ts';
import { verdictWord } from '../email/sender-auth.ts';
import { forbidden, okJson, parseJsonBody, zodDetails } from '../shared/http.ts';
import { ProviderNotConfigured, type ChannelContext, type ChannelModule, type ReceiveResult } from '../types.ts';
import { certificate } from './certificates.ts';
import { isSnsUrl, plausibleSignature, SnsEnvelopeSchema, snsTimestampProblem, verifySnsSignature } from './sns.ts';

const Verdict = z.object({ status: z.string() }).loose().optional().catch(undefined);

const ReceiptSchema = z
  .object({
    notificationType: z.string(),
    mail: z.object({ messageId: z.string().min(1), source: z.string().optional(), destination: z.array(z.string()).optional() }).loose(),
    receipt: z
      .object({
        recipients: z.array(z.string()).default([]),
        // Informational: a verdict of another shape is ignored rather than losing the mail.
        spfVerdict: Verdict,
        dkimVerdict: Verdict,
        dmarcVerdict: Verdict,
        action: z.object({ type: z.string(), encoding: z.string().optional(), bucketName: z.string().optional(), objectKey: z.string().optional() }).loose(),
      })
      .loose(),
    content: z.string().optional(),
  })
  .loose();

export { clearCertificateCache } from './certificates.ts';

export const ses = {
  provider: 'ses',
  async receive(req: HttpRequest, ctx: ChannelContext): Promise<ReceiveResult> {
    const topics = ctx.config.snsTopicArns;
    if (!topics.length) throw new ProviderNotConfigured('ses', 'SNS_TOPIC_ARNS is not set');
    const env = SnsEnvelopeSchema.safeParse(parseJsonBody(req));
    if (!env.success) throw new ClientError(400, 'invalid_payload', 'The body is not an SNS message.', zodDetails(env.error.issues));
    const m = env.data;
    const headerType = req.headers['x-amz-sns-message-type'];
    if (headerType && headerType !== m.Type) throw new ClientError(400, 'invalid_payload', 'x-amz-sns-message-type does not match the message Type.');
    if (!topics.includes(m.TopicArn)) throw forbidden('unknown_topic', 'The SNS topic is not in SNS_TOPIC_ARNS.');
    if (!isSnsUrl(m.SigningCertURL, true)) throw forbidden('untrusted_certificate_url', 'SigningCertURL is not an https .pem on an SNS host.');
    // Everything checkable without a network call comes first: unsigned posts cause no fetch.
    if (!plausibleSignature(m.Signature)) throw forbidden('bad_signature', 'The SNS Signature is not base64 of an RSA signature.');
    const stale = snsTimestampProblem(m.Timestamp, ctx.now);
    if (stale) throw forbidden('stale_message', `The SNS message is not fresh: ${stale}.`);
    const pem = await certificate(m.SigningCertURL, ctx.io.fetchText, ctx.now.getTime());
    if (!verifySnsSignature(m, pem)) throw forbidden('bad_signature', 'The SNS signature does not verify.');

    if (m.Type === 'SubscriptionConfirmation') {
      if (!isSnsUrl(m.SubscribeURL, false)) throw forbidden('untrusted_subscribe_url', 'SubscribeURL is not an https URL on an SNS host.');
      try {
        await ctx.io.fetchText(m.SubscribeURL!);
      } catch (e) {
        if (e instanceof HttpNotFoundError) throw new ClientError(400, 'subscription_not_confirmed', `SNS refused the subscription confirmation (${e.status}).`);
        throw new ClientError(503, 'subscription_unavailable', 'SNS could not be reached to confirm the subscription; retry later.');
      }
      return { kind: 'response', response: okJson({ confirmed: true, topicArn: m.TopicArn }) };
    }
    if (m.Type === 'UnsubscribeConfirmation') return { kind: 'events', events: [{ kind: 'skipped', reason: 'unsubscribe_confirmation' }], ok: okJson() };

    let body: unknown;
    try {
      body = JSON.parse(m.Message);
    } catch {
      throw new ClientError(400, 'invalid_payload', 'The SNS Message is not JSON.');
    }
    const n = ReceiptSchema.safeParse(body);
    if (!n.success) return { kind: 'events', events: [{ kind: 'skipped', reason: 'not_a_receipt' }], ok: okJson() };
    if (n.data.notificationType !== 'Received') return { kind: 'events', events: [{ kind: 'skipped', reason: 'unsupported_notification', detail: n.data.notificationType }], ok: okJson() };
    const action = n.data.receipt.action;
    let raw: Buffer;
    if (action.type === 'S3') {
      if (!action.bucketName || !action.objectKey) throw new ClientError(400, 'invalid_payload', 'The S3 action names no bucket or key.');
      raw = await ctx.io.getObject(action.bucketName, action.objectKey);
    } else if (n.data.content !== undefined) {
      raw = action.encoding === 'BASE64' ? Buffer.from(n.data.content, 'base64') : Buffer.from(n.data.content, 'utf8');
    } else {
      throw new ClientError(400, 'invalid_payload', 'The SES notification carries no content (use the SNS or S3 action).');
    }
    const parsed = await parseMime(raw);
    return {
      kind: 'events',
      events: [
        emailEvent(parsed, {
          provider: 'ses',
          receivedAt: ctx.now.toISOString(),
          providerMessageId: n.data.mail.messageId,
          recipient: n.data.receipt.recipients[0] ?? n.data.mail.destination?.[0],
          senderAuth: {
            spf: verdictWord(n.data.receipt.spfVerdict?.status),
            dkim: verdictWord(n.data.receipt.dkimVerdict?.status),
            dmarc: verdictWord(n.data.receipt.dmarcVerdict?.status),
          },
        }),
      ],
      ok: okJson(),
    };
  },
} satisfies ChannelModule;
