/**
 * Meta webhook payloads (WhatsApp Cloud API, Messenger, Instagram), item by item. Loose: Meta adds fields.
 * Bounded: every array has a maximum (checked before its items are parsed) and every string that
 * is copied into an event is either limited (ids: over the limit the item is invalid) or clipped
 * (names, types, error texts), so one event always fits one table item. Message text is the only
 * unbounded field; the webhook service moves long text to the bucket.
 */
import * as z from 'zod';
import { clip } from '../shared/text.ts';

/** Items (changes, messages, statuses, messaging items, delivery mids) one webhook may carry: Meta batches at most 1000. */
export const MAX_ITEMS_PER_WEBHOOK = 1000;
/** Attachments one Messenger/Instagram message may carry. */
export const MAX_ATTACHMENTS = 50;
export const MAX_ID_CHARS = 512;
export const MAX_URL_CHARS = 4096;
/** Edits longer than this (characters) are clipped; Messenger and Instagram messages stop at 2000. */
export const MAX_EDIT_CHARS = 16 * 1024;


/** A string copied into events for display: clipped, never a reason to drop the item. */
const shown = (n = 256) => z.string().transform((s) => clip(s, n));
/** An optional reference to another message: dropped when it is not a plausible id. */
const ref = z.string().min(1).max(MAX_ID_CHARS).optional().catch(undefined);
const blank = (s: string) => s.trim().length > 0;
const id = z
  .union([z.string().min(1).max(256), z.number()])
  .transform(String)
  .refine(blank, 'must not be blank');

export const EnvelopeSchema = z
  .object({
    object: z.string().min(1),
    entry: z.array(z.unknown()).max(MAX_ITEMS_PER_WEBHOOK),
  })
  .loose();

const media = z
  .object({ id: z.string().max(MAX_ID_CHARS).optional(), mime_type: shown().optional(), caption: z.string().optional(), filename: shown().optional(), sha256: z.string().optional(), link: z.string().optional() })
  .loose();

export const WaMessageSchema = z
  .object({
    from: z.string().min(1).max(64).refine(blank, 'must not be blank'),
    id: z.string().min(1).max(MAX_ID_CHARS),
    timestamp: z.union([z.string(), z.number()]).optional(),
    type: z.string().min(1).max(64),
    text: z.object({ body: z.string() }).loose().optional(),
    image: media.optional(),
    video: media.optional(),
    audio: media.optional(),
    document: media.optional(),
    sticker: media.optional(),
    location: z.object({ latitude: z.number(), longitude: z.number(), name: z.string().optional(), address: z.string().optional() }).loose().optional(),
    button: z.object({ text: z.string().optional(), payload: z.string().optional() }).loose().optional(),
    interactive: z
      .object({
        type: z.string().optional(),
        button_reply: z.object({ id: z.string().optional(), title: z.string() }).loose().optional(),
        list_reply: z.object({ id: z.string().optional(), title: z.string(), description: z.string().optional() }).loose().optional(),
      })
      .loose()
      .optional(),
    reaction: z.object({ message_id: z.string().optional(), emoji: z.string().optional() }).loose().optional(),
    contacts: z.array(z.object({ name: z.object({ formatted_name: shown().optional() }).loose().optional() }).loose()).max(100).optional(),
    context: z.object({ from: z.string().optional(), id: ref }).loose().optional(),
  })
  .loose();

export const WaStatusSchema = z
  .object({
    id: z.string().min(1).max(MAX_ID_CHARS),
    status: z.string().min(1).transform((v) => clip(v, 64)),
    timestamp: z.union([z.string(), z.number()]).optional(),
    recipient_id: z.string().optional(),
    errors: z.array(z.object({ code: z.number().optional(), title: shown(512).optional(), message: shown(512).optional() }).loose()).max(100).optional(),
  })
  .loose();

export const WaChangeSchema = z
  .object({
    field: shown(64),
    value: z
      .object({
        metadata: z.object({ phone_number_id: id, display_phone_number: z.string().optional() }).loose().optional(),
        contacts: z.array(z.object({ wa_id: z.string().optional(), profile: z.object({ name: shown().optional() }).loose().optional() }).loose()).max(MAX_ITEMS_PER_WEBHOOK).optional(),
        messages: z.array(z.unknown()).max(MAX_ITEMS_PER_WEBHOOK).optional(),
        statuses: z.array(z.unknown()).max(MAX_ITEMS_PER_WEBHOOK).optional(),
      })
      .loose(),
  })
  .loose();

export const WaEntrySchema = z.object({ id: id.optional(), changes: z.array(z.unknown()).max(MAX_ITEMS_PER_WEBHOOK) }).loose();

export const MessagingEntrySchema = z.object({ id: id, time: z.number().optional(), messaging: z.array(z.unknown()).max(MAX_ITEMS_PER_WEBHOOK).optional() }).loose();

export const MessagingItemSchema = z
  .object({
    sender: z.object({ id: id }).loose(),
    recipient: z.object({ id: id }).loose(),
    timestamp: z.number().optional(),
    message: z
      .object({
        mid: z.string().min(1).max(MAX_ID_CHARS),
        text: z.string().optional(),
        is_echo: z.boolean().optional(),
        is_deleted: z.boolean().optional(),
        attachments: z
          .array(
            z
              .object({
                type: shown(64),
                payload: z.object({ url: z.string().max(MAX_URL_CHARS).optional(), title: z.string().optional(), coordinates: z.object({ lat: z.number(), long: z.number() }).loose().optional() }).loose().nullish(),
              })
              .loose(),
          )
          .max(MAX_ATTACHMENTS)
          .optional(),
        quick_reply: z.object({ payload: z.string() }).loose().optional(),
        reply_to: z.object({ mid: ref, story: z.object({ url: z.string().optional(), id: z.string().optional() }).loose().optional() }).loose().optional(),
      })
      .loose()
      .optional(),
    message_edit: z.object({ mid: z.string().min(1).max(MAX_ID_CHARS), text: shown(MAX_EDIT_CHARS).optional(), num_edit: z.number().optional() }).loose().optional(),
    postback: z.object({ title: z.string().optional(), payload: z.string().optional(), mid: ref }).loose().optional(),
    reaction: z.object({ mid: ref, action: shown(32).optional(), emoji: shown(64).optional(), reaction: shown(64).optional() }).loose().optional(),
    delivery: z.object({ mids: z.array(z.string().min(1).max(MAX_ID_CHARS)).max(MAX_ITEMS_PER_WEBHOOK).optional(), watermark: z.number().optional() }).loose().optional(),
    read: z.object({ watermark: z.number().optional() }).loose().optional(),
  })
  .loose();
