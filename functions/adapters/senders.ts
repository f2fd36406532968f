/**
 * Outbound senders for the social and messaging providers. Each replies through the channel the
 * ticket came from, at a configurable base URL; without credentials a reply is recorded
 * `not_sent` with the reason.
 */
import type { SendResult, Sender } from '../core/ports.ts';
import type { Message, Ticket } from '../core/types.ts';
import { pick, postForJson } from './http-send.ts';

abstract class ConfiguredSender<C> implements Sender {
  protected readonly cfg: C;
  protected readonly fetchImpl: typeof fetch;
  constructor(cfg: C, fetchImpl: typeof fetch = fetch) {
    this.cfg = cfg;
    this.fetchImpl = fetchImpl;
  }
  abstract send(ticket: Ticket, m: Message): Promise<SendResult>;
}

const notSent = (reason: string): SendResult => ({ status: 'not_sent', reason });
const chunk = <T>(xs: readonly T[], n: number): T[][] => Array.from({ length: Math.ceil(xs.length / n) }, (_, i) => xs.slice(i * n, i * n + n));
const sent = (provider: string, id: string | undefined): SendResult => {
  if (!id) throw new Error(`${provider} answered without a message id`);
  return { status: 'sent', providerMessageId: id };
};
const json = (token?: string): Record<string, string> => ({
  'content-type': 'application/json',
  ...(token ? { authorization: `Bearer ${token}` } : {}),
});

/** WhatsApp Cloud API, Messenger and Instagram through the Graph API. */
export class MetaSender extends ConfiguredSender<{ accessToken?: string | undefined; baseUrl: string }> {
  async send(ticket: Ticket, m: Message): Promise<SendResult> {
    if (!this.cfg.accessToken) return notSent('META_ACCESS_TOKEN is not configured');
    if (ticket.channel === 'whatsapp') {
      const r = await postForJson(this.fetchImpl, {
        provider: 'Meta',
        url: `${this.cfg.baseUrl}/${encodeURIComponent(ticket.inboxAddress)}/messages`,
        headers: json(this.cfg.accessToken),
        body: JSON.stringify({ messaging_product: 'whatsapp', recipient_type: 'individual', to: ticket.customerAddress, ...whatsappContent(m) }),
      });
      return sent('Meta', pick(r, ['messages', 0, 'id']));
    }
    // Messenger and Instagram: quick replies (up to 13) for offered choices.
    const quickReplies = m.choices && m.choices.length <= 13 ? m.choices.map((c) => ({ content_type: 'text', title: c.title.slice(0, 20), payload: c.id })) : undefined;
    const r = await postForJson(this.fetchImpl, {
      provider: 'Meta',
      url: `${this.cfg.baseUrl}/${encodeURIComponent(ticket.inboxAddress)}/messages`,
      headers: json(this.cfg.accessToken),
      body: JSON.stringify({ recipient: { id: ticket.customerAddress }, messaging_type: 'RESPONSE', message: { text: m.text, ...(quickReplies ? { quick_replies: quickReplies } : {}) } }),
    });
    return sent('Meta', pick(r, ['message_id']));
  }
}

/**
 * A WhatsApp Cloud API message body: an approved template (outside the 24-hour window), reply
 * buttons (up to 3 choices), a list (up to 10), or plain text (more choices are typed).
 */
export function whatsappContent(m: Message): Record<string, unknown> {
  if (m.template) return { type: 'template', template: { name: m.template.name, language: { code: m.template.language } } };
  const choices = m.choices ?? [];
  const body = { text: m.text.slice(0, 1024) };
  if (choices.length > 0 && choices.length <= 3) {
    return { type: 'interactive', interactive: { type: 'button', body, action: { buttons: choices.map((c) => ({ type: 'reply', reply: { id: c.id, title: c.title.slice(0, 20) } })) } } };
  }
  if (choices.length > 3 && choices.length <= 10) {
    return { type: 'interactive', interactive: { type: 'list', body, action: { button: 'Choose', sections: [{ title: 'Your answer', rows: choices.map((c) => ({ id: c.id, title: c.title.slice(0, 24) })) }] } } };
  }
  return { type: 'text', text: { body: m.text } };
}

