/**
 * Telegram Bot API Update (one per request), the parts we use. Bounded: arrays have a maximum and
 * strings copied into events are limited (ids) or clipped (names, types), so one event always fits
 * one table item; message text is left to the webhook service (long text goes to the bucket).
 */
import * as z from 'zod';
import { clip } from '../shared/text.ts';

/** Edits longer than this (characters) are clipped; Telegram messages stop at 4096. */
export const MAX_EDIT_CHARS = 16 * 1024;

const shown = (n = 256) => z.string().transform((s) => clip(s, n));

const user = z.object({ id: z.number().int(), first_name: shown().optional(), last_name: shown().optional(), username: shown().optional(), is_bot: z.boolean().optional() }).loose();
const chat = z.object({ id: z.number().int(), type: z.string().optional(), title: z.string().optional() }).loose();
const file = z.object({ file_id: z.string().min(1).max(512), mime_type: shown().optional(), file_name: shown().optional(), file_size: z.number().optional() }).loose();

export const TelegramMessageSchema = z
  .object({
    message_id: z.number().int(),
    message_thread_id: z.number().int().optional(),
    is_topic_message: z.boolean().optional(),
    from: user.optional(),
    chat,
    date: z.number().int(),
    edit_date: z.number().int().optional(),
    text: z.string().optional(),
    caption: z.string().optional(),
    photo: z.array(file).max(100).optional(),
    document: file.optional(),
    video: file.optional(),
    voice: file.optional(),
    audio: file.optional(),
    sticker: file.extend({ emoji: z.string().optional() }).optional(),
    location: z.object({ latitude: z.number(), longitude: z.number() }).loose().optional(),
    contact: z.object({ phone_number: z.string(), first_name: z.string().optional() }).loose().optional(),
    reply_to_message: z.object({ message_id: z.number().int() }).loose().optional(),
  })
  .loose();

export const TelegramUpdateSchema = z
  .object({
    update_id: z.number().int().nonnegative(),
    message: z.unknown().optional(),
    edited_message: z.unknown().optional(),
    callback_query: z
      .object({
        id: z.string().min(1).max(512),
        from: user,
        data: z.string().optional(),
        message: z.object({ message_id: z.number().int(), chat, message_thread_id: z.number().int().optional() }).loose().optional(),
      })
      .loose()
      .optional(),
  })
  .loose();
