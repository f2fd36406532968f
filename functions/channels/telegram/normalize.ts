/** Telegram Update -> channel events. Thread by chat (and forum topic); dedupe by update_id. Pure. */
import { ClientError } from '../../core/errors.ts';
import type { Attachment, ChannelEvent } from '../../core/types.ts';
import { isoFromEpoch, zodDetails } from '../shared/http.ts';
import { clip } from '../shared/text.ts';
import { MAX_EDIT_CHARS, TelegramMessageSchema, TelegramUpdateSchema } from './schema.ts';
import type { z } from 'zod';

const PROVIDER = 'telegram';
type TgMessage = z.infer<typeof TelegramMessageSchema>;

/** Where replies go: the chat, plus the forum topic when there is one. */
const chatAddress = (m: { chat: { id: number }; message_thread_id?: number | undefined; is_topic_message?: boolean | undefined }) =>
  m.is_topic_message && m.message_thread_id !== undefined ? `${m.chat.id}:${m.message_thread_id}` : String(m.chat.id);

export const telegramMessageId = (chatId: number, messageId: number) => `${chatId}:${messageId}`;

function content(m: TgMessage): { text: string; attachments: Attachment[] } {
  const attachments: Attachment[] = [];
  const add = (name: string, f: { file_id: string; mime_type?: string | undefined; file_name?: string | undefined; file_size?: number | undefined } | undefined) => {
    if (f) {
      attachments.push({
        providerMediaId: f.file_id,
        name: f.file_name ?? name,
        ...(f.mime_type ? { contentType: f.mime_type } : {}),
        ...(f.file_size !== undefined ? { size: f.file_size } : {}),
      });
    }
  };
  add('photo', m.photo?.at(-1)); // the largest size comes last
  add('document', m.document);
  add('video', m.video);
  add('voice', m.voice);
  add('audio', m.audio);
  add('sticker', m.sticker);
  let text = m.text ?? m.caption ?? '';
  if (!text && m.sticker?.emoji) text = m.sticker.emoji;
  if (!text && m.location) text = `Location: (${m.location.latitude}, ${m.location.longitude})`;
  if (!text && m.contact) text = `Shared contact: ${m.contact.first_name ?? ''} ${m.contact.phone_number}`.replace(/\s+/g, ' ');
  return { text, attachments };
}

const nameOf = (u: { first_name?: string | undefined; last_name?: string | undefined; username?: string | undefined } | undefined) =>
  u ? [u.first_name, u.last_name].filter(Boolean).join(' ') || u.username : undefined;

function parseMessage(raw: unknown, what: string): TgMessage {
  const parsed = TelegramMessageSchema.safeParse(raw);
  if (!parsed.success) throw new ClientError(400, 'invalid_payload', `The ${what} is not valid.`, zodDetails(parsed.error.issues));
  return parsed.data;
}

type TgUser = Parameters<typeof nameOf>[0] & { id: number };

/** One customer message in a chat (a message or a button press). */
function messageEvent(f: {
  providerMessageId: string;
  dedupeId: string;
  address: string;
  user: TgUser;
  text: string;
  attachments: Attachment[];
  receivedAt: string;
  sentAt?: string | undefined;
  inReplyTo?: string | undefined;
  buttonPayload?: string | undefined;
}): ChannelEvent {
  const name = nameOf(f.user);
  return {
    kind: 'message',
    message: {
      provider: PROVIDER,
      channel: 'telegram',
      providerMessageId: f.providerMessageId,
      dedupeId: f.dedupeId,
      threadKey: f.address,
      from: f.address,
      to: 'bot',
      identity: { kind: 'telegram', value: String(f.user.id) },
      ...(name ? { displayName: name } : {}),
      text: f.text,
      attachments: f.attachments,
      receivedAt: f.receivedAt,
      ...(f.sentAt ? { sentAt: f.sentAt } : {}),
      ...(f.inReplyTo ? { inReplyTo: f.inReplyTo } : {}),
      ...(f.buttonPayload ? { buttonPayload: f.buttonPayload } : {}),
    },
  };
}

export function normalizeTelegram(body: unknown, receivedAt: string): ChannelEvent[] {
  const update = TelegramUpdateSchema.safeParse(body);
  if (!update.success) throw new ClientError(400, 'invalid_payload', 'The body is not a Telegram Update.', zodDetails(update.error.issues));
  const u = update.data;
  const dedupeId = `update:${u.update_id}`;

  if (u.message !== undefined) {
    const m = parseMessage(u.message, 'Telegram message');
    if (!m.from) return [{ kind: 'skipped', reason: 'no_sender' }];
    if (m.from.is_bot) return [{ kind: 'skipped', reason: 'from_bot' }];
    return [
      messageEvent({
        providerMessageId: telegramMessageId(m.chat.id, m.message_id),
        dedupeId,
        address: chatAddress(m),
        user: m.from,
        ...content(m),
        receivedAt,
        sentAt: isoFromEpoch(m.date, 's') ?? receivedAt,
        inReplyTo: m.reply_to_message ? telegramMessageId(m.chat.id, m.reply_to_message.message_id) : undefined,
      }),
    ];
  }
  if (u.edited_message !== undefined) {
    const m = parseMessage(u.edited_message, 'edited Telegram message');
    return [
      {
        kind: 'edit',
        edit: {
          provider: PROVIDER,
          providerMessageId: telegramMessageId(m.chat.id, m.message_id),
          text: clip(m.text ?? m.caption ?? '', MAX_EDIT_CHARS),
          at: isoFromEpoch(m.edit_date ?? m.date, 's') ?? receivedAt,
        },
      },
    ];
  }
  if (u.callback_query) {
    const q = u.callback_query;
    if (!q.message) return [{ kind: 'skipped', reason: 'inline_callback' }];
    return [
      messageEvent({
        providerMessageId: `callback:${q.id}`,
        dedupeId,
        address: chatAddress({ chat: q.message.chat, message_thread_id: q.message.message_thread_id, is_topic_message: q.message.message_thread_id !== undefined }),
        user: q.from,
        text: q.data ?? '',
        attachments: [],
        receivedAt,
        inReplyTo: telegramMessageId(q.message.chat.id, q.message.message_id),
        // An inline keyboard button (our survey's scores): its callback data is the payload.
        buttonPayload: q.data,
      }),
    ];
  }
  return [{ kind: 'skipped', reason: 'unsupported_update' }];
}
