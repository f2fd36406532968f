/**
 * Meta webhook -> channel events, every entry and every item on its own: a bad item becomes a
 * `skipped` event and the others still land. Pure.
 */
import { ClientError } from '../../core/errors.ts';
import { phoneIdentity } from '../../core/phone.ts';
import type { Attachment, ChannelEvent, Identity, StatusUpdate } from '../../core/types.ts';
import { isoFromEpoch } from '../shared/http.ts';
import { MAX_ITEMS_PER_WEBHOOK, MessagingEntrySchema, MessagingItemSchema, WaChangeSchema, WaEntrySchema, WaMessageSchema, WaStatusSchema } from './schema.ts';
import type { z } from 'zod';

const PROVIDER = 'meta';

const invalid = (where: string, error: z.ZodError): ChannelEvent => ({
  kind: 'skipped',
  reason: 'invalid_item',
  // A few issues say what is wrong; an item can have thousands (one per bad array element).
  detail: `${where}: ${error.issues.slice(0, 5).map((i) => `${i.path.join('.') || '(item)'} ${i.message}`.slice(0, 200)).join('; ')}`.slice(0, 500),
});

const asObject = (v: unknown): Record<string, unknown> => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {});
const lengthOf = (v: unknown): number => (Array.isArray(v) ? v.length : 0);

/**
 * An upper bound on the events a batch becomes, counted on the raw JSON before anything is parsed
 * (each change, messaging item and delivery mid at least one event). Linear in the body; stops
 * counting once over the limit.
 */
export function countItems(entries: readonly unknown[]): number {
  let n = 0;
  for (const raw of entries) {
    const entry = asObject(raw);
    let inEntry = 0;
    const changes = entry['changes'];
    if (Array.isArray(changes)) {
      for (const c of changes) {
        const v = asObject(asObject(c)['value']);
        inEntry += Math.max(1, lengthOf(v['messages']) + lengthOf(v['statuses']));
      }
    }
    const messaging = entry['messaging'];
    if (Array.isArray(messaging)) for (const m of messaging) inEntry += Math.max(1, lengthOf(asObject(asObject(m)['delivery'])['mids']));
    n += Math.max(1, inEntry);
    if (n > MAX_ITEMS_PER_WEBHOOK) return n;
  }
  return n;
}

/** A WhatsApp id is a phone number without '+': the E.164 phone when it is one, else a `wa` identity. */
export function waIdentity(waId: string): Identity {
  const p = phoneIdentity(`+${waId}`);
  return p.kind === 'phone' ? p : { kind: 'wa', value: waId };
}

const WA_STATUS: Record<string, StatusUpdate['status'] | undefined> = { sent: 'sent', delivered: 'delivered', read: 'read', failed: 'failed' };

export function normalizeMeta(object: string, entries: readonly unknown[], receivedAt: string): ChannelEvent[] {
  // Each event is a store transaction: a batch is bounded, whatever fits in the body.
  const items = countItems(entries);
  if (items > MAX_ITEMS_PER_WEBHOOK) {
    throw new ClientError(413, 'too_many_items', `The webhook carries more than ${MAX_ITEMS_PER_WEBHOOK} items (changes, messages, statuses, messaging items); Meta batches at most ${MAX_ITEMS_PER_WEBHOOK}.`);
  }
  switch (object) {
    case 'whatsapp_business_account':
      return entries.flatMap((e, i) => whatsappEntry(e, i, receivedAt));
    case 'page':
      return entries.flatMap((e, i) => messagingEntry(e, i, 'messenger', receivedAt));
    case 'instagram':
      return entries.flatMap((e, i) => messagingEntry(e, i, 'instagram', receivedAt));
    default:
      return [{ kind: 'skipped', reason: 'unsupported_object', detail: object.slice(0, 64) }];
  }
}

