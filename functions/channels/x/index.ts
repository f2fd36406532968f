import type { HttpRequest } from '../../http.ts';
/**
 * GET /webhooks/x?crc_token=…: the CRC challenge, answered with
 * {"response_token": "sha256=" + base64 HMAC-SHA256(consumer secret, crc_token)}.
 * POST /webhooks/x: x-twitter-webhooks-signature = "sha256=" + base64 HMAC-SHA256(consumer secret, raw body);
 * direct message events, ignoring those our own account sent.
 */
import * as z from 'zod';
import { ClientError } from '../../core/errors.ts';
import type { Attachment, ChannelEvent } from '../../core/types.ts';
import { hmac, safeEqual } from '../shared/crypto.ts';
import { forbidden, isoFromEpoch, okJson, parseJsonBody, requireMediaType, zodDetails } from '../shared/http.ts';
import { ProviderNotConfigured, type ChannelModule, type ReceiveResult, type SyncContext } from '../types.ts';

const PROVIDER = 'x';

/**
 * The shape of X's CRC tokens: a short opaque base64/base64url string. No braces, quotes, colons,
 * commas or whitespace, so no JSON document (the only thing a POST accepts) can ever be one.
 */
export const CRC_TOKEN = /^[A-Za-z0-9+/_-]{1,252}={0,3}$/;

export const xSignature = (secret: string, data: Buffer | string): string => `sha256=${hmac('sha256', secret, data).toString('base64')}`;

/** X user and event ids are decimal strings (snowflakes). */
const xId = z.string().regex(/^\d{1,20}$/, 'must be an X id (digits)');

/** DM events one webhook may carry; X sends a handful, a larger batch is refused whole (413). */
export const MAX_DM_EVENTS = 1000;

const EnvelopeSchema = z
  .object({
    for_user_id: xId.optional(),
    direct_message_events: z.array(z.unknown()).optional(),
    users: z.record(z.string(), z.object({ name: z.string().optional(), screen_name: z.string().optional() }).loose()).optional(),
  })
  .loose();

const DmEventSchema = z
  .object({
    type: z.string(),
    id: xId,
    created_timestamp: z.string().optional(),
    message_create: z
      .object({
        target: z.object({ recipient_id: xId }).loose(),
        sender_id: xId,
        message_data: z
          .object({
            text: z.string().default(''),
            attachment: z.object({ type: z.string(), media: z.object({ id_str: z.string().optional(), media_url_https: z.string().optional(), type: z.string().optional() }).loose() }).loose().optional(),
          })
          .loose(),
      })
      .loose()
      .optional(),
  })
  .loose();

/** X escapes &, < and > in DM text; undo exactly those. */
const unescape = (s: string) => s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');

export function normalizeX(body: unknown, receivedAt: string): ChannelEvent[] {
  const env = EnvelopeSchema.safeParse(body);
  if (!env.success) throw new ClientError(400, 'invalid_payload', 'The body is not an Account Activity event.', zodDetails(env.error.issues.slice(0, 5)));
  if ((env.data.direct_message_events?.length ?? 0) > MAX_DM_EVENTS) {
    throw new ClientError(413, 'too_many_items', `The webhook carries more than ${MAX_DM_EVENTS} direct message events.`);
  }
  const events: ChannelEvent[] = [];
  const known = ['for_user_id', 'direct_message_events', 'users', 'apps'];
  // Other event kinds (likes, follows, ...) are not for us: one skipped item names a few of them.
  const unknown = Object.keys(env.data).filter((k) => !known.includes(k));
  if (unknown.length) events.push({ kind: 'skipped', reason: 'unsupported_event', detail: unknown.slice(0, 5).map((k) => k.slice(0, 64)).join(', ') });
  (env.data.direct_message_events ?? []).forEach((raw, i) => {
    const parsed = DmEventSchema.safeParse(raw);
    if (!parsed.success) {
      const why = zodDetails(parsed.error.issues.slice(0, 5)).map((d) => `${d.path} ${d.message}`).join('; ');
      return events.push({ kind: 'skipped', reason: 'invalid_item', detail: `direct_message_events[${i}]: ${why}`.slice(0, 500) });
    }
    const e = parsed.data;
    if (e.type !== 'message_create' || !e.message_create) return events.push({ kind: 'skipped', reason: 'unsupported_event', detail: e.type });
    const mc = e.message_create;
    // Our account is the subscribed user; older envelopes lack for_user_id, then the DM's recipient is us.
    const us = env.data.for_user_id ?? mc.target.recipient_id;
    if (mc.sender_id === us) return events.push({ kind: 'skipped', reason: 'own_message', detail: e.id });
    const media = mc.message_data.attachment?.media;
    const attachments: Attachment[] = media?.media_url_https
      ? [{ url: media.media_url_https, ...(media.id_str ? { providerMediaId: media.id_str } : {}), name: media.type ?? 'media' }]
      : [];
    const name = env.data.users?.[mc.sender_id]?.name;
    const sentAt = isoFromEpoch(e.created_timestamp, 'ms');
    events.push({
      kind: 'message',
      message: {
        provider: PROVIDER,
        channel: 'x',
        providerMessageId: e.id,
        threadKey: `${us}|${mc.sender_id}`,
        from: mc.sender_id,
        to: us,
        identity: { kind: 'x', value: mc.sender_id },
        ...(name ? { displayName: name } : {}),
        text: unescape(mc.message_data.text),
        attachments,
        receivedAt,
        ...(sentAt ? { sentAt } : {}),
      },
    });
  });
  return events;
}

export const x = {
  provider: PROVIDER,
  receive(req: HttpRequest, ctx: SyncContext): ReceiveResult {
    const secret = ctx.config.secrets.X_CONSUMER_SECRET;
    if (!secret) throw new ProviderNotConfigured('x', 'X_CONSUMER_SECRET is not set');
    if (req.method === 'GET') {
      const token = req.query.get('crc_token');
      if (!token) throw new ClientError(400, 'invalid_handshake', 'Expected a crc_token query parameter.');
      // The CRC answer is the same HMAC as a POST signature: answering any string would sign any body.
      if (!CRC_TOKEN.test(token)) throw new ClientError(400, 'invalid_handshake', 'crc_token must be 1-255 base64 or base64url characters.');
      return { kind: 'response', response: okJson({ response_token: xSignature(secret, token) }) };
    }
    const presented = req.headers['x-twitter-webhooks-signature']?.trim();
    if (!presented) throw forbidden('missing_signature', 'The x-twitter-webhooks-signature header is missing.');
    if (!safeEqual(xSignature(secret, req.body), presented)) {
      throw forbidden('bad_signature', 'x-twitter-webhooks-signature does not match the body. Check X_CONSUMER_SECRET.');
    }
    requireMediaType(req, ['application/json'], 'X');
    return { kind: 'events', events: normalizeX(parseJsonBody(req), ctx.now.toISOString()), ok: okJson() };
  },
} satisfies ChannelModule;
