import type { HttpRequest } from '../../http.ts';
/** POST /webhooks/vonage: Messages API inbound (SMS, MMS, WhatsApp, Messenger, Viber) and status webhooks. */
import * as z from 'zod';
import { clip } from '../shared/text.ts';
import { ClientError } from '../../core/errors.ts';
import { phoneIdentity } from '../../core/phone.ts';
import type { Attachment, Channel, ChannelEvent, Identity, StatusUpdate } from '../../core/types.ts';
import { forbidden, okJson, parseJsonBody, requireMediaType, zodDetails } from '../shared/http.ts';
import { ProviderNotConfigured, type ChannelModule, type ReceiveResult, type SyncContext } from '../types.ts';
import { verifyVonageRequest } from './verify.ts';

const PROVIDER = 'vonage';

/** Strings copied into events are limited (ids, URLs) or clipped (names, errors) so an event fits one item. */
const shown = (n = 256) => z.string().transform((s) => clip(s, n));
const address = z.string().min(1).max(128).refine((s) => s.trim().length > 0, 'must not be blank');
const url = z.object({ url: z.string().max(4096), caption: z.string().optional(), name: shown().optional() }).loose();

export const VonageInboundSchema = z
  .object({
    message_uuid: z.string().min(1).max(128),
    to: address,
    from: address,
    timestamp: z.string().optional(),
    channel: z.enum(['sms', 'mms', 'whatsapp', 'messenger', 'viber_service']),
    message_type: z.string().min(1),
    text: z.string().optional(),
    image: url.optional(),
    audio: url.optional(),
    video: url.optional(),
    file: url.optional(),
    vcard: url.optional(),
    sticker: url.optional(),
    location: z.object({ lat: z.number(), long: z.number(), name: z.string().optional(), address: z.string().optional() }).loose().optional(),
    reply: z.object({ id: z.string().optional(), title: z.string().optional() }).loose().optional(),
    button: z.object({ text: z.string().optional(), payload: z.string().optional() }).loose().optional(),
    profile: z.object({ name: shown().optional() }).loose().optional(),
    context: z.object({ message_uuid: z.string().min(1).max(128).optional().catch(undefined) }).loose().optional(),
  })
  .loose();

export const VonageStatusSchema = z
  .object({
    message_uuid: z.string().min(1).max(128),
    status: z.string().min(1).transform((v) => clip(v, 64)),
    timestamp: z.string().optional(),
    error: z.object({ title: shown(512).optional(), detail: shown(512).optional() }).loose().optional(),
  })
  .loose();

const CHANNEL: Record<z.infer<typeof VonageInboundSchema>['channel'], Channel> = {
  sms: 'sms',
  mms: 'sms',
  whatsapp: 'whatsapp',
  messenger: 'messenger',
  viber_service: 'viber',
};

const STATUS: Record<string, StatusUpdate['status'] | undefined> = {
  submitted: 'sent',
  delivered: 'delivered',
  read: 'read',
  rejected: 'failed',
  undeliverable: 'failed',
  failed: 'failed',
};

/** Vonage numbers come without '+': as E.164 they join the same contact as Twilio SMS and WhatsApp. */
const identityOf = (channel: Channel, from: string): Identity =>
  channel === 'messenger' ? { kind: 'psid', value: from } : phoneIdentity(from.startsWith('+') ? from : `+${from}`);

const isoOr = (s: string | undefined, fallback: string) => (s && !Number.isNaN(Date.parse(s)) ? new Date(s).toISOString() : fallback);

export function normalizeVonage(body: unknown, receivedAt: string): ChannelEvent[] {
  if (body && typeof body === 'object' && 'status' in body) {
    const s = VonageStatusSchema.safeParse(body);
    if (!s.success) throw new ClientError(400, 'invalid_payload', 'The Vonage status is not valid.', zodDetails(s.error.issues));
    const status = Object.hasOwn(STATUS, s.data.status) ? STATUS[s.data.status] : undefined;
    if (!status) return [{ kind: 'skipped', reason: 'unsupported_status', detail: s.data.status }];
    const err = s.data.error;
    return [
      {
        kind: 'status',
        update: {
          provider: PROVIDER,
          providerMessageId: s.data.message_uuid,
          status,
          at: isoOr(s.data.timestamp, receivedAt),
          ...(err ? { error: `${err.title ?? ''} ${err.detail ?? ''}`.trim() } : {}),
        },
      },
    ];
  }
  const p = VonageInboundSchema.safeParse(body);
  if (!p.success) throw new ClientError(400, 'invalid_payload', 'The Vonage inbound message is not valid.', zodDetails(p.error.issues));
  const m = p.data;
  const channel = CHANNEL[m.channel];
  const attachments: Attachment[] = [];
  for (const kind of ['image', 'audio', 'video', 'file', 'vcard', 'sticker'] as const) {
    const a = m[kind];
    if (a) attachments.push({ url: a.url, name: a.name ?? kind });
  }
  let text = m.text ?? m.image?.caption ?? m.video?.caption ?? m.file?.caption ?? '';
  if (!text && m.reply?.title) text = m.reply.title;
  if (!text && m.button) text = m.button.text ?? m.button.payload ?? '';
  if (!text && m.location) text = `Location: ${[m.location.name, m.location.address].filter(Boolean).join(', ')} (${m.location.lat}, ${m.location.long})`.replace(':  (', ': (');
  const name = m.profile?.name;
  return [
    {
      kind: 'message',
      message: {
        provider: PROVIDER,
        channel,
        providerMessageId: m.message_uuid,
        threadKey: `${m.to}|${m.from}`,
        from: m.from,
        to: m.to,
        identity: identityOf(channel, m.from),
        ...(name ? { displayName: name } : {}),
        text,
        attachments,
        receivedAt,
        sentAt: isoOr(m.timestamp, receivedAt),
        ...(m.context?.message_uuid ? { inReplyTo: m.context.message_uuid } : {}),
      },
    },
  ];
}

export const vonage = {
  provider: PROVIDER,
  receive(req: HttpRequest, ctx: SyncContext): ReceiveResult {
    const secret = ctx.config.secrets.VONAGE_SIGNATURE_SECRET;
    if (!secret) throw new ProviderNotConfigured('vonage', 'VONAGE_SIGNATURE_SECRET is not set');
    const verdict = verifyVonageRequest({
      secret,
      authorization: req.headers['authorization'],
      rawBody: req.body,
      now: ctx.now,
      maxAgeSeconds: ctx.config.maxSignatureAgeSeconds,
    });
    if (!verdict.ok) throw forbidden(verdict.reason, `The Vonage signature is not valid (${verdict.reason.replaceAll('_', ' ')}).`);
    requireMediaType(req, ['application/json'], 'Vonage');
    return { kind: 'events', events: normalizeVonage(parseJsonBody(req), ctx.now.toISOString()), ok: okJson() };
  },
} satisfies ChannelModule;
