/** Telegram Bot API Update (one per request), the parts we use. */
import { z } from 'zod';

const user = z.object({ id: z.number().int(), first_name: z.string().optional(), last_name: z.string().optional(), username: z.string().optional(), is_bot: z.boolean().optional() }).loose();
const chat = z.object({ id: z.number().int(), type: z.string().optional(), title: z.string().optional() }).loose();
const file = z.object({ file_id: z.string(), mime_type: z.string().optional(), file_name: z.string().optional(), file_size: z.number().optional() }).loose();

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
    photo: z.array(file).optional(),
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
        id: z.string().min(1),
        from: user,
        data: z.string().optional(),
        message: z.object({ message_id: z.number().int(), chat, message_thread_id: z.number().int().optional() }).loose().optional(),
      })
      .loose()
      .optional(),
  })
  .loose();