function whatsappEntry(raw: unknown, i: number, receivedAt: string): ChannelEvent[] {
  const entry = WaEntrySchema.safeParse(raw);
  if (!entry.success) return [invalid(`entry[${i}]`, entry.error)];
  return entry.data.changes.flatMap((rawChange, j): ChannelEvent[] => {
    const change = WaChangeSchema.safeParse(rawChange);
    if (!change.success) return [invalid(`entry[${i}].changes[${j}]`, change.error)];
    if (change.data.field !== 'messages') return [{ kind: 'skipped', reason: 'unsupported_field', detail: change.data.field }];
    const v = change.data.value;
    const inbox = v.metadata?.phone_number_id;
    const names = new Map((v.contacts ?? []).flatMap((c) => (c.wa_id ? [[c.wa_id, c.profile?.name] as const] : [])));
    const out: ChannelEvent[] = [];
    (v.messages ?? []).forEach((rawMsg, k) => {
      const where = `entry[${i}].changes[${j}].messages[${k}]`;
      const m = WaMessageSchema.safeParse(rawMsg);
      if (!m.success) return out.push(invalid(where, m.error));
      if (!inbox) return out.push({ kind: 'skipped', reason: 'invalid_item', detail: `${where}: metadata.phone_number_id is missing` });
      const msg = m.data;
      const { text, attachments } = waContent(msg);
      const name = names.get(msg.from);
      const sentAt = isoFromEpoch(msg.timestamp, 's');
      out.push({
        kind: 'message',
        message: {
          provider: PROVIDER,
          channel: 'whatsapp',
          providerMessageId: msg.id,
          threadKey: `${inbox}|${msg.from}`,
          from: msg.from,
          to: inbox,
          identity: waIdentity(msg.from),
          ...(name ? { displayName: name } : {}),
          text,
          attachments,
          receivedAt,
          ...(sentAt ? { sentAt } : {}),
          ...(msg.context?.id ? { inReplyTo: msg.context.id } : {}),
          // A reaction is stored but neither reopens a ticket nor starts a clock.
          ...(msg.type === 'reaction' ? { signal: 'reaction' as const } : {}),
          // A reply button or list row (our survey's scores) or a template's quick-reply button.
          ...(buttonPayloadOf(msg) ? { buttonPayload: buttonPayloadOf(msg) } : {}),
        },
      });
    });
    (v.statuses ?? []).forEach((rawStatus, k) => {
      const s = WaStatusSchema.safeParse(rawStatus);
      if (!s.success) return out.push(invalid(`entry[${i}].changes[${j}].statuses[${k}]`, s.error));
      const status = Object.hasOwn(WA_STATUS, s.data.status) ? WA_STATUS[s.data.status] : undefined;
      if (!status) return out.push({ kind: 'skipped', reason: 'unsupported_status', detail: s.data.status });
      const err = s.data.errors?.[0];
      out.push({
        kind: 'status',
        update: {
          provider: PROVIDER,
          providerMessageId: s.data.id,
          status,
          at: isoFromEpoch(s.data.timestamp, 's') ?? receivedAt,
          ...(err ? { error: `${err.code ?? ''} ${err.title ?? err.message ?? ''}`.trim() } : {}),
        },
      });
    });
    return out;
  });
}

function buttonPayloadOf(m: z.infer<typeof WaMessageSchema>): string | undefined {
  if (m.type === 'interactive') return (m.interactive?.button_reply ?? m.interactive?.list_reply)?.id;
  if (m.type === 'button') return m.button?.payload;
  return undefined;
}

function waContent(m: z.infer<typeof WaMessageSchema>): { text: string; attachments: Attachment[] } {
  const mediaOf = (kind: string, x: { id?: string | undefined; mime_type?: string | undefined; filename?: string | undefined } | undefined): Attachment[] =>
    x
      ? [{ ...(x.id ? { providerMediaId: x.id } : {}), ...(x.mime_type ? { contentType: x.mime_type } : {}), ...(x.filename ? { name: x.filename } : { name: kind }) }]
      : [];
  switch (m.type) {
    case 'text':
      return { text: m.text?.body ?? '', attachments: [] };
    case 'image':
    case 'video':
    case 'audio':
    case 'document':
    case 'sticker': {
      const media = m[m.type];
      return { text: media?.caption ?? '', attachments: mediaOf(m.type, media) };
    }
    case 'location': {
      const l = m.location;
      if (!l) return { text: '[location]', attachments: [] };
      const label = [l.name, l.address].filter(Boolean).join(', ');
      return { text: `Location: ${label ? `${label} ` : ''}(${l.latitude}, ${l.longitude})`, attachments: [] };
    }
    case 'button':
      return { text: m.button?.text ?? m.button?.payload ?? '', attachments: [] };
    case 'interactive': {
      const r = m.interactive?.button_reply ?? m.interactive?.list_reply;
      return { text: r?.title ?? '', attachments: [] };
    }
    case 'reaction':
      return { text: m.reaction?.emoji ? `Reacted ${m.reaction.emoji}` : 'Removed a reaction', attachments: [] };
    case 'contacts':
      return { text: `Shared contact: ${(m.contacts ?? []).map((c) => c.name?.formatted_name ?? '?').join(', ')}`, attachments: [] };
    default:
      return { text: `[${m.type} message]`, attachments: [] };
  }
}

