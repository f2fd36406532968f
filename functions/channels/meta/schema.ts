/** Meta webhook payloads (WhatsApp Cloud API, Messenger, Instagram), item by item. Loose: Meta adds fields. */
import { z } from 'zod';

const id = z.union([z.string().min(1).max(256), z.number()]).transform(String);

export const EnvelopeSchema = z
  .object({
    object: z.string().min(1),
    entry: z.array(z.unknown()).max(1000),
  })
  .loose();

const media = z.object({ id: z.string().optional(), mime_type: z.string().optional(), caption: z.string().optional(), filename: z.string().optional(), sha256: z.string().optional(), link: z.string().optional() }).loose();

export const WaMessageSchema = z
  .object({
    from: z.string().min(1).max(64),
    id: z.string().min(1).max(512),
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
    contacts: z.array(z.object({ name: z.object({ formatted_name: z.string().optional() }).loose().optional() }).loose()).optional(),
    context: z.object({ from: z.string().optional(), id: z.string().optional() }).loose().optional(),
  })
  .loose();

export const WaStatusSchema = z
  .object({
    id: z.string().min(1).max(512),
    status: z.string().min(1),
    timestamp: z.union([z.string(), z.number()]).optional(),
    recipient_id: z.string().optional(),
    errors: z.array(z.object({ code: z.number().optional(), title: z.string().optional(), message: z.string().optional() }).loose()).optional(),
  })
  .loose();

export const WaChangeSchema = z
  .object({
    field: z.string(),
    value: z
      .object({
        metadata: z.object({ phone_number_id: id, display_phone_number: z.string().optional() }).loose().optional(),
        contacts: z.array(z.object({ wa_id: z.string().optional(), profile: z.object({ name: z.string().optional() }).loose().optional() }).loose()).optional(),
        messages: z.array(z.unknown()).optional(),
        statuses: z.array(z.unknown()).optional(),
      })
      .loose(),
  })
  .loose();

export const WaEntrySchema = z.object({ id: id.optional(), changes: z.array(z.unknown()) }).loose();

export const MessagingEntrySchema = z.object({ id: id, time: z.number().optional(), messaging: z.array(z.unknown()).optional() }).loose();

export const MessagingItemSchema = z
  .object({
    sender: z.object({ id: id }).loose(),
    recipient: z.object({ id: id }).loose(),
    timestamp: z.number().optional(),
    message: z
      .object({
        mid: z.string().min(1).max(512),
        text: z.string().optional(),
        is_echo: z.boolean().optional(),
        is_deleted: z.boolean().optional(),
        attachments: z
          .array(z.object({ type: z.string(), payload: z.object({ url: z.string().optional(), title: z.string().optional(), coordinates: z.object({ lat: z.number(), long: z.number() }).loose().optional() }).loose().nullish() }).loose())
          .optional(),
        quick_reply: z.object({ payload: z.string() }).loose().optional(),
        reply_to: z.object({ mid: z.string().optional(), story: z.object({ url: z.string().optional(), id: z.string().optional() }).loose().optional() }).loose().optional(),
      })
      .loose()
      .optional(),
    message_edit: z.object({ mid: z.string().min(1), text: z.string().optional(), num_edit: z.number().optional() }).loose().optional(),
    postback: z.object({ title: z.string().optional(), payload: z.string().optional(), mid: z.string().optional() }).loose().optional(),
    reaction: z.object({ mid: z.string().optional(), action: z.string().optional(), emoji: z.string().optional(), reaction: z.string().optional() }).loose().optional(),
    delivery: z.object({ mids: z.array(z.string()).optional(), watermark: z.number().optional() }).loose().optional(),
    read: z.object({ watermark: z.number().optional() }).loose().optional(),
  })
  .loose();
