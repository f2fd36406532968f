import type { HttpRequest } from '../../http.ts';
/** POST /webhooks/messagebird: the (legacy) inbound SMS forward, form-encoded, with MessageBird-Signature-JWT. */
import * as z from 'zod';
import { ClientError } from '../../core/errors.ts';
import { phoneIdentity } from '../../core/phone.ts';
import type { ChannelEvent } from '../../core/types.ts';
import { forbidden, okJson, requireMediaType, signedUrl, zodDetails } from '../shared/http.ts';
import { ProviderNotConfigured, type ChannelModule, type ReceiveResult, type SyncContext } from '../types.ts';
import { verifyMessageBirdRequest } from './verify.ts';

const PROVIDER = 'messagebird';
/** Media one MMS may carry (MessageBird sends at most 10), and the longest URL kept. */
export const MAX_MEDIA = 50;
const MAX_URL_CHARS = 4096;

const notBlank = (s: string) => s.trim().length > 0;
const mediaList = (s: string) =>
  s
    .split(',')
    .map((u) => u.trim())
    .filter(Boolean);

const FieldsSchema = z
  .object({
    id: z.string().min(1).max(128),
    originator: z.string().min(1).max(64).refine(notBlank, 'must not be blank'),
    recipient: z.string().min(1).max(64).refine(notBlank, 'must not be blank').optional(),
    receiver: z.string().min(1).max(64).refine(notBlank, 'must not be blank').optional(),
    body: z.string().max(65536).optional(),
    message: z.string().max(65536).optional(),
    createdDatetime: z.string().optional(),
    CreatedDatetime: z.string().optional(),
    mediaUrls: z
      .string()
      .max(MAX_MEDIA * (MAX_URL_CHARS + 1))
      .refine((s) => mediaList(s).length <= MAX_MEDIA, `at most ${MAX_MEDIA} media URLs`)
      .refine((s) => mediaList(s).every((u) => u.length <= MAX_URL_CHARS), `media URLs are at most ${MAX_URL_CHARS} characters`)
      .optional(),
  })
  .loose()
  .refine((f) => f.recipient ?? f.receiver, { message: 'recipient or receiver is required', path: ['recipient'] });

/** Repeated keys: the last value wins (as MessageBird's own consumers read them). */
export function lastValues(pairs: Iterable<[string, string]>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of pairs) out[k] = v;
  return out;
}

export function normalizeMessageBird(fields: Record<string, string>, receivedAt: string): ChannelEvent[] {
  const p = FieldsSchema.safeParse(fields);
  if (!p.success) throw new ClientError(400, 'invalid_payload', 'The MessageBird message is not valid.', zodDetails(p.error.issues));
  const f = p.data;
  const to = (f.recipient ?? f.receiver)!;
  const created = f.createdDatetime ?? f.CreatedDatetime;
  const sentAt = created && !Number.isNaN(Date.parse(created)) ? new Date(created).toISOString() : undefined;
  const media = mediaList(f.mediaUrls ?? '');
  return [
    {
      kind: 'message',
      message: {
        provider: PROVIDER,
        channel: 'sms',
        providerMessageId: f.id,
        threadKey: `${to}|${f.originator}`,
        from: f.originator,
        to,
        identity: /^\+?\d+$/.test(f.originator) ? phoneIdentity(f.originator.startsWith('+') ? f.originator : `+${f.originator}`) : { kind: 'sms-sender', value: f.originator },
        text: f.body ?? f.message ?? '',
        attachments: media.map((url) => ({ url })),
        receivedAt,
        ...(sentAt ? { sentAt } : {}),
      },
    },
  ];
}

export const messagebird = {
  provider: PROVIDER,
  receive(req: HttpRequest, ctx: SyncContext): ReceiveResult {
    const key = ctx.config.secrets.MESSAGEBIRD_SIGNING_KEY;
    if (!key) throw new ProviderNotConfigured('messagebird', 'MESSAGEBIRD_SIGNING_KEY is not set');
    const verdict = verifyMessageBirdRequest({
      signingKey: key,
      token: req.headers['messagebird-signature-jwt'],
      url: signedUrl(ctx.config.publicBaseUrl, req),
      rawBody: req.body,
      now: ctx.now,
    });
    if (!verdict.ok) throw forbidden(verdict.reason, `The MessageBird-Signature-JWT is not valid (${verdict.reason.replaceAll('_', ' ')}).`);
    requireMediaType(req, ['application/x-www-form-urlencoded'], 'MessageBird');
    const fields = lastValues(new URLSearchParams(req.body.toString('utf8')));
    return { kind: 'events', events: normalizeMessageBird(fields, ctx.now.toISOString()), ok: okJson() };
  },
} satisfies ChannelModule;