function messagingEntry(raw: unknown, i: number, channel: 'messenger' | 'instagram', receivedAt: string): ChannelEvent[] {
  const entry = MessagingEntrySchema.safeParse(raw);
  if (!entry.success) return [invalid(`entry[${i}]`, entry.error)];
  return (entry.data.messaging ?? []).flatMap((rawItem, j): ChannelEvent[] => {
    const where = `entry[${i}].messaging[${j}]`;
    const parsed = MessagingItemSchema.safeParse(rawItem);
    if (!parsed.success) return [invalid(where, parsed.error)];
    const item = parsed.data;
    const customer = item.sender.id;
    const inbox = item.recipient.id;
    const at = isoFromEpoch(item.timestamp, 'ms') ?? receivedAt;
    const base = {
      provider: PROVIDER,
      channel,
      threadKey: `${inbox}|${customer}`,
      from: customer,
      to: inbox,
      identity: { kind: channel === 'messenger' ? 'psid' : 'igsid', value: customer } as Identity,
      receivedAt,
      sentAt: at,
    } as const;

    if (item.message) {
      const m = item.message;
      if (m.is_echo) return [{ kind: 'skipped', reason: 'echo', detail: m.mid }];
      if (m.is_deleted) return [{ kind: 'edit', edit: { provider: PROVIDER, providerMessageId: m.mid, deleted: true, at } }];
      const attachments: Attachment[] = (m.attachments ?? []).flatMap((a) => (a.payload?.url ? [{ url: a.payload.url, name: a.type }] : []));
      const location = m.attachments?.find((a) => a.type === 'location')?.payload?.coordinates;
      let text = m.text ?? '';
      if (!text && location) text = `Location: (${location.lat}, ${location.long})`;
      if (!text && m.attachments?.some((a) => a.type === 'story_mention')) text = '[mentioned you in a story]';
      return [
        {
          kind: 'message',
          message: {
            ...base,
            providerMessageId: m.mid,
            text,
            attachments,
            ...(m.reply_to?.mid ? { inReplyTo: m.reply_to.mid } : {}),
            ...(m.quick_reply?.payload ? { buttonPayload: m.quick_reply.payload } : {}),
          },
        },
      ];
    }
    if (item.message_edit) {
      const e = item.message_edit;
      return [{ kind: 'edit', edit: { provider: PROVIDER, providerMessageId: e.mid, ...(e.text !== undefined ? { text: e.text } : {}), at } }];
    }
    if (item.postback) {
      const p = item.postback;
      return [
        {
          kind: 'message',
          message: {
            ...base,
            providerMessageId: p.mid ?? `postback:${customer}:${item.timestamp ?? receivedAt}`,
            text: p.title ?? p.payload ?? '',
            attachments: [],
            signal: 'postback',
          },
        },
      ];
    }
    if (item.reaction) {
      const r = item.reaction;
      return [
        {
          kind: 'message',
          message: {
            ...base,
            providerMessageId: `reaction:${r.mid ?? ''}:${customer}:${item.timestamp ?? receivedAt}:${r.action ?? ''}`,
            text: r.action === 'unreact' ? 'Removed a reaction' : `Reacted ${r.emoji ?? r.reaction ?? ''}`.trim(),
            signal: 'reaction',
            attachments: [],
            ...(r.mid ? { inReplyTo: r.mid } : {}),
          },
        },
      ];
    }
    if (item.delivery?.mids?.length) {
      return item.delivery.mids.map((mid) => ({ kind: 'status', update: { provider: PROVIDER, providerMessageId: mid, status: 'delivered', at } }) as const);
    }
    if (item.read) return [{ kind: 'skipped', reason: 'read_watermark' }];
    return [{ kind: 'skipped', reason: 'unsupported_event' }];
  });
}
