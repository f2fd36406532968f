/** What the senders put on the wire for automated messages: choices as buttons, templates outside WhatsApp's window. */
import { describe, expect, it } from 'vitest';
import { MetaSender, TelegramSender, whatsappContent } from '../../functions/adapters/senders.ts';
import type { Message, Ticket } from '../../functions/core/types.ts';

const choices = (n: number, from = 1) => Array.from({ length: n }, (_, i) => ({ id: `survey:${from + i}`, title: String(from + i) }));
const message = (o: Partial<Message> = {}): Message => ({ id: 'm1', ticketId: 't1', direction: 'outbound', automated: true, text: 'How did we do?', attachments: [], from: 'us', to: 'them', createdAt: '2026-11-25T10:00:00Z', deliveryStatus: 'queued', ...o });
const ticket = (channel: Ticket['channel'], customerAddress: string): Ticket =>
  ({ id: 't1', status: 'resolved', priority: 'normal', channel, provider: channel === 'telegram' ? 'telegram' : 'meta', contactId: 'c', threadKey: 'k', inboxAddress: '555000111', customerAddress, tags: [], createdAt: '', lastMessageAt: '', messageCount: 1, reopenCount: 0, version: 1 }) as Ticket;

function capture() {
  const calls: Array<{ url: string; body: any }> = [];
  const fetchImpl = (async (url: string, init: RequestInit) => {
    calls.push({ url, body: JSON.parse(String(init.body)) });
    return new Response(JSON.stringify({ messages: [{ id: 'wamid.1' }], message_id: 'm_1', ok: true, result: { message_id: 7 } }), { status: 200, headers: { 'content-type': 'application/json' } });
  }) as unknown as typeof fetch;
  return { calls, fetchImpl };
}

describe('whatsappContent', () => {
  it('plain text without choices; reply buttons up to 3; a list up to 10; typed beyond', () => {
    expect(whatsappContent(message())).toEqual({ type: 'text', text: { body: 'How did we do?' } });
    const buttons = whatsappContent(message({ choices: choices(3) })) as any;
    expect(buttons.interactive.type).toBe('button');
    expect(buttons.interactive.action.buttons.map((b: any) => b.reply.id)).toEqual(['survey:1', 'survey:2', 'survey:3']);
    const list = whatsappContent(message({ choices: choices(5) })) as any;
    expect(list.interactive.type).toBe('list');
    expect(list.interactive.action.sections[0].rows.map((r: any) => r.id)).toEqual(['survey:1', 'survey:2', 'survey:3', 'survey:4', 'survey:5']);
    expect(whatsappContent(message({ choices: choices(11, 0) }))).toEqual({ type: 'text', text: { body: 'How did we do?' } });
  });

  it('a template replaces the text outside the 24-hour window', () => {
    expect(whatsappContent(message({ template: { name: 'csat_v1', language: 'en_US' }, choices: choices(5) }))).toEqual({ type: 'template', template: { name: 'csat_v1', language: { code: 'en_US' } } });
  });
});

describe('senders with choices', () => {
  it('Messenger sends quick replies with the payloads; Telegram an inline keyboard', async () => {
    const meta = capture();
    await new MetaSender({ accessToken: 't', baseUrl: 'https://graph.example' }, meta.fetchImpl).send(ticket('messenger', 'psid-1'), message({ choices: choices(5) }));
    expect(meta.calls[0]!.body.message.quick_replies.map((q: any) => q.payload)).toEqual(['survey:1', 'survey:2', 'survey:3', 'survey:4', 'survey:5']);
    const tg = capture();
    await new TelegramSender({ botToken: 'b', baseUrl: 'https://api.telegram.example' }, tg.fetchImpl).send(ticket('telegram', '42'), message({ choices: choices(11, 0) }));
    const keyboard = tg.calls[0]!.body.reply_markup.inline_keyboard;
    expect(keyboard.flat().map((b: any) => b.callback_data)).toEqual(choices(11, 0).map((c) => c.id));
    expect(keyboard.every((row: unknown[]) => row.length <= 6)).toBe(true);
  });
});