/** Telegram Bot API sendMessage. Provider message ids are `<chat id>:<message id>`. */
export class TelegramSender extends ConfiguredSender<{ botToken?: string | undefined; baseUrl: string }> {
  async send(ticket: Ticket, m: Message): Promise<SendResult> {
    if (!this.cfg.botToken) return notSent('TELEGRAM_BOT_TOKEN is not configured');
    const [chatId, topic] = ticket.customerAddress.split(':');
    const r = await postForJson(this.fetchImpl, {
      provider: 'Telegram',
      url: `${this.cfg.baseUrl}/bot${this.cfg.botToken}/sendMessage`,
      headers: json(),
      body: JSON.stringify({
        chat_id: chatId,
        text: m.text,
        ...(topic ? { message_thread_id: Number(topic) } : {}),
        // Offered choices (survey scores) as an inline keyboard; a tap comes back as a callback_query.
        ...(m.choices?.length ? { reply_markup: { inline_keyboard: chunk(m.choices.map((c) => ({ text: c.title, callback_data: c.id.slice(0, 64) })), 6) } } : {}),
      }),
    });
    const id = pick(r, ['result', 'message_id']);
    return sent('Telegram', id && `${chatId}:${id}`);
  }
}

/** X direct messages (API v2, OAuth 2.0 user-context token). */
export class XSender extends ConfiguredSender<{ accessToken?: string | undefined; baseUrl: string }> {
  async send(ticket: Ticket, m: Message): Promise<SendResult> {
    if (!this.cfg.accessToken) return notSent('X_ACCESS_TOKEN is not configured');
    const r = await postForJson(this.fetchImpl, {
      provider: 'X',
      url: `${this.cfg.baseUrl}/2/dm_conversations/with/${encodeURIComponent(ticket.customerAddress)}/messages`,
      headers: json(this.cfg.accessToken),
      body: JSON.stringify({ text: m.text }),
    });
    return sent('X', pick(r, ['data', 'dm_event_id']));
  }
}

const VONAGE_CHANNEL: Partial<Record<Ticket['channel'], string>> = { sms: 'sms', whatsapp: 'whatsapp', messenger: 'messenger', viber: 'viber_service', voice: 'sms' };

/** Vonage Messages API. */
export class VonageSender extends ConfiguredSender<{ apiKey?: string | undefined; apiSecret?: string | undefined; baseUrl: string }> {
  async send(ticket: Ticket, m: Message): Promise<SendResult> {
    if (!this.cfg.apiKey || !this.cfg.apiSecret) return notSent('VONAGE_API_KEY and VONAGE_API_SECRET are not configured');
    const channel = VONAGE_CHANNEL[ticket.channel];
    if (!channel) return notSent(`Vonage cannot send on channel ${ticket.channel}`);
    if (m.template) return notSent('outside_window: WhatsApp templates are sent through the Meta Cloud API, not Vonage here');
    const r = await postForJson(this.fetchImpl, {
      provider: 'Vonage',
      url: `${this.cfg.baseUrl}/v1/messages`,
      headers: { 'content-type': 'application/json', authorization: `Basic ${Buffer.from(`${this.cfg.apiKey}:${this.cfg.apiSecret}`).toString('base64')}` },
      body: JSON.stringify({ message_type: 'text', text: m.text, to: ticket.customerAddress, from: ticket.inboxAddress, channel }),
    });
    return sent('Vonage', pick(r, ['message_uuid']));
  }
}

/** MessageBird SMS messages API. */
export class MessageBirdSender extends ConfiguredSender<{ accessKey?: string | undefined; baseUrl: string }> {
  async send(ticket: Ticket, m: Message): Promise<SendResult> {
    if (!this.cfg.accessKey) return notSent('MESSAGEBIRD_ACCESS_KEY is not configured');
    const r = await postForJson(this.fetchImpl, {
      provider: 'MessageBird',
      url: `${this.cfg.baseUrl}/messages`,
      headers: { 'content-type': 'application/json', authorization: `AccessKey ${this.cfg.accessKey}` },
      body: JSON.stringify({ originator: ticket.inboxAddress, recipients: [ticket.customerAddress], body: m.text }),
    });
    return sent('MessageBird', pick(r, ['id']));
  }
}
