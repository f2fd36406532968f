/**
 * Follow-ups that close the loop, end to end on the local stack with short delays: surveys after
 * resolution (SMS typed score, Telegram inline buttons), ratings that neither reopen nor open a
 * ticket, pending reminders, auto-resolve, auto-close, and STOP.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signedTelegram, telegramPayload } from '../../bin/simulate.ts';
import { API_KEY, api, deliver, eventually, REPORTS_KEY, sendSms, startTestStack, ticketsOf, uniquePhone, type TestStack } from '../helpers/stack.ts';

let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack({
    AUTO_ACK_ENABLED: 'false',
    SURVEY_DELAY_SECONDS: '1',
    PENDING_REMINDER_SECONDS: '1',
    PENDING_AUTO_RESOLVE_SECONDS: '3',
    AUTO_CLOSE_SECONDS: '5',
    PENDING_REMINDER_TEXT: 'Still need help? Just reply.',
    API_KEYS: JSON.stringify([
      { key: API_KEY, scopes: ['tickets:read', 'tickets:write', 'contacts:read', 'contacts:write'], name: 'agent' },
      { key: REPORTS_KEY, scopes: ['reports:read'], name: 'reports' },
    ]),
  });
});
afterAll(async () => {
  await stack?.stop();
});

const ticketOf = async (id: string) => (await api(stack, 'GET', `/v1/tickets/${id}`)).json as { ticket: Record<string, any>; messages: Array<Record<string, any>> };
const eventsOf = async (id: string) => (await api(stack, 'GET', `/v1/tickets/${id}/events?limit=200`)).json.events as Array<Record<string, any>>;
const smsTo = (to: string) => stack.providerStub.requests.filter((r) => r.form.get('To') === to);

async function openSms(from: string, body = 'my parcel is late') {
  expect((await sendSms(stack, { from, body })).status).toBe(200);
  const [t] = await eventually(async () => {
    const list = await ticketsOf(stack, from);
    return list.length ? list : undefined;
  }, 10_000, 'the ticket');
  return t!['id'] as string;
}

describe('survey after resolution', () => {
  it('SMS: a typed score is the rating; it does not reopen, opens no ticket, and the metric is emitted once', async () => {
    const from = uniquePhone();
    const id = await openSms(from);
    expect((await api(stack, 'PATCH', `/v1/tickets/${id}`, { status: 'resolved' })).status).toBe(200);
    const survey = await eventually(async () => (await ticketOf(id)).messages.find((m) => m['automated'] && m['deliveryStatus'] === 'sent'), 15_000, 'the survey to be sent');
    expect(survey['text']).toContain('from 1 (not at all) to 5');
    expect(smsTo(from).map((r) => r.form.get('Body'))).toEqual([survey['text']]);
    expect((await ticketOf(id)).ticket).toMatchObject({ status: expect.stringMatching(/resolved|closed/) });

    expect((await sendSms(stack, { from, body: '4 quick and kind' })).status).toBe(200);
    const rated = await eventually(async () => {
      const t = (await ticketOf(id)).ticket;
      return t['survey'] ? t : undefined;
    }, 10_000, 'the rating');
    expect(rated['survey']).toMatchObject({ kind: 'csat', score: 4, comment: 'quick and kind', channel: 'sms' });
    expect(rated['status']).toMatch(/resolved|closed/);
    expect(rated['reopenCount']).toBe(0);
    expect(await ticketsOf(stack, from)).toHaveLength(1);

    // A second rating replaces the first; the metrics stay those of the first.
    expect((await sendSms(stack, { from, body: '5' })).status).toBe(200);
    await eventually(async () => ((await ticketOf(id)).ticket['survey']?.score === 5 ? true : undefined), 10_000, 'the second rating');
    const scores = stack.metrics.events.filter((e) => e.name === 'SurveyScore' && e.dimensions['Channel'] === 'sms');
    expect(scores.filter((e) => e.value === 4)).toHaveLength(1);
    expect(scores.filter((e) => e.value === 5)).toHaveLength(0);
    const rated2 = (await eventsOf(id)).filter((e) => e['type'] === 'survey.rated');
    expect(rated2.map((e) => [e['score'], e['replaces'] ?? null])).toEqual([
      [4, null],
      [5, 4],
    ]);
    // The report reflects the latest rating only.
    const day = new Date().toISOString().slice(0, 10);
    const report = await api(stack, 'GET', `/v1/reports/satisfaction?from=${day}&to=${day}`, undefined, { authorization: `Bearer ${REPORTS_KEY}` });
    expect(report.status).toBe(200);
    const sms = report.json.groups.find((g: any) => g.channel === 'sms' && g.kind === 'csat');
    expect(sms.distribution['4']).toBe(0);
    expect(sms.distribution['5']).toBeGreaterThanOrEqual(1);
    // No response-time clock moved: the ratings are not customer messages.
    const received = (await eventsOf(id)).filter((e) => e['type'] === 'message.received');
    expect(received.slice(1).every((e) => e['countsAsCustomerMessage'] === false)).toBe(true);
  });

  it('Telegram: the survey carries inline buttons and a tap is the rating', async () => {
    const chat = String(700_000_000 + Math.floor(Math.random() * 1e6));
    const token = stack.runtime.config.secrets.TELEGRAM_SECRET_TOKEN!;
    expect((await deliver(stack, signedTelegram(token, telegramPayload({ from: chat, body: 'where is my refund?' })))).status).toBe(200);
    const [t] = await eventually(async () => {
      const l = await ticketsOf(stack, chat);
      return l.length ? l : undefined;
    }, 10_000, 'the telegram ticket');
    const id = t!['id'] as string;
    expect((await api(stack, 'PATCH', `/v1/tickets/${id}`, { status: 'resolved' })).status).toBe(200);
    const sent = await eventually(async () => stack.providerStub.requests.find((r) => r.path.endsWith('/sendMessage') && String(r.json?.chat_id) === chat), 15_000, 'the survey on Telegram');
    expect(sent.json.reply_markup.inline_keyboard.flat().map((b: any) => b.callback_data)).toEqual(['survey:1', 'survey:2', 'survey:3', 'survey:4', 'survey:5']);
    const tap = {
      update_id: 800_000_000 + Math.floor(Math.random() * 1e6),
      callback_query: { id: `cb${Date.now()}`, from: { id: Number(chat), is_bot: false, first_name: 'Tess' }, message: { message_id: 1001, chat: { id: Number(chat), type: 'private' }, date: Math.floor(Date.now() / 1000) }, data: 'survey:5' },
    };
    expect((await deliver(stack, signedTelegram(token, tap))).status).toBe(200);
    const rated = await eventually(async () => {
      const x = (await ticketOf(id)).ticket;
      return x['survey'] ? x : undefined;
    }, 10_000, 'the rating');
    expect(rated['survey']).toMatchObject({ kind: 'csat', score: 5, channel: 'telegram' });
    expect(rated['status']).toMatch(/resolved|closed/);
    expect(stack.metrics.events.filter((e) => e.name === 'SurveyResponses' && e.dimensions['Channel'] === 'telegram' && e.dimensions['Kind'] === 'csat').length).toBeGreaterThanOrEqual(1);
  });
});

describe('pending → reminder → auto-resolve → auto-close', () => {
  it('walks the whole life of a quiet ticket, then the next message opens a new one', async () => {
    const from = uniquePhone();
    const id = await openSms(from);
    const reply = await api(stack, 'POST', `/v1/tickets/${id}/replies`, { text: 'Could you send your order number?', author: 'ana' });
    expect(reply.status).toBe(201);
    await eventually(async () => ((await ticketOf(id)).ticket['status'] === 'pending' ? true : undefined), 10_000, 'pending');
    const reminder = await eventually(async () => (await ticketOf(id)).messages.find((m) => m['automated'] && m['text'] === 'Still need help? Just reply.' && m['deliveryStatus'] === 'sent'), 15_000, 'the reminder');
    expect(reminder).toBeTruthy();
    const resolved = await eventually(async () => {
      const t = (await ticketOf(id)).ticket;
      return t['status'] === 'resolved' || t['status'] === 'closed' ? t : undefined;
    }, 15_000, 'auto-resolve');
    expect(resolved['resolvedAt']).toBeTruthy();
    const autoResolve = (await eventsOf(id)).find((e) => e['type'] === 'status.changed' && e['to'] === 'resolved');
    expect(autoResolve).toMatchObject({ actor: 'automation', from: 'pending' });
    await eventually(async () => ((await ticketOf(id)).ticket['status'] === 'closed' ? true : undefined), 20_000, 'auto-close');
    const closed = (await eventsOf(id)).find((e) => e['type'] === 'status.changed' && e['to'] === 'closed');
    expect(closed).toMatchObject({ actor: 'automation', from: 'resolved' });
    // Exactly one reminder was sent in the pending spell.
    expect((await ticketOf(id)).messages.filter((m) => m['text'] === 'Still need help? Just reply.')).toHaveLength(1);
    // The next message (not a score) opens a new ticket.
    expect((await sendSms(stack, { from, body: 'hello again, another question' })).status).toBe(200);
    const all = await eventually(async () => {
      const l = await ticketsOf(stack, from);
      return l.length === 2 ? l : undefined;
    }, 10_000, 'a new ticket');
    expect(all.map((t) => t['status']).sort()).toEqual(['closed', 'open']);
  });

  it('a customer message while pending makes the timers stale: no reminder, no auto-resolve', async () => {
    const from = uniquePhone();
    const id = await openSms(from);
    await api(stack, 'POST', `/v1/tickets/${id}/replies`, { text: 'Which size?', author: 'ana' });
    await eventually(async () => ((await ticketOf(id)).ticket['status'] === 'pending' ? true : undefined), 10_000, 'pending');
    expect((await sendSms(stack, { from, body: 'size M please' })).status).toBe(200);
    await eventually(async () => ((await ticketOf(id)).ticket['status'] === 'open' ? true : undefined), 10_000, 'open again');
    await new Promise((r) => setTimeout(r, 4500));
    const t = await ticketOf(id);
    expect(t.ticket['status']).toBe('open');
    expect(t.messages.filter((m) => m['automated'])).toHaveLength(0);
  });
});

describe('STOP', () => {
  it('suppresses every automated message but not an agent’s reply; START reverses it', async () => {
    const from = uniquePhone();
    const id = await openSms(from, 'I need help with my bill');
    expect((await sendSms(stack, { from, body: 'STOP' })).status).toBe(200);
    await eventually(async () => ((await eventsOf(id)).some((e) => e['type'] === 'contact.opted_out') ? true : undefined), 10_000, 'the opt-out');
    expect((await ticketOf(id)).ticket['status']).toBe('open');
    // An agent's reply is still sent.
    const reply = await api(stack, 'POST', `/v1/tickets/${id}/replies`, { text: 'Your bill is corrected.', author: 'ana' });
    await eventually(async () => ((await ticketOf(id)).messages.find((m) => m['id'] === reply.json.message.id)?.['deliveryStatus'] === 'sent' ? true : undefined), 15_000, 'the reply sent');
    // The survey after resolution is recorded as not sent, and nothing automated reaches the provider.
    expect((await api(stack, 'PATCH', `/v1/tickets/${id}`, { status: 'resolved' })).status).toBe(200);
    const survey = await eventually(async () => (await ticketOf(id)).messages.find((m) => m['automated']), 15_000, 'the survey record');
    expect(survey).toMatchObject({ deliveryStatus: 'not_sent', deliveryError: expect.stringMatching(/^opted_out/) });
    expect(smsTo(from).map((r) => r.form.get('Body'))).toEqual(['Your bill is corrected.']);
    // START opts back in (recorded on the ticket the message lands on).
    expect((await sendSms(stack, { from, body: 'start' })).status).toBe(200);
    await eventually(async () => {
      const tickets = await ticketsOf(stack, from);
      for (const t of tickets) if ((await eventsOf(t['id'])).some((e) => e['type'] === 'contact.opted_in')) return true;
      return undefined;
    }, 10_000, 'the opt-in');
  });
});

describe('what is not a rating, and erased contacts', () => {
  it('a number answering an agent on a reopened ticket is a message, and a sentence starting with a number reopens', async () => {
    const from = uniquePhone();
    const id = await openSms(from);
    expect((await api(stack, 'PATCH', `/v1/tickets/${id}`, { status: 'resolved' })).status).toBe(200);
    await eventually(async () => ((await ticketOf(id)).ticket['surveyRequest']?.outcome === 'sent' ? true : undefined), 15_000, 'the survey');
    // Not a score: a request that happens to start with a number reopens the ticket.
    expect((await sendSms(stack, { from, body: '3 of my orders are still missing, please help' })).status).toBe(200);
    const reopened = await eventually(async () => {
      const t = (await ticketOf(id)).ticket;
      return t['status'] === 'open' ? t : undefined;
    }, 10_000, 'the reopen');
    expect(reopened['survey']).toBeNull();
    // The agent asks a question with numbered answers; the customer's "2" is an answer, not a rating.
    await api(stack, 'POST', `/v1/tickets/${id}/replies`, { text: 'Which one? Reply 1, 2 or 3', author: 'ana' });
    await eventually(async () => ((await ticketOf(id)).ticket['status'] === 'pending' ? true : undefined), 10_000, 'pending');
    expect((await sendSms(stack, { from, body: '2' })).status).toBe(200);
    const answered = await eventually(async () => {
      const t = (await ticketOf(id)).ticket;
      return t['status'] === 'open' ? t : undefined;
    }, 10_000, 'the answer reopening the conversation');
    expect(answered['survey']).toBeNull();
    expect((await eventsOf(id)).filter((e) => e['type'] === 'survey.rated')).toHaveLength(0);
  });

  it('erase redacts the rating comment and opted-out addresses; nothing more is sent to the erased ticket', async () => {
    const from = uniquePhone();
    const id = await openSms(from);
    await sendSms(stack, { from, body: 'STOP' });
    await sendSms(stack, { from, body: 'START' });
    await eventually(async () => ((await eventsOf(id)).some((e) => e['type'] === 'contact.opted_in') ? true : undefined), 10_000, 'the opt-in');
    expect((await api(stack, 'PATCH', `/v1/tickets/${id}`, { status: 'resolved' })).status).toBe(200);
    await eventually(async () => ((await ticketOf(id)).ticket['surveyRequest']?.outcome === 'sent' ? true : undefined), 15_000, 'the survey');
    expect((await sendSms(stack, { from, body: '2 - Jane Doe, 12 Main St' })).status).toBe(200);
    await eventually(async () => ((await ticketOf(id)).ticket['survey'] ? true : undefined), 10_000, 'the rating');
    const contactId = (await ticketOf(id)).ticket['contactId'] as string;
    expect((await api(stack, 'DELETE', `/v1/contacts/${contactId}`)).status).toBe(200);
    const after = await ticketOf(id);
    const events = await eventsOf(id);
    const everything = JSON.stringify([after, events, (await api(stack, 'GET', `/v1/contacts/${contactId}/export`)).json]);
    expect(everything).not.toContain(from);
    expect(everything).not.toContain('Jane Doe');
    expect(after.ticket['survey']).toMatchObject({ score: 2 });
    // A reply to the erased ticket has nowhere to go.
    const reply = await api(stack, 'POST', `/v1/tickets/${id}/replies`, { text: 'hello?' });
    expect(reply.status).toBe(409);
    expect(reply.json.error.code).toBe('contact_erased');
  });

  it('STOP on a new thread is recorded on a ticket closed at once; the next message opens a new one', async () => {
    const from = uniquePhone();
    expect((await sendSms(stack, { from, body: 'Stop' })).status).toBe(200);
    const [t] = await eventually(async () => {
      const l = await ticketsOf(stack, from);
      return l.length ? l : undefined;
    }, 10_000, 'the keyword ticket');
    expect(t!['status']).toBe('closed');
    expect((await eventsOf(t!['id'])).some((e) => e['type'] === 'contact.opted_out')).toBe(true);
    expect((await sendSms(stack, { from, body: 'I need help' })).status).toBe(200);
    const both = await eventually(async () => {
      const l = await ticketsOf(stack, from);
      return l.length === 2 ? l : undefined;
    }, 10_000, 'a new ticket');
    expect(both.map((x) => x['status']).sort()).toEqual(['closed', 'open']);
  });
});
